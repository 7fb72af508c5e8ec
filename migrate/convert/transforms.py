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
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import get_currency_precision, get_currency_symbol, list_currencies

from migrate.edn.show import show
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
class TransformDef:
    """A transform as the registry knows it: name, documentation, parameters and factory."""

    name: str
    doc: str
    example: str
    build: Callable[..., Transform]
    params: tuple[Param, ...] = field(default=())


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


# trim, lower, strip_control ---------------------------------------------------------------------


def _build_trim() -> Transform:
    def trim(value: Any) -> Any:
        return None if _empty(value) else _text(value).strip()

    return trim


def _build_lower() -> Transform:
    def lower(value: Any) -> Any:
        return None if _empty(value) else _text(value).strip().lower()

    return lower


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")


def _build_strip_control() -> Transform:
    def strip_control(value: Any) -> Any:
        if _empty(value):
            return None
        text = _CONTROL.sub("", _text(value).replace("\r\n", "\n").replace("\r", "\n"))
        return text if text.strip() else None

    return strip_control


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
        TransformDef("trim", "Strip surrounding whitespace.", '" Anna " → "Anna"', _build_trim),
        TransformDef("lower", "Trim and lower-case.", '"Anna@X.COM" → "anna@x.com"', _build_lower),
        TransformDef(
            "strip_control",
            "Remove control and invisible characters (keeps newlines and tabs; CRLF → LF).",
            '"Tent\\u0000" → "Tent"',
            _build_strip_control,
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
        ),
        TransformDef(
            "unix_time",
            "Seconds (or milliseconds) since 1970-01-01 UTC.",
            '"1615644300" → 2021-03-13T14:05Z',
            _build_unix_time,
            (Param("unit", "choice", "`s` or `ms`", default="s", choices=("s", "ms")),),
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
        ),
        TransformDef(
            "minor_units",
            "A whole number of minor units (cents) into money in major units.",
            '"120000" → #im/money [1200.00M "USD"]',
            _build_minor_units,
            (_CURRENCY,),
        ),
        TransformDef(
            "boolean",
            "t/f, true/false, yes/no, y/n, 1/0 (any case); anything else fails.",
            '"Yes" → true',
            _build_boolean,
        ),
        TransformDef(
            "int",
            'An integer; "3.0" is accepted, "3.5" fails.',
            '"12" → 12',
            _build_int,
        ),
        TransformDef(
            "rating_scale",
            "Stars from a score on a 0–`source_max` scale: score / source_max × 5, rounded half "
            "up (0.5 → 3). Scores outside 0–`source_max` fail; a score that rounds to 0 stars is "
            "left for the validator's range check.",
            '"0.8" → 4',
            _build_rating_scale,
            (Param("source_max", "number", "highest score of the source scale", default=1),),
        ),
        TransformDef(
            "html_to_text",
            "Plain text from HTML: tags dropped, entities decoded, `<br>` and blocks → newlines, "
            "whitespace normalised.",
            '"<p>Warm &amp; dry</p>" → "Warm & dry"',
            _build_html_to_text,
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
        ),
        TransformDef(
            "url_encode",
            "Percent-encode spaces and non-ASCII in a URL (reserved characters and existing "
            "escapes kept) and IDNA-encode the host.",
            '"https://cdn.example.com/tält 1.jpg" → "https://cdn.example.com/t%C3%A4lt%201.jpg"',
            _build_url_encode,
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
