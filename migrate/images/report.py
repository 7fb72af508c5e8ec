"""The report of an image check: each failing image where it is, counts, text and JSON.

Counts are per image row (what the file holds); a URL used by several rows is asked once and
reported on each of its rows. Every URL shown has its credentials masked.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from migrate.edn.show import show
from migrate.images import outcomes as o
from migrate.images.urls import masked
from migrate.rules.findings import Finding, Severity

SCHEMA_VERSION = 1
_URL_LIMIT = 200
_CODE_WIDTH = max(len(outcome.code) for outcome in o.OUTCOMES)


@dataclass(frozen=True, slots=True)
class ImageFinding:
    """One problem of one image row (an error that fails it, or a warning).

    ``image`` is the row's alias or import id as edn; ``used_by`` names the listing or user
    rows that use it; ``status``, ``content_type`` and ``size`` describe the final answer
    (``None`` when none came); ``url`` and ``final_url`` are masked.
    """

    code: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int
    row_index: int
    image: str
    used_by: tuple[str, ...]
    url: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    size: int | None = None
    from_cache: bool = False

    def location(self) -> str:
        """``FILE:LINE:COL``."""
        return f"{self.file}:{self.line}:{self.column}"

    def line_text(self) -> str:
        """The finding on one line: where, what, which image, which URL, what came back."""
        users = f" of {', '.join(self.used_by)}" if self.used_by else ""
        facts = []
        if self.status is not None:
            facts.append(f"status {self.status}")
        if self.content_type is not None:
            facts.append(f"content type {show(self.content_type)}")
        if self.size is not None:
            facts.append(f"{self.size:,} bytes")
        answer = f" ({', '.join(facts)})" if facts else ""
        url = f" url {show(self.url, cut=False)}" if self.url else ""
        return (
            f"{self.location()}: {self.severity.value} {self.code}: {self.message} "
            f"[image {self.image}{users}]{url}{answer}"
        )

    def to_dict(self) -> dict[str, Any]:
        """The finding as a JSON-ready dict."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "row_index": self.row_index,
            "image": self.image,
            "used_by": list(self.used_by),
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "content_type": self.content_type,
            "size": self.size,
            "from_cache": self.from_cache,
        }

    def to_finding(self) -> Finding:
        """The same problem as a rule-engine :class:`Finding` (for ``validate --check-images``)."""
        users = f" (image of {', '.join(self.used_by)})" if self.used_by else ""
        url = f": url {show(self.url, cut=False)}" if self.url else ""
        return Finding(
            code=self.code,
            severity=self.severity,
            message=f"{self.message}{url}{users}",
            file=self.file,
            line=self.line,
            column=self.column,
            row_index=self.row_index,
            row_label=self.image,
            attribute=":im.image/url",
        )


@dataclass(frozen=True)
class ImageReport:
    """The result of checking one file's images."""

    file: str
    images: int
    urls: int
    requests: int
    from_cache: int
    elapsed: float
    outcomes: dict[str, int]
    warning_counts: dict[str, int]
    failures: tuple[ImageFinding, ...]
    warnings: tuple[ImageFinding, ...]
    deadline_passed: bool = False
    warnings_as_errors: bool = False
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        """Image rows that fail."""
        return len(self.failures)

    @property
    def passed(self) -> bool:
        """True when no image fails (and, with ``warnings_as_errors``, none has a warning)."""
        if self.failures:
            return False
        return not (self.warnings_as_errors and self.warnings)

    def findings(self) -> list[ImageFinding]:
        """Failures and warnings together, in file order."""
        return sorted(
            (*self.failures, *self.warnings),
            key=lambda item: (item.line, item.column, item.severity is not Severity.ERROR),
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return {
            "schema_version": SCHEMA_VERSION,
            "file": self.file,
            "passed": self.passed,
            "images": self.images,
            "failed": self.failed,
            "distinct_urls": self.urls,
            "requests": self.requests,
            "from_cache": self.from_cache,
            "elapsed_seconds": round(self.elapsed, 3),
            "deadline_passed": self.deadline_passed,
            "warnings_as_errors": self.warnings_as_errors,
            "counts": {"outcomes": self.outcomes, "warnings": self.warning_counts},
            "settings": self.settings,
            "failures": [item.to_dict() for item in self.failures],
            "warnings": [item.to_dict() for item in self.warnings],
        }

    def to_json(self) -> str:
        """The report as one JSON document."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def lines(self, max_examples: int = 3) -> list[str]:
        """The text report: every failure, a few examples of each warning, counts, verdict."""
        lines = [item.line_text() for item in self.failures]
        if self.outcomes:
            if lines:
                lines.append("")
            lines.append("Outcomes (image rows):")
            lines += [
                f"  {code:<{_CODE_WIDTH}} {count:>9,}" for code, count in self.outcomes.items()
            ]
        if self.warning_counts:
            lines.append("Warnings:")
            for code, count in self.warning_counts.items():
                lines.append(f"  {code:<{_CODE_WIDTH}} {count:>9,}")
                examples = [item for item in self.warnings if item.code == code]
                lines += [f"    {item.line_text()}" for item in examples[:max_examples]]
                if count > max_examples:
                    lines.append(
                        f"    … and {count - max_examples:,} more (--format json lists all)"
                    )
        if self.deadline_passed:
            lines.append(
                "NOTE: the deadline passed before every image was checked: those not checked "
                "fail as image-not-checked"
            )
        verdict = "passed" if self.passed else "FAILED"
        noun = "image" if self.images == 1 else "images"
        lines.append(
            f"{self.file}: {verdict}: {self.failed:,} of {self.images:,} {noun} fail, "
            f"{len(self.warnings):,} warning{'s' if len(self.warnings) != 1 else ''} "
            f"({self.urls:,} distinct URL{'s' if self.urls != 1 else ''}, "
            f"{self.from_cache:,} from the cache, {self.requests:,} request"
            f"{'s' if self.requests != 1 else ''}, {self.elapsed:.1f}s)"
        )
        return lines


def outcome_order(counts: Counter[str]) -> dict[str, int]:
    """Counts in catalogue order, ``ok`` first."""
    order = [o.OK, *(outcome.code for outcome in o.OUTCOMES)]
    return {code: counts[code] for code in order if counts.get(code)}


def shown_url(url: str) -> str:
    """``url`` with credentials masked (for reports)."""
    return masked(url)
