"""The bundled Trailhop sample converted end to end, in all its forms (issue 5 acceptance).

CSV, SQLite and JSON exports of the same content must give byte-identical .edn files; the
rejects must be exactly the sample's ``expected-rejects.csv``; Clojure must read the result and
the validator must find no error in it. The PostgreSQL form loads the sample into the server at
``$MIGRATE_TEST_PG_URL`` and converts it through the SQL adapter.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, need_component

from migrate.cli import main
from migrate.convert.job import load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import convert

CLOJURE_SCRIPT = Path(__file__).resolve().parent / "clojure" / "edn_compare.clj"


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict:
    """Each sample form converted once: form -> report."""
    out = tmp_path_factory.mktemp("sample-out")
    return {
        form: convert(load_job(SAMPLES / form / "job.toml"), output_dir=out / form)
        for form in ("csv", "sqlite", "json")
    }


def test_every_type_read_equals_written_plus_rejected(converted):
    for form, report in converted.items():
        assert list(report.types) == ["user", "listing", "image", "stripeAccount", "review"]
        for name, counts in report.types.items():
            assert counts.read == counts.written + counts.rejected_total, (form, name)
            assert counts.written > 0, (form, name)


def test_sample_sizes_are_read_in_full(converted):
    counts = converted["csv"].types
    assert counts["user"].read >= 300
    assert counts["listing"].read >= 500
    assert counts["image"].read >= 1000
    assert counts["review"].read >= 1000


def test_the_three_forms_give_byte_identical_edn(converted):
    texts = {form: report.edn_path.read_bytes() for form, report in converted.items()}
    assert texts["sqlite"] == texts["csv"]
    assert texts["json"] == texts["csv"]


def test_rejects_are_exactly_the_expected_ones(converted):
    with open(SAMPLES / "expected-rejects.csv", encoding="utf-8", newline="") as stream:
        expected = sorted(
            (row["record_type"], row["source_id"], row["rule_code"])
            for row in csv.DictReader(stream)
        )
    for form, report in converted.items():
        got = sorted(
            (row["record_type"], row["source_id"], row["rule"])
            for row in read_rejects(report.rejects_path)
        )
        assert got == expected, form


def test_rejects_name_their_source_rows(converted):
    rows = read_rejects(converted["csv"].rejects_path)
    by_rule = {row["rule"]: row for row in rows}
    duplicate = by_rule["email-duplicate"]
    assert duplicate["source"] == "users"
    assert duplicate["origin"].startswith("users.csv:")
    assert "already the primary email of" in duplicate["message"]
    cascade = by_rule["ref-target-rejected"]
    assert "which was rejected (" in cascade["message"]


def test_same_input_twice_gives_the_same_bytes(converted, tmp_path):
    again = convert(load_job(SAMPLES / "csv" / "job.toml"), output_dir=tmp_path)
    first = converted["csv"]
    assert again.edn_path.read_bytes() == first.edn_path.read_bytes()
    assert again.rejects_path.read_bytes() == first.rejects_path.read_bytes()


def test_the_output_validates_without_errors(converted):
    from migrate.validate import validate_file

    report = validate_file(converted["csv"].edn_path, max_findings=None)
    assert report.errors == 0, report.counts_by_code
    result = CliRunner().invoke(main, ["validate", str(converted["csv"].edn_path)])
    assert result.exit_code == 0, result.output


def test_clojure_reads_the_output(converted, clojure_bin):
    path = converted["csv"].edn_path
    result = subprocess.run(
        [clojure_bin, str(CLOJURE_SCRIPT), "error", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.splitlines() == [f"read {path}"], result.stderr


def _pg_url() -> str | None:
    return os.environ.get("MIGRATE_TEST_PG_URL")


def _load_sample_into(url: str) -> None:
    """Copy every table of the SQLite sample into the database at ``url`` (replacing it)."""
    import sqlalchemy as sa

    source = sa.create_engine(f"sqlite:///{SAMPLES / 'sqlite' / 'trailhop.db'}")
    target = sa.create_engine(url)
    metadata = sa.MetaData()
    metadata.reflect(source)
    for table in metadata.sorted_tables:
        for column in table.columns:
            # SQLite's INTEGER holds 64 bits and REAL is a double: keep both exact.
            if isinstance(column.type, sa.Integer):
                column.type = sa.BigInteger()
            elif isinstance(column.type, sa.Float):
                column.type = sa.Double()
    with target.begin() as connection:
        metadata.drop_all(connection)
        metadata.create_all(connection)
        with source.connect() as reading:
            for table in metadata.sorted_tables:
                rows = [dict(row._mapping) for row in reading.execute(table.select())]
                if rows:
                    connection.execute(table.insert(), rows)
    source.dispose()
    target.dispose()


def test_postgresql_form_gives_the_same_bytes(converted, tmp_path, monkeypatch):
    url = _pg_url()
    need_component(url is not None, "no PostgreSQL server (set MIGRATE_TEST_PG_URL)")
    import sqlalchemy as sa

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS migrate_sample"))
        connection.execute(sa.text("CREATE DATABASE migrate_sample"))
    admin.dispose()
    sample_url = sa.engine.make_url(url).set(database="migrate_sample")
    _load_sample_into(sample_url)
    monkeypatch.setenv("MIGRATE_SAMPLE_PG_URL", sample_url.render_as_string(hide_password=False))
    job_text = (SAMPLES / "sqlite" / "job.toml").read_text("utf-8")
    job_text = job_text.replace('path = "trailhop.db"', 'url_env = "MIGRATE_SAMPLE_PG_URL"')
    job_text = job_text.replace('dir = "../marketplace"', f'dir = "{SAMPLES / "marketplace"}"')
    assert "trailhop.db" not in job_text
    job = tmp_path / "job.toml"
    job.write_text(job_text, "utf-8")
    report = convert(load_job(job), output_dir=tmp_path / "out")
    assert report.edn_path.read_bytes() == converted["csv"].edn_path.read_bytes()


def test_demo_converts_validates_and_summarises(tmp_path, capsys):
    from migrate.demo import main

    assert main(["--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    edn = tmp_path / "trailhop.edn"
    assert out.startswith("== convert samples/csv/job.toml\ntype ")
    assert re.search(
        rf"^validated {re.escape(str(edn))}: [\d,]+ rows, 0 errors, [\d,]+ warnings$", out, re.M
    )
    located = re.search(r"^== locations: (\d+) of (\d+) listings have #im/location", out, re.M)
    assert located and int(located[1]) >= 0.9 * int(located[2])
    dev = tmp_path / "trailhop-dev.edn"
    assert dev.read_text("utf-8").startswith("{:ident :trailhop-dev")
    assert re.search(rf"^validated {re.escape(str(dev))}: 0 errors, \d+ warnings$", out, re.M)
    assert re.search(r"^  user +(\d+) kept", out, re.M)[1] == "25"


def test_listings_without_coordinates_are_geocoded(converted):
    report = converted["csv"]
    data = json.loads(report.report_path.read_text("utf-8"))
    geocode = data["geocode"]
    resolved = sum(entry["count"] for entry in geocode["resolved"])
    assert resolved >= 0.9 * (geocode["listings"] - geocode["kept"])
    rows = [
        line
        for line in report.edn_path.read_text("utf-8").splitlines()
        if line.startswith("[[:im.listing/id")
    ]
    with_location = [line for line in rows if ":im.listing/location #im/location [" in line]
    assert len(with_location) >= 0.9 * len(rows)
