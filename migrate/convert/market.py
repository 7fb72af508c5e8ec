"""The target marketplace's checks (``[marketplace]``) on a batch of columns.

:class:`migrate.rules.marketplace.MarketplaceRules` checks one row at a time. Its verdict on a
listing or a user depends on few of the row's values: the extended-data keys that are present,
the values of the keys it reads (listing type, process, unit, categories, the marketplace's
fields, the user type), the listing's state, whether it has a price and, for the price, only
its amount and currency. :func:`market_columns` asks the rules themselves once per distinct
combination of those values, on a stand-in row that holds just them, and once per distinct
price. What they say is decided in columns where it is exact: warnings (their codes join the
row's), and a price error, whose message and offending value depend on the price alone (the
row is rejected with them, as the per-row path would). Any other error, and any finding when
the run does not say which codes it reports, sends the row the per-row way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from migrate.convert.batch import Batch, Val
from migrate.convert.ids import id_attr
from migrate.convert.vector import join_present
from migrate.edn.values import Keyword, Money, Row

if TYPE_CHECKING:
    from migrate.convert.plan import JsonMap, RowColumns
    from migrate.rules.marketplace import MarketplaceRules

# How a stand-in row gets an input: its value, or only whether the key is there.
_VALUE, _PRESENT = "value", "present"
# The kinds of extended-data values the stand-in row takes as they are (a vector of texts as the
# tuple the per-row engine holds).
_JUDGED_KINDS = ("str", "int", "bool", "float", "strs")
# A price the stand-in row has without its amount (judged on its own): not a Money, so the
# rules' price check passes over it.
_PRICED = object()


@dataclass
class MarketColumns:
    """What the marketplace rules say of a batch's rows, as columns.

    ``undecided`` is true where the row must be checked row by row; ``warnings`` holds the
    codes of the warnings (comma-separated, in the rules' order; null for none); ``code``,
    ``message`` and ``values`` the error a row is rejected for (null where there is none;
    ``values`` is the rejects file's JSON text of the offending value).
    """

    undecided: pl.Expr
    warnings: pl.Expr
    code: pl.Expr
    message: pl.Expr
    values: pl.Expr


def market_columns(
    batch: Batch,
    row: RowColumns,
    rules: MarketplaceRules,
    record_type: str,
    wants: Callable[[str], bool] | None = None,
) -> MarketColumns:
    """The marketplace rules' verdict on every row (see :class:`MarketColumns`).

    ``wants(code)`` says whether the run reports findings of ``code`` (the rule engine's
    :meth:`migrate.rules.engine.Stamper.wants`); without it, every row the rules say anything
    about is undecided.
    """
    if record_type == "listing":
        return _listing(batch, row, rules, wants)
    if record_type == "user":
        stand_in = _user(batch, row, rules)
        undecided, warnings = _verdict(batch, stand_in, rules, "user", wants)
        return MarketColumns(undecided, warnings, *_no_error())
    return MarketColumns(pl.lit(False), pl.lit(None, dtype=pl.String), *_no_error())


def _no_error() -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    nothing = pl.lit(None, dtype=pl.String)
    return nothing, nothing, nothing


def _outcome_columns(
    batch: Batch, inputs: list[Val], judge: Callable[..., Any], mask: pl.Expr
) -> tuple[list[Any], pl.Expr, pl.Expr]:
    """``judge(*values)`` once per distinct input on the rows of ``mask``: the outcomes it
    gave, each row's outcome's number in that list (null outside ``mask``), and where it
    raised (those rows are undecided)."""
    outcomes: list[Any] = []
    numbers: dict[Any, int] = {}

    def number(*values: Any) -> int:
        outcome = judge(*values)
        found = numbers.get(outcome)
        if found is None:
            found = numbers[outcome] = len(outcomes)
            outcomes.append(outcome)
        return found

    picked, failed = batch.per_value(inputs, number, "int", mask)
    return outcomes, batch.put(picked.expr, "mo"), failed


def _pick(which: pl.Expr, outcomes: list[Any], field: Callable[[Any], str | None]) -> pl.Expr:
    """The text ``field(outcome)`` of each row's outcome (null outside the outcomes)."""
    if not outcomes:
        return pl.lit(None, dtype=pl.String)
    return which.replace_strict(
        list(range(len(outcomes))),
        [field(outcome) for outcome in outcomes],
        default=None,
        return_dtype=pl.String,
    )


def _findings(
    problems: list[Any], wants: Callable[[str], bool] | None
) -> tuple[tuple[str, ...], Any] | None:
    """The warning codes and the first error (a problem) of ``problems`` as the rule engine
    reports them; ``None`` when it cannot be told without ``wants``."""
    from migrate.rules.catalogue import SEVERITY

    if not problems:
        return (), None
    if wants is None:
        return None
    warnings: list[str] = []
    error = None
    for problem in problems:
        code = problem[0]
        if not wants(code):
            continue
        if SEVERITY[code].value == "warning":
            warnings.append(code)
        elif error is None:
            error = problem
    return tuple(warnings), error


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
        self,
        container: _Scope,
        root: JsonMap | None,
        reads: set[str],
        unknown: bool,
        fields: dict[str, Any] | None = None,
    ) -> None:
        """The entries of an extended-data map the rules look at: the values of the keys in
        ``reads`` (text fields: only that they are text; multi-enum fields, ``fields``: only
        whether the options are valid), and with ``unknown`` the presence of every other key
        (``public-data-key-unknown``)."""
        from migrate.convert.plan import JsonMap

        if root is None:
            return
        for key, item in root.entries:
            name = key.text if type(key) is Keyword else key
            assert isinstance(name, str)
            if name in reads:
                if isinstance(item, JsonMap) or item.kind not in _JUDGED_KINDS:
                    self.batch.flag(item.present())  # a map as a field's value: row by row
                elif name in container.text_keys and item.kind == "str":
                    self.add(container, key, item, _PRESENT)  # text is text
                elif item.kind == "strs" and fields is not None and name in fields:
                    self.add(container, key, _options_stand_in(item, fields[name]), _VALUE)
                else:
                    self.add(container, key, item, _VALUE)
            elif unknown:
                self.add(container, key, item, _PRESENT)


def _options_stand_in(item: Val, field: Any) -> Val:
    """A multi-enum field's vector as the rules need it: what they say of a vector of valid
    options, each once, does not depend on which options it holds (``_value_problem``), so
    such vectors all become one (the first option) and are judged once, not once per listing;
    any other vector is given as it is."""
    if field.schema_type != "multi-enum" or not field.options:
        return item
    options = list(field.options)
    valid = item.expr.list.eval(pl.element().is_in(options)).list.all()
    once = item.expr.list.n_unique() == item.expr.list.len()
    first = pl.lit(options[:1], dtype=pl.List(pl.String))
    return Val("strs", pl.when(valid & once).then(first).otherwise(item.expr))


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
            if how == _PRESENT:
                value = ""
            elif type(value) is list:  # a vector of texts (per_value gives a column's list)
                value = tuple(value)
            data[key] = value
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
    batch: Batch,
    stand_in: _StandIn,
    rules: MarketplaceRules,
    record_type: str,
    wants: Callable[[str], bool] | None,
) -> tuple[pl.Expr, pl.Expr]:
    """Where the stand-in rows are undecided (an error, or findings ``wants`` cannot sort),
    and the codes of their warnings."""
    attribute = id_attr(record_type)
    layout = stand_in.layout

    def judge(*values: Any) -> tuple[str, ...] | None:
        found = _findings(rules.check(Row(attribute, None, None, _build(layout, values))), wants)
        if found is None or found[1] is not None:
            return None
        return found[0]

    if not stand_in.inputs:
        outcome = judge()
        if outcome is None:
            return pl.lit(True), pl.lit(None, dtype=pl.String)
        return pl.lit(False), pl.lit(",".join(outcome) or None, dtype=pl.String)
    outcomes, which, failed = _outcome_columns(batch, stand_in.inputs, judge, pl.lit(True))
    undecided = failed | which.is_null()
    unsure = [number for number, outcome in enumerate(outcomes) if outcome is None]
    if unsure:
        undecided = undecided | which.is_in(unsure)
    warnings = _pick(which, outcomes, lambda outcome: ",".join(outcome or ()) or None)
    return undecided, warnings


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


def _listing(
    batch: Batch, row: RowColumns, rules: MarketplaceRules, wants: Callable[[str], bool] | None
) -> MarketColumns:
    from migrate.rules import marketplace as m

    stand_in = _StandIn(batch)
    fields = rules.listing_fields
    own = {"listingType", "transactionProcessAlias", "unitType", *rules.category_keys}
    with_fields = rules.config.listing_fields is not None
    reads, text = _field_keys(fields, "public", own)
    public = _Scope(None, m.LISTING_PUBLIC, text)
    stand_in.extended(public, row.json.get((m.LISTING_PUBLIC,)), reads, with_fields, fields)
    if with_fields:
        reads, text = _field_keys(fields, "metadata", set())
        metadata = _Scope(None, m.LISTING_METADATA, text)
        stand_in.extended(metadata, row.json.get((m.LISTING_METADATA,)), reads, False, fields)
    state = row.get((m.LISTING_STATE,))
    if state is not None:
        if state.kind != "keyword":
            batch.flag(state.present())
        else:
            stand_in.add("keyword", m.LISTING_STATE, state, _VALUE)
    price = row.get((m.LISTING_PRICE,))
    priced = None
    if price is not None:
        if price.kind != "money" or price.currency is None:
            batch.flag(price.present())
        else:
            stand_in.add("priced", m.LISTING_PRICE, price, _PRESENT)
            priced = _price(batch, price, rules, wants)
    undecided, warnings = _verdict(batch, stand_in, rules, "listing", wants)
    if priced is None:
        return MarketColumns(undecided, warnings, *_no_error())
    price_undecided, price_warning, code, message, values = priced
    # The price is checked last: its warning follows the others; its error is the row's
    # first (the stand-in's errors leave the row undecided).
    warnings = join_present([warnings, price_warning], ",")
    return MarketColumns(undecided | price_undecided, warnings, code, message, values)


def _price(
    batch: Batch, price: Val, rules: MarketplaceRules, wants: Callable[[str], bool] | None
) -> tuple[pl.Expr, ...]:
    """The price check, once per distinct amount and currency: where it is undecided, its
    warning code, and its error's code, message and offending value (rejects JSON)."""
    from migrate.convert.outputs import values_json
    from migrate.convert.pipeline import _offending
    from migrate.rules import marketplace as m

    assert price.currency is not None

    def judge(amount: str, currency: str) -> tuple[str | None, Any] | None:
        attrs = {m.LISTING_PRICE: Money(Decimal(amount), currency)}
        found = _findings(list(rules._price(attrs, None)), wants)
        if found is None:
            return None
        warnings, error = found
        if error is None:
            return (",".join(warnings) or None), None
        code, message, _, attribute = error
        name = repr(attribute) if isinstance(attribute, Keyword) else None
        offending = values_json(_offending(Row(id_attr("listing"), None, None, attrs), name))
        return None, (code, message, offending)

    present = price.present()
    inputs = [Val("str", price.expr), Val("str", price.currency)]
    outcomes, which, failed = _outcome_columns(batch, inputs, judge, present)
    undecided = present & (failed | which.is_null())
    unsure = [number for number, outcome in enumerate(outcomes) if outcome is None]
    if unsure:
        undecided = undecided | which.is_in(unsure)

    def error_part(index: int) -> Callable[[Any], str | None]:
        return lambda outcome: outcome[1][index] if outcome and outcome[1] else None

    return (
        undecided,
        _pick(which, outcomes, lambda outcome: outcome[0] if outcome else None),
        _pick(which, outcomes, error_part(0)),
        _pick(which, outcomes, error_part(1)),
        _pick(which, outcomes, error_part(2)),
    )


def _user(batch: Batch, row: RowColumns, rules: MarketplaceRules) -> _StandIn:
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
    return stand_in


class _Presence:
    """Where something is present, as an input of the stand-in row."""

    def __init__(self, present: pl.Expr) -> None:
        self._present = present

    def present(self) -> pl.Expr:
        return self._present
