"""The conventions every command shares (migrate/cli/_common.py, enforced by the group).

For each command: ``--format json`` parses, ``-o -`` writes to stdout, ``-`` reads stdin, an
injected internal error exits 3 with one line, a simulated Ctrl-C exits 130, ``--quiet`` prints
nothing on success; stdout and stderr are checked apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import OFFICIAL_EXAMPLE

from migrate.cli import main

JOB = """ident = "tiny"

[output]
dir = "out"
name = "tiny"

[sources.users]
type = "csv"
path = "users.csv"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
email = "email"
firstName = "first"
lastName = "last"
createdAt = { column = "joined", transform = "date" }
"""

USERS = """id,email,first,last,joined
1,ann@example.com,Ann,Lee,2021-06-14T09:32:11Z
2,bob@example.com,Bob,Kay,2021-06-15T09:32:11Z
"""


def run(*args: object, input: bytes | None = None):
    return CliRunner().invoke(main, [str(arg) for arg in args], input=input, prog_name="migrate")


@dataclass
class Case:
    """How one command is run on good input, and the library call to break."""

    name: str
    args: list[str]  # {tmp} is the test's folder, {example} the official example, {job}
    target: str  # "module:attribute" the command calls (raises for the error tests)
    stdin_args: list[str] | None = None  # '-' as the FILE argument
    stdout_args: list[str] | None = None  # '-o -'
    json: bool = True
    quiet: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    def resolve(self, args: list[str], paths: dict[str, Path]) -> list[str]:
        return [arg.format(**{key: str(value) for key, value in paths.items()}) for arg in args]


CASES = [
    Case(
        "inspect",
        ["inspect", "{example}"],
        "migrate.cli.inspect_cmd:inspect_file",
        stdin_args=["inspect", "-"],
        stdout_args=["inspect", "{example}", "-o", "-"],
    ),
    Case(
        "validate",
        ["validate", "{example}"],
        "migrate.cli.validate_cmd:validate_file",
        stdin_args=["validate", "-"],
        stdout_args=["validate", "{example}", "-o", "-"],
    ),
    Case(
        "convert",
        ["convert", "{job}"],
        "migrate.convert.pipeline:convert",
        stdout_args=["convert", "{job}", "-o", "-"],
    ),
    Case(
        "init",
        ["init", "{users}", "-o", "{tmp}/starter.toml", "--force"],
        "migrate.convert.starter:starter_job",
        stdout_args=["init", "{users}", "-o", "-"],
    ),
    Case(
        "geocode",
        ["geocode", "{example}", "-o", "{tmp}/located.edn"],
        "migrate.geocode.fill:fill_file",
        stdin_args=["geocode", "-", "-o", "{tmp}/located.edn"],
        stdout_args=["geocode", "{example}", "-o", "-"],
    ),
    Case(
        "geocode-cache stats",
        ["geocode-cache", "stats", "--cache", "{tmp}/cache.sqlite"],
        "migrate.geocode.cache:default_cache_path",
        stdout_args=["geocode-cache", "stats", "--cache", "{tmp}/cache.sqlite", "-o", "-"],
        extra={"no-cache": "1"},
    ),
    Case(
        "geocode-cache clear",
        ["geocode-cache", "clear", "--cache", "{tmp}/cache.sqlite"],
        "migrate.geocode.cache:default_cache_path",
        extra={"no-cache": "1"},
    ),
    Case(
        "anonymise",
        ["anonymise", "{example}", "-o", "{tmp}/dev.edn", "--ident", ":dev", "--seed", "s"],
        "migrate.cli.anonymise_cmd:anonymise",
        stdin_args=["anonymise", "-", "-o", "{tmp}/dev.edn", "--ident", ":dev", "--seed", "s"],
    ),
]


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "users.csv").write_text(USERS, "utf-8")
    job = tmp_path / "job.toml"
    job.write_text(JOB, "utf-8")
    return {
        "tmp": tmp_path,
        "example": OFFICIAL_EXAMPLE,
        "job": job,
        "users": tmp_path / "users.csv",
    }


def _ids(cases: list[Case]) -> list[str]:
    return [case.name for case in cases]


def _break(monkeypatch: pytest.MonkeyPatch, case: Case, error: BaseException) -> None:
    module, attribute = case.target.split(":")

    def broken(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(f"{module}.{attribute}", broken)


def _breakable_args(case: Case, paths: dict[str, Path]) -> list[str]:
    args = case.resolve(case.args, paths)
    if case.extra.get("no-cache"):
        # the cache commands call default_cache_path() only without --cache
        args = [arg for arg in args if arg != "--cache" and not arg.endswith("cache.sqlite")]
    return args


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_an_internal_error_exits_3_with_one_line(case, paths, monkeypatch):
    _break(monkeypatch, case, KeyError("boom"))
    result = run(*_breakable_args(case, paths))
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: internal error in `migrate {case.name}`")
    assert line.endswith(": KeyError: 'boom'; rerun with --debug for the traceback")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_debug_shows_the_traceback_and_still_exits_3(case, paths, monkeypatch):
    _break(monkeypatch, case, KeyError("boom"))
    result = run(*_breakable_args(case, paths), "--debug")
    assert result.exit_code == 3
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert "KeyError: 'boom'\n" in result.stderr
    assert result.stderr.endswith("rerun with --debug for the traceback\n")


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_ctrl_c_exits_130_with_one_line(case, paths, monkeypatch):
    _break(monkeypatch, case, KeyboardInterrupt())
    result = run(*_breakable_args(case, paths))
    assert (result.exit_code, result.stdout) == (130, "")
    assert result.stderr == "Error: interrupted; no new output was written\n"


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.json], ids=_ids([c for c in CASES if c.json])
)
def test_format_json_parses(case, paths):
    result = run(*case.resolve(case.args, paths), "--format", "json")
    assert result.exit_code in (0, 1), result.output  # the example has warnings, no errors
    assert isinstance(json.loads(result.stdout), dict)
    assert result.stderr == ""


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.quiet], ids=_ids([c for c in CASES if c.quiet])
)
def test_quiet_prints_nothing_on_success(case, paths):
    for extra in ([], ["--format", "json"]):
        result = run(*case.resolve(case.args, paths), "-q", *extra)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", ""), extra


STDIN_CASES = [c for c in CASES if c.stdin_args]


@pytest.mark.parametrize("case", STDIN_CASES, ids=_ids(STDIN_CASES))
def test_dash_reads_standard_input(case, paths):
    assert case.stdin_args is not None
    from_file = run(*case.resolve(case.args, paths), "--format", "json")
    from_stdin = run(
        *case.resolve(case.stdin_args, paths),
        "--format",
        "json",
        input=OFFICIAL_EXAMPLE.read_bytes(),
    )
    assert from_stdin.exit_code == from_file.exit_code, from_stdin.output
    assert from_stdin.stderr == ""
    # The same report, with the file named <stdin> (never the temporary copy).
    assert "migrate-stdin-" not in from_stdin.stdout
    expected = json.loads(from_file.stdout.replace(str(OFFICIAL_EXAMPLE), "<stdin>"))
    assert _untimed(json.loads(from_stdin.stdout)) == _untimed(expected)


def _untimed(data: object) -> object:
    """``data`` without the timings, which differ from run to run."""
    if isinstance(data, dict):
        return {
            key: _untimed(value)
            for key, value in data.items()
            if "seconds" not in key and key != "timings"
        }
    if isinstance(data, list):
        return [_untimed(item) for item in data]
    return data


STDOUT_CASES = [c for c in CASES if c.stdout_args]


@pytest.mark.parametrize("case", STDOUT_CASES, ids=_ids(STDOUT_CASES))
def test_dash_output_writes_to_standard_output(case, paths):
    assert case.stdout_args is not None
    result = run(*case.resolve(case.stdout_args, paths))
    assert result.exit_code == 0, result.output
    assert result.stdout
    assert not (paths["tmp"] / "-").exists()
    if case.name in ("convert", "geocode"):
        assert result.stdout.startswith("{:ident ")  # the document itself; the summary: stderr
        assert result.stderr
    if case.name == "init":
        assert result.stdout.startswith("# Starter job file") or "[records.user]" in result.stdout


@pytest.mark.parametrize("case", ["convert", "geocode", "init"])
def test_dash_output_and_format_json_both_want_stdout(case, paths):
    (chosen,) = [c for c in CASES if c.name == case]
    assert chosen.stdout_args is not None
    result = run(*chosen.resolve(chosen.stdout_args, paths), "--format", "json")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: -o - and --format json both write to standard output: write the file elsewhere "
        "or drop --format json\n"
    )


def test_convert_dash_output_keeps_rejects_and_report_in_the_output_dir(paths):
    result = run("convert", paths["job"], "-o", "-")
    out = paths["tmp"] / "out"
    assert sorted(p.name for p in out.iterdir()) == ["tiny.rejects.csv", "tiny.report.json"]
    report = json.loads((out / "tiny.report.json").read_text("utf-8"))
    assert report["outputs"] == {
        "edn": "-",
        "rejects": str(out / "tiny.rejects.csv"),
        "report": str(out / "tiny.report.json"),
    }
    assert result.stdout.count("[[:im.user/id") == 2
    assert result.stderr.endswith(
        f"wrote -, {out / 'tiny.rejects.csv'}, {out / 'tiny.report.json'}\n"
    )


def test_convert_output_dir_is_the_old_name_of_o(paths, tmp_path):
    old = run("convert", paths["job"], "--output-dir", tmp_path / "a", "-q")
    new = run("convert", paths["job"], "-o", tmp_path / "b", "-q")
    assert old.exit_code == new.exit_code == 0
    assert (tmp_path / "a" / "tiny.edn").read_bytes() == (tmp_path / "b" / "tiny.edn").read_bytes()
    help_text = run("convert", "--help").stdout
    assert "\n  --output-dir" not in help_text  # hidden from the options, named in the text
    assert "(--output-dir DIR, the old spelling of -o DIR, still works.)" in " ".join(
        help_text.split()
    )
    both = run("convert", paths["job"], "-o", tmp_path / "a", "--output-dir", tmp_path / "b")
    assert both.exit_code == 2
    assert both.stderr == (
        "Error: give the output directory once: -o/--output (--output-dir is its old name)\n"
    )


def test_an_error_in_a_job_function_names_the_row(paths):
    (paths["tmp"] / "tiny_functions.py").write_text(
        "def extra(values):\n    return {'bio': values['no_such_column']}\n", "utf-8"
    )
    job = paths["job"]
    job.write_text(
        JOB.replace('id = "id"\n', 'id = "id"\nfunction = "tiny_functions:extra"\n', 1), "utf-8"
    )
    result = run("convert", job)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: internal error in `migrate convert` ({job}; users.csv:2, records.user): "
        "KeyError: 'no_such_column'; rerun with --debug for the traceback\n"
    )


def test_init_refuses_standard_input_as_a_source(paths):
    result = run("init", "-", "-o", paths["tmp"] / "job2.toml", input=USERS.encode())
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: a SOURCE cannot be '-' (standard input)")


def test_compressed_standard_input_is_one_line(paths):
    import gzip

    result = run("inspect", "-", input=gzip.compress(OFFICIAL_EXAMPLE.read_bytes()))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: <stdin>:1:1: gzip-compressed data, not edn text: decompress it first (gunzip -c)\n"
    )


def test_migrate_debug_before_the_command_works_too(paths, monkeypatch):
    monkeypatch.setattr("migrate.cli.inspect_cmd.inspect_file", _raise_key_error)
    result = run("--debug", "inspect", OFFICIAL_EXAMPLE)
    assert result.exit_code == 3
    assert result.stderr.startswith("Traceback (most recent call last):\n")


def _raise_key_error(*args: object, **kwargs: object) -> None:
    raise KeyError("boom")


def test_check_images_gets_the_central_exit_codes_too(monkeypatch):
    _break(
        monkeypatch,
        Case("check-images", [], "migrate.images.run:check_file"),
        KeyError("boom"),
    )
    result = run("check-images", OFFICIAL_EXAMPLE, "--no-cache")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: internal error in `migrate check-images` ({OFFICIAL_EXAMPLE}): KeyError: 'boom'; "
        "rerun with --debug for the traceback\n"
    )
