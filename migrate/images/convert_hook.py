"""The image check inside ``migrate convert``: ``[images] check = true`` in the job file.

Two small pieces plug into the pipeline: :meth:`ImageCheckHook.stage` notes each image
record's URL as the records stream by (it changes nothing), and :meth:`ImageCheckHook.check`
runs after every record was read, before references are settled: it asks the URLs of the image
rows that were accepted, in one batch (:func:`~migrate.images.check.check_urls`, cache
included), and rejects the rows whose image fails, with the outcome's code and message. The
pipeline's usual cascade follows: a listing stays, its image goes; a user whose avatar
reference is required goes with the avatar, one whose reference is optional loses it.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from migrate import schemas
from migrate.errors import ConfigError
from migrate.images.cache import ImageCache, default_cache_path
from migrate.images.check import check_urls
from migrate.images.report import outcome_order
from migrate.images.settings import CheckSettings, parse_duration
from migrate.images.urls import masked

URL = schemas.key("im.image/url")

#: ``[images]`` keys, with their meaning (docs/check-images.md describes them at length).
KEYS: dict[str, str] = {
    "check": "ask every accepted image row's URL before writing (default false)",
    "allow_private_hosts": "let loopback and private addresses through (default false)",
    "concurrency": "requests in flight overall",
    "per_host": "requests in flight to one host",
    "rate": "requests per second to one host (0: no limit)",
    "timeout": "seconds for one request",
    "retries": "retries of a 429 or 5xx answer",
    "max_redirects": "redirects followed",
    "max_bytes": "largest image, bytes",
    "deadline": "seconds for the whole check",
    "max_age": "age of a cached pass that is reused (90s, 30m, 12h, 7d)",
    "cache": "the cache file, relative to the job file; false for none",
}
_NUMBERS = {
    "concurrency": int,
    "per_host": int,
    "rate": float,
    "timeout": float,
    "retries": int,
    "max_redirects": int,
    "max_bytes": int,
    "deadline": float,
}


@dataclass(frozen=True)
class ImagesConfig:
    """A checked ``[images]`` table; ``cache`` is ``None`` for no cache."""

    settings: CheckSettings
    cache: Path | None


def parse_images_config(
    table: Mapping[str, Any], job_path: str | os.PathLike[str]
) -> ImagesConfig | None:
    """The ``[images]`` table as an :class:`ImagesConfig`, or ``None`` when ``check`` is not
    true. Raises :class:`ConfigError` naming the job file and key:
    ``job.toml: images.rate: expected a number, got 'fast'``."""
    job = Path(job_path)

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{job}: images.{key}: {message}")

    for key in table:
        if key not in KEYS:
            raise fail(key, f"unknown key (known: {', '.join(KEYS)})")
    for key in ("check", "allow_private_hosts"):
        if key in table and not isinstance(table[key], bool):
            raise fail(key, f"expected true or false, got {table[key]!r}")
    if not table.get("check", False):
        return None
    values: dict[str, Any] = {}
    for key, kind in _NUMBERS.items():
        if key not in table:
            continue
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(key, f"expected a number, got {value!r}")
        if kind is int and not isinstance(value, int):
            raise fail(key, f"expected a whole number, got {value!r}")
        values[key] = kind(value)
    if "max_age" in table:
        values["max_age"] = parse_duration(table["max_age"], f"{job}: images.max_age")
    try:
        settings = CheckSettings(
            allow_private_hosts=table.get("allow_private_hosts", False), **values
        )
    except ConfigError as error:
        key, _, message = str(error).partition(": ")
        raise fail(key.replace("-", "_"), message) from None
    cache_value = table.get("cache", True)
    if cache_value is False:
        cache = None
    elif cache_value is True:
        cache = default_cache_path()
    elif isinstance(cache_value, str) and cache_value.strip():
        cache = job.parent / cache_value
    else:
        raise fail("cache", f"expected a file name or false, got {cache_value!r}")
    return ImagesConfig(settings, cache)


class AcceptedRows(Protocol):
    """What the pipeline lets the hook see and do after pass 1."""

    def is_accepted(self, record_type: str, source_id: str) -> bool:
        """Whether the row is accepted so far."""
        ...

    def reject(
        self, record_type: str, source_id: str, code: str, message: str, values: dict[str, Any]
    ) -> None:
        """Reject an accepted row (it goes to the rejects file; the cascade follows)."""
        ...

    def warn(self, record_type: str, source_id: str, code: str) -> None:
        """Count a warning on an accepted row."""
        ...


class ImageCheckHook:
    """Notes image URLs during pass 1, checks them before references are settled."""

    def __init__(
        self,
        config: ImagesConfig,
        *,
        progress: Callable[[str, int], None] | None = None,
        resolver: Any = None,
    ) -> None:
        self.config = config
        self.progress = progress
        self.resolver = resolver
        self.urls: dict[str, str] = {}  # image source id -> URL
        self.summary: dict[str, Any] = {}

    def stage(self, item: Any) -> Any:
        """A pipeline stage: remember an image record's URL; the record passes unchanged."""
        if getattr(item, "record_type", None) == "image":
            url = item.row.attrs.get(URL)
            if isinstance(url, str):
                self.urls[item.source_id] = url
        return item

    def check(self, rows: AcceptedRows) -> None:
        """Ask the accepted image rows' URLs; reject the rows whose image fails."""
        wanted = {
            source_id: url
            for source_id, url in self.urls.items()
            if rows.is_accepted("image", source_id)
        }
        self.urls = {}
        progress = self.progress

        def report(done: int, total: int, failed: int) -> None:
            if progress is not None and (done % 1000 == 0 or done == total):
                progress("images", done)

        cache = ImageCache(self.config.cache) if self.config.cache is not None else None
        try:
            run = check_urls(
                wanted.values(),
                self.config.settings,
                cache=cache,
                resolver=self.resolver,
                progress=report,
            )
        finally:
            if cache is not None:
                cache.close()
        outcomes: Counter[str] = Counter()
        warnings: Counter[str] = Counter()
        for source_id, url in wanted.items():
            verdict = run.results[url].verdict
            outcomes[verdict.code] += 1
            if not verdict.passed:
                rows.reject(
                    "image",
                    source_id,
                    verdict.code,
                    verdict.message or verdict.code,
                    {":im.image/url": masked(url)},
                )
                continue
            for code, _ in verdict.warnings:
                warnings[code] += 1
                rows.warn("image", source_id, code)
        self.summary = {
            "images": len(wanted),
            "distinct_urls": len(run.results),
            "requests": run.requests,
            "from_cache": run.from_cache,
            "failed": sum(count for code, count in outcomes.items() if code != "ok"),
            "deadline_passed": run.deadline_passed,
            "outcomes": outcome_order(outcomes),
            "warnings": outcome_order(warnings),
            "seconds": round(run.elapsed, 3),
        }
