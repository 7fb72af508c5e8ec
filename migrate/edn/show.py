"""How any value is shown in a message: :func:`show`, the one renderer every message uses.

A value is shown in edn syntax, as the user wrote it or would write it, never as a Python
``repr``: ``"Jane"``, ``:user/jane``, ``[1 "a"]``, ``#{:a :b}``, ``12.50M``, ``##NaN``,
``#inst "2021-08-30T04:00:00Z"``, ``#uuid "…"``, ``#im/money [12.50M "EUR"]``.

Safe for any terminal or log: every character that is not printable (C0 and C1 controls such as
NUL and ESC, DEL, the line and paragraph separators U+2028/U+2029, format characters, lone
surrogates) is escaped as ``\\uXXXX``, inside strings and in keyword, symbol and tag text alike,
so a value can neither recolour nor rewrite the operator's terminal.

Short: one cut-off, :data:`LIMIT` characters, marked by one ellipsis (:data:`ELLIPSIS`). Strings
are cut inside their quotes (``"a very long t…"``), collections after their last element that fits
(``[1 2 3 …]``). Identifiers are never cut, whatever their length: keywords (aliases, attribute
names), UUIDs and ``#im/ref`` references are what a user copies to search the file with.
"""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
from typing import Any

from migrate.edn.values import (
    Char,
    EdnKey,
    EdnList,
    Keyword,
    Location,
    Money,
    NonCanonicalUUID,
    Ref,
    Symbol,
    Tagged,
)

__all__ = ["ELLIPSIS", "LIMIT", "escape_text", "kind_of", "show"]

#: Characters of a shown value, ellipsis included (identifiers excepted: never cut).
LIMIT = 80
#: The one mark of a value cut short.
ELLIPSIS = "…"
#: Collections nested deeper than this are shown as ``[…]``, ``{…}``.
MAX_DEPTH = 4

_STRING_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\b": "\\b",
    "\f": "\\f",
}
_CHAR_NAMES = {
    "\n": "newline",
    " ": "space",
    "\t": "tab",
    "\b": "backspace",
    "\f": "formfeed",
    "\r": "return",
}


def show(value: Any, *, cut: bool = True) -> str:
    """``value`` in edn syntax for a message: escaped, cut at :data:`LIMIT` characters.

    ``cut=False`` shows the value whole (still escaped): for identifiers that are not keywords
    or UUIDs, such as a source row's id, which a user copies to search with.
    """
    try:
        return _render(value, LIMIT if cut else 1 << 62, 0)[0]
    except RecursionError:  # a self-containing Python structure
        return f"{_OPEN.get(type(value), '#object[')}{ELLIPSIS}"


def escape_text(text: str) -> str:
    """``text`` with every non-printable character written ``\\uXXXX`` (for keyword, symbol,
    tag and other unquoted text; :func:`show` quotes and escapes strings itself)."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _unicode_escape(char) for char in text)


def kind_of(value: Any) -> str:
    """A word for the edn type of ``value`` (``string``, ``keyword``, ``vector`` …)."""
    for types, name in _KINDS:
        if isinstance(value, types):
            return name
    return type(value).__name__


_KINDS: tuple[tuple[Any, str], ...] = (
    (bool, "boolean"),
    (str, "string"),
    (int, "integer"),
    (float, "float"),
    (Decimal, "decimal"),
    (Fraction, "ratio"),
    (type(None), "nil"),
    (Keyword, "keyword"),
    (Symbol, "symbol"),
    (Char, "character"),
    (EdnList, "list"),
    ((tuple, list), "vector"),
    (dict, "map"),
    ((frozenset, set), "set"),
    (datetime, "#inst"),
    (uuid.UUID, "#uuid"),
    (Ref, "#im/ref"),
    (Money, "#im/money"),
    (Location, "#im/location"),
    (Tagged, "tagged element"),
)


# Rendering: each function returns (text, complete); complete is False when the text was cut.


def _unicode_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # an astral character: its UTF-16 surrogate pair, as edn strings write it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _string(text: str, budget: int) -> tuple[str, bool]:
    if len(text) + 2 <= budget and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"', True
    room = max(budget - 3, 1)  # the quotes and the ellipsis
    pieces: list[str] = []
    used = 0
    for index, char in enumerate(text):
        piece = _STRING_ESCAPES.get(char)
        if piece is None:
            piece = char if char.isprintable() else _unicode_escape(char)
        if used + len(piece) > room and (index < len(text) - 1 or used + len(piece) > room + 1):
            return '"' + "".join(pieces) + ELLIPSIS + '"', False
        pieces.append(piece)
        used += len(piece)
    return '"' + "".join(pieces) + '"', True


def _cut(text: str, budget: int) -> tuple[str, bool]:
    """Plain text (a number, an object's text) cut to ``budget`` characters."""
    if len(text) <= budget:
        return text, True
    return text[: max(budget - 1, 1)] + ELLIPSIS, False


def _float(value: float) -> str:
    if math.isnan(value):
        return "##NaN"
    if math.isinf(value):
        return "##Inf" if value > 0 else "##-Inf"
    return repr(float(value))


def _decimal(value: Decimal) -> str:
    if value.is_nan():
        return "##NaN"
    if value.is_infinite():
        return "##Inf" if value > 0 else "##-Inf"
    return f"{value}M"


def _integer(value: int) -> str:
    try:
        return str(int(value))
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        digits = int(abs(value).bit_length() * 0.30103) + 1
        return f"{'-' if value < 0 else ''}{ELLIPSIS}({digits} digits)"


def _instant(value: datetime) -> str:
    text = value.isoformat(timespec="milliseconds" if value.microsecond % 1000 == 0 else "auto")
    if value.microsecond == 0:
        text = value.isoformat()
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return f'#inst "{text}"'


def _keyword(keyword: Keyword) -> str:
    return ":" + escape_text(keyword.text)


def _uuid(value: uuid.UUID) -> str:
    text = value.text if type(value) is NonCanonicalUUID else uuid.UUID.__str__(value)
    return f'#uuid "{escape_text(text)}"'


def _ref(ref: Ref) -> str:
    if ref.alias is not None:
        return "#im/ref " + _identifier(ref.alias)
    return f"#im/ref [{_identifier(ref.id_attr)} {_identifier(ref.import_id)}]"


def _identifier(value: Any) -> str:
    """An identifier in full, or any other value shown normally."""
    if type(value) is Keyword:
        return _keyword(value)
    if isinstance(value, uuid.UUID):
        return _uuid(value)
    return _render(value, LIMIT, 0)[0]


_OPEN: dict[type, str] = {
    tuple: "[",
    list: "[",
    EdnList: "(",
    dict: "{",
    frozenset: "#{",
    set: "#{",
}


def _items(
    opener: str, closer: str, items: list[Any], budget: int, depth: int, *, pairs: bool = False
) -> tuple[str, bool]:
    if depth >= MAX_DEPTH and items:
        return opener + ELLIPSIS + closer, False
    separator = ", " if pairs else " "
    step = 2 if pairs else 1
    text = opener
    for index in range(0, len(items), step):
        lead = separator if index else ""
        room = budget - len(text) - len(lead) - len(closer) - 2  # keep room for " …"
        if room < 2:
            return text + lead + ELLIPSIS + closer, False
        if pairs:
            key, key_done = _render(items[index], room, depth + 1)
            item, item_done = _render(items[index + 1], max(room - len(key) - 1, 2), depth + 1)
            piece, done = f"{key} {item}", key_done and item_done
        else:
            piece, done = _render(items[index], room, depth + 1)
        text += lead + piece
        if not done:
            if index + step < len(items):
                text += separator + ELLIPSIS
            return text + closer, False
    return text + closer, True


def _render(value: Any, budget: int, depth: int) -> tuple[str, bool]:
    kind = type(value)
    if kind is EdnKey:  # a key kept apart from a Python-equal one ({1 :a 1.0 :b}): its value
        value = value.value
        kind = type(value)
    if kind is str:
        return _string(value, budget)
    if value is None:
        return "nil", True
    if value is True:
        return "true", True
    if value is False:
        return "false", True
    if kind is Keyword:
        return _keyword(value), True
    if isinstance(value, uuid.UUID):
        return _uuid(value), True
    if kind is Ref:
        return _ref(value), True
    if isinstance(value, bool):
        return ("true" if value else "false"), True
    if isinstance(value, int):
        return _cut(_integer(value), budget)
    if isinstance(value, float):
        return _cut(_float(value), budget)
    if isinstance(value, Decimal):
        return _cut(_decimal(value), budget)
    if isinstance(value, Fraction):
        return _cut(f"{value.numerator}/{value.denominator}", budget)
    if isinstance(value, str):
        return _string(str(value), budget)
    if kind is Symbol:
        return _cut(escape_text(value.text), budget)
    if kind is Char:
        return _char(value.value), True
    if kind is Money:
        inner, done = _items("[", "]", [value.amount, value.currency], budget - 10, depth)
        return "#im/money " + inner, done
    if kind is Location:
        inner, done = _items("[", "]", [value.lat, value.lng], budget - 13, depth)
        return "#im/location " + inner, done
    if kind is Tagged:
        tag = "#" + escape_text(str(value.tag)) + " "
        inner, done = _render(value.value, budget - len(tag), depth)
        return tag + inner, done
    if isinstance(value, datetime):
        return _instant(value), True
    if isinstance(value, date):
        return f'#inst "{value.isoformat()}"', True
    if isinstance(value, time):
        return _string(value.isoformat(), budget)
    if isinstance(value, EdnList):
        return _items("(", ")", list(value), budget, depth)
    if isinstance(value, tuple | list):
        return _items("[", "]", list(value), budget, depth)
    if isinstance(value, dict):
        flat = [part for pair in value.items() for part in pair]
        return _items("{", "}", flat, budget, depth, pairs=True)
    if isinstance(value, frozenset | set):
        if depth >= MAX_DEPTH and value:
            return "#{" + ELLIPSIS + "}", False
        rendered = sorted(_render(item, LIMIT, depth + 1)[0] for item in value)
        return _items("#{", "}", [_Shown(text) for text in rendered], budget, depth)
    if kind is _Shown:
        return _cut(value.text, budget)
    return _object(value, budget)


class _Shown:
    """An element already rendered (set elements are sorted by their text first)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _char(text: str) -> str:
    name = _CHAR_NAMES.get(text)
    if name is not None:
        return "\\" + name
    if len(text) == 1 and text.isprintable() and not text.isspace():
        return "\\" + text
    return "".join(_unicode_escape(char) for char in text)


def _object(value: Any, budget: int) -> tuple[str, bool]:
    """Anything else, the way Clojure prints an object it has no syntax for."""
    name = escape_text(type(value).__qualname__)
    try:
        if isinstance(value, type):
            text = value.__qualname__
        elif isinstance(value, bytes | bytearray):
            text = value.hex(" ")
        else:
            text = str(value)
    except Exception:  # noqa: BLE001 - a value whose __str__ fails is still shown
        text = ""
    inner, done = _string(text, max(budget - len(name) - 10, 8))
    return f"#object[{name} {inner}]", done
