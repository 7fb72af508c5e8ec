"""Benchmark the edn reader against edn_format and Clojure's own reader, on one generated file.

    .venv/bin/python benchmarks/run.py                 # 20 MB file, every contender
    .venv/bin/python benchmarks/run.py --mb 5 --skip-clojure --json

Every contender runs in a child process of its own, one after the other on the same file, so
that its peak memory is its own: the maximum resident set size (``ru_maxrss``) that ``wait4``
reports for the child. Times are wall clock:

* ``seconds``: the work alone, measured inside a Python child (imports and startup excluded);
* ``process_seconds``: the whole child process, startup included. For ``clojure`` this is
  the only figure: the JVM's start and ``clojure.edn/read`` of the whole file;
* ``cpu_seconds``: user + system CPU time of the child (``wait4``), steadier than wall clock
  on a busy machine; the JVM's is summed over its threads (JIT, GC).

``MB/s`` is the file's size over ``seconds``.

Contenders are registered in ``CONTENDERS`` by section; ``SECTIONS`` names, for each section,
the contender under test and those it is compared with. To add a section (the validator or the
converter), register its contenders with :func:`register` and add a line to ``SECTIONS``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Reads the whole document with clojure.edn/read and the Intermediary tag readers, then counts
# the rows so that nothing is left lazy.
CLOJURE_SCRIPT = """\
(require '[clojure.edn :as edn] '[clojure.java.io :as io])
(def readers {'im/ref identity 'im/money identity 'im/location identity})
(with-open [r (java.io.PushbackReader. (io/reader (first *command-line-args*)))]
  (println (count (:data (edn/read {:readers readers} r)))))
"""


@dataclass(frozen=True)
class Contender:
    """One thing to time: a Python function run in a child, or an external command."""

    name: str
    section: str
    description: str
    run: Callable[[Path], Any] | None = None  # rows read, or a dict with "rows" and more
    command: Callable[[Path, Path], list[str]] | None = None  # (file, work dir) -> argv


CONTENDERS: dict[str, Contender] = {}
# section -> (contender under test, contenders it is compared with)
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reader": ("reader", ("edn_format", "clojure")),
}


def register(contender: Contender) -> Contender:
    """Add ``contender`` to :data:`CONTENDERS` (by name) and return it."""
    CONTENDERS[contender.name] = contender
    return contender


def bench_reader(path: Path) -> int:
    """Our streaming reader: iterate every entry of ``:data``."""
    from migrate.edn.reader import DocumentReader

    count = 0
    for _entry in DocumentReader(path):
        count += 1
    return count


def bench_edn_format(path: Path) -> int:
    """``edn_format.loads`` of the whole text, with pass-through readers for the im/ tags."""
    import edn_format

    for tag in ("im/ref", "im/money", "im/location"):
        edn_format.add_tag(tag, lambda value: value)
    document = edn_format.loads(path.read_text(encoding="utf-8"))
    return len(document[edn_format.Keyword("data")])


def bench_clojure(path: Path, workdir: Path) -> list[str]:
    """The command line of ``clojure`` reading ``path`` with ``clojure.edn/read``."""
    script = workdir / "read_edn.clj"
    script.write_text(CLOJURE_SCRIPT, encoding="utf-8")
    return ["clojure", str(script), str(path)]


register(Contender("reader", "reader", "migrate.edn.reader.DocumentReader", run=bench_reader))
register(Contender("edn_format", "reader", "edn_format.loads", run=bench_edn_format))
register(Contender("clojure", "reader", "clojure.edn/read (JVM)", command=bench_clojure))


def bench_validate(path: Path) -> dict:
    """``migrate validate``'s library call as the command makes it: every rule on every row,
    the default number of findings kept per rule; the counts by rule come back complete."""
    from migrate.validate import validate_file

    report = validate_file(path)
    if report.errors:
        raise SystemExit(f"the benchmark file has {report.errors} errors: {report.counts_by_code}")
    return {"rows": sum(report.rows_checked.values()), "findings": report.counts_by_code}


register(Contender("validate", "validate", "migrate.validate.validate_file", run=bench_validate))
SECTIONS["validate"] = ("validate", ("edn_format", "clojure"))


def run_child(name: str, path: Path) -> None:
    """In the child process: run one Python contender and print its result as JSON."""
    started = time.perf_counter()
    result = CONTENDERS[name].run(path)  # type: ignore[misc]
    elapsed = time.perf_counter() - started
    extra = result if isinstance(result, dict) else {"rows": result}
    print(json.dumps({"seconds": elapsed, **extra}))


def measure(name: str, path: Path, workdir: Path) -> dict:
    """Run contender ``name`` on ``path`` in a child process; its times, rows and peak RSS."""
    contender = CONTENDERS[name]
    if contender.command is not None:
        argv = contender.command(path, workdir)
    else:
        argv = [sys.executable, str(Path(__file__).resolve()), "--child", name, str(path)]
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors)
        output = process.stdout.read().decode()  # type: ignore[union-attr]
        # wait4 rather than wait(): it reports this child's own resource usage.
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        message = errors.read().decode(errors="replace")
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"benchmark {name} failed ({process.returncode}): {message.strip()}")
    result = {
        "process_seconds": elapsed,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }
    if contender.command is not None:
        result["seconds"] = elapsed
        result["rows"] = int(output.split()[-1])
    else:
        result.update(json.loads(output))
    return result


def ensure_file(megabytes: float, listing_warnings: bool = False) -> Path:
    """The generated benchmark file of ``megabytes`` MB, written on first use."""
    from benchmarks.generate import generate

    suffix = "-warnings" if listing_warnings else ""
    path = DATA / f"bench-{megabytes:g}mb{suffix}.edn"
    if not path.exists():
        generate(path, megabytes, listing_warnings=listing_warnings)
    return path


def report(path: Path, names: list[str], skip: set[str]) -> dict:
    """Measure ``names`` on ``path``; results, throughput and the sections' ratios."""
    size_mb = path.stat().st_size / 1_000_000
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name in names:
            if name in skip:
                continue
            result = measure(name, path, Path(workdir))
            result["mb_per_s"] = size_mb / result["seconds"]
            results[name] = result
    ratios: dict[str, float] = {}
    for subject, others in SECTIONS.values():
        if subject not in results:
            continue
        for other in others:
            if other in results:
                ratios[f"{subject}_vs_{other}"] = (
                    results[other]["seconds"] / results[subject]["seconds"]
                )
                ratios[f"{subject}_process_vs_{other}"] = (
                    results[other]["process_seconds"] / results[subject]["process_seconds"]
                )
                ratios[f"{subject}_cpu_vs_{other}"] = (
                    results[other]["cpu_seconds"] / results[subject]["cpu_seconds"]
                )
    return {"file": str(path), "size_mb": size_mb, "results": results, "ratios": ratios}


def render(summary: dict) -> str:
    """The summary as a text table."""
    lines = [f"file {summary['file']} ({summary['size_mb']:.1f} MB)", ""]
    lines.append(
        f"{'contender':<12} {'rows':>8} {'seconds':>9} {'process s':>10} {'cpu s':>8}"
        f" {'MB/s':>7} {'peak RSS MB':>12}"
    )
    for name, result in summary["results"].items():
        lines.append(
            f"{name:<12} {result['rows']:>8} {result['seconds']:>9.2f} "
            f"{result['process_seconds']:>10.2f} {result['cpu_seconds']:>8.2f} "
            f"{result['mb_per_s']:>7.1f} {result['peak_rss_mb']:>12.1f}"
        )
    for name, result in summary["results"].items():
        if "findings" in result:
            found = ", ".join(f"{code} {count}" for code, count in result["findings"].items())
            lines.append(f"{name} findings: {found or 'none'}")
    if summary["ratios"]:
        lines.append("")
        for key, value in summary["ratios"].items():
            lines.append(f"{key:<32} {value:6.1f}x")
    lines.append("")
    lines.append("peak RSS: ru_maxrss of each contender's own child process (wait4)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of the generated file")
    parser.add_argument("--file", type=Path, help="benchmark this file instead")
    parser.add_argument("--section", action="append", choices=sorted(SECTIONS), help="repeatable")
    parser.add_argument(
        "--contender", action="append", choices=sorted(CONTENDERS), help="only these (repeatable)"
    )
    parser.add_argument("--skip-clojure", action="store_true")
    parser.add_argument(
        "--listing-warnings",
        action="store_true",
        help="a generated file with a warning on every listing (validate's worst case)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--child", nargs=2, metavar=("NAME", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args.child[0], Path(args.child[1]))
        return 0
    path = args.file if args.file is not None else ensure_file(args.mb, args.listing_warnings)
    sections = args.section or sorted(SECTIONS)
    names = [
        name
        for name, contender in CONTENDERS.items()
        if contender.section in sections and (not args.contender or name in args.contender)
    ]
    summary = report(path, names, {"clojure"} if args.skip_clojure else set())
    print(json.dumps(summary, indent=2) if args.json else render(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
