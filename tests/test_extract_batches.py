"""The columnar reading contract: ``source_batches`` gives the values and origins ``rows()`` gives."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import polars as pl
import pytest
from conftest import SAMPLES

from migrate.convert.job import load_job
from migrate.extract import Origin, SourceSpec, get_path, open_source
from migrate.extract.batches import (
    RECORD,
    as_source_rows,
    batch_rows,
    column_series,
    frame_of,
    iter_records,
    source_batches,
    source_origins,
)

SAMPLE_JOBS = ["csv/job.toml", "json/job.toml", "sqlite/job.toml"]


def _record_specs():
    for job_name in SAMPLE_JOBS:
        job = load_job(SAMPLES / job_name, check_sources=False)
        for spec in job.records:
            yield pytest.param(job, spec, id=f"{job_name}:{spec.where}")


@pytest.mark.parametrize(("job", "spec"), list(_record_specs()))
def test_batches_hold_the_values_rows_gives(job, spec):
    source = open_source(job.sources[spec.source])
    columns = spec.columns
    expected = [
        (number, {name: get_path(row.values, name) for name in columns})
        for number, row in enumerate(iter_records(source, each=spec.each))
    ]
    got = []
    for frame in source_batches(source, columns, each=spec.each, size=97):
        assert frame.columns == [*columns, RECORD]
        assert frame.height <= 97
        got.extend(batch_rows(frame))
    assert got == expected
    assert len(got) > 0


@pytest.mark.parametrize(("job", "spec"), list(_record_specs()))
def test_origins_on_demand_equal_the_rows_origins(job, spec):
    source = open_source(job.sources[spec.source])
    rows = list(iter_records(source, each=spec.each))
    wanted = [0, len(rows) // 2, len(rows) - 1]
    origins = source_origins(source, wanted, each=spec.each)
    assert origins == {number: rows[number].origin for number in wanted}


def test_limit_counts_records_across_batches():
    job = load_job(SAMPLES / "csv/job.toml", check_sources=False)
    source = open_source(job.sources["users"])
    frames = list(source_batches(source, ["id"], limit=250, size=100))
    assert [frame.height for frame in frames] == [100, 100, 50]
    assert frames[-1].get_column(RECORD).to_list()[-1] == 249


def test_an_empty_source_gives_one_empty_frame_with_the_columns(tmp_path):
    (tmp_path / "empty.csv").write_text("id,email\n", encoding="utf-8")
    spec = SourceSpec.from_table("u", {"type": "csv", "path": "empty.csv"}, tmp_path / "job.toml")
    (frame,) = source_batches(open_source(spec), ["id", "email"])
    assert frame.columns == ["id", "email", RECORD]
    assert frame.height == 0


@pytest.mark.parametrize(
    ("cells", "dtype"),
    [
        (["a", None, "b"], pl.String),
        ([None, None], pl.String),
        ([True, None, False], pl.Boolean),
        ([1, None, 2**63 - 1], pl.Int64),
        ([1, 2**64], pl.Object),  # beyond 64 bits: the exact Python int is kept
        ([1, 2.5], pl.Object),  # str(1) and str(1.0) differ: no silent widening
        ([1.5, None], pl.Float64),
        ([True, 1], pl.Object),
        ([date(2021, 3, 1)], pl.Date),
        ([datetime(2021, 3, 1, 12)], pl.Datetime("us")),
        ([datetime(2021, 3, 1, 12).astimezone()], pl.Object),
        ([Decimal("12.50")], pl.Object),
        ([{"city": "Oslo"}, None], pl.Object),
        ([[1, 2]], pl.Object),
    ],
)
def test_column_types_follow_the_contract(cells, dtype):
    series = column_series("c", cells)
    assert series.dtype == dtype
    assert series.to_list() == cells


def test_a_batch_turns_back_into_source_rows():
    frame = frame_of([{"id": "7", "n": {"a": 1}}, {"id": "8"}], ["id", "n"], 40)
    origins = {40: Origin("s", "s.json:record 41"), 41: Origin("s", "s.json:record 42")}
    rows = list(as_source_rows(frame, origins))
    assert [row.values for row in rows] == [{"id": "7", "n": {"a": 1}}, {"id": "8", "n": None}]
    assert [str(row.origin) for row in rows] == ["s.json:record 41", "s.json:record 42"]
