"""Finishing touches for image rows: nothing is added.

Listing images point at their listing (``im.image/listing``); profile images are referenced from
the user's ``avatar`` instead. URLs must be properly encoded: map them with the ``url_encode``
transform, which the validator's ``url-invalid`` rule then accepts.
"""

from __future__ import annotations

from typing import Any

from migrate.edn.values import Keyword

PROVIDES: frozenset[tuple[Keyword, ...]] = frozenset()


def finish(attrs: dict[Keyword, Any], defaults: Any) -> None:
    """Images need no defaults; every attribute comes from the job's mapping."""
