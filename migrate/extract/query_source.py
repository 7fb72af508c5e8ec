"""Derived sources: ``[sources.NAME] type = "query"``, an SQL query over the job's other sources.

The query runs in Polars' SQL context (:class:`polars.SQLContext`) over one
:class:`polars.LazyFrame` per source it names: the columnar engine's own library, so there is
no second query engine, and lazy, so only the columns the query uses are read. Each table is
the source as its adapter reads it (:func:`migrate.extract.batches.source_batches`): CSV cells
are text, JSON and SQL scalars keep their type (taken from the first batch of records), integer
ids of any size are text. Tables are found as the query names them, so only those sources are
opened; a derived source may read another one, a cycle is an error.

A query's rows come in the order of its ``ORDER BY``; a query without one (whose row order SQL
leaves open, and Polars varies from run to run after ``GROUP BY``) is sorted by all its
columns, left to right, so the same input always gives the same rows in the same order. The
origin of a row is the query and the row's 1-based number: ``job.toml [sources.reviewers] row
12``. Mistakes in the SQL -- syntax, an unknown table or column, a type error -- are
configuration errors naming ``sources.NAME.sql``, found when the job is checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import polars as pl

from migrate.edn.show import show
from migrate.errors import ExtractError
from migrate.extract.batches import (
    BATCH_ROWS,
    RECORD,
    batch_rows,
    batches_from_rows,
    column_series,
    origins_from_rows,
    source_batches,
)
from migrate.extract.origin import Origin, SourceRow
from migrate.extract.spec import SourceSpec

#: Records of a JSON or SQL table read to take its column types from.
SCHEMA_ROWS = BATCH_ROWS

_RELATION = re.compile(r"relation '([^']+)' was not found")
_CONTRACT_TYPES = (pl.String, pl.Boolean, pl.Int64, pl.Float64, pl.Date)
# Plan nodes above a query's ORDER BY that keep its order (projections, LIMIT).
_KEEPS_ORDER = ("SELECT", "SLICE", "WITH_COLUMNS", "SIMPLE_PROJECTION", "[")


class QueryError(ExtractError):
    """A derived source's query cannot run: one line naming ``sources.NAME.sql``."""


class _TableFault(Exception):
    """A table's records cannot be given in the type its schema declares (raised inside Polars)."""


class QuerySource:
    """The rows of a derived source, computed by its query (see the module docstring)."""

    def __init__(
        self,
        spec: SourceSpec,
        _stack: tuple[str, ...] = (),
        _sources: dict[str, SourceSpec] | None = None,
    ) -> None:
        assert spec.sql is not None, "a query source has sql (SourceSpec requires it)"
        self.spec = spec
        self.sources = _sources if _sources is not None else dict(spec.job_sources)
        self._stack = (*_stack, spec.name)
        self._lazy: pl.LazyFrame | None = None
        self._schema: dict[str, Any] | None = None
        self._result: pl.DataFrame | None = None
        #: The job's sources the query reads (their names), known once :meth:`lazy` ran.
        self.tables: list[str] = []

    def _fail(self, message: str) -> QueryError:
        return QueryError(f"{self.spec.job_path}: sources.{self.spec.name}.sql: {message}")

    # the query

    def lazy(self) -> pl.LazyFrame:
        """The query as a lazy frame over the tables it names (each opened once)."""
        if self._lazy is not None:
            return self._lazy
        context = pl.SQLContext()
        registered: set[str] = set()
        while True:
            try:
                frame = context.execute(self.spec.sql or "", eager=False)
                schema = dict(frame.collect_schema())
            except pl.exceptions.SQLInterfaceError as error:
                missing = _RELATION.search(str(error))
                if missing is None or missing.group(1) in registered:
                    raise self._fail(_first_line(error)) from None
                name = missing.group(1)
                context.register(name, self._table(name))
                registered.add(name)
                continue
            except pl.exceptions.PolarsError as error:
                raise self._fail(_first_line(error)) from None
            break
        if not schema:
            raise self._fail("the query gives no columns")
        self._lazy, self._schema = frame, schema
        return frame

    def _table(self, name: str) -> pl.LazyFrame:
        spec = self.sources.get(name)
        if spec is None:  # SQL folds unquoted names to lower case
            spec = next((s for n, s in self.sources.items() if n.lower() == name.lower()), None)
        if spec is None:
            known = ", ".join(n for n in self.sources if n != self.spec.name) or "none defined"
            raise self._fail(f"no source named {show(name)} to read (sources: {known})")
        if spec.name not in self.tables:
            self.tables.append(spec.name)
        if spec.name in self._stack:
            cycle = " -> ".join((*self._stack, spec.name))
            raise self._fail(f"the query reads itself ({cycle}): derived sources cannot loop")
        if spec.type == "query":
            inner = QuerySource(spec, self._stack, self.sources)
            try:
                return inner.lazy()
            except QueryError as error:
                raise self._fail(f"source {show(spec.name)} cannot be read ({error})") from None
        return _adapter_frame(spec, self.spec.name)

    def _collected(self) -> pl.DataFrame:
        if self._result is None:
            from migrate.convert.shared_reads import query_result

            # a query two record tables read (a lookup's, an image table's) runs once a run
            self._result = query_result(self.spec, self._compute)
        return self._result

    def _compute(self) -> pl.DataFrame:
        """The query's result, in a stable order (see the module docstring)."""
        frame = self.lazy()
        try:
            result = frame.collect()
        except _TableFault as fault:
            raise self._fail(str(fault)) from None
        except pl.exceptions.PolarsError as error:
            inner = _table_fault(error)
            raise self._fail(inner or _first_line(error)) from None
        if not _ordered(frame):
            keys = [name for name, dtype in result.schema.items() if _sortable(dtype)]
            if keys:
                result = result.sort(keys, nulls_last=True, maintain_order=True)
        return result

    # the adapter interface

    def columns(self) -> list[str]:
        """The query's result columns (its schema: nothing is read but the tables' headers)."""
        self.lazy()
        assert self._schema is not None
        return list(self._schema)

    def batches(
        self,
        columns: Sequence[str] | None = None,
        *,
        each: str | None = None,
        limit: int | None = None,
        size: int = BATCH_ROWS,
    ) -> Iterator[pl.DataFrame]:
        """The result in frames of at most ``size`` rows (see :mod:`migrate.extract.batches`)."""
        if each is not None:  # a result has no arrays; the reference form says so per row
            yield from batches_from_rows(self, columns, each=each, limit=limit, size=size)
            return
        result = self._collected()
        names = list(columns) if columns is not None else list(result.columns)
        result = result.select(names)
        if limit is not None:
            result = result.head(limit)
        for start in range(0, max(result.height, 1), size):
            piece = result.slice(start, size)
            numbers = pl.int_range(start, start + piece.height, dtype=pl.Int64, eager=True)
            yield pl.DataFrame(
                [*(_contract(piece.get_column(name)) for name in names), numbers.alias(RECORD)]
            )

    def rows(self, limit: int | None = None) -> Iterator[SourceRow]:
        """The result's rows as ``SourceRow`` s, with their origins."""
        for frame in self.batches(None, limit=limit):
            for number, values in batch_rows(frame):
                yield SourceRow(values, self._origin(number))

    def origins(self, records: Iterable[int], *, each: str | None = None) -> dict[int, Origin]:
        """The origins of the given 0-based result rows: the query and the 1-based row."""
        if each is not None:
            return origins_from_rows(self, records, each=each)
        return {number: self._origin(number) for number in records}

    def _origin(self, number: int) -> Origin:
        return Origin(
            self.spec.name, f"{self.spec.job_path.name} [sources.{self.spec.name}] row {number + 1}"
        )

    def close(self) -> None:
        """Drop the computed result."""
        self._result = None


def _adapter_frame(spec: SourceSpec, query: str) -> pl.LazyFrame:
    """A source as a lazy frame: its records read by its adapter when the query runs, only
    the columns it uses."""
    from polars.io.plugins import register_io_source

    from migrate.convert.shared_reads import active, table_batches
    from migrate.extract import open_source

    # Polars runs ``read`` on a thread of its own: the run's shared reads are taken from here
    shared = active()
    source = open_source(spec)
    try:
        names = list(source.columns())
        if spec.type == "csv":
            schema: dict[str, Any] = dict.fromkeys(names, pl.String)
        else:
            first = next(iter(source_batches(source, names, limit=SCHEMA_ROWS)))
            schema = {}
            for name in names:
                dtype = _table_type(first.get_column(name))
                if dtype is not None:
                    schema[name] = dtype
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()

    def read(
        with_columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        wanted = list(with_columns) if with_columns is not None else list(schema)
        opened = open_source(spec)
        try:
            # the whole table (no LIMIT pushed down): a read the run may share
            frames = (
                table_batches(opened, wanted, scope=shared)
                if n_rows is None and shared is not None
                else source_batches(opened, wanted, limit=n_rows)
            )
            for frame in frames:
                columns = []
                for name in wanted:
                    columns.append(_as_declared(frame.get_column(name), schema[name], spec, query))
                out = pl.DataFrame(columns, schema={name: schema[name] for name in wanted})
                if predicate is not None:
                    out = out.filter(predicate)
                yield out
        finally:
            close = getattr(opened, "close", None)
            if close is not None:
                close()

    return register_io_source(read, schema=schema, explain_name=f"source {spec.name}")


def _table_type(series: pl.Series) -> Any:
    """The SQL type of a JSON/SQL column from its first records: its Polars type; text for
    integers beyond 64 bits and columns mixing text and integers; ``None`` (left out of the
    table) for nested values or other mixes, which SQL cannot compare."""
    if series.dtype != pl.Object:
        return series.dtype
    if all(_texts(value) is not None for value in series.to_list() if value is not None):
        return pl.String
    return None


def _texts(value: Any) -> str | None:
    from migrate.convert.lookups import key_text

    if value.__class__ is str:
        return str(value)
    text = key_text(value)
    return text if isinstance(text, str) else None


def _as_declared(series: pl.Series, dtype: Any, spec: SourceSpec, query: str) -> pl.Series:
    """One column of a table batch in its declared type, or :class:`_TableFault`."""
    if series.dtype == dtype:
        return series
    if series.null_count() == series.len():
        return pl.Series(series.name, [None] * series.len(), dtype)
    if dtype == pl.String and series.dtype == pl.Object:
        texts = [None if value is None else _texts(value) for value in series.to_list()]
        if all(
            t is not None for t, v in zip(texts, series.to_list(), strict=True) if v is not None
        ):
            return pl.Series(series.name, texts, pl.String)
    if dtype == pl.String and series.dtype.is_integer():
        return series.cast(pl.String)
    raise _TableFault(
        f"column {show(series.name)} of source {show(spec.name)} holds {_type_name(series.dtype)} "
        f"values after its first {SCHEMA_ROWS:,} records gave it {_type_name(dtype)} values "
        "(one type per column)"
    )


def _type_name(dtype: Any) -> str:
    return "mixed" if dtype == pl.Object else str(dtype).lower()


def _table_fault(error: Exception) -> str | None:
    """The message of a :class:`_TableFault` raised inside Polars' reading, when it is one."""
    text = str(error)
    marker = "_TableFault: "
    if marker in text:
        return text.split(marker, 1)[1].splitlines()[0].strip()
    return None


def _contract(series: pl.Series) -> pl.Series:
    """A result column typed as the batch contract types a source column (one batch)."""
    dtype = series.dtype
    if series.null_count() == series.len() and dtype != pl.String:
        return pl.Series(series.name, [None] * series.len(), pl.String)
    if dtype in _CONTRACT_TYPES:
        return series
    if isinstance(dtype, pl.Datetime) and dtype.time_unit == "us" and dtype.time_zone is None:
        return series
    if dtype.is_integer() and dtype not in (pl.UInt64,):
        return series.cast(pl.Int64)
    if dtype.is_float():
        return series.cast(pl.Float64)
    return column_series(series.name, series.to_list())


def _sortable(dtype: Any) -> bool:
    return not (dtype == pl.Object or dtype.is_nested())


def _ordered(frame: pl.LazyFrame) -> bool:
    """True when the query's result is in the order of an ``ORDER BY`` (its plan's top node,
    under projections and a ``LIMIT``, is a sort)."""
    for line in frame.explain(optimized=False).splitlines():
        node = line.strip()
        if node.startswith("SORT BY"):
            return True
        if not node or node.startswith(_KEEPS_ORDER):
            continue
        return False
    return False


_SQL_PLACE = re.compile(r" at Line: (\d+), Column: (\d+)$")


def _first_line(error: BaseException) -> str:
    """A Polars error's first line, its place in the query said as such."""
    text = str(error).strip()
    first = text.splitlines()[0].strip() if text else type(error).__name__
    first = _SQL_PLACE.sub(r" at line \1, column \2 of the query", first)
    return first[:1].lower() + first[1:]
