"""``docs/cli.md``: every ``migrate`` command's ``--help``, generated from the click command tree.

Each section is click's own rendering (``Context.get_help``) at a fixed width, so the page is
byte for byte what ``migrate … --help`` prints on any terminal at least 80 columns wide (save
that the home directory is written ``~``). ``python -m migrate.cli_docs`` prints the page.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click

# click caps help at 80 columns and leaves a margin of 2, whatever the terminal's width.
WIDTH = 78

ROOT = Path(__file__).resolve().parent.parent

# Help strings are computed when a command module is imported and may read the environment (the
# geocoding cache's default path follows $XDG_CACHE_HOME or $HOME). The page is therefore rendered
# in a child process whose environment names those places symbolically, so it is the same on
# every machine.
FIXED_ENVIRONMENT = {
    "HOME": "~",
    "XDG_CACHE_HOME": "~/.cache",
    "PYTHONIOENCODING": "utf-8",
}

EXIT_CODES = (
    ("0", "Success. `migrate validate` may still have printed warnings."),
    (
        "1",
        "Findings or rejects that fail the run: a validation error (an edn syntax error "
        "included), records rejected under `convert --fail-on-reject`, listings `geocode` could "
        "not locate, images `check-images` found failing.",
    ),
    (
        "2",
        "Usage or configuration: a bad option or argument, an unreadable path, a bad job file "
        "or policy file, an unusable geocoding or image-check cache.",
    ),
    (
        "3",
        "Internal error (a bug): one line naming the command, the file and the row when known; "
        "rerun with `--debug` for the traceback, and please report it.",
    ),
    ("130", "Interrupted (Ctrl-C). Outputs are written atomically: none is left half-written."),
)

# What every command shares (migrate/cli/_common.py), stated once above the commands.
CONVENTIONS = (
    "`--format text|json` on every command that reports; `-q/--quiet` prints nothing on "
    "success (not even `--format json`; errors still print)",
    "`-o/--output FILE`, where `-` is standard output (the summary then goes to stderr; `-o -` "
    "with `--format json` is refused, both want standard output)",
    "`-` as a FILE argument reads standard input (messages name it `<stdin>`)",
    "`--debug` on every command (or `MIGRATE_DEBUG=1`): the traceback of an internal error",
)


def walk(
    command: click.Command, ctx: click.Context
) -> Iterator[tuple[click.Command, click.Context]]:
    """``command`` and every subcommand below it, depth first in ``--help`` order, with contexts."""
    yield command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            subcommand = command.get_command(ctx, name)
            if subcommand is None:
                continue
            child = subcommand.make_context(name, [], parent=ctx, resilient_parsing=True)
            yield from walk(subcommand, child)


def root_context(command: click.Command, prog: str) -> click.Context:
    """The context ``prog --help`` renders in, with the width fixed to :data:`WIDTH`."""
    return command.make_context(prog, [], resilient_parsing=True, terminal_width=WIDTH)


def _anchor(title: str) -> str:
    return title.lower().replace(" ", "-")


def render(command: click.Command | None = None, prog: str = "migrate") -> str:
    """The Markdown reference of ``command`` (default: the ``migrate`` group) in this process."""
    if command is None:
        from migrate.cli import main

        command = main
    root = root_context(command, prog)
    sections = list(walk(command, root))
    asking = " or ".join(f"`{prog} COMMAND {option}`" for option in root.help_option_names)
    parts = [
        "<!-- Generated from migrate/cli/ by `python -m migrate.docs`; do not edit by hand. -->\n",
        "# Command-line reference\n",
        f"Every `{prog}` command with its options, exactly as {asking} prints them. Errors are "
        "printed as one line on stderr, `Error: <message>`, naming the file, line or row and "
        "field concerned.\n",
        "## Exit codes\n",
        "| Code | Meaning |",
        "| --- | --- |",
        *(f"| {code} | {meaning} |" for code, meaning in EXIT_CODES),
        "\n## Conventions\n",
        *(f"- {line}." for line in CONVENTIONS),
        "\n## Commands\n",
    ]
    for subcommand, ctx in sections[1:]:
        title = ctx.command_path
        summary = subcommand.get_short_help_str(limit=1000)
        parts.append(f"- [`{title}`](#{_anchor(title)}): {summary}")
    for _, ctx in sections:
        title = ctx.command_path
        level = "#" * min(1 + max(title.count(" "), 1), 4)  # migrate and its commands: ##
        parts += [f"\n{level} {title}\n", "```text", ctx.get_help(), "```"]
    return "\n".join(parts) + "\n"


def cli_reference() -> str:
    """``docs/cli.md``: :func:`render` run in a child process with :data:`FIXED_ENVIRONMENT`."""
    env = {**os.environ, **FIXED_ENVIRONMENT}
    completed = subprocess.run(
        [sys.executable, "-m", "migrate.cli_docs"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            "rendering the CLI reference failed:\n" + completed.stderr.decode("utf-8", "replace")
        )
    return completed.stdout.decode("utf-8")


if __name__ == "__main__":
    sys.stdout.write(render())
