"""Value types for edn data and the Intermediary record model.

The reader produces these, the writer consumes them, and the validator, mappers and anonymiser
work on them. Plain Python types are used wherever edn has an obvious counterpart:

=====================  ==========================================
edn                    Python
=====================  ==========================================
string                 ``str``
integer, ``N``         ``int``
float                  ``float`` (``##Inf``, ``##-Inf``: ``math.inf``, ``-math.inf``;
                       ``##NaN``: the one object :data:`NAN`)
``M`` decimal          ``decimal.Decimal``
``true``/``false``     ``bool``
``nil``                ``None``
keyword                :class:`Keyword` (interned)
symbol                 :class:`Symbol`
character              :class:`Char`
vector                 ``tuple``
list                   :class:`EdnList` (a ``tuple`` subclass)
map                    ``dict`` (:class:`FrozenMap` when used as a key or set element;
                       :class:`EdnKey` wraps keys Python alone would merge, ``1`` and ``1.0``)
set                    ``frozenset``
``#inst``              timezone-aware ``datetime.datetime``
``#uuid``              ``uuid.UUID`` (:class:`NonCanonicalUUID` when not written canonically)
``#im/ref``            :class:`Ref`
``#im/money``          :class:`Money`
``#im/location``       :class:`Location`
any other tag          :class:`Tagged`
=====================  ==========================================
"""

from __future__ import annotations

import math
import re
import uuid
import weakref
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

# ``##Inf``, ``##-Inf`` and ``##NaN``. The reader gives the one NaN object for every ``##NaN``:
# Clojure's maps and sets treat two ``##NaN`` keys as equal (a duplicate), and Python's
# identity-first comparison of keys then does the same. The writer refuses all three, and the
# validator reports them where rows hold them.
INF = math.inf
NEG_INF = -math.inf
NAN = math.nan

# edn symbol characters: alphanumerics and . * + ! - _ ? $ % & = < > (and : # inside).
_SYMBOL_PART = r"[A-Za-z.*+!\-_?$%&=<>][A-Za-z0-9.*+!\-_?$%&=<>:#']*"
_NAME_RE = re.compile(
    r"(?:[.+\-](?![0-9])[A-Za-z0-9.*+!\-_?$%&=<>:#']*|[A-Za-z*!_?$%&=<>][A-Za-z0-9.*+!\-_?$%&=<>:#']*)\Z"
)
_CANONICAL_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def is_legal_name_part(text: str) -> bool:
    """True when ``text`` may stand as the namespace or name of an edn keyword or symbol.

    Clojure's reader is the reference: a part may not be empty, may not start with a digit,
    and may not start with ``+``, ``-`` or ``.`` followed by a digit (it would read as a number).
    A part may not end with ``:`` either.
    """
    return bool(text) and not text.endswith(":") and _NAME_RE.match(text) is not None


def keyword_problem(namespace: str | None, name: str) -> str | None:
    """Why ``:namespace/name`` is not a legal edn keyword, or ``None`` when it is."""
    from migrate.edn.show import show  # here: show imports this module

    if namespace is not None and not is_legal_name_part(namespace):
        return f"namespace {show(namespace)} is not a legal edn name"
    if name == "/" and namespace is None:
        return "':/' is not a legal keyword"
    if not name:
        return "the name part is empty"
    if namespace is not None and name[0].isdigit():
        return f"the name part {show(name)} of a qualified keyword may not start with a digit"
    if not (is_legal_name_part(name) or (namespace is None and name[0].isdigit())):
        return f"name {show(name)} is not a legal edn name"
    if "/" in name:
        return f"name {show(name)} may not contain '/'"
    return None


class Keyword:
    """An edn keyword such as ``:im.user/id``; instances are interned, compare by identity."""

    # Equality and hashing are object identity (inherited, implemented in C): keywords are
    # interned, so two equal keywords are always the same object.
    __slots__ = ("namespace", "name", "text", "__weakref__")

    # Weak, so that a file's aliases do not stay in memory after their rows are gone; a keyword
    # in use is still one shared object, which keeps comparison by identity correct.
    _cache: weakref.WeakValueDictionary[str, Keyword] = weakref.WeakValueDictionary()

    namespace: str | None
    name: str
    text: str  # without the leading colon: "im.user/id"

    def __new__(cls, text: str) -> Keyword:
        """Return the keyword for ``text`` (without the leading colon), e.g. ``"user/jane"``."""
        cached = cls._cache.get(text)
        if cached is not None:
            return cached
        self = object.__new__(cls)
        slash = text.find("/")
        if slash > 0 and text != "/":
            self.namespace, self.name = text[:slash], text[slash + 1 :]
        else:
            self.namespace, self.name = None, text
        self.text = text
        cls._cache[text] = self
        return self

    @classmethod
    def of(cls, namespace: str | None, name: str) -> Keyword:
        """The keyword ``:namespace/name`` (or ``:name`` without a namespace)."""
        return cls(f"{namespace}/{name}" if namespace is not None else name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Keyword, (self.text,))

    def __lt__(self, other: Keyword) -> bool:
        return self.text < other.text

    def __repr__(self) -> str:
        text = self.text
        if text.isprintable():
            return f":{text}"
        # Escaped, never raw: a keyword read from a file may hold an ESC or a NUL, and its
        # repr ends up in messages (see migrate.edn.show).
        from migrate.edn.show import escape_text

        return f":{escape_text(text)}"

    __str__ = __repr__

    @property
    def problem(self) -> str | None:
        """Why this keyword could not be written as edn, or ``None`` when it can."""
        return keyword_problem(self.namespace, self.name)


@dataclass(frozen=True, slots=True)
class Symbol:
    """An edn symbol (never valid in Intermediary data, but the reader must carry it)."""

    text: str

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Char:
    """An edn character literal such as ``\\a`` or ``\\newline``."""

    value: str


class EdnList(tuple):
    """An edn list ``( … )``; a tuple that remembers it was written with parentheses."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"EdnList({tuple.__repr__(self)})"


class FrozenMap(dict):
    """A hashable map, used only when an edn map is itself a map key or set element."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def _immutable(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("FrozenMap is immutable")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _immutable  # type: ignore[assignment]


class NonCanonicalUUID(uuid.UUID):
    """A ``#uuid`` that parsed but was not written in canonical lowercase 8-4-4-4-12 form."""

    __slots__ = ("text",)
    text: str  # as written in the file

    def __init__(self, text: str) -> None:
        super().__init__(text)
        object.__setattr__(self, "text", text)


def is_canonical_uuid_text(text: str) -> bool:
    """True when ``text`` is a UUID in canonical lowercase 8-4-4-4-12 form."""
    return _CANONICAL_UUID_RE.match(text) is not None


@dataclass(frozen=True, slots=True)
class Tagged:
    """A tagged element whose tag has no reader here, or whose payload has the wrong shape."""

    tag: str
    value: Any


@dataclass(frozen=True, slots=True)
class Ref:
    """``#im/ref``: a reference to another row, by alias or by ``[:im.X/id #uuid "…"]``."""

    alias: Keyword | None = None
    id_attr: Keyword | None = None
    import_id: uuid.UUID | None = None

    @classmethod
    def to_alias(cls, alias: Keyword) -> Ref:
        """A reference by alias, ``#im/ref :user/jane``."""
        return cls(alias=alias)

    @classmethod
    def to_id(cls, id_attr: Keyword, import_id: uuid.UUID) -> Ref:
        """A reference by import id, ``#im/ref [:im.user/id #uuid "…"]``."""
        return cls(id_attr=id_attr, import_id=import_id)

    @property
    def key(self) -> Keyword | tuple[Keyword, uuid.UUID]:
        """What the reference resolves by: the alias, or ``(id attribute, import id)``."""
        return self.alias if self.alias is not None else (self.id_attr, self.import_id)  # type: ignore[return-value]

    def __repr__(self) -> str:
        if self.alias is not None:
            return f"#im/ref {self.alias!r}"
        return f'#im/ref [{self.id_attr!r} #uuid "{self.import_id}"]'


@dataclass(frozen=True, slots=True)
class Money:
    """``#im/money [amount "CUR"]``; the amount is whatever number was read or given."""

    amount: Decimal | int | float
    currency: str

    def __repr__(self) -> str:
        return f'#im/money [{self.amount} "{self.currency}"]'


@dataclass(frozen=True, slots=True)
class Location:
    """``#im/location [lat lng]``."""

    lat: float | int | Decimal
    lng: float | int | Decimal

    def __repr__(self) -> str:
        return f"#im/location [{self.lat} {self.lng}]"


# The record model ------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """One Intermediary data row: the id tuple (attribute, import id, alias) and its attributes.

    ``id_attr`` names the row type (``:im.user/id``). ``import_id`` and ``alias`` are optional,
    as in the spec's 1–3 element id tuple. ``attrs`` maps fully qualified attribute keywords to
    values; nested maps (``:im.user/profile``) are plain dicts keyed by keywords.
    """

    id_attr: Keyword
    import_id: uuid.UUID | None = None
    alias: Keyword | None = None
    attrs: dict[Keyword, Any] = field(default_factory=dict)

    @property
    def row_type(self) -> str:
        """The row type's short name, e.g. ``"user"`` for ``:im.user/id``."""
        ns = self.id_attr.namespace or ""
        return ns[3:] if ns.startswith("im.") else ns

    @property
    def id_tuple(self) -> tuple[Any, ...]:
        """The id tuple as written: ``(id_attr[, import_id][, alias])``."""
        parts: list[Any] = [self.id_attr]
        if self.import_id is not None:
            parts.append(self.import_id)
        if self.alias is not None:
            parts.append(self.alias)
        return tuple(parts)

    @property
    def label(self) -> str:
        """How a message names this row: its alias, else its import id, else its type."""
        if self.alias is not None:
            return repr(self.alias)
        if self.import_id is not None:
            return f'#uuid "{self.import_id}"'
        return f"[{self.id_attr!r}]"

    def resolves(self) -> list[Keyword | tuple[Keyword, uuid.UUID]]:
        """The reference keys under which other rows can point at this one."""
        keys: list[Keyword | tuple[Keyword, uuid.UUID]] = []
        if self.alias is not None:
            keys.append(self.alias)
        if self.import_id is not None:
            keys.append((self.id_attr, self.import_id))
        return keys


class EdnKey:
    """A map key or set element that Python's equality would merge with another of its map or
    set, though edn keeps them apart: ``1`` and ``1.0``, ``true`` and ``1``, ``1.0`` and
    ``1.0M``, ``[1]`` and ``[1.0]``. Only such keys are wrapped, all of them in that map or set;
    an ``EdnKey`` equals another with the same :func:`edn_identity`, and nothing else.
    """

    __slots__ = ("value", "identity")

    value: Any
    identity: Hashable

    def __init__(self, value: Any) -> None:
        self.value = value
        self.identity = edn_identity(value)

    def __eq__(self, other: object) -> bool:
        return type(other) is EdnKey and other.identity == self.identity

    def __hash__(self) -> int:
        return hash(self.identity)

    def __repr__(self) -> str:
        return repr(self.value)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def edn_identity(value: Any) -> Hashable:
    """A hashable stand-in for ``value`` that is equal for values equal in edn (Clojure's ``=``).

    Numbers of different kinds differ (``1``, ``1.0``, ``1M``, ``1/2``, ``true``); a vector and a
    list of equal elements are equal; instants are equal to the millisecond (``java.util.Date``);
    ``#im/`` values compare their parts the same way. Iterative: any depth the reader allows.
    """
    scalar = _scalar_identity(value)
    if scalar is not _COMPOSITE:
        return scalar
    # Post-order with an explicit stack: (value, its parts once their identities are done).
    work: list[tuple[Any, bool]] = [(value, False)]
    done: list[Hashable] = []
    while work:
        item, children_done = work.pop()
        parts = _parts(item)
        if not children_done:
            work.append((item, True))
            for part in reversed(parts):
                identity = _scalar_identity(part)
                if identity is _COMPOSITE:
                    work.append((part, False))
                else:
                    work.append((_Done(identity), True))
            continue
        if type(item) is _Done:
            done.append(item.identity)
            continue
        count = len(parts)
        children = done[len(done) - count :] if count else []
        del done[len(done) - count :]
        done.append(_combine(item, children))
    return done[0]


class _Done:
    """A part whose identity is known already (a scalar), waiting on the work stack."""

    __slots__ = ("identity",)

    def __init__(self, identity: Hashable) -> None:
        self.identity = identity


_COMPOSITE = object()
_EMPTY: tuple = ()


def _parts(value: Any) -> tuple | list:
    kind = type(value)
    if kind is tuple or kind is EdnList or kind is frozenset:
        return list(value)
    if kind is dict or kind is FrozenMap:
        return [part for pair in value.items() for part in pair]
    if kind is Money:
        return [value.amount]
    if kind is Location:
        return [value.lat, value.lng]
    if kind is Tagged:
        return [value.value]
    return _EMPTY


def _combine(value: Any, children: list) -> Hashable:
    kind = type(value)
    if kind is tuple or kind is EdnList:
        return ("sequence", tuple(children))
    if kind is frozenset:
        return ("set", frozenset(children))
    if kind is dict or kind is FrozenMap:
        return ("map", frozenset(zip(children[::2], children[1::2], strict=True)))
    if kind is Money:
        return ("money", children[0], value.currency)
    if kind is Location:
        return ("location", children[0], children[1])
    return ("tagged", value.tag, children[0])


def _scalar_identity(value: Any) -> Any:
    """The identity of a value without parts, or ``_COMPOSITE``."""
    kind = type(value)
    if kind is Keyword or kind is str or value is None:
        return value
    if kind is bool:
        return ("boolean", value)
    if kind is int:
        return ("integer", value)
    if kind is float:
        return ("float", value)
    if kind is Decimal:
        return ("decimal", value)
    if kind is Fraction:
        return ("ratio", value)
    if kind is EdnKey:
        return value.identity
    if isinstance(value, datetime):
        return ("inst", (value - _EPOCH) // _MILLISECOND)
    if kind in (tuple, EdnList, frozenset, dict, FrozenMap, Money, Location, Tagged):
        return _COMPOSITE
    return value  # symbols, characters, UUIDs, references: Python's equality is edn's


def is_instant(value: Any) -> bool:
    """True for a timezone-aware datetime, the only form an ``#inst`` takes here."""
    return isinstance(value, datetime) and value.tzinfo is not None
