"""Finishing touches for review rows: ofCustomer reviews carry no listing.

In Sharetribe only reviews of the provider (``:review.type/ofProvider``) point at a listing. A
legacy review of a customer often still records the listing it was about; the importer would
reject it, so the listing reference is dropped from ``ofCustomer`` reviews.
"""

from __future__ import annotations

from typing import Any

from migrate import schemas
from migrate.edn.values import Keyword

TYPE = schemas.key("im.review/type")
LISTING = schemas.key("im.review/listing")
OF_CUSTOMER = Keyword("review.type/ofCustomer")

PROVIDES: frozenset[tuple[Keyword, ...]] = frozenset()


def finish(attrs: dict[Keyword, Any], defaults: Any) -> None:
    """Drop the listing reference of an ofCustomer review."""
    if attrs.get(TYPE) is OF_CUSTOMER:
        attrs.pop(LISTING, None)
