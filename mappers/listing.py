"""How a listing record is built.

A listing row (``[:im.listing/id #uuid "…" :listing/l10001]``) is::

    {:im.listing/createdAt   #inst "2022-01-06T04:53:40.000Z"
     :im.listing/title       "Well-kept touring bike"
     :im.listing/state       :listing.state/published
     :im.listing/description "…"                                  ; optional
     :im.listing/location    #im/location [40.402298 -3.684384]   ; optional
     :im.listing/price       #im/money [20.50M "USD"]             ; optional
     :im.listing/currentStock 5                                    ; optional, 0 or more
     :im.listing/author      #im/ref [:im.user/id #uuid "…"]       ; the owner
     :im.listing/publicData  {:listingType "rent-gear" :transactionProcessAlias "…"
                              :unitType "day" :category "bike"
                              :location {:address "24108 Rios Mountain, Usera, ES"}}}

Conventions:

- **price**: a money attribute takes an amount in major units (``transform = "money"``:
  ``"$1,200.00"``, ``"1.200,00 €"``) or in minor units (``"minor_units"``: cents), in the
  currency of the row's ``currency`` column when the value spec names one, else
  ``[defaults] currency``; more decimals than the currency has are an error, never rounded.
- **location**: ``location = { lat = "lat", lng = "lng" }``; both columns or neither. Listings
  without coordinates can be geocoded from their address (``[geocode]``), which also stores
  the address where the web template shows it, ``publicData.location.address``.
- **publicData**: the Sharetribe web template only shows listings whose publicData has
  ``listingType``, ``transactionProcessAlias`` and ``unitType``; ``[defaults] listing_type``,
  ``transaction_process_alias`` and ``unit_type`` put them first unless the job maps them in
  ``[records.listing.public_data]``.
"""

from __future__ import annotations

from typing import Any

from migrate import schemas
from migrate.edn.values import Keyword

PUBLIC_DATA = schemas.key("im.listing/publicData")

#: Names a job may map besides the schema's own.
NAMES: dict[str, str] = {}

PROVIDES: frozenset[tuple[Keyword, ...]] = frozenset()

_DEFAULT_FIELDS = (
    ("listingType", "listing_type"),
    ("transactionProcessAlias", "transaction_process_alias"),
    ("unitType", "unit_type"),
)


_DEFAULT_KEYS = tuple((Keyword(key), name) for key, name in _DEFAULT_FIELDS)


def finish(attrs: dict[Keyword, Any], defaults: Any) -> None:
    """Add the web template's publicData keys from the job's defaults, keeping mapped values."""
    additions = {
        key: getattr(defaults, name)
        for key, name in _DEFAULT_KEYS
        if getattr(defaults, name) is not None
    }
    if not additions:
        return
    public_data = attrs.get(PUBLIC_DATA, {})
    attrs[PUBLIC_DATA] = {**additions, **public_data}


def finish_columns(row: Any, defaults: Any, batch: Any) -> None:
    """:func:`finish` as columns: the defaults come first, a mapped value replaces its default
    in place (``{**additions, **public_data}``)."""
    import polars as pl

    from migrate.convert.batch import Val
    from migrate.convert.plan import JsonMap

    additions = [
        (key, getattr(defaults, name))
        for key, name in _DEFAULT_KEYS
        if getattr(defaults, name) is not None
    ]
    if not additions:
        return
    mapped = row.json.get((PUBLIC_DATA,), JsonMap())
    entries: list[tuple[Any, Any]] = []
    overridden = set()
    for key, value in additions:
        default = Val("str", pl.lit(value, dtype=pl.String))
        replacement = next((item for k, item in mapped.entries if k is key), None)
        if replacement is None:
            entries.append((key, default))
        elif isinstance(replacement, Val) and replacement.kind == "str":
            overridden.add(key)
            taken = replacement.present()
            merged = pl.when(taken).then(replacement.expr).otherwise(default.expr)
            entries.append((key, batch.put_val(Val("str", merged), "pd")))
        else:
            batch.flag(pl.lit(True))  # a default replaced by a map or a number: per row
            return
    entries += [(key, item) for key, item in mapped.entries if key not in overridden]
    row.json[(PUBLIC_DATA,)] = JsonMap(entries)
