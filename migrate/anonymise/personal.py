"""The input's personal values, gathered in the graph pass.

They serve twice: no fake value may contain one of them (see :class:`Pseudonyms`), and the
scrubber recognises users' names and email addresses in free text. Only user-level values are
kept (names, emails, display names, bios, personal extended data, Stripe ids), so memory grows
with the number of users, not with the file.
"""

from __future__ import annotations

import re
from typing import Any

from migrate import schemas
from migrate.anonymise.pseudonyms import normalise
from migrate.anonymise.scrub import is_personal_key
from migrate.edn.values import Keyword, Row

_PROFILE = schemas.key("im.user/profile")
_EMAIL = schemas.key("im.user/primaryEmail")
_ADDRESS = schemas.key("im.email/address")
_FIRST = schemas.key("im.userProfile/firstName")
_LAST = schemas.key("im.userProfile/lastName")
_DISPLAY = schemas.key("im.userProfile/displayName")
_BIO = schemas.key("im.userProfile/bio")
_EXTENDED = tuple(
    Keyword(f"im.userProfile/{name}")
    for name in ("publicData", "protectedData", "privateData", "metadata")
)
_STRIPE_ID = schemas.key("im.stripeAccount/stripeAccountId")
_NAME_WORD_RE = re.compile(r"[^\W\d_]{3,}")
_FOUND_RE = re.compile(
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+|\+?\(?\d[\d \t().\-/]{5,}\d"
)


class PersonalValues:
    """Personal values of the input's users, as the anonymiser needs them."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.first_names: set[str] = set()
        self.last_names: set[str] = set()
        self.emails: dict[str, int] = {}

    def add(self, index: int, row: Row) -> None:
        """Gather the personal values of the input row at position ``index``."""
        if row.row_type == "user":
            self._user(index, row)
        elif row.row_type == "stripeAccount":
            account = row.attrs.get(_STRIPE_ID)
            if isinstance(account, str):
                self.values.add(account)

    def _user(self, index: int, row: Row) -> None:
        email = row.attrs.get(_EMAIL)
        if isinstance(email, dict):
            address = email.get(_ADDRESS)
            if isinstance(address, str):
                self.values.add(address)
                self.emails.setdefault(normalise(address), index)
        profile = row.attrs.get(_PROFILE)
        if not isinstance(profile, dict):
            return
        for key, words in ((_FIRST, self.first_names), (_LAST, self.last_names)):
            value = profile.get(key)
            if isinstance(value, str):
                self.values.add(value)
                words.update(word.casefold() for word in _NAME_WORD_RE.findall(value))
        for key in (_DISPLAY, _BIO):
            value = profile.get(key)
            if isinstance(value, str):
                self.values.add(value)
        for key in _EXTENDED:
            self._extended(profile.get(key), None)

    def _extended(self, value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                self._extended(item, name.name if isinstance(name, Keyword) else str(name))
        elif isinstance(value, tuple):
            for item in value:
                self._extended(item, key)
        elif isinstance(value, str):
            if key is not None and is_personal_key(key):
                self.values.add(value)
            self.values.update(match.group() for match in _FOUND_RE.finditer(value))
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and key is not None
            and is_personal_key(key)
        ):
            self.values.add(str(value))
