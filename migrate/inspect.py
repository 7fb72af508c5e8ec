"""``migrate inspect``: what an Intermediary file holds, counted in one streaming pass.

Rows per type, how rows are identified (alias, import id, neither), references per attribute
(by alias or by id), the ``:ident``, file size and read time. Nothing is validated here beyond
what reading requires: malformed edn raises :class:`~migrate.edn.errors.EdnSyntaxError`; a
``:data`` element that is not a row is counted as unrecognised (``migrate validate`` explains
why). Memory stays flat whatever the file size: only counters are kept.
"""

from __future__ import annotations

import os
import stat
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate import schemas
from migrate.edn.errors import EdnSyntaxError, RowShapeError
from migrate.edn.reader import DocumentReader, Header
from migrate.edn.rows import not_a_document, row_from_value
from migrate.edn.show import show
from migrate.edn.values import Keyword, Ref, Row
from migrate.edn.writer import EdnWriteError, dumps


class NotADocumentError(EdnSyntaxError):
    """The file is edn but its top-level value is not a map, so not an Intermediary document.

    A subclass of ``EdnSyntaxError`` so it reads and is reported the same way:
    ``FILE:LINE:COLUMN: message`` (an HTML page or binary data usually ends up here).
    """


@dataclass(frozen=True)
class TypeCount:
    """Rows of one type and how they are identified (a row may have both alias and id)."""

    rows: int = 0
    with_alias: int = 0
    with_import_id: int = 0
    with_neither: int = 0


@dataclass(frozen=True)
class ReferenceCount:
    """``#im/ref`` values of one attribute, by how they point at their target."""

    by_alias: int = 0
    by_id: int = 0


@dataclass(frozen=True)
class InspectReport:
    """The result of :func:`inspect_file`; ``to_dict()`` gives its JSON form."""

    path: str
    ident: str | None
    rows_total: int
    types: dict[str, TypeCount]
    references: dict[str, ReferenceCount]
    unrecognised_rows: int
    file_size: int | None  # None when the path is a pipe or device, whose size is unknown
    read_seconds: float
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, keys in a fixed order."""
        return {
            "path": self.path,
            "ident": self.ident,
            "rows_total": self.rows_total,
            "types": {
                name: {
                    "rows": count.rows,
                    "with_alias": count.with_alias,
                    "with_import_id": count.with_import_id,
                    "with_neither": count.with_neither,
                }
                for name, count in self.types.items()
            },
            "references": {
                key: {"by_alias": count.by_alias, "by_id": count.by_id}
                for key, count in self.references.items()
            },
            "unrecognised_rows": self.unrecognised_rows,
            "file_size": self.file_size,
            "read_seconds": round(self.read_seconds, 3),
            "notes": list(self.notes),
        }


class _Tally:
    """Mutable counters filled while streaming; frozen into an :class:`InspectReport`."""

    def __init__(self) -> None:
        self.rows: Counter[str] = Counter()
        self.alias: Counter[str] = Counter()
        self.import_id: Counter[str] = Counter()
        self.neither: Counter[str] = Counter()
        # By attribute: its keyword, or the edn text of a key that is not one ("author"), which
        # `migrate validate` reports; inspect only counts.
        self.by_alias: Counter[Keyword | str] = Counter()
        self.by_id: Counter[Keyword | str] = Counter()
        self.unrecognised = 0

    def add(self, row: Row) -> None:
        name = row.row_type
        self.rows[name] += 1
        if row.alias is not None:
            self.alias[name] += 1
        if row.import_id is not None:
            self.import_id[name] += 1
        if row.alias is None and row.import_id is None:
            self.neither[name] += 1
        # An explicit stack: extended data may nest as deep as the reader allows.
        stack: list[tuple[Keyword | str, Any]] = [
            (key if type(key) is Keyword else _describe(key), value)
            for key, value in row.attrs.items()
        ]
        while stack:
            key, value = stack.pop()
            if type(value) is Ref:
                if value.alias is not None:
                    self.by_alias[key] += 1
                elif value.import_id is not None:
                    self.by_id[key] += 1
            elif isinstance(value, dict):
                stack.extend(
                    (child_key if type(child_key) is Keyword else key, child)
                    for child_key, child in value.items()
                )
            elif isinstance(value, tuple | list | frozenset):
                stack.extend((key, child) for child in value)


def _type_order() -> dict[str, int]:
    return {row_type.name: index for index, row_type in enumerate(schemas.load().types)}


def _attribute_order() -> dict[Keyword, int]:
    order: dict[Keyword, int] = {}
    for row_type in schemas.load().types:
        for attribute in schemas.all_attributes(row_type):
            order.setdefault(attribute.key, len(order))
    return order


def _describe(value: Any) -> str:
    try:
        return dumps(value)
    except EdnWriteError:
        return show(value)


def _name(key: Keyword | str) -> str:
    return repr(key) if type(key) is Keyword else key  # type: ignore[return-value]


#: ``progress(bytes_read, file_size)``: called every :data:`PROGRESS_EVERY` rows and at the end.
Progress = Callable[[int, "int | None"], None]
PROGRESS_EVERY = 5_000


def inspect_file(
    path: str | os.PathLike[str],
    *,
    chunk_size: int = 1 << 20,
    progress: Progress | None = None,
) -> InspectReport:
    """Count what the Intermediary file at ``path`` holds, streaming it once.

    The file is read ``chunk_size`` characters at a time; memory use is bounded by the chunk and
    the largest row, not by the file. ``progress`` is told the bytes read so far.

    Raises ``EdnSyntaxError`` for malformed edn, :class:`NotADocumentError` when the top-level
    value is not a map, and ``OSError`` when the file cannot be read.
    """
    source = Path(path)
    status = source.stat()
    file_size = status.st_size if stat.S_ISREG(status.st_mode) else None
    tally = _Tally()
    started = time.perf_counter()
    if file_size is None:  # a pipe or a device cannot tell where it is: no progress
        progress = None
    with source.open("rb") as stream:
        reader = DocumentReader(stream, filename=str(path), chunk_size=chunk_size)
        for index, entry in enumerate(reader, 1):
            if progress is not None and index % PROGRESS_EVERY == 0:
                progress(stream.tell(), file_size)
            try:
                row = row_from_value(entry.value)
            except RowShapeError:
                tally.unrecognised += 1
                continue
            tally.add(row)
        if progress is not None:
            progress(stream.tell(), file_size)
    elapsed = time.perf_counter() - started
    header = reader.header
    problem = not_a_document(header, path)
    if problem is not None:
        message, (line, column) = problem
        raise NotADocumentError(message, str(path), line, column)

    type_order = _type_order()
    names = sorted(tally.rows, key=lambda name: (type_order.get(name, len(type_order)), name))
    attribute_order = _attribute_order()
    ref_keys = sorted(
        set(tally.by_alias) | set(tally.by_id),
        key=lambda key: (
            attribute_order.get(key, len(attribute_order)) if type(key) is Keyword else 1 << 30,
            key.text if type(key) is Keyword else key,
        ),
    )
    return InspectReport(
        path=str(path),
        ident=_describe(header.ident) if header.ident_found else None,
        rows_total=sum(tally.rows.values()) + tally.unrecognised,
        types={
            name: TypeCount(
                rows=tally.rows[name],
                with_alias=tally.alias[name],
                with_import_id=tally.import_id[name],
                with_neither=tally.neither[name],
            )
            for name in names
        },
        references={
            _name(key): ReferenceCount(by_alias=tally.by_alias[key], by_id=tally.by_id[key])
            for key in ref_keys
        },
        unrecognised_rows=tally.unrecognised,
        file_size=file_size,
        read_seconds=elapsed,
        notes=_notes(header),
    )


def _notes(header: Header) -> tuple[str, ...]:
    """What the document header says besides ``:ident`` and ``:data``, one short line each."""
    notes = []
    if not header.ident_found:
        notes.append("no :ident")
    if not header.data_found:
        notes.append("no :data")
    elif header.data_kind != "vector":
        notes.append(f":data is a {header.data_kind}, not a vector")
    for key, (line, column) in header.unknown_keys:
        notes.append(f"unknown top-level key {_describe(key)} at {line}:{column}")
    if header.trailing_content is not None:
        line, column = header.trailing_content
        notes.append(f"content after the top-level map at {line}:{column} is ignored")
    return tuple(notes)
