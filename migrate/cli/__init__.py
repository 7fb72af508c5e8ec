"""The ``migrate`` command: a thin click layer over the library in :mod:`migrate`.

Commands are loaded lazily from ``COMMANDS`` so that ``migrate --help`` stays fast and each
command lives in its own module.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

from migrate import __version__

# command name -> "module:attribute"
COMMANDS: dict[str, str] = {
    "inspect": "migrate.cli.inspect_cmd:inspect_command",
    "validate": "migrate.cli.validate_cmd:validate_command",
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
    "convert": "Convert legacy exports into an Intermediary .edn file.",
    "init": "Guess a starter job file from the columns of source files.",
    "geocode": "Fill missing listing locations from their addresses.",
    "geocode-cache": "Inspect or empty the geocoding cache.",
    "anonymise": "Write an anonymised subset of FILE.edn for a dev marketplace.",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when used."""

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


def _available(name: str) -> bool:
    module_name = COMMANDS[name].split(":")[0]
    return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migrate")
def main() -> None:
    """Move a legacy marketplace into Sharetribe through Intermediary edn files."""
