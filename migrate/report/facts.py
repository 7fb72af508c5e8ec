"""What the sign-off report shows, gathered from a conversion or a validation as plain values.

:func:`from_conversion` reads a :class:`~migrate.convert.outputs.ConvertReport`, its rejects CSV
and the .edn it wrote; :func:`from_validation` a validation report and the file it checked.
Both give a :class:`ReportFacts`, which :mod:`migrate.report.html` draws.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from migrate.convert.outputs import ConvertReport
    from migrate.rules.findings import Report

MAX_EXAMPLES = 3
MAX_LOCATIONS = 20_000  # plotted points; more would only weigh the file down
CASCADE_RULE = "ref-target-rejected"


@dataclass(frozen=True)
class TypeRow:
    """Counts of one row type (``read`` and ``rejected`` are ``None`` for a validation)."""

    name: str
    read: int | None
    written: int
    rejected: int | None
    warnings: int
    #: source rows merged into another of the same source id (``read - merged`` entities)
    merged: int = 0

    @property
    def distinct(self) -> int | None:
        """Entities read (``read - merged``): written + rejected."""
        return None if self.read is None else self.read - self.merged


@dataclass(frozen=True)
class Example:
    """One case of a rule: where (``users.csv:30``), what, and the source line when known."""

    where: str
    message: str
    detail: str = ""  # the offending values, or the row's label
    source_line: str = ""


@dataclass(frozen=True)
class RuleGroup:
    """Every case of one rule: how many, of which row types, a few examples."""

    code: str
    count: int
    record_types: tuple[str, ...]
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class Geocoding:
    """Listings with and without coordinates, and what the geocoder did (when it ran)."""

    listings: int
    located: int
    resolved: int | None = None
    failed: int | None = None
    kept: int | None = None
    no_address: int | None = None


@dataclass
class ReportFacts:
    """Everything the HTML report shows."""

    kind: str  # "convert" or "validate"
    ident: str
    subject: str  # the job or the file, as named to the user
    passed: bool
    verdict: str
    types: list[TypeRow] = field(default_factory=list)
    rejects: list[RuleGroup] = field(default_factory=list)
    errors: list[RuleGroup] = field(default_factory=list)
    warnings: list[RuleGroup] = field(default_factory=list)
    cascade: list[tuple[str, int]] = field(default_factory=list)  # rows lost by type, in order
    cascade_roots: list[tuple[str, int]] = field(default_factory=list)  # rejects causing them
    cascade_edges: list[tuple[str, str, int]] = field(default_factory=list)  # target, lost, n
    geocoding: Geocoding | None = None
    locations: list[tuple[float, float]] = field(default_factory=list)  # (lat, lng)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_written(self) -> int:
        """Rows in the output (or in the file validated)."""
        return sum(row.written for row in self.types)

    @property
    def rows_rejected(self) -> int:
        """Source rows not carried."""
        return sum(row.rejected or 0 for row in self.types)


@dataclass
class _Scan:
    types: Counter[str] = field(default_factory=Counter)
    listings: int = 0
    locations: list[tuple[float, float]] = field(default_factory=list)
    ident: str | None = None


def scan_document(path: str | os.PathLike[str]) -> _Scan:
    """Rows per type and every listing location of an Intermediary file (one streaming pass)."""
    from migrate.edn.errors import RowShapeError
    from migrate.edn.reader import DocumentReader
    from migrate.edn.rows import row_from_value
    from migrate.edn.values import Keyword, Location

    location_key = Keyword("im.listing/location")
    scan = _Scan()
    reader = DocumentReader(path)
    for entry in reader:
        try:
            row = row_from_value(entry.value)
        except RowShapeError:
            continue
        name = row.id_attr.namespace.removeprefix("im.") if row.id_attr.namespace else "?"
        scan.types[name] += 1
        if name == "listing":
            scan.listings += 1
            location = row.attrs.get(location_key)
            if isinstance(location, Location) and len(scan.locations) < MAX_LOCATIONS:
                scan.locations.append((float(location.lat), float(location.lng)))
    ident = reader.header.ident
    scan.ident = ident.text if isinstance(ident, Keyword) else None
    return scan


def from_conversion(report: ConvertReport, *, base_dir: Path | None = None) -> ReportFacts:
    """The facts of a conversion: counts, rejects by rule, cascade, warnings, geocoding, map.

    ``base_dir`` is where the rejects' origins (``users.csv:30``) are found, to quote their lines.
    """
    from migrate.convert.outputs import read_rejects

    rejected = report.rejected
    facts = ReportFacts(
        kind="convert",
        ident=report.ident,
        subject=Path(report.job).name,
        passed=not report.failed,
        verdict=(
            f"{report.written:,} rows written, {rejected:,} source rows not carried"
            + (f", {report.merged:,} merged into their entity" if report.merged else "")
            + (" (dry run: no .edn written)" if report.dry_run else "")
        ),
        types=[
            TypeRow(name, c.read, c.written, c.rejected_total, c.warnings_total, c.merged)
            for name, c in report.types.items()
        ],
    )
    rejects = read_rejects(report.rejects_path) if report.rejects_path.exists() else []
    lines = _SourceLines(base_dir)
    by_rule: dict[str, list[dict[str, str]]] = defaultdict(list)
    for reject in rejects:
        by_rule[reject["rule"]].append(reject)
    facts.rejects = sorted(
        (
            RuleGroup(
                code,
                len(items),
                tuple(dict.fromkeys(item["record_type"] for item in items)),
                tuple(
                    Example(
                        item["origin"],
                        item["message"],
                        _values(item["values"]),
                        lines.line(item["origin"]),
                    )
                    for item in items[:MAX_EXAMPLES]
                ),
            )
            for code, items in by_rule.items()
        ),
        key=lambda group: (-group.count, group.code),
    )
    lost = Counter(item["record_type"] for item in by_rule.get(CASCADE_RULE, []))
    order = list(report.types)
    facts.cascade = sorted(lost.items(), key=lambda item: order.index(item[0]))
    roots = Counter(item["record_type"] for item in rejects if item["rule"] != CASCADE_RULE)
    facts.cascade_roots = sorted(roots.items(), key=lambda item: order.index(item[0]))
    edges: Counter[tuple[str, str]] = Counter()
    for item in by_rule.get(CASCADE_RULE, []):
        target = _REFERS_TO.search(item["message"])
        if target is not None:
            edges[(target.group(1), item["record_type"])] += 1
    facts.cascade_edges = [
        (target, lost_type, n)
        for (target, lost_type), n in sorted(
            edges.items(),
            key=lambda e: (_rank(order, e[0][0]), _rank(order, e[0][1])),
        )
    ]
    warned: Counter[str] = Counter()
    for counts in report.types.values():
        warned.update(counts.warnings)
    facts.warnings = [
        RuleGroup(code, n, tuple(name for name, c in report.types.items() if c.warnings[code]), ())
        for code, n in sorted(warned.items(), key=lambda item: (-item[1], item[0]))
    ]
    geocode = report.extra.get("geocode")
    if report.edn_path is not None and report.edn_path.exists():
        scan = scan_document(report.edn_path)
        facts.locations = scan.locations
        facts.geocoding = _geocoding(scan, geocode)
    elif geocode is not None:
        facts.notes.append("dry run: no .edn was written, so no map of listing locations")
    return facts


def from_validation(report: Report, path: str | os.PathLike[str]) -> ReportFacts:
    """The facts of a validation: rows per type, errors and warnings by rule, coverage, map."""
    from migrate.rules.findings import Severity

    facts = ReportFacts(
        kind="validate",
        ident="",
        subject=Path(path).name,
        passed=report.valid,
        verdict=(
            ("valid" if report.valid else "INVALID")
            + f": {report.errors:,} errors, {report.warnings:,} warnings"
            + (" (part of the file could not be read)" if report.syntax_error else "")
        ),
    )
    groups: dict[tuple[Severity, str], list[Any]] = defaultdict(list)
    for finding in report.findings:
        groups[(finding.severity, finding.code)].append(finding)
    counts = report.counts_by_code
    for (severity, code), findings in sorted(
        groups.items(), key=lambda item: (-counts.get(item[0][1], 0), item[0][1])
    ):
        group = RuleGroup(
            code,
            counts.get(code, len(findings)),
            (),
            tuple(
                Example(
                    f"{Path(f.file).name if f.file else facts.subject}:{f.line}:{f.column}"
                    if f.line is not None
                    else facts.subject,
                    f.message,
                    f.row_label or "",
                )
                for f in findings[:MAX_EXAMPLES]
            ),
        )
        (facts.errors if severity is Severity.ERROR else facts.warnings).append(group)
    if not report.syntax_error:
        scan = scan_document(path)
        facts.ident = scan.ident or ""
        facts.types = [TypeRow(name, None, n, None, 0) for name, n in scan.types.items()]
        facts.locations = scan.locations
        facts.geocoding = _geocoding(scan, None)
    return facts


# ":im.listing/author refers to user "118…", which was rejected (attribute-required)"
_REFERS_TO = re.compile(r" refers to (\w+) ")


def _rank(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


def _geocoding(scan: _Scan, geocode: dict[str, Any] | None) -> Geocoding:
    """Coverage from the document; what the geocoder did from its report (``to_dict()``)."""
    if geocode is None:
        return Geocoding(scan.listings, len(scan.locations))
    return Geocoding(
        scan.listings,
        len(scan.locations),
        resolved=sum(int(item["count"]) for item in geocode.get("resolved", ())),
        failed=sum(int(item["count"]) for item in geocode.get("failed", ())),
        kept=int(geocode.get("kept", 0)),
        no_address=int(geocode.get("no_address", 0)),
    )


def _values(text: str) -> str:
    """The rejects' offending values (JSON) as ``column: value`` pairs."""
    try:
        values = json.loads(text) if text else {}
    except ValueError:
        return text
    if not isinstance(values, dict):
        return text
    return ", ".join(
        f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()
    )


class _SourceLines:
    """The text of ``FILE:LINE`` in a plain-text source file (CSV, JSON Lines), when readable."""

    MAX = 240

    def __init__(self, base_dir: Path | None) -> None:
        self.base_dir = base_dir
        self.files: dict[str, list[str] | None] = {}

    def line(self, origin: str) -> str:
        name, _, number = origin.rpartition(":")
        if self.base_dir is None or not number.isdigit() or not name:
            return ""
        if name not in self.files:
            self.files[name] = self._read(self.base_dir / name)
        lines = self.files[name]
        index = int(number) - 1
        if lines is None or not 0 <= index < len(lines):
            return ""
        text = lines[index].rstrip("\r\n")
        return text if len(text) <= self.MAX else text[: self.MAX] + "…"

    @staticmethod
    def _read(path: Path) -> list[str] | None:
        if path.suffix not in (".csv", ".tsv", ".txt", ".jsonl", ".ndjson"):
            return None
        try:
            if path.stat().st_size > 64 * 1024 * 1024:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        try:
            return data.decode("utf-8").splitlines()
        except UnicodeDecodeError:  # legacy exports are often Windows-1252
            return data.decode("cp1252", "replace").splitlines()
