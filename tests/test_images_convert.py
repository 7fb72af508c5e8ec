"""``[images] check = true`` in ``migrate convert``: failing image rows are rejected with their
outcome, the cascade follows (the listing stays), and the job table is checked."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES
from images_server import ImageServer

from migrate.cli import main
from migrate.convert.job import load_job
from migrate.convert.outputs import read_rejects
from migrate.errors import ConfigError
from migrate.images.convert_hook import parse_images_config
from migrate.images.settings import DEFAULTS


@pytest.fixture(scope="module")
def server() -> Iterator[ImageServer]:
    running = ImageServer().start()
    yield running
    running.stop()


def sample_job(tmp_path: Path, server: ImageServer, images_table: str) -> Path:
    """The CSV sample with its image URLs on the local server; every 50th image is missing."""
    folder = tmp_path / "job"
    shutil.copytree(SAMPLES / "csv", folder)
    shutil.copytree(SAMPLES / "marketplace", tmp_path / "marketplace")  # the job's [marketplace]
    images = folder / "listing_images.csv"
    with images.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    for number, row in enumerate(rows):
        path = "/missing.jpg" if number % 50 == 0 else f"/img/{row['id']}.png"
        row["url"] = server.url(path)
    with images.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    job = folder / "job.toml"
    job.write_text(job.read_text("utf-8") + "\n" + images_table, "utf-8")
    return job


def test_convert_rejects_failing_images_and_keeps_their_listings(tmp_path, server, monkeypatch):
    job = sample_job(
        tmp_path, server, "[images]\ncheck = true\nallow_private_hosts = true\ncache = false\n"
    )
    result = CliRunner().invoke(main, ["convert", str(job), "--output-dir", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "o" / "trailhop.report.json").read_text("utf-8"))
    images = report["images"]
    assert images["failed"] == images["outcomes"]["image-not-found"] > 0
    assert images["requests"] == images["distinct_urls"]  # one HEAD per distinct URL
    assert images["distinct_urls"] == images["images"] - images["failed"] + 1  # one 404 URL
    rejects = [row for row in read_rejects(tmp_path / "o" / "trailhop.rejects.csv")]
    missing = [row for row in rejects if row["rule"] == "image-not-found"]
    assert len(missing) == images["failed"]
    assert missing[0]["record_type"] == "image"
    assert missing[0]["message"] == "HTTP 404 Not Found"
    assert json.loads(missing[0]["values"]) == {":im.image/url": server.url("/missing.jpg")}
    # the listings of rejected images are all still written; no cascade reached them
    assert not [
        row for row in rejects if row["record_type"] == "listing" and "image" in row["message"]
    ]
    written = (tmp_path / "o" / "trailhop.edn").read_text("utf-8")
    assert server.url("/missing.jpg") not in written
    # Against the same job without the check: the same listings, the failing images fewer.
    unchecked_job = job.with_name("unchecked.toml")
    unchecked_job.write_text(job.read_text("utf-8").replace("check = true", "check = false"))
    # Without the image check nothing lets the local test server's loopback host through, and
    # url-host-not-public would refuse every image: count it as public for this comparison.
    monkeypatch.setattr("migrate.rules.values.host_problem", lambda host: None)
    unchecked = CliRunner().invoke(
        main, ["convert", str(unchecked_job), "--output-dir", str(tmp_path / "u")]
    )
    assert unchecked.exit_code == 0, unchecked.output
    plain = json.loads((tmp_path / "u" / "trailhop.report.json").read_text("utf-8"))["types"]
    checked = report["types"]
    assert checked["listing"]["written"] == plain["listing"]["written"]
    before = (tmp_path / "u" / "trailhop.edn").read_text("utf-8").count(server.url("/missing.jpg"))
    assert before > 0
    assert checked["image"]["written"] == plain["image"]["written"] - before


def test_convert_without_the_check_asks_nothing(tmp_path, server):
    job = sample_job(tmp_path, server, "[images]\ncheck = false\n")
    server.requests.clear()
    result = CliRunner().invoke(main, ["convert", str(job), "--output-dir", str(tmp_path / "o")])
    # Every image points at the loopback test server: all rejected for one rule, exit 1 with a
    # hint (issue 11), and still nothing asked.
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("hint: all ")
    assert " image rows were rejected for url-host-not-public " in result.stderr
    assert server.requests == []
    report = json.loads((tmp_path / "o" / "trailhop.report.json").read_text("utf-8"))
    assert "images" not in report


def test_images_table_is_checked(tmp_path):
    job = tmp_path / "job.toml"
    config = parse_images_config({"check": True, "rate": 5, "max_age": "12h"}, job)
    assert config is not None
    assert (config.settings.rate, config.settings.max_age) == (5.0, 43_200.0)
    assert config.settings.per_host == DEFAULTS.per_host
    assert parse_images_config({"check": False, "rate": 5}, job) is None
    relative = parse_images_config({"check": True, "cache": "cache/images.sqlite"}, job)
    assert relative is not None and relative.cache == tmp_path / "cache" / "images.sqlite"
    cases = {
        "speed": f"{job}: images.speed: unknown key (known: check, allow_private_hosts, ",
        "rate": f"{job}: images.rate: expected a number, got 'fast'",
        "per_host": f"{job}: images.per_host: must be at least 1",
        "max_age": f'{job}: images.max_age: expected a duration such as 90s, 30m, 12h or 7d, found "soon"',
    }
    bad = {"speed": 1, "rate": "fast", "per_host": 0, "max_age": "soon"}
    for key, expected in cases.items():
        with pytest.raises(ConfigError) as raised:
            parse_images_config({"check": True, key: bad[key]}, job)
        assert str(raised.value).startswith(expected)


def test_load_job_reads_the_images_table(tmp_path, server):
    job = sample_job(tmp_path, server, "[images]\ncheck = true\nper_host = 2\n")
    loaded = load_job(job, check_sources=False)
    assert loaded.images is not None
    assert loaded.images.settings.per_host == 2
    broken = sample_job(tmp_path / "b", server, '[images]\ncheck = "yes"\n')
    with pytest.raises(ConfigError, match="images.check: expected true or false, got 'yes'"):
        load_job(broken, check_sources=False)
