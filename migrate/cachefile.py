"""SQLite cache files the project keeps between runs: where they live and how they are opened.

Every cache (geocoding answers, image checks) is one SQLite file with one table of its own,
under ``$XDG_CACHE_HOME/sharetribe-migrate/`` (``~/.cache`` when unset) unless the user names
another file. Opening one follows the same rules everywhere:

- a SQLite database that holds other tables is refused: it is someone's data, named by mistake,
  and must not get our table or have one emptied;
- a table of our name without our columns is refused too (an older or foreign cache);
- a read-only opening (``stats`` commands) never creates or changes any file, not even SQLite's
  ``-wal`` and ``-shm`` side files;
- a writable opening creates the folder and the file, uses WAL journaling (readers do not block
  the writer) and creates the table.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from migrate.errors import ConfigError

APP_FOLDER = "sharetribe-migrate"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/sharetribe-migrate`` (``~/.cache/sharetribe-migrate`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / APP_FOLDER


def read_only_uri(path: Path) -> str:
    """A SQLite URI that reads ``path`` without creating or changing any file.

    A read-only connection to a database in WAL mode still creates ``-wal`` and ``-shm`` files
    beside it, and cannot remove them. When there is no ``-wal`` file every committed entry is
    in the database file itself, so it is opened as immutable: no side files at all. When there
    is one (a run is writing, or one stopped before closing), its entries are read through it.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri


def open_cache(
    path: Path,
    *,
    table: str,
    columns: Iterable[str],
    schema: str,
    what: str,
    error: type[ConfigError] = ConfigError,
    read_only: bool = False,
) -> tuple[sqlite3.Connection, bool]:
    """Open the cache file at ``path``; returns the connection and whether ``table`` exists.

    ``schema`` is the ``CREATE TABLE IF NOT EXISTS`` statement of ``table``, ``columns`` the
    names it must have. ``what`` names the cache in messages (``geocoding cache``); problems
    raise ``error`` with one line, ``cannot use geocoding cache FILE: reason``. The connection
    may be shared between threads (the caller serialises access).
    """
    try:
        if read_only:
            db = sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, check_same_thread=False)
        try:
            has_table = _check_tables(db, path, table, frozenset(columns), what, error)
            if not read_only:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(schema)
                has_table = True
        except BaseException:
            db.close()
            raise
    except (sqlite3.Error, OSError) as failure:
        raise error(f"cannot use {what} {path}: {failure}") from failure
    return db, has_table


def _check_tables(
    db: sqlite3.Connection,
    path: Path,
    table: str,
    columns: frozenset[str],
    what: str,
    error: type[ConfigError],
) -> bool:
    """Whether ``table`` is there; raises ``error`` when the file holds anything else."""
    names = {
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    others = sorted(names - {table})
    if others:
        shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        raise error(
            f"cannot use {what} {path}: a SQLite database with other tables ({shown}), not {_article(what)} {what}"
        )
    if not names:
        return False
    present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    missing = sorted(columns - present)
    if missing:
        raise error(
            f"cannot use {what} {path}: its {table} table has no column {missing[0]}, not {_article(what)} {what}"
        )
    return True


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def cache_size(path: Path) -> int:
    """Bytes the cache takes on disk: the database file and its ``-wal`` file."""
    return sum(
        candidate.stat().st_size for candidate in (path, Path(f"{path}-wal")) if candidate.exists()
    )
