"""Example functions for ``function = "migrate.mappers.custom:NAME"`` in a job's ``[records.TYPE]``.

A function receives the source row's values (column -> value) after the declarative mapping
and returns attributes to add or replace, by the names ``mapping`` accepts; ``None`` removes an
attribute, and a ``ValueError`` rejects the row as ``transform-failed`` with its message.

A reference is returned as :class:`Ref` (``{"subject": Ref("user", "4621559")}``) or as the
mapping ``{"ref": "user", "id": "4621559"}``: it is written as an ``#im/ref`` like a mapped
reference, checked and cascaded the same way (a rejected or missing target rejects the row).
Declare what the function gives with ``provides = ["subject"]`` next to ``function`` so that
the job check knows the required attribute is not forgotten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Ref:
    """A reference a job function returns: the target's row type and its source id.

    ``Ref("user", "4621559")`` points at the user row whose source id is ``"4621559"`` (an
    integer id is taken as its digits), exactly as ``{ ref = "user", column = ... }`` would.
    """

    record_type: str
    source_id: str | int | None


def as_ref(value: Any) -> Ref | None:
    """``value`` as a :class:`Ref` when it is one or a ``{"ref": TYPE, "id": ID}`` mapping."""
    if isinstance(value, Ref):
        return value
    if isinstance(value, Mapping) and set(value) == {"ref", "id"}:
        return Ref(value["ref"], value["id"])
    return None


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


def review_subject(values: Mapping[str, Any]) -> dict[str, Any]:
    """The subject of a review as a reference to the user in column ``host_id``.

    An example of a function returning a reference (``provides = ["subject"]``); a lookup
    (``{ ref = "user", lookup = ... }``) does the same without code when the host id is in
    another source.
    """
    host = values.get("host_id")
    return {"subject": Ref("user", host) if host not in (None, "") else None}
