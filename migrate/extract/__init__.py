"""Source adapters: read legacy exports (CSV, JSON, SQL) as a stream of ``SourceRow``.

``SourceSpec.from_table`` checks a job's ``[sources.NAME]`` table, ``open_source(spec)`` gives a
``Source`` with ``columns()`` (cheap) and ``rows(limit=None)`` (streamed in chunks). The columnar
engine reads the same records as Polars frames through :mod:`migrate.extract.batches`
(``source_batches``/``source_origins``), natively where an adapter has ``batches``/``origins``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from migrate.errors import ConfigError, ExtractError
from migrate.extract.origin import Origin, SourceRow
from migrate.extract.paths import children, flatten_columns, get_path
from migrate.extract.spec import SourceSpec

__all__ = [
    "ConfigError",
    "ExtractError",
    "Origin",
    "Source",
    "SourceRow",
    "SourceSpec",
    "children",
    "flatten_columns",
    "get_path",
    "open_source",
]


class Source(Protocol):
    """What every adapter offers."""

    spec: SourceSpec

    def columns(self) -> list[str]:
        """Column names (nested JSON fields as dotted paths), read cheaply."""

    def rows(self, limit: int | None = None) -> Iterator[SourceRow]:
        """The records in source order, streamed."""


def open_source(spec: SourceSpec) -> Source:
    """The adapter for ``spec.type``; nothing is read until ``columns()`` or ``rows()``."""
    if spec.type == "csv":
        from migrate.extract.csv_source import CsvSource

        return CsvSource(spec)
    if spec.type == "json":
        from migrate.extract.json_source import JsonSource

        return JsonSource(spec)
    if spec.type == "query":
        from migrate.extract.query_source import QuerySource

        return QuerySource(spec)
    from migrate.extract.sql_source import SqlSource

    return SqlSource(spec)
