"""The ``migrate`` command: a thin click layer over the library in :mod:`migrate`.

Commands are loaded lazily from ``COMMANDS`` so that ``migrate --help`` stays fast and each
command lives in its own module.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import signal
import sys
from collections.abc import Iterator
from typing import Any

import click

from migrate import __version__

# command name -> "module:attribute"
COMMANDS: dict[str, str] = {
    "inspect": "migrate.cli.inspect_cmd:inspect_command",
    "validate": "migrate.cli.validate_cmd:validate_command",
    "check-images": "migrate.cli.check_images_cmd:check_images_command",
    "convert": "migrate.cli.convert_cmd:convert_command",
    "init": "migrate.cli.init_cmd:init_command",
    "geocode": "migrate.cli.geocode_cmd:geocode_command",
    "geocode-cache": "migrate.cli.geocode_cmd:geocode_cache_group",
    "anonymise": "migrate.cli.anonymise_cmd:anonymise_command",
}


# command name -> its one-line summary in `migrate --help`, so that listing the commands imports
# none of them (tests/test_cli_main.py checks each against the command's own short help). A
# command missing here is still listed: its module is imported for the summary.
SUMMARIES: dict[str, str] = {
    "inspect": "Count the rows, identifiers and references in FILE.edn.",
    "validate": "Check FILE.edn against every rule of the format.",
    "check-images": "Ask every image URL of FILE.edn before it is sent.",
    "convert": "Convert legacy exports into an Intermediary .edn file.",
    "init": "Guess a starter job file from the columns of source files.",
    "geocode": "Fill missing listing locations from their addresses.",
    "geocode-cache": "Inspect or empty the geocoding cache.",
    "anonymise": "Write an anonymised subset of FILE.edn for a dev marketplace.",
}

# Exit statuses of an interrupted run (the shell's 128 + signal number). Either way the outputs
# are as before the run (or, interrupted inside the final renames, the complete new set).
EXIT_INTERRUPTED = 130  # SIGINT, Ctrl-C
EXIT_TERMINATED = 143  # SIGTERM


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when used.

    Its :meth:`main` handles SIGTERM like Ctrl-C (a ``KeyboardInterrupt`` in the command, so the
    same clean-up runs) and ends an interrupted run with one line and exit 130 (SIGINT) or 143
    (SIGTERM), never click's "Aborted!" with exit 1, however early the signal comes.
    """

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        with _sigterm_as_interrupt() as received:
            try:
                code = super().main(args, prog_name, complete_var, False, **extra)
            except click.ClickException as error:
                error.show()
                sys.exit(error.exit_code)
            except click.Abort as error:
                if not isinstance(error.__cause__, KeyboardInterrupt):
                    click.echo("Aborted!", err=True)
                    sys.exit(1)
                click.echo("Error: interrupted", err=True)
                code = EXIT_INTERRUPTED
            except KeyboardInterrupt:  # outside click's own handling
                click.echo("Error: interrupted", err=True)
                code = EXIT_INTERRUPTED
        if received and code == EXIT_INTERRUPTED:
            code = EXIT_TERMINATED
        sys.exit(code if isinstance(code, int) else 0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if _available(name))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The ``Commands:`` section, from :data:`SUMMARIES` where it can (no import)."""
        rows = []
        for name in self.list_commands(ctx):
            summary = SUMMARIES.get(name)
            if summary is None:
                command = self.get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                summary = command.get_short_help_str(formatter.width - 6 - len(name))
            rows.append((name, summary))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                return None
            raise
        return getattr(module, attribute)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[list[int]]:
    """SIGTERM raises ``KeyboardInterrupt`` in the block; the list says whether it came."""
    received: list[int] = []

    def terminate(signum: int, frame: Any) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread (an embedding application): leave signals alone
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def _available(name: str) -> bool:
    module_name = COMMANDS[name].split(":")[0]
    return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migrate")
def main() -> None:
    """Move a legacy marketplace into Sharetribe through Intermediary edn files."""
