"""Deterministic import ids and legal aliases for converted rows.

The same job run twice on the same data gives the same ids, so references between rows can be
computed from source foreign keys alone, before (or without) seeing the target row.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from functools import cache, lru_cache

from migrate.edn.show import show
from migrate.edn.values import Keyword, is_legal_name_part

# Fixed namespace of sharetribe-migrate's uuid5 import ids; never change it, or re-runs of a
# migration would produce different ids.
NAMESPACE = uuid.UUID("5d1f3c0e-9a2b-5c47-8e61-2f0a7b4c9d13")

_ILLEGAL_ALIAS_CHARS = re.compile(r"[^A-Za-z0-9_.*+!?$%&=<>-]+")


_NAMESPACE_BYTES = NAMESPACE.bytes


@lru_cache(maxsize=1 << 16)
def import_id(ident: str, record_type: str, source_id: str) -> uuid.UUID:
    """The import id of the ``record_type`` row with ``source_id`` in marketplace ``ident``.

    ``uuid5(NAMESPACE, "ident/type/source id")``: stable across runs and machines. Computed
    directly (``uuid.uuid5`` re-encodes the namespace on every call) and cached, because rows
    that many others reference (users) are asked for again and again.
    """
    name = f"{ident}/{record_type}/{source_id}".encode()
    value = int.from_bytes(hashlib.sha1(_NAMESPACE_BYTES + name).digest()[:16])
    # What uuid.UUID(bytes=..., version=5) does, without its argument checks: RFC 4122 variant
    # and version 5 bits, then the two slots set as UUID.__init__ sets them.
    value = (value & _CLEAR_VERSION_BITS) | _VERSION_5_BITS
    result = _new_object(uuid.UUID)
    _set_slot(result, "int", value)
    _set_slot(result, "is_safe", uuid.SafeUUID.unknown)
    return result


_CLEAR_VERSION_BITS = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_VERSION_5_BITS = (0x8000 << 48) | (5 << 76)
_new_object = object.__new__
_set_slot = object.__setattr__


@cache
def id_attr(record_type: str) -> Keyword:
    """The id attribute of a row type, e.g. ``:im.user/id`` for ``"user"``."""
    return Keyword(f"im.{record_type}/id")


def alias(record_type: str, source_id: str) -> Keyword:
    """A legal alias for a source id, e.g. ``:user/u123`` for user ``"123"``.

    Characters an edn keyword cannot hold (spaces, slashes, non-ASCII) become ``-``; a name that
    would not be legal on its own (it starts with a digit, or is empty) is prefixed with the type's
    first letter, as the Sharetribe guide suggests. Distinct ids can therefore meet on one alias
    (``"a b"`` and ``"a-b"``); :class:`AliasRegistry` detects that.
    """
    return Keyword.of(record_type, alias_name(record_type, source_id))


def alias_name(record_type: str, source_id: str) -> str:
    """The name part of :func:`alias` (``"u123"``), without making the keyword."""
    if source_id.isascii() and source_id.isdigit() and _letter_prefix(record_type):
        return record_type[0] + source_id  # the usual case, what the general rule gives
    name = _ILLEGAL_ALIAS_CHARS.sub("-", source_id)
    if not is_legal_name_part(name) or name[0].isdigit():
        name = record_type[0] + name
        if not is_legal_name_part(name):
            name = record_type[0] + "-" + name[1:]
    return name


@cache
def _letter_prefix(record_type: str) -> bool:
    return record_type[:1].isascii() and record_type[:1].isalpha()


class AliasCollision(Exception):
    """Two different source ids of one row type were given the same alias."""

    def __init__(self, alias_keyword: Keyword, first_source_id: str, source_id: str) -> None:
        super().__init__(
            f"alias {show(alias_keyword)} of source id {show(source_id, cut=False)} is already used by "
            f"source id {show(first_source_id, cut=False)}"
        )
        self.alias = alias_keyword
        self.first_source_id = first_source_id
        self.source_id = source_id


class AliasRegistry:
    """Remembers which source id owns each alias, so that collisions are caught.

    Memory grows with the number of distinct ids, never with row contents, and stays small per
    id: aliases are keyed by their name (``"u123"`` as the integer 123), never held as keywords,
    and the owner is the caller's own source id string. The same source id claiming its alias
    again (a user merged from two sources) is not a collision.
    """

    def __init__(self) -> None:
        self._owners: dict[str, dict[int | str, str]] = {}

    def claim(self, record_type: str, source_id: str) -> Keyword:
        """The alias of ``source_id``; raises :class:`AliasCollision` when another id owns it."""
        name = alias_name(record_type, source_id)
        owners = self._owners.get(record_type)
        if owners is None:
            owners = self._owners[record_type] = {}
        owner = owners.setdefault(_name_key(name, record_type), source_id)
        if owner != source_id:
            raise AliasCollision(Keyword.of(record_type, name), owner, source_id)
        return Keyword.of(record_type, name)

    def __len__(self) -> int:
        return sum(len(owners) for owners in self._owners.values())


def _name_key(name: str, record_type: str) -> int | str:
    """A compact key for an alias name: ``"u123"`` (type letter + plain number) is 123."""
    digits = name[1:]
    if (
        name[0] == record_type[0]
        and len(digits) < 19
        and digits.isascii()
        and digits.isdigit()
        and (digits[0] != "0" or digits == "0")
    ):
        return int(digits)
    return name
