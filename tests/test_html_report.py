"""The HTML sign-off report (migrate/report/): its content, self-containment, and a real browser."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import OFFICIAL_EXAMPLE, need_component

from migrate.cli import main

USERS = """id,email,first,last,joined
1,ann@example.com,Ann,Lee,2021-06-14T09:32:11Z
2,bob@,Bob,Kay,2021-06-15T09:32:11Z
3,cy@example.com,Cy,Ng,2021-06-16T09:32:11Z
"""

LISTINGS = """id,host,title,made,lat,lng,city
10,1,Tent,2022-01-01T00:00:00Z,60.17,24.94,Helsinki
11,2,Kayak,2022-01-02T00:00:00Z,,,Oslo
12,3,Stove,2022-01-03T00:00:00Z,,,Stockholm
"""

JOB = """ident = "tiny"

[output]
dir = "out"
name = "tiny"

[defaults]
listing_type = "rent-gear"
transaction_process_alias = "default-booking/release-1"
unit_type = "day"

[sources.users]
type = "csv"
path = "users.csv"

[sources.listings]
type = "csv"
path = "listings.csv"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
email = "email"
firstName = "first"
lastName = "last"
createdAt = { column = "joined", transform = "date" }

[records.listing]
source = "listings"
id = "id"

[records.listing.mapping]
title = "title"
state = { const = "published" }
author = { ref = "user", column = "host" }
createdAt = { column = "made", transform = "date" }
location = { lat = "lat", lng = "lng" }

[records.listing.public_data]
"location.address" = "city"

[geocode]
provider = "offline"
address = ["city"]
"""

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _text(page: str) -> str:
    """The words of the page, as a reader sees them (styles and tags left out)."""
    body = page.split("</style>", 1)[1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def converted(tmp_path: Path) -> Path:
    (tmp_path / "users.csv").write_text(USERS, "utf-8")
    (tmp_path / "listings.csv").write_text(LISTINGS, "utf-8")
    (tmp_path / "job.toml").write_text(JOB, "utf-8")
    report = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(
        main, ["convert", str(tmp_path / "job.toml"), "--html", str(report)]
    )
    assert result.exit_code == 0, result.output
    return report


def test_the_conversion_report_shows_counts_rejects_cascade_and_geocoding(converted):
    page = converted.read_text("utf-8")
    text = _text(page)
    assert "Conversion report of :tiny" in text
    assert "Written · 2 rejects to review" in text
    assert "Rows per type" in text and "listing 3 2 1 0" in text
    assert "Rejected rows by rule" in text
    assert "email-invalid (user) 1" in text
    assert "users.csv:3 — :im.email/address must be a valid email address" in text
    assert "2,bob@,Bob,Kay,2021-06-15T09:32:11Z" in text  # the source line itself
    assert "Reference cascade" in text and "listing rows dropped with them their user: 1" in text
    assert "Geocoding coverage" in text and "2 with a location" in text
    assert "(rejected ones included): 2 addresses geocoded; 1 had coordinates already." in text
    assert "Listing locations" in text and "2 listings with coordinates" in text
    assert page.count("<circle ") == 2


def test_the_report_is_self_contained_and_the_same_every_time(converted, tmp_path):
    page = converted.read_text("utf-8")
    assert "default-src 'none'" in page  # the page may not load anything
    assert not re.search(r"""(src|href)\s*=|url\(|@import|<script|<link""", page)
    assert not re.search(r"https?://", page)
    again = tmp_path / "again.html"
    CliRunner().invoke(main, ["convert", str(tmp_path / "job.toml"), "-q", "--html", str(again)])
    assert again.read_bytes() == converted.read_bytes()


def test_the_validation_report(tmp_path):
    target = tmp_path / "check.html"
    result = CliRunner().invoke(main, ["validate", str(OFFICIAL_EXAMPLE), "--html", str(target)])
    assert result.exit_code == 0, result.output
    text = _text(target.read_text("utf-8"))
    assert "Validation report of :marketplace-ident" in text
    assert "Ready to send" in text and "valid: 0 errors, 5 warnings" in text
    assert "Errors by rule None." in text
    assert "Warnings by rule" in text and "official-example.edn:" in text


def test_an_html_path_that_cannot_be_written_is_refused_before_the_run(converted, tmp_path):
    blocked = tmp_path / "users.csv" / "report.html"
    result = CliRunner().invoke(
        main, ["convert", str(tmp_path / "job.toml"), "--html", str(blocked)]
    )
    assert (result.exit_code, result.stdout) == (2, "")
    assert (
        result.stderr
        == f"Error: cannot write {blocked}: {tmp_path / 'users.csv'} is not a directory\n"
    )


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def _render(browser: str, page: Path, workdir: Path, name: str) -> tuple[Path, list[str]]:
    """Screenshot ``page``; the network requests the page itself made (from Chromium's net log)."""
    profile = workdir / f"{name}-profile"
    profile.mkdir()
    shot, log = workdir / f"{name}.png", workdir / f"{name}-net.json"
    subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1100,2400",
            f"--screenshot={shot}",
            f"--log-net-log={log}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    events = json.loads(log.read_text("utf-8"))
    names = {number: label for label, number in events["constants"]["logEventTypes"].items()}
    requested = []
    for event in events["events"]:
        params = event.get("params") or {}
        # Requests the page made carry its file:// origin as their isolation key; Chromium's own
        # background requests (update checks) carry none, and are no concern of the page.
        url = str(params.get("url", ""))
        if (
            names.get(event["type"]) == "URL_REQUEST_START_JOB"
            and "file://" in str(params.get("network_isolation_key", ""))
            and not url.startswith(("file:", "data:"))
        ):
            requested.append(url)
    return shot, requested


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chromium_renders_the_report_without_any_network_request(converted, tmp_path):
    browser = _chromium()
    need_component(browser is not None, "chromium is not installed (apt-get install chromium)")
    assert browser is not None
    # A control page proves the check sees a page's requests: it asks for a font and an image.
    control = tmp_path / "control.html"
    control.write_text(
        '<!DOCTYPE html><link rel="stylesheet" href="https://fonts.example.test/x.css">'
        '<img src="http://127.0.0.1:9/x.png">',
        "utf-8",
    )
    _, control_requests = _render(browser, control, tmp_path, "control")
    assert sorted(control_requests) == [
        "http://127.0.0.1:9/x.png",
        "https://fonts.example.test/x.css",
    ]

    shot, requests = _render(browser, converted, tmp_path, "report")
    assert requests == []
    assert _png_size(shot) == (1100, 2400)
    assert shot.stat().st_size > 40_000  # drawn: tables, charts and the map, not a blank page
    keep = os.environ.get("MIGRATE_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
