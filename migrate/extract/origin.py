"""Where a source row came from, and the row itself as the extract adapters hand it over."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Origin:
    """The source name and a human location, e.g. ``Origin("users", "users.csv:12")``."""

    source: str
    location: str

    def __str__(self) -> str:
        return self.location


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One record of a source: column (or nested field) -> value, and its origin.

    CSV values are strings (``None`` for an empty cell); JSON and SQL values are the native
    scalars of the source, nested JSON objects stay dicts (reach them with ``get_path``).
    """

    values: Mapping[str, Any]
    origin: Origin
