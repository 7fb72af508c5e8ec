"""Hooks of both engines: checks of accepted rows before references settle, observers of mapped
records, and the rule engine a run checks rows with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import SAMPLES

from migrate.convert.engine import run_columnar
from migrate.convert.job import load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import (
    OutputPaths,
    RunOptions,
    record_streams,
    run_records,
)
from migrate.edn.values import Keyword

TITLE = Keyword("im.listing/title")


def _run(engine: str, directory: Path, **options: Any) -> Path:
    job = load_job(SAMPLES / "csv" / "job.toml")
    job = type(job)(**{**job.__dict__, "geocode": None})
    run_options = RunOptions(
        ident=job.ident, paths=OutputPaths.of(directory, "t"), job_label="job.toml", **options
    )
    if engine == "rows":
        run_records(record_streams(job), run_options)
    else:
        run_columnar(job, run_options)
    return directory


def test_a_check_before_settling_rejects_rows_and_the_cascade_follows(tmp_path):
    outputs = {}
    for engine in ("rows", "columns"):
        seen: list[tuple[str, Any]] = []

        def stage(item: Any, seen: list = seen) -> Any:
            if item.record_type == "listing":
                seen.append((item.source_id, item.row.attrs.get(TITLE)))
            return item

        def check(rows: Any, seen: list = seen) -> None:
            for sid, title in seen:
                if rows.is_accepted("listing", sid) and sid == "10001":
                    rows.reject("listing", sid, "url-invalid", f"{title} failed", {"t": title})
                elif rows.is_accepted("listing", sid) and sid == "10002":
                    rows.warn("listing", sid, "review-self")

        if engine == "rows":
            hooks: dict[str, Any] = {"stages": [stage]}
        else:
            hooks = {"observers": [("listing", (TITLE,), stage)]}
        directory = _run(engine, tmp_path / engine, before_settle=[check], **hooks)
        outputs[engine] = [(directory / n).read_bytes() for n in ("t.edn", "t.rejects.csv")]
        rejects = read_rejects(directory / "t.rejects.csv")
        listing = [
            r for r in rejects if r["record_type"] == "listing" and r["source_id"] == "10001"
        ]
        assert [(r["rule"], r["message"]) for r in listing] == [
            ("url-invalid", "Well-kept touring bike failed")
        ]
        images = [r for r in rejects if r["record_type"] == "image" and "10001" in r["message"]]
        assert {r["rule"] for r in images} == {"ref-target-rejected"}
        assert b":listing/l10001 " not in outputs[engine][0]
        assert len(seen) == 600 - 3  # every mapped listing, in source order
        assert seen[0][0] == "10001"
        report = (directory / "t.report.json").read_text("utf-8")
        assert '"review-self": 1' in report
    assert outputs["rows"] == outputs["columns"]


def test_the_marketplace_and_codes_left_out_reach_both_engines(tmp_path):
    job = load_job(SAMPLES / "csv" / "job.toml")
    assert job.marketplace is not None
    rules: dict[tuple[str, frozenset[str]], list[str]] = {}
    for ignore in (frozenset(), frozenset({"price-currency-mismatch"})):
        outputs = {}
        for engine in ("rows", "columns"):
            directory = _run(
                engine, tmp_path / f"{engine}{len(ignore)}", marketplace=job.marketplace,
                ignore_codes=ignore,
            )  # fmt: skip
            outputs[engine] = [(directory / n).read_bytes() for n in ("t.edn", "t.rejects.csv")]
            rejects = read_rejects(directory / "t.rejects.csv")
            rules[engine, ignore] = sorted({r["rule"] for r in rejects})
        assert outputs["rows"] == outputs["columns"]
    assert "price-currency-mismatch" in rules["columns", frozenset()]
    assert "price-currency-mismatch" not in rules["columns", frozenset({"price-currency-mismatch"})]
    assert rules["rows", frozenset()] == rules["columns", frozenset()]
