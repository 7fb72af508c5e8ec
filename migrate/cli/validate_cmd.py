"""``migrate validate FILE.edn``: check an Intermediary file against every rule."""

from __future__ import annotations

from typing import Any

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
from migrate.edn.show import show
from migrate.marketplace import (
    BASE_URL_ENV,
    CLIENT_ID_ENV,
    DEFAULT_BASE_URL,
    fetch,
    load_directory,
)
from migrate.report import write_validation_report
from migrate.rules.engine import UnknownRuleCode, parse_codes
from migrate.rules.findings import Finding, Report, summarise
from migrate.validate import DEFAULT_MAX_SHOWN, validate_file


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


class _Shown(click.ParamType):
    """A count of findings to show per rule, or ``all``."""

    name = "N|all"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | None:
        if value is None or isinstance(value, int):
            return value
        if str(value).strip().lower() == "all":
            return None
        try:
            number = int(value)
        except ValueError:
            self.fail(f"{show(value)} is not a whole number or all", param, ctx)
        if number < 0:
            self.fail(f"{number} is less than 0", param, ctx)
        return number


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
    "--max-shown",
    "max_shown",
    type=_Shown(),
    default=DEFAULT_MAX_SHOWN,
    show_default=True,
    help="Findings listed per rule (or all). The whole file is always checked and the counts "
    "are complete; this only limits what is printed.",
)
@click.option(
    "--max-findings",
    "max_findings",
    type=_Shown(),
    default=None,
    help="Older name of --max-shown.",
)
@click.option(
    "--marketplace",
    "marketplace_dir",
    metavar="DIR",
    default=None,
    help="Also check against the target marketplace's configuration: a directory of its "
    "Asset Delivery API files (listings/listing-types.json, … ; any subset).",
)
@click.option(
    "--marketplace-client-id",
    "client_id",
    metavar="ID",
    envvar=CLIENT_ID_ENV,
    show_envvar=True,
    default=None,
    help="Fetch the marketplace's configuration from the Asset Delivery API (latest "
    "version) with this Marketplace API client id (never shown in full).",
)
@click.option(
    "--marketplace-url",
    "base_url",
    metavar="URL",
    envvar=BASE_URL_ENV,
    show_envvar=True,
    default=DEFAULT_BASE_URL,
    show_default=True,
    help="Base URL of the Asset Delivery API.",
)
@click.option(
    "--marketplace-timeout",
    "timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds to wait for each asset file.",
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
    max_shown: int | None,
    max_findings: int | None,
    marketplace_dir: str | None,
    client_id: str | None,
    base_url: str,
    timeout: float,
    warnings_as_errors: bool,
    select: frozenset[str] | None,
    ignore: frozenset[str] | None,
    html: str | None,
    output: str,
    quiet: bool,
) -> None:
    """Check an Intermediary FILE.edn against every rule of the format.

    With --marketplace DIR (or --marketplace-client-id), also check it against the target
    marketplace's own configuration: listing and user types, categories, listing and user
    fields, currency and minimum price (see docs/rules.md).

    The whole file is always checked, whatever it holds; an edn syntax error inside a row is
    reported and checking resumes at the next row.

    Exit status: 0 when there are no errors (warnings allowed, unless --warnings-as-errors),
    1 when there is at least one error (an edn syntax error included), 2 for a usage error or
    an unreadable file.
    """
    path = edn_file(file)
    both = sorted(set(select or ()) & set(ignore or ()))
    if both:
        raise BadUsage(f"--select and --ignore both name {', '.join(both)}: keep it in one only")
    source = click.get_current_context().get_parameter_source("max_findings")
    if source is click.core.ParameterSource.COMMANDLINE:
        max_shown = max_findings
    if marketplace_dir is not None and client_id:
        raise BadUsage("give either --marketplace DIR or --marketplace-client-id, not both")
    image_options = click.get_current_context().meta.get("image_options", {})
    if image_options.get("check_images") and image_options.get("allow_private_hosts"):
        # asked for: loopback and private image hosts (tests, intranet staging) are fine
        ignore = frozenset({*(ignore or ()), "url-host-not-public"})
    from migrate.cli.progress import progress_display

    check_output(output)
    with user_errors(), progress_display("migrate validate", quiet=quiet) as display:
        task = display.task("checking", "bytes")
        marketplace = None
        if marketplace_dir is not None:
            marketplace = load_directory(marketplace_dir)
        elif client_id:
            marketplace = fetch(client_id, base_url=base_url, timeout=timeout)
        report = validate_file(
            path,
            select=select,
            ignore=ignore,
            max_shown=max_shown,
            warnings_as_errors=warnings_as_errors,
            byte_progress=task.update,
            marketplace=marketplace,
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
    """Every shown finding on its own line, then a per-rule summary, notes and the verdict."""
    lines = [finding_line(finding) for finding in report.findings]
    groups = summarise(report.findings, max_examples, report.counts)
    hidden = report.not_shown
    if groups:
        lines += ["", "Summary by rule:"]
        for group in groups:
            code = group["code"]
            shown = f" ({group['count'] - hidden[code]} shown)" if code in hidden else ""
            lines.append(f"  {code} ({group['severity']}): {group['count']}{shown}")
            lines += [f"    {example}" for example in group["examples"]]
    if lines:
        lines.append("")
    for note in report.notes:
        lines.append(f"NOTE: {note}")
    rows = sum(report.rows_checked.values())
    per_type = ", ".join(f"{count} {name}" for name, count in report.rows_checked.items())
    verdict = "valid" if report.valid else "INVALID"
    if report.marketplace is not None:
        verdict += f" (against the marketplace configuration of {report.marketplace})"
    lines.append(
        f"{report.file}: {verdict}: {report.errors} error{'s' if report.errors != 1 else ''}, "
        f"{report.warnings} warning{'s' if report.warnings != 1 else ''} in {rows} row"
        f"{'s' if rows != 1 else ''}" + (f" ({per_type})" if per_type else "")
    )
    return "\n".join(lines) + "\n"
