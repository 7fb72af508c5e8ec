"""Source ids: the legacy system's row ids, wherever an Intermediary file carries them.

A converted file links back to the live marketplace through the ids of the old system. They turn
up in four places:

* **import ids** (``[:im.listing/id #uuid "…"]``): re-derived by the anonymiser, but a UUID may
  also be quoted in text or extended data;
* **aliases** built from the old primary key (``:user/u3820211``, ``:listing/l10001``): the runs
  of 5 or more digits in an alias name are source ids;
* **extended data** under id-like keys (``legacyId``, ``source_id``, ``id``): integers and digit
  strings of 5 or more digits;
* **URLs** (``…/Hosting-3820211/…``): the image host's paths hold the same numbers, so a digit
  run of 5 or more in a URL that equals a source id of any row (kept or dropped) is a link back
  to the real listing.

Shorter numbers (under 5 digits) cannot be told apart from prices, years and counts, and ids that
are not numbers (slugs) are not recognised; both are documented limits.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from migrate.edn.values import Keyword, Row

MIN_ID_DIGITS = 5
DIGITS_RE = re.compile(rf"(?<!\d)\d{{{MIN_ID_DIGITS},}}(?!\d)")
UUID_RE = re.compile(
    r"(?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"(?![0-9A-Fa-f-])"
)
_EXTENDED = ("publicData", "protectedData", "privateData", "metadata")


def is_id_key(key: str) -> bool:
    """True for extended-data keys that hold ids: ``id``, ``legacyId``, ``source_id``, ``hostID``.

    ``paid`` and ``valid`` end in "id" without naming one: only ``Id``/``ID`` after a lower-case
    letter or digit, or ``id`` after ``_`` or ``-``, count.
    """
    folded = key.casefold()
    if folded == "id" or "legacy" in folded or folded.endswith(("_id", "-id")):
        return True
    return len(key) > 2 and key.endswith(("Id", "ID")) and (key[-3].islower() or key[-3].isdigit())


class SourceIds:
    """The source ids of every row of the input: numbers from aliases and id-like keys."""

    def __init__(self) -> None:
        self.numbers: set[int] = set()

    def add_row(self, row: Row) -> None:
        """Record the source ids ``row`` carries in its alias and its extended data."""
        if row.alias is not None:
            self.add_text(row.alias.name)
        for key, value in row.attrs.items():
            if isinstance(value, dict):
                name = key.name if isinstance(key, Keyword) else ""
                if name in _EXTENDED:
                    self._extended(value, None)
                elif name == "profile":
                    for inner_key, inner in value.items():
                        if isinstance(inner_key, Keyword) and inner_key.name in _EXTENDED:
                            self._extended(inner, None)

    def add_text(self, text: str) -> None:
        """Record every run of 5 or more digits in ``text`` as a source id."""
        self.numbers.update(int(match.group()) for match in DIGITS_RE.finditer(text))

    def _extended(self, value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                self._extended(item, name.name if isinstance(name, Keyword) else str(name))
        elif isinstance(value, tuple):
            for item in value:
                self._extended(item, key)
        elif key is not None and is_id_key(key):
            if isinstance(value, int) and not isinstance(value, bool):
                if len(str(abs(value))) >= MIN_ID_DIGITS:
                    self.numbers.add(abs(value))
            elif isinstance(value, str):
                self.add_text(value)

    def __contains__(self, number: object) -> bool:
        return number in self.numbers

    def in_text(self, text: str) -> list[int]:
        """The source ids among the digit runs of ``text``."""
        numbers = self.numbers
        return [
            int(match.group())
            for match in DIGITS_RE.finditer(text)
            if int(match.group()) in numbers
        ]

    def count_in(self, texts: Iterable[str]) -> int:
        """How many of ``texts`` contain a source id."""
        return sum(1 for text in texts if self.in_text(text))


def uuids_in(text: str) -> list[uuid.UUID]:
    """The UUIDs written in ``text``."""
    return [uuid.UUID(match.group()) for match in UUID_RE.finditer(text)]
