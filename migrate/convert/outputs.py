"""What `migrate convert` leaves besides the edn file: the rejects CSV, the report JSON and the
terminal summary.

All three are rendered from plain values (:class:`TypeCounts`, :class:`ConvertReport`, rejected
rows), so the pipeline and the command line share one source of truth and tests can compare
exact text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrate.edn.show import show
from migrate.fileio import atomic_write

if TYPE_CHECKING:
    import polars as pl

REPORT_SCHEMA_VERSION = 1

#: Reject codes a ``--limit`` run gives whole types for want of the rows not read.
_LIMITED_REFERENCES = frozenset({"ref-unresolved", "ref-target-rejected"})

REJECT_COLUMNS = (
    "source",
    "origin",
    "record_type",
    "source_id",
    "rule",
    "message",
    "values",
)


@dataclass
class TypeCounts:
    """Counts for one row type: ``read == written + rejected + merged``.

    ``merged`` counts source rows folded into an earlier row with the same source id (a user
    present in two sources, a host repeated on each of their listings in a ``distinct``
    table); they are neither written separately nor rejected. ``distinct`` is what remains:
    the entities, each written or rejected.
    """

    read: int = 0
    written: int = 0
    merged: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)

    @property
    def distinct(self) -> int:
        """Entities read: source rows less those merged into another (written + rejected)."""
        return self.read - self.merged

    @property
    def rejected_total(self) -> int:
        """All rejected rows of this type, whatever the rule."""
        return sum(self.rejected.values())

    @property
    def warnings_total(self) -> int:
        """All warnings on written rows of this type."""
        return sum(self.warnings.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts, rules sorted by code."""
        return {
            "read": self.read,
            "distinct": self.distinct,
            "merged": self.merged,
            "written": self.written,
            "rejected": self.rejected_total,
            "rejected_by_rule": dict(sorted(self.rejected.items())),
            "warnings": self.warnings_total,
            "warnings_by_rule": dict(sorted(self.warnings.items())),
        }


@dataclass(frozen=True)
class ConvertReport:
    """The result of one conversion run.

    ``types`` holds counts per row type in output order. ``edn_path`` is ``None`` for a dry
    run. ``failed`` is true when the run must exit non-zero (rejects with ``fail_on_reject``).
    ``timings`` are seconds per stage.
    """

    job: str
    ident: str
    types: dict[str, TypeCounts]
    edn_path: Path | None
    rejects_path: Path
    report_path: Path
    timings: dict[str, float]
    dry_run: bool = False
    limit: int | None = None
    fail_on_reject: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def read(self) -> int:
        """Source records read, all types."""
        return sum(counts.read for counts in self.types.values())

    @property
    def written(self) -> int:
        """Rows written (or, in a dry run, that would have been written)."""
        return sum(counts.written for counts in self.types.values())

    @property
    def merged(self) -> int:
        """Source records merged into another of the same source id, all types."""
        return sum(counts.merged for counts in self.types.values())

    @property
    def rejected(self) -> int:
        """Rejected records, all types."""
        return sum(counts.rejected_total for counts in self.types.values())

    @property
    def warnings(self) -> int:
        """Warnings on written rows, all types."""
        return sum(counts.warnings_total for counts in self.types.values())

    @property
    def all_rejected(self) -> list[tuple[str, str]]:
        """``(type, rule)`` of each row type whose every row (one at least) was rejected, all
        for the same rule: a job that cannot work as written, whatever ``fail_on_reject``.

        With a ``limit`` the rows a reference points at may simply not have been read, so
        references that do not resolve (and their cascade) are no sign of a broken job there.
        """
        found = []
        for name, counts in self.types.items():
            if counts.written == 0 and len(+counts.rejected) == 1:
                ((code, number),) = (+counts.rejected).items()
                if self.limit is not None and code in _LIMITED_REFERENCES:
                    continue
                if number == counts.distinct:
                    found.append((name, code))
        return found

    @property
    def failed(self) -> bool:
        """True when the run fails: rejects were found and ``fail_on_reject`` was asked, or
        every row of some type was rejected for one rule (:attr:`all_rejected`)."""
        return (self.fail_on_reject and self.rejected > 0) or bool(self.all_rejected)

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (the content of ``<name>.report.json``)."""
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "job": self.job,
            "ident": self.ident,
            "dry_run": self.dry_run,
            "limit": self.limit,
            "outputs": {
                "edn": str(self.edn_path) if self.edn_path is not None else None,
                "rejects": str(self.rejects_path),
                "report": str(self.report_path),
            },
            "totals": {
                "read": self.read,
                "distinct": self.read - self.merged,
                "merged": self.merged,
                "written": self.written,
                "rejected": self.rejected,
                "warnings": self.warnings,
            },
            "types": {name: counts.to_dict() for name, counts in self.types.items()},
            **self.extra,
            "timings": {stage: round(seconds, 3) for stage, seconds in self.timings.items()},
        }


def write_report(report: ConvertReport, path: Path | None = None) -> None:
    """Write ``report`` as indented JSON to ``report.report_path`` (or ``path``, the temporary
    of an output set), atomically."""
    with atomic_write(path or report.report_path) as stream:
        json.dump(report.to_dict(), stream, indent=2, ensure_ascii=False)
        stream.write("\n")


def reject_line(
    source: str,
    origin: str,
    record_type: str,
    source_id: str | None,
    rule: str,
    message: str,
    values: Mapping[str, Any] | str,
) -> str:
    """One rejects-CSV line (with its line ending) for one rejected record.

    ``values`` are the offending source values, written as one JSON object with sorted keys
    (values that JSON cannot hold are written as their edn text, :func:`~migrate.edn.show.show`),
    or that object's text already made by :func:`values_json`.
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        (
            source,
            origin,
            record_type,
            source_id if source_id is not None else "",
            rule,
            message,
            values if isinstance(values, str) else values_json(values),
        )
    )
    return buffer.getvalue()


def reject_lines_text(
    rows: Iterable[tuple[str, str, str, str | None, str, str, Mapping[str, Any] | str]],
) -> str:
    """Many rejects-CSV lines at once, each as :func:`reject_line` writes it (one writer)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(
        (
            source,
            origin,
            record_type,
            source_id if source_id is not None else "",
            rule,
            message,
            values if isinstance(values, str) else values_json(values),
        )
        for source, origin, record_type, source_id, rule, message, values in rows
    )
    return buffer.getvalue()


def _quoted_by_csv() -> str:
    """The characters that make :mod:`csv` (``QUOTE_MINIMAL``, ``lineterminator="\\n"``)
    quote a field, asked of the running Python (its rules for ``\\r`` have changed)."""

    def quoted(char: str) -> bool:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(["a", char])
        return buffer.getvalue() != f"a,{char}\n"

    return "".join(char for char in ',"\n\r' if quoted(char))


_CSV_QUOTED = _quoted_by_csv()


def csv_field(expr: pl.Expr) -> pl.Expr:
    """A rejects-CSV field of a text column as :func:`reject_line`'s writer writes it (null
    as an empty field), so that lines can be made as columns."""
    import polars as pl  # here: the per-row pipeline imports this module without Polars

    text = expr.fill_null("")
    pattern = "[" + "".join(re.escape(char) for char in _CSV_QUOTED) + "]"
    quoted = pl.concat_str(
        [pl.lit('"'), text.str.replace_all('"', '""', literal=True), pl.lit('"')]
    )
    return pl.when(text.str.contains(pattern)).then(quoted).otherwise(text)


def csv_fields(exprs: Sequence[pl.Expr]) -> pl.Expr:
    """The fields of ``exprs`` joined as one part of a rejects-CSV line (no line end)."""
    import polars as pl

    return pl.concat_str([csv_field(expr) for expr in exprs], separator=",")


def values_json(values: Mapping[str, Any]) -> str:
    """The ``values`` column of a rejects line: a JSON object with sorted keys."""
    return json.dumps(dict(values), ensure_ascii=False, sort_keys=True, default=show)


def write_rejects(path: Path, lines: Iterable[str]) -> int:
    """Write the header and ``lines`` (from :func:`reject_line`) to ``path`` atomically.

    Returns the number of rejects written.
    """
    count = 0
    with atomic_write(path) as stream:
        csv.writer(stream, lineterminator="\n").writerow(REJECT_COLUMNS)
        for line in lines:
            stream.write(line)
            count += 1
    return count


def read_rejects(path: Path) -> list[dict[str, str]]:
    """The rows of a rejects CSV as dicts keyed by :data:`REJECT_COLUMNS`."""
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def summary_table(report: ConvertReport) -> str:
    """Counts per row type with a total (:func:`migrate.format.table`), then the rules by count.

    When rows were merged (a ``distinct`` table, a type made by several sources) the table
    also shows the ``distinct`` entities and the ``merged`` rows, so that each line reads
    ``read = written + rejected + merged``.
    """
    from migrate.format import number, table

    merged = any(counts.merged for counts in report.types.values())
    headers = ["type", "read", "distinct", "merged"] if merged else ["type", "read"]
    rows = []
    for name, c in report.types.items():
        folded = [c.distinct, c.merged] if merged else []
        rows.append([name, c.read, *folded, c.written, c.rejected_total, c.warnings_total])
    totals = [report.read - report.merged, report.merged] if merged else []
    text = table(
        [*headers, "written", "rejected", "warnings"],
        rows,
        footer=["total", report.read, *totals, report.written, report.rejected, report.warnings],
    )
    rejected: Counter[str] = Counter()
    warned: Counter[str] = Counter()
    for counts in report.types.values():
        rejected.update(counts.rejected)
        warned.update(counts.warnings)
    for label, by_rule in (("rejected by rule", rejected), ("warnings by rule", warned)):
        if by_rule:
            ordered = sorted(by_rule.items(), key=lambda item: (-item[1], item[0]))
            text += f"\n{label}: " + ", ".join(f"{code} {number(n)}" for code, n in ordered)
    return text


def reject_hints(report: ConvertReport) -> list[str]:
    """One line per row type whose rows were all rejected for one rule
    (:attr:`ConvertReport.all_rejected`): the type, the rule, its first reject (where and
    why, from the rejects file) and what to look at."""
    from migrate.format import number

    wanted = dict(report.all_rejected)
    if not wanted:
        return []
    first: dict[str, dict[str, str]] = {}
    if report.rejects_path.exists():
        with open(report.rejects_path, encoding="utf-8", newline="") as stream:
            for row in csv.DictReader(stream):
                kind = row["record_type"]
                if kind in wanted and kind not in first:
                    first[kind] = row
                    if len(first) == len(wanted):
                        break
    lines = []
    for kind, code in wanted.items():
        counts = report.types[kind]
        example = first.get(kind)
        detail = f" (first at {example['origin']}: {example['message']})" if example else ""
        if counts.distinct == 1:
            what = f"the only {kind} row was"
        else:
            what = f"all {number(counts.distinct)} {kind} rows were"
        lines.append(
            f"hint: {what} rejected for {code}{detail}; "
            f"check [records.{kind}] in the job file against that message "
            f"(rule {code} in docs/rules.md)"
        )
    return lines


def outputs_line(report: ConvertReport) -> str:
    """One line naming the files the run wrote."""
    written = [report.edn_path] if report.edn_path is not None else []
    written += [report.rejects_path, report.report_path]
    note = " (dry run: no .edn written)" if report.dry_run else ""
    return "wrote " + ", ".join(str(path) for path in written) + note
