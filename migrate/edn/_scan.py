"""Tokens of the edn reader: compiled regexes and the interpreters of atoms.

Every rule here follows Clojure's ``clojure.lang.EdnReader`` (1.11), checked with probes against
the real ``clojure``: which characters end a token, which keywords, numbers, characters, string
escapes, ``#inst`` and ``#uuid`` forms it accepts. Interpreters raise :class:`Fail` with a source
offset; the reader turns it into an :class:`~migrate.edn.errors.EdnSyntaxError` with line:column.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import cast

from migrate.edn.values import Char, Keyword, NonCanonicalUUID, Symbol


class Fail(Exception):
    """An edn error at ``offset``; ``{ref}`` in the message is replaced by ``ref``'s line:column.

    ``rule`` names the strictness rule (:mod:`migrate.edn.strictness`) when Clojure would read
    the input and we reject it on purpose; ``None`` when Clojure rejects it too.
    """

    def __init__(
        self, offset: int, message: str, ref: int | None = None, rule: str | None = None
    ) -> None:
        self.offset = offset
        self.message = message
        self.ref = ref
        self.rule = rule


class NeedMore(Exception):
    """The buffer ended inside a value: read more input and parse again."""


# Java's Character.isWhitespace plus the comma: the characters that separate edn tokens.
WS = " \t\n\r\f\v,\x1c-\x1f\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000"
# Characters that end a token besides whitespace (EdnReader's terminating macros).
_TERM = r"\";^()\[\]{}\\"
# Characters Clojure refuses inside a keyword, symbol or tag ("Invalid constituent character")
# and at the start of one ("Invalid leading character"); a number token just fails to parse.
NON_CONSTITUENT = "@~`"
TOKEN_CHAR = f"[^{WS}{_TERM}{NON_CONSTITUENT}]"
# Java's Character.isDigit on one UTF-16 unit: the decimal digits (Nd) of the BMP. A token that
# starts with one (or with a sign and one) is read as a number, and only ASCII digits parse.
DIGIT = "".join(chr(code) for code in range(0x10000) if unicodedata.category(chr(code)) == "Nd")
# A number token also ends at '#', which is a macro though not a terminating one.
_NUMBER_END = f"(?=[{WS}{_TERM}#]|\\Z)"
_SKIP = f"(?:[{WS}]++|;[^\\n\\r]*+)*+"

SKIP_RE = re.compile(_SKIP)
# SKIP_RE matches the empty string, so its match() never returns None: typed as such once here,
# callers take .end() at once (and save the attribute look-up on the hot path).
skip_match = cast(Callable[[str, int], re.Match[str]], SKIP_RE.match)

_INT = "[-+]?(?:0|[1-9][0-9]*+)"
_PLAIN_NUMBER = "[-+]?(?:[0-9]++\\.[0-9]++|0|[1-9][0-9]*+)"
_SIMPLE_STRING = r'"([^"\\]*+)"'
_KW = f":({TOKEN_CHAR}*+)"

# Group numbers of TOKEN_RE. ``match.lastindex`` names the alternative that matched: the last
# group that took part. Some alternatives are whole shapes of the Intermediary format read in one
# step (a keyword and its simple value, a row's id tuple, a reference, money, a location); they
# give exactly what reading their parts one by one would.
KEYWORD, KEYWORD_STRING, KEYWORD_KEYWORD, KEYWORD_INTEGER = 1, 2, 3, 4
KEYWORD_INST, KEYWORD_REF, KEYWORD_BOOLEAN, KEYWORD_OPEN = 5, 6, 7, 8
STRING = 9
ROW_HEAD, ROW_HEAD_UUID, ROW_HEAD_ALIAS = 10, 11, 12
OPEN, CLOSE, CLOSE2, UUID_TAG, INST_TAG, REF_TAG = 13, 14, 15, 16, 17, 18
REF_ID = 20  # and 19
MONEY = 22  # and 21
LOCATION = 24  # and 23
INTEGER, FLOAT, ESCAPED_STRING, TAG, NUMBER, SYMBOL = 25, 26, 27, 28, 29, 30
SET_OPEN, NS_MAP, DISCARD, CHAR, META = 31, 32, 33, 34, 35
NS_PREFIX, SYMBOLIC, SYMBOLIC_PREFIX = 36, 37, 38

TOKEN_RE = re.compile(
    _SKIP
    + "(?:"
    + "|".join(
        (
            # KEYWORD, optionally with a simple value: KEYWORD_STRING ... KEYWORD_BOOLEAN, or
            # with the opening bracket of its value (KEYWORD_OPEN: an attribute's map or vector)
            f"{_KW}(?:[{WS}]++(?:{_SIMPLE_STRING}|{_KW}|({_INT}){_NUMBER_END}"
            f"|#inst {_SIMPLE_STRING}|#im/ref {_KW}|(true|false)(?=[{WS}{_TERM}]|\\Z)"
            r"|([\[{(])))?",
            _SIMPLE_STRING,  # STRING without escapes
            # ROW_HEAD: '[[:im.x/id' with ROW_HEAD_UUID and/or ROW_HEAD_ALIAS, then ']'
            f"\\[\\[{_KW}(?: #uuid {_SIMPLE_STRING})?(?: {_KW})?\\]",
            r"([\[{(])",  # OPEN
            f"([\\]}})])(?:[{WS}]*+([\\]}})]))?",  # CLOSE, and CLOSE2 when a second follows
            f"#uuid {_SIMPLE_STRING}",  # UUID_TAG, the common spelling
            f"#inst {_SIMPLE_STRING}",  # INST_TAG, the common spelling
            f"#im/ref {_KW}",  # REF_TAG by alias
            f"#im/ref \\[{_KW} #uuid {_SIMPLE_STRING}\\]",  # REF_ID (19, 20)
            f"#im/money \\[({_PLAIN_NUMBER}M?) {_SIMPLE_STRING}\\]",  # MONEY (21, 22)
            f"#im/location \\[({_PLAIN_NUMBER}) ({_PLAIN_NUMBER})\\]",  # LOCATION (23, 24)
            f"({_INT}){_NUMBER_END}",  # INTEGER
            f"([-+]?[0-9]++\\.[0-9]++){_NUMBER_END}",  # FLOAT
            r'"([^"\\]*+(?:\\.[^"\\]*+)*+)"',  # ESCAPED_STRING
            f"#([^\\W\\d_]{TOKEN_CHAR}*+)",  # TAG: '#' and a letter
            f"([-+]?[{DIGIT}][^{WS}{_TERM}#]*+)",  # NUMBER in any other form
            f"([^{WS}{_TERM}{NON_CONSTITUENT}#:{DIGIT}]{TOKEN_CHAR}*+)",  # SYMBOL, nil, true, false
            r"(#\{)",  # SET_OPEN
            f"#:({TOKEN_CHAR}++)[{WS}]*+\\{{",  # NS_MAP: '#:ns' and its '{'
            r"(#_)",  # DISCARD
            f"\\\\(.{TOKEN_CHAR}*+)",  # CHAR
            r"(\^|#\^)",  # META, and '#^', its old spelling
            # NS_PREFIX: '#:' written any other way ('#: ns{', '#:{'): the next form is read as
            # the namespace, as Clojure's NamespaceMapReader does, then '{' must follow
            r"(#:)",
            f"##(Inf|-Inf|NaN)(?=[{WS}{_TERM}]|\\Z)",  # SYMBOLIC: ##Inf, ##-Inf, ##NaN
            r"(##)",  # SYMBOLIC_PREFIX: '##' and a form that must be one of those symbols
        )
    )
    + ")",
    re.S,
)
assert TOKEN_RE.groups == SYMBOLIC_PREFIX


def plain_number(text: str) -> int | float | Decimal:
    """The value of a number matched by the MONEY or LOCATION shapes."""
    if text[-1] == "M":
        return Decimal(text[:-1])
    return float(text) if "." in text else int(text)


# Clojure's symbol pattern (LispReader/EdnReader.matchSymbol): ``\D`` is an ASCII non-digit,
# and Java's ``.`` matches no line terminator (U+0085 is one; the others end a token anyway).
_SYMBOL_RE = re.compile(r":?([^0-9/][^\n\r\x85\u2028\u2029]*/)?(/|[^0-9/][^/]*)")

_INT_RE = re.compile(
    r"([-+]?)(?:(0)|([1-9][0-9]*)|0[xX]([0-9A-Fa-f]+)|0([0-7]+)|([1-9][0-9]?)[rR]([0-9A-Za-z]+)|0[0-9]+)(N)?"
)
_FLOAT_RE = re.compile(r"([-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?)(M)?")
_RATIO_RE = re.compile(r"([-+]?[0-9]+)/([0-9]+)")

_INST_RE = re.compile(
    r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})(?:T([0-9]{2})(?::([0-9]{2})(?::([0-9]{2})"
    r"(?:\.([0-9]+))?)?)?)?)?)?(?:Z|([-+])([0-9]{2}):([0-9]{2}))?"
)
_CANONICAL_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_LOOSE_UUID_RE = re.compile(
    r"([0-9A-Fa-f]+)-([0-9A-Fa-f]+)-([0-9A-Fa-f]+)-([0-9A-Fa-f]+)-([0-9A-Fa-f]+)"
)
_UUID_WIDTHS = (8, 4, 4, 4, 12)

_STRING_ESCAPE_RE = re.compile(r"\\(.)", re.S)
_SIMPLE_ESCAPES = {"t": "\t", "r": "\r", "n": "\n", "\\": "\\", '"': '"', "b": "\b", "f": "\f"}
_COMMON_ESCAPES = (
    ('\\"', '"'),
    ("\\n", "\n"),
    ("\\t", "\t"),
    ("\\r", "\r"),
    ("\\b", "\b"),
    ("\\f", "\f"),
)
_CHAR_NAMES = {
    "newline": "\n",
    "space": " ",
    "tab": "\t",
    "backspace": "\b",
    "formfeed": "\f",
    "return": "\r",
}
_STOP_RE = re.compile(f"[{WS}{_TERM}#]")
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ZONES: dict[int, timezone] = {0: UTC}
_fromisoformat = datetime.fromisoformat

# Validated keyword texts; bounded so that a file of unique aliases cannot grow it forever.
_KEYWORDS: dict[str, Keyword] = {}
# Keywords this simple are legal without asking Clojure's pattern (the common case, fast).
_PLAIN_KEYWORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*(?:/[A-Za-z_][A-Za-z0-9_.\-]*)?")
_KEYWORDS_MAX = 10_000


def printable(text: str) -> str:
    """``text`` for a message: control and other invisible characters as ``\\uXXXX``."""
    if text.isprintable():
        return text
    return "".join(
        char
        if char.isprintable()
        else f"\\u{ord(char):04x}"
        if char <= "\uffff"
        else f"\\U{ord(char):08x}"
        for char in text
    )


def _is_digit(char: str, base: int) -> bool:
    return char in ("01234567" if base == 8 else "0123456789abcdefABCDEF")


# Fullwidth Latin A-F and a-f, which Java's Character.digit takes as hex digits.
_FULLWIDTH_HEX = "\uff21\uff22\uff23\uff24\uff25\uff26\uff41\uff42\uff43\uff44\uff45\uff46"


def _java_digit(char: str, base: int) -> bool:
    """True for a non-ASCII character Java's ``Character.digit(char, base)`` accepts (Clojure
    reads escapes with it): a decimal digit of any script, or a fullwidth hex letter."""
    if char.isascii() or len(char) != 1 or char > "\uffff":
        return False
    value = unicodedata.decimal(char, None)
    if value is not None:
        return value < base
    return base == 16 and char in _FULLWIDTH_HEX


def _digit_escape_rule(digits: str, base: int) -> str | None:
    """``unicode-digit-escape`` when Clojure would read these escape digits, else ``None``."""
    if all(_is_digit(digit, base) or _java_digit(digit, base) for digit in digits):
        return "unicode-digit-escape"
    return None


def symbol_parts(token: str) -> bool:
    """True when ``token`` (a symbol, or a keyword with its colon) is legal per Clojure."""
    match = _SYMBOL_RE.fullmatch(token)
    if match is None:
        return False
    namespace, name = match.group(1), match.group(2)
    if namespace is not None and namespace.endswith(":/"):
        return False
    return not (name.endswith(":") or token.find("::", 1) != -1 or token.startswith("::"))


def keyword(text: str, offset: int) -> Keyword:
    """The keyword of the token ``:text`` found at ``offset``."""
    found = _KEYWORDS.get(text)
    if found is not None:
        return found
    if _PLAIN_KEYWORD_RE.fullmatch(text) is None and not symbol_parts(":" + text):
        raise Fail(offset, f"invalid keyword :{printable(text)}")
    if len(_KEYWORDS) >= _KEYWORDS_MAX:
        _KEYWORDS.clear()
    found = _KEYWORDS[text] = Keyword(text)
    return found


def symbol(text: str, offset: int) -> Symbol | bool | None:
    """``nil``, ``true``, ``false`` or the :class:`Symbol` of the token at ``offset``."""
    if text == "nil":
        return None
    if text == "true":
        return True
    if text == "false":
        return False
    if not symbol_parts(text):
        raise Fail(offset, f"invalid symbol {printable(text)}")
    return Symbol(text)


def number(text: str, offset: int) -> int | float | Decimal | Fraction:
    """The number of a token that starts with a digit (or a sign and a digit)."""
    match = _INT_RE.fullmatch(text)
    if match is not None:
        sign, zero, decimal, hexa, octal, radix, digits, _big = match.groups()
        if zero is not None:
            value = 0
        elif decimal is not None:
            value = int(decimal)
        elif hexa is not None:
            value = int(hexa, 16)
        elif octal is not None:
            value = int(octal, 8)
        elif radix is not None:
            base = int(radix)
            if base > 36:
                raise Fail(offset, f"invalid number {printable(text)} (radix above 36)")
            try:
                value = int(digits, base)
            except ValueError:
                raise Fail(offset, f"invalid number {printable(text)}") from None
        else:
            raise Fail(offset, f"invalid number {printable(text)}")
        return -value if sign == "-" else value
    match = _FLOAT_RE.fullmatch(text)
    if match is not None:
        return Decimal(match.group(1)) if match.group(4) else float(text)
    match = _RATIO_RE.fullmatch(text)
    if match is not None:
        denominator = int(match.group(2))
        if denominator == 0:
            raise Fail(offset, f"invalid number {printable(text)} (division by zero)")
        ratio = Fraction(int(match.group(1)), denominator)
        return ratio.numerator if ratio.denominator == 1 else ratio
    raise Fail(offset, f"invalid number {printable(text)}")


def escaped_string(body: str, offset: int) -> str:
    """The value of a string literal whose ``body`` (between the quotes) has escapes.

    ``offset`` is the offset of the opening quote; errors point at the offending backslash.
    """
    # Fast path for the escapes writers use. Splitting at escaped backslashes first leaves
    # escapes that cannot overlap; anything left over takes the exact path below.
    pieces = body.split("\\\\")
    for index, piece in enumerate(pieces):
        if "\\" in piece:
            for escape, char in _COMMON_ESCAPES:
                piece = piece.replace(escape, char)
            if "\\" in piece:
                break
            pieces[index] = piece
    else:
        return "\\".join(pieces)
    parts: list[str] = []
    surrogates = False
    start = 0
    for match in _STRING_ESCAPE_RE.finditer(body):
        if match.start() < start:
            continue  # inside a \u or octal escape consumed below
        parts.append(body[start : match.start()])
        char = match.group(1)
        end = match.end()
        simple = _SIMPLE_ESCAPES.get(char)
        where = offset + 1 + match.start()
        if simple is not None:
            parts.append(simple)
        elif char == "u" or "0" <= char <= "9":
            base, length = (16, 4) if char == "u" else (8, 3)
            digits = "" if char == "u" else char
            while len(digits) < length and end < len(body) and _STOP_RE.match(body[end]) is None:
                digits += body[end]
                end += 1
            bad = next((digit for digit in digits if not _is_digit(digit, base)), None)
            if bad is not None:
                raise Fail(
                    where,
                    f"invalid escape: {bad!r} is not a base-{base} digit (only ASCII digits)",
                    rule=_digit_escape_rule(digits, base)
                    if len(digits) == length or base == 8
                    else None,
                )
            if char == "u" and len(digits) < 4:
                raise Fail(where, f"invalid \\u escape: {len(digits)} hex digits, 4 needed")
            code = int(digits, base)
            if code > 0o377 and base == 8:
                raise Fail(where, f"octal escape \\{digits} is above \\377")
            surrogates = surrogates or 0xD800 <= code <= 0xDFFF
            parts.append(chr(code))
        elif _java_digit(char, 8):  # Clojure reads an octal escape in any script's digits
            raise Fail(
                where,
                f"invalid escape: {char!r} is not a base-8 digit (only ASCII digits)",
                rule=_octal_string_rule(body, match.start() + 1),
            )
        else:
            raise Fail(where, f"unsupported escape \\{char} in string")
        start = end
    parts.append(body[start:])
    text = "".join(parts)
    if surrogates:
        try:
            text = text.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise Fail(
                offset, "string has an unpaired surrogate \\u escape", rule="lone-surrogate"
            ) from None
    return text


def _octal_string_rule(body: str, start: int) -> str | None:
    """The rule for a string's octal escape written with non-ASCII digits, when Clojure reads it:
    up to 3 digits before a token end, all Java digits, the value at most 0377."""
    digits = ""
    end = start
    while len(digits) < 3 and end < len(body) and _STOP_RE.match(body[end]) is None:
        digits += body[end]
        end += 1
    if not all(_is_digit(digit, 8) or _java_digit(digit, 8) for digit in digits):
        return None
    value = 0
    for digit in digits:
        value = value * 8 + int(unicodedata.decimal(digit))
    return "unicode-digit-escape" if value <= 0o377 else None


def char(token: str, offset: int) -> Char:
    """The character of the literal ``\\token`` at ``offset``."""
    if len(token) == 1:
        if token > "\uffff":  # two UTF-16 units in Clojure: not one character
            raise Fail(offset, f"unsupported character \\{token} (outside the BMP)")
        return Char(token)
    named = _CHAR_NAMES.get(token)
    if named is not None:
        return Char(named)
    if token[0] == "u":
        if len(token) == 5 and all(digit in "0123456789abcdefABCDEF" for digit in token[1:]):
            code = int(token[1:], 16)
            if 0xD800 <= code <= 0xDFFF:
                raise Fail(offset, f"invalid character \\{printable(token)} (a surrogate)")
            return Char(chr(code))
        rule = _digit_escape_rule(token[1:], 16) if len(token) == 5 else None
        raise Fail(offset, f"invalid character \\{printable(token)}", rule=rule)
    if token[0] == "o" and len(token) <= 4 and all(digit in "01234567" for digit in token[1:]):
        code = int(token[1:], 8)
        if code > 0o377:
            raise Fail(offset, f"invalid character \\{printable(token)} (octal above \\o377)")
        return Char(chr(code))
    rule = None
    if token[0] == "o" and 1 < len(token) <= 4 and _digit_escape_rule(token[1:], 8):
        code = 0
        for digit in token[1:]:
            code = code * 8 + int(unicodedata.decimal(digit))
        rule = "unicode-digit-escape" if code <= 0o377 else None
    raise Fail(offset, f"invalid character \\{printable(token)}", rule=rule)


def inst(text: str, offset: int) -> datetime:
    """The aware datetime of ``#inst "text"`` (the forms clojure.instant accepts)."""
    match = _INST_RE.fullmatch(text)
    if match is None:
        raise Fail(offset, f'invalid #inst "{text}"')
    if match.group(6) is not None and (match.group(10) or "0") < "60":
        # seconds present and the offset's minutes in range: fromisoformat reads it fast (it
        # would carry offset minutes 60..99 over into the hours, which Clojure rejects)
        try:
            value = _fromisoformat(text)
        except ValueError:
            pass  # out of range, or a leap second: checked and explained below
        else:
            if value.tzinfo is None:
                return value.replace(tzinfo=UTC)
            if value.year == 1 or value.year == 9999:
                _check_utc_range(value, text, offset)
            return value
    year_s, month_s, day_s, hour_s, minute_s, second_s, fraction, sign, off_h, off_m = (
        match.groups()
    )
    year = int(year_s)
    month = int(month_s or 1)
    day = int(day_s or 1)
    hour = int(hour_s or 0)
    minute = int(minute_s or 0)
    second = int(second_s or 0)
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    problem = None
    if year == 0:
        raise Fail(offset, f'invalid #inst "{text}": year 0000 is out of range', rule="inst-year-0")
    if not 1 <= month <= 12:
        problem = "month out of range"
    elif not 1 <= day <= (29 if month == 2 and leap else _DAYS[month - 1]):
        problem = "day out of range"
    elif hour > 23:
        problem = "hour out of range"
    elif minute > 59:
        problem = "minute out of range"
    elif second > (60 if minute == 59 else 59):
        problem = "second out of range"
    elif sign is not None and (int(off_h) > 23 or int(off_m) > 59):
        problem = "offset out of range"
    if problem is not None:
        raise Fail(offset, f'invalid #inst "{text}": {problem}')
    zone = UTC
    if sign is not None:
        minutes = int(off_h) * 60 + int(off_m)
        if sign == "-":
            minutes = -minutes
        cached = _ZONES.get(minutes)
        if cached is None:
            cached = _ZONES[minutes] = timezone(timedelta(minutes=minutes))
        zone = cached
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    instant: datetime | None
    try:
        if second == 60:  # a leap second rolls over, as java.util.Date does
            instant = datetime(year, month, day, hour, minute, 59, micro, zone)
            instant += timedelta(seconds=1)
        else:
            instant = datetime(year, month, day, hour, minute, second, micro, zone)
    except OverflowError:  # the leap second of 9999-12-31T23:59:60
        instant = None
    if instant is None or instant.year == 1 or instant.year == 9999:
        _check_utc_range(instant, text, offset)
    assert instant is not None  # _check_utc_range raised otherwise
    return instant


def _check_utc_range(value: datetime | None, text: str, offset: int) -> None:
    """Raise for an instant whose UTC time lies outside years 1 to 9999 (Python's datetime)."""
    try:
        if value is not None:
            value.astimezone(UTC)
            return
    except OverflowError:
        pass
    raise Fail(
        offset,
        f'invalid #inst "{text}": in UTC it falls outside the years 0001 to 9999',
        rule="inst-range",
    )


def _java_uuid_rule(text: str) -> str | None:
    """``uuid-form`` when Java's ``UUID.fromString`` (Clojure's ``#uuid``) would take ``text``:
    at most 36 characters, five groups, each one a signed hex ``long`` in any script's digits,
    wider groups cut to their low bits."""
    groups = text.split("-")
    if len(text) > 36 or len(groups) != 5:
        return None
    for group in groups:
        digits = group[1:] if group[:1] in ("+", "-") else group
        if not digits or not all(_is_digit(d, 16) or _java_digit(d, 16) for d in digits):
            return None
        value = 0
        for digit in digits:
            value = value * 16 + (int(digit, 16) if digit.isascii() else _java_digit_value(digit))
        if value > (1 << 63) - (0 if group[0] == "-" else 1):
            return None
    return "uuid-form"


def _java_digit_value(char: str) -> int:
    value = unicodedata.decimal(char, None)
    if value is not None:
        return value
    return 10 + _FULLWIDTH_HEX.index(char) % 6


def uuid_value(text: str, offset: int) -> uuid.UUID:
    """The UUID of ``#uuid "text"``; a form java.util.UUID accepts but not canonical becomes a
    :class:`NonCanonicalUUID`."""
    if _CANONICAL_UUID_RE.fullmatch(text) is not None:
        return uuid.UUID(text)
    match = _LOOSE_UUID_RE.fullmatch(text)
    if match is None or len(text) > 36:
        raise Fail(offset, f'invalid #uuid "{text}"', rule=_java_uuid_rule(text))
    groups = match.groups()
    if any(len(group) > width for group, width in zip(groups, _UUID_WIDTHS, strict=True)):
        raise Fail(
            offset,
            f'invalid #uuid "{text}": a group is wider than 8-4-4-4-12',
            rule=_java_uuid_rule(text),
        )
    padded = "-".join(
        group.rjust(width, "0") for group, width in zip(groups, _UUID_WIDTHS, strict=True)
    )
    value = NonCanonicalUUID.__new__(NonCanonicalUUID)
    uuid.UUID.__init__(value, padded)
    object.__setattr__(value, "text", text)
    return value
