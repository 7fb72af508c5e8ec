"""Lookups: columns a record table takes from another source by key (``[records.TYPE.lookups]``).

A lookup reads the value of ``column`` in the row of source ``source`` whose ``key`` equals this
row's ``on``; a chain repeats that with the previous step's value as the next ``on``. The result
is a column of the record table's rows, named by the lookup, usable wherever a column is.

The rules, the same in both engines:

- keys compare as text: a string trimmed (Python's whitespace), an integer (JSON, SQL, of any
  size) by its decimal digits; a key cell of any other kind never matches;
- an empty or absent ``on`` gives an absent value, and so does an empty looked-up value;
- an ``on`` that no row has is the per-row reject ``lookup-unmatched`` (an absent value with
  ``missing = "absent"``), one that several rows have is ``lookup-ambiguous``: the strict
  reading, even when those rows agree on ``column``;
- an ``on`` that is neither text nor an integer (a float, a boolean, a date) is
  ``lookup-unmatched``: it cannot equal a key.

The other source's table is read once per record table, key and column only: as a dictionary
for the per-row path (:class:`RowTable`), as a Polars frame joined on each batch for the
columnar path (:class:`FrameTable`). Both give the same values, counts and messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from migrate.edn.show import show
from migrate.extract.paths import get_path

if TYPE_CHECKING:
    import polars as pl

UNMATCHED = "lookup-unmatched"
AMBIGUOUS = "lookup-ambiguous"
#: ``missing`` values: a key no row has is a reject (default) or an absent value.
MISSING_POLICIES = ("reject", "absent")


@dataclass(frozen=True)
class LookupStep:
    """One step of a lookup: the value of ``column`` in the ``source`` row whose ``key`` matches."""

    where: str  # the step's job key (for positions): records.review.lookups.host_id[1]
    source: str
    key: str
    column: str
    missing: str = "reject"


@dataclass(frozen=True)
class LookupSpec:
    """A named (or inline) lookup of a record table: the column ``name`` it adds to each row.

    ``on`` is a column of the record table's source, or the name of an earlier lookup of the
    table; ``steps`` run in order, each step's value the next step's key.
    """

    where: str  # the job key messages name: records.review.lookups.host_id
    name: str
    on: str
    steps: tuple[LookupStep, ...]
    inline: bool = False


class _NotAKey:
    """A non-empty ``on`` value of a kind that cannot be a key (float, boolean, date, …)."""

    __slots__ = ()


NOT_A_KEY = _NotAKey()


def key_text(value: Any) -> str | None | _NotAKey:
    """The text a value compares by: a string trimmed, an integer's digits; ``None`` when it is
    empty or absent; :data:`NOT_A_KEY` for anything else."""
    if value is None:
        return None
    if value.__class__ is str:
        text = value.strip()
        return text or None
    if value.__class__ is int:
        return str(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    return NOT_A_KEY


def _on_of(lookup: LookupSpec, index: int, record_source: str, by_name: Mapping[str, Any]) -> str:
    """What the ``on`` of step ``index`` is, for messages: ``listing_id of source "reviews"``."""
    if index > 0:
        before = lookup.steps[index - 1]
        return f"{before.column} of source {show(before.source)}"
    earlier = by_name.get(lookup.on)
    if earlier is not None:
        last = earlier.steps[-1]
        return f"{last.column} of source {show(last.source)}"
    return f"{lookup.on} of source {show(record_source)}"


def problem_message(
    lookup: LookupSpec,
    index: int,
    raw: Any,
    count: int,
    record_source: str,
    by_name: Mapping[str, Any],
) -> str:
    """The one-line message of a failed step: ``count`` rows matched (0 or more than 1)."""
    step = lookup.steps[index]
    text = key_text(raw)
    shown = show(text) if isinstance(text, str) else show(raw)
    on = _on_of(lookup, index, record_source, by_name)
    if isinstance(text, _NotAKey):
        return (
            f"{lookup.where}: {shown} ({on}) is {_kind(raw)}, not a key of source "
            f"{show(step.source)} (keys are text or integers)"
        )
    if count == 0:
        return (
            f"{lookup.where}: no row of source {show(step.source)} has {step.key} = {shown} ({on})"
        )
    return (
        f"{lookup.where}: {count} rows of source {show(step.source)} have {step.key} = {shown} "
        f"({on}); a lookup needs exactly one"
    )


def _kind(value: Any) -> str:
    from migrate.edn.show import kind_of

    kind = kind_of(value)
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def problem_code(raw: Any, count: int) -> str:
    """The rule code of a failed step (see :func:`problem_message`)."""
    return AMBIGUOUS if count > 1 and not isinstance(key_text(raw), _NotAKey) else UNMATCHED


def lookup_sources(lookups: Iterable[LookupSpec]) -> dict[tuple[str, str], list[str]]:
    """The tables a record table's lookups read: ``(source, key)`` -> the columns looked up
    by that key (each source read once per key, those columns only)."""
    tables: dict[tuple[str, str], list[str]] = {}
    for lookup in lookups:
        for step in lookup.steps:
            columns = tables.setdefault((step.source, step.key), [])
            if step.column not in columns:
                columns.append(step.column)
    return tables


# The per-row path --------------------------------------------------------------------------


class RowTable:
    """One lookup table as dictionaries: key text -> value, and the count of repeated keys."""

    def __init__(self, values: dict[str, Any], repeats: dict[str, int]) -> None:
        self.values = values
        self.repeats = repeats

    @classmethod
    def read(
        cls, rows: Iterable[Any], key: str, columns: Sequence[str]
    ) -> dict[tuple[str, str], RowTable]:
        """The tables of ``columns`` by ``key``, from one pass over ``rows`` (``SourceRow`` s);
        keyed by ``(key, column)``."""
        values: dict[str, dict[str, Any]] = {column: {} for column in columns}
        repeats: dict[str, int] = {}
        for row in rows:
            text = key_text(get_path(row.values, key))
            if not isinstance(text, str):
                continue  # an empty key, or one that is not text: no row can match it
            if text in repeats:
                repeats[text] += 1
            elif text in values[columns[0]]:
                repeats[text] = 2
            else:
                for column in columns:
                    values[column][text] = get_path(row.values, column)
        return {(key, column): cls(values[column], repeats) for column in columns}


def apply_rows(
    values: dict[str, Any],
    lookups: Sequence[LookupSpec],
    tables: Mapping[tuple[str, str, str], RowTable],  # (source, key, column) -> table
    record_source: str,
) -> tuple[str, str] | None:
    """Add each lookup's column to ``values`` (a row's dict); the first problem, if any, as
    ``(code, message)`` (the failed lookup's column and the rest of its chain are absent)."""
    problem: tuple[str, str] | None = None
    by_name = {lookup.name: lookup for lookup in lookups}
    for lookup in lookups:
        current = values.get(lookup.on) if lookup.on in by_name else get_path(values, lookup.on)
        for index, step in enumerate(lookup.steps):
            text = key_text(current)
            if text is None:
                current = None
                break
            table = tables[(step.source, step.key, step.column)]
            if isinstance(text, str) and text in table.values:
                count = table.repeats.get(text, 1)
                if count == 1:
                    current = table.values[text]
                    continue
            else:
                count = 0
                if step.missing == "absent" and isinstance(text, str):
                    current = None
                    break
            if problem is None:
                problem = (
                    problem_code(current, count),
                    problem_message(lookup, index, current, count, record_source, by_name),
                )
            current = None
            break
        values[lookup.name] = current
    return problem


# The columnar path -------------------------------------------------------------------------

_KEY = "__migrate_lookup_key"
_COUNT = "__migrate_lookup_count"
_VALUE = "__migrate_lookup_value"
_BAD = "__migrate_lookup_bad"


class FrameTable:
    """One lookup table as a frame: key text (unique), how many rows have it, the value of a
    key only one row has."""

    def __init__(self, keys: list[pl.Series], cells: list[pl.Series]) -> None:
        import polars as pl

        from migrate.extract.batches import column_series

        if not keys:
            keys, cells = [pl.Series(_KEY, [], pl.String)], [pl.Series(_VALUE, [], pl.String)]
        key_series = pl.concat(keys)
        if len({cell.dtype for cell in cells}) == 1:
            value_series = pl.concat(cells)
        else:  # batches of different types: the whole column as the batch contract types it
            value_series = column_series(_VALUE, [v for cell in cells for v in cell.to_list()])
        grouped = (
            pl.DataFrame([key_series.alias(_KEY)])
            .with_row_index("__index")
            .filter(pl.col(_KEY).is_not_null())
            .group_by(_KEY, maintain_order=True)
            .agg(pl.len().alias(_COUNT), pl.col("__index").first())
        )
        count = grouped.get_column(_COUNT).cast(pl.Int64)
        # a repeated key has no value: only a key of one row gives one
        index = grouped.select(pl.when(pl.col(_COUNT) == 1).then(pl.col("__index"))).to_series()
        self.frame = pl.DataFrame(
            [grouped.get_column(_KEY), count, value_series.gather(index).alias(_VALUE)]
        )

    @classmethod
    def read(
        cls, batches: Iterable[pl.DataFrame], key: str, columns: Sequence[str]
    ) -> dict[tuple[str, str], FrameTable]:
        """The tables of ``columns`` by ``key``, from one pass over a source's ``batches``
        (holding those columns); keyed by ``(key, column)``."""
        keys: list[pl.Series] = []
        cells: dict[str, list[pl.Series]] = {column: [] for column in columns}
        for frame in batches:
            keys.append(key_columns(frame.get_column(key))[0])
            for column in columns:
                cells[column].append(frame.get_column(column).alias(_VALUE))
        return {(key, column): cls(keys, cells[column]) for column in columns}


def key_columns(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """The key text of each cell (:func:`key_text`, null when empty or not a key) and whether
    the cell is a non-empty value that cannot be a key, as two series."""
    import polars as pl

    from migrate.convert.vector import py_strip

    dtype = series.dtype
    if dtype == pl.String:
        stripped = py_strip(pl.col("s"))
        frame = series.to_frame("s").select(
            pl.when(stripped == "").then(None).otherwise(stripped).alias(_KEY)
        )
        return frame.get_column(_KEY), pl.Series(_BAD, [False] * series.len(), pl.Boolean)
    if dtype.is_integer():
        return series.cast(pl.String).alias(_KEY), pl.Series(
            _BAD, [False] * series.len(), pl.Boolean
        )
    if dtype == pl.Object:
        texts = [key_text(value) for value in series.to_list()]
        return (
            pl.Series(_KEY, [t if isinstance(t, str) else None for t in texts], pl.String),
            pl.Series(_BAD, [isinstance(t, _NotAKey) for t in texts], pl.Boolean),
        )
    # floats, booleans, dates: never a key
    return (
        pl.Series(_KEY, [None] * series.len(), pl.String),
        series.is_not_null().alias(_BAD),
    )


def apply_frame(
    frame: pl.DataFrame,
    lookups: Sequence[LookupSpec],
    tables: Mapping[tuple[str, str, str], FrameTable],
    record_source: str,
) -> tuple[pl.DataFrame, pl.Series, pl.Series]:
    """``frame`` with each lookup's column added; the problem code and message of each row
    (null where the row is whole), equal to what :func:`apply_rows` gives row by row."""
    import polars as pl

    by_name = {lookup.name: lookup for lookup in lookups}
    height = frame.height
    code: list[Any] = [None] * height
    message: list[Any] = [None] * height
    any_problem = False
    added: dict[str, pl.Series] = {}
    for lookup in lookups:
        current = added[lookup.on] if lookup.on in added else frame.get_column(lookup.on)
        for index, step in enumerate(lookup.steps):
            text, bad = key_columns(current)
            table = tables[(step.source, step.key, step.column)].frame
            joined = pl.DataFrame([text.alias(_KEY)]).join(
                table, on=_KEY, how="left", maintain_order="left"
            )
            count = joined.get_column(_COUNT)
            value = joined.get_column(_VALUE)  # null unless exactly one row has the key
            unmatched = text.is_not_null() & count.is_null()
            failed = bad | (count > 1).fill_null(False)
            if step.missing != "absent":
                failed = failed | unmatched
            failed = failed.fill_null(False)
            if failed.any():
                raw = current.to_list()
                counts = count.to_list()
                for row in failed.arg_true().to_list():
                    if code[row] is None:
                        any_problem = True
                        n = counts[row] or 0
                        code[row] = problem_code(raw[row], n)
                        message[row] = problem_message(
                            lookup, index, raw[row], n, record_source, by_name
                        )
            current = _typed(value)
        added[lookup.name] = current.alias(lookup.name)
    out = frame.with_columns(list(added.values())) if added else frame
    if not any_problem:
        none = pl.Series([None] * height, dtype=pl.String)
        return out, none, none
    return out, pl.Series(code, dtype=pl.String), pl.Series(message, dtype=pl.String)


def _typed(series: pl.Series) -> pl.Series:
    """A looked-up column typed as the batch contract types a source column in this batch."""
    import polars as pl

    from migrate.extract.batches import column_series

    if series.null_count() == series.len() and series.dtype != pl.String:
        return pl.Series(series.name, [None] * series.len(), pl.String)
    if series.dtype == pl.Object:
        return column_series(series.name, series.to_list())
    return series


def lookup_names(lookups: Iterable[LookupSpec]) -> list[str]:
    """The columns the lookups add, in order."""
    return [lookup.name for lookup in lookups]


def record_columns(lookups: Sequence[LookupSpec]) -> Iterator[str]:
    """The columns of the record table's own source the lookups read (their first ``on``)."""
    names = set(lookup_names(lookups))
    for lookup in lookups:
        if lookup.on not in names:
            yield lookup.on


# The reference text (docs/job-file.md) -----------------------------------------------------

DOC = """\
## Lookups

A value that lives in another source is taken from it by key. Named lookups add columns to a
record table's rows, usable wherever a column is (`column =`, `{name}` in templates, `id`, `ref`,
extended data):

```toml
[records.review.lookups]
host_id = { source = "listings", on = "listing_id", key = "id", column = "host_id" }

[records.review.mapping]
subject = { ref = "user", column = "host_id" }
```

`host_id` is then, on each review, the `host_id` of the `listings` row whose `id` equals the
review's `listing_id`. Instead of `column`, a value spec or a reference may hold the lookup
itself (an anonymous one):

```toml
subject = { ref = "user", lookup = { source = "listings", on = "listing_id", key = "id", column = "host_id" } }
rating  = { lookup = { source = "listings", on = "listing_id", key = "id", column = "review_scores_rating" }, transform = "int" }
```

A chain is an array of steps; every step after the first omits `on`, its key being the step
before's value (review → transaction → listing → author). A named lookup's `on` may also name an
earlier named lookup of the same table:

```toml
author = { ref = "user", lookup = [
  { source = "transactions", on = "transaction_id", key = "id", column = "listing_id" },
  { source = "listings", key = "id", column = "author_id" },
] }
```

How values match, the same in both engines:

- Keys compare as text: a string trimmed, an integer from JSON or SQL by its decimal digits (so
  the CSV text `"4621559"` matches the JSON integer `4621559`, and 19-digit ids stay exact).
  A key cell that is neither text nor an integer never matches.
- An empty or absent `on` gives an absent value (an optional attribute is left out, a required
  one rejects the row as `attribute-required`); so does an empty value in `column`.
- A key no row has rejects the row: `lookup-unmatched`, naming the job key, both sources and
  the key, e.g. `records.review.mapping.subject: no row of source "listings" has id = "4621559"
  (listing_id of source "reviews")`. With `missing = "absent"` on that step it is an absent
  value instead.
- A key more than one row has rejects the row: `lookup-ambiguous`. This is the strict reading:
  even rows that agree on `column` are ambiguous, because the source is not keyed the way the
  job says; de-duplicate with a derived source (`SELECT DISTINCT`) when that is intended.
- An `on` that is a float, a boolean or a date is `lookup-unmatched` (it cannot equal a key).
- A row is rejected for the first failing lookup, in the order the job writes them (named
  lookups, then the mapping's).

The job check (exit 2, before any row is read) names unknown sources, a `key` or `column` the
other source lacks, an `on` the record's source lacks, and a lookup name that is already a
column of the record's source. The other source is read once per record table, key and column
only (a CSV file that other lookups or tables of the run read as well is parsed once for them
all, see [convert.md](convert.md)). A record table with `each` (child rows) cannot have lookups.

Keys of a lookup step:
"""
