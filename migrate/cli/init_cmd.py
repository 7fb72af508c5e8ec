"""``migrate init SOURCE… [-o job.toml] [--force]``: write a commented starter job file."""

from __future__ import annotations

from pathlib import Path

import click

from migrate.cli._common import BadUsage, user_errors
from migrate.edn.values import is_legal_name_part


@click.command("init")
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    default="job.toml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the job file; source paths in it are relative to its folder.",
)
@click.option("--ident", default="my-marketplace", show_default=True, help="Marketplace ident.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def init_command(sources: tuple[str, ...], output: str, ident: str, force: bool) -> None:
    """Guess a starter job file from the columns of SOURCE files (CSV, JSON, JSONL, SQLite).

    Mappings are guessed from column names (email, first/last/full name, created at, price,
    title, description, lat/lng, url, rating…); columns left over are listed as comments.
    """
    from migrate.convert.starter import starter_job
    from migrate.errors import ExtractError
    from migrate.fileio import atomic_write

    if not is_legal_name_part(ident):
        raise BadUsage(f"--ident {ident!r} is not a legal keyword name, e.g. my-marketplace")
    target = Path(output)
    if target.exists() and not force:
        raise BadUsage(f"{target} already exists (use --force to overwrite it)")
    with user_errors(usage=(ExtractError,)):
        text = starter_job([Path(source) for source in sources], target.absolute(), ident)
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target) as stream:
            stream.write(text)
    click.echo(f"wrote {target}: review the guessed mappings, then run: migrate convert {target}")
