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
import os
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any

from migrate import schemas
from migrate.edn.show import show
from migrate.edn.values import (
    Char,
    EdnKey,
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

__all__ = ["EdnWriteError", "RowWriter", "dumps", "row_text", "write_document"]


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
        raise EdnWriteError(f"illegal keyword {show(keyword)}: {problem}")
    return f":{keyword.text}"


def _symbol(symbol: Symbol) -> str:
    text = symbol.text
    if text == "/":
        return text
    namespace, slash, name = text.rpartition("/") if text.count("/") == 1 else ("", "", text)
    legal = is_legal_name_part(name) and (not slash or is_legal_name_part(namespace))
    if not legal or text in ("nil", "true", "false"):
        raise EdnWriteError(f"illegal symbol {show(text)}")
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
        raise EdnWriteError(f"character {show(value)} is not one UTF-16 code unit")
    name = _CHAR_NAMES.get(value)
    if name is not None:
        return f"\\{name}"
    if value.isprintable() and not value.isspace() and ord(value) < 0xD800:
        return f"\\{value}"
    return f"\\u{ord(value):04x}"


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise EdnWriteError(f"float {show(value)} is not a finite number")
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


def _text(value: Any) -> str:
    """The edn text of ``value``: one dict lookup on the exact type, isinstance checks after."""
    writer = _WRITERS.get(value.__class__)
    return writer(value) if writer is not None else _other(value)


def _vector(values: Iterable[Any]) -> str:
    return f"[{' '.join(map(_text, values))}]"


def _map(mapping: dict[Any, Any]) -> str:
    return "{" + " ".join([f"{_text(key)} {_text(value)}" for key, value in mapping.items()]) + "}"


def _set(values: Iterable[Any]) -> str:
    return "#{" + " ".join(sorted(map(_text, values))) + "}"


def _ref(ref: Ref) -> str:
    if ref.alias is not None:
        return f"#im/ref {_keyword(ref.alias)}"
    if ref.id_attr is not None and ref.import_id is not None:
        return f"#im/ref [{_keyword(ref.id_attr)} {_uuid(ref.import_id)}]"
    raise EdnWriteError("a reference needs an alias or an id attribute with an import id")


def _money(money: Money) -> str:
    return f"#im/money [{_text(money.amount)} {_string(money.currency)}]"


def _location(location: Location) -> str:
    return f"#im/location [{_text(location.lat)} {_text(location.lng)}]"


def _tagged(tagged: Tagged) -> str:
    return f"{_tag(tagged.tag)} {_text(tagged.value)}"


_WRITERS: dict[type, Callable[[Any], str]] = {
    str: _string,
    Keyword: _keyword,
    tuple: _vector,
    list: _vector,
    dict: _map,
    bool: lambda value: "true" if value else "false",
    int: _int,
    Ref: _ref,
    Decimal: _decimal,
    datetime: _instant,
    type(None): lambda value: "nil",
    float: _float,
    uuid.UUID: _uuid,
    Money: _money,
    Location: _location,
    EdnList: lambda values: f"({' '.join(map(_text, values))})",
    frozenset: _set,
    Symbol: _symbol,
    Char: _char,
    Tagged: _tagged,
    EdnKey: lambda key: _text(key.value),  # a key the reader kept apart from a Python-equal one
}

# Subclasses (FrozenMap, NonCanonicalUUID, IntEnum, StrEnum, …) go by their first base found here.
_BASES: tuple[tuple[type, Callable[[Any], str]], ...] = (
    (EdnList, _WRITERS[EdnList]),
    (bool, _WRITERS[bool]),
    (int, lambda value: _int(int(value))),
    (float, lambda value: _float(float(value))),
    (str, lambda value: _string(str(value))),
    (tuple, _vector),
    (list, _vector),
    (dict, _map),
    (frozenset, _set),
    (set, _set),
    (datetime, _instant),
    (Decimal, _decimal),
    (uuid.UUID, _uuid),
)


def _other(value: Any) -> str:
    for base, writer in _BASES:
        if isinstance(value, base):
            return writer(value)
    raise EdnWriteError(f"cannot write a {type(value).__name__} as edn: {show(value)}")


def dumps(value: Any) -> str:
    """The edn text of ``value`` (any type listed in :mod:`migrate.edn.values`).

    Raises :class:`EdnWriteError` for what Clojure could not read back as the same value: an
    illegal keyword or symbol, a naive datetime, NaN or infinity, an unknown Python type, a
    value nested deeper than Python's recursion limit allows.
    """
    try:
        return _text(value)
    except RecursionError:
        raise EdnWriteError(_TOO_DEEP) from None


_TOO_DEEP = "value nested too deeply to write (Python's recursion limit)"


# Rows --------------------------------------------------------------------------------------------


class _Layout:
    """Key order of one row type: top-level attributes and each nested ``map`` attribute."""

    __slots__ = ("namespace", "order", "nested", "id_text", "key_texts")

    def __init__(
        self, row_type: schemas.RowType | None, namespace: str | None, id_attr: Keyword
    ) -> None:
        self.namespace = namespace
        self.order: dict[Keyword, int] = dict(row_type.order) if row_type else {}
        self.id_text: str | None = None  # the id attribute's text, once known to be legal
        # Texts of the schema's keys, filled as they are first written (legal by then).
        self.key_texts: dict[Keyword, str] = {}
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
        layout = _LAYOUTS[id_attr] = _Layout(row_type, id_attr.namespace, id_attr)
    return layout


def _unknown_key(key: Any) -> tuple[int, str]:
    return (0, key.text) if type(key) is Keyword else (1, _text(key))


# Key order by the identities of a map's keys, in its own order: rows of one type mostly have a
# few key sets, so the sort is done once per key set. Each entry holds the keys and the order
# it was made for, so no id in its signature can be reused while the entry exists.
_ORDERS: dict[tuple[int, ...], tuple[tuple[Any, ...], tuple[Any, ...] | None]] = {}
_ORDERS_MAX = 4096


def _ordered(mapping: dict[Any, Any], order: dict[Keyword, int]) -> list[tuple[Any, Any]]:
    """``mapping``'s items: keys in ``order`` first, in that order; then the rest, sorted."""
    signature = (id(order), *map(id, mapping))
    known = _ORDERS.get(signature)
    if known is not None:
        keys = known[1]
        if keys is None:  # the map is in order already
            return list(mapping.items())
        return [(key, mapping[key]) for key in keys]
    items = _sorted_items(mapping, order)
    if len(_ORDERS) < _ORDERS_MAX:
        sorted_keys = tuple(key for key, _ in items)
        own = (order, *mapping)
        _ORDERS[signature] = (own, None if sorted_keys == own[1:] else sorted_keys)
    return items


def _sorted_items(mapping: dict[Any, Any], order: dict[Keyword, int]) -> list[tuple[Any, Any]]:
    if mapping.keys() <= order.keys():  # the usual case, all keys known to the schema
        return [(key, mapping[key]) for key in sorted(mapping, key=order.__getitem__)]
    known = sorted((key for key in mapping if key in order), key=order.__getitem__)
    unknown = sorted((key for key in mapping if key not in order), key=_unknown_key)
    return [(key, mapping[key]) for key in (*known, *unknown)]


def _row_items(row: Row, layout: _Layout) -> list[tuple[Any, Any]]:
    items = _ordered(row.attrs, layout.order)
    nested = layout.nested
    if nested:
        for index, (key, value) in enumerate(items):
            child_order = nested.get(key)
            if child_order is not None and type(value) is dict:
                items[index] = (key, dict(_ordered(value, child_order)))
    return items


def _id_tuple(row: Row) -> str:
    parts = [_keyword(row.id_attr)]
    import_id = row.import_id
    if import_id is not None:
        if not isinstance(import_id, uuid.UUID):
            raise EdnWriteError(f"import id {show(import_id)} is not a UUID")
        hex_ = f"{import_id.int:032x}"
        parts.append(f'#uuid "{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"')
    alias = row.alias
    if alias is not None:
        # One alias per row: checked directly, not through _keyword's cache (it would miss).
        if alias.__class__ is Keyword and alias.problem is None:
            parts.append(f":{alias.text}")
        else:
            parts.append(_keyword(alias))
    return f"[{' '.join(parts)}]"


def _attribute_error(row: Row, key: Any, error: EdnWriteError) -> EdnWriteError:
    return EdnWriteError(f"row {row.label}, attribute {show(key)}: {error}")


def _failing_attribute(row: Row, items: list[tuple[Any, Any]], error: EdnWriteError) -> Exception:
    """Which attribute made a row unwritable (the error path only; the fast path writes all)."""
    for key, value in items:
        try:
            _text(key)
            _text(value)
        except EdnWriteError as failure:
            return _attribute_error(row, key, failure)
        except RecursionError:
            return _attribute_error(row, key, EdnWriteError(_TOO_DEEP))
    return error


def row_text(row: Row, *, pretty: bool = False) -> str:
    """The edn text of one data row ``[[id tuple] {attributes}]``, without a trailing newline.

    Raises :class:`EdnWriteError` naming the row and the attribute that cannot be written.
    """
    try:
        id_text = _id_tuple(row)
    except EdnWriteError as error:
        raise EdnWriteError(f"row {row.label}: {error}") from None
    layout = _layout(row.id_attr)
    items = _row_items(row, layout)
    try:
        if pretty:
            return _pretty_row(id_text, items, layout.namespace)
        key_texts = layout.key_texts
        order = layout.order
        writers = _WRITERS
        parts = []
        for key, value in items:
            key_text = key_texts.get(key)
            if key_text is None:
                key_text = _text(key)
                if key in order:
                    key_texts[key] = key_text
            writer = writers.get(value.__class__)
            parts.append(f"{key_text} {writer(value) if writer is not None else _other(value)}")
        attrs = " ".join(parts)
    except EdnWriteError as error:
        raise _failing_attribute(row, items, error) from None
    except RecursionError:
        raise _failing_attribute(row, items, EdnWriteError(_TOO_DEEP)) from None
    return f"[{id_text} {{{attrs}}}]"


def _can_compact(items: list[tuple[Any, Any]], namespace: str | None) -> bool:
    # In #:ns{…} an unqualified key would take the namespace, and :_/x means the plain :x, so
    # only maps whose keys are all qualified keywords outside "_" can be written this way.
    if namespace is None or namespace == "_" or not items:
        return False
    return all(type(key) is Keyword and key.namespace not in (None, "_") for key, _ in items)


def _pretty_row(id_text: str, items: list[tuple[Any, Any]], namespace: str | None) -> str:
    if _can_compact(items, namespace):
        prefix = f"#:{namespace}"
        entries = [
            (f":{key.name}" if key.namespace == namespace else _keyword(key), value)
            for key, value in items
        ]
        for key, _ in items:  # compacted keys must still be legal keywords as written in full
            _keyword(key)
    else:
        prefix = ""
        entries = [(_text(key), value) for key, value in items]
    out = ["[", id_text, "\n ", prefix]
    _pretty_map(entries, 1 + len(prefix), out)
    out.append("]")
    return "".join(out)


def _pretty_map(entries: list[tuple[str, Any]], column: int, out: list[str]) -> None:
    """Write ``{k v`` / aligned ``k v`` lines / ``}``; ``column`` is where the brace sits."""
    out.append("{")
    indent = "\n" + " " * (column + 1)
    for index, (key_text, value) in enumerate(entries):
        if index:
            out.append(indent)
        out.append(key_text)
        out.append(" ")
        if isinstance(value, dict) and value:
            nested = [(_text(key), element) for key, element in value.items()]
            _pretty_map(nested, column + 1 + len(key_text) + 1, out)
        else:
            out.append(_text(value))
    out.append("}")


class RowWriter:
    """Writes an Intermediary document to a text stream, one row per :meth:`write` call.

    The header ``{:ident :my-marketplace`` / `` :data [`` is written at once, each row on its own
    line (several lines with ``pretty=True``), and ``]}`` on :meth:`close`. Use it as a context
    manager to close it; closing does not close ``stream``. ``count`` is the rows written so far.
    """

    def __init__(self, stream: IO[str], ident: Keyword | str, *, pretty: bool = False) -> None:
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
    path: str | os.PathLike[str], ident: Keyword | str, rows: Iterable[Row], *, pretty: bool = False
) -> int:
    """Write ``rows`` as an Intermediary document to ``path`` atomically; returns the row count.

    ``rows`` may be a generator: rows are written as they come. If a row cannot be written
    (:class:`EdnWriteError`) or the iteration fails, no file is left behind and a previous file
    at ``path`` is untouched.
    """
    with atomic_write(path) as stream, RowWriter(stream, ident, pretty=pretty) as writer:
        writer.write_all(rows)
    return writer.count
