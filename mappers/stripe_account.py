"""Finishing touches for Stripe account rows: surrounding whitespace is removed from the id.

A Stripe account id copied from an export often carries spaces; Stripe never uses them, and an
id with a stray space would not match the account on Stripe's side.
"""

from __future__ import annotations

from typing import Any

from migrate import schemas
from migrate.edn.values import Keyword

STRIPE_ACCOUNT_ID = schemas.key("im.stripeAccount/stripeAccountId")

PROVIDES: frozenset[tuple[Keyword, ...]] = frozenset()


def finish(attrs: dict[Keyword, Any], defaults: Any) -> None:
    """Strip whitespace around the Stripe account id (an all-blank id is left out)."""
    account = attrs.get(STRIPE_ACCOUNT_ID)
    if isinstance(account, str):
        if account.strip():
            attrs[STRIPE_ACCOUNT_ID] = account.strip()
        else:
            del attrs[STRIPE_ACCOUNT_ID]
