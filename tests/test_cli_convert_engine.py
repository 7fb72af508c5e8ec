"""``migrate convert --engine``: both engines from the command line, same files, clear errors."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import SAMPLES

from migrate.cli import main


def run(*args: str):
    return CliRunner().invoke(main, ["convert", *args])


def test_both_engines_write_the_same_files_from_the_command_line(tmp_path: Path):
    job = str(SAMPLES / "csv" / "job.toml")
    columns = run(job, "--output-dir", str(tmp_path / "columns"), "--quiet")
    rows = run(job, "--output-dir", str(tmp_path / "rows"), "--engine", "rows", "--quiet")
    assert (columns.exit_code, rows.exit_code) == (0, 0)
    assert columns.stdout == rows.stdout == ""
    for name in ("trailhop.edn", "trailhop.rejects.csv"):
        assert (tmp_path / "columns" / name).read_bytes() == (tmp_path / "rows" / name).read_bytes()


def test_an_unknown_engine_is_a_usage_error(tmp_path: Path):
    result = run(str(SAMPLES / "csv" / "job.toml"), "--engine", "fast")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Invalid value for '--engine': 'fast' is not one of 'columns', 'rows'." in result.stderr
