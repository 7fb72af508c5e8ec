"""The ``migrate`` command: a thin click layer over the library in :mod:`migrate`.

Commands are loaded lazily from ``COMMANDS`` so that ``migrate --help`` stays fast and each
command lives in its own module.
"""

from __future__ import annotations

# First: the allocator settings must be in the environment before Polars is loaded.
from migrate.cli import _allocator  # noqa: F401  # isort: skip

import contextlib
import importlib
import importlib.util
import signal
import sys
from collections.abc import Iterator
from typing import Any

import click

from migrate import __version__
from migrate.cli._common import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    cli_state,
    debug_option,
    internal_error_line,
    print_traceback,
)

# Exit status of a run ended by SIGTERM (the shell's 128 + 15); Ctrl-C is EXIT_INTERRUPTED (130).
# Either way the outputs are as before the run (or, interrupted inside the final renames, the
# complete new set).
EXIT_TERMINATED = 143

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
        return _with_shared_options(getattr(module, attribute))


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


def _with_shared_options(command: click.Command) -> click.Command:
    """``command`` (and its subcommands) with the options every command takes: ``--debug``."""
    if not any(parameter.name == "debug" for parameter in command.params):
        command.params.append(debug_option())
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            _with_shared_options(subcommand)
    return command


class MigrateGroup(LazyGroup):
    """The ``migrate`` group: lazy commands, and the exit codes of every command, enforced here.

    A command reports data problems and usage errors itself (:class:`RunFailed` exits 1,
    :class:`BadUsage` 2, click's own usage errors 2). Whatever else escapes a command is
    handled once, here: an interrupt (Ctrl-C) prints one line and exits 130; any other exception
    is a bug and prints one line naming the command, its FILE arguments and the row the library
    noted, then exits 3 (``--debug`` shows the traceback instead).
    """

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args:  # remembered before the command module is imported, which may fail
            cli_state(ctx).command = f"{ctx.command_path} {args[0]}"
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt as error:
            # Outputs are written atomically: an interrupted run never leaves a half-written file.
            # A signal turned into an exception may carry its own code (SIGTERM: 143).
            code = getattr(error, "exit_code", EXIT_INTERRUPTED)
            if getattr(error, "outputs_committed", False):  # came during the final renames
                click.echo("Error: interrupted; the new outputs were all written", err=True)
            else:
                click.echo("Error: interrupted; no new output was written", err=True)
            ctx.exit(code if isinstance(code, int) else EXIT_INTERRUPTED)
        except Exception as error:
            state = cli_state(ctx)
            if state.debug:
                print_traceback(error)
            line = internal_error_line(state.command or ctx.command_path, error, state.files)
            click.echo(f"Error: {state.shown(line)}", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=MigrateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migrate")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, param, value: setattr(cli_state(ctx), "debug", True) if value else None,
    help="Show the traceback of an internal error (a bug); every command takes it too.",
)
def main() -> None:
    """Move a legacy marketplace into Sharetribe through Intermediary edn files."""
