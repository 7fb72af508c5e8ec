"""The record-source seam: a row a record source marks as a problem is rejected with its code
and message by both engines, which still write the same bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import SAMPLES

from migrate.convert import record_source
from migrate.convert.job import load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import convert

BAD_LISTING = "10002"


class _MarkedSource:
    """The listings source with one row marked as a problem (what a lookup miss gives)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def columns(self) -> list[str]:
        return list(self.inner.columns())

    def _marks(self, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("id") == BAD_LISTING:
            return {
                record_source.PROBLEM_CODE: "lookup-unmatched",
                record_source.PROBLEM_MESSAGE: 'no row of source "hosts" has id = "77"',
            }
        return {record_source.PROBLEM_CODE: None, record_source.PROBLEM_MESSAGE: None}

    def rows(self, limit: int | None = None) -> Any:
        for row in self.inner.rows(limit=limit):
            yield type(row)({**row.values, **self._marks(row.values)}, row.origin)

    def batches(self, columns: Any, *, each: Any = None, limit: Any = None, size: int) -> Any:
        from migrate.extract.batches import source_batches

        for frame in source_batches(self.inner, columns, each=each, limit=limit, size=size):
            bad = pl.col("id") == BAD_LISTING
            yield frame.with_columns(
                pl.when(bad).then(pl.lit("lookup-unmatched")).alias(record_source.PROBLEM_CODE),
                pl.when(bad)
                .then(pl.lit('no row of source "hosts" has id = "77"'))
                .alias(record_source.PROBLEM_MESSAGE),
            )

    def origins(self, records: Any, *, each: Any = None) -> Any:
        from migrate.extract.batches import source_origins

        return source_origins(self.inner, records, each=each)

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


@pytest.fixture
def marked(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = record_source.open_record_source

    def opened(job: Any, spec: Any) -> Any:
        source = plain(job, spec)
        return _MarkedSource(source) if spec.record_type == "listing" else source

    monkeypatch.setattr(record_source, "open_record_source", opened)
    monkeypatch.setattr("migrate.convert.engine.open_record_source", opened)


def test_a_problem_row_is_rejected_with_its_code_by_both_engines(tmp_path: Path, marked: None):
    job = load_job(SAMPLES / "csv" / "job.toml")
    job = type(job)(**{**job.__dict__, "geocode": None})
    written = {}
    for engine in ("rows", "columns"):
        out = tmp_path / engine
        convert(job, output_dir=out, engine=engine)
        rejects = read_rejects(next(out.glob("*.rejects.csv")))
        mine = [
            r for r in rejects if r["record_type"] == "listing" and r["source_id"] == BAD_LISTING
        ]
        assert [(r["rule"], r["message"]) for r in mine] == [
            ("lookup-unmatched", 'no row of source "hosts" has id = "77"')
        ]
        cascade = [
            r for r in rejects if r["rule"] == "ref-target-rejected" and BAD_LISTING in r["message"]
        ]
        assert cascade, "the listing's images and reviews follow it"
        written[engine] = [p.read_bytes() for p in sorted(out.glob("*.edn"))] + [
            next(out.glob("*.rejects.csv")).read_bytes()
        ]
    assert written["rows"] == written["columns"]
