"""Hooks of both engines: batch checks of accepted rows before references settle, and the rule
engine a run checks rows with."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLES

from migrate.convert.engine import run_columnar
from migrate.convert.job import load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import (
    BatchCheck,
    OutputPaths,
    RunOptions,
    default_row_checker,
    record_streams,
    run_records,
)
from migrate.edn.values import Keyword


def _run(engine: str, directory: Path, **options) -> Path:
    job = load_job(SAMPLES / "csv" / "job.toml")
    job = type(job)(**{**job.__dict__, "geocode": None})
    run_options = RunOptions(
        ident=job.ident,
        paths=OutputPaths.of(directory, "t"),
        job_label="job.toml",
        **options,
    )
    if engine == "rows":
        run_records(record_streams(job), run_options)
    else:
        run_columnar(job, run_options)
    return directory


def _no_listing_10001(pairs):
    assert pairs and all(isinstance(sid, str) for sid, _ in pairs)
    for sid, title in pairs:
        if sid == "10001":
            yield sid, "url-invalid", f"listing {sid}: {title} failed the check", {"title": title}


def test_a_batch_check_rejects_rows_and_the_cascade_follows(tmp_path):
    check = BatchCheck("listing", (Keyword("im.listing/title"),), _no_listing_10001)
    outputs = {}
    for engine in ("rows", "columns"):
        directory = _run(engine, tmp_path / engine, batch_checks=[check])
        outputs[engine] = [(directory / name).read_bytes() for name in ("t.edn", "t.rejects.csv")]
        rejects = read_rejects(directory / "t.rejects.csv")
        listing = [
            r for r in rejects if r["record_type"] == "listing" and r["source_id"] == "10001"
        ]
        assert [(r["rule"], r["message"]) for r in listing] == [
            ("url-invalid", "listing 10001: Well-kept touring bike failed the check")
        ]
        images = [r for r in rejects if r["record_type"] == "image" and "10001" in r["message"]]
        assert {r["rule"] for r in images} == {"ref-target-rejected"}
        assert b":listing/l10001 " not in outputs[engine][0]
    assert outputs["rows"] == outputs["columns"]


def test_the_row_checker_factory_is_used_by_both_engines(tmp_path):
    made = []

    def factory(now):
        made.append(now)
        return default_row_checker(now)

    for engine in ("rows", "columns"):
        _run(engine, tmp_path / engine, row_checker=factory)
    assert len(made) == 2
    assert (tmp_path / "rows" / "t.edn").read_bytes() == (
        tmp_path / "columns" / "t.edn"
    ).read_bytes()
