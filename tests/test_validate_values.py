"""``##NaN``, ``##Inf`` and ``##-Inf`` (values ``clojure.edn`` reads; our reader reads them as the
floats ``math.nan``, ``math.inf`` and ``-math.inf``) are rejected wherever they appear in rows,
naming the row and the attribute; and the data-quality rules on rows."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from migrate.edn.values import Keyword as K
from migrate.edn.values import Location, Money, Ref, Row
from migrate.rules import RowChecker

NOW = datetime(2026, 1, 1, tzinfo=UTC)
T = datetime(2020, 1, 1, tzinfo=UTC)


def listing(**attrs) -> Row:
    base = {
        K("im.listing/createdAt"): T,
        K("im.listing/title"): "Sauna",
        K("im.listing/state"): K("listing.state/published"),
        K("im.listing/author"): Ref.to_alias(K("user/jane")),
        K("im.listing/publicData"): {
            K("listingType"): "rent",
            K("transactionProcessAlias"): "default-booking/release-1",
            K("unitType"): "day",
            K("location"): {K("address"): "Main St 1, Helsinki"},
        },
    }
    base.update({K(key): value for key, value in attrs.items()})
    return Row(K("im.listing/id"), None, K("listing/sauna"), base)


def review(rating) -> Row:
    return Row(
        K("im.review/id"),
        None,
        K("review/r1"),
        {
            K("im.review/type"): K("review.type/ofCustomer"),
            K("im.review/state"): K("review.state/public"),
            K("im.review/rating"): rating,
            K("im.review/createdAt"): T,
            K("im.review/content"): "Fine",
            K("im.review/author"): Ref.to_alias(K("user/john")),
            K("im.review/subject"): Ref.to_alias(K("user/jane")),
        },
    )


def found(row: Row) -> list[tuple[str, str | None, str | None, str]]:
    return [
        (f.code, f.row_label, f.attribute, f.message)
        for f in RowChecker(now=NOW).check(row, index=7)
    ]


@pytest.mark.parametrize(
    ("value", "shown"), [(math.nan, "##NaN"), (math.inf, "##Inf"), (-math.inf, "##-Inf")]
)
def test_non_finite_money_amount(value, shown):
    assert found(listing(**{"im.listing/price": Money(value, "EUR")})) == [
        (
            "money-shape",
            ":listing/sauna",
            ":im.listing/price",
            f":im.listing/price amount must be a finite number such as 12.50M, found {shown} "
            "(float)",
        )
    ]


def test_non_finite_decimal_amount():
    assert found(listing(**{"im.listing/price": Money(Decimal("NaN"), "EUR")}))[0][3] == (
        ":im.listing/price amount must be a finite number such as 12.50M, found ##NaN (decimal)"
    )


def test_non_finite_coordinates():
    assert found(listing(**{"im.listing/location": Location(math.inf, -math.inf)})) == [
        (
            "location-shape",
            ":listing/sauna",
            ":im.listing/location",
            ":im.listing/location latitude must be a finite number, found ##Inf (float)",
        ),
        (
            "location-shape",
            ":listing/sauna",
            ":im.listing/location",
            ":im.listing/location longitude must be a finite number, found ##-Inf (float)",
        ),
    ]


def test_non_finite_rating():
    assert found(review(math.nan)) == [
        (
            "type-mismatch",
            ":review/r1",
            ":im.review/rating",
            ":im.review/rating must be an integer from 1 to 5, found ##NaN (float)",
        )
    ]


def test_non_finite_numbers_in_extended_data_at_any_depth():
    public = {
        K("listingType"): "rent",
        K("transactionProcessAlias"): "default-booking/release-1",
        K("unitType"): "day",
        K("size"): {K("area"): (1, math.inf)},
    }
    assert found(listing(**{"im.listing/publicData": public})) == [
        (
            "extended-data-type",
            ":listing/sauna",
            ":im.listing/publicData",
            ":im.listing/publicData.size.area[1] must hold JSON values only: ##Inf is not a "
            "finite number",
        )
    ]


def test_the_rest_of_the_row_is_still_checked():
    row = listing(**{"im.listing/price": Money(math.nan, "EUR"), "im.listing/currentStock": -1})
    assert [code for code, *_ in found(row)] == ["money-shape", "integer-range"]


USER = {
    K("im.user/createdAt"): T,
    K("im.user/primaryEmail"): {
        K("im.email/address"): "jane@example.com",
        K("im.email/verified"): True,
    },
    K("im.user/role"): (K("user.role/customer"), K("user.role/provider")),
}


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ({"firstName": "Jane", "lastName": "Doe"}, []),
        (
            {"firstName": "jane@example.com", "lastName": "Doe"},
            [":im.userProfile/firstName looks like an email address"],
        ),
        (
            {"firstName": "Jane", "lastName": "Doe", "displayName": "Call +358 40 123 4567"},
            [":im.userProfile/displayName looks like a phone number"],
        ),
        ({"firstName": "Jane", "lastName": "Doe 2nd", "displayName": "Room 101"}, []),
    ],
)
def test_names_holding_an_email_or_a_phone_number_are_warned_about(names, expected):
    profile = {K(f"im.userProfile/{key}"): value for key, value in names.items()}
    row = Row(K("im.user/id"), None, K("user/jane"), {**USER, K("im.user/profile"): profile})
    messages = [f.message for f in RowChecker(now=NOW).check(row)]
    assert messages == [
        f"{text}: names are public profile text, so the import would publish it to every visitor"
        for text in expected
    ]
