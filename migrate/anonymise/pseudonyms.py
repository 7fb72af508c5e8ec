"""Consistent pseudonyms: one original value, one fake value, whatever the row order.

Every fake value is drawn from a random generator seeded with an HMAC-SHA256 of the original
value (normalised: stripped and case-folded) keyed by the run's seed. The same value therefore
gets the same fake everywhere in a file and in every run with the same seed (and Faker version),
and another seed gives unrelated fakes. Without the seed nobody can rebuild the mapping from a
list of candidate names, which is why a run without ``--seed`` uses a random one.

A fake must not reveal an original by accident: Faker draws from lists of common names, so a
fake first name may well be another user's real one. Every generated text is checked against the
*forbidden* set (all personal values of the input, 4 characters or more, case-folded) and drawn
again when one of them occurs in it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import re
import uuid
from collections.abc import Callable, Container, Iterable
from decimal import Decimal

from faker import Faker

from migrate.edn.values import Keyword, Location

# Forbidden values shorter than this are too common to avoid (initials, "Li", "Ng").
MIN_FORBIDDEN = 4
_ATTEMPTS = 40
_FAKER_ATTEMPTS = 8
_ONSETS = ("b", "br", "d", "dr", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z")
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "io", "ia", "ei")
_CODAS = ("", "", "", "n", "r", "l", "s", "th")
_STREET_SUFFIXES = ("Street", "Road", "Avenue", "Lane", "Way", "Drive", "Court", "Place")
_WHOLE_CHECK_MAX = 64
_EARTH_RADIUS_M = 6_371_008.8
_WORD_RE = re.compile(r"\w+")


def normalise(value: str) -> str:
    """The form a value is keyed by: surrounding space removed, case-folded."""
    return value.strip().casefold()


class Pseudonyms:
    """Deterministic fake values keyed by ``seed``; see the module docstring."""

    def __init__(self, seed: str, forbidden: Iterable[str] = (), locale: str = "en_US") -> None:
        self._key = seed.encode("utf-8")
        self._faker = Faker(locale)
        self._forbidden: set[str] = set()
        self._forbidden_words: set[str] = set()
        self._forbidden_max = 0
        self._cache: dict[tuple[str, str], str] = {}
        self._clean_words: dict[str, bool] = {}
        self.forbid(forbidden)

    # -- the keyed hash ----------------------------------------------------------------------

    def digest(self, kind: str, value: str) -> bytes:
        """HMAC-SHA256 of ``kind`` and ``value`` keyed by the seed (32 bytes)."""
        message = kind.encode("utf-8") + b"\0" + value.encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def number(self, kind: str, value: str) -> int:
        """A 256-bit integer derived from ``kind`` and ``value``; orders values pseudo-randomly."""
        return int.from_bytes(self.digest(kind, value), "big")

    def rng(self, kind: str, value: str) -> random.Random:
        """A random generator for ``value`` alone, the same in every run with this seed."""
        return random.Random(self.number(kind, value))

    # -- forbidden values --------------------------------------------------------------------

    def forbid(self, values: Iterable[str]) -> None:
        """Add original values that no fake may contain (shorter ones are ignored)."""
        for value in values:
            folded = normalise(value)
            if len(folded) >= MIN_FORBIDDEN:
                self._forbidden.add(folded)
                self._forbidden_max = max(self._forbidden_max, len(folded))
        self._clean_words.clear()

    def forbid_words(self, words: Iterable[str]) -> None:
        """Add words (case-folded, any length) that no fake may hold as a whole word.

        Users' name words of 3 letters ("Amy", "Ian") are too short to forbid inside words,
        but a fake must not be one of them.
        """
        self._forbidden_words.update(words)
        self._clean_words.clear()

    def is_clean(self, text: str) -> bool:
        """True when no forbidden value occurs in ``text`` (case-insensitively).

        Short texts are checked at every position; long prose word by word (a cached check per
        word), since a forbidden value spanning two generated words is not a realistic leak.
        """
        folded = text.casefold()
        if self._forbidden_words and any(
            word in self._forbidden_words for word in _WORD_RE.findall(folded)
        ):
            return False
        if not self._forbidden:
            return True
        if len(folded) <= _WHOLE_CHECK_MAX:
            return self._clean_span(folded)
        clean = self._clean_words
        for word in _WORD_RE.findall(folded):
            verdict = clean.get(word)
            if verdict is None:
                verdict = clean[word] = self._clean_span(word)
            if not verdict:
                return False
        return True

    def _clean_span(self, folded: str) -> bool:
        forbidden = self._forbidden
        longest = self._forbidden_max
        size = len(folded)
        for start in range(size - MIN_FORBIDDEN + 1):
            stop = min(size, start + longest)
            for end in range(start + MIN_FORBIDDEN, stop + 1):
                if folded[start:end] in forbidden:
                    return False
        return True

    def _draw(
        self,
        kind: str,
        value: str,
        make: Callable[[Faker], str] | None,
        invent: Callable[[random.Random, str], str],
    ) -> str:
        """The fake of ``value``: Faker's, unless it keeps hitting forbidden values.

        A large input's users cover most of Faker's name lists, so after a few draws the fake is
        ``invent``-ed instead (from made-up syllables, or by repairing the last draw's words).
        """
        key = (kind, normalise(value))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        number = self.number(kind, key[1])
        candidate = ""
        if make is not None:
            faker = self._faker
            faker.seed_instance(number)
            for _ in range(_FAKER_ATTEMPTS):
                candidate = make(faker)
                if candidate.strip() and self.is_clean(candidate):
                    self._cache[key] = candidate
                    return candidate
        candidate = invent(random.Random(number), candidate)
        self._cache[key] = candidate
        return candidate

    def invented_word(self, rng: random.Random, capitalise: bool = True) -> str:
        """A pronounceable made-up word that contains no forbidden value."""
        for _ in range(_ATTEMPTS):
            syllables = rng.choice((2, 2, 3))
            word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables))
            word += rng.choice(_CODAS)
            if self.is_clean(word):
                return word.capitalize() if capitalise else word
        return "x" + format(rng.getrandbits(40), "x")

    def _invent_name(self, rng: random.Random, _last: str) -> str:
        return self.invented_word(rng)

    def _repair(self, rng: random.Random, last: str) -> str:
        """``last`` with every word that holds a forbidden value replaced by a made-up one."""

        def replace(match: re.Match[str]) -> str:
            word = match.group()
            if self.is_clean(word):
                return word
            return self.invented_word(rng, capitalise=word[:1].isupper())

        repaired = _WORD_RE.sub(replace, last).strip()
        return repaired if repaired and self.is_clean(repaired) else self.invented_word(rng)

    # -- people ------------------------------------------------------------------------------

    def first_name(self, original: str) -> str:
        """A fake first name for the first name ``original``."""
        return self._draw("first-name", original, lambda f: f.first_name(), self._invent_name)

    def last_name(self, original: str) -> str:
        """A fake last name for the last name ``original``."""
        return self._draw("last-name", original, lambda f: f.last_name(), self._invent_name)

    def display_name(self, original: str, first: str | None, last: str | None) -> str:
        """A fake display name in the shape of ``original``.

        Words that are the user's first or last name become their pseudonyms (so "Jane D" of
        Jane Doe reads "Mia K" when Jane and Doe map to Mia and K…); an initial of either becomes
        the initial of its pseudonym; any other word becomes a fake user name.
        """
        first_fake = self.first_name(first) if first else None
        last_fake = self.last_name(last) if last else None
        first_key = normalise(first) if first else None
        last_key = normalise(last) if last else None

        def replace(match: re.Match[str]) -> str:
            word = match.group()
            key = word.casefold()
            if first_fake and key == first_key:
                return first_fake
            if last_fake and key == last_key:
                return last_fake
            if len(word) == 1:
                if last_fake and last_key and key == last_key[0]:
                    return _same_case(last_fake[0], word)
                if first_fake and first_key and key == first_key[0]:
                    return _same_case(first_fake[0], word)
                letter = chr(ord("A") + self.number("initial", word) % 26)
                return _same_case(letter, word)
            return self._draw("display-word", word, lambda f: f.user_name(), self._repair)

        result = _WORD_RE.sub(replace, original).strip()
        return result or self._draw("display-name", original, lambda f: f.user_name(), self._repair)

    def name_word(self, original: str, *, last: bool = False) -> str:
        """The pseudonym of one name word found in free text, in the original's letter case."""
        fake = self.last_name(original) if last else self.first_name(original)
        return _same_case(fake, original)

    # -- text and extended data --------------------------------------------------------------

    def text(self, original: str) -> str:
        """Fake prose about as long as ``original`` (for bios and faked free text)."""
        sentences = max(1, min(8, len(original) // 60 + 1))
        return self._draw(
            "text", original, lambda f: " ".join(f.sentences(sentences)), self._repair
        )

    def words(self, original: str) -> str:
        """A few fake words about as long as ``original`` (for faked short strings)."""
        count = max(1, min(6, len(original.split())))
        return self._draw(
            "words", original, lambda f: " ".join(f.words(count)).capitalize(), self._repair
        )

    def address(self, original: str) -> str:
        """A fake one-line street address (made up: Faker's are built from common names)."""
        return self._draw("address", original, None, self._invent_address)

    def _invent_address(self, rng: random.Random, _last: str) -> str:
        for _ in range(_ATTEMPTS):
            address = (
                f"{rng.randint(1, 199)} {self.invented_word(rng)} "
                f"{rng.choice(_STREET_SUFFIXES)}, {self.invented_word(rng)}"
            )
            if self.is_clean(address):
                return address
        return f"{rng.randint(1, 199)} {self.invented_word(rng)}"

    def city(self, original: str) -> str:
        """A fake city name."""
        return self._draw("city", original, None, self._invent_name)

    def phone(self, original: str) -> str:
        """A fake phone number (Faker's format, not one of the input's)."""
        return self._draw(
            "phone",
            original,
            lambda f: f.phone_number(),
            lambda rng, _: f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        )

    def user_name(self, original: str) -> str:
        """A fake user name or handle."""
        return self._draw(
            "user-name",
            original,
            lambda f: f.user_name(),
            lambda rng, _: f"{self.invented_word(rng, False)}{rng.randint(10, 99)}",
        )

    def integer(self, original: int) -> int:
        """A fake integer with as many digits as ``original`` and the same sign."""
        digits = len(str(abs(original)))
        low = 0 if digits == 1 else 10 ** (digits - 1)
        fake = self.rng("integer", str(original)).randint(low, 10**digits - 1)
        return -fake if original < 0 else fake

    def decimal(self, original: float | Decimal) -> float:
        """A fake number of about the magnitude of ``original``."""
        magnitude = abs(float(original)) or 1.0
        fake = self.rng("number", repr(original)).uniform(0, 2 * magnitude)
        return round(-fake if original < 0 else fake, 2)

    # -- identifiers -------------------------------------------------------------------------

    def alias(self, original: Keyword, row_type: str) -> Keyword:
        """A re-derived alias ``:<row type>/<initial><16 hex>`` for ``original``.

        Aliases often hold names (``:user/john-smith``), so none is kept.
        """
        token = self.digest("alias", original.text).hex()[:16]
        return Keyword.of(row_type, f"{row_type[0]}{token}")

    def import_id(self, original: uuid.UUID) -> uuid.UUID:
        """A re-derived random-form (version 4) UUID for the import id ``original``."""
        return uuid.UUID(bytes=self.digest("import-id", str(original))[:16], version=4)

    def stripe_account_id(self, original: str) -> str:
        """A fake Stripe test-mode account id, ``acct_test_`` and 16 hex digits."""
        return "acct_test_" + self.digest("stripe", original).hex()[:16]

    def token(self, kind: str, original: str, length: int = 12) -> str:
        """A short hex token for ``original``."""
        return self.digest(kind, original).hex()[:length]

    def letters(self, kind: str, original: str, length: int = 12) -> str:
        """A token of ``length`` lower-case letters for ``original`` (no digits: a token in a
        URL never reads as a source id)."""
        digest = self.digest(kind, original)
        return "".join(chr(ord("a") + byte % 26) for byte in digest[:length])

    def number_like(self, original: int, avoid: Container[int] = ()) -> int:
        """A number with as many digits as ``original``, none of ``avoid``, keyed by it."""
        digits = len(str(abs(original)))
        low = 10 ** (digits - 1) if digits > 1 else 0
        rng = self.rng("number-like", str(original))
        for _ in range(_ATTEMPTS):
            fake = rng.randint(low, 10**digits - 1)
            if fake != abs(original) and fake not in avoid:
                return fake
        return fake

    # -- places ------------------------------------------------------------------------------

    def location(self, original: Location, radius_m: float) -> Location:
        """``original`` moved by a random offset between a quarter of and ``radius_m`` metres.

        The offset is uniform over that ring's area, so the result is never within a quarter of
        the radius of the true place. Coordinates are rounded to 6 decimals (about 0.1 m).
        """
        lat, lng = float(original.lat), float(original.lng)
        rng = self.rng("location", f"{lat!r},{lng!r}")
        inner = radius_m / 4
        distance = math.sqrt(rng.uniform(inner * inner, radius_m * radius_m))
        bearing = rng.uniform(0, 2 * math.pi)
        d_lat = math.degrees(distance * math.cos(bearing) / _EARTH_RADIUS_M)
        cos_lat = max(math.cos(math.radians(lat)), 1e-6)
        d_lng = math.degrees(distance * math.sin(bearing) / (_EARTH_RADIUS_M * cos_lat))
        new_lat = max(-90.0, min(90.0, lat + d_lat))
        new_lng = (lng + d_lng + 180.0) % 360.0 - 180.0
        return Location(round(new_lat, 6), round(new_lng, 6))


def _same_case(fake: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return fake.upper()
    if original.islower():
        return fake.lower()
    return fake
