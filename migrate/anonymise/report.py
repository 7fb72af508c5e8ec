"""The anonymisation report: counts and reasons only, never a value from the input.

The report of a run is safe to paste into a ticket: it names row types, drop reasons and
numbers, and the output file, but no alias, import id, name, address, placeholder value or seed.
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
    strategy: str | None = None
    review_types_in: dict[str, int] = field(default_factory=dict)
    review_types_out: dict[str, int] = field(default_factory=dict)
    emails: tuple[str, str] | None = None
    scrub: dict[str, int] = field(default_factory=dict)
    images: dict[str, int] = field(default_factory=dict)
    placeholders: tuple[tuple[str, float], ...] = ()
    leaks: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def prose_changed(self) -> float:
        """The share of the words of scrubbed texts that were replaced as names."""
        words = self.scrub.get("words", 0)
        return self.scrub.get("names", 0) / words if words else 0.0

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
            "strategy": self.strategy,
            "review_types_in": dict(self.review_types_in),
            "review_types_out": dict(self.review_types_out),
            "emails": list(self.emails) if self.emails else None,
            "scrub": dict(self.scrub),
            "images": dict(self.images),
            "placeholders": [
                {"attribute": attribute, "share": round(share, 4)}
                for attribute, share in self.placeholders
            ],
            "leak_check": self.leaks,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def _types(report: AnonymiseReport) -> list[str]:
    seen = set(report.rows_in) | set(report.rows_out)
    return [t for t in TYPE_ORDER if t in seen] + sorted(seen - set(TYPE_ORDER))


def _share(kept: int, read: int) -> str:
    if not read:
        return "-"
    share = kept / read
    return f"{share:.0%}" if share >= 0.1 or share == 0 else f"{share:.1%}"


def render_text(report: AnonymiseReport) -> str:
    """The report as the lines ``migrate anonymise`` prints (warnings apart, see CLI)."""
    how = f", {report.strategy} sample" if report.strategy and report.users_requested else ""
    lines = [
        f"wrote {report.output} ({report.ident}): {report.total_out:,} of "
        f"{report.total_in:,} rows{how}"
    ]
    types = _types(report)
    labels = [*types, *report.review_types_in]
    width = max((len(t) + 2 for t in labels), default=4)
    for row_type in types:
        kept = report.rows_out.get(row_type, 0)
        read = report.rows_in.get(row_type, 0)
        lines.append(
            f"  {row_type:<{width}}  {kept:>7,} kept {_share(kept, read):>6}  "
            f"{read - kept:>7,} dropped"
        )
        if row_type == "review":
            for kind, read_kind in report.review_types_in.items():
                kept_kind = report.review_types_out.get(kind, 0)
                lines.append(
                    f"    {kind:<{width - 2}}  {kept_kind:>7,} kept "
                    f"{_share(kept_kind, read_kind):>6}  {read_kind - kept_kind:>7,} dropped"
                )
    if report.dropped:
        lines.append("dropped:")
        for (row_type, reason), count in report.dropped.items():
            why = DROP_REASONS.get(reason, reason)
            lines.append(f"  {count:>7,} {row_type:<{width}}  {reason}: {why}")
    if report.emails:
        first, last = report.emails
        lines.append(f"emails: {first}" + (f" to {last}" if last != first else ""))
    scrub = report.scrub
    if scrub.get("texts"):
        lines.append(
            f"free text: {scrub['words']:,} words in {scrub['texts']:,} texts; "
            f"{scrub['names']:,} name words replaced ({report.prose_changed:.2%}), "
            f"{scrub['emails']:,} emails, {scrub['phones']:,} phone numbers, "
            f"{scrub['links']:,} links, {scrub['source_ids']:,} source ids"
        )
    images = report.images
    if images.get("generated") or images.get("kept"):
        parts = []
        if images.get("generated"):
            parts.append(f"{images['generated']:,} from the image URL template")
        if images.get("kept"):
            parts.append(f"{images['kept']:,} kept as they were")
        lines.append("image URLs: " + ", ".join(parts))
    if report.placeholders:
        shown = ", ".join(
            f":{attribute} (shared by {share:.0%} of users)"
            for attribute, share in report.placeholders
        )
        lines.append(f"placeholders kept as they are (not personal data): {shown}")
    if report.leaks:
        checked, found = report.leaks["checked"], report.leaks["found"]
        kinds = ", ".join(f"{kind} {count:,}" for kind, count in checked.items())
        total = sum(checked.values())
        if any(found.values()):
            hits = ", ".join(f"{kind} {count}" for kind, count in found.items() if count)
            lines.append(f"leak check: FOUND {hits} (of {total:,} values looked for: {kinds})")
        else:
            lines.append(f"leak check: none of {total:,} personal values found ({kinds})")
    lines.extend(f"note: {note}" for note in report.notes)
    return "\n".join(lines)
