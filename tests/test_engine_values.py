"""Differential tests, value by value: every vectorised transform, coercion and value rule of the
columnar engine against its per-row form, on generated text that probes where Python's and
Rust's text semantics part (whitespace U+001C..U+001F, case folding of ſ/K/İ, non-ASCII digits,
entities without ";", nonexistent and ambiguous local times, float formatting).

A vectorised form may leave a value to the per-row path (a flag); it must never give a value
the per-row form would not give.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.convert.batch import Batch, Val
from migrate.convert.transforms import (
    CONTROL_CLASS,
    TransformContext,
    compile_transform,
    vector_steps,
)
from migrate.convert.vector import (
    PY_WHITESPACE,
    WS,
    batch_edn_string_body,
    batch_nonblank,
    edn_string,
    float_text,
    py_blank,
    py_strip,
)
from migrate.edn.values import Money
from migrate.edn.writer import dumps

CONTEXT = TransformContext(currency="USD", timezone="America/Denver")
FLAGGED = "per-row"
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters where the two engines' text semantics differ, mixed into ordinary text.
TRICKY = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2000\u2028\u2029\u202f\u3000\u200b\ufeff"
    "\x00\x01\x7f\x9f\"\\<>&;#%/:@?=+$,'" + "ſKİıßﬁéÅ٣١𝟘😀"
)
ALPHABET = st.sampled_from(list(TRICKY) + list("abcXYZ0123456789 .-_"))
texts = st.text(ALPHABET, max_size=24)


def _spaced(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Values with Python whitespace around them (some that Rust does not strip)."""
    pad = st.text(st.sampled_from(list(" \t\x1c\x1f\xa0\u3000")), max_size=2)
    return st.tuples(pad, strategy, pad).map("".join)


def vectorised(spec: Any, values: list[Any], dtype: pl.DataType = pl.String) -> list[Any]:
    """The transform ``spec`` through its vectorised steps; ``FLAGGED`` where they defer."""
    batch = Batch(pl.DataFrame({"x": pl.Series(values, dtype=dtype)}))
    kind = {pl.String: "str", pl.Int64: "int", pl.Float64: "float", pl.Boolean: "bool"}[dtype]
    val = Val(kind, pl.col("x"))
    if kind == "str":  # as the plan gives values to transforms: blank text is no value
        val = Val(kind, pl.when(py_blank(pl.col("x"))).then(None).otherwise(pl.col("x")))
    for step in vector_steps(spec, CONTEXT):
        assert step.form is not None
        val = batch.put_val(step.form(batch, val, step, None))
    columns = [val.expr.alias("value"), batch.fallback().alias("flag")]
    if val.currency is not None:
        columns.append(val.currency.alias("currency"))
    out = []
    for row in batch.frame.select(columns).iter_rows(named=True):
        if row["flag"]:
            out.append(FLAGGED)
        elif val.kind == "money" and row["value"] is not None:
            out.append(Money(Decimal(row["value"]), row["currency"]))
        else:
            out.append(row["value"])
    return out


def per_row(spec: Any, value: Any) -> Any:
    try:
        return compile_transform(spec, CONTEXT)(value)
    except Exception as error:  # the per-row path rejects (or raises on) this value
        return ("error", type(error).__name__)


def agree(expected: Any, got: Any) -> bool:
    """A vectorised result agrees when it is deferred or is the per-row value exactly."""
    if got == FLAGGED:
        return True
    if isinstance(expected, tuple) and expected and expected[0] == "error":
        return False
    if isinstance(expected, datetime):
        return (
            isinstance(got, datetime)
            and got == expected
            and dumps(got.replace(tzinfo=UTC)) == dumps(expected)
        )
    if isinstance(expected, Money):
        return (
            isinstance(got, Money)
            and str(got.amount) == str(expected.amount)
            and got.currency == expected.currency
        )
    return type(got) is type(expected) and got == expected


def check(spec: Any, values: list[Any], dtype: pl.DataType = pl.String) -> None:
    results = vectorised(spec, values, dtype)
    for value, got in zip(values, results, strict=True):
        expected = per_row(spec, value) if value is not None else None
        if value is not None and isinstance(value, str) and not value.strip():
            expected = None
        assert agree(expected, got), f"{spec!r} of {value!r}: per row {expected!r}, columns {got!r}"


# Python's text semantics, spelled out ----------------------------------------------------------


def test_the_whitespace_constant_is_str_isspace_over_every_code_point():
    assert (
        "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())
        == PY_WHITESPACE
    )


def test_whitespace_class_is_pythons_whitespace_over_every_code_point():
    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    series = pl.Series(chars)
    matched = series.str.contains(f"^{WS}$").to_list()
    assert [c for c, m in zip(chars, matched, strict=True) if m] == list(PY_WHITESPACE)


def test_control_class_equals_the_per_row_pattern_over_every_code_point():
    from migrate.convert.transforms import _CONTROL

    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    matched = pl.Series(chars).str.contains(f"^{CONTROL_CLASS}$").to_list()
    expected = [_CONTROL.fullmatch(c) is not None for c in chars]
    assert matched == expected


@EXAMPLES
@given(st.lists(texts, max_size=30))
def test_py_strip_is_str_strip(values):
    got = pl.DataFrame({"x": values}, schema={"x": pl.String}).select(py_strip(pl.col("x")))
    assert got.to_series().to_list() == [value.strip() for value in values]


@EXAMPLES
@given(st.lists(st.one_of(texts, st.sampled_from(["", " ", "\x1c", "\u3000 "]), st.none())))
def test_a_batch_column_without_blanks_is_its_text_as_is(values):
    batch = Batch(pl.DataFrame({"x": values}, schema={"x": pl.String}))
    got = batch.series(batch_nonblank(batch, pl.col("x"))).to_list()
    assert got == [None if not value or value.isspace() else value for value in values]


@EXAMPLES
@given(st.lists(st.one_of(texts, st.text(max_size=20)), max_size=30))
def test_edn_string_is_the_writers(values):
    # The tricky characters (U+2028, C1 controls, DEL …) are rare in arbitrary text: mixed in.
    values = [v for v in values if not any(0xD800 <= ord(c) <= 0xDFFF for c in v)]
    got = pl.DataFrame({"x": values}, schema={"x": pl.String}).select(edn_string(pl.col("x")))
    assert got.to_series().to_list() == [dumps(value) for value in values]


@EXAMPLES
@given(
    st.lists(st.one_of(texts, st.text(max_size=20)), max_size=30),
    st.lists(st.sampled_from(["plain", "two\nlines", None]), max_size=30),
)
def test_a_batch_column_is_escaped_as_the_writer_does_in_each_form(values, filler):
    # Filler rows move the share of rows to escape between none, few and most: each form.
    values = [v for v in values if not any(0xD800 <= ord(c) <= 0xDFFF for c in v)] + filler
    batch = Batch(pl.DataFrame({"x": values}, schema={"x": pl.String}))
    body = batch_edn_string_body(batch, pl.col("x"))
    got = batch.series(pl.concat_str([pl.lit('"'), body, pl.lit('"')])).to_list()
    assert got == [None if value is None else dumps(value) for value in values]


@EXAMPLES
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=40))
def test_float_text_is_repr_where_it_says_so(values):
    frame = pl.DataFrame({"x": values}, schema={"x": pl.Float64})
    text, ok = float_text(pl.col("x"))
    for value, (got, sure) in zip(values, frame.select(text, ok.alias("ok")).rows(), strict=True):
        if sure:
            assert got == repr(value)


# transforms -------------------------------------------------------------------------------------

SIMPLE = ["trim", "lower", "strip_control", "boolean", "int", "html_to_text", "url_encode"]


@pytest.mark.parametrize("name", SIMPLE)
@EXAMPLES
@given(values=st.lists(_spaced(texts), max_size=30))
def test_text_transforms_agree_on_tricky_text(name, values):
    check(name, values)


@pytest.mark.parametrize("part", ["first", "last"])
@EXAMPLES
@given(
    st.lists(
        _spaced(
            st.lists(
                st.sampled_from(
                    ["Anna", "van", "der", "de", "Berg", "ſ", "é", "\x1c", " ", "\xa0", "al"]
                ),
                max_size=6,
            ).map(" ".join)
        ),
        max_size=30,
    )
)
def test_split_name_agrees(part, values):
    check({"name": "split_name", "part": part}, values)


def _dates() -> st.SearchStrategy[str]:
    digits = st.integers(0, 99).map(lambda n: f"{n:02d}")
    year = st.sampled_from(["2021", "2016", "1850", "0000", "9999", "2024"])
    iso = st.tuples(year, digits, digits, digits, digits, digits).map(
        lambda p: f"{p[0]}-{p[1]}-{p[2]}T{p[3]}:{p[4]}:{p[5]}"
    )
    zone = st.sampled_from(
        ["", "Z", "+02:00", "-07:00", "+05:30", "+24:00", ".123Z", ".123456", ".1"]
    )
    dst = st.sampled_from(
        [
            "2021-03-14 02:30:00",  # nonexistent in Denver
            "2021-11-07 01:30:00",  # ambiguous
            "2021-03-14 01:59:59",
            "2021-11-07 02:00:00",
            "03/14/2021 02:30",
            "2021-6-1 9:05:07",
            "2021-02-30 10:00:00",
            "2021-06-14  09:32:11",
            "2021-06-14\x1c09:32:11",
            "٢٠٢١-06-14 09:32:11",
            "2021-06-14",
            "yesterday",
            "2021-06-14T24:00:00",
            "2021-06-14 09:32:60",
            "0000-01-01T00:00:00",  # a year Polars holds and Python does not
            "0000-01-01 00:00:00",
        ]
    )
    plain = st.tuples(year, digits, digits, digits, digits, digits).map(
        lambda p: f"{p[0]}-{p[1]}-{p[2]} {p[3]}:{p[4]}:{p[5]}"
    )
    us = st.tuples(digits, digits, year, digits, digits).map(
        lambda p: f"{p[0]}/{p[1]}/{p[2]} {p[3]}:{p[4]}"
    )
    return _spaced(st.one_of(st.tuples(iso, zone).map("".join), dst, plain, us))


def test_a_year_python_cannot_hold_is_left_to_the_per_row_form():
    # Polars parses 0000-01-01; Python's datetime has no year 0 (found by test_date_agrees).
    values = ["2021-03-14 02:30:00", "0000-01-01 00:00:00", "0000-01-01"]
    spec = {"name": "date", "formats": ["%Y-%m-%d %H:%M:%S"]}
    check(spec, values)
    check("date", values)
    assert vectorised(spec, values)[1:] == [FLAGGED, FLAGGED]


def test_day_offsets_kept_between_batches_are_those_of_each_zone(monkeypatch):
    # Each day's offset is asked of zoneinfo once per run and zone; a later batch (here the
    # second call) reads it back. Days with a DST change keep None (decided hour by hour).
    from migrate.convert import transforms

    monkeypatch.setattr(transforms, "_DAY_OFFSETS", {})
    values = ["2021-03-14 02:30:00", "2021-03-14 12:00:00", "2021-07-01 12:00:00"]
    spec = {"name": "date", "formats": ["%Y-%m-%d %H:%M:%S"]}
    first = vectorised(spec, values)
    assert vectorised(spec, values) == first
    check(spec, values)
    denver = transforms._DAY_OFFSETS["America/Denver"]
    assert denver[datetime(2021, 7, 1).date()] == -6 * 3600
    assert denver[datetime(2021, 3, 14).date()] is None
    berlin = {**spec, "timezone": "Europe/Berlin"}
    check(berlin, values)
    assert transforms._DAY_OFFSETS["Europe/Berlin"][datetime(2021, 7, 1).date()] == 2 * 3600


@EXAMPLES
@given(st.lists(_dates(), max_size=30))
def test_date_agrees(values):
    check({"name": "date", "formats": ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M"]}, values)
    check("date", values)
    check(
        {"name": "date", "formats": ["%d.%m.%Y", "%b %d %Y"], "timezone": "Europe/Berlin"}, values
    )


@EXAMPLES
@given(st.lists(_spaced(st.one_of(st.integers(-(10**12), 10**12).map(str), texts)), max_size=30))
def test_unix_time_agrees(values):
    check("unix_time", values)
    check({"name": "unix_time", "unit": "ms"}, values)


def _money() -> st.SearchStrategy[str]:
    number = st.one_of(
        st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False).map(str),
        st.integers(0, 10**16).map(lambda n: f"{n:,}"),
        st.sampled_from(["1,200.00", "85", "85.5", "1.230", "1.235", "00.50", "1,20", "1e3", "-5"]),
    )
    marker = st.sampled_from(["", "$", "€", "EUR ", " USD", "US$", "£"])
    return _spaced(st.tuples(marker, number).map("".join))


@EXAMPLES
@given(st.lists(_money(), max_size=30))
def test_money_agrees(values):
    check("money", values)
    check({"name": "money", "currency": "JPY"}, values)
    check({"name": "money", "currency": "KWD"}, values)
    check({"name": "money", "decimal_separator": ","}, values)


@EXAMPLES
@given(st.lists(_spaced(st.one_of(st.integers(-100, 10**17).map(str), texts)), max_size=30))
def test_minor_units_agrees(values):
    check("minor_units", values)
    check({"name": "minor_units", "currency": "JPY"}, values)


@EXAMPLES
@given(
    st.lists(
        _spaced(st.sampled_from(["0.2", "1.0", "0.5", "0.25", "1", "2", "-0.1", "x", ".5"])),
        max_size=20,
    )
)
def test_rating_scale_agrees(values):
    check({"name": "rating_scale", "source_max": 1}, values)
    check({"name": "rating_scale", "source_max": 10}, values)


def _html() -> st.SearchStrategy[str]:
    parts = st.sampled_from(
        [
            "<p>",
            "</p>",
            "<br>",
            "<BR/>",
            "<li>",
            "</li>",
            "<b>",
            "<div class='x'>",
            "<a title='<br>'>",
            "<script>x</script>",
            "<!-- c -->",
            "&amp;",
            "&lt;",
            "&amp;lt;",
            "&nbsp;",
            "&copy",
            "&#39;",
            "&#8217;",
            "&",
            "Warm",
            " ",
            "\n",
            "\t",
            "\x1c",
            "ſcript",
            "<ſcript>",
            "<p\u0301>",
            "\xa0",
            "<style>a</style >",
            "<h1>",
            "</H2>",
            "<ul>",
            "Tom",
            "<",
            ">",
        ]
    )
    return st.lists(parts, max_size=12).map("".join)


@EXAMPLES
@given(st.lists(_html(), max_size=20))
def test_html_to_text_agrees(values):
    check("html_to_text", values)


def _urls() -> st.SearchStrategy[str]:
    host = st.sampled_from(["img.example.com", "IMG.Example.com:8080", "a..b", "tält.example", "x"])
    path = st.lists(
        st.sampled_from(["a", " ", "ä", "😀", "%20", "%", "%zz", "?q=1 2", "#f g", "/", "[", "~"]),
        max_size=6,
    )
    scheme = st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", ""])
    return _spaced(st.tuples(scheme, host, path.map(lambda p: "/" + "".join(p))).map("".join))


@EXAMPLES
@given(st.lists(_urls(), max_size=20))
def test_url_encode_agrees(values):
    check("url_encode", values)


@pytest.mark.parametrize(
    ("dtype", "strategy"),
    [
        (pl.Int64, st.integers(-(2**62), 2**62)),
        (pl.Float64, st.floats(allow_nan=False)),
        (pl.Boolean, st.booleans()),
    ],
)
@EXAMPLES
@given(data=st.data())
def test_transforms_of_typed_values_agree(dtype, strategy, data):
    values = data.draw(st.lists(strategy, max_size=20))
    for name in ("trim", "int", "boolean", "minor_units"):
        check(name, values, dtype)


def test_few_rows_judges_only_the_masked_rows_and_spreads_their_results_back():
    batch = Batch(pl.DataFrame({"x": ["a", "bb", None, "ccc", "boom"]}))
    seen = []

    def judge(value):
        seen.append(value)
        if value == "boom":
            raise ValueError(value)
        return value.upper()

    val = Val("str", pl.col("x"))
    positions, results = batch.few_rows([val], judge, pl.col("x").str.len_chars() != 2)
    assert seen == ["a", "ccc", "boom"]  # the null and "bb" are not asked
    assert positions.to_list() == [0, 3, 4]
    from migrate.convert.batch import FAILED

    assert results[:2] == ["A", "CCC"] and results[2] is FAILED
    texts = batch.spread(positions, ["A", "CCC", None], pl.String())
    flags = batch.spread(positions, [False, False, True], pl.Boolean())
    assert batch.series(texts).to_list() == ["A", None, None, "CCC", None]
    assert batch.series(flags).to_list() == [False, False, False, False, True]
    nothing, none = batch.few_rows([val], judge, pl.lit(False))
    assert nothing.len() == 0 and none == []


# The output order of source ids: digit ids by number (Int64 ones on the fast path), then text.
SOURCE_IDS = st.one_of(
    st.integers(min_value=0, max_value=2**63 - 1).map(str),
    st.integers(min_value=0, max_value=10**25).map(str),
    st.from_regex(r"0[0-9]{0,3}", fullmatch=True),
    st.sampled_from(["", "+5", "-5", " 5", "5 ", "٣", "a7", "A7", "007", "9223372036854775808"]),
    st.text(alphabet="0123456789ab-", max_size=6),
)


@EXAMPLES
@given(st.lists(SOURCE_IDS, max_size=30), st.booleans())
def test_sort_by_source_id_is_the_per_row_order(ids, plain_only):
    from migrate.convert.ledger import sort_by_source_id
    from migrate.convert.pipeline import source_id_key

    if plain_only:  # every id a plain Int64: the one-key fast path
        ids = [str(int(sid)) for sid in ids if sid.isascii() and sid.isdigit() and int(sid) < 2**63]
    frame = pl.DataFrame(
        {"sid": ids, "at": range(len(ids))}, schema={"sid": pl.String, "at": pl.Int64}
    )
    ordered = sort_by_source_id(frame).get_column("at").to_list()
    expected = sorted(range(len(ids)), key=lambda at: source_id_key(ids[at]))
    assert ordered == expected
