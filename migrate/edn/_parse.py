"""The value parser of the edn reader: ``parse_value(src, pos, eof) -> (value, end)``.

One loop over the tokens of :data:`~migrate.edn._scan.TOKEN_RE` with an explicit stack, so that
deep nesting raises a typed error instead of ``RecursionError``. Offsets only; line and column
are computed by the caller when something goes wrong.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

from migrate.edn import _scan
from migrate.edn._scan import (
    _KEYWORDS,
    CHAR,
    CLOSE,
    CLOSE2,
    DISCARD,
    ESCAPED_STRING,
    FLOAT,
    INST_TAG,
    INTEGER,
    KEYWORD,
    KEYWORD_BOOLEAN,
    KEYWORD_INST,
    KEYWORD_INTEGER,
    KEYWORD_KEYWORD,
    KEYWORD_OPEN,
    KEYWORD_REF,
    KEYWORD_STRING,
    LOCATION,
    MONEY,
    NS_MAP,
    NUMBER,
    OPEN,
    REF_ID,
    REF_TAG,
    ROW_HEAD,
    ROW_HEAD_ALIAS,
    ROW_HEAD_UUID,
    SET_OPEN,
    STRING,
    SYMBOL,
    TAG,
    TOKEN_RE,
    UUID_TAG,
    Fail,
    NeedMore,
    skip_match,
)
from migrate.edn.show import show
from migrate.edn.values import (
    Char,
    EdnList,
    FrozenMap,
    Keyword,
    Location,
    Money,
    Ref,
    Symbol,
    Tagged,
)

MAX_DEPTH = 1000

# Frame kinds. Containers collect values into a list; prefix frames transform the next value.
_ROOT, _VECTOR, _LIST, _MAP, _SET, _NS_MAP, _TAG, _DISCARD, _META = range(9)
_OPEN_KIND = {"[": _VECTOR, "(": _LIST, "{": _MAP}
_CLOSER = {_VECTOR: "]", _LIST: ")", _MAP: "}", _SET: "}", _NS_MAP: "}"}
_NAME = {_VECTOR: "vector", _LIST: "list", _MAP: "map", _SET: "set", _NS_MAP: "map"}
_UUID = uuid.UUID
_new_object = object.__new__
_set_attribute = object.__setattr__
_SAFE_UNKNOWN = uuid.SafeUUID.unknown
_canonical_uuid = _scan._CANONICAL_UUID_RE.fullmatch


def _uuid(text: str, offset: int) -> uuid.UUID:
    """The UUID of ``#uuid "text"``, built without ``UUID.__init__`` when canonical (hot path)."""
    if _canonical_uuid(text) is None:
        return _scan.uuid_value(text, offset)
    value = _new_object(_UUID)
    _set_attribute(value, "int", int(text.replace("-", ""), 16))
    _set_attribute(value, "is_safe", _SAFE_UNKNOWN)
    return value


_NS_PREFIX_RE = re.compile(f"#:{_scan.TOKEN_CHAR}*+{_scan.SKIP_RE.pattern}")
# Called only where the text starts with "#:", which the pattern then always matches.
_ns_prefix_match = cast(Callable[[str, int], re.Match[str]], _NS_PREFIX_RE.match)
# Per namespace of `#:ns{`: id() of each key read inside -> the key it stands for, and the keys
# themselves, kept alive while their entry is (an id is unique only among live objects).
_NS_KEYS: dict[str, dict[int, Any]] = {}
_NS_PINNED: dict[str, list[Any]] = {}
# Namespaces of `#:ns{` already found legal: a file repeats the same few on most rows. Bounded,
# like the keyword cache, so that a file of made-up namespaces cannot grow it forever.
_NAMESPACES_OK: set[str] = set()
_NAMESPACES_MAX = 1_000


def parse_value(src: str, pos: int, eof: bool) -> tuple[Any, int]:
    """Read the edn value starting at or after ``pos`` in ``src``; return it and its end offset.

    Raises :class:`NeedMore` when ``src`` ends inside the value and more input may follow
    (``eof`` false), :class:`Fail` for malformed edn. A closing delimiter where a value should
    start is an error.
    """
    stack: list[tuple] = []
    kind = _ROOT
    items: Any = None  # the open collection's list, None at the root and in prefix frames
    append = None
    start = pos
    extra: Any = None
    value: Any
    keywords = _KEYWORDS.get
    # The scanner continues where its last match ended: no offsets to pass on the hot path.
    # (Pattern.scanner is CPython's undocumented scanner API; typeshed does not list it.)
    scan = TOKEN_RE.scanner(src, pos).match  # type: ignore[attr-defined]
    m = None
    while True:
        token = scan()
        if token is None:
            raise _diagnose(src, m.end() if m is not None else pos, eof, kind, start, extra)
        m = token
        group = m.lastindex
        if group <= KEYWORD_OPEN:
            value = keywords(m[1]) or _scan.keyword(m[1], m.start(1) - 1)
            if group != KEYWORD:
                if append is None:  # a prefix frame takes the keyword alone
                    pos = m.end(1)
                    scan = TOKEN_RE.scanner(src, pos).match  # type: ignore[attr-defined]
                    m = None
                else:
                    append(value)
                    if group == KEYWORD_STRING:
                        value = m[KEYWORD_STRING]
                    elif group == KEYWORD_KEYWORD:
                        value = m[KEYWORD_KEYWORD]
                        value = keywords(value) or _scan.keyword(
                            value, m.start(KEYWORD_KEYWORD) - 1
                        )
                    elif group == KEYWORD_INST:
                        value = _scan.inst(m[KEYWORD_INST], m.start(KEYWORD_INST) - 7)
                    elif group == KEYWORD_REF:
                        value = m[KEYWORD_REF]
                        value = Ref(
                            keywords(value) or _scan.keyword(value, m.start(KEYWORD_REF) - 1)
                        )
                    elif group == KEYWORD_INTEGER:
                        value = int(m[KEYWORD_INTEGER])
                    elif group == KEYWORD_OPEN:
                        # The keyword is in; its value opens here, as an OPEN token would.
                        if len(stack) >= MAX_DEPTH:
                            raise Fail(m.start(group), f"nesting deeper than {MAX_DEPTH} levels")
                        stack.append((kind, items, append, start, extra))
                        extra = None
                        kind = _OPEN_KIND[m[KEYWORD_OPEN]]
                        start = m.start(KEYWORD_OPEN)
                        items = []
                        append = items.append
                        continue
                    else:
                        value = m[KEYWORD_BOOLEAN] == "true"
        elif CLOSE <= group <= CLOSE2:
            closing = CLOSE
            while True:  # once, or twice for a CLOSE2 token ('}]' ends most rows)
                closer = m[closing]
                if closer != _CLOSER.get(kind):
                    raise _unbalanced(m.start(closing), closer, kind, start)
                if kind == _VECTOR:
                    value = tuple(items)
                elif kind == _MAP:
                    pairs = iter(items)
                    try:
                        value = dict(zip(pairs, pairs, strict=False))
                    except (TypeError, RecursionError):  # _build_map knows what went wrong
                        value = None
                    if value is None or len(value) * 2 != len(items):
                        value = _build_map(src, items, start)
                elif kind == _NS_MAP:
                    value = _namespaced_map(src, items, extra, start)
                elif kind == _LIST:
                    value = EdnList(items)
                else:
                    value = _build_set(src, items, start)
                kind, items, append, start, extra = stack.pop()
                if closing == group:
                    break
                if append is None:
                    # The value completes a prefix frame (or the read): the second closer is
                    # read again as a token of its own, after that.
                    pos = m.end(CLOSE)
                    scan = TOKEN_RE.scanner(src, pos).match  # type: ignore[attr-defined]
                    m = None
                    break
                append(value)
                closing = CLOSE2
        elif group == STRING:
            value = m[STRING]
        elif group == OPEN or ROW_HEAD <= group <= ROW_HEAD_ALIAS:
            if len(stack) >= MAX_DEPTH:
                raise Fail(m.start(group), f"nesting deeper than {MAX_DEPTH} levels")
            stack.append((kind, items, append, start, extra))
            extra = None
            if group == OPEN:
                kind = _OPEN_KIND[m[OPEN]]
                start = m.start(OPEN)
                items = []
                append = items.append
                continue
            kind = _VECTOR
            start = m.start(ROW_HEAD) - 3
            id_attr = keywords(m[ROW_HEAD]) or _scan.keyword(m[ROW_HEAD], start + 2)
            text = m[ROW_HEAD_UUID]
            alias = m[ROW_HEAD_ALIAS]
            if alias is not None:
                alias = keywords(alias) or _scan.keyword(alias, m.start(ROW_HEAD_ALIAS) - 1)
            if text is None:
                items = [(id_attr,) if alias is None else (id_attr, alias)]
            else:
                value = _uuid(text, m.start(ROW_HEAD_UUID) - 7)
                items = [(id_attr, value) if alias is None else (id_attr, value, alias)]
            append = items.append
            continue
        elif group == UUID_TAG:
            value = _uuid(m[UUID_TAG], m.start(UUID_TAG) - 7)
        elif group == INST_TAG:
            value = _scan.inst(m[INST_TAG], m.start(INST_TAG) - 7)
        elif group == REF_TAG:
            text = m[REF_TAG]
            value = Ref(keywords(text) or _scan.keyword(text, m.start(REF_TAG) - 1))
        elif group == REF_ID:
            text = m[REF_ID - 1]
            id_attr = keywords(text) or _scan.keyword(text, m.start(REF_ID - 1) - 1)
            value = Ref(None, id_attr, _uuid(m[REF_ID], m.start(REF_ID) - 7))
        elif group == MONEY:
            value = Money(_scan.plain_number(m[MONEY - 1]), m[MONEY])
        elif group == LOCATION:
            value = Location(_scan.plain_number(m[LOCATION - 1]), _scan.plain_number(m[LOCATION]))
        elif group == INTEGER:
            value = int(m[INTEGER])
        elif group == FLOAT:
            value = float(m[FLOAT])
        elif group == ESCAPED_STRING:
            value = _scan.escaped_string(m[ESCAPED_STRING], m.start(ESCAPED_STRING) - 1)
        elif group == NUMBER:
            value = _scan.number(m[NUMBER], m.start(NUMBER))
        elif group == SYMBOL:
            value = _scan.symbol(m[SYMBOL], m.start(SYMBOL))
        elif group == CHAR:
            if m.end() == len(src) and not eof:
                raise NeedMore
            value = _scan.char(m[CHAR], m.start(CHAR) - 1)
        else:
            # A prefix: a tag, '#{', '#:ns{', '#_' or '^' opens a frame of its own.
            if len(stack) >= MAX_DEPTH:
                raise Fail(m.start(group), f"nesting deeper than {MAX_DEPTH} levels")
            stack.append((kind, items, append, start, extra))
            start = m.start(group)
            items = append = None
            if group == TAG:
                kind = _TAG
                start -= 1
                extra = m[TAG]
                if not _scan.symbol_parts(extra):
                    raise Fail(start, f"invalid tag #{extra}")
            elif group == SET_OPEN:
                kind = _SET
                items = []
                append = items.append
            elif group == NS_MAP:
                kind = _NS_MAP
                extra = m[NS_MAP]
                if extra not in _NAMESPACES_OK:
                    if not extra or "/" in extra or not _scan.symbol_parts(extra):
                        raise Fail(start - 2, f"invalid namespace {show(extra)} in namespaced map")
                    if len(_NAMESPACES_OK) >= _NAMESPACES_MAX:
                        _NAMESPACES_OK.clear()
                    _NAMESPACES_OK.add(extra)
                start = m.end() - 1
                items = []
                append = items.append
            elif group == DISCARD:
                kind = _DISCARD
            else:
                kind = _META
                extra = []
            continue
        if append is not None:
            append(value)
            continue
        # The value completes a prefix frame (or the whole read).
        while True:
            if kind == _ROOT:
                return value, (m.end() if m is not None else pos)
            if kind == _TAG:
                value = _tagged(extra, value, start)
            elif kind == _DISCARD:
                kind, items, append, start, extra = stack.pop()
                break
            else:
                extra.append(value)
                if len(extra) == 1:
                    if not isinstance(value, (Symbol, Keyword, str, dict)):
                        raise Fail(start, "metadata must be a symbol, keyword, string or map")
                    break
                if not isinstance(value, (tuple, dict, frozenset, Symbol)):
                    raise Fail(start, "metadata can only be applied to collections and symbols")
            kind, items, append, start, extra = stack.pop()
            if append is not None:
                append(value)
                break


def _tagged(tag: str, value: Any, offset: int) -> Any:
    if tag == "im/ref":
        if type(value) is Keyword:
            return Ref(value)
        if (
            type(value) is tuple
            and len(value) == 2
            and type(value[0]) is Keyword
            and isinstance(value[1], uuid.UUID)
        ):
            return Ref(None, value[0], value[1])
    elif tag == "inst":
        if type(value) is not str:
            raise Fail(offset, "#inst needs a string")
        return _scan.inst(value, offset)
    elif tag == "uuid":
        if type(value) is not str:
            raise Fail(offset, "#uuid needs a string")
        return _scan.uuid_value(value, offset)
    elif tag == "im/money":
        if (
            type(value) is tuple
            and len(value) == 2
            and _is_number(value[0])
            and type(value[1]) is str
        ):
            return Money(value[0], value[1])
    elif (
        tag == "im/location"
        and type(value) is tuple
        and len(value) == 2
        and _is_number(value[0])
        and _is_number(value[1])
    ):
        return Location(value[0], value[1])
    return Tagged(tag, value)


def _is_number(value: Any) -> bool:
    return type(value) in (int, float, Decimal, Fraction)


def _namespaced_map(src: str, items: list, namespace: str, start: int) -> dict:
    """The dict of ``#:namespace{…}``'s items, unqualified keys qualified."""
    table = _NS_KEYS.get(namespace)
    if table is not None:
        # Looked up by id(): no Keyword.__hash__ (Python code) per key. The table's values pin
        # the keys (see below), so an id in it is the id of that very key.
        try:
            value = dict(
                zip(map(table.__getitem__, map(id, items[::2])), items[1::2], strict=False)
            )
        except KeyError:
            pass
        else:
            if len(value) * 2 == len(items):
                return value
    else:
        if len(_NS_KEYS) > 1000:
            _NS_KEYS.clear()
            _NS_PINNED.clear()
        table = _NS_KEYS[namespace] = {}
    pinned = _NS_PINNED.setdefault(namespace, [])
    keys = []
    for key in items[::2]:
        if type(key) is Keyword or type(key) is Symbol:  # only these take the namespace
            found = table.get(id(key))
            if found is None:
                if len(table) > 10_000:
                    table.clear()
                    pinned.clear()
                found = table[id(key)] = namespaced_key(key, namespace)
                pinned.append(key)  # alive as long as its entry, so its id is not reused
            key = found
        keys.append(key)
    pairs = [item for pair in zip(keys, items[1::2], strict=False) for item in pair]
    if len(items) % 2:
        pairs.append(items[-1])
    return _build_map(src, pairs, start)


def namespaced_key(key: Any, namespace: str) -> Any:
    """``key`` as read inside ``#:namespace{…}``: unqualified keys get the namespace, ``_``
    removes it."""
    kind = type(key)
    if kind is not Keyword and kind is not Symbol:
        return key
    text = key.text
    slash = text.find("/")
    if slash <= 0 or text == "/":
        return kind(f"{namespace}/{text}")
    if text.startswith("_/"):
        return kind(text[2:])
    return key


def _build_map(src: str, items: list, start: int) -> dict:
    """The dict of a map's items, or the error: odd count, duplicate key."""
    if len(items) % 2:
        raise Fail(start, "map literal needs an even number of forms")
    keys = items[::2]
    try:
        try:
            result = dict(zip(keys, items[1::2], strict=True))
        except TypeError:  # a map or vector holding a map as a key
            keys = [_freeze(key) for key in keys]
            result = dict(zip(keys, items[1::2], strict=True))
        if len(result) != len(keys):
            raise _duplicate(src, keys, start, "map key")
    except RecursionError:  # comparing keys nested close to MAX_DEPTH
        raise Fail(start, "map keys nested too deeply to compare") from None
    return result


def _build_set(src: str, items: list, start: int) -> frozenset:
    try:
        try:
            result = frozenset(items)
        except TypeError:
            items = [_freeze(item) for item in items]
            result = frozenset(items)
        if len(result) != len(items):
            raise _duplicate(src, items, start, "set element")
    except RecursionError:
        raise Fail(start, "set elements nested too deeply to compare") from None
    return result


def _duplicate(src: str, keys: list, start: int, what: str) -> Fail:
    """The error for the first repeated key, pointing at its second occurrence."""
    seen: dict[Any, Any] = {}
    first: Any = None
    repeat = 0
    for index, key in enumerate(keys):
        if key in seen:
            first = seen[key]
            repeat = index
            break
        seen[key] = key
    offsets = _element_offsets(src, start)
    offset = offsets[repeat * (2 if what == "map key" else 1)] if offsets else start
    if type(first) is not type(keys[repeat]):
        return Fail(offset, f"{what}s {show(first)} and {show(keys[repeat])} collide in Python")
    return Fail(offset, f"duplicate {what} {show(keys[repeat])}")


def _element_offsets(src: str, start: int) -> list[int]:
    """Offsets of the elements of the collection whose opening delimiter ends at/after start."""
    pos = start + (2 if src.startswith("#{", start) else 1)
    offsets: list[int] = []
    while True:
        pos = skip(src, pos, True)
        if src[pos] in ")]}":
            return offsets
        offsets.append(pos)
        _, pos = parse_value(src, pos, True)


def skip(src: str, pos: int, eof: bool) -> int:
    """Offset of the next token after whitespace, comments and ``#_`` discarded values."""
    while True:
        pos = skip_match(src, pos).end()
        if not src.startswith("#_", pos):
            return pos
        _, pos = parse_value(src, pos + 2, eof)


def _freeze(value: Any) -> Any:
    """A hashable equivalent of ``value``: maps become :class:`FrozenMap`, at any depth.

    Iterative (post-order with an explicit stack): nesting may go as deep as ``MAX_DEPTH``.
    """
    work: list[tuple[Any, bool]] = [(value, False)]
    done: list[Any] = []
    while work:
        item, children_done = work.pop()
        kind = type(item)
        if kind is dict or kind is FrozenMap:
            children = [part for pair in item.items() for part in pair]
        elif kind is tuple or kind is EdnList:
            children = list(item)
        elif kind is Tagged:
            children = [item.value]
        else:
            done.append(item)
            continue
        if not children_done:
            work.append((item, True))
            work.extend((child, False) for child in reversed(children))
            continue
        parts = done[len(done) - len(children) :]
        del done[len(done) - len(children) :]
        if kind is Tagged:
            done.append(Tagged(item.tag, parts[0]))
        elif kind is tuple or kind is EdnList:
            done.append(kind(parts))
        else:
            done.append(FrozenMap(zip(parts[::2], parts[1::2], strict=True)))
    return done[0]


def kind_name(value: Any) -> str:
    """The edn name of ``value``'s type, for messages: vector, list, map, keyword, ..."""
    if type(value) is EdnList:
        return "list"
    for types, name in _KIND_NAMES:
        if isinstance(value, types):
            return name
    return type(value).__name__


_KIND_NAMES = (
    (tuple, "vector"),
    (dict, "map"),
    (frozenset, "set"),
    (str, "string"),
    (Keyword, "keyword"),
    (Symbol, "symbol"),
    (bool, "boolean"),
    (type(None), "nil"),
    ((int, float, Decimal, Fraction), "number"),
    (datetime, "inst"),
    (uuid.UUID, "uuid"),
    (Char, "character"),
    ((Ref, Money, Location, Tagged), "tagged value"),
)


def _unbalanced(offset: int, closer: str, kind: int, start: int) -> Fail:
    if kind in _CLOSER:
        return Fail(
            offset,
            f"unbalanced '{closer}': the {_NAME[kind]} opened at {{ref}} needs '{_CLOSER[kind]}'",
            start,
        )
    return Fail(offset, f"unbalanced '{closer}'")


def _diagnose(src: str, pos: int, eof: bool, kind: int, start: int, extra: Any) -> Exception:
    """Why no token matched at ``pos``: the input ended (maybe :class:`NeedMore`) or junk."""
    pos = skip_match(src, pos).end()
    if pos >= len(src):
        if not eof:
            return NeedMore()
        if kind in _CLOSER:
            return Fail(pos, f"unterminated {_NAME[kind]} starting at {{ref}}", start)
        if kind == _TAG:
            return Fail(pos, f"end of input after the tag #{extra}")
        if kind == _DISCARD:
            return Fail(pos, "end of input after #_")
        if kind == _META:
            return Fail(pos, "end of input after ^ metadata")
        return Fail(pos, "unexpected end of input")
    char = src[pos]
    following = src[pos + 1 : pos + 2]
    if char == '"':
        if not eof:
            return NeedMore()
        return Fail(len(src), "unterminated string starting at {ref}", pos)
    if char == "\\":
        return NeedMore() if not eof else Fail(pos, "end of input after '\\'")
    if char == "#":
        if not following:
            return NeedMore() if not eof else Fail(pos, "end of input after '#'")
        if following == ":":
            if not eof and _ns_prefix_match(src, pos).end() >= len(src):
                return NeedMore()
            return Fail(pos, "'#:ns' must be followed by a map")
        return Fail(pos, f"unknown dispatch '#{following}'")
    return Fail(pos, f"unexpected character {show(char)}")
