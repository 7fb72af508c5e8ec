"""``migrate geocode``: fill missing listing locations in any Intermediary file.

The file is streamed row by row. Listings without ``:im.listing/location`` get one from the
address in their publicData (``location.address`` by default); every other row is copied as read.
The output is written atomically: on any error the previous file at the output path is kept.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from migrate.edn.reader import DocumentReader, Entry
from migrate.edn.values import Keyword, Row
from migrate.edn.writer import RowWriter, dumps
from migrate.errors import MigrateError
from migrate.fileio import atomic_write
from migrate.geocode.report import GeocodeReport
from migrate.geocode.stage import GeocodeStage

LISTING_ID = Keyword("im.listing/id")
_LOCATION = Keyword("im.listing/location")
BATCH = 256
"""Rows read ahead so a provider that allows it can geocode their addresses in parallel."""

Progress = Callable[[int], None]


class FillError(MigrateError):
    """The input is not an Intermediary document whose rows can be copied."""


def fill_file(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    stage: GeocodeStage,
    *,
    progress: Progress | None = None,
) -> GeocodeReport:
    """Copy ``source`` to ``output`` with missing listing locations geocoded by ``stage``.

    Returns the stage's report (listings looked at, resolved per provider and precision, cache
    hits, failures with listing and address). Raises ``EdnSyntaxError`` for malformed edn and
    :class:`FillError` for a document without ``:ident`` or ``:data``; ``output`` is then left
    as it was.
    """
    started = time.perf_counter()
    report = stage.report
    report.rows = 0
    reader = DocumentReader(source)
    name = str(source)
    # Rows wait in a spool until :ident is known: it normally precedes :data, but may not.
    with (
        atomic_write(output) as stream,
        tempfile.SpooledTemporaryFile(max_size=1 << 22, mode="w+", encoding="utf-8") as spool,
    ):
        writer: RowWriter | None = None
        for batch in _batches(reader):
            stage.prefetch(_addresses_to_find(stage, batch))
            if writer is None and reader.header.ident_found:
                writer = _start(stream, reader, name)
                _copy(spool, stream)
            target = stream if writer is not None else spool
            for entry in batch:
                row = _listing(entry.value)
                if row is not None:
                    stage.apply(row)
                target.write(dumps(entry.value))
                target.write("\n")
                report.rows += 1
            if progress is not None:
                progress(report.rows)
        header = reader.header
        if not header.ident_found:
            raise FillError(f"{name}: the document has no :ident")
        if not header.data_found:
            raise FillError(f"{name}: the document has no :data")
        if writer is None:
            writer = _start(stream, reader, name)
            _copy(spool, stream)
        writer.close()
    report.seconds = time.perf_counter() - started
    return report


def _batches(reader: DocumentReader) -> Iterator[list[Entry]]:
    batch: list[Entry] = []
    for entry in reader:
        batch.append(entry)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _addresses_to_find(stage: GeocodeStage, batch: list[Entry]) -> Iterator[str]:
    for entry in batch:
        row = _listing(entry.value)
        if row is not None and row.attrs.get(_LOCATION) is None:
            address = stage.address_of(row)
            if address is not None:
                yield address


def _listing(value: Any) -> Row | None:
    """The listing row ``value`` is, sharing its attribute map, or ``None`` for anything else."""
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict)):
        return None
    id_tuple = value[0]
    if not (isinstance(id_tuple, tuple) and id_tuple and id_tuple[0] is LISTING_ID):
        return None
    import_id = next((part for part in id_tuple[1:] if isinstance(part, uuid.UUID)), None)
    alias = next((part for part in id_tuple[1:] if isinstance(part, Keyword)), None)
    return Row(LISTING_ID, import_id, alias, value[1])


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
