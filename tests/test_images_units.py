"""The image checker's pieces on their own: signatures, URLs, addresses, verdicts, settings,
the cache file."""

from __future__ import annotations

import ipaddress
import sqlite3
from email.utils import formatdate

import pytest

from migrate.errors import ConfigError
from migrate.images import outcomes as o
from migrate.images.cache import ImageCache, ImageCacheError
from migrate.images.probe import retry_after
from migrate.images.settings import CheckSettings, parse_duration
from migrate.images.sniff import image_type
from migrate.images.urls import address_kind, form_problem, has_credentials, masked
from migrate.images.verdict import Observation, judge


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x1cftypavif\x00", "image/avif"),
        (b"II*\x00\x08\x00", "image/tiff"),
        (b'<?xml version="1.0"?><svg xmlns=', "image/svg+xml"),
        (b"<!doctype html><html>", None),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_image_signatures(head, expected):
    assert image_type(head) == expected


def test_credentials_are_found_and_masked():
    url = "https://jane:s3cret@images.example.com/a.jpg?x=1@2"
    assert has_credentials(url)
    assert masked(url) == "https://***@images.example.com/a.jpg?x=1@2"
    assert not has_credentials("https://example.com/a@b.jpg")
    assert masked("https://example.com/a@b.jpg") == "https://example.com/a@b.jpg"
    signed = "https://bucket.example.com/a.jpg?X-Amz-Signature=abc123&w=800"
    assert masked(signed) == "https://bucket.example.com/a.jpg?X-Amz-Signature=***&w=800"


def test_form_problems_come_from_the_rule_engine():
    assert form_problem("https://example.com/a.jpg") is None
    assert form_problem("ftp://example.com/a.jpg").endswith(
        "it must start with http:// or https://"
    )
    assert "must be percent-encoded" in form_problem("https://example.com/ä.jpg")


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.2.3.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("172.16.0.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("100.64.0.1", "a reserved, non-public address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("224.0.0.1", "a multicast address"),
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
    ],
)
def test_address_kinds(address, kind):
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after("1") == 1.0
    assert retry_after(" 120 ") == 120.0
    assert retry_after(None) is None
    assert retry_after("soon") is None
    assert retry_after(formatdate(1_000_030, usegmt=True), now=1_000_000) == pytest.approx(30)
    assert retry_after(formatdate(1_000_000, usegmt=True), now=1_000_100) == 0.0


def seen(checked_at: float = 0.0, **facts) -> Observation:
    return Observation("https://example.com/a.jpg", checked_at, **facts)


SETTINGS = CheckSettings()


def test_verdicts_from_facts():
    ok = judge(seen(status=200, content_type="image/jpeg", size=10), SETTINGS)
    assert (ok.code, ok.warnings) == ("ok", ())
    unknown = judge(seen(status=200, content_type="image/png"), SETTINGS)
    assert unknown.warnings == (
        (o.SIZE_UNKNOWN, "size unknown: the server sent no Content-Length"),
    )
    missing_type = judge(seen(status=200, size=5), SETTINGS)
    assert (missing_type.code, missing_type.message) == (
        o.NOT_AN_IMAGE,
        "no content type, and the first bytes are no known image signature",
    )
    empty = judge(seen(status=200, content_type="image/png", size=0), SETTINGS)
    assert (empty.code, empty.message) == (o.NOT_AN_IMAGE, "empty body (0 bytes)")
    moved = judge(seen(status=302), SETTINGS)
    assert (moved.code, moved.message) == (
        o.HTTP_STATUS,
        "HTTP 302 Found without a Location to follow",
    )
    odd = judge(seen(status=599), SETTINGS)
    assert (odd.code, odd.message) == (o.SERVER_ERROR, "HTTP 599")
    gone = judge(seen(status=410), SETTINGS)
    assert (gone.code, gone.message) == (o.NOT_FOUND, "HTTP 410 Gone")


def test_insecure_redirect_is_a_warning_naming_the_hop():
    verdict = judge(
        seen(status=200, content_type="image/png", size=3, insecure="http://example.com/b.png"),
        SETTINGS,
    )
    assert verdict.warnings == (
        (o.INSECURE, 'redirected to a plain http:// URL, "http://example.com/b.png"'),
    )


def test_every_outcome_code_is_documented_once():
    codes = [outcome.code for outcome in o.OUTCOMES]
    assert len(codes) == len(set(codes))
    assert o.ERROR_CODES.isdisjoint(o.WARNING_CODES)
    assert {o.INSECURE, o.SIZE_UNKNOWN, o.FORMAT_UNLISTED} == o.WARNING_CODES


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("30m", 1800), ("12h", 43200), ("7d", 604800), ("1.5h", 5400)],
)
def test_durations(text, seconds):
    assert parse_duration(text, "--max-age") == seconds


def test_bad_durations_and_settings_are_configuration_errors():
    with pytest.raises(ConfigError, match=r'--max-age: expected a duration .*, found "soon"'):
        parse_duration("soon", "--max-age")
    with pytest.raises(ConfigError, match="per-host: must be at least 1"):
        CheckSettings(per_host=0)
    with pytest.raises(ConfigError, match="timeout: must be more than 0 seconds"):
        CheckSettings(timeout=0)


def test_cache_round_trip_and_replacement(tmp_path):
    path = tmp_path / "sub" / "images.sqlite"
    first = seen(status=404, content_type="text/html", size=3, requests=1)
    second = seen(status=200, content_type="image/jpeg", size=9, requests=1, checked_at=5.0)
    with ImageCache(path) as cache:
        cache.put(first)
        cache.put(second)
        assert len(cache) == 1
    with ImageCache(path) as cache:
        assert cache.get_many([first.url, "https://other.example/x.png"]) == {first.url: second}


def test_cache_refuses_someone_elses_database(tmp_path):
    path = tmp_path / "app.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(ImageCacheError) as raised:
        ImageCache(path)
    assert str(raised.value) == (
        f"cannot use image-check cache {path}: a SQLite database with other tables "
        "(customers), not an image-check cache"
    )
    with pytest.raises(ImageCacheError, match="is a directory"):
        ImageCache(tmp_path)
