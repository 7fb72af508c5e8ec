"""MySQL/MariaDB sources through PyMySQL: streaming, MySQL's value habits, one-line errors.

Needs a server: ``MIGRATE_TEST_MYSQL_URL`` (``mysql+pymysql://user:password@127.0.0.1:PORT/``,
started by ``.ci/run``); each test works in a database of its own (``extract_…``), dropped after.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from conftest import SAMPLES, need_component

from migrate.cli import main
from migrate.errors import ExtractError
from migrate.extract import SourceSpec, open_source
from migrate.extract.batches import batch_rows, batches_from_rows

SAMPLE_DB = SAMPLES / "sqlite" / "trailhop.db"
TABLES = ["users", "listings", "listing_images", "reviews", "payout_accounts"]
MYSQL_TYPES = {"INTEGER": "BIGINT", "REAL": "DOUBLE", "TEXT": "TEXT"}
UUID_TEXT = "0f8fad5b-d9cb-469f-a165-70867728950e"


def _server_url() -> sa.engine.URL:
    text = os.environ.get("MIGRATE_TEST_MYSQL_URL", "")
    need_component(
        bool(text), "MIGRATE_TEST_MYSQL_URL is not set (a MariaDB/MySQL server; see .ci/run)"
    )
    url = sa.engine.make_url(text)
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            reachable = True
    except sa.exc.SQLAlchemyError:
        reachable = False
    finally:
        engine.dispose()
    need_component(reachable, "the MySQL server at MIGRATE_TEST_MYSQL_URL is unreachable")
    return url


@pytest.fixture
def mysql_db():
    """A fresh database on the test server, as ``(server URL, database URL)``; dropped after."""
    server = _server_url()
    name = f"extract_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(server)
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    try:
        yield server, server.set(database=name)
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        engine.dispose()


def _spec(tmp_path: Path, name: str = "t", **table) -> SourceSpec:
    return SourceSpec.from_table(
        name, {"type": "sql", "url_env": "LEGACY_MYSQL_URL", **table}, tmp_path / "job.toml"
    )


def _use(monkeypatch, url: sa.engine.URL) -> None:
    monkeypatch.setenv("LEGACY_MYSQL_URL", url.render_as_string(hide_password=False))


def test_the_sample_streams_through_an_unbuffered_cursor(tmp_path, mysql_db, monkeypatch):
    import pymysql

    _, url = mysql_db
    engine = sa.create_engine(url)
    sample = sqlite3.connect(f"file:{SAMPLE_DB}?mode=ro", uri=True)
    with engine.begin() as connection:
        for table in TABLES:
            info = sample.execute(f"PRAGMA table_info({table})").fetchall()
            columns = ", ".join(f"{row[1]} {MYSQL_TYPES[row[2]]}" for row in info)
            connection.execute(sa.text(f"CREATE TABLE {table} ({columns})"))
            names = [row[1] for row in info]
            insert = sa.text(f"INSERT INTO {table} VALUES ({', '.join(':' + n for n in names)})")
            rows = [
                dict(zip(names, r, strict=True)) for r in sample.execute(f"SELECT * FROM {table}")
            ]
            connection.execute(insert, rows)
    sample.close()
    engine.dispose()
    _use(monkeypatch, url)
    for table in TABLES:
        source = open_source(_spec(tmp_path, table, table=table, key="id", chunk_size=97))
        cursors = []
        sa.event.listen(
            source.engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *rest, cursors=cursors: cursors.append(type(cursor)),
        )
        rows = list(source.rows())
        assert issubclass(cursors[-1], pymysql.cursors.SSCursor)
        reference = open_source(
            SourceSpec.from_table(
                table,
                {"type": "sql", "path": str(SAMPLE_DB), "table": table, "key": "id"},
                tmp_path / "job.toml",
            )
        )
        assert [row.values for row in rows] == [row.values for row in reference.rows()]
        assert str(rows[0].origin) == f"{table} id={rows[0].values['id']}"
        columns = source.columns()
        native = [r for f in source.batches(columns, size=250) for r in batch_rows(f)]
        assert native == [
            r for f in batches_from_rows(source, columns, size=250) for r in batch_rows(f)
        ]
        assert source.origins([0, len(rows) - 1]) == {
            0: rows[0].origin,
            len(rows) - 1: rows[-1].origin,
        }
        source.close()


def test_mysql_value_habits(tmp_path, mysql_db, monkeypatch):
    _, url = mysql_db
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("SET SESSION sql_mode = ''"))  # allow zero dates
        connection.execute(
            sa.text(
                "CREATE TABLE things (id BIGINT PRIMARY KEY, uid BINARY(16), raw VARBINARY(16),"
                " code CHAR(16), ok TINYINT(1), born DATE, seen DATETIME, stamp TIMESTAMP NULL,"
                " name3 VARCHAR(40) CHARACTER SET utf8mb3, name4 VARCHAR(40) CHARACTER SET utf8mb4,"
                " price DECIMAL(10,2), big BIGINT UNSIGNED)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO things VALUES"
                f" (1, UNHEX('{UUID_TEXT.replace('-', '')}'), UNHEX('00ff'), 'abcdefghijklmnop',"
                "  1, '0000-00-00', '0000-00-00 00:00:00', NULL, 'Zoë', 'Zoë 😀', 12.50,"
                "  18446744073709551615),"
                " (2, NULL, NULL, NULL, 0, '2021-03-01', '2021-03-01 12:30:05',"
                "  '2021-03-01 12:30:05', 'Ann', 'Ann', NULL, 7),"
                " (3, NULL, NULL, NULL, NULL, '2021-00-00', '2021-03-00 00:00:00', NULL, NULL,"
                "  NULL, NULL, NULL)"
            )
        )
    engine.dispose()
    _use(monkeypatch, url)
    source = open_source(_spec(tmp_path, table="things", key="id"))
    rows = [row.values for row in source.rows()]
    assert rows[0] == {
        "id": 1,
        "uid": UUID_TEXT,
        "raw": b"\x00\xff",
        "code": "abcdefghijklmnop",
        "ok": 1,
        "born": None,
        "seen": None,
        "stamp": None,
        "name3": "Zoë",
        "name4": "Zoë 😀",
        "price": Decimal("12.50"),
        "big": 2**64 - 1,
    }
    assert rows[1]["born"] == date(2021, 3, 1)
    assert rows[1]["seen"] == datetime(2021, 3, 1, 12, 30, 5)
    assert rows[1]["seen"].tzinfo is None and rows[1]["ok"] == 0
    assert rows[2]["born"] is None and rows[2]["seen"] is None
    columns = source.columns()
    native = list(source.batches(columns, size=2))
    assert [r for f in native for r in batch_rows(f)] == list(enumerate(rows))
    assert str(native[0].schema["seen"]) == "Datetime(time_unit='us', time_zone=None)"
    query = open_source(_spec(tmp_path, query="SELECT uid, born FROM things ORDER BY id"))
    assert [row.values for row in query.rows()][0] == {"uid": UUID_TEXT, "born": None}
    source.close()
    query.close()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "password",
            "cannot connect to mysql+pymysql://{user}:***@{host}/{db}: Access denied for user '{user}'@'{client}' (using password: YES) (MySQL error 1045)",
        ),
        (
            "database",
            "cannot connect to mysql+pymysql://{user}:***@{host}/extract_no_such_db: Unknown database 'extract_no_such_db' (MySQL error 1049)",
        ),
        ("table", 'mysql+pymysql://{user}:***@{host}/{db}: no table "members" (sources.t.table)'),
        (
            "column",
            "mysql+pymysql://{user}:***@{host}/{db}: query: Unknown column 'nope' in 'SELECT' (MySQL error 1054)",
        ),
    ],
)
def test_errors_are_one_line_and_never_show_the_password(
    tmp_path, mysql_db, monkeypatch, case, message
):
    server, url = mysql_db
    secret = "Wrong-Pw-4Kz7-secret"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE users (id BIGINT, email TEXT)"))
    engine.dispose()
    target = {
        "password": url.set(password=secret),
        "database": url.set(database="extract_no_such_db"),
    }.get(case, url)
    _use(monkeypatch, target)
    table = (
        {"query": "SELECT nope FROM users"}
        if case == "column"
        else {"table": "members" if case == "table" else "users"}
    )
    source = open_source(_spec(tmp_path, **table))
    with pytest.raises(ExtractError) as caught:
        list(source.rows())
    text = str(caught.value)
    host = f"{url.host}:{url.port}"
    expected = message.format(user=url.username, host=host, db=url.database, client="")
    if case == "password":
        prefix, _, rest = expected.partition("@'")
        assert text.startswith(prefix + "@'") and text.endswith(
            "' (using password: YES) (MySQL error 1045)"
        )
    elif case == "column":
        assert text.startswith(expected.split("Unknown column")[0] + "Unknown column 'nope' in ")
    else:
        assert text == expected
    for secret_text in (secret, str(server.password)):
        assert secret_text not in text


def test_a_wrong_mysql_password_exits_2_with_one_line(tmp_path, mysql_db, monkeypatch):
    _, url = mysql_db
    secret = "Wrong-Pw-9Qx1-secret"
    (tmp_path / "job.toml").write_text(
        'ident = "m"\n[output]\ndir = "out"\nname = "m"\n'
        '[sources.users]\ntype = "sql"\nurl_env = "LEGACY_MYSQL_URL"\ntable = "users"\nkey = "id"\n'
        '[records.user]\nsource = "users"\nid = "id"\n[records.user.mapping]\nemail = "email"\n'
        'firstName = "email"\nlastName = "email"\ncreatedAt = { column = "joined", transform = "date" }\n',
        "utf-8",
    )
    _use(monkeypatch, url.set(password=secret))
    result = CliRunner().invoke(main, ["convert", str(tmp_path / "job.toml")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Access denied" in result.stderr and "(MySQL error 1045)" in result.stderr
    for path in [*tmp_path.rglob("*")]:
        if path.is_file():
            assert secret not in path.read_text("utf-8", "replace")
    assert secret not in result.output
