"""The leak check: the written export is read back and searched for the input's personal data.

Every original value of 4 characters or more of these kinds is looked for, case-insensitively:

* ``emails``: users' addresses and addresses found in their extended data;
* ``names``: name words that are not common words, in any case and inflection (``ARCHER``,
  ``archers``, ``Archer’s``), and display names (as whole words) unless made of common words;
* ``bios``: whole bios;
* ``phones``: phone numbers of users' extended data, compared by their last 10 digits;
* ``stripe ids``: Stripe account ids;
* ``source ids``: the input's import ids (UUIDs) anywhere, and digit runs equal to a source id
  of any row inside URLs (image addresses made from the ``--image-url-template`` excepted where
  its ``{n}`` stands).

Placeholders (values most users share) are not looked for. The check reads the output as the
importer would (the edn reader, string by string), so it also covers attributes a policy keeps.
The result holds counts per kind, never a value.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from migrate.anonymise.names import WORD_RE, NameIndex, name_words
from migrate.anonymise.personal import PersonalValues, phone_key
from migrate.anonymise.sourceids import DIGITS_RE, UUID_RE, SourceIds
from migrate.edn.reader import DocumentReader
from migrate.edn.rows import row_from_value
from migrate.edn.values import Keyword

MIN_LEAK_LENGTH = 4
KINDS = ("emails", "names", "bios", "phones", "stripe ids", "source ids")
_PHONE_RE = re.compile(r"\+?\(?\d[\d \t().\-/]{5,}\d")
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]{}]+")
_URL_ATTRIBUTE = Keyword("im.image/url")
_EMAIL_ATTRIBUTE = Keyword("im.email/address")


@dataclass
class LeakReport:
    """How many personal values of each kind were looked for, and how many were found."""

    checked: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """True when nothing was found."""
        return not any(self.found.values())

    def found_text(self) -> str:
        """``names 2, emails 1``: the kinds found, with counts."""
        return ", ".join(f"{kind} {count}" for kind, count in self.found.items() if count)

    def to_dict(self) -> dict[str, Any]:
        """The counts as JSON-ready data."""
        return {"checked": dict(self.checked), "found": dict(self.found)}


def template_pattern(template: str | None) -> re.Pattern[str] | None:
    """A pattern matching exactly the URLs ``template`` gives (None without a template)."""
    if template is None:
        return None
    parts = re.split(r"(\{token\}|\{n\})", template)
    pattern = "".join(
        "[a-z]+" if part == "{token}" else r"\d+" if part == "{n}" else re.escape(part)
        for part in parts
    )
    return re.compile(pattern)


class LeakCheck:
    """Searches texts for the input's personal values (see the module docstring)."""

    def __init__(
        self,
        personal: PersonalValues,
        names: NameIndex,
        source_ids: SourceIds,
        is_source_uuid: Callable[[uuid.UUID], bool],
        *,
        image_url_template: str | None = None,
        check_urls: bool = True,
    ) -> None:
        self.names = names
        self.source_ids = source_ids
        self.is_source_uuid = is_source_uuid
        self.generated = template_pattern(image_url_template)
        self.check_urls = check_urls
        self.automaton = ahocorasick.Automaton()
        self.checked = dict.fromkeys(KINDS, 0)
        self.found: dict[str, set[object]] = {kind: set() for kind in KINDS}
        self._names = frozenset(names.distinctive(MIN_LEAK_LENGTH))
        self.checked["names"] = len(self._names)
        for address in personal.emails:
            self._add("emails", address, bounded=False)
        for bio in personal.bios:
            self._add("bios", bio.strip(), bounded=False)
        for account in personal.stripe_ids:
            self._add("stripe ids", account, bounded=False)
        for display in personal.display_names:
            words = name_words(display, 1)
            if any(not names.is_common(word) for word in words):
                self._add("names", display.strip(), bounded=True)
        self.phones = {key for key in map(phone_key, personal.phones) if key is not None}
        self.checked["phones"] = len(self.phones)
        self.checked["source ids"] = len(source_ids.numbers)
        if len(self.automaton):
            self.automaton.make_automaton()

    def _add(self, kind: str, value: str, *, bounded: bool) -> None:
        folded = value.casefold()
        if len(folded) < MIN_LEAK_LENGTH or folded in self.automaton:
            return
        self.automaton.add_word(folded, (kind, len(folded), bounded))
        if kind != "names":
            self.checked[kind] += 1

    # -- searching ---------------------------------------------------------------------------

    def text(self, text: str, *, url: bool = False) -> None:
        """Search one string of the output (``url``: it is an image address)."""
        folded = text.casefold()
        if self.automaton.kind == ahocorasick.AHOCORASICK:
            for end, (kind, size, bounded) in self.automaton.iter(folded):
                start = end - size + 1
                if bounded and not _bounded(folded, start, end + 1):
                    continue
                self.found[kind].add(folded[start : end + 1])
        if self._names:
            for match in WORD_RE.finditer(text):
                hit = self.names.lookup(match.group("letters"), bool(match.group("suffix")))
                if hit is not None and hit[1].word in self._names:
                    self.found["names"].add(hit[1].word)
        if self.phones:
            for match in _PHONE_RE.finditer(text):
                key = phone_key(match.group())
                if key is not None and key in self.phones:
                    self.found["phones"].add(key)
        for match in UUID_RE.finditer(text):
            value = uuid.UUID(match.group())
            if self.is_source_uuid(value):
                self.found["source ids"].add(value)
        if self.check_urls:
            urls = [text] if url else [match.group() for match in _URL_RE.finditer(text)]
            for address in urls:
                if url and self.generated is not None and self.generated.fullmatch(address):
                    continue
                for match in DIGITS_RE.finditer(address):
                    if int(match.group()) in self.source_ids:
                        self.found["source ids"].add(int(match.group()))

    def file(self, path: Path) -> LeakReport:
        """Search every string of the Intermediary file ``path``."""
        for entry in DocumentReader(path):
            row = row_from_value(entry.value)
            for key, value in _strings(row.attrs, None):
                if key == _EMAIL_ATTRIBUTE:
                    continue  # made from --email-template: its numbers are no source ids
                self.text(value, url=key == _URL_ATTRIBUTE)
        return self.report()

    def report(self) -> LeakReport:
        """The counts so far."""
        return LeakReport(
            dict(self.checked), {kind: len(values) for kind, values in self.found.items()}
        )


def _bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _strings(value: Any, key: Keyword | None) -> Iterator[tuple[Keyword | None, str]]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _strings(item, name if isinstance(name, Keyword) else key)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str):
        yield key, value
    elif (
        isinstance(value, int)
        and not isinstance(value, bool)
        and key is not None
        and key.namespace is None
    ):
        # Only integers inside extended data can be ids; attributes (ratings, stock) are not.
        yield key, str(value)
