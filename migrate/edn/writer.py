"""Streaming edn writer: values and Intermediary rows to text that ``clojure.edn`` reads back.

``dumps`` writes one value. ``RowWriter`` writes an Intermediary document row by row, and
``write_document`` does so atomically into a file. Output is deterministic:

* row attributes, and the attributes of nested ``map`` attributes, follow the schema's order
  (``schemas/intermediary.toml``); keys the schema does not know follow, sorted;
* extended data (``json`` attributes) and any other map keep their insertion order, so the
  caller decides it (the converter builds them in its source's order);
* sets are written sorted by their elements' text.

Two layouts: the default puts each row on one line with fully qualified keys; ``pretty=True``
follows the spec's examples, a ``#:im.listing{…}`` namespaced map with one attribute per line
and nested maps aligned under their first key.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TextIO

import schemas
from migrate.edn.values import (
    Char,
    EdnList,
    Keyword,
    Location,
    Money,
    Ref,
    Row,
    Symbol,
    Tagged,
    is_legal_name_part,
)
from migrate.fileio import atomic_write

__all__ = ["EdnWriteError", "RowWriter", "dumps", "write_document"]


class EdnWriteError(ValueError):
    """A value that cannot be written as edn Clojure would read back (the message says which)."""


# Strings -----------------------------------------------------------------------------------------

# Escaped: what Clojure's string reader requires (" and \), the C0 and C1 controls, DEL, the
# Unicode line/paragraph separators (editors and JavaScript tools break lines on them) and lone
# surrogates (not encodable as UTF-8). Everything else, astral characters included, stays raw.
_NEEDS_ESCAPE = re.compile('[\x00-\x1f"\\\\\x7f-\x9f\u2028\u2029\ud800-\udfff]')
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\b": "\\b",
    "\f": "\\f",
}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _string(text: str) -> str:
    if _NEEDS_ESCAPE.search(text) is None:
        return f'"{text}"'
    return f'"{_NEEDS_ESCAPE.sub(_escape, text)}"'


# Atoms -------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _keyword(keyword: Keyword) -> str:
    problem = keyword.problem
    if problem is not None:
        raise EdnWriteError(f"illegal keyword {keyword!r}: {problem}")
    return f":{keyword.text}"


def _symbol(symbol: Symbol) -> str:
    text = symbol.text
    if text == "/":
        return text
    namespace, slash, name = text.rpartition("/") if text.count("/") == 1 else ("", "", text)
    legal = is_legal_name_part(name) and (not slash or is_legal_name_part(namespace))
    if not legal or text in ("nil", "true", "false"):
        raise EdnWriteError(f"illegal symbol {text!r}")
    return text


_CHAR_NAMES = {
    "\n": "newline",
    " ": "space",
    "\t": "tab",
    "\b": "backspace",
    "\f": "formfeed",
    "\r": "return",
}


def _char(char: Char) -> str:
    value = char.value
    if len(value) != 1 or ord(value) > 0xFFFF:
        raise EdnWriteError(f"character {value!r} is not one UTF-16 code unit")
    name = _CHAR_NAMES.get(value)
    if name is not None:
        return f"\\{name}"
    if value.isprintable() and not value.isspace() and ord(value) < 0xD800:
        return f"\\{value}"
    return f"\\u{ord(value):04x}"


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise EdnWriteError(f"float {value!r} is not a finite number")
    # repr is the shortest text that parses back to the same double, in Java as in Python.
    return repr(value)


def _int(value: int) -> str:
    try:
        return str(value)
    except ValueError as error:  # beyond sys.get_int_max_str_digits()
        raise EdnWriteError(f"integer too large to write: {error}") from None


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise EdnWriteError(f"decimal {value} is not a finite number")
    # str() keeps the exact digits and exponent ("12.12", "1E+2"); Java's BigDecimal reads both.
    return f"{value}M"


def _instant(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise EdnWriteError(
            f"naive datetime {value.isoformat()} has no time zone; an #inst needs one (e.g. UTC)"
        )
    utc = value.astimezone(UTC)
    # Milliseconds: the precision of java.util.Date, which clojure.edn gives an #inst.
    return (
        f'#inst "{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:'
        f'{utc.second:02d}.{utc.microsecond // 1000:03d}Z"'
    )


def _uuid(value: uuid.UUID) -> str:
    return f'#uuid "{uuid.UUID.__str__(value)}"'


def _tag(tag: str) -> str:
    namespace, slash, name = tag.partition("/")
    parts = (namespace, name) if slash else (tag,)
    if not tag[:1].isalpha() or not tag.isascii() or not all(map(is_legal_name_part, parts)):
        raise EdnWriteError(f"illegal tag #{tag}")
    return f"#{tag}"


# Composite values --------------------------------------------------------------------------------


def _emit(value: Any, out: list[str]) -> None:
    """Append the edn text of ``value`` to ``out``; exact type checks first, they are fastest."""
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif kind is Keyword:
        out.append(_keyword(value))
    elif kind is tuple or kind is list:
        _sequence(value, "[", "]", out)
    elif kind is dict:
        _map(value.items(), out)
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is int:
        out.append(_int(value))
    elif kind is Ref:
        _ref(value, out)
    elif kind is Decimal:
        out.append(_decimal(value))
    elif kind is datetime:
        out.append(_instant(value))
    elif value is None:
        out.append("nil")
    elif kind is float:
        out.append(_float(value))
    elif isinstance(value, uuid.UUID):
        out.append(_uuid(value))
    elif kind is Money:
        out.append("#im/money [")
        _emit(value.amount, out)
        out.append(" ")
        out.append(_string(value.currency))
        out.append("]")
    elif kind is Location:
        out.append("#im/location [")
        _emit(value.lat, out)
        out.append(" ")
        _emit(value.lng, out)
        out.append("]")
    else:
        _emit_other(value, out)


def _emit_other(value: Any, out: list[str]) -> None:
    if isinstance(value, EdnList):
        _sequence(value, "(", ")", out)
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, int):
        out.append(_int(int(value)))
    elif isinstance(value, float):
        out.append(_float(float(value)))
    elif isinstance(value, str):
        out.append(_string(str(value)))
    elif isinstance(value, tuple | list):
        _sequence(value, "[", "]", out)
    elif isinstance(value, dict):
        _map(value.items(), out)
    elif isinstance(value, frozenset | set):
        texts = sorted(dumps(element) for element in value)
        out.append("#{")
        out.append(" ".join(texts))
        out.append("}")
    elif isinstance(value, datetime):
        out.append(_instant(value))
    elif isinstance(value, Decimal):
        out.append(_decimal(value))
    elif isinstance(value, Symbol):
        out.append(_symbol(value))
    elif isinstance(value, Char):
        out.append(_char(value))
    elif isinstance(value, Tagged):
        out.append(_tag(value.tag))
        out.append(" ")
        _emit(value.value, out)
    else:
        raise EdnWriteError(f"cannot write a {type(value).__name__} as edn: {value!r}")


def _sequence(values: Iterable[Any], open_: str, close: str, out: list[str]) -> None:
    out.append(open_)
    first = True
    for element in values:
        if not first:
            out.append(" ")
        first = False
        _emit(element, out)
    out.append(close)


def _map(items: Iterable[tuple[Any, Any]], out: list[str]) -> None:
    out.append("{")
    first = True
    for key, element in items:
        if not first:
            out.append(" ")
        first = False
        _emit(key, out)
        out.append(" ")
        _emit(element, out)
    out.append("}")


def _ref(ref: Ref, out: list[str]) -> None:
    if ref.alias is not None:
        out.append("#im/ref ")
        out.append(_keyword(ref.alias))
    elif ref.id_attr is not None and ref.import_id is not None:
        out.append("#im/ref [")
        out.append(_keyword(ref.id_attr))
        out.append(" ")
        out.append(_uuid(ref.import_id))
        out.append("]")
    else:
        raise EdnWriteError("a reference needs an alias or an id attribute with an import id")


def dumps(value: Any) -> str:
    """The edn text of ``value`` (any type listed in :mod:`migrate.edn.values`).

    Raises :class:`EdnWriteError` for what Clojure could not read back as the same value: an
    illegal keyword or symbol, a naive datetime, NaN or infinity, an unknown Python type.
    """
    out: list[str] = []
    _emit(value, out)
    return "".join(out)


# Rows --------------------------------------------------------------------------------------------


class _Layout:
    """Key order of one row type: top-level attributes and each nested ``map`` attribute."""

    __slots__ = ("namespace", "order", "nested")

    def __init__(self, row_type: schemas.RowType | None, namespace: str | None) -> None:
        self.namespace = namespace
        self.order: dict[Keyword, int] = dict(row_type.order) if row_type else {}
        self.nested: dict[Keyword, dict[Keyword, int]] = {}
        if row_type is not None:
            for attribute in row_type.attributes:
                if attribute.kind == "map":
                    self.nested[attribute.key] = {
                        child.key: index for index, child in enumerate(attribute.attributes)
                    }


_LAYOUTS: dict[Keyword, _Layout] = {}


def _layout(id_attr: Keyword) -> _Layout:
    layout = _LAYOUTS.get(id_attr)
    if layout is None:
        row_type = schemas.load().by_id_attr.get(id_attr)
        layout = _LAYOUTS[id_attr] = _Layout(row_type, id_attr.namespace)
    return layout


def _unknown_key(key: Any) -> tuple[int, str]:
    return (0, key.text) if type(key) is Keyword else (1, dumps(key))


def _ordered(mapping: dict[Any, Any], order: dict[Keyword, int]) -> list[tuple[Any, Any]]:
    """``mapping``'s items: keys in ``order`` first, in that order; then the rest, sorted."""
    known: list[tuple[int, Any]] = []
    unknown: list[Any] = []
    for key in mapping:
        position = order.get(key) if type(key) is Keyword else None
        if position is None:
            unknown.append(key)
        else:
            known.append((position, key))
    known.sort(key=lambda pair: pair[0])
    keys = [key for _, key in known]
    if unknown:
        keys.extend(sorted(unknown, key=_unknown_key))
    return [(key, mapping[key]) for key in keys]


def _row_items(row: Row, layout: _Layout) -> list[tuple[Any, Any]]:
    items = _ordered(row.attrs, layout.order)
    if layout.nested:
        for index, (key, value) in enumerate(items):
            child_order = layout.nested.get(key)
            if child_order is not None and isinstance(value, dict):
                items[index] = (key, dict(_ordered(value, child_order)))
    return items


def _id_tuple(row: Row) -> str:
    parts = [_keyword(row.id_attr)]
    if row.import_id is not None:
        if not isinstance(row.import_id, uuid.UUID):
            raise EdnWriteError(f"import id {row.import_id!r} of row {row.label} is not a UUID")
        parts.append(_uuid(row.import_id))
    if row.alias is not None:
        parts.append(_keyword(row.alias))
    return f"[{' '.join(parts)}]"


def _attribute_error(row: Row, key: Any, error: EdnWriteError) -> EdnWriteError:
    return EdnWriteError(f"row {row.label}, attribute {key!r}: {error}")


def row_text(row: Row, *, pretty: bool = False) -> str:
    """The edn text of one data row ``[[id tuple] {attributes}]``, without a trailing newline."""
    try:
        id_text = _id_tuple(row)
    except EdnWriteError as error:
        raise EdnWriteError(f"row {row.label}: {error}") from None
    layout = _layout(row.id_attr)
    items = _row_items(row, layout)
    if pretty:
        return _pretty_row(row, id_text, items, layout.namespace)
    out = ["[", id_text, " {"]
    first = True
    for key, value in items:
        if not first:
            out.append(" ")
        first = False
        try:
            _emit(key, out)
            out.append(" ")
            _emit(value, out)
        except EdnWriteError as error:
            raise _attribute_error(row, key, error) from None
    out.append("}]")
    return "".join(out)


def _can_compact(items: list[tuple[Any, Any]], namespace: str | None) -> bool:
    # In #:ns{…} an unqualified key would take the namespace, and :_/x means the plain :x, so
    # only maps whose keys are all qualified keywords outside "_" can be written this way.
    if namespace is None or namespace == "_" or not items:
        return False
    return all(type(key) is Keyword and key.namespace not in (None, "_") for key, _ in items)


def _pretty_row(row: Row, id_text: str, items: list[tuple[Any, Any]], namespace: str | None) -> str:
    out = ["[", id_text, "\n "]
    if _can_compact(items, namespace):
        prefix = f"#:{namespace}"
        keys = []
        for key, _ in items:
            try:
                text = _keyword(key)
            except EdnWriteError as error:
                raise _attribute_error(row, key, error) from None
            keys.append(f":{key.name}" if key.namespace == namespace else text)
    else:
        prefix = ""
        keys = []
        for key, _ in items:
            try:
                keys.append(dumps(key))
            except EdnWriteError as error:
                raise _attribute_error(row, key, error) from None
    out.append(prefix)
    entries = list(zip(keys, (value for _, value in items), strict=True))
    try:
        _pretty_map(entries, 1 + len(prefix), out)
    except _AttributeFailure as failure:
        raise _attribute_error(row, items[failure.index][0], failure.error) from None
    out.append("]")
    return "".join(out)


class _AttributeFailure(Exception):
    def __init__(self, index: int, error: EdnWriteError) -> None:
        self.index, self.error = index, error


def _pretty_map(entries: list[tuple[str, Any]], column: int, out: list[str]) -> None:
    """Write ``{k v`` / aligned ``k v`` lines / ``}``; ``column`` is where the brace sits."""
    out.append("{")
    indent = "\n" + " " * (column + 1)
    for index, (key_text, value) in enumerate(entries):
        if index:
            out.append(indent)
        out.append(key_text)
        out.append(" ")
        try:
            _pretty_value(value, column + 1 + len(key_text) + 1, out)
        except EdnWriteError as error:
            raise _AttributeFailure(index, error) from None
    out.append("}")


def _pretty_value(value: Any, column: int, out: list[str]) -> None:
    if isinstance(value, dict) and value:
        entries = [(dumps(key), element) for key, element in value.items()]
        try:
            _pretty_map(entries, column, out)
        except _AttributeFailure as failure:
            raise failure.error from None
    else:
        _emit(value, out)


class RowWriter:
    """Writes an Intermediary document to a text stream, one row per :meth:`write` call.

    The header ``{:ident :my-marketplace`` / `` :data [`` is written at once, each row on its own
    line (several lines with ``pretty=True``), and ``]}`` on :meth:`close`. Use it as a context
    manager to close it; closing does not close ``stream``. ``count`` is the rows written so far.
    """

    def __init__(self, stream: TextIO, ident: Keyword | str, *, pretty: bool = False) -> None:
        keyword = ident if isinstance(ident, Keyword) else Keyword(ident.removeprefix(":"))
        try:
            ident_text = _keyword(keyword)
        except EdnWriteError as error:
            raise EdnWriteError(f":ident: {error}") from None
        self._stream = stream
        self._pretty = pretty
        self._closed = False
        self.count = 0
        stream.write(f"{{:ident {ident_text}\n :data [\n")

    def write(self, row: Row) -> None:
        """Write one row; raises :class:`EdnWriteError` (naming row and attribute) if it can't."""
        if self._closed:
            raise ValueError("RowWriter.write() after close()")
        text = row_text(row, pretty=self._pretty)
        self._stream.write(text)
        self._stream.write("\n")
        self.count += 1

    def write_all(self, rows: Iterable[Row]) -> int:
        """Write every row of ``rows``; returns how many were written."""
        for row in rows:
            self.write(row)
        return self.count

    def close(self) -> None:
        """End the document (``]}``); further calls do nothing."""
        if not self._closed:
            self._closed = True
            self._stream.write("]}\n")

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc_type is None:
            self.close()


def write_document(
    path: Any, ident: Keyword | str, rows: Iterable[Row], *, pretty: bool = False
) -> int:
    """Write ``rows`` as an Intermediary document to ``path`` atomically; returns the row count.

    ``rows`` may be a generator: rows are written as they come. If a row cannot be written
    (:class:`EdnWriteError`) or the iteration fails, no file is left behind and a previous file
    at ``path`` is untouched.
    """
    with atomic_write(path) as stream, RowWriter(stream, ident, pretty=pretty) as writer:
        writer.write_all(rows)
    return writer.count
