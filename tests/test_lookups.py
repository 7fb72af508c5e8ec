"""Lookups (``[records.TYPE.lookups]``, inline ``lookup = {…}``, chains): values taken from
another source by key, the same in both engines, per-row rejects for unmatched and ambiguous
keys, job errors at load time."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.cli import main
from migrate.convert.job import load_job
from migrate.convert.lookups import NOT_A_KEY, key_text
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import convert

USERS = """id,name
100,Ann
200,Bob
300,Cy
900,Dee
901,Eli
"""

# listing 3 is there twice: a lookup on it is ambiguous
LISTINGS = """id,host_id,rating,txn_note
1,100,4,
2,200,,
3,100,3,
3,300,2,
4, 300 ,5,
"""

TRANSACTIONS = [
    {"id": 7001, "listing_id": 1},
    {"id": 7002, "listing_id": 2},
    {"id": 7003, "listing_id": 99},
    {"id": 7004, "listing_id": None},
    {"id": 7005, "listing_id": 4},
]

REVIEWS = """id,listing_id,reviewer_id,comments,date,txn
r1,1,900,Nice,2020-01-01,7001
r2,2,901,Ok,2020-02-01,7002
r3,9,900,Unknown listing,2020-03-01,7003
r4,3,901,Two listings 3,2020-04-01,7001
r5,,900,No listing,2020-05-01,7004
r6, 4 ,901,Padded key,2020-06-01,7005
"""

JOB = """ident = "lk"

[output]
dir = "out"
name = "lk"

[sources.users]
type = "csv"
path = "users.csv"

[sources.listings]
type = "csv"
path = "listings.csv"

[sources.transactions]
type = "json"
path = "transactions.json"

[sources.reviews]
type = "csv"
path = "reviews.csv"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
email = { template = "user-{id}@example.com" }
firstName = "name"
lastName = { const = "Example" }
createdAt = { const = "2019-01-01T00:00:00Z" }

[records.review]
source = "reviews"
id = "id"

[records.review.lookups]
host_id = { source = "listings", on = "listing_id", key = "id", column = "host_id" }

[records.review.mapping]
type = { const = "ofCustomer" }
state = { const = "public" }
rating = [
  { lookup = { source = "listings", on = "listing_id", key = "id", column = "rating" }, transform = "int" },
  { const = 5 },
]
content = { template = "{comments} (host {host_id})" }
author = { ref = "user", column = "reviewer_id" }
subject = { ref = "user", column = "host_id" }
createdAt = { column = "date", transform = "date" }
"""


def write_job(folder: Path, job: str = JOB) -> Path:
    (folder / "users.csv").write_text(USERS, "utf-8")
    (folder / "listings.csv").write_text(LISTINGS, "utf-8")
    (folder / "transactions.json").write_text(json.dumps(TRANSACTIONS), "utf-8")
    (folder / "reviews.csv").write_text(REVIEWS, "utf-8")
    path = folder / "job.toml"
    path.write_text(job, "utf-8")
    return path


def both_engines(job_path: Path, tmp_path: Path) -> dict[str, Path]:
    """Convert with both engines; assert they write the same bytes; the output folders."""
    job = load_job(job_path)
    outs = {}
    for engine in ("rows", "columns"):
        out = tmp_path / f"out-{engine}"
        convert(job, output_dir=out, engine=engine)
        outs[engine] = out
    for name in ("lk.edn", "lk.rejects.csv"):
        assert (outs["rows"] / name).read_bytes() == (outs["columns"] / name).read_bytes(), name
    return outs


def rejects_of(out: Path) -> list[tuple[str, str, str]]:
    return [(r["source_id"], r["rule"], r["message"]) for r in read_rejects(out / "lk.rejects.csv")]


def test_named_and_inline_lookups_give_values_and_rejects_in_both_engines(tmp_path):
    outs = both_engines(write_job(tmp_path), tmp_path)
    assert rejects_of(outs["rows"]) == [
        (
            "r3",
            "lookup-unmatched",
            'records.review.lookups.host_id: no row of source "listings" has id = "9" '
            '(listing_id of source "reviews")',
        ),
        (
            "r4",
            "lookup-ambiguous",
            'records.review.lookups.host_id: 2 rows of source "listings" have id = "3" '
            '(listing_id of source "reviews"); a lookup needs exactly one',
        ),
        (
            "r5",
            "attribute-required",
            "missing required attribute subject (im.review/subject) (no value in host_id)",
        ),
    ]
    edn = (outs["rows"] / "lk.edn").read_text("utf-8")
    assert ':im.review/content "Nice (host 100)"' in edn and ":im.review/rating 4" in edn
    # listing 2 has no rating: the inline lookup is absent, the constant after it is taken
    assert ':im.review/content "Ok (host 200)"' in edn and ":im.review/rating 5" in edn
    # a padded key matches its trimmed text; the value itself is kept as the cell has it
    assert ':im.review/content "Padded key (host  300 )"' in edn


def test_missing_absent_turns_an_unmatched_key_into_an_absent_value(tmp_path):
    job = JOB.replace(LINE, LINE.replace('"host_id" }', '"host_id", missing = "absent" }'))
    outs = both_engines(write_job(tmp_path, job), tmp_path)
    found = [(sid, rule, message.split(": ")[0]) for sid, rule, message in rejects_of(outs["rows"])]
    assert found == [
        ("r3", "lookup-unmatched", "records.review.mapping.rating[0]"),  # no host_id reject
        ("r4", "lookup-ambiguous", "records.review.lookups.host_id"),  # absent is for misses only
        (
            "r5",
            "attribute-required",
            "missing required attribute subject (im.review/subject) (no value in host_id)",
        ),
    ]


CHAIN_JOB = JOB.replace(
    """[records.review.lookups]
host_id = { source = "listings", on = "listing_id", key = "id", column = "host_id" }
""",
    """[records.review.lookups]
txn_listing = { source = "transactions", on = "txn", key = "id", column = "listing_id" }
host_id = { source = "listings", on = "txn_listing", key = "id", column = "host_id" }
""",
).replace(
    'author = { ref = "user", column = "reviewer_id" }',
    """author = { ref = "user", lookup = [
  { source = "transactions", on = "txn", key = "id", column = "listing_id" },
  { source = "listings", key = "id", column = "host_id" },
] }""",
)


def test_chains_and_lookups_on_earlier_lookups(tmp_path):
    outs = both_engines(write_job(tmp_path, CHAIN_JOB), tmp_path)
    assert rejects_of(outs["rows"]) == [
        (
            "r3",
            "lookup-unmatched",
            'records.review.lookups.host_id: no row of source "listings" has id = "99" '
            '(listing_id of source "transactions")',
        ),
        (
            "r4",
            "lookup-ambiguous",
            'records.review.mapping.rating[0]: 2 rows of source "listings" have id = "3" '
            '(listing_id of source "reviews"); a lookup needs exactly one',
        ),
        (
            "r5",
            "attribute-required",
            "missing required attribute author (im.review/author) (no value in "
            "listings.host_id by transactions.listing_id by txn)",
        ),
    ]
    edn = (outs["rows"] / "lk.edn").read_text("utf-8")
    # r6's transaction 7005 is on listing 4, whose host is " 300 "
    assert ':im.review/content "Padded key (host  300 )"' in edn


def test_integer_keys_match_text_keys_and_19_digit_ids_stay_exact(tmp_path):
    big = 1180000000007141974
    beyond = 2**64 + 5  # beyond 64 bits: an object column in the columnar engine
    hosts = [{"id": big, "host": "100"}, {"id": beyond, "host": "200"}, {"id": 5, "host": "300"}]
    reviews = "id,listing_id,reviewer_id,comments,date,txn\n"
    reviews += f"a,{big},900,Big,2020-01-01,\nb,{beyond},901,Beyond,2020-01-02,\n"
    reviews += "c, 5,900,Five,2020-01-03,\nd,05,900,Leading zero,2020-01-04,\n"
    job = JOB.replace(
        """[sources.listings]
type = "csv"
path = "listings.csv\"""",
        """[sources.listings]
type = "csv"
path = "listings.csv"

[sources.hosts]
type = "json"
path = "hosts.json\"""",
    ).replace(
        'host_id = { source = "listings", on = "listing_id", key = "id", column = "host_id" }',
        'host_id = { source = "hosts", on = "listing_id", key = "id", column = "host" }',
    )
    path = write_job(tmp_path, job)
    (tmp_path / "hosts.json").write_text(json.dumps(hosts), "utf-8")
    (tmp_path / "reviews.csv").write_text(reviews, "utf-8")
    outs = both_engines(path, tmp_path)
    assert [(sid, rule) for sid, rule, _ in rejects_of(outs["rows"])] == [
        ("a", "lookup-unmatched"),  # the inline rating lookup: listings has no such id
        ("b", "lookup-unmatched"),
        ("c", "lookup-unmatched"),
        ("d", "lookup-unmatched"),
    ]
    # the named lookup matched a, b and c (the inline one failed later): only "05" missed it
    messages = [message for _, _, message in rejects_of(outs["rows"])]
    assert messages[3] == (
        'records.review.lookups.host_id: no row of source "hosts" has id = "05" '
        '(listing_id of source "reviews")'
    )
    assert messages[0] == (
        f'records.review.mapping.rating[0]: no row of source "listings" has id = "{big}" '
        '(listing_id of source "reviews")'
    )


def test_key_text():
    assert key_text(" 12 ") == "12"
    assert key_text(12) == "12"
    assert key_text(2**70) == str(2**70)
    assert key_text("") is None and key_text("  ") is None and key_text(None) is None
    assert key_text(1.5) is NOT_A_KEY and key_text(True) is NOT_A_KEY


# Job errors --------------------------------------------------------------------------------


def job_error(tmp_path: Path, job: str) -> list[str]:
    path = write_job(tmp_path, job)
    result = CliRunner().invoke(main, ["convert", str(path), "--dry-run"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    return [line.removeprefix(f"Error: {path}:") for line in result.stderr.splitlines()]


LINE = 'host_id = { source = "listings", on = "listing_id", key = "id", column = "host_id" }'


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('key = "id", column = "host_id" }', 'key = "idx", column = "host_id" }'),
            '38:53: records.review.lookups.host_id.key: source "listings" has no column "idx" '
            '(did you mean "id"?)',
        ),
        (
            ('column = "host_id" }', 'column = "host" }'),
            '38:65: records.review.lookups.host_id.column: source "listings" has no column '
            '"host" (did you mean "host_id"?)',
        ),
        (
            ('on = "listing_id", key = "id", column = "host_id"', 'on = "listing", key = "id", column = "host_id"'),
            '38:34: records.review.lookups.host_id.on: source "reviews" has no column "listing" '
            'and no earlier lookup is named so (did you mean "listing_id"?)',
        ),
        (
            ('{ source = "listings", on = "listing_id"', '{ source = "listingz", on = "listing_id"'),
            '38:13: records.review.lookups.host_id.source: unknown source "listingz" '
            '(did you mean "listings"?) (sources: users, listings, transactions, reviews)',
        ),
        (
            ('column = "host_id" }', 'column = "host_id", missing = "skip" }'),
            '38:85: records.review.lookups.host_id.missing: expected "reject" or "absent", '
            'got "skip"',
        ),
        (
            ('column = "host_id" }', 'column = "host_id", colum = "x" }'),
            '38:85: records.review.lookups.host_id.colum: unknown key (did you mean "column"?)',
        ),
        (
            ('host_id = { source', 'comments = { source'),
            '38:1: records.review.lookups.comments: the lookup name "comments" is a column of '
            'source "reviews"; give the lookup another name',
        ),
        (
            ('on = "listing_id", key', 'key'),
            "38:1: records.review.lookups.host_id: missing on (this row's column holding the key)",
        ),
    ],
)  # fmt: skip
def test_lookup_job_errors_name_the_key_the_source_and_the_value(tmp_path, change, expected):
    old, new = change
    assert LINE.replace(old, new) != LINE
    lines = job_error(tmp_path, JOB.replace(LINE, LINE.replace(old, new)))
    assert lines[0] == expected  # (a renamed lookup leaves its uses unknown: said after)


def test_a_chain_step_after_the_first_has_no_on(tmp_path):
    job = CHAIN_JOB.replace(
        '{ source = "listings", key = "id", column = "host_id" },',
        '{ source = "listings", on = "x", key = "id", column = "host_id" },',
    )
    lines = job_error(tmp_path, job)
    assert any(
        "records.review.mapping.author.lookup[1].on: only the first step has on" in line
        for line in lines
    ), lines


def test_an_inline_lookup_in_a_chain_names_columns_of_the_step_source(tmp_path):
    job = CHAIN_JOB.replace(
        '{ source = "listings", key = "id", column = "host_id" },',
        '{ source = "listings", key = "id", column = "hostid" },',
    )
    lines = job_error(tmp_path, job)
    assert any(
        line.endswith(
            'records.review.mapping.author.lookup[1].column: source "listings" has no column '
            '"hostid" (did you mean "host_id"?)'
        )
        for line in lines
    ), lines


# The command line --------------------------------------------------------------------------


def test_cli_rejects_are_exit_0_and_exit_1_with_fail_on_reject(tmp_path):
    path = write_job(tmp_path)
    result = CliRunner().invoke(main, ["convert", str(path)])
    assert result.exit_code == 0, result.output
    assert "lookup-ambiguous 1" in result.stdout and "lookup-unmatched 1" in result.stdout
    assert result.stderr == ""
    result = CliRunner().invoke(main, ["convert", str(path), "--fail-on-reject"])
    assert result.exit_code == 1


# Differential: generated keys through both engines -----------------------------------------

RUNS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

KEYS = ["1", "2", " 2", "02", "", "1180000000007141974", "18446744073709551621", "x y", "7"]
JSON_KEYS = [1, 2, 7, 1180000000007141974, 2**64 + 5, "2", " 7", "", None, 1.5, True]
HOSTS = ["100", "200", "999", 300, " 900 ", None]


def oracle_key(value):
    """The key text a value compares by, written out plainly: the test's own reading."""
    if value is None or value is True or value is False or isinstance(value, float):
        return None if value is None else "not a key"
    text = str(value).strip()
    return text or None


def expected_rule(key, listings, missing):
    """The rule a review with listing key ``key`` is rejected for (None: written)."""
    text = oracle_key(key)
    if text is None:
        return "attribute-required"  # no host: subject is required
    if text == "not a key":
        return "lookup-unmatched"
    hosts = [host for listing_key, host in listings if oracle_key(listing_key) == text]
    if len(hosts) > 1:
        return "lookup-ambiguous"
    if not hosts:
        return "attribute-required" if missing == "absent" else "lookup-unmatched"
    host = oracle_key(hosts[0])
    if host is None:
        return "attribute-required"
    return None if host in {"100", "200", "300", "900"} else "lookup-unmatched"


@RUNS
@given(
    listing_keys=st.lists(st.sampled_from(KEYS + JSON_KEYS), min_size=1, max_size=8),
    review_keys=st.lists(st.sampled_from(KEYS + JSON_KEYS), min_size=1, max_size=8),
    hosts=st.lists(st.sampled_from(HOSTS), min_size=8, max_size=8),
    listings_json=st.booleans(),
    reviews_json=st.booleans(),
    missing=st.sampled_from(["reject", "absent"]),
)
def test_both_engines_agree_on_generated_keys(
    tmp_path_factory, listing_keys, review_keys, hosts, listings_json, reviews_json, missing
):
    folder = tmp_path_factory.mktemp("keys")
    path = write_job(folder)  # the fixed files; the job and the generated ones below

    def text(value):
        return "" if value is None else str(value)

    listings = list(zip(listing_keys, hosts, strict=False))
    if listings_json:
        rows = [{"id": key, "host_id": host} for key, host in listings]
        (folder / "listings.json").write_text(json.dumps(rows), "utf-8")
    else:
        with (folder / "listings.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "host_id", "rating", "txn_note"])
            for key, host in listings:
                writer.writerow([text(key), text(host), "4", ""])
        listings = [(text(key), text(host)) for key, host in listings]  # as CSV reads them
    if reviews_json:
        rows = [
            {"id": f"r{i}", "listing_id": key, "reviewer_id": "900", "comments": f"Review {i}",
             "date": "2020-01-01", "txn": None}
            for i, key in enumerate(review_keys)
        ]  # fmt: skip
        (folder / "reviews.json").write_text(json.dumps(rows), "utf-8")
    else:
        with (folder / "reviews.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "listing_id", "reviewer_id", "comments", "date", "txn"])
            for i, key in enumerate(review_keys):
                writer.writerow([f"r{i}", text(key), "900", f"Review {i}", "2020-01-01", ""])
        review_keys = [text(key) for key in review_keys]
    job = JOB.replace(
        'type = "csv"\npath = "listings.csv"',
        'type = "json"\npath = "listings.json"' if listings_json else 'type = "csv"\npath = "listings.csv"',
    ).replace(
        'type = "csv"\npath = "reviews.csv"',
        'type = "json"\npath = "reviews.json"' if reviews_json else 'type = "csv"\npath = "reviews.csv"',
    )  # fmt: skip
    # the host's user found by a lookup on the lookup (a chain through a named one)
    job = job.replace(
        LINE,
        LINE.replace('"host_id" }', f'"host_id", missing = "{missing}" }}')
        + '\nhost_user = { source = "users", on = "host_id", key = "id", column = "id" }',
    ).replace(
        'subject = { ref = "user", column = "host_id" }',
        'subject = { ref = "user", column = "host_user" }',
    )
    job = job.replace(
        """rating = [
  { lookup = { source = "listings", on = "listing_id", key = "id", column = "rating" }, transform = "int" },
  { const = 5 },
]""",
        "rating = { const = 4 }",
    )  # fmt: skip
    path.write_text(job, "utf-8")
    outs = both_engines(path, folder)
    rules = {sid: rule for sid, rule, _ in rejects_of(outs["rows"])}
    expected = {
        f"r{i}": rule
        for i, key in enumerate(review_keys)
        if (rule := expected_rule(key, listings, missing)) is not None
    }
    assert rules == expected


def test_each_other_source_is_read_once_per_table_key_and_column_only(tmp_path, monkeypatch):
    from migrate.convert import record_source
    from migrate.extract import batches

    asked: list[tuple[str, tuple[str, ...]]] = []
    plain = batches.source_batches

    def spy(source, columns=None, **options):
        asked.append((source.spec.name, tuple(columns or ())))
        return plain(source, columns, **options)

    monkeypatch.setattr(batches, "source_batches", spy)
    job = load_job(write_job(tmp_path))
    review = next(spec for spec in job.records if spec.record_type == "review")
    source = record_source.open_record_source(job, review)
    frames = list(source.batches(review.columns, size=2))
    assert sorted(asked) == [
        ("listings", ("id", "host_id", "rating")),  # two lookups by one key: one read
        ("reviews", ("id", "comments", "reviewer_id", "date", "listing_id")),
    ]
    assert sum(frame.height for frame in frames) == 6  # three batches of two, one table load


def test_lookups_on_child_rows_are_a_job_error(tmp_path):
    job = JOB.replace(
        '[records.review]\nsource = "reviews"\nid = "id"',
        '[records.review]\nsource = "reviews"\nid = "id"\neach = "photos"',
    )
    lines = job_error(tmp_path, job)
    assert lines[0] == (
        "36:1: records.review.each: a record table with lookups cannot read child rows (each): "
        "lookups add columns to the source's own rows"
    )


def test_preview_shows_looked_up_columns_and_lookup_rejects(tmp_path):
    from migrate.api import preview

    frame = preview(write_job(tmp_path), "review", 4)
    assert [name for group, name in frame.columns if group == "source"] == [
        "id", "listing_id", "reviewer_id", "comments", "date", "txn", "host_id",
        "listings.rating by listing_id",
    ]  # fmt: skip
    assert frame[("source", "host_id")].tolist() == ["100", "200", None, None]
    assert frame[("result", "rule")].tolist() == ["", "", "lookup-unmatched", "lookup-ambiguous"]


def test_a_lookup_into_an_sql_table_matches_integer_and_decimal_keys(tmp_path):
    import sqlite3

    with sqlite3.connect(tmp_path / "legacy.db") as connection:
        connection.execute("CREATE TABLE hosts (listing INTEGER, host TEXT)")
        connection.executemany(
            "INSERT INTO hosts VALUES (?, ?)",
            [(1, "100"), (2, "200"), (3, "300"), (4, "900"), (1180000000007141974, "901")],
        )
    job = JOB.replace(
        LINE,
        'host_id = { source = "hosts", on = "listing_id", key = "listing", column = "host" }',
    ).replace(
        "[sources.reviews]",
        '[sources.hosts]\ntype = "sql"\npath = "legacy.db"\ntable = "hosts"\nkey = "listing"\n\n'
        "[sources.reviews]",
    )
    path = write_job(tmp_path, job)
    reviews = REVIEWS.replace("r5,,900", "r5,1180000000007141974,900")
    (tmp_path / "reviews.csv").write_text(reviews, "utf-8")
    outs = both_engines(path, tmp_path)
    rejects = rejects_of(outs["rows"])
    assert [(sid, rule) for sid, rule, _ in rejects] == [
        ("r3", "lookup-unmatched"),  # listing 9: in neither table
        ("r4", "lookup-ambiguous"),  # listing 3: once in hosts, twice in listings (rating)
        ("r5", "lookup-unmatched"),  # the 19-digit id is a host, but not a listing (rating)
    ]
    assert rejects[0][2] == (
        'records.review.lookups.host_id: no row of source "hosts" has listing = "9" '
        '(listing_id of source "reviews")'
    )
    edn = (outs["rows"] / "lk.edn").read_text("utf-8")
    assert ':im.review/content "Padded key (host 900)"' in edn


def test_a_lookup_into_postgresql_numeric_keys_and_a_query_over_it(tmp_path, monkeypatch):
    import os
    import uuid

    import sqlalchemy as sa
    from conftest import need_component

    url = os.environ.get("MIGRATE_TEST_PG_URL", "")
    need_component(bool(url), "MIGRATE_TEST_PG_URL is not set (a PostgreSQL server; see .ci/run)")
    schema = f"lookup_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
            connection.execute(
                sa.text(f"CREATE TABLE {schema}.hosts (listing NUMERIC(20, 0), host TEXT)")
            )
            connection.execute(
                sa.text(f"INSERT INTO {schema}.hosts VALUES (:listing, :host)"),
                [
                    {"listing": 1, "host": "100"},
                    {"listing": 2, "host": "200"},
                    {"listing": 4, "host": "900"},
                    {"listing": 18446744073709551621, "host": "901"},
                ],
            )
        monkeypatch.setenv("LOOKUP_PG_URL", url)
        job = JOB.replace(
            LINE,
            'host_id = { source = "hosts", on = "listing_id", key = "listing", column = "host" }',
        ).replace(
            "[sources.reviews]",
            f'[sources.pg_hosts]\ntype = "sql"\nurl_env = "LOOKUP_PG_URL"\n'
            f'table = "{schema}.hosts"\nkey = "listing"\n\n'
            '[sources.hosts]\ntype = "query"\n'
            'sql = "SELECT listing, host FROM pg_hosts WHERE host <> \'200\'"\n\n'
            "[sources.reviews]",
        ).replace('rating = [\n  { lookup = { source = "listings"', 'rating = [\n  { lookup = { source = "listings", missing = "absent"')  # fmt: skip
        path = write_job(tmp_path, job)
        reviews = REVIEWS.replace("r5,,900", "r5,18446744073709551621,900")
        (tmp_path / "reviews.csv").write_text(reviews, "utf-8")
        outs = both_engines(path, tmp_path)
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
    assert [(sid, rule) for sid, rule, _ in rejects_of(outs["rows"])] == [
        ("r2", "lookup-unmatched"),  # host 200 is left out by the query's WHERE
        ("r3", "lookup-unmatched"),
        ("r4", "lookup-unmatched"),
    ]
    edn = (outs["rows"] / "lk.edn").read_text("utf-8")
    assert ':im.review/content "No listing (host 901)"' in edn  # a 20-digit NUMERIC key
