"""Geocoding providers: the offline gazetteer, or any geopy geocoder by name.

A provider turns one address into an :class:`Answer`. Network providers go through geopy's own
client classes; what geopy leaves to the caller is done here: the provider's rate policy
(Nominatim's public server allows one request a second from one client, no parallel requests),
retries with exponential backoff on HTTP 429 and 5xx answers and on timeouts, honouring the
server's ``Retry-After``, and bounded concurrency for the providers that allow it.

Credentials come from an environment variable named in the configuration, never from the job
file itself, and never appear in a message.
"""

from __future__ import annotations

import errno
import inspect
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from migrate.edn.show import show
from migrate.edn.values import Location
from migrate.errors import ConfigError
from migrate.geocode.gazetteer import Gazetteer, default_gazetteer

OFFLINE = "offline"
UNREACHABLE_RETRIES = 1
"""Retries of a request whose connection failed (refused, unknown host): a server that is down
rarely comes back within seconds, and every address would wait through the backoff again."""
NOMINATIM_PUBLIC_DOMAIN = "nominatim.openstreetmap.org"
_CREDENTIAL_PARAMETERS = ("api_key", "apikey", "subscription_key", "username")


@dataclass(frozen=True, slots=True)
class Answer:
    """What a provider said about one address.

    ``location`` is ``None`` when the address was not found (``error`` says so: ``"no match"``)
    or could not be asked (``"timed out after 10s"``, ``"HTTP 503"``). ``definitive`` is true
    for answers worth caching: a location, or a clean "not found".
    """

    location: Location | None
    precision: str
    score: float
    error: str | None = None
    definitive: bool = True


NO_MATCH = "no match"


class Provider(Protocol):
    """Anything that geocodes one address at a time."""

    name: str
    cache_name: str
    concurrency: int

    def locate(self, address: str) -> Answer:
        """Geocode ``address``."""


class SettingError(ConfigError):
    """A provider setting that cannot work; ``key`` names it, ``problem`` says why."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class GeocodeServiceError(ConfigError):
    """The provider refuses every request (bad credentials, no permission, quota exhausted)."""


@dataclass(frozen=True, slots=True)
class Policy:
    """A provider's rate policy: least seconds between requests, most requests in flight."""

    min_delay: float
    max_concurrency: int


DEFAULT_POLICY = Policy(min_delay=0.0, max_concurrency=8)
POLICIES = {"nominatim": Policy(min_delay=1.0, max_concurrency=1)}


def policy_for(service: str, domain: str | None) -> Policy:
    """The rate policy of ``service``; a self-hosted Nominatim (``domain`` set) sets its own."""
    policy = POLICIES.get(service, DEFAULT_POLICY)
    if service == "nominatim" and domain not in (None, NOMINATIM_PUBLIC_DOMAIN):
        return Policy(min_delay=0.0, max_concurrency=1)
    return policy


def known_services() -> list[str]:
    """Every provider name: ``offline`` and geopy's geocoder names."""
    from geopy.geocoders import SERVICE_TO_GEOCODER

    return [OFFLINE, *sorted(SERVICE_TO_GEOCODER)]


class OfflineProvider:
    """The GeoNames gazetteer as a provider: no network, city precision."""

    name = OFFLINE
    cache_name = OFFLINE
    concurrency = 1

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer or default_gazetteer()

    def locate(self, address: str) -> Answer:
        """Look ``address`` up in the gazetteer."""
        match = self.gazetteer.locate(address)
        if match is None:
            return Answer(None, "none", 0.0, NO_MATCH)
        return Answer(match.location, match.precision, match.score)


class RateLimiter:
    """Spaces requests at least ``min_delay`` seconds apart across threads; can be held back."""

    def __init__(
        self,
        min_delay: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_delay = min_delay
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until this caller's turn: its slot is reserved before sleeping."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.min_delay
        if start > now:
            self._sleep(start - now)

    def release(self) -> None:
        """A request has been answered: the next may start ``min_delay`` seconds from now.

        Spacing from the answer as well as from the start means the server sees requests at
        least ``min_delay`` apart however long each one took to reach it.
        """
        self.hold(self.min_delay)

    def hold(self, seconds: float) -> None:
        """Let no call start for ``seconds`` from now (a server asked us to wait)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


class GeopyProvider:
    """A geopy geocoder with the provider's rate policy, retries and timeouts."""

    def __init__(
        self,
        service: str,
        *,
        user_agent: str | None = None,
        api_key: str | None = None,
        timeout: float = 10.0,
        domain: str | None = None,
        scheme: str | None = None,
        min_delay: float | None = None,
        concurrency: int | None = None,
        max_retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from geopy.geocoders import get_geocoder_for_service

        self.name = service
        self.cache_name = f"{service}@{domain}" if domain else service
        policy = policy_for(service, domain)
        self.min_delay = policy.min_delay if min_delay is None else min_delay
        self.concurrency = min(concurrency or 1, policy.max_concurrency)
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.limiter = RateLimiter(self.min_delay, sleep=sleep)
        geocoder_class = get_geocoder_for_service(service)
        parameters = inspect.signature(geocoder_class.__init__).parameters
        options: dict[str, Any] = {"timeout": timeout}
        if user_agent is not None:
            options["user_agent"] = user_agent
        if domain is not None and "domain" in parameters:
            options["domain"] = domain
        if scheme is not None and "scheme" in parameters:
            options["scheme"] = scheme
        if api_key is not None:
            options[credential_parameter(service) or "api_key"] = api_key
        self.geocoder = geocoder_class(**options)

    def locate(self, address: str) -> Answer:
        """Ask the service, retrying rate limits, timeouts and server errors with backoff."""
        from geopy import exc

        # Every retry waits through the shared limiter, so parallel requests back off together.
        problem = "no answer"
        for attempt in range(self.max_retries + 1):
            try:
                found = self._ask(address)
            except exc.GeocoderRateLimited as error:
                problem = "rate limited (HTTP 429)"
                wait = error.retry_after
                self.limiter.hold(wait if wait is not None else self._delay(attempt))
                continue
            except (exc.GeocoderAuthenticationFailure, exc.GeocoderInsufficientPrivileges) as error:
                raise GeocodeServiceError(
                    f"{self.name}: the service refused the credentials ({_http_status(error)})"
                ) from error
            except exc.GeocoderQuotaExceeded as error:
                raise GeocodeServiceError(
                    f"{self.name}: the account's quota is exhausted ({_http_status(error)})"
                ) from error
            except exc.GeocoderQueryError as error:
                return Answer(None, "none", 0.0, f"query refused ({_http_status(error)})", False)
            except exc.GeocoderTimedOut as error:
                status = _status_code(error)
                problem = f"HTTP {status}" if status else f"timed out after {self.timeout:g}s"
                self.limiter.hold(self._delay(attempt))
                continue
            except (exc.GeocoderServiceError, exc.GeocoderParseError) as error:
                # geopy's messages can quote the request URL, and with it an API key.
                status = _status_code(error)
                unreachable = status is None and _unreachable(error)
                if status:
                    problem = f"HTTP {status}"
                elif unreachable:
                    problem = unreachable
                else:
                    problem = "unreadable answer"
                if unreachable and attempt >= min(self.max_retries, UNREACHABLE_RETRIES):
                    break
                self.limiter.hold(self._delay(attempt))
                continue
            if found is None:
                return Answer(None, "none", 0.0, NO_MATCH)
            raw = found.raw if isinstance(found.raw, dict) else {}
            return Answer(
                Location(float(found.latitude), float(found.longitude)),
                precision_of(raw),
                score_of(raw),
            )
        return Answer(None, "none", 0.0, problem, False)

    def _ask(self, address: str) -> Any:
        self.limiter.wait()
        try:
            return self.geocoder.geocode(address, exactly_one=True, timeout=self.timeout)
        finally:
            self.limiter.release()

    def _delay(self, attempt: int) -> float:
        return min(self.backoff * 2**attempt, 60.0)


def credential_parameter(service: str) -> str | None:
    """The name of the geopy geocoder's credential argument (``api_key``, ``username``…)."""
    from geopy.geocoders import get_geocoder_for_service

    parameters = inspect.signature(get_geocoder_for_service(service).__init__).parameters
    return next((name for name in _CREDENTIAL_PARAMETERS if name in parameters), None)


def make_provider(
    service: str,
    *,
    user_agent: str | None = None,
    api_key_env: str | None = None,
    timeout: float = 10.0,
    domain: str | None = None,
    scheme: str | None = None,
    min_delay: float | None = None,
    concurrency: int | None = None,
    max_retries: int = 3,
    backoff: float = 1.0,
    min_population: int = 15000,
    environ: dict[str, str] | None = None,
) -> Provider:
    """The provider called ``service`` (``offline`` or a geopy name), checked for use.

    Raises :class:`SettingError` for an unknown service, a Nominatim without a
    user agent, a faster rate than the public Nominatim allows, a setting the geopy geocoder's
    constructor does not take (an API key for Nominatim), or an API key variable that is not
    set. The messages name the setting, never the key's value.
    """
    if service == OFFLINE:
        return OfflineProvider(default_gazetteer(min_population))
    problem = provider_problem(service, user_agent=user_agent, domain=domain, min_delay=min_delay)
    if problem is None:
        problem = _setting_not_taken(
            service, user_agent=user_agent, api_key_env=api_key_env, domain=domain, scheme=scheme
        )
    if problem is not None:
        raise SettingError(*problem)
    api_key = None
    if api_key_env:
        api_key = (os.environ if environ is None else environ).get(api_key_env)
        if not api_key:
            raise SettingError("api_key_env", f"environment variable {api_key_env} is not set")
    return GeopyProvider(
        service,
        user_agent=user_agent,
        api_key=api_key,
        timeout=timeout,
        domain=domain,
        scheme=scheme,
        min_delay=min_delay,
        concurrency=concurrency,
        max_retries=max_retries,
        backoff=backoff,
    )


# our settings -> what they give the geopy constructor, for messages
_SETTING_NOUNS = {
    "user_agent": "a user agent",
    "api_key_env": "an API key",
    "domain": "a domain",
    "scheme": "a URL scheme",
}


def _setting_not_taken(service: str, **settings: str | None) -> tuple[str, str] | None:
    """``(setting, message)`` for the first given setting that ``service``'s geopy class has no
    constructor parameter for; geopy would raise a bare ``TypeError`` or ignore it."""
    from geopy.geocoders import get_geocoder_for_service

    parameters = inspect.signature(get_geocoder_for_service(service).__init__).parameters
    for setting, value in settings.items():
        if value is None or value == "":
            continue
        if setting == "api_key_env":
            taken = credential_parameter(service) is not None
        else:
            taken = setting in parameters
        if not taken:
            noun = _SETTING_NOUNS[setting]
            return setting, f"provider {show(service)} does not take {noun}: leave it out"
    return None


def provider_problem(
    service: str,
    *,
    user_agent: str | None,
    domain: str | None,
    min_delay: float | None,
) -> tuple[str, str] | None:
    """``(setting, message)`` for the first thing that stops ``service`` being used, or ``None``."""
    services = known_services()
    if service not in services:
        from difflib import get_close_matches

        close = get_close_matches(service, services, n=1)
        hint = f" (did you mean {show(close[0])}?)" if close else " (see docs/geocoding.md)"
        return "provider", f"unknown provider {show(service)}{hint}"
    if service == "nominatim" and not user_agent:
        return (
            "user_agent",
            'required for provider "nominatim": name your application and a contact, '
            "as Nominatim's usage policy asks",
        )
    public = policy_for(service, domain)
    if min_delay is not None and min_delay < public.min_delay:
        return (
            "min_delay",
            f"{min_delay:g}s is below {service}'s policy of {public.min_delay:g}s between requests",
        )
    return None


# Provider-specific fields that say how precise a match is, mapped to our precision names.
_PRECISIONS = {
    "house": "address",
    "building": "address",
    "house_number": "address",
    "address": "address",
    "rooftop": "address",
    "street_address": "address",
    "premise": "address",
    "range_interpolated": "address",
    "road": "street",
    "street": "street",
    "route": "street",
    "geometric_center": "street",
    "postcode": "postcode",
    "postal_code": "postcode",
    "suburb": "district",
    "neighbourhood": "district",
    "quarter": "district",
    "city_district": "district",
    "sublocality": "district",
    "city": "city",
    "town": "city",
    "village": "city",
    "hamlet": "city",
    "municipality": "city",
    "locality": "city",
    "place": "city",
    "county": "region",
    "state": "region",
    "region": "region",
    "province": "region",
    "administrative_area_level_1": "region",
    "country": "country",
}


def precision_of(raw: dict[str, Any]) -> str:
    """Our precision name for a provider's raw answer (Nominatim, Google, Mapbox, Photon)."""
    candidates: list[Any] = [raw.get("addresstype"), raw.get("type")]
    properties = raw.get("properties")  # GeoJSON answers: Photon, Pelias
    if isinstance(properties, dict):
        candidates += [properties.get("type"), properties.get("layer")]
    geometry = raw.get("geometry")
    if isinstance(geometry, dict):
        candidates.append(geometry.get("location_type"))
    for field_name in ("types", "place_type"):
        value = raw.get(field_name)
        if isinstance(value, list):
            candidates.extend(value)
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.lower() in _PRECISIONS:
            return _PRECISIONS[candidate.lower()]
    return "unknown"


def score_of(raw: dict[str, Any]) -> float:
    """The provider's own match confidence scaled to 0–1 (Mapbox relevance, OpenCage confidence).

    Providers that give none (Nominatim's ``importance`` ranks places, it does not judge the
    match) score 1.0.
    """
    relevance = raw.get("relevance")
    if isinstance(relevance, int | float) and 0 <= relevance <= 1:
        return float(relevance)
    confidence = raw.get("confidence")
    if isinstance(confidence, int | float) and 0 <= confidence <= 10:
        return round(float(confidence) / 10, 3)
    return 1.0


def _unreachable(error: BaseException) -> str | None:
    """``service unreachable (…)`` when ``error`` comes from a connection that failed, else None.

    geopy reports a refused connection as a plain ``GeocoderServiceError`` (urllib) or as
    ``GeocoderUnavailable`` (requests, "unreachable" messages); the cause is found on the chain
    of exceptions, or in the message when an adapter dropped the chain.
    """
    from urllib.error import HTTPError, URLError

    from geopy import exc

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, URLError) and not isinstance(current, HTTPError):
            reason = current.reason
            if isinstance(reason, BaseException):
                current = reason
                continue
        if isinstance(current, ConnectionRefusedError):
            return "service unreachable (connection refused)"
        if isinstance(current, socket.gaierror):
            return "service unreachable (unknown host)"
        if isinstance(current, ConnectionError):
            return "service unreachable"
        current = current.__cause__ or current.__context__
    text = str(error)
    if f"[Errno {errno.ECONNREFUSED}]" in text or "Connection refused" in text:
        return "service unreachable (connection refused)"
    if isinstance(error, exc.GeocoderUnavailable):
        return "service unreachable"
    return None


def _status_code(error: BaseException) -> int | None:
    cause = error.__cause__
    status = getattr(cause, "status_code", None)
    return status if isinstance(status, int) else None


def _http_status(error: BaseException) -> str:
    status = _status_code(error)
    return f"HTTP {status}" if status else type(error).__name__
