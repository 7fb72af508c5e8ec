"""Hostile sources: every probe gives one pinned line naming file and place, and exit code 2.

Each case is read through the library (the exact message) and through ``migrate convert``
(exit code 2, the same one line on stderr, no traceback, nothing written).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.errors import ExtractError
from migrate.extract import SourceSpec, open_source
from migrate.extract.json_text import MAX_DEPTH

JSON_JOB = """ident = "probe"

[output]
dir = "out"
name = "probe"

[sources.users]
type = "json"
path = "{path}"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
email = "email"
firstName = { column = "email" }
lastName = { column = "email" }
createdAt = { column = "joined", transform = "date" }
"""

CSV_JOB = JSON_JOB.replace('type = "json"', 'type = "csv"')


def _spec(path: Path) -> SourceSpec:
    kind = "json" if ".json" in path.name else "csv"
    return SourceSpec.from_table("users", {"type": kind, "path": path.name}, path.parent / "j")


def _read(path: Path) -> list:
    return [row.values for row in open_source(_spec(path)).rows()]


def _fails(path: Path) -> str:
    with pytest.raises(ExtractError) as caught:
        _read(path)
    return str(caught.value)


def _convert(path: Path):
    template = JSON_JOB if ".json" in path.name else CSV_JOB
    job = path.parent / "job.toml"
    job.write_text(template.replace("{path}", path.name), "utf-8")
    return CliRunner().invoke(main, ["convert", str(job), "--quiet"])


def _users(count: int, bad: str | None = None, at: int = 0) -> list[str]:
    lines = [
        f'{{"id": {n}, "email": "u{n}@example.com", "joined": "2021-06-14"}}'
        for n in range(1, count + 1)
    ]
    if bad is not None:
        lines[at] = bad
    return lines


# JSON -----------------------------------------------------------------------------------------

JSON_CASES = [
    pytest.param(
        "[\n" + ",\n".join(_users(9, '{"id": 7, "email": "a\\ud800b"}', 6)) + "\n]\n",
        "users.json:8:1: record 7, field email: lone surrogate \\ud800 in a string "
        "(not a Unicode character)",
        id="lone-surrogate",
    ),
    pytest.param(
        '[{"id": 1, "bad\\udc00key": 1}]',
        "users.json:1:2: record 1, field bad\\udc00key: lone surrogate \\udc00 in a string "
        "(not a Unicode character)",
        id="lone-surrogate-in-a-key",
    ),
    pytest.param("", "users.json: empty file (no JSON data)", id="empty"),
    pytest.param(" \n\n", "users.json: empty file (no JSON data)", id="blank"),
    pytest.param(
        '[{"id": 1, "x": ' + "[" * 1000 + "]" * 1000 + "}]",
        f"users.json:1:{15 + MAX_DEPTH}: invalid JSON: nested deeper than {MAX_DEPTH} levels",
        id="nested-1000",
    ),
    pytest.param(
        "[" * 20_000 + "]" * 20_000,
        f"users.json:1:{MAX_DEPTH + 1}: invalid JSON: nested deeper than {MAX_DEPTH} levels",
        id="nested-20000",
    ),
    pytest.param(
        '[{"id": NaN}]', "users.json:1:2: invalid JSON: NaN is not a JSON number", id="nan"
    ),
    pytest.param('[{"id": 1},]', "users.json:1:12: invalid JSON: Expecting value", id="comma"),
    pytest.param('[{"id": 1}] []', "users.json:1:13: invalid JSON: Extra data", id="extra"),
    pytest.param(
        '[{"id": 1, "email": "a@b.c"}',
        "users.json:1:29: invalid JSON: Expecting ',' delimiter",
        id="truncated",
    ),
]


@pytest.mark.parametrize(("text", "message"), JSON_CASES)
def test_hostile_json_gives_one_line(tmp_path, text, message):
    path = tmp_path / "users.json"
    path.write_text(text, "utf-8")
    assert _fails(path) == message
    result = _convert(path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {message}\n"
    assert not (tmp_path / "out" / "probe.edn").exists()


def test_json_lines_probes(tmp_path):
    path = tmp_path / "users.jsonl"
    path.write_text('{"id": 1}\n{"id": "\\ud800"}\n', "utf-8")
    spec = SourceSpec.from_table("u", {"type": "json", "path": path.name}, tmp_path / "j")
    with pytest.raises(ExtractError) as caught:
        list(open_source(spec).rows())
    assert str(caught.value) == (
        "users.jsonl:2: field id: lone surrogate \\ud800 in a string (not a Unicode character)"
    )
    path.write_text('{"id": 1}\n' + '{"a": ' * 5000 + "1" + "}" * 5000 + "\n", "utf-8")
    with pytest.raises(ExtractError) as caught:
        list(open_source(spec).rows())
    assert str(caught.value) == (
        f"users.jsonl:2:{6 * MAX_DEPTH + 1}: invalid JSON: nested deeper than {MAX_DEPTH} levels"
    )
    path.write_text("\n\n", "utf-8")
    with pytest.raises(ExtractError) as caught:
        list(open_source(spec).rows())
    assert str(caught.value) == "users.jsonl: empty file (no JSON data)"


def test_big_numbers_are_read_exactly(tmp_path):
    path = tmp_path / "users.json"
    path.write_text(
        '[{"id": 18446744073709551616, "b": 123456789012345678901234567890,'
        ' "c": 1e400, "d": -1E+400, "e": 10.0, "f": 1e-400, "g": 0.1}]',
        "utf-8",
    )
    (values,) = _read(path)
    assert values == {
        "id": 2**64,
        "b": 123456789012345678901234567890,
        "c": Decimal("1E+400"),
        "d": Decimal("-1E+400"),
        "e": 10.0,
        "f": 0.0,
        "g": 0.1,
    }
    assert type(values["id"]) is int and type(values["e"]) is float


def test_depth_limit_is_counted_from_the_top(tmp_path):
    path = tmp_path / "users.json"
    inner = MAX_DEPTH - 2  # the array and the record are two levels
    path.write_text('[{"id": 1, "x": ' + "[" * inner + "]" * inner + "}]", "utf-8")
    assert len(_read(path)) == 1
    path.write_text('[{"id": 1, "x": ' + "[" * (inner + 1) + "]" * (inner + 1) + "}]", "utf-8")
    assert "nested deeper than" in _fails(path)


def test_a_key_on_the_records_path_twice_is_an_error(tmp_path):
    (tmp_path / "users.json").write_text('{"e": {"u": [{"id": 1}]}, "e": {"u": []}}', "utf-8")
    spec = SourceSpec.from_table(
        "u", {"type": "json", "path": "users.json", "records": "e.u"}, tmp_path / "j"
    )
    with pytest.raises(ExtractError) as caught:
        list(open_source(spec).rows())
    assert str(caught.value) == 'users.json:1:32: invalid JSON: key "e" appears twice'


def test_records_far_apart_in_chunks_and_siblings_are_skipped(tmp_path):
    # Records that straddle the reader's 1 MB chunks, behind a large sibling array.
    big = {"id": 0, "text": "x" * 3_000_000}
    document = {
        "export": {
            "other": [{"n": n, "pad": "y" * 500} for n in range(5000)],
            "users": [{"id": n, "v": n * 0.5, "t": "é\\" * n} for n in range(3000)] + [big],
        }
    }
    (tmp_path / "users.json").write_text(json.dumps(document), "utf-8")
    spec = SourceSpec.from_table(
        "u", {"type": "json", "path": "users.json", "records": "export.users"}, tmp_path / "j"
    )
    rows = [row.values for row in open_source(spec).rows()]
    assert rows == document["export"]["users"]


def test_200000_deep_file_stays_small(tmp_path):
    """The 1.2 MB file nested 200,000 deep: one line, and far under 200 MB of memory."""
    path = tmp_path / "users.json"
    path.write_text('{"a":' * 200_000 + "1" + "}" * 200_000, "utf-8")
    assert path.stat().st_size > 1_200_000
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from migrate.extract import SourceSpec, open_source\n"
        "from migrate.errors import ExtractError\n"
        "p = Path(sys.argv[1])\n"
        "spec = SourceSpec.from_table('u', {'type': 'json', 'path': p.name, 'records': 'a'},"
        " p.parent / 'j')\n"
        "try:\n"
        "    list(open_source(spec).rows())\n"
        "except ExtractError as error:\n"
        "    print(error)\n"
        "status = Path('/proc/self/status')\n"
        "if status.exists():  # the peak of this process image (ru_maxrss survives exec)\n"
        "    line = next(x for x in status.read_text().splitlines() if x.startswith('VmHWM'))\n"
        "    print(int(line.split()[1]) // 1024)\n"
        "else:\n"
        "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    message, megabytes = done.stdout.splitlines()
    assert message == (
        f"users.json:1:{5 * MAX_DEPTH + 1}: invalid JSON: nested deeper than {MAX_DEPTH} levels"
    )
    assert int(megabytes) < 200


# CSV ------------------------------------------------------------------------------------------


CSV_CASES = [
    pytest.param(
        'id,email,joined\n1,a@b.c,x\n2,"b,x\n\n3,c,x\n',
        "users.csv:3: malformed CSV: the quoted field opened on this line is never closed",
        id="unbalanced-quote",
    ),
    pytest.param(
        'id,email,joined\n1,"a\nb",x\n'
        + "".join(f"{n},x,y\n" for n in range(2, 18))
        + "18,x,y,z\n",
        "users.csv:20: malformed CSV: expected 3 fields, saw 4",
        id="too-many-fields",
    ),
    pytest.param(
        "id,email,joined,email\n1,a,b,c\n",
        'users.csv:1: duplicate column name "email" in the header (columns 2 and 4)',
        id="duplicate-header",
    ),
    pytest.param(
        "id,,email,joined\n1,a,b,c\n",
        "users.csv:1: column 2 of the header has no name",
        id="empty-header-name",
    ),
    pytest.param("", "users.csv: empty file (no header line)", id="empty"),
]


@pytest.mark.parametrize(("text", "message"), CSV_CASES)
def test_hostile_csv_gives_one_line(tmp_path, text, message):
    path = tmp_path / "users.csv"
    path.write_text(text, "utf-8")
    assert _fails(path) == message
    result = _convert(path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {message}\n"


@pytest.mark.parametrize("line", [8, 15_001])
def test_an_encoding_fault_is_the_same_wherever_it_is(tmp_path, line):
    rows = [f"{n},u{n}@example.com,2021-06-14" for n in range(1, 20_000)]
    rows[line - 2] = f"{line - 1},Ren\xe9e@example.com,2021-06-14"
    (tmp_path / "users.csv").write_bytes(
        ("id,email,joined\n" + "\n".join(rows) + "\n").encode("windows-1252")
    )
    message = f'users.csv:{line}: cannot decode bytes as utf-8 (try encoding = "windows-1252")'
    assert _fails(tmp_path / "users.csv") == message
    result = _convert(tmp_path / "users.csv")
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")


def _gzip(path: Path, text: str) -> bytes:
    data = gzip.compress(text.encode("utf-8"), mtime=0)
    path.write_bytes(data)
    return data


@pytest.mark.parametrize("name", ["users.csv.gz", "users.json.gz"])
def test_truncated_gzip_names_file_and_offset(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".csv.gz"):
        text = "id,email,joined\n" + "".join(f"{n},u{n}@b.c,2021-06-14\n" for n in range(50_000))
    else:
        text = "[" + ",".join(_users(50_000)) + "]"
    data = _gzip(path, text)
    path.write_bytes(data[: len(data) // 2])
    message = (
        f"{name}: truncated gzip data: the file ends at byte offset {len(data) // 2} "
        "before the end of the compressed stream"
    )
    assert _fails(path) == message
    result = _convert(path)
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")


@pytest.mark.parametrize("name", ["users.csv.gz", "users.json.gz"])
def test_a_file_named_gz_that_is_not_gzip(tmp_path, name):
    path = tmp_path / name
    path.write_text("id,email\n1,a@b.c\n", "utf-8")
    message = (
        f"{name}: not gzip data (byte offset 0 holds 69 64, not the gzip signature 1f 8b); "
        "a file named .gz must be gzip-compressed"
    )
    assert _fails(path) == message
    result = _convert(path)
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")


def test_corrupt_gzip_data_names_the_offset(tmp_path):
    path = tmp_path / "users.csv.gz"
    data = bytearray(_gzip(path, "id,email\n" + "1,a@b.c\n" * 1000))
    data[-8] ^= 0xFF  # the CRC
    path.write_bytes(bytes(data))
    message = _fails(path)
    assert message.startswith("users.csv.gz: corrupt gzip data (CRC check failed 0x")
    assert message.endswith(f") near byte offset {len(data)}")
