"""The Intermediary format as data, loaded from ``intermediary.toml``.

Everything that needs to know which row types and attributes exist (the writer, the rule engine,
the mappers, the generated docs) asks this module; nothing restates the spec.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

from migrate.edn.show import show
from migrate.edn.values import Keyword

VALUE_KINDS = frozenset(
    {
        "instant",
        "string",
        "url",
        "email",
        "boolean",
        "integer",
        "enum",
        "enum-set",
        "money",
        "location",
        "ref",
        "json",
        "map",
    }
)


@dataclass(frozen=True)
class Attribute:
    """One attribute of a row type or of a nested map."""

    key: Keyword
    kind: str
    required: bool
    doc: str
    values: tuple[Keyword, ...] = ()
    targets: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    attributes: tuple[Attribute, ...] = ()

    @cached_property
    def children(self) -> dict[Keyword, Attribute]:
        """The nested attributes of a ``map`` attribute, by key."""
        return {child.key: child for child in self.attributes}


@dataclass(frozen=True)
class RowType:
    """One Intermediary row type such as ``user`` (``:im.user/id``)."""

    name: str
    id_attr: Keyword
    title: str
    attributes: tuple[Attribute, ...]
    api_reference: str | None = None

    @property
    def namespace(self) -> str:
        """The attribute namespace, e.g. ``"im.user"``."""
        return self.id_attr.namespace or ""

    @cached_property
    def by_key(self) -> dict[Keyword, Attribute]:
        """Top-level attributes by key."""
        return {attribute.key: attribute for attribute in self.attributes}

    @cached_property
    def order(self) -> dict[Keyword, int]:
        """Position of each top-level attribute in the schema, the writer's key order."""
        return {attribute.key: index for index, attribute in enumerate(self.attributes)}


@dataclass(frozen=True)
class Schema:
    """The whole format: row types plus extended-data and web-template conventions."""

    types: tuple[RowType, ...]
    extended_data_max_bytes: int
    listing_public_data_keys: tuple[str, ...]
    listing_address_path: tuple[str, ...]
    spec_url: str

    @cached_property
    def by_id_attr(self) -> dict[Keyword, RowType]:
        """Row types by their id attribute (``:im.user/id`` → user)."""
        return {row_type.id_attr: row_type for row_type in self.types}

    @cached_property
    def by_name(self) -> dict[str, RowType]:
        """Row types by short name (``"user"``)."""
        return {row_type.name: row_type for row_type in self.types}

    def row_type(self, name: str) -> RowType:
        """The row type called ``name``; raises ``KeyError`` for an unknown one."""
        return self.by_name[name]


def _attribute(raw: dict[str, Any], where: str) -> Attribute:
    kind = raw["kind"]
    if kind not in VALUE_KINDS:
        raise ValueError(f"schemas: unknown kind {show(kind)} for {where}")
    return Attribute(
        key=Keyword(raw["key"]),
        kind=kind,
        required=bool(raw["required"]),
        doc=raw.get("doc", ""),
        values=tuple(Keyword(value) for value in raw.get("values", ())),
        targets=tuple(raw.get("targets", ())),
        min=raw.get("min"),
        max=raw.get("max"),
        attributes=tuple(
            _attribute(child, f"{where}.{child['key']}") for child in raw.get("attributes", ())
        ),
    )


@cache
def load() -> Schema:
    """The Intermediary schema (parsed once, then cached)."""
    text = resources.files(__package__).joinpath("intermediary.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    types = tuple(
        RowType(
            name=entry["name"],
            id_attr=Keyword(entry["id"]),
            title=entry["title"],
            api_reference=entry.get("api_reference"),
            attributes=tuple(
                _attribute(attribute, f"{entry['name']}.{attribute['key']}")
                for attribute in entry["attributes"]
            ),
        )
        for entry in raw["types"]
    )
    names = {row_type.name for row_type in types}
    for row_type in types:
        for attribute in _walk(row_type.attributes):
            unknown = set(attribute.targets) - names
            if unknown:
                raise ValueError(f"schemas: {show(attribute.key)} targets unknown types {unknown}")
    return Schema(
        types=types,
        extended_data_max_bytes=int(raw["extended_data"]["max_bytes"]),
        listing_public_data_keys=tuple(raw["web_template"]["listing_public_data_keys"]),
        listing_address_path=tuple(raw["web_template"]["listing_address_path"]),
        spec_url=raw["spec"],
    )


def _walk(attributes: tuple[Attribute, ...]) -> Iterator[Attribute]:
    for attribute in attributes:
        yield attribute
        yield from _walk(attribute.attributes)


def all_attributes(row_type: RowType) -> Iterator[Attribute]:
    """Every attribute of ``row_type``, nested ones included, depth first."""
    return _walk(row_type.attributes)


def key(text: str) -> Keyword:
    """The keyword of the schema attribute ``text`` (``"im.user/profile"``), checked to exist.

    Modules that name attributes in code take their keywords from here, so a misspelt or
    removed attribute fails at import time instead of silently matching nothing.
    """
    keyword = Keyword(text)
    if keyword not in _known_keys():
        raise KeyError(f"schemas: no attribute or id attribute {show(text)} in intermediary.toml")
    return keyword


@cache
def _known_keys() -> frozenset[Keyword]:
    schema = load()
    return frozenset(
        [row_type.id_attr for row_type in schema.types]
        + [attribute.key for row_type in schema.types for attribute in all_attributes(row_type)]
    )
