"""Differential tests of the checks that look beyond one row's own values: the target
marketplace's configuration (``[marketplace]``: listing types, categories, fields in their
scopes, user types, currency and minimum price) and the data-quality rules across rows
(``image-url-duplicate``, ``review-before-created``, ``name-looks-like-contact``).

Both engines convert the same generated export and must write the same bytes and counts.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.convert.job import load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import convert

RUNS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _asset(data: dict) -> str:
    return json.dumps({"data": data, "meta": {"version": "test"}})


ASSETS = {
    "listings/listing-types.json": {
        "listingTypes": [
            {
                "id": "rent",
                "transactionProcess": {"name": "default-booking", "alias": "booking/release-1"},
                "unitType": "day",
                "defaultListingFields": {"price": True},
            },
            {
                "id": "free",
                "transactionProcess": {"name": "default-inquiry", "alias": "inquiry/release-1"},
                "unitType": "inquiry",
                "defaultListingFields": {"price": False},
            },
        ]
    },
    "listings/listing-categories.json": {
        "categories": [
            {"id": "tent", "subcategories": [{"id": "dome"}, {"id": "tunnel"}]},
            {"id": "bike", "subcategories": [{"id": "road"}]},
            {"id": "ski"},
        ]
    },
    "listings/listing-fields.json": {
        "listingFields": [
            {"key": "brand", "scope": "public", "schemaType": "text"},
            {
                "key": "gearCondition",
                "scope": "public",
                "schemaType": "enum",
                "enumOptions": [{"option": "new"}, {"option": "good"}, {"option": "worn"}],
                "saveConfig": {"required": True},
                "listingTypeConfig": {"limitToListingTypeIds": True, "listingTypeIds": ["rent"]},
            },
            {
                "key": "weight",
                "scope": "public",
                "schemaType": "long",
                "numberConfig": {"minimum": 0, "maximum": 50},
                "categoryConfig": {"limitToCategoryIds": True, "categoryIds": ["tent"]},
            },
            {"key": "insured", "scope": "metadata", "schemaType": "boolean"},
            {"key": "secret", "scope": "private", "schemaType": "text"},
        ]
    },
    "users/user-types.json": {"userTypes": [{"id": "renter"}, {"id": "host"}]},
    "users/user-fields.json": {
        "userFields": [
            {
                "key": "phone",
                "scope": "protected",
                "schemaType": "text",
                "saveConfig": {"required": False},
            },
            {
                "key": "level",
                "scope": "public",
                "schemaType": "enum",
                "enumOptions": [{"option": "pro"}, {"option": "amateur"}],
                "userTypeConfig": {"limitToUserTypeIds": True, "userTypeIds": ["host"]},
            },
        ]
    },
    "general/localization.json": {"currency": "USD"},
    "transactions/minimum-transaction-size.json": {
        "listingMinimumPrice": {"type": "subunit", "amount": 500}
    },
}

JOB = """\
ident = "market"

[output]
dir = "out"
name = "m"

[marketplace]
dir = "marketplace"

[defaults]
currency = "USD"
timezone = "Europe/Paris"
listing_type = "rent"
transaction_process_alias = "booking/release-1"
unit_type = "day"

[sources.users]
type = "csv"
path = "users.csv"
[sources.listings]
type = "csv"
path = "listings.csv"
[sources.images]
type = "csv"
path = "images.csv"
[sources.reviews]
type = "csv"
path = "reviews.csv"

[records.user]
source = "users"
id = "id"
[records.user.mapping]
email = "email"
firstName = "first"
lastName = "last"
displayName = "display"
createdAt = { column = "at", transform = "date" }
[records.user.public_data]
userType = "utype"
level = "level"
%(user_extra)s
[records.user.protected_data]
phone = "phone"

[records.listing]
source = "listings"
id = "id"
[records.listing.mapping]
title = "title"
state = { column = "state", map = { active = "published", draft = "draft" } }
price = { column = "price", transform = "money", currency = "currency" }
author = { ref = "user", column = "host" }
createdAt = { column = "at", transform = "date" }
[records.listing.public_data]
listingType = "ltype"
unitType = "unit"
categoryLevel1 = "cat1"
categoryLevel2 = "cat2"
brand = "brand"
gearCondition = "cond"
weight = { column = "weight", transform = "int" }
%(listing_extra)s
[records.listing.metadata]
insured = { column = "insured", transform = "boolean" }

[records.image]
source = "images"
id = "id"
[records.image.mapping]
url = "url"
listing = { ref = "listing", column = "listing" }

[records.review]
source = "reviews"
id = "id"
[records.review.mapping]
type = { const = "ofProvider" }
state = { const = "public" }
content = { const = "Fine" }
rating = { column = "rating", transform = "int" }
author = { ref = "user", column = "author" }
subject = { ref = "user", column = "subject" }
listing = { ref = "listing", column = "listing" }
createdAt = { column = "at", transform = "date" }
"""

DATES = ["2020-01-01", "2021-06-14T09:32:11Z", "2019-03-31T02:30:00", "2022-12-31", ""]
NAMES = ["Ann", "", "ann@example.com", "R2D2", "Call 555 123 4567", "Bo", "Tel ٥٥٥١٢٣٤٥٦٧"]


COLUMNS = {
    "users": ["id", "email", "first", "last", "display", "at", "utype", "level", "phone", "nick"],
    "listings": ["id", "host", "title", "state", "price", "currency", "at", "ltype", "unit",
                 "cat1", "cat2", "brand", "cond", "weight", "insured", "secret"],
    "images": ["id", "listing", "url"],
    "reviews": ["id", "author", "subject", "listing", "rating", "at"],
}  # fmt: skip


# Each generated row is fine but for at most two fields (each check must be the one that
# decides some rows, not hidden behind another fault): field -> (good values, faulty ones).
USER_FIELDS = {
    "first": (["Ann", "Bo", "Éva"], ["", "ann@example.com", "R2D2", "Call 555 123 4567",
                                     "Tel ٥٥٥١٢٣٤٥٦٧"]),
    "last": (["Lee"], ["007", ""]),
    "display": (["", "Ann L."], ["ann@x.io"]),
    "at": (["2020-01-01", "2021-06-14T09:32:11Z"], ["", "2019-03-31T02:30:00"]),
    "utype": (["renter", "host"], ["", "admin"]),
    "level": ([""], ["pro", "amateur", "guru"]),
    "phone": (["", "+1 555 0100"], []),
    "nick": ([""], ["annie"]),
}  # fmt: skip
LISTING_FIELDS = {
    "state": (["active", "draft"], [""]),
    "price": (["5", "5.00", "120"], ["", "4.99", "EUR 45", "0"]),
    "currency": (["USD"], ["EUR", ""]),
    "at": (["2020-01-01", "2022-12-31"], ["", "2019-03-31T02:30:00"]),
    "ltype": (["", "rent"], ["free", "swap"]),
    "unit": (["", "day"], ["hour"]),
    "cat1": (["tent"], ["", "bike", "ski", "boat"]),
    "cat2": (["", "dome", "tunnel"], ["road", "ski"]),
    "brand": (["", "Acme", "x" * 40], []),
    "cond": (["new", "good", "worn"], ["", "broken"]),
    "weight": (["", "3", "50"], ["51", "-1", "x"]),
    "insured": (["", "yes", "no"], ["maybe"]),
    "secret": ([""], ["s3cr3t"]),
}  # fmt: skip


def _row(draw, fields: dict) -> dict:
    faulty = draw(st.sets(st.sampled_from(sorted(fields)), max_size=2))
    row = {}
    for name, (good, bad) in fields.items():
        choices = bad if name in faulty and bad else good
        row[name] = draw(st.sampled_from(choices))
    return row


@st.composite
def export(draw):
    users = [
        {"id": str(1 + index), "email": f"u{index}@example.com", **_row(draw, USER_FIELDS)}
        for index in range(draw(st.integers(1, 8)))
    ]
    user_ids = [user["id"] for user in users] + ["404"]
    listings = [
        {
            "id": str(100 + index),
            "host": draw(st.sampled_from(user_ids)),
            "title": "Tent",
            **_row(draw, LISTING_FIELDS),
        }
        for index in range(draw(st.integers(0, 8)))
    ]
    listing_ids = [listing["id"] for listing in listings] + ["999", ""]
    urls = ["https://img.example.com/a.jpg", "https://img.example.com/b.jpg"]
    images = [
        {
            "id": str(500 + index),
            "listing": draw(st.sampled_from(listing_ids)),
            "url": draw(st.sampled_from(urls)),
        }
        for index in range(draw(st.integers(0, 8)))
    ]
    reviews = [
        {
            "id": str(700 + index),
            "author": draw(st.sampled_from(user_ids)),
            "subject": draw(st.sampled_from(user_ids)),
            "listing": draw(st.sampled_from(listing_ids)),
            "rating": "4",
            "at": draw(st.sampled_from(DATES)),
        }
        for index in range(draw(st.integers(0, 8)))
    ]
    return {"users": users, "listings": listings, "images": images, "reviews": reviews}


def write(directory: Path, tables: dict, listing_extra: str = "", user_extra: str = "") -> Path:
    for relative, data in ASSETS.items():
        path = directory / "marketplace" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_asset(data), encoding="utf-8")
    for name, rows in tables.items():
        columns = COLUMNS[name]
        with open(directory / f"{name}.csv", "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    path = directory / "job.toml"
    path.write_text(
        JOB % {"listing_extra": listing_extra, "user_extra": user_extra}, encoding="utf-8"
    )
    return path


def run_both(job_path: Path, tmp: Path) -> tuple[bytes, bytes, dict]:
    job = load_job(job_path)
    found = []
    for engine in ("rows", "columns"):
        convert(job, output_dir=tmp / engine, engine=engine)
        report = json.loads((tmp / engine / "m.report.json").read_text("utf-8"))
        for key in ("timings", "outputs"):
            report.pop(key)
        edn = tmp / engine / "m.edn"
        found.append(
            (
                edn.read_bytes() if edn.exists() else b"",
                (tmp / engine / "m.rejects.csv").read_bytes(),
                report,
            )
        )
    rows, columns = found
    assert columns[0].decode() == rows[0].decode()
    assert columns[1].decode() == rows[1].decode()
    assert columns[2] == rows[2]
    return rows


@RUNS
@given(tables=export(), extra=st.sampled_from(["", "unknown", "scopes"]))
def test_both_engines_check_the_marketplace_and_data_quality_alike(tmp_path_factory, tables, extra):
    tmp = tmp_path_factory.mktemp("market")
    listing_extra, user_extra = {
        "": ("", ""),
        "unknown": ('mystery = "title"', 'nickname = "email"'),  # on every row
        "scopes": ('secret = "secret"\ninsured = { column = "insured", transform = "boolean" }',
                   'phone = "phone"'),
    }[extra]  # fmt: skip
    run_both(write(tmp, tables, listing_extra, user_extra), tmp)


def test_the_checks_fire_where_expected(tmp_path):
    """The generated cases reach the rules (so the test above compares something)."""
    user = {
        "last": "L",
        "display": "",
        "at": "2021-01-01",
        "utype": "renter",
        "level": "",
        "phone": "",
        "nick": "",
    }
    listing = {
        "title": "Tent",
        "state": "active",
        "currency": "USD",
        "at": "2021-06-01",
        "ltype": "rent",
        "unit": "day",
        "brand": "",
        "cond": "new",
        "weight": "",
        "insured": "",
        "secret": "",
    }
    tables = {
        "users": [
            {**user, "id": "1", "email": "a@example.com", "first": "ann@example.com"},
            {**user, "id": "2", "email": "b@example.com", "first": "Bo", "level": "guru"},
            {**user, "id": "3", "email": "c@example.com", "first": "Cy", "at": "2020-01-01"},
        ],
        "listings": [
            {**listing, "id": "100", "host": "1", "price": "4.99", "cat1": "tent", "cat2": "dome"},
            {**listing, "id": "101", "host": "3", "price": "50", "cat1": "bike", "cat2": "road"},
            {**listing, "id": "102", "host": "3", "price": "", "cat1": "ski", "cat2": ""},
        ],
        "images": [
            {"id": "500", "listing": "101", "url": "https://img.example.com/a.jpg"},
            {"id": "501", "listing": "101", "url": "https://img.example.com/a.jpg"},
        ],
        "reviews": [
            {"id": "700", "author": "3", "subject": "1", "listing": "101", "rating": "4",
             "at": "2019-01-01"},
        ],
    }  # fmt: skip
    rows = run_both(write(tmp_path, tables), tmp_path)
    report = rows[2]
    rejects = read_rejects(tmp_path / "columns" / "m.rejects.csv")
    assert {(r["record_type"], r["source_id"], r["rule"]) for r in rejects} == {
        ("user", "2", "field-value-invalid"),
        ("listing", "100", "price-below-minimum"),
    }
    warnings = {name: counts["warnings_by_rule"] for name, counts in report["types"].items()}
    assert warnings == {
        "user": {"name-looks-like-contact": 1},
        "listing": {"listing-price-missing": 1},
        "image": {"image-url-duplicate": 1},
        "review": {"review-before-created": 2},
    }


def test_rows_the_marketplace_accepts_stay_in_the_columns(tmp_path, caplog):
    """The marketplace's warnings and price errors are decided in columns: no row here takes
    the per-row path, and both engines still write the same (the price below the minimum is
    rejected, the weight on a bike warned about)."""
    import logging

    user = {
        "last": "L",
        "display": "",
        "at": "2021-01-01",
        "utype": "renter",
        "level": "",
        "phone": "",
        "nick": "",
        "email": "a@example.com",
        "first": "Ann",
    }
    listing = {
        "title": "Tent",
        "state": "active",
        "currency": "USD",
        "at": "2021-06-01",
        "ltype": "rent",
        "unit": "day",
        "brand": "Acme",
        "cond": "new",
        "weight": "3",
        "insured": "yes",
        "secret": "",
        "host": "1",
        "price": "50",
        "cat1": "tent",
        "cat2": "dome",
    }
    tables = {
        "users": [{**user, "id": "1"}, {**user, "id": "2", "email": "b@example.com",
                                        "utype": "host", "level": "pro"}],
        "listings": [
            {**listing, "id": "100"},
            {**listing, "id": "101", "price": "4.99"},  # below the minimum
            {**listing, "id": "102", "cat1": "bike", "cat2": "road"},  # weight: not for bikes
        ],
        "images": [],
        "reviews": [],
    }  # fmt: skip
    job = load_job(write(tmp_path, tables))
    with caplog.at_level(logging.DEBUG, logger="migrate.convert.engine"):
        convert(job, output_dir=tmp_path / "out", engine="columns")
    lines = [r.getMessage() for r in caplog.records if "per-row path" in r.getMessage()]
    assert lines[:2] == [
        "records.user: 0 of 2 rows took the per-row path",
        "records.listing: 0 of 3 rows took the per-row path",
    ]
    _, rejects, report = run_both(tmp_path / "job.toml", tmp_path / "both")
    assert report["types"]["listing"]["rejected_by_rule"] == {"price-below-minimum": 1}
    assert report["types"]["listing"]["warnings"] == 1
    assert b"price-below-minimum" in rejects
