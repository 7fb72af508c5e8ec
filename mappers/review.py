"""How a review record is built.

A review row (``[:im.review/id #uuid "…" :review/r70001]``) is::

    {:im.review/type      :review.type/ofProvider     ; or :review.type/ofCustomer
     :im.review/state     :review.state/public        ; or :review.state/pending
     :im.review/rating    4                           ; 1 to 5
     :im.review/createdAt #inst "2019-02-21T06:01:56.000Z"
     :im.review/author    #im/ref [:im.user/id #uuid "…"]
     :im.review/subject   #im/ref [:im.user/id #uuid "…"]
     :im.review/content   "…"
     :im.review/listing   #im/ref [:im.listing/id #uuid "…"]}   ; ofProvider reviews only

The listing rule: in Sharetribe only reviews of the provider (``ofProvider``) point at a
listing. A legacy review of a customer often still records the listing it was about; the
importer would reject it, so the listing reference is dropped from ``ofCustomer`` reviews.
An ``ofProvider`` review without a listing is rejected (``review-listing-missing``). Old
0-1 scores become stars with ``transform = { name = "rating_scale", source_max = 1 }``.
"""

from __future__ import annotations

from typing import Any

from migrate import schemas
from migrate.edn.values import Keyword

TYPE = schemas.key("im.review/type")
LISTING = schemas.key("im.review/listing")
OF_CUSTOMER = Keyword("review.type/ofCustomer")

#: Names a job may map besides the schema's own.
NAMES: dict[str, str] = {}

PROVIDES: frozenset[tuple[Keyword, ...]] = frozenset()


def finish(attrs: dict[Keyword, Any], defaults: Any) -> None:
    """Drop the listing reference of an ofCustomer review."""
    if attrs.get(TYPE) is OF_CUSTOMER:
        attrs.pop(LISTING, None)


def finish_columns(row: Any, defaults: Any, batch: Any) -> None:
    """:func:`finish` as columns: no listing where the type is ofCustomer."""
    listing = row.get((LISTING,))
    kind = row.get((TYPE,))
    if listing is None or kind is None:
        return
    of_customer = (kind.expr == OF_CUSTOMER.text).fill_null(False)
    row.values[(LISTING,)] = batch.put_val(listing.where(~of_customer), "rl")
