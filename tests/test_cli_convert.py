"""`migrate convert`: exit codes, messages and outputs, on a tiny CSV job."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import need_component

from migrate.cli import main

USERS = """id,email,first,last,joined
1,ann@example.com,Ann,Lee,2021-06-14T09:32:11Z
2,bob@,Bob,Kay,2021-06-15T09:32:11Z
3,cy@example.com,Cy,Ng,2021-06-16T09:32:11Z
"""

LISTINGS = """id,host,title,made
10,1,Tent,2022-01-01T00:00:00Z
11,2,Kayak,2022-01-02T00:00:00Z
"""

JOB = """ident = "tiny"

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
"""


@pytest.fixture
def job(tmp_path: Path) -> Path:
    (tmp_path / "users.csv").write_text(USERS, "utf-8")
    (tmp_path / "listings.csv").write_text(LISTINGS, "utf-8")
    path = tmp_path / "job.toml"
    path.write_text(JOB, "utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(main, ["convert", *args])


SUMMARY = (
    "type      read   written   rejected   warnings\n"
    "──────────────────────────────────────────────\n"
    "user         3         2          1          0\n"
    "listing      2         1          1          1\n"
    "──────────────────────────────────────────────\n"
    "total        5         3          2          1\n"
    "rejected by rule: email-invalid 1, ref-target-rejected 1\n"
    "warnings by rule: listing-public-data-incomplete 1\n"
)


def test_convert_writes_outputs_and_prints_the_summary(job):
    result = run(str(job))
    assert result.exit_code == 0, result.output
    out = job.parent / "out"
    assert result.stdout == (
        SUMMARY
        + f"wrote {out / 'tiny.edn'}, {out / 'tiny.rejects.csv'}, {out / 'tiny.report.json'}\n"
    )
    text = (out / "tiny.edn").read_text("utf-8")
    assert text.startswith("{:ident :tiny\n :data [\n")
    assert text.count("[[:im.user/id") == 2 and text.count("[[:im.listing/id") == 1
    rejects = (out / "tiny.rejects.csv").read_text("utf-8").splitlines()
    assert rejects[0] == "source,origin,record_type,source_id,rule,message,values"
    assert rejects[1].startswith("users,users.csv:3,user,2,email-invalid,")
    assert rejects[2].startswith("listings,listings.csv:3,listing,11,ref-target-rejected,")


def test_fail_on_reject_exits_1_after_writing_everything(job):
    result = run(str(job), "--fail-on-reject", "--quiet")
    assert result.exit_code == 1
    rejects = job.parent / "out" / "tiny.rejects.csv"
    assert result.stdout == ""
    assert result.stderr == f"Error: 2 records rejected (--fail-on-reject); see {rejects}\n"
    assert (job.parent / "out" / "tiny.edn").exists()


def test_dry_run_writes_no_edn(job, tmp_path):
    result = run(str(job), "--dry-run", "--output-dir", str(tmp_path / "elsewhere"))
    assert result.exit_code == 0, result.output
    where = tmp_path / "elsewhere"
    assert sorted(p.name for p in where.iterdir()) == ["tiny.rejects.csv", "tiny.report.json"]
    assert result.stdout.endswith(
        f"wrote {where / 'tiny.rejects.csv'}, {where / 'tiny.report.json'} "
        "(dry run: no .edn written)\n"
    )


def test_limit_reads_n_rows_per_record_spec(job):
    result = run(str(job), "--limit", "1", "--quiet")
    assert result.exit_code == 0, result.output
    report = json.loads((job.parent / "out" / "tiny.report.json").read_text("utf-8"))
    assert report["limit"] == 1
    assert {name: counts["read"] for name, counts in report["types"].items()} == {
        "user": 1,
        "listing": 1,
    }


def test_unknown_job_key_is_a_configuration_error(job):
    job.write_text(JOB.replace('name = "tiny"', 'nmae = "tiny"'), "utf-8")
    result = run(str(job))
    assert result.exit_code == 2
    assert result.stderr == f'Error: {job}:5:1: output.nmae: unknown key (did you mean "name"?)\n'


def test_missing_job_file_is_a_usage_error(tmp_path):
    result = run(str(tmp_path / "nope.toml"))
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot read {tmp_path / 'nope.toml'}: no such file\n"


def test_missing_source_file_is_a_configuration_error(job):
    (job.parent / "listings.csv").unlink()
    result = run(str(job))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert "listings.csv" in result.stderr and len(result.stderr.splitlines()) == 1


def test_bad_limit_is_a_usage_error(job):
    result = run(str(job), "--limit", "0")
    assert result.exit_code == 2
    assert "Invalid value for '--limit'" in result.stderr


def test_interrupt_exits_130_and_keeps_the_previous_output(job, monkeypatch):
    assert run(str(job), "--quiet").exit_code == 0
    edn = job.parent / "out" / "tiny.edn"
    previous = edn.read_bytes()
    job.write_text(JOB.replace('ident = "tiny"', 'ident = "other"'), "utf-8")

    from migrate.extract.csv_source import CsvSource

    original = CsvSource.rows

    def rows(self, limit=None):
        for index, row in enumerate(original(self, limit)):
            if index == 1:
                raise KeyboardInterrupt
            yield row

    monkeypatch.setattr(CsvSource, "rows", rows)
    original_batches = CsvSource.batches

    def batches(self, *args, **kwargs):  # the columnar engine reads batches, not rows
        for index, frame in enumerate(original_batches(self, *args, **kwargs)):
            if index == 0:
                raise KeyboardInterrupt
            yield frame

    monkeypatch.setattr(CsvSource, "batches", batches)
    result = run(str(job))
    assert result.exit_code == 130
    assert result.stdout == ""
    assert result.stderr == "Error: interrupted; no new output was written\n"
    assert edn.read_bytes() == previous
    assert sorted(p.name for p in edn.parent.iterdir()) == [
        "tiny.edn",
        "tiny.rejects.csv",
        "tiny.report.json",
    ]


SQL_JOB = """ident = "db"
[sources.db]
type = "sql"
url_env = "LEGACY_DB"
table = "users"
key = "id"
[records.user]
source = "db"
id = "id"
[records.user.mapping]
email = "email"
firstName = "first"
lastName = "last"
createdAt = "joined"
"""


def test_database_password_never_appears(tmp_path, monkeypatch):
    secret = "s3cret-Pa55word"
    monkeypatch.setenv("LEGACY_DB", f"postgresql+psycopg://legacy:{secret}@127.0.0.1:9/legacy")
    job = tmp_path / "job.toml"
    job.write_text(SQL_JOB, "utf-8")
    result = run(str(job))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot connect to postgresql+psycopg://legacy:")
    assert "127.0.0.1:9/legacy" in result.stderr
    assert secret not in result.output and secret not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert all(secret not in p.read_text("utf-8", "replace") for p in tmp_path.rglob("*.*"))


def test_unset_database_variable_is_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.delenv("LEGACY_DB", raising=False)
    job = tmp_path / "job.toml"
    job.write_text(SQL_JOB, "utf-8")
    result = run(str(job))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {job}: sources.db.url_env: environment variable LEGACY_DB is not set\n"
    )


def test_wrong_database_password_is_one_line_without_the_password(tmp_path, monkeypatch):
    url = os.environ.get("MIGRATE_TEST_PG_URL")
    need_component(url is not None, "no PostgreSQL server (set MIGRATE_TEST_PG_URL)")
    import sqlalchemy as sa

    wrong = "wr0ng-Passw0rd-x"
    target = sa.engine.make_url(url).set(password=wrong)
    monkeypatch.setenv("LEGACY_DB", target.render_as_string(hide_password=False))
    job = tmp_path / "job.toml"
    job.write_text(SQL_JOB, "utf-8")
    result = run(str(job))
    assert result.exit_code == 2
    assert "password authentication failed" in result.stderr
    assert wrong not in result.stderr and wrong not in result.output
    assert len(result.stderr.splitlines()) == 1


def test_an_output_dir_that_is_a_file_is_one_line_exit_2(job, tmp_path):
    taken = tmp_path / "ok.edn"
    taken.write_text("{:ident :x :data []}", "utf-8")
    result = run(str(job), "--output-dir", str(taken))
    assert (result.exit_code, result.stdout) == (2, "")
    assert (
        result.stderr == f"Error: cannot write {taken / 'tiny.edn'}: {taken} is not a directory\n"
    )
    assert taken.read_text("utf-8") == "{:ident :x :data []}"


def test_an_output_file_that_is_a_directory_is_one_line_exit_2(job):
    blocked = job.parent / "out" / "tiny.report.json"
    blocked.mkdir(parents=True)
    result = run(str(job), "--dry-run")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: cannot write {blocked}: is a directory\n"


def test_a_missing_job_file_is_one_line_exit_2(tmp_path):
    result = run(str(tmp_path / "job.toml"))
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot read {tmp_path / 'job.toml'}: no such file\n",
    )
