"""The notebook API at the top of the package (migrate/api.py): migrate.load_job and friends."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

import migrate

ROOT = Path(__file__).resolve().parent.parent
JOB_FILE = ROOT / "samples" / "csv" / "job.toml"


@pytest.fixture(scope="module")
def job():
    return migrate.load_job(JOB_FILE)


def test_load_job_takes_a_path_text_or_a_dict(job):
    text = JOB_FILE.read_text("utf-8")
    from_text = migrate.load_job(text, base_dir=JOB_FILE.parent)
    from_dict = migrate.load_job(tomllib.loads(text), base_dir=JOB_FILE.parent)
    from_str_path = migrate.load_job(str(JOB_FILE))
    assert from_text.records == job.records or len(from_text.records) == len(job.records)
    assert [spec.where for spec in from_dict.records] == [spec.where for spec in job.records]
    assert from_str_path.ident == job.ident == "trailhop"
    assert migrate.load_job(job) is job


def test_load_job_reports_every_mistake(tmp_path):
    with pytest.raises(migrate.JobError) as caught:
        migrate.load_job('ident = "x"\n[output]\nnmae = 1\n[records]\n', base_dir=tmp_path)
    assert caught.value.lines == [
        '<job>:3:1: output.nmae: unknown key (did you mean "name"?)',
        "<job>:4:1: records: no records to convert (add a [records.user] table)",
    ]


def test_preview_puts_source_rows_beside_mapped_records(job):
    frame = migrate.preview(job, "user", n=20)
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == 20
    groups = list(dict.fromkeys(column[0] for column in frame.columns))
    assert groups == ["origin", "source", "result", "mapped"]
    first = frame.iloc[0]
    assert first[("origin", "")] == "users.csv:2"
    assert first[("result", "status")] == "mapped"
    assert first[("mapped", "primaryEmail.address")] == f'"{first[("source", "email")]}"'
    rejected = frame[frame[("result", "status")] == "rejected"]
    assert set(rejected[("result", "rule")]) <= {"email-invalid", "attribute-required"}


def test_preview_of_a_type_the_job_does_not_make(job):
    with pytest.raises(ValueError, match=r"^the job makes no nothing records \(it makes: user, "):
        migrate.preview(job, "nothing")


def test_convert_returns_rejects_as_a_dataframe(job, tmp_path):
    result = migrate.convert(job, output_dir=tmp_path)
    assert result.edn_path == tmp_path / "trailhop.edn"
    assert list(result.rejects.columns) == [
        "source",
        "origin",
        "record_type",
        "source_id",
        "rule",
        "message",
        "values",
    ]
    assert len(result.rejects) == result.report.rejected > 0
    assert result.counts.loc["total", "written"] == result.report.written
    assert repr(result).startswith("<ConversionResult trailhop: ")
    assert result.summary().startswith("type ")


def test_counts_show_distinct_entities_and_merged_rows(tmp_path):
    """The rental sample's hosts are repeated on their listings: the counts read as the summary
    does, read = written + rejected + merged and distinct = read - merged, per type and in all."""
    result = migrate.convert(ROOT / "samples" / "rental" / "job.toml", output_dir=tmp_path)
    counts = result.counts
    assert list(counts.columns) == ["read", "distinct", "merged", "written", "rejected", "warnings"]
    assert list(counts.index) == ["user", "listing", "image", "review", "total"]
    users = result.report.types["user"]
    assert counts.loc["user", "distinct"] == users.distinct == users.read - users.merged
    assert counts.loc["user", "merged"] > 0
    assert (counts["read"] == counts["written"] + counts["rejected"] + counts["merged"]).all()
    assert (counts["distinct"] == counts["read"] - counts["merged"]).all()
    assert counts.loc["total", "distinct"] == result.report.read - result.report.merged


def test_validate_returns_the_report():
    report = migrate.validate(ROOT / "samples" / "official-example.edn")
    assert (report.errors, report.warnings, report.valid) == (0, 5, True)


def test_the_api_names_are_also_the_subpackages():
    import migrate.convert.job  # noqa: F401  (makes migrate.convert the subpackage)
    import migrate.validate  # noqa: F401

    assert callable(migrate.convert) and callable(migrate.validate)
    assert hasattr(migrate.convert, "job")  # still the package
    assert sorted(name for name in migrate.__all__ if not name.startswith("_")) == [
        "ConversionResult",
        "JobError",
        "convert",
        "load_job",
        "preview",
        "validate",
    ]
