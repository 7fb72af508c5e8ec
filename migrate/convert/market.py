"""The target marketplace's checks (``[marketplace]``) on a batch of columns.

:class:`migrate.rules.marketplace.MarketplaceRules` checks one row at a time. Its verdict on a
listing or a user depends on few of the row's values: the extended-data keys that are present,
the values of the keys it reads (listing type, process, unit, categories, the marketplace's
fields, the user type), the listing's state, whether it has a price and, for the price, only
its amount and currency. :func:`silent_columns` asks the rules themselves once per distinct
combination of those values, on a stand-in row that holds just them, and once per distinct
price; rows where either says something are checked row by row (which gives the exact message,
and the warnings the report counts).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from migrate.convert.batch import Batch, Val
from migrate.convert.ids import id_attr
from migrate.edn.values import Keyword, Money, Row

if TYPE_CHECKING:
    from migrate.convert.plan import JsonMap, RowColumns
    from migrate.rules.marketplace import MarketplaceRules

# How a stand-in row gets an input: its value, or only whether the key is there.
_VALUE, _PRESENT = "value", "present"
# A price the stand-in row has without its amount (judged on its own): not a Money, so the
# rules' price check passes over it.
_PRICED = object()


def silent_columns(
    batch: Batch, row: RowColumns, rules: MarketplaceRules, record_type: str
) -> pl.Expr:
    """True where the marketplace rules certainly say nothing about the row."""
    if record_type == "listing":
        return _listing(batch, row, rules)
    if record_type == "user":
        return _user(batch, row, rules)
    return pl.lit(True)


class _StandIn:
    """The inputs of one stand-in row: a column per input and where it goes in the row."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.inputs: list[Val] = []
        self.layout: list[tuple[Any, Keyword | str, str]] = []  # (container, key, how)

    def add(
        self, container: Any, key: Keyword | str, item: Val | JsonMap | _Presence, how: str
    ) -> None:
        """One input: ``item``'s value, or (``_PRESENT``) only whether it is there."""
        if how == _PRESENT:
            val = Val("bool", item.present().fill_null(False))
        else:
            assert isinstance(item, Val)
            val = item
        self.inputs.append(val)
        self.layout.append((container, key, how))

    def extended(
        self, container: _Scope, root: JsonMap | None, reads: set[str], unknown: bool
    ) -> None:
        """The entries of an extended-data map the rules look at: the values of the keys in
        ``reads`` (text fields: only that they are text), and with ``unknown`` the presence of
        every other key (``public-data-key-unknown``)."""
        from migrate.convert.plan import JsonMap

        if root is None:
            return
        for key, item in root.entries:
            name = key.text if type(key) is Keyword else key
            assert isinstance(name, str)
            if name in reads:
                if isinstance(item, JsonMap) or item.kind not in ("str", "int", "bool", "float"):
                    self.batch.flag(item.present())  # a map as a field's value: row by row
                elif name in container.text_keys and item.kind == "str":
                    self.add(container, key, item, _PRESENT)  # text is text
                else:
                    self.add(container, key, item, _VALUE)
            elif unknown:
                self.add(container, key, item, _PRESENT)


class _Scope:
    """One extended-data map of the stand-in row (``attribute`` inside ``parent``)."""

    def __init__(self, parent: Keyword | None, attribute: Keyword, text_keys: frozenset[str]):
        self.parent = parent
        self.attribute = attribute
        self.text_keys = text_keys


def _build(layout: list[tuple[Any, Keyword | str, str]], values: tuple[Any, ...]) -> dict:
    """The stand-in row's attributes from one combination of inputs."""
    attrs: dict[Keyword, Any] = {}
    for (container, key, how), value in zip(layout, values, strict=True):
        # An input is absent where it is None, or False when it says whether a thing is there.
        if value is None or (how == _PRESENT and value is False):
            continue
        if isinstance(container, _Scope):
            holder = attrs if container.parent is None else attrs.setdefault(container.parent, {})
            data = holder.setdefault(container.attribute, {})
            data[key] = "" if how == _PRESENT else value
            continue
        assert isinstance(key, Keyword)
        if container == "keyword":
            attrs[key] = Keyword(value)
        elif container == "priced":
            attrs[key] = _PRICED
        elif container == "map":
            attrs.setdefault(key, {})
    return attrs


def _verdict(
    batch: Batch, stand_in: _StandIn, rules: MarketplaceRules, record_type: str
) -> pl.Expr:
    attribute = id_attr(record_type)
    layout = stand_in.layout

    def silent(*values: Any) -> bool:
        return not rules.check(Row(attribute, None, None, _build(layout, values)))

    if not stand_in.inputs:
        return pl.lit(silent())
    verdict, failed = batch.per_value(stand_in.inputs, silent, "bool", pl.lit(True))
    return verdict.expr.fill_null(False) & ~failed


def _field_keys(
    fields: dict[str, Any], scope: str, own: set[str]
) -> tuple[set[str], frozenset[str]]:
    """The keys the rules read in a map of ``scope``: every field's (a field in the wrong map
    is ``field-scope``) and ``own`` (listing type, categories …); and the keys of text fields
    of ``scope`` that are not in ``own``, whose value matters only as being text or not."""
    text = frozenset(
        key
        for key, field in fields.items()
        if field.scope == scope and field.schema_type in ("text", "youtubeVideoUrl")
    )
    return set(fields) | own, text - own


def _listing(batch: Batch, row: RowColumns, rules: MarketplaceRules) -> pl.Expr:
    from migrate.rules import marketplace as m

    stand_in = _StandIn(batch)
    fields = rules.listing_fields
    own = {"listingType", "transactionProcessAlias", "unitType", *rules.category_keys}
    with_fields = rules.config.listing_fields is not None
    reads, text = _field_keys(fields, "public", own)
    public = _Scope(None, m.LISTING_PUBLIC, text)
    stand_in.extended(public, row.json.get((m.LISTING_PUBLIC,)), reads, with_fields)
    if with_fields:
        reads, text = _field_keys(fields, "metadata", set())
        metadata = _Scope(None, m.LISTING_METADATA, text)
        stand_in.extended(metadata, row.json.get((m.LISTING_METADATA,)), reads, False)
    state = row.get((m.LISTING_STATE,))
    if state is not None:
        if state.kind != "keyword":
            batch.flag(state.present())
        else:
            stand_in.add("keyword", m.LISTING_STATE, state, _VALUE)
    price = row.get((m.LISTING_PRICE,))
    silent = pl.lit(True)
    if price is not None:
        if price.kind != "money" or price.currency is None:
            batch.flag(price.present())
        else:
            stand_in.add("priced", m.LISTING_PRICE, price, _PRESENT)
            silent = _price_silent(batch, price, rules)
    return _verdict(batch, stand_in, rules, "listing") & silent


def _price_silent(batch: Batch, price: Val, rules: MarketplaceRules) -> pl.Expr:
    """The price check, once per distinct amount and currency."""
    from migrate.rules import marketplace as m

    assert price.currency is not None

    def silent(amount: str, currency: str) -> bool:
        attrs = {m.LISTING_PRICE: Money(Decimal(amount), currency)}
        return not any(True for _ in rules._price(attrs, None))

    verdict, failed = batch.per_value(
        [Val("str", price.expr), Val("str", price.currency)], silent, "bool", price.present()
    )
    return ~price.present() | (verdict.expr.fill_null(False) & ~failed)


def _user(batch: Batch, row: RowColumns, rules: MarketplaceRules) -> pl.Expr:
    from migrate.rules import marketplace as m

    stand_in = _StandIn(batch)
    stand_in.add("map", m.PROFILE, _Presence(row.present((m.PROFILE,))), _PRESENT)
    fields = rules.user_fields if rules.config.user_fields is not None else {}
    for scope, attribute in m.USER_DATA.items():
        own = {"userType"} if scope == "public" else set()
        reads, text = _field_keys(fields, scope, own)
        container = _Scope(m.PROFILE, attribute, text)
        root = row.json.get((m.PROFILE, attribute))
        unknown = scope == "public" and rules.config.user_fields is not None
        stand_in.extended(container, root, reads, unknown)
    return _verdict(batch, stand_in, rules, "user")


class _Presence:
    """Where something is present, as an input of the stand-in row."""

    def __init__(self, present: pl.Expr) -> None:
        self._present = present

    def present(self) -> pl.Expr:
        return self._present
