"""Example functions for ``function = "migrate.mappers.custom:NAME"`` in a job's ``[records.TYPE]``.

A function receives the source row's values (column -> value) after the declarative mapping
and returns attributes to add or replace, by the names ``mapping`` accepts; ``None`` removes an
attribute, and a ``ValueError`` rejects the row as ``transform-failed`` with its message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def guest_email(values: Mapping[str, Any]) -> dict[str, Any]:
    """A placeholder address ``guest+ID@example.com`` for users exported without an email.

    ``example.com`` is reserved, so no mail can reach a real person; such users must set their
    address after the import.
    """
    if values.get("email"):
        return {}
    if not values.get("id"):
        raise ValueError("no id to build a guest email from")
    return {"email": f"guest+{values['id']}@example.com", "emailVerified": False}
