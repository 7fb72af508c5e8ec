"""Derived sources (``[sources.NAME] type = "query"``): SQL over the job's other sources in
Polars' SQL context, columns checked at load time, origins at the query's rows, the same rows
for both engines, SQL mistakes as job errors naming ``sources.NAME.sql``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.convert.job import load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import convert
from migrate.extract import ExtractError, open_source

REVIEWS = """id,listing_id,reviewer_id,reviewer_name,date,comments
1,10,900,Dee,2021-03-01,Great
2,11,900,Dee,2020-07-15,Fine
3,10,901,Eli,2022-01-09,Nice
4,12,902,,2021-05-05,Anonymous
5,11,901,Eli,2019-12-31,Early
"""

LISTINGS = [
    {"id": 10, "host_id": 1180000000007141974, "title": "Cabin"},
    {"id": 11, "host_id": 2**64 + 7, "title": "Loft"},
    {"id": 12, "host_id": 1180000000007141974, "title": "Barn"},
]

JOB = """ident = "dq"

[output]
dir = "out"
name = "dq"

[sources.reviews]
type = "csv"
path = "reviews.csv"

[sources.listings]
type = "json"
path = "listings.json"

[sources.reviewers]
type = "query"
sql = \"\"\"
SELECT reviewer_id, min(reviewer_name) AS reviewer_name, min(date) AS first_review,
       count(*) AS reviews
FROM reviews GROUP BY reviewer_id
\"\"\"

[sources.hosts]
type = "query"
sql = "SELECT DISTINCT host_id FROM listings"

[[records.user]]
source = "reviewers"
id = "reviewer_id"

[records.user.mapping]
email = { template = "reviewer-{reviewer_id}@example.com" }
firstName = "reviewer_name"
lastName = { const = "Reviewer" }
createdAt = { column = "first_review", transform = "date" }

[[records.user]]
source = "hosts"
id = "host_id"

[records.user.mapping]
email = { template = "host-{host_id}@example.com" }
firstName = { const = "Host" }
lastName = { const = "Example" }
createdAt = { const = "2018-01-01T00:00:00Z" }
"""


def write_job(folder: Path, job: str = JOB) -> Path:
    (folder / "reviews.csv").write_text(REVIEWS, "utf-8")
    (folder / "listings.json").write_text(json.dumps(LISTINGS), "utf-8")
    path = folder / "job.toml"
    path.write_text(job, "utf-8")
    return path


def both_engines(path: Path, tmp_path: Path) -> dict[str, Path]:
    job = load_job(path)
    outs = {}
    for engine in ("rows", "columns"):
        out = tmp_path / f"out-{engine}"
        convert(job, output_dir=out, engine=engine)
        outs[engine] = out
    for name in ("dq.edn", "dq.rejects.csv"):
        assert (outs["rows"] / name).read_bytes() == (outs["columns"] / name).read_bytes(), name
    return outs


def test_a_group_by_query_is_a_source_with_its_own_columns_and_ordered_rows(tmp_path):
    job = load_job(write_job(tmp_path))
    source = open_source(job.sources["reviewers"])
    assert source.columns() == ["reviewer_id", "reviewer_name", "first_review", "reviews"]
    rows = list(source.rows())
    # no ORDER BY: sorted by every column, so each run gives the same order
    assert [dict(row.values) for row in rows] == [
        {"reviewer_id": "900", "reviewer_name": "Dee", "first_review": "2020-07-15", "reviews": 2},
        {"reviewer_id": "901", "reviewer_name": "Eli", "first_review": "2019-12-31", "reviews": 2},
        {"reviewer_id": "902", "reviewer_name": None, "first_review": "2021-05-05", "reviews": 1},
    ]
    assert [str(row.origin) for row in rows] == [
        "job.toml [sources.reviewers] row 1",
        "job.toml [sources.reviewers] row 2",
        "job.toml [sources.reviewers] row 3",
    ]
    assert source.origins([2]) == {2: rows[2].origin}


def test_sign_up_dates_from_the_earliest_review_in_both_engines(tmp_path):
    outs = both_engines(write_job(tmp_path), tmp_path)
    edn = (outs["rows"] / "dq.edn").read_text("utf-8")
    assert ":user/u900] {" in edn and '#inst "2020-07-15T00:00:00.000Z"' in edn
    assert '#inst "2019-12-31T00:00:00.000Z"' in edn
    # a JSON integer beyond 64 bits is text in SQL, exact; DISTINCT folded the repeated host
    assert f"host-{2**64 + 7}@example.com" in edn
    assert edn.count("host-1180000000007141974@example.com") == 1
    rejects = read_rejects(outs["rows"] / "dq.rejects.csv")
    assert [(r["origin"], r["source_id"], r["rule"]) for r in rejects] == [
        ("job.toml [sources.reviewers] row 3", "902", "attribute-required")
    ]


def test_joins_windows_and_queries_over_queries(tmp_path):
    job = (
        JOB
        + """
[sources.firsts]
type = "query"
sql = \"\"\"
SELECT r.reviewer_id, r.listing_id, l.title,
       row_number() OVER (PARTITION BY r.reviewer_id ORDER BY r.date) AS nth
FROM reviews r JOIN listings l ON CAST(l.id AS VARCHAR) = r.listing_id
\"\"\"

[sources.first_titles]
type = "query"
sql = "SELECT reviewer_id, title FROM firsts WHERE nth = 1 ORDER BY reviewer_id DESC"
"""
    )
    path = write_job(tmp_path, job)
    loaded = load_job(path)
    rows = [dict(row.values) for row in open_source(loaded.sources["first_titles"]).rows()]
    assert rows == [
        {"reviewer_id": "902", "title": "Barn"},
        {"reviewer_id": "901", "title": "Loft"},
        {"reviewer_id": "900", "title": "Loft"},
    ]


def test_a_lookup_into_a_derived_source(tmp_path):
    job = (
        JOB
        + """
[records.review]
source = "reviews"
id = "id"

[records.review.lookups]
since = { source = "reviewers", on = "reviewer_id", key = "reviewer_id", column = "first_review" }

[records.review.mapping]
type = { const = "ofCustomer" }
state = { const = "public" }
rating = { const = 5 }
content = { template = "{comments} (reviewing since {since})" }
author = { ref = "user", column = "reviewer_id" }
subject = { ref = "user", lookup = { source = "listings", on = "listing_id", key = "id", column = "host_id" } }
createdAt = { column = "date", transform = "date" }
"""
    )
    outs = both_engines(write_job(tmp_path, job), tmp_path)
    edn = (outs["rows"] / "dq.edn").read_text("utf-8")
    assert '"Great (reviewing since 2020-07-15)"' in edn
    rejects = read_rejects(outs["rows"] / "dq.rejects.csv")
    assert {(r["source_id"], r["rule"]) for r in rejects} == {
        ("902", "attribute-required"),
        ("4", "ref-target-rejected"),  # its author is reviewer 902, rejected
    }


def test_a_query_over_an_sqlite_table(tmp_path):
    database = tmp_path / "legacy.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE payouts (user_id INTEGER, amount REAL, day TEXT)")
        connection.executemany(
            "INSERT INTO payouts VALUES (?, ?, ?)",
            [(900, 10.5, "2021-01-01"), (900, 4.5, "2020-01-01"), (901, 1.0, "2022-02-02")],
        )
    job = (
        JOB
        + """
[sources.payouts]
type = "sql"
path = "legacy.db"
table = "payouts"
key = "user_id"

[sources.totals]
type = "query"
sql = "SELECT user_id, sum(amount) AS total, max(day) AS last FROM payouts GROUP BY user_id"
"""
    )
    loaded = load_job(write_job(tmp_path, job))
    rows = [dict(row.values) for row in open_source(loaded.sources["totals"]).rows()]
    assert rows == [
        {"user_id": 900, "total": 15.0, "last": "2021-01-01"},
        {"user_id": 901, "total": 1.0, "last": "2022-02-02"},
    ]


# Job errors --------------------------------------------------------------------------------


def job_errors(tmp_path: Path, job: str) -> list[str]:
    path = write_job(tmp_path, job)
    result = CliRunner().invoke(main, ["convert", str(path), "--dry-run"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    return [line.removeprefix(f"Error: {path}:") for line in result.stderr.splitlines()]


SQL = "SELECT DISTINCT host_id FROM listings"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "SELECT DISTINCT host_id FROM listingz",
            '25:1: sources.hosts.sql: no source named "listingz" to read '
            "(sources: reviews, listings, reviewers)",
        ),
        (
            "SELEC DISTINCT host_id FROM listings",
            "25:1: sources.hosts.sql: sql parser error: Expected: an SQL statement, found: "
            "SELEC at line 1, column 1 of the query",
        ),
        (
            "SELECT DISTINCT host FROM listings",
            '25:1: sources.hosts.sql: unable to find column "host"; valid columns: '
            '["id", "host_id", "title"]',
        ),
        (
            "SELECT DISTINCT host_id FROM hosts",
            "25:1: sources.hosts.sql: the query reads itself (hosts -> hosts): derived sources "
            "cannot loop",
        ),
        (
            "SELECT sum(title) AS t FROM listings",
            "25:1: sources.hosts.sql: `sum` operation not supported for dtype `str`",
        ),
    ],
)
def test_sql_mistakes_are_job_errors_naming_the_key(tmp_path, sql, expected):
    assert job_errors(tmp_path, JOB.replace(SQL, sql)) == [expected]


def test_a_cycle_through_two_queries(tmp_path):
    job = (
        JOB.replace(SQL, "SELECT host_id FROM loop")
        + """
[sources.loop]
type = "query"
sql = "SELECT host_id FROM hosts"
"""
    )
    lines = job_errors(tmp_path, job)
    assert lines[0] == (
        '25:1: sources.hosts.sql: source "loop" cannot be read ('
        f"{tmp_path / 'job.toml'}: sources.loop.sql: the query reads itself "
        "(hosts -> loop -> hosts): derived sources cannot loop)"
    )


def test_a_query_without_sql_and_a_column_the_query_lacks(tmp_path):
    job = JOB.replace('sql = "SELECT DISTINCT host_id FROM listings"', 'sqll = "x"')
    assert job_errors(tmp_path, job) == [
        "25:1: sources.hosts.sqll: unknown key (did you mean 'sql'?)",
    ]
    job = JOB.replace('firstName = "reviewer_name"', 'firstName = "reviewer"')
    assert job_errors(tmp_path, job) == [
        '33:1: records.user[0].mapping.firstName: source "reviewers" has no column "reviewer" '
        '(did you mean "reviewer_id"?)'
    ]


def test_a_table_column_that_changes_type_is_an_error_naming_the_query(tmp_path, monkeypatch):
    monkeypatch.setattr("migrate.extract.query_source.SCHEMA_ROWS", 2)
    listings = [*LISTINGS, {"id": 13, "host_id": 5, "title": {"en": "Hut"}}]
    path = write_job(tmp_path, JOB.replace(SQL, "SELECT DISTINCT host_id, title FROM listings"))
    (tmp_path / "listings.json").write_text(json.dumps(listings), "utf-8")
    job = load_job(path)  # the schema is known from the first records
    with pytest.raises(ExtractError) as raised:
        list(open_source(job.sources["hosts"]).rows())
    assert str(raised.value) == (
        f'{path}: sources.hosts.sql: column "title" of source "listings" holds mixed values '
        "after its first 2 records gave it string values (one type per column)"
    )
