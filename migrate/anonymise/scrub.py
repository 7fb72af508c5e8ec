"""Scrubbing: personal data out of free text and extended data, everything else left as it was.

In free text (listing descriptions, review content, titles) email addresses, web addresses and
phone numbers are replaced, and so are users' names (the rules, common words and inflections
are in :mod:`migrate.anonymise.names`) and the source ids of any row of the input (digit runs
and UUIDs, see :mod:`migrate.anonymise.sourceids`). A user's own address becomes that user's
pseudonymous address, a name its pseudonym and a source id its pseudonymous number, so one
person or row reads the same everywhere; anything else becomes a placeholder.

In extended data (JSON values) every string is scrubbed the same way, integers that are source
ids are replaced, and the values under keys that name personal data (``phone``, ``email``,
``address``, ``birthday``…) are faked outright.

The scrubber counts what it did (:class:`ScrubStats`): words read, name words replaced and the
rest; the report shows these counts, never the values.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from migrate.anonymise.names import (
    WORD,
    NameIndex,
    Word,
    decide,
    mark_title_lines,
    sentence_initial,
)
from migrate.anonymise.pseudonyms import Pseudonyms, normalise
from migrate.anonymise.sourceids import MIN_ID_DIGITS, UUID_RE, SourceIds
from migrate.edn.values import Keyword

EMAIL_PLACEHOLDER = "[email]"
URL_PLACEHOLDER = "[link]"
PHONE_PLACEHOLDER = "[phone]"

_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
_URL = r"(?:https?://|www\.)[^\s<>\"'()\[\]{}]+"
# A run of digits with the usual separators; _is_phone decides on the digit count.
_PHONE = r"(?<![\w.,])\+?\(?\d[\d \t().\-/]{5,}\d(?![\w])"
_DIGITS = rf"(?<!\d)\d{{{MIN_ID_DIGITS},}}(?!\d)"
_TEXT_RE = re.compile(
    rf"(?P<email>{_EMAIL})|(?P<url>{_URL})|(?P<uuid>{UUID_RE.pattern})|(?P<phone>{_PHONE})"
    rf"|(?P<digits>{_DIGITS})|(?P<word>{WORD})"
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


@dataclass
class ScrubStats:
    """What the scrubber replaced, counted over every text it was given."""

    texts: int = 0
    words: int = 0
    names: int = 0
    emails: int = 0
    links: int = 0
    phones: int = 0
    source_ids: int = 0

    def to_dict(self) -> dict[str, int]:
        """The counts as JSON-ready data."""
        return {
            "texts": self.texts,
            "words": self.words,
            "names": self.names,
            "emails": self.emails,
            "links": self.links,
            "phones": self.phones,
            "source_ids": self.source_ids,
        }


class Scrubber:
    """Scrubs text and extended data with the pseudonyms and the input's known personal values.

    ``names`` recognises users' names; ``emails`` maps a user's original address (case-folded)
    to its pseudonymous address; ``source_ids`` and ``is_source_uuid`` recognise the input's
    row ids.
    """

    def __init__(
        self,
        pseudonyms: Pseudonyms,
        *,
        names: NameIndex | None = None,
        emails: Mapping[str, str] | None = None,
        source_ids: SourceIds | None = None,
        is_source_uuid: Callable[[uuid.UUID], bool] | None = None,
    ) -> None:
        self.pseudonyms = pseudonyms
        self.names = names
        self._emails = dict(emails or {})
        self.source_ids = source_ids or SourceIds()
        self._is_source_uuid = is_source_uuid or (lambda _value: False)
        self.stats = ScrubStats()

    # -- free text ---------------------------------------------------------------------------

    def text(self, text: str, connected: frozenset[str] = frozenset()) -> str:
        """``text`` with emails, web addresses, phone numbers, names and source ids replaced.

        ``connected`` holds the name words of the users the text belongs to (see
        :func:`migrate.anonymise.names.decide`).
        """
        stats = self.stats
        stats.texts += 1
        replacements: list[tuple[int, int, str]] = []
        words: list[Word] = []
        for match in _TEXT_RE.finditer(text):
            kind = match.lastgroup
            if kind == "word":
                words.append(
                    Word(
                        match.start(),
                        match.end(),
                        match.group("letters"),
                        match.group("suffix") or "",
                        sentence_initial(text, match.start()),
                    )
                )
                continue
            new = self._replace(kind, match.group())
            if new is not None:
                replacements.append((match.start(), match.end(), new))
        stats.words += len(words)
        if words and self.names is not None:
            mark_title_lines(text, words)
            for word, stem, name in decide(text, words, self.names, connected):
                fake = self.pseudonyms.name_word(word.letters[:stem], last=name.last)
                replacements.append(
                    (word.start, word.end, fake + word.letters[stem:] + word.suffix)
                )
                stats.names += 1
        if not replacements:
            return text
        replacements.sort()
        parts = []
        position = 0
        for start, end, new in replacements:
            parts.append(text[position:start])
            parts.append(new)
            position = end
        parts.append(text[position:])
        return "".join(parts)

    def _replace(self, kind: str | None, found: str) -> str | None:
        stats = self.stats
        if kind == "email":
            stats.emails += 1
            return self._emails.get(normalise(found), EMAIL_PLACEHOLDER)
        if kind == "url":
            stats.links += 1
            stripped = found.rstrip(_TRAILING_PUNCTUATION)
            return URL_PLACEHOLDER + found[len(stripped) :]
        if kind == "uuid":
            value = uuid.UUID(found)
            if not self._is_source_uuid(value):
                return None
            stats.source_ids += 1
            return str(self.pseudonyms.import_id(value))
        if kind == "digits" or (kind == "phone" and found.isdigit()):
            number = int(found)
            if number in self.source_ids:
                stats.source_ids += 1
                return str(self.source_id(number))
            if kind == "digits":
                return None
        if kind == "phone" and _is_phone(found):
            stats.phones += 1
            return PHONE_PLACEHOLDER
        return None

    def source_id(self, original: int) -> int:
        """The pseudonymous number of the source id ``original``: as many digits, no source id."""
        return self.pseudonyms.number_like(original, avoid=self.source_ids.numbers)

    # -- extended data -----------------------------------------------------------------------

    def scrub_json(
        self, value: Any, key: str | None = None, connected: frozenset[str] = frozenset()
    ) -> Any:
        """A JSON value with strings scrubbed, source ids replaced, personal keys faked."""
        if key is not None and is_personal_key(key):
            return self.fake_json(value, key)
        if isinstance(value, dict):
            return {k: self.scrub_json(v, _key_name(k), connected) for k, v in value.items()}
        if isinstance(value, tuple):
            return type(value)(self.scrub_json(item, key, connected) for item in value)
        if isinstance(value, str):
            return self.text(value, connected)
        if isinstance(value, int) and not isinstance(value, bool) and value in self.source_ids:
            self.stats.source_ids += 1
            return self.source_id(value)
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
            if value in self.source_ids:
                return self.source_id(value)
            fake = self.pseudonyms.integer(value)
            return self.source_id(fake) if fake in self.source_ids else fake
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
