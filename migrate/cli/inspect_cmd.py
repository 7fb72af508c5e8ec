"""``migrate inspect FILE.edn``: rows per type, identification, references, ident, timing."""

from __future__ import annotations

import io

import click
from rich import box
from rich.console import Console
from rich.table import Table

from migrate.cli._common import emit_json, format_option, readable_file, user_errors
from migrate.inspect import InspectReport, inspect_file


@click.command("inspect")
@click.argument("file", type=click.Path(path_type=str))
@format_option
def inspect_command(file: str, output_format: str) -> None:
    """Count the rows, identifiers and references of an Intermediary FILE.edn."""
    path = readable_file(file)
    with user_errors():
        report = inspect_file(path)
    if output_format == "json":
        emit_json(report.to_dict())
    else:
        click.echo(render_text(report), nl=False)


def render_text(report: InspectReport) -> str:
    """The report as readable text: a summary line and tables (no colour, fixed width)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, color_system=None, highlight=False, emoji=False)
    ident = report.ident if report.ident is not None else "(none)"
    console.print(f"{report.path}: ident {ident}", markup=False)
    console.print(
        f"{report.rows_total} rows, {report.file_size:,} bytes, "
        f"read in {report.read_seconds:.2f} s",
        markup=False,
    )
    for note in report.notes:
        console.print(f"note: {note}", markup=False)
    if report.types:
        table = Table(box=box.SIMPLE, pad_edge=False)
        table.add_column("Row type")
        for title in ("Rows", "Alias", "Import id", "Neither"):
            table.add_column(title, justify="right")
        for name, count in report.types.items():
            table.add_row(
                name,
                str(count.rows),
                str(count.with_alias),
                str(count.with_import_id),
                str(count.with_neither),
            )
        console.print(table)
    if report.unrecognised_rows:
        console.print(
            f"{report.unrecognised_rows} :data elements are not rows "
            "(run `migrate validate` for details)",
            markup=False,
        )
    if report.references:
        table = Table(box=box.SIMPLE, pad_edge=False)
        table.add_column("Reference")
        table.add_column("By alias", justify="right")
        table.add_column("By id", justify="right")
        for key, count in report.references.items():
            table.add_row(key, str(count.by_alias), str(count.by_id))
        console.print(table)
    return buffer.getvalue()
