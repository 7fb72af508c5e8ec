"""Attribute kinds in convert: how a mapped value becomes the schema's kind, and its edn text.

The schema (``schemas/intermediary.toml``) gives every attribute a kind (``string``,
``integer``, ``instant``, ``money``, ``enum`` …). After its transforms and map, a value is
*coerced* to that kind: a string attribute takes the text of the value, an integer attribute
``"3"`` or ``3.0``, an instant attribute a parsed date read in the job's time zone, a money
attribute an amount in the row's currency, an enum attribute the keyword a text names.

Both engines live here, side by side per kind: :class:`Coercion` is the per-row form (the
reference), :func:`vector_coerce` the columnar one, and :func:`render` writes a columnar value
as :mod:`migrate.edn.writer` writes the Python one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from migrate.convert.batch import Batch, Val, as_text, none
from migrate.convert.job import Defaults, enum_keyword
from migrate.convert.transforms import (
    compile_transform,
    money_parser,
    parse_boolean,
    python_rest,
    to_int,
    vector_int,
    vector_local_to_utc,
    vector_steps,
)
from migrate.convert.vector import (
    batch_edn_string_body,
    edn_string,
    float_text,
    is_ascii,
    py_blank,
    py_strip,
    uuid5_texts,
)
from migrate.edn.show import show
from migrate.edn.values import Keyword, Money
from migrate.schemas import Attribute

TEXT_KINDS = ("string", "email", "url")


class EnumError(Exception):
    """A value that names none of an enum's keywords (rejected as ``enum-value``, not as a
    failed transform)."""

    def __init__(self, attribute: Attribute, value: Any) -> None:
        names = ", ".join(item.name for item in attribute.values)
        super().__init__(f"{attribute.key.text}: {show(value)} is not one of {names}")
        self.attribute = attribute
        self.value = value


# The per-row form ---------------------------------------------------------------------------


class Coercion:
    """Coerces mapped values to their attribute's kind, row by row (the reference form).

    Raises :class:`TransformError` for a value the kind cannot take (``transform-failed``),
    :class:`EnumError` for an enum value that names no keyword (``enum-value``).
    """

    def __init__(self, defaults: Defaults) -> None:
        self.defaults = defaults
        self.zone = ZoneInfo(defaults.timezone)
        self._parse_date = compile_transform("date", defaults.transform_context)
        self._money_parsers: dict[str | None, Callable[[Any], Any]] = {}

    def coercer(self, attribute: Attribute) -> Callable[[Any, str | None], Any]:
        """:meth:`coerce` specialised to one attribute: ``coerce(value, currency)``."""
        kind = attribute.kind
        if kind in TEXT_KINDS:

            def coerce_text(value: Any, currency: str | None) -> Any:
                text = value if isinstance(value, str) else str(value)
                return text if text and not text.isspace() else None

            return coerce_text
        if kind == "integer":
            return lambda value, currency: to_int(value)
        if kind == "instant":

            def coerce_instant(value: Any, currency: str | None) -> Any:
                if value.__class__ is datetime and value.tzinfo is not None:
                    return value
                return self.instant(value)

            return coerce_instant
        coerce = self.coerce
        return lambda value, currency: coerce(value, attribute, currency)

    def coerce(self, value: Any, attribute: Attribute, currency: str | None) -> Any:
        """``value`` as ``attribute``'s kind; ``None`` for a blank text."""
        kind = attribute.kind
        if kind in TEXT_KINDS:
            text = value if isinstance(value, str) else str(value)
            return text if text.strip() else None
        if kind == "integer":
            return to_int(value)
        if kind == "boolean":
            return parse_boolean(value)
        if kind == "instant":
            return self.instant(value)
        if kind == "money":
            if isinstance(value, Money):
                return value
            return self.money_parser(currency or self.defaults.currency)(value)
        if kind == "enum":
            return self.enum(value, attribute)
        if kind == "enum-set":
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(self.enum(item, attribute) for item in items if not _empty(item))
        return value

    def money_parser(self, currency: str | None) -> Callable[[Any], Any]:
        """The money parser of ``currency`` (cached)."""
        parser = self._money_parsers.get(currency)
        if parser is None:
            parser = self._money_parsers[currency] = money_parser(currency)
        return parser

    def instant(self, value: Any) -> datetime:
        """A date, naive date-time (read in the job's zone) or text as an aware instant."""
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=self.zone)
            return value
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=self.zone)
        return self._parse_date(value)

    def enum(self, value: Any, attribute: Attribute) -> Keyword:
        """The keyword of ``attribute`` that ``value`` names (raises :class:`EnumError`)."""
        if isinstance(value, Keyword) and value in attribute.values:
            return value
        keyword = enum_keyword(value, attribute.values)
        if keyword is None:
            raise EnumError(attribute, value)
        return keyword


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == {}


# The columnar form ----------------------------------------------------------------------------


def vector_coerce(
    batch: Batch,
    val: Val,
    attribute: Attribute,
    currency: pl.Expr | None,
    coercion: Coercion,
) -> Val:
    """``coercion.coercer(attribute)`` as columns; what it cannot decide is flagged or left to
    Python (see :meth:`migrate.convert.batch.Batch.per_value`)."""
    kind = attribute.kind
    if kind in TEXT_KINDS:
        text = batch.put(as_text(batch, val).expr, "ct")
        return Val("str", pl.when(py_blank(text)).then(None).otherwise(text))
    if kind == "integer":
        result, undecided = vector_int(batch, val)
        return _rest(batch, result, val, undecided, "int", lambda value: to_int(value))
    if kind == "boolean":
        if val.kind == "bool":
            return val
        (step,) = vector_steps("boolean")
        return step.form(batch, val, step, None)  # type: ignore[misc]
    if kind == "instant":
        return _vector_instant(batch, val, coercion)
    if kind == "money":
        if val.kind == "money":
            return val
        (step,) = vector_steps({"name": "money"}, coercion.defaults.transform_context)
        code = currency if currency is not None else pl.lit(coercion.defaults.currency)
        return step.form(batch, val, step, code)  # type: ignore[misc]
    if kind == "enum":
        return vector_enum(batch, val, attribute)
    batch.flag(val.present())  # enum-set and the rest: the per-row path
    return none("keyword")


def _rest(
    batch: Batch,
    result: Val,
    given: Val,
    undecided: pl.Expr,
    kind: str,
    function: Callable[[Any], Any],
) -> Val:
    mask = batch.put(batch.scoped(undecided & given.present()), "cm")
    if batch.series(mask.any()).item() is not True:
        return result
    python, failed = batch.per_value([given], function, kind, mask)
    batch.flag(failed)
    return batch.put_val(Val(kind, pl.when(mask).then(python.expr).otherwise(result.expr)))


def _vector_instant(batch: Batch, val: Val, coercion: Coercion) -> Val:
    if val.kind == "instant":
        return val
    zone = coercion.defaults.timezone
    if val.kind in ("datetime", "date"):
        naive = val.expr if val.kind == "datetime" else val.expr.cast(pl.Datetime("us"))
        local, undecided = vector_local_to_utc(batch, naive, zone)
        return _rest(batch, local, val, undecided, "instant", coercion.instant)
    (step,) = vector_steps("date", coercion.defaults.transform_context)
    return step.form(batch, val, step, None)  # type: ignore[misc]


def vector_enum(batch: Batch, val: Val, attribute: Attribute) -> Val:
    """:func:`migrate.convert.job.enum_keyword` as a column: the keyword's text.

    A value naming no keyword is flagged (the per-row path rejects it as ``enum-value``).
    """
    if val.kind == "keyword":
        return val
    if val.kind != "str":
        batch.flag(val.present())
        return none("keyword")
    names: dict[str, str] = {}
    for keyword in reversed(attribute.values):  # the first keyword naming a text wins
        names[keyword.text] = keyword.text
        names[keyword.name] = keyword.text
    key = py_strip(val.expr).str.strip_chars_start(":")
    found = key.replace_strict(names, default=None, return_dtype=pl.String)
    found = batch.put(found, "en")
    batch.flag(val.present() & found.is_null())
    return Val("keyword", found)


# Python values of columns (for rules without a columnar form) ---------------------------------


def python_of(batch: Batch, val: Val, ident: str) -> tuple[list[Val], Callable[..., Any]] | None:
    """The columns holding ``val`` and how a row of them becomes the Python value, or ``None``
    for a kind that is only checked row by row."""
    from datetime import UTC
    from decimal import Decimal

    from migrate.convert.ids import id_attr, import_id
    from migrate.edn.values import Location, Ref

    if val.kind in ("str", "int", "bool"):
        return [val], lambda value: value
    if val.kind == "strs":  # a column's list is the per-row engine's tuple
        return [val], tuple
    if val.kind == "instant":
        return [val], lambda value: value.astimezone(UTC)
    if val.kind == "keyword":
        return [val], Keyword
    if val.kind == "money" and val.currency is not None:
        return [val, Val("str", val.currency)], lambda amount, code: Money(Decimal(amount), code)
    if val.kind == "location" and val.lng is not None:
        return [val, Val("float", val.lng)], lambda lat, lng: Location(lat, lng)
    if val.kind == "ref" and val.target is not None:
        target = val.target
        attr = id_attr(target)
        return [val], lambda sid: Ref.to_id(attr, import_id(ident, target, sid))
    return None


# edn text ---------------------------------------------------------------------------------------


def render_parts(
    batch: Batch, val: Val, ident: str, ids: Any = None
) -> tuple[str, pl.Expr, str] | None:
    """The edn text of a string or reference value as ``(opening, middle, closing)``: the
    text is ``opening + middle + closing`` where there is a value, and ``middle`` is null
    where there is none; ``None`` for other values (see :func:`render`).

    A row's text puts the literal parts beside its key, so a string's characters are copied
    once, into the row's text, not first into a quoted string of their own.
    """
    if val.const is not None:
        return None
    if val.kind == "str":
        return '"', batch_edn_string_body(batch, val.expr), '"'
    if val.kind == "ref":
        assert val.target is not None
        return ref_parts(batch, val.expr, ident, val.target, ids)
    return None


def render(batch: Batch, val: Val, ident: str, ids: Any = None) -> pl.Expr:
    """The edn text of a columnar value, as :func:`migrate.edn.writer.dumps` writes the Python
    value (null where there is none)."""
    parts = render_parts(batch, val, ident, ids)
    if parts is not None:
        opening, middle, closing = parts
        return pl.concat_str([pl.lit(opening), middle, pl.lit(closing)])
    if val.const is not None:
        from migrate.edn.writer import dumps

        return pl.when(val.present()).then(pl.lit(dumps(val.const))).otherwise(None)
    kind = val.kind
    if kind == "int":
        return val.expr.cast(pl.String)
    if kind == "bool":
        return pl.when(val.expr).then(pl.lit("true")).when(~val.expr).then(pl.lit("false"))
    if kind == "instant":
        return pl.concat_str(
            [pl.lit('#inst "'), val.expr.dt.strftime("%Y-%m-%dT%H:%M:%S.%3fZ"), pl.lit('"')]
        )
    if kind == "money":
        assert val.currency is not None
        return pl.concat_str(
            [pl.lit("#im/money ["), val.expr, pl.lit("M "), edn_string(val.currency), pl.lit("]")]
        )
    if kind == "keyword":
        return pl.concat_str([pl.lit(":"), val.expr])
    if kind == "location":
        assert val.lng is not None
        lat, _ = float_text(val.expr)
        lng, _ = float_text(val.lng)
        return pl.concat_str([pl.lit("#im/location ["), lat, pl.lit(" "), lng, pl.lit("]")])
    if kind == "float":
        text, _ = float_text(val.expr)
        return text
    if kind == "strs":
        items = val.expr.list.eval(edn_string(pl.element())).list.join(" ")
        return pl.concat_str([pl.lit("["), items, pl.lit("]")])
    raise ValueError(f"no edn text for a {kind} column")


def ref_text(batch: Batch, sid: pl.Expr, ident: str, target: str, ids: Any = None) -> pl.Expr:
    """``#im/ref [:im.TARGET/id #uuid "…"]`` for a column of target source ids; ``ids`` (a
    :class:`migrate.convert.vector.ImportIds`) knows the ids of rows read before."""
    opening, uuid, closing = ref_parts(batch, sid, ident, target, ids)
    return pl.concat_str([pl.lit(opening), uuid, pl.lit(closing)])


def ref_parts(
    batch: Batch, sid: pl.Expr, ident: str, target: str, ids: Any = None
) -> tuple[str, pl.Expr, str]:
    """:func:`ref_text` as ``(opening, import id text, closing)`` (see :func:`render_parts`)."""
    from migrate.convert.ids import NAMESPACE

    sid = batch.put(sid, "rs")
    distinct = batch.series(sid).drop_nulls().unique()
    if ids is not None:
        texts = ids.texts(target, distinct)
    else:
        texts = uuid5_texts(distinct, NAMESPACE.bytes + f"{ident}/{target}/".encode())
    uuid = sid.replace_strict(distinct, texts, default=None, return_dtype=pl.String)
    return f'#im/ref [:im.{target}/id #uuid "', uuid, '"]'


def ascii_upper(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """``str.upper()`` on ASCII text, and where the text is not ASCII (Python must do it)."""
    return expr.str.to_uppercase(), ~is_ascii(expr)


__all__ = [
    "Coercion",
    "EnumError",
    "TEXT_KINDS",
    "python_rest",
    "python_of",
    "ref_parts",
    "ref_text",
    "render",
    "render_parts",
    "vector_coerce",
    "vector_enum",
]
