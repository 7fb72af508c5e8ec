"""The geocoding stage: the ``[geocode]`` job table, and filling listing locations from addresses.

``migrate convert`` and ``migrate geocode`` share this stage. :func:`parse_geocode_config` checks
the job's ``[geocode]`` table before any row is read; :class:`GeocodeStage` then, for each
listing row, leaves coordinates already present alone, otherwise geocodes the listing's address
(from the source row, or from ``publicData.location.address``) through the cache and the
configured provider, writes ``:im.listing/location``, and keeps the address where the web
template reads it.
"""

from __future__ import annotations

import os
import string
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import schemas
from migrate.edn.values import Keyword, Location, Row
from migrate.errors import ConfigError
from migrate.geocode.address import normalise_address
from migrate.geocode.cache import GeocodeCache, default_cache_path
from migrate.geocode.gazetteer import DATASETS
from migrate.geocode.providers import (
    NO_MATCH,
    OFFLINE,
    Provider,
    make_provider,
    provider_problem,
)
from migrate.geocode.report import GeocodeReport

CODE = "geocode-failed"
LOCATION = Keyword("im.listing/location")
PUBLIC_DATA = Keyword("im.listing/publicData")
ON_FAILURE = ("warn", "reject")
SCHEMES = ("http", "https")


@dataclass(frozen=True)
class GeocodeConfig:
    """A checked ``[geocode]`` table; see docs/geocoding.md for every key."""

    address: tuple[str, ...] | str | None = None
    provider: str = OFFLINE
    user_agent: str | None = None
    api_key_env: str | None = None
    on_failure: str = "warn"
    cache: Path | None = None
    min_score: float = 0.5
    timeout: float = 10.0
    domain: str | None = None
    scheme: str | None = None
    min_delay: float | None = None
    concurrency: int | None = None
    max_retries: int = 3
    backoff: float = 1.0
    min_population: int = 15000

    @property
    def address_columns(self) -> tuple[str, ...]:
        """The source columns the address is built from (the fields of a template)."""
        if self.address is None:
            return ()
        if isinstance(self.address, tuple):
            return self.address
        return tuple(field for _, field, _, _ in string.Formatter().parse(self.address) if field)

    def address_for(self, values: Mapping[str, Any]) -> str | None:
        """The address of a source row: its address columns joined, or the template filled.

        Empty and missing values are left out, so ``street, city`` with no street gives
        ``city``. ``None`` when nothing is left.
        """
        if self.address is None:
            return None
        if isinstance(self.address, tuple):
            pieces = [_text(_lookup(values, column)) for column in self.address]
        else:
            filled = self.address.format_map(_Blank(values))
            pieces = [piece.strip() for piece in filled.split(",")]
        joined = ", ".join(piece for piece in pieces if piece)
        return joined or None

    def provider_instance(self) -> Provider:
        """The configured provider (raises ``ConfigError`` when it cannot be used)."""
        return make_provider(
            self.provider,
            user_agent=self.user_agent,
            api_key_env=self.api_key_env,
            timeout=self.timeout,
            domain=self.domain,
            scheme=self.scheme,
            min_delay=self.min_delay,
            concurrency=self.concurrency,
            max_retries=self.max_retries,
            backoff=self.backoff,
            min_population=self.min_population,
        )


class _Blank(dict):
    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__()
        self.values = values

    def __missing__(self, key: str) -> str:
        return _text(_lookup(self.values, key))


def _lookup(values: Mapping[str, Any], column: str) -> Any:
    if column in values:
        return values[column]
    current: Any = values
    for step in column.split("."):
        if not isinstance(current, Mapping) or step not in current:
            return None
        current = current[step]
    return current


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "address": ((str, list), "a list of column names or a template string"),
    "provider": (str, "a provider name"),
    "user_agent": (str, "a string"),
    "api_key_env": (str, "the name of an environment variable"),
    "on_failure": (str, '"warn" or "reject"'),
    "cache": (str, "a file path"),
    "min_score": ((int, float), "a number from 0 to 1"),
    "timeout": ((int, float), "a number of seconds"),
    "domain": (str, "a host name, with a port if needed"),
    "scheme": (str, '"http" or "https"'),
    "min_delay": ((int, float), "a number of seconds"),
    "concurrency": (int, "a whole number of 1 or more"),
    "max_retries": (int, "a whole number of 0 or more"),
    "backoff": ((int, float), "a number of seconds"),
    "min_population": (int, f"one of {', '.join(map(str, DATASETS))}"),
}


def parse_geocode_config(
    table: Mapping[str, Any], job_path: str | os.PathLike[str]
) -> GeocodeConfig:
    """Check the job's ``[geocode]`` table and return it as a :class:`GeocodeConfig`.

    Raises :class:`~migrate.errors.ConfigError` with one line naming the job file and the key,
    e.g. ``job.toml: geocode.on_failure: must be "warn" or "reject", not 'ignore'``. A relative
    ``cache`` path is taken from the job file's folder. Nothing is contacted and no environment
    variable is read here.
    """
    job = Path(job_path)

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{job}: geocode.{key}: {message}")

    return _parse(table, fail, job.parent)


def geocode_options_config(options: Mapping[str, Any]) -> GeocodeConfig:
    """A :class:`GeocodeConfig` from command-line options (keys as in ``[geocode]``).

    ``None`` values are left out. Errors name the option: ``--user-agent: required for …``.
    """

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"--{key.replace('_', '-')}: {message}")

    given = {key: value for key, value in options.items() if value is not None}
    return _parse(given, fail, Path.cwd())


def _parse(
    table: Mapping[str, Any], fail: Callable[[str, str], ConfigError], base: Path
) -> GeocodeConfig:
    for key, value in table.items():
        if key not in _KEYS:
            close = get_close_matches(key, list(_KEYS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(key, f"unknown key{hint}")
        kinds, wanted = _KEYS[key]
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise fail(key, f"must be {wanted}, not {value!r}")

    options: dict[str, Any] = dict(table)
    address = options.get("address")
    if isinstance(address, list):
        if not address or not all(isinstance(item, str) and item for item in address):
            raise fail("address", "must be a non-empty list of column names")
        options["address"] = tuple(address)
    elif isinstance(address, str):
        try:
            fields = [field for _, field, _, _ in string.Formatter().parse(address)]
        except ValueError as error:
            raise fail("address", f"bad template: {error}") from None
        if any(field is not None and not field for field in fields):
            raise fail("address", "a template field must name a column, not '{}'")
        if not any(fields):
            raise fail("address", 'the template names no column, e.g. "{street}, {city}"')
    if options.get("on_failure", "warn") not in ON_FAILURE:
        raise fail("on_failure", f'must be "warn" or "reject", not {options["on_failure"]!r}')
    if options.get("scheme", "https") not in SCHEMES:
        raise fail("scheme", f'must be "http" or "https", not {options["scheme"]!r}')
    if not 0 <= options.get("min_score", 0.5) <= 1:
        raise fail("min_score", f"must be from 0 to 1, not {options['min_score']!r}")
    for key, low in (("timeout", 0), ("backoff", 0)):
        if key in options and not options[key] > low:
            raise fail(key, f"must be more than 0, not {options[key]!r}")
    if options.get("min_delay", 0) < 0:
        raise fail("min_delay", f"must be 0 or more, not {options['min_delay']!r}")
    if options.get("concurrency", 1) < 1:
        raise fail("concurrency", f"must be 1 or more, not {options['concurrency']!r}")
    if options.get("max_retries", 0) < 0:
        raise fail("max_retries", f"must be 0 or more, not {options['max_retries']!r}")
    if options.get("min_population", 15000) not in DATASETS:
        raise fail("min_population", f"must be {_KEYS['min_population'][1]}")
    if "cache" in options:
        options["cache"] = base / options["cache"]
    provider = options.get("provider", OFFLINE)
    if provider != OFFLINE:
        problem = provider_problem(
            provider,
            user_agent=options.get("user_agent"),
            domain=options.get("domain"),
            min_delay=options.get("min_delay"),
        )
        if problem is not None:
            raise fail(*problem)
    if "min_delay" in options:
        options["min_delay"] = float(options["min_delay"])
    return GeocodeConfig(**options)


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    """The answer for one address; ``error`` says why ``location`` is ``None``."""

    location: Location | None
    precision: str
    score: float
    provider: str
    from_cache: bool
    error: str | None = None


@dataclass(frozen=True, slots=True)
class GeocodeOutcome:
    """What :meth:`GeocodeStage.apply` did to one row.

    ``status`` is ``filled``, ``kept`` (coordinates were present), ``no-address``, ``failed`` or
    ``skipped`` (not a listing). A failure carries ``code`` (``geocode-failed``), ``severity``
    (``warning`` or ``error`` from ``on_failure``) and the ``message`` for the rejects file.
    """

    status: str
    address: str | None = None
    result: GeocodeResult | None = None
    code: str | None = None
    severity: str | None = None
    message: str | None = None

    @property
    def rejected(self) -> bool:
        """True when the row must be rejected (``on_failure = "reject"``)."""
        return self.severity == "error"


class GeocodeStage:
    """Geocodes listing rows through the cache and the configured provider.

    ``cache_path`` overrides the config's ``cache``; network providers default to
    :func:`~migrate.geocode.cache.default_cache_path`. The offline provider needs no cache.
    ``address_path`` is where in publicData the address is read and written (default: the web
    template's ``location.address``).
    Use as a context manager, or call :meth:`close`, so that cached answers are committed.
    """

    def __init__(
        self,
        config: GeocodeConfig,
        cache_path: str | os.PathLike[str] | None = None,
        *,
        address_path: Sequence[str] | None = None,
    ) -> None:
        self.config = config
        self.provider = config.provider_instance()
        self.report = GeocodeReport()
        self.cache: GeocodeCache | None = None
        if self.provider.name != OFFLINE:
            self.cache = GeocodeCache(cache_path or config.cache or default_cache_path())
        self._prefetched: dict[str, GeocodeResult] = {}
        self._address_path = tuple(address_path or schemas.load().listing_address_path)

    def locate(self, address: str) -> GeocodeResult:
        """Geocode one address: prefetched answer, else the cache, else the provider."""
        key = normalise_address(address)
        ready = self._prefetched.pop(key, None)
        if ready is not None:
            return ready
        return self._judge(self._ask(address))

    def prefetch(self, addresses: Iterable[str]) -> None:
        """Geocode a batch ahead of :meth:`apply`, in parallel where the provider allows it.

        Addresses already cached or repeated in the batch are asked once; the answers wait for
        the :meth:`locate` calls that follow.
        """
        unique: dict[str, str] = {}
        for address in addresses:
            key = normalise_address(address)
            if key and key not in unique and key not in self._prefetched:
                unique[key] = address
        if not unique:
            return
        workers = max(1, self.provider.concurrency)
        if workers == 1 or len(unique) == 1:
            results = [self._judge(self._ask(address)) for address in unique.values()]
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                asked = pool.map(self._ask, unique.values())
                results = [self._judge(result) for result in asked]
        self._prefetched.update(zip(unique, results, strict=True))

    def _ask(self, address: str) -> GeocodeResult:
        name = self.provider.cache_name
        if not normalise_address(address):
            return GeocodeResult(None, "none", 0.0, self.provider.name, False, "empty address")
        if self.cache is not None:
            cached = self.cache.get(name, address)
            if cached is not None:
                return GeocodeResult(
                    cached.location,
                    cached.precision,
                    cached.score,
                    self.provider.name,
                    True,
                    None if cached.location is not None else NO_MATCH,
                )
        answer = self.provider.locate(address)
        if self.cache is not None and answer.definitive:
            self.cache.put(name, address, answer.location, answer.precision, answer.score)
        return GeocodeResult(
            answer.location, answer.precision, answer.score, self.provider.name, False, answer.error
        )

    def _judge(self, result: GeocodeResult) -> GeocodeResult:
        if result.location is not None and result.score < self.config.min_score:
            return GeocodeResult(
                None,
                result.precision,
                result.score,
                result.provider,
                result.from_cache,
                f"score {result.score:g} below min_score {self.config.min_score:g}",
            )
        return result

    def apply(self, row: Row, address: str | None = None) -> GeocodeOutcome:
        """Fill ``row``'s location from ``address`` (or the address in its publicData).

        Coordinates already present are never replaced. A given ``address`` is also written to
        ``publicData.location.address`` unless the row has one there already. Rows that are not
        listings are skipped. The stage's :attr:`report` counts every listing.
        """
        if row.id_attr.namespace != "im.listing":
            return GeocodeOutcome("skipped")
        started = time.perf_counter()
        self.report.listings += 1
        written = self.address_of(row)
        if address is not None and address.strip():
            if written is None:
                self._store_address(row, address)
        else:
            address = written
        try:
            if row.attrs.get(LOCATION) is not None:
                self.report.kept += 1
                return GeocodeOutcome("kept", address)
            if address is None or not address.strip():
                self.report.no_address += 1
                return GeocodeOutcome("no-address")
            result = self.locate(address)
            self.report.add(row.label, address, result)
            if result.location is not None and result.error is None:
                row.attrs[LOCATION] = result.location
                return GeocodeOutcome("filled", address, result)
            severity = "error" if self.config.on_failure == "reject" else "warning"
            return GeocodeOutcome(
                "failed",
                address,
                result,
                CODE,
                severity,
                f"cannot geocode address {address!r} with {result.provider}: {result.error}",
            )
        finally:
            self.report.seconds += time.perf_counter() - started

    def address_of(self, row: Row) -> str | None:
        """The address in the row's ``publicData.location.address``, if it is a string."""
        current: Any = row.attrs.get(PUBLIC_DATA)
        for step in self._address_path:
            if not isinstance(current, Mapping):
                return None
            current = _get(current, step)
        return current if isinstance(current, str) and current.strip() else None

    def _store_address(self, row: Row, address: str) -> None:
        public = row.attrs.get(PUBLIC_DATA)
        if public is None:
            public = {}
            row.attrs[PUBLIC_DATA] = public
        elif not isinstance(public, dict):
            return
        current: dict = public
        *parents, last = self._address_path
        for step in parents:
            child = _get(current, step)
            if child is None:
                child = {}
                current[_key_like(current, step)] = child
            elif not isinstance(child, dict):
                return
            current = child
        current[_key_like(current, last)] = address

    def close(self) -> None:
        """Commit and close the cache."""
        if self.cache is not None:
            self.cache.close()
            self.cache = None

    def __enter__(self) -> GeocodeStage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _get(mapping: Mapping[Any, Any], step: str) -> Any:
    value = mapping.get(Keyword(step))
    return mapping.get(step) if value is None else value


def _key_like(mapping: Mapping[Any, Any], step: str) -> Any:
    # Extended data read from edn has keyword keys, data mapped from a source may use strings.
    if mapping and all(isinstance(key, str) for key in mapping):
        return step
    return Keyword(step)
