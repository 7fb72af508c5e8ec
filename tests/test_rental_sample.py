"""The Stayfinch rental sample (issue 11): a denormalised scrape converted by its job file alone.

Hosts are embedded in listings (``distinct``), reviewers come from a derived source, a review's
subject and rating come from its listing by lookups. The converter must reject exactly the rows
of ``samples/rental/expected-rejects.csv`` (no repeat is a reject), count the repeats as
merged, write the same bytes with both engines, and the validator must find no error in the
output against the sample's marketplace configuration.
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import io
import json
import re
import subprocess
import sys
import tomllib
from collections import defaultdict
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import SAMPLES

from migrate.convert.ids import import_id
from migrate.convert.job import load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import convert
from migrate.convert.transforms import TransformError, compile_transform
from migrate.edn.reader import DocumentReader
from migrate.edn.rows import row_from_value
from migrate.edn.values import Keyword
from migrate.marketplace import load_directory
from migrate.validate import validate_file

RENTAL = SAMPLES / "rental"
JOB = RENTAL / "job.toml"


def _load_generator():
    spec = importlib.util.spec_from_file_location("rental_generate", RENTAL / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict:
    """The sample converted once by each engine: engine -> report."""
    out = tmp_path_factory.mktemp("rental-out")
    return {
        engine: convert(load_job(JOB), output_dir=out / engine, engine=engine)
        for engine in ("columns", "rows")
    }


@pytest.fixture(scope="module")
def rows(converted) -> dict[str, list]:
    """The written rows by row type (``user``, ``listing``, …)."""
    by_type: dict[str, list] = defaultdict(list)
    for entry in DocumentReader(converted["columns"].edn_path):
        row = row_from_value(entry.value)
        by_type[row.row_type].append(row)
    return by_type


# -- the generator ------------------------------------------------------------------------------


def test_the_generator_is_deterministic(tmp_path):
    generator = _load_generator()
    generator.generate(tmp_path / "one")
    generator.generate(tmp_path / "two")
    for name in ("listings.csv", "reviews.csv", "expected-rejects.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert not list((tmp_path / "one").glob(".generate-*"))


def test_regenerating_gives_the_committed_files(tmp_path):
    generator = _load_generator()
    installed = {name: importlib.metadata.version(name) for name in generator.BUILT_WITH}
    if installed != generator.BUILT_WITH:
        pytest.skip(
            f"the sample was generated with {generator.BUILT_WITH}, installed are {installed}: "
            "regenerate it (python samples/rental/generate.py) and update BUILT_WITH"
        )
    generator.generate(tmp_path)
    for name in ("listings.csv", "reviews.csv", "expected-rejects.csv"):
        assert (tmp_path / name).read_bytes() == (RENTAL / name).read_bytes(), name


def test_scale_multiplies_the_export_and_copies_the_job(tmp_path):
    generator = _load_generator()
    assert generator.main(["--scale", "2", "--out", str(tmp_path)]) == 0
    listings = _read_csv(tmp_path / "listings.csv")
    base = _read_csv(RENTAL / "listings.csv")
    assert 1.6 * len(base) <= len(listings) <= 2.4 * len(base)
    assert len({row["host_id"] for row in listings}) == 2 * generator.BASE_HOSTS
    expected = _read_csv(tmp_path / "expected-rejects.csv")
    assert sum(row["rule_code"] == "merge-conflict" for row in expected) == 2
    for name in ("job.toml", "marketplace/listings/listing-fields.json"):
        assert (tmp_path / name).is_file(), name


def test_scale_needs_an_output_directory(capsys):
    generator = _load_generator()
    with pytest.raises(SystemExit) as caught:
        generator.main(["--scale", "3"])
    assert caught.value.code == 2
    assert "--scale needs --out DIR (outside the repository)" in capsys.readouterr().err


def test_the_export_has_the_shape_of_a_scrape():
    listings = _read_csv(RENTAL / "listings.csv")
    reviews = _read_csv(RENTAL / "reviews.csv")
    assert 250 <= len(listings) <= 500 and 1000 <= len(reviews) <= 2000
    assert len(listings[0]) >= 30
    assert list(reviews[0]) == [
        "listing_id",
        "id",
        "date",
        "reviewer_id",
        "reviewer_name",
        "comments",
    ]
    # Hosts are repeated on their listings, ids of 19 digits, prices, t/f, a list literal.
    per_host = defaultdict(list)
    for row in listings:
        per_host[row["host_id"]].append(row)
    assert sum(len(group) > 1 for group in per_host.values()) >= 30
    assert any(len(row["id"]) == 19 for row in listings)
    assert any(re.fullmatch(r"\$\d,\d{3}\.00", row["price"]) for row in listings)
    assert {row["instant_bookable"] for row in listings} == {"t", "f"}
    assert all(row["amenities"].startswith("[") for row in listings)
    assert any("<br />" in row["description"] for row in listings)
    assert all(re.fullmatch(r"\d\.\d\d|", row["review_scores_rating"]) for row in listings)
    # No emails anywhere.
    email = re.compile(r"[^\s@]+@[^\s@]+\.[a-z]{2,}", re.I)
    for path in (RENTAL / "listings.csv", RENTAL / "reviews.csv"):
        assert not email.search(path.read_text("utf-8")), path


def test_every_amenity_is_an_option_of_the_marketplace_field():
    generator = _load_generator()
    fields = json.loads((RENTAL / "marketplace/listings/listing-fields.json").read_text("utf-8"))
    amenities = next(f for f in fields["data"]["listingFields"] if f["key"] == "amenities")
    options = {option["option"] for option in amenities["enumOptions"]}
    # The job's transforms: the cell as the generator writes it, through text_list and option_id.
    job = tomllib.loads(JOB.read_text("utf-8"))
    spec = job["records"]["listing"]["public_data"]["amenities"]
    assert spec == {"column": "amenities", "transform": ["text_list", "option_id"]}
    transform = compile_transform(spec["transform"])
    assert set(transform(repr(generator.AMENITIES))) == options
    assert transform("['Wifi', \"Children's books and toys\", 'Wifi']") == (
        "wifi",
        "childrens-books-and-toys",
    )
    with pytest.raises(TransformError, match=r"is not a list of texts"):
        transform("['Wifi', 'Kitch")


# -- the conversion -----------------------------------------------------------------------------


def test_rejects_are_exactly_the_expected_ones(converted):
    expected = sorted(
        (row["record_type"], row["source_id"], row["rule_code"])
        for row in _read_csv(RENTAL / "expected-rejects.csv")
    )
    for engine, report in converted.items():
        got = sorted(
            (row["record_type"], row["source_id"], row["rule"])
            for row in read_rejects(report.rejects_path)
        )
        assert got == expected, engine


def test_no_reject_is_only_a_repeat(converted):
    rejects = read_rejects(converted["columns"].rejects_path)
    assert "source-id-duplicate" not in {row["rule"] for row in rejects}
    # The one host whose name differs between their two listings, nothing else; the message
    # shows both names and both source lines.
    conflicts = [row for row in rejects if row["rule"] == "merge-conflict"]
    assert len(conflicts) == 1
    assert re.search(
        r'rows of source id "\d+" disagree: "(\w+)" at listings\.csv:\d+ '
        r'but "\1 & \w+" at listings\.csv:\d+ \(merge = "conflict"',
        conflicts[0]["message"],
    ), conflicts[0]["message"]


def test_read_is_written_plus_rejected_plus_merged_per_type(converted):
    for engine, report in converted.items():
        assert list(report.types) == ["user", "listing", "image", "review"], engine
        for name, counts in report.types.items():
            assert counts.read == counts.written + counts.rejected_total + counts.merged, (
                engine,
                name,
            )
        data = json.loads(report.report_path.read_text("utf-8"))
        for counts in data["types"].values():
            assert counts["read"] == counts["written"] + counts["rejected"] + counts["merged"]
    users = converted["columns"].types["user"]
    listings = _read_csv(RENTAL / "listings.csv")
    hosts = {row["host_id"] for row in listings}
    # Every listing row beyond a host's first is merged into that host's user.
    assert users.merged >= len(listings) - len(hosts) - 2


def test_both_engines_write_the_same_bytes(converted):
    columns, rows = converted["columns"], converted["rows"]
    assert columns.edn_path.read_bytes() == rows.edn_path.read_bytes()
    assert columns.rejects_path.read_bytes() == rows.rejects_path.read_bytes()


def test_the_columnar_engine_converts_the_sample_without_the_per_row_engine(
    converted, tmp_path, monkeypatch
):
    # Two user and two image tables whose ids never meet: nothing to merge, so the columnar
    # engine decides every row (docs: pipeline.columnar_job).
    import migrate.convert.pipeline as pipeline

    def refuse(*args, **kwargs):
        raise AssertionError("the per-row engine ran")

    monkeypatch.setattr(pipeline, "run_records", refuse)
    report = convert(load_job(JOB), output_dir=tmp_path)
    assert report.edn_path.read_bytes() == converted["rows"].edn_path.read_bytes()
    assert report.rejects_path.read_bytes() == converted["rows"].rejects_path.read_bytes()


def test_listings_are_decided_in_columns(tmp_path, caplog):
    # The listings' publicData (category, the amenities list literal, fields, address) comes
    # from the job's transforms, which have columnar forms: only rows that are rejected leave
    # the plan (a function would send every listing the per-row way).
    import logging

    with caplog.at_level(logging.DEBUG, logger="migrate.convert.engine"):
        report = convert(load_job(JOB), output_dir=tmp_path)
    lines = [r.getMessage() for r in caplog.records if "took the per-row path" in r.getMessage()]
    listing = next(line for line in lines if line.startswith("records.listing:"))
    took, _, read = listing.split(": ")[1].split()[:3]
    assert int(read) == 299
    assert int(took) <= report.types["listing"].rejected_total, listing


def test_the_output_validates_against_the_marketplace(converted):
    report = validate_file(
        converted["columns"].edn_path,
        max_findings=None,
        marketplace=load_directory(RENTAL / "marketplace"),
    )
    assert report.errors == 0, report.to_dict(max_examples=3)["summary"]
    codes = {group["code"] for group in report.to_dict(max_examples=1)["summary"]}
    assert "review-before-created" not in codes
    assert "image-unreferenced" not in codes


def test_clojure_reads_the_output(converted, clojure_bin):
    path = converted["columns"].edn_path
    script = Path(__file__).resolve().parent / "clojure" / "edn_compare.clj"
    result = subprocess.run(
        [clojure_bin, str(script), "error", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.splitlines() == [f"read {path}"], result.stderr


def _ref_id(value) -> str:
    """The import id text of an ``#im/ref [:im.user/id #uuid "…"]``."""
    return str(value.import_id)


def test_users_are_hosts_and_reviewers_with_placeholder_emails(rows):
    listings = _read_csv(RENTAL / "listings.csv")
    reviews = _read_csv(RENTAL / "reviews.csv")
    emails = set()
    for user in rows["user"]:
        email = user.attrs[Keyword("im.user/primaryEmail")][Keyword("im.email/address")]
        assert re.fullmatch(r"stayfinch-ops\+u\d+@example\.com", email), email
        emails.add(email)
        profile = user.attrs[Keyword("im.user/profile")]
        assert profile[Keyword("im.userProfile/lastName")] == "-"
    assert len(emails) == len(rows["user"])
    written = {email.split("+u")[1].split("@")[0] for email in emails}
    hosts = {row["host_id"] for row in listings}
    reviewers = {row["reviewer_id"] for row in reviews}
    assert written <= hosts | reviewers
    assert len(written) >= len(hosts | reviewers) - 4


def test_a_reviewer_signs_up_on_the_day_of_their_first_review(rows):
    reviews = _read_csv(RENTAL / "reviews.csv")
    first: dict[str, str] = {}
    for review in reviews:
        if review["reviewer_id"] not in first or review["date"] < first[review["reviewer_id"]]:
            first[review["reviewer_id"]] = review["date"]
    hosts = {row["host_id"] for row in _read_csv(RENTAL / "listings.csv")}
    created = {}
    for user in rows["user"]:
        source_id = user.attrs[Keyword("im.user/primaryEmail")][Keyword("im.email/address")]
        source_id = source_id.split("+u")[1].split("@")[0]
        created[source_id] = user.attrs[Keyword("im.user/createdAt")]
    checked = 0
    site = ZoneInfo("America/Los_Angeles")
    for reviewer, day in first.items():
        if reviewer in created and reviewer not in hosts:
            # Midnight of that day in the site's zone ([defaults] timezone).
            midnight = datetime.combine(date.fromisoformat(day), time(), tzinfo=site)
            assert created[reviewer] == midnight, reviewer
            checked += 1
    assert checked > 1300


def test_review_subject_is_the_listing_host_and_rating_its_average(rows):
    listings = {row["id"]: row for row in _read_csv(RENTAL / "listings.csv")}
    reviews = {row["id"]: row for row in _read_csv(RENTAL / "reviews.csv")}
    by_import_id = {str(import_id("stayfinch", "review", key)): key for key in reviews}
    checked = 0
    for review in rows["review"]:
        source = reviews[by_import_id[str(review.import_id)]]
        listing = listings[source["listing_id"]]
        subject = review.attrs[Keyword("im.review/subject")]
        assert _ref_id(subject) == str(import_id("stayfinch", "user", listing["host_id"]))
        stars = Decimal(listing["review_scores_rating"]).quantize(Decimal(1), ROUND_HALF_UP)
        assert review.attrs[Keyword("im.review/rating")] == int(stars)
        checked += 1
    assert checked > 1300


def test_hosts_with_a_photo_have_an_avatar(rows):
    listings = _read_csv(RENTAL / "listings.csv")
    with_photo = {row["host_id"] for row in listings if row["host_picture_url"]}
    avatars = 0
    for user in rows["user"]:
        profile = user.attrs[Keyword("im.user/profile")]
        avatars += Keyword("im.userProfile/avatar") in profile
    assert avatars == len(with_photo)


def test_the_demo_step_converts_and_validates_the_rental_sample(tmp_path):
    from migrate.demo import STEPS, Demo, rental_step

    assert rental_step in STEPS
    out = io.StringIO()
    assert rental_step(Demo(output_dir=tmp_path, out=out))
    text = out.getvalue()
    assert text.startswith("== convert samples/rental/job.toml\ntype ")
    edn = tmp_path / "stayfinch" / "stayfinch.edn"
    assert re.search(
        rf"^validated {re.escape(str(edn))}: [\d,]+ rows, 0 errors, [\d,]+ warnings$", text, re.M
    )
