"""``migrate convert`` gives Polars one thread unless POLARS_MAX_THREADS says otherwise."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def _threads(env: dict[str, str]) -> str:
    script = (
        "from migrate.convert.threads import default_polars_threads\n"
        "default_polars_threads()\n"
        "import polars\n"
        "print(polars.thread_pool_size())\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT,
        env=env,
    )  # fmt: skip
    return completed.stdout.strip()


def test_one_polars_thread_by_default_and_the_variable_wins():
    import os

    env = {key: value for key, value in os.environ.items() if key != "POLARS_MAX_THREADS"}
    assert _threads(env) == "1"
    assert _threads({**env, "POLARS_MAX_THREADS": "2"}) == "2"


def test_nothing_changes_once_polars_is_loaded(monkeypatch):
    import polars  # noqa: F401

    from migrate.convert.threads import default_polars_threads

    monkeypatch.delenv("POLARS_MAX_THREADS", raising=False)
    assert default_polars_threads() is False
