"""``migrate check-images FILE.edn``: ask every image URL of a file before it is sent."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from migrate.cli._common import (
    RunFailed,
    edn_file,
    file_argument,
    format_option,
    quiet_option,
    user_errors,
)
from migrate.images.cache import ImageCache, ImageCacheError, default_cache_path
from migrate.images.settings import DEFAULTS, CheckSettings, parse_duration

EXIT_INTERRUPTED = 130


def image_check_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options that shape an image check, shared with ``validate --check-images``."""
    options = [
        click.option(
            "--allow-private-hosts",
            is_flag=True,
            help="Let loopback and private addresses through (tests, intranet staging hosts).",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(min=1),
            default=DEFAULTS.concurrency,
            show_default=True,
            help="Requests in flight overall.",
        ),
        click.option(
            "--per-host",
            type=click.IntRange(min=1),
            default=DEFAULTS.per_host,
            show_default=True,
            help="Requests in flight to one host.",
        ),
        click.option(
            "--rate",
            type=click.FloatRange(min=0),
            default=DEFAULTS.rate,
            show_default=True,
            help="Most requests per second to one host (0: no limit).",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=DEFAULTS.timeout,
            show_default=True,
            help="Seconds to wait for one answer.",
        ),
        click.option(
            "--retries",
            type=click.IntRange(min=0),
            default=DEFAULTS.retries,
            show_default=True,
            help="Retries of a 429 or 5xx answer (with backoff, honouring Retry-After).",
        ),
        click.option(
            "--max-redirects",
            type=click.IntRange(min=0),
            default=DEFAULTS.max_redirects,
            show_default=True,
            help="Redirects followed before giving up.",
        ),
        click.option(
            "--max-bytes",
            type=click.IntRange(min=1),
            default=DEFAULTS.max_bytes,
            show_default=True,
            help="Largest image accepted (Sharetribe's limit is 20MB).",
        ),
        click.option(
            "--deadline",
            type=click.FloatRange(min=0, min_open=True),
            default=None,
            metavar="SECONDS",
            help="Stop asking after this long; images not checked by then fail.",
        ),
        click.option(
            "--max-age",
            default="1d",
            show_default=True,
            metavar="DURATION",
            help="Reuse a cached pass younger than this (90s, 30m, 12h, 7d).",
        ),
        click.option(
            "--cache",
            "cache_path",
            metavar="FILE",
            default=None,
            help=f"SQLite cache of results (default: {default_cache_path()}).",
        ),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def settings_from_options(options: dict[str, Any]) -> CheckSettings:
    """:class:`CheckSettings` from the values of :func:`image_check_options`."""
    with user_errors():
        return CheckSettings(
            concurrency=options["concurrency"],
            per_host=options["per_host"],
            rate=options["rate"],
            timeout=options["timeout"],
            retries=options["retries"],
            max_redirects=options["max_redirects"],
            max_bytes=options["max_bytes"],
            deadline=options["deadline"],
            max_age=parse_duration(options["max_age"], "--max-age"),
            allow_private_hosts=options["allow_private_hosts"],
        )


@contextlib.contextmanager
def opened_cache(options: dict[str, Any]) -> Iterator[ImageCache | None]:
    """The cache the options name (``None`` with ``--no-cache``); closed (committed) after."""
    if options["no_cache"]:
        yield None
        return
    with user_errors(usage=(ImageCacheError,)):
        cache = ImageCache(options["cache_path"] or default_cache_path())
    try:
        yield cache
    finally:
        cache.close()


@contextlib.contextmanager
def progress_display(enabled: bool) -> Iterator[Callable[[int, int, int], None] | None]:
    """``progress(done, total, failed)`` for the check, shown by the shared progress display
    (:mod:`migrate.cli.progress`: rich on a terminal, a plain line every few seconds in logs)."""
    from migrate.cli.progress import progress_display as shared

    with shared("migrate check-images", quiet=not enabled) as display:
        task = display.task("checking", "URL")

        def update(done: int, total: int, failed: int) -> None:
            task.update(done, total)

        yield update


@click.command("check-images", short_help="Ask every image URL of FILE.edn before it is sent.")
@file_argument(metavar="FILE.edn")
@image_check_options
@click.option("--warnings-as-errors", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option(
    "--max-examples",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Examples shown per warning in the text summary.",
)
@format_option
@quiet_option
@click.pass_context
def check_images_command(
    ctx: click.Context,
    file: str,
    warnings_as_errors: bool,
    max_examples: int,
    output_format: str,
    quiet: bool,
    **options: Any,
) -> None:
    """Ask every :im.image/url of an Intermediary FILE.edn, as Sharetribe's importer will.

    Each URL must answer 2xx with an image (image/*, or image bytes sent as
    application/octet-stream) no larger than the size limit, from a public address, within
    the redirects allowed. Plain http:// URLs and image types other than JPEG, PNG and GIF
    are warnings. Passes are cached (see --cache and --max-age); failures are asked again on
    every run. Every outcome is described in docs/check-images.md.

    Exit status: 0 when every image passes (warnings allowed), 1 when an image fails or
    FILE.edn is not valid edn, 2 for a usage error, an unreadable file or an unusable cache,
    130 when interrupted.
    """
    from migrate.images.run import check_file

    source = edn_file(file)
    settings = settings_from_options(options)
    try:
        with (
            opened_cache(options) as cache,
            progress_display(not quiet) as progress,
            user_errors(),
        ):
            report = check_file(
                source,
                settings,
                cache=cache,
                progress=progress,
                warnings_as_errors=warnings_as_errors,
            )
    except KeyboardInterrupt:
        kept = "" if options["no_cache"] else "; the results so far are kept in the cache"
        click.echo(f"Error: interrupted{kept}", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    if output_format == "json":
        click.echo(report.to_json())
    elif not quiet:
        for line in report.lines(max_examples):
            click.echo(line)
    if not report.passed:
        raise RunFailed(
            f"{report.failed:,} of {report.images:,} images fail"
            if report.failed
            else f"{len(report.warnings):,} image warnings (--warnings-as-errors)"
        )


def validate_image_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``validate``'s image options: ``--check-images``, ``--allow-private-hosts`` and
    ``--no-image-cache`` (every other setting at its default); passed as ``image_options``."""

    def gather(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        ctx.meta.setdefault("image_options", {})[param.name] = value
        return value

    for option in reversed(
        [
            click.option(
                "--check-images",
                is_flag=True,
                expose_value=False,
                callback=gather,
                help="Also ask every image URL (as `migrate check-images` does).",
            ),
            click.option(
                "--allow-private-hosts",
                is_flag=True,
                expose_value=False,
                callback=gather,
                help="With --check-images: let loopback and private addresses through.",
            ),
            click.option(
                "--no-image-cache",
                is_flag=True,
                expose_value=False,
                callback=gather,
                help="With --check-images: neither read nor write the image-check cache.",
            ),
        ]
    ):
        function = option(function)
    return function


def with_image_findings(report: Any, path: Any, *, quiet: bool = False) -> Any:
    """``report`` (a validation :class:`~migrate.rules.findings.Report`) with the image
    check's findings added, when ``--check-images`` was given; else ``report`` unchanged.

    The file must have been read to its end (no syntax error). ``url-invalid`` is left to the
    rule of that name, which the validation already ran.
    """
    import dataclasses
    from collections import Counter

    from migrate.images.outcomes import URL_INVALID
    from migrate.images.run import check_file

    ctx = click.get_current_context()
    given = ctx.meta.get("image_options", {})
    if not given.get("check_images") or report.syntax_error:
        return report
    options = {
        **{name.replace("-", "_"): value for name, value in _DEFAULT_OPTIONS.items()},
        "allow_private_hosts": given.get("allow_private_hosts", False),
        "no_cache": given.get("no_image_cache", False),
    }
    settings = settings_from_options(options)
    with (
        opened_cache(options) as cache,
        progress_display(not quiet and sys.stderr.isatty()) as progress,
        user_errors(),
    ):
        images = check_file(
            path,
            settings,
            cache=cache,
            progress=progress,
            skip={URL_INVALID},
            warnings_as_errors=report.warnings_as_errors,
        )
    found = [item.to_finding() for item in images.findings()]
    merged = sorted(
        (*report.findings, *found),
        key=lambda item: (item.line if item.line is not None else 1 << 62, item.column or 0),
    )
    counts = Counter(report.counts)
    counts.update(finding.code for finding in found)
    return dataclasses.replace(report, findings=tuple(merged), counts=dict(sorted(counts.items())))


_DEFAULT_OPTIONS: dict[str, Any] = {
    "concurrency": DEFAULTS.concurrency,
    "per_host": DEFAULTS.per_host,
    "rate": DEFAULTS.rate,
    "timeout": DEFAULTS.timeout,
    "retries": DEFAULTS.retries,
    "max_redirects": DEFAULTS.max_redirects,
    "max_bytes": DEFAULTS.max_bytes,
    "deadline": None,
    "max_age": DEFAULTS.max_age,
    "cache_path": None,
}
