"""``migrate check-images``: exit codes, the report a user sees (stdout and stderr apart),
JSON, the cache, progress lines, and ``migrate validate --check-images``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import OFFICIAL_EXAMPLE
from images_server import ImageServer

from migrate.cli import main


@pytest.fixture
def server() -> Iterator[ImageServer]:
    running = ImageServer().start()
    yield running
    running.stop()


def write_file(tmp_path: Path, server: ImageServer, paths: list[str]) -> Path:
    """A valid Intermediary file: a user with an avatar, a listing, one image per path."""
    rows = [
        '[[:im.user/id :user/jane]\n #:im.user{:createdAt #inst "2020-01-01T00:00:00Z"\n'
        '  :primaryEmail {:im.email/address "jane@example.com" :im.email/verified true}\n'
        '  :profile {:im.userProfile/firstName "Jane" :im.userProfile/lastName "Doe"\n'
        "            :im.userProfile/avatar #im/ref :avatar/jane}\n"
        "  :role [:user.role/customer :user.role/provider]}]",
        '[[:im.listing/id :listing/sauna]\n #:im.listing{:createdAt #inst "2020-01-01T00:00:00Z"'
        ' :title "Sauna" :state :listing.state/published :author #im/ref :user/jane}]',
        f'[[:im.image/id :avatar/jane] #:im.image{{:url "{server.url(paths[0])}"}}]',
    ]
    for number, path in enumerate(paths[1:], start=1):
        rows.append(
            f"[[:im.image/id :image/i{number}]\n"
            f' #:im.image{{:url "{server.url(path)}" :listing #im/ref :listing/sauna'
            f" :sortOrder {number}}}]"
        )
    target = tmp_path / "images.edn"
    target.write_text("{:ident :test-marketplace\n :data [\n" + "\n".join(rows) + "]}\n", "utf-8")
    return target


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def test_all_images_pass(tmp_path, server):
    source = write_file(tmp_path, server, ["/photo.png", "/redirect-1", "/octet"])
    result = run("check-images", str(source), "--allow-private-hosts", "--no-cache")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "Outcomes (image rows):"
    assert lines[1] == "  ok                               3"
    assert lines[2] == "Warnings:"
    assert lines[3] == "  image-insecure-url               3"
    assert lines[4] == (
        f"    {source}:11:1: warning image-insecure-url: plain http:// URL: prefer https:// "
        f'[image :avatar/jane of user :user/jane] url "{server.url("/photo.png")}" '
        '(status 200, content type "image/png", 67 bytes)'
    )
    assert lines[-1].startswith(
        f"{source}: passed: 0 of 3 images fail, 3 warnings (3 distinct URLs, 0 from the "
        "cache, 6 requests, "
    )


def test_failures_are_listed_with_position_image_user_and_answer(tmp_path, server):
    source = write_file(tmp_path, server, ["/photo.png", "/missing.jpg", "/login"])
    result = run("check-images", str(source), "--allow-private-hosts", "--no-cache")
    assert result.exit_code == 1
    assert result.stderr == "Error: 2 of 3 images fail\n"
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{source}:12:1: error image-not-found: HTTP 404 Not Found [image :image/i1 of "
        f'listing :listing/sauna] url "{server.url("/missing.jpg")}" (status 404, content '
        'type "text/html", 18 bytes)'
    )
    assert lines[1] == (
        f'{source}:14:1: error image-not-an-image: content type "text/html; charset=utf-8", '
        f'not an image [image :image/i2 of listing :listing/sauna] url "{server.url("/login")}"'
        ' (status 200, content type "text/html; charset=utf-8", 67 bytes)'
    )
    assert "  image-not-found                  1" in lines
    assert "  image-not-an-image               1" in lines


def test_private_hosts_fail_without_the_switch_and_nothing_is_asked(tmp_path, server):
    source = write_file(tmp_path, server, ["/photo.png"])
    result = run("check-images", str(source), "--no-cache")
    assert result.exit_code == 1
    assert "error image-private-host: host 127.0.0.1 is a loopback address: not public" in (
        result.stdout
    )
    assert server.requests == []


def test_json_report(tmp_path, server):
    source = write_file(tmp_path, server, ["/photo.png", "/huge.tif"])
    result = run(
        "check-images", str(source), "--allow-private-hosts", "--no-cache", "--format", "json"
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["passed"] is False
    assert (report["images"], report["failed"], report["distinct_urls"]) == (2, 1, 2)
    assert report["counts"] == {
        "outcomes": {"ok": 1, "image-too-large": 1},
        "warnings": {"image-insecure-url": 1},
    }
    assert report["failures"] == [
        {
            "code": "image-too-large",
            "severity": "error",
            "message": "25,000,000 bytes, over the limit of 20,000,000 bytes",
            "file": str(source),
            "line": 12,
            "column": 1,
            "row_index": 3,
            "image": ":image/i1",
            "used_by": ["listing :listing/sauna"],
            "url": server.url("/huge.tif"),
            "final_url": server.url("/huge.tif"),
            "status": 200,
            "content_type": "image/jpeg",
            "size": 25_000_000,
            "from_cache": False,
        }
    ]
    assert report["settings"]["max_bytes"] == 20_000_000


def test_second_run_uses_the_cache(tmp_path, server):
    source = write_file(tmp_path, server, ["/photo.png", "/redirect-1", "/missing.jpg"])
    cache = tmp_path / "cache" / "images.sqlite"
    first = run("check-images", str(source), "--allow-private-hosts", "--cache", str(cache))
    assert first.exit_code == 1
    server.requests.clear()
    second = run(
        "check-images", str(source), "--allow-private-hosts", "--cache", str(cache),
        "--format", "json",
    )  # fmt: skip
    assert second.exit_code == 1
    report = json.loads(second.stdout)
    assert (report["from_cache"], report["requests"]) == (2, 1)
    assert server.paths() == ["/missing.jpg"]


def test_default_cache_lives_under_xdg_cache_home(tmp_path, server):
    source = write_file(tmp_path, server, ["/photo.png"])
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    result = run("check-images", str(source), "--allow-private-hosts", "-q", env=env)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert (tmp_path / "xdg" / "sharetribe-migrate" / "images.sqlite").is_file()


def test_warnings_as_errors(tmp_path, server):
    source = write_file(tmp_path, server, ["/photo.webp"])
    result = run(
        "check-images", str(source), "--allow-private-hosts", "--no-cache",
        "--warnings-as-errors", "-q",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: 2 image warnings (--warnings-as-errors)\n"


def test_usage_errors_exit_2(tmp_path, server):
    source = write_file(tmp_path, server, ["/photo.png"])
    missing = run("check-images", str(tmp_path / "nope.edn"))
    assert (missing.exit_code, missing.stderr) == (
        2,
        f"Error: cannot read {tmp_path / 'nope.edn'}: no such file\n",
    )
    age = run("check-images", str(source), "--max-age", "soon", "--no-cache")
    assert age.exit_code == 2
    assert age.stderr == (
        'Error: --max-age: expected a duration such as 90s, 30m, 12h or 7d, found "soon"\n'
    )
    directory = run("check-images", str(source), "--cache", str(tmp_path))
    assert directory.exit_code == 2
    assert directory.stderr == f"Error: cannot use image-check cache {tmp_path}: is a directory\n"
    bad = run("check-images", str(source), "--per-host", "0")
    assert bad.exit_code == 2
    assert "--per-host" in bad.stderr


def test_a_syntax_error_exits_1_with_its_position(tmp_path):
    source = tmp_path / "broken.edn"
    source.write_text('{:ident :m :data [[[:im.image/id] {:im.image/url "x"}]', "utf-8")
    result = run("check-images", str(source), "--no-cache")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {source}:1:")
    assert result.stdout == ""


def test_credentials_never_reach_the_output(tmp_path):
    source = tmp_path / "creds.edn"
    source.write_text(
        "{:ident :m :data [[[:im.image/id :image/a]"
        ' #:im.image{:url "https://jane:hunter2@images.example.com/a.jpg"}]]}',
        "utf-8",
    )
    for output_format in ("text", "json"):
        result = run("check-images", str(source), "--no-cache", "--format", output_format)
        assert result.exit_code == 1
        assert "hunter2" not in result.output
        assert "https://***@images.example.com/a.jpg" in result.stdout


def test_official_example_images_fail_offline_without_a_traceback(tmp_path):
    # asset-url.someservice.com does not resolve here (no network in tests): unreachable
    async_free = run("check-images", str(OFFICIAL_EXAMPLE), "--no-cache", "--timeout", "2")
    assert async_free.exit_code == 1
    assert "Traceback" not in async_free.output
    assert "image-unreachable" in async_free.stdout or "image-timeout" in async_free.stdout


def test_plain_progress_lines_when_stderr_is_not_a_terminal(tmp_path, server, monkeypatch):
    monkeypatch.setenv("MIGRATE_PROGRESS_INTERVAL", "0")  # the shared display, a line each
    source = write_file(tmp_path, server, ["/photo.png", "/busy-progress", "/redirect-1"])
    result = run("check-images", str(source), "--allow-private-hosts", "--no-cache")
    assert result.exit_code == 0
    progress = result.stderr.splitlines()
    assert progress
    assert all(line.startswith("migrate check-images: checking ") for line in progress)
    assert " 3/3 URLs (100%), " in progress[-1] and ", done in " in progress[-1]


def test_validate_check_images_merges_image_findings(tmp_path, server):
    source = write_file(tmp_path, server, ["/photo.png", "/missing.jpg"])
    result = run(
        "validate", str(source), "--check-images", "--allow-private-hosts", "--no-image-cache"
    )
    assert result.exit_code == 1
    assert (
        f"{source}:12:1: error image-not-found: HTTP 404 Not Found: url "
        f'"{server.url("/missing.jpg")}" (image of listing :listing/sauna) [row 3 :image/i1]'
    ) in result.stdout
    clean = write_file(tmp_path, server, ["/photo.png"])
    passed = run(
        "validate", str(clean), "--check-images", "--allow-private-hosts", "--no-image-cache"
    )
    assert passed.exit_code == 0, passed.output
    assert "warning image-insecure-url" in passed.stdout
