"""Corpus tests (tomli style): tests/data/edn/{valid,invalid}/ and a differential against
edn_format.

``valid/NAME.edn`` holds one edn value and ``valid/NAME.expected`` the Python value it reads as
(an expression over the value types). ``invalid/NAME.edn`` fails with the line
``invalid/NAME.error``: ``LINE:COLUMN: message``.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from uuid import UUID

import edn_format
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.edn.errors import EdnError, EdnSyntaxError
from migrate.edn.reader import DocumentReader, loads
from migrate.edn.values import (
    Char,
    EdnList,
    FrozenMap,
    Keyword,
    Location,
    Money,
    NonCanonicalUUID,
    Ref,
    Symbol,
    Tagged,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "data" / "edn"
VALID = sorted(CORPUS.glob("valid/*.edn"))
INVALID = sorted(CORPUS.glob("invalid/*.edn"))
NAMESPACE = {
    "K": Keyword,
    "S": Symbol,
    "Char": Char,
    "EdnList": EdnList,
    "FrozenMap": FrozenMap,
    "Ref": Ref,
    "Money": Money,
    "Location": Location,
    "Tagged": Tagged,
    "UUID": UUID,
    "NonCanonicalUUID": NonCanonicalUUID,
    "Decimal": Decimal,
    "Fraction": Fraction,
    "datetime": datetime,
    "timedelta": timedelta,
    "timezone": timezone,
    "UTC": UTC,
}


def test_corpus_is_there():
    assert len(VALID) >= 10 and len(INVALID) >= 20


@pytest.mark.parametrize("path", VALID, ids=lambda path: path.stem)
def test_valid(path: Path):
    expected = eval(path.with_suffix(".expected").read_text(encoding="utf-8"), NAMESPACE)  # noqa: S307
    value = loads(path.read_text(encoding="utf-8"))
    assert value == expected
    assert _types(value) == _types(expected)


@pytest.mark.parametrize("path", INVALID, ids=lambda path: path.stem)
def test_invalid(path: Path):
    expected = path.with_suffix(".error").read_text(encoding="utf-8").strip()
    with pytest.raises(EdnSyntaxError) as caught:
        loads(path.read_text(encoding="utf-8"))
    assert str(caught.value) == expected


def _types(value):
    """The value's shape with types, so that (1,) and EdnList((1,)) or 1 and 1.0 differ."""
    if isinstance(value, dict):
        return (type(value), sorted((repr(_types(k)), repr(_types(v))) for k, v in value.items()))
    if isinstance(value, (tuple, frozenset)):
        return (type(value), sorted(repr(_types(item)) for item in value))
    return type(value)


# Differential: our reader against edn_format on the same text --------------------------------


def _from_edn_format(value):
    """edn_format's reading in our types (its vectors are ImmutableList, lists tuples, ...)."""
    if isinstance(value, edn_format.ImmutableDict):
        return {_key(_from_edn_format(k)): _from_edn_format(v) for k, v in value.items()}
    if isinstance(value, edn_format.ImmutableList):
        return tuple(_from_edn_format(item) for item in value)
    if isinstance(value, tuple):
        return EdnList(_from_edn_format(item) for item in value)
    if isinstance(value, frozenset):
        return frozenset(_key(_from_edn_format(item)) for item in value)
    if isinstance(value, edn_format.Keyword):
        return Keyword(value.name)
    if isinstance(value, edn_format.Symbol):
        return Symbol(value.name)
    if isinstance(value, edn_format.Char):
        return Char(str(value))
    if isinstance(value, str):  # edn_format leaves \u surrogate pairs as two code points
        return value.encode("utf-16", "surrogatepass").decode("utf-16")
    return value


def _key(value):
    if isinstance(value, dict):
        return FrozenMap(value)
    if type(value) is tuple:
        return tuple(_key(item) for item in value)
    return value


def _im_tag(tag: str):
    def read(payload):
        payload = _from_edn_format(payload)
        if tag == "im/ref":
            return Ref.to_alias(payload) if type(payload) is Keyword else Ref.to_id(*payload)
        if tag == "im/money":
            return Money(*payload)
        return Location(*payload)

    return read


for _tag in ("im/ref", "im/money", "im/location"):
    edn_format.add_tag(_tag, _im_tag(_tag))


def _edn_format_loads(text: str):
    return _from_edn_format(edn_format.loads(text))


def test_official_example_reads_as_edn_format_reads_it(official_example):
    text = official_example.read_text(encoding="utf-8")
    theirs = _edn_format_loads(text)[Keyword("data")]
    ours = tuple(entry.value for entry in DocumentReader(official_example))
    assert ours == theirs


def test_generated_file_reads_as_edn_format_reads_it(tmp_path):
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.generate import generate
    finally:
        sys.path.remove(str(ROOT))
    path = tmp_path / "generated.edn"
    rows = generate(path, 0.15)
    theirs = _edn_format_loads(path.read_text(encoding="utf-8"))[Keyword("data")]
    ours = tuple(entry.value for entry in DocumentReader(path, chunk_size=4096))
    assert len(ours) == rows > 300
    assert ours == theirs


def test_generator_is_deterministic(tmp_path):
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.generate import generate
    finally:
        sys.path.remove(str(ROOT))
    generate(tmp_path / "a.edn", 0.05)
    generate(tmp_path / "b.edn", 0.05)
    assert (tmp_path / "a.edn").read_bytes() == (tmp_path / "b.edn").read_bytes()


# Properties ---------------------------------------------------------------------------------

_names = st.from_regex(r"[a-z][a-z0-9\-]{0,6}", fullmatch=True)
_keywords = st.builds(
    lambda ns, name: f":{ns}/{name}" if ns else f":{name}", st.none() | _names, _names
)
_strings = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\'), max_size=12
) | st.sampled_from(['"a\\"b"', '"x\\\\y"', '"\\n\\t"', '"\\u00e9"'])
_scalars = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    _keywords,
    _strings.map(lambda s: s if s.startswith('"') else f'"{s}"'),
    st.sampled_from(["nil", "true", "false", "sym", "a/b", "12.5M"]),
)


def _collections(children):
    unique = st.lists(children, max_size=5, unique=True)
    return st.one_of(
        unique.map(lambda items: "[" + " ".join(items) + "]"),
        unique.map(lambda items: "(" + " ".join(items) + ")"),
        st.lists(_keywords, max_size=4, unique=True).flatmap(
            lambda keys: st.lists(children, min_size=len(keys), max_size=len(keys)).map(
                lambda values: (
                    "{" + ", ".join(f"{k} {v}" for k, v in zip(keys, values, strict=True)) + "}"
                )
            )
        ),
    )


_edn_text = st.recursive(_scalars, _collections, max_leaves=20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_edn_text, st.sampled_from([" ", "\n", " , ", " ;c\n "]))
def test_random_values_read_as_edn_format_reads_them(text, separator):
    text = text.replace(" ", separator) if separator != " " and '"' not in text else text
    assert loads(text) == _edn_format_loads(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([1, 3, 64, 1 << 20]))
def test_any_bytes_give_rows_or_an_edn_error(data, chunk_size):
    reader = DocumentReader(io.BytesIO(data), chunk_size=chunk_size)
    try:
        for _entry in reader:
            pass
    except EdnError as error:
        assert str(error).count("\n") == 0
    else:
        assert reader.header.complete


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                '"',
                "[",
                "]",
                "{",
                "}",
                "(",
                ")",
                "#",
                "#_",
                "#:a",
                ":",
                "\\",
                ";",
                "\n",
                " ",
                "1",
                ":data",
                ":ident",
                "#im/ref",
                "#inst",
                '"x"',
                "^",
                "é",
                "😀",
                "\ufeff",
                "#{",
            ]
        ),
        max_size=30,
    ),
    st.sampled_from([1, 2, 5, 1 << 20]),
)
def test_any_edn_like_text_gives_rows_or_an_edn_error(parts, chunk_size):
    text = "{:ident :x :data [" + "".join(parts)
    # Whatever the chunk size, the same rows, header and error.
    assert _outcome(text, chunk_size) == _outcome(text, 1 << 20)


def _outcome(text: str, chunk_size: int):
    reader = DocumentReader(io.StringIO(text), chunk_size=chunk_size)
    try:
        rows = [(entry.value, entry.line, entry.column) for entry in reader]
    except EdnError as error:
        return str(error)
    return rows, reader.header


def test_benchmark_harness_measures_each_contender_in_its_own_process(tmp_path):
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks import run
        from benchmarks.generate import generate
    finally:
        sys.path.remove(str(ROOT))
    path = tmp_path / "small.edn"
    rows = generate(path, 0.03)
    summary = run.report(path, ["reader", "edn_format", "clojure"], skip={"clojure"})
    assert set(summary["results"]) == {"reader", "edn_format"}
    for result in summary["results"].values():
        assert result["rows"] == rows
        assert result["peak_rss_mb"] > 5 and result["mb_per_s"] > 0
    assert set(summary["ratios"]) == {
        "reader_vs_edn_format",
        "reader_process_vs_edn_format",
        "reader_cpu_vs_edn_format",
    }
    assert "reader_vs_edn_format" in run.render(summary)
