"""``migrate init SOURCE… [-o job.toml] [--force]``: write a commented starter job file."""

from __future__ import annotations

from pathlib import Path

import click

from migrate.cli._common import BadUsage, file_argument, readable_file, user_errors
from migrate.edn.show import show
from migrate.edn.values import is_legal_name_part

_NO_COLUMN = "required: no column found"  # how the starter marks an attribute left to fill in


@click.command("init", short_help="Guess a starter job file from the columns of source files.")
@file_argument("sources", nargs=-1)
@click.option(
    "-o",
    "--output",
    default="job.toml",
    show_default=True,
    metavar="FILE",
    help="Where to write the job file; source paths in it are relative to its folder.",
)
@click.option(
    "--ident",
    default="my-marketplace",
    show_default=True,
    help="Your marketplace's ident, e.g. my-marketplace (a leading ':' is allowed).",
)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def init_command(sources: tuple[str, ...], output: str, ident: str, force: bool) -> None:
    """Guess a starter job file from the columns of SOURCE files (CSV, JSON, JSONL, SQLite).

    Mappings are guessed from column names (email, first/last/full name, created at, price,
    title, description, lat/lng, url, rating…); columns left over are listed as comments.

    Exit status: 0 when the job file is written, 2 for a usage error or an unreadable source.
    """
    from migrate.convert.starter import starter_job
    from migrate.errors import ExtractError
    from migrate.fileio import atomic_write

    name = ident.removeprefix(":")
    if not is_legal_name_part(name):
        raise BadUsage(f"--ident {show(ident)} is not a legal keyword name, e.g. my-marketplace")
    paths = [readable_file(source) for source in sources]
    target = Path(output)
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
    with user_errors(usage=(ExtractError,)):
        text = starter_job(paths, target.absolute(), name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target) as stream:
            stream.write(text)
    click.echo(
        f"wrote {target}: review the guessed mappings, then try: migrate convert {target} --dry-run"
    )
    missing = _unmapped_required(text)
    if missing:
        one = len(missing) == 1
        click.echo(
            f"note: required attribute{'' if one else 's'} {', '.join(missing)} "
            f"{'has' if one else 'have'} no column yet: fill in the line{'' if one else 's'} "
            f"marked '{_NO_COLUMN}' before converting"
        )


def _unmapped_required(text: str) -> list[str]:
    """``TYPE.attribute`` of each required attribute the starter job left as a comment."""
    found, record_type = [], ""
    for line in text.splitlines():
        if line.startswith("[records.") and line.endswith(".mapping]"):
            record_type = line[len("[records.") : -len(".mapping]")]
        elif line.endswith(_NO_COLUMN):
            found.append(f"{record_type}.{line.lstrip('# ').split(' ', 1)[0]}")
    return found
