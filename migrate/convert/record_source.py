"""The source a record table reads: the one seam both engines open a record spec's rows through.

``open_record_source(job, spec)`` is what the columnar engine (:mod:`migrate.convert.engine`),
the per-row mapper (:meth:`migrate.convert.mapping.Mapper.source_rows`), the load-time column
check (:mod:`migrate.convert.columns`) and the preview API open for a ``[records.TYPE]`` table.
It gives an object with the adapter interface of :mod:`migrate.extract` (``columns``, ``rows``,
and optionally ``batches``/``origins``/``close``), so whatever a record table adds on top of its
``[sources.NAME]`` (columns looked up in other sources, repeated rows folded into one entity)
is seen the same way by both engines: the per-row path stays the reference of the columnar one.

A row the record source cannot give whole carries :data:`PROBLEM_CODE` and
:data:`PROBLEM_MESSAGE`: the per-row mapper rejects it with that code and message (after reading
its source id), and the columnar plan sends every such row to the per-row path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from migrate.extract import open_source

#: Column a record source may add to a row it cannot give whole (a key a lookup does not find,
#: repeated rows that disagree): the rule code the row is rejected with. Null on good rows.
PROBLEM_CODE = "__migrate_problem_code"
#: The one-line message of :data:`PROBLEM_CODE`'s reject (values shown with ``show()``).
PROBLEM_MESSAGE = "__migrate_problem"
#: Optional: the reject's ``values`` as JSON text (an object; null or absent: ``{}``).
PROBLEM_VALUES = "__migrate_problem_values"


def open_record_source(job: Any, spec: Any) -> Any:
    """The rows of record table ``spec`` of ``job``: its ``[sources.NAME]`` as the adapter reads
    it, with the columns of its lookups added (:class:`LookupSource`), then repeated rows of
    one source id folded into one entity (:class:`migrate.convert.distinct.DistinctSource`);
    nothing is read until ``columns()``, ``rows()`` or ``batches()``."""
    source: Any = open_source(job.sources[spec.source])
    lookups = getattr(spec, "lookups", ())
    if not lookups and not getattr(spec, "distinct", False):
        source = SharedSource(source)
    distinct = getattr(spec, "distinct", False)
    if lookups:
        source = LookupSource(source, job, spec.source, tuple(lookups), whole=distinct)
    if distinct:  # after lookups: it groups the rows they complete
        from migrate.convert.distinct import DistinctSource

        source = DistinctSource(source, job, spec)
    return source


class LookupSource:
    """A record table's source with the columns of its lookups (:mod:`migrate.convert.lookups`).

    Each lookup's other source is read once, key and column only, when the first rows or batch
    are asked for: as dictionaries for ``rows()``, as a frame joined on each batch for
    ``batches()`` (that read shared with the run's other whole-table readers of the file,
    :mod:`migrate.convert.shared_reads`). A row whose lookup fails carries
    :data:`PROBLEM_CODE` and :data:`PROBLEM_MESSAGE`; record numbers and origins are the inner
    source's. ``whole``: the caller holds every row it is given (a ``distinct`` table), so the
    inner source's read may be shared too.
    """

    def __init__(
        self,
        inner: Any,
        job: Any,
        source_name: str,
        lookups: tuple[Any, ...],
        *,
        whole: bool = False,
    ) -> None:
        self.inner = inner
        self.whole = whole
        self.spec = getattr(inner, "spec", None)
        self.job = job
        self.source_name = source_name
        self.lookups = lookups
        self.names = [lookup.name for lookup in lookups]

    @property
    def line_index(self) -> Any:
        """The inner source's record lines (:class:`migrate.extract.csv_batches.LineIndex`)
        once it has been read through, or ``None``: a lookup adds columns, not rows."""
        return getattr(self.inner, "line_index", None)

    def columns(self) -> list[str]:
        """The source's columns, then the lookups' names."""
        own = list(self.inner.columns())
        return own + [name for name in self.names if name not in own]

    def _other(self, name: str) -> Any:
        return open_source(self.job.sources[name])

    def rows(self, limit: int | None = None) -> Iterator[Any]:
        """The inner rows with each lookup's column (and the problem columns) added."""
        from migrate.convert.lookups import RowTable, apply_rows, lookup_sources
        from migrate.extract.origin import SourceRow

        tables = {}
        for (source, key), columns in lookup_sources(self.lookups).items():
            other = self._other(source)
            try:
                for (_, column), table in RowTable.read(other.rows(), key, columns).items():
                    tables[(source, key, column)] = table
            finally:
                _close(other)
        for row in self.inner.rows(limit=limit):
            values = dict(row.values)
            problem = apply_rows(values, self.lookups, tables, self.source_name)
            values[PROBLEM_CODE], values[PROBLEM_MESSAGE] = problem or (None, None)
            yield SourceRow(values, row.origin)

    def batches(
        self,
        columns: Sequence[str] | None = None,
        *,
        each: str | None = None,
        limit: int | None = None,
        size: int | None = None,
    ) -> Iterator[Any]:
        """The inner batches with each lookup's column and the problem columns joined on."""
        from migrate.convert.lookups import FrameTable, apply_frame, lookup_sources, record_columns
        from migrate.convert.shared_reads import table_batches
        from migrate.extract.batches import BATCH_ROWS, RECORD, source_batches

        if each is not None:  # the job check refuses lookups with each
            raise ValueError("lookups on the child rows of each are not supported")
        wanted = list(columns) if columns is not None else self.columns()
        inner_columns = list(
            dict.fromkeys(
                [name for name in wanted if name not in self.names]
                + list(record_columns(self.lookups))
            )
        )
        tables = {}
        for (source, key), columns in lookup_sources(self.lookups).items():
            other = self._other(source)
            try:
                read = list(dict.fromkeys((key, *columns)))
                frames = table_batches(other, read)
                for (_, column), table in FrameTable.read(frames, key, columns).items():
                    tables[(source, key, column)] = table
            finally:
                _close(other)
        keep = [*dict.fromkeys(wanted), RECORD]
        if limit is None:
            batches = table_batches(
                self.inner, inner_columns, size=size or BATCH_ROWS, streamed=not self.whole
            )
        else:
            batches = source_batches(
                self.inner, inner_columns, limit=limit, size=size or BATCH_ROWS
            )
        for frame in batches:
            out, code, message = apply_frame(frame, self.lookups, tables, self.source_name)
            # the columns asked for (those the inner source gave), not the lookups' own keys
            yield out.select([name for name in keep if name in out.columns]).with_columns(
                code.alias(PROBLEM_CODE), message.alias(PROBLEM_MESSAGE)
            )

    def origins(self, records: Iterable[int], *, each: str | None = None) -> dict:
        """The inner source's origins (a lookup adds columns, not rows)."""
        from migrate.extract.batches import source_origins

        return source_origins(self.inner, records, each=each)

    def close(self) -> None:
        """Close the inner source."""
        _close(self.inner)


class SharedSource:
    """A record table's own source, its batches taken from the run's shared read of the file
    when the file is small enough to hold (:func:`migrate.convert.shared_reads.table_batches`
    with ``streamed``); everything else is the source's."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:  # the source's own attributes (spec, rows, ...)
        if name == "inner":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    @property
    def line_index(self) -> Any:
        """The source's record lines once it has been read through (or ``None``)."""
        return getattr(self.inner, "line_index", None)

    def batches(
        self,
        columns: Sequence[str] | None = None,
        *,
        each: str | None = None,
        limit: int | None = None,
        size: int | None = None,
    ) -> Iterator[Any]:
        """The source's batches (see the class docstring)."""
        from migrate.convert.shared_reads import table_batches
        from migrate.extract.batches import BATCH_ROWS, source_batches

        if each is not None or limit is not None:
            return source_batches(
                self.inner, columns, each=each, limit=limit, size=size or BATCH_ROWS
            )
        wanted = list(columns) if columns is not None else list(self.inner.columns())
        return table_batches(self.inner, wanted, size=size or BATCH_ROWS, streamed=True)

    def origins(self, records: Iterable[int], *, each: str | None = None) -> dict:
        """The source's origins."""
        from migrate.extract.batches import source_origins

        return source_origins(self.inner, records, each=each)

    def close(self) -> None:
        """Close the source."""
        _close(self.inner)


def _close(source: Any) -> None:
    close = getattr(source, "close", None)
    if close is not None:
        close()


__all__ = [
    "PROBLEM_CODE",
    "PROBLEM_MESSAGE",
    "PROBLEM_VALUES",
    "LookupSource",
    "open_record_source",
]
