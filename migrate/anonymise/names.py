"""Users' names in free text: which words are names, their inflected forms, and where they count.

A *name word* is a word of 2 letters or more (:data:`MIN_NAME_LENGTH`) of any user's first or
last name, kept users and dropped ones alike (a review may name anyone). Placeholder values that
most users share (see :mod:`migrate.anonymise.personal`) are not names.

Name words that are also common words of the text's language (see :mod:`.language`) are the hard
case: "Will", "Love", "Grant", "Price", "May". The input's own prose can overrule the frequency
list: a common word with enough evidence (:data:`MIN_EVIDENCE` occurrences inside sentences)
that is written capitalised more often than in lower case is a name in this marketplace
("John", "Williams"). A common name word is then scrubbed only where it is written as a name:

* in the texts of the user it belongs to (their listings, reviews by or about them): wherever
  it is capitalised (``Will``, ``WILL``), even first in a sentence;
* in other texts: capitalised, inside a sentence, not on a title-case or all-caps line, not a
  word the language capitalises anyway (months, weekdays, countries: "in May"), and alone, or
  next to another name word; a capitalised possessive ("Will's") also first in a sentence.

A common name word in lower case ("thanks will!") cannot be told from the word and stays: this
is the price of keeping the prose. Every other name word is scrubbed in any case and position.

Inflected forms are matched: ``Archer's``, ``Archer’s``, ``Archers'``, ``Archers`` (and
``Joneses``); a plural without an apostrophe only when it is not itself a common word ("shoes"
is not the plural of a user called Sho).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from migrate.anonymise.language import Vocabulary

MIN_NAME_LENGTH = 2
MIN_EVIDENCE = 5

# A word, with a possessive ending when it has one: Archer's, Archer’s, Archers'.
WORD = r"(?P<letters>[^\W\d_]+)(?P<suffix>['’][sS](?![^\W\d_])|(?<=[sS])['’](?![^\W\d_]))?"
WORD_RE = re.compile(WORD)
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_SENTENCE_END = frozenset(".!?…:\n")
_OPENERS = frozenset(" \t\r\"'“”‘’«»([{*•-–—")
_ADJACENT_RE = re.compile(r"[ \t\-]{1,3}")
_TITLE_MIN_WORDS = 3
_TITLE_SHARE = 0.6


def name_words(value: str, minimum: int = MIN_NAME_LENGTH) -> list[str]:
    """The case-folded words of a name of at least ``minimum`` letters ("Mary-Ann O'Neil")."""
    return [word.casefold() for word in _LETTERS_RE.findall(value) if len(word) >= minimum]


def shape(word: str) -> str:
    """``"upper"`` (NEW), ``"title"`` (Will, McDonald), ``"lower"`` (will) or ``"mixed"``."""
    if len(word) > 1 and word.isupper():
        return "upper"
    if word[:1].isupper():
        return "title"
    if word.islower():
        return "lower"
    return "mixed"


@dataclass(slots=True)
class Word:
    """One word of a text: where it is, its letters and possessive ending, and its context."""

    start: int
    end: int
    letters: str
    suffix: str
    initial: bool  # first word of a sentence or line
    title_line: bool = False  # on a line written in title case or capitals


def sentence_initial(text: str, start: int) -> bool:
    """True when the word at ``start`` opens a sentence or a line (quotes and bullets aside)."""
    position = start - 1
    while position >= 0:
        character = text[position]
        if character == "\n":
            return True
        if character not in _OPENERS:
            return character in _SENTENCE_END
        position -= 1
    return True


def mark_title_lines(text: str, words: list[Word]) -> None:
    """Set ``title_line`` on the words of lines written in title case or in capitals."""
    line_start = 0
    group: list[Word] = []

    def close() -> None:
        long_words = [word for word in group if len(word.letters) >= 2]
        capitalised = sum(shape(word.letters) in ("title", "upper") for word in long_words)
        if capitalised >= _TITLE_MIN_WORDS and capitalised >= _TITLE_SHARE * len(long_words):
            for word in group:
                word.title_line = True

    for word in words:
        newline = text.rfind("\n", line_start, word.start)
        if newline != -1:
            close()
            group = []
            line_start = newline + 1
        group.append(word)
    close()


def words_of(text: str) -> list[Word]:
    """The words of ``text`` with their context."""
    words = [
        Word(
            match.start(),
            match.end(),
            match.group("letters"),
            match.group("suffix") or "",
            sentence_initial(text, match.start()),
        )
        for match in WORD_RE.finditer(text)
    ]
    mark_title_lines(text, words)
    return words


def adjacent(text: str, left: Word | None, right: Word | None) -> bool:
    """True when ``left`` and ``right`` are next to each other (a space or hyphen apart)."""
    if left is None or right is None or left.suffix:
        return False
    return _ADJACENT_RE.fullmatch(text, left.end, right.start) is not None


@dataclass
class CaseEvidence:
    """How the input's own prose writes its common words: lower case or capitalised.

    Only words inside sentences count (a sentence's first word is capitalised anyway), and not
    on title-case or all-caps lines. Counts are kept for the common words of the vocabulary
    only, so memory is bounded by the language, not by the input.
    """

    vocabulary: Vocabulary
    counts: dict[str, list[int]] = field(default_factory=dict)

    def observe(self, text: str) -> None:
        """Count the words of ``text``."""
        known = self.vocabulary.common
        counts = self.counts
        for word in words_of(text):
            if word.initial or word.title_line:
                continue
            kind = shape(word.letters)
            if kind not in ("lower", "title"):
                continue
            folded = word.letters.casefold()
            if folded not in known:
                continue
            entry = counts.get(folded)
            if entry is None:
                entry = counts[folded] = [0, 0]
            entry[0 if kind == "lower" else 1] += 1

    def written_as_word(self, folded: str) -> bool | None:
        """True (lower case mostly), False (capitalised mostly) or None (too few occurrences)."""
        entry = self.counts.get(folded)
        if entry is None or entry[0] + entry[1] < MIN_EVIDENCE:
            return None
        return entry[0] >= entry[1]


@dataclass(frozen=True, slots=True)
class NameWord:
    """A name word: case-folded, whether it is a last-name word, whether it is common here."""

    word: str
    last: bool
    common: bool


class NameIndex:
    """The name words of the input's users, classified, and their lookup with inflections."""

    def __init__(
        self,
        vocabulary: Vocabulary,
        evidence: CaseEvidence | None = None,
        *,
        first: Iterable[str] = (),
        last: Iterable[str] = (),
        full_names: Iterable[tuple[str, str]] = (),
        minimum: int = MIN_NAME_LENGTH,
    ) -> None:
        self.vocabulary = vocabulary
        self.evidence = evidence
        self.minimum = minimum
        last_words = set(last)
        self.words: dict[str, NameWord] = {}
        for word in (*first, *last_words):
            if len(word) >= minimum and word not in self.words:
                self.words[word] = NameWord(word, word in last_words, self.is_common(word))
        self.full_names = frozenset(full_names)

    def is_common(self, folded: str) -> bool:
        """True when ``folded`` is an ordinary word of this marketplace's prose (see module)."""
        if folded not in self.vocabulary.common:
            return False
        # Months and countries are capitalised anyway: that is no evidence of a name.
        if self.evidence is not None and folded not in self.vocabulary.proper:
            verdict = self.evidence.written_as_word(folded)
            if verdict is not None:
                return verdict
        return True

    def lookup(self, letters: str, possessive: bool = False) -> tuple[int, NameWord] | None:
        """The name word ``letters`` is a form of, and how many of its letters the stem has.

        ``Archers`` gives ``(6, archer)``. Without an apostrophe (``possessive``) a common word
        is never read as an inflected name.
        """
        folded = letters.casefold()
        found = self.words.get(folded)
        if found is not None:
            return len(letters), found
        if not folded.endswith("s") or len(folded) <= self.minimum:
            return None
        if not possessive and self.is_common(folded):
            return None
        for cut in (1, 2):
            stem = folded[:-cut]
            if cut == 2 and not folded.endswith("es"):
                break
            found = self.words.get(stem)
            if found is not None and len(stem) >= self.minimum:
                return len(letters) - cut, found
        return None

    def distinctive(self, minimum: int = 0) -> Iterator[str]:
        """The name words that are not common words (of ``minimum`` letters or more)."""
        for word, entry in self.words.items():
            if not entry.common and len(word) >= minimum:
                yield word


def decide(
    text: str,
    words: list[Word],
    index: NameIndex,
    connected: frozenset[str] = frozenset(),
) -> list[tuple[Word, int, NameWord]]:
    """The words of ``text`` to scrub as names: (word, stem length, name word).

    ``connected`` holds the name words of the users the text belongs to; see the module
    docstring for the rules.
    """
    matches = [index.lookup(word.letters, bool(word.suffix)) for word in words]
    chosen = []
    for position, (word, match) in enumerate(zip(words, matches, strict=True)):
        if match is None:
            continue
        stem, name = match
        if not name.common or _written_as_name(text, words, matches, position, index, connected):
            chosen.append((word, stem, name))
    return chosen


def _written_as_name(
    text: str,
    words: list[Word],
    matches: list[tuple[int, NameWord] | None],
    position: int,
    index: NameIndex,
    connected: frozenset[str],
) -> bool:
    word = words[position]
    name = matches[position][1]  # type: ignore[index]
    kind = shape(word.letters)
    if name.word in connected:
        return kind in ("title", "upper")
    if kind != "title" or word.title_line or name.word in index.vocabulary.proper:
        return False
    before = words[position - 1] if position > 0 else None
    after = words[position + 1] if position + 1 < len(words) else None
    # A capitalised neighbour makes a longer proper name, unless its capital is the sentence's.
    joined_before = (
        adjacent(text, before, word)
        and shape(before.letters) == "title"  # type: ignore[union-attr]
        and not before.initial  # type: ignore[union-attr]
    )
    joined_after = adjacent(text, word, after) and shape(after.letters) in ("title", "upper")  # type: ignore[union-attr]
    for neighbour_position, joined in ((position - 1, joined_before), (position + 1, joined_after)):
        if not joined:
            continue
        neighbour = matches[neighbour_position]
        if neighbour is None:
            continue
        pair = (
            (neighbour[1].word, name.word)
            if neighbour_position < position
            else (name.word, neighbour[1].word)
        )
        if not neighbour[1].common or pair in index.full_names:
            return True
    if joined_before or joined_after:
        return False  # part of another proper name: "New York", "Rose Garden"
    if word.initial:
        return bool(word.suffix)  # "Will's place": a possessive is a name even first in line
    return True
