"""The SQLite geocoding cache: keys, not-found entries, stats, clear, bad files."""

from __future__ import annotations

import sqlite3

import pytest

from migrate.edn.values import Location
from migrate.geocode.cache import CacheError, GeocodeCache, default_cache_path


def test_answers_are_kept_across_openings_under_a_normalised_key(tmp_path):
    path = tmp_path / "deep" / "geocode.sqlite"
    with GeocodeCache(path) as cache:
        cache.put("nominatim", "Marienplatz 8, München", Location(48.1374, 11.5755), "address", 1.0)
        cache.put("nominatim", "Nowhere", None, "none", 0.0)
    with GeocodeCache(path) as cache:
        found = cache.get("nominatim", "marienplatz 8 ,  MUNCHEN")
        missing = cache.get("nominatim", "nowhere")
        assert found is not None and found.location == Location(48.1374, 11.5755)
        assert (found.precision, found.score) == ("address", 1.0)
        assert missing is not None and missing.location is None
        assert cache.get("nominatim", "Elsewhere") is None
        assert cache.get("mapbox", "Marienplatz 8, München") is None


def test_stats_and_clear_by_provider(tmp_path):
    with GeocodeCache(tmp_path / "c.sqlite") as cache:
        cache.put("nominatim", "A", Location(1.0, 2.0), "city", 1.0)
        cache.put("nominatim", "B", None, "none", 0.0)
        cache.put("mapbox", "A", Location(1.0, 2.0), "city", 0.9)
        stats = cache.stats()
        assert [(item.provider, item.found, item.not_found) for item in stats.providers] == [
            ("mapbox", 1, 0),
            ("nominatim", 1, 1),
        ]
        assert stats.entries == 3
        assert stats.size_bytes > 0
        assert cache.clear("nominatim") == 2
        assert cache.stats().entries == 1
        assert cache.clear() == 1
        assert cache.stats().providers == ()


def test_a_file_that_is_not_a_cache_is_refused(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("just some notes, not a database\n" * 100)
    with pytest.raises(CacheError) as error:
        GeocodeCache(path)
    assert str(error.value).startswith(f"cannot use geocoding cache {path}: ")


def test_default_path_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path() == tmp_path / "sharetribe-migrate" / "geocode.sqlite"


def _app_database(path):
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (id INTEGER, email TEXT)")
        db.execute("INSERT INTO users VALUES (1, 'ann@example.com')")
    return path.read_bytes()


@pytest.mark.parametrize("read_only", [False, True])
def test_a_database_with_other_tables_is_refused_and_left_alone(tmp_path, read_only):
    path = tmp_path / "app.db"
    before = _app_database(path)
    with pytest.raises(CacheError) as error:
        GeocodeCache(path, read_only=read_only)
    assert str(error.value) == (
        f"cannot use geocoding cache {path}: a SQLite database with other tables (users), "
        "not a geocoding cache"
    )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


def test_a_geocode_table_of_another_shape_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE geocode (address TEXT, lat REAL, lng REAL)")
    with pytest.raises(CacheError) as error:
        GeocodeCache(path)
    assert str(error.value) == (
        f"cannot use geocoding cache {path}: its geocode table has no column created, "
        "not a geocoding cache"
    )


def test_read_only_stats_create_and_change_no_file(tmp_path):
    path = tmp_path / "c.sqlite"
    with GeocodeCache(path) as cache:
        cache.put("nominatim", "A", Location(1.0, 2.0), "city", 1.0)
    before = path.read_bytes()
    with GeocodeCache(path, read_only=True) as cache:
        assert [(p.provider, p.found) for p in cache.stats().providers] == [("nominatim", 1)]
        assert cache.get("nominatim", "a") is not None
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.sqlite"]


def test_read_only_on_a_database_without_tables_is_empty_and_unchanged(tmp_path):
    path = tmp_path / "blank.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 7")
    before = path.read_bytes()
    with GeocodeCache(path, read_only=True) as cache:
        assert cache.stats().providers == ()
        assert cache.get("nominatim", "A") is None
    assert path.read_bytes() == before


def test_read_only_never_creates_the_file(tmp_path):
    path = tmp_path / "missing" / "c.sqlite"
    with pytest.raises(CacheError) as error:
        GeocodeCache(path, read_only=True)
    assert str(error.value).startswith(f"cannot use geocoding cache {path}: ")
    assert list(tmp_path.iterdir()) == []
