"""Columns a job names, checked against the columns its sources have, before any row is read.

``Source.columns()`` is cheap (a CSV header, the first JSON records, a table's declared
columns), so a misspelt column stops the run at once with one line naming the job key and the
nearest real column, instead of failing every row later.
"""

from __future__ import annotations

from typing import Any

from migrate.convert.job import Job, JobError, RecordSpec, suggest
from migrate.edn.show import show
from migrate.errors import ExtractError


def child_columns(columns: list[str], each: str) -> set[str] | None:
    """Columns of the child rows of nested array ``each``, or ``None`` when the source's column
    list does not describe the array's elements (then only parent columns can be checked)."""
    prefix = each + "."
    inner = {name[len(prefix) :] for name in columns if name.startswith(prefix)}
    parents = {"parent." + name for name in columns if name != each and not name.startswith(prefix)}
    return (inner | parents) if inner else None


def check_columns(job: Job) -> None:
    """Raise :class:`JobError` when a record spec names a column its source does not have."""
    try:
        _check(job)
    except ExtractError as error:
        # A source that cannot be opened is a configuration problem of the job (exit code 2).
        raise JobError(str(error)) from None


def _check(job: Job) -> None:
    from migrate.extract import open_source

    cache: dict[str, list[str]] = {}
    child_cache: dict[tuple[str, str], set[str] | None] = {}
    for record in job.records:
        if record.source not in cache:
            with _closing(open_source(job.sources[record.source])) as source:
                cache[record.source] = list(source.columns())
        columns = cache[record.source]
        available: set[str] | None = set(columns)
        if record.each is not None:
            if record.each not in columns and not any(
                c.startswith(record.each + ".") for c in columns
            ):
                raise JobError(
                    f"{job.path}: {record.where}.each: source {show(record.source)} has no field "
                    f"{show(record.each)}"
                )
            key = (record.source, record.each)
            if key not in child_cache:
                with _closing(open_source(job.sources[record.source])) as source:
                    listing = getattr(source, "child_columns", None)
                    child_cache[key] = (
                        set(listing(record.each))
                        if listing
                        else child_columns(columns, record.each)
                    )
            available = child_cache[key]
        for column in record.columns:
            if available is None:
                if not column.startswith("parent."):
                    continue
                known = {"parent." + name for name in columns}
            else:
                known = available
            if column not in known and not _is_nested(column, known):
                raise JobError(
                    f"{job.path}: {_where_of(record, column)}: source {show(record.source)} has no "
                    f"column {show(column)}{suggest(column, known)}"
                )


def _is_nested(column: str, known: set[str]) -> bool:
    """True when ``column`` is a dotted path below a known field (nested JSON not listed)."""
    parts = column.split(".")
    return any(".".join(parts[:i]) in known for i in range(1, len(parts)))


def _where_of(record: RecordSpec, column: str) -> str:
    if column in record.id.columns:
        return record.id.where
    for mapping in record.attributes:
        specs = list(mapping.values)
        if mapping.ref is not None:
            specs.append(mapping.ref.source)
        if mapping.location is not None and column in (mapping.location.lat, mapping.location.lng):
            return mapping.location.where
        for spec in specs:
            if column in spec.columns:
                return spec.where
    for extended in record.extended:
        for item in extended.fields:
            for spec in item.values:
                if column in spec.columns:
                    return spec.where
    return record.where


class _closing:
    def __init__(self, source: Any) -> None:
        self.source = source

    def __enter__(self) -> Any:
        return self.source

    def __exit__(self, *exc: object) -> None:
        close = getattr(self.source, "close", None)
        if close is not None:
            close()
