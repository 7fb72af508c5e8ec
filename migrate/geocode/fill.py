"""``migrate geocode``: fill missing listing locations in any Intermediary file.

The file is streamed row by row. Listings without ``:im.listing/location`` get one from the
address in their publicData (``location.address`` by default); every other row is copied as read.
The output is written atomically: on any error the previous file at the output path is kept.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

from migrate import schemas
from migrate.edn.errors import EdnSyntaxError, RowShapeError
from migrate.edn.reader import DocumentReader, Entry
from migrate.edn.rows import not_a_document, row_from_value
from migrate.edn.values import Keyword, Row
from migrate.edn.writer import RowWriter, dumps
from migrate.errors import MigrateError
from migrate.geocode.report import GeocodeReport
from migrate.geocode.stage import GeocodeStage
from migrate.inspect import NotADocumentError
from migrate.output_set import replace_file

LISTING_ID = schemas.key("im.listing/id")
_LOCATION = schemas.key("im.listing/location")
BATCH = 256
"""Rows read ahead so a provider that allows it can geocode their addresses in parallel."""

#: ``progress(report)`` after each listing: the report counts what was looked up so far.
Progress = Callable[[GeocodeReport], None]


class FillError(MigrateError):
    """The input is not an Intermediary document whose rows can be copied."""


class _NotRows:
    """``:data`` elements that are not rows: how many, and the first one's message and place."""

    def __init__(self) -> None:
        self.count = 0
        self.first: tuple[str, tuple[int, int]] | None = None

    def add(self, entry: Entry, error: RowShapeError) -> None:
        self.count += 1
        if self.first is None:
            self.first = error.message, entry.position(error.path)

    def error(self, name: str) -> FillError:
        """``FILE:LINE:COLUMN: …`` at the first non-row, with the count when there are more."""
        assert self.first is not None, "error() is called after add()"
        message, (line, column) = self.first
        if self.count == 1:
            summary = "a :data element is not a row"
        else:
            summary = f"{self.count} :data elements are not rows; the first"
        return FillError(f"{name}:{line}:{column}: {summary}: {message}")


def fill_file(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    stage: GeocodeStage,
    *,
    progress: Progress | None = None,
) -> GeocodeReport:
    """Copy ``source`` to ``output`` with missing listing locations geocoded by ``stage``.

    Returns the stage's report (listings looked at, resolved per provider and precision, cache
    hits, failures with listing and address). Raises ``EdnSyntaxError`` for malformed edn,
    ``NotADocumentError`` (an ``EdnSyntaxError``) when the top-level value is not a map, and
    :class:`FillError` for a document without ``:ident`` or ``:data`` or with ``:data`` elements
    that are not rows (``FILE:LINE:COLUMN`` of the first, and how many); ``output`` is then left
    as it was. Once a non-row is found nothing more is geocoded: the run will fail anyway.
    """
    started = time.perf_counter()
    report = stage.report
    report.rows = 0
    reader = DocumentReader(source)
    name = str(source)
    # Rows wait in a spool until :ident is known: it normally precedes :data, but may not.
    with (
        replace_file(output) as stream,  # locked, checked first, in place at the end
        tempfile.SpooledTemporaryFile(max_size=1 << 22, mode="w+", encoding="utf-8") as spool,
    ):
        writer: RowWriter | None = None
        not_rows = _NotRows()
        for batch in _batches(reader):
            listings = _listings(batch, not_rows)
            if not_rows.count:
                report.rows += len(batch)
                continue
            stage.prefetch(_addresses_to_find(stage, listings))
            if writer is None and reader.header.ident_found:
                writer = _start(stream, reader, name)
                _copy(spool, stream)
            target = stream if writer is not None else spool
            for entry, row in zip(batch, listings, strict=True):
                if row is not None:
                    stage.apply(row)
                    if progress is not None:
                        progress(report)
                target.write(dumps(entry.value))
                target.write("\n")
                report.rows += 1
        header = reader.header
        problem = not_a_document(header, source)
        if problem is not None:
            message, (line, column) = problem
            raise NotADocumentError(message, name, line, column)
        if not_rows.count:
            raise not_rows.error(name)
        if not header.ident_found:
            raise FillError(f"{name}: the document has no :ident")
        if not header.data_found:
            raise FillError(f"{name}: the document has no :data")
        if header.data_kind not in ("vector", "list"):
            line, column = header.data_position or (1, 1)
            raise FillError(
                f"{name}:{line}:{column}: :data must be a vector, not a {header.data_kind}"
            )
        if writer is None:
            writer = _start(stream, reader, name)
            _copy(spool, stream)
        writer.close()
    report.seconds = time.perf_counter() - started
    return report


def addresses_to_look_up(source: str | os.PathLike[str], stage: GeocodeStage) -> int:
    """How many listings of ``source`` have an address and no location: the geocoding to do.

    A quick pass (reading is far faster than any geocoder) that gives progress its total; a
    file that does not read is left to :func:`fill_file` to report.
    """
    found = 0
    try:
        for batch in _batches(DocumentReader(source)):
            found += sum(1 for _ in _addresses_to_find(stage, _listings(batch, _NotRows())))
    except (EdnSyntaxError, MigrateError, OSError, ValueError):
        pass  # fill_file reports it, with its position
    return found


def looked_up(report: GeocodeReport) -> int:
    """Listings whose address has been geocoded so far (found or not)."""
    return report.listings - report.kept - report.no_address


def _batches(reader: DocumentReader) -> Iterator[list[Entry]]:
    batch: list[Entry] = []
    for entry in reader:
        batch.append(entry)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _listings(batch: list[Entry], not_rows: _NotRows) -> list[Row | None]:
    """The listing row of each entry (sharing its attribute map), ``None`` for other rows.

    Elements that are not rows are counted in ``not_rows``.
    """
    listings: list[Row | None] = []
    for entry in batch:
        try:
            row = row_from_value(entry.value)
        except RowShapeError as error:
            not_rows.add(entry, error)
            row = None
        listings.append(row if row is not None and row.id_attr is LISTING_ID else None)
    return listings


def _addresses_to_find(stage: GeocodeStage, listings: list[Row | None]) -> Iterator[str]:
    for row in listings:
        if row is not None and row.attrs.get(_LOCATION) is None:
            address = stage.address_of(row)
            if address is not None:
                yield address


def _start(stream: Any, reader: DocumentReader, name: str) -> RowWriter:
    ident = reader.header.ident
    if not isinstance(ident, Keyword):
        raise FillError(f"{name}: :ident must be a keyword, not {dumps(ident)}")
    return RowWriter(stream, ident)


def _copy(spool: Any, stream: Any) -> None:
    spool.seek(0)
    while chunk := spool.read(1 << 16):
        stream.write(chunk)
    spool.seek(0)
    spool.truncate()
