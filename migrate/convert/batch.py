"""The working frame of one batch: typed values as columns, fallback flags, per-value Python.

A plan (:mod:`migrate.convert.plan`) evaluates one batch of source rows step by step on a
:class:`Batch`. A step turns :class:`Val` columns into new ones; what it cannot decide exactly
it either hands to Python value by value (:meth:`Batch.per_value`: the per-row function, run
once per distinct value) or marks for the per-row path (:meth:`Batch.flag`), which then maps,
checks and writes the whole row with the reference code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from migrate.convert.vector import float_text
from migrate.edn.values import Money

#: How each kind of value is held in a column.
DTYPES: dict[str, pl.DataType] = {
    "str": pl.String(),
    "int": pl.Int64(),
    "bool": pl.Boolean(),
    "float": pl.Float64(),
    "instant": pl.Datetime("us", "UTC"),
    "datetime": pl.Datetime("us"),
    "date": pl.Date(),
    "money": pl.String(),  # the amount's decimal text; the currency is Val.currency
    "keyword": pl.String(),  # the keyword's text without the colon
    "strs": pl.List(pl.String()),  # a vector of texts (``text_list``), never empty
}

_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Val:
    """A column of values of one kind (see :data:`DTYPES`); null is Python's ``None``.

    ``currency`` is the currency code column of a ``money`` value, ``lng`` the longitude of a
    ``location`` (whose ``expr`` is the latitude), ``target`` the row type a ``ref`` points at
    (its ``expr`` is the target's source id). ``const`` holds the Python value when every row
    that has a value has this one (defaults such as a user's roles); ``expr`` then says where.
    """

    kind: str
    expr: pl.Expr
    currency: pl.Expr | None = None
    lng: pl.Expr | None = None
    target: str | None = None
    const: Any = None

    def present(self) -> pl.Expr:
        """True where there is a value."""
        return self.expr.is_not_null()

    def where(self, condition: pl.Expr) -> Val:
        """This value where ``condition`` holds, ``None`` elsewhere."""

        def keep(expr: pl.Expr) -> pl.Expr:
            return pl.when(condition).then(expr).otherwise(None)

        currency = None if self.currency is None else keep(self.currency)
        lng = None if self.lng is None else keep(self.lng)
        return replace(self, expr=keep(self.expr), currency=currency, lng=lng)


def none(kind: str) -> Val:
    """A column of ``None`` of ``kind``."""
    currency = pl.lit(None, dtype=pl.String) if kind == "money" else None
    return Val(kind, pl.lit(None, dtype=DTYPES[kind]), currency)


def kind_of_dtype(dtype: pl.DataType) -> str | None:
    """The kind of a source column of ``dtype``, or ``None`` (objects: per-row only)."""
    if dtype == pl.String:
        return "str"
    if dtype.is_integer():
        return "int"
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_float():
        return "float"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        return "datetime"
    return None


_FLAGGED = "__flagged"


#: What :meth:`Batch.few_rows` gives for a row whose function raised.
FAILED = object()


class Fallback(Exception):
    """Raised inside a per-value function: this value is left to the per-row path."""


class Batch:
    """One batch of source rows being evaluated; ``frame`` grows a column per step."""

    #: Flags gathered before they are folded into the flag column in one step.
    FLAGS_AT_ONCE = 32

    def __init__(self, frame: pl.DataFrame) -> None:
        self._count = 0
        self._made: set[str] = set()
        self._frame = frame.with_columns(pl.lit(False).alias(_FLAGGED))
        self._scope: pl.Expr | None = None
        # Conditions flagged but not yet in the flag column: a step of its own for each flag
        # would be a fifth of a plan's steps. Whoever reads the frame (or the flag column)
        # gets them folded in first.
        self._flags: list[pl.Expr] = []
        #: How many conditions were flagged so far (a step that must flag nothing checks it).
        self.flags_raised = 0

    @property
    def frame(self) -> pl.DataFrame:
        """The working frame, every flag so far in its flag column."""
        self._fold_flags()
        return self._frame

    @frame.setter
    def frame(self, frame: pl.DataFrame) -> None:
        self._fold_flags()
        self._frame = frame

    def _fold_flags(self) -> None:
        if self._flags:
            self._frame = self._frame.with_columns(
                pl.any_horizontal([pl.col(_FLAGGED), *self._flags]).alias(_FLAGGED)
            )
            self._flags = []

    @property
    def height(self) -> int:
        """Rows in the batch."""
        return self._frame.height

    def name(self, hint: str = "v") -> str:
        """A fresh internal column name."""
        self._count += 1
        name = f"__{hint}{self._count}"
        self._made.add(name)
        return name

    def put(self, expr: pl.Expr, hint: str = "v") -> pl.Expr:
        """Evaluate ``expr`` into a new column; returns a reference to it."""
        name = self.name(hint)
        if _FLAGGED in expr.meta.root_names():
            self._fold_flags()
        self._frame = self._frame.with_columns(expr.alias(name))
        return pl.col(name)

    def put_val(self, val: Val, hint: str = "v") -> Val:
        """Evaluate a value's columns; returns the value over the new columns."""
        expr = self.put(val.expr, hint)
        currency = self.put(val.currency, hint) if val.currency is not None else None
        lng = self.put(val.lng, hint) if val.lng is not None else None
        return replace(val, expr=expr, currency=currency, lng=lng)

    @contextlib.contextmanager
    def scope(self, condition: pl.Expr) -> Iterator[None]:
        """Within the block, only rows where ``condition`` holds can be flagged or given to
        Python (a later value spec matters only where the earlier ones gave nothing)."""
        previous = self._scope
        held = self.put(condition.fill_null(False), "sc")
        self._scope = held if previous is None else self.put(previous & held, "sc")
        try:
            yield
        finally:
            self._scope = previous

    def scoped(self, condition: pl.Expr) -> pl.Expr:
        """``condition`` limited to the current scope (nulls are false)."""
        condition = condition.fill_null(False)
        return condition if self._scope is None else condition & self._scope

    def flag(self, condition: pl.Expr) -> None:
        """Rows where ``condition`` is true go to the per-row path."""
        self._flags.append(self.scoped(condition))
        self.flags_raised += 1
        if len(self._flags) >= self.FLAGS_AT_ONCE:
            self._fold_flags()

    def fallback(self) -> pl.Expr:
        """True for the rows flagged so far (read it before flagging more)."""
        self._fold_flags()
        return pl.col(_FLAGGED)

    def release(self, keep: Iterable[Val | pl.Expr | None]) -> None:
        """Drop the working columns no expression of ``keep`` reads (bounded memory: a step's
        intermediate texts go once its result is computed)."""
        needed: set[str] = set()
        for item in keep:
            if item is None:
                continue
            exprs = [item] if isinstance(item, pl.Expr) else [item.expr, item.currency, item.lng]
            for expr in exprs:
                if expr is not None:
                    needed.update(expr.meta.root_names())
        if self._scope is not None:
            needed.update(self._scope.meta.root_names())
        drop = [name for name in self.frame.columns if name in self._made and name not in needed]
        if drop:
            self.frame = self.frame.drop(drop)
            self._made.difference_update(drop)

    def series(self, expr: pl.Expr) -> pl.Series:
        """``expr`` evaluated over the batch, as a series."""
        frame = self.frame if _FLAGGED in expr.meta.root_names() else self._frame
        return frame.select(expr.alias("__series")).to_series()

    def few_rows(
        self, inputs: Sequence[Val], function: Callable[..., Any], mask: pl.Expr
    ) -> tuple[pl.Series, list[Any]]:
        """``function(*values)`` in Python on each row of ``mask``, for the few rows a check
        picks out (``per_value`` hashes every row of the batch to spread its results back;
        this gathers the rows and :meth:`spread` scatters the results). Returns the rows'
        positions and the results, :data:`FAILED` where ``function`` raised."""
        positions = self.series(self.scoped(mask)).arg_true()
        if not positions.len():
            return positions, []
        picked = self.frame.select(
            *[val.expr.alias(f"__few{number}") for number, val in enumerate(inputs)]
        ).gather(positions)
        results: list[Any] = []
        for values in picked.iter_rows():
            try:
                results.append(function(*values))
            except Exception:  # the per-row path raises or rejects it the same way
                results.append(FAILED)
        return positions, results

    def spread(
        self, positions: pl.Series, items: Sequence[Any], dtype: pl.DataType, hint: str = "sp"
    ) -> pl.Expr:
        """A column of ``items`` at ``positions`` (from :meth:`few_rows`), null elsewhere
        (false for a Boolean column)."""
        fill = False if dtype == pl.Boolean else None
        column = pl.repeat(fill, self.height, dtype=dtype, eager=True)
        if positions.len():
            column = column.scatter(positions, pl.Series(list(items), dtype=dtype))
        return self.put(pl.lit(column), hint)

    def per_value(
        self,
        inputs: Sequence[Val],
        function: Callable[..., Any],
        kind: str,
        mask: pl.Expr,
    ) -> tuple[Val, pl.Expr]:
        """``function(*values)`` in Python, once per distinct input, on the rows of ``mask``.

        Returns the results as a value of ``kind`` (``None`` outside ``mask``) and a flag of
        the rows whose function raised (any exception) or gave what ``kind`` cannot hold:
        those go to the per-row path, which raises or rejects exactly as the reference does.
        """
        names = [self.name("in") for _ in inputs]
        frame = self.frame.select(
            *[val.expr.alias(name) for val, name in zip(inputs, names, strict=True)],
            self.scoped(mask).alias("__mask"),
        )
        picked = frame.filter(pl.col("__mask")).drop("__mask").unique(maintain_order=True)
        results: list[Any] = []
        currencies: list[str | None] = []
        failed: list[bool] = []
        for values in picked.iter_rows():
            try:
                result = function(*values)
                value, currency = _column_value(result, kind)
            except Exception:  # the per-row path raises or rejects it the same way
                value, currency, bad = None, None, True
            else:
                bad = False
            results.append(value)
            currencies.append(currency)
            failed.append(bad)
        table = picked.with_columns(
            pl.Series("__out", results, dtype=_holder_dtype(kind)),
            pl.Series("__cur", currencies, dtype=pl.String),
            pl.Series("__bad", failed, dtype=pl.Boolean),
        )
        if kind == "instant":
            table = table.with_columns(pl.col("__out").dt.replace_time_zone("UTC"))
        joined = frame.join(table, on=names, how="left", nulls_equal=True, maintain_order="left")
        inside = pl.col("__mask")
        joined = joined.with_columns(
            pl.when(inside).then(pl.col("__out")).otherwise(None).alias("__out"),
            pl.when(inside).then(pl.col("__cur")).otherwise(None).alias("__cur"),
            pl.when(inside).then(pl.col("__bad")).otherwise(False).alias("__bad"),
        )
        out_name, cur_name, bad_name = self.name("pv"), self.name("pc"), self.name("pb")
        self.frame = self.frame.with_columns(
            joined.get_column("__out").alias(out_name),
            joined.get_column("__cur").alias(cur_name),
            joined.get_column("__bad").fill_null(False).alias(bad_name),
        )
        value = pl.when(~pl.col(bad_name)).then(pl.col(out_name)).otherwise(None)
        money = pl.col(cur_name) if kind == "money" else None
        return Val(kind, value, money), pl.col(bad_name)


def _holder_dtype(kind: str) -> pl.DataType:
    if kind == "instant":
        return pl.Datetime("us")
    return DTYPES[kind]


def _column_value(result: Any, kind: str) -> tuple[Any, str | None]:
    """A Python result as the column of ``kind`` holds it (raises :class:`Fallback` if not)."""
    if result is None:
        return None, None
    if kind == "str":
        if type(result) is not str:
            raise Fallback
        return result, None
    if kind == "int":
        if type(result) is not int or not _INT64[0] <= result <= _INT64[1]:
            raise Fallback
        return result, None
    if kind == "bool":
        if type(result) is not bool:
            raise Fallback
        return result, None
    if kind == "float":
        if type(result) is not float:
            raise Fallback
        return result, None
    if kind == "instant":
        if type(result) is not datetime or result.tzinfo is None:
            raise Fallback
        utc = result.astimezone(UTC)
        if not 1000 <= utc.year <= 9998:
            raise Fallback
        return utc.replace(tzinfo=None), None
    if kind == "money":
        if type(result) is not Money or type(result.amount) is not Decimal:
            raise Fallback
        if type(result.currency) is not str:
            raise Fallback
        return str(result.amount), result.currency
    if kind == "keyword":
        raise Fallback
    if kind == "strs":
        if type(result) is not tuple or not result or any(type(item) is not str for item in result):
            raise Fallback
        return list(result), None
    if kind == "date" and type(result) is date:
        return result, None
    raise Fallback


def python_values(kind: str) -> Callable[[Any], Any]:
    """How a column value of ``kind`` becomes the Python value the per-row code sees."""
    if kind == "instant":
        return lambda value: None if value is None else value.replace(tzinfo=UTC)
    return lambda value: value


def text_of(val: Val) -> tuple[pl.Expr, pl.Expr] | None:
    """``str(value)`` of a value of a source kind, and where that text cannot be given."""
    if val.kind == "str":
        return val.expr, pl.lit(False)
    if val.kind == "int":
        return val.expr.cast(pl.String), pl.lit(False)
    if val.kind == "bool":
        text = pl.when(val.expr).then(pl.lit("True")).otherwise(pl.lit("False"))
        return pl.when(val.present()).then(text).otherwise(None), pl.lit(False)
    if val.kind == "float":
        text, ok = float_text(val.expr)
        return text, val.present() & ~ok
    return None


def as_text(batch: Batch, val: Val) -> Val:
    """``value if isinstance(value, str) else str(value)`` as a ``str`` value.

    Rows whose text cannot be given exactly are flagged for the per-row path.
    """
    converted = text_of(val)
    if converted is None:
        batch.flag(val.present())
        return replace(none("str"))
    text, unsure = converted
    batch.flag(unsure)
    return Val("str", text)
