"""Listing publicData of the Stayfinch sample (``function = "stayfinch_fields:listing_public_data"``).

The export's ``amenities`` column is a Python list literal, ``['Wifi', "Children's books and
toys"]`` (single quotes, and double quotes where a name holds an apostrophe, so it is not
JSON). No transform turns one cell into a JSON array, so this function reads it with
:func:`ast.literal_eval` and gives the marketplace's ``amenities`` field its option ids
(``samples/rental/marketplace/listings/listing-fields.json``: the name in kebab case).

A job function that returns ``publicData`` replaces the whole map (it cannot add one key to
what ``[records.listing.public_data]`` maps), so the listing's other publicData keys are built
here too; ``listingType``, ``transactionProcessAlias`` and ``unitType`` still come from the
job's ``[defaults]``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

#: The site's room types -> the marketplace's top-level categories.
CATEGORIES = {
    "Entire home/apt": "entire-home",
    "Private room": "private-room",
    "Shared room": "shared-room",
    "Hotel room": "hotel-room",
}


def option_id(name: str) -> str:
    """The marketplace option id of an amenity name: ``"Children's books"`` -> ``childrens-books``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")


def amenities(text: str | None) -> tuple[str, ...]:
    """Option ids of a Python list literal of amenity names; ``ValueError`` if it is not one.

    A tuple, not a list: in the converter's value model an edn vector (a JSON array) is a
    tuple, and a Python list would be an edn list, which extended data cannot hold.
    """
    if not text or not text.strip():
        return ()
    try:
        names = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        raise ValueError(
            f"amenities is not a list literal such as ['Wifi', 'Kitchen']: {text[:40]!r}"
        ) from None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValueError("amenities is not a list of names")
    return tuple(dict.fromkeys(option_id(name) for name in names if name.strip()))


def _whole(text: str | None) -> int | None:
    return int(text) if text and text.strip() else None


def listing_public_data(values: Mapping[str, Any]) -> dict[str, Any]:
    """``publicData`` of one listing row: category, listing fields and the address shown."""
    room_type = values.get("room_type") or ""
    if room_type not in CATEGORIES:
        raise ValueError(f"room_type {room_type!r} is none of {sorted(CATEGORIES)}")
    area = (values.get("neighbourhood_cleansed") or "").strip()
    public: dict[str, Any] = {
        "categoryLevel1": CATEGORIES[room_type],
        "propertyType": (values.get("property_type") or "").strip() or None,
        "guests": _whole(values.get("accommodates")),
        "bedrooms": _whole(values.get("bedrooms")),
        "instantBooking": {"t": True, "f": False}.get(values.get("instant_bookable") or ""),
        "amenities": amenities(values.get("amenities")) or None,
        "neighbourhood": area or None,
        # The scrape has no street address (hosts' privacy): the neighbourhood is what is shown.
        "location": {"address": f"{area}, Portland, OR"} if area else None,
    }
    return {"publicData": {key: value for key, value in public.items() if value is not None}}
