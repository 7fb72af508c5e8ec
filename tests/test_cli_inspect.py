"""``migrate inspect``: exit codes, the text and JSON outputs, one-line errors."""

from __future__ import annotations

import json
import os
import re

import pytest
from click.testing import CliRunner

from migrate.cli import main


def run(*args: str):
    return CliRunner().invoke(main, ["inspect", *args], catch_exceptions=False)


def without_timing(output: str) -> str:
    return re.sub(r"read in [0-9.]+ m?s|read in \d+m\d+s", "read in T", output)


def test_official_example_as_text(official_example):
    result = run(str(official_example))
    assert result.exit_code == 0
    size = official_example.stat().st_size
    assert without_timing(result.output) == (
        f"{official_example}: ident :marketplace-ident\n"
        f"9 rows, {size:,} bytes, read in T\n"
        "\n"
        "Row type        Rows   Alias   Import id   Neither\n"
        "──────────────────────────────────────────────────\n"
        "listing            1       1           1         0\n"
        "user               2       2           0         0\n"
        "image              3       1           2         1\n"
        "stripeAccount      1       0           0         1\n"
        "review             2       0           0         2\n"
        "\n"
        "Reference                By alias   By id\n"
        "─────────────────────────────────────────\n"
        ":im.listing/author              1       0\n"
        ":im.userProfile/avatar          1       0\n"
        ":im.image/listing               1       1\n"
        ":im.stripeAccount/user          1       0\n"
        ":im.review/author               2       0\n"
        ":im.review/subject              2       0\n"
        ":im.review/listing              1       0\n"
    )


def test_official_example_as_json(official_example):
    result = run(str(official_example), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["rows_total"] == 9
    assert {name: count["rows"] for name, count in data["types"].items()} == {
        "listing": 1,
        "user": 2,
        "image": 3,
        "stripeAccount": 1,
        "review": 2,
    }
    assert data["ident"] == ":marketplace-ident"
    assert data["path"] == str(official_example)


def test_notes_and_unrecognised_rows_are_shown(tmp_path):
    path = tmp_path / "odd.edn"
    path.write_text("{:data [[1] [[:im.user/id] {}]] :extra 1}", "utf-8")
    result = run(str(path))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"{path}: ident (none)"
    assert lines[2:4] == ["note: no :ident", "note: unknown top-level key :extra at 1:33"]
    assert "1 :data element is not a row (run `migrate validate` for details)" in lines


MALFORMED = {
    "unbalanced": (
        b"{:ident :m :data [[[:im.user/id] {}]}",
        "1:37: unbalanced '}': the vector opened at 1:18 needs ']'",
    ),
    "truncated": (
        b"{:ident :m\n :data [[[:im.user/id] {:im.user/role [",
        "2:40: unterminated vector starting at 2:39",
    ),
    "html": (
        b"<!DOCTYPE html>\n<html><body>Not found</body></html>\n",
        "1:1: the top-level value is a symbol, not the map {:ident \u2026 :data [\u2026]} of an "
        "Intermediary document (the file looks like HTML or XML)",
    ),
    "empty": (b"", "1:1: empty document"),
    "binary": (b"\xff\xfe\x00\x01garbage\x80", "1:1: invalid UTF-8 byte 0xff"),
    "nested": (b"{:ident :m :data " + b"[" * 100_000, "1:10019: nesting deeper than 10000 levels"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_input_is_one_line_with_position_and_exit_1(tmp_path, name):
    content, message = MALFORMED[name]
    path = tmp_path / f"{name}.edn"
    path.write_bytes(content)
    result = run(str(path))
    assert result.exit_code == 1
    assert result.output == f"Error: {path}:{message}\n"


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_input_in_json_mode_is_the_same_error(tmp_path, name):
    content, message = MALFORMED[name]
    path = tmp_path / f"{name}.edn"
    path.write_bytes(content)
    result = run(str(path), "--format", "json")
    assert result.exit_code == 1
    assert result.output == f"Error: {path}:{message}\n"


def test_missing_path_exits_2(tmp_path):
    path = tmp_path / "missing.edn"
    result = run(str(path))
    assert result.exit_code == 2
    assert result.output == f"Error: cannot read {path}: no such file\n"


def test_directory_exits_2(tmp_path):
    result = run(str(tmp_path))
    assert result.exit_code == 2
    assert result.output == f"Error: cannot read {tmp_path}: is a directory\n"


def test_unreadable_file_exits_2(tmp_path, monkeypatch):
    path = tmp_path / "secret.edn"
    path.write_text("{}", "utf-8")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads every file; make os.access answer as for a user
        monkeypatch.setattr(os, "access", lambda target, mode: False)
    result = run(str(path))
    assert result.exit_code == 2
    assert result.output == f"Error: cannot read {path}: permission denied\n"


def test_bad_format_option_exits_2(official_example):
    result = run(str(official_example), "--format", "yaml")
    assert result.exit_code == 2
    assert "Invalid value for '--format': 'yaml' is not one of 'text', 'json'." in result.output


def test_missing_argument_exits_2():
    result = run()
    assert result.exit_code == 2
    assert "Missing argument 'FILE.edn'." in result.output


def test_help_describes_the_command():
    result = run("--help")
    assert result.exit_code == 0
    assert "Count the rows, identifiers and references of an Intermediary FILE.edn." in (
        result.output
    )
    assert "--format [text|json]" in result.output
