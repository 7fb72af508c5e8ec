"""``migrate init SOURCE… [-o job.toml] [--force]``: write a commented starter job file."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import click

from migrate.cli._common import (
    STDIO,
    BadUsage,
    echo,
    emit_json,
    file_argument,
    format_option,
    is_stdout,
    open_output,
    quiet_option,
    readable_file,
    refuse_two_stdouts,
    user_errors,
)
from migrate.edn.show import show
from migrate.edn.values import is_legal_name_part
from migrate.presets.command import list_presets_callback

_NO_COLUMN = "required: no column found"  # how the starter marks an attribute left to fill in


@click.command("init", short_help="Guess a starter job file from the columns of source files.")
@file_argument("sources", nargs=-1)
@click.option(
    "-o",
    "--output",
    default="job.toml",
    show_default=True,
    metavar="FILE",
    help="Where to write the job file; source paths in it are relative to its folder. '-' is "
    "standard output (paths relative to the current folder).",
)
@click.option(
    "--ident",
    default="my-marketplace",
    show_default=True,
    help="Your marketplace's ident, e.g. my-marketplace (a leading ':' is allowed).",
)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@format_option
@quiet_option
@click.option(
    "--preset",
    metavar="NAME",
    help="Write the complete job file of a known platform instead (e.g. sharetribe-go); "
    "SOURCE is then its database URL or SQLite copy.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter of the preset, e.g. --param community_id=1 (repeatable).",
)
@click.option(
    "--list-presets",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=list_presets_callback,
    help="List the presets and their parameters, then exit.",
)
def init_command(
    sources: tuple[str, ...],
    output: str,
    ident: str,
    force: bool,
    output_format: str,
    quiet: bool,
    preset: str | None,
    params: tuple[str, ...],
) -> None:
    """Guess a starter job file from the columns of SOURCE files (CSV, JSON, JSONL, SQLite).

    Mappings are guessed from column names (email, first/last/full name, created at, price,
    title, description, lat/lng, url, rating…) and the values of the first rows; columns left
    over are listed as comments. People embedded in other files (host_id, host_name,
    host_since on every listing) become users with distinct = true, picture URL columns become
    image records, and a reference whose key is only in another file (a review's subject: the
    host of its listing) becomes a lookup. Stand-ins for what the export lacks (placeholder
    emails, dates, ratings) are marked TODO. See docs/init.md. A SOURCE cannot be '-': the job
    file names its sources by path.

    With --preset NAME, SOURCE is a database of that platform (a URL or an SQLite copy) and the
    job file written is complete: see --list-presets and docs/presets.md.

    Exit status: 0 when the job file is written, 2 for a usage error or an unreadable source.
    """
    if preset is not None:
        from migrate.presets.command import init_from_preset

        given = click.get_current_context().get_parameter_source("ident")
        explicit = ident if given is not click.core.ParameterSource.DEFAULT else None
        init_from_preset(preset, sources, output, explicit, params, force)
        return
    if params:
        raise BadUsage("--param sets a preset's parameter: give --preset NAME too")
    from migrate.convert.starter import starter_job
    from migrate.errors import ExtractError

    name = ident.removeprefix(":")
    if not is_legal_name_part(name):
        raise BadUsage(f"--ident {show(ident)} is not a legal keyword name, e.g. my-marketplace")
    if STDIO in sources:
        raise BadUsage(
            "a SOURCE cannot be '-' (standard input): the job file names each source by its "
            "path; save the data to a file first"
        )
    refuse_two_stdouts(output, output_format)
    paths = [readable_file(source) for source in sources]
    to_stdout = is_stdout(output)
    target = Path.cwd() / "job.toml" if to_stdout else Path(output)
    if not to_stdout:
        _check_target(target, paths, force)
    with user_errors(usage=(ExtractError,)):
        text = starter_job(paths, target.absolute(), name)
        if not to_stdout:
            target.parent.mkdir(parents=True, exist_ok=True)
        with open_output(output) as stream:
            stream.write(text)
    missing = _unmapped_required(text)
    todo = _todo_notes(text)
    if quiet:
        return
    if output_format == "json":
        emit_json(
            {
                "output": output if to_stdout else str(target),
                "unmapped_required": missing,
                "todo": todo,
            }
        )
        return
    shown = "standard output" if to_stdout else str(target)
    command = "migrate convert JOB.toml" if to_stdout else f"migrate convert {target}"
    echo(
        f"wrote {shown}: review the guessed mappings, then try: {command} --dry-run",
        err=to_stdout,
    )
    if missing:
        one = len(missing) == 1
        echo(
            f"note: required attribute{'' if one else 's'} {', '.join(missing)} "
            f"{'has' if one else 'have'} no column yet: fill in the line{'' if one else 's'} "
            f"marked '{_NO_COLUMN}' before converting",
            err=to_stdout,
        )
    if todo:
        counts = Counter(todo)
        shown_notes = ", ".join(
            key if count == 1 else f"{key} (x{count})" for key, count in counts.items()
        )
        echo(
            f"note: {len(todo)} line{'' if len(todo) == 1 else 's'} marked TODO "
            f"stand{'s' if len(todo) == 1 else ''} in for data the sources lack: "
            f"{shown_notes}; decide on each before converting",
            err=to_stdout,
        )


def _check_target(target: Path, paths: list[Path], force: bool) -> None:
    """One line, exit 2, when the job file cannot or must not be written at ``target``."""
    if target.is_dir():
        raise BadUsage(f"cannot write {target}: is a directory")
    existing = next(parent for parent in target.absolute().parents if parent.exists())
    if not existing.is_dir():  # missing folders are created, but not below a file
        raise BadUsage(f"cannot write {target}: {existing} is not a directory")
    for path in paths:
        if target.resolve() == path.resolve():
            raise BadUsage(
                f"--output {target} is the source {path}: write the job file elsewhere, "
                "e.g. -o job.toml"
            )
    if target.exists() and not force:
        raise BadUsage(f"{target} already exists (use --force to overwrite it)")


def _unmapped_required(text: str) -> list[str]:
    """``TYPE.attribute`` of each required attribute the starter job left as a comment."""
    found, record_type = [], ""
    for line in text.splitlines():
        if line.startswith("[records.") and line.endswith(".mapping]"):
            record_type = line[len("[records.") : -len(".mapping]")]
        elif line.endswith(_NO_COLUMN):
            found.append(f"{record_type}.{line.lstrip('# ').split(' ', 1)[0]}")
    return found


_SECTION = re.compile(r"^\[\[?records\.([A-Za-z]+)")
_TODO = re.compile(r"^# TODO (\[records\.[A-Za-z]+\]|[A-Za-z]+):")


def _todo_notes(text: str) -> list[str]:
    """``TYPE.attribute`` of each ``# TODO`` note (``records.TYPE`` for a missing table)."""
    found, record_type = [], ""
    for line in text.splitlines():
        section = _SECTION.match(line)
        if section is not None:
            record_type = section.group(1)
            continue
        note = _TODO.match(line)
        if note is not None:
            key = note.group(1)
            found.append(key.strip("[]") if key.startswith("[") else f"{record_type}.{key}")
    return found
