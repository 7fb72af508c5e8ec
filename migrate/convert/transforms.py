"""Named, parameterised value transforms used by job files (``transform = "money"``).

Each transform is a small pure function from one source value to one converted value. A job
names transforms as a string (``"trim"``), a table with parameters
(``{name = "date", formats = ["%d/%m/%Y"]}``) or an array of those applied left to right.
:func:`compile_transform` checks the names and parameters once, when the job is loaded, and
returns a plain callable used for every row.

Conventions shared by all transforms:

- empty in, empty out: ``None`` and strings that are blank pass through as ``None``, so an
  optional attribute with no value is omitted rather than written empty;
- a value that cannot be converted raises :class:`TransformError` with a one-line message
  quoting the value (the mapping layer turns it into a ``transform-failed`` rejection).
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import get_currency_precision, get_currency_symbol, list_currencies

from migrate._lazy import LazyModule, lazy_attribute
from migrate.convert.pychars import PY_WHITESPACE, WS, WS_NO_NL, WS_RUNS, char_class
from migrate.edn.show import show

if TYPE_CHECKING:
    import polars as pl

    from migrate.convert.batch import Batch, Val, as_text, none
    from migrate.convert.vector import is_ascii, py_blank, py_strip
else:
    # The vectorised forms need Polars; the per-row transforms (and ``import migrate``) do not.
    pl = LazyModule("polars")
    Val = lazy_attribute("migrate.convert.batch", "Val")
    as_text = lazy_attribute("migrate.convert.batch", "as_text")
    none = lazy_attribute("migrate.convert.batch", "none")
    is_ascii = lazy_attribute("migrate.convert.vector", "is_ascii")
    py_blank = lazy_attribute("migrate.convert.vector", "py_blank")
    py_strip = lazy_attribute("migrate.convert.vector", "py_strip")
from migrate.edn.values import Money

Transform = Callable[[Any], Any]


class TransformError(ValueError):
    """A value could not be transformed; ``str(error)`` is the one-line reason."""


class TransformSpecError(ValueError):
    """A transform is named or parameterised wrongly in a job file (no location in the text)."""


@dataclass(frozen=True)
class TransformContext:
    """Job-wide defaults some transforms fall back on (``[defaults]`` in the job file)."""

    currency: str | None = None
    timezone: str = "UTC"


@dataclass(frozen=True)
class Param:
    """One parameter of a transform: its name, the TOML type it takes, its default and meaning."""

    name: str
    kind: str  # "str", "str-list", "number", "currency", "timezone", or "choice"
    doc: str
    default: Any = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class VectorStep:
    """One transform of a value spec as the columnar engine runs it (see :func:`vector_steps`).

    ``args`` are the checked parameters; a ``currency`` parameter the job did not give is
    taken from the row (``uses_row_currency``). ``python(currency)`` is the per-row transform for
    a currency (``None``: the parameters as given), used for the values the form leaves to
    Python. ``form`` is the vectorised form, ``None`` for a transform that has none (then every
    value is transformed in Python, once per distinct value).
    """

    name: str
    args: dict[str, Any]
    uses_row_currency: bool
    python: Callable[[str | None], Transform]
    form: VectorForm | None


#: A vectorised transform: ``form(batch, value, step, currency)`` gives the transformed value.
#: ``currency`` is the row's currency column (money transforms), else ``None``. Values the form
#: cannot transform exactly are handed to :func:`python_rest` (the per-row transform, once per
#: distinct value) or flagged for the per-row path.
VectorForm = Callable[["Batch", "Val", VectorStep, "pl.Expr | None"], "Val"]


@dataclass(frozen=True)
class TransformDef:
    """A transform as the registry knows it: name, documentation, parameters and factory.

    ``vector`` is the columnar form of the same transform (see :data:`VectorForm`).
    """

    name: str
    doc: str
    example: str
    build: Callable[..., Transform]
    params: tuple[Param, ...] = field(default=())
    vector: VectorForm | None = None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):  # never the Python repr of a list as a text
        raise TransformError(
            f"{show(value)} is a list, not a text (text transforms go before text_list; "
            "option_id takes a list)"
        )
    return str(value)


def python_rest(
    batch: Batch,
    vectorised: Val,
    given: Val,
    step: VectorStep,
    currency: pl.Expr | None,
    undecided: pl.Expr,
    kind: str,
) -> Val:
    """``vectorised`` where the form decided, the per-row transform elsewhere.

    ``undecided`` marks the rows the vectorised form could not transform exactly; their
    values go through ``step.python`` once per distinct (value, currency). A value it rejects
    (``TransformError``) sends its row to the per-row path, which rejects it with the message.
    """
    mask = batch.put(batch.scoped(undecided & given.present()), "um")
    if batch.series(mask.any()).item() is not True:
        return vectorised
    if currency is not None:

        def apply(value: Any, code: Any) -> Any:
            return step.python(code)(value)

        inputs = [given, Val("str", currency)]
    else:

        def apply(value: Any) -> Any:  # type: ignore[misc]
            return step.python(None)(value)

        inputs = [given]
    python, failed = batch.per_value(inputs, apply, kind, mask)
    batch.flag(failed)
    expr = pl.when(mask).then(python.expr).otherwise(vectorised.expr)
    money = None
    if kind == "money":
        money = pl.when(mask).then(python.currency).otherwise(vectorised.currency)
    return batch.put_val(Val(kind, expr, money))


def _python_only(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    """The form of a transform without a vectorised form: Python once per distinct value."""
    kind = _RESULT_KINDS.get(step.name, "str")
    return python_rest(batch, none(kind), val, step, currency, pl.lit(True), kind)


def _source_text(batch: Batch, val: Val) -> pl.Expr:
    """``_text(value)`` of a non-empty value; rows whose text cannot be given are flagged."""
    return as_text(batch, val).expr


# trim, lower, strip_control ---------------------------------------------------------------------


def _build_trim() -> Transform:
    def trim(value: Any) -> Any:
        return None if _empty(value) else _text(value).strip()

    return trim


def _vector_trim(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    text = batch.put(_source_text(batch, val), "tr")
    return Val("str", pl.when(py_blank(text)).then(None).otherwise(py_strip(text)))


def _build_lower() -> Transform:
    def lower(value: Any) -> Any:
        return None if _empty(value) else _text(value).strip().lower()

    return lower


def _vector_lower(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    # Python's lower() and Rust's to_lowercase agree on ASCII; other text goes to Python.
    text = batch.put(_source_text(batch, val))
    lowered = pl.when(py_blank(text)).then(None).otherwise(py_strip(text).str.to_lowercase())
    vectorised = Val("str", lowered)
    return python_rest(batch, vectorised, Val("str", text), step, None, ~is_ascii(text), "str")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
# The same class for Polars (tests compare the two over every code point).
CONTROL_CLASS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\x{200b}\x{2028}\x{2029}\x{feff}]"


def _build_strip_control() -> Transform:
    def strip_control(value: Any) -> Any:
        if _empty(value):
            return None
        text = _CONTROL.sub("", _text(value).replace("\r\n", "\n").replace("\r", "\n"))
        return text if text.strip() else None

    return strip_control


def _vector_strip_control(
    batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None
) -> Val:
    text = batch.put(_source_text(batch, val), "sc")
    cleaned = (
        text.str.replace_all("\r\n", "\n", literal=True)
        .str.replace_all("\r", "\n", literal=True)
        .str.replace_all(CONTROL_CLASS, "")
    )
    cleaned = batch.put(cleaned, "sc")
    return Val("str", pl.when(py_blank(text) | py_blank(cleaned)).then(None).otherwise(cleaned))


# date, unix_time --------------------------------------------------------------------------------


_FAST_FIELDS = frozenset({"Y", "m", "d", "H", "M", "S", "f"})


def _format_parser(pattern: str) -> Callable[[str], datetime | None]:
    """A parser equal to ``datetime.strptime(text, pattern)`` that returns ``None`` on failure.

    ``strptime`` raising on every format that does not apply is slow; this matches the regex
    ``strptime`` itself uses first, and builds the datetime directly for the common fields.
    """
    try:
        import _strptime  # type: ignore[import-not-found]  # CPython's, not in typeshed

        regex = _strptime._TimeRE_cache.compile(pattern)
    except (ImportError, AttributeError, KeyError, ValueError, re.error):
        regex = None

    # Whether the datetime can be built from the match directly: decided once per pattern.
    groups = regex.groupindex.keys() if regex is not None else set()
    fast = groups <= _FAST_FIELDS and {"Y", "m", "d"} <= groups

    def parse(text: str) -> datetime | None:
        if regex is not None:
            match = regex.match(text)
            if match is None or match.end() != len(text):
                return None
            if fast:
                fields = match.groupdict()
                second = int(fields.get("S") or 0)
                if second < 60:
                    try:
                        return datetime(
                            int(fields["Y"]),
                            int(fields["m"]),
                            int(fields["d"]),
                            int(fields.get("H") or 0),
                            int(fields.get("M") or 0),
                            second,
                            int((fields.get("f") or "0").ljust(6, "0")),
                        )
                    except ValueError:
                        return None
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            return None

    return parse


def _build_date(formats: list[str], timezone: str) -> Transform:
    zone = ZoneInfo(timezone)
    shown = ", ".join([*formats, "ISO 8601"])
    parsers = [_format_parser(pattern) for pattern in formats]

    def aware(moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(UTC)

    def parse_date(value: Any) -> Any:
        if _empty(value):
            return None
        if isinstance(value, datetime):
            return aware(value)
        if isinstance(value, date):
            return aware(datetime(value.year, value.month, value.day))
        text = _text(value).strip()
        for parser in parsers:
            parsed = parser(text)
            if parsed is not None:
                return aware(parsed)
        try:
            return aware(datetime.fromisoformat(text))
        except ValueError:
            raise TransformError(f"{show(text)} does not match any date format ({shown})") from None

    return parse_date


# Strict forms of the strptime fields the columnar form parses itself: two digits each (what
# Python's regex also reads them as), in range; chrono parses the text matched by them.
_STRICT_FIELDS = {
    "Y": "[0-9]{4}",
    "m": "(?:0[1-9]|1[0-2])",
    "d": "(?:0[1-9]|[12][0-9]|3[01])",
    "H": "(?:[01][0-9]|2[0-3])",
    "M": "[0-5][0-9]",
    "S": "[0-5][0-9]",
}
_ISO = (
    r"^([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]"
    r":[0-5][0-9])(\.[0-9]{3}|\.[0-9]{6})?(Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?$"
)
_ISO_DATE = r"^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"


@cache
def strict_format(pattern: str) -> tuple[str, str] | None:
    """``(regex, chrono format)`` reading exactly what ``pattern`` reads, for simple patterns.

    Only ``%Y %m %d %H %M %S``, ``%%`` and literal characters other than whitespace; any
    other pattern has no strict form (its texts are parsed in Python).
    """
    out = ["^"]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "%":
            field = pattern[index + 1 : index + 2]
            if field in _STRICT_FIELDS:
                out.append(_STRICT_FIELDS[field])
            elif field == "%":
                out.append("%")
            else:
                return None
            index += 2
            continue
        if char.isspace() and char != " ":
            return None
        out.append(re.escape(char) if char != " " else " ")
        index += 1
    out.append("$")
    return "".join(out), pattern


@cache
def lenient_regex(pattern: str) -> str | None:
    r"""Python's own regex for ``pattern`` (``_strptime``), rewritten for Polars on ASCII text.

    ``\d`` becomes ``[0-9]`` and ``\s`` Python's whitespace set; the regex is case-insensitive
    as Python's is (ASCII letters only reach it). ``None`` when it cannot be rewritten.
    """
    try:
        import _strptime

        source = _strptime._TimeRE_cache.compile(pattern).pattern
    except (ImportError, AttributeError, KeyError, ValueError, re.error):
        return None
    rewritten = source.replace("\\d", "[0-9]").replace("\\s", WS)
    rewritten = "(?i)^" + rewritten
    try:
        pl.Series(["2021-01-01"]).str.contains(rewritten)
    except Exception:  # a construct Rust's regex lacks
        return None
    return rewritten


#: Each day's UTC offset in a zone (``None``: it changes that day), by zone name: see
#: :func:`vector_local_to_utc`. Pure (zoneinfo's rules do not change within a process).
_DAY_OFFSETS: dict[str, dict[date, int | None]] = {}
_DAY_OFFSETS_MAX = 100_000
_UNKNOWN = object()


def vector_local_to_utc(batch: Batch, naive: pl.Expr, timezone: str) -> tuple[Val, pl.Expr]:
    """Naive local times in ``timezone`` as UTC instants, as ``replace(tzinfo=zone)`` reads them.

    Offsets come from Python's zoneinfo, once per distinct day (and per hour on the days whose
    offset changes): where an hour starts and ends with the same offset (fold 0, which is
    what ``replace`` gives, nonexistent and ambiguous times included) every time in it has it.
    Returns the instants and the rows left undecided (offset changing inside the hour, years
    near the ends of the calendar).
    """
    zone = ZoneInfo(timezone)
    naive = batch.put(naive, "lt")
    day = batch.put(naive.dt.date(), "ld")
    days = batch.series(day).drop_nulls().unique()
    # Only days Python can hold (Polars has a year 0 and negative years, Python does not);
    # the others, near the ends of the calendar, are left undecided.
    days = days.filter(days.dt.year().is_between(1000, 9998))

    def offset_seconds(start: datetime, end: datetime) -> int | None:
        first = start.replace(tzinfo=zone).utcoffset()
        last = end.replace(tzinfo=zone).utcoffset()
        if first is None or first != last:
            return None
        return int(first.total_seconds())

    # Batch after batch brings the same few thousand days: each day's offset is asked of
    # zoneinfo once per run (per zone), not once per batch and date column.
    known = _DAY_OFFSETS.setdefault(timezone, {})
    if len(known) > _DAY_OFFSETS_MAX:
        known.clear()
    day_offsets = []
    for d in days.to_list():
        found = known.get(d, _UNKNOWN)
        if found is _UNKNOWN:
            found = known[d] = offset_seconds(
                datetime(d.year, d.month, d.day),
                datetime(d.year, d.month, d.day, 23, 59, 59, 999999),
            )
        day_offsets.append(found)
    offset = day.replace_strict(days, pl.Series(day_offsets, dtype=pl.Int64), default=None)
    offset = batch.put(offset, "lo")
    missing = naive.is_not_null() & offset.is_null() & naive.dt.year().is_between(1000, 9998)
    if batch.series(missing.any()).item():
        hour = batch.put(pl.when(missing).then(naive.dt.truncate("1h")).otherwise(None), "lh")
        hours = batch.series(hour).drop_nulls().unique()
        hour_offsets = [
            offset_seconds(h, h.replace(minute=59, second=59, microsecond=999999))
            for h in hours.to_list()
        ]
        by_hour = hour.replace_strict(hours, pl.Series(hour_offsets, dtype=pl.Int64), default=None)
        offset = batch.put(pl.coalesce(offset, by_hour), "lo")
    utc = (naive - pl.duration(seconds=offset)).dt.replace_time_zone("UTC")
    undecided = naive.is_not_null() & offset.is_null()
    return Val("instant", utc), undecided


def _vector_date(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    zone = step.args["timezone"]
    if val.kind == "instant":
        return val  # aware already: only converted to UTC, which the column holds
    if val.kind == "datetime":
        local, undecided = vector_local_to_utc(batch, val.expr, zone)
        return python_rest(batch, local, val, step, None, undecided, "instant")
    if val.kind == "date":
        local, undecided = vector_local_to_utc(batch, val.expr.cast(pl.Datetime("us")), zone)
        return python_rest(batch, local, val, step, None, undecided, "instant")
    if val.kind != "str":
        return _python_only(batch, val, step, currency)
    text = batch.put(py_strip(val.expr), "dt")
    decided: pl.Expr = pl.lit(False)
    blocked = batch.put(~is_ascii(text), "db")  # Python's \d and case folding beyond ASCII
    naive: pl.Expr = pl.lit(None, dtype=pl.Datetime("us"))
    for pattern in step.args["formats"]:
        strict = strict_format(pattern)
        if strict is not None:
            regex, chrono = strict
            hit = batch.put(~decided & ~blocked & text.str.contains(regex), "dh")
            # Parsed where the format matched only (null text parses at no cost).
            parsed = pl.when(hit).then(text).str.strptime(pl.Datetime("us"), chrono, strict=False)
            naive = batch.put(pl.when(hit).then(parsed).otherwise(naive), "dn")
            decided = batch.put(decided | hit, "dd")
        lenient = lenient_regex(pattern)
        if lenient is None:
            blocked = batch.put(blocked | ~decided, "db")
        else:
            # A text this format's own regex starts to match is decided by Python.
            blocked = batch.put(blocked | (~decided & text.str.contains(lenient)), "db")
    rest = batch.put(pl.when(~decided & ~blocked).then(text), "dr")  # what ISO may read
    groups = batch.put(rest.str.extract_groups(_ISO), "dg")
    iso = batch.put(groups.struct.field("1").is_not_null(), "di")
    iso_date = batch.put(rest.str.contains(_ISO_DATE).fill_null(False), "dy")
    base = groups.struct.field("1").str.strptime(
        pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False
    )
    fraction = groups.struct.field("2")
    micro = (
        pl.when(fraction.str.len_chars() == 4)
        .then(fraction.str.slice(1).cast(pl.Int64) * 1000)
        .when(fraction.str.len_chars() == 7)
        .then(fraction.str.slice(1).cast(pl.Int64))
        .otherwise(0)
    )
    moment = base + pl.duration(microseconds=micro)
    zone_text = groups.struct.field("3")
    sign = pl.when(zone_text.str.slice(0, 1) == "-").then(-1).otherwise(1)
    minutes = sign * (
        zone_text.str.slice(1, 2).cast(pl.Int64, strict=False) * 60
        + zone_text.str.slice(4, 2).cast(pl.Int64, strict=False)
    )
    aware = pl.when(zone_text == "Z").then(moment).otherwise(moment - pl.duration(minutes=minutes))
    has_zone = iso & zone_text.is_not_null()
    naive = pl.when(iso & zone_text.is_null()).then(moment).otherwise(naive)
    date_only = (
        pl.when(iso_date).then(rest).str.strptime(pl.Datetime("us"), "%Y-%m-%d", strict=False)
    )
    naive = pl.when(iso_date).then(date_only).otherwise(naive)
    naive = batch.put(naive, "dn")
    aware = batch.put(pl.when(has_zone).then(aware).otherwise(None), "da")
    local, unsure = vector_local_to_utc(batch, pl.when(has_zone).then(None).otherwise(naive), zone)
    utc = pl.when(has_zone).then(aware.dt.replace_time_zone("UTC")).otherwise(local.expr)
    found = decided | iso | iso_date
    result = pl.when(found).then(utc).otherwise(None)
    year = result.dt.year()
    undecided = (
        ~found
        | (found & (naive.is_null() & aware.is_null()))  # matched but no such date: Python says why
        | unsure
        | ~year.is_between(1000, 9998)
    )
    return python_rest(batch, Val("instant", result), val, step, None, undecided, "instant")


def _build_unix_time(unit: str) -> Transform:
    scale = 1000 if unit == "ms" else 1

    def unix_time(value: Any) -> Any:
        if _empty(value):
            return None
        try:
            number = Decimal(_text(value).strip())
            if not number.is_finite():
                raise InvalidOperation
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=float(number / scale))
        except (InvalidOperation, OverflowError):
            raise TransformError(f"{show(value)} is not a unix timestamp in {unit}") from None

    return unix_time


def _vector_unix_time(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    if step.args["unit"] != "s" or val.kind not in ("str", "int"):
        return _python_only(batch, val, step, currency)
    text = py_strip(_source_text(batch, val))
    whole = text.str.contains(r"^-?[0-9]{1,11}$")
    seconds = pl.when(whole).then(text.cast(pl.Int64, strict=False)).otherwise(None)
    moment = (pl.lit(datetime(1970, 1, 1)) + pl.duration(seconds=seconds)).dt.replace_time_zone(
        "UTC"
    )
    result = Val("instant", pl.when(whole).then(moment).otherwise(None))
    undecided = ~whole | ~moment.dt.year().is_between(1000, 9998)
    return python_rest(batch, result, val, step, None, undecided, "instant")


# money, minor_units -----------------------------------------------------------------------------

KNOWN_CURRENCIES = frozenset(list_currencies())
# Symbols that name one currency; "$" is shared by many dollars and follows the job's currency.
_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB"}
_MONEY_RE = re.compile(
    r"(?P<sign1>[-+]?)\s*(?P<pre>[A-Za-z]{3}|[A-Z]{0,2}[$€£¥₹₩₽])?\s*(?P<sign2>[-+]?)"
    r"(?P<number>\d[\d.,]*)\s*(?P<post>[A-Za-z]{3}|[$€£¥₹₩₽])?"
)
_GROUPING_SPACES = re.compile(r"[\s\u00a0\u202f']")
_NUMBER_DOT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_NUMBER_COMMA = re.compile(r"(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")


@cache
def _precision(currency: str) -> int:
    return get_currency_precision(currency)


@cache
def _is_dollar(currency: str) -> bool:
    return get_currency_symbol(currency, "en").endswith("$")


def _marker_currency(marker: str, default: str | None, text: str) -> str:
    upper = marker.upper()
    if len(marker) == 3 and marker.isalpha():
        if upper not in KNOWN_CURRENCIES:
            raise TransformError(f"{show(text)}: unknown currency code {show(marker)}")
        return upper
    symbol = marker[-1]
    if symbol == "$":
        if default is not None and _is_dollar(default):
            return default
        raise TransformError(f"{show(text)}: currency symbol '$' does not match currency {default}")
    currency = _SYMBOLS[symbol]
    if default is not None and default != currency:
        raise TransformError(
            f"{show(text)}: currency symbol {show(symbol)} does not match currency {default}"
        )
    return currency


def _amount(number: Decimal, currency: str, text: str) -> Money:
    precision = _precision(currency)
    quantum = Decimal(1).scaleb(-precision)
    rounded = number.quantize(quantum)
    if rounded != number:
        raise TransformError(f"{show(text)} has more decimals than {currency} allows ({precision})")
    return Money(rounded, currency)


def _build_money(currency: str | None, decimal_separator: str) -> Transform:
    number_re = _NUMBER_DOT if decimal_separator == "." else _NUMBER_COMMA
    group = "," if decimal_separator == "." else "."

    def money(value: Any) -> Any:
        if _empty(value):
            return None
        if isinstance(value, Money):
            return value
        if isinstance(value, bool):
            raise TransformError(f"{show(value)} is not an amount of money")
        if isinstance(value, int | float | Decimal):
            if currency is None:
                raise TransformError(f"{show(value)}: no currency (set [defaults] currency)")
            return _amount(Decimal(str(value)), currency, str(value))
        text = _text(value).strip()
        match = _MONEY_RE.fullmatch(_GROUPING_SPACES.sub("", text))
        if match is None or (match["pre"] and match["post"]) or (match["sign1"] and match["sign2"]):
            raise TransformError(f"{show(text)} is not an amount of money")
        digits = match["number"]
        if number_re.fullmatch(digits) is None:
            raise TransformError(
                f"{show(text)} is not an amount with {show(decimal_separator)} as decimal separator"
            )
        marker = match["pre"] or match["post"]
        chosen = _marker_currency(marker, currency, text) if marker else currency
        if chosen is None:
            raise TransformError(f"{show(text)}: no currency (set [defaults] currency)")
        number = Decimal(digits.replace(group, "").replace(",", "."))
        if "-" in (match["sign1"], match["sign2"]):
            number = -number
        return _amount(number, chosen, text)

    return money


_GROUPING_CLASS = char_class(PY_WHITESPACE + "\u00a0\u202f'")
_DOLLARS = frozenset(code for code in KNOWN_CURRENCIES if _is_dollar(code))
_PLAIN_AMOUNT = r"^(\$?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,15})(?:\.([0-9]{1,15}))?$"


def _precision_of(currency: pl.Expr) -> pl.Expr:
    """Decimals of each row's currency (babel's minor unit); null for an unknown code."""
    codes = sorted(KNOWN_CURRENCIES)
    return currency.replace_strict(
        codes, [_precision(code) for code in codes], default=None, return_dtype=pl.Int64
    )


def amount_text(
    integer: pl.Expr, fraction: pl.Expr, precision: pl.Expr, batch: Batch | None = None
) -> pl.Expr:
    """``str(Decimal(integer.fraction).quantize(10**-precision))`` for digit columns.

    ``fraction`` must hold at most ``precision`` significant digits (the rest zeros): the
    caller checks that quantizing is exact.
    """
    digits = integer.str.strip_chars_start("0")
    digits = pl.when(digits == "").then(pl.lit("0")).otherwise(digits)
    padded = fraction.fill_null("").str.pad_end(20, "0")
    if batch is not None:
        digits, padded = batch.put(digits, "md"), batch.put(padded, "mf")
    branches: Any = None
    for places in sorted({_precision(code) for code in KNOWN_CURRENCIES}):
        text = (
            digits
            if places == 0
            else pl.concat_str([digits, pl.lit("."), padded.str.slice(0, places)])
        )
        branches = (
            pl.when(precision == places) if branches is None else branches.when(precision == places)
        ).then(text)
    return branches.otherwise(None) if branches is not None else pl.lit(None, dtype=pl.String)


def _vector_money(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    if val.kind != "str" or step.args["decimal_separator"] != ".":
        return _python_only(batch, val, step, currency)
    code = currency if currency is not None else pl.lit(step.args["currency"], dtype=pl.String)
    code = batch.put(code, "mc")
    compact = py_strip(val.expr).str.replace_all(_GROUPING_CLASS, "")
    groups = batch.put(compact.str.extract_groups(_PLAIN_AMOUNT), "mg")
    matched = groups.struct.field("2").is_not_null()
    dollar = groups.struct.field("1") == "$"
    integer = groups.struct.field("2").str.replace_all(",", "", literal=True)
    fraction = groups.struct.field("3")
    precision = batch.put(_precision_of(code), "mp")
    # Quantizing is exact when the digits past the currency's decimals are zeros.
    extra = (
        fraction.fill_null("")
        .str.slice(precision.fill_null(0))
        .str.replace_all("0", "", literal=True)
    )
    ok = (
        matched & precision.is_not_null() & (extra == "") & (~dollar | code.is_in(sorted(_DOLLARS)))
    )
    ok = batch.put(ok, "mo")
    amount = pl.when(ok).then(amount_text(integer, fraction, precision, batch)).otherwise(None)
    result = Val("money", amount, pl.when(ok).then(code).otherwise(None))
    return python_rest(batch, result, val, step, currency, ~ok.fill_null(False), "money")


def _build_minor_units(currency: str | None) -> Transform:
    def minor_units(value: Any) -> Any:
        if _empty(value):
            return None
        text = _text(value).strip()
        if isinstance(value, bool) or not re.fullmatch(r"[-+]?\d+", text):
            if isinstance(value, float) and value.is_integer():
                text = str(int(value))
            else:
                raise TransformError(f"{show(value)} is not a whole number of minor units")
        if currency is None:
            raise TransformError(f"{show(text)}: no currency (set [defaults] currency)")
        return Money(Decimal(int(text)).scaleb(-_precision(currency)), currency)

    return minor_units


def _vector_minor_units(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    if val.kind not in ("str", "int"):
        return _python_only(batch, val, step, currency)
    code = currency if currency is not None else pl.lit(step.args["currency"], dtype=pl.String)
    code = batch.put(code, "uc")
    text = batch.put(py_strip(_source_text(batch, val)), "ut")
    precision = batch.put(_precision_of(code), "up")
    ok = text.str.contains(r"^[0-9]{1,15}$") & precision.is_not_null()
    digits = text.str.strip_chars_start("0")
    digits = batch.put(pl.when(digits == "").then(pl.lit("0")).otherwise(digits), "ud")
    branches: Any = None
    for places in sorted({_precision(code) for code in KNOWN_CURRENCIES}):
        padded = digits.str.pad_start(places + 1, "0")
        if places == 0:
            amount = padded
        else:
            amount = pl.concat_str(
                [
                    padded.str.slice(0, padded.str.len_chars() - places),
                    pl.lit("."),
                    padded.str.slice(-places),
                ]
            )
        branches = (
            pl.when(precision == places) if branches is None else branches.when(precision == places)
        ).then(amount)
    amount = (
        pl.when(ok).then(branches.otherwise(None) if branches is not None else None).otherwise(None)
    )
    result = Val("money", amount, pl.when(ok).then(code).otherwise(None))
    return python_rest(batch, result, val, step, currency, ~ok.fill_null(False), "money")


# boolean, int, rating_scale ---------------------------------------------------------------------

_TRUE = frozenset({"t", "true", "yes", "y", "1"})
_FALSE = frozenset({"f", "false", "no", "n", "0"})


def _build_boolean() -> Transform:
    def boolean(value: Any) -> Any:
        if _empty(value):
            return None
        if isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise TransformError(f"{show(value)} is not a boolean (t/f, true/false, yes/no, y/n, 1/0)")

    return boolean


def _vector_boolean(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    if val.kind == "bool":
        return val
    text = batch.put(py_strip(_source_text(batch, val)).str.to_lowercase(), "bt")
    ascii_text = is_ascii(text)
    decided = (
        pl.when(ascii_text & text.is_in(sorted(_TRUE)))
        .then(True)
        .when(ascii_text & text.is_in(sorted(_FALSE)))
        .then(False)
    )
    truth = batch.put(decided.otherwise(None), "bv")
    result = Val("bool", truth)
    return python_rest(batch, result, val, step, None, truth.is_null(), "bool")


def to_int(value: Any) -> int:
    """``value`` as an integer (``"3.0"`` is 3); raises :class:`TransformError` otherwise."""
    if value.__class__ is str and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, bool):
        raise TransformError(f"{show(value)} is not an integer")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(_text(value).strip())
    except InvalidOperation:
        raise TransformError(f"{show(value)} is not an integer") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise TransformError(f"{show(value)} is not an integer")
    return int(number)


def _build_int() -> Transform:
    def integer(value: Any) -> Any:
        return None if _empty(value) else to_int(value)

    return integer


def vector_int(batch: Batch, val: Val) -> tuple[Val, pl.Expr]:
    """:func:`to_int` as a column: the integers, and the rows to give to Python instead."""
    if val.kind == "int":
        return val, pl.lit(False)
    if val.kind == "float":
        whole = val.expr.is_finite() & (val.expr == val.expr.floor()) & (val.expr.abs() < 2.0**53)
        return Val("int", pl.when(whole).then(val.expr.cast(pl.Int64, strict=False))), ~whole
    if val.kind != "str":
        return none("int"), pl.lit(True)
    text = py_strip(val.expr)
    groups = batch.put(text.str.extract_groups(r"^([+-]?)([0-9]{1,18})(?:\.0*)?$"), "ig")
    digits = groups.struct.field("2").cast(pl.Int64, strict=False)
    number = pl.when(groups.struct.field("1") == "-").then(-digits).otherwise(digits)
    return Val("int", number), number.is_null()


def _vector_int(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    result, undecided = vector_int(batch, val)
    return python_rest(batch, result, val, step, None, undecided, "int")


def _build_rating_scale(source_max: float) -> Transform:
    if source_max <= 0:
        raise TransformSpecError(f"source_max: must be positive, got {show(source_max)}")
    top = Decimal(str(source_max))

    def rating_scale(value: Any) -> Any:
        if _empty(value):
            return None
        try:
            number = Decimal(_text(value).strip())
        except InvalidOperation:
            raise TransformError(f"{show(value)} is not a rating") from None
        if not number.is_finite() or not 0 <= number <= top:
            raise TransformError(f"rating {show(value)} is outside 0–{top}")
        stars = number / top * 5
        return int(stars.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    return rating_scale


# html_to_text, split_name -----------------------------------------------------------------------

_DROPPED_BLOCKS = re.compile(r"<(script|style|head|title)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)\b[^>]*>")
_BLOCK_TAGS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr", "blockquote"}
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_WHITESPACE = re.compile(r"\s+")


def _tag_replacement(match: re.Match[str]) -> str:
    name = match.group(1).lower()
    if name == "br":
        return "\n"
    if name in _BLOCK_TAGS:
        return "\n\n"
    if name == "li" and not match.group(0).startswith("</"):
        return "\n- "
    return ""


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, blocks on new lines.

    Source newlines count as spaces (as in a browser); ``<br>`` gives a newline, block elements
    (``<p>``, ``<div>``, headings, lists) a blank line, list items ``- ``. Script and style
    contents are dropped.
    """
    text = markup
    if "<" in text:
        text = _DROPPED_BLOCKS.sub("", text)
        if "<!--" in text:
            text = _COMMENT.sub("", text)
    text = _WHITESPACE.sub(" ", text)
    if "<" in text:
        text = _TAG.sub(_tag_replacement, text)
    if "&" in text:
        text = html.unescape(text)
    # _SPACES never matches a newline: one pass over the text equals one per line.
    lines = [line.strip() for line in _SPACES.sub(" ", text).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _build_html_to_text() -> Transform:
    def transform(value: Any) -> Any:
        if _empty(value):
            return None
        return html_to_text(_text(value)) or None

    return transform


# html_to_text as columns. Python makes one pass of _TAG.sub with a replacement function; here
# the tags are replaced in several passes, which gives the same text because a tag never holds
# a "<" (rows where one would are left to Python): the common tags written plainly ("<p>",
# "</b>") in one pass of literal replacements, then br, block and li tags, then the rest. The
# backreference of _DROPPED_BLOCKS becomes one branch per element. Also left to Python: letters
# that case-fold into ASCII (ſ, K, İ, ı), a tag name followed by a non-ASCII character (word
# boundaries differ), and any character reference other than the few decoded here.
_HTML_GUARD = (
    "[\u017f\u212a\u0130\u0131]|</?[A-Za-z][A-Za-z0-9]*[^\\x00-\\x7f]"
    "|<(?i:script|style|head|title)[^\\x00-\\x7f]|</?[A-Za-z][A-Za-z0-9]*\\b[^>]*<"
)
_DROPPED_RUST = (
    "(?is)<(?:"
    + "|".join(f"{name}\\b[^>]*>.*?</{name}{WS}*>" for name in ("script", "style", "head", "title"))
    + ")"
)
_ENTITIES = {
    "&amp;": "&",
    "&lt;": "<",
    "&gt;": ">",
    "&quot;": '"',
    "&#39;": "'",
    "&apos;": "'",
    "&nbsp;": "\u00a0",
}


def _literal_tags() -> dict[str, str]:
    """Plain spellings of common tags and what _tag_replacement makes of them."""
    names = sorted(_BLOCK_TAGS | {"br", "li", "b", "i", "u", "em", "strong", "span", "a", "small"})
    table = {}
    for name in names:
        for spelled in {name, name.upper()}:
            for closing in ("", "/"):
                tag = f"<{closing}{spelled}>"
                table[tag] = _tag_replacement(_TAG.match(tag))  # type: ignore[arg-type]
    for spelled in ("<br/>", "<br />", "<BR/>", "<BR />"):
        table[spelled] = "\n"
    return table


_LITERAL_TAGS = _literal_tags()
_BLOCKS_RUST = "|".join(sorted(_BLOCK_TAGS))


def _any(batch: Batch, condition: pl.Expr) -> bool:
    return batch.series(condition.any()).item() is True


def _vector_html_to_text(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    markup = batch.put(_source_text(batch, val), "hm")
    unsure = batch.put(markup.str.contains(_HTML_GUARD), "hu")
    text = markup
    # Passes that would match nothing in the whole batch are left out.
    if _any(batch, markup.str.contains("(?i)<(?:script|style|head|title)")):
        text = text.str.replace_all(_DROPPED_RUST, "")
    if _any(batch, markup.str.contains("<!--", literal=True)):
        text = text.str.replace_all("(?s)<!--.*?-->", "")
    text = text.str.replace_all(WS_RUNS, " ")
    text = batch.put(text.str.replace_many(list(_LITERAL_TAGS), list(_LITERAL_TAGS.values())), "ht")
    if _any(batch, text.str.contains("<", literal=True)):
        text = text.str.replace_all(r"</?(?i:br)\b[^>]*>", "\n")
        text = text.str.replace_all(f"</?(?i:{_BLOCKS_RUST})\\b[^>]*>", "\n\n")
        text = text.str.replace_all(r"<(?i:li)\b[^>]*>", "\n- ")
        text = batch.put(text.str.replace_all(r"</?[A-Za-z][A-Za-z0-9]*\b[^>]*>", ""), "ht")
    entities = list(_ENTITIES)
    if _any(batch, text.str.contains("&", literal=True)):
        stray = text.str.replace_many(entities, ["\ue000"] * len(entities))
        unsure = batch.put(unsure | stray.str.contains("&[^\t\n\x0c <&]"), "hu")
        text = text.str.replace_many(entities, [_ENTITIES[name] for name in entities])
    text = text.str.replace_all("[ \t\r\x0c\x0b\u00a0]{2,}|[\t\r\x0c\x0b\u00a0]", " ")
    text = text.str.replace_all(f"{WS_NO_NL}*\n{WS_NO_NL}*", "\n")
    text = batch.put(py_strip(text.str.replace_all("\n{3,}", "\n\n")), "hr")
    result = Val("str", pl.when(text == "").then(None).otherwise(text))
    return python_rest(batch, result, val, step, None, unsure, "str")


# Lower-case particles that belong to the family name: "Ludwig van Beethoven" -> "van Beethoven".
_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "da", "di", "del", "della", "du", "la", "le", "dos", "das"}
    | {"ten", "ter", "bin", "al"}
)


def split_name(full_name: str) -> tuple[str, str]:
    """``(first, last)`` of a full name: the last word (with its particles) is the last name.

    A one-word name is a first name only; the last name is then empty.
    """
    words = full_name.split()
    if len(words) <= 1:
        return (words[0] if words else "", "")
    cut = len(words) - 1
    while cut > 1 and words[cut - 1] in _PARTICLES:
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def _build_split_name(part: str) -> Transform:
    index = 0 if part == "first" else 1

    def transform(value: Any) -> Any:
        if _empty(value):
            return None
        return split_name(_text(value))[index] or None

    return transform


_SPLIT_NAME = "^([^ ]+(?: [^ ]+)*?) ((?:(?:" + "|".join(sorted(_PARTICLES)) + ") )*[^ ]+)$"


def _vector_split_name(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    words = batch.put(py_strip(_source_text(batch, val).str.replace_all(WS_RUNS, " ")), "sn")
    one_word = ~words.str.contains(" ", literal=True)
    groups = batch.put(words.str.extract_groups(_SPLIT_NAME), "sg")
    if step.args["part"] == "first":
        part = pl.when(one_word).then(words).otherwise(groups.struct.field("1"))
    else:
        part = pl.when(one_word).then(None).otherwise(groups.struct.field("2"))
    part = batch.put(part, "sp")
    return Val("str", pl.when(part == "").then(None).otherwise(part))


# url_encode -------------------------------------------------------------------------------------

# Characters kept as they are in each URL component: RFC 3986 reserved and unreserved ones, and
# "%" so that an address already encoded is not encoded twice.
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Nothing to encode: ASCII letters, digits and the characters RFC 3986 allows unencoded.
_CLEAN_URL = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")


def url_encode(url: str) -> str:
    """``url`` with spaces and non-ASCII percent-encoded and its host IDNA-encoded.

    Reserved characters and existing ``%XX`` escapes are kept, so encoding twice changes nothing.
    """
    url = url.strip()
    if _CLEAN_URL.fullmatch(url) and not _STRAY_PERCENT.search(url):
        return url
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        ascii_host = host.encode("idna").decode("ascii") if host else ""
    except UnicodeError:
        raise TransformError(f"{show(url)}: host {show(host)} cannot be IDNA-encoded") from None
    netloc = parts.netloc
    if host and ascii_host != host:
        netloc = netloc.replace(host, ascii_host) if host in netloc else ascii_host

    def quote(text: str, safe: str) -> str:
        return urllib.parse.quote(_STRAY_PERCENT.sub("%25", text), safe=safe)

    return urllib.parse.urlunsplit(
        (
            parts.scheme,
            netloc,
            quote(parts.path, _SAFE_PATH),
            quote(parts.query, _SAFE_QUERY),
            quote(parts.fragment, _SAFE_QUERY),
        )
    )


def _build_url_encode() -> Transform:
    def transform(value: Any) -> Any:
        if _empty(value):
            return None
        try:
            return url_encode(_text(value))
        except ValueError as error:
            if isinstance(error, TransformError):
                raise
            raise TransformError(f"{show(value)} is not a URL: {error}") from None

    return transform


_CLEAN_URL_RUST = r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$"
# The common unclean URL: http(s), an ASCII host of well-formed labels (which IDNA leaves as
# they are), an optional port and a path holding neither "%", "?", "#" nor control characters;
# its path is quoted character by character, exactly as urllib.parse.quote does.
_SIMPLE_URL = (
    r"^(https?://[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*(?::[0-9]+)?)(/[^?#%\x00-\x1f]*)$"
)
_PATH_KEPT = r"[^A-Za-z0-9_.~\-/:@!$&'()*+,;=]"


def _vector_url_encode(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    url = batch.put(py_strip(_source_text(batch, val)), "ue")
    # A "%" is stray unless it starts %XX; removing every %XX leaves exactly the stray ones.
    stray = url.str.replace_all("%[0-9A-Fa-f]{2}", "").str.contains("%", literal=True)
    clean = batch.put(url.str.contains(_CLEAN_URL_RUST) & ~stray, "uc")
    parts = batch.put(pl.when(~clean).then(url.str.extract_groups(_SIMPLE_URL)), "up")
    path = parts.struct.field("2")
    simple = batch.put(path.is_not_null(), "us")
    result = url
    if _any(batch, simple):
        found = batch.series(pl.when(simple).then(path.str.extract_all(_PATH_KEPT)))
        chars = found.explode().drop_nulls().unique().sort().to_list()
        if chars:
            quoted = [urllib.parse.quote(char, safe="") for char in chars]
            encoded = pl.concat_str([parts.struct.field("1"), path.str.replace_many(chars, quoted)])
            result = pl.when(simple).then(encoded).otherwise(url)
    return python_rest(batch, Val("str", result), val, step, None, ~clean & ~simple, "str")


# text_list, option_id ----------------------------------------------------------------------------

# A list of texts the vectorised form reads itself: single- or double-quoted items without
# backslashes, control characters or line separators, separated by commas (a trailing comma
# allowed, as Python allows it). JSON and Python read such a list alike; anything else (escapes,
# prefixes such as u'', implicit concatenation, nesting, numbers) is read in Python.
_PLAIN_CHARS = r"\\\x00-\x1f\x7f\x{85}\x{2028}\x{2029}"
_LIST_ITEM = rf"'[^'{_PLAIN_CHARS}]*'|\"[^\"{_PLAIN_CHARS}]*\""
_LIST_GAP = r"[ \t\n]*"
_PLAIN_LIST = (
    rf"^\[{_LIST_GAP}(?:(?:{_LIST_ITEM}){_LIST_GAP}"
    rf"(?:,{_LIST_GAP}(?:{_LIST_ITEM}){_LIST_GAP})*(?:,{_LIST_GAP})?)?\]$"
)


def _list_problem(value: Any) -> TransformError:
    if isinstance(value, str) and len(value) > 60:
        value = value[:60] + "…"
    shown = show(value)
    return TransformError(
        f"{shown} is not a list of texts (a JSON array or a Python list literal such as "
        "['Wifi', \"Children's books\"])"
    )


def text_list(value: Any) -> tuple[str, ...] | None:
    """The texts of a list cell: a JSON array of strings, else a Python list literal of
    strings (read as :func:`ast.literal_eval` reads it, never evaluated). Items are trimmed,
    blank items dropped; ``None`` for an empty cell or list. A list value (a JSON source's
    array) is taken as it is. Raises :class:`TransformError` for anything else.

    A tuple, not a list: in the converter's value model an edn vector (a JSON array) is a
    tuple.
    """
    if _empty(value):
        return None
    if isinstance(value, list | tuple):
        items = value
    else:
        text = _text(value).strip()
        try:
            items = json.loads(text)
        except (ValueError, RecursionError):
            items = _python_list(text)
        if not isinstance(items, list):
            raise _list_problem(text)
    if not all(isinstance(item, str) for item in items):
        raise _list_problem(value)
    kept = tuple(stripped for item in items if (stripped := item.strip()))
    return kept or None


def _python_list(text: str) -> Any:
    """``text`` as a Python list literal, or ``None`` when it is not one (no code runs)."""
    import ast

    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if not isinstance(tree.body, ast.List):
        return None
    items = []
    for node in tree.body.elts:
        if not isinstance(node, ast.Constant) or type(node.value) is not str:
            return None
        items.append(node.value)
    # One string token per item: 'a' 'b' (a comma missing) is one item to Python, not here.
    if _string_tokens(text) != len(items):
        return None
    return items


def _string_tokens(text: str) -> int:
    import io
    import tokenize

    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        return sum(token.type == tokenize.STRING for token in tokens)
    except (tokenize.TokenError, SyntaxError):
        return -1


def _build_text_list() -> Transform:
    return text_list


def _vector_text_list(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    text = batch.put(py_strip(_source_text(batch, val)), "tl")
    plain = batch.put(text.str.contains(_PLAIN_LIST), "tp")
    element = pl.element()
    quoted = text.str.extract_all(_LIST_ITEM)
    inner = py_strip(element.str.slice(1, element.str.len_chars() - 2))
    items = quoted.list.eval(inner).list.eval(element.filter(~py_blank(element)))
    items = batch.put(pl.when(plain).then(items).otherwise(None), "ti")
    result = Val("strs", pl.when(items.list.len() > 0).then(items).otherwise(None))
    return python_rest(batch, result, val, step, None, ~plain, "strs")


_APOSTROPHES = "'\u2019"
_NOT_OPTION = re.compile(r"[^a-z0-9]+")


def option_id(name: Any) -> str:
    """The marketplace option id of a name: lower case, accents and apostrophes dropped, every
    run of other characters than a-z and 0-9 one ``-`` (``"Children's books"`` ->
    ``childrens-books``, ``"Café"`` -> ``cafe``). Raises :class:`TransformError` when nothing is
    left."""
    import unicodedata

    text = _text(name)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in decomposed if not unicodedata.combining(char))
    lowered = text.lower()
    for apostrophe in _APOSTROPHES:
        lowered = lowered.replace(apostrophe, "")
    slug = _NOT_OPTION.sub("-", lowered).strip("-")
    if not slug:
        raise TransformError(f"{show(name)} has no letter or digit to make an option id of")
    return slug


def _build_option_id() -> Transform:
    def option_ids(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(dict.fromkeys(option_id(item) for item in value)) or None
        return None if _empty(value) else option_id(value)

    return option_ids


def _option_slug(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """:func:`option_id` of ASCII text, and where it is decided so (ASCII, something left)."""
    dropped = text.str.replace_all(char_class(_APOSTROPHES), "")
    slug = dropped.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-").str.strip_chars("-")
    return slug, is_ascii(text) & (slug != "")


def _vector_option_id(batch: Batch, val: Val, step: VectorStep, currency: pl.Expr | None) -> Val:
    if val.kind == "strs":
        slug, decided = _option_slug(pl.element())
        slugs = val.expr.list.eval(slug).list.unique(maintain_order=True)
        ok = batch.put(val.expr.list.eval(decided).list.all(), "od")
        result = Val("strs", pl.when(ok).then(slugs).otherwise(None))
        return python_rest(batch, result, val, step, None, ~ok, "strs")
    text = batch.put(_source_text(batch, val), "ot")
    slug, decided = _option_slug(text)
    decided = batch.put(decided, "od")
    result = Val("str", pl.when(decided).then(slug).otherwise(None))
    return python_rest(batch, result, Val("str", text), step, None, ~decided, "str")


def money_parser(currency: str | None, decimal_separator: str = ".") -> Transform:
    """The ``money`` transform for ``currency``, as used when a column is mapped to money."""
    return _build_money(currency, decimal_separator)


_BOOLEAN = _build_boolean()


def parse_boolean(value: Any) -> bool | None:
    """The ``boolean`` transform: ``True``/``False``, ``None`` when empty."""
    return _BOOLEAN(value)


# The registry -----------------------------------------------------------------------------------

_CURRENCY = Param("currency", "currency", "ISO 4217 code; default `[defaults] currency`")
TRANSFORMS: dict[str, TransformDef] = {
    item.name: item
    for item in (
        TransformDef(
            "trim",
            "Strip surrounding whitespace.",
            '" Anna " → "Anna"',
            _build_trim,
            vector=_vector_trim,
        ),
        TransformDef(
            "lower",
            "Trim and lower-case.",
            '"Anna@X.COM" → "anna@x.com"',
            _build_lower,
            vector=_vector_lower,
        ),
        TransformDef(
            "strip_control",
            "Remove control and invisible characters (keeps newlines and tabs; CRLF → LF).",
            '"Tent\\u0000" → "Tent"',
            _build_strip_control,
            vector=_vector_strip_control,
        ),
        TransformDef(
            "date",
            "Parse a date or date-time with the `formats` (strptime), then ISO 8601; a value "
            "without an offset is read in `timezone`. The result is written in UTC.",
            '"13/03/2021 14:05" with formats ["%d/%m/%Y %H:%M"] → 2021-03-13T14:05Z (UTC)',
            _build_date,
            (
                Param("formats", "str-list", "strptime formats tried in order", default=[]),
                Param("timezone", "timezone", "IANA zone; default `[defaults] timezone` or UTC"),
            ),
            vector=_vector_date,
        ),
        TransformDef(
            "unix_time",
            "Seconds (or milliseconds) since 1970-01-01 UTC.",
            '"1615644300" → 2021-03-13T14:05Z',
            _build_unix_time,
            (Param("unit", "choice", "`s` or `ms`", default="s", choices=("s", "ms")),),
            vector=_vector_unix_time,
        ),
        TransformDef(
            "money",
            "Parse an amount such as `$1,200.00`, `1.200,00 €`, `EUR 45.5` or `45.5` into money "
            "in major units. A currency code in the text wins; `$` follows a dollar currency of "
            "the job; other symbols (€, £, ¥) must agree with the currency. More decimals than "
            "the currency has (babel's minor units) fail.",
            '"$1,200.00" → #im/money [1200.00M "USD"]',
            _build_money,
            (
                _CURRENCY,
                Param(
                    "decimal_separator",
                    "choice",
                    "`.` (1,200.00) or `,` (1.200,00)",
                    default=".",
                    choices=(".", ","),
                ),
            ),
            vector=_vector_money,
        ),
        TransformDef(
            "minor_units",
            "A whole number of minor units (cents) into money in major units.",
            '"120000" → #im/money [1200.00M "USD"]',
            _build_minor_units,
            (_CURRENCY,),
            vector=_vector_minor_units,
        ),
        TransformDef(
            "boolean",
            "t/f, true/false, yes/no, y/n, 1/0 (any case); anything else fails.",
            '"Yes" → true',
            _build_boolean,
            vector=_vector_boolean,
        ),
        TransformDef(
            "int",
            'An integer; "3.0" is accepted, "3.5" fails.',
            '"12" → 12',
            _build_int,
            vector=_vector_int,
        ),
        TransformDef(
            "rating_scale",
            "Stars from a score on a 0–`source_max` scale: score / source_max × 5, rounded half "
            "up (0.5 → 3). Scores outside 0–`source_max` fail; a score that rounds to 0 stars is "
            "left for the validator's range check.",
            '"0.8" → 4',
            _build_rating_scale,
            (Param("source_max", "number", "highest score of the source scale", default=1),),
            vector=_python_only,
        ),
        TransformDef(
            "html_to_text",
            "Plain text from HTML: tags dropped, entities decoded, `<br>` and blocks → newlines, "
            "whitespace normalised.",
            '"<p>Warm &amp; dry</p>" → "Warm & dry"',
            _build_html_to_text,
            vector=_vector_html_to_text,
        ),
        TransformDef(
            "split_name",
            "One part of a full name: the last word (with particles such as `van`, `de`) is the "
            "last name, the rest the first name. A one-word name has an empty last name.",
            '"Anna van der Berg" with part "last" → "van der Berg"',
            _build_split_name,
            (
                Param(
                    "part",
                    "choice",
                    "`first` or `last`",
                    default="first",
                    choices=("first", "last"),
                ),
            ),
            vector=_vector_split_name,
        ),
        TransformDef(
            "text_list",
            "A list of texts from a JSON array or a Python list literal (`['Wifi', \"Kid's "
            'toys"]`, read as data, never run): an edn vector (a JSON array in extended '
            "data). Items are trimmed and blank ones dropped; an empty list is empty. Anything "
            "else (numbers, nested lists, a broken literal) fails.",
            '[\'Wifi\', "Kid\'s toys"] → ["Wifi" "Kid\'s toys"]',
            _build_text_list,
            vector=_vector_text_list,
        ),
        TransformDef(
            "option_id",
            "The marketplace option id of a name (an enum field's option): lower case, accents "
            "and apostrophes dropped, other runs of characters than a-z and 0-9 become `-`. On "
            "a list (after `text_list`): each item, repeats dropped (the first kept). A name "
            "with no letter or digit fails.",
            '"Children\'s books" → "childrens-books"',
            _build_option_id,
            vector=_vector_option_id,
        ),
        TransformDef(
            "url_encode",
            "Percent-encode spaces and non-ASCII in a URL (reserved characters and existing "
            "escapes kept) and IDNA-encode the host.",
            '"https://cdn.example.com/tält 1.jpg" → "https://cdn.example.com/t%C3%A4lt%201.jpg"',
            _build_url_encode,
            vector=_vector_url_encode,
        ),
    )
}


def _check_param(param: Param, value: Any, context: TransformContext) -> Any:
    kind = param.kind
    if kind == "str-list":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise TransformSpecError(f"{param.name}: expected an array of strings")
        return list(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TransformSpecError(f"{param.name}: expected a number, got {show(value)}")
        return value
    if kind == "choice":
        if value not in param.choices:
            choices = ", ".join(show(choice) for choice in param.choices)
            raise TransformSpecError(f"{param.name}: expected one of {choices}, got {show(value)}")
        return value
    if kind == "currency":
        if not isinstance(value, str) or value not in KNOWN_CURRENCIES:
            raise TransformSpecError(f"{param.name}: unknown currency {show(value)}")
        return value
    if kind == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise TransformSpecError(f"{param.name}: unknown time zone {show(value)}") from None
        return value
    raise AssertionError(kind)


def _context_default(param: Param, context: TransformContext) -> Any:
    if param.kind == "currency":
        return context.currency
    if param.kind == "timezone":
        return context.timezone
    return param.default


def _compile_one(spec: Any, context: TransformContext) -> Transform:
    if isinstance(spec, str):
        name, given = spec, {}
    elif isinstance(spec, Mapping):
        if "name" not in spec:
            raise TransformSpecError("a transform table needs a 'name'")
        name, given = spec["name"], {key: value for key, value in spec.items() if key != "name"}
    else:
        raise TransformSpecError(f"expected a transform name or table, got {show(spec)}")
    definition = TRANSFORMS.get(name) if isinstance(name, str) else None
    if definition is None:
        from difflib import get_close_matches

        close = get_close_matches(str(name), TRANSFORMS, n=1)
        hint = f" (did you mean {show(close[0])}?)" if close else ""
        raise TransformSpecError(f"unknown transform {show(name)}{hint}")
    known = {param.name: param for param in definition.params}
    for key in given:
        if key not in known:
            allowed = ", ".join(known) or "none"
            raise TransformSpecError(
                f"{name}: unknown parameter {show(key)} (parameters: {allowed})"
            )
    arguments = {}
    for param in definition.params:
        if param.name in given:
            arguments[param.name] = _check_param(param, given[param.name], context)
        else:
            arguments[param.name] = _context_default(param, context)
    return definition.build(**arguments)


def compile_transform(spec: Any, context: TransformContext | None = None) -> Transform:
    """One callable for a job's ``transform`` value: a name, a table, or an array of those.

    Raises :class:`TransformSpecError` for unknown names or bad parameters.
    """
    context = context or TransformContext()
    steps = spec if isinstance(spec, list) else [spec]
    if not steps:
        raise TransformSpecError("an empty transform list")
    compiled = [_compile_one(step, context) for step in steps]
    if len(compiled) == 1:
        return compiled[0]

    def chain(value: Any) -> Any:
        for step in compiled:
            value = step(value)
        return value

    return chain


# The columnar engine's view of a transform spec -------------------------------------------------

#: What each transform gives (for the values left to Python); text transforms give ``str``.
_RESULT_KINDS = {
    "date": "instant",
    "unix_time": "instant",
    "money": "money",
    "minor_units": "money",
    "boolean": "bool",
    "int": "int",
    "rating_scale": "int",
}


def vector_steps(spec: Any, context: TransformContext | None = None) -> list[VectorStep]:
    """The steps of a job's ``transform`` value for the columnar engine, checked as
    :func:`compile_transform` checks them (the same :class:`TransformSpecError`)."""
    context = context or TransformContext()
    steps = spec if isinstance(spec, list) else [spec]
    if not steps:
        raise TransformSpecError("an empty transform list")
    out = []
    for step in steps:
        definition = TRANSFORMS[step if isinstance(step, str) else step["name"]]
        given = {} if isinstance(step, str) else {k: v for k, v in step.items() if k != "name"}
        _compile_one(step, context)  # the same checks and errors as the per-row form
        arguments = {
            param.name: (
                _check_param(param, given[param.name], context)
                if param.name in given
                else _context_default(param, context)
            )
            for param in definition.params
        }
        row_currency = any(
            param.kind == "currency" and param.name not in given for param in definition.params
        )

        out.append(
            VectorStep(
                definition.name,
                arguments,
                row_currency,
                _per_row_step(step, context, row_currency),
                definition.vector,
            )
        )
    return out


def _per_row_step(
    step: Any, context: TransformContext, row_currency: bool
) -> Callable[[str | None], Transform]:
    """``python(currency)``: the per-row form of one step, for a row's currency."""
    compiled: dict[str | None, Transform] = {}

    def python(currency: str | None) -> Transform:
        key = currency if row_currency else None
        transform = compiled.get(key)
        if transform is None:
            step_context = context
            if key is not None:
                step_context = TransformContext(currency=key, timezone=context.timezone)
            transform = compiled[key] = _compile_one(step, step_context)
        return transform

    return python
