"""Columnar reading: a source's records as Polars frames, the contract of ``Source.batches``.

The columnar convert engine reads sources in batches of at most :data:`BATCH_ROWS` records, each
a :class:`polars.DataFrame` with the requested columns plus :data:`RECORD`, the 0-based number
of the record in the source (of the child row when ``each`` is set), increasing across batches.
The frame holds exactly the values ``Source.rows()`` gives for those columns, so the columnar
path and the per-row path see the same data:

- a column whose values in the batch are all text (or missing) is ``pl.String``; CSV columns
  always are, an empty cell is null as ``rows()`` gives ``None``;
- a column of one other JSON/SQL scalar type is that Polars type (``Boolean``, ``Int64``,
  ``Float64``, ``Date``, naive ``Datetime``);
- anything else in a batch (mixed types, nested objects or arrays, integers beyond 64 bits,
  decimals, datetimes with a zone) is ``pl.Object`` holding the exact Python values.

Origins are not carried in the frame: ``Source.origins(records)`` computes them on demand, for
the few records that are rejected, equal to the ``SourceRow.origin`` ``rows()`` gives.

Adapters with a native columnar reader (``polars.read_csv``, Arrow batches from SQL) implement
``batches``/``origins`` themselves; :func:`source_batches` and :func:`source_origins` fall back
to the generic row-based forms here for any adapter that does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import polars as pl

from migrate.extract.origin import Origin, SourceRow
from migrate.extract.paths import children, get_path

#: Largest number of records in one batch (bounded memory: one batch of one table at a time).
BATCH_ROWS = 200_000

#: Name of the column holding each record's 0-based number in its source.
RECORD = "__migrate_record"

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_NONE = type(None)


def source_batches(
    source: Any,
    columns: Sequence[str] | None = None,
    *,
    each: str | None = None,
    limit: int | None = None,
    size: int = BATCH_ROWS,
) -> Iterator[pl.DataFrame]:
    """``source.batches(...)`` when the adapter has it, else :func:`batches_from_rows`."""
    native = getattr(source, "batches", None)
    if native is not None:
        return native(columns, each=each, limit=limit, size=size)
    return batches_from_rows(source, columns, each=each, limit=limit, size=size)


def source_origins(source: Any, records: Iterable[int], *, each: str | None = None) -> dict:
    """``source.origins(...)`` when the adapter has it, else :func:`origins_from_rows`."""
    native = getattr(source, "origins", None)
    if native is not None:
        return native(records, each=each)
    return origins_from_rows(source, records, each=each)


def iter_records(
    source: Any, *, each: str | None = None, limit: int | None = None
) -> Iterator[Any]:
    """``rows()`` of ``source``, or the child rows of ``each``: the records the numbers count."""
    if each is None:
        yield from source.rows(limit=limit)
        return
    count = 0
    for parent in source.rows():
        for child in children(parent, each):
            if limit is not None and count >= limit:
                return
            count += 1
            yield child


def batches_from_rows(
    source: Any,
    columns: Sequence[str] | None = None,
    *,
    each: str | None = None,
    limit: int | None = None,
    size: int = BATCH_ROWS,
) -> Iterator[pl.DataFrame]:
    """Batches built from ``rows()``: the reference form of the contract, for any adapter."""
    names = list(columns) if columns is not None else None
    pending: list[Mapping[str, Any]] = []
    first = 0
    for row in iter_records(source, each=each, limit=limit):
        if names is None:
            names = list(source.columns())
        pending.append(row.values)
        if len(pending) >= size:
            yield frame_of(pending, names, first)
            first += len(pending)
            pending = []
    if pending or first == 0:
        yield frame_of(pending, names if names is not None else [], first)


def origins_from_rows(
    source: Any, records: Iterable[int], *, each: str | None = None
) -> dict[int, Origin]:
    """The origins of the given record numbers, by reading the records once up to the last."""
    wanted = set(records)
    found: dict[int, Origin] = {}
    if not wanted:
        return found
    last = max(wanted)
    for number, row in enumerate(iter_records(source, each=each)):
        if number in wanted:
            found[number] = row.origin
        if number >= last:
            break
    return found


def frame_of(
    values: Sequence[Mapping[str, Any]], columns: Sequence[str], first: int
) -> pl.DataFrame:
    """A batch frame of ``values`` (records as ``rows()`` gives them) numbered from ``first``."""
    cells = {name: column_cells(values, name) for name in columns}
    return frame_of_columns(cells, first, len(values))


_MISSING = object()


def column_cells(values: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    """``[get_path(row, name) for row in values]``, fast for ``key`` and ``key.field``."""
    if "." not in name:
        return [row.get(name) for row in values]
    parts = name.split(".")
    if len(parts) > 2:  # get_path prefers the longest dotted key on the way: keep its rule
        return [get_path(row, name) for row in values]
    cells = []
    for row in values:
        found: Any = row.get(name, _MISSING)
        if found is _MISSING:
            found = row
            for part in parts:
                if type(found) is not dict:
                    found = _MISSING
                    break
                found = found.get(part, _MISSING)
                if found is _MISSING:
                    break
            if found is _MISSING:  # dotted keys on the way, or no such field: the general rule
                found = get_path(row, name)
        cells.append(found)
    return cells


def frame_of_columns(cells: Mapping[str, list[Any]], first: int, height: int) -> pl.DataFrame:
    """A batch frame of ``height`` records given column by column, numbered from ``first``."""
    data = {name: column_series(name, column) for name, column in cells.items()}
    frame = pl.DataFrame(data, schema={name: series.dtype for name, series in data.items()})
    return frame.with_columns(pl.int_range(first, first + height, dtype=pl.Int64).alias(RECORD))


def column_series(name: str, cells: list[Any]) -> pl.Series:
    """One column of a batch, typed as the module docstring says."""
    dtype = _uniform_dtype(cells)
    if dtype is pl.Object:
        return pl.Series(name, cells, dtype=pl.Object)
    return pl.Series(name, cells, dtype=dtype, strict=True)


def _uniform_dtype(cells: list[Any]) -> Any:
    kinds = set(map(type, cells))
    kinds.discard(_NONE)
    if not kinds or kinds == {str}:
        return pl.String
    if len(kinds) > 1:
        return pl.Object
    (kind,) = kinds
    if kind is bool:
        return pl.Boolean
    if kind is int:
        present = [cell for cell in cells if cell is not None]
        if min(present) >= _INT64_MIN and max(present) <= _INT64_MAX:
            return pl.Int64
        return pl.Object
    if kind is float:
        return pl.Float64
    if kind is datetime:
        if all(cell.tzinfo is None for cell in cells if cell is not None):
            return pl.Datetime("us")
        return pl.Object
    if kind is date:
        return pl.Date
    return pl.Object


def batch_rows(frame: pl.DataFrame) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(record number, values)`` per row of a batch: its columns as Python values."""
    names = [name for name in frame.columns if name != RECORD]
    numbers = frame.get_column(RECORD).to_list()
    series = [frame.get_column(name).to_list() for name in names]
    for index, number in enumerate(numbers):
        yield number, {name: column[index] for name, column in zip(names, series, strict=True)}


def as_source_rows(frame: pl.DataFrame, origins: Mapping[int, Origin]) -> Iterator[SourceRow]:
    """A batch back as ``SourceRow`` s (for the per-row fallback), given the rows' origins."""
    for number, values in batch_rows(frame):
        yield SourceRow(values, origins[number])
