"""Network providers: geopy's real Nominatim client against a local server, rate policy, retries.

The server runs on 127.0.0.1 in a thread and answers in Nominatim's JSON; it records when each
request arrived so the tests can check the spacing the rate limiter promises.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from migrate.errors import ConfigError
from migrate.geocode.providers import (
    NO_MATCH,
    GeocodeServiceError,
    GeopyProvider,
    RateLimiter,
    make_provider,
    precision_of,
    score_of,
)
from migrate.geocode.stage import GeocodeStage, parse_geocode_config

# Addresses the fake server knows, with Nominatim-style answers.
PLACES = {
    "Mannerheimintie 1, Helsinki": ("60.1699", "24.9384", "road"),
    "Marienplatz 8, München": ("48.1374", "11.5755", "house"),
    "Rua Augusta 100, São Paulo": ("-23.5558", "-46.6396", "road"),
    "Springfield, IL": ("39.7990", "-89.6440", "city"),
}
MIN_DELAY = 0.2
SLOW_SECONDS = 2.0


class FakeNominatim(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[float, str]] = []
        self.lock = threading.Lock()
        self.rate_limited: set[str] = set()

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def queries(self) -> list[str]:
        return [query for _, query in self.requests]

    def times(self, query: str | None = None) -> list[float]:
        return [moment for moment, asked in self.requests if query in (None, asked)]


class _Handler(BaseHTTPRequestHandler):
    server: FakeNominatim

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        arrived = time.monotonic()
        url = urlparse(self.path)
        query = parse_qs(url.query).get("q", [""])[0]
        server = self.server
        with server.lock:
            server.requests.append((arrived, query))
        assert url.path == "/search"
        assert "sharetribe-migrate-tests" in self.headers["User-Agent"]
        if query.startswith("busy") and query not in server.rate_limited:
            server.rate_limited.add(query)
            self._send(429, b'{"error": "slow down"}', {"Retry-After": "1"})
            return
        if query.startswith("broken"):
            self._send(503, b"maintenance")
            return
        if query.startswith("slow"):
            time.sleep(SLOW_SECONDS)
        place = PLACES.get(query.removeprefix("busy ").removeprefix("slow "))
        if place is None:
            self._send(200, b"[]")
            return
        lat, lon, kind = place
        answer = [
            {
                "place_id": 1,
                "lat": lat,
                "lon": lon,
                "display_name": query,
                "class": "place",
                "type": kind,
                "addresstype": kind,
                "importance": 0.4,
            }
        ]
        self._send(200, json.dumps(answer).encode())

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test)


@pytest.fixture
def server() -> Iterator[FakeNominatim]:
    fake = FakeNominatim()
    thread = threading.Thread(target=fake.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.shutdown()
    fake.server_close()


def _config(server: FakeNominatim, tmp_path: Path, **extra):
    table = {
        "provider": "nominatim",
        "user_agent": "sharetribe-migrate-tests (dev@example.com)",
        "domain": server.domain,
        "scheme": "http",
        "min_delay": MIN_DELAY,
        "timeout": 3,
        "max_retries": 1,
        "backoff": 0.05,
        **extra,
    }
    return parse_geocode_config(table, tmp_path / "job.toml")


def _gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def test_batch_geocoded_through_geopy_with_requests_spaced_by_the_rate_limit(server, tmp_path):
    with GeocodeStage(_config(server, tmp_path), tmp_path / "cache.sqlite") as stage:
        results = {address: stage.locate(address) for address in PLACES}
    assert server.queries() == list(PLACES)
    helsinki = results["Mannerheimintie 1, Helsinki"]
    assert (helsinki.location.lat, helsinki.location.lng) == (60.1699, 24.9384)
    assert (helsinki.precision, helsinki.provider, helsinki.from_cache) == (
        "street",
        "nominatim",
        False,
    )
    assert results["Marienplatz 8, München"].precision == "address"
    assert results["Springfield, IL"].precision == "city"
    assert all(result.error is None and result.score == 1.0 for result in results.values())
    gaps = _gaps(server.times())
    assert len(gaps) == len(PLACES) - 1
    assert min(gaps) >= MIN_DELAY


def test_rate_limited_request_is_retried_after_retry_after(server, tmp_path):
    with GeocodeStage(_config(server, tmp_path), tmp_path / "cache.sqlite") as stage:
        result = stage.locate("busy Springfield, IL")
    assert result.error is None
    assert result.location is not None and float(result.location.lat) == 39.799
    first, second = server.times("busy Springfield, IL")
    assert second - first >= 1.0  # the server's Retry-After: 1


def test_timeout_and_empty_answer_are_reported_and_only_the_empty_answer_is_cached(
    server, tmp_path
):
    cache = tmp_path / "cache.sqlite"
    with GeocodeStage(_config(server, tmp_path, timeout=0.5), cache) as stage:
        slow = stage.locate("slow Springfield, IL")
    with GeocodeStage(_config(server, tmp_path), cache) as stage:
        empty = stage.locate("Nowhere at all")
    assert (slow.location, slow.error) == (None, "timed out after 0.5s")
    assert server.queries().count("slow Springfield, IL") == 2  # one retry (max_retries = 1)
    assert (empty.location, empty.error, empty.from_cache) == (None, NO_MATCH, False)
    asked = len(server.requests)
    with GeocodeStage(_config(server, tmp_path), cache) as stage:
        again = stage.locate("nowhere  AT ALL")
    assert (again.location, again.error, again.from_cache) == (None, NO_MATCH, True)
    assert len(server.requests) == asked


def test_server_errors_are_retried_then_reported(server, tmp_path):
    with GeocodeStage(_config(server, tmp_path, max_retries=2), tmp_path / "c.sqlite") as stage:
        result = stage.locate("broken Springfield")
    assert (result.location, result.error) == (None, "HTTP 503")
    assert server.queries().count("broken Springfield") == 3


def test_second_run_makes_zero_requests(server, tmp_path):
    cache = tmp_path / "cache.sqlite"
    addresses = [*PLACES, "Nowhere at all"]
    with GeocodeStage(_config(server, tmp_path), cache) as stage:
        stage.prefetch(addresses)
        first = [stage.locate(address) for address in addresses]
    assert len(server.requests) == len(addresses)
    server.requests.clear()
    with GeocodeStage(_config(server, tmp_path), cache) as stage:
        second = [stage.locate(address) for address in addresses]
    assert server.requests == []
    assert [result.location for result in second] == [result.location for result in first]
    assert all(result.from_cache for result in second)


def test_cache_is_keyed_by_server(server, tmp_path):
    cache = tmp_path / "cache.sqlite"
    with GeocodeStage(_config(server, tmp_path), cache) as stage:
        stage.locate("Springfield, IL")
        assert stage.provider.cache_name == f"nominatim@{server.domain}"
        assert stage.cache.get("nominatim", "Springfield, IL") is None


def test_nominatim_needs_a_user_agent_and_the_public_server_a_slow_pace():
    with pytest.raises(ConfigError) as missing:
        make_provider("nominatim")
    assert str(missing.value) == (
        'user_agent: required for provider "nominatim": name your application and a contact, '
        "as Nominatim's usage policy asks"
    )
    with pytest.raises(ConfigError) as fast:
        make_provider("nominatim", user_agent="x", min_delay=0.2)
    assert str(fast.value) == "min_delay: 0.2s is below nominatim's policy of 1s between requests"
    public = make_provider("nominatim", user_agent="x", concurrency=8)
    assert isinstance(public, GeopyProvider)
    assert (public.min_delay, public.concurrency) == (1.0, 1)


def test_api_key_comes_from_the_environment_and_is_never_shown():
    with pytest.raises(ConfigError) as unset:
        make_provider("mapbox", api_key_env="MAPBOX_TOKEN", environ={})
    assert str(unset.value) == "api_key_env: environment variable MAPBOX_TOKEN is not set"
    provider = make_provider(
        "mapbox", api_key_env="MAPBOX_TOKEN", environ={"MAPBOX_TOKEN": "secret-value"}
    )
    assert provider.geocoder.api_key == "secret-value"
    assert provider.concurrency == 1
    parallel = make_provider(
        "mapbox",
        api_key_env="MAPBOX_TOKEN",
        concurrency=4,
        environ={"MAPBOX_TOKEN": "secret-value"},
    )
    assert parallel.concurrency == 4


def test_unknown_provider_suggests_the_closest_name():
    with pytest.raises(ConfigError) as error:
        make_provider("nomatim")
    assert str(error.value) == 'provider: unknown provider "nomatim" (did you mean "nominatim"?)'


def test_refused_credentials_stop_the_run(tmp_path):
    class Refusing(ThreadingHTTPServer):
        daemon_threads = True

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()

    refusing = Refusing(("127.0.0.1", 0), Handler)
    threading.Thread(target=refusing.serve_forever, daemon=True).start()
    try:
        provider = make_provider(
            "nominatim",
            user_agent="sharetribe-migrate-tests",
            domain=f"127.0.0.1:{refusing.server_address[1]}",
            scheme="http",
            min_delay=0.0,
        )
        with pytest.raises(GeocodeServiceError) as error:
            provider.locate("Helsinki")
        assert str(error.value) == "nominatim: the service refused the credentials (HTTP 403)"
    finally:
        refusing.shutdown()
        refusing.server_close()


def test_rate_limiter_spaces_calls_and_honours_holds():
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    limiter = RateLimiter(0.5, clock=lambda: now[0], sleep=sleep)
    limiter.wait()
    limiter.wait()
    limiter.hold(3.0)
    limiter.wait()
    now[0] += 0.25  # the request takes a while; the next waits 0.5 s from its answer
    limiter.release()
    limiter.wait()
    assert slept == [0.5, 3.0, 0.5]


def test_precision_and_score_from_provider_answers():
    assert precision_of({"addresstype": "town"}) == "city"
    assert precision_of({"geometry": {"location_type": "ROOFTOP"}}) == "address"
    assert precision_of({"place_type": ["postcode"]}) == "postcode"
    assert precision_of({"type": "volcano"}) == "unknown"
    assert score_of({"relevance": 0.75}) == 0.75
    assert score_of({"confidence": 7}) == 0.7
    assert score_of({"importance": 0.2}) == 1.0


class _SlowPhoton(BaseHTTPRequestHandler):
    """Photon's GeoJSON answers, each taking a while, counting requests in flight."""

    in_flight = 0
    most_in_flight = 0
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.most_in_flight = max(cls.most_in_flight, cls.in_flight)
        time.sleep(0.5)
        with cls.lock:
            cls.in_flight -= 1
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [24.94, 60.17]},
            "properties": {"name": "Helsinki", "type": "city"},
        }
        body = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_prefetch_runs_requests_in_parallel_up_to_the_concurrency(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowPhoton)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = parse_geocode_config(
            {
                "provider": "photon",
                "domain": f"127.0.0.1:{server.server_address[1]}",
                "scheme": "http",
                "concurrency": 3,
                "timeout": 5,
            },
            tmp_path / "job.toml",
        )
        addresses = [f"Street {number}, Helsinki" for number in range(7)]
        with GeocodeStage(config, tmp_path / "cache.sqlite") as stage:
            assert stage.provider.concurrency == 3
            stage.prefetch(addresses)
            results = [stage.locate(address) for address in addresses]
    finally:
        server.shutdown()
        server.server_close()
    assert 2 <= _SlowPhoton.most_in_flight <= 3
    assert all(result.precision == "city" and result.error is None for result in results)
    assert {(result.location.lat, result.location.lng) for result in results} == {(60.17, 24.94)}


@pytest.mark.parametrize(
    ("service", "settings", "message"),
    [
        (
            "nominatim",
            {"user_agent": "x", "api_key_env": "KEY"},
            'api_key_env: provider "nominatim" does not take an API key: leave it out',
        ),
        ("baidu", {"domain": "example.com"}, 'domain: provider "baidu" does not take a domain'),
        (
            "what3words",
            {"scheme": "http", "api_key_env": "KEY"},
            'scheme: provider "what3words" does not take a URL scheme',
        ),
    ],
)
def test_a_setting_the_geocoder_class_does_not_take_is_named(service, settings, message):
    with pytest.raises(ConfigError) as error:
        make_provider(service, environ={"KEY": "secret-value"}, **settings)
    assert str(error.value).startswith(message)
    assert str(error.value).endswith(": leave it out")
    assert "secret-value" not in str(error.value)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_connection_is_unreachable_and_retried_only_once():
    provider = make_provider(
        "nominatim",
        user_agent="sharetribe-migrate-tests",
        domain=f"127.0.0.1:{_closed_port()}",
        scheme="http",
        min_delay=0.0,
        max_retries=3,
        backoff=0.01,
    )
    asked = []
    ask = provider._ask
    provider._ask = lambda address: asked.append(address) or ask(address)
    answer = provider.locate("Helsinki")
    assert (answer.location, answer.error, answer.definitive) == (
        None,
        "service unreachable (connection refused)",
        False,
    )
    assert asked == ["Helsinki", "Helsinki"]


def test_an_unavailable_service_is_unreachable_not_unreadable():
    from geopy import exc

    provider = make_provider(
        "nominatim", user_agent="t", domain="127.0.0.1:9", min_delay=0.0, backoff=0.01
    )

    def unavailable(*args: object, **kwargs: object):
        raise exc.GeocoderUnavailable("Service not available")

    provider.geocoder.geocode = unavailable
    answer = provider.locate("Helsinki")
    assert (answer.error, answer.definitive) == ("service unreachable", False)
