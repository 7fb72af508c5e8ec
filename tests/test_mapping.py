"""Declarative mapping: source rows to Intermediary rows or rejections, ids and aliases."""

from __future__ import annotations

import json
import textwrap
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.convert.ids import NAMESPACE, AliasCollision, AliasRegistry, alias, import_id
from migrate.convert.job import JobError, load_job
from migrate.convert.mapping import MappedRecord, Reference, Rejection, build_mappers
from migrate.edn.values import Keyword, Location, Money, Ref

K = Keyword

USERS = """\
id,email,first_name,last_name,full_name,nick,signed_up_at,phone,verified
1,anna@example.com,Anna,Smith,,,2021-01-01 10:00,+1-555,1
2,bob@example.com,,,Bob Stone,Bobby,2021-01-02 10:00,,0
3,cher@example.com,,,Cher,,2021-01-03 10:00,,1
,nobody@example.com,No,Id,,,2021-01-04 10:00,,1
5,eve@example.com,Eve,Adams,,,yesterday,,1
6,fay@example.com,Fay,Bell,,,2021-01-06 10:00,,maybe
"""

USER_JOB = """\
ident = "test-market"

[defaults]
timezone = "America/Denver"
currency = "USD"

[sources.users]
type = "csv"
path = "users.csv"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
email = "email"
emailVerified = { column = "verified", transform = "boolean" }
firstName = ["first_name", { column = "full_name", transform = { name = "split_name", part = "first" } }]
lastName = ["last_name", { column = "full_name", transform = { name = "split_name", part = "last" } }]
displayName = "nick"
createdAt = { column = "signed_up_at", transform = { name = "date", formats = ["%Y-%m-%d %H:%M"] } }

[records.user.protected_data]
phone = "phone"
"contact.email" = { template = "{email} ({id})" }
"""


def setup(tmp_path: Path, job: str, **files: str):
    for name, text in files.items():  # users_csv= writes users.csv
        (tmp_path / name.replace("_csv", ".csv")).write_text(text)
    (tmp_path / "job.toml").write_text(textwrap.dedent(job))
    return load_job(tmp_path / "job.toml")


def mapped(job) -> list[MappedRecord | Rejection]:
    results = []
    for mapper in build_mappers(job):
        results += [mapper.map(row) for row in mapper.source_rows()]
    return results


@pytest.fixture
def users(tmp_path):
    return mapped(setup(tmp_path, USER_JOB, users_csv=USERS))


def test_a_user_row_in_full(users):
    anna = users[0]
    assert isinstance(anna, MappedRecord)
    assert anna.record_type == "user" and anna.source_id == "1"
    assert str(anna.origin) == "users.csv:2"
    row = anna.row
    assert row.id_attr is K("im.user/id")
    assert row.import_id == uuid.uuid5(NAMESPACE, "test-market/user/1")
    assert row.alias is K("user/u1")
    assert row.attrs == {
        K("im.user/primaryEmail"): {
            K("im.email/address"): "anna@example.com",
            K("im.email/verified"): True,
        },
        K("im.user/role"): (K("user.role/customer"), K("user.role/provider")),
        K("im.user/createdAt"): datetime(2021, 1, 1, 17, 0, tzinfo=UTC),
        K("im.user/profile"): {
            K("im.userProfile/firstName"): "Anna",
            K("im.userProfile/lastName"): "Smith",
            K("im.userProfile/protectedData"): {
                K("phone"): "+1-555",
                K("contact"): {K("email"): "anna@example.com (1)"},
            },
        },
    }
    # attributes in schema order, so the same input always writes the same bytes
    assert list(row.attrs) == [
        K("im.user/primaryEmail"),
        K("im.user/role"),
        K("im.user/createdAt"),
        K("im.user/profile"),
    ]
    assert anna.refs == ()


def test_fallback_value_specs_and_optional_attributes(users):
    bob = users[1].row.attrs[K("im.user/profile")]
    assert bob[K("im.userProfile/firstName")] == "Bob"
    assert bob[K("im.userProfile/lastName")] == "Stone"
    assert bob[K("im.userProfile/displayName")] == "Bobby"
    anna = users[0].row.attrs[K("im.user/profile")]
    assert K("im.userProfile/displayName") not in anna  # empty: omitted, never written empty


def test_required_attribute_missing_is_rejected(users):
    cher = users[2]
    assert isinstance(cher, Rejection)
    assert (cher.record_type, cher.source_id, cher.code) == ("user", "3", "attribute-required")
    assert cher.message == (
        "missing required attribute lastName (im.userProfile/lastName) "
        "(no value in last_name, full_name)"
    )
    assert cher.values == {"last_name": None, "full_name": "Cher"}
    assert str(cher.origin) == "users.csv:4"


def test_missing_source_id_is_rejected(users):
    nobody = users[3]
    assert (nobody.code, nobody.source_id, nobody.message) == (
        "source-id-missing",
        None,
        'no source id in column "id"',
    )
    assert nobody.values == {"id": None}


def test_transform_failure_names_column_and_value(users):
    eve, fay = users[4], users[5]
    assert (eve.code, eve.source_id) == ("transform-failed", "5")
    assert eve.message == (
        'column "signed_up_at": "yesterday" does not match any date format (%Y-%m-%d %H:%M, ISO 8601)'
    )
    assert eve.values == {"signed_up_at": "yesterday"}
    assert fay.message == (
        'column "verified": "maybe" is not a boolean (t/f, true/false, yes/no, y/n, 1/0)'
    )


def test_import_ids_and_aliases_are_deterministic(tmp_path):
    job = setup(tmp_path, USER_JOB, users_csv=USERS)
    first = [item.row.import_id for item in mapped(job) if isinstance(item, MappedRecord)]
    second = [item.row.import_id for item in mapped(job) if isinstance(item, MappedRecord)]
    assert first == second and len(set(first)) == len(first) == 2


def test_ids_module():
    assert import_id("m", "user", "42") == uuid.uuid5(NAMESPACE, "m/user/42")
    assert alias("user", "123") is K("user/u123")
    assert alias("user", "jane") is K("user/jane")
    assert alias("listing", "a b/c") is K("listing/a-b-c")
    assert alias("review", "-1") is K("review/r-1")
    assert alias("user", "Zoë").problem is None
    registry = AliasRegistry()
    assert registry.claim("user", "a b") is K("user/a-b")
    assert registry.claim("user", "a b") is K("user/a-b")  # the same id again: merged, fine
    with pytest.raises(AliasCollision) as caught:
        registry.claim("user", "a-b")
    assert str(caught.value) == (
        'alias :user/a-b of source id "a-b" is already used by source id "a b"'
    )


def test_alias_collision_is_a_rejection(tmp_path):
    users = "id,email,first_name,last_name,signed_up_at\na b,a@x.com,A,B,2021-01-01\na-b,b@x.com,C,D,2021-01-01\n"
    job = USER_JOB.split("[records.user.mapping]")[0] + textwrap.dedent(
        """
        [records.user.mapping]
        email = "email"
        firstName = "first_name"
        lastName = "last_name"
        createdAt = "signed_up_at"
        """
    )
    first, second = mapped(setup(tmp_path, job, users_csv=users))
    assert first.row.alias is K("user/a-b")
    assert (second.code, second.message) == (
        "alias-collision",
        'alias :user/a-b of source id "a-b" is already used by source id "a b"',
    )


LISTINGS = """\
id,host,title,state,price,cents,currency,lat,lng,created,category,street,city,stock
7,1,Tent,active,"$1,200.00",,usd,60.1,24.9,2021-01-02T10:00:00Z,tent,Main St 1,Oslo,3
8,,Kayak,hidden,,,USD,,,2021-01-02T10:00:00Z,kayak,,Oslo,
9,2,Bike,active,,4550,eur,61.0,,2021-01-02T10:00:00Z,bike,,,
10,2,Skis,active,,4550,xyz,,,2021-01-02T10:00:00Z,ski,,,
11,2,Stove,gone,,,usd,,,2021-01-02T10:00:00Z,ski,,,
"""

LISTING_JOB = """\
ident = "test-market"

[defaults]
currency = "USD"
listing_type = "rent-gear"
transaction_process_alias = "default-booking/release-1"
unit_type = "day"

[sources.listings]
type = "csv"
path = "listings.csv"

[records.listing]
source = "listings"
id = "id"

[records.listing.mapping]
title = "title"
state = { column = "state", map = { active = "published", hidden = "closed", gone = "removed" } }
price = [
  { column = "price", transform = "money", currency = "currency" },
  { column = "cents", transform = "minor_units", currency = "currency" },
]
location = { lat = "lat", lng = "lng" }
author = { ref = "user", column = "host" }
createdAt = "created"
currentStock = "stock"

[records.listing.public_data]
category = "category"
"location.address" = { template = "{street}, {city}" }
"""


@pytest.fixture
def listings(tmp_path):
    return mapped(setup(tmp_path, LISTING_JOB, listings_csv=LISTINGS))


def test_listing_with_reference_money_location_and_web_template_defaults(listings):
    tent = listings[0]
    attrs = tent.row.attrs
    host = import_id("test-market", "user", "1")
    assert attrs[K("im.listing/author")] == Ref.to_id(K("im.user/id"), host)
    assert tent.refs == (Reference((K("im.listing/author"),), "user", "1", True),)
    assert attrs[K("im.listing/price")] == Money(Decimal("1200.00"), "USD")
    assert attrs[K("im.listing/location")] == Location(60.1, 24.9)
    assert attrs[K("im.listing/state")] is K("listing.state/published")
    assert attrs[K("im.listing/currentStock")] == 3
    assert attrs[K("im.listing/createdAt")] == datetime(2021, 1, 2, 10, tzinfo=UTC)
    assert attrs[K("im.listing/publicData")] == {
        K("listingType"): "rent-gear",
        K("transactionProcessAlias"): "default-booking/release-1",
        K("unitType"): "day",
        K("category"): "tent",
        K("location"): {K("address"): "Main St 1, Oslo"},
    }


def test_empty_optional_reference_price_and_location_are_omitted(listings):
    kayak = listings[1].row.attrs
    assert kayak[K("im.listing/state")] is K("listing.state/closed")
    for key in ("author", "price", "location", "currentStock"):
        assert K(f"im.listing/{key}") not in kayak
    assert listings[1].refs == ()
    # a template with an empty field gives no value
    assert K("location") not in kayak[K("im.listing/publicData")]


def test_per_row_currency_for_minor_units_and_a_half_given_location(listings):
    bike = listings[2]
    assert (bike.code, bike.message) == (
        "transform-failed",
        'columns "lat", "lng": one coordinate is empty',
    )
    assert bike.values == {"lat": "61.0", "lng": None}


def test_unknown_currency_code_in_the_currency_column(listings):
    skis = listings[3]
    assert (skis.code, skis.message) == (
        "transform-failed",
        'column "cents": unknown currency "xyz" in column "currency"',
    )


def test_value_missing_from_map_and_enum_value_outside_the_schema(tmp_path, listings):
    stove = listings[4]
    assert (stove.code, stove.message) == (
        "enum-value",
        'im.listing/state: "removed" is not one of published, closed, draft, pendingApproval',
    )
    job = LISTING_JOB.replace(', gone = "removed"', "")
    result = mapped(setup(tmp_path, job, listings_csv=LISTINGS))[4]
    assert (result.code, result.message) == (
        "transform-failed",
        'column "state": "gone" is not in the map (active, hidden)',
    )
    assert result.values == {"state": "gone"}


def test_minor_units_use_the_rows_currency(tmp_path):
    text = LISTINGS.replace("61.0,,", "61.0,25.0,")
    bike = mapped(setup(tmp_path, LISTING_JOB, listings_csv=text))[2]
    assert bike.row.attrs[K("im.listing/price")] == Money(Decimal("45.50"), "EUR")


def test_function_adds_attributes_after_the_mapping(tmp_path):
    (tmp_path / "extra_fields.py").write_text(
        "def extra(values):\n"
        "    if values['title'] == 'Kayak':\n"
        "        raise ValueError('kayaks are not rented any more')\n"
        "    return {'description': values['title'] + ' for rent', 'currentStock': '5',\n"
        "            'metadata': {'legacyId': values['id']}, 'price': None}\n"
    )
    job = LISTING_JOB.replace(
        "[records.listing]\n", '[records.listing]\nfunction = "extra_fields:extra"\n'
    )
    tent, kayak = mapped(setup(tmp_path, job, listings_csv=LISTINGS))[:2]
    attrs = tent.row.attrs
    assert attrs[K("im.listing/description")] == "Tent for rent"
    assert attrs[K("im.listing/currentStock")] == 5
    assert attrs[K("im.listing/metadata")] == {K("legacyId"): "7"}  # keys as mapped ones are
    assert K("im.listing/price") not in attrs
    assert (kayak.code, kayak.message) == (
        "transform-failed",
        "extra_fields:extra: kayaks are not rented any more",
    )


def test_function_returning_an_unknown_attribute_is_a_job_error(tmp_path):
    (tmp_path / "bad_fields.py").write_text('def extra(values):\n    return {"colour": "red"}\n')
    job = LISTING_JOB.replace(
        "[records.listing]\n", '[records.listing]\nfunction = "bad_fields:extra"\n'
    )
    loaded = setup(tmp_path, job, listings_csv=LISTINGS)
    mapper = build_mappers(loaded)[0]
    with pytest.raises(JobError) as caught:
        mapper.map(next(mapper.source_rows()))
    assert str(caught.value) == (
        f"{tmp_path / 'job.toml'}: records.listing.function: extra_fields:extra returned unknown "
        'attribute "colour" for listing'.replace("extra_fields", "bad_fields")
    )


def test_child_rows_of_a_nested_array(tmp_path):
    document = {
        "listings": [
            {"id": 7, "photos": [{"id": 1, "url": "https://x.example/a b.jpg", "position": 0}]},
            {"id": 8, "photos": []},
            {"id": 9, "photos": [{"id": 2, "url": "https://x.example/c.jpg", "position": 1}]},
        ]
    }
    (tmp_path / "data.json").write_text(json.dumps(document))
    job = """\
    ident = "m"

    [sources.listings]
    type = "json"
    path = "data.json"
    records = "listings"

    [records.image]
    source = "listings"
    each = "photos"
    id = "id"

    [records.image.mapping]
    url = { column = "url", transform = "url_encode" }
    sortOrder = "position"
    listing = { ref = "listing", column = "parent.id" }
    """
    loaded = setup(tmp_path, job)
    first, second = mapped(loaded)
    assert first.row.attrs[K("im.image/url")] == "https://x.example/a%20b.jpg"
    assert first.row.attrs[K("im.image/sortOrder")] == 0
    assert first.refs == (Reference((K("im.image/listing"),), "listing", "7", True),)
    assert str(first.origin) == "data.json:record 1 photos[0]"
    assert second.refs[0].target_source_id == "9"
    assert len(list(build_mappers(loaded)[0].source_rows(limit=1))) == 1
    bad = job.replace('column = "parent.id"', 'column = "parent.ident"')
    (tmp_path / "job.toml").write_text(textwrap.dedent(bad))
    with pytest.raises(JobError) as caught:
        load_job(tmp_path / "job.toml")
    assert str(caught.value) == (
        f'{tmp_path / "job.toml"}:16:1: records.image.mapping.listing: source "listings" has no '
        'column "parent.ident" (did you mean "parent.id"?)'
    )


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=20), st.sampled_from(["user", "listing", "image", "stripeAccount", "review"])
)
def test_every_source_id_gets_a_legal_alias(source_id, record_type):
    keyword = alias(record_type, source_id)
    assert keyword.namespace == record_type
    assert keyword.problem is None
    assert not keyword.name[0].isdigit() and " " not in keyword.name


def test_rows_without_aliases_when_the_job_says_so(tmp_path):
    job = setup(tmp_path, USER_JOB + "\n[output]\naliases = false\n", users_csv=USERS)
    anna = mapped(job)[0]
    assert anna.row.alias is None
    assert anna.row.id_tuple == (K("im.user/id"), import_id("test-market", "user", "1"))


def test_a_functions_extended_data_merges_into_the_mapped_one(tmp_path):
    (tmp_path / "more_fields.py").write_text(
        "def extra(values):\n"
        "    return {'publicData': {'amenities': ['Wifi', 'Kitchen'], 'category': 'dome',\n"
        "                           'location': {'building': 'B'}}}\n"
    )
    job = LISTING_JOB.replace(
        "[records.listing]\n", '[records.listing]\nfunction = "more_fields:extra"\n'
    )
    tent = mapped(setup(tmp_path, job, listings_csv=LISTINGS))[0]
    assert tent.row.attrs[K("im.listing/publicData")] == {
        K("listingType"): "rent-gear",
        K("transactionProcessAlias"): "default-booking/release-1",
        K("unitType"): "day",
        K("category"): "dome",  # the function's value wins
        K("location"): {K("address"): "Main St 1, Oslo", K("building"): "B"},
        K("amenities"): ("Wifi", "Kitchen"),  # a Python list is a JSON array
    }
