"""The sharetribe-go preset on the bundled Go sample: init, then convert the written job unedited.

Issue 14 acceptance: the output validates with 0 errors and reads in Clojure; every left-out
row is in the rejects file with its reason; the counts per type are what the sample's generator
says (``samples/sharetribe-go/expected.json``); the MariaDB database and its SQLite copy give
byte-identical .edn; a wrong MariaDB password gives one line, exit 2, and shows up nowhere.
The MariaDB tests fill a database named ``preset_*`` on ``$MIGRATE_TEST_MYSQL_URL``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, need_component

from migrate.cli import main
from migrate.convert.outputs import read_rejects
from migrate.edn.reader import DocumentReader
from migrate.edn.rows import row_from_value
from migrate.edn.values import Keyword

GO = SAMPLES / "sharetribe-go"
SQLITE = GO / "sharetribe-go.db"
IMAGES = "https://images.example.com"
PARAMS = ["--param", "community_id=1", "--param", f"image_base_url={IMAGES}"]
CLOJURE_SCRIPT = Path(__file__).resolve().parent / "clojure" / "edn_compare.clj"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sharetribe_go_generate", GO / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def expected() -> dict:
    return json.loads((GO / "expected.json").read_text("utf-8"))


def init_and_convert(folder: Path, source: str, env: dict[str, str] | None = None) -> dict:
    """``migrate init --preset sharetribe-go SOURCE`` then ``migrate convert`` of that job."""
    folder.mkdir(parents=True, exist_ok=True)
    job = folder / "job.toml"
    runner = CliRunner()
    init = runner.invoke(
        main, ["init", "--preset", "sharetribe-go", source, "-o", str(job), *PARAMS], env=env
    )
    assert init.exit_code == 0, init.output
    convert = runner.invoke(main, ["convert", str(job)], env=env)
    assert convert.exit_code == 0, convert.output
    out = folder / "out"
    return {
        "job": job,
        "init": init,
        "convert": convert,
        "edn": out / "lendahand.edn",
        "rejects": out / "lendahand.rejects.csv",
        "report": json.loads((out / "lendahand.report.json").read_text("utf-8")),
    }


@pytest.fixture(scope="module")
def sqlite_run(tmp_path_factory) -> dict:
    return init_and_convert(tmp_path_factory.mktemp("preset-sqlite"), str(SQLITE))


def rows_by_source_id(edn: Path) -> dict[str, dict]:
    """Written rows by alias text (``user/u05pV…``, ``listing/l12``)."""
    found = {}
    for entry in DocumentReader(edn):
        row = row_from_value(entry.value)
        assert row.alias is not None
        found[row.alias.text] = row.attrs
    return found


# -- the acceptance on the SQLite copy -------------------------------------------------------------


def test_init_says_what_it_did(sqlite_run):
    output = sqlite_run["init"].output
    assert output.splitlines()[0] == (
        f"wrote {sqlite_run['job']} from the sharetribe-go preset ({SQLITE})"
    )
    assert "note: 6 custom fields of community 1 go to listing publicData as: brand, " in output
    assert "next: migrate convert" in output


def test_counts_per_type_are_what_the_generator_says(sqlite_run):
    types = sqlite_run["report"]["types"]
    for name, counts in expected()["types"].items():
        got = types[name]
        assert (got["read"], got["written"], got["rejected"]) == (
            counts["read"],
            counts["written"],
            counts["rejected"],
        ), name
        assert got["read"] == got["written"] + got["rejected"] + got["merged"]


def test_every_left_out_row_is_in_the_rejects_file_with_its_reason(sqlite_run):
    rejects = read_rejects(sqlite_run["rejects"])
    got = {(row["record_type"], row["source_id"]): row for row in rejects}
    assert len(got) == len(rejects)
    want = {(row["record_type"], row["source_id"]): row for row in expected()["rejects"]}
    assert sorted(got) == sorted(want)
    for key, row in want.items():
        message = got[key]["message"]
        assert got[key]["rule"] == row["rule"], (key, message)
        assert any(reason in message for reason in row["reasons"]), (key, message, row)


def test_left_out_reasons_are_shown_whole(sqlite_run):
    by_id = {row["source_id"]: row for row in read_rejects(sqlite_run["rejects"])}
    deleted = next(r for r in expected()["rejects"] if "deleted in" in r["reasons"][0])
    line = by_id[deleted["source_id"]]
    assert "deleted in Sharetribe Go (people.deleted = 1)" in line["message"]
    assert line["source"] == "people"
    assert line["origin"].startswith("query id=")


def test_the_output_validates_without_errors(sqlite_run):
    from migrate.validate import validate_file

    report = validate_file(sqlite_run["edn"], max_findings=None)
    assert report.errors == 0, report.counts_by_code
    # review r101 is dated 2020, before its author signed up in 2021: the validator's
    # review-before-created warning (issue 12) is right about the sample
    assert report.counts_by_code == {"review-before-created": 1}


def test_clojure_reads_the_output(sqlite_run, clojure_bin):
    path = sqlite_run["edn"]
    result = subprocess.run(
        [clojure_bin, str(CLOJURE_SCRIPT), "error", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.splitlines() == [f"read {path}"], result.stderr


def test_the_job_file_is_complete_and_commented(sqlite_run):
    text = sqlite_run["job"].read_text("utf-8")
    assert text.startswith("# Sharetribe Go -> Intermediary: community 1 of the SQLite copy")
    assert f'path = "{os.path.relpath(SQLITE, sqlite_run["job"].parent)}"' in text
    for name in ("people", "listings", "listing_images", "avatars", "stripe_accounts"):
        assert f"[sources.{name}]" in text
    assert text.count("(From flat files: ") == 4  # each join says what it would be over files
    assert "{{" not in text and "}}" not in text


# -- what the rows hold ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(sqlite_run) -> dict[str, dict]:
    return rows_by_source_id(sqlite_run["edn"])


def _go_rows(table: str) -> list[dict]:
    import sqlite3

    connection = sqlite3.connect(f"file:{SQLITE}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(f"SELECT * FROM {table}")]
    finally:
        connection.close()


def _alias(prefix: str, source_id: object) -> str:
    text = re.sub(r"[^A-Za-z0-9*+!_?<>=.-]", "-", str(source_id))
    return f"{prefix}/{prefix[0]}{text}" if text[:1].isdigit() else f"{prefix}/{text}"


def _user(written: dict, person_id: str) -> dict:
    return written[_alias("user", person_id)]


K = Keyword


def test_the_primary_email_is_the_confirmed_one(written):
    emails = _go_rows("emails")
    by_person: dict[str, list[dict]] = {}
    for email in emails:
        by_person.setdefault(email["person_id"], []).append(email)
    two = [rows for rows in by_person.values() if len(rows) == 2]
    assert len(two) == 3  # the people with an old, unconfirmed address
    checked = 0
    for rows in two:
        confirmed = [row for row in rows if row["confirmed_at"] and row["confirmed_at"] > "1000"]
        key = _alias("user", rows[0]["person_id"])
        if key not in written or not confirmed:
            continue
        primary = written[key][K("im.user/primaryEmail")]
        assert primary[K("im.email/address")] == confirmed[0]["address"]
        assert primary[K("im.email/verified")] is True
        checked += 1
    assert checked == 3


def test_unconfirmed_and_zero_date_confirmations_are_unverified(written):
    zero = [row for row in _go_rows("emails") if row["confirmed_at"] == "0000-00-00 00:00:00"]
    none = [row for row in _go_rows("emails") if row["confirmed_at"] is None]
    assert len(zero) == 2
    for row in zero + none:
        key = _alias("user", row["person_id"])
        if key in written:
            primary = written[key][K("im.user/primaryEmail")]
            if primary[K("im.email/address")] == row["address"]:
                assert primary[K("im.email/verified")] is False


def test_avatars_come_from_the_paperclip_columns(written):
    people = {row["id"]: row for row in _go_rows("people")}
    avatars = [row for row in written if row.startswith("image/avatar-")]
    assert len(avatars) > 20
    for key in avatars:
        person_id = key.removeprefix("image/avatar-")
        person = people[person_id]
        url = written[key][K("im.image/url")]
        assert url.startswith(f"{IMAGES}/images/people/images/{person_id}/original/")
        assert K("im.image/listing") not in written[key]
        profile = _user(written, person_id)[K("im.user/profile")]
        assert K("im.userProfile/avatar") in profile
        assert person["image_file_name"]
    encoded = [
        written[key][K("im.image/url")]
        for key in avatars
        if "%C3%A4" in written[key][K("im.image/url")]
    ]
    assert encoded, "a file name with ä is percent-encoded"


def test_listing_states_prices_units_and_categories(written):
    listings = {row["id"]: row for row in _go_rows("listings")}
    states = {}
    for source_id, row in listings.items():
        key = _alias("listing", source_id)
        if key not in written:
            continue
        attrs = written[key]
        state = attrs[K("im.listing/state")].name
        public = attrs[K("im.listing/publicData")]
        if row["open"] == 0 or (row["valid_until"] or "")[:4] in {
            str(y) for y in range(2017, 2024)
        }:
            assert state == "closed", source_id
        else:
            assert state == "published", source_id
        states[state] = states.get(state, 0) + 1
        assert public[K("listingType")] in {
            "renting-out",
            "selling",
            "lending-for-free",
            "hourly-help",
        }
        if row["listing_shape_id"] == 3:
            assert public[K("unitType")] == "inquiry"
            assert public[K("transactionProcessAlias")] == "default-inquiry/release-1"
            assert K("im.listing/price") not in attrs
        elif row["listing_shape_id"] == 1:
            assert public[K("unitType")] == "day"
            assert public[K("transactionProcessAlias")] == "default-booking/release-1"
            price = attrs[K("im.listing/price")]
            assert price.currency == "EUR"
            assert int(price.amount * 100) == row["price_cents"]
        elif row["listing_shape_id"] == 2:
            assert public[K("unitType")] == "item"
        assert public[K("categoryLevel1")] in {"tools", "garden", "vehicles", "events"}
    assert states["closed"] >= 15 and states["published"] > 100


def test_custom_fields_go_to_public_data(written):
    values = [row for row in _go_rows("custom_field_values") if row["custom_field_id"] == 4]
    selections = _go_rows("custom_field_option_selections")
    keys = {4: "battery", 5: "charger", 6: "carry_case", 7: "manual"}
    checked = 0
    for value in values:
        key = _alias("listing", value["listing_id"])
        if key not in written:
            continue
        chosen = sorted(
            s["custom_field_option_id"]
            for s in selections
            if s["custom_field_value_id"] == value["id"]
        )
        public = written[key][K("im.listing/publicData")]
        assert public[K("includes")] == tuple(keys[option] for option in chosen)
        checked += 1
    assert checked > 30


def test_reviews_types_ratings_and_listings(written):
    testimonials = {row["id"]: row for row in _go_rows("testimonials")}
    transactions = {row["id"]: row for row in _go_rows("transactions")}
    stars = {0.0: 1, 0.25: 2, 0.5: 3, 0.75: 4, 1.0: 5}
    seen = set()
    for source_id, row in testimonials.items():
        key = _alias("review", source_id)
        if key not in written:
            continue
        attrs = written[key]
        transaction = transactions[row["transaction_id"]]
        kind = attrs[K("im.review/type")].name
        assert attrs[K("im.review/rating")] == stars[row["grade"]]
        if row["author_id"] == transaction["starter_id"]:
            assert kind == "ofProvider"
            assert K("im.review/listing") in attrs
        else:
            assert kind == "ofCustomer"
            assert K("im.review/listing") not in attrs
        seen.add(kind)
    assert seen == {"ofProvider", "ofCustomer"}


# -- the sample's generator --------------------------------------------------------------------------


def test_the_generator_is_deterministic(tmp_path):
    generator = load_generator()
    first, second = generator.build(), generator.build()
    assert first.tables == second.tables
    assert generator.expected_document(first) == generator.expected_document(second)


def test_regenerating_gives_the_committed_files(tmp_path):
    generator = load_generator()
    installed = {name: importlib.metadata.version(name) for name in generator.BUILT_WITH}
    if installed != generator.BUILT_WITH:
        pytest.skip(
            f"the sample was generated with {generator.BUILT_WITH}, installed are {installed}: "
            "regenerate it (python samples/sharetribe-go/generate.py) and update BUILT_WITH"
        )
    assert generator.main(["--out", str(tmp_path)]) == 0
    assert (tmp_path / "expected.json").read_bytes() == (GO / "expected.json").read_bytes()
    assert (tmp_path / "sharetribe-go.db").read_bytes() == SQLITE.read_bytes()


def test_the_sample_has_the_dirt_and_shape_of_a_go_database():
    document = expected()
    assert document["tables"]["people"] >= 100 and document["tables"]["listings"] >= 150
    reasons = {name: set(counts) for name, counts in document["reasons"].items()}
    assert {
        "deleted in Sharetribe Go",
        "banned from the marketplace",
        "has no email address",
        "another Sharetribe Go community",
    } <= reasons["user"]
    assert "has no transaction" in reasons["review"]
    assert {"never attached to a listing", "has no image file"} <= reasons["image"]
    communities = _go_rows("communities")
    assert [row["id"] for row in communities] == [1, 2]
    assert all(isinstance(row["uuid"], bytes) and len(row["uuid"]) == 16 for row in communities)
    listings = _go_rows("listings")
    with_images = {row["listing_id"] for row in _go_rows("listing_images")}
    assert [row for row in listings if row["id"] not in with_images]  # listings without images


def test_mysql_ddl_has_go_types_and_charsets():
    generator = load_generator()
    ddl = {
        name: generator.mysql_ddl(name, charset, columns, keys)
        for name, charset, columns, keys in generator.SCHEMA
    }
    assert "`id` varchar(22) NOT NULL" in ddl["people"]
    assert "`uuid` binary(16) NOT NULL" in ddl["listings"]
    assert "`deleted` tinyint(1) DEFAULT '0'" in ddl["people"]
    assert "DEFAULT CHARSET=utf8mb4" in ddl["people"]
    assert "DEFAULT CHARSET=utf8mb3" in ddl["categories"]


# -- MariaDB -------------------------------------------------------------------------------------------


def _mysql_url() -> str:
    url = os.environ.get("MIGRATE_TEST_MYSQL_URL")
    need_component(bool(url), "MIGRATE_TEST_MYSQL_URL is not set (a MariaDB/MySQL server URL)")
    try:
        import pymysql  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency
        need_component(False, "PyMySQL is not installed")
    return url  # type: ignore[return-value]


@pytest.fixture(scope="module")
def mariadb():
    """The sample in a fresh ``preset_*`` database; yields its URL; drops it afterwards."""
    import sqlalchemy as sa

    server = _mysql_url()
    generator = load_generator()
    name = f"preset_{uuid.uuid4().hex[:10]}"
    try:
        shown = generator.write_mysql(generator.build(), server, name)
    except sa.exc.OperationalError as error:
        need_component(False, f"cannot reach the MariaDB server: {error.orig}")
    url = sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    yield url
    engine = sa.create_engine(server)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        engine.dispose()
    assert "***" in shown


@pytest.fixture(scope="module")
def mariadb_run(mariadb, tmp_path_factory) -> dict:
    return init_and_convert(
        tmp_path_factory.mktemp("preset-mariadb"),
        mariadb,
        env={"SHARETRIBE_GO_DATABASE_URL": mariadb},
    )


def test_mariadb_and_its_sqlite_copy_give_byte_identical_edn(mariadb_run, sqlite_run):
    assert mariadb_run["edn"].read_bytes() == sqlite_run["edn"].read_bytes()
    assert mariadb_run["rejects"].read_bytes() == sqlite_run["rejects"].read_bytes()


def test_the_mariadb_job_reads_the_url_from_the_environment(mariadb_run, mariadb):
    import sqlalchemy as sa

    text = mariadb_run["job"].read_text("utf-8")
    password = sa.make_url(mariadb).password
    assert 'url_env = "SHARETRIBE_GO_DATABASE_URL"' in text
    assert "path =" not in text
    if password:
        assert str(password) not in text
        assert str(password) not in mariadb_run["init"].output
    assert (
        mariadb_run["report"]["types"]["user"]["written"] == expected()["types"]["user"]["written"]
    )


def test_a_wrong_mariadb_password_gives_one_line_and_exit_2(mariadb, tmp_path):
    import sqlalchemy as sa

    wrong = "Wr0ng-Pa55-" + uuid.uuid4().hex[:6]
    bad = sa.make_url(mariadb).set(password=wrong).render_as_string(hide_password=False)
    runner = CliRunner()
    init = runner.invoke(
        main, ["init", "--preset", "sharetribe-go", bad, "-o", str(tmp_path / "job.toml"), *PARAMS]
    )
    assert init.exit_code == 2
    assert init.stdout == ""
    assert len(init.stderr.splitlines()) == 1, init.stderr
    assert init.stderr.startswith("Error: cannot connect to mysql+pymysql://")
    assert "***" in init.stderr
    assert wrong not in init.output
    assert not (tmp_path / "job.toml").exists()
    # the job written with the right password, converted with the wrong one
    good = runner.invoke(
        main,
        ["init", "--preset", "sharetribe-go", mariadb, "-o", str(tmp_path / "job.toml"), *PARAMS],
    )
    assert good.exit_code == 0, good.output
    convert = runner.invoke(
        main,
        ["convert", str(tmp_path / "job.toml")],
        env={"SHARETRIBE_GO_DATABASE_URL": bad},
    )
    assert convert.exit_code == 2
    assert convert.stdout == ""
    assert len(convert.stderr.splitlines()) == 1, convert.stderr
    assert wrong not in convert.output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert wrong.encode() not in path.read_bytes(), path


def test_the_demo_step_converts_the_go_sample(tmp_path):
    import io

    from migrate.demo import STEPS, Demo, preset_step

    assert STEPS[-1] is preset_step
    out = io.StringIO()
    assert preset_step(Demo(output_dir=tmp_path, out=out))
    text = out.getvalue()
    assert text.startswith(
        "== migrate init --preset sharetribe-go samples/sharetribe-go/sharetribe-go.db -o "
    )
    edn = tmp_path / "sharetribe-go" / "out" / "lendahand.edn"
    assert f"validated {edn}: 0 errors, 1 warnings" in text  # review-before-created
    written = expected()["types"]["review"]["written"]
    assert re.search(rf"^review +\d+ +{written} ", text, re.M)
