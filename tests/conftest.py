"""Shared test fixtures and the integration-component gate."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
OFFICIAL_EXAMPLE = SAMPLES / "official-example.edn"


def integration_required() -> bool:
    """True when CI demands the real components (``MIGRATE_REQUIRE_INTEGRATION=1``)."""
    return os.environ.get("MIGRATE_REQUIRE_INTEGRATION") == "1"


def need_component(available: bool, reason: str) -> None:
    """Skip the calling test when a real component is missing, or fail when CI requires it."""
    if available:
        return
    if integration_required():
        pytest.fail(f"{reason} (MIGRATE_REQUIRE_INTEGRATION=1)")
    pytest.skip(reason)


@pytest.fixture
def clojure_bin() -> str:
    """Path of the ``clojure`` command (Debian package ``clojure``)."""
    path = shutil.which("clojure")
    need_component(path is not None, "clojure is not installed (apt-get install clojure)")
    return path  # type: ignore[return-value]


@pytest.fixture
def official_example() -> Path:
    """The bundled copy of the spec's full example."""
    return OFFICIAL_EXAMPLE
