"""JSON sources: an array (at the top or at a dotted path) or JSON Lines, streamed record by record.

Arrays are read by :mod:`migrate.extract.json_text` (bounded memory, exact numbers, a depth limit,
positions in every error); JSON Lines one line at a time with the same decoder and checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import IO, Any

import polars as pl

from migrate.errors import ExtractError
from migrate.extract.batches import BATCH_ROWS, batches_from_rows, frame_of, origins_from_rows
from migrate.extract.compressed import open_bytes
from migrate.extract.json_text import (
    DECODER,
    MAX_DEPTH,
    NO_ARRAY,
    JsonFault,
    JsonText,
    array_records,
    check_record,
    nesting_exceeds,
)
from migrate.extract.origin import Origin, SourceRow
from migrate.extract.paths import flatten_columns, get_path
from migrate.extract.spec import SourceSpec

COLUMN_SAMPLE = 100


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

    def batches(
        self,
        columns: Sequence[str] | None = None,
        *,
        each: str | None = None,
        limit: int | None = None,
        size: int = BATCH_ROWS,
    ) -> Iterator[pl.DataFrame]:
        """The records as Polars frames (see :mod:`migrate.extract.batches`), built straight
        from the parsed records, one batch at a time."""
        if each is not None:
            return batches_from_rows(self, columns, each=each, limit=limit, size=size)
        return self._batches(list(columns) if columns is not None else None, limit, size)

    def _batches(
        self, names: list[str] | None, limit: int | None, size: int
    ) -> Iterator[pl.DataFrame]:
        if names is None:
            names = self.columns()
        pending: list[dict] = []
        first = 0
        for row in self.rows(limit=limit):
            pending.append(row.values)  # type: ignore[arg-type]
            if len(pending) >= size:
                yield frame_of(pending, names, first)
                first += len(pending)
                pending = []
        if pending or first == 0:
            yield frame_of(pending, names, first)

    def origins(self, records: Iterable[int], *, each: str | None = None) -> dict[int, Origin]:
        """Origins of the given 0-based record numbers, equal to those ``rows()`` gives: array
        records are named by number (nothing is read), JSON Lines by line (one plain pass)."""
        wanted = sorted(set(records))
        if each is not None or not wanted:
            return origins_from_rows(self, wanted, each=each) if wanted else {}
        source, display = self.spec.name, self.display
        if self._format() != "lines":
            return {n: Origin(source, f"{display}:record {n + 1}") for n in wanted}
        found: dict[int, Origin] = {}
        position, number = 0, -1
        with self._open() as data:
            for line, raw in enumerate(data, 1):
                if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if not raw.strip():
                    continue
                number += 1
                if number == wanted[position]:
                    found[number] = Origin(source, f"{display}:{line}")
                    position += 1
                    if position == len(wanted):
                        break
        return found

    def _open(self) -> IO[bytes]:
        return open_bytes(self.path, self.display)

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
        path = self.spec.records.split(".") if self.spec.records else []
        with self._open() as data:
            text = JsonText(data)
            try:
                for count, record in enumerate(array_records(text, path), 1):
                    if record is NO_ARRAY:
                        raise self._no_array()
                    if not isinstance(record, dict):
                        raise ExtractError(
                            f"{display}: record {count} is {_kind(record)}, not an object"
                        )
                    yield SourceRow(record, Origin(source, f"{display}:record {count}"))
            except JsonFault as fault:
                raise ExtractError(f"{fault.where(display)}: {fault.message}") from None

    def _no_array(self) -> ExtractError:
        """A path that leads nowhere is a job mistake: say so."""
        where = f'at "{self.spec.records}"' if self.spec.records else "at the top level"
        return ExtractError(f"{self.display}: no array {where} (sources.{self.spec.name}.records)")

    def _lines(self) -> Iterator[SourceRow]:
        source, display = self.spec.name, self.display
        seen = False
        with self._open() as data:
            for number, raw in enumerate(data, 1):
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if not raw.strip():
                    continue
                seen = True
                record = self._line_record(raw, number)
                if not isinstance(record, dict):
                    raise ExtractError(f"{display}:{number}: {_kind(record)}, not an object")
                yield SourceRow(record, Origin(source, f"{display}:{number}"))
        if not seen:
            raise ExtractError(f"{display}: empty file (no JSON data)")

    def _line_record(self, raw: bytes, number: int) -> Any:
        display = self.display
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ExtractError(f"{display}:{number}: cannot decode bytes as utf-8") from None
        try:
            record, end = DECODER.raw_decode(text, len(text) - len(text.lstrip()))
            if text[end:].strip():
                raise json.JSONDecodeError("Extra data", text, end)
        except json.JSONDecodeError as error:
            raise ExtractError(
                f"{display}:{number}:{error.colno}: invalid JSON: {error.msg}"
            ) from None
        except RecursionError:
            index = nesting_exceeds(text, 0, len(text), 0)
            raise ExtractError(
                f"{display}:{number}:{max(index, 0) + 1}: invalid JSON: nested deeper than "
                f"{MAX_DEPTH} levels"
            ) from None
        except ValueError as error:
            raise ExtractError(f"{display}:{number}: invalid JSON: {error}") from None
        problem = check_record(record, text, 0, end, 0)
        if problem is not None:
            if problem.startswith("nested"):
                index = nesting_exceeds(text, 0, end, 0)
                raise ExtractError(f"{display}:{number}:{index + 1}: invalid JSON: {problem}")
            raise ExtractError(f"{display}:{number}: {problem}")
        return record


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
