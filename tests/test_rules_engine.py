"""The rule engine in memory: check_row and CrossRowChecker on Row values (no files)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from migrate.edn.values import Keyword, Location, Money, NonCanonicalUUID, Ref, Row, Tagged
from migrate.rules import (
    SEVERITY,
    CrossRowChecker,
    RowChecker,
    Severity,
    Stamper,
    UnknownRuleCode,
    check_row,
    parse_codes,
)

K = Keyword
NOW = datetime(2026, 1, 1, tzinfo=UTC)
T = datetime(2020, 1, 1, tzinfo=UTC)


def user(alias="jane", **changes):
    attrs = {
        K("im.user/createdAt"): T,
        K("im.user/primaryEmail"): {
            K("im.email/address"): f"{alias}@example.com",
            K("im.email/verified"): True,
        },
        K("im.user/role"): (K("user.role/customer"), K("user.role/provider")),
        K("im.user/profile"): {
            K("im.userProfile/firstName"): alias.capitalize(),
            K("im.userProfile/lastName"): "Doe",
        },
    }
    attrs.update({K(key): value for key, value in changes.items()})
    return Row(K("im.user/id"), None, K(f"user/{alias}"), attrs)


def listing(**changes):
    attrs = {
        K("im.listing/createdAt"): T,
        K("im.listing/title"): "Sauna",
        K("im.listing/state"): K("listing.state/published"),
        K("im.listing/author"): Ref.to_alias(K("user/jane")),
        K("im.listing/publicData"): {
            K("listingType"): "rent",
            K("transactionProcessAlias"): "default-booking/release-1",
            K("unitType"): "day",
            K("location"): {K("address"): "Main St 1"},
        },
    }
    attrs.update({K(key): value for key, value in changes.items()})
    return Row(K("im.listing/id"), uuid.UUID(int=1), K("listing/sauna"), attrs)


def check(row):
    return [(f.code, f.message) for f in RowChecker(now=NOW).check(row)]


def codes(findings):
    return [f.code for f in findings]


def test_valid_rows_have_no_findings():
    assert check(user()) == []
    assert check(listing()) == []


def test_finding_carries_code_severity_row_and_attribute():
    [finding] = RowChecker(now=NOW).check(listing(**{"im.listing/currentStock": -2}), index=7)
    assert finding.code == "integer-range"
    assert finding.severity is Severity.ERROR
    assert finding.message == ":im.listing/currentStock must be an integer of at least 0, found -2"
    assert (finding.row_index, finding.row_label, finding.attribute) == (
        7,
        ":listing/sauna",
        ":im.listing/currentStock",
    )
    assert (finding.file, finding.line, finding.column) == (None, None, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (6, ("integer-range", ":im.review/rating must be an integer from 1 to 5, found 6")),
        (
            True,
            (
                "type-mismatch",
                ":im.review/rating must be an integer from 1 to 5, found true (boolean)",
            ),
        ),
        (
            Decimal("5"),
            (
                "type-mismatch",
                ":im.review/rating must be an integer from 1 to 5, found 5M (decimal)",
            ),
        ),
        (
            5.0,
            (
                "type-mismatch",
                ":im.review/rating must be an integer from 1 to 5, found 5.0 (float)",
            ),
        ),
    ],
)
def test_rating_is_a_strict_integer(value, expected):
    row = Row(
        K("im.review/id"),
        attrs={
            K("im.review/type"): K("review.type/ofCustomer"),
            K("im.review/state"): K("review.state/public"),
            K("im.review/rating"): value,
            K("im.review/createdAt"): T,
            K("im.review/content"): "ok",
            K("im.review/author"): Ref.to_alias(K("user/a")),
            K("im.review/subject"): Ref.to_alias(K("user/b")),
        },
    )
    assert check(row) == [expected]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"im.listing/description": ""}, "attribute-empty"),
        ({"im.listing/description": "  \n"}, "attribute-empty"),
        ({"im.listing/description": None}, "attribute-empty"),
        ({"im.listing/metadata": {}}, "attribute-empty"),
        ({"im.listing/title": ""}, "attribute-empty"),
        ({"im.listing/colour": "red"}, "attribute-unknown"),
        ({"im.listing/state": "published"}, "enum-value"),
        ({"im.listing/createdAt": "2020-01-01"}, "type-mismatch"),
        ({"im.listing/createdAt": datetime(2030, 1, 1, tzinfo=UTC)}, "instant-future"),
        ({"im.listing/price": Money(Decimal("-1"), "EUR")}, "money-negative"),
        ({"im.listing/price": Money(Decimal("1"), "eur")}, "currency-unknown"),
        ({"im.listing/price": Money(Decimal("1.5"), "JPY")}, "money-precision"),
        ({"im.listing/price": Money(1.5, "EUR")}, "money-float"),
        ({"im.listing/price": Money("1", "EUR")}, "money-shape"),
        ({"im.listing/price": Tagged("im/money", (1,))}, "money-shape"),
        ({"im.listing/price": 12}, "type-mismatch"),
        ({"im.listing/location": Location(10, 200)}, "location-range"),
        ({"im.listing/location": Location(float("nan"), 2)}, "location-shape"),
        ({"im.listing/location": Tagged("im/location", (1,))}, "location-shape"),
        ({"im.listing/author": Tagged("im/ref", "jane")}, "ref-malformed"),
        ({"im.listing/author": Ref.to_alias(K("jane"))}, "ref-malformed"),
        ({"im.listing/author": Ref.to_id(K("im.image/id"), uuid.UUID(int=3))}, "ref-wrong-type"),
        ({"im.listing/author": Tagged("my/ref", "x")}, "tag-unknown"),
        ({"im.listing/metadata": {"a": K("b")}}, "extended-data-type"),
        ({"im.listing/metadata": {1: "b"}}, "extended-data-type"),
        ({"im.listing/metadata": {"a": "x" * 60000}}, "extended-data-size"),
        ({"im.listing/metadata": "x"}, "type-mismatch"),
    ],
)
def test_listing_attribute_rules(changes, expected):
    assert [code for code, _ in check(listing(**changes))] == [expected]


def test_user_rules_and_nested_maps():
    profile = {K("im.userProfile/firstName"): "Jo"}
    assert check(user(**{"im.user/profile": profile})) == [
        ("attribute-required", ":im.userProfile/lastName is required in :im.user/profile (string)")
    ]
    email = {K("im.email/address"): "jo@example.com"}
    assert check(user(**{"im.user/primaryEmail": email})) == [
        ("email-shape", ":im.email/verified is required in :im.user/primaryEmail (boolean)")
    ]
    email = {K("im.email/address"): "jo at example.com", K("im.email/verified"): True}
    assert [c for c, _ in check(user(**{"im.user/primaryEmail": email}))] == ["email-invalid"]
    email = {K("im.email/address"): "jo@example.com", K("im.email/verified"): "yes"}
    assert check(user(**{"im.user/primaryEmail": email})) == [
        ("type-mismatch", ':im.email/verified must be true or false, found "yes" (string)')
    ]
    roles = (K("user.role/customer"), K("user.role/customer"))
    assert [c for c, _ in check(user(**{"im.user/role": roles}))] == [
        "roles-invalid",
        "roles-incomplete",
    ]
    assert [c for c, _ in check(user(**{"im.user/role": (K("user.role/admin"),)}))] == [
        "enum-value"
    ]
    assert [c for c, _ in check(user(**{"im.user/role": ()}))] == ["attribute-empty"]


def test_id_tuple_rules():
    row = user()
    row.import_id = NonCanonicalUUID("3F1E2D4C-5B6A-4798-8A9B-0C1D2E3F4A5B")
    row.alias = K("user/1abc")
    assert check(row) == [
        (
            "import-id-not-canonical",
            'import id #uuid "3F1E2D4C-5B6A-4798-8A9B-0C1D2E3F4A5B" must be written in canonical '
            'form (lowercase 8-4-4-4-12) #uuid "3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b"',
        ),
        (
            "alias-invalid",
            "alias :user/1abc must not begin with a digit after the '/'; prefix it with a "
            "letter, such as :user/u1abc",
        ),
    ]
    assert check(Row(K("im.order/id"))) == [
        (
            "row-type-unknown",
            ":im.order/id is not a row type; expected one of :im.listing/id, :im.user/id, "
            ":im.image/id, :im.stripeAccount/id, :im.review/id",
        )
    ]


def test_check_row_is_the_in_memory_entry_point():
    assert codes(check_row(listing(**{"im.listing/title": " "}))) == ["attribute-empty"]


def test_cross_row_references_forward_and_backward():
    checker = CrossRowChecker()
    img = Row(K("im.image/id"), uuid.UUID(int=9), None, {K("im.image/url"): "https://e.com/a"})
    rows = [
        listing(),  # author :user/jane defined later: forward reference
        user(),
        img,
        Row(
            K("im.image/id"),
            None,
            None,
            {
                K("im.image/url"): "https://e.com/b",
                K("im.image/listing"): Ref.to_id(K("im.listing/id"), uuid.UUID(int=1)),
            },
        ),
        Row(
            K("im.stripeAccount/id"),
            attrs={
                K("im.stripeAccount/stripeAccountId"): "a",
                K("im.stripeAccount/user"): Ref.to_alias(K("listing/sauna")),
            },
        ),
    ]
    immediate = [f for index, row in enumerate(rows) for f in checker.add(row, index)]
    assert immediate == [] or codes(immediate) == ["ref-wrong-type"]
    final = immediate + checker.finish()
    assert [(f.code, f.row_index, f.message) for f in final] == [
        (
            "ref-wrong-type",
            4,
            ":im.stripeAccount/user must reference a user row, found #im/ref :listing/sauna "
            "which is a listing row (row 0)",
        ),
        (
            "image-unreferenced",
            2,
            "image (row 2) is neither a listing image (:im.image/listing) nor any user's avatar; "
            "it will be imported but never shown",
        ),
    ]


def test_cross_row_duplicates_name_the_first_occurrence():
    checker = CrossRowChecker()
    assert checker.add(user(), 0) == []
    twin = user("jane")
    twin.attrs[K("im.user/primaryEmail")] = {
        K("im.email/address"): "JANE@Example.com",
        K("im.email/verified"): True,
    }
    found = checker.add(twin, 1, position=lambda path: (10, 2 + len(path)))
    assert [(f.code, f.message, f.line, f.column) for f in found] == [
        (
            "alias-duplicate",
            "alias :user/jane is already used by row 0; aliases must be unique in the file",
            10,
            4,
        ),
        (
            "email-duplicate",
            ':im.email/address "JANE@Example.com" is already the primary email of row 0; '
            "primary emails must be unique (ignoring case)",
            10,
            5,
        ),
    ]


def test_cross_row_unresolved_stripe_duplicate_self_review_and_shared_avatar():
    checker = CrossRowChecker()
    avatar = Ref.to_alias(K("image/a"))
    rows = [
        Row(K("im.image/id"), None, K("image/a"), {K("im.image/url"): "https://e.com/a"}),
        user(
            "jane",
            **{
                "im.user/profile": {
                    **user().attrs[K("im.user/profile")],
                    K("im.userProfile/avatar"): avatar,
                }
            },
        ),
        user(
            "john",
            **{
                "im.user/profile": {
                    **user("john").attrs[K("im.user/profile")],
                    K("im.userProfile/avatar"): avatar,
                }
            },
        ),
    ]
    for _ in range(2):
        rows.append(
            Row(
                K("im.stripeAccount/id"),
                attrs={
                    K("im.stripeAccount/stripeAccountId"): "acct",
                    K("im.stripeAccount/user"): Ref.to_alias(K("user/jane")),
                },
            )
        )
    rows.append(
        Row(
            K("im.review/id"),
            attrs={
                K("im.review/author"): Ref.to_alias(K("user/john")),
                K("im.review/subject"): Ref.to_alias(K("user/john")),
                K("im.review/listing"): Ref.to_alias(K("listing/gone")),
            },
        )
    )
    found = [f for index, row in enumerate(rows) for f in checker.add(row, index)]
    found += checker.finish()
    assert [(f.code, f.row_index) for f in found] == [
        ("avatar-shared", 2),
        ("stripe-account-duplicate", 4),
        ("review-self", 5),
        ("ref-unresolved", 5),
    ]
    assert found[1].message == (
        "user #im/ref :user/jane already has a Stripe account (row 3); a user has at most one"
    )
    assert found[3].message == (
        ":im.review/listing refers to #im/ref :listing/gone, but no row in this file has that alias"
    )


def test_select_and_ignore_filter_codes_and_unknown_codes_are_refused():
    stamper = Stamper(select=parse_codes(["integer-range"]))
    row = listing(**{"im.listing/currentStock": -1, "im.listing/title": ""})
    assert codes(RowChecker(now=NOW, stamper=stamper).check(row)) == ["integer-range"]
    stamper = Stamper(ignore=parse_codes(["integer-range"]))
    assert codes(RowChecker(now=NOW, stamper=stamper).check(row)) == ["attribute-empty"]
    with pytest.raises(UnknownRuleCode, match="unknown rule codes nope, zilch"):
        parse_codes(["integer-range", "nope", "zilch"])


def test_every_code_has_a_severity_and_warnings_are_the_documented_ones():
    warnings = sorted(code for code, severity in SEVERITY.items() if severity is Severity.WARNING)
    assert warnings == sorted(
        [
            "money-float",
            "instant-future",
            "review-self",
            "avatar-shared",
            "image-unreferenced",
            "roles-incomplete",
            "listing-no-author",
            "listing-public-data-incomplete",
            "listing-address-missing",
            "ref-unverified",
            "name-looks-like-contact",
            "review-before-created",
            "image-url-duplicate",
            "field-not-applicable",
            "public-data-key-unknown",
            "listing-price-missing",
            "user-type-missing",
        ]
    )
