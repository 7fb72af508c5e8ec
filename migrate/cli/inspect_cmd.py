"""``migrate inspect FILE.edn``: rows per type, identification, references, ident, timing."""

from __future__ import annotations

import click

from migrate.cli._common import (
    edn_file,
    emit_json,
    file_argument,
    format_option,
    output_option,
    quiet_option,
    user_errors,
    write_report,
)
from migrate.inspect import InspectReport, inspect_file


@click.command("inspect", short_help="Count the rows, identifiers and references in FILE.edn.")
@file_argument(metavar="FILE.edn")
@format_option
@output_option("Write the report here instead of standard output.")
@quiet_option
def inspect_command(file: str, output_format: str, output: str, quiet: bool) -> None:
    """Count the rows, identifiers and references of an Intermediary FILE.edn.

    Nothing is checked beyond reading: run `migrate validate` for that. FILE.edn may be '-'
    for standard input.

    Exit status: 0 when FILE.edn reads as an edn map, 1 when it does not (the error names its
    line and column), 2 for a usage error or an unreadable file.
    """
    from migrate.cli.progress import progress_display

    path = edn_file(file)
    with user_errors(), progress_display("migrate inspect", quiet=quiet) as display:
        task = display.task("reading", "bytes")
        report = inspect_file(path, progress=task.update)
    if quiet:
        return
    if output_format == "json":
        emit_json(report.to_dict(), output)
    else:
        write_report(render_text(report), output)


def render_text(report: InspectReport) -> str:
    """The report as readable text: a summary, then a table per type and per reference."""
    from migrate.format import count, duration, table

    ident = report.ident if report.ident is not None else "(none)"
    size = f"{count(report.file_size, 'byte')}, " if report.file_size is not None else ""
    lines = [
        f"{report.path}: ident {ident}",
        f"{count(report.rows_total, 'row')}, {size}read in {duration(report.read_seconds)}",
    ]
    lines.extend(f"note: {note}" for note in report.notes)
    if report.unrecognised_rows:
        not_rows = report.unrecognised_rows
        lines.append(
            f"{count(not_rows, ':data element')} {'is' if not_rows == 1 else 'are'} not "
            f"{'a row' if not_rows == 1 else 'rows'} (run `migrate validate` for details)"
        )
    if report.types:
        lines += [
            "",
            table(
                ["Row type", "Rows", "Alias", "Import id", "Neither"],
                [
                    [name, c.rows, c.with_alias, c.with_import_id, c.with_neither]
                    for name, c in report.types.items()
                ],
            ),
        ]
    if report.references:
        lines += [
            "",
            table(
                ["Reference", "By alias", "By id"],
                [[key, c.by_alias, c.by_id] for key, c in report.references.items()],
            ),
        ]
    return "\n".join(lines) + "\n"
