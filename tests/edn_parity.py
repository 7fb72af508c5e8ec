"""Reader parity with Clojure: generated inputs, both readers' verdicts, and their comparison.

Used by tests/test_reader_parity.py; also a script that regenerates the committed corpus::

    .venv/bin/python tests/edn_parity.py --write-corpus      # needs clojure

Inputs are bytes (some are not UTF-8 on purpose). Three sources, all seeded:

* :data:`PROBES`, written by hand: every case of issue 17 and the edges around them;
* :func:`grammar_text`: random edn built from a grammar of tricky atoms (numbers in every
  form, escapes, characters, keywords with odd characters, tags, ``#_``, ``^``, ``#:ns``,
  ``##``) joined by every kind of separator Java and we know;
* :func:`mutate`: byte and snippet mutations of such texts, of the probes and of the official
  example.

Verdicts: Clojure's from one JVM running tests/clojure/parity.clj over all inputs at once; ours
from :func:`our_verdict`. :func:`mismatch` says what is wrong with a pair, if anything: we must
reject what Clojure rejects, and what we reject but Clojure reads must carry a strictness rule of
:mod:`migrate.edn.strictness`.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from migrate.edn import strictness  # noqa: E402
from migrate.edn.errors import EdnSyntaxError  # noqa: E402
from migrate.edn.reader import loads  # noqa: E402
from migrate.edn.values import EdnKey, FrozenMap, Tagged  # noqa: E402

SCRIPT = Path(__file__).resolve().parent / "clojure" / "parity.clj"
CORPUS = Path(__file__).resolve().parent / "data" / "edn" / "parity-corpus.jsonl"
OFFICIAL_EXAMPLE = ROOT / "samples" / "official-example.edn"
CORPUS_SEED = 20_170
CORPUS_GENERATED = 3_000

# Hand-written probes: the cases of issue 17 and their neighbours. ----------------------------

PROBES: tuple[str, ...] = (
    ":my@market",
    ":category~Level1",
    ":a`b",
    "@foo",
    "a@",
    "[:ident :my@market]",
    "{:im.listing/publicData {:category~Level1 1}}",
    "\\@",
    "\\a@",
    "#foo@bar 1",
    "[#_#foo 1]",
    "[#_#foo/bar [1] 2]",
    "^#foo {} [1]",
    "^{:a #foo 1} [1]",
    "^:a ^#foo 1 [1]",
    "#_#inst 1 2",
    "[#_#im/money 1 2]",
    '[#_#im/money [1 "EUR"] 2]',
    "#_٣ 1",
    "٣",
    "+٣",
    "-٣",
    ":٣",
    "a٣",
    "#:٣{}",
    "[1\u00852]",
    ":a\u0085b",
    ":a\u0085b/c",
    ":a/b\u0085c",
    "a\u0085b",
    "a\u0085b/c",
    "#_\\😀 1",
    "\\😀",
    "\\é",
    "#_#:nil{:a 1} 1",
    "#:nil{:a 1}",
    "#:true{:a 1}",
    "#:false{}",
    "#:+1{}",
    "#:1{}",
    "#: foo{:a 1}",
    "#:,foo{:a 1}",
    "#:#_x foo{:a 1}",
    "#:^:m foo{:a 1}",
    "#:foo ;c\n{:a 1}",
    "#:foo,{:a 1}",
    "#:foo #_x {:a 1}",
    "#:{:a 1}",
    "#:/{:a 1}",
    "#:a/b{:c 1}",
    '#inst "2020-01-01T00:00:00-00:60"',
    '#inst "2020-01-01T00:00:00+00:60"',
    '#inst "2020-01-01T00:00:00-00:59"',
    '#inst "2020-01-01T00:00:00+23:59"',
    '#inst "2020-01-01T00:00:00+24:00"',
    '#inst "2020-01-01T00:00-00:60"',
    '#inst "2020-01-01T00:00:00.5-00:99"',
    "##Inf",
    "##-Inf",
    "##NaN",
    "##nan",
    "## Inf",
    "##,NaN",
    "##;c\nInf",
    "###_x Inf",
    "##Inf#",
    "[##Inf##NaN]",
    "{:a ##NaN}",
    "{##NaN 1 ##NaN 2}",
    "#{##NaN ##NaN}",
    "{[##NaN] 1 [##NaN] 2}",
    "{1 :a 1.0 :b}",
    "#{1 1.0}",
    "{true 1 1 2}",
    "{false 1 0 2}",
    "{0.0 1 -0.0 2}",
    "{1.0 1 1.0M 2}",
    "{1 1 1.0M 2}",
    "{1 1 1N 2}",
    "{1.0M 1 1.00M 2}",
    "{1/2 1 0.5 2}",
    "{[1] 1 [1.0] 2}",
    "{[1] 1 (1) 2}",
    "{{:a 1} 1 {:a 1.0} 2}",
    "#{#{1} #{1.0}}",
    "{1e400 1 ##Inf 2}",
    '{#im/money [1 "E"] 1 #im/money [1.0 "E"] 2}',
    '{#inst "2020-01-01T00:00:00.0001Z" 1 #inst "2020-01-01T00:00:00.0002Z" 2}',
    '#{#inst "2020-01-01T00:00:00.0001Z" #inst "2020-01-01T00:00:00.0002Z"}',
    '{1 :k #inst "2020-01-01T00:00:00.0001Z" 2 #inst "2020-01-01T00:00:00.0009Z" 3}',
    '{[#inst "2020-01-01T00:00:00.0001Z"] 1 [#inst "2020-01-01T00:00:00.0002Z"] 2}',
    '"\\u٠٠٤١"',
    '"\\uＦＦ41"',
    '"\\٣"',
    '"\\٧٧٧"',
    "\\u٠٠٤١",
    "\\o٣",
    '"\\uD800"',
    '"\\uD83D\\uDE00"',
    '#inst "0000-01-01"',
    '#inst "0001-01-01T00:00:00+01:00"',
    '#inst "9999-12-31T23:59:59-01:00"',
    '#inst "9999-12-31T23:59:60Z"',
    '#inst "2018-04-17T06:59:60Z"',
    "#^:m [1]",
    "#^:m 1",
    "\ufeff{}",
    "{:a 1} {:b 2}",
    "[" * 1001 + "]" * 1001,
    "(" * 1001 + ")" * 1001,
    "{:a " * 1001 + "1" + "}" * 1001,
    "#im/ref " * 600 + ":a",
    "[#_" * 500 + " 1" + "]" * 500,
    '{"author" #im/ref :user/john}',
    "#im/ref 1",
    '#im/money [1 "EUR" 3]',
    '#im/money "ab"',
    "#im/location [1 2 3]",
    "#Ⅷ 1",
    "#é 1",
)

# Bytes that are not UTF-8, mixed in by the mutator (and probes of their own).
BAD_BYTES: tuple[bytes, ...] = (b"\xff", b"\xc3", b"\xe9", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80")
BYTE_PROBES: tuple[bytes, ...] = (
    b'{:a "caf\xe9"}',
    b":user/\xff",
    b"[:user/jo\xffhn 1]",
    b"\xef\xbb\xbf{}",
)

# The grammar ---------------------------------------------------------------------------------

SEPARATORS = (
    " ", " ", " ", ",", "\n", "\t", "\r\n", " ; comment\n", ";\n", "\u2003", "\u3000", "\u1680",
    "\x1c", "\x0b", "\x0c", "\u2028", "\u00a0", "\u2007", "\u200b", "\u0085", "\ufeff", "",
)  # fmt: skip
NAME_CHARS = (
    "abcxyzABZ_" * 4 + "0123456789.*+!-_?$%&=<>:#'/@~`" + "é٣𝟎😀ⅧＡ\u0085\u00a0\u200b\u180e"
)
NUMBERS = (
    "0", "-0", "+1", "007", "08", "0x1F", "0X1g", "-0x1f", "2r101", "36rZZ", "37r1", "2r",
    "1N", "0N", "1M", "-1.5M", "1.5", "1.", ".5", "5.e3", "1e5", "1E-5", "1e400", "-1e400",
    "1e-400", "1/2", "-1/2", "+1/2", "1/0", "08/2", "1/-2", "1/2N", "1.5N", "+-1", "1_000",
    "٣", "٣4", "+٣", "𝟎", "1#", "1@", "9223372036854775808", "-9223372036854775809", "0x",
    "1e", "01.5", "1.5e", "0.0", "-0.0", "1.0", "1.00M",
)  # fmt: skip
STRING_PIECES = (
    "a", "é", "😀", " ", "\\n", "\\t", '\\"', "\\\\", "\\b", "\\f", "\\r", "\\u0041",
    "\\u00e9", "\\uD83D\\uDE00", "\\uD800", "\\uDC00", "\\u12", "\\u٠٠٤١", "\\uＦＦ41", "\\0",
    "\\12", "\\377", "\\400", "\\٣", "\\x41", "\\a", "\n", "\x00", "\x01", "\u0085", "\u2028",
    "\\", "#", ";", "]",
)  # fmt: skip
CHARS = (
    "\\a", "\\newline", "\\space", "\\tab", "\\return", "\\backspace", "\\formfeed",
    "\\u0041", "\\uD800", "\\uffff", "\\o101", "\\o400", "\\o", "\\😀", "\\é", "\\@", "\\,",
    "\\ ", "\\٣", "\\u٠٠٤١", "\\abc", "\\n", "\\u004", "\\Ａ", "\\\\", '\\"', "\\(",
)  # fmt: skip
INSTANTS = (
    "2018-04-17T06:55:04.291Z", "2018", "2018-04", "2018-04-17", "2018-04-17T06",
    "2018-04-17T06:55", "2018-04-17T06:55:04", "2018-04-17T06:55:04+02:00",
    "2018-04-17T06:55:04-00:60", "2018-04-17T06:55:04+00:59", "2018-04-17T06:55:04+24:00",
    "2018-04-17T06:55:04.123456789-23:59", "2018-04-17T06:59:60Z", "2018-04-17T06:58:60Z",
    "2018-02-29", "2016-02-29", "2018-13-01", "0000-01-01", "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00", "2018-04-17 06:55:04Z", "2018-04-17T06:55:04,5Z",
    "2018-04-17T06:55:04.Z", "2018-04-17T24:00:00Z", "2018-04-17t06:55:04z", "٢٠١٨",
    "2018-04-17T06:55:04.291-0000", "-2018", "+2018",
)  # fmt: skip
UUIDS = (
    "b074e697-ab0c-4746-a195-c58d73606b1f", "B074E697-AB0C-4746-A195-C58D73606B1F",
    "1-2-3-4-5", "b074e697ab0c4746a195c58d73606b1f", "zzz", "b074e697-ab0c-4746-a195-c58d73606b1f0",
    "0-0-0-0-0", "123456789-0-0-0-0",
)  # fmt: skip
TAGS = ("foo", "foo/bar", "é", "Ⅷ", "inst", "uuid", "im/ref", "im/money", "im/location", "a@b")


def _name(rng: random.Random) -> str:
    length = rng.choice((1, 1, 2, 3, 5))
    text = "".join(rng.choice(NAME_CHARS) for _ in range(length))
    if rng.random() < 0.3:
        text += "/" + "".join(rng.choice(NAME_CHARS) for _ in range(rng.choice((0, 1, 3))))
    return text


def _atom(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(NUMBERS)
    if roll < 0.3:
        return ":" + _name(rng)
    if roll < 0.4:
        return rng.choice(("nil", "true", "false", "NaN", "Inf", "/", "a", "+", "-", ".")) or ""
    if roll < 0.5:
        return _name(rng)
    if roll < 0.65:
        return '"' + "".join(rng.choice(STRING_PIECES) for _ in range(rng.randint(0, 4))) + '"'
    if roll < 0.72:
        return rng.choice(CHARS)
    if roll < 0.8:
        return f'#inst "{rng.choice(INSTANTS)}"'
    if roll < 0.85:
        return f'#uuid "{rng.choice(UUIDS)}"'
    if roll < 0.92:
        return rng.choice(("##Inf", "##-Inf", "##NaN", "## Inf", "##nan", "##Inf#"))
    return rng.choice(
        (
            "#im/ref :user/jane",
            '#im/ref [:im.user/id #uuid "b074e697-ab0c-4746-a195-c58d73606b1f"]',
            '#im/money [1200 "EUR"]',
            '#im/money [12.5M "USD"]',
            "#im/location [60.1 24.9]",
        )
    )


def _sep(rng: random.Random) -> str:
    return rng.choice(SEPARATORS) if rng.random() < 0.2 else " "


def grammar_text(rng: random.Random, depth: int = 0) -> str:
    """A random edn text: mostly well formed, with odd atoms and separators."""
    roll = rng.random()
    if depth > 3 or roll < 0.35:
        return _atom(rng)
    count = rng.randint(0, 4)
    items = [grammar_text(rng, depth + 1) for _ in range(count)]
    body = _sep(rng).join(items)
    if roll < 0.45:
        return "[" + body + "]"
    if roll < 0.5:
        return "(" + body + ")"
    if roll < 0.62:
        if count % 2 and rng.random() < 0.8:
            body += " " + _atom(rng)
        return "{" + body + "}"
    if roll < 0.67:
        return "#{" + body + "}"
    if roll < 0.74:
        namespace = rng.choice(("a", "im.user", "nil", "true", "1", "/", "a/b", "", " a", "_"))
        if count % 2:
            body += " " + _atom(rng)
        return "#:" + namespace + rng.choice(("", " ", ",", " ;c\n")) + "{" + body + "}"
    if roll < 0.8:
        return "#" + rng.choice(TAGS) + _sep(rng) + (items[0] if items else _atom(rng))
    if roll < 0.87:
        return "#_" + _sep(rng) + grammar_text(rng, depth + 1) + " " + _atom(rng)
    if roll < 0.94:
        meta = rng.choice(
            (":m", "{:a 1}", '"s"', "sym", "1", "#foo 1", "{:a #foo 1}", ":a@b", "[1]")
        )
        return rng.choice(("^", "#^")) + meta + _sep(rng) + grammar_text(rng, depth + 1)
    return "[" + grammar_text(rng, depth + 1) + _sep(rng) + grammar_text(rng, depth + 1) + "]"


SNIPPETS = (
    "#_", "^:m ", "#foo ", "##", "#:", "@", "~", "`", "\\", '"', "]", "[", "{", "}", ")", "(",
    ";", "\n", ",", " ", "\u0085", "#", ":", "/", "٣", "😀", "\\u", "#{", "1", "1.0", "N", "M",
    "#inst ", "#uuid ", "#im/ref ", "'", "\u00a0", "\u2003", "nil", "##NaN", "e", "x", "0",
)  # fmt: skip


def mutate(rng: random.Random, data: bytes) -> bytes:
    """``data`` with one to three byte or snippet edits."""
    for _ in range(rng.randint(1, 3)):
        position = rng.randint(0, len(data))
        roll = rng.random()
        if roll < 0.4:
            data = data[:position] + rng.choice(SNIPPETS).encode() + data[position:]
        elif roll < 0.55 and data:
            end = min(len(data), position + rng.randint(1, 4))
            data = data[:position] + data[end:]
        elif roll < 0.7 and data:
            end = min(len(data), position + rng.randint(1, 3))
            data = data[:position] + rng.choice(SNIPPETS).encode() + data[end:]
        elif roll < 0.8 and data:
            start = rng.randint(0, len(data) - 1)
            piece = data[start : start + rng.randint(1, 12)]
            data = data[:position] + piece + data[position:]
        elif roll < 0.85:
            data = data[:position] + rng.choice(BAD_BYTES) + data[position:]
        else:
            data = data[:position] + grammar_text(rng, 2).encode() + data[position:]
    return data


def generated(seed: int, count: int, example_share: float = 0.15) -> list[bytes]:
    """``count`` inputs from ``seed``: grammar texts, and mutations of them, of the probes and
    (``example_share`` of them) of the official example."""
    rng = random.Random(seed)
    example = OFFICIAL_EXAMPLE.read_bytes()
    seeds = [probe.encode() for probe in PROBES if len(probe) < 200] + list(BYTE_PROBES)
    inputs: list[bytes] = []
    while len(inputs) < count:
        roll = rng.random()
        if roll < 0.45:
            inputs.append(grammar_text(rng).encode("utf-8", "surrogatepass"))
        elif roll < 0.7:
            inputs.append(mutate(rng, grammar_text(rng).encode()))
        elif roll < 1 - example_share:
            inputs.append(mutate(rng, rng.choice(seeds)))
        else:
            inputs.append(mutate(rng, example))
    return inputs


def document_mutations(seed: int, count: int) -> list[bytes]:
    """Mutations of the official example, for ``migrate validate`` (whole documents)."""
    rng = random.Random(seed)
    example = OFFICIAL_EXAMPLE.read_bytes()
    return [mutate(rng, example) for _ in range(count)]


# Verdicts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One reader's verdict on one input."""

    accepted: bool
    rule: str | None = None  # the strictness rule of a rejection Clojure need not share
    message: str = ""


def our_verdict(data: bytes) -> Verdict:
    """Our reader on ``data``: read the one value; a tagged element that is not an Intermediary
    value of its shape counts as rejected (the validator reports every one of them)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Verdict(False, "invalid-utf8", str(error))
    try:
        value = loads(text)
    except EdnSyntaxError as error:
        return Verdict(False, error.rule, str(error))
    tags = _tagged(value)
    if not tags:
        return Verdict(True)
    # Clojure has no reader for an unknown tag; an Intermediary tag of the wrong shape it may
    # read, which is the strictness rule tag-payload.
    known = all(tag.tag in ("im/ref", "im/money", "im/location") for tag in tags)
    rule = "tag-payload" if known else None
    return Verdict(False, rule, "tagged element #" + tags[0].tag)


def _tagged(value: Any) -> list[Tagged]:
    found = []
    work = [value]
    while work:
        item = work.pop()
        kind = type(item)
        if kind is Tagged:
            found.append(item)
            work.append(item.value)
        elif kind is dict or kind is FrozenMap:
            work.extend(item.keys())
            work.extend(item.values())
        elif isinstance(item, tuple | frozenset):
            work.extend(item)
        elif kind is EdnKey:
            work.append(item.value)
    return found


def clojure_verdicts(clojure: str, inputs: list[bytes], timeout: float = 600) -> list[Verdict]:
    """Clojure's verdict on every input, from one JVM."""
    lines = "".join(data.hex() + "\n" for data in inputs)
    done = subprocess.run(
        [clojure, str(SCRIPT)],
        input=lines.encode(),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    out = done.stdout.decode("utf-8").split("\n")[:-1]
    if done.returncode != 0 or len(out) != len(inputs):
        raise RuntimeError(
            f"clojure exited {done.returncode} after {len(out)} of {len(inputs)} verdicts: "
            + done.stderr.decode("utf-8", "replace")[-500:]
        )
    return [Verdict(True) if line == "read" else Verdict(False, None, line[9:]) for line in out]


def mismatch(ours: Verdict, theirs: Verdict) -> str | None:
    """What is wrong with this pair of verdicts, or ``None``.

    Clojure's stack overflowing is its depth limit, not its grammar: we read deeper on purpose
    (docs/rules.md, "Nesting").
    """
    if theirs.message.startswith("java.lang.StackOverflowError"):
        return None
    if ours.accepted and not theirs.accepted:
        return f"we accept what Clojure rejects ({theirs.message})"
    if theirs.accepted and not ours.accepted:
        if ours.rule is None:
            return f"we reject what Clojure reads, under no strictness rule ({ours.message})"
        if ours.rule not in strictness.BY_CODE:
            return f"we reject under an undocumented rule {ours.rule!r} ({ours.message})"
    return None


def show_input(data: bytes) -> str:
    """``data`` for a failure message: its text, escaped, or its bytes."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return repr(data)[:300]
    return json.dumps(text, ensure_ascii=True)[:300]


# The committed corpus -------------------------------------------------------------------------


def corpus_inputs() -> list[bytes]:
    """The corpus's inputs: the probes, and generated inputs of the fixed corpus seed."""
    return (
        [probe.encode() for probe in PROBES]
        + list(BYTE_PROBES)
        + generated(CORPUS_SEED, CORPUS_GENERATED, example_share=0)
    )


def read_corpus(path: Path = CORPUS) -> list[tuple[bytes, bool]]:
    """The corpus: each input with Clojure's recorded verdict (True when it reads)."""
    entries = []
    for line in path.read_text("utf-8").split("\n")[:-1]:  # not splitlines: U+2028 is data
        entry = json.loads(line)
        data = entry["edn"].encode() if "edn" in entry else bytes.fromhex(entry["hex"])
        entries.append((data, entry["clojure"] == "read"))
    return entries


def write_corpus(clojure: str, path: Path = CORPUS) -> int:
    """Regenerate the corpus file with Clojure's verdicts; returns the number of entries."""
    inputs = corpus_inputs()
    verdicts = clojure_verdicts(clojure, inputs)
    lines = []
    for data, verdict in zip(inputs, verdicts, strict=True):
        try:
            entry: dict[str, str] = {"edn": data.decode("utf-8")}
        except UnicodeDecodeError:
            entry = {"hex": data.hex()}
        entry["clojure"] = "read" if verdict.accepted else "rejected"
        lines.append(json.dumps(entry, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


if __name__ == "__main__":
    import shutil

    if sys.argv[1:] != ["--write-corpus"]:
        sys.exit("usage: python tests/edn_parity.py --write-corpus")
    binary = shutil.which("clojure")
    if binary is None:
        sys.exit("clojure is not installed")
    print(f"wrote {write_corpus(binary)} entries to {CORPUS.relative_to(ROOT)}")
