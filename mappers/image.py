"""How an image record is built.

An image row (``[:im.image/id #uuid "…" :image/i500001]``) is::

    {:im.image/url       "https://img.example.com/listings/10001/tent%201.jpg"
     :im.image/listing   #im/ref [:im.listing/id #uuid "…"]     ; a listing image
     :im.image/sortOrder 0}                                     ; optional

Listing images point at their listing (``listing``); profile images are referenced from the
user's ``avatar`` instead, and an image that is neither is imported but never shown
(``image-unreferenced``). URLs must be absolute and percent-encoded: map them with the
``url_encode`` transform, which the validator's ``url-invalid`` rule then accepts. Nothing is
added from ``[defaults]``.
"""

from __future__ import annotations

from typing import Any

from migrate.edn.values import Keyword

#: Names a job may map besides the schema's own.
NAMES: dict[str, str] = {}

PROVIDES: frozenset[tuple[Keyword, ...]] = frozenset()


def finish(attrs: dict[Keyword, Any], defaults: Any) -> None:
    """Images need no defaults; every attribute comes from the job's mapping."""


def finish_columns(row: Any, defaults: Any, batch: Any) -> None:
    """:func:`finish` as columns: nothing to do."""
