"""Columns a job names, checked against the columns its sources have, before any row is read.

``Source.columns()`` is cheap (a CSV header, the first JSON records, a table's declared
columns), so a misspelt column stops the run at once with one line naming the job key and the
nearest real column, instead of failing every row later.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
    from migrate.extract import open_source

    problems: list[tuple[str, str]] = []
    # A record table's columns are its source's plus its lookups': cached by both.
    cache: dict[tuple[str, tuple[str, ...]], list[str] | None] = {}
    plain: dict[str, list[str] | None] = {}  # a source's own columns, for lookups
    child_cache: dict[tuple[str, str], set[str] | None] = {}

    def failed(error: ExtractError) -> None:
        # The adapter's message names its file (and line): kept as it is, unless it is about
        # a key of the job (sources.NAME.KEY), which then gets its position. Sources on one
        # database that cannot be reached fail alike: said once.
        problem = _split(job, str(error))
        if problem not in problems:
            problems.append(problem)

    def own_columns(name: str) -> list[str] | None:
        if name not in job.sources:  # a source with mistakes of its own: said already
            return None
        if name not in plain:
            try:
                with _closing(open_source(job.sources[name])) as source:
                    plain[name] = list(source.columns())
            except ExtractError as error:
                plain[name] = None
                failed(error)
        return plain[name]

    for name, spec in job.sources.items():
        if spec.type == "query":  # its SQL is checked even when no record table reads it
            own_columns(name)
    for record in job.records:
        names = tuple(lookup.name for lookup in record.lookups)
        cache_key = (record.source, names)
        if cache_key not in cache:
            try:
                with _closing(open_record_source(job, record)) as source:
                    cache[cache_key] = list(source.columns())
            except ExtractError as error:
                cache[cache_key] = None
                failed(error)
        columns = cache[cache_key]
        if columns is None:
            continue
        if record.lookups:
            problems.extend(_lookup_problems(record, own_columns))
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


def _lookup_problems(
    record: RecordSpec, own_columns: Callable[[str], list[str] | None]
) -> list[tuple[str, str]]:
    """Lookups that name a column their source lacks, or a name a source column has."""
    problems: list[tuple[str, str]] = []
    columns = own_columns(record.source) or []
    known = set(columns)
    earlier: set[str] = set()
    for lookup in record.lookups:
        if not lookup.steps:  # a lookup with a mistake of its own: said already
            earlier.add(lookup.name)
            continue
        if lookup.name in known:
            problems.append(
                (
                    lookup.where,
                    f"the lookup name {show(lookup.name)} is a column of source "
                    f"{show(record.source)}; give the lookup another name",
                )
            )
        first = lookup.steps[0]
        if lookup.on not in earlier and lookup.on not in known and not _is_nested(lookup.on, known):
            choices = [*columns, *earlier]
            problems.append(
                (
                    f"{first.where}.on",
                    f"source {show(record.source)} has no column {show(lookup.on)} and no "
                    f"earlier lookup is named so{suggest(lookup.on, choices)}",
                )
            )
        for step in lookup.steps:
            other = own_columns(step.source)
            if other is None:
                continue
            for key in ("key", "column"):
                name = getattr(step, key)
                if name not in other and not _is_nested(name, set(other)):
                    problems.append(
                        (
                            f"{step.where}.{key}",
                            f"source {show(step.source)} has no column {show(name)}"
                            f"{suggest(name, other)}",
                        )
                    )
        earlier.add(lookup.name)
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
