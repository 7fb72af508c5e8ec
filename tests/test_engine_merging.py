"""Row types made by several record tables (``[[records.user]]`` twice) on the columnar engine.

Rows whose ids the tables do not share are decided by the columnar engine; a row repeating an
id an earlier table of its type kept is merged by the per-row pipeline (``merge-conflict`` when
they differ), so the columnar engine hands such a job to it. Either way both engines write the
same bytes, which the generated exports below check, with and without shared ids.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migrate.convert.pipeline as pipeline
from migrate.convert.job import load_job
from migrate.convert.pipeline import columnar_job, convert

RUNS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

JOB = """\
ident = "mt"
[output]
name = "mt"
[sources.hosts]
type = "csv"
path = "hosts.csv"
[sources.guests]
type = "csv"
path = "guests.csv"
[sources.listings]
type = "csv"
path = "listings.csv"

[[records.user]]
source = "hosts"
id = "id"
[records.user.mapping]
email = "email"
firstName = "name"
lastName = {{ const = "-" }}
bio = "bio"
createdAt = {{ column = "since", transform = "date" }}
avatar = {{ ref = "image", template = "a{{photo}}", required = false }}

[[records.user]]
source = "guests"
id = "id"
[records.user.mapping]
email = "email"
firstName = "name"
lastName = {{ const = "-" }}
createdAt = {{ column = "since", transform = "date" }}
{guest_extra}

[records.listing]
source = "listings"
id = "id"
[records.listing.mapping]
title = "title"
state = {{ const = "published" }}
createdAt = {{ const = "2020-01-01", transform = "date" }}
author = {{ ref = "user", column = "host" }}

[[records.image]]
source = "listings"
id = {{ template = "l{{id}}" }}
[records.image.mapping]
url = {{ template = "https://img.example.com/{{id}}.jpg" }}
listing = {{ ref = "listing", column = "id" }}

[[records.image]]
source = "hosts"
id = {{ template = "a{{photo}}" }}
[records.image.mapping]
url = {{ template = "https://img.example.com/p{{photo}}.jpg" }}
"""

IDS = st.sampled_from(["1", "2", "3", "07", "10", "u1", "", "12"])
NAMES = st.sampled_from(["Ann", "Bo", "", "  Cy "])
EMAILS = st.sampled_from(["a@example.com", "A@example.com", "b@example.com", "bad@", ""])
PHOTOS = st.sampled_from(["1", "2", "", "9"])
SINCE = st.sampled_from(["2019-05-01", "2020-01-01", "", "never"])


def people(ids):
    return st.lists(
        st.fixed_dictionaries(
            {
                "id": ids,
                "name": NAMES,
                "email": EMAILS,
                "bio": NAMES,
                "photo": PHOTOS,
                "since": SINCE,
            }  # fmt: skip
        ),
        max_size=6,
    )


def write(directory: Path, name: str, rows: list[dict], columns: list[str]) -> None:
    with open(directory / f"{name}.csv", "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_job(directory: Path, hosts, guests, listings, guest_extra: str = "") -> Path:
    write(directory, "hosts", hosts, ["id", "name", "email", "bio", "photo", "since"])
    write(directory, "guests", guests, ["id", "name", "email", "bio", "since"])
    write(directory, "listings", listings, ["id", "title", "host"])
    path = directory / "job.toml"
    path.write_text(JOB.format(guest_extra=guest_extra), encoding="utf-8")
    return path


def outputs(directory: Path) -> tuple[str, str, dict]:
    report = json.loads((directory / "mt.report.json").read_text("utf-8"))
    for key in ("timings", "outputs"):
        report.pop(key)
    return (
        (directory / "mt.edn").read_text("utf-8"),
        (directory / "mt.rejects.csv").read_text("utf-8"),
        report,
    )


def both_engines(path: Path, tmp: Path) -> None:
    job = load_job(path)
    convert(job, output_dir=tmp / "rows", engine="rows")
    convert(job, output_dir=tmp / "columns", engine="columns")
    assert outputs(tmp / "columns") == outputs(tmp / "rows")


LISTINGS = st.lists(
    st.fixed_dictionaries({"id": IDS, "title": NAMES, "host": IDS}),
    max_size=5,
)


@RUNS
@given(
    hosts=people(IDS),
    guests=people(IDS),
    listings=LISTINGS,
    extra=st.sampled_from(["", 'bio = "bio"', 'displayName = "bio"']),
)
def test_two_user_tables_give_the_same_bytes_with_both_engines(
    tmp_path_factory, hosts, guests, listings, extra
):
    # Shared ids merge (an added attribute, a conflicting one); the rest is decided in bulk.
    tmp = tmp_path_factory.mktemp("mt")
    both_engines(write_job(tmp, hosts, guests, listings, extra), tmp)


@RUNS
@given(
    hosts=people(st.sampled_from(["1", "2", "3", "", "07"])),
    guests=people(st.sampled_from(["g1", "g2", "", "g3"])),
    listings=LISTINGS,
)
def test_tables_without_shared_ids_give_the_same_bytes(tmp_path_factory, hosts, guests, listings):
    tmp = tmp_path_factory.mktemp("mt")
    both_engines(write_job(tmp, hosts, guests, listings, 'bio = "bio"'), tmp)


HOSTS = [
    {
        "id": "1",
        "name": "Ann",
        "email": "a@example.com",
        "bio": "Hosts",
        "photo": "1",
        "since": "2019-05-01",
    },
    {
        "id": "2",
        "name": "Bo",
        "email": "b@example.com",
        "bio": "",
        "photo": "",
        "since": "2019-05-01",
    },
]
LISTED = [{"id": "5", "title": "Flat", "host": "1"}, {"id": "6", "title": "Loft", "host": "g"}]


def test_a_job_whose_tables_share_no_id_is_converted_by_the_columnar_engine(tmp_path, monkeypatch):
    guests = [{"id": "g", "name": "Cy", "email": "c@example.com", "since": "2020-01-01"}]
    job = load_job(write_job(tmp_path, HOSTS, guests, LISTED))
    assert columnar_job(job)

    def refuse(*args, **kwargs):
        raise AssertionError("the per-row engine ran")

    monkeypatch.setattr(pipeline, "run_records", refuse)
    report = convert(job, output_dir=tmp_path / "out")
    assert (report.types["user"].read, report.types["user"].written) == (3, 3)
    images = report.types["image"]  # host 2 has no photo: no avatar image
    assert (images.read, images.written, images.rejected) == (4, 3, {"source-id-missing": 1})


def test_a_shared_id_is_merged_by_the_per_row_engine(tmp_path, caplog):
    guests = [
        {
            "id": "1",
            "name": "Ann",
            "email": "a@example.com",
            "bio": "Also travels",
            "since": "2019-05-01",
        },
        {"id": "2", "name": "Bob", "email": "b@example.com", "bio": "", "since": "2019-05-01"},
    ]
    job = load_job(write_job(tmp_path, HOSTS, guests, LISTED, 'displayName = "bio"'))
    with caplog.at_level(logging.INFO, logger="migrate.convert.pipeline"):
        report = convert(job, output_dir=tmp_path / "out")
    assert [record.getMessage() for record in caplog.records] == [
        'the job runs per row: records.user[1]: source id "1" was kept from an earlier user table'
    ]
    users = report.types["user"]
    assert (users.read, users.merged, users.written) == (4, 1, 2)
    assert users.rejected == {"merge-conflict": 1}
    edn = (tmp_path / "out" / "mt.edn").read_text("utf-8")
    assert '"Also travels"' in edn  # the guest table's displayName, merged into host 1


@pytest.mark.parametrize("setting", ["geocode", "images"])
def test_jobs_whose_hooks_see_rows_run_per_row_when_tables_may_merge(tmp_path, setting):
    # A geocoder or an image check would see the rows twice if a merge restarted the job.
    job = load_job(write_job(tmp_path, HOSTS, [], LISTED))
    assert columnar_job(job)
    assert not columnar_job(dataclasses.replace(job, **{setting: object()}))
