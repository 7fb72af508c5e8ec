"""``migrate validate FILE.edn``: check an Intermediary file against every rule."""

from __future__ import annotations

import click

from migrate.cli._common import (
    BadUsage,
    RunFailed,
    check_output,
    edn_file,
    file_argument,
    format_option,
    html_option,
    output_option,
    quiet_option,
    user_errors,
    write_html_report,
    write_report,
)
from migrate.cli.check_images_cmd import validate_image_options, with_image_findings
from migrate.report import write_validation_report
from migrate.rules.engine import UnknownRuleCode, parse_codes
from migrate.rules.findings import Finding, Report, summarise
from migrate.validate import validate_file


def _codes(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> frozenset[str] | None:
    if not values:
        return None
    try:
        codes = parse_codes(code for value in values for code in value.split(","))
    except UnknownRuleCode as error:
        raise click.BadParameter(str(error)) from None
    if not codes:
        raise click.BadParameter("name at least one rule code (see docs/rules.md for the list)")
    return codes


@click.command("validate", short_help="Check FILE.edn against every rule of the format.")
@file_argument(metavar="FILE.edn")
@format_option
@click.option(
    "--max-examples",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Examples shown per rule in the summary.",
)
@click.option(
    "--max-findings",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Stop checking after this many findings (the report then says it is partial).",
)
@click.option("--warnings-as-errors", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option(
    "--select",
    multiple=True,
    callback=_codes,
    metavar="CODES",
    help="Report only these rule codes (comma-separated, repeatable).",
)
@click.option(
    "--ignore",
    multiple=True,
    callback=_codes,
    metavar="CODES",
    help="Do not report these rule codes (comma-separated, repeatable).",
)
@validate_image_options
@html_option
@output_option("Write the report here instead of standard output.")
@quiet_option
def validate_command(
    file: str,
    output_format: str,
    max_examples: int,
    max_findings: int,
    warnings_as_errors: bool,
    select: frozenset[str] | None,
    ignore: frozenset[str] | None,
    html: str | None,
    output: str,
    quiet: bool,
) -> None:
    """Check an Intermediary FILE.edn against every rule of the format.

    Exit status: 0 when there are no errors (warnings allowed), 1 when there is at least one
    error (an edn syntax error included), 2 for a usage error or an unreadable file.
    """
    path = edn_file(file)
    both = sorted(set(select or ()) & set(ignore or ()))
    if both:
        raise BadUsage(f"--select and --ignore both name {', '.join(both)}: keep it in one only")
    from migrate.cli.progress import progress_display

    check_output(output)
    with user_errors(), progress_display("migrate validate", quiet=quiet) as display:
        task = display.task("checking", "bytes")
        report = validate_file(
            path,
            select=select,
            ignore=ignore,
            max_findings=max_findings,
            warnings_as_errors=warnings_as_errors,
            byte_progress=task.update,
        )
    report = with_image_findings(report, path)  # only with --check-images
    if html is not None:
        write_html_report(lambda target: write_validation_report(report, path, target), html)
    if quiet:
        pass
    elif output_format == "json":
        write_report(report.to_json(max_examples) + "\n", output)
    else:
        write_report(render_text(report, max_examples), output)
    if not report.valid:
        raise SystemExit(RunFailed.exit_code)


def finding_line(finding: Finding) -> str:
    """``FILE:LINE:COL: severity code: message [row N alias]``."""
    row = ""
    if finding.row_index is not None:
        label = f" {finding.row_label}" if finding.row_label else ""
        row = f" [row {finding.row_index}{label}]"
    return f"{finding.location()}: {finding.severity.value} {finding.code}: {finding.message}{row}"


def render_text(report: Report, max_examples: int = 3) -> str:
    """Every finding on its own line, then a per-rule summary, notes and the verdict."""
    lines = [finding_line(finding) for finding in report.findings]
    groups = summarise(report.findings, max_examples)
    if groups:
        lines += ["", "Summary by rule:"]
        for group in groups:
            lines.append(f"  {group['code']} ({group['severity']}): {group['count']}")
            lines += [f"    {example}" for example in group["examples"]]
    if lines:
        lines.append("")
    for note in report.notes:
        lines.append(f"NOTE: {note}")
    rows = sum(report.rows_checked.values())
    per_type = ", ".join(f"{count} {name}" for name, count in report.rows_checked.items())
    verdict = "valid" if report.valid else "INVALID"
    lines.append(
        f"{report.file}: {verdict}: {report.errors} error{'s' if report.errors != 1 else ''}, "
        f"{report.warnings} warning{'s' if report.warnings != 1 else ''} in {rows} row"
        f"{'s' if rows != 1 else ''}" + (f" ({per_type})" if per_type else "")
    )
    return "\n".join(lines) + "\n"
