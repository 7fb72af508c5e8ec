"""``migrate init``: starter job files guessed from source columns; exit codes and messages."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from migrate.cli import main
from migrate.convert.job import load_job
from migrate.convert.starter import guess_type


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def csv_sample(tmp_path, monkeypatch) -> Path:
    for path in (SAMPLES / "csv").iterdir():
        if path.name != "job.toml" and path.is_file():
            shutil.copy(path, tmp_path / path.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_writes_a_job_that_loads(runner, csv_sample):
    result = runner.invoke(
        main,
        [
            "init",
            "users.csv",
            "listings.csv",
            "listing_images.csv",
            "reviews.csv.gz",
            "payout_accounts.csv",
            "-o",
            "job.toml",
            "--ident",
            "trailhop",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "wrote job.toml: review the guessed mappings, then try: migrate convert job.toml --dry-run\n"
    )
    text = Path("job.toml").read_text()
    raw = tomllib.loads(text)
    assert raw["ident"] == "trailhop"
    assert raw["sources"]["users"] == {
        "type": "csv",
        "path": "users.csv",
        "encoding": "windows-1252",
    }
    assert raw["sources"]["payout_accounts"]["delimiter"] == ";"
    user = raw["records"]["user"]["mapping"]
    assert user["email"] == {"column": "email", "transform": "trim"}
    assert user["lastName"] == [
        {"column": "last_name", "transform": "trim"},
        {"column": "full_name", "transform": {"name": "split_name", "part": "last"}},
    ]
    listing = raw["records"]["listing"]["mapping"]
    assert listing["location"] == {"lat": "lat", "lng": "lng"}
    assert listing["author"] == {"ref": "user", "column": "host_id"}
    assert listing["price"][1] == {
        "column": "price_cents",
        "transform": "minor_units",
        "currency": "currency",
    }
    assert raw["records"]["image"]["mapping"]["url"] == {"column": "url", "transform": "url_encode"}
    assert raw["records"]["stripeAccount"]["source"] == "payout_accounts"
    assert "# unmapped columns: phone\n" in text
    assert "# unmapped columns: category, street, city, country\n" in text
    job = load_job("job.toml")
    assert [record.record_type for record in job.records] == [
        "user",
        "listing",
        "image",
        "review",
        "stripeAccount",
    ]


def test_init_refuses_to_overwrite_without_force(runner, csv_sample):
    Path("job.toml").write_text("# mine\n")
    result = runner.invoke(main, ["init", "users.csv"])
    assert result.exit_code == 2
    assert result.output == "Error: job.toml already exists (use --force to overwrite it)\n"
    assert Path("job.toml").read_text() == "# mine\n"
    forced = runner.invoke(main, ["init", "users.csv", "--force"])
    assert forced.exit_code == 0
    assert Path("job.toml").read_text().startswith("# Starter job written by `migrate init`.")


def test_init_errors_are_one_line_with_exit_2(runner, csv_sample):
    missing = runner.invoke(main, ["init", "nope.csv", "-o", "a.toml"])
    assert (missing.exit_code, missing.output) == (2, "Error: cannot read nope.csv: no such file\n")
    Path("data.xlsx").write_bytes(b"PK")
    unknown = runner.invoke(main, ["init", "data.xlsx", "-o", "a.toml"])
    assert unknown.exit_code == 2
    assert unknown.output == (
        "Error: data.xlsx: unknown kind of source (expected .csv, .json, .jsonl or .db/.sqlite)\n"
    )
    Path("broken.json").write_text('{"users": [{"id": 1},')
    broken = runner.invoke(main, ["init", "broken.json", "-o", "a.toml"])
    assert broken.exit_code == 2 and broken.output.startswith("Error: broken.json: invalid JSON (")
    assert not Path("a.toml").exists()
    bad_ident = runner.invoke(main, ["init", "users.csv", "--ident", "1 market"])
    assert bad_ident.exit_code == 2
    assert bad_ident.output == (
        'Error: --ident "1 market" is not a legal keyword name, e.g. my-marketplace\n'
    )
    none = runner.invoke(main, ["init"])
    assert none.exit_code == 2 and "Missing argument 'SOURCES...'" in none.output


def test_init_on_a_json_document_finds_arrays_and_nested_images(runner, tmp_path, monkeypatch):
    shutil.copy(SAMPLES / "json" / "trailhop.json", tmp_path / "trailhop.json")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["init", "trailhop.json", "-o", "out/job.toml"])
    assert result.exit_code == 0, result.output
    raw = tomllib.loads(Path("out/job.toml").read_text())
    assert raw["sources"]["users"] == {
        "type": "json",
        "path": "../trailhop.json",
        "records": "export.users",
    }
    images = raw["records"]["image"]
    assert (images["source"], images["each"]) == ("listings", "photos")
    assert images["mapping"]["listing"] == {"ref": "listing", "column": "parent.id"}
    assert raw["records"]["listing"]["mapping"]["location"] == {
        "lat": "location.lat",
        "lng": "location.lng",
    }
    assert len(load_job("out/job.toml").records) == 5


def test_init_on_sqlite_lists_every_table_and_comments_unknown_ones(runner, tmp_path, monkeypatch):
    database = tmp_path / "legacy.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE members (id INTEGER, mail TEXT, surname TEXT)")
        connection.execute("CREATE TABLE settings (name TEXT, value TEXT)")
        connection.execute("CREATE TABLE reviews (review_no INTEGER, stars INTEGER)")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["init", "legacy.db"])
    assert result.exit_code == 0, result.output
    text = Path("job.toml").read_text()
    raw = tomllib.loads(text)
    assert raw["sources"]["members"] == {
        "type": "sql",
        "path": "legacy.db",
        "table": "members",
        "key": "id",
    }
    mapping = raw["records"]["user"]["mapping"]
    assert mapping == {
        "email": {"column": "mail", "transform": "trim"},
        "lastName": {"column": "surname", "transform": "trim"},
    }
    assert '# firstName = "COLUMN"   # required: no column found\n' in text
    assert "# [sources.settings] was not recognised as users, listings, images,\n" in text
    assert "# Its columns: name, value\n" in text
    assert raw["sources"]["reviews"] == {"type": "sql", "path": "legacy.db", "table": "reviews"}
    assert raw["records"]["review"]["id"] == "review_no"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("users", "user"),
        ("payout_accounts", "stripeAccount"),
        ("listing_images", "image"),
        ("user_reviews", "review"),
        ("items", "listing"),
        ("photos", "image"),
        ("settings", None),
    ],
)
def test_guess_type(name, expected):
    assert guess_type(name) == expected


def test_init_json_output_lists_todo_notes_and_unmapped_required(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("members.csv").write_text("member_no,name,joined\n1,Ann,2020-01-01\n", "utf-8")
    result = runner.invoke(main, ["init", "members.csv", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "output": "job.toml",
        "unmapped_required": [],
        "todo": ["user.lastName", "user.email"],
    }
    text = Path("job.toml").read_text()
    assert 'email = { template = "user-{member_no}@example.com" }\n' in text
    assert "# TODO email: the export has no email addresses" in text
    assert load_job("job.toml").records[0].record_type == "user"


def test_init_todo_note_goes_to_stderr_when_the_job_goes_to_stdout(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("members.csv").write_text("id,email,name,joined\n", "utf-8")
    result = runner.invoke(main, ["init", "members.csv", "-o", "-"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# Starter job written by `migrate init`.")
    assert result.stderr.splitlines() == [
        "wrote standard output: review the guessed mappings, then try: "
        "migrate convert JOB.toml --dry-run",
        "note: 1 line marked TODO stands in for data the sources lack: user.lastName; "
        "decide on each before converting",
    ]


def test_init_finds_a_person_nested_in_json_records(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    host = {"id": 3, "name": "Ann Berg", "since": "2020-01-01"}
    Path("export.json").write_text(
        json.dumps({"listings": [{"id": 1, "title": "Tent", "host": host}]}), "utf-8"
    )
    result = runner.invoke(main, ["init", "export.json"])
    assert result.exit_code == 0, result.output
    text = Path("job.toml").read_text()
    raw = tomllib.loads(text)
    user = raw["records"]["user"]
    assert (user["source"], user["id"], user["distinct"]) == ("listings", "host.id", True)
    assert user["mapping"]["createdAt"] == {
        "column": "host.since",
        "transform": "date",
        "merge": "min",
    }
    assert "# The host.* columns of [sources.listings]: one user per host.id,\n" in text
    assert raw["records"]["listing"]["mapping"]["author"] == {"ref": "user", "column": "host.id"}
