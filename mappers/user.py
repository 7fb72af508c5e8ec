"""Finishing touches for user rows: roles and email verification from ``[defaults]``.

Sharetribe creates every user with both roles and roles cannot change after the import, so
unless the job maps ``role`` (or ``[defaults] roles`` says otherwise) users get both.
``im.email/verified`` is required; when the job does not map it, ``[defaults] email_verified``
(default ``false``: the user confirms the address again) is used.
"""

from __future__ import annotations

from typing import Any

from migrate import schemas
from migrate.edn.values import Keyword

ROLE = schemas.key("im.user/role")
PRIMARY_EMAIL = schemas.key("im.user/primaryEmail")
ADDRESS = schemas.key("im.email/address")
VERIFIED = schemas.key("im.email/verified")

# Attribute paths this module fills in when the job leaves them out.
PROVIDES = frozenset({(ROLE,), (PRIMARY_EMAIL, VERIFIED)})


def finish(attrs: dict[Keyword, Any], defaults: Any) -> None:
    """Add the default roles and the email's verified flag when the job did not map them."""
    attrs.setdefault(ROLE, tuple(defaults.roles))
    email = attrs.get(PRIMARY_EMAIL)
    if email is not None and ADDRESS in email:
        email.setdefault(VERIFIED, defaults.email_verified)
