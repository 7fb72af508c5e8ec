"""Benchmark: `migrate convert` on a scaled Trailhop sample beside a naive baseline.

    .venv/bin/python benchmarks/convert_bench.py            # scale 300: about 1.15 M source rows
    .venv/bin/python benchmarks/convert_bench.py --scale 20 # quick look

The sample generator writes the scaled CSV export into ``benchmarks/data/`` (git-ignored, reused
on the next run). Each contender runs in its own child process, so its peak memory (maximum
resident set size) is its own:

* **convert**: ``migrate.convert.pipeline.convert`` with the CSV job of the bundled sample
  (mapping, the full rule engine, cross-row checks, the reject cascade, edn output).
* **baseline**: what a first script would do: pandas loads every table, rows become plain dicts,
  a few attributes are mapped without any validation, ``edn_format.dumps`` writes the document.

A second, smaller convert run (a quarter of the scale) shows how memory grows: the bytes of
peak memory per extra source row are compared with the bytes per source row on disk.
Targets: convert at least 5x faster than the baseline, under 90 s, peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
CSV_JOB = ROOT / "samples" / "csv" / "job.toml"
TABLES = ("users", "listings", "listing_images", "reviews", "payout_accounts")


def ensure_sample(scale: int) -> Path:
    """The CSV directory of the sample at ``scale``, generated on first use, with the job."""
    out = DATA / f"trailhop-x{scale}"
    csv_dir = out / "csv"
    if not (out / "expected-rejects.csv").exists():
        subprocess.run(
            [sys.executable, str(ROOT / "samples" / "generate.py"), "--scale", str(scale)]
            + ["--out", str(out)],
            check=True,
        )
    shutil.copyfile(CSV_JOB, csv_dir / "job.toml")
    return csv_dir


def source_rows(csv_dir: Path) -> int:
    """Data rows in the CSV export (records, not lines: descriptions span lines)."""
    import csv
    import gzip

    total = 0
    for path in sorted(csv_dir.iterdir()):
        if path.name.endswith(".csv") or path.name.endswith(".csv.gz"):
            opener = gzip.open if path.name.endswith(".gz") else open
            encoding = "cp1252" if path.name == "users.csv" else "utf-8"
            with opener(path, "rt", encoding=encoding, newline="") as stream:
                total += sum(1 for _ in csv.reader(stream)) - 1
    return total


def run_convert(csv_dir: Path, out_dir: Path) -> dict:
    """Child process: the real pipeline."""
    from migrate.convert.job import load_job
    from migrate.convert.pipeline import convert

    started = time.perf_counter()
    report = convert(load_job(csv_dir / "job.toml"), output_dir=out_dir)
    return {
        "seconds": time.perf_counter() - started,
        "written": report.written,
        "rejected": report.rejected,
        "timings": report.timings,
        "edn_bytes": report.edn_path.stat().st_size if report.edn_path else 0,
    }


def run_baseline(csv_dir: Path, out_dir: Path) -> dict:
    """Child process: pandas + plain dicts + edn_format, no validation."""
    import uuid

    import edn_format
    import pandas as pd
    from edn_format import Keyword as K

    started = time.perf_counter()
    frames = {}
    for table in TABLES:
        name = "reviews.csv.gz" if table == "reviews" else f"{table}.csv"
        frames[table] = pd.read_csv(
            csv_dir / name,
            dtype=str,
            keep_default_na=False,
            encoding="cp1252" if table == "users" else "utf-8",
            sep=";" if table == "payout_accounts" else ",",
        )

    def ref(kind: str, source_id: str) -> K:
        return K(f"{kind}/{kind[0]}{source_id}")

    def ident(kind: str, source_id: str) -> list:
        return [K(f"im.{kind}/id"), uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}/{source_id}")]

    rows = []
    for record in frames["users"].to_dict("records"):
        first, last = record["first_name"], record["last_name"]
        if not first and record["full_name"]:
            first, _, last = record["full_name"].rpartition(" ")
        rows.append(
            [
                ident("user", record["id"]) + [ref("user", record["id"])],
                {
                    K("im.user/primaryEmail"): {
                        K("im.email/address"): record["email"].strip(),
                        K("im.email/verified"): record["email_confirmed"] == "1",
                    },
                    K("im.user/role"): [K("user.role/customer"), K("user.role/provider")],
                    K("im.user/createdAt"): record["signed_up_at"],
                    K("im.user/profile"): {
                        K("im.userProfile/firstName"): first,
                        K("im.userProfile/lastName"): last,
                    },
                },
            ]
        )
    for record in frames["listings"].to_dict("records"):
        rows.append(
            [
                ident("listing", record["id"]) + [ref("listing", record["id"])],
                {
                    K("im.listing/title"): record["title"],
                    K("im.listing/description"): record["description"],
                    K("im.listing/state"): K(f"listing.state/{record['state']}"),
                    K("im.listing/createdAt"): record["created_at"],
                    K("im.listing/author"): ref("user", record["host_id"]),
                    K("im.listing/publicData"): {K("category"): record["category"]},
                },
            ]
        )
    for record in frames["listing_images"].to_dict("records"):
        rows.append(
            [
                ident("image", record["id"]),
                {
                    K("im.image/url"): record["url"],
                    K("im.image/sortOrder"): int(record["position"]),
                    K("im.image/listing"): ref("listing", record["listing_id"]),
                },
            ]
        )
    for record in frames["payout_accounts"].to_dict("records"):
        rows.append(
            [
                ident("stripeAccount", record["id"]),
                {
                    K("im.stripeAccount/stripeAccountId"): record["stripe_account_id"],
                    K("im.stripeAccount/user"): ref("user", record["user_id"]),
                },
            ]
        )
    for record in frames["reviews"].to_dict("records"):
        rows.append(
            [
                ident("review", record["id"]),
                {
                    K("im.review/content"): record["body"],
                    K("im.review/rating"): int(record["rating"] or 0),
                    K("im.review/createdAt"): record["created_at"],
                    K("im.review/author"): ref("user", record["author_id"]),
                    K("im.review/subject"): ref("user", record["subject_id"]),
                },
            ]
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "baseline.edn"
    with open(path, "w", encoding="utf-8") as stream:
        stream.write("{:ident :trailhop\n :data [\n")
        for row in rows:
            stream.write(edn_format.dumps(row))
            stream.write("\n")
        stream.write("]}\n")
    return {
        "seconds": time.perf_counter() - started,
        "written": len(rows),
        "rejected": 0,
        "edn_bytes": path.stat().st_size,
    }


def child(which: str, csv_dir: Path, out_dir: Path) -> None:
    """Run one contender and print its figures (with peak RSS) as JSON."""
    result = (run_convert if which == "convert" else run_baseline)(csv_dir, out_dir)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(which: str, csv_dir: Path, out_dir: Path) -> dict:
    """Run ``which`` in a child process and return its figures."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", which, "--csv-dir", str(csv_dir)]
        + ["--out-dir", str(out_dir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Generate (once), run both contenders, print the figures and whether targets are met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=300)
    parser.add_argument("--child", choices=["convert", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--csv-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip-growth", action="store_true", help="skip the quarter-size run")
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.csv_dir, args.out_dir)
        return 0

    csv_dir = ensure_sample(args.scale)
    rows = source_rows(csv_dir)
    disk = sum(path.stat().st_size for path in csv_dir.iterdir() if ".csv" in path.name)
    out_dir = DATA / "out"
    ours = measure("convert", csv_dir, out_dir / "convert")
    base = measure("baseline", csv_dir, out_dir / "baseline")
    print(f"source rows: {rows:,} (scale {args.scale}, {disk / 1e6:.0f} MB of CSV)")
    for name, result in (("convert", ours), ("baseline", base)):
        print(
            f"{name:9} {result['seconds']:7.1f} s  {rows / result['seconds']:9,.0f} rows/s  "
            f"peak {result['peak_rss_mb']:6.0f} MB  written {result['written']:,}  "
            f"rejected {result['rejected']:,}"
        )
    print(f"convert stages: {json.dumps({k: round(v, 1) for k, v in ours['timings'].items()})}")
    speedup = base["seconds"] / ours["seconds"]
    print(f"speed-up over baseline: {speedup:.1f}x")
    ok = speedup >= 5 and ours["seconds"] < 90 and ours["peak_rss_mb"] < 1024
    if not args.skip_growth and args.scale >= 8:
        small_dir = ensure_sample(args.scale // 4)
        small_rows = source_rows(small_dir)
        small = measure("convert", small_dir, out_dir / "convert-small")
        growth = (ours["peak_rss_mb"] - small["peak_rss_mb"]) * 1024 * 1024 / (rows - small_rows)
        print(
            f"memory growth: {growth:.0f} bytes per extra source row "
            f"(peak {small['peak_rss_mb']:.0f} MB at {small_rows:,} rows); "
            f"a source row is {disk / rows:.0f} bytes on disk"
        )
    print("targets (>= 5x baseline, < 90 s, < 1 GB):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
