"""JSON sources: an array (at the top or at a dotted path) streamed by ijson, or JSON Lines."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from itertools import islice
from typing import Any

import ijson

from migrate.errors import ExtractError
from migrate.extract.origin import Origin, SourceRow
from migrate.extract.paths import flatten_columns, get_path
from migrate.extract.spec import SourceSpec

COLUMN_SAMPLE = 100
# On a syntax error the file is parsed once more with the json module to name line and column;
# above this size that second pass would cost too much memory, so the record number must do.
_RELOCATE_LIMIT = 256 * 1024 * 1024


class JsonSource:
    """Records of a JSON document or JSON Lines file, one ``SourceRow`` per object."""

    def __init__(self, spec: SourceSpec) -> None:
        assert spec.path is not None, "a JSON source has a path (SourceSpec requires it)"
        self.spec = spec
        self.path = spec.path
        self.display = spec.path.name

    def columns(self) -> list[str]:
        """Fields of the first records, nested objects as dotted paths (``location.city``)."""
        seen: dict[str, None] = {}
        for row in self.rows(limit=COLUMN_SAMPLE):
            for column in flatten_columns(row.values):
                seen.setdefault(column, None)
        return list(seen)

    def child_columns(self, path: str) -> list[str]:
        """Columns of the child rows ``children(row, path)`` yields (element and ``parent.``)."""
        seen: dict[str, None] = {}
        parent: dict[str, None] = {}
        for row in self.rows(limit=COLUMN_SAMPLE):
            for element in get_path(row.values, path) or ():
                if isinstance(element, dict):
                    for column in flatten_columns(element):
                        seen.setdefault(column, None)
                else:
                    seen.setdefault("value", None)
            for column in flatten_columns({k: v for k, v in row.values.items() if k != path}):
                parent.setdefault(f"parent.{column}", None)
        return list(seen) + list(parent)

    def rows(self, limit: int | None = None) -> Iterator[SourceRow]:
        """Each record, streamed; ``limit`` stops early."""
        if not self.path.is_file():
            raise ExtractError(f"{self.path}: file not found (sources.{self.spec.name}.path)")
        rows = self._lines() if self._format() == "lines" else self._array()
        return islice(rows, limit) if limit is not None else rows

    def _open(self) -> gzip.GzipFile | io.BufferedReader:
        if self.path.name.endswith(".gz"):
            return gzip.open(self.path, "rb")
        return open(self.path, "rb")

    def _format(self) -> str:
        if self.spec.format != "auto":
            return self.spec.format
        if self.spec.records is not None:
            return "array"
        with self._open() as data:
            head = data.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        return "array" if head.startswith(b"[") else "lines"

    def _array(self) -> Iterator[SourceRow]:
        source, display = self.spec.name, self.display
        prefix = f"{self.spec.records}.item" if self.spec.records else "item"
        count = 0
        with self._open() as data:
            try:
                for count, record in enumerate(ijson.items(data, prefix, use_float=True), 1):
                    if not isinstance(record, dict):
                        raise ExtractError(
                            f"{display}: record {count} is {_kind(record)}, not an object"
                        )
                    yield SourceRow(record, Origin(source, f"{display}:record {count}"))
            except ijson.JSONError as error:
                raise self._syntax_error(error, count) from None
        if count == 0:
            self._check_array_exists(prefix)

    def _check_array_exists(self, prefix: str) -> None:
        """An empty array is fine; a path that leads nowhere is a job mistake, say so."""
        array = prefix[: -len(".item")] if prefix != "item" else ""
        with self._open() as data:
            for path, event, _ in ijson.parse(data):
                if path == array and event == "start_array":
                    return
        where = f'at "{self.spec.records}"' if self.spec.records else "at the top level"
        raise ExtractError(f"{self.display}: no array {where} (sources.{self.spec.name}.records)")

    def _syntax_error(self, error: Exception, count: int) -> ExtractError:
        with self._open() as data:
            for number, raw in enumerate(data, 1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    return ExtractError(f"{self.display}:{number}: cannot decode bytes as utf-8")
        if self.path.stat().st_size <= _RELOCATE_LIMIT:
            with self._open() as data:
                text = data.read().decode("utf-8-sig", errors="replace")
            try:
                json.loads(text)
            except json.JSONDecodeError as located:
                return ExtractError(
                    f"{self.display}:{located.lineno}:{located.colno}: invalid JSON: {located.msg}"
                )
        return ExtractError(f"{self.display}: invalid JSON after record {count}")

    def _lines(self) -> Iterator[SourceRow]:
        source, display = self.spec.name, self.display
        with self._open() as data:
            for number, raw in enumerate(data, 1):
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except UnicodeDecodeError:
                    raise ExtractError(
                        f"{display}:{number}: cannot decode bytes as utf-8"
                    ) from None
                except json.JSONDecodeError as error:
                    raise ExtractError(
                        f"{display}:{number}:{error.colno}: invalid JSON: {error.msg}"
                    ) from None
                if not isinstance(record, dict):
                    raise ExtractError(f"{display}:{number}: {_kind(record)}, not an object")
                yield SourceRow(record, Origin(source, f"{display}:{number}"))


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
