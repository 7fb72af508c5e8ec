"""Reads shared within one conversion: a CSV file parsed once for every reader that holds it whole.

A relational job reads one export file many times: Stayfinch's ``listings.csv`` is the
source of the hosts (a ``distinct`` table), of the two derived sources' queries, of the
reviews' lookups, of the listings and of their cover images. Most of those readers hold the
rows they read whole anyway -- a lookup's table, a query's input, a ``distinct`` table's
groups -- and each of them parsed the whole file (Polars parses every column to find where
multi-line records start) for a few columns.

Inside :func:`shared_reads` (which :func:`migrate.convert.pipeline.convert` enters for a run),
such whole-table readers ask :func:`table_batches` instead of the source: the first one
parses the file once for the union of the columns every whole-table reader of the job is
known to read (:func:`whole_columns`, from the job file) and the columns it asks for; the
frames are kept for the rest of the run and each later reader gets a projection of them,
in batches of the size it asks for, exactly the frames the source would have given (the
batch contract cuts a read into batches of ``size`` records, so slicing the one read gives
the same batches). A reader asking for a column nobody foresaw makes the file be parsed
again with that column added. The results of derived sources' queries are kept the same way
(:func:`query_result`), so a query read by two record tables runs once.

The streamed record tables of a file (the listings themselves, their cover images, the
reviews: read batch by batch) share the read too when the file is at most
:data:`SHARE_BYTES` long, not compressed and read more than once by the job (:func:`readers`;
:class:`migrate.convert.record_source.SharedSource`, their columns foreseen by
:func:`streamed_columns`): the run then holds that file's columns, a bounded amount, for its
whole length instead of parsing it once per table. A
longer file is parsed once for its whole-table readers (what they held anyway, only kept
longer: narrow columns) and once by each streamed table, batch by batch, as before; so is a
read with a ``limit``. Outside a scope nothing is shared and every read goes to its source,
as it always did. A file that changed since it was read (its size or modification time) is
read again, and a file read through once is not checked again for the shapes Polars reads
unlike the reference reader (:func:`file_check`).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from migrate.extract import batches as _batches
from migrate.extract.batches import BATCH_ROWS, RECORD

#: Files at most this long (uncompressed) are parsed once a run for all their readers, the
#: streamed record tables too (what the run holds is then bounded by this, per file); a
#: longer file is parsed once for its whole-table readers and once more by each streamed
#: table, batch by batch, as before.
SHARE_BYTES = 64 << 20


@dataclass
class _Table:
    """One CSV file's shared read: the columns read, the frame, where its records start."""

    columns: tuple[str, ...]
    frame: pl.DataFrame
    line_index: Any  # migrate.extract.csv_batches.LineIndex (complete) or None


@dataclass
class SharedReads:
    """The reads shared within one scope (see the module docstring).

    ``hints`` names, per source, the columns its whole-table readers are known to read, so
    that the first read parses them all; ``reads`` counts the files parsed (for the tests).
    """

    hints: dict[str, set[str]] = field(default_factory=dict)
    #: per source, the columns its streamed record tables read (shared for small files only)
    streamed: dict[str, set[str]] = field(default_factory=dict)
    #: per source, how many times the job reads it (record tables, lookups, queries' tables)
    readers: dict[str, int] = field(default_factory=dict)
    tables: dict[tuple[Any, ...], _Table] = field(default_factory=dict)
    queries: dict[Any, pl.DataFrame] = field(default_factory=dict)
    #: CSV files (spec, size, modification time) read through whose slices all passed the
    #: check for shapes Polars reads unlike the reference: the same bytes pass it again
    checked: set[tuple[Any, ...]] = field(default_factory=set)
    reads: int = 0
    closed: bool = False


_SCOPE: contextvars.ContextVar[SharedReads | None] = contextvars.ContextVar(
    "migrate_shared_reads", default=None
)


@contextlib.contextmanager
def shared_reads(job: Any = None) -> Iterator[SharedReads]:
    """Share whole-table reads until the block ends (nested scopes share the outer one's);
    ``job`` gives the columns to read at the first read of each file (:func:`whole_columns`)."""
    current = _SCOPE.get()
    if current is not None:
        yield current
        return
    scope = SharedReads(
        hints=whole_columns(job) if job is not None else {},
        streamed=streamed_columns(job) if job is not None else {},
        readers=readers(job) if job is not None else {},
    )
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)
        scope.closed = True  # a lazy query built inside keeps it: it shares nothing more
        scope.tables.clear()
        scope.queries.clear()
        scope.checked.clear()


def active() -> SharedReads | None:
    """The current scope, or ``None`` outside :func:`shared_reads`."""
    return _SCOPE.get()


def whole_columns(job: Any) -> dict[str, set[str]]:
    """The columns of each source that whole-table readers of ``job`` read, as far as the job
    file says: a lookup's key and column, a ``distinct`` table's columns (and its lookups'
    ``on``). A derived source's query reads what its plan projects, known only when it runs:
    its first read adds those columns (a hint is only a guess, never needed for correctness)."""
    from migrate.convert.lookups import lookup_names, record_columns

    hints: dict[str, set[str]] = {}
    for spec in getattr(job, "records", ()):
        lookups = tuple(getattr(spec, "lookups", ()))
        for lookup in lookups:
            for step in lookup.steps:
                hints.setdefault(step.source, set()).update((step.key, step.column))
        if getattr(spec, "distinct", False):
            added = set(lookup_names(lookups))
            own = {name for name in spec.columns if name not in added}
            hints.setdefault(spec.source, set()).update(own, record_columns(lookups))
    return hints


def streamed_columns(job: Any) -> dict[str, set[str]]:
    """The columns of each source that ``job``'s streamed record tables read (those without
    ``distinct`` or ``each``): shared with the whole-table readers of a file of at most
    :data:`SHARE_BYTES`."""
    from migrate.convert.lookups import lookup_names, record_columns

    columns: dict[str, set[str]] = {}
    for spec in getattr(job, "records", ()):
        if getattr(spec, "distinct", False) or getattr(spec, "each", None) is not None:
            continue
        lookups = tuple(getattr(spec, "lookups", ()))
        added = set(lookup_names(lookups))
        own = {name for name in spec.columns if name not in added}
        columns.setdefault(spec.source, set()).update(own, record_columns(lookups))
    return columns


def readers(job: Any) -> dict[str, int]:
    """How many times ``job`` reads each source: once per record table over it, per lookup
    step into it and per derived source (itself read) whose query names it. A file read once
    is never held for a streamed table: there is nothing to share. A query's tables are those
    its plan names, built as the job check builds it (the tables' headers, or the first
    records of a JSON or SQL table, are read)."""
    from migrate.extract.query_source import QueryError, QuerySource

    counts: dict[str, int] = {}
    pending: list[str] = []

    def read(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1
        pending.append(name)

    for spec in getattr(job, "records", ()):
        read(spec.source)
        for lookup in getattr(spec, "lookups", ()):
            for step in lookup.steps:
                read(step.source)
    seen: set[str] = set()
    sources = getattr(job, "sources", {})
    while pending:
        name = pending.pop()
        spec = sources.get(name)
        if name in seen or spec is None or spec.type != "query":
            continue
        seen.add(name)
        query = QuerySource(spec)
        try:
            query.lazy()  # the tables' headers only
        except QueryError:
            continue  # the job check names it; the run itself fails there
        for table in query.tables:
            read(table)
    return counts


def _shareable(source: Any) -> bool:
    """Only a CSV file itself: a wrapper's rows (a lookup's columns added) are its own."""
    from migrate.extract.csv_source import CsvSource

    return isinstance(source, CsvSource)


def _file_state(source: Any) -> tuple[int, int] | None:
    try:
        status = source.path.stat()
    except OSError:
        return None  # the source's own read names the missing file
    return status.st_size, status.st_mtime_ns


def table_batches(
    source: Any,
    columns: Sequence[str],
    *,
    size: int = BATCH_ROWS,
    scope: SharedReads | None = None,
    streamed: bool = False,
) -> Iterator[pl.DataFrame]:
    """The batches of ``columns`` of ``source`` (no ``each``, no limit) for a reader that holds
    them all: from the shared read of the file in ``scope`` (default: the current one) when
    there is one, and ``source``'s ``line_index`` set to that read's, so its origins need no
    second scan; else from the source itself, as
    :func:`migrate.extract.batches.source_batches` gives them.

    ``streamed``: the reader is a record table that would read the file batch by batch;
    it shares the read only when the file is at most :data:`SHARE_BYTES` long.

    ``scope`` is for a reader that runs where the current scope is not seen: a derived
    source's table is read by Polars when the query runs, on a thread of Polars' own."""
    scope = scope if scope is not None else _SCOPE.get()
    if scope is not None and scope.closed:
        scope = None
    state = _file_state(source) if scope is not None and _shareable(source) else None
    # a compressed file's length says little about what it holds: never held for streaming
    small = (
        state is not None
        and state[0] <= SHARE_BYTES
        and source.path.suffix != ".gz"
        and scope is not None
        and scope.readers.get(source.spec.name, 0) > 1
    )
    if scope is None or state is None or (streamed and not small):
        yield from _batches.source_batches(source, list(columns), size=size)
        return
    key = (source.spec, state)
    wanted = list(dict.fromkeys(columns))
    table = scope.tables.get(key)
    if table is None or not set(wanted) <= set(table.columns):
        held = table.columns if table is not None else ()
        foreseen = set(scope.hints.get(source.spec.name, ()))
        if small:
            foreseen |= scope.streamed.get(source.spec.name, set())
        read = tuple(dict.fromkeys([*held, *wanted, *sorted(foreseen)]))
        # the scope seen by the CSV reader too, on whatever thread this runs (see above)
        token = _SCOPE.set(scope)
        try:
            frame = _concat(_batches.source_batches(source, list(read), size=BATCH_ROWS), read)
        finally:
            _SCOPE.reset(token)
        scope.reads += 1
        table = scope.tables[key] = _Table(read, frame, source.line_index)
    else:
        source.line_index = table.line_index
    frame = table.frame.select([*wanted, RECORD])
    for start in range(0, max(frame.height, 1), size):
        yield frame.slice(start, size)


def _concat(frames: Iterable[pl.DataFrame], columns: Sequence[str]) -> pl.DataFrame:
    parts = list(frames)
    if not parts:  # the batch contract always gives one frame; kept safe all the same
        schema = dict.fromkeys([*columns, RECORD], pl.String) | {RECORD: pl.Int64}
        return pl.DataFrame(schema=schema)
    return pl.concat(parts, how="vertical") if len(parts) > 1 else parts[0]


def file_check(source: Any) -> tuple[tuple[Any, ...] | None, bool]:
    """What CSV ``source``'s file is now (its spec, size and modification time; ``None``
    outside a scope) and whether this scope read it so, to its end, through Polars: then
    every slice passed :func:`migrate.extract.csv_batches` 's check, and since the slices
    are cut the same way each time, the check need not run again."""
    scope = _SCOPE.get()
    if scope is None or scope.closed:
        return None, False
    state = _file_state(source)
    if state is None:
        return None, False
    key = (source.spec, *state)
    return key, key in scope.checked


def note_checked(key: tuple[Any, ...] | None) -> None:
    """Note that the file ``key`` (from :func:`file_check`, taken before the read) was read
    to its end and passed the check."""
    scope = _SCOPE.get()
    if key is not None and scope is not None and not scope.closed:
        scope.checked.add(key)


def query_result(key: Any, compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """A derived source's collected result, computed once per scope (``key`` names the
    query: its spec); outside a scope, computed each time."""
    scope = _SCOPE.get()
    if scope is None or scope.closed:
        return compute()
    found = scope.queries.get(key)
    if found is None:
        found = scope.queries[key] = compute()
    return found


__all__ = [
    "file_check",
    "note_checked",
    "SharedReads",
    "active",
    "query_result",
    "shared_reads",
    "table_batches",
    "whole_columns",
]
