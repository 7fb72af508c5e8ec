"""How an image check runs: limits, politeness and the figures behind the defaults.

Every default is documented in docs/check-images.md (generated from this module), with the
source of the figure where there is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from migrate import __version__
from migrate.edn.show import show
from migrate.errors import ConfigError

MAX_IMAGE_BYTES = 20_000_000
"""Largest image accepted, in bytes: Sharetribe's Integration API reference ("The maximum
allowed file size is 20MB", ``POST /images/upload``) and Console ("Maximum image size: 20MB").
Read strictly as 20,000,000 bytes, the smaller of the two meanings of "MB"."""

MAX_IMAGE_SOURCE = (
    "Sharetribe Integration API reference, image upload: “The maximum allowed file size is "
    "20MB”; Console asset fields: “Maximum image size: 20MB”"
)

DOCUMENTED_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF"}
"""The formats Sharetribe's Integration API reference names: "Images can only be uploaded as
JPG, PNG, or non-animated GIF." Other image types pass with a warning."""

FORMATS_SOURCE = (
    "Sharetribe Integration API reference, image resource: “Images can only be uploaded as "
    "JPG, PNG, or non-animated GIF”"
)

USER_AGENT = f"sharetribe-migrate/{__version__} (image check before a Sharetribe import)"


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """The knobs of an image check (command-line options and the job file's ``[images]``).

    Times are seconds. ``rate`` is requests per second to one host (0: no limit).
    ``deadline`` bounds the whole run (``None``: none); images not checked by then fail as
    ``image-not-checked``. ``max_age`` is how old a cached pass may be to be used again.
    """

    concurrency: int = 64
    per_host: int = 8
    rate: float = 1000.0
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 0.5
    max_retry_after: float = 60.0
    max_redirects: int = 10
    max_bytes: int = MAX_IMAGE_BYTES
    deadline: float | None = None
    max_age: float = 86_400.0
    allow_private_hosts: bool = False

    def __post_init__(self) -> None:
        for name in ("concurrency", "per_host"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name.replace('_', '-')}: must be at least 1")
        for name in ("rate", "backoff", "max_retry_after", "max_age"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name.replace('_', '-')}: must not be negative")
        for name in ("retries", "max_redirects"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name.replace('_', '-')}: must not be negative")
        if self.timeout <= 0:
            raise ConfigError("timeout: must be more than 0 seconds")
        if self.max_bytes < 1:
            raise ConfigError("max-bytes: must be at least 1")
        if self.deadline is not None and self.deadline <= 0:
            raise ConfigError("deadline: must be more than 0 seconds")

    def to_dict(self) -> dict[str, object]:
        """The settings as a JSON-ready dict (for reports)."""
        return {item.name: getattr(self, item.name) for item in fields(self)}


DEFAULTS = CheckSettings()

HOST_DOWN_AFTER = 5
"""Consecutive requests to one host that got no answer at all (refused, timed out) after which
the host's remaining images are failed without asking: a host that is down rarely comes back
within the run, and each image would otherwise wait through its timeout and retries."""

SNIFF_BYTES = 64
"""Bytes asked for with a ranged GET (``Range: bytes=0-63``): enough for every signature in
:mod:`migrate.images.sniff`."""

_DURATION_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*\Z")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_duration(text: str | float | int, what: str) -> float:
    """Seconds in ``text``: a number of seconds, or a number with ``s``, ``m``, ``h``, ``d`` or
    ``w`` (``90s``, ``30m``, ``12h``, ``7d``); raises :class:`ConfigError` naming ``what``."""
    if isinstance(text, bool):
        raise ConfigError(f"{what}: expected a duration such as 12h or 7d, found {show(text)}")
    if isinstance(text, int | float):
        if text < 0:
            raise ConfigError(f"{what}: must not be negative")
        return float(text)
    match = _DURATION_RE.match(text)
    if match is None:
        raise ConfigError(
            f"{what}: expected a duration such as 90s, 30m, 12h or 7d, found {show(text)}"
        )
    return float(match[1]) * _UNIT_SECONDS[match[2]]
