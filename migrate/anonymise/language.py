"""Which words are ordinary words of a language: wordfreq's frequency lists, not a hand list.

A user called Will, Love or Grant must not turn every "will", "love" and "grant" of the
marketplace's prose into a fake name. Whether a word is common comes from ``wordfreq`` (a
maintained package whose word lists ship inside its wheel, so nothing is downloaded at run
time): a word is *common* when its Zipf frequency (log10 of its occurrences per billion words)
is at least :data:`COMMON_ZIPF` in one of the chosen languages, and *known* when it is at least
:data:`KNOWN_ZIPF` (rarer words, e.g. most surnames, are not known).

Some common words are capitalised by the language itself: months, weekdays, languages and
countries ("in May", "June", "Jordan"). Those come from babel's locale data for the same
languages (:attr:`Vocabulary.proper`); a capitalised "May" in another user's review is the
month, not the user called May.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import wordfreq
from babel import Locale, UnknownLocaleError

from migrate.edn.show import show
from migrate.errors import ConfigError

# Zipf 4.5 is about one occurrence in 30,000 words: "and", "love", "will", "new", "price",
# "shoes", "mary", "john"; "jane" (4.4) and "archer" (3.8) are below it.
COMMON_ZIPF = 4.5
# Zipf 3.0 is one in a million words: below it a word is a name, a typo or jargon.
KNOWN_ZIPF = 3.0
DEFAULT_LANGUAGES = ("en",)


def available_languages() -> tuple[str, ...]:
    """The language codes wordfreq has lists for, sorted."""
    return tuple(sorted(wordfreq.available_languages()))


@lru_cache(maxsize=8)
def _words_at_least(language: str, zipf: float) -> frozenset[str]:
    # get_frequency_list groups words in centibel buckets: bucket i holds the words whose
    # frequency is 10 ** (-i / 100), that is Zipf 9 - i / 100.
    buckets = wordfreq.get_frequency_list(language, "best")
    last = round((9 - zipf) * 100)
    return frozenset(word for bucket in buckets[: last + 1] for word in bucket)


@dataclass(frozen=True)
class Vocabulary:
    """The common and the known words of one or more languages (lower-cased)."""

    languages: tuple[str, ...]
    common: frozenset[str]
    known: frozenset[str]
    proper: frozenset[str] = frozenset()

    def is_common(self, word: str) -> bool:
        """True when ``word`` (case-folded) is a common word of one of the languages."""
        return word in self.common

    def is_known(self, word: str) -> bool:
        """True when ``word`` (case-folded) is a word of one of the languages at all."""
        return word in self.known


def vocabulary(languages: Iterable[str] = DEFAULT_LANGUAGES) -> Vocabulary:
    """The :class:`Vocabulary` of ``languages`` (wordfreq codes such as ``en``, ``fi``, ``de``).

    Raises :class:`ConfigError` for a language wordfreq has no list for.
    """
    chosen = tuple(dict.fromkeys(code.strip().lower() for code in languages if code.strip()))
    if not chosen:
        raise ConfigError("give at least one language for the common-word lists, e.g. en")
    known_codes = set(available_languages())
    for code in chosen:
        if code not in known_codes:
            raise ConfigError(
                f"no word list for language {show(code)}; use one of {', '.join(sorted(known_codes))}"
            )
    common: set[str] = set()
    known: set[str] = set()
    proper: set[str] = set()
    for code in chosen:
        common |= _words_at_least(code, COMMON_ZIPF)
        known |= _words_at_least(code, KNOWN_ZIPF)
        proper |= _capitalised_words(code)
    return Vocabulary(chosen, frozenset(common), frozenset(known), frozenset(proper))


@lru_cache(maxsize=8)
def _capitalised_words(language: str) -> frozenset[str]:
    """Words of month, weekday, language and country names in ``language`` (babel's CLDR)."""
    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return frozenset()
    names: list[str] = []
    for table in (locale.months, locale.days):
        for context in table.values():
            for width in ("wide", "abbreviated"):
                names.extend(context.get(width, {}).values())
    names.extend(locale.languages.values())
    names.extend(locale.territories.values())
    # Only the capitalised words: "Antigua and Barbuda" makes no proper noun of "and".
    return frozenset(
        word.casefold()
        for name in names
        for word in re.findall(r"[^\W\d_]{3,}", name)
        if word[0].isupper()
    )
