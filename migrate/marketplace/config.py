"""The target marketplace's own configuration, read from its hosted asset files.

Sharetribe keeps a marketplace's listing types, categories, listing and user fields, currency
and minimum price in *assets* that the web template fetches from the Asset Delivery API
(``src/util/configHelpers.js`` reads them). :class:`MarketplaceConfig` holds what the validator
needs of them, parsed from their JSON (with or without the API's ``{"data": …, "meta": …}``
envelope):

============================================  ============================================
asset file                                    what is read
============================================  ============================================
``/listings/listing-types.json``              ``listingTypes[]``: ``id``,
                                              ``transactionProcess.{name, alias}``,
                                              ``unitType``, ``defaultListingFields.price``
``/listings/listing-categories.json``         ``categories[]``: ``id``, ``subcategories``
``/listings/listing-fields.json``             ``listingFields[]``: ``key``, ``scope``,
                                              ``schemaType``, ``enumOptions[].option``,
                                              ``numberConfig.{minimum, maximum}``,
                                              ``saveConfig.required``, ``listingTypeConfig``,
                                              ``categoryConfig``
``/users/user-types.json``                    ``userTypes[]``: ``id``
``/users/user-fields.json``                   ``userFields[]``: as listing fields, with
                                              ``userTypeConfig``
``/general/localization.json``                ``currency``
``/transactions/minimum-transaction-size.json``  ``listingMinimumPrice.{type, amount}``
============================================  ============================================

Any subset may be given: a missing asset turns its checks off, and :attr:`MarketplaceConfig.skipped`
says which. A malformed asset is a :class:`MarketplaceError` naming the file and the JSON path.

Two readings follow the web template: a listing field is required only when
``saveConfig.required`` is ``true``, while a user field is required unless it is ``false`` (the
template's default for user fields); a field limited to listing types, categories or user
types (``limitTo…Ids: true``) applies only to those.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from migrate.edn.show import show
from migrate.errors import ConfigError

#: Asset name -> its path in the asset tree (as the Asset Delivery API serves it).
ASSETS: dict[str, str] = {
    "listing-types": "listings/listing-types.json",
    "listing-categories": "listings/listing-categories.json",
    "listing-fields": "listings/listing-fields.json",
    "user-types": "users/user-types.json",
    "user-fields": "users/user-fields.json",
    "localization": "general/localization.json",
    "minimum-transaction-size": "transactions/minimum-transaction-size.json",
}

#: What each asset's absence turns off, as the report words it.
CHECKS: dict[str, str] = {
    "listing-types": "listing types, their transaction process and unit, and listings "
    "without a price (listings/listing-types.json)",
    "listing-categories": "categories (listings/listing-categories.json)",
    "listing-fields": "listing fields and unknown listing publicData keys "
    "(listings/listing-fields.json)",
    "user-types": "user types (users/user-types.json)",
    "user-fields": "user fields and unknown user publicData keys (users/user-fields.json)",
    "localization": "the price currency (general/localization.json)",
    "minimum-transaction-size": "the minimum price (transactions/minimum-transaction-size.json)",
}

SCHEMA_TYPES = frozenset({"enum", "multi-enum", "text", "long", "boolean", "youtubeVideoUrl"})
LISTING_SCOPES = frozenset({"public", "private", "metadata"})
USER_SCOPES = frozenset({"public", "protected", "private", "metadata"})


class MarketplaceError(ConfigError):
    """A marketplace configuration that cannot be read or has the wrong shape."""


@dataclass(frozen=True, slots=True)
class ListingType:
    """One listing type: its transaction process, unit and whether listings need a price."""

    id: str
    process: str | None
    alias: str | None
    unit_type: str | None
    price_required: bool


@dataclass(frozen=True, slots=True)
class Field:
    """One listing or user field (extended data the marketplace defines)."""

    key: str
    scope: str
    schema_type: str
    options: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    required: bool = False
    #: the listing or user types it is limited to (``None``: all)
    type_ids: frozenset[str] | None = None
    #: the categories it is limited to (``None``: all); listing fields only
    category_ids: frozenset[str] | None = None


@dataclass(frozen=True)
class Categories:
    """The category tree: for each level (0 for ``categoryLevel1``), id -> parent id."""

    levels: tuple[dict[str, str | None], ...]

    @property
    def depth(self) -> int:
        """How many levels the tree has."""
        return len(self.levels)

    def ids(self) -> frozenset[str]:
        """Every category id, at any level."""
        return frozenset(key for level in self.levels for key in level)


@dataclass(frozen=True)
class MarketplaceConfig:
    """What the validator checks a file against; ``None`` where the asset was not given."""

    listing_types: dict[str, ListingType] | None = None
    categories: Categories | None = None
    listing_fields: tuple[Field, ...] | None = None
    user_types: frozenset[str] | None = None
    user_fields: tuple[Field, ...] | None = None
    currency: str | None = None
    minimum_price: int | None = None  # in the currency's minor unit (cents)
    source: str = "<memory>"
    missing: tuple[str, ...] = field(default=())

    @property
    def skipped(self) -> tuple[str, ...]:
        """The checks that do not run, one phrase per missing asset."""
        return tuple(CHECKS[name] for name in self.missing)


def unwrap(document: Any) -> Any:
    """An asset's data: the Asset Delivery API wraps it as ``{"data": …, "meta": …}``."""
    if isinstance(document, dict) and "data" in document and set(document) <= {"data", "meta"}:
        return document["data"]
    return document


def parse_assets(documents: Mapping[str, Any], source: str) -> MarketplaceConfig:
    """The configuration of parsed asset ``documents`` by asset name (see :data:`ASSETS`)."""
    missing = tuple(name for name in ASSETS if name not in documents)
    values: dict[str, Any] = {"source": source, "missing": missing}
    for name, document in documents.items():
        reader = _Reader(f"{source}: {ASSETS[name]}")
        data = unwrap(document)
        if name == "listing-types":
            values["listing_types"] = _listing_types(reader, data)
        elif name == "listing-categories":
            values["categories"] = _categories(reader, data)
        elif name == "listing-fields":
            values["listing_fields"] = _fields(reader, data, "listingFields", user=False)
        elif name == "user-types":
            values["user_types"] = _user_types(reader, data)
        elif name == "user-fields":
            values["user_fields"] = _fields(reader, data, "userFields", user=True)
        elif name == "localization":
            values["currency"] = _currency(reader, data)
        elif name == "minimum-transaction-size":
            values["minimum_price"] = _minimum(reader, data)
    return MarketplaceConfig(**values)


def parse_json(text: str | bytes, where: str) -> Any:
    """``text`` as JSON, or a :class:`MarketplaceError` naming ``where``."""
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise MarketplaceError(f"{where}: not valid JSON ({error})") from None


class _Reader:
    """Typed access to one asset's JSON, with errors that name the file and the JSON path."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, path: str, message: str) -> MarketplaceError:
        return MarketplaceError(f"{self.where}: {path}: {message}")

    def table(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, found {show(value)}")
        return value

    def array(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected an array, found {show(value)}")
        return value

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(path, f"expected a non-empty string, found {show(value)}")
        return value

    def optional_text(self, value: Any, path: str) -> str | None:
        return None if value is None else self.text(value, path)

    def integer(self, value: Any, path: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise self.fail(path, f"expected an integer, found {show(value)}")
        return int(value)


def _listing_types(reader: _Reader, data: Any) -> dict[str, ListingType]:
    items = reader.array(reader.table(data, "$").get("listingTypes"), "listingTypes")
    types: dict[str, ListingType] = {}
    for index, item in enumerate(items):
        path = f"listingTypes[{index}]"
        entry = reader.table(item, path)
        type_id = reader.text(entry.get("id"), f"{path}.id")
        process = entry.get("transactionProcess")
        process = reader.table(process, f"{path}.transactionProcess") if process else {}
        defaults = entry.get("defaultListingFields") or {}
        defaults = reader.table(defaults, f"{path}.defaultListingFields")
        types[type_id] = ListingType(
            id=type_id,
            process=reader.optional_text(process.get("name"), f"{path}.transactionProcess.name"),
            alias=reader.optional_text(process.get("alias"), f"{path}.transactionProcess.alias"),
            unit_type=reader.optional_text(entry.get("unitType"), f"{path}.unitType"),
            # the template shows (and asks for) a price unless the type turns it off
            price_required=defaults.get("price") is not False,
        )
    return types


def _categories(reader: _Reader, data: Any) -> Categories:
    levels: list[dict[str, str | None]] = []

    def walk(items: Any, path: str, level: int, parent: str | None) -> None:
        for index, item in enumerate(reader.array(items, path)):
            where = f"{path}[{index}]"
            entry = reader.table(item, where)
            category = reader.text(entry.get("id"), f"{where}.id")
            while len(levels) <= level:
                levels.append({})
            levels[level][category] = parent
            children = entry.get("subcategories")
            if children:
                walk(children, f"{where}.subcategories", level + 1, category)

    walk(reader.table(data, "$").get("categories", []), "categories", 0, None)
    return Categories(tuple(levels))


def _user_types(reader: _Reader, data: Any) -> frozenset[str]:
    items = reader.array(reader.table(data, "$").get("userTypes", []), "userTypes")
    return frozenset(
        reader.text(reader.table(item, f"userTypes[{index}]").get("id"), f"userTypes[{index}].id")
        for index, item in enumerate(items)
    )


def _fields(reader: _Reader, data: Any, name: str, *, user: bool) -> tuple[Field, ...]:
    items = reader.array(reader.table(data, "$").get(name, []), name)
    scopes = USER_SCOPES if user else LISTING_SCOPES
    fields: list[Field] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        path = f"{name}[{index}]"
        entry = reader.table(item, path)
        key = reader.text(entry.get("key"), f"{path}.key")
        if key in seen:
            raise reader.fail(f"{path}.key", f"{show(key)} is defined twice")
        seen.add(key)
        scope = entry.get("scope", "public")
        if scope not in scopes:
            raise reader.fail(
                f"{path}.scope",
                f"expected one of {', '.join(map(show, sorted(scopes)))}, found {show(scope)}",
            )
        schema_type = entry.get("schemaType")
        if schema_type not in SCHEMA_TYPES:
            raise reader.fail(
                f"{path}.schemaType",
                f"expected one of {', '.join(map(show, sorted(SCHEMA_TYPES)))}, "
                f"found {show(schema_type)}",
            )
        options: tuple[str, ...] = ()
        if schema_type in ("enum", "multi-enum"):
            raw = reader.array(entry.get("enumOptions"), f"{path}.enumOptions")
            options = tuple(
                _option(reader, option, f"{path}.enumOptions[{number}]")
                for number, option in enumerate(raw)
            )
        number_config = reader.table(entry.get("numberConfig") or {}, f"{path}.numberConfig")
        save_config = reader.table(entry.get("saveConfig") or {}, f"{path}.saveConfig")
        required = save_config.get("required")
        if required is not None and not isinstance(required, bool):
            raise reader.fail(
                f"{path}.saveConfig.required", f"expected true or false, found {show(required)}"
            )
        limit_key, ids_key = (
            ("userTypeConfig", "userTypeIds")
            if user
            else (
                "listingTypeConfig",
                "listingTypeIds",
            )
        )
        fields.append(
            Field(
                key=key,
                scope=scope,
                schema_type=schema_type,
                options=options,
                minimum=reader.integer(
                    number_config.get("minimum"), f"{path}.numberConfig.minimum"
                ),
                maximum=reader.integer(
                    number_config.get("maximum"), f"{path}.numberConfig.maximum"
                ),
                required=required is not False if user else required is True,
                type_ids=_limit(
                    reader,
                    entry,
                    path,
                    limit_key,
                    "limitTo" + ids_key[0].upper() + ids_key[1:],
                    ids_key,
                ),
                category_ids=None
                if user
                else _limit(
                    reader, entry, path, "categoryConfig", "limitToCategoryIds", "categoryIds"
                ),
            )
        )
    return tuple(fields)


def _option(reader: _Reader, option: Any, path: str) -> str:
    entry = reader.table(option, path)
    value = entry.get("option")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # Console stores options as strings; a number is read as its text
    return reader.text(value, f"{path}.option")


def _limit(
    reader: _Reader, entry: dict[str, Any], path: str, config: str, flag: str, ids: str
) -> frozenset[str] | None:
    table = reader.table(entry.get(config) or {}, f"{path}.{config}")
    if table.get(flag) is not True:
        return None
    values = reader.array(table.get(ids, []), f"{path}.{config}.{ids}")
    return frozenset(
        reader.text(value, f"{path}.{config}.{ids}[{n}]") for n, value in enumerate(values)
    )


def _currency(reader: _Reader, data: Any) -> str | None:
    value = reader.table(data, "$").get("currency")
    if value is None:
        return None
    currency = reader.text(value, "currency")
    if len(currency) != 3 or not currency.isascii() or not currency.isupper():
        raise reader.fail(
            "currency", f'expected an ISO 4217 code such as "USD", found {show(currency)}'
        )
    return currency


def _minimum(reader: _Reader, data: Any) -> int | None:
    price = reader.table(data, "$").get("listingMinimumPrice")
    if price is None:
        return None
    price = reader.table(price, "listingMinimumPrice")
    if price.get("type", "subunit") != "subunit":
        raise reader.fail(
            "listingMinimumPrice.type", f'expected "subunit", found {show(price.get("type"))}'
        )
    amount = reader.integer(price.get("amount"), "listingMinimumPrice.amount")
    if amount is None or amount < 0:
        raise reader.fail("listingMinimumPrice.amount", f"expected 0 or more, found {show(amount)}")
    return amount
