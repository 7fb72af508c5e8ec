"""Columns a job names, checked against the columns its sources have, before any row is read.

``Source.columns()`` is cheap (a CSV header, the first JSON records, a table's declared
columns), so a misspelt column stops the run at once with one line naming the job key and the
nearest real column, instead of failing every row later.
"""

from __future__ import annotations

import re
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
    problems = column_problems(job)
    if problems:
        where, message = problems[0]
        raise JobError(f"{job.path}: {where}: {message}" if where else f"{job.path}: {message}")


def column_problems(job: Job) -> list[tuple[str, str]]:
    """``(key path, message)`` for every column the job names that its source does not have.

    A source that cannot be opened is one problem (a configuration problem of the job, exit
    code 2), worded by the adapter; its records are then not checked.
    """
    from migrate.convert.record_source import open_record_source

    problems: list[tuple[str, str]] = []
    cache: dict[str, list[str] | None] = {}
    child_cache: dict[tuple[str, str], set[str] | None] = {}
    for record in job.records:
        if record.source not in cache:
            try:
                with _closing(open_record_source(job, record)) as source:
                    cache[record.source] = list(source.columns())
            except ExtractError as error:
                cache[record.source] = None
                # The adapter's message names its file (and line): kept as it is, unless it is
                # about a key of the job (sources.NAME.KEY), which then gets its position.
                # Sources on one database that cannot be reached fail alike: said once.
                problem = _split(job, str(error))
                if problem not in problems:
                    problems.append(problem)
        columns = cache[record.source]
        if columns is None:
            continue
        available: set[str] | None = set(columns)
        if record.each is not None:
            if record.each not in columns and not any(
                c.startswith(record.each + ".") for c in columns
            ):
                problems.append(
                    (
                        f"{record.where}.each",
                        f"source {show(record.source)} has no field {show(record.each)}",
                    )
                )
                continue
            key = (record.source, record.each)
            if key not in child_cache:
                with _closing(open_record_source(job, record)) as source:
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
                problems.append(
                    (
                        _where_of(record, column),
                        f"source {show(record.source)} has no column {show(column)}"
                        f"{suggest(column, known)}",
                    )
                )
    return problems


def _split(job: Job, message: str) -> tuple[str, str]:
    """An adapter's message as ``(key path, message)``.

    Adapters word them ``JOB: sources.NAME.KEY: message`` or ``FILE: problem (sources.NAME.KEY)``.
    """
    text = message.removeprefix(f"{job.path}: ")
    where, sep, rest = text.partition(": ")
    if sep and where.startswith("sources.") and " " not in where:
        return where, rest
    named = _NAMED_KEY.search(text)
    if named is not None:
        return named.group(1), text[: named.start()].rstrip()
    return "", text


_NAMED_KEY = re.compile(r" \((sources\.[A-Za-z0-9_.\-]+)\)$")


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
