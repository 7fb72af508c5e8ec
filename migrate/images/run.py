"""``migrate check-images`` as a library call: a file's image rows in, an :class:`ImageReport`
out."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable

from migrate.images import outcomes as o
from migrate.images.cache import ImageCache
from migrate.images.check import CheckRun, Progress, UrlResult, check_urls
from migrate.images.collect import MISSING, ImageRow, collect_images
from migrate.images.report import ImageFinding, ImageReport, outcome_order
from migrate.images.settings import CheckSettings
from migrate.images.urls import Resolver, form_problem, masked
from migrate.images.verdict import Observation, Verdict
from migrate.rules.findings import Severity


def check_file(
    path: str | os.PathLike[str],
    settings: CheckSettings | None = None,
    *,
    cache: ImageCache | None = None,
    resolver: Resolver | None = None,
    progress: Progress | None = None,
    warnings_as_errors: bool = False,
    skip: Iterable[str] = (),
    reading: Callable[[int], None] | None = None,
) -> ImageReport:
    """Check every ``:im.image/url`` of the Intermediary file at ``path``.

    ``cache`` gives fresh passes and keeps new observations; ``progress`` is called as URLs
    are settled (see :func:`~migrate.images.check.check_urls`), ``reading(rows)`` while the
    file is read. Outcome codes in ``skip`` are left out of the report (``validate
    --check-images`` skips ``url-invalid``, which its own rule reports). An edn syntax error
    raises :class:`~migrate.edn.errors.EdnSyntaxError`; an unreadable path ``OSError``.
    """
    settings = settings or CheckSettings()
    filename = os.fspath(path)
    started = time.monotonic()
    images = collect_images(path, filename=filename, progress=reading)
    urls = [image.url for image in images if isinstance(image.url, str)]
    run = check_urls(urls, settings, cache=cache, resolver=resolver, progress=progress)
    return build_report(
        filename,
        images,
        run,
        settings,
        elapsed=time.monotonic() - started,
        warnings_as_errors=warnings_as_errors,
        skip=frozenset(skip),
    )


def _unusable(image: ImageRow) -> UrlResult:
    """The result of an image row whose URL is missing or not a string."""
    if image.url is MISSING:
        message = ":im.image/url is missing: an image row needs the URL of its image"
    else:
        message = form_problem(image.url) or ":im.image/url must be a URL string"
    seen = Observation("", time.time(), failure=o.URL_INVALID, detail=message)
    return UrlResult(seen, Verdict(o.URL_INVALID, message))


def _finding(
    filename: str, image: ImageRow, result: UrlResult, code: str, message: str, severity: Severity
) -> ImageFinding:
    seen = result.observation
    return ImageFinding(
        code=code,
        severity=severity,
        message=message,
        file=filename,
        line=image.line,
        column=image.column,
        row_index=image.index,
        image=image.label,
        used_by=tuple(image.used_by),
        url=masked(image.url) if isinstance(image.url, str) else "",
        final_url=masked(seen.final_url) if seen.final_url else None,
        status=seen.status,
        content_type=seen.content_type,
        size=seen.size,
        from_cache=result.from_cache,
    )


def build_report(
    filename: str,
    images: list[ImageRow],
    run: CheckRun,
    settings: CheckSettings,
    *,
    elapsed: float,
    warnings_as_errors: bool = False,
    skip: frozenset[str] = frozenset(),
) -> ImageReport:
    """Join the URL results to the image rows that use them."""
    outcomes: Counter[str] = Counter()
    warning_counts: Counter[str] = Counter()
    failures: list[ImageFinding] = []
    warnings: list[ImageFinding] = []
    for image in images:
        result = run.results[image.url] if isinstance(image.url, str) else _unusable(image)
        verdict = result.verdict
        if verdict.code in skip:
            continue
        outcomes[verdict.code] += 1
        if not verdict.passed:
            # a failing image reports its error only: its warnings are moot until it passes
            message = verdict.message or verdict.code
            failures.append(_finding(filename, image, result, verdict.code, message, o.ERROR))
            continue
        for code, message in verdict.warnings:
            if code in skip:
                continue
            warning_counts[code] += 1
            warnings.append(_finding(filename, image, result, code, message, o.WARNING))
    return ImageReport(
        file=filename,
        images=sum(outcomes.values()),
        urls=len(run.results),
        requests=run.requests,
        from_cache=run.from_cache,
        elapsed=elapsed,
        outcomes=outcome_order(outcomes),
        warning_counts=outcome_order(warning_counts),
        failures=tuple(failures),
        warnings=tuple(warnings),
        deadline_passed=run.deadline_passed,
        warnings_as_errors=warnings_as_errors,
        settings=settings.to_dict(),
    )
