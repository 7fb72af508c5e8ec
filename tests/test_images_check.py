"""The image checker end to end: httpx against a real HTTP server on 127.0.0.1.

Every answer the issue names gets its documented verdict and message, pinned; the cache makes
no request for URLs that passed; politeness (Retry-After, per-host limits, rate) and the
deadline are measured on the server's request log.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from images_server import OVERSIZE, ImageServer

from migrate.images import outcomes as o
from migrate.images.cache import ImageCache
from migrate.images.check import check_urls
from migrate.images.settings import CheckSettings

FAST = CheckSettings(allow_private_hosts=True, timeout=0.5, backoff=0.05)


@pytest.fixture(scope="module")
def server() -> Iterator[ImageServer]:
    running = ImageServer().start()
    yield running
    running.stop()


@pytest.fixture
def fresh_server() -> Iterator[ImageServer]:
    running = ImageServer().start()
    yield running
    running.stop()


def verdict_of(server: ImageServer, path: str, settings: CheckSettings = FAST):
    url = server.url(path)
    return check_urls([url], settings).results[url]


INSECURE = (o.INSECURE, "plain http:// URL: prefer https://")


def test_png_passes_with_one_head_request(fresh_server):
    result = verdict_of(fresh_server, "/photo.png")
    assert result.verdict.code == "ok"
    assert result.verdict.message is None
    assert result.verdict.warnings == (INSECURE,)  # the test server speaks plain HTTP
    seen = result.observation
    assert (seen.status, seen.content_type, seen.size) == (200, "image/png", 67)
    assert fresh_server.requests == [("HEAD", "/photo.png", None)]


def test_jpeg_behind_two_redirects_passes(fresh_server):
    result = verdict_of(fresh_server, "/redirect-1")
    assert result.verdict.code == "ok"
    seen = result.observation
    assert seen.redirects == 2
    assert seen.final_url == fresh_server.url("/photo.jpg")
    assert (seen.status, seen.content_type) == (200, "image/jpeg")
    assert fresh_server.paths() == ["/redirect-1", "/redirect-2", "/photo.jpg"]


def test_404_is_not_found(server):
    result = verdict_of(server, "/missing.jpg")
    assert (result.verdict.code, result.verdict.message) == (o.NOT_FOUND, "HTTP 404 Not Found")
    assert result.observation.status == 404


def test_403_is_denied_after_a_get_too(fresh_server):
    result = verdict_of(fresh_server, "/private.jpg")
    assert (result.verdict.code, result.verdict.message) == (o.DENIED, "HTTP 403 Forbidden")
    # a HEAD refused with 403 is asked again with a ranged GET (signed URLs sign GET only)
    assert fresh_server.requests == [
        ("HEAD", "/private.jpg", None),
        ("GET", "/private.jpg", "bytes=0-63"),
    ]


def test_html_page_with_200_is_not_an_image(server):
    result = verdict_of(server, "/login")
    assert result.verdict.code == o.NOT_AN_IMAGE
    assert result.verdict.message == 'content type "text/html; charset=utf-8", not an image'


def test_429_with_retry_after_is_retried_after_the_pause(fresh_server):
    result = verdict_of(fresh_server, "/busy-429")
    assert result.verdict.code == "ok"
    assert result.observation.attempts == 2
    assert fresh_server.paths() == ["/busy-429", "/busy-429"]


def test_retry_after_holds_back_the_next_request(fresh_server):
    arrivals: list[float] = []
    original = fresh_server.RequestHandlerClass._route

    def timed(handler, method):
        arrivals.append(time.monotonic())
        original(handler, method)

    fresh_server.RequestHandlerClass._route = timed  # type: ignore[method-assign]
    try:
        result = verdict_of(fresh_server, "/busy-pause")
    finally:
        fresh_server.RequestHandlerClass._route = original  # type: ignore[method-assign]
    assert result.verdict.code == "ok"
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.95  # Retry-After: 1, not the 0.05 s backoff


def test_a_stalling_server_times_out(server):
    started = time.monotonic()
    result = verdict_of(server, "/stall.jpg")
    took = time.monotonic() - started
    assert result.verdict.code == o.TIMEOUT
    assert result.verdict.message == "no answer within 0.5s (2 attempts)"
    assert took < 2.5  # two attempts of 0.5 s and a backoff, not the server's 3 s stall


def test_redirect_loop(server):
    result = verdict_of(server, "/loop-a")
    assert result.verdict.code == o.REDIRECT_LOOP
    assert result.verdict.message == (
        f'redirect loop: "{server.url("/loop-b")}" redirects back to "{server.url("/loop-a")}"'
    )


def test_too_many_redirects(server):
    settings = CheckSettings(allow_private_hosts=True, timeout=0.5, max_redirects=1)
    result = verdict_of(server, "/redirect-1", settings)
    assert (result.verdict.code, result.verdict.message) == (
        o.TOO_MANY_REDIRECTS,
        "more than 1 redirects",
    )


def test_oversize_image_is_too_large_from_head_alone(fresh_server):
    result = verdict_of(fresh_server, "/huge.tif")
    assert result.verdict.code == o.TOO_LARGE
    assert result.verdict.message == "25,000,000 bytes, over the limit of 20,000,000 bytes"
    assert result.observation.size == OVERSIZE
    assert fresh_server.paths() == ["/huge.tif"]  # nothing downloaded


def test_octet_stream_jpeg_passes_by_its_signature(fresh_server):
    result = verdict_of(fresh_server, "/octet")
    assert result.verdict.code == "ok"
    assert result.verdict.warnings == (INSECURE,)
    seen = result.observation
    assert (seen.content_type, seen.sniffed, seen.size) == (
        "application/octet-stream",
        "image/jpeg",
        222,
    )
    assert fresh_server.requests == [("HEAD", "/octet", None), ("GET", "/octet", "bytes=0-63")]


def test_octet_stream_text_is_not_an_image(server):
    result = verdict_of(server, "/octet-text")
    assert result.verdict.code == o.NOT_AN_IMAGE
    assert result.verdict.message == (
        'content type "application/octet-stream", and the first bytes are no known image signature'
    )


def test_head_refused_falls_back_to_a_ranged_get(fresh_server):
    result = verdict_of(fresh_server, "/no-head.png")
    assert result.verdict.code == "ok"
    assert result.observation.size == 67  # the Content-Range total, not the 64 bytes sent
    assert fresh_server.requests == [
        ("HEAD", "/no-head.png", None),
        ("GET", "/no-head.png", "bytes=0-63"),
    ]


def test_webp_passes_with_a_format_warning(server):
    result = verdict_of(server, "/photo.webp")
    assert result.verdict.code == "ok"
    assert result.verdict.warnings == (
        INSECURE,
        (
            o.FORMAT_UNLISTED,
            'content type "image/webp" is not among the formats Sharetribe documents '
            "(JPEG, PNG, GIF)",
        ),
    )


def test_5xx_is_retried_then_a_server_error(fresh_server):
    settings = CheckSettings(allow_private_hosts=True, timeout=0.5, backoff=0.01, retries=2)
    result = verdict_of(fresh_server, "/down", settings)
    assert (result.verdict.code, result.verdict.message) == (
        o.SERVER_ERROR,
        "HTTP 503 Service Unavailable (3 attempts)",
    )
    assert fresh_server.paths() == ["/down"] * 3


def test_retry_after_beyond_the_allowed_wait_gives_up(fresh_server):
    settings = CheckSettings(allow_private_hosts=True, timeout=0.5, max_retry_after=0.5)
    result = verdict_of(fresh_server, "/busy-long", settings)
    assert result.verdict.code == o.RATE_LIMITED
    assert result.verdict.message == (
        "HTTP 429 Too Many Requests (asked to retry after 1s, more than the 0.5s allowed)"
    )
    assert fresh_server.paths() == ["/busy-long"]


def test_loopback_is_refused_without_the_switch_and_nothing_is_asked(fresh_server):
    result = verdict_of(fresh_server, "/photo.png", CheckSettings(timeout=0.5))
    assert result.verdict.code == o.PRIVATE_HOST
    assert result.verdict.message == (
        "host 127.0.0.1 is a loopback address: not public (--allow-private-hosts lets it through)"
    )
    assert fresh_server.requests == []


def test_a_name_resolving_to_loopback_is_private(fresh_server):
    port = fresh_server.server_address[1]
    url = f"http://localhost:{port}/photo.png"
    result = check_urls([url], CheckSettings(timeout=0.5)).results[url]
    assert result.verdict.code == o.PRIVATE_HOST
    assert result.verdict.message.startswith("host localhost resolves to ")
    assert "a loopback address: not public" in result.verdict.message
    assert fresh_server.requests == []


def test_a_public_looking_name_is_judged_by_its_resolved_address():
    async def resolver(host: str, port: int) -> list[str]:
        return {"images.example.com": ["93.184.216.34", "10.0.0.7"]}[host]

    url = "https://images.example.com/a.jpg"
    result = check_urls([url], CheckSettings(timeout=0.5), resolver=resolver).results[url]
    assert result.verdict.code == o.PRIVATE_HOST
    assert result.verdict.message == (
        "host images.example.com resolves to 10.0.0.7, a private address: not public "
        "(--allow-private-hosts lets it through)"
    )


def test_a_name_that_does_not_resolve_is_unreachable():
    async def resolver(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    url = "https://gone.example.com/a.jpg"
    result = check_urls([url], CheckSettings(timeout=0.5), resolver=resolver).results[url]
    assert (result.verdict.code, result.verdict.message) == (
        o.UNREACHABLE,
        "host name gone.example.com does not resolve: Name or service not known",
    )


def test_every_redirect_hop_is_judged_by_its_own_address(fresh_server, monkeypatch):
    # Public-looking names are resolved by the test's resolver; httpx reaches them through the
    # local server acting as an HTTP proxy, so the real client makes real requests.
    monkeypatch.setenv("HTTP_PROXY", fresh_server.base)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    addresses = {"cdn.example.com": ["93.184.216.34"], "internal.example.com": ["10.1.2.3"]}

    async def resolver(host: str, port: int) -> list[str]:
        return addresses[host]

    public = "http://cdn.example.com/photo.png"
    hop = "http://cdn.example.com/to-internal"
    run = check_urls([public, hop], CheckSettings(timeout=2), resolver=resolver)
    assert run.results[public].verdict.code == "ok"
    refused = run.results[hop].verdict
    assert (refused.code, refused.message) == (
        o.PRIVATE_HOST,
        "host internal.example.com resolves to 10.1.2.3, a private address: not public "
        "(--allow-private-hosts lets it through)",
    )
    assert sorted(fresh_server.paths()) == ["/photo.png", "/to-internal"]  # never /photo.jpg


def test_refused_connection_is_unreachable():
    url = "http://127.0.0.1:9/photo.png"  # the discard port: nothing listens there
    result = check_urls([url], FAST).results[url]
    assert result.verdict.code == o.UNREACHABLE
    assert result.verdict.message == "connection failed: connection refused (2 attempts)"


def test_a_host_that_stopped_answering_is_not_asked_again():
    urls = [f"http://127.0.0.1:9/{n}.png" for n in range(12)]
    settings = CheckSettings(allow_private_hosts=True, timeout=0.5, backoff=0.01, per_host=1)
    run = check_urls(urls, settings)
    messages = [result.verdict.message for result in run.results.values()]
    assert all(result.verdict.code == o.UNREACHABLE for result in run.results.values())
    assert messages[-1] == (
        "not asked: the host's last 5 requests got no answer (last: connection failed: "
        "connection refused)"
    )
    assert run.requests < 2 * len(urls)


def test_credentials_and_bad_urls_are_never_requested():
    urls = ["https://user:secret@example.com/a.jpg", "https://example.com/my photo.jpg"]
    run = check_urls(urls, FAST)
    first, second = (run.results[url] for url in urls)
    assert (first.verdict.code, first.verdict.message) == (
        o.CREDENTIALS,
        "URL carries credentials (user name or password): images must be public",
    )
    assert "secret" not in repr(first.verdict)
    assert second.verdict.code == o.URL_INVALID
    assert second.verdict.message == (
        ':im.image/url must be an absolute, percent-encoded http(s) URL, found "https://'
        'example.com/my photo.jpg": character " " at offset 22 must be percent-encoded'
    )
    assert run.requests == 0


def test_repeated_urls_are_asked_once(fresh_server):
    url = fresh_server.url("/img/same.png")
    run = check_urls([url, url, url], FAST)
    assert list(run.results) == [url]
    assert fresh_server.paths() == ["/img/same.png"]


def test_second_run_with_the_cache_asks_only_for_failures(fresh_server, tmp_path: Path):
    paths = ["/photo.png", "/redirect-1", "/octet", "/missing.jpg", "/login"]
    urls = [fresh_server.url(path) for path in paths]
    with ImageCache(tmp_path / "images.sqlite") as cache:
        first = check_urls(urls, FAST, cache=cache)
    assert first.from_cache == 0
    fresh_server.requests.clear()
    with ImageCache(tmp_path / "images.sqlite") as cache:
        second = check_urls(urls, FAST, cache=cache)
    assert second.from_cache == 3
    assert [result.from_cache for result in second.results.values()] == [
        True,
        True,
        True,
        False,
        False,
    ]
    # nothing asked for the three passes (or their redirect hops): only the two failures
    assert sorted(fresh_server.paths()) == ["/login", "/missing.jpg"]
    assert [result.verdict.code for result in second.results.values()] == [
        result.verdict.code for result in first.results.values()
    ]


def test_cached_passes_older_than_max_age_are_asked_again(fresh_server, tmp_path: Path):
    url = fresh_server.url("/photo.png")
    with ImageCache(tmp_path / "c.sqlite") as cache:
        check_urls([url], FAST, cache=cache)
    time.sleep(0.05)
    fresh_server.requests.clear()
    settings = CheckSettings(allow_private_hosts=True, timeout=0.5, max_age=0.01)
    with ImageCache(tmp_path / "c.sqlite") as cache:
        run = check_urls([url], settings, cache=cache)
    assert run.from_cache == 0
    assert fresh_server.paths() == ["/photo.png"]


def test_a_cached_pass_is_judged_again_under_this_runs_settings(fresh_server, tmp_path):
    url = fresh_server.url("/photo.png")
    with ImageCache(tmp_path / "c.sqlite") as cache:
        check_urls([url], FAST, cache=cache)
    fresh_server.requests.clear()
    with ImageCache(tmp_path / "c.sqlite") as cache:
        strict = check_urls([url], CheckSettings(timeout=0.5), cache=cache)
        small = check_urls(
            [url], CheckSettings(allow_private_hosts=True, timeout=0.5, max_bytes=10), cache=cache
        )
    assert strict.results[url].verdict.code == o.PRIVATE_HOST
    assert small.results[url].verdict.code == o.TOO_LARGE
    assert small.results[url].verdict.message == "67 bytes, over the limit of 10 bytes"


def test_per_host_concurrency_is_respected(fresh_server):
    in_flight = peak = 0
    lock = threading.Lock()
    original = fresh_server.RequestHandlerClass._route

    def counted(handler, method):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        try:
            original(handler, method)
        finally:
            with lock:
                in_flight -= 1

    fresh_server.RequestHandlerClass._route = counted  # type: ignore[method-assign]
    try:
        urls = [fresh_server.url(f"/img/{n}.png") for n in range(40)]
        run = check_urls(urls, CheckSettings(allow_private_hosts=True, per_host=3, timeout=2))
    finally:
        fresh_server.RequestHandlerClass._route = original  # type: ignore[method-assign]
    assert all(result.verdict.passed for result in run.results.values())
    assert peak == 3


def test_rate_limit_spaces_requests_to_one_host(fresh_server):
    urls = [fresh_server.url(f"/img/r{n}.png") for n in range(11)]
    started = time.monotonic()
    run = check_urls(urls, CheckSettings(allow_private_hosts=True, rate=20, timeout=2))
    took = time.monotonic() - started
    assert run.failed == 0
    assert took >= 0.5  # 11 requests at 20 a second: the last starts 0.5 s after the first


def test_deadline_fails_what_was_not_checked(server):
    urls = [server.url("/photo.png"), server.url("/stall.jpg")]
    settings = CheckSettings(allow_private_hosts=True, timeout=5, deadline=0.3)
    started = time.monotonic()
    run = check_urls(urls, settings)
    assert time.monotonic() - started < 2
    assert run.deadline_passed
    assert run.results[urls[0]].verdict.code == "ok"
    stalled = run.results[urls[1]].verdict
    assert (stalled.code, stalled.message) == (
        o.NOT_CHECKED,
        "not checked: the deadline of 0.3s passed first",
    )


def test_check_urls_works_inside_a_running_event_loop(server):
    import asyncio

    url = server.url("/photo.png")

    async def inside() -> str:
        return check_urls([url], FAST).results[url].verdict.code

    assert asyncio.run(inside()) == "ok"
