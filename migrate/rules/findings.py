"""Findings and reports: what the rule engine produces, as plain values.

A rule yields messages; the engine turns each into a frozen :class:`Finding` carrying the rule
code, its severity and where the problem is (file, line, column, row, attribute). A
:class:`FindingCollector` counts every finding of a run and keeps a bounded number per rule; a
:class:`Report` holds those with the complete counts and flags.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
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


class FindingCollector:
    """Counts every finding and keeps the first ``max_shown`` of each rule (``None``: all).

    Memory is bounded by the number of rule codes times ``max_shown``, however many findings a
    file produces; the counts stay complete.
    """

    __slots__ = ("max_shown", "counts", "kept")

    def __init__(self, max_shown: int | None = None) -> None:
        self.max_shown = max_shown
        self.counts: Counter[str] = Counter()
        self.kept: dict[str, list[Finding]] = {}

    def add(self, finding: Finding) -> None:
        """Count ``finding`` and keep it if its rule has not reached ``max_shown``."""
        code = finding.code
        self.counts[code] += 1
        kept = self.kept.get(code)
        if kept is None:
            kept = self.kept[code] = []
        if self.max_shown is None or len(kept) < self.max_shown:
            kept.append(finding)

    def count(self, code: str) -> None:
        """Count a finding of ``code`` that is not kept (it need not even be built)."""
        self.counts[code] += 1

    def keeps(self, code: str) -> bool:
        """True when the next finding of ``code`` will be kept (not only counted)."""
        return self.max_shown is None or len(self.kept.get(code, ())) < self.max_shown

    def extend(self, findings: Iterable[Finding]) -> None:
        """:meth:`add` each of ``findings``."""
        for finding in findings:
            self.add(finding)

    def findings(self) -> tuple[Finding, ...]:
        """The kept findings in file order (findings without a line last, by row)."""
        every = [finding for kept in self.kept.values() for finding in kept]
        every.sort(key=_file_order)
        return tuple(every)


def _file_order(finding: Finding) -> tuple:
    line = finding.line if finding.line is not None else 1 << 62
    row = finding.row_index if finding.row_index is not None else -1
    return (line, finding.column or 0, row)


@dataclass(frozen=True)
class Report:
    """The result of validating one file.

    The whole file is always checked: ``counts`` holds every finding of every rule, while
    ``findings`` holds the ones kept for showing, at most ``max_shown`` per rule (``None``: all).
    ``syntax_error`` is true when part of the file could not be read as edn; ``unread`` then
    lists the line ranges ``(first, last)`` that were skipped (``last`` is ``None`` when the rest
    of the file was lost). ``skipped_checks`` names the marketplace checks that did not run for
    want of their configuration file.
    """

    file: str
    findings: tuple[Finding, ...]
    counts: dict[str, int] = field(default_factory=dict)
    rows_checked: dict[str, int] = field(default_factory=dict)
    syntax_error: bool = False
    unread: tuple[tuple[int, int | None], ...] = ()
    warnings_as_errors: bool = False
    max_shown: int | None = None
    marketplace: str | None = None
    skipped_checks: tuple[str, ...] = ()

    @classmethod
    def of(cls, file: str, findings: Iterable[Finding], **fields: Any) -> Report:
        """A report of ``findings``, all kept and counted (for checks run in memory)."""
        collector = FindingCollector(None)
        collector.extend(findings)
        return cls(file, collector.findings(), dict(sorted(collector.counts.items())), **fields)

    @property
    def errors(self) -> int:
        """Number of error findings (all of them, shown or not)."""
        return sum(count for code, count in self.counts.items() if self._is_error(code))

    def _is_error(self, code: str) -> bool:
        """The catalogue's severity of ``code``; for a code it does not hold (a check merged
        in from elsewhere, such as the image check), that of its findings."""
        from migrate.rules.catalogue import SEVERITY

        severity = SEVERITY.get(code)
        if severity is None:
            severity = next(
                (finding.severity for finding in self.findings if finding.code == code),
                Severity.ERROR,
            )
        return severity is Severity.ERROR

    @property
    def warnings(self) -> int:
        """Number of warning findings (all of them, shown or not)."""
        return sum(self.counts.values()) - self.errors

    @property
    def valid(self) -> bool:
        """True when the run passes: no errors (and no warnings with ``warnings_as_errors``).

        A file that could not be read whole never passes, even when ``edn-syntax`` findings
        were not selected: its unread part was not checked.
        """
        if self.syntax_error:
            return False
        if self.warnings_as_errors:
            return not self.counts
        return self.errors == 0

    @property
    def counts_by_code(self) -> dict[str, int]:
        """How many findings each rule produced, by code, sorted by code."""
        return dict(sorted(self.counts.items()))

    @property
    def counts_by_severity(self) -> dict[str, int]:
        """``{"error": n, "warning": m}``."""
        return {Severity.ERROR.value: self.errors, Severity.WARNING.value: self.warnings}

    @property
    def not_shown(self) -> dict[str, int]:
        """Findings counted but not kept, by code (only codes with any)."""
        shown = Counter(finding.code for finding in self.findings)
        return {
            code: count - shown[code]
            for code, count in self.counts_by_code.items()
            if count > shown[code]
        }

    @property
    def notes(self) -> tuple[str, ...]:
        """Sentences a reader of the report must not miss (cut lists, unread parts, skips)."""
        notes = []
        hidden = sum(self.not_shown.values())
        if hidden:
            notes.append(
                f"{hidden} finding{'s' if hidden != 1 else ''} not shown: at most "
                f"{self.max_shown} per rule are listed (the whole file was checked and the "
                "counts are complete; raise --max-shown to see more)"
            )
        if self.unread:
            parts = ", ".join(
                f"lines {first}-{last}" if last is not None else f"from line {first} to the end"
                for first, last in self.unread
            )
            notes.append(
                f"part of the file could not be read as edn ({parts}): rows there were not "
                "checked, and references to rows not found are reported as ref-unverified, "
                "not ref-unresolved, since they may point into the unread part"
            )
        if self.skipped_checks:
            notes.append(
                "marketplace checks skipped for want of their configuration file: "
                + "; ".join(self.skipped_checks)
            )
        return tuple(notes)

    def to_dict(self, max_examples: int | None = None) -> dict[str, Any]:
        """The report as a JSON-ready dict; ``max_examples`` limits examples per rule."""
        return {
            "schema_version": SCHEMA_VERSION,
            "file": self.file,
            "valid": self.valid,
            "syntax_error": self.syntax_error,
            "unread": [list(part) for part in self.unread],
            "warnings_as_errors": self.warnings_as_errors,
            "marketplace": self.marketplace,
            "skipped_checks": list(self.skipped_checks),
            "rows_checked": dict(self.rows_checked),
            "counts": {
                "by_severity": self.counts_by_severity,
                "by_code": self.counts_by_code,
            },
            "max_shown": self.max_shown,
            "not_shown": self.not_shown,
            "summary": summarise(self.findings, max_examples, self.counts, self._is_error),
            "notes": list(self.notes),
            "findings": [finding.to_dict() for finding in self.findings],
        }

    def to_json(self, max_examples: int | None = None) -> str:
        """The report as one JSON document (deterministic key order)."""
        return json.dumps(self.to_dict(max_examples), indent=2, ensure_ascii=False)


def _is_error(code: str) -> bool:
    from migrate.rules.catalogue import SEVERITY

    return SEVERITY.get(code, Severity.ERROR) is Severity.ERROR


def summarise(
    findings: Iterable[Finding],
    max_examples: int | None = None,
    counts: dict[str, int] | None = None,
    is_error: Callable[[str], bool] | None = None,
) -> list[dict]:
    """Findings grouped by rule code: severity, count and the first ``max_examples`` messages.

    ``counts``, when given, are the complete counts (the findings may be a shown subset).
    """
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
    for code, count in (counts or {}).items():
        group = groups.get(code)
        if group is None:
            group = groups[code] = {
                "code": code,
                "severity": "error" if (is_error or _is_error)(code) else "warning",
                "count": 0,
                "examples": [],
            }
        group["count"] = count
    return [groups[code] for code in sorted(groups)]
