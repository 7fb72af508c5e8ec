"""The ``migrate`` group: version, help, unknown commands, and lazy loading of commands."""

from __future__ import annotations

import importlib
import subprocess
import sys

from click.testing import CliRunner

from migrate import __version__
from migrate.cli import COMMANDS, main
from migrate.docs import ROOT

USAGE = "Usage: migrate [OPTIONS] COMMAND [ARGS]...\n"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="migrate")


def listed_commands(help_text: str) -> list[str]:
    return [line.split()[0] for line in help_text.split("\nCommands:\n")[1].splitlines()]


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output == f"migrate, version {__version__}\n"


def test_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    assert result.output.startswith(
        USAGE + "\n"
        "  Move a legacy marketplace into Sharetribe through Intermediary edn files.\n"
        "\n"
        "Options:\n"
        "  --version   Show the version and exit.\n"
        "  --debug     Show the traceback of an internal error (a bug); every command\n"
        "              takes it too.\n"
        "  -h, --help  Show this message and exit.\n"
        "\n"
        "Commands:\n"
    )
    assert listed_commands(result.output) == sorted(COMMANDS)
    assert invoke("-h").output == result.output


def test_an_unknown_command_exits_2_with_clicks_message():
    result = invoke("frobnicate")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        USAGE + "Try 'migrate --help' for help.\n\nError: No such command 'frobnicate'.\n"
    )


def test_an_unknown_option_exits_2_with_clicks_message():
    result = invoke("--frobnicate")
    assert result.exit_code == 2
    assert result.stderr == (
        USAGE + "Try 'migrate --help' for help.\n\nError: No such option '--frobnicate'.\n"
    )


def test_no_arguments_shows_the_usage_and_help_on_stderr():
    result = invoke()
    assert result.exit_code == 2  # click >= 8.2: help for a missing command is a usage error
    assert result.stdout == ""
    assert result.stderr == invoke("--help").output


def test_a_command_whose_module_is_not_written_yet_is_not_offered(monkeypatch):
    monkeypatch.setitem(COMMANDS, "later", "migrate.cli.later_cmd:later_command")
    assert "later" not in listed_commands(invoke("--help").output)
    result = invoke("later")
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: No such command 'later'.\n")


def test_a_command_module_that_fails_to_import_is_not_hidden(monkeypatch, tmp_path):
    (tmp_path / "broken_cmd_for_test.py").write_text("import no_such_dependency_for_test\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(COMMANDS, "broken", "broken_cmd_for_test:broken_command")
    result = invoke("broken")
    # A bug, not "no such command": exit 3 with one line naming the missing module.
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        "Error: internal error in `migrate broken`: ModuleNotFoundError: No module named "
        "'no_such_dependency_for_test'; rerun with --debug for the traceback\n"
    )


def test_running_one_command_imports_only_that_command():
    script = (
        "import sys\n"
        "from migrate.cli import main\n"
        "try:\n"
        "    main(['inspect', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(name for name in sys.modules if name.endswith('_cmd')))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert completed.stdout.splitlines()[-1] == "['migrate.cli.inspect_cmd']"


def test_the_summaries_listed_by_help_are_the_commands_own():
    from migrate.cli import SUMMARIES

    assert set(SUMMARIES) <= set(COMMANDS)
    for name, summary in SUMMARIES.items():
        module_name, attribute = COMMANDS[name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert command.get_short_help_str(limit=1000) == summary, name


def test_migrate_help_imports_no_command_and_no_dependency_but_click():
    # What `migrate --help` imports decides how fast it is (a timed test would be flaky): the
    # group and click only; no command module, no library module, no third-party package.
    script = (
        "import sys\n"
        "sys.argv = ['migrate', '--help']\n"
        "try:\n"
        "    import runpy; runpy.run_module('migrate', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "ours = sorted(name for name in sys.modules if name.split('.')[0] == 'migrate')\n"
        "others = sorted({name.split('.')[0] for name in sys.modules}\n"
        "                - set(sys.stdlib_module_names) - {'migrate', '__main__'})\n"
        "print(ours)\n"
        "print([name for name in others if not name.startswith(('_', '__editable__'))])\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    *_, ours, others = completed.stdout.splitlines()
    # _allocator: Polars' allocator settings, set before anything can load Polars (os only).
    assert ours == "['migrate', 'migrate.cli', 'migrate.cli._allocator', 'migrate.cli._common']"
    assert others == "['click']"
