"""SQL sources: SQLite files, PostgreSQL through a server-side cursor, masked credentials."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import need_component

from migrate.errors import ConfigError, ExtractError
from migrate.extract import SourceSpec, open_source

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SAMPLE_DB = SAMPLES / "sqlite" / "trailhop.db"
BIG_ID = 1234567890123456789


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "legacy.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            """
            CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, score REAL);
            INSERT INTO users VALUES (30, 'c@example.org', NULL);
            INSERT INTO users VALUES (1234567890123456789, 'b@example.com', 0.8);
            INSERT INTO users VALUES (10, 'a@example.org', 4.0);
            CREATE TABLE translations (item INTEGER, lang TEXT, text TEXT);
            INSERT INTO translations VALUES (1, 'en', 'tent'), (1, 'de', 'Zelt');
            """
        )
    connection.close()
    return path


def sql_spec(tmp_path: Path, name: str = "users", **table) -> SourceSpec:
    return SourceSpec.from_table(name, {"type": "sql", **table}, tmp_path / "job.toml")


def read(spec: SourceSpec, limit=None):
    source = open_source(spec)
    try:
        return list(source.rows(limit=limit))
    finally:
        source.close()


def test_table_rows_in_key_order_with_native_values(tmp_path, db):
    rows = read(sql_spec(tmp_path, path="legacy.db", table="users", key="id", chunk_size=2))
    assert [row.values for row in rows] == [
        {"id": 10, "email": "a@example.org", "score": 4.0},
        {"id": 30, "email": "c@example.org", "score": None},
        {"id": BIG_ID, "email": "b@example.com", "score": 0.8},
    ]
    assert [str(row.origin) for row in rows] == [
        "users id=10",
        "users id=30",
        f"users id={BIG_ID}",
    ]
    assert rows[0].origin.source == "users"


def test_columns_of_a_table_and_of_a_query(tmp_path, db):
    table = open_source(sql_spec(tmp_path, path="legacy.db", table="users"))
    assert table.columns() == ["id", "email", "score"]
    query = open_source(sql_spec(tmp_path, path="legacy.db", query="SELECT email AS e FROM users"))
    assert query.columns() == ["e"]


def test_query_with_composite_key_and_without_key(tmp_path, db):
    spec = sql_spec(
        tmp_path,
        path="legacy.db",
        query="SELECT * FROM translations ORDER BY lang",
        key=["item", "lang"],
    )
    assert [str(row.origin) for row in read(spec)] == [
        "query item=1 lang=de",
        "query item=1 lang=en",
    ]
    spec = sql_spec(tmp_path, path="legacy.db", query="SELECT text FROM translations")
    assert [str(row.origin) for row in read(spec)] == ["query row 1", "query row 2"]


def test_limit(tmp_path, db):
    assert len(read(sql_spec(tmp_path, path="legacy.db", table="users", key="id"), limit=2)) == 2
    query = sql_spec(tmp_path, path="legacy.db", query="SELECT * FROM users")
    assert len(read(query, limit=1)) == 1


def test_url_from_the_environment(tmp_path, db, monkeypatch):
    monkeypatch.setenv("LEGACY_DB_URL", f"sqlite:///{db}")
    rows = read(sql_spec(tmp_path, url_env="LEGACY_DB_URL", table="users", key="id"))
    assert [row.values["id"] for row in rows] == [10, 30, BIG_ID]


# errors ---------------------------------------------------------------------------------------


def test_missing_table(tmp_path, db):
    source = open_source(sql_spec(tmp_path, path="legacy.db", table="members"))
    with pytest.raises(ExtractError) as caught:
        source.columns()
    assert str(caught.value) == f'sqlite:///{db}: no table "members" (sources.users.table)'


def test_key_column_the_table_lacks(tmp_path, db):
    with pytest.raises(ConfigError) as caught:
        read(sql_spec(tmp_path, path="legacy.db", table="users", key="user_id"))
    assert str(caught.value) == (
        f'{tmp_path / "job.toml"}: sources.users.key: no column "user_id" in users '
        "(columns: id, email, score)"
    )


def test_bad_query_names_the_driver_message(tmp_path, db):
    with pytest.raises(ExtractError) as caught:
        read(sql_spec(tmp_path, path="legacy.db", query="SELECT nope FROM users"))
    assert str(caught.value) == f"sqlite:///{db}: query: no such column: nope"


def test_missing_sqlite_file_is_not_created(tmp_path):
    with pytest.raises(ExtractError) as caught:
        open_source(sql_spec(tmp_path, path="missing.db", table="users"))
    assert str(caught.value) == f"{tmp_path / 'missing.db'}: file not found (sources.users.path)"
    assert not (tmp_path / "missing.db").exists()


def test_unset_environment_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("LEGACY_DB_URL", raising=False)
    with pytest.raises(ConfigError) as caught:
        open_source(sql_spec(tmp_path, url_env="LEGACY_DB_URL", table="users"))
    assert str(caught.value) == (
        f"{tmp_path / 'job.toml'}: sources.users.url_env: "
        "environment variable LEGACY_DB_URL is not set"
    )


def test_malformed_url_is_not_repeated(tmp_path, monkeypatch):
    monkeypatch.setenv("LEGACY_DB_URL", "postgres//admin:hunter2-secret@db")
    with pytest.raises(ConfigError) as caught:
        open_source(sql_spec(tmp_path, url_env="LEGACY_DB_URL", table="users"))
    assert "hunter2-secret" not in str(caught.value)
    assert str(caught.value).endswith(
        "sources.users.url_env: LEGACY_DB_URL does not hold a database URL "
        "(dialect+driver://user:password@host:port/database)"
    )


def test_unknown_driver_masks_the_password(tmp_path, monkeypatch):
    monkeypatch.setenv("LEGACY_DB_URL", "oracle+nodriver://admin:hunter2-secret@db/legacy")
    source = open_source(sql_spec(tmp_path, url_env="LEGACY_DB_URL", table="users"))
    with pytest.raises(ConfigError) as caught:
        source.columns()
    message = str(caught.value)
    assert "hunter2-secret" not in message
    assert "oracle+nodriver://admin:***@db/legacy" in message


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"path": "a.db"},
            "sources.users: needs exactly one of table or query",
        ),
        (
            {"path": "a.db", "table": "users", "query": "SELECT 1"},
            "sources.users: needs exactly one of table or query",
        ),
        (
            {"table": "users"},
            "sources.users: needs exactly one of url_env (a database URL in the environment) "
            "or path (an SQLite file)",
        ),
        (
            {"path": "a.db", "table": "users; DROP TABLE users"},
            "sources.users.table: must be a table name (optionally schema.table), "
            'not "users; DROP TABLE users"',
        ),
        (
            {"url_env": "postgres://x", "table": "users"},
            'sources.users.url_env: must name an environment variable, not "postgres://x"',
        ),
        (
            {"path": "a.db", "table": "users", "key": [1]},
            "sources.users.key: must be a column name or a list of column names, not [1]",
        ),
    ],
)
def test_bad_sql_tables(tmp_path, table, message):
    with pytest.raises(ConfigError) as caught:
        sql_spec(tmp_path, **table)
    assert str(caught.value) == f"{tmp_path / 'job.toml'}: {message}"


# PostgreSQL -----------------------------------------------------------------------------------

PG_TYPES = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION", "TEXT": "TEXT"}
TABLES = ["users", "listings", "listing_images", "reviews", "payout_accounts"]


def _pg_url() -> str:
    url = os.environ.get("MIGRATE_TEST_PG_URL", "")
    need_component(bool(url), "MIGRATE_TEST_PG_URL is not set (a PostgreSQL server; see .ci/run)")
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            reachable = True
    except sa.exc.SQLAlchemyError:
        reachable = False
    finally:
        engine.dispose()
    need_component(reachable, "the PostgreSQL server at MIGRATE_TEST_PG_URL is unreachable")
    return url


@pytest.fixture
def pg_schema():
    """The sample loaded into a fresh schema of the test server; dropped afterwards."""
    url = _pg_url()
    schema = f"extract_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url)
    sample = sqlite3.connect(f"file:{SAMPLE_DB}?mode=ro", uri=True)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
            for table in TABLES:
                info = sample.execute(f"PRAGMA table_info({table})").fetchall()
                columns = ", ".join(f"{row[1]} {PG_TYPES[row[2]]}" for row in info)
                connection.execute(sa.text(f"CREATE TABLE {schema}.{table} ({columns})"))
                names = [row[1] for row in info]
                insert = sa.text(
                    f"INSERT INTO {schema}.{table} VALUES ({', '.join(':' + n for n in names)})"
                )
                rows = [
                    dict(zip(names, row, strict=True))
                    for row in sample.execute(f"SELECT * FROM {table}")
                ]
                connection.execute(insert, rows)
        yield url, schema
    finally:
        sample.close()
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


def test_postgres_streams_the_sample_through_a_server_side_cursor(tmp_path, pg_schema, monkeypatch):
    import psycopg

    url, schema = pg_schema
    monkeypatch.setenv("TRAILHOP_PG_URL", url)
    for table in TABLES:
        spec = sql_spec(
            tmp_path,
            table,
            url_env="TRAILHOP_PG_URL",
            table=f"{schema}.{table}",
            key="id",
            chunk_size=97,
        )
        source = open_source(spec)
        cursors = []
        sa.event.listen(
            source.engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *rest, cursors=cursors: cursors.append(
                (type(cursor), statement)
            ),
        )
        rows = list(source.rows())
        source.close()
        expected = read(sql_spec(tmp_path, table, path=str(SAMPLE_DB), table=table, key="id"))
        assert [row.values for row in rows] == [row.values for row in expected]
        assert [str(row.origin) for row in rows][:1] == [
            f"{schema}.{table} id={rows[0].values['id']}"
        ]
        selects = [kind for kind, statement in cursors if statement.startswith("SELECT")]
        assert issubclass(selects[-1], psycopg.ServerCursor)
        if table == "users":
            assert all(len(str(row.values["id"])) == 19 for row in rows)


def test_postgres_wrong_password_never_shows_the_password(tmp_path, monkeypatch):
    url = sa.engine.make_url(_pg_url())
    wrong = url.set(password="wrong-Pw-7Qx2-secret")
    monkeypatch.setenv("TRAILHOP_PG_URL", wrong.render_as_string(hide_password=False))
    source = open_source(sql_spec(tmp_path, url_env="TRAILHOP_PG_URL", table="users"))
    with pytest.raises(ExtractError) as caught:
        source.columns()
    message = str(caught.value)
    assert "wrong-Pw-7Qx2-secret" not in message
    assert message.startswith(f"cannot connect to {wrong.render_as_string(hide_password=True)}: ")
    assert "password authentication failed" in message
    assert "***" in message
