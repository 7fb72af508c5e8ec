"""``migrate validate``: stream a file through the reader and the rule engine into a Report.

The file is read row by row (:class:`~migrate.edn.reader.DocumentReader`); each row is checked
on its own (:class:`~migrate.rules.engine.RowChecker`) and recorded for the cross-row rules
(:class:`~migrate.rules.crossrow.CrossRowChecker`), which are settled at the end. Memory grows
with the number of ids in the file, not with its size.

An edn syntax error becomes an ``edn-syntax`` finding at its line and column; the findings of
the rows read before it are kept and cross-row rules are settled on those rows.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import BinaryIO

from migrate import schemas
from migrate.edn.errors import EdnSyntaxError, RowShapeError
from migrate.edn.reader import DocumentReader
from migrate.edn.rows import row_from_value
from migrate.rules.crossrow import CrossRowChecker
from migrate.rules.engine import RowChecker, Stamper, parse_codes
from migrate.rules.findings import Finding, Report
from migrate.rules.structure import document_problems

PROGRESS_EVERY = 10_000


def validate_file(
    path: str | os.PathLike[str],
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    max_findings: int | None = 1000,
    warnings_as_errors: bool = False,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    byte_progress: Callable[[int, int | None], None] | None = None,
) -> Report:
    """Check the Intermediary file at ``path`` against every rule and return the report.

    ``select`` keeps only findings of those rule codes, ``ignore`` drops them (unknown codes
    raise :class:`~migrate.rules.engine.UnknownRuleCode`). Checking stops once ``max_findings``
    findings are collected (the report is then ``partial``; ``None`` for no limit).
    ``warnings_as_errors`` makes warnings fail the report's ``valid``. ``now`` is the instant
    ``instant-future`` compares against. ``progress(rows)`` is called every 10,000 rows,
    ``byte_progress(bytes_read, file_size)`` as often (for a regular file; the size is ``None``
    when unknown).
    An unreadable path raises ``OSError``.
    """
    filename = os.fspath(path)
    stamper = Stamper(filename, parse_codes(select), parse_codes(ignore))
    schema = schemas.load()
    row_checker = RowChecker(schema, now=now, stamper=stamper)
    cross = CrossRowChecker(schema, stamper)
    stream = _measured(path) if byte_progress is not None else None
    size = _size(path) if stream is not None else None
    reader = DocumentReader(stream if stream is not None else path, filename=filename)
    findings: list[Finding] = []
    rows_checked: dict[str, int] = {}
    names = {id(row_type.id_attr): row_type.name for row_type in schema.types}
    limit = max_findings if max_findings is not None else float("inf")
    partial = syntax_error = False
    try:
        for entry in reader:
            index = entry.index
            try:
                row = row_from_value(entry.value)
            except RowShapeError as error:
                if stamper.wants(error.code):
                    findings.append(
                        stamper.make(
                            error.code,
                            error.message,
                            position=entry.position(error.path),
                            row_index=index,
                        )
                    )
                if len(findings) >= limit:
                    partial = True
                    break
                continue
            name = names.get(id(row.id_attr)) or row.row_type
            rows_checked[name] = rows_checked.get(name, 0) + 1
            # entry.position walks the row's text only when a finding asks for a path inside
            # it; the row's own position is known.
            locate = entry.position
            found = row_checker.check(row, index, locate)
            crossed = cross.add(row, index, locate, (entry.line, entry.column))
            if found or crossed:
                findings += found
                findings += crossed
                if len(findings) >= limit:
                    partial = True
                    break
            if (index + 1) % PROGRESS_EVERY == 0:
                if progress is not None:
                    progress(index + 1)
                if byte_progress is not None and stream is not None:
                    byte_progress(stream.tell(), size)
    except EdnSyntaxError as error:
        syntax_error = True
        if stamper.wants("edn-syntax"):
            findings.append(
                stamper.make("edn-syntax", error.message, position=(error.line, error.column))
            )
    if stream is not None:
        if byte_progress is not None:
            byte_progress(stream.tell(), size)
        stream.close()
    if not partial:
        findings += cross.finish()
        if not syntax_error:
            findings += [
                stamper.make(code, message, position=where)
                for code, message, where in document_problems(reader.header)
                if stamper.wants(code)
            ]
    if len(findings) > limit:
        partial = True
    findings.sort(key=_order)
    if partial:
        findings = findings[: int(limit)]
    return Report(
        file=filename,
        findings=tuple(findings),
        rows_checked=dict(sorted(rows_checked.items())),
        partial=partial,
        syntax_error=syntax_error,
        warnings_as_errors=warnings_as_errors,
        max_findings=max_findings,
    )


def _measured(path: str | os.PathLike[str]) -> BinaryIO | None:
    """``path`` opened for reading when it is a regular file (whose offset says how far we are)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return open(path, "rb")  # noqa: SIM115  (closed by validate_file)
    except OSError:
        return None  # the reader reports it


def _size(path: str | os.PathLike[str]) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _order(finding: Finding) -> tuple:
    line = finding.line if finding.line is not None else 1 << 62
    return (line, finding.column or 0)


# `migrate.validate(path)` is the notebook API (migrate.api.validate); this module is that name too.
from migrate._callable import make_callable  # noqa: E402

make_callable(__name__, "validate")
