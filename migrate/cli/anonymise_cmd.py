"""``migrate anonymise IN.edn -o OUT.edn --ident :dev-marketplace``: a PII-free test export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from migrate.anonymise import (
    DEFAULT_EMAIL_TEMPLATE,
    InputInvalid,
    OutputInvalid,
    OutputLeaks,
    anonymise,
    render_text,
)
from migrate.anonymise.language import DEFAULT_LANGUAGES
from migrate.anonymise.subset import DEFAULT_STRATEGY, STRATEGIES
from migrate.anonymise.transform import DEFAULT_IMAGE_URL_TEMPLATE
from migrate.cli._common import (
    edn_file,
    emit_json,
    file_argument,
    format_option,
    quiet_option,
    readable_file,
    shown,
    user_errors,
    writable_file,
)
from migrate.errors import ConfigError


@click.command(
    "anonymise", short_help="Write an anonymised subset of FILE.edn for a dev marketplace."
)
@file_argument(metavar="FILE.edn")
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE",
    help="Where to write the anonymised export (replaced only when the run succeeds).",
)
@click.option(
    "--ident", required=True, help="The dev marketplace's ident, e.g. :my-marketplace-dev."
)
@click.option(
    "--sample-users",
    type=click.IntRange(min=1),
    default=None,
    help="Keep this many users (all of them when the file has fewer).",
)
@click.option(
    "--users",
    "users_file",
    type=click.Path(path_type=str),
    default=None,
    help="Keep the users named in this file: one alias or import id a line.",
)
@click.option(
    "--strategy",
    type=click.Choice(list(STRATEGIES)),
    default=None,
    help="How --sample-users chooses: shape (default: sampled listings with their people and "
    "reviews, filled by kind of user), random, or the most connected users.",
)
@click.option(
    "--seed",
    default=None,
    help="Key of every pseudonym: the same seed, the same output (default: a random key).",
)
@click.option(
    "--email-template",
    default=DEFAULT_EMAIL_TEMPLATE,
    show_default=True,
    help="Address every user gets, {n} counting the kept users 1 to N in output order.",
)
@click.option(
    "--image-url-template",
    default=DEFAULT_IMAGE_URL_TEMPLATE,
    show_default=True,
    help="Address every image gets: {token} letters from a hash of the original, {n} the "
    "image's number 1 to N.",
)
@click.option(
    "--keep-image-urls",
    is_flag=True,
    help="Keep listing image URLs as they are (they may hold source ids: a warning counts them).",
)
@click.option(
    "--language",
    "languages",
    default=",".join(DEFAULT_LANGUAGES),
    show_default=True,
    metavar="CODES",
    help="Languages of the free text, comma-separated wordfreq codes (en,fi): their common "
    "words are not scrubbed as names.",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(path_type=str),
    default=None,
    help="TOML file overriding the default action per attribute and extended-data key.",
)
@click.option("--keep-stripe", is_flag=True, help="Keep Stripe accounts, with fake test-mode ids.")
@format_option
@quiet_option
def anonymise_command(
    file: str,
    output: str,
    ident: str,
    sample_users: int | None,
    users_file: str | None,
    strategy: str | None,
    seed: str | None,
    email_template: str,
    image_url_template: str,
    keep_image_urls: bool,
    languages: str,
    policy_file: str | None,
    keep_stripe: bool,
    output_format: str,
    quiet: bool,
) -> None:
    """Write a small, consistent, anonymised subset of FILE.edn for a dev marketplace.

    Exit status: 0 when the export is written, 1 when FILE.edn is not valid edn or not a
    consistent Intermediary file, or when the leak check finds personal data of the input in
    the export (nothing is written then), 2 for a usage error, an unreadable file or a bad
    policy or users file.
    """
    if sample_users is not None and users_file is not None:
        raise click.UsageError("use either --sample-users or --users, not both")
    if strategy is not None and sample_users is None:
        raise click.UsageError("--strategy applies to --sample-users only")
    path = edn_file(file)
    writable_file(output)
    users = readable_file(users_file) if users_file is not None else None
    policy = readable_file(policy_file) if policy_file is not None else None
    with (
        user_errors(failed=(InputInvalid, OutputInvalid, OutputLeaks), usage=(ConfigError,)),
        _progress(quiet) as progress,
    ):
        report = anonymise(
            path,
            output,
            ident=ident,
            sample_users=sample_users,
            users=users,
            seed=seed,
            email_template=email_template,
            policy=policy,
            keep_stripe=keep_stripe,
            strategy=strategy or DEFAULT_STRATEGY,
            image_url_template=image_url_template,
            keep_image_urls=keep_image_urls,
            languages=languages.split(","),
            progress=progress,
        )
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if quiet:
        return
    if output_format == "json":
        emit_json(report.to_dict())
    else:
        click.echo(shown(render_text(report)))


#: What each stage of the run counts, for the progress display.
_STAGES = {"check": "bytes", "scan": "row", "write": "row", "verify": "bytes"}


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int | None], None]]:
    """``progress(stage, done, total)`` for :func:`anonymise`: one task per stage, shown by the
    shared display (:mod:`migrate.cli.progress`; nothing with ``--quiet``)."""
    from migrate.cli.progress import ProgressTask, progress_display

    with progress_display("migrate anonymise", quiet=quiet) as display:
        tasks: dict[str, ProgressTask] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            task = tasks.get(stage)
            if task is None:
                task = tasks[stage] = display.task(stage, _STAGES[stage], total)
            task.update(done, total)

        yield update
