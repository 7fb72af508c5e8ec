"""The Python API for notebooks and scripts, also reachable as ``migrate.load_job`` and friends.

The same steps as the command line, returning values to look at instead of printing:

- :func:`load_job` checks a job given as a path, TOML text or a dict (every mistake at once);
- :func:`preview` maps the first rows of one record type and shows source beside result;
- :func:`convert` runs the whole conversion; its rejects are a pandas DataFrame;
- :func:`validate` checks any Intermediary file and returns the report.

pandas is imported only by the functions that return DataFrames.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrate.convert.job import Job, JobError

__all__ = ["ConversionResult", "JobError", "convert", "load_job", "preview", "validate"]

if TYPE_CHECKING:
    import pandas as pd

    from migrate.convert.outputs import ConvertReport
    from migrate.rules.findings import Report

JobLike = Job | str | os.PathLike[str] | dict[str, Any]


def load_job(
    job: JobLike, *, base_dir: str | os.PathLike[str] | None = None, check_sources: bool = True
) -> Job:
    """A checked :class:`~migrate.convert.job.Job` from a job file's path, TOML text or a dict.

    A :class:`~pathlib.Path` or a string naming a file is read as the job file; any other string
    is TOML text; a dict is the job's table. Paths inside a job given as text or a dict are
    relative to ``base_dir`` (default: the current folder). An already loaded job is returned
    as it is. Raises :class:`~migrate.convert.job.JobError` listing every mistake, each with
    its line and column.
    """
    from migrate.convert.job import load_job as load

    if isinstance(job, Job):
        return job
    source = Path(job) if isinstance(job, os.PathLike) else job
    base = Path(base_dir) if base_dir is not None else None
    return load(source, base_dir=base, check_sources=check_sources)


def preview(job: JobLike, record_type: str, n: int = 20) -> pd.DataFrame:
    """The first ``n`` source rows of ``record_type`` beside the records they map to.

    One line per source row. Columns are grouped: ``source`` (the row's values, as read),
    ``result`` (``status`` mapped or rejected, ``rule`` and ``message`` of a rejection) and
    ``mapped`` (each attribute of the Intermediary row in edn syntax, nested ones dotted:
    ``profile.firstName``). Rows are mapped on their own: references to rows of other types
    are not settled here (:func:`convert` does that).
    """
    import pandas as pd

    from migrate.convert.mapping import MappedRecord, build_mappers
    from migrate.convert.record_source import PROBLEM_CODE, PROBLEM_MESSAGE

    loaded = load_job(job)
    mappers = [m for m in build_mappers(loaded) if m.spec.record_type == record_type]
    if not mappers:
        known = ", ".join(dict.fromkeys(spec.record_type for spec in loaded.records))
        raise ValueError(f"the job makes no {record_type} records (it makes: {known})")
    records: list[dict[tuple[str, str], Any]] = []
    for mapper in mappers:
        for source_row in mapper.source_rows(limit=n - len(records)):
            result = mapper.map(source_row)
            line: dict[tuple[str, str], Any] = {("origin", ""): str(source_row.origin)}
            line.update(
                {
                    ("source", str(k)): v
                    for k, v in dict(source_row.values).items()
                    if k not in (PROBLEM_CODE, PROBLEM_MESSAGE)  # shown as the rule and message
                }
            )
            if isinstance(result, MappedRecord):
                line[("result", "status")] = "mapped"
                line.update({("mapped", k): v for k, v in _attributes(result.row.attrs)})
            else:
                line[("result", "status")] = "rejected"
                line[("result", "rule")] = result.code
                line[("result", "message")] = result.message
            records.append(line)
        if len(records) >= n:
            break
    groups = {"origin": 0, "source": 1, "result": 2, "mapped": 3}
    always = [("result", "status"), ("result", "rule"), ("result", "message")]
    columns = sorted(
        dict.fromkeys([*(column for line in records for column in line), *always]),
        key=lambda column: groups[column[0]],
    )
    frame = pd.DataFrame(
        [[line.get(column, "") for column in columns] for line in records],
        columns=pd.MultiIndex.from_tuples(columns),
        dtype=object,  # values as read: an empty cell stays None, not NaN
    )
    return frame


def _attributes(attrs: dict[Any, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``(dotted short name, edn text)`` of each attribute; nested attribute maps are opened."""
    from migrate.edn.values import Keyword
    from migrate.edn.writer import dumps

    found: list[tuple[str, str]] = []
    for key, value in attrs.items():
        name = prefix + (key.name if isinstance(key, Keyword) else str(key))
        if _is_attribute_map(value):  # a nested Intermediary map (profile): one column each
            found.extend(_attributes(value, name + "."))
            continue
        found.append((name, dumps(value)))
    return found


def _is_attribute_map(value: Any) -> bool:
    from migrate.edn.values import Keyword

    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, Keyword) and (k.namespace or "").startswith("im.") for k in value)
    )


@dataclass(frozen=True)
class ConversionResult:
    """What :func:`convert` did: the report, and its rejects and counts as DataFrames."""

    report: ConvertReport

    @property
    def edn_path(self) -> Path | None:
        """The .edn file written (``None`` for a dry run)."""
        return self.report.edn_path

    @cached_property
    def rejects(self) -> pd.DataFrame:
        """Every source row not carried: source, origin, type, id, rule, message, values."""
        import pandas as pd

        return pd.read_csv(self.report.rejects_path, dtype=str, keep_default_na=False)

    @cached_property
    def counts(self) -> pd.DataFrame:
        """Rows read, distinct entities, rows merged, written, rejected and warned about, per
        row type and a total, as the summary shows them (``read = written + rejected + merged``;
        ``distinct = read - merged``)."""
        import pandas as pd

        rows = {
            name: {
                "read": c.read,
                "distinct": c.distinct,
                "merged": c.merged,
                "written": c.written,
                "rejected": c.rejected_total,
                "warnings": c.warnings_total,
            }
            for name, c in self.report.types.items()
        }
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.loc["total"] = frame.sum()
        return frame

    def summary(self) -> str:
        """The table ``migrate convert`` prints."""
        from migrate.convert.outputs import summary_table

        return summary_table(self.report)

    def __repr__(self) -> str:
        report = self.report
        return (
            f"<ConversionResult {report.ident}: {report.written:,} rows written, "
            f"{report.rejected:,} rejected, {report.warnings:,} warnings>"
        )


def convert(
    job: JobLike,
    *,
    output_dir: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    limit: int | None = None,
) -> ConversionResult:
    """Run the conversion and write its outputs (into ``output_dir``, default the job's own).

    ``dry_run`` writes all but the .edn; ``limit`` reads at most that many rows per record spec.
    """
    from migrate.convert.pipeline import convert as run

    directory = Path(output_dir) if output_dir is not None else None
    report = run(load_job(job), dry_run=dry_run, limit=limit, output_dir=directory)
    return ConversionResult(report)


def validate(path: str | os.PathLike[str], **options: Any) -> Report:
    """Check an Intermediary file against every rule; options as :func:`migrate.validate.validate_file`."""
    from migrate.validate import validate_file

    return validate_file(path, **options)
