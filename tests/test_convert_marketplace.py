"""`migrate convert` with a job's ``[marketplace] dir``: rows are rejected or warned about by the
marketplace rules, under the same codes as `migrate validate --marketplace`."""

from __future__ import annotations

import csv
import json

import pytest

from migrate.convert.job import JobError, load_job
from migrate.convert.pipeline import convert
from migrate.rules.catalogue import write_example_marketplace
from migrate.validate import validate_file

USERS = "id,email,first,last,joined\n1,ann@example.com,Ann,Lee,2021-06-14T09:32:11Z\n"
LISTINGS = """id,host,title,made,price,currency,category
10,1,Tent,2022-01-01T00:00:00Z,25.00,EUR,tents
11,1,Kayak,2022-01-02T00:00:00Z,30.00,USD,tents
12,1,Sauna,2022-01-03T00:00:00Z,,EUR,tents
13,1,Stove,2022-01-04T00:00:00Z,12.00,EUR,stoves
"""
JOB = """ident = "tiny"

[marketplace]
dir = "market"

[defaults]
listing_type = "rent"
transaction_process_alias = "default-booking/release-1"
unit_type = "day"

[output]
dir = "out"
name = "tiny"

[sources.users]
type = "csv"
path = "users.csv"

[sources.listings]
type = "csv"
path = "listings.csv"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
email = "email"
firstName = "first"
lastName = "last"
createdAt = { column = "joined", transform = "date" }

[records.listing]
source = "listings"
id = "id"

[records.listing.mapping]
title = "title"
state = { const = "published" }
author = { ref = "user", column = "host" }
createdAt = { column = "made", transform = "date" }
price = { column = "price", transform = "money", currency = "currency" }

[records.listing.public_data]
categoryLevel1 = "category"
"""


@pytest.fixture
def job(tmp_path):
    (tmp_path / "users.csv").write_text(USERS, "utf-8")
    (tmp_path / "listings.csv").write_text(LISTINGS, "utf-8")
    (tmp_path / "job.toml").write_text(JOB, "utf-8")
    write_example_marketplace(tmp_path / "market")  # sells in EUR, categories saunas and tents
    return tmp_path / "job.toml"


def test_marketplace_errors_reject_rows_and_warnings_are_counted(job):
    report = convert(load_job(job))
    with open(report.rejects_path, encoding="utf-8", newline="") as stream:
        rejects = [
            (row["source_id"], row["rule"], row["message"]) for row in csv.DictReader(stream)
        ]
    assert rejects == [
        (
            "11",
            "price-currency-mismatch",
            ':im.listing/price is in "USD", but the marketplace sells in "EUR": the web template '
            "shows no price for it and takes no order",
        ),
        (
            "13",
            "category-invalid",
            ':im.listing/publicData categoryLevel1 "stoves" is not a category id of the '
            'marketplace: it is not a top-level category; its top-level categories are "saunas", '
            '"tents"',
        ),
    ]
    listing = report.types["listing"]
    assert (listing.written, listing.rejected_total) == (2, 2)
    assert dict(listing.warnings) == {"listing-price-missing": 1}
    data = json.loads(report.report_path.read_text("utf-8"))
    assert data["types"]["listing"]["warnings"] == 1


def test_the_written_file_validates_against_the_same_marketplace(job):
    from migrate.marketplace import load_directory

    report = convert(load_job(job))
    check = validate_file(report.edn_path, marketplace=load_directory(job.parent / "market"))
    assert check.errors == 0 and check.counts == {
        "listing-price-missing": 1,
        "user-type-missing": 1,
    }


def test_a_bad_marketplace_directory_is_a_job_error(job):
    job.write_text(JOB.replace('dir = "market"', 'dir = "nowhere"'), "utf-8")
    with pytest.raises(JobError) as caught:
        load_job(job)
    assert str(caught.value) == (
        f"{job}:4:1: marketplace.dir: {job.parent / 'nowhere'}: no such directory (the marketplace's "
        "asset files)"
    )
