"""The anonymisation report: counts and reasons only, never a value from the input.

The report of a run is safe to paste into a ticket: it names row types, drop reasons and
numbers, and the output file, but no alias, import id, name, address or seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Why a row was left out, in the words the report uses.
DROP_REASONS: dict[str, str] = {
    "not-sampled": "not among the chosen users",
    "no-author": "listing without an author",
    "author-not-kept": "its author was left out",
    "subject-not-kept": "its subject was left out",
    "listing-not-kept": "its listing was left out",
    "not-a-kept-avatar": "not a listing image nor a kept user's profile image",
    "stripe-not-kept": "Stripe accounts are left out without --keep-stripe",
    "user-not-kept": "its user was left out",
    "unknown-type": "unknown row type",
}

TYPE_ORDER = ("user", "listing", "image", "review", "stripeAccount")


@dataclass(frozen=True)
class AnonymiseReport:
    """What an anonymisation run did.

    ``rows_in`` and ``rows_out`` count rows per type; ``dropped`` maps ``(type, reason)`` to a
    count; ``notes`` are remarks such as a sample larger than the file.
    """

    output: str
    ident: str
    rows_in: dict[str, int]
    rows_out: dict[str, int]
    dropped: dict[tuple[str, str], int]
    users_requested: int | None
    users_available: int
    seeded: bool
    notes: tuple[str, ...] = field(default=())

    @property
    def total_in(self) -> int:
        """Rows read."""
        return sum(self.rows_in.values())

    @property
    def total_out(self) -> int:
        """Rows written."""
        return sum(self.rows_out.values())

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "output": self.output,
            "ident": self.ident,
            "rows_in": dict(self.rows_in),
            "rows_out": dict(self.rows_out),
            "dropped": [
                {"type": row_type, "reason": reason, "count": count}
                for (row_type, reason), count in self.dropped.items()
            ],
            "users_requested": self.users_requested,
            "users_available": self.users_available,
            "seeded": self.seeded,
            "notes": list(self.notes),
        }


def _types(report: AnonymiseReport) -> list[str]:
    seen = set(report.rows_in) | set(report.rows_out)
    return [t for t in TYPE_ORDER if t in seen] + sorted(seen - set(TYPE_ORDER))


def render_text(report: AnonymiseReport) -> str:
    """The report as the lines ``migrate anonymise`` prints."""
    lines = [
        f"wrote {report.output} ({report.ident}): {report.total_out} of {report.total_in} rows"
    ]
    types = _types(report)
    width = max((len(t) for t in types), default=4)
    for row_type in types:
        kept = report.rows_out.get(row_type, 0)
        read = report.rows_in.get(row_type, 0)
        lines.append(f"  {row_type:<{width}}  {kept:>7} kept  {read - kept:>7} dropped")
    if report.dropped:
        lines.append("dropped:")
        for (row_type, reason), count in report.dropped.items():
            why = DROP_REASONS.get(reason, reason)
            lines.append(f"  {count:>7} {row_type:<{width}}  {reason}: {why}")
    lines.extend(f"note: {note}" for note in report.notes)
    return "\n".join(lines)
