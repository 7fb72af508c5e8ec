"""Where the edn reader is stricter than Clojure's ``clojure.edn/read``, on purpose: one table.

Clojure 1.11's reader is the closest thing to Sharetribe's importer, so the reader follows it
(tests/test_reader_parity.py holds the two to the same verdicts over a corpus and a fuzzer). An
input Clojure reads and we reject must fall under one of the rules below: the
:class:`~migrate.edn.errors.EdnSyntaxError` names it in ``rule``. Every other difference is a bug.
``docs/rules.md`` shows this table (:func:`markdown`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StrictnessRule:
    """One deliberate difference: what we reject, what Clojure does instead, and why."""

    code: str
    title: str
    clojure: str  # what clojure.edn/read does with such input
    why: str  # why we reject it all the same
    example: str  # an input Clojure reads and we reject, as the docs show it
    input: bytes = b""  # the example's bytes, when the text above only describes them


RULES: tuple[StrictnessRule, ...] = (
    StrictnessRule(
        "invalid-utf8",
        "Bytes that are not UTF-8",
        "Decodes with replacement: each bad byte becomes U+FFFD and the file reads.",
        "The text would be imported garbled, with no warning; the error names the byte and "
        "its line:column so the export can be fixed.",
        '{:a "caf\\xe9"}  ; the byte 0xe9 alone (Latin-1)',
        b'{:a "caf\xe9"}',
    ),
    StrictnessRule(
        "byte-order-mark",
        "A byte order mark at the start",
        "Reads U+FEFF as (the start of) a symbol: the document is that symbol, not the map.",
        "The importer would not see the document at all.",
        "<U+FEFF>{:ident :x :data []}  ; the three bytes EF BB BF first",
        b"\xef\xbb\xbf{:ident :x :data []}",
    ),
    StrictnessRule(
        "trailing-content",
        "Content after the one top-level value",
        "Reads the first form and ignores the rest, whatever it is.",
        "Rows after the document's end would be silently lost. In a document it is the "
        "validator's `trailing-content` error.",
        "{:a 1} {:b 2}",
    ),
    StrictnessRule(
        "lone-surrogate",
        'A "\\u" escape that leaves an unpaired UTF-16 surrogate',
        "Keeps the lone surrogate in the Java string.",
        "It is not a character; it cannot be encoded as UTF-8 (Java writes '?').",
        '"\\uD800"',
    ),
    StrictnessRule(
        "unicode-digit-escape",
        "An escape written with non-ASCII digits",
        'Reads the digits of `\\u` and octal escapes with `Character.digit`, so `"\\u٠٠٤١"` '
        "(Arabic-Indic digits) and fullwidth `Ａ`-`Ｆ` are hex digits.",
        "No writer produces such escapes (a sign of a corrupted file), and which characters "
        "count as digits changes with the Unicode version of each reader.",
        '"\\u٠٠٤١"',
    ),
    StrictnessRule(
        "inst-year-0",
        "An #inst in the year 0000",
        "Reads year 0 as 1 BC, which prints back as year 0001 (the era is lost).",
        "Python's datetime has no year 0, and no marketplace timestamp is that old.",
        '#inst "0000-01-01"',
    ),
    StrictnessRule(
        "inst-range",
        "An #inst whose UTC time falls outside the years 0001 to 9999",
        'Reads `#inst "9999-12-31T23:59:59-01:00"` as the year 10000.',
        "Python's datetime cannot hold it in UTC, the form the writer and the importer use.",
        '#inst "9999-12-31T23:59:59-01:00"',
    ),
    StrictnessRule(
        "uuid-form",
        "A #uuid that is not five groups of at most 8-4-4-4-12 hex digits",
        "Java's `UUID.fromString` also takes wider groups (keeping only their low bits), "
        'signs and other scripts\' digits: `#uuid "123456789-0-0-0-0"` reads as '
        "`23456789-0000-…`.",
        "It would import as a different id than the one written.",
        '#uuid "123456789-0-0-0-0"',
    ),
    StrictnessRule(
        "ns-map-slash",
        "A namespaced map with the namespace /",
        "Reads `#:/{:a 1}`, with the key printed as `:/a`, which no reader takes back.",
        "The keys could not be written again.",
        "#:/{:a 1}",
    ),
    StrictnessRule(
        "tag-payload",
        "An Intermediary tag whose payload does not have its shape",
        "Calls the tag's reader function, which may take any payload (`#im/ref 1`, "
        '`#im/money [1 "EUR" 3]`).',
        "The importer's readers expect the shapes of the spec. In rows the validator reports "
        "it (`money-shape`, `location-shape`, `type-mismatch`); inside `#_` or `^` metadata, "
        "where nothing checks later, the reader rejects it.",
        '[#_#im/money [1 "EUR" 3] 1]',
    ),
)


def example_input(rule: StrictnessRule) -> bytes:
    """The bytes of ``rule``'s example."""
    return rule.input or rule.example.encode("utf-8")


BY_CODE: dict[str, StrictnessRule] = {rule.code: rule for rule in RULES}


def markdown() -> str:
    """The section of ``docs/rules.md`` that lists the reader's strictness rules."""
    from migrate.edn._parse import MAX_DEPTH

    lines = [
        "## Where the reader is stricter than Clojure\n",
        "`migrate validate` reads edn as Clojure 1.11's `clojure.edn/read` does (with readers "
        "for `#im/ref`, `#im/money` and `#im/location`): a differential test holds the two to "
        "the same verdict over a committed corpus and a seeded fuzzer, and every file we "
        "accept, Clojure reads. Where Clojure reads an input that we reject, it is one of "
        "these rules, on purpose; the `edn-syntax` error says why.\n",
        "What Clojure reads and so do we, though it may surprise: `##Inf`, `##-Inf` and "
        "`##NaN` (the validator rejects them where rows use them); map keys and set elements "
        "`1`, `1.0`, `1.0M`, `1/2` and `true`, which are all different in edn; `#: ns{…}` "
        "and `#:ns ,{…}`; `#^` metadata; instants with offsets from -23:59 to +23:59 "
        "(minutes 0 to 59, never normalised). Two instants equal to the millisecond (the "
        "precision of Clojure's `#inst`) are the same map key, as in Clojure.\n",
        f"Nesting: at most {MAX_DEPTH:,} levels (collections, tags, `#_` and `^` each count "
        "one). Clojure's reader recurses and stops at its default stack, between about 1,000 "
        "and 3,000 levels depending on the form, so every depth Clojure reads is read here.\n",
        "| Rule | What we reject | What Clojure does | Why |",
        "| --- | --- | --- | --- |",
    ]
    for rule in RULES:
        lines.append(
            f"| `{rule.code}` | {_cell(rule.title)}, e.g. `{_cell(rule.example)}` "
            f"| {_cell(rule.clojure)} | {_cell(rule.why)} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
