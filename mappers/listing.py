"""Finishing touches for listing rows: the web template's publicData conventions.

The Sharetribe web template reads ``listingType``, ``transactionProcessAlias`` and ``unitType``
from a listing's publicData (``schemas/intermediary.toml`` ``[web_template]``); a listing
without them does not show up in search. ``[defaults] listing_type``,
``transaction_process_alias`` and ``unit_type`` fill them in unless the job maps them itself.
"""

from __future__ import annotations

from typing import Any

from migrate import schemas
from migrate.edn.values import Keyword

PUBLIC_DATA = schemas.key("im.listing/publicData")

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
