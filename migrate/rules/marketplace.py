"""Rules against the target marketplace's own configuration (``--marketplace``).

A file can pass every Intermediary rule and still import into a marketplace where its listings
never show: a listing type the marketplace does not define, a category id that is none of its
categories, an enum field holding an option it does not offer, a price in another currency.
:class:`MarketplaceRules` checks listing and user rows against a
:class:`~migrate.marketplace.MarketplaceConfig` the way the Sharetribe web template reads that
configuration (``configHelpers.js``):

- listings: ``publicData.listingType`` is a listing type and ``transactionProcessAlias`` /
  ``unitType`` are its process and unit; ``categoryLevel1..N`` are categories, each a child of
  the level above; every listing field's value fits its ``schemaType``, sits in the data of its
  ``scope``, is present where it applies and is required, and is not set where it does not
  apply; other ``publicData`` keys are unknown; the price is in the marketplace currency and at
  least its minimum; a published listing of a type that takes a price has one;
- users: ``publicData.userType`` is a user type; user fields as listing fields, in the
  profile's public, protected, private data and metadata.

Each check is a method yielding ``(code, message, path, attribute)``; the engine stamps them.
Checks whose asset was not given do not run (``MarketplaceConfig.skipped``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from migrate import schemas
from migrate.edn.show import show
from migrate.edn.values import Keyword, Money, Row
from migrate.marketplace.config import Field, MarketplaceConfig
from migrate.rules.values import CURRENCIES, currency_precision

#: ``(code, message, path inside the row, attribute the finding is about)``.
Problem = tuple[str, str, tuple[Any, ...], Keyword]

LISTING_PUBLIC = schemas.key("im.listing/publicData")
LISTING_METADATA = schemas.key("im.listing/metadata")
LISTING_PRICE = schemas.key("im.listing/price")
LISTING_STATE = schemas.key("im.listing/state")
PUBLISHED = Keyword("listing.state/published")
PROFILE = schemas.key("im.user/profile")
USER_DATA = {
    "public": schemas.key("im.userProfile/publicData"),
    "protected": schemas.key("im.userProfile/protectedData"),
    "private": schemas.key("im.userProfile/privateData"),
    "metadata": schemas.key("im.userProfile/metadata"),
}
LISTING_DATA: dict[str, Keyword | None] = {
    "public": LISTING_PUBLIC,
    "metadata": LISTING_METADATA,
    "private": None,  # Intermediary has no listing private data
}

#: publicData keys the web template itself writes and reads (``configHelpers.js``).
LISTING_BUILT_IN = frozenset(
    {
        "listingType",
        "transactionProcessAlias",
        "unitType",
        "location",
        "pickupEnabled",
        "shippingEnabled",
        "shippingPriceInSubunitsOneItem",
        "shippingPriceInSubunitsAdditionalItems",
        "categoryLevel1",
        "categoryLevel2",
        "categoryLevel3",
        "cardStyle",
        "priceVariationsEnabled",
        "priceVariants",
    }
)
USER_BUILT_IN = frozenset({"userType"})
_MAX_LISTED = 8


def _listed(values: Any) -> str:
    """Some values for a message: the first few, then how many there are in all."""
    ordered = sorted(values)
    shown = ", ".join(show(value) for value in ordered[:_MAX_LISTED])
    more = len(ordered) - _MAX_LISTED
    return shown + (f" … ({len(ordered)} in all)" if more > 0 else "")


def _entries(mapping: Any) -> dict[str, tuple[Any, Any]]:
    """An extended data map's entries by key text: ``{"listingType": (key, value)}``."""
    if type(mapping) is not dict:
        return {}
    entries: dict[str, tuple[Any, Any]] = {}
    for key, value in mapping.items():
        if type(key) is Keyword:
            entries[key.text] = (key, value)
        elif type(key) is str:
            entries[key] = (key, value)
    return entries


class MarketplaceRules:
    """The marketplace checks of one configuration; build once, call :meth:`check` per row."""

    def __init__(self, config: MarketplaceConfig) -> None:
        self.config = config
        self.listing_fields = {field.key: field for field in config.listing_fields or ()}
        self.user_fields = {field.key: field for field in config.user_fields or ()}
        depth = config.categories.depth if config.categories is not None else 3
        self.category_keys = tuple(f"categoryLevel{level}" for level in range(1, max(depth, 3) + 1))
        self.listing_known = LISTING_BUILT_IN | set(self.category_keys) | set(self.listing_fields)
        self.user_known = USER_BUILT_IN | set(self.user_fields)

    def check(self, row: Row) -> list[Problem]:
        """Every marketplace problem of ``row`` (listing and user rows; others have none)."""
        name = row.row_type
        if name == "listing":
            return list(self._listing(row))
        if name == "user":
            return list(self._user(row))
        return []

    # listings ----------------------------------------------------------------------------

    def _listing(self, row: Row) -> Iterator[Problem]:
        config = self.config
        attrs = row.attrs
        public = _entries(attrs.get(LISTING_PUBLIC))
        listing_type = None
        if config.listing_types is not None:
            listing_type = yield from self._listing_type(public)
        categories: list[str] = []
        if config.categories is not None:
            categories = yield from self._categories(public)
        else:
            categories = [
                value
                for key in self.category_keys
                if isinstance(value := public.get(key, (None, None))[1], str)
            ]
        if config.listing_fields is not None:
            data = {
                scope: _entries(attrs.get(key)) if key is not None else {}
                for scope, key in LISTING_DATA.items()
            }
            type_id = listing_type.id if listing_type is not None else None
            raw_type = public.get("listingType", (None, None))[1]
            for field in config.listing_fields:
                yield from self._field(
                    field,
                    data,
                    LISTING_DATA,
                    (1,),
                    "listing",
                    type_id if type_id is not None else raw_type,
                    categories,
                )
            yield from self._unknown_keys(public, self.listing_known, (1, LISTING_PUBLIC),
                                          LISTING_PUBLIC, "listing", self.listing_fields)  # fmt: skip
        yield from self._price(attrs, listing_type)

    def _listing_type(self, public: dict[str, tuple[Any, Any]]) -> Any:
        types = self.config.listing_types or {}
        entry = public.get("listingType")
        if entry is None:
            return None  # listing-public-data-incomplete says so
        key, value = entry
        listing_type = types.get(value) if isinstance(value, str) else None
        if listing_type is None:
            defined = (
                f"its listing types are {_listed(types)}"
                if types
                else "the marketplace defines no listing types"
            )
            yield (
                "listing-type-unknown",
                f"{LISTING_PUBLIC!r} listingType {show(value)} is not a listing type of the "
                f"marketplace; {defined}",
                (1, LISTING_PUBLIC, key),
                LISTING_PUBLIC,
            )
            return None
        for name, wanted, what in (
            ("transactionProcessAlias", listing_type.alias, "transaction process"),
            ("unitType", listing_type.unit_type, "unit"),
        ):
            found = public.get(name)
            if found is None or wanted is None or found[1] == wanted:
                continue
            yield (
                "listing-type-mismatch",
                f"{LISTING_PUBLIC!r} {name} {show(found[1])} does not match listing type "
                f"{show(listing_type.id)}, whose {what} is {show(wanted)}",
                (1, LISTING_PUBLIC, found[0]),
                LISTING_PUBLIC,
            )
        return listing_type

    def _categories(self, public: dict[str, tuple[Any, Any]]) -> Any:
        tree = self.config.categories
        assert tree is not None
        chosen: list[str] = []
        parent: str | None = None
        above: str | None = None
        for level, name in enumerate(self.category_keys):
            entry = public.get(name)
            if entry is None:
                above = None
                continue
            key, value = entry
            path = (1, LISTING_PUBLIC, key)
            if level > 0 and above is None:
                yield (
                    "category-invalid",
                    f"{LISTING_PUBLIC!r} has {name} {show(value)} but no "
                    f"{self.category_keys[level - 1]}: each category level needs the one above",
                    path,
                    LISTING_PUBLIC,
                )
                return chosen
            ids = tree.levels[level] if level < tree.depth else {}
            if isinstance(value, str) and value in ids and ids[value] == parent:
                chosen.append(value)
                parent = above = value
                continue
            if level >= tree.depth:
                reason = (
                    f"the marketplace's categories have {tree.depth} level"
                    f"{'s' if tree.depth != 1 else ''}"
                )
            elif level == 0:
                top = list(tree.levels[0])
                reason = (
                    f"its top-level categories are {_listed(top)}"
                    if top
                    else "the marketplace defines no categories"
                )
                reason = f"it is not a top-level category; {reason}"
            else:
                children = [child for child, owner in ids.items() if owner == parent]
                reason = f"it is not a subcategory of {show(parent)}" + (
                    f", whose subcategories are {_listed(children)}"
                    if children
                    else ", which has no subcategories"
                )
            yield (
                "category-invalid",
                f"{LISTING_PUBLIC!r} {name} {show(value)} is not a category id of the "
                f"marketplace: {reason}",
                path,
                LISTING_PUBLIC,
            )
            return chosen
        return chosen

    def _price(self, attrs: dict[Keyword, Any], listing_type: Any) -> Iterator[Problem]:
        config = self.config
        price = attrs.get(LISTING_PRICE)
        if price is None:
            if (
                listing_type is not None
                and listing_type.price_required
                and attrs.get(LISTING_STATE) is PUBLISHED
            ):
                yield (
                    "listing-price-missing",
                    f"published listing of type {show(listing_type.id)} has no "
                    f"{LISTING_PRICE!r}; the type takes a price (defaultListingFields), so the "
                    "listing cannot be booked until its author adds one",
                    (),
                    LISTING_PRICE,
                )
            return
        if type(price) is not Money or not isinstance(price.currency, str):
            return  # money-shape and type-mismatch say what is wrong
        currency = price.currency
        if config.currency is not None and currency != config.currency:
            yield (
                "price-currency-mismatch",
                f"{LISTING_PRICE!r} is in {show(currency)}, but the marketplace sells in "
                f"{show(config.currency)}: the web template shows no price for it and takes no "
                "order",
                (1, LISTING_PRICE),
                LISTING_PRICE,
            )
            return
        amount = price.amount
        if (
            config.minimum_price
            and currency in CURRENCIES
            and type(amount) in (int, Decimal)
            and Decimal(amount).is_finite()
        ):
            minor = Decimal(amount).scaleb(currency_precision(currency))
            if minor < config.minimum_price:
                least = Decimal(config.minimum_price).scaleb(-currency_precision(currency))
                yield (
                    "price-below-minimum",
                    f"{LISTING_PRICE!r} {show(price)} is below the marketplace's minimum "
                    f"transaction size of {least} {currency} ({config.minimum_price} in minor "
                    "units): Stripe and the web template refuse such prices",
                    (1, LISTING_PRICE),
                    LISTING_PRICE,
                )

    # users --------------------------------------------------------------------------------

    def _user(self, row: Row) -> Iterator[Problem]:
        config = self.config
        profile = row.attrs.get(PROFILE)
        if type(profile) is not dict:
            return
        data = {scope: _entries(profile.get(key)) for scope, key in USER_DATA.items()}
        public = data["public"]
        user_type = None
        if config.user_types is not None:
            entry = public.get("userType")
            if entry is None:
                if config.user_types:
                    yield (
                        "user-type-missing",
                        f"{USER_DATA['public']!r} has no userType; the marketplace's user "
                        f"types are {_listed(config.user_types)}, and fields limited to a "
                        "user type do not apply to a user without one",
                        (1, PROFILE),
                        PROFILE,
                    )
            elif isinstance(entry[1], str) and entry[1] in config.user_types:
                user_type = entry[1]
            else:
                defined = (
                    f"its user types are {_listed(config.user_types)}"
                    if config.user_types
                    else "the marketplace defines no user types"
                )
                yield (
                    "user-type-unknown",
                    f"{USER_DATA['public']!r} userType {show(entry[1])} is not a user type of "
                    f"the marketplace; {defined}",
                    (1, PROFILE, USER_DATA["public"], entry[0]),
                    USER_DATA["public"],
                )
        if config.user_fields is not None:
            raw_type = public.get("userType", (None, None))[1]
            for field in config.user_fields:
                yield from self._field(
                    field,
                    data,
                    dict(USER_DATA),
                    (1, PROFILE),
                    "user",
                    user_type if user_type is not None else raw_type,
                    [],
                )
            yield from self._unknown_keys(
                public,
                self.user_known,
                (1, PROFILE, USER_DATA["public"]),
                USER_DATA["public"],
                "user",
                self.user_fields,
            )

    # fields -------------------------------------------------------------------------------

    def _field(
        self,
        field: Field,
        data: dict[str, dict[str, tuple[Any, Any]]],
        containers: dict[str, Keyword | None],
        prefix: tuple[Any, ...],
        kind: str,
        type_id: Any,
        categories: list[str],
    ) -> Iterator[Problem]:
        home = containers.get(field.scope)
        label = f"{kind} field {show(field.key)}"
        for scope, entries in data.items():
            if scope == field.scope or field.key not in entries:
                continue
            where = containers[scope]
            assert where is not None
            target = (
                f"in {home!r}"
                if home is not None
                else f"in {kind} {field.scope} data, which Intermediary cannot import"
            )
            yield (
                "field-scope",
                f"{label} has scope {show(field.scope)}: it belongs {target}, not in {where!r}",
                (*prefix, where, entries[field.key][0]),
                where,
            )
        if home is None:
            return
        entry = data[field.scope].get(field.key)
        applies, why_not = self._applies(field, kind, type_id, categories)
        if entry is None:
            if field.required and applies:
                yield (
                    "field-required",
                    f"{label} is required by the marketplace (saveConfig.required) but "
                    f"{home!r} has no {show(field.key)}",
                    (*prefix, home) if data[field.scope] else prefix,
                    home,
                )
            return
        key, value = entry
        path = (*prefix, home, key)
        problem = _value_problem(field, value)
        if problem is not None:
            yield ("field-value-invalid", f"{label} ({field.schema_type}) {problem}", path, home)
        elif not applies:
            yield (
                "field-not-applicable",
                f"{label} is {why_not}: the value imports, but the marketplace does not show it",
                path,
                home,
            )

    def _applies(
        self, field: Field, kind: str, type_id: Any, categories: list[str]
    ) -> tuple[bool, str]:
        if field.type_ids is not None and type_id not in field.type_ids:
            this = (
                f"this {kind} is {show(type_id)}"
                if type_id is not None
                else f"this {kind} has none"
            )
            return False, f"limited to {kind} types {_listed(field.type_ids)} and {this}"
        if field.category_ids is not None and not field.category_ids.intersection(categories):
            this = (
                f"this listing is in {_listed(categories)}"
                if categories
                else "this listing has no category"
            )
            return False, f"limited to categories {_listed(field.category_ids)} and {this}"
        return True, ""

    def _unknown_keys(
        self,
        entries: dict[str, tuple[Any, Any]],
        known: frozenset[str] | set[str],
        prefix: tuple[Any, ...],
        attribute: Keyword,
        kind: str,
        fields: dict[str, Field],
    ) -> Iterator[Problem]:
        for name, (key, _value) in entries.items():
            if name in known:
                continue
            close = difflib.get_close_matches(name, list(fields), n=1)
            hint = f"; did you mean the {kind} field {show(close[0])}?" if close else ""
            yield (
                "public-data-key-unknown",
                f"{attribute!r} key {show(name)} is neither a key the web template uses nor a "
                f"{kind} field of the marketplace: it imports, but nothing shows it{hint}",
                (*prefix, key),
                attribute,
            )


def _value_problem(field: Field, value: Any) -> str | None:
    """Why ``value`` does not fit ``field``'s schema type, or ``None``."""
    schema_type = field.schema_type
    if schema_type == "enum":
        if isinstance(value, str) and value in field.options:
            return None
        return f"must be one of {_listed(field.options)}, found {show(value)}"
    if schema_type == "multi-enum":
        if type(value) is not tuple and type(value) is not list:
            return f"must be a vector of {_listed(field.options)}, found {show(value)}"
        for item in value:
            if not (isinstance(item, str) and item in field.options):
                return f"elements must be among {_listed(field.options)}, found {show(item)}"
        if len(set(value)) != len(value):
            return f"lists an option more than once: {show(value)}"
        return None
    if schema_type == "long":
        if type(value) is not int:
            return f"must be an integer, found {show(value)}"
        low, high = field.minimum, field.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = (
                f"from {low} to {high}"
                if low is not None and high is not None
                else (f"at least {low}" if low is not None else f"at most {high}")
            )
            return f"must be an integer {bounds} (numberConfig), found {value}"
        if not -(2**63) <= value < 2**63:
            return f"must fit in 8 bytes (a long), found {show(value)}"
        return None
    if schema_type == "boolean":
        return (
            None
            if value is True or value is False
            else f"must be true or false, found {show(value)}"
        )
    # text, youtubeVideoUrl
    return None if isinstance(value, str) else f"must be a string, found {show(value)}"
