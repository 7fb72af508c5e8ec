"""migrate/cli/_common.py: the options, input checks and error mapping every command shares."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from migrate.cli._common import (
    BadUsage,
    RunFailed,
    emit_json,
    file_argument,
    format_option,
    os_error_message,
    quiet_option,
    readable_file,
    user_errors,
    writable_file,
)
from migrate.edn.errors import EdnSyntaxError
from migrate.edn.writer import EdnWriteError
from migrate.errors import ConfigError, MigrateError


class SourceGone(Exception):
    """A command-specific failure."""


class BadFlag(Exception):
    """A command-specific usage problem."""


def command_raising(error: BaseException) -> click.Command:
    @click.command()
    @format_option
    @quiet_option
    def command(output_format: str, quiet: bool) -> None:
        with user_errors(failed=(SourceGone,), usage=(BadFlag,)):
            raise error

    return command


@pytest.mark.parametrize(
    ("error", "exit_code", "output"),
    [
        (
            EdnSyntaxError("unexpected ']'", "data.edn", 3, 14),
            1,
            "Error: data.edn:3:14: unexpected ']'\n",
        ),
        (EdnWriteError("illegal keyword :user/1a"), 1, "Error: illegal keyword :user/1a\n"),
        (MigrateError("12 rows rejected"), 1, "Error: 12 rows rejected\n"),
        (SourceGone("the source went away"), 1, "Error: the source went away\n"),
        (
            ConfigError("job.toml: [source] path: missing"),
            2,
            "Error: job.toml: [source] path: missing\n",
        ),
        (BadFlag("--limit must be positive"), 2, "Error: --limit must be positive\n"),
        (
            FileNotFoundError(2, "No such file or directory", "in.csv"),
            2,
            "Error: cannot open in.csv: no such file or directory\n",
        ),
        (MigrateError("first line\n  second line"), 1, "Error: first line second line\n"),
    ],
)
def test_library_errors_become_one_line_and_an_exit_code(error, exit_code, output):
    result = CliRunner().invoke(command_raising(error), [])
    assert result.exit_code == exit_code
    assert result.output == output


def test_other_exceptions_are_bugs_and_propagate():
    result = CliRunner().invoke(command_raising(KeyError("x")), [])
    assert isinstance(result.exception, KeyError)


def test_click_exception_classes_carry_the_exit_codes():
    assert RunFailed("x").exit_code == 1
    assert BadUsage("x").exit_code == 2


def test_options_are_shared_and_validated():
    command = command_raising(MigrateError("ran"))
    assert CliRunner().invoke(command, ["--format", "json", "-q"]).exit_code == 1
    result = CliRunner().invoke(command, ["--format", "xml"])
    assert result.exit_code == 2
    assert "Invalid value for '--format': 'xml' is not one of 'text', 'json'." in result.output


def test_readable_file(tmp_path):
    path = tmp_path / "a.edn"
    path.write_text("{}", "utf-8")
    assert readable_file(str(path)) == path
    with pytest.raises(BadUsage, match=r"^cannot read .*missing\.edn: no such file$"):
        readable_file(tmp_path / "missing.edn")
    with pytest.raises(BadUsage, match=r": is a directory$"):
        readable_file(tmp_path)


def test_os_error_message_without_a_filename():
    assert os_error_message(OSError(28, "No space left on device")) == "no space left on device"


def test_emit_json_keeps_order_and_unicode(capsys):
    emit_json({"b": "café", "a": [1]})
    assert capsys.readouterr().out == '{\n  "b": "café",\n  "a": [\n    1\n  ]\n}\n'


def test_file_argument_leaves_the_check_to_readable_file(tmp_path, monkeypatch):
    @click.command()
    @file_argument(metavar="FILE.edn")
    def command(file: str) -> None:
        click.echo(readable_file(file).name)

    path = tmp_path / "a.edn"
    path.write_text("{}", "utf-8")
    assert CliRunner().invoke(command, [str(path)]).output == "a.edn\n"
    monkeypatch.setattr("os.access", lambda target, mode: False)
    result = CliRunner().invoke(command, [str(path)])
    assert result.exit_code == 2
    assert result.output == f"Error: cannot read {path}: permission denied\n"
    assert "FILE.edn" in CliRunner().invoke(command, ["--help"]).output


def test_writable_file(tmp_path):
    target = tmp_path / "out.edn"
    assert writable_file(str(target)) == target
    with pytest.raises(BadUsage, match=r"^cannot write .*: is a directory$"):
        writable_file(tmp_path)
    with pytest.raises(BadUsage) as missing:
        writable_file(tmp_path / "nowhere" / "out.edn")
    assert str(missing.value.message) == (
        f"cannot write {tmp_path / 'nowhere' / 'out.edn'}: no directory {tmp_path / 'nowhere'}"
    )
    target.write_text("", "utf-8")
    with pytest.raises(BadUsage) as under_a_file:
        writable_file(target / "x.edn")
    assert under_a_file.value.message == (
        f"cannot write {target / 'x.edn'}: {target} is not a directory"
    )


def test_file_argument_takes_several_paths_and_requires_one(tmp_path):
    @click.command()
    @file_argument("sources", nargs=-1)
    def command(sources: tuple[str, ...]) -> None:
        click.echo(" ".join(readable_file(source).name for source in sources))

    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("x\n", "utf-8")
    ok = CliRunner().invoke(command, [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")])
    assert (ok.exit_code, ok.output) == (0, "a.csv b.csv\n")
    none = CliRunner().invoke(command, [])
    assert none.exit_code == 2 and "Missing argument 'SOURCES...'." in none.output
    directory = CliRunner().invoke(command, [str(tmp_path / "a.csv"), str(tmp_path)])
    assert (directory.exit_code, directory.output) == (
        2,
        f"Error: cannot read {tmp_path}: is a directory\n",
    )
