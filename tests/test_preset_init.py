"""``migrate init --preset``: the preset mechanism, its parameters, and its one-line errors."""

from __future__ import annotations

import shutil
import sqlite3
import tomllib
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from migrate.cli import main
from migrate.convert.job import load_job
from migrate.errors import ConfigError
from migrate.presets.manifest import available, get
from migrate.presets.params import KINDS, Param, check_value
from migrate.presets.render import parse_params, parse_source, render

SQLITE = SAMPLES / "sharetribe-go" / "sharetribe-go.db"
BASE = ["--param", "image_base_url=https://images.example.com"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    shutil.copy(SQLITE, tmp_path / "go.db")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def init(runner: CliRunner, *args: str):
    return runner.invoke(main, ["init", "--preset", "sharetribe-go", *args])


def one_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0].removeprefix("Error: ")


# -- the bundled presets ------------------------------------------------------------------------------


def test_every_bundled_preset_has_a_manifest_and_a_template():
    presets = available()
    assert [preset.name for preset in presets] == ["sharetribe-go"]
    for preset in presets:
        assert preset.template_text().startswith("#")
        assert preset.summary and preset.source
        for param in preset.params:
            assert param.kind in KINDS
            assert param.help, param.name


def test_the_template_uses_only_known_placeholders():
    import re

    preset = get("sharetribe-go")
    names = {param.name for param in preset.params}
    names |= {"source", "source_label", "init_command", "job_name", "preset"}
    names |= {"custom_field_columns", "custom_field_public_data"}
    used = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", preset.template_text()))
    assert used <= names
    assert {"community_id", "listing_image_url", "avatar_url", "expired_before"} <= used


def test_list_presets_needs_no_source(runner):
    result = runner.invoke(main, ["init", "--list-presets"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("sharetribe-go: Sharetribe Go\n")
    assert "    community_id (integer; default: the only community of the database" in result.stdout
    assert "    image_base_url (url; default: required)" in result.stdout


def test_init_help_mentions_presets(runner):
    result = runner.invoke(main, ["init", "--help"])
    assert "--preset NAME" in result.stdout
    assert "--param KEY=VALUE" in result.stdout
    assert "--list-presets" in result.stdout


# -- writing a job ------------------------------------------------------------------------------------


def test_init_writes_a_job_that_loads(runner, workdir):
    result = init(runner, "go.db", "-o", "job.toml", "--param", "community_id=1", *BASE)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "wrote job.toml from the sharetribe-go preset (go.db)"
    raw = tomllib.loads(Path("job.toml").read_text("utf-8"))
    assert raw["ident"] == "lendahand"
    assert raw["defaults"]["currency"] == "EUR"
    assert raw["sources"]["people"]["path"] == "go.db"
    assert raw["records"]["image"][0]["mapping"]["url"][1]["template"] == (
        "https://images.example.com/images/listing_images/images/{id}/original/{image_file_name}"
    )
    job = load_job("job.toml")
    assert [spec.record_type for spec in job.records] == [
        "user",
        "listing",
        "image",
        "image",
        "stripeAccount",
        "review",
    ]


def test_the_job_names_its_source_relative_to_its_folder(runner, workdir):
    (workdir / "jobs").mkdir()
    result = init(runner, "go.db", "-o", "jobs/go.toml", "--param", "community_id=1", *BASE)
    assert result.exit_code == 0, result.output
    raw = tomllib.loads(Path("jobs/go.toml").read_text("utf-8"))
    assert raw["sources"]["listings"]["path"] == "../go.db"
    load_job("jobs/go.toml")


def test_the_same_command_writes_the_same_bytes(runner, workdir):
    args = ["go.db", "--param", "community_id=1", "--param", "expired_before=2025-01-01", *BASE]
    assert init(runner, *args, "-o", "one.toml").exit_code == 0
    assert init(runner, *args, "-o", "two.toml").exit_code == 0
    one = Path("one.toml").read_text("utf-8")
    two = Path("two.toml").read_text("utf-8")
    assert one.replace("one.toml", "two.toml") == two
    assert "l.valid_until < '2025-01-01'" in one


def test_parameters_reach_the_job(runner, workdir):
    result = init(
        runner,
        "go.db",
        "-o",
        "job.toml",
        "--param",
        "community_id=1",
        "--ident",
        "my-tools",
        "--param",
        "currency=usd",
        "--param",
        "listing_image_url=https://cdn.example.org/l/{listing_id}/{id}-{image_file_name}",
        "--param",
        "booking_process=rent-by-day/release-2",
        *BASE,
    )
    assert result.exit_code == 0, result.output
    raw = tomllib.loads(Path("job.toml").read_text("utf-8"))
    assert raw["ident"] == "my-tools"
    assert raw["defaults"]["currency"] == "USD"
    assert raw["records"]["image"][0]["mapping"]["url"][1]["template"] == (
        "https://cdn.example.org/l/{listing_id}/{id}-{image_file_name}"
    )
    process = raw["records"]["listing"]["public_data"]["transactionProcessAlias"]
    assert process["map"]["booking"] == "rent-by-day/release-2"


def test_the_job_can_go_to_standard_output(runner, workdir):
    result = init(runner, "go.db", "-o", "-", "--param", "community_id=1", *BASE)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Sharetribe Go -> Intermediary: community 1 of")
    tomllib.loads(result.stdout)
    assert result.stderr.startswith("wrote standard output from the sharetribe-go preset")


def test_an_existing_job_is_kept_without_force(runner, workdir):
    Path("job.toml").write_text("mine\n")
    message = one_error(init(runner, "go.db", "-o", "job.toml", "--param", "community_id=1", *BASE))
    assert message == "job.toml already exists (use --force to overwrite it)"
    assert Path("job.toml").read_text() == "mine\n"
    forced = init(runner, "go.db", "-o", "job.toml", "--force", "--param", "community_id=1", *BASE)
    assert forced.exit_code == 0, forced.output


def test_a_database_with_one_community_needs_no_community_id(runner, workdir):
    connection = sqlite3.connect("go.db")
    with connection:
        connection.execute("DELETE FROM communities WHERE id = 2")
    connection.close()
    result = init(runner, "go.db", "-o", "job.toml", *BASE)
    assert result.exit_code == 0, result.output
    assert "note: the rows of the" not in result.stdout


# -- one-line errors, exit 2 ----------------------------------------------------------------------------


def test_an_unknown_preset(runner, workdir):
    result = runner.invoke(main, ["init", "--preset", "sharetribe_go", "go.db"])
    assert one_error(result) == (
        '--preset sharetribe_go: no such preset (did you mean "sharetribe-go"?) '
        "(presets: sharetribe-go)"
    )


def test_several_communities_need_a_choice(runner, workdir):
    assert one_error(init(runner, "go.db", "-o", "job.toml", *BASE)) == (
        "go.db holds 2 communities: 1 (lendahand), 2 (paddleshare); choose one with "
        "--param community_id=ID"
    )
    assert not Path("job.toml").exists()


def test_an_unknown_community(runner, workdir):
    assert one_error(init(runner, "go.db", "--param", "community_id=7", *BASE)) == (
        "--param community_id=7: go.db has no such community "
        "(communities: 1 (lendahand), 2 (paddleshare))"
    )


def test_a_required_parameter_is_named_with_an_example(runner, workdir):
    assert one_error(init(runner, "go.db", "--param", "community_id=1")) == (
        "the sharetribe-go preset needs --param image_base_url=https://my-bucket.s3.amazonaws.com "
        "(Where Go's Paperclip images are served from: the S3 bucket or CDN in front of it.)"
    )


@pytest.mark.parametrize(
    ("param", "message"),
    [
        (
            "comunity_id=1",
            "--param comunity_id: the sharetribe-go preset has no such parameter (did you mean "
            '"community_id"?) (parameters: community_id, image_base_url, listing_image_url, '
            "avatar_url, url_env, ident, currency, locale, expired_before, booking_process, "
            "purchase_process, inquiry_process)",
        ),
        ("community_id=one", '--param community_id: "one" is not a whole number, e.g. 1'),
        ("community_id", "--param community_id: expected KEY=VALUE, e.g. --param community_id=1"),
        ("currency=EURO", '--param currency: "EURO" is not an ISO 4217 currency code, e.g. EUR'),
        (
            "expired_before=2025-13-01",
            '--param expired_before: "2025-13-01" is not a date, YYYY-MM-DD',
        ),
        (
            'booking_process=a"b',
            '--param booking_process: "a\\"b" holds a quote, backslash or control character '
            "(expected text without quotes, backslashes or line breaks)",
        ),
        (
            "listing_image_url=https://x.example/{path}",
            '--param listing_image_url: "https://x.example/{path}" is not a URL template whose '
            "placeholders are among {id}, {listing_id}, {image_file_name}",
        ),
    ],
)
def test_bad_parameters(runner, workdir, param, message):
    assert one_error(init(runner, "go.db", "--param", param, *BASE)) == message


def test_a_bad_base_url(runner, workdir):
    result = init(runner, "go.db", "--param", "community_id=1", "--param", "image_base_url=s3://b")
    assert one_error(result) == (
        '--param image_base_url: "s3://b" is not an absolute http(s) URL, '
        "e.g. https://my-bucket.s3.amazonaws.com"
    )


def test_a_repeated_parameter(runner, workdir):
    result = init(runner, "go.db", "--param", "community_id=1", "--param", "community_id=2", *BASE)
    assert one_error(result) == "--param community_id is given twice"


def test_param_without_preset(runner, workdir):
    result = runner.invoke(main, ["init", "go.db", "--param", "community_id=1"])
    assert one_error(result) == "--param sets a preset's parameter: give --preset NAME too"


def test_one_source_only(runner, workdir):
    message = one_error(init(runner, "go.db", "go.db", *BASE))
    assert message == (
        "--preset sharetribe-go takes one SOURCE (the database URL or SQLite file), not 2"
    )


def test_a_source_that_is_no_database(runner, workdir):
    Path("notes.txt").write_text("hello\n")
    assert one_error(init(runner, "notes.txt", *BASE)) == (
        "notes.txt: not an SQLite database (give a mysql+pymysql:// URL for a live server)"
    )
    assert one_error(init(runner, "missing.db", *BASE)) == "cannot read missing.db: no such file"


def test_a_url_of_another_dialect_hides_its_password(runner, workdir):
    message = one_error(init(runner, "postgresql://u:s3cret@localhost/go", *BASE))
    assert message == (
        "postgresql://u:***@localhost/go: the sharetribe-go preset reads mysql, mariadb, sqlite "
        "databases, not postgresql"
    )


def test_a_url_without_a_database(runner, workdir):
    message = one_error(init(runner, "mysql+pymysql://u:s3cret@localhost/", *BASE))
    assert message == (
        "mysql+pymysql://u:***@localhost/: the URL names no database (…/DATABASE at its end)"
    )


def test_an_unreachable_server_gives_the_adapters_line(runner, workdir):
    message = one_error(
        init(runner, "mysql+pymysql://u:s3cret@127.0.0.1:9/go", "--param", "community_id=1", *BASE)
    )
    assert message.startswith("cannot connect to mysql+pymysql://u:***@127.0.0.1:9/go: ")
    assert "s3cret" not in message


def test_url_env_is_only_for_urls(runner, workdir):
    message = one_error(init(runner, "go.db", "--param", "url_env=GO_URL", *BASE))
    assert message == (
        "--param url_env is for a database URL SOURCE; an SQLite file is written as its path"
    )


def test_a_database_that_is_not_go(runner, workdir):
    connection = sqlite3.connect("other.db")
    connection.execute("CREATE TABLE users (id INTEGER)")
    connection.close()
    message = one_error(init(runner, "other.db", *BASE))
    assert message.startswith("sqlite:///")
    assert "no such table: communities" in message


# -- the library ------------------------------------------------------------------------------------


def _param(kind: str, **extra) -> Param:
    return Param(name="p", kind=kind, help="", **extra)


@pytest.mark.parametrize(
    ("kind", "value", "result"),
    [
        ("integer", " 12 ", "12"),
        ("url", "https://cdn.example.com/", "https://cdn.example.com"),
        ("env", "GO_DB", "GO_DB"),
        ("ident", ":my-market", "my-market"),
        ("currency", "eur", "EUR"),
        ("locale", "pt-BR", "pt-BR"),
        ("date", "2024-02-29", "2024-02-29"),
        ("text", "default-booking/release-1", "default-booking/release-1"),
    ],
)
def test_values_are_normalised(kind, value, result):
    assert check_value(_param(kind), value) == result


def test_url_templates_join_their_base():
    param = _param("url_template", base="base", placeholders=("id",))
    values = {"base": "https://b.example.com"}
    assert check_value(param, "/img/{id}.jpg", values) == "https://b.example.com/img/{id}.jpg"
    assert check_value(param, "http://other.example/{id}", values) == "http://other.example/{id}"
    with pytest.raises(ConfigError, match="no --param base to join it to"):
        check_value(param, "img/{id}.jpg", {})


def test_parse_params():
    assert parse_params(["a=1", "b= x=y"]) == {"a": "1", "b": " x=y"}


def test_render_without_the_cli(tmp_path):
    preset = get("sharetribe-go")
    rendered = render(
        preset,
        parse_source(str(SQLITE), preset),
        {"community_id": "2", "image_base_url": "https://i.example.com"},
        tmp_path / "job.toml",
        command="test",
        today=date(2024, 5, 1),
    )
    assert rendered.values["ident"] == "paddleshare"
    assert rendered.values["currency"] == "USD"
    assert rendered.values["expired_before"] == "2024-05-01"
    assert "hull_material" in rendered.text
    assert "community 2 has" not in rendered.text
    assert rendered.notes[0] == (
        "1 custom field of community 2 goes to listing publicData as: hull_material"
    )


def test_a_map_to_a_list_gives_a_json_array(tmp_path):
    """The checkbox fields' idiom: a TOML array in a map becomes an edn vector in publicData."""
    from migrate.convert.pipeline import convert
    from migrate.validate import validate_file

    (tmp_path / "users.csv").write_text(
        "id,email,first,last,created\n1,a@example.com,Ann,Lee,2020-01-02T03:04:05Z\n", "utf-8"
    )
    (tmp_path / "listings.csv").write_text(
        "id,user_id,title,created,mask,left_out\n"
        "7,1,Drill,2021-01-02T03:04:05Z,3,\n"
        "8,1,Saw,2021-01-02T03:04:05Z,1,deleted in the old system\n",
        "utf-8",
    )
    (tmp_path / "job.toml").write_text(
        """ident = "t"
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
createdAt = "created"
[records.listing]
source = "listings"
id = "id"
[records.listing.mapping]
title = [{ column = "left_out", map = {} }, "title"]
state = { const = "published" }
createdAt = "created"
author = { ref = "user", column = "user_id" }
[records.listing.public_data.includes]
column = "mask"
map = { "1" = ["battery"], "3" = ["battery", "charger"] }
""",
        "utf-8",
    )
    report = convert(load_job(tmp_path / "job.toml"), output_dir=tmp_path / "out")
    text = report.edn_path.read_text("utf-8")
    assert ':includes ["battery" "charger"]' in text
    assert validate_file(report.edn_path, max_findings=None).errors == 0
    (reject,) = read_rejects_of(report)
    assert reject["source_id"] == "8"
    assert reject["rule"] == "transform-failed"
    assert "deleted in the old system" in reject["message"]


def read_rejects_of(report) -> list[dict]:
    from migrate.convert.outputs import read_rejects

    return read_rejects(report.rejects_path)
