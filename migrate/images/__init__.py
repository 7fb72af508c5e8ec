"""Image URL checks: is every ``:im.image/url`` reachable, public and an image, before the
file is sent to Sharetribe?

:func:`check_file` checks a file's image rows (``migrate check-images``), :func:`check_urls`
any URLs (``migrate convert`` with ``[images] check = true``). Each distinct URL is asked with
httpx (:mod:`migrate.images.probe`), scheduled fairly over hosts (:mod:`migrate.images.check`),
remembered in an SQLite cache (:mod:`migrate.images.cache`) and judged by
:func:`~migrate.images.verdict.judge` into one of the outcomes of
:mod:`migrate.images.outcomes`. docs/check-images.md describes every outcome and default.
"""

from migrate.images.cache import ImageCache, ImageCacheError, default_cache_path
from migrate.images.check import CheckRun, UrlResult, check_urls
from migrate.images.report import ImageFinding, ImageReport
from migrate.images.run import check_file
from migrate.images.settings import CheckSettings

__all__ = [
    "CheckRun",
    "CheckSettings",
    "ImageCache",
    "ImageCacheError",
    "ImageFinding",
    "ImageReport",
    "UrlResult",
    "check_file",
    "check_urls",
    "default_cache_path",
]
