"""``migrate convert JOB.toml``: run a conversion job and print its summary."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from migrate.cli._common import (
    RunFailed,
    file_argument,
    quiet_option,
    readable_file,
    user_errors,
    writable_file,
)

EXIT_INTERRUPTED = 130


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int], None] | None]:
    """A rich progress display on stderr, or ``None`` when stderr is not a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int) -> None:
            task = tasks.get(stage)
            if task is None:
                task = tasks[stage] = bar.add_task(stage, total=None)
            bar.update(task, completed=done)

        yield update


@click.command("convert", short_help="Convert legacy exports into an Intermediary .edn file.")
@file_argument("job_file", metavar="JOB.toml")
@click.option(
    "--dry-run", is_flag=True, help="Read, map and check everything; write all but the .edn."
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Read at most N source rows per record spec (a quick trial run).",
)
@click.option(
    "--fail-on-reject", is_flag=True, help="Exit with status 1 when any record is rejected."
)
@click.option(
    "--output-dir",
    metavar="DIR",
    help="Write the outputs here instead of the job's [output] dir.",
)
@quiet_option
@click.pass_context
def convert_command(
    ctx: click.Context,
    job_file: str,
    dry_run: bool,
    limit: int | None,
    fail_on_reject: bool,
    output_dir: str | None,
    quiet: bool,
) -> None:
    """Convert legacy exports into an Intermediary .edn file as JOB.toml describes.

    Writes <name>.edn, <name>.rejects.csv (every source row not carried, and why) and
    <name>.report.json into the output directory. Rejects do not fail the run unless
    --fail-on-reject is given.

    Exit status: 0 when the outputs are written (rejects allowed), 1 when, with --fail-on-reject,
    some record is rejected, 2 for a usage error, an unreadable or invalid job file, a source
    that cannot be read (missing, unreachable, or broken wherever the fault is), or an output
    that cannot be written, 130 when interrupted (no output is replaced).
    """
    from migrate.convert.job import load_job
    from migrate.convert.outputs import outputs_line, summary_table
    from migrate.convert.pipeline import convert
    from migrate.errors import ExtractError, MigrateError

    path = readable_file(job_file)
    try:
        # Checking the job opens every source: a missing file or an unreachable database is
        # a configuration problem (2), like a bad key.
        with user_errors(usage=(MigrateError,)):
            job = load_job(path)
        # ConfigError -> 2; a source fault found while reading -> 2 as well, like the same
        # fault found when the job is checked: the exit code does not depend on where it is.
        with user_errors(usage=(ExtractError,)):
            _check_outputs(Path(output_dir or job.output.dir), job.output.name, dry_run=dry_run)
            with _progress(not quiet) as progress:
                report = convert(
                    job,
                    dry_run=dry_run,
                    limit=limit,
                    fail_on_reject=fail_on_reject,
                    progress=progress,
                    output_dir=output_dir,
                )
    except KeyboardInterrupt as interrupt:
        if getattr(interrupt, "outputs_committed", False):  # came during the final renames
            click.echo("Error: interrupted; the new outputs were all written", err=True)
        else:
            click.echo("Error: interrupted; no new output was written", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    if not quiet:
        click.echo(summary_table(report))
        click.echo(outputs_line(report))
    if report.failed:
        raise RunFailed(
            f"{report.rejected} records rejected (--fail-on-reject); see {report.rejects_path}"
        )


def _check_outputs(directory: Path, name: str, *, dry_run: bool) -> None:
    """One line, exit 2, when an output file cannot be written into ``directory``.

    A directory that does not exist yet is left to the run, which creates it; one that exists
    must take each output file (``ok.edn`` given as the directory fails here, not mid-run).
    """
    from migrate.convert.pipeline import OutputPaths

    if not directory.exists():
        return
    paths = OutputPaths.of(directory, name)
    for path in (
        (paths.rejects, paths.report) if dry_run else (paths.edn, paths.rejects, paths.report)
    ):
        writable_file(path)
