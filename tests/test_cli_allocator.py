"""The command line sets Polars' allocator up before Polars is loaded (migrate.cli._allocator)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from migrate.cli._allocator import MALLOC_CONF

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="thread names are read from /proc (Linux)"
)

# What a command does, in short: the command line is loaded, then Polars works a while.
PROBE = """
import glob, os, sys
import migrate.cli
assert "polars" not in sys.modules, "the command line loaded Polars before its settings"
import polars as pl
frame = pl.DataFrame({"a": range(200_000)}).with_columns(pl.col("a") * 2)
names = {open(path).read().strip() for path in glob.glob("/proc/self/task/*/comm")}
# Polars puts its own defaults first and the override after them (the last one stands).
print(os.environ["_RJEM_MALLOC_CONF"].split(",", 2)[-1])
print("jemalloc_bg_thd" in names)
"""


def _probe(env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_the_command_line_gives_polars_a_purging_allocator():
    env = {key: value for key, value in os.environ.items() if key != "_RJEM_MALLOC_CONF"}
    assert _probe(env) == [MALLOC_CONF, "True"]


def test_settings_the_user_made_are_kept():
    env = {**os.environ, "_RJEM_MALLOC_CONF": "background_thread:false"}
    assert _probe(env) == ["background_thread:false", "False"]
