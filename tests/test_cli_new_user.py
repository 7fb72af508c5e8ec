"""What a new user meets first: wrong paths, wrong files, clashing options, help texts.

Every error is one line (``Error: …``) naming the file or option, with exit code 2 for usage
and configuration problems and 1 for data problems; no traceback.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import OFFICIAL_EXAMPLE

from migrate.cli import main


def run(*args: object, catch_exceptions: bool = False):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=catch_exceptions)


@pytest.fixture
def unreadable(tmp_path, monkeypatch) -> Path:
    """A file the current user may not read (root reads everything: ``os.access`` says no)."""
    path = tmp_path / "secret.edn"
    path.write_text(OFFICIAL_EXAMPLE.read_text("utf-8"), "utf-8")
    path.chmod(0)
    if os.geteuid() == 0:
        monkeypatch.setattr(os, "access", lambda target, mode: False)
    return path


@pytest.fixture
def need_geocoding(tmp_path) -> Path:
    """The official example whose listing has an address but no location."""
    text = OFFICIAL_EXAMPLE.read_text("utf-8")
    text = text.replace(":location #im/location [23.12 21.21]\n", "")
    text = text.replace(
        ':publicData {:categoryLevel1 "rock"',
        ':publicData {:location {:address "Kauppatori, Helsinki"} :categoryLevel1 "rock"',
    )
    path = tmp_path / "need.edn"
    path.write_text(text, "utf-8")
    return path


# inspect


def test_inspect_counts_read_in_the_singular_for_one(tmp_path):
    path = tmp_path / "one.edn"
    path.write_text("{:ident :m :data [[[:im.user/id :user/a] {}] 1]}", "utf-8")
    result = run("inspect", path)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1].startswith("2 rows, 48 bytes, read in ")
    assert lines[2] == "1 :data element is not a row (run `migrate validate` for details)"


# validate


def test_validate_unreadable_file_is_one_line(unreadable):
    result = run("validate", unreadable)
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot read {unreadable}: permission denied\n",
    )


def test_validate_same_code_in_select_and_ignore_is_a_usage_error():
    result = run(
        "validate",
        OFFICIAL_EXAMPLE,
        "--select",
        "url-invalid",
        "--ignore",
        "type-mismatch,url-invalid",
    )
    assert (result.exit_code, result.output) == (
        2,
        "Error: --select and --ignore both name url-invalid: keep it in one only\n",
    )


def test_validate_empty_select_is_a_usage_error_not_a_silent_pass():
    result = run("validate", OFFICIAL_EXAMPLE, "--select", " , ")
    assert result.exit_code == 2
    assert result.output.endswith(
        "Error: Invalid value for '--select': name at least one rule code "
        "(see docs/rules.md for the list)\n"
    )


def test_validate_clean_file_prints_only_the_verdict(tmp_path):
    path = tmp_path / "clean.edn"
    path.write_text(
        '{:ident :m :data [[[:im.image/id :image/a] {:im.image/url "https://x.example/a.jpg"}]]}',
        "utf-8",
    )
    result = run("validate", path, "--ignore", "image-unreferenced")
    assert (result.exit_code, result.output) == (
        0,
        f"{path}: valid: 0 errors, 0 warnings in 1 row (1 image)\n",
    )


# init


def test_init_directory_source_is_one_line(tmp_path):
    result = run("init", tmp_path, "-o", tmp_path / "job.toml")
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot read {tmp_path}: is a directory\n",
    )


def test_init_unreadable_source_is_one_line(tmp_path, monkeypatch):
    path = tmp_path / "users.csv"
    path.write_text("id,email\n", "utf-8")
    monkeypatch.setattr(os, "access", lambda target, mode: False)
    result = run("init", path, "-o", tmp_path / "job.toml")
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot read {path}: permission denied\n",
    )


def test_init_refuses_to_write_the_job_over_a_source_even_with_force(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("users.csv").write_text("id,email\n1,a@example.com\n", "utf-8")
    result = run("init", "users.csv", "-o", "./users.csv", "--force")
    assert (result.exit_code, result.output) == (
        2,
        "Error: --output users.csv is the source users.csv: write the job file elsewhere, "
        "e.g. -o job.toml\n",
    )
    assert Path("users.csv").read_text("utf-8") == "id,email\n1,a@example.com\n"


def test_init_output_that_is_a_directory_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("users.csv").write_text("id,email\n", "utf-8")
    Path("jobs").mkdir()
    result = run("init", "users.csv", "-o", "jobs")
    assert (result.exit_code, result.output) == (
        2,
        "Error: cannot write jobs: is a directory\n",
    )


def test_init_accepts_an_ident_written_as_a_keyword(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("users.csv").write_text("id,email\n", "utf-8")
    result = run("init", "users.csv", "--ident", ":trailhop")
    assert result.exit_code == 0, result.output
    assert 'ident = "trailhop"' in Path("job.toml").read_text("utf-8")


def test_init_on_a_file_that_is_not_sqlite_is_one_line_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("shop.db").write_bytes(b"<html>not a database</html>" * 10)
    result = run("init", "shop.db")
    assert (result.exit_code, result.output) == (
        2,
        "Error: shop.db: cannot read as SQLite (file is not a database)\n",
    )
    assert not Path("job.toml").exists()


def test_init_on_an_sqlite_database_without_tables(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sqlite3.connect("empty.sqlite").close()
    result = run("init", "empty.sqlite")
    assert (result.exit_code, result.output) == (
        2,
        "Error: empty.sqlite: the SQLite database has no tables\n",
    )


@pytest.mark.parametrize("content", ['{"id": 1, "email": "a@example.com"}', "[]"])
def test_init_on_json_without_records_says_so(tmp_path, monkeypatch, content):
    monkeypatch.chdir(tmp_path)
    Path("users.json").write_text(content, "utf-8")
    result = run("init", "users.json")
    assert (result.exit_code, result.output) == (
        2,
        'Error: users.json: no array of objects found (expected [{…}, …] or {"users": [{…}, …]}; '
        "for one object a line use a .jsonl file)\n",
    )
    assert not Path("job.toml").exists()


def test_init_on_truncated_json_is_one_short_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("users.json").write_text('{"users": [{"id": 1},', "utf-8")
    result = run("init", "users.json")
    assert (result.exit_code, result.output) == (
        2,
        "Error: users.json: invalid JSON (premature EOF)\n",
    )


def test_init_on_an_edn_file_points_at_validate(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("export.edn").write_text("{:ident :m :data []}", "utf-8")
    result = run("init", "export.edn")
    assert (result.exit_code, result.output) == (
        2,
        "Error: export.edn: already an edn file, not a source to convert "
        "(check it with `migrate validate`)\n",
    )


# geocode


def test_geocode_unreadable_file_is_one_line(unreadable, tmp_path):
    result = run("geocode", unreadable, "-o", tmp_path / "out.edn")
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot read {unreadable}: permission denied\n",
    )


def test_geocode_output_that_is_a_directory_is_one_line(tmp_path):
    result = run("geocode", OFFICIAL_EXAMPLE, "-o", tmp_path)
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot write {tmp_path}: is a directory\n",
    )


def test_geocode_output_in_a_missing_directory_names_it_not_a_temp_file(tmp_path):
    target = tmp_path / "nowhere" / "out.edn"
    result = run("geocode", OFFICIAL_EXAMPLE, "-o", target)
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot write {target}: no directory {target.parent}\n",
    )


def test_geocode_output_under_a_file_is_one_line(tmp_path):
    target = tmp_path / "out.edn"
    target.write_text("", "utf-8")
    result = run("geocode", OFFICIAL_EXAMPLE, "-o", target / "x.edn")
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot write {target / 'x.edn'}: {target} is not a directory\n",
    )


def test_geocode_cache_that_is_a_directory_is_one_line(need_geocoding, tmp_path):
    result = run("geocode", need_geocoding, "-o", tmp_path / "o.edn", "--cache", tmp_path)
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot use geocoding cache {tmp_path}: is a directory\n",
    )


def test_geocode_quiet_prints_nothing_even_with_json_like_anonymise(need_geocoding, tmp_path):
    output = tmp_path / "o.edn"
    result = run("geocode", need_geocoding, "-o", output, "--format", "json", "-q")
    assert (result.exit_code, result.output) == (0, "")
    assert output.exists()


def test_geocode_json_is_valid_json(need_geocoding, tmp_path):
    result = run("geocode", need_geocoding, "-o", tmp_path / "o.edn", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["listings"] == 1


# help texts


def _help(command: list[str]) -> str:
    """``migrate COMMAND --help`` with its line wrapping undone."""
    return " ".join(run(*command, "--help").output.split())


@pytest.mark.parametrize(
    "command",
    [["inspect"], ["validate"], ["geocode"], ["geocode-cache", "stats"], ["anonymise"]],
)
def test_format_option_reads_the_same_everywhere(command):
    assert (
        "--format [text|json] Print the result as readable text or as JSON. [default: text]"
        in _help(command)
    )


@pytest.mark.parametrize("command", [["convert"], ["geocode"], ["anonymise"]])
def test_quiet_option_reads_the_same_everywhere(command):
    assert "-q, --quiet Print nothing but errors. " in _help(command)


def test_main_help_shows_whole_descriptions_of_these_commands():
    output = run("--help").output
    for line in (
        "  anonymise      Write an anonymised subset of FILE.edn for a dev marketplace.",
        "  convert        Convert legacy exports into an Intermediary .edn file.",
        "  geocode        Fill missing listing locations from their addresses.",
        "  init           Guess a starter job file from the columns of source files.",
        "  inspect        Count the rows, identifiers and references in FILE.edn.",
        "  validate       Check FILE.edn against every rule of the format.",
    ):
        assert line in output.splitlines()


@pytest.mark.parametrize(
    "command", ["inspect", "validate", "geocode", "init", "convert", "anonymise"]
)
def test_every_command_help_states_its_exit_status(command):
    text = _help([command])
    assert "Exit status: 0 when " in text
    assert ", 2 for a usage error" in text


def test_geocode_provider_that_needs_a_key_is_one_line_not_a_traceback(need_geocoding, tmp_path):
    result = run("geocode", need_geocoding, "-o", tmp_path / "o.edn", "--provider", "googlev3")
    assert result.exit_code == 2
    assert result.output.startswith("Error: --provider googlev3: Since July 2018 Google requires")
    assert result.output.endswith(" (give the key with --api-key-env VAR)\n")
    assert len(result.output.splitlines()) == 1


@pytest.mark.parametrize("subcommand", ["stats", "clear"])
def test_geocode_cache_commands_leave_an_empty_file_alone(tmp_path, subcommand):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"")
    result = run("geocode-cache", subcommand, "--cache", path)
    assert result.exit_code == 0
    assert result.output in (f"{path}: empty\n", f"{path}: removed 0 addresses from the cache\n")
    assert path.read_bytes() == b""


def test_geocode_cache_stats_on_a_file_that_is_not_a_cache_is_one_line(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("id,email\n1,a@example.com\n", "utf-8")
    result = run("geocode-cache", "stats", "--cache", path)
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot use geocoding cache {path}: file is not a database\n",
    )
    assert path.read_text("utf-8") == "id,email\n1,a@example.com\n"


def test_init_names_the_required_attributes_left_to_fill_in(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("users.csv").write_text("id,email,first_name,last_name\n", "utf-8")
    result = run("init", "users.csv")
    assert (result.exit_code, result.output) == (
        0,
        "wrote job.toml: review the guessed mappings, then try: migrate convert job.toml --dry-run\n"
        "note: required attribute user.createdAt has no column yet: fill in the line marked "
        "'required: no column found' before converting\n",
    )
    assert '# createdAt = "COLUMN"   # required: no column found' in Path("job.toml").read_text()


def test_inspect_a_pipe_reports_no_size(tmp_path):
    pipe = tmp_path / "export.edn"
    os.mkfifo(pipe)

    def feed() -> None:
        with pipe.open("wb") as stream:
            stream.write(OFFICIAL_EXAMPLE.read_bytes())

    writer = threading.Thread(target=feed)
    writer.start()
    result = run("inspect", pipe)
    writer.join()
    assert result.exit_code == 0
    assert result.output.splitlines()[1].startswith("9 rows, read in ")


def test_geocode_option_the_provider_does_not_take_is_one_line(
    need_geocoding, tmp_path, monkeypatch
):
    monkeypatch.setenv("QA_GEOCODE_KEY", "k")
    result = run(
        "geocode",
        need_geocoding,
        "-o",
        tmp_path / "o.edn",
        "--provider",
        "nominatim",
        "--user-agent",
        "qa-test",
        "--api-key-env",
        "QA_GEOCODE_KEY",
    )
    assert (result.exit_code, result.output) == (
        2,
        'Error: --api-key-env: provider "nominatim" does not take an API key: leave it out\n',
    )


@pytest.mark.parametrize("command", [["inspect"], ["validate"], ["geocode", "-o", "out.edn"]])
def test_a_gzipped_export_says_to_decompress_it(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    Path("export.edn.gz").write_bytes(gzip.compress(OFFICIAL_EXAMPLE.read_bytes()))
    result = run(command[0], "export.edn.gz", *command[1:])
    assert (result.exit_code, result.output) == (
        1,
        "Error: export.edn.gz:1:1: gzip-compressed data, not edn text: decompress it first "
        "(gunzip -k export.edn.gz)\n",
    )
    assert not Path("out.edn").exists()


def test_a_zipped_export_says_to_unzip_it(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(OFFICIAL_EXAMPLE, "export.edn")
    result = run("inspect", path)
    assert (result.exit_code, result.output) == (
        1,
        f"Error: {path}:1:1: zip-compressed data, not edn text: decompress it first "
        f"(unzip {path})\n",
    )


def test_init_output_below_a_file_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("users.csv").write_text("id,email\n", "utf-8")
    result = run("init", "users.csv", "-o", "users.csv/jobs/job.toml")
    assert (result.exit_code, result.output) == (
        2,
        f"Error: cannot write users.csv/jobs/job.toml: {tmp_path / 'users.csv'} is not a directory\n",
    )


def test_init_creates_missing_folders_for_the_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("users.csv").write_text("id,email,created_at\n", "utf-8")
    result = run("init", "users.csv", "-o", "jobs/new/job.toml")
    assert result.exit_code == 0, result.output
    assert 'path = "../../users.csv"' in Path("jobs/new/job.toml").read_text("utf-8")
