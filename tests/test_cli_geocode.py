"""``migrate geocode`` and ``migrate geocode-cache``: exit codes and what the user sees."""

from __future__ import annotations

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner
from conftest import OFFICIAL_EXAMPLE

from migrate.cli import main
from migrate.edn.reader import DocumentReader
from migrate.edn.values import Keyword, Location
from migrate.geocode.cache import GeocodeCache

LOCATION = Keyword("im.listing/location")


def _example(tmp_path: Path, address: str) -> Path:
    text = OFFICIAL_EXAMPLE.read_text(encoding="utf-8")
    text = text.replace(":location #im/location [23.12 21.21]\n", "")
    text = text.replace(
        ':publicData {:categoryLevel1 "rock"',
        f':publicData {{:location {{:address "{address}"}} :categoryLevel1 "rock"',
    )
    path = tmp_path / "in.edn"
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_fills_locations_and_prints_the_report(tmp_path):
    source = _example(tmp_path, "Kauppatori, Helsinki, Finland")
    output = tmp_path / "out.edn"
    result = _run("geocode", str(source), "-o", str(output))
    assert result.exit_code == 0, result.output
    assert result.output == (
        "1 listings: 1 geocoded, 0 failed, 0 kept their location, 0 without an address\n"
        "  resolved  offline      city            1  (0 from cache)\n"
    )
    listing = next(iter(DocumentReader(output))).value[1]
    assert listing[LOCATION] == Location(60.16952, 24.93545)


def test_json_report(tmp_path):
    source = _example(tmp_path, "Sao Paulo, Brasil")
    result = _run("geocode", str(source), "-o", str(tmp_path / "o.edn"), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["resolved"] == [
        {"provider": "offline", "precision": "city", "count": 1, "from_cache": 0}
    ]
    assert (report["rows"], report["listings"], report["failures"]) == (9, 1, [])


def test_unresolved_address_exits_1_naming_the_count(tmp_path):
    source = _example(tmp_path, "Qwxz Plaza 9, Nowhereville")
    output = tmp_path / "out.edn"
    result = _run("geocode", str(source), "-o", str(output), "-q")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: 1 of 1 listings could not be geocoded (written to {output} without a location)\n"
    )
    assert output.exists()


def test_unresolved_address_is_listed_in_the_text_report(tmp_path):
    source = _example(tmp_path, "Qwxz Plaza 9, Nowhereville")
    result = _run("geocode", str(source), "-o", str(tmp_path / "out.edn"))
    assert result.exit_code == 1
    assert '  :listing/rock-sauna: "Qwxz Plaza 9, Nowhereville": no match\n' in result.output


def test_missing_input_exits_2(tmp_path):
    result = _run("geocode", str(tmp_path / "nope.edn"), "-o", str(tmp_path / "o.edn"))
    assert result.exit_code == 2
    assert result.output == f"Error: cannot read {tmp_path / 'nope.edn'}: no such file\n"


def test_output_option_is_required(tmp_path):
    result = _run("geocode", str(OFFICIAL_EXAMPLE))
    assert result.exit_code == 2
    assert "Missing option '-o' / '--output'" in result.output


def test_nominatim_without_user_agent_exits_2(tmp_path):
    result = _run(
        "geocode", str(OFFICIAL_EXAMPLE), "-o", str(tmp_path / "o.edn"), "--provider", "nominatim"
    )
    assert result.exit_code == 2
    assert result.output == (
        'Error: --user-agent: required for provider "nominatim": name your application and a '
        "contact, as Nominatim's usage policy asks\n"
    )
    assert not (tmp_path / "o.edn").exists()


def test_missing_api_key_variable_exits_2_without_a_traceback(tmp_path, monkeypatch):
    monkeypatch.delenv("TEST_GEOCODER_KEY", raising=False)
    result = _run(
        "geocode",
        str(OFFICIAL_EXAMPLE),
        "-o",
        str(tmp_path / "o.edn"),
        "--provider",
        "mapbox",
        "--api-key-env",
        "TEST_GEOCODER_KEY",
        "--cache",
        str(tmp_path / "c.sqlite"),
    )
    assert result.exit_code == 2
    assert result.output == (
        "Error: --api-key-env: environment variable TEST_GEOCODER_KEY is not set\n"
    )


def test_syntax_error_exits_1(tmp_path):
    source = tmp_path / "bad.edn"
    source.write_text("{:ident :x :data [", encoding="utf-8")
    result = _run("geocode", str(source), "-o", str(tmp_path / "o.edn"))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {source}:")


def test_bad_address_key_exits_2(tmp_path):
    result = _run("geocode", str(OFFICIAL_EXAMPLE), "-o", str(tmp_path / "o"), "--address-key", ".")
    assert result.exit_code == 2
    assert result.output == 'Error: --address-key ".": must name a key, e.g. location.address\n'


def test_cache_stats_and_clear(tmp_path):
    path = tmp_path / "geo.sqlite"
    assert _run("geocode-cache", "stats", "--cache", str(path)).output == f"{path}: empty\n"
    with GeocodeCache(path) as cache:
        cache.put("nominatim", "Helsinki", Location(60.17, 24.94), "city", 1.0)
        cache.put("nominatim", "Nowhere", None, "none", 0.0)
    stats = _run("geocode-cache", "stats", "--cache", str(path))
    assert stats.exit_code == 0
    lines = stats.output.splitlines()
    assert lines[0].startswith(f"{path}: 2 addresses, ")
    assert lines[1].split() == ["provider", "found", "not", "found"]
    assert lines[3].split() == ["nominatim", "1", "1"]
    as_json = json.loads(
        _run("geocode-cache", "stats", "--cache", str(path), "--format", "json").output
    )
    assert as_json["providers"] == [{"provider": "nominatim", "found": 1, "not_found": 1}]
    cleared = _run("geocode-cache", "clear", "--cache", str(path), "--provider", "mapbox")
    assert cleared.output == f"{path}: removed 0 addresses from the cache\n"
    cleared = _run("geocode-cache", "clear", "--cache", str(path))
    assert (cleared.exit_code, cleared.output) == (
        0,
        f"{path}: removed 2 addresses from the cache\n",
    )


def test_cache_that_is_a_directory_exits_2(tmp_path):
    result = _run("geocode-cache", "stats", "--cache", str(tmp_path))
    assert result.exit_code == 2
    assert result.output == f"Error: cannot use geocoding cache {tmp_path}: is a directory\n"


def test_default_cache_that_is_a_directory_exits_2(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "sharetribe-migrate" / "geocode.sqlite").mkdir(parents=True)
    result = _run("geocode-cache", "clear")
    assert result.exit_code == 2
    expected = tmp_path / "sharetribe-migrate" / "geocode.sqlite"
    assert result.output == f"Error: cannot use geocoding cache {expected}: is a directory\n"


class _Nominatim(BaseHTTPRequestHandler):
    """Answers every search with Helsinki, as a street, in Nominatim's JSON; counts requests."""

    requests = 0

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).requests += 1
        body = json.dumps(
            [{"lat": "60.1699", "lon": "24.9384", "display_name": "x", "addresstype": "road"}]
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_nominatim_run_then_a_second_run_from_the_cache(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Nominatim)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    source = _example(tmp_path, "Mannerheimintie 1, Helsinki")
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
        "--cache",
        str(tmp_path / "geo.sqlite"),
    ]
    try:
        first = _run(*arguments)
        second = _run(*arguments)
    finally:
        server.shutdown()
        server.server_close()
    assert first.exit_code == 0, first.output
    assert "  resolved  nominatim    street          1  (0 from cache)\n" in first.output
    assert second.exit_code == 0, second.output
    assert "  resolved  nominatim    street          1  (1 from cache)\n" in second.output
    assert _Nominatim.requests == 1
    listing = next(iter(DocumentReader(tmp_path / "out.edn"))).value[1]
    assert listing[LOCATION] == Location(60.1699, 24.9384)


def test_a_file_that_is_not_a_document_reads_like_inspect_says_it(tmp_path):
    for name, text in (
        ("page.html", "<!DOCTYPE html>\n<html><body>hi</body></html>\n"),
        ("rows.edn", "[1 2]\n"),
        ("number.edn", "42\n"),
    ):
        source = tmp_path / name
        source.write_text(text, encoding="utf-8")
        result = _run("geocode", str(source), "-o", str(tmp_path / "o.edn"))
        assert result.exit_code == 1
        assert len(result.output.splitlines()) == 1
        assert result.output == _run("inspect", str(source)).output
        assert not (tmp_path / "o.edn").exists()
    assert result.output == (
        f"Error: {source}:1:1: the top-level value is a number, not the map "
        "{:ident … :data […]} of an Intermediary document\n"
    )


def test_html_page_is_named_as_such(tmp_path):
    source = tmp_path / "page.html"
    source.write_text("<!DOCTYPE html>\n<html></html>\n", encoding="utf-8")
    result = _run("geocode", str(source), "-o", str(tmp_path / "o.edn"))
    assert (result.exit_code, result.output) == (
        1,
        f"Error: {source}:1:1: the top-level value is a symbol, not the map "
        "{:ident … :data […]} of an Intermediary document (the file looks like HTML or XML)\n",
    )


def test_a_data_element_that_is_not_a_row_exits_1_at_its_position(tmp_path):
    source = tmp_path / "odd.edn"
    source.write_text('{:ident :x :data [[[:im.listing/id "x"] {}]]}\n', encoding="utf-8")
    result = _run("geocode", str(source), "-o", str(tmp_path / "o.edn"))
    assert (result.exit_code, result.output) == (
        1,
        f"Error: {source}:1:36: a :data element is not a row: the second element of the id "
        'tuple must be an import id (#uuid) or an alias (keyword), found "x"\n',
    )
    assert not (tmp_path / "o.edn").exists()


def test_an_option_the_provider_does_not_take_is_named_exit_2(tmp_path):
    source = _example(tmp_path, "Helsinki, Finland")
    result = _run(
        "geocode",
        str(source),
        "-o",
        str(tmp_path / "o.edn"),
        "--provider",
        "baidu",
        "--domain",
        "example.com",
        "--api-key-env",
        "NO_SUCH_VARIABLE",
    )
    assert (result.exit_code, result.output) == (
        2,
        'Error: --domain: provider "baidu" does not take a domain: leave it out\n',
    )
    assert not (tmp_path / "o.edn").exists()


def test_cache_commands_refuse_a_users_own_database_and_leave_it_alone(tmp_path):
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (id INTEGER)")
    before = path.read_bytes()
    for subcommand in ("stats", "clear"):
        result = _run("geocode-cache", subcommand, "--cache", str(path))
        assert (result.exit_code, result.output) == (
            2,
            f"Error: cannot use geocoding cache {path}: a SQLite database with other tables "
            "(orders), not a geocoding cache\n",
        )
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["app.db"]


def test_cache_stats_writes_nothing(tmp_path):
    path = tmp_path / "geo.sqlite"
    with GeocodeCache(path) as cache:
        cache.put("nominatim", "Helsinki", Location(60.17, 24.94), "city", 1.0)
    before = path.read_bytes()
    result = _run("geocode-cache", "stats", "--cache", str(path))
    assert result.output.startswith(f"{path}: 1 address, ")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["geo.sqlite"]
