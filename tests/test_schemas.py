"""schemas/intermediary.toml covers exactly what the spec describes."""

from __future__ import annotations

import pytest

from migrate import schemas
from migrate.edn.values import Keyword

K = Keyword


def keys(attributes) -> set[str]:
    return {attribute.key.text for attribute in attributes}


def test_the_five_row_types_of_the_spec():
    schema = schemas.load()
    assert [row_type.name for row_type in schema.types] == [
        "listing",
        "user",
        "image",
        "stripeAccount",
        "review",
    ]
    assert {row_type.id_attr.text for row_type in schema.types} == {
        "im.listing/id",
        "im.user/id",
        "im.image/id",
        "im.stripeAccount/id",
        "im.review/id",
    }
    for row_type in schema.types:
        assert row_type.namespace == f"im.{row_type.name}"
        assert all(a.key.namespace == row_type.namespace for a in row_type.attributes)


@pytest.mark.parametrize(
    ("name", "required", "optional"),
    [
        (
            "listing",
            {"im.listing/createdAt", "im.listing/title", "im.listing/state"},
            {
                "im.listing/description",
                "im.listing/location",
                "im.listing/price",
                "im.listing/currentStock",
                "im.listing/author",
                "im.listing/publicData",
                "im.listing/metadata",
            },
        ),
        (
            "user",
            {"im.user/primaryEmail", "im.user/role", "im.user/createdAt", "im.user/profile"},
            set(),
        ),
        ("image", {"im.image/url"}, {"im.image/listing", "im.image/sortOrder"}),
        ("stripeAccount", {"im.stripeAccount/stripeAccountId", "im.stripeAccount/user"}, set()),
        (
            "review",
            {
                "im.review/type",
                "im.review/state",
                "im.review/rating",
                "im.review/createdAt",
                "im.review/author",
                "im.review/subject",
                "im.review/content",
            },
            {"im.review/listing"},
        ),
    ],
)
def test_required_and_optional_attributes(name, required, optional):
    row_type = schemas.load().row_type(name)
    assert keys(a for a in row_type.attributes if a.required) == required
    assert keys(a for a in row_type.attributes if not a.required) == optional


def test_nested_maps_of_the_user():
    user = schemas.load().row_type("user")
    email = user.by_key[K("im.user/primaryEmail")]
    assert email.kind == "map"
    assert {(a.key.text, a.kind, a.required) for a in email.attributes} == {
        ("im.email/address", "email", True),
        ("im.email/verified", "boolean", True),
    }
    profile = user.by_key[K("im.user/profile")]
    assert keys(a for a in profile.attributes if a.required) == {
        "im.userProfile/firstName",
        "im.userProfile/lastName",
    }
    assert keys(a for a in profile.attributes if not a.required) == {
        "im.userProfile/displayName",
        "im.userProfile/bio",
        "im.userProfile/publicData",
        "im.userProfile/protectedData",
        "im.userProfile/privateData",
        "im.userProfile/metadata",
        "im.userProfile/avatar",
    }


@pytest.mark.parametrize(
    ("type_name", "key", "kind", "values"),
    [
        (
            "listing",
            "im.listing/state",
            "enum",
            [
                "listing.state/published",
                "listing.state/closed",
                "listing.state/draft",
                "listing.state/pendingApproval",
            ],
        ),
        ("user", "im.user/role", "enum-set", ["user.role/customer", "user.role/provider"]),
        ("review", "im.review/type", "enum", ["review.type/ofCustomer", "review.type/ofProvider"]),
        ("review", "im.review/state", "enum", ["review.state/pending", "review.state/public"]),
    ],
)
def test_enums(type_name, key, kind, values):
    attribute = schemas.load().row_type(type_name).by_key[K(key)]
    assert attribute.kind == kind
    assert [value.text for value in attribute.values] == values


def test_reference_targets_are_those_of_the_issue():
    schema = schemas.load()
    refs = {
        attribute.key.text: attribute.targets
        for row_type in schema.types
        for attribute in schemas.all_attributes(row_type)
        if attribute.kind == "ref"
    }
    assert refs == {
        "im.listing/author": ("user",),
        "im.image/listing": ("listing",),
        "im.userProfile/avatar": ("image",),
        "im.stripeAccount/user": ("user",),
        "im.review/author": ("user",),
        "im.review/subject": ("user",),
        "im.review/listing": ("listing",),
    }


def test_bounds_and_value_kinds():
    schema = schemas.load()
    rating = schema.row_type("review").by_key[K("im.review/rating")]
    assert (rating.kind, rating.min, rating.max) == ("integer", 1, 5)
    stock = schema.row_type("listing").by_key[K("im.listing/currentStock")]
    assert (stock.kind, stock.min, stock.max) == ("integer", 0, None)
    listing = schema.row_type("listing")
    assert listing.by_key[K("im.listing/price")].kind == "money"
    assert listing.by_key[K("im.listing/location")].kind == "location"
    assert schema.row_type("image").by_key[K("im.image/url")].kind == "url"
    assert schema.extended_data_max_bytes == 50 * 1024
    for row_type in schema.types:
        for attribute in schemas.all_attributes(row_type):
            assert attribute.kind in schemas.VALUE_KINDS
            assert attribute.doc, f"{attribute.key!r} has no doc"
            assert bool(attribute.values) == (attribute.kind in ("enum", "enum-set"))
            assert bool(attribute.targets) == (attribute.kind == "ref")
            assert bool(attribute.attributes) == (attribute.kind == "map")


def test_lookups():
    schema = schemas.load()
    assert schema.by_id_attr[K("im.review/id")] is schema.row_type("review")
    assert schema.row_type("user").order[K("im.user/primaryEmail")] == 0
    with pytest.raises(KeyError):
        schema.row_type("transaction")
    assert schemas.load() is schema


def test_key_returns_schema_keywords_and_refuses_unknown_ones():
    import pytest

    from migrate.edn.values import Keyword

    assert schemas.key("im.userProfile/avatar") is Keyword("im.userProfile/avatar")
    assert schemas.key("im.user/id") is Keyword("im.user/id")
    with pytest.raises(KeyError, match='no attribute or id attribute "im.user/emial"'):
        schemas.key("im.user/emial")
