"""Benchmark the source readers: native columnar ``batches()`` against the ``rows()`` path.

    .venv/bin/python benchmarks/extract_bench.py                 # scale 300 sample, all tables
    .venv/bin/python benchmarks/extract_bench.py --scale 20 --kinds csv

The sample is generated once with ``samples/generate.py --scale N`` into
``benchmarks/data/sample-<N>/`` (git-ignored). For every table of the CSV, JSON and SQLite
forms, each contender reads every column of the table in a child process of its own, one after
the other: ``rows`` iterates ``Source.rows()`` (what the per-row engine reads), ``batches`` the
native ``Source.batches()`` (what the columnar engine reads), ``batches+origins`` the same plus
the origins of 1% of the records (the rejects' share at scale 300). Reported: user + system CPU
seconds and peak RSS of the child (``wait4``), and the ratio rows / batches; the load average
is printed first (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
KINDS = {"csv": "csv/job.toml", "json": "json/job.toml", "sql": "sqlite/job.toml"}
CONTENDERS = ("rows", "batches", "batches+origins")

_CHILD = """
import json, sys, time
from migrate.convert.job import load_job
from migrate.extract import open_source
job = load_job(sys.argv[1], check_sources=False)
source = open_source(job.sources[sys.argv[2]])
columns = source.columns()
mode = sys.argv[3]
start = time.perf_counter()
count = 0
if mode == "rows":
    for row in source.rows():
        count += 1
else:
    for frame in source.batches(columns):
        count += frame.height
    if mode == "batches+origins":
        source.origins(range(0, count, 100))
print(json.dumps({"records": count, "seconds": time.perf_counter() - start}))
"""


def _sample(scale: int) -> Path:
    folder = DATA / f"sample-{scale}"
    if not (folder / "csv" / "job.toml").exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "samples" / "generate.py"),
                "--scale",
                str(scale),
                "--out",
                str(folder),
            ],
            check=True,
        )
        for job in KINDS.values():
            source = ROOT / "samples" / job
            (folder / job).write_text(source.read_text("utf-8"), "utf-8")
    return folder


def _run(job: Path, source: str, mode: str) -> dict:
    process = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(job), source, mode],
        stdout=subprocess.PIPE,
        text=True,
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{mode} {source} failed")
    result = json.loads(output)
    result["cpu"] = usage.ru_utime + usage.ru_stime
    result["rss_mb"] = usage.ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=300)
    parser.add_argument("--kinds", nargs="*", default=list(KINDS), choices=list(KINDS))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    folder = _sample(args.scale)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    figures = []
    for kind in args.kinds:
        sys.path.insert(0, str(ROOT))
        from migrate.convert.job import load_job

        job_path = folder / KINDS[kind]
        job = load_job(job_path, check_sources=False)
        for source in sorted(job.sources):
            row = {"kind": kind, "source": source}
            for mode in CONTENDERS:
                row[mode] = _run(job_path, source, mode)
            figures.append(row)
            ratio = row["rows"]["cpu"] / max(row["batches"]["cpu"], 1e-9)
            print(
                f"{kind:4} {source:16} {row['rows']['records']:>9,} records  "
                + "  ".join(
                    f"{mode} {row[mode]['cpu']:6.2f} s {row[mode]['rss_mb']:5.0f} MB"
                    for mode in CONTENDERS
                )
                + f"  rows/batches {ratio:4.1f}x",
                flush=True,
            )
    totals = {mode: sum(row[mode]["cpu"] for row in figures) for mode in CONTENDERS}
    print("total CPU s: " + ", ".join(f"{mode} {value:.2f}" for mode, value in totals.items()))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
