"""``docs/cli.md`` (migrate/cli_docs.py): every command's ``--help``, generated and kept current."""

from __future__ import annotations

import importlib

import click
import pytest
from click.testing import CliRunner

from migrate import cli_docs
from migrate.cli import COMMANDS, main
from migrate.docs import GENERATED, ROOT


def command_paths() -> list[tuple[str, ...]]:
    """Every command below ``migrate`` as its words, e.g. ``("geocode-cache", "stats")``."""
    root = cli_docs.root_context(main, "migrate")
    return [tuple(ctx.command_path.split()[1:]) for _, ctx in cli_docs.walk(main, root)][1:]


@pytest.fixture(scope="module")
def reference() -> str:
    return cli_docs.cli_reference()


@pytest.fixture(scope="module")
def rendered_here() -> str:
    return cli_docs.render()


def test_committed_cli_reference_is_up_to_date(reference):
    committed = (ROOT / "docs" / "cli.md").read_text("utf-8")
    assert committed == reference, (
        "docs/cli.md is stale; run `make docs` (python -m migrate.docs) and commit the result"
    )


def test_the_reference_is_registered_with_the_docs_generator():
    assert GENERATED["docs/cli.md"] == "migrate.cli_docs:cli_reference"


def test_every_registered_command_is_importable_and_named_as_registered():
    for name, target in COMMANDS.items():
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command), target
        assert command.name == name, target


def test_every_command_and_subcommand_is_documented(reference):
    paths = command_paths()
    assert {path[0] for path in paths} == set(COMMANDS)
    assert ("geocode-cache", "stats") in paths
    assert ("geocode-cache", "clear") in paths
    for path in paths:
        title = " ".join(["migrate", *path])
        heading = "#" * (1 + len(path))
        assert f"\n{heading} {title}\n\n```text\nUsage: {title} [OPTIONS]" in reference
        assert f"\n- [`{title}`](#{title.replace(' ', '-')}): " in reference
    assert reference.count("```text\nUsage: migrate") == len(paths) + 1


def test_the_reference_opens_with_the_exit_codes(reference):
    assert reference.startswith(
        "<!-- Generated from migrate/cli/ by `python -m migrate.docs`; do not edit by hand. -->\n"
        "\n# Command-line reference\n"
    )
    assert "\n## Exit codes\n\n| Code | Meaning |\n| --- | --- |\n| 0 | Success." in reference
    assert "\n| 1 | Findings or rejects that fail the run: " in reference
    assert "\n| 2 | Usage or configuration: " in reference
    assert "\n| 3 | Internal error (a bug): one line naming the command" in reference
    assert "\n| 130 | Interrupted (Ctrl-C)." in reference
    assert "\n## Conventions\n\n- `--format text|json` on every command that reports" in reference
    assert reference.index("## Exit codes") < reference.index("## Commands")


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_help_exits_0_and_is_the_documented_text(path, rendered_here):
    for option in ("--help", "-h"):
        result = CliRunner().invoke(
            main, [*path, option], prog_name="migrate", terminal_width=cli_docs.WIDTH
        )
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Usage: migrate {' '.join(path)} [OPTIONS]")
        assert f"\n```text\n{result.output}```\n" in rendered_here


def test_the_reference_does_not_depend_on_the_environment(monkeypatch, reference):
    monkeypatch.setenv("HOME", "/home/somebody")
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache/elsewhere")
    monkeypatch.setenv("COLUMNS", "40")
    again = cli_docs.cli_reference()
    assert again == reference
    assert "/home/somebody" not in again and "/var/cache/elsewhere" not in again


def test_every_help_line_fits_the_fixed_width(reference):
    inside = False
    for line in reference.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside:
            assert len(line) <= cli_docs.WIDTH, line


@click.group()
def toy() -> None:
    """A toy tool."""


@toy.command("greet")
@click.option("--name", default="world", show_default=True, help="Whom to greet.")
def greet(name: str) -> None:
    """Say hello. Then stop."""


@toy.group("db")
def database() -> None:
    """Manage the database."""


@database.command("drop")
def drop() -> None:
    """Drop it."""


def test_layout_of_a_nested_group():
    text = cli_docs.render(toy, "toy")
    assert text.startswith(
        "<!-- Generated from migrate/cli/ by `python -m migrate.docs`; do not edit by hand. -->\n"
        "\n# Command-line reference\n\n"
        "Every `toy` command with its options, exactly as `toy COMMAND --help` prints them. "
    )
    assert text.endswith(
        "## Commands\n"
        "\n"
        "- [`toy db`](#toy-db): Manage the database.\n"
        "- [`toy db drop`](#toy-db-drop): Drop it.\n"
        "- [`toy greet`](#toy-greet): Say hello.\n"
        "\n"
        "## toy\n"
        "\n"
        "```text\n"
        "Usage: toy [OPTIONS] COMMAND [ARGS]...\n"
        "\n"
        "  A toy tool.\n"
        "\n"
        "Options:\n"
        "  --help  Show this message and exit.\n"
        "\n"
        "Commands:\n"
        "  db     Manage the database.\n"
        "  greet  Say hello.\n"
        "```\n"
        "\n"
        "## toy db\n"
        "\n"
        "```text\n"
        "Usage: toy db [OPTIONS] COMMAND [ARGS]...\n"
        "\n"
        "  Manage the database.\n"
        "\n"
        "Options:\n"
        "  --help  Show this message and exit.\n"
        "\n"
        "Commands:\n"
        "  drop  Drop it.\n"
        "```\n"
        "\n"
        "### toy db drop\n"
        "\n"
        "```text\n"
        "Usage: toy db drop [OPTIONS]\n"
        "\n"
        "  Drop it.\n"
        "\n"
        "Options:\n"
        "  --help  Show this message and exit.\n"
        "```\n"
        "\n"
        "## toy greet\n"
        "\n"
        "```text\n"
        "Usage: toy greet [OPTIONS]\n"
        "\n"
        "  Say hello. Then stop.\n"
        "\n"
        "Options:\n"
        "  --name TEXT  Whom to greet.  [default: world]\n"
        "  --help       Show this message and exit.\n"
        "```\n"
    )


def all_commands() -> list[click.Command]:
    root = cli_docs.root_context(main, "migrate")
    return [command for command, _ in cli_docs.walk(main, root)]


@pytest.mark.parametrize("option", ["--format", "--quiet"])
def test_shared_options_are_identical_wherever_they_appear(option):
    found = {
        command.name: parameter.to_info_dict()
        for command in all_commands()
        for parameter in command.params
        if option in parameter.opts
    }
    assert len(found) >= 2, found
    first = next(iter(found.values()))
    for name, info in found.items():
        assert info == first, f"{option} of `{name}` differs from the shared option"


def test_every_help_text_opens_with_one_sentence():
    for command in all_commands():
        first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
        assert first_paragraph.endswith("."), command.name
        abbreviations_aside = first_paragraph.replace("e.g. ", "").replace("i.e. ", "")
        assert ". " not in abbreviations_aside, command.name
