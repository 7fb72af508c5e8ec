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


def _count(number: int, noun: str) -> str:
    """``1 row``, ``2 rows``, ``1,024 bytes``."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Plain aligned columns: the first left-aligned, the others (counts) right-aligned."""
    widths = [max(len(row[index]) for row in [headers, *rows]) for index in range(len(headers))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    return [line(headers), "  ".join("-" * width for width in widths), *map(line, rows)]


def render_text(report: InspectReport) -> str:
    """The report as readable text: a summary, then a table per type and per reference."""
    ident = report.ident if report.ident is not None else "(none)"
    lines = [
        f"{report.path}: ident {ident}",
        f"{_count(report.rows_total, 'row')}, "
        + (f"{_count(report.file_size, 'byte')}, " if report.file_size is not None else "")
        + f"read in {report.read_seconds:.2f} s",
    ]
    lines.extend(f"note: {note}" for note in report.notes)
    if report.unrecognised_rows:
        not_rows = report.unrecognised_rows
        lines.append(
            f"{_count(not_rows, ':data element')} {'is' if not_rows == 1 else 'are'} not "
            f"{'a row' if not_rows == 1 else 'rows'} (run `migrate validate` for details)"
        )
    if report.types:
        lines.append("")
        lines.extend(
            _table(
                ["Row type", "Rows", "Alias", "Import id", "Neither"],
                [
                    [
                        name,
                        str(count.rows),
                        str(count.with_alias),
                        str(count.with_import_id),
                        str(count.with_neither),
                    ]
                    for name, count in report.types.items()
                ],
            )
        )
    if report.references:
        lines.append("")
        lines.extend(
            _table(
                ["Reference", "By alias", "By id"],
                [
                    [key, str(count.by_alias), str(count.by_id)]
                    for key, count in report.references.items()
                ],
            )
        )
    return "\n".join(lines) + "\n"
