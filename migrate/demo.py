"""``make demo``: convert the bundled Trailhop sample, validate the result, print a summary.

    python -m migrate.demo [--output-dir out]

The demo is a list of steps (:data:`STEPS`) run in order over one :class:`Demo`; each prints
what it did and returns whether the demo may go on. Later stages of the toolkit (geocoding a
finished file, anonymising it for a dev marketplace) join by appending a step.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_JOB = ROOT / "samples" / "csv" / "job.toml"


@dataclass
class Demo:
    """What the steps share: where outputs go, the job, results by step name, the stream."""

    output_dir: Path
    job_path: Path = SAMPLE_JOB
    out: TextIO = field(default_factory=lambda: sys.stdout)
    results: dict[str, Any] = field(default_factory=dict)

    def say(self, text: str) -> None:
        """Print one block of text."""
        print(text, file=self.out)


Step = Callable[[Demo], bool]


def convert_step(demo: Demo) -> bool:
    """Convert the sample's CSV export with its job file; print the counts table."""
    from migrate.convert.job import load_job
    from migrate.convert.outputs import outputs_line, summary_table
    from migrate.convert.pipeline import convert

    demo.say(f"== convert {demo.job_path.relative_to(ROOT)}")
    report = convert(load_job(demo.job_path), output_dir=demo.output_dir)
    demo.results["convert"] = report
    demo.say(summary_table(report))
    demo.say(outputs_line(report))
    return report.edn_path is not None


def validate_step(demo: Demo) -> bool:
    """Validate the converted file with the validator library; fail on any error."""
    from migrate.validate import validate_file

    path = demo.results["convert"].edn_path
    demo.say(f"== validate {path}")
    report = validate_file(path, max_findings=None)
    demo.results["validate"] = report
    rows = sum(report.rows_checked.values())
    demo.say(f"validated {path}: {rows} rows, {report.errors} errors, {report.warnings} warnings")
    for group in report.to_dict(max_examples=1)["summary"]:
        demo.say(f"  {group['severity']:7} {group['code']}: {group['count']}")
    return report.valid


STEPS: list[Step] = [convert_step, validate_step]


def run(demo: Demo, steps: list[Step] | None = None) -> bool:
    """Run ``steps`` (default :data:`STEPS`) in order; stop at the first that fails."""
    for step in steps if steps is not None else STEPS:
        if not step(demo):
            demo.say(f"demo stopped: {step.__name__} failed")
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Command line of ``python -m migrate.demo``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m migrate.demo", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--output-dir", type=Path, default=Path("out"), help="where to write (default: out)"
    )
    args = parser.parse_args(argv)
    return 0 if run(Demo(output_dir=args.output_dir)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
