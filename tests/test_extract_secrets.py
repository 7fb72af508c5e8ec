"""Credentials never shown: ``migrate.secrets`` and failing conversions scanned for the secret."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from conftest import need_component

from migrate.cli import main
from migrate.secrets import is_secret_name, mask_url, redact, url_secrets

SECRET = "Hunter2-Zq9x-secret"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            f"postgresql+psycopg://admin:{SECRET}@db:5432/legacy",
            "postgresql+psycopg://admin:***@db:5432/legacy",
        ),
        (
            f"postgresql+psycopg://admin@db/legacy?password={SECRET}&sslmode=require",
            "postgresql+psycopg://admin@db/legacy?password=***&sslmode=require",
        ),
        (
            f"postgresql://db/legacy?sslpassword={SECRET}&passfile=/home/u/.pgpass",
            "postgresql://db/legacy?sslpassword=***&passfile=***",
        ),
        (
            f"mysql+pymysql://u:{SECRET}@db/shop?charset=utf8mb4",
            "mysql+pymysql://u:***@db/shop?charset=utf8mb4",
        ),
        (
            f"https://api.example.com/v1/geo?q=Oslo&api_key={SECRET}&access_token={SECRET}",
            "https://api.example.com/v1/geo?q=Oslo&api_key=***&access_token=***",
        ),
        (
            f"https://cdn.example.com/a.jpg?X-Amz-Signature={SECRET}&sig={SECRET}&w=10",
            "https://cdn.example.com/a.jpg?X-Amz-Signature=***&sig=***&w=10",
        ),
        ("sqlite:////data/legacy.db", "sqlite:////data/legacy.db"),
    ],
)
def test_mask_url_text_and_sqlalchemy(url, shown):
    assert mask_url(url) == shown
    if "://" in url and not url.startswith("https"):
        parsed = sa.engine.make_url(url)
        assert SECRET not in mask_url(parsed)
        assert mask_url(parsed).replace("%2F", "/") in {
            shown,
            shown.replace("sslpassword=***&passfile=***", "passfile=***&sslpassword=***"),
        }


def test_secret_names():
    for name in (
        "password",
        "PASSWORD",
        "sslpassword",
        "passfile",
        "token",
        "api_key",
        "X-Api-Key",
        "sig",
    ):
        assert is_secret_name(name), name
    for name in ("sslmode", "charset", "host", "w", "q"):
        assert not is_secret_name(name), name


def test_redact_driver_messages():
    url = sa.engine.make_url(f"postgresql+psycopg://u@h/db?password={SECRET}")
    assert url_secrets(url) == [SECRET]
    message = (
        f'invalid dsn: "host=h password={SECRET} dbname=db" at '
        f"postgresql://u:{SECRET}@h/db; token '{SECRET}'"
    )
    cleaned = redact(message, url_secrets(url))
    assert SECRET not in cleaned
    assert (
        cleaned
        == "invalid dsn: \"host=h password=*** dbname=db\" at postgresql://u:***@h/db; token '***'"
    )
    assert redact("password='a b c' user=x") == "password=*** user=x"
    assert redact("nothing to hide here") == "nothing to hide here"


# failing conversions, scanned -----------------------------------------------------------------

JOB = """ident = "secret"

[output]
dir = "out"
name = "secret"

[sources.users]
type = "sql"
url_env = "LEGACY_DB_URL"
table = "users"
key = "id"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
email = "email"
firstName = "email"
lastName = "email"
createdAt = { column = "joined", transform = "date" }
"""


def _scan_run(tmp_path: Path, url: str, monkeypatch, secrets=(SECRET,)) -> str:
    """Run ``migrate convert`` with ``url``; fail if the secret is in any output or file."""
    (tmp_path / "job.toml").write_text(JOB, "utf-8")
    monkeypatch.setenv("LEGACY_DB_URL", url)
    result = CliRunner().invoke(main, ["convert", str(tmp_path / "job.toml")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    texts = [result.stdout, result.stderr]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    for text in texts:
        for secret in secrets:
            assert secret not in text
            assert secret.replace("-", "%2D") not in text
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    return result.stderr


def _pg_base() -> sa.engine.URL:
    url = os.environ.get("MIGRATE_TEST_PG_URL", "")
    need_component(bool(url), "MIGRATE_TEST_PG_URL is not set (a PostgreSQL server; see .ci/run)")
    return sa.engine.make_url(url)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("user-pass", "password authentication failed"),
        ("query-password", "password authentication failed"),
        ("sslmode", 'invalid sslmode value: "bogus"'),
        ("missing-database", 'database "extract_no_such_db" does not exist'),
    ],
)
def test_failing_postgres_conversions_never_show_the_secret(tmp_path, monkeypatch, case, expected):
    base = _pg_base()
    host = f"{base.host}:{base.port}"
    user = base.username
    urls = {
        "user-pass": f"postgresql+psycopg://{user}:{SECRET}@{host}/{base.database}",
        "query-password": f"postgresql+psycopg://{user}@{host}/{base.database}?password={SECRET}",
        "sslmode": f"postgresql+psycopg://{user}@{host}/{base.database}"
        f"?password={base.password}&sslmode=bogus&sslpassword={SECRET}",
        "missing-database": f"postgresql+psycopg://{user}:{base.password}@{host}"
        "/extract_no_such_db",
    }
    # Where the real password is in the URL, it is a secret too.
    stderr = _scan_run(tmp_path, urls[case], monkeypatch, (SECRET, str(base.password)))
    assert expected in stderr
    assert "***" in stderr


def test_unknown_driver_never_shows_the_secret(tmp_path, monkeypatch):
    stderr = _scan_run(tmp_path, f"oracle+nodriver://u:{SECRET}@db/x?token={SECRET}", monkeypatch)
    assert stderr.startswith("Error: ") and "oracle+nodriver://u:***@db/x?token=***" in stderr
