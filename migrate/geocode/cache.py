"""The persistent geocoding cache: one SQLite file, keyed by provider and normalised address.

Network geocoding is slow and rate limited, so every definitive answer (a location, or a clean
"not found") is kept; a second run over the same data makes no requests. Transient failures
(timeouts, 5xx) are not kept, so a later run asks again. The provider part of the key includes a
custom domain (``nominatim@127.0.0.1:8080``), so a test server never answers for the real one.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from migrate.cachefile import cache_dir, cache_size, open_cache
from migrate.edn.values import Location
from migrate.errors import ConfigError
from migrate.geocode.address import normalise_address

_SCHEMA = """
CREATE TABLE IF NOT EXISTS geocode (
    provider TEXT NOT NULL,
    address TEXT NOT NULL,
    lat REAL,
    lng REAL,
    precision TEXT NOT NULL,
    score REAL NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (provider, address)
) WITHOUT ROWID
"""
_COLUMNS = frozenset({"provider", "address", "lat", "lng", "precision", "score", "created"})
_COMMIT_EVERY = 200


class CacheError(ConfigError):
    """The cache file cannot be opened or is not a geocoding cache."""


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A cached answer; ``location`` is ``None`` for an address the provider did not find."""

    location: Location | None
    precision: str
    score: float


@dataclass(frozen=True, slots=True)
class ProviderStats:
    """Cached entries of one provider: found and not-found addresses."""

    provider: str
    found: int
    not_found: int


@dataclass(frozen=True, slots=True)
class CacheStats:
    """What a cache file holds."""

    path: Path
    size_bytes: int
    providers: tuple[ProviderStats, ...]

    @property
    def entries(self) -> int:
        """All cached addresses, every provider."""
        return sum(item.found + item.not_found for item in self.providers)


def default_cache_path() -> Path:
    """``$XDG_CACHE_HOME/sharetribe-migrate/geocode.sqlite`` (``~/.cache`` when unset)."""
    return cache_dir() / "geocode.sqlite"


class GeocodeCache:
    """A geocoding cache file, opened (and created with its folder) on construction.

    A SQLite database that holds other tables is refused (:class:`CacheError`): it is someone's
    data, named by mistake, and must not get a ``geocode`` table or have one emptied. With
    ``read_only`` nothing is ever created or written (for ``geocode-cache stats``): the file must
    exist, and a database without our table reads as empty (see :mod:`migrate.cachefile`).

    Safe to share between threads; writes are committed in batches and on :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._db, self._has_table = open_cache(
            self.path,
            table="geocode",
            columns=_COLUMNS,
            schema=_SCHEMA,
            what="geocoding cache",
            error=CacheError,
            read_only=read_only,
        )
        self._lock = threading.Lock()
        self._pending = 0

    def get(self, provider: str, address: str) -> CachedAnswer | None:
        """The cached answer of ``provider`` for ``address``, or ``None`` if never asked."""
        if not self._has_table:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT lat, lng, precision, score FROM geocode WHERE provider = ? AND address = ?",
                (provider, normalise_address(address)),
            ).fetchone()
        if row is None:
            return None
        lat, lng, precision, score = row
        location = Location(lat, lng) if lat is not None and lng is not None else None
        return CachedAnswer(location, precision, score)

    def put(
        self, provider: str, address: str, location: Location | None, precision: str, score: float
    ) -> None:
        """Remember the answer of ``provider`` for ``address`` (``location=None``: not found)."""
        lat = float(location.lat) if location is not None else None
        lng = float(location.lng) if location is not None else None
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO geocode VALUES (?, ?, ?, ?, ?, ?, ?)",
                (provider, normalise_address(address), lat, lng, precision, score, time.time()),
            )
            self._pending += 1
            if self._pending >= _COMMIT_EVERY:
                self._db.commit()
                self._pending = 0

    def stats(self) -> CacheStats:
        """Entries per provider, found and not found, and the file's size."""
        with self._lock:
            self._db.commit()
            rows = (
                self._db.execute(
                    "SELECT provider, SUM(lat IS NOT NULL), SUM(lat IS NULL) FROM geocode "
                    "GROUP BY provider ORDER BY provider"
                ).fetchall()
                if self._has_table
                else []
            )
        return CacheStats(
            path=self.path,
            size_bytes=cache_size(self.path),
            providers=tuple(
                ProviderStats(name, int(found), int(missing)) for name, found, missing in rows
            ),
        )

    def clear(self, provider: str | None = None) -> int:
        """Forget every entry, or only those of ``provider``; returns how many were removed."""
        with self._lock:
            if provider is None:
                removed = self._db.execute("DELETE FROM geocode").rowcount
            else:
                removed = self._db.execute(
                    "DELETE FROM geocode WHERE provider = ?", (provider,)
                ).rowcount
            self._db.commit()
            self._pending = 0
        return removed

    def close(self) -> None:
        """Commit pending writes and close the file."""
        with self._lock:
            self._db.commit()
            self._db.close()

    def __enter__(self) -> GeocodeCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
