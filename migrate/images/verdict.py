"""What was seen when an image URL was asked (:class:`Observation`), and the verdict on it.

The checker records facts: the final status, content type, size, the format the first bytes
show, whether a plain-HTTP or a private hop was on the way, or why no answer came. The verdict
is derived from those facts and the current settings by :func:`judge`, so a cached observation
is judged again under this run's size limit and private-host switch without asking again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from http import HTTPStatus
from typing import Any

from migrate.edn.show import show
from migrate.images import outcomes as o
from migrate.images.settings import DOCUMENTED_FORMATS, CheckSettings

OCTET_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})
"""Content types that say nothing about the bytes (``binary/octet-stream`` is S3's default)."""


@dataclass(frozen=True, slots=True)
class Observation:
    """The facts about one URL. ``failure`` is set when no usable final answer came.

    ``failure``/``detail``: an outcome code and its message (timeouts, refused connections,
    redirect loops, private hosts, bad URLs). ``status``, ``content_type`` (the header as sent),
    ``size`` (bytes, ``None`` when unknown) and ``sniffed`` (the image type the first bytes
    show, when they were read) describe the final answer; ``final_url`` is where it came from
    after ``redirects`` redirects. ``insecure`` holds the first plain ``http://`` URL on the way;
    ``private`` why a host on the way is not public (when private hosts were allowed).
    ``attempts`` counts the requests of the last step including retries; ``requests`` every
    request made for this URL; ``note`` qualifies the final status (``asked to retry after
    3600s …``). ``checked_at`` is a Unix time.
    """

    url: str
    checked_at: float
    failure: str | None = None
    detail: str | None = None
    status: int | None = None
    content_type: str | None = None
    size: int | None = None
    sniffed: str | None = None
    final_url: str | None = None
    redirects: int = 0
    insecure: str | None = None
    private: str | None = None
    attempts: int = 0
    requests: int = 0
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The observation as a JSON-ready dict (the cache stores it so)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Observation:
        """The observation a :meth:`to_dict` dict describes; unknown keys are ignored."""
        names = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judgement on one observation: ``code`` is ``ok`` or an error outcome code."""

    code: str
    message: str | None
    warnings: tuple[tuple[str, str], ...] = ()

    @property
    def passed(self) -> bool:
        """True when the image passes (warnings allowed)."""
        return self.code == o.OK


def status_text(status: int) -> str:
    """``HTTP 404 Not Found`` (the standard reason phrase, never the server's own text)."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def media_type(content_type: str | None) -> str:
    """The lower-case media type of a Content-Type header, parameters dropped (``""``: none)."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def _status_outcome(status: int) -> str:
    if status in (404, 410):
        return o.NOT_FOUND
    if status in (401, 403, 407):
        return o.DENIED
    if status == 429:
        return o.RATE_LIMITED
    if 500 <= status <= 599:
        return o.SERVER_ERROR
    return o.HTTP_STATUS


def _attempts(count: int) -> str:
    return f" ({count} attempts)" if count > 1 else ""


def judge(observation: Observation, settings: CheckSettings) -> Verdict:
    """The verdict on ``observation`` under ``settings`` (size limit, private-host switch)."""
    seen = observation
    warnings: list[tuple[str, str]] = []
    if seen.insecure is not None:
        if seen.insecure == seen.url:
            warnings.append((o.INSECURE, "plain http:// URL: prefer https://"))
        else:
            warnings.append(
                (o.INSECURE, f"redirected to a plain http:// URL, {show(seen.insecure, cut=False)}")
            )
    if seen.failure is not None:
        return Verdict(seen.failure, seen.detail or seen.failure, tuple(warnings))
    if seen.private is not None and not settings.allow_private_hosts:
        return Verdict(
            o.PRIVATE_HOST,
            f"{seen.private}: not public (--allow-private-hosts lets it through)",
            tuple(warnings),
        )
    status = seen.status or 0
    if not 200 <= status <= 299:
        message = status_text(status)
        if seen.note is not None:
            message += f" ({seen.note})"
        else:
            message += _attempts(seen.attempts)
        if 300 <= status <= 399:
            message += " without a Location to follow"
        return Verdict(_status_outcome(status), message, tuple(warnings))
    kind = media_type(seen.content_type)
    if seen.size == 0:
        return Verdict(o.NOT_AN_IMAGE, "empty body (0 bytes)", tuple(warnings))
    if kind.startswith("image/"):
        image = kind
    elif kind in OCTET_TYPES or not kind:
        image = seen.sniffed or ""
        if not image:
            said = f"content type {show(seen.content_type)}" if kind else "no content type"
            return Verdict(
                o.NOT_AN_IMAGE,
                f"{said}, and the first bytes are no known image signature",
                tuple(warnings),
            )
    else:
        return Verdict(
            o.NOT_AN_IMAGE,
            f"content type {show(seen.content_type)}, not an image",
            tuple(warnings),
        )
    if seen.size is not None and seen.size > settings.max_bytes:
        return Verdict(
            o.TOO_LARGE,
            f"{seen.size:,} bytes, over the limit of {settings.max_bytes:,} bytes",
            tuple(warnings),
        )
    if seen.size is None:
        warnings.append((o.SIZE_UNKNOWN, "size unknown: the server sent no Content-Length"))
    if image not in DOCUMENTED_FORMATS:
        warnings.append(
            (
                o.FORMAT_UNLISTED,
                f"content type {show(image)} is not among the formats Sharetribe documents "
                "(JPEG, PNG, GIF)",
            )
        )
    return Verdict(o.OK, None, tuple(warnings))
