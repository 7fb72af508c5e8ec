"""Benchmark: the offline gazetteer on the Trailhop sample's listing addresses.

    .venv/bin/python benchmarks/geocode_bench.py

Measures, in a fresh process: building the name index (first lookup), then the time per address
for addresses never seen (street, city, country, with a distinct street each time) and for
repeated city-level addresses, and the share of the sample's listings the gazetteer resolves.
Targets: index under 3 s, a repeated address under 10 µs, at least 90% of listings resolved.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migrate.geocode.gazetteer import Gazetteer  # noqa: E402

LISTINGS = ROOT / "samples" / "csv" / "listings.csv"


def main() -> None:
    with LISTINGS.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    full = [", ".join(v for v in (r["street"], r["city"], r["country"]) if v) for r in rows]
    city = [", ".join(v for v in (r["city"], r["country"]) if v) for r in rows]

    gazetteer = Gazetteer()
    started = time.perf_counter()
    gazetteer.locate("Helsinki")
    index_seconds = time.perf_counter() - started

    unseen = [f"{n} {address}" for n in range(1, 21) for address in full]
    started = time.perf_counter()
    matches = [gazetteer.locate(address) for address in unseen]
    unseen_us = (time.perf_counter() - started) / len(unseen) * 1e6

    for address in city:
        gazetteer.locate(address)
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        for address in city:
            gazetteer.locate(address)
    repeated_us = (time.perf_counter() - started) / (len(city) * rounds) * 1e6

    resolved = sum(match is not None for match in matches[: len(full)])
    missing = [address for address, r in zip(full, rows, strict=True) if not r["lat"]]
    missing_resolved = sum(gazetteer.locate(address) is not None for address in missing)
    result = {
        "listings": len(full),
        "resolved": resolved,
        "resolved_share": round(resolved / len(full), 4),
        "without_coordinates": len(missing),
        "without_coordinates_resolved": missing_resolved,
        "index_seconds": round(index_seconds, 3),
        "unseen_address_us": round(unseen_us, 1),
        "repeated_address_us": round(repeated_us, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
