"""``migrate init --preset NAME SOURCE`` and ``migrate init --list-presets``.

The ``init`` command hands over to :func:`init_from_preset` when ``--preset`` is given. The job
file is checked the way ``migrate convert`` checks it (every query run with no rows, every
column it maps found) before it is written, atomically: a job written by a preset loads.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from migrate.presets.manifest import Preset

_STDOUT = "-"


def init_from_preset(
    name: str,
    sources: tuple[str, ...],
    output: str,
    ident: str | None,
    params: tuple[str, ...],
    force: bool,
) -> None:
    """Write the job file of preset ``name`` for the one SOURCE; print what was done.

    ``ident`` is ``--ident`` when given on the command line (it sets the ``ident`` parameter).
    Problems raise ``BadUsage`` (exit 2) with one line; a database that cannot be read gives the
    SQL adapter's message, with any password masked.
    """
    from migrate.cli._common import BadUsage, user_errors
    from migrate.errors import ConfigError, ExtractError
    from migrate.fileio import atomic_write
    from migrate.presets.manifest import get
    from migrate.presets.render import database_environment, parse_params, parse_source, render

    if len(sources) != 1:
        raise BadUsage(
            f"--preset {name} takes one SOURCE (the database URL or SQLite file), "
            f"not {len(sources)}"
        )
    to_stdout = output == _STDOUT
    target = Path.cwd() / "job.toml" if to_stdout else Path(output)
    if not to_stdout:
        _check_target(target, force)
    with user_errors(usage=(ExtractError,)):
        preset = get(name)
        source = parse_source(sources[0], preset)
        given = parse_params(params)
        if ident is not None:
            if "ident" in given and given["ident"] != ident:
                raise ConfigError("--ident and --param ident differ: give one of them")
            given["ident"] = ident
        command = _command_line(preset, source.shown, output, given)
        rendered = render(preset, source, given, target.absolute(), command=command)
        url_env = rendered.values.get("url_env", "")
        with database_environment(url_env, source):
            _check_job(rendered.text, target.absolute().parent)
        if to_stdout:
            click.echo(rendered.text, nl=False)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(target) as stream:
                stream.write(rendered.text)
    say = (lambda text: click.echo(text, err=True)) if to_stdout else click.echo
    shown = "standard output" if to_stdout else str(target)
    say(f"wrote {shown} from the {preset.name} preset ({source.shown})")
    for note in rendered.notes:
        say(f"note: {note}")
    if source.is_url and os.environ.get(url_env) != source.url:
        say(f"before converting, set {url_env} to the database URL: the job reads it from there")
    job = "JOB.toml" if to_stdout else str(target)
    say(f"next: migrate convert {job} --dry-run, then migrate convert {job}")


def _check_target(target: Path, force: bool) -> None:
    from migrate.cli._common import BadUsage

    if target.is_dir():
        raise BadUsage(f"cannot write {target}: is a directory")
    existing = next(parent for parent in target.absolute().parents if parent.exists())
    if not existing.is_dir():
        raise BadUsage(f"cannot write {target}: {existing} is not a directory")
    if target.exists() and not force:
        raise BadUsage(f"{target} already exists (use --force to overwrite it)")


def _check_job(text: str, folder: Path) -> None:
    """Load ``text`` as a job file placed in ``folder`` (columns checked against the sources)."""
    from migrate.convert.job import load_job

    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".preset-", suffix=".toml", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        load_job(name)
    finally:
        Path(name).unlink(missing_ok=True)


def _command_line(preset: Preset, source: str, output: str, given: dict[str, str]) -> str:
    parts = ["migrate init --preset", preset.name, source, "-o", output]
    parts += [f"--param {key}={value}" for key, value in given.items()]
    return " ".join(parts)


def presets_text(width: int = 78) -> str:
    """What ``migrate init --list-presets`` prints: each preset, its SOURCE and parameters."""
    from migrate.presets.manifest import available

    blocks = []
    for preset in available():
        lines = [f"{preset.name}: {preset.title}", *_wrap(preset.summary, width, "  ")]
        lines += _wrap(f"SOURCE: {preset.source}", width, "  ")
        lines.append("  parameters (--param NAME=VALUE):")
        for param in preset.params:
            lines.append(f"    {param.name} ({param.kind}; default: {param.describe_default()})")
            lines += _wrap(param.help, width, "        ")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _wrap(text: str, width: int, indent: str) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent) or []


def list_presets_callback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """The eager ``--list-presets`` flag: print the presets and exit before any argument check."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(presets_text())
    ctx.exit(0)
