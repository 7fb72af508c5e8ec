"""Differential tests, whole runs: generated legacy exports converted by both engines.

``convert(job, engine="rows")`` (the per-row reference) and ``convert(job, engine="columns")``
must write the same ``.edn`` and rejects bytes and the same report counts, whatever the rows
hold: dirty ids (blank, repeated, leading zeros, colliding aliases), emails that differ only in
case (also beyond ASCII), text with whitespace Rust and Python disagree on, dates at DST changes,
HTML entities without ";", money in several currencies, references to rows that are rejected or
missing, optional references, and geocoded listings.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.convert.job import load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import convert

RUNS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

WS = ["", " ", "\t", "\x1c", "\xa0", "\u3000"]
WORDS = ["Anna", "Smith", "van", "der", "Berg", "Éva", "ſara", "Kelvin", "İpek", "da", "Silva"]
TEXT = st.lists(
    st.sampled_from(WORDS + ["&amp;", "&lt;", "&copy", "<b>", "<p>", "</p>", "<br>", "\n", "\r\n",
                             "\x00", "\u200b", '"', "\\", "x" * 30, "ß", "ﬁ", "😀"]),
    max_size=8,
).map(" ".join)  # fmt: skip


def padded(strategy):
    return st.tuples(st.sampled_from(WS), strategy, st.sampled_from(WS)).map("".join)


def user_ids():
    return st.sampled_from(
        [
            "1",
            "2",
            "3",
            "07",
            "10",
            "11",
            "12",
            "99",
            "u12",
            "a b",
            "a-b",
            "",
            " 3",
            "1180000000007141974",
        ]
    )


EMAILS = [
    "anna@example.com", "Anna@Example.com", "bob@example.org", "bob@@example.org", "cher@",
    "strasse@example.com", "STRASSE@example.com", "ſara@example.com", "sara@example.com",
    "d.e@example.net", " eve@example.net ", "x y@example.com", "kelvin@example.com",
    "Kelvin@example.com", "jöe@example.com", "",
]  # fmt: skip
DATES = [
    "2021-06-14 09:32:11", "06/14/2021 09:32", "2021-06-14T09:32:11Z", "2021-06-14T09:32:11+02:00",
    "2021-03-14 02:30:00", "2021-11-07 01:30:00", "2021-02-30 10:00:00", "2021-6-1 9:05:07",
    "2019-01-01", "yesterday", "", "2030-01-01 00:00:00", "1850-05-05 05:05:05",
]  # fmt: skip
MONEY = ["$1,200.00", "85", "85.5", "1.234", "EUR 45", "€12", "", "-5", "1,20", "0085.50"]
URLS = [
    "https://img.example.com/a.jpg", "https://img.example.com/t ä 1.jpg", "photos/IMG_1.jpg",
    "https://img.example.com/100%", "https://a..b/x y", " https://img.example.com/b%20c.jpg ",
    "HTTP://img.example.com/x y", "https://img.example.com/q?a=1 2",
]  # fmt: skip
CITIES = [
    ("Usera", "ES"),
    ("Denver", "US"),
    ("Paris", "FR"),
    ("Nowhere", "ZZ"),
    ("", ""),
    ("Munich", "DE"),
]


@st.composite
def export(draw):
    users = []
    for _ in range(draw(st.integers(1, 12))):
        users.append(
            {
                "id": draw(user_ids()),
                "email": draw(padded(st.sampled_from(EMAILS))),
                "confirmed": draw(st.sampled_from(["1", "0", "yes", "TRUE", "maybe", ""])),
                "first": draw(st.sampled_from(["", "Anna", " Bob ", "\x1cCarl"])),
                "last": draw(st.sampled_from(["", "Lee", "Stone\x1f"])),
                "full": draw(st.sampled_from(["", "Anna van der Berg", "Cher", "ſam da Silva"])),
                "bio": draw(TEXT),
                "phone": draw(st.sampled_from(["", "+1-555", " 555 "])),
                "at": draw(padded(st.sampled_from(DATES))),
            }
        )
    user_pool = [u["id"] for u in users] + ["404", ""]
    listings = []
    for index in range(draw(st.integers(0, 10))):
        city, country = draw(st.sampled_from(CITIES))
        listings.append(
            {
                "id": draw(st.sampled_from([str(100 + index), str(100 + index), "l7", ""])),
                "host": draw(st.sampled_from(user_pool)),
                "title": draw(st.sampled_from(["Tent", "", " Bike\x00", "Kayak\u2028"])),
                "description": draw(TEXT),
                "state": draw(
                    st.sampled_from(["active", "closed", "draft", "pending_review", "gone"])
                ),
                "price": draw(st.sampled_from(MONEY)),
                "cents": draw(st.sampled_from(["", "120000", "5", "x"])),
                "currency": draw(st.sampled_from(["USD", "usd", "EUR", "JPY", "", "XXX"])),
                "quantity": draw(st.sampled_from(["", "3", "3.0", "-1", "x"])),
                "street": draw(st.sampled_from(["", "1 Main St", "Paris Road"])),
                "city": city,
                "country": country,
                "lat": draw(st.sampled_from(["", "40.4", "1e-05", "91", "x", "0.0001"])),
                "lng": draw(st.sampled_from(["", "-3.6", "181", "10"])),
                "at": draw(st.sampled_from(DATES)),
                "category": draw(st.sampled_from(["tent", "", "ski"])),
            }
        )
    listing_pool = [item["id"] for item in listings] + ["999", ""]
    images = [
        {
            "id": str(500 + index),
            "listing": draw(st.sampled_from(listing_pool)),
            "url": draw(st.sampled_from(URLS)),
            "position": draw(st.sampled_from(["0", "1", "", "x", "2.0"])),
        }
        for index in range(draw(st.integers(0, 8)))
    ]
    reviews = [
        {
            "id": draw(st.sampled_from([str(700 + index), "700"])),
            "kind": draw(st.sampled_from(["of_host", "of_renter", "other"])),
            "status": draw(st.sampled_from(["published", "pending"])),
            "author": draw(st.sampled_from(user_pool)),
            "subject": draw(st.sampled_from(user_pool)),
            "listing": draw(st.sampled_from(listing_pool)),
            "rating": draw(st.sampled_from(["", "4", "0", "6", "x"])),
            "score": draw(st.sampled_from(["", "0.2", "1.0", "0.5", "2"])),
            "body": draw(TEXT),
            "at": draw(st.sampled_from(DATES)),
        }
        for index in range(draw(st.integers(0, 8)))
    ]
    payouts = [
        {
            "id": str(300 + index),
            "user": draw(st.sampled_from(user_pool)),
            "account": draw(st.sampled_from(["acct_1", " acct_2 ", "", "acct_3\x1c"])),
        }
        for index in range(draw(st.integers(0, 5)))
    ]
    return {
        "users": users,
        "listings": listings,
        "images": images,
        "reviews": reviews,
        "payouts": payouts,
    }


JOB = """\
ident = "diff"

[output]
dir = "out"
name = "diff"
aliases = {aliases}

[defaults]
currency = "USD"
timezone = "America/Denver"
listing_type = "rent"
transaction_process_alias = "default-booking/release-1"
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
[sources.payouts]
type = "csv"
path = "payouts.csv"

[records.user]
source = "users"
id = "id"
[records.user.mapping]
email = {{ column = "email", transform = "trim" }}
emailVerified = {{ column = "confirmed", transform = "boolean" }}
firstName = [{{ column = "first", transform = "trim" }}, {{ column = "full", transform = {{ name = "split_name", part = "first" }} }}]
lastName = [{{ column = "last", transform = "trim" }}, {{ column = "full", transform = {{ name = "split_name", part = "last" }} }}]
bio = {{ column = "bio", transform = ["strip_control", "trim"] }}
createdAt = {{ column = "at", transform = {{ name = "date", formats = ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M"] }} }}
[records.user.protected_data]
phone = {{ column = "phone", transform = "trim" }}
"contact.line" = {{ template = "{{first}} ({{id}})" }}

[records.listing]
source = "listings"
id = "id"
[records.listing.mapping]
title = {{ column = "title", transform = ["strip_control", "trim"] }}
description = {{ column = "description", transform = "html_to_text" }}
state = {{ column = "state", map = {{ active = "published", closed = "closed", draft = "draft", pending_review = "pendingApproval" }} }}
price = [{{ column = "price", transform = "money", currency = "currency" }}, {{ column = "cents", transform = "minor_units", currency = "currency" }}]
currentStock = {{ column = "quantity", transform = "int" }}
location = {{ lat = "lat", lng = "lng" }}
author = {{ ref = "user", column = "host", required = {author_required} }}
createdAt = {{ column = "at", transform = {{ name = "date", formats = ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M"] }} }}
[records.listing.public_data]
category = "category"
"location.address" = {{ template = "{{street}}, {{city}}, {{country}}" }}

[records.image]
source = "images"
id = "id"
[records.image.mapping]
url = {{ column = "url", transform = "url_encode" }}
sortOrder = {{ column = "position", transform = "int" }}
listing = {{ ref = "listing", column = "listing", required = {image_required} }}

[records.review]
source = "reviews"
id = "id"
[records.review.mapping]
type = {{ column = "kind", map = {{ of_host = "ofProvider", of_renter = "ofCustomer" }} }}
state = {{ column = "status", map = {{ published = "public", pending = "pending" }} }}
rating = [{{ column = "rating", transform = "int" }}, {{ column = "score", transform = {{ name = "rating_scale", source_max = 1 }} }}]
content = {{ column = "body", transform = ["strip_control", "trim"] }}
author = {{ ref = "user", column = "author" }}
subject = {{ ref = "user", column = "subject" }}
listing = {{ ref = "listing", column = "listing" }}
createdAt = {{ column = "at", transform = "date" }}

[records.stripeAccount]
source = "payouts"
id = "id"
[records.stripeAccount.mapping]
stripeAccountId = "account"
user = {{ ref = "user", column = "user" }}

{geocode}
"""

GEOCODE = '[geocode]\nprovider = "offline"\naddress = ["street", "city", "country"]\n'


def reversed_specs(text: str) -> str:
    """The job ``text`` with its ``[records.TYPE]`` sections in reverse order: rows then refer
    to rows read after them, so that the reject cascade takes several passes."""
    head, *sections = re.split(r"(?m)^(?=\[records\.\w+\]$|\[geocode\]$)", text)
    geocode = [part for part in sections if part.startswith("[geocode]")]
    records = [part for part in sections if not part.startswith("[geocode]")]
    return head + "".join(reversed(records)) + "".join(geocode)


def write_export(directory: Path, tables: dict, reverse: bool = False, **job) -> Path:
    for name, rows in tables.items():
        columns = {
            "users": ["id", "email", "confirmed", "first", "last", "full", "bio", "phone", "at"],
            "listings": ["id", "host", "title", "description", "state", "price", "cents",
                         "currency", "quantity", "street", "city", "country", "lat", "lng", "at",
                         "category"],
            "images": ["id", "listing", "url", "position"],
            "reviews": ["id", "kind", "status", "author", "subject", "listing", "rating",
                        "score", "body", "at"],
            "payouts": ["id", "user", "account"],
        }[name]  # fmt: skip
        with open(directory / f"{name}.csv", "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    options = {
        "aliases": "true",
        "author_required": "true",
        "image_required": "true",
        "geocode": "",
    }
    options.update(job)
    path = directory / "job.toml"
    text = JOB.format(**options)
    path.write_text(reversed_specs(text) if reverse else text, encoding="utf-8")
    return path


def outputs(directory: Path) -> tuple[bytes, bytes, dict]:
    report = json.loads((directory / "diff.report.json").read_text("utf-8"))
    for key in ("timings", "outputs"):
        report.pop(key)
    report.get("geocode", {}).pop("seconds", None)
    edn = directory / "diff.edn"
    return (
        edn.read_bytes() if edn.exists() else b"",
        (directory / "diff.rejects.csv").read_bytes(),
        report,
    )


def both_engines(job_path: Path, tmp: Path, **options) -> None:
    job = load_job(job_path)
    convert(job, output_dir=tmp / "rows", engine="rows", **options)
    convert(job, output_dir=tmp / "columns", engine="columns", **options)
    rows, columns = outputs(tmp / "rows"), outputs(tmp / "columns")
    assert columns[0].decode() == rows[0].decode()
    assert columns[1].decode() == rows[1].decode()
    assert columns[2] == rows[2]


@RUNS
@given(
    tables=export(),
    variant=st.sampled_from(["plain", "optional", "geocode", "noalias", "reversed"]),
)
def test_both_engines_write_the_same_bytes(tmp_path_factory, tables, variant):
    tmp = tmp_path_factory.mktemp("diff")
    options = {
        "plain": {},
        "optional": {"author_required": "false", "image_required": "false"},
        "geocode": {"geocode": GEOCODE},
        "noalias": {"aliases": "false"},
        "reversed": {"reverse": True},
    }[variant]
    both_engines(write_export(tmp, tables, **options), tmp)


CHAIN = {
    "users": [
        {"id": "1", "email": "bob@@example.org", "first": "Bob", "at": "2021-06-14 09:32:11"},
        {"id": "2", "email": "anna@example.com", "first": "Anna", "at": "2021-06-14 09:32:11"},
    ],
    "listings": [
        {"id": sid, "host": host, "title": "Tent", "state": "active", "price": "85",
         "currency": "USD", "at": "2021-06-15 09:32:11"}
        for sid, host in (("10", "1"), ("11", "2"), ("12", "3"))
    ],
    "images": [
        {"id": sid, "listing": listing, "url": f"https://img.example.com/{sid}.jpg"}
        for sid, listing in (("100", "10"), ("101", "12"), ("102", "11"), ("103", "13"))
    ],
    "reviews": [
        {"id": sid, "kind": "of_host", "status": "published", "author": "2", "subject": subject,
         "listing": listing, "rating": "5", "body": "ok", "at": "2021-06-16 09:32:11"}
        for sid, subject, listing in (("200", "1", "11"), ("201", "2", "10"))
    ],
    "payouts": [{"id": "300", "user": "1", "account": "acct_1"}],
}  # fmt: skip


@pytest.mark.parametrize("reverse", [False, True], ids=["in-order", "forward-references"])
@pytest.mark.parametrize("required", ["both", "author-optional", "image-optional"])
def test_the_reject_cascade_takes_the_rows_engines_passes(tmp_path, reverse, required):
    """Chains of rejects (a user, its listing, the listing's image and review), read in order
    and read referrers first (the cascade then takes a second pass), with both engines."""
    options = {
        "both": {},
        "author-optional": {"author_required": "false"},
        "image-optional": {"image_required": "false"},
    }[required]
    both_engines(write_export(tmp_path, CHAIN, reverse=reverse, **options), tmp_path)
    rejects = (tmp_path / "columns" / "diff.rejects.csv").read_text("utf-8")
    if required == "both":
        assert (
            'image,100,ref-target-rejected,":im.image/listing refers to listing ""10"", '
            'which was rejected (ref-target-rejected)"' in rejects
        )
        assert "image,101,ref-target-rejected" in rejects and "(ref-unresolved)" in rejects


def test_rows_doomed_by_a_rejected_reference_get_no_text(tmp_path, monkeypatch):
    """A row whose required reference names a row already rejected gets no edn text: user 1
    (a bad email), then listing 10 by it, image 100 of that listing, both reviews (one of
    user 1, one of listing 10) and user 1's payout account. Only rows that may still be
    written are rendered and spilled, and both engines still write the same bytes."""
    from migrate.convert.ledger import Ledger

    spilled: list[str] = []
    spill_written = Ledger.spill_written

    def spy(self, texts, written):
        spilled.extend(texts.to_list())
        return spill_written(self, texts, written)

    monkeypatch.setattr(Ledger, "spill_written", spy)
    users = [{**user, "last": "Smith"} for user in CHAIN["users"]]
    both_engines(write_export(tmp_path, {**CHAIN, "users": users}), tmp_path)
    ids = re.compile(r'^\[\[:im\.(\w+)/id #uuid "[^"]+" :\w+/(\w+)\]')
    rendered = sorted(ids.match(text).groups() for text in spilled)  # type: ignore[union-attr]
    # Listing 12 names user 3 and image 103 listing 13, which no table holds: that is known
    # only once every table is read, so they (and image 101 of listing 12) are rendered, then
    # rejected when settling.
    assert rendered == [
        ("image", "i101"), ("image", "i102"), ("image", "i103"),
        ("listing", "l11"), ("listing", "l12"), ("user", "u2"),
    ]  # fmt: skip
    written = (tmp_path / "columns" / "diff.edn").read_text("utf-8")
    assert re.findall(r" :(\w+/\w+)\] ", written) == ["user/u2", "listing/l11", "image/i102"]


def test_the_gazetteer_is_asked_once_per_signature_in_a_run(tmp_path, monkeypatch):
    """Listings in slices of two rows: addresses of one signature (streets no city is named
    after, in one city) are answered once for the whole run, not once per slice."""
    from migrate.convert import engine
    from migrate.geocode.gazetteer import Gazetteer

    asked: list[str] = []
    locate = Gazetteer.locate

    def spy(self, address):
        asked.append(address)
        return locate(self, address)

    monkeypatch.setattr(Gazetteer, "locate", spy)
    monkeypatch.setattr(engine, "SLICE_ROWS", 2)
    user = {"id": "1", "email": "anna@example.com", "first": "Anna", "last": "Smith",
            "at": "2021-06-14 09:32:11"}  # fmt: skip
    streets = ["1 Elm Street", "2 Oak Lane", "3 Birch Road", "4 Pine Court", "5 Ash Way"]
    listings = [
        {"id": str(10 + number), "host": "1", "title": "Tent", "state": "active",
         "price": "85", "currency": "USD", "street": street, "city": "Lyon",
         "country": "France", "at": "2021-06-15 09:32:11"}
        for number, street in enumerate(streets)
    ]  # fmt: skip
    tables = {"users": [user], "listings": listings, "images": [], "reviews": [], "payouts": []}
    job = load_job(write_export(tmp_path, tables, geocode=GEOCODE))
    convert(job, output_dir=tmp_path / "columns", engine="columns")
    assert len(asked) == 1 and asked[0].endswith(", Lyon, France")  # any of the five
    asked.clear()
    convert(job, output_dir=tmp_path / "rows", engine="rows")
    assert len(asked) == 5  # the per-row path asks for each listing
    assert outputs(tmp_path / "columns") == outputs(tmp_path / "rows")
    assert (tmp_path / "columns" / "diff.edn").read_text("utf-8").count("#im/location") == 5


@pytest.mark.parametrize(
    "ids", [["u12", "12", "u12"], ["12", "u12", "u12"], ["u12", "12", "12", "u12"]]
)
def test_an_alias_belongs_to_the_first_id_that_claimed_it(tmp_path, ids):
    # Found by the property test: "12" (alias u12) collides with "u12", which claimed it
    # first; a later "u12" row is then the owner's again, not a collision with "12".
    blank = dict.fromkeys(["confirmed", "first", "last", "full", "bio", "phone"], "")
    users = [
        {**blank, "id": sid, "email": f"{index}@example.com", "at": "2021-06-14 09:32:11"}
        for index, sid in enumerate(ids)
    ]
    tables = {"users": users, "listings": [], "images": [], "reviews": [], "payouts": []}
    both_engines(write_export(tmp_path, tables), tmp_path)
    rejects = read_rejects(tmp_path / "rows" / "diff.rejects.csv")
    collisions = [r["source_id"] for r in rejects if r["rule"] == "alias-collision"]
    # whichever of "12" and "u12" comes first owns alias u12; every row of the other collides
    loser = "12" if ids[0] == "u12" else "u12"
    assert collisions == [loser] * ids.count(loser)


def test_the_sample_jobs_give_the_same_bytes_with_both_engines(tmp_path):
    from conftest import SAMPLES

    for form in ("csv", "json", "sqlite"):
        job = load_job(SAMPLES / form / "job.toml")
        convert(job, output_dir=tmp_path / form / "rows", engine="rows")
        convert(job, output_dir=tmp_path / form / "columns", engine="columns")
        for name in ("trailhop.edn", "trailhop.rejects.csv"):
            rows = (tmp_path / form / "rows" / name).read_bytes()
            assert (tmp_path / form / "columns" / name).read_bytes() == rows, (form, name)


JSON_JOB = """\
ident = "j"
[sources.people]
type = "json"
path = "people.jsonl"
format = "lines"   # json.loads: integers of any size stay exact
[records.user]
source = "people"
id = "id"
[records.user.mapping]
email = "email"
firstName = "first"
lastName = "last"
createdAt = "at"
[records.stripeAccount]
source = "people"
id = "id"
[records.stripeAccount.mapping]
stripeAccountId = "first"
user = { ref = "user", column = "id" }
"""

JSON_IDS = st.one_of(
    st.integers(-5, 20),
    st.integers(2**63, 2**70),
    st.sampled_from([True, False, 10.0, 2.5, "7", " 8 ", "", None, {"a": 1}, [1]]),
)


@RUNS
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "id": JSON_IDS,
                "email": st.sampled_from(["a@example.com", "A@example.com", "b@example.com", 3]),
                "first": st.sampled_from(["Ann", "", None, 1, True]),
                "last": st.sampled_from(["Lee", "  "]),
                "at": st.sampled_from(["2021-06-14T09:32:11Z", "2021-06-14", 1623663131, None]),
            }
        ),
        min_size=1,
        max_size=12,
    )
)
def test_typed_json_values_give_the_same_bytes(tmp_path_factory, rows):
    tmp = tmp_path_factory.mktemp("json")
    # The columns a job may name come from the first record: give it plain values.
    first = {"id": 1, "email": "z@example.com", "first": "Zoe", "last": "Z", "at": "2020-01-01"}
    rows = [first, *rows]
    (tmp / "people.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    (tmp / "job.toml").write_text(JSON_JOB, encoding="utf-8")
    job = load_job(tmp / "job.toml")
    convert(job, output_dir=tmp / "rows", engine="rows")
    convert(job, output_dir=tmp / "columns", engine="columns")
    for suffix in (".edn", ".rejects.csv"):
        rows_bytes = (tmp / "rows" / f"j{suffix}").read_bytes()
        assert (tmp / "columns" / f"j{suffix}").read_bytes() == rows_bytes, suffix


def test_a_source_id_that_is_not_text_or_an_integer_is_rejected_with_its_own_code(tmp_path):
    people = [
        {"id": True, "email": "a@example.com", "first": "A", "last": "B", "at": "2021-01-01"},
        {"id": 10.0, "email": "b@example.com", "first": "A", "last": "B", "at": "2021-01-01"},
        {"id": 2**70, "email": "c@example.com", "first": "A", "last": "B", "at": "2021-01-01"},
    ]
    lines = "".join(json.dumps(person) + "\n" for person in people)
    (tmp_path / "people.jsonl").write_text(lines, encoding="utf-8")
    (tmp_path / "job.toml").write_text(JSON_JOB, encoding="utf-8")
    for engine in ("rows", "columns"):
        convert(load_job(tmp_path / "job.toml"), output_dir=tmp_path / engine, engine=engine)
        from migrate.convert.outputs import read_rejects

        rejects = read_rejects(tmp_path / engine / "j.rejects.csv")
        users = [r for r in rejects if r["record_type"] == "user"]
        assert [(r["rule"], r["message"]) for r in users] == [
            (
                "source-id-type",
                'column "id": source id true is a boolean, not a string or an integer',
            ),
            (
                "source-id-type",
                'column "id": source id 10.0 is a float, not a string or an integer',
            ),
        ]
        edn = (tmp_path / engine / "j.edn").read_text("utf-8")
        assert f":user/u{2**70}" in edn  # a big integer is an exact text id


@pytest.mark.parametrize("engine", ["rows", "columns"])
def test_engine_must_be_known(tmp_path, engine):
    person = {"id": 1, "email": "a@example.com", "first": "A", "last": "B", "at": "2021-01-01"}
    (tmp_path / "people.jsonl").write_text(json.dumps(person) + "\n", encoding="utf-8")
    (tmp_path / "job.toml").write_text(JSON_JOB, encoding="utf-8")
    with pytest.raises(ValueError, match="engine must be one of columns, rows"):
        convert(load_job(tmp_path / "job.toml"), output_dir=tmp_path, engine=engine + "x")


def rows_taken_per_row(monkeypatch) -> list[str]:
    """The record type of every row the columnar engine sends the per-row way, as it runs."""
    from migrate.convert.engine import ColumnarRun

    per_row: list[str] = []
    original = ColumnarRun._per_row

    def counting(self, item, rows, origins):
        rows = list(rows)
        per_row.extend(item.spec.record_type for _ in rows)
        return original(self, item, iter(rows), origins)

    monkeypatch.setattr(ColumnarRun, "_per_row", counting)
    return per_row


def test_a_value_rule_error_is_decided_in_columns_as_the_per_row_path_decides_it(
    tmp_path, monkeypatch
):
    # A row whose only problem is one value rule's error (an invalid email, a URL that is not
    # http(s), a rating out of range) is rejected by the columnar engine itself, with the
    # per-row path's code, message and value.
    AT = "2021-01-01 10:00:00"
    users = [
        {"id": "1", "email": "anna@example.com", "first": "Anna", "last": "Berg", "at": AT},
        {"id": "2", "email": "anna@", "first": "Ben", "last": "Berg", "at": AT},
        {"id": "3", "email": "a b@example.com", "first": "Cleo", "last": "Berg", "at": AT},
    ]
    listings = [
        {"id": "10", "host": "1", "title": "Tent", "state": "active", "price": "5", "at": AT}
    ]
    images = [
        {"id": "20", "listing": "10", "url": "https://img.example.com/a.jpg", "position": "0"},
        {"id": "21", "listing": "10", "url": "ftp://img.example.com/b.jpg", "position": "1"},
    ]
    reviews = [
        {"id": str(30 + rating), "kind": "of_host", "status": "published", "author": "1",
         "subject": "1", "listing": "10", "rating": str(rating), "body": "Fine", "at": AT}
        for rating in (4, 9)
    ]  # fmt: skip
    job = write_export(
        tmp_path,
        {"users": users, "listings": listings, "images": images, "reviews": reviews,
         "payouts": []},
    )  # fmt: skip
    per_row = rows_taken_per_row(monkeypatch)
    both_engines(job, tmp_path)
    rejects = read_rejects(tmp_path / "columns" / "diff.rejects.csv")
    assert [(r["record_type"], r["source_id"], r["rule"]) for r in rejects] == [
        ("user", "2", "email-invalid"),
        ("user", "3", "email-invalid"),
        ("image", "21", "url-invalid"),
        ("review", "39", "integer-range"),
    ]
    assert json.loads(rejects[2]["values"]) == {":im.image/url": "ftp://img.example.com/b.jpg"}
    assert per_row == []  # every one of them decided in columns


def test_a_missing_required_attribute_is_decided_in_columns_as_the_mapper_decides_it(
    tmp_path, monkeypatch
):
    # The mapper's reject, made in columns: the first required attribute the row misses, in
    # schema order, with the values of the columns it is mapped from; not a mapped record.
    at = "2021-01-01 10:00:00"
    users = [
        {"id": "1", "email": "anna@example.com", "first": "Anna", "last": "Berg", "at": at},
        {"id": "2", "email": "ben@example.com", "first": "Ben", "last": "Berg", "at": " "},
        {"id": "3", "email": "cleo@example.com", "first": "", "last": "Berg", "at": ""},
        {"id": "4", "email": "", "first": "Dan", "last": "Berg", "at": at},
    ]
    job = write_export(
        tmp_path,
        {"users": users, "listings": [], "images": [], "reviews": [], "payouts": []},
    )
    per_row = rows_taken_per_row(monkeypatch)
    both_engines(job, tmp_path)
    rejects = read_rejects(tmp_path / "columns" / "diff.rejects.csv")
    assert [
        (r["source_id"], r["rule"], r["message"], json.loads(r["values"])) for r in rejects
    ] == [
        (
            "2",
            "attribute-required",
            "missing required attribute createdAt (im.user/createdAt) (no value in at)",
            {"at": " "},
        ),
        (
            "3",
            "attribute-required",
            "missing required attribute createdAt (im.user/createdAt) (no value in at)",
            {"at": None},  # and its first name: the first in schema order is said
        ),
        (
            "4",
            "attribute-required",
            "missing required attribute address (im.email/address) (no value in email)",
            {"email": None},
        ),
    ]
    assert per_row == []


def test_a_listing_the_mapper_rejects_is_not_geocoded_in_columns_either(tmp_path, monkeypatch):
    # In a run that geocodes, a listing without a required attribute is rejected in columns
    # as the mapper rejects it: its address is not looked up, nor counted in the report.
    at = "2021-01-01 10:00:00"
    users = [{"id": "1", "email": "anna@example.com", "first": "Anna", "last": "B", "at": at}]
    place = {"street": "1 Main St", "city": "Paris", "country": "France"}
    listings = [
        {"id": "10", "host": "1", "title": "Tent", "state": "active", "at": at, **place},
        {"id": "11", "host": "1", "title": "", "state": "active", "at": at, **place},
    ]
    job = write_export(
        tmp_path,
        {"users": users, "listings": listings, "images": [], "reviews": [], "payouts": []},
        geocode=GEOCODE,
    )
    per_row = rows_taken_per_row(monkeypatch)
    both_engines(job, tmp_path)
    rejects = read_rejects(tmp_path / "columns" / "diff.rejects.csv")
    assert [(r["source_id"], r["rule"], r["values"]) for r in rejects] == [
        ("11", "attribute-required", '{"title": null}')
    ]
    report = json.loads((tmp_path / "columns" / "diff.report.json").read_text("utf-8"))
    assert report["geocode"]["listings"] == 1  # the rejected one was not geocoded
    assert per_row == []
