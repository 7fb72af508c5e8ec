"""The input's personal values, gathered in the graph pass.

They serve three times: no fake value may contain one of them (see :class:`Pseudonyms`), the
scrubber recognises users' names and email addresses in free text, and the leak check looks for
every one of them in the output. Only user-level values are kept (names, emails, display names,
bios, phones, personal extended data, Stripe ids), so memory grows with the number of users, not
with the file.

**Placeholders.** A value that many users share is not personal: a job that set every last name
to ``"-"`` or every first name to ``"Guest"`` made a constant. A value with no letter or digit,
or one held by more than :attr:`PlaceholderRule.share` of the users (and by at least
:attr:`PlaceholderRule.min_users` of them), is kept as it is, is no name word and is not looked
for by the leak check; the report names the attribute and the share, never the value.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from migrate import schemas
from migrate.anonymise.names import name_words
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
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_PHONE_RE = re.compile(r"\+?\(?\d[\d \t().\-/]{5,}\d")
_HAS_WORD_CHARACTER = re.compile(r"[^\W_]")

# The profile attributes whose shared values can be placeholders, by their policy key.
PLACEHOLDER_ATTRIBUTES = {
    _FIRST: "im.userProfile/firstName",
    _LAST: "im.userProfile/lastName",
    _DISPLAY: "im.userProfile/displayName",
    _BIO: "im.userProfile/bio",
}


@dataclass(frozen=True)
class PlaceholderRule:
    """When a shared profile value is a placeholder: more than ``share`` of the users hold it,
    and at least ``min_users`` of them."""

    share: float = 0.5
    min_users: int = 10


@dataclass(frozen=True)
class Placeholder:
    """A placeholder found: its attribute, how many users hold it, out of how many."""

    attribute: str
    users: int
    of: int

    @property
    def share(self) -> float:
        """The share of users holding the value."""
        return self.users / self.of if self.of else 0.0


def is_placeholder_text(value: str) -> bool:
    """True for values with no letter or digit at all (``"-"``, ``"."``, ``"?"``)."""
    return _HAS_WORD_CHARACTER.search(value) is None


def phone_key(text: str) -> str | None:
    """The digits a phone number is compared by (its last 10), or None under 7 digits."""
    digits = "".join(character for character in text if character.isdigit())
    return digits[-10:] if len(digits) >= 7 else None


@dataclass
class PersonalValues:
    """Personal values of the input's users, as the anonymiser needs them."""

    values: set[str] = field(default_factory=set)
    emails: dict[str, int] = field(default_factory=dict)
    bios: set[str] = field(default_factory=set)
    display_names: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    stripe_ids: set[str] = field(default_factory=set)
    # Per user row position: its first and last name as written.
    people: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    shared: dict[Keyword, Counter[str]] = field(default_factory=dict)
    users: int = 0

    def add(self, index: int, row: Row) -> None:
        """Gather the personal values of the input row at position ``index``."""
        if row.row_type == "user":
            self._user(index, row)
        elif row.row_type == "stripeAccount":
            account = row.attrs.get(_STRIPE_ID)
            if isinstance(account, str):
                self.values.add(account)
                self.stripe_ids.add(account)

    def _user(self, index: int, row: Row) -> None:
        self.users += 1
        email = row.attrs.get(_EMAIL)
        if isinstance(email, dict):
            address = email.get(_ADDRESS)
            if isinstance(address, str):
                self.values.add(address)
                self.emails.setdefault(normalise(address), index)
        profile = row.attrs.get(_PROFILE)
        if not isinstance(profile, dict):
            return
        for key in PLACEHOLDER_ATTRIBUTES:
            value = profile.get(key)
            if isinstance(value, str):
                self.shared.setdefault(key, Counter())[normalise(value)] += 1
        first, last = profile.get(_FIRST), profile.get(_LAST)
        self.people[index] = (
            first if isinstance(first, str) else None,
            last if isinstance(last, str) else None,
        )
        display, bio = profile.get(_DISPLAY), profile.get(_BIO)
        for value in (first, last, display, bio):
            if isinstance(value, str):
                self.values.add(value)
        if isinstance(display, str):
            self.display_names.add(display)
        if isinstance(bio, str):
            self.bios.add(bio)
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
                if "phone" in key.casefold() or "mobile" in key.casefold():
                    self.phones.add(value)
            for match in _EMAIL_RE.finditer(value):
                self.values.add(match.group())
                self.emails.setdefault(normalise(match.group()), -1)
            for match in _PHONE_RE.finditer(value):
                if phone_key(match.group()) is not None:
                    self.values.add(match.group())
                    self.phones.add(match.group())
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and key is not None
            and is_personal_key(key)
        ):
            self.values.add(str(value))

    # -- after the pass ----------------------------------------------------------------------

    def placeholders(self, rule: PlaceholderRule) -> dict[Keyword, dict[str, Placeholder]]:
        """The placeholder values per profile attribute (normalised values as keys)."""
        found: dict[Keyword, dict[str, Placeholder]] = {}
        for key, counts in self.shared.items():
            for value, count in counts.items():
                shared = count >= rule.min_users and count > rule.share * self.users
                if shared or is_placeholder_text(value):
                    found.setdefault(key, {})[value] = Placeholder(
                        PLACEHOLDER_ATTRIBUTES[key], count, self.users
                    )
        return found

    def name_parts(
        self, placeholders: dict[Keyword, dict[str, Placeholder]]
    ) -> tuple[set[str], set[str], set[tuple[str, str]], dict[int, frozenset[str]]]:
        """First-name words, last-name words, (first, last) word pairs and each user's words.

        Placeholder values are left out: they are nobody's name.
        """
        skip_first = placeholders.get(_FIRST, {})
        skip_last = placeholders.get(_LAST, {})
        first_words: set[str] = set()
        last_words: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        per_user: dict[int, frozenset[str]] = {}
        for index, (first, last) in self.people.items():
            firsts = name_words(first) if first and normalise(first) not in skip_first else []
            lasts = name_words(last) if last and normalise(last) not in skip_last else []
            first_words.update(firsts)
            last_words.update(lasts)
            if firsts and lasts:
                pairs.add((firsts[-1], lasts[0]))
            if firsts or lasts:
                per_user[index] = frozenset(firsts + lasts)
        return first_words, last_words, pairs, per_user

    def forget_placeholders(self, placeholders: dict[Keyword, dict[str, Placeholder]]) -> None:
        """Drop placeholder values from the values no fake may contain and the leak check."""
        constants = {value for values in placeholders.values() for value in values}
        self.values = {value for value in self.values if normalise(value) not in constants}
        self.bios = {value for value in self.bios if normalise(value) not in constants}
        self.display_names = {
            value for value in self.display_names if normalise(value) not in constants
        }
