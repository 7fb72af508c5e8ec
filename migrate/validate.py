"""``migrate validate``: stream a file through the reader and the rule engine into a Report.

The file is read row by row (:class:`~migrate.edn.reader.DocumentReader`); each row is checked
on its own (:class:`~migrate.rules.engine.RowChecker`) and recorded for the cross-row rules
(:class:`~migrate.rules.crossrow.CrossRowChecker`), which are settled at the end. Memory grows
with the number of ids in the file, not with its size, nor with the number of findings: every
finding is counted, at most ``max_shown`` per rule are kept
(:class:`~migrate.rules.findings.FindingCollector`).

The whole file is always checked. An edn syntax error inside a row becomes an ``edn-syntax``
finding at its line and column, and reading resumes at the next line that starts a row; the
rows in between are not checked, and a reference to a row that was not found is then reported
as ``ref-unverified`` (it may point into the unread part), never as ``ref-unresolved``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, BinaryIO

from migrate import schemas
from migrate.edn.errors import EdnSyntaxError, RowShapeError
from migrate.edn.reader import DocumentReader
from migrate.edn.rows import row_from_value
from migrate.rules.crossrow import CrossRowChecker
from migrate.rules.engine import RowChecker, Stamper, parse_codes
from migrate.rules.findings import FindingCollector, Report
from migrate.rules.structure import document_problems

PROGRESS_EVERY = 10_000

#: Findings kept per rule by default (counts are always complete).
DEFAULT_MAX_SHOWN = 100

_UNSET: Any = object()


def validate_file(
    path: str | os.PathLike[str],
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    max_shown: int | None = DEFAULT_MAX_SHOWN,
    warnings_as_errors: bool = False,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    marketplace: Any = None,
    max_findings: int | None = _UNSET,
    byte_progress: Callable[[int, int | None], None] | None = None,
) -> Report:
    """Check the Intermediary file at ``path`` against every rule and return the report.

    ``select`` keeps only findings of those rule codes, ``ignore`` drops them (unknown codes
    raise :class:`~migrate.rules.engine.UnknownRuleCode`). The whole file is checked whatever
    it holds; ``max_shown`` only limits how many findings of each rule the report keeps
    (``None``: all of them); its counts are complete. ``max_findings`` is the older name of
    ``max_shown``. ``warnings_as_errors`` makes warnings fail the report's ``valid``. ``now``
    is the instant ``instant-future`` compares against. ``marketplace`` (a
    :class:`~migrate.marketplace.MarketplaceConfig`) adds the checks against the target
    marketplace's own configuration. ``progress(rows)`` is called every 10,000 rows,
    ``byte_progress(bytes_read, file_size)`` as often (for a regular file; the size is ``None``
    when unknown). An unreadable path raises ``OSError``.
    """
    if max_findings is not _UNSET:
        max_shown = max_findings
    filename = os.fspath(path)
    stamper = Stamper(filename, parse_codes(select), parse_codes(ignore))
    schema = schemas.load()
    row_checker = RowChecker(schema, now=now, stamper=stamper, marketplace=marketplace)
    cross = CrossRowChecker(schema, stamper)
    stream = _measured(path) if byte_progress is not None else None
    size = _size(path) if stream is not None else None
    reader = DocumentReader(stream if stream is not None else path, filename=filename, recover=True)
    collector = FindingCollector(max_shown)
    stamper.kept = collector.keeps
    stamper.counted = collector.count
    add = collector.add
    fatal: EdnSyntaxError | None = None
    try:
        for entry in reader:
            index = entry.index
            try:
                row = row_from_value(entry.value)
            except RowShapeError as error:
                if stamper.wants(error.code):
                    add(
                        stamper.make(
                            error.code,
                            error.message,
                            position=entry.position(error.path)
                            if collector.keeps(error.code)
                            else None,
                            row_index=index,
                        )
                    )
                continue
            # entry.position walks the row's text only when a finding asks for a path inside
            # it; the row's own position is known.
            locate = entry.position
            found = row_checker.check(row, index, locate)
            crossed = cross.add(row, index, locate, (entry.line, entry.column))
            if found:
                for finding in found:
                    add(finding)
            if crossed:
                for finding in crossed:
                    add(finding)
            if (index + 1) % PROGRESS_EVERY == 0:
                if progress is not None:
                    progress(index + 1)
                if byte_progress is not None and stream is not None:
                    byte_progress(stream.tell(), size)
    except EdnSyntaxError as raised:
        fatal = raised
    if stream is not None:
        if byte_progress is not None:
            byte_progress(stream.tell(), size)
        stream.close()
    syntax_errors = [*reader.errors, *([fatal] if fatal is not None else [])]
    if stamper.wants("edn-syntax"):
        for syntax in syntax_errors:
            add(stamper.make("edn-syntax", syntax.message, position=(syntax.line, syntax.column)))
    unread = list(reader.unread)
    if fatal is not None and reader.recover and (not unread or unread[-1][1] is not None):
        unread.append((fatal.line, None))
    collector.extend(cross.finish(partial_file=bool(syntax_errors)))
    if not syntax_errors or reader.header.complete:
        collector.extend(
            stamper.make(code, message, position=where)
            for code, message, where in document_problems(reader.header)
            if stamper.wants(code)
        )
    # Every row read as a row has a known type (row_from_value refuses others): the cross-row
    # checker's per-row type codes count them, at no cost per row.
    rows_checked = {
        name: count
        for code, name in enumerate(cross.type_list)
        if code and (count := cross.row_types.count(code))
    }
    return Report(
        file=filename,
        findings=collector.findings(),
        counts=dict(sorted(collector.counts.items())),
        rows_checked=dict(sorted(rows_checked.items())),
        syntax_error=bool(syntax_errors),
        unread=tuple(unread) if syntax_errors else (),
        warnings_as_errors=warnings_as_errors,
        max_shown=max_shown,
        marketplace=getattr(marketplace, "source", None),
        skipped_checks=tuple(getattr(marketplace, "skipped", ())),
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


# `migrate.validate(path)` is the notebook API (migrate.api.validate); this module is that name too.
from migrate._callable import make_callable  # noqa: E402

make_callable(__name__, "validate")
