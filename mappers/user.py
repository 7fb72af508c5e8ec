"""How a user record is built.

A user row (``[:im.user/id #uuid "…" :user/u123]``) is::

    {:im.user/primaryEmail {:im.email/address "anna@example.com" :im.email/verified true}
     :im.user/role         [:user.role/customer :user.role/provider]
     :im.user/createdAt    #inst "2021-06-14T09:32:11.000Z"
     :im.user/profile      {:im.userProfile/firstName "Anna"
                            :im.userProfile/lastName  "Smith"
                            :im.userProfile/displayName "Anna S."      ; optional
                            :im.userProfile/bio "…"                    ; optional
                            :im.userProfile/protectedData {…}          ; extended data, optional
                            :im.userProfile/avatar #im/ref [:im.image/id #uuid "…"]}}  ; optional

What a job maps, under ``[records.user.mapping]``:

=================  ===========================================  ==========================
job name           attribute                                    notes
=================  ===========================================  ==========================
``email``          ``im.email/address`` in ``primaryEmail``     required; checked by
                                                                ``email-invalid``, unique
                                                                ignoring case
``emailVerified``  ``im.email/verified`` in ``primaryEmail``    default ``[defaults]
                                                                email_verified`` (false)
``roles``          ``im.user/role``                             default ``[defaults] roles``
                                                                (both roles)
``createdAt``      ``im.user/createdAt``                        required
``firstName``,     ``im.userProfile/…`` in ``profile``          first and last name are
``lastName``, …                                                 required
=================  ===========================================  ==========================

Any attribute may also be named by its short schema name or its full key; extended data goes
in ``[records.user.public_data]``, ``protected_data``, ``private_data`` or ``metadata``
(nested under ``profile``). Sharetribe creates every user with both roles and roles cannot
change after the import, hence the default; ``im.email/verified`` is required, so an
unmapped flag is filled from the defaults (``false``: the user confirms the address again).
"""

from __future__ import annotations

from typing import Any

from migrate import schemas
from migrate.edn.values import Keyword

ROLE = schemas.key("im.user/role")
PRIMARY_EMAIL = schemas.key("im.user/primaryEmail")
ADDRESS = schemas.key("im.email/address")
VERIFIED = schemas.key("im.email/verified")

#: Names a job may map besides the schema's own (job name -> short attribute name).
NAMES = {"email": "address", "emailVerified": "verified", "roles": "role"}

#: Attribute paths this module fills in when the job leaves them out.
PROVIDES = frozenset({(ROLE,), (PRIMARY_EMAIL, VERIFIED)})


def finish(attrs: dict[Keyword, Any], defaults: Any) -> None:
    """Add the default roles and the email's verified flag when the job did not map them."""
    attrs.setdefault(ROLE, tuple(defaults.roles))
    email = attrs.get(PRIMARY_EMAIL)
    if email is not None and ADDRESS in email:
        email.setdefault(VERIFIED, defaults.email_verified)


def finish_columns(row: Any, defaults: Any, batch: Any) -> None:
    """:func:`finish` on a batch of rows as columns (``migrate.convert.plan.RowColumns``)."""
    import polars as pl

    from migrate.convert.batch import Val

    # Rows with mapped roles are left to the per-row path when their roles are coerced, so
    # every row still here takes the default.
    row.values[(ROLE,)] = Val("keyword", pl.lit("roles"), const=tuple(defaults.roles))
    address = row.get((PRIMARY_EMAIL, ADDRESS))
    if address is None:
        return
    verified = row.get((PRIMARY_EMAIL, VERIFIED))
    default = pl.when(address.present()).then(pl.lit(defaults.email_verified))
    if verified is None:
        row.values[(PRIMARY_EMAIL, VERIFIED)] = Val("bool", default)
    else:
        merged = pl.when(verified.present()).then(verified.expr).otherwise(default)
        row.values[(PRIMARY_EMAIL, VERIFIED)] = batch.put_val(Val("bool", merged), "ver")
