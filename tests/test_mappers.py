"""Row-type finishing touches (mappers/) and the sample job files mapping the Trailhop sample."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from conftest import SAMPLES
from migrate.mappers import image, listing, review, stripe_account, user

from migrate.convert.job import Defaults, load_job
from migrate.convert.mapping import MappedRecord, Rejection, build_mappers
from migrate.edn.values import Keyword, Money

K = Keyword


def test_user_gets_default_roles_and_unverified_email():
    attrs = {K("im.user/primaryEmail"): {K("im.email/address"): "a@example.com"}}
    user.finish(attrs, Defaults())
    assert attrs[K("im.user/role")] == (K("user.role/customer"), K("user.role/provider"))
    assert attrs[K("im.user/primaryEmail")][K("im.email/verified")] is False


def test_user_keeps_mapped_roles_and_verification():
    attrs = {
        K("im.user/role"): (K("user.role/customer"),),
        K("im.user/primaryEmail"): {K("im.email/address"): "a@x.com", K("im.email/verified"): True},
    }
    user.finish(attrs, Defaults(roles=(K("user.role/provider"),), email_verified=False))
    assert attrs[K("im.user/role")] == (K("user.role/customer"),)
    assert attrs[K("im.user/primaryEmail")][K("im.email/verified")] is True


def test_user_without_email_gets_no_verified_flag():
    attrs: dict = {}
    user.finish(attrs, Defaults(email_verified=True))
    assert K("im.user/primaryEmail") not in attrs


def test_listing_web_template_defaults_do_not_override_mapped_values():
    defaults = Defaults(
        listing_type="rent", transaction_process_alias="p/release-1", unit_type="day"
    )
    attrs = {K("im.listing/publicData"): {K("unitType"): "hour", K("colour"): "red"}}
    listing.finish(attrs, defaults)
    assert attrs[K("im.listing/publicData")] == {
        K("listingType"): "rent",
        K("transactionProcessAlias"): "p/release-1",
        K("unitType"): "hour",
        K("colour"): "red",
    }
    bare: dict = {}
    listing.finish(bare, Defaults())
    assert bare == {}


def test_review_of_customer_loses_its_listing():
    attrs = {
        K("im.review/type"): K("review.type/ofCustomer"),
        K("im.review/listing"): "ref",
    }
    review.finish(attrs, Defaults())
    assert K("im.review/listing") not in attrs
    provider = {K("im.review/type"): K("review.type/ofProvider"), K("im.review/listing"): "ref"}
    review.finish(provider, Defaults())
    assert provider[K("im.review/listing")] == "ref"


def test_stripe_account_id_is_stripped():
    attrs = {K("im.stripeAccount/stripeAccountId"): " acct_123 "}
    stripe_account.finish(attrs, Defaults())
    assert attrs[K("im.stripeAccount/stripeAccountId")] == "acct_123"
    blank = {K("im.stripeAccount/stripeAccountId"): "  "}
    stripe_account.finish(blank, Defaults())
    assert blank == {}


def test_image_adds_nothing():
    attrs = {K("im.image/url"): "https://x.example/a.jpg"}
    image.finish(attrs, Defaults())
    assert attrs == {K("im.image/url"): "https://x.example/a.jpg"}


# The sample job files ----------------------------------------------------------------------------


def _map_form(form: str) -> dict[tuple[str, str | None], MappedRecord | Rejection]:
    job = load_job(SAMPLES / form / "job.toml")
    results = {}
    for mapper in build_mappers(job):
        for row in mapper.source_rows():
            item = mapper.map(row)
            results[(item.record_type, item.source_id)] = item
    return results


@pytest.fixture(scope="module")
def sample() -> dict[str, dict]:
    return {form: _map_form(form) for form in ("csv", "sqlite", "json")}


def _comparable(item: MappedRecord | Rejection):
    if isinstance(item, Rejection):
        return ("rejected", item.code, item.message)
    return (item.row.id_tuple, item.row.attrs, item.refs)


def test_the_three_sample_forms_map_to_the_same_records(sample):
    csv_form = {key: _comparable(item) for key, item in sample["csv"].items()}
    for form in ("sqlite", "json"):
        assert {key: _comparable(item) for key, item in sample[form].items()} == csv_form, form


def test_sample_rows_rejected_while_mapping_are_expected_with_the_same_code(sample):
    with open(SAMPLES / "expected-rejects.csv", encoding="utf-8", newline="") as stream:
        expected = {
            (row["record_type"], row["source_id"]): row["rule_code"]
            for row in csv.DictReader(stream)
        }
    rejected = {
        key: item.code for key, item in sample["csv"].items() if isinstance(item, Rejection)
    }
    assert rejected and all(expected.get(key) == code for key, code in rejected.items())
    assert sorted(set(rejected.values())) == ["attribute-required"]


def test_sample_repairs(sample):
    records = sample["csv"]
    mapped = [item for item in records.values() if isinstance(item, MappedRecord)]
    users = [item for item in mapped if item.record_type == "user"]
    # names only as full_name are split; emails with spaces trimmed
    for item in users:
        profile = item.row.attrs[K("im.user/profile")]
        assert profile[K("im.userProfile/firstName")] and profile[K("im.userProfile/lastName")]
        address = item.row.attrs[K("im.user/primaryEmail")][K("im.email/address")]
        assert address == address.strip()
    listings = [item for item in mapped if item.record_type == "listing"]
    prices = {item.row.attrs.get(K("im.listing/price")) for item in listings}
    assert Money(Decimal("1200.00"), "USD") in prices or Money(Decimal("1200.50"), "USD") in prices
    assert {price.currency for price in prices if price is not None} == {"USD", "EUR"}
    for item in listings:
        public = item.row.attrs[K("im.listing/publicData")]
        assert public[K("transactionProcessAlias")] == "default-booking/release-1"
        assert "<" not in item.row.attrs.get(K("im.listing/description"), "")
    images = [item for item in mapped if item.record_type == "image"]
    assert all(item.row.attrs[K("im.image/url")].isascii() for item in images)
    assert all(" " not in item.row.attrs[K("im.image/url")] for item in images)
    reviews = [item for item in mapped if item.record_type == "review"]
    for item in reviews:
        kind = item.row.attrs[K("im.review/type")]
        has_listing = K("im.review/listing") in item.row.attrs
        assert has_listing == (kind is K("review.type/ofProvider"))
        assert item.row.attrs[K("im.review/createdAt")] < datetime(2025, 1, 1, tzinfo=UTC)


def test_custom_guest_email_example(tmp_path):
    from migrate.mappers.custom import guest_email

    assert guest_email({"id": "7", "email": "a@example.com"}) == {}
    assert guest_email({"id": "7", "email": None}) == {
        "email": "guest+7@example.com",
        "emailVerified": False,
    }
    with pytest.raises(ValueError, match="no id to build a guest email from"):
        guest_email({"id": None, "email": ""})
    (tmp_path / "users.csv").write_text("id,email,first,last,at\n7,,Ann,Lee,2021-01-01\n")
    (tmp_path / "job.toml").write_text(
        'ident = "m"\n[sources.users]\ntype = "csv"\npath = "users.csv"\n'
        '[records.user]\nsource = "users"\nid = "id"\nfunction = "mappers.custom:guest_email"\n'
        '[records.user.mapping]\nemail = "email"\nfirstName = "first"\nlastName = "last"\n'
        'createdAt = "at"\n'
    )
    (mapper,) = build_mappers(load_job(tmp_path / "job.toml"))
    (row,) = [mapper.map(source_row).row for source_row in mapper.source_rows()]
    assert row.attrs[K("im.user/primaryEmail")] == {
        K("im.email/address"): "guest+7@example.com",
        K("im.email/verified"): False,
    }
