"""Benchmark: ``migrate convert`` on the Stayfinch rental sample scaled up, beside Trailhop.

    .venv/bin/python benchmarks/rental_bench.py                     # Stayfinch x100, Trailhop x50
    .venv/bin/python benchmarks/rental_bench.py --scale 10 --trailhop-scale 5    # a quick look
    .venv/bin/python benchmarks/rental_bench.py --engines columns,rows           # both engines
    .venv/bin/python benchmarks/rental_bench.py --runs 3        # three rounds, back to back

The relational job (``samples/rental/job.toml``: ``distinct`` hosts, two derived sources,
lookups for every review's subject and rating, listing publicData from a Python list literal) is
measured against the first sample's job (``samples/csv/job.toml``) at a scale of about the same number
of source rows (Trailhop x50 has ~190 k rows, Stayfinch x100 ~190 k). Each run is
``python -m migrate convert JOB -q`` in a child process of its own, one after the other,
measured from outside: CPU seconds (user + system, ``wait4``), wall seconds, peak resident
memory (``ru_maxrss``). Three rates per CPU second are compared: source rows (records in the
CSV files, not lines), rows read by the record tables (the report's ``read``: a Stayfinch
listing row is read as a host, a listing and a cover photo, a review row as a reviewer and a
review, while each Trailhop row is read once) and megabytes of CSV. The issue's target is
that the relational sample converts at a rate similar to the first sample's. Both generators
write into ``benchmarks/data/`` (git-ignored, reused). The load average is printed before and
after: CPU time is the steadier measure on a shared machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
sys.path.insert(0, str(ROOT / "benchmarks"))

from convert_bench import byte_compile, ensure_sample, load, source_rows  # noqa: E402


def ensure_rental(scale: int, data: Path) -> Path:
    """The Stayfinch export at ``scale`` with its job, generated on first use."""
    out = data / f"stayfinch-x{scale}"
    if not (out / "expected-rejects.csv").exists():
        subprocess.run(
            [sys.executable, str(ROOT / "samples" / "rental" / "generate.py")]
            + ["--scale", str(scale), "--out", str(out)],
            check=True,
        )
    shutil.copyfile(ROOT / "samples" / "rental" / "job.toml", out / "job.toml")  # the current one
    return out


def csv_bytes(job: Path) -> int:
    """Bytes of the CSV files beside ``job`` (the sample's export)."""
    return sum(
        path.stat().st_size for path in job.parent.glob("*.csv") if path.stem != "expected-rejects"
    )


def rental_rows(folder: Path) -> int:
    """Records in ``listings.csv`` and ``reviews.csv`` (comments span lines)."""
    total = 0
    for name in ("listings.csv", "reviews.csv"):
        with open(folder / name, encoding="utf-8", newline="") as stream:
            total += sum(1 for _ in csv.reader(stream)) - 1
    return total


#: The rates compared, each per CPU second.
RATES = {
    "rows_per_cpu_s": "source rows (CSV records)",
    "read_per_cpu_s": "rows read by the record tables (the report's read)",
    "mb_per_cpu_s": "megabytes of CSV",
}


def measure(job: Path, name: str, out_dir: Path, engine: str) -> dict[str, Any]:
    """Convert ``job`` in a child process; CPU, wall, peak memory and the report's totals."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    args = [sys.executable, "-m", "migrate", "convert", str(job), "-q", "-o", str(out_dir)]
    if engine == "rows":
        args += ["--engine", "rows"]
    started = time.perf_counter()
    child = subprocess.Popen(args, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: rows were rejected, as the samples mean them to be
        raise SystemExit(f"convert {job} failed with exit status {code}")
    report = json.loads((out_dir / f"{name}.report.json").read_text("utf-8"))
    return {
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "wall_s": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "read": report["totals"]["read"],
        "written": report["totals"]["written"],
        "rejected": report["totals"]["rejected"],
    }


def main(argv: list[str] | None = None) -> int:
    """Generate (once), convert each sample with each engine, print figures and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100, help="Stayfinch scale")
    parser.add_argument("--trailhop-scale", type=int, default=50, help="Trailhop scale")
    parser.add_argument("--engines", default="columns", help="comma-separated: columns,rows")
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="rounds of back-to-back runs (each sample once a round; a ratio per round)",
    )
    parser.add_argument("--data-dir", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    figures: dict[str, Any] = {"load_before": load()}
    rental = ensure_rental(args.scale, args.data_dir)
    trailhop = ensure_sample(args.trailhop_scale, args.data_dir)
    byte_compile()  # as an install does (see convert_bench.byte_compile)
    rows = rental_rows(rental)
    samples = {
        f"stayfinch x{args.scale}": (rental / "job.toml", "stayfinch", rows),
        f"trailhop x{args.trailhop_scale}": (
            trailhop / "job.toml",
            "trailhop",
            source_rows(trailhop),
        ),
    }
    results: dict[str, dict[str, Any]] = {}
    ratios: dict[str, list[float]] = {}
    for run in range(1, max(1, args.runs) + 1):
        suffix = f" #{run}" if args.runs > 1 else ""
        for engine in args.engines.split(","):
            for label, (job, name, rows) in samples.items():
                out = args.data_dir / "out" / f"{label.split()[0]}-{engine}"
                result = measure(job, name, out, engine)
                result.update(
                    source_rows=rows,
                    rows_per_cpu_s=rows / result["cpu_s"],
                    read_per_cpu_s=result["read"] / result["cpu_s"],
                    mb_per_cpu_s=csv_bytes(job) / 1e6 / result["cpu_s"],
                )
                results[f"{label} {engine}{suffix}"] = result
            theirs = results[f"trailhop x{args.trailhop_scale} {engine}{suffix}"]
            ours = results[f"stayfinch x{args.scale} {engine}{suffix}"]
            for measure_ in RATES:
                ratios.setdefault(f"{engine} {measure_}", []).append(
                    ours[measure_] / theirs[measure_]
                )
    figures["results"] = results
    print(
        f"{'run':31} {'rows':>9} {'CPU s':>7} {'wall s':>7} {'peak MB':>8} {'rows/CPU s':>11}"
        f" {'read/CPU s':>11} {'MB/CPU s':>9}"
    )
    for label, result in results.items():
        print(
            f"{label:31} {result['source_rows']:9,} {result['cpu_s']:7.1f} {result['wall_s']:7.1f}"
            f" {result['peak_rss_mb']:8.0f} {result['rows_per_cpu_s']:11,.0f}"
            f" {result['read_per_cpu_s']:11,.0f} {result['mb_per_cpu_s']:9.1f}"
            f"   read {result['read']:,}, written {result['written']:,},"
            f" rejected {result['rejected']:,}"
        )
    for key, each in ratios.items():
        engine, measure_ = key.split()
        rounded = [round(ratio, 2) for ratio in each]  # one figure for one run, as before
        name = "" if measure_ == "rows_per_cpu_s" else "_" + measure_.removesuffix("_per_cpu_s")
        figures[f"rate_ratio_stayfinch_{engine}{name}"] = (
            rounded if len(rounded) > 1 else rounded[0]
        )
        shown = ", ".join(f"{ratio:.2f}" for ratio in each)
        print(f"{engine}: Stayfinch / Trailhop, {RATES[measure_]} = {shown}")
    engines = args.engines.split(",")
    for label, (_, name, _) in samples.items():
        if len(engines) > 1:  # every engine must write the same bytes as the first
            sample = label.split()[0]
            first = args.data_dir / "out" / f"{sample}-{engines[0]}"
            same = all(
                (first / f"{name}{suffix}").read_bytes()
                == (args.data_dir / "out" / f"{sample}-{engine}" / f"{name}{suffix}").read_bytes()
                for engine in engines[1:]
                for suffix in (".edn", ".rejects.csv")
            )
            figures[f"same_bytes_{sample}"] = same
            print(f"{label}: {', '.join(engines)} wrote the same .edn and rejects: {same}")
    figures["load_after"] = load()
    print(f"load average before: {figures['load_before']}, after: {figures['load_after']}")
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
