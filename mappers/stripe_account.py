"""How a Stripe account record is built.

A Stripe account row (``[:im.stripeAccount/id #uuid "…" :stripeAccount/s3001]``) is::

    {:im.stripeAccount/stripeAccountId "acct_1Gq2…"
     :im.stripeAccount/user            #im/ref [:im.user/id #uuid "…"]}

Both are required; a user has at most one Stripe account (a second one is rejected as
``stripe-account-duplicate``). Surrounding whitespace is removed from the account id: an id
copied from an export often carries spaces, Stripe never uses them, and an id with a stray
space would not match the account on Stripe's side. The marketplace must use the same
Stripe keys as the legacy service.
"""

from __future__ import annotations

from typing import Any

from migrate import schemas
from migrate.edn.values import Keyword

STRIPE_ACCOUNT_ID = schemas.key("im.stripeAccount/stripeAccountId")

#: Names a job may map besides the schema's own.
NAMES: dict[str, str] = {}

PROVIDES: frozenset[tuple[Keyword, ...]] = frozenset()


def finish(attrs: dict[Keyword, Any], defaults: Any) -> None:
    """Strip whitespace around the Stripe account id (an all-blank id is left out)."""
    account = attrs.get(STRIPE_ACCOUNT_ID)
    if isinstance(account, str):
        if account.strip():
            attrs[STRIPE_ACCOUNT_ID] = account.strip()
        else:
            del attrs[STRIPE_ACCOUNT_ID]


def finish_columns(row: Any, defaults: Any, batch: Any) -> None:
    """:func:`finish` as columns, with Python's whitespace."""
    import polars as pl

    from migrate.convert.batch import Val
    from migrate.convert.vector import py_blank, py_strip

    account = row.get((STRIPE_ACCOUNT_ID,))
    if account is None:
        return
    if account.kind != "str":
        batch.flag(account.present())
        return
    stripped = pl.when(py_blank(account.expr)).then(None).otherwise(py_strip(account.expr))
    row.values[(STRIPE_ACCOUNT_ID,)] = batch.put_val(Val("str", stripped), "sa")
