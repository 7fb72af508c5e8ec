"""Progress of long commands (migrate/cli/progress.py): terminal, log lines, quiet."""

from __future__ import annotations

import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.cli.progress import progress_display
from migrate.format import count, duration, number, plural


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_every_interval_with_rate_and_time_left():
    stream, clock = io.StringIO(), _Clock()
    with progress_display("migrate geocode", stream=stream, interval=10, clock=clock) as display:
        task = display.task("geocoding", "address", 500)
        for done in range(1, 121):
            clock.now = done * 1.0
            task.update(done)
    assert stream.getvalue().splitlines() == [
        "migrate geocode: geocoding 10/500 addresses (2%), 1.0/s, 8m10s left",
        "migrate geocode: geocoding 20/500 addresses (4%), 1.0/s, 8m00s left",
        *[
            f"migrate geocode: geocoding {n}/500 addresses ({n * 100 // 500}%), 1.0/s, "
            f"{duration(500 - n)} left"
            for n in range(30, 121, 10)
        ],
        "migrate geocode: geocoding 120/500 addresses (24%), 1.0/s, done in 2m00s",
    ]


def test_a_task_without_total_and_a_short_run_print_nothing_or_counts():
    stream, clock = io.StringIO(), _Clock()
    with progress_display("migrate convert", stream=stream, interval=5, clock=clock) as display:
        short = display.task("read", "row")
        short.update(3)  # less than the interval: nothing, not even a last line
        assert stream.getvalue() == ""
        clock.now = 6
        short.update(12_000)
    assert stream.getvalue().splitlines() == [
        "migrate convert: read 12,000 rows, 2,000/s",
        "migrate convert: read 12,000 rows, 2,000/s, done in 6.0 s",
    ]


def test_quiet_prints_nothing(monkeypatch):
    stream = io.StringIO()
    with progress_display("x", quiet=True, stream=stream, interval=0) as display:
        display.task("check", "row", 10).update(5)
    assert stream.getvalue() == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_rich_and_no_colour_with_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    stream = _Terminal()
    with progress_display("x", stream=stream, interval=0) as display:
        task = display.task("check", "row", 10)
        task.update(5)
    text = stream.getvalue()
    assert "check" in text  # rich drew the bar
    assert not re.search(r"\x1b\[[0-9;]*3[0-9](;[0-9]+)*m", text)  # no colour codes


def test_term_dumb_gets_plain_lines(monkeypatch):
    monkeypatch.setenv("TERM", "dumb")
    stream = _Terminal()
    with progress_display("x", stream=stream, interval=0) as display:
        display.task("check", "row", 10).update(5)
    assert stream.getvalue().startswith("x: check 5/10 rows (50%), ")


def test_numbers_are_written_one_way():
    assert number(3555) == "3,555"
    assert count(1, "row") == "1 row"
    assert count(3555, "row") == "3,555 rows"
    assert count(2, "address") == "2 addresses"
    assert plural("entry", 0) == "entries"
    assert [duration(s) for s in (0.85, 2.42, 380, 3900)] == ["850 ms", "2.4 s", "6m20s", "1h05m"]


class _Geocoder(BaseHTTPRequestHandler):
    """A Nominatim stand-in on 127.0.0.1: every address is in Helsinki."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps(
            [{"lat": "60.1699", "lon": "24.9384", "display_name": "x", "addresstype": "road"}]
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _listings(path: Path, count: int) -> Path:
    rows = "\n".join(
        f'[[:im.listing/id :listing/l{index}] {{:im.listing/title "Tent {index}" '
        f':im.listing/publicData {{:location {{:address "Street {index}, Helsinki"}}}}}}]'
        for index in range(count)
    )
    path.write_text(f"{{:ident :progress-test\n :data [\n{rows}]}}\n", "utf-8")
    return path


def test_a_non_terminal_geocode_run_prints_progress_lines(tmp_path, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Geocoder)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("MIGRATE_PROGRESS_INTERVAL", "0")  # a line per address
    source = _listings(tmp_path / "in.edn", 4)
    arguments = [
        "geocode",
        str(source),
        "-o",
        str(tmp_path / "out.edn"),
        "--provider",
        "nominatim",
        "--user-agent",
        "sharetribe-migrate-tests",
        "--domain",
        f"127.0.0.1:{server.server_address[1]}",
        "--scheme",
        "http",
        "--min-delay",
        "0",
        "--cache",
        str(tmp_path / "geo.sqlite"),
    ]
    try:
        result = CliRunner().invoke(main, arguments)
        quiet = CliRunner().invoke(main, [*arguments, "-q"])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    for done in range(1, 4):
        assert any(
            re.fullmatch(
                rf"migrate geocode: geocoding {done}/4 addresses \({done * 25}%\), "
                r"[0-9.,]+/s, .+ left",
                line,
            )
            for line in lines
        ), lines
    assert re.fullmatch(
        r"migrate geocode: geocoding 4/4 addresses \(100%\), [0-9.,]+/s, done in .+", lines[-1]
    ), lines
    assert "resolved  nominatim" in result.stdout  # the report stays on stdout
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


@pytest.mark.parametrize("quiet", [False, True])
def test_convert_prints_stage_progress_in_a_log(tmp_path, monkeypatch, quiet):
    monkeypatch.setenv("MIGRATE_PROGRESS_INTERVAL", "0")
    (tmp_path / "users.csv").write_text(
        "id,email,first,last,joined\n1,a@example.com,A,B,2021-06-14T09:32:11Z\n", "utf-8"
    )
    (tmp_path / "job.toml").write_text(
        'ident = "p"\n[sources.users]\ntype = "csv"\npath = "users.csv"\n'
        '[records.user]\nsource = "users"\nid = "id"\n[records.user.mapping]\n'
        'email = "email"\nfirstName = "first"\nlastName = "last"\n'
        'createdAt = { column = "joined", transform = "date" }\n',
        "utf-8",
    )
    result = CliRunner().invoke(
        main, ["convert", str(tmp_path / "job.toml"), *(["-q"] if quiet else [])]
    )
    assert result.exit_code == 0, result.output
    if quiet:
        assert result.stderr == ""
    else:
        assert "rows" not in result.stderr  # one row: the noun agrees
        assert re.search(r"^migrate convert: read 1 row, ", result.stderr, re.M), result.stderr
        # the rows to write are known once settled: the line gives the total
        assert re.search(
            r"^migrate convert: write 1/1 row \(100%\), .+, done in ", result.stderr, re.M
        )


@pytest.mark.parametrize("quiet", [False, True])
def test_anonymise_prints_stage_progress_in_a_log(tmp_path, monkeypatch, quiet, official_example):
    monkeypatch.setenv("MIGRATE_PROGRESS_INTERVAL", "0")
    out = tmp_path / "dev.edn"
    arguments = ["anonymise", str(official_example), "-o", str(out), "--ident", "dev"]
    result = CliRunner().invoke(main, [*arguments, "--seed", "s", *(["-q"] if quiet else [])])
    assert result.exit_code == 0, result.output
    if quiet:
        assert (result.stdout, result.stderr) == ("", "")
        return
    lines = result.stderr.splitlines()
    assert re.match(r"migrate anonymise: check [0-9.]+ kB/[0-9.]+ kB \(100%\)", lines[0]), lines
    assert re.search(r"^migrate anonymise: scan 9/9 rows \(100%\)", result.stderr, re.M), lines
    assert re.search(
        r"^migrate anonymise: write 8/8 rows \(100%\), .+, done in ", result.stderr, re.M
    )
    assert re.match(r"migrate anonymise: verify [0-9.]+ kB/[0-9.]+ kB \(100%\)", lines[-1]), lines
    assert "John" not in result.stderr  # progress never shows a value of the input
    assert "migrate anonymise" not in result.stdout  # the report stays on stdout, progress apart
