"""Findings and reports: what the rule engine produces, as plain values.

A rule yields messages; the engine turns each into a frozen :class:`Finding` carrying the rule
code, its severity and where the problem is (file, line, column, row, attribute). A
:class:`Report` gathers the findings of one validation run with counts and flags.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 1


class Severity(StrEnum):
    """How bad a finding is: errors fail a run, warnings do not (unless asked to)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by one rule, with everything needed to locate it.

    ``line`` and ``column`` are 1-based and ``None`` for rows checked in memory. ``row_index``
    is the 0-based position of the row in ``:data`` (``None`` for document-level findings);
    ``row_label`` names the row by alias or import id; ``attribute`` is the attribute's keyword
    as written (``":im.review/rating"``), ``None`` for whole-row findings.
    """

    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    row_index: int | None = None
    row_label: str | None = None
    attribute: str | None = None

    @property
    def is_error(self) -> bool:
        """True for an error, False for a warning."""
        return self.severity is Severity.ERROR

    def location(self) -> str:
        """``FILE:LINE:COL`` (or as much of it as is known), for text output."""
        parts = [self.file or "<memory>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The finding as a JSON-ready dict."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


@dataclass(frozen=True)
class Report:
    """The result of validating one file.

    ``partial`` is true when checking stopped at ``max_findings``: more problems may exist.
    ``syntax_error`` is true when the file could not be read to its end; the rows before the
    error were checked and cross-row rules were settled on them only.
    """

    file: str
    findings: tuple[Finding, ...]
    rows_checked: dict[str, int] = field(default_factory=dict)
    partial: bool = False
    syntax_error: bool = False
    warnings_as_errors: bool = False
    max_findings: int | None = None

    @property
    def errors(self) -> int:
        """Number of error findings."""
        return sum(1 for finding in self.findings if finding.is_error)

    @property
    def warnings(self) -> int:
        """Number of warning findings."""
        return len(self.findings) - self.errors

    @property
    def valid(self) -> bool:
        """True when the run passes: no errors (and no warnings with ``warnings_as_errors``).

        A partial report never passes: checking stopped at ``max_findings``, so the rest of the
        file may hold errors even when none of the findings collected so far is one.
        """
        if self.partial:
            return False
        if self.warnings_as_errors:
            return not self.findings
        return self.errors == 0

    @property
    def counts_by_code(self) -> dict[str, int]:
        """How many findings each rule produced, by code, sorted by code."""
        return dict(sorted(Counter(finding.code for finding in self.findings).items()))

    @property
    def counts_by_severity(self) -> dict[str, int]:
        """``{"error": n, "warning": m}``."""
        return {Severity.ERROR.value: self.errors, Severity.WARNING.value: self.warnings}

    @property
    def notes(self) -> tuple[str, ...]:
        """Sentences a reader of the report must not miss (truncation, unread rest of file)."""
        notes = []
        if self.partial:
            notes.append(
                f"stopped after {self.max_findings} findings: the file was not fully checked "
                "and more problems may exist (raise --max-findings)"
            )
        if self.syntax_error:
            notes.append(
                "the file could not be read to its end: only the rows before the syntax error "
                "were checked, and cross-row rules were settled on those rows only"
            )
        return tuple(notes)

    def to_dict(self, max_examples: int | None = None) -> dict[str, Any]:
        """The report as a JSON-ready dict; ``max_examples`` limits examples per rule."""
        return {
            "schema_version": SCHEMA_VERSION,
            "file": self.file,
            "valid": self.valid,
            "partial": self.partial,
            "syntax_error": self.syntax_error,
            "warnings_as_errors": self.warnings_as_errors,
            "rows_checked": dict(self.rows_checked),
            "counts": {
                "by_severity": self.counts_by_severity,
                "by_code": self.counts_by_code,
            },
            "summary": summarise(self.findings, max_examples),
            "notes": list(self.notes),
            "findings": [finding.to_dict() for finding in self.findings],
        }

    def to_json(self, max_examples: int | None = None) -> str:
        """The report as one JSON document (deterministic key order)."""
        return json.dumps(self.to_dict(max_examples), indent=2, ensure_ascii=False)


def summarise(findings: tuple[Finding, ...], max_examples: int | None = None) -> list[dict]:
    """Findings grouped by rule code: severity, count and the first ``max_examples`` messages."""
    groups: dict[str, dict[str, Any]] = {}
    for finding in findings:
        group = groups.get(finding.code)
        if group is None:
            group = groups[finding.code] = {
                "code": finding.code,
                "severity": finding.severity.value,
                "count": 0,
                "examples": [],
            }
        group["count"] += 1
        if max_examples is None or len(group["examples"]) < max_examples:
            group["examples"].append(f"{finding.location()}: {finding.message}")
    return [groups[code] for code in sorted(groups)]
