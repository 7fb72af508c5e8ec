"""Benchmark: ``migrate convert`` on a scaled Trailhop sample, both engines beside a naive script.

    .venv/bin/python benchmarks/convert_bench.py                 # scale 300: ~1.15 M source rows
    .venv/bin/python benchmarks/convert_bench.py --scale 20      # a quick look
    .venv/bin/python benchmarks/convert_bench.py --scale 300 --contenders columns,baseline
    .venv/bin/python benchmarks/convert_bench.py --identity 1,52,300   # both engines, same bytes?
    .venv/bin/python benchmarks/convert_bench.py --contenders columns,baseline --runs 3  # rounds

The sample generator writes the scaled CSV export into ``benchmarks/data/`` (git-ignored; reused
on the next run; ``--data-dir`` puts it elsewhere). Each contender runs in a child process of its
own, one after the other, and is measured from outside: CPU seconds (user + system, from the
child's ``wait4`` usage), wall seconds and peak resident memory (``ru_maxrss``). ``--runs N``
repeats the contenders N times, back to back, and judges the CPU ratio on the rounds' median:
on a shared machine one run of the same code can take 25% longer than the next. The package is
byte-compiled first, as an install leaves it:

* **columns**: ``python -m migrate convert JOB`` -- the command as users run it, the columnar
  engine (mapping, the full rule engine, cross-row checks, the reject cascade, offline
  geocoding, edn output);
* **rows**: the same command with ``--engine rows``, the per-row reference engine;
* **baseline**: what a first script would do: pandas loads every table, rows become plain
  dicts, a few attributes are mapped without any validation, ``edn_format.dumps`` writes.

Targets (issue 10): the columnar engine spends at least 5x less CPU time than the baseline,
takes under 60 s on an idle machine and peaks under 600 MB; both engines write the same
``.edn`` and rejects bytes (``--identity`` checks that at the scales given). The machine's
load average is printed before and after: on a shared machine CPU time is the steadier
measure, wall time is not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
CSV_JOB = ROOT / "samples" / "csv" / "job.toml"
TABLES = ("users", "listings", "listing_images", "reviews", "payout_accounts")
CONTENDERS = ("columns", "rows", "baseline")


def ensure_sample(scale: int, data: Path) -> Path:
    """The CSV directory of the sample at ``scale``, generated on first use, with the job."""
    out = data / f"trailhop-x{scale}"
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
            opener: Any = gzip.open if path.name.endswith(".gz") else open
            encoding = "cp1252" if path.name == "users.csv" else "utf-8"
            with opener(path, "rt", encoding=encoding, newline="") as stream:
                total += sum(1 for _ in csv.reader(stream)) - 1
    return total


def run_baseline(csv_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Child process: pandas + plain dicts + edn_format, no validation."""
    import uuid

    import edn_format
    import pandas as pd
    from edn_format import Keyword as K

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

    def ident(kind: str, source_id: str) -> list[Any]:
        return [K(f"im.{kind}/id"), uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}/{source_id}")]

    rows: list[Any] = []
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
    return {"written": len(rows), "rejected": 0}


def command(which: str, csv_dir: Path, out_dir: Path) -> list[str]:
    """The child process of contender ``which``."""
    if which == "baseline":
        return [sys.executable, __file__, "--child", "baseline", "--csv-dir", str(csv_dir)] + [
            "--out-dir",
            str(out_dir),
        ]
    job = str(csv_dir / "job.toml")
    engine = ["--engine", "rows"] if which == "rows" else []
    return [sys.executable, "-m", "migrate", "convert", job, "-q", "-o", str(out_dir), *engine]


def measure(which: str, csv_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Run contender ``which`` in a child process; its CPU, wall time and peak memory."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    started = time.perf_counter()
    child = subprocess.Popen(command(which, csv_dir, out_dir), cwd=ROOT, stdout=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    output = child.stdout.read().decode() if child.stdout is not None else ""
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{which} failed with exit status {child.returncode}")
    result: dict[str, Any] = {
        "contender": which,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "wall_s": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }
    if which == "baseline":
        result.update(json.loads(output.strip().splitlines()[-1]))
    else:
        report = json.loads((out_dir / "trailhop.report.json").read_text("utf-8"))
        result.update(written=report["totals"]["written"], rejected=report["totals"]["rejected"])
    return result


def byte_compile() -> None:
    """Compile the package's modules to bytecode before anything is measured.

    A ``pip install`` compiles them, and Python caches what it compiles on a first run; a
    machine that sets ``PYTHONDONTWRITEBYTECODE`` (this one does) would otherwise compile
    every edited module again in every measured run (0.1-0.3 CPU s of a run)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "migrate", "mappers", "schemas", "benchmarks"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def print_round(results: dict[str, dict[str, Any]], number: int | None) -> None:
    """One round's figures, a line per contender (``number`` names the round, if several)."""
    if number is not None:
        print(f"round {number} (load {load()})")
    print(f"{'contender':10} {'CPU s':>8} {'user s':>8} {'sys s':>7} {'wall s':>8} {'peak MB':>8}")
    for which, result in results.items():
        print(
            f"{which:10} {result['cpu_s']:8.1f} {result['user_s']:8.1f} "
            f"{result['sys_s']:7.1f} {result['wall_s']:8.1f} {result['peak_rss_mb']:8.0f}"
            f"   written {result['written']:,}, rejected {result['rejected']:,}"
        )


def identical(first: Path, second: Path) -> bool:
    """Whether two conversions wrote the same ``.edn`` and rejects bytes."""
    names = ("trailhop.edn", "trailhop.rejects.csv")
    return all(_same_file(first / name, second / name) for name in names)


def _same_file(first: Path, second: Path) -> bool:
    if first.stat().st_size != second.stat().st_size:
        return False
    with open(first, "rb") as one, open(second, "rb") as other:
        while True:
            block = one.read(1 << 20)
            if block != other.read(1 << 20):
                return False
            if not block:
                return True


def load() -> str:
    """The machine's load averages over 1, 5 and 15 minutes."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    """Generate (once), run the contenders one after the other, print figures and targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=300)
    parser.add_argument("--data-dir", type=Path, default=DATA, help="where samples are kept")
    parser.add_argument(
        "--contenders", default=",".join(CONTENDERS), help="comma-separated, in run order"
    )
    parser.add_argument(
        "--identity", help="scales at which to compare both engines' bytes, e.g. 1,52,300"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="rounds of the contenders, back to back (the CPU ratio is the rounds' median)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", choices=["baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--csv-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_baseline(args.csv_dir, args.out_dir)))
        return 0

    figures: dict[str, Any] = {"load_before": load()}
    if args.identity:
        byte_compile()
        checks = {}
        for scale in [int(item) for item in args.identity.split(",")]:
            csv_dir = ensure_sample(scale, args.data_dir)
            out = args.data_dir / "out" / f"identity-x{scale}"
            for which in ("columns", "rows"):
                figures[f"identity x{scale} {which}"] = measure(which, csv_dir, out / which)
            checks[scale] = identical(out / "columns", out / "rows")
            print(f"scale {scale}: both engines write the same bytes: {checks[scale]}")
        figures["identical"] = checks
        ok = all(checks.values())
    else:
        csv_dir = ensure_sample(args.scale, args.data_dir)
        rows = source_rows(csv_dir)
        disk = sum(path.stat().st_size for path in csv_dir.iterdir() if ".csv" in path.name)
        figures.update(scale=args.scale, source_rows=rows, csv_mb=round(disk / 1e6))
        byte_compile()
        print(f"source rows: {rows:,} (scale {args.scale}, {disk / 1e6:.0f} MB of CSV)")
        rounds = []
        for number in range(1, args.runs + 1):
            results = {}
            for which in args.contenders.split(","):
                results[which] = measure(which, csv_dir, args.data_dir / "out" / which)
            rounds.append(results)
            print_round(results, number if args.runs > 1 else None)
        figures["results"] = rounds[-1]
        figures["rounds"] = rounds
        ok = True
        results = rounds[-1]
        columns = results.get("columns")
        if columns is not None and "baseline" in results:
            ratios = [r["baseline"]["cpu_s"] / r["columns"]["cpu_s"] for r in rounds]
            ratio = statistics.median(ratios)
            figures["cpu_ratio_baseline_over_columns"] = round(ratio, 2)
            figures["cpu_ratios"] = [round(value, 2) for value in ratios]
            each = ", ".join(f"{value:.2f}x" for value in ratios)
            shown = f" (rounds: {each}; the median)" if len(ratios) > 1 else ""
            print(f"CPU: baseline / columns = {ratio:.1f}x{shown} (target >= 5x)")
            ok = ok and ratio >= 5
        if columns is not None and "rows" in results:
            speedup = results["rows"]["cpu_s"] / columns["cpu_s"]
            print(f"CPU: rows / columns = {speedup:.1f}x")
            same = identical(args.data_dir / "out" / "columns", args.data_dir / "out" / "rows")
            figures["identical"] = same
            print(f"both engines write the same bytes: {same}")
            ok = ok and same
        if columns is not None:
            wall = max(r["columns"]["wall_s"] for r in rounds)
            peak = max(r["columns"]["peak_rss_mb"] for r in rounds)
            ok = ok and wall < 60 and peak < 600
            most = " at most" if len(rounds) > 1 else ""
            print(
                f"columns:{most} {wall:.1f} s wall (target < 60 s on an idle machine), "
                f"peak{most} {peak:.0f} MB (target < 600 MB)"
            )
    figures["load_after"] = load()
    print(f"load average before: {figures['load_before']}, after: {figures['load_after']}")
    if args.json:
        print(json.dumps(figures, indent=2))
    print("targets:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
