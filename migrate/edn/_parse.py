"""The value parser of the edn reader: ``parse_value(src, pos, eof) -> (value, end)``.

One loop over the tokens of :data:`~migrate.edn._scan.TOKEN_RE` with an explicit stack, so that
deep nesting raises a typed error instead of ``RecursionError``. Offsets only; line and column
are computed by the caller when something goes wrong.
"""

from __future__ import annotations

import re
import unicodedata
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
    META,
    MONEY,
    NS_MAP,
    NS_PREFIX,
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
    SYMBOLIC,
    TAG,
    TOKEN_RE,
    UUID_TAG,
    WS,
    Fail,
    NeedMore,
    skip_match,
)
from migrate.edn.show import show
from migrate.edn.values import (
    INF,
    NAN,
    NEG_INF,
    Char,
    EdnKey,
    EdnList,
    FrozenMap,
    Keyword,
    Location,
    Money,
    Ref,
    Symbol,
    Tagged,
    edn_identity,
)

# Deepest nesting read (collections and prefixes such as tags, #_ and ^ each count one level).
# Clojure's reader recurses and overflows its default stack at about 1,000 to 3,000 levels,
# depending on the form; the explicit stack here has no such limit, this one bounds memory.
MAX_DEPTH = 10_000

# Frame kinds. Containers collect values into a list; prefix frames transform the next value.
_ROOT, _VECTOR, _LIST, _MAP, _SET, _NS_MAP, _TAG, _DISCARD, _META = range(9)
_NS_PREFIX, _SYMBOLIC = 9, 10
_SYMBOLIC_VALUES = {"Inf": INF, "-Inf": NEG_INF, "NaN": NAN}
_MAP_BRACE_RE = re.compile(f"[{WS}]*+\\{{")
_INTERMEDIARY_TAGS = ("im/ref", "im/money", "im/location")
# What takes metadata in Clojure (IObj): collections, symbols, and the records the Intermediary
# tags read as (a Tagged value is rejected later in any case).
_META_TARGETS = (tuple, dict, frozenset, Symbol, Ref, Money, Location, Tagged)
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
    last_inst = -1  # where the last #inst was read: a map or set holding one checks its keys
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
                        if not len(items) & 1:
                            # The keyword is a map's value, so this instant is a key.
                            last_inst = m.start(KEYWORD_INST)
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
                    if last_inst > start:
                        _check_instant_keys(src, list(value), start, "map key")
                elif kind == _NS_MAP:
                    value = _namespaced_map(src, items, extra, start)
                    if last_inst > start:
                        _check_instant_keys(src, list(value), start, "map key")
                elif kind == _LIST:
                    value = EdnList(items)
                else:
                    value = _build_set(src, items, start, last_inst > start)
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
            last_inst = m.start(INST_TAG)
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
        elif group == SYMBOLIC:
            value = _SYMBOLIC_VALUES[m[SYMBOLIC]]
        else:
            # A prefix: a tag, '#{', '#:ns{', '#_', '^', '#:' or '##' opens a frame of its own.
            if len(stack) >= MAX_DEPTH:
                raise Fail(m.start(group), f"nesting deeper than {MAX_DEPTH} levels")
            stack.append((kind, items, append, start, extra))
            start = m.start(group)
            items = append = None
            if group == TAG:
                kind = _TAG
                start -= 1
                extra = m[TAG]
                if not _scan.symbol_parts(extra) or (
                    extra[0] > "\x7f" and unicodedata.category(extra[0])[0] != "L"
                ):  # Clojure reads a tag after '#' and a letter (Character.isLetter)
                    raise Fail(start, f"invalid tag #{_scan.printable(extra)}")
            elif group == SET_OPEN:
                kind = _SET
                items = []
                append = items.append
            elif group == NS_MAP:
                kind = _NS_MAP
                extra = m[NS_MAP]
                if extra not in _NAMESPACES_OK:
                    _check_namespace(extra, start - 2)
                    if len(_NAMESPACES_OK) >= _NAMESPACES_MAX:
                        _NAMESPACES_OK.clear()
                    _NAMESPACES_OK.add(extra)
                start = m.end() - 1
                items = []
                append = items.append
            elif group == DISCARD:
                kind = _DISCARD
            elif group == META:
                kind = _META
                extra = []
            elif group == NS_PREFIX:
                kind = _NS_PREFIX
            else:
                kind = _SYMBOLIC
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
                kind_of = type(value)
                if kind_of is Tagged:
                    _check_hidden_tag(value, stack, start)
                elif kind_of is datetime:
                    last_inst = start
            elif kind == _SYMBOLIC:
                if type(value) is not Symbol or value.text not in _SYMBOLIC_VALUES:
                    raise Fail(start, f"unknown symbolic value ##{show(value)}")
                value = _SYMBOLIC_VALUES[value.text]
            elif kind == _NS_PREFIX:
                # '#:' read its namespace as a form; only whitespace may come before the '{'.
                end = m.end() if m is not None else pos
                if type(value) is not Symbol:
                    raise Fail(start, f"invalid namespace {show(value)} in namespaced map")
                _check_namespace(value.text, start)
                brace = _MAP_BRACE_RE.match(src, end)
                if brace is None:
                    if not eof and skip_match(src, end).end() >= len(src):
                        raise NeedMore
                    raise Fail(start, "'#:ns' must be followed by a map")
                kind = _NS_MAP
                extra = value.text
                start = brace.end() - 1
                items = []
                append = items.append
                pos = brace.end()
                scan = TOKEN_RE.scanner(src, pos).match  # type: ignore[attr-defined]
                m = None
                break
            elif kind == _DISCARD:
                kind, items, append, start, extra = stack.pop()
                break
            else:  # _META
                extra.append(value)
                if len(extra) == 1:
                    # Clojure takes any map, and the records of the Intermediary tags are maps.
                    if not isinstance(value, (Symbol, Keyword, str, dict, Ref, Money, Location)):
                        raise Fail(start, "metadata must be a symbol, keyword, string or map")
                    break
                if not isinstance(value, _META_TARGETS):
                    raise Fail(
                        start, "metadata can only be applied to collections, symbols and tags"
                    )
            kind, items, append, start, extra = stack.pop()
            if append is not None:
                append(value)
                break


def _check_namespace(text: str, offset: int) -> None:
    """Raise unless ``text`` is a namespace Clojure's ``#:ns{…}`` takes: a symbol, unqualified."""
    if text == "/":
        raise Fail(
            offset,
            "invalid namespace '/' in namespaced map (its keys would print as unreadable :/a)",
            rule="ns-map-slash",
        )
    if (
        "/" in text
        or text in ("nil", "true", "false")
        or text[0] in "#:"  # a dispatch or a keyword, not a symbol
        or text[0] in _scan.DIGIT
        or (text[0] in "+-" and len(text) > 1 and text[1] in _scan.DIGIT)
        or not _scan.symbol_parts(text)
    ):
        raise Fail(offset, f"invalid namespace {show(text)} in namespaced map")


def _check_hidden_tag(value: Tagged, stack: list, offset: int) -> None:
    """Reject a tagged element nobody would check later: one inside ``#_`` or ``^`` metadata.

    Elsewhere the validator reports it (``tag-unknown``, ``money-shape``, ...); Clojure's reader
    runs the tag's reader function on discarded forms and metadata too, and fails without one.
    """
    if not any(frame[0] == _DISCARD or frame[0] == _META for frame in stack):
        return
    if value.tag in _INTERMEDIARY_TAGS:
        payload = show(value.value)
        raise Fail(
            offset,
            f"#{value.tag} {payload} inside #_ or ^ metadata does not have the Intermediary shape",
            rule="tag-payload",
        )
    raise Fail(offset, f"no reader for the tag #{value.tag} (inside #_ or ^ metadata)")


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
            keys = _edn_distinct(src, keys, start, "map key")
            result = dict(zip(keys, items[1::2], strict=True))
    except RecursionError:  # comparing keys nested close to MAX_DEPTH
        raise Fail(start, "map keys nested too deeply to compare") from None
    return result


def _build_set(src: str, items: list, start: int, instants: bool) -> frozenset:
    try:
        try:
            result = frozenset(items)
        except TypeError:
            items = [_freeze(item) for item in items]
            result = frozenset(items)
        if len(result) != len(items):
            result = frozenset(_edn_distinct(src, items, start, "set element"))
        elif instants:  # an #inst was read inside: instants are equal to the millisecond
            _check_instant_keys(src, items, start, "set element")
    except RecursionError:
        raise Fail(start, "set elements nested too deeply to compare") from None
    return result


def _edn_distinct(src: str, keys: list, start: int, what: str) -> list:
    """``keys`` where Python's equality merges some that edn keeps apart (``1`` and ``1.0``,
    ``true`` and ``1``): those become :class:`EdnKey`. Keys equal in edn are a duplicate error.
    """
    identities = [edn_identity(key) for key in keys]
    _raise_duplicate(src, keys, identities, start, what)
    merged: dict[Any, int] = {}
    for key in keys:
        merged[key] = merged.get(key, 0) + 1
    return [EdnKey(key) if merged[key] > 1 else key for key in keys]


def _check_instant_keys(src: str, keys: list, start: int, what: str) -> None:
    """Raise for keys that differ only below the millisecond (equal ``java.util.Date`` values).

    Called only when an ``#inst`` was read inside the map or set, and only keys that are not
    keywords can hold one.
    """
    if all(type(key) is Keyword for key in keys):
        return
    identities = [edn_identity(key) for key in keys]
    _raise_duplicate(src, keys, identities, start, what)


def _raise_duplicate(src: str, keys: list, identities: list, start: int, what: str) -> None:
    """The error for the first key equal in edn to an earlier one, at its second occurrence."""
    seen: dict[Any, int] = {}
    for index, identity in enumerate(identities):
        first = seen.setdefault(identity, index)
        if first == index:
            continue
        offsets = _element_offsets(src, start)
        offset = offsets[index * (2 if what == "map key" else 1)] if offsets else start
        key = keys[index]
        if type(key) is datetime and key != keys[first]:
            raise Fail(
                offset,
                f"{what}s {show(keys[first])} and {show(key)} are the same instant to the "
                f"millisecond, the precision of Clojure's #inst",
            )
        raise Fail(offset, f"duplicate {what} {show(key)}")


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
        value, end = parse_value(src, pos + 2, eof)
        tagged = _first_tagged(value)
        if tagged is not None:
            _check_hidden_tag(tagged, [(_DISCARD,)], pos)
        pos = end


def _first_tagged(value: Any) -> Tagged | None:
    """The first :class:`Tagged` inside ``value`` (depth first, iterative), or ``None``."""
    work = [value]
    while work:
        item = work.pop()
        kind = type(item)
        if kind is Tagged:
            return item
        if kind is dict or kind is FrozenMap:
            work.extend(item.keys())
            work.extend(item.values())
        elif kind is tuple or kind is EdnList or kind is frozenset:
            work.extend(item)
        elif kind is EdnKey:
            work.append(item.value)
    return None


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
    return unexpected_character(src, pos)


def unexpected_character(src: str, pos: int) -> Fail:
    """The error for a character no token starts with (or that ends one too early)."""
    char = src[pos]
    if char in _scan.NON_CONSTITUENT:
        return Fail(pos, f"invalid character '{char}': Clojure allows no @, ~ or ` in a token")
    return Fail(pos, f"unexpected character {show(char)[1:-1]!r}")
