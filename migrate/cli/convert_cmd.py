"""``migrate convert JOB.toml``: run a conversion job and print its summary."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from migrate.cli._common import (
    STDIN_LABEL,
    STDIO,
    BadUsage,
    RunFailed,
    check_html_target,
    echo,
    emit_json,
    file_argument,
    format_option,
    html_option,
    is_stdout,
    quiet_option,
    readable_file,
    refuse_two_stdouts,
    shown,
    user_errors,
    writable_file,
    write_html_report,
)

if TYPE_CHECKING:
    from migrate.cli.progress import ProgressTask
    from migrate.convert.outputs import ConvertReport


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int], None]]:
    """``progress(stage, done)`` for the pipeline: one task per stage (read, settle, write)."""
    from migrate.cli.progress import progress_display

    with progress_display("migrate convert", quiet=quiet) as display:
        tasks: dict[str, ProgressTask] = {}

        def update(stage: str, done: int, total: int | None = None) -> None:
            task = tasks.get(stage)
            if task is None:
                task = tasks[stage] = display.task(stage, "row", total)
            task.update(done, total)

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
    "-o",
    "--output",
    "output",
    metavar="DIR",
    help="Write the outputs into DIR instead of the job's [output] dir; '-' writes the .edn to "
    "standard output (the rejects and report still go to the job's [output] dir).",
)
@click.option(
    "--output-dir",
    "output_dir",
    metavar="DIR",
    hidden=True,
    help="Deprecated spelling of -o/--output DIR.",
)
@click.option(
    "--engine",
    type=click.Choice(["columns", "rows"]),
    default="columns",
    show_default=True,
    help="columns: the columnar engine; rows: the per-row reference engine (same output).",
)
@html_option
@format_option
@quiet_option
def convert_command(
    job_file: str,
    dry_run: bool,
    limit: int | None,
    fail_on_reject: bool,
    output: str | None,
    output_dir: str | None,
    html: str | None,
    output_format: str,
    engine: str,
    quiet: bool,
) -> None:
    """Convert legacy exports into an Intermediary .edn file as JOB.toml describes.

    Writes <name>.edn, <name>.rejects.csv (every source row not carried, and why) and
    <name>.report.json into the output directory. JOB.toml may be '-' for standard input
    (its paths are then relative to the current folder). Every mistake in the job file is
    reported at once, each with its line and column. Rejects do not fail the run unless
    --fail-on-reject is given. With -o - the .edn goes to standard output once the run has
    succeeded, and the summary to stderr. (--output-dir DIR, the old spelling of -o DIR, still
    works.)

    Exit status: 0 when the outputs are written (rejects allowed), 1 when, with --fail-on-reject,
    some record is rejected, or when every row of a type was rejected for one rule (a job that
    cannot work as written: a one-line hint on stderr names the type, the rule and its first
    reject; the outputs are still written), 2 for a usage error, an unreadable or invalid job file, a source
    that cannot be read (missing, unreachable, or broken wherever the fault is), or an output
    that cannot be written, 130 when interrupted (no output is replaced).
    """
    from migrate.convert.threads import default_polars_threads

    default_polars_threads()  # before anything loads Polars (see migrate.convert.threads)
    from migrate.convert.job import load_job
    from migrate.convert.outputs import outputs_line, reject_hints, summary_table
    from migrate.errors import ExtractError, MigrateError

    if output is not None and output_dir is not None and output != output_dir:
        raise BadUsage("give the output directory once: -o/--output (--output-dir is its old name)")
    output = output if output is not None else output_dir
    refuse_two_stdouts(output, output_format)
    if html is not None:
        check_html_target(html)  # before the run, not after it
    to_stdout = is_stdout(output)
    # Checking the job opens every source: a missing file or an unreachable database is
    # a configuration problem (2), like a bad key.
    if job_file == STDIO:  # TOML text on standard input; its paths are relative to here
        text = sys.stdin.read()
        text += "" if "\n" in text else "\n"  # TOML text, even on one line (never a path)
        with user_errors(usage=(MigrateError,)):
            job = load_job(text, base_dir=Path.cwd(), name=STDIN_LABEL)
    else:
        path = readable_file(job_file)
        with user_errors(usage=(MigrateError,)):
            job = load_job(path)
    directory = Path(job.output.dir if output is None or to_stdout else output)
    # ConfigError -> 2; a source fault found while reading -> 2 as well, like the same fault
    # found when the job is checked: the exit code does not depend on where it is.
    with user_errors(usage=(ExtractError,)):
        _check_outputs(directory, job.output.name, dry_run=dry_run)
        with _progress(quiet) as progress:
            run = _run_to_stdout if to_stdout else _run
            report = run(
                job,
                directory,
                dry_run=dry_run,
                limit=limit,
                fail_on_reject=fail_on_reject,
                progress=progress,
                engine=engine,
            )
    if html is not None:
        from migrate.report import write_conversion_report

        base = Path(job.path).parent
        write_html_report(
            lambda target: write_conversion_report(report, target, base_dir=base), html
        )
    if quiet:
        pass
    elif output_format == "json":
        emit_json(report.to_dict())
    else:
        echo(summary_table(report), err=to_stdout)
        echo(outputs_line(report), err=to_stdout)
    if report.failed:
        hints = reject_hints(report)
        if fail_on_reject and report.rejected:
            for hint in hints:
                echo(hint, err=True)
            raise RunFailed(
                f"{report.rejected} records rejected (--fail-on-reject); see {report.rejects_path}"
            )
        raise _AllRejected(hints)


class _AllRejected(RunFailed):
    """Every row of a type was rejected for one rule: exit 1, one hint line per such type."""

    def __init__(self, hints: list[str]) -> None:
        super().__init__("\n".join(hints))
        self.hints = hints

    def show(self, file: IO[Any] | None = None) -> None:
        for hint in self.hints:
            click.echo(shown(hint), err=True, file=file)


Progress = Callable[[str, int], None]


def _run(
    job: object,
    directory: Path,
    *,
    dry_run: bool,
    limit: int | None,
    fail_on_reject: bool,
    progress: Progress | None,
    engine: str = "columns",
) -> ConvertReport:
    from migrate.convert.pipeline import convert

    return convert(
        job,
        dry_run=dry_run,
        limit=limit,
        fail_on_reject=fail_on_reject,
        progress=progress,
        output_dir=directory,
        engine=engine,
    )


def _run_to_stdout(
    job: object,
    directory: Path,
    *,
    dry_run: bool,
    limit: int | None,
    fail_on_reject: bool,
    progress: Progress | None,
    engine: str = "columns",
) -> ConvertReport:
    """Convert into a private folder inside ``directory``, then send the .edn to stdout.

    Standard output gets the document only after the whole run succeeded (nothing half-done on
    a pipe); the rejects and the report are moved into ``directory`` and the report names the
    .edn as ``-``.
    """
    from migrate.convert.outputs import write_report

    directory.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".migrate-convert-", dir=directory))
    try:
        report = _run(
            job,
            scratch,
            dry_run=dry_run,
            limit=limit,
            fail_on_reject=fail_on_reject,
            progress=progress,
            engine=engine,
        )
        if report.edn_path is not None:
            with report.edn_path.open("rb") as document:
                stdout = sys.stdout.buffer
                shutil.copyfileobj(document, stdout, 1 << 20)
                stdout.flush()
        rejects = directory / report.rejects_path.name
        os.replace(report.rejects_path, rejects)
        final = replace(
            report,
            edn_path=Path("-") if report.edn_path is not None else None,
            rejects_path=rejects,
            report_path=directory / report.report_path.name,
        )
        write_report(final)
        return final
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


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
