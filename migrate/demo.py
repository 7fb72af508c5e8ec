"""``make demo``: convert the bundled Trailhop sample, validate it, anonymise a dev export,
convert and validate the denormalised Stayfinch sample, and convert the Sharetribe Go sample with
the job its preset writes.

    python -m migrate.demo [--output-dir out]

The demo is a list of steps (:data:`STEPS`) run in order over one :class:`Demo`; each prints
what it did and returns whether the demo may go on: convert (listings without coordinates are
geocoded offline by the job's ``[geocode]`` stage), validate, count located listings, write
the anonymised dev-marketplace export next to the converted file, convert the Stayfinch
rental scrape (``samples/rental``: lookups, derived sources, ``distinct``) and validate it
against its marketplace configuration, then ``init --preset sharetribe-go`` on the Go sample's SQLite copy and convert and validate what that job gives.
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
SAMPLE_MARKETPLACE = ROOT / "samples" / "marketplace"
GO_SAMPLE = ROOT / "samples" / "sharetribe-go" / "sharetribe-go.db"
RENTAL_JOB = ROOT / "samples" / "rental" / "job.toml"
RENTAL_MARKETPLACE = ROOT / "samples" / "rental" / "marketplace"


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
    from migrate.report import write_conversion_report

    page = write_conversion_report(
        report,
        demo.output_dir / f"{report.edn_path.stem if report.edn_path else 'report'}.html",
        base_dir=demo.job_path.parent,
    )
    demo.say(f"sign-off report for the marketplace owner: {page} (open it in a browser)")
    return report.edn_path is not None


def locations_step(demo: Demo) -> bool:
    """Count the written listings that carry ``#im/location`` (given or geocoded offline)."""
    from migrate.edn.reader import DocumentReader
    from migrate.edn.rows import row_from_value
    from migrate.edn.values import Keyword

    location = Keyword("im.listing/location")
    path = demo.results["convert"].edn_path
    listings = located = 0
    for entry in DocumentReader(path):
        row = row_from_value(entry.value)
        if row.row_type == "listing":
            listings += 1
            located += location in row.attrs
    share = located / listings if listings else 1.0
    demo.say(f"== locations: {located} of {listings} listings have #im/location ({share:.0%})")
    return True


def anonymise_step(demo: Demo) -> bool:
    """Write the dev-marketplace export of the converted file next to it, and validate it."""
    from migrate.anonymise import anonymise
    from migrate.anonymise.report import render_text
    from migrate.validate import validate_file

    source = demo.results["convert"].edn_path
    target = source.with_name(source.stem + "-dev.edn")
    demo.say(f"== anonymise {source} -> {target}")
    report = anonymise(
        source,
        target,
        ident=":trailhop-dev",
        sample_users=25,
        seed="trailhop-demo",
    )
    demo.say(render_text(report))
    for warning in report.warnings:
        demo.say(f"warning: {warning}")
    check = validate_file(target, max_shown=1)
    demo.say(f"validated {target}: {check.errors} errors, {check.warnings} warnings")
    return check.valid


def validate_step(demo: Demo) -> bool:
    """Validate the converted file against the format and the Trailhop marketplace's own
    configuration (``samples/marketplace``, its Asset Delivery API files); fail on any error."""
    from migrate.marketplace import load_directory
    from migrate.validate import validate_file

    path = demo.results["convert"].edn_path
    demo.say(f"== validate {path} --marketplace {SAMPLE_MARKETPLACE.relative_to(ROOT)}")
    report = validate_file(path, max_shown=1, marketplace=load_directory(SAMPLE_MARKETPLACE))
    demo.results["validate"] = report
    rows = sum(report.rows_checked.values())
    demo.say(
        f"validated {path}: {rows:,} rows, {report.errors:,} errors, {report.warnings:,} warnings"
    )
    for group in report.to_dict(max_examples=1)["summary"]:
        demo.say(f"  {group['severity']:7} {group['code']}: {group['count']}")
    return report.valid


def rental_step(demo: Demo) -> bool:
    """Convert the Stayfinch sample (hosts embedded in listings, reviews keyed by listing, no
    emails) with its job file alone, and validate the output against its marketplace's
    configuration; fail on any error."""
    from migrate.convert.job import load_job
    from migrate.convert.outputs import outputs_line, summary_table
    from migrate.convert.pipeline import convert
    from migrate.marketplace import load_directory
    from migrate.validate import validate_file

    demo.say(f"== convert {RENTAL_JOB.relative_to(ROOT)}")
    report = convert(load_job(RENTAL_JOB), output_dir=demo.output_dir / "stayfinch")
    demo.results["rental"] = report
    demo.say(summary_table(report))
    demo.say(outputs_line(report))
    if report.edn_path is None:
        return False
    marketplace = RENTAL_MARKETPLACE.relative_to(ROOT)
    demo.say(f"== validate {report.edn_path} --marketplace {marketplace}")
    check = validate_file(
        report.edn_path, max_shown=1, marketplace=load_directory(RENTAL_MARKETPLACE)
    )
    rows = sum(check.rows_checked.values())
    demo.say(
        f"validated {report.edn_path}: {rows:,} rows, {check.errors:,} errors, "
        f"{check.warnings:,} warnings"
    )
    for group in check.to_dict(max_examples=1)["summary"]:
        demo.say(f"  {group['severity']:7} {group['code']}: {group['count']}")
    return check.valid


def preset_step(demo: Demo) -> bool:
    """Write the sharetribe-go preset's job for the Go sample's SQLite copy, convert, validate."""
    from migrate.convert.job import load_job
    from migrate.convert.outputs import outputs_line, summary_table
    from migrate.convert.pipeline import convert
    from migrate.fileio import atomic_write
    from migrate.presets.manifest import get
    from migrate.presets.render import parse_source, render
    from migrate.validate import validate_file

    folder = demo.output_dir / "sharetribe-go"
    folder.mkdir(parents=True, exist_ok=True)
    job_path = folder / "job.toml"
    source = GO_SAMPLE.relative_to(ROOT)
    params = {"community_id": "1", "image_base_url": "https://images.example.com"}
    command = f"migrate init --preset sharetribe-go {source} -o {job_path} " + " ".join(
        f"--param {key}={value}" for key, value in params.items()
    )
    demo.say(f"== {command}")
    preset = get("sharetribe-go")
    rendered = render(
        preset, parse_source(str(GO_SAMPLE), preset), params, job_path, command=command
    )
    with atomic_write(job_path) as stream:
        stream.write(rendered.text)
    report = convert(load_job(job_path), output_dir=folder / "out")
    demo.say(summary_table(report))
    demo.say(outputs_line(report))
    check = validate_file(report.edn_path, max_findings=None) if report.edn_path else None
    if check is not None:
        demo.say(f"validated {report.edn_path}: {check.errors} errors, {check.warnings} warnings")
    return check is not None and check.valid


STEPS: list[Step] = [
    convert_step,
    validate_step,
    locations_step,
    anonymise_step,
    rental_step,
    preset_step,
]


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
