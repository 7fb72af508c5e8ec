"""What a geocoding run did: resolved per provider and precision, cache hits, failures and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from migrate.edn.show import show

if TYPE_CHECKING:
    from migrate.geocode.stage import GeocodeResult

MAX_LISTED_FAILURES = 10_000
"""Failures kept by name; beyond that only counted, so memory stays bounded."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A listing whose address could not be geocoded."""

    listing: str
    address: str
    reason: str


@dataclass(slots=True)
class GeocodeReport:
    """Counts of one run, filled by :meth:`add` for each listing looked at."""

    resolved: Counter[tuple[str, str]] = field(default_factory=Counter)
    from_cache: Counter[tuple[str, str]] = field(default_factory=Counter)
    failed: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    kept: int = 0
    no_address: int = 0
    listings: int = 0
    rows: int | None = None  # rows copied, when a whole file is geocoded
    seconds: float = 0.0

    def add(self, listing: str, address: str, result: GeocodeResult) -> None:
        """Count one geocoded listing (``listing`` is how messages name it)."""
        key = (result.provider, result.precision)
        if result.location is not None and result.error is None:
            self.resolved[key] += 1
            if result.from_cache:
                self.from_cache[key] += 1
            return
        reason = result.error or "no match"
        self.failed[(result.provider, reason)] += 1
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append(Failure(listing, address, reason))

    @property
    def resolved_total(self) -> int:
        """Listings given a location in this run."""
        return sum(self.resolved.values())

    @property
    def failed_total(self) -> int:
        """Listings with an address that could not be geocoded."""
        return sum(self.failed.values())

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, in a stable order."""
        data: dict[str, Any] = {} if self.rows is None else {"rows": self.rows}
        return data | {
            "listings": self.listings,
            "kept": self.kept,
            "no_address": self.no_address,
            "resolved": [
                {
                    "provider": provider,
                    "precision": precision,
                    "count": count,
                    "from_cache": self.from_cache[(provider, precision)],
                }
                for (provider, precision), count in sorted(self.resolved.items())
            ],
            "failed": [
                {"provider": provider, "reason": reason, "count": count}
                for (provider, reason), count in sorted(self.failed.items())
            ],
            "failures": [
                {"listing": item.listing, "address": item.address, "reason": item.reason}
                for item in self.failures
            ],
            "failures_not_listed": self.failed_total - len(self.failures),
            "seconds": round(self.seconds, 3),
        }

    def lines(self, max_failures: int = 20) -> list[str]:
        """The report as text lines for a terminal, at most ``max_failures`` failures named."""
        out = [
            f"{self.listings} listings: {self.resolved_total} geocoded, {self.failed_total} failed, "
            f"{self.kept} kept their location, {self.no_address} without an address"
        ]
        for (provider, precision), count in sorted(self.resolved.items()):
            cached = self.from_cache[(provider, precision)]
            out.append(
                f"  resolved  {provider:<12} {precision:<9} {count:>7}  ({cached} from cache)"
            )
        for (provider, reason), count in sorted(self.failed.items()):
            out.append(f"  failed    {provider:<12} {reason:<9} {count:>7}")
        for item in self.failures[:max_failures]:
            out.append(f"  {item.listing}: {show(item.address)}: {item.reason}")
        hidden = self.failed_total - min(len(self.failures), max_failures)
        if hidden > 0:
            out.append(f"  … and {hidden} more failures")
        return out
