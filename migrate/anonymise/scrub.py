"""Scrubbing: personal data out of free text and extended data, everything else left as it was.

In free text (listing descriptions, review content, titles) email addresses, web addresses and
phone numbers are replaced, and so is every word that is the first or last name of a user of the
input file. A user's own address becomes that user's pseudonymous address and a name its
pseudonym, so one person reads the same everywhere; anything else becomes a placeholder.

In extended data (JSON values) every string is scrubbed the same way, and the values under keys
that name personal data (``phone``, ``email``, ``address``, ``birthday``…) are faked outright.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from migrate.anonymise.pseudonyms import Pseudonyms, normalise
from migrate.edn.values import Keyword

EMAIL_PLACEHOLDER = "[email]"
URL_PLACEHOLDER = "[link]"
PHONE_PLACEHOLDER = "[phone]"

_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
_URL = r"(?:https?://|www\.)[^\s<>\"'()\[\]{}]+"
# A run of digits with the usual separators; _is_phone decides on the digit count.
_PHONE = r"(?<![\w.,])\+?\(?\d[\d \t().\-/]{5,}\d(?![\w])"
_NAME_WORD = r"[^\W\d_]{2,}"
_TEXT_RE = re.compile(
    rf"(?P<email>{_EMAIL})|(?P<url>{_URL})|(?P<phone>{_PHONE})|(?P<word>{_NAME_WORD})"
)
# Digit runs that are dates or year ranges, not phone numbers (matched at the start of a run).
_DATE_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|(?:19|20)\d{2} ?[-/] ?(?:19|20)\d{2}(?!\d)"
)
_TRAILING_PUNCTUATION = ".,;:!?"

# Extended-data keys whose values are personal data whatever they look like.
_PERSONAL_KEY_PARTS = (
    "email",
    "phone",
    "mobile",
    "address",
    "street",
    "zip",
    "postal",
    "postcode",
    "birth",
    "dob",
    "ssn",
    "iban",
    "passport",
    "firstname",
    "lastname",
    "fullname",
    "surname",
    "nickname",
    "username",
)
_PERSONAL_KEYS_EXACT = frozenset({"name", "city", "building", "contact"})


def is_personal_key(key: str) -> bool:
    """True when an extended-data key names personal data (``phoneNumber``, ``address``…)."""
    folded = key.replace("_", "").replace("-", "").casefold()
    return folded in _PERSONAL_KEYS_EXACT or any(part in folded for part in _PERSONAL_KEY_PARTS)


def _is_phone(text: str) -> bool:
    digits = sum(character.isdigit() for character in text)
    return 7 <= digits <= 15 and _DATE_RE.match(text.strip()) is None


class Scrubber:
    """Scrubs text and extended data with the pseudonyms and the input's known personal values.

    ``first_names`` and ``last_names`` are the name words of the input's users (case-folded);
    ``emails`` maps a user's original address (case-folded) to its pseudonymous address.
    """

    def __init__(
        self,
        pseudonyms: Pseudonyms,
        *,
        first_names: frozenset[str] = frozenset(),
        last_names: frozenset[str] = frozenset(),
        emails: Mapping[str, str] | None = None,
    ) -> None:
        self.pseudonyms = pseudonyms
        self._first = first_names
        self._last = last_names
        self._emails = dict(emails or {})

    # -- free text ---------------------------------------------------------------------------

    def text(self, text: str) -> str:
        """``text`` with emails, web addresses, phone numbers and users' names replaced."""
        return _TEXT_RE.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        kind = match.lastgroup
        found = match.group()
        if kind == "word":
            key = found.casefold()
            if key in self._last:
                return self.pseudonyms.name_word(found, last=True)
            if key in self._first:
                return self.pseudonyms.name_word(found)
            return found
        if kind == "email":
            return self._emails.get(normalise(found), EMAIL_PLACEHOLDER)
        if kind == "url":
            stripped = found.rstrip(_TRAILING_PUNCTUATION)
            return URL_PLACEHOLDER + found[len(stripped) :]
        return PHONE_PLACEHOLDER if _is_phone(found) else found

    # -- extended data -----------------------------------------------------------------------

    def scrub_json(self, value: Any, key: str | None = None) -> Any:
        """A JSON value with strings scrubbed and the values of personal keys faked."""
        if key is not None and is_personal_key(key):
            return self.fake_json(value, key)
        if isinstance(value, dict):
            return {k: self.scrub_json(v, _key_name(k)) for k, v in value.items()}
        if isinstance(value, tuple):
            return type(value)(self.scrub_json(item, key) for item in value)
        if isinstance(value, str):
            return self.text(value)
        return value

    def fake_json(self, value: Any, key: str | None = None) -> Any:
        """A JSON value of the same shape with every string and number replaced by a fake."""
        if isinstance(value, dict):
            return {k: self.fake_json(v, _key_name(k)) for k, v in value.items()}
        if isinstance(value, tuple):
            return type(value)(self.fake_json(item, key) for item in value)
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return self.pseudonyms.integer(value)
        if isinstance(value, float | Decimal):
            return self.pseudonyms.decimal(value)
        if isinstance(value, str):
            return self._fake_string(value, key)
        return value

    def _fake_string(self, value: str, key: str | None) -> str:
        hint = (key or "").replace("_", "").replace("-", "").casefold()
        ps = self.pseudonyms
        if "email" in hint or re.fullmatch(_EMAIL, value.strip()):
            known = self._emails.get(normalise(value))
            return known or f"{ps.user_name(value)}@example.com"
        if any(part in hint for part in ("phone", "mobile")) or _is_phone(value):
            return ps.phone(value)
        if re.fullmatch(_URL, value.strip()):
            return f"https://example.com/{ps.token('url', value)}"
        if any(part in hint for part in ("address", "street")):
            return ps.address(value)
        if hint == "city":
            return ps.city(value)
        if any(part in hint for part in ("lastname", "surname")):
            return ps.last_name(value)
        if any(part in hint for part in ("firstname", "name")):
            return ps.first_name(value)
        if len(value) > 60:
            return ps.text(value)
        return ps.words(value)


def _key_name(key: Any) -> str:
    return key.name if isinstance(key, Keyword) else str(key)
