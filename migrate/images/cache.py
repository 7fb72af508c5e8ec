"""The image-check cache: one SQLite file, what was seen for each URL and when.

A rerun asks again only for URLs whose last check failed, or passed longer ago than
``max_age``: a pass is reused, a failure never is (the host may be back). The verdict is
judged again from the stored :class:`~migrate.images.verdict.Observation` under the run's own
settings, so a pass seen with ``--allow-private-hosts`` is not a pass without it. Observations
that asked nothing (a bad URL, credentials, a private host refused, the deadline) are not
stored. The file follows the project's cache conventions (:mod:`migrate.cachefile`); by
default it is ``$XDG_CACHE_HOME/sharetribe-migrate/images.sqlite``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from migrate.cachefile import cache_dir, open_cache
from migrate.errors import ConfigError
from migrate.images.verdict import Observation

_SCHEMA = """
CREATE TABLE IF NOT EXISTS image_check (
    url TEXT PRIMARY KEY NOT NULL,
    checked REAL NOT NULL,
    observation TEXT NOT NULL
) WITHOUT ROWID
"""
_COLUMNS = frozenset({"url", "checked", "observation"})
_COMMIT_EVERY = 500
_LOOKUP_BATCH = 500


class ImageCacheError(ConfigError):
    """The cache file cannot be opened or is not an image-check cache."""


def default_cache_path() -> Path:
    """``$XDG_CACHE_HOME/sharetribe-migrate/images.sqlite`` (``~/.cache`` when unset)."""
    return cache_dir() / "images.sqlite"


class ImageCache:
    """An image-check cache file, opened (and created with its folder) on construction."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise ImageCacheError(f"cannot use image-check cache {self.path}: is a directory")
        self._db, _ = open_cache(
            self.path,
            table="image_check",
            columns=_COLUMNS,
            schema=_SCHEMA,
            what="image-check cache",
            error=ImageCacheError,
        )
        self._lock = threading.Lock()
        self._pending = 0

    def get_many(self, urls: Iterable[str]) -> dict[str, Observation]:
        """The stored observation of each of ``urls`` that has one."""
        found: dict[str, Observation] = {}
        batch: list[str] = []
        with self._lock:
            for url in urls:
                batch.append(url)
                if len(batch) >= _LOOKUP_BATCH:
                    self._lookup(batch, found)
                    batch = []
            if batch:
                self._lookup(batch, found)
        return found

    def _lookup(self, batch: list[str], found: dict[str, Observation]) -> None:
        marks = ",".join("?" * len(batch))
        rows = self._db.execute(
            f"SELECT url, observation FROM image_check WHERE url IN ({marks})", batch
        )
        for url, text in rows:
            try:
                found[url] = Observation.from_dict(json.loads(text))
            except (ValueError, TypeError):
                continue  # an entry this version cannot read: asked again, then replaced

    def put(self, observation: Observation) -> None:
        """Remember ``observation`` (replacing what was stored for its URL)."""
        text = json.dumps(observation.to_dict(), ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO image_check VALUES (?, ?, ?)",
                (observation.url, observation.checked_at, text),
            )
            self._pending += 1
            if self._pending >= _COMMIT_EVERY:
                self._db.commit()
                self._pending = 0

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM image_check").fetchone()[0])

    def close(self) -> None:
        """Commit pending writes and close the file."""
        with self._lock:
            self._db.commit()
            self._db.close()

    def __enter__(self) -> ImageCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
