"""Transforms of job files: each one's conversions, its failure message, and the registry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.convert.transforms import (
    TRANSFORMS,
    TransformContext,
    TransformError,
    TransformSpecError,
    compile_transform,
    html_to_text,
    split_name,
    url_encode,
)
from migrate.edn.values import Money

USD = TransformContext(currency="USD", timezone="America/Denver")


def run(spec, value, context=USD):
    return compile_transform(spec, context)(value)


def failure(spec, value, context=USD) -> str:
    with pytest.raises(TransformError) as caught:
        run(spec, value, context)
    return str(caught.value)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize("empty", [None, "", "   "])
def test_every_transform_passes_empty_values_through_as_none(name, empty):
    assert run(name, empty) is None


def test_trim_and_lower():
    assert run("trim", "  Anna ") == "Anna"
    assert run("trim", 42) == "42"
    assert run("lower", " Anna@Example.COM ") == "anna@example.com"


def test_strip_control_removes_invisible_characters_and_normalises_newlines():
    assert run("strip_control", "Tent\x00 for\u200b two\r\nline\ttab") == "Tent for two\nline\ttab"
    assert run("strip_control", "\x01\x02") is None


def test_date_formats_then_iso_with_the_default_zone():
    spec = {"name": "date", "formats": ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M"]}
    assert run(spec, "2021-06-14 09:32:11") == datetime(2021, 6, 14, 15, 32, 11, tzinfo=UTC)
    assert run(spec, "06/14/2021 09:32") == datetime(2021, 6, 14, 15, 32, tzinfo=UTC)
    assert run(spec, "2021-06-14T09:32:11+02:00") == datetime(2021, 6, 14, 7, 32, 11, tzinfo=UTC)
    assert run(spec, "2021-06-14T09:32:11Z") == datetime(2021, 6, 14, 9, 32, 11, tzinfo=UTC)


def test_date_accepts_native_values_and_an_explicit_zone():
    assert run({"name": "date", "timezone": "Europe/Helsinki"}, datetime(2021, 1, 1, 12)) == (
        datetime(2021, 1, 1, 10, tzinfo=UTC)
    )
    assert run("date", date(2021, 1, 1)) == datetime(2021, 1, 1, 7, tzinfo=UTC)


def test_date_failure_names_the_formats_tried():
    spec = {"name": "date", "formats": ["%d.%m.%Y"]}
    assert failure(spec, "14/06/2021") == (
        '"14/06/2021" does not match any date format (%d.%m.%Y, ISO 8601)'
    )


def test_unix_time_in_seconds_and_milliseconds():
    assert run("unix_time", "1615644300") == datetime(2021, 3, 13, 14, 5, tzinfo=UTC)
    assert run({"name": "unix_time", "unit": "ms"}, 1615644300000) == datetime(
        2021, 3, 13, 14, 5, tzinfo=UTC
    )
    assert failure("unix_time", "yesterday") == '"yesterday" is not a unix timestamp in s'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,200.00", Money(Decimal("1200.00"), "USD")),
        ("45.5", Money(Decimal("45.50"), "USD")),
        ("85", Money(Decimal("85.00"), "USD")),
        ("-$5", Money(Decimal("-5.00"), "USD")),
        ("EUR 12", Money(Decimal("12.00"), "EUR")),
        ("12 usd", Money(Decimal("12.00"), "USD")),
        ("$ 1 200.50", Money(Decimal("1200.50"), "USD")),
        (12, Money(Decimal("12.00"), "USD")),
        (Decimal("9.99"), Money(Decimal("9.99"), "USD")),
    ],
)
def test_money_parses_amounts_in_major_units(text, expected):
    assert run("money", text) == expected


def test_money_with_comma_decimals_and_a_currency_without_minor_units():
    euro = {"name": "money", "currency": "EUR", "decimal_separator": ","}
    assert run(euro, "1.200,00 €") == Money(Decimal("1200.00"), "EUR")
    assert run(euro, "1 200,5") == Money(Decimal("1200.50"), "EUR")
    assert run({"name": "money", "currency": "JPY"}, "¥1,200") == Money(Decimal("1200"), "JPY")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.005", '"1.005" has more decimals than USD allows (2)'),
        ("abc", '"abc" is not an amount of money'),
        ("1,2,3", '"1,2,3" is not an amount with "." as decimal separator'),
        ("€5", '"€5": currency symbol "€" does not match currency USD'),
        ("12 XYZ", '"12 XYZ": unknown currency code "XYZ"'),
    ],
)
def test_money_failures(text, message):
    assert failure("money", text) == message


def test_money_without_any_currency_says_how_to_set_one():
    assert failure("money", "12", TransformContext()) == (
        '"12": no currency (set [defaults] currency)'
    )


def test_minor_units():
    assert run("minor_units", "120000") == Money(Decimal("1200.00"), "USD")
    assert run({"name": "minor_units", "currency": "JPY"}, 500) == Money(Decimal("500"), "JPY")
    assert run({"name": "minor_units", "currency": "BHD"}, "1500") == Money(Decimal("1.500"), "BHD")
    assert failure("minor_units", "12.5") == '"12.5" is not a whole number of minor units'


@pytest.mark.parametrize("text", ["t", "TRUE", "Yes", "y", "1", 1, True])
def test_boolean_true(text):
    assert run("boolean", text) is True


@pytest.mark.parametrize("text", ["f", "False", "NO", "n", "0", 0, False])
def test_boolean_false(text):
    assert run("boolean", text) is False


def test_boolean_failure():
    assert failure("boolean", "maybe") == (
        '"maybe" is not a boolean (t/f, true/false, yes/no, y/n, 1/0)'
    )


def test_int():
    assert run("int", "12") == 12
    assert run("int", "3.0") == 3
    assert run("int", 7.0) == 7
    assert failure("int", "3.5") == '"3.5" is not an integer'
    assert failure("int", "three") == '"three" is not an integer'


def test_rating_scale_multiplies_and_rounds_half_up():
    assert [run("rating_scale", score) for score in ("0.2", "0.4", 0.6, "0.8", "1.0")] == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert run("rating_scale", "0.5") == 3
    assert run({"name": "rating_scale", "source_max": 10}, "7") == 4
    assert failure("rating_scale", "1.5") == 'rating "1.5" is outside 0–1'
    assert failure("rating_scale", "good") == '"good" is not a rating'


def test_html_to_text():
    markup = (
        "<p>Warm &amp; dry</p>\n<p>Includes: <b>tent</b><br>pegs</p><ul><li>a</li><li>b</li></ul>"
    )
    assert html_to_text(markup) == "Warm & dry\n\nIncludes: tent\npegs\n\n- a\n- b"
    assert html_to_text("<script>alert(1)</script>Hi  there") == "Hi there"
    assert run("html_to_text", "<p> </p>") is None


def test_split_name():
    assert split_name("Anna Smith") == ("Anna", "Smith")
    assert split_name("Mary Ann Smith") == ("Mary Ann", "Smith")
    assert split_name("Ludwig van Beethoven") == ("Ludwig", "van Beethoven")
    assert split_name("Cher") == ("Cher", "")
    assert run({"name": "split_name", "part": "last"}, "Cher") is None
    assert run({"name": "split_name", "part": "first"}, " Anna  Smith ") == "Anna"


def test_url_encode():
    assert url_encode("https://cdn.example.com/tält 1.jpg") == (
        "https://cdn.example.com/t%C3%A4lt%201.jpg"
    )
    assert url_encode("https://bücher.example/a b?q=x y&z=ö#f g") == (
        "https://xn--bcher-kva.example/a%20b?q=x%20y&z=%C3%B6#f%20g"
    )
    assert url_encode("https://x.example/100%") == "https://x.example/100%25"
    assert url_encode("https://user@x.example:8080/a%20b") == "https://user@x.example:8080/a%20b"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30))
def test_url_encode_is_idempotent_and_ascii(path):
    once = url_encode("https://img.example/" + path)
    assert once.isascii() and " " not in once
    assert url_encode(once) == once


def test_transform_chain_applies_left_to_right():
    assert run(["trim", {"name": "split_name", "part": "last"}], "  Anna Smith ") == "Smith"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("lowr", 'unknown transform "lowr" (did you mean "lower"?)'),
        ({"formats": []}, "a transform table needs a 'name'"),
        (
            {"name": "date", "format": "%Y"},
            'date: unknown parameter "format" (parameters: formats, timezone)',
        ),
        ({"name": "date", "formats": "%Y"}, "formats: expected an array of strings"),
        ({"name": "date", "timezone": "Mars/Base"}, 'timezone: unknown time zone "Mars/Base"'),
        ({"name": "money", "currency": "DOLLAR"}, 'currency: unknown currency "DOLLAR"'),
        ({"name": "unix_time", "unit": "h"}, 'unit: expected one of "s", "ms", got "h"'),
        ({"name": "rating_scale", "source_max": "5"}, 'source_max: expected a number, got "5"'),
        ({"name": "rating_scale", "source_max": 0}, "source_max: must be positive, got 0"),
        ({"name": "trim", "x": 1}, 'trim: unknown parameter "x" (parameters: none)'),
        ([], "an empty transform list"),
        (3, "expected a transform name or table, got 3"),
    ],
)
def test_bad_transform_specs(spec, message):
    with pytest.raises(TransformSpecError) as caught:
        compile_transform(spec, USD)
    assert str(caught.value) == message
