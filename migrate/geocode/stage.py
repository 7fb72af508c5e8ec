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
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from migrate import schemas
from migrate.edn.show import show
from migrate.edn.values import Keyword, Location, Row
from migrate.errors import ConfigError
from migrate.geocode.address import normalise_address
from migrate.geocode.cache import GeocodeCache, default_cache_path
from migrate.geocode.gazetteer import DATASETS
from migrate.geocode.providers import (
    NO_MATCH,
    OFFLINE,
    Provider,
    SettingError,
    make_provider,
    provider_problem,
)
from migrate.geocode.report import GeocodeReport

CODE = "geocode-failed"
LOCATION = schemas.key("im.listing/location")
PUBLIC_DATA = schemas.key("im.listing/publicData")
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
    concurrency: int = 1
    max_retries: int = 3
    backoff: float = 1.0
    min_population: int = 15000
    source: str | None = field(default=None, compare=False)  # the job file; None: options

    @property
    def address_columns(self) -> tuple[str, ...]:
        """The source columns the address is built from (the fields of a template)."""
        if self.address is None:
            return ()
        if isinstance(self.address, tuple):
            return self.address
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.address) if name)

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
        """The configured provider; raises ``ConfigError`` naming the job key or option."""
        try:
            return self._make_provider()
        except SettingError as error:
            if self.source is not None:
                raise ConfigError(f"{self.source}: geocode.{error.key}: {error.problem}") from None
            raise ConfigError(f"--{error.key.replace('_', '-')}: {error.problem}") from None

    def _make_provider(self) -> Provider:
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
        self.row_values = values  # not `values`: that would hide dict.values()

    def __missing__(self, key: str) -> str:
        return _text(_lookup(self.row_values, key))


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


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One key of the ``[geocode]`` table: accepted types, what is expected, what it does."""

    kinds: type | tuple[type, ...]
    wanted: str
    doc: str


KEYS: dict[str, KeySpec] = {
    "address": KeySpec(
        (str, list),
        "a list of column names or a template string",
        'Source columns joined with commas (`["street", "city", "country"]`, dotted '
        'for nested JSON), or a template (`"{street}, {zip} {city}"`). Without it the '
        "address is read from the listing's `publicData.location.address`.",
    ),
    "provider": KeySpec(str, "a provider name", "`offline`, or a geopy geocoder name."),
    "user_agent": KeySpec(
        str, "a string", "Application name and contact; required by Nominatim's usage policy."
    ),
    "api_key_env": KeySpec(
        str,
        "the name of an environment variable",
        "Environment variable holding the provider's key (never the key itself).",
    ),
    "on_failure": KeySpec(
        str,
        '"warn" or "reject"',
        "An address that cannot be geocoded: keep the listing without a location and count a "
        "`geocode-failed` warning, or reject the listing with `geocode-failed`.",
    ),
    "cache": KeySpec(
        str,
        "a file path",
        "SQLite cache of network answers, relative to the job file "
        "(default `~/.cache/sharetribe-migrate/geocode.sqlite`).",
    ),
    "min_score": KeySpec(
        (int, float), "a number from 0 to 1", "Matches scoring lower count as failures."
    ),
    "timeout": KeySpec((int, float), "a number of seconds", "Seconds to wait for one answer."),
    "domain": KeySpec(
        str,
        "a host name, with a port if needed",
        "Provider host, e.g. a self-hosted Nominatim (`nominatim.example.com:8080`).",
    ),
    "scheme": KeySpec(str, '"http" or "https"', "URL scheme for `domain`."),
    "min_delay": KeySpec(
        (int, float),
        "a number of seconds",
        "Least seconds between two requests; the provider's policy is the default and the "
        "floor for its public servers.",
    ),
    "concurrency": KeySpec(
        int,
        "a whole number of 1 or more",
        "Requests in flight at once, capped by the provider's policy (Nominatim: 1).",
    ),
    "max_retries": KeySpec(
        int,
        "a whole number of 0 or more",
        "Retries after a rate limit (HTTP 429), a server error (5xx) or a timeout.",
    ),
    "backoff": KeySpec(
        (int, float),
        "a number of seconds",
        "First retry delay, doubled on each retry; a server's `Retry-After` takes precedence.",
    ),
    "min_population": KeySpec(
        int,
        f"one of {', '.join(map(str, DATASETS))}",
        "Offline gazetteer: the least population of the cities it knows; a lower value adds "
        "smaller towns at the cost of load time and memory.",
    ),
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

    return replace(_parse(table, fail, job.parent), source=str(job))


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
        if key not in KEYS:
            close = get_close_matches(key, list(KEYS), n=1)
            hint = f" (did you mean {show(close[0])}?)" if close else ""
            raise fail(key, f"unknown key{hint}")
        spec = KEYS[key]
        if not isinstance(value, spec.kinds) or isinstance(value, bool):
            raise fail(key, f"must be {spec.wanted}, not {show(value)}")

    options: dict[str, Any] = dict(table)
    address = options.get("address")
    if isinstance(address, list):
        if not address or not all(isinstance(item, str) and item for item in address):
            raise fail("address", "must be a non-empty list of column names")
        options["address"] = tuple(address)
    elif isinstance(address, str):
        try:
            fields = [name for _, name, _, _ in string.Formatter().parse(address)]
        except ValueError as error:
            raise fail("address", f"bad template: {error}") from None
        if any(name is not None and not name for name in fields):
            raise fail("address", "a template field must name a column, not '{}'")
        if not any(fields):
            raise fail("address", 'the template names no column, e.g. "{street}, {city}"')
    if options.get("on_failure", "warn") not in ON_FAILURE:
        raise fail("on_failure", f'must be "warn" or "reject", not {show(options["on_failure"])}')
    if options.get("scheme", "https") not in SCHEMES:
        raise fail("scheme", f'must be "http" or "https", not {show(options["scheme"])}')
    if not 0 <= options.get("min_score", 0.5) <= 1:
        raise fail("min_score", f"must be from 0 to 1, not {show(options['min_score'])}")
    for key, low in (("timeout", 0), ("backoff", 0)):
        if key in options and not options[key] > low:
            raise fail(key, f"must be more than 0, not {show(options[key])}")
    if options.get("min_delay", 0) < 0:
        raise fail("min_delay", f"must be 0 or more, not {show(options['min_delay'])}")
    if options.get("concurrency", 1) < 1:
        raise fail("concurrency", f"must be 1 or more, not {show(options['concurrency'])}")
    if options.get("max_retries", 0) < 0:
        raise fail("max_retries", f"must be 0 or more, not {show(options['max_retries'])}")
    if options.get("min_population", 15000) not in DATASETS:
        raise fail("min_population", f"must be {KEYS['min_population'].wanted}")
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

        An address repeated in the batch is asked once; the answers wait for the
        :meth:`locate` calls that follow (until the next batch). A provider that takes one
        request at a time gains nothing from this, and is left to :meth:`locate`.
        """
        self._prefetched.clear()
        workers = self.provider.concurrency
        if workers <= 1:
            return
        unique: dict[str, str] = {}
        for address in addresses:
            key = normalise_address(address)
            if key and key not in unique:
                unique[key] = address
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
                f"cannot geocode address {show(address)} with {result.provider}: {result.error}",
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
        # Extended data read from edn has keyword keys, data mapped from a source may use
        # strings; new maps follow the style of the map they are put in.
        strings = bool(public) and all(isinstance(key, str) for key in public)
        current: dict = public
        *parents, last = self._address_path
        for step in parents:
            child = _get(current, step)
            if child is None:
                child = {}
                current[step if strings else Keyword(step)] = child
            elif not isinstance(child, dict):
                return
            elif child:
                strings = all(isinstance(key, str) for key in child)
            current = child
        current[last if strings else Keyword(last)] = address

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
