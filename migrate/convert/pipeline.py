"""The conversion pipeline behind `migrate convert`: sources -> mapped records -> checked rows ->
the Intermediary file, a rejects CSV and a report.

Three passes, so that memory grows with the number of ids, never with row contents:

1. **Read, map, check.** Each record spec of the job streams its source; every mapped record
   goes through the rule engine (``check_row``) and the cross-row checker. A record with an
   error is rejected on the spot; an accepted row is serialised to edn at once and spilled to a
   temporary file (:mod:`migrate.convert.spill`). Only its id, its spill handle and the ids it
   references stay in memory. When several record specs make rows of one type (users from two
   sources), a row whose source id an earlier spec already gave is merged into that row: its
   extra attributes are added, a different value for the same attribute rejects it
   (``merge-conflict``). A repeated source id within one spec is ``source-id-duplicate``.
2. **Settle.** References are resolved on ids: a row whose required reference points at a
   rejected row is rejected (``ref-target-rejected``), one pointing at a row that no source
   holds is rejected too (``ref-unresolved``), repeatedly until nothing changes (an image goes
   with its listing, which went with its author). An optional reference to a missing row is
   dropped from the row instead, with a warning under the same code.
3. **Write.** Surviving rows are copied from the spill into ``<name>.edn`` (atomically), in a
   fixed order: by row type -- users, listings, images, Stripe accounts, reviews, so each row's
   references point at rows above it except a user's avatar -- and within a type by source id
   (numerically when ids are digits). The order does not depend on the source's row order, so
   a CSV, a SQL and a JSON export of the same data give byte-identical files.

Rejects are written in the same order to ``<name>.rejects.csv``, counts and timings to
``<name>.report.json``.
"""

from __future__ import annotations

import logging
import pickle
import re
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrate import schemas
from migrate.convert.mapping import MappedRecord, Rejection
from migrate.convert.outputs import ConvertReport, TypeCounts, reject_line, write_rejects
from migrate.convert.outputs import write_report as _write_report
from migrate.convert.spill import Spill
from migrate.edn.show import show
from migrate.edn.values import Keyword, Row
from migrate.edn.writer import EdnWriteError, RowWriter, row_text
from migrate.output_set import OutputSet

if TYPE_CHECKING:
    from datetime import datetime

    from migrate.rules.engine import RowChecker

_log = logging.getLogger(__name__)

#: The order of row types in the output file (types not listed follow, sorted by name).
TYPE_ORDER = ("user", "listing", "image", "stripeAccount", "review")

#: Progress callback: ``progress(stage, done)`` with a stage label and rows done so far.
Progress = Callable[[str, int], None]

_PROGRESS_EVERY = 1000

_UNSEEN, _ACCEPTED, _REJECTED = 0, 1, 2

# How the cross-row checker names a row: "row 12", in memory without a line.
_ROW_INDEX = re.compile(r"\brow (\d+)\b")


def type_rank(record_type: str) -> tuple[int, str]:
    """Sort key of a row type in the output: :data:`TYPE_ORDER`, then unknown types by name."""
    try:
        return (TYPE_ORDER.index(record_type), "")
    except ValueError:
        return (len(TYPE_ORDER), record_type)


def source_id_key(source_id: str) -> tuple[int, int, str]:
    """Sort key of a source id: digit strings numerically (19-digit ids too), then the rest."""
    if source_id.isascii() and source_id.isdigit():
        stripped = source_id.lstrip("0") or "0"
        return (0, len(stripped), stripped + "\x00" + source_id)
    return (1, 0, source_id)


def _plain_number(source_id: str) -> bool:
    return source_id.isascii() and source_id.isdigit() and (source_id[0] != "0" or source_id == "0")


@dataclass(frozen=True)
class RecordStream:
    """One record spec of a job, ready to stream: its row type and how to open its records.

    ``open(limit)`` returns an iterator of mapped records and rejections (see
    :mod:`migrate.convert.mapping`), reading at most ``limit`` source rows when given.
    ``label`` names the spec in progress output (``"user from users"``).
    """

    record_type: str
    label: str
    open: Callable[[int | None], Iterator[Any]]
    spec_index: int = 0
    #: source rows folded into the records opened so far (a ``distinct`` table), counted as
    #: read and merged once the stream is done
    merged: Callable[[], int] | None = None


@dataclass(frozen=True)
class OutputPaths:
    """Where one run writes: ``<dir>/<name>.edn``, ``.rejects.csv`` and ``.report.json``."""

    edn: Path
    rejects: Path
    report: Path

    @classmethod
    def of(cls, directory: Path, name: str) -> OutputPaths:
        """The three output paths for ``name`` in ``directory``."""
        return cls(
            edn=directory / f"{name}.edn",
            rejects=directory / f"{name}.rejects.csv",
            report=directory / f"{name}.report.json",
        )


#: A stage between mapping and checking (geocoding, later anonymising): takes a mapped record
#: and returns it (possibly changed) or a rejection.
RecordStage = Callable[[Any], Any]


@dataclass
class RunOptions:
    """Everything :func:`run_records` needs besides the records themselves.

    :meth:`checker` makes the rule engine rows are checked with, from the context the rules
    need (the target marketplace's configuration, codes left out); both engines use it.
    """

    ident: str
    paths: OutputPaths
    job_label: str
    pretty: bool = False
    dry_run: bool = False
    limit: int | None = None
    fail_on_reject: bool = False
    progress: Progress | None = None
    stages: list[RecordStage] = field(default_factory=list)
    spill_dir: Path | None = None
    report_extra: Callable[[], dict[str, Any]] | None = None
    #: Checks of the accepted rows after pass 1, before references are settled (the image
    #: check, ``[images] check = true``): each may reject rows through :class:`AcceptedRows`.
    before_settle: list[Callable[[AcceptedRows], None]] = field(default_factory=list)
    #: For the columnar engine, which has no per-record stages: callables told about each
    #: mapped record of a type (``observe(record)``, records as :class:`Observed`), in source
    #: order, as a stage that passes records unchanged would be.
    observers: list[tuple[str, tuple[Keyword, ...], Callable[[Any], Any]]] = field(
        default_factory=list
    )
    #: the target marketplace's configuration (migrate.marketplace.MarketplaceConfig): its
    #: rules then reject or warn per row like every other rule
    marketplace: Any = None
    #: rule codes the per-row checks leave out (``url-host-not-public`` when the image check
    #: lets private hosts through)
    ignore_codes: frozenset[str] = frozenset()

    def checker(self, now: datetime) -> RowChecker:
        """The rule engine for this run's rows, ``now`` being the instant of the run."""
        from migrate.rules.engine import RowChecker, Stamper

        return RowChecker(
            now=now, marketplace=self.marketplace, stamper=Stamper(ignore=self.ignore_codes)
        )


class _Ledger:
    """Per-id state of a run in compact arrays: one small integer node per (type, source id)."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, int]] = []  # per type number: source id -> node
        self.source_ids: list[str] = []
        self.state = bytearray()
        self.type_index = bytearray()
        self.spec = array("h")
        self.handle = array("q")
        self.types: list[str] = []
        self._type_numbers: dict[str, int] = {}
        # References: parallel arrays, one entry per reference of an accepted row.
        self.ref_from = array("q")
        self.ref_to = array("q")
        self.ref_required = bytearray()
        self.ref_path = array("h")
        self.paths: list[tuple[Keyword, ...]] = []
        self._path_numbers: dict[tuple[Keyword, ...], int] = {}
        self._path_ids: dict[int, int] = {}
        self._path_holders: list[tuple[Keyword, ...]] = []
        self.reject_code: dict[int, str] = {}
        self.warnings: dict[int, list[str]] = {}
        self.dropped: dict[int, list[tuple[tuple[Keyword, ...], str]]] = {}
        self.row_handle: dict[int, int] = {}

    def node(self, record_type: str, source_id: str) -> int:
        """The node of ``(record_type, source_id)``, created unseen on first use."""
        type_number = self._type_numbers.get(record_type)
        if type_number is None:
            type_number = self._type_numbers[record_type] = len(self.types)
            self.types.append(record_type)
            self.nodes.append({})
        # Keyed by the source id string itself (shared with the record, not copied).
        nodes = self.nodes[type_number]
        number = nodes.get(source_id)
        if number is None:
            number = nodes[source_id] = len(self.state)
            self.source_ids.append(source_id)
            self.state.append(_UNSEEN)
            self.type_index.append(type_number)
            self.spec.append(-1)
            self.handle.append(-1)
        return number

    def identity(self, node: int) -> tuple[str, str]:
        """``(record_type, source_id)`` of ``node``."""
        return self.types[self.type_index[node]], self.source_ids[node]

    def add_ref(self, source: int, target: int, required: bool, path: tuple[Keyword, ...]) -> None:
        """Record that ``source`` references ``target`` at attribute ``path``."""
        # By the path object's id first: a spec's paths are the same tuples row after row, and
        # hashing a tuple of keywords calls Python code per keyword.
        number = self._path_ids.get(id(path))
        if number is None:
            number = self._path_numbers.get(path)
            if number is None:
                number = self._path_numbers[path] = len(self.paths)
                self.paths.append(path)
            if len(self._path_holders) < 1024:  # a job has few paths; fresh tuples are not kept
                self._path_holders.append(path)  # keeps id(path) from being reused
                self._path_ids[id(path)] = number
        self.ref_from.append(source)
        self.ref_to.append(target)
        self.ref_required.append(1 if required else 0)
        self.ref_path.append(number)


class AcceptedRows:
    """What a :attr:`RunOptions.before_settle` check may see and do after pass 1."""

    def __init__(self, run: _Run) -> None:
        self._run = run

    def _node(self, record_type: str, source_id: str) -> int | None:
        type_number = self._run.ledger._type_numbers.get(record_type)
        if type_number is None:
            return None
        return self._run.ledger.nodes[type_number].get(source_id)

    def is_accepted(self, record_type: str, source_id: str) -> bool:
        """Whether the row of ``(record_type, source_id)`` is accepted so far."""
        node = self._node(record_type, source_id)
        return node is not None and self._run.ledger.state[node] == _ACCEPTED

    def reject(
        self, record_type: str, source_id: str, code: str, message: str, values: dict[str, Any]
    ) -> None:
        """Reject an accepted row: it goes to the rejects file, the cascade follows."""
        node = self._node(record_type, source_id)
        if node is None or self._run.ledger.state[node] != _ACCEPTED:
            return
        origin = self._run._origin(node)
        self._run._reject(record_type, source_id, origin, code, message, values, node=node)

    def warn(self, record_type: str, source_id: str, code: str) -> None:
        """Count a warning of ``code`` on an accepted row (in the report's warnings)."""
        node = self._node(record_type, source_id)
        if node is not None and self._run.ledger.state[node] == _ACCEPTED:
            self._run.ledger.warnings.setdefault(node, []).append(code)


class _Run:
    """One conversion: the ledger, the spills, the counts."""

    def __init__(self, options: RunOptions, checker: Any) -> None:
        self.options = options
        self.ledger = _Ledger()
        self.rows = Spill(options.spill_dir)
        self.rejects = Spill(options.spill_dir)
        self.reject_keys: list[tuple[tuple[int, str], tuple[int, int, str], int]] = []
        self.counts: dict[str, TypeCounts] = {}
        self.checker = checker
        self.timings: dict[str, float] = {}
        self.done = 0
        self.merged_types: frozenset[str] = frozenset()

    def close(self) -> None:
        self.rows.close()
        self.rejects.close()

    def counts_of(self, record_type: str) -> TypeCounts:
        counts = self.counts.get(record_type)
        if counts is None:
            counts = self.counts[record_type] = TypeCounts()
        return counts

    # Pass 1 --------------------------------------------------------------------------------

    def read(self, streams: Iterable[RecordStream]) -> None:
        from datetime import UTC, datetime

        check_row = self.options.checker(datetime.now(UTC)).check
        progress = self.options.progress
        for stream in streams:
            counts = self.counts_of(stream.record_type)
            for item in stream.open(self.options.limit):
                counts.read += 1
                self._take(item, stream, check_row)
                self.done += 1
                if progress is not None and self.done % _PROGRESS_EVERY == 0:
                    progress("read", self.done)
            folded = stream.merged() if stream.merged is not None else 0
            counts.read += folded
            counts.merged += folded
        if progress is not None:
            progress("read", self.done)

    def _take(self, item: Any, stream: RecordStream, check_row: Callable) -> None:
        noted: tuple[str, ...] = ()
        if type(item) is Noted:
            item, noted = item.record, item.warnings
        if isinstance(item, Rejection):
            self._reject_record(item)
            return
        for stage in self.options.stages:
            item = stage(item)
            if isinstance(item, Rejection):
                self._reject_record(item)
                return
        ledger = self.ledger
        node = ledger.node(item.record_type, item.source_id)
        if (
            ledger.state[node] == _ACCEPTED
            and ledger.spec[node] != stream.spec_index
            and item.record_type in self.merged_types
        ):
            self._merge(node, item, check_row)
            return
        if ledger.state[node] != _UNSEEN:
            first = "is kept" if ledger.state[node] == _ACCEPTED else "was rejected"
            self._reject(
                item.record_type,
                item.source_id,
                item.origin,
                "source-id-duplicate",
                f"source id {show(item.source_id, cut=False)} was already read for another "
                f"{item.record_type} row (the first one {first})",
                {"id": item.source_id},
                mark=False,
            )
            return
        ledger.spec[node] = stream.spec_index
        findings = check_row(item.row, node)
        errors = [finding for finding in findings if finding.is_error]
        if errors:
            first_error = errors[0]
            self._reject(
                item.record_type,
                item.source_id,
                item.origin,
                first_error.code,
                first_error.message,
                _offending(item.row, first_error.attribute),
                node=node,
            )
            return
        try:
            text = row_text(item.row, pretty=self.options.pretty)
        except EdnWriteError as error:
            self._reject(
                item.record_type,
                item.source_id,
                item.origin,
                "transform-failed",
                f"cannot be written as edn: {error}",
                {},
                node=node,
            )
            return
        cross = None
        if self.checker is not None:
            # Aliases are unique by construction (the mappers' registry); without them the
            # checker keeps one key per row instead of two.
            row = item.row
            cross = self.checker.add(Row(row.id_attr, row.import_id, None, row.attrs), node)
        if cross:
            cross_errors = [finding for finding in cross if finding.is_error]
            if cross_errors:
                self._reject(
                    item.record_type,
                    item.source_id,
                    item.origin,
                    cross_errors[0].code,
                    self._name_rows(cross_errors[0].message),
                    _offending(item.row, cross_errors[0].attribute),
                    node=node,
                )
                return
            findings = [*findings, *cross]
        warnings = [finding.code for finding in findings if not finding.is_error]
        warnings.extend(noted)
        if warnings:
            ledger.warnings[node] = warnings
        ledger.state[node] = _ACCEPTED
        ledger.handle[node] = self.rows.append(
            f"{item.origin.source}\t{item.origin.location}\n{text}"
        )
        optional = False
        for path, target_type, target_id, required in item.refs:
            if path.__class__ is not tuple:
                path = tuple(path)
            ledger.add_ref(node, ledger.node(target_type, target_id), required, path)
            optional = optional or not required
        if optional or item.record_type in self.merged_types:
            # Kept whole in case a reference must go (its optional target was rejected) or a
            # row of another source with the same id is merged into it.
            ledger.row_handle[node] = self.rows.append_bytes(pickle.dumps(item.row, 5))

    def _merge(self, node: int, item: Any, check_row: Callable) -> None:
        """Fold ``item`` into the accepted row ``node`` of an earlier source with the same id.

        Attributes only ``item`` has are added; an attribute both have with different values
        rejects ``item`` as ``merge-conflict`` and leaves the first row as it was.
        """
        ledger = self.ledger
        row: Row = pickle.loads(self.rows.get_bytes(ledger.row_handle[node]))
        merged = _copy_map(row.attrs)
        conflicts: list[tuple[str, Any, Any]] = []
        added = _merge_into(merged, item.row.attrs, (), conflicts)
        if conflicts:
            path, first, second = conflicts[0]
            self._reject(
                item.record_type,
                item.source_id,
                item.origin,
                "merge-conflict",
                f"{path} is {show(second)} here but {show(first)} in the first "
                f"{item.record_type} row with source id {show(item.source_id, cut=False)}",
                {path: show(second)},
                mark=False,
            )
            return
        self.counts_of(item.record_type).merged += 1
        if not added:
            return
        candidate = Row(row.id_attr, row.import_id, row.alias, merged)
        errors = [finding for finding in check_row(candidate, node) if finding.is_error]
        try:
            text = None if errors else row_text(candidate, pretty=self.options.pretty)
        except EdnWriteError:
            text = None
        if text is None:
            self._reject(
                item.record_type,
                item.source_id,
                item.origin,
                "merge-conflict",
                "merging this row into the first one with the same source id makes it invalid"
                + (f" ({errors[0].code}: {errors[0].message})" if errors else ""),
                {},
                mark=False,
            )
            self.counts_of(item.record_type).merged -= 1
            return
        header = self.rows.get(ledger.handle[node]).split("\n", 1)[0]
        ledger.handle[node] = self.rows.append(f"{header}\n{text}")
        ledger.row_handle[node] = self.rows.append_bytes(pickle.dumps(candidate, 5))
        for path, target_type, target_id, required in item.refs:
            ledger.add_ref(node, ledger.node(target_type, target_id), required, tuple(path))

    def _reject_record(self, rejection: Any) -> None:
        node = None
        if rejection.source_id is not None:
            node = self.ledger.node(rejection.record_type, rejection.source_id)
            if self.ledger.state[node] != _UNSEEN:
                node = None  # a later row with a known id: the first one's state stands
        self._reject(
            rejection.record_type,
            rejection.source_id,
            rejection.origin,
            rejection.code,
            rejection.message,
            rejection.values,
            node=node,
            mark=node is not None,
        )

    def _reject(
        self,
        record_type: str,
        source_id: str | None,
        origin: Any,
        code: str,
        message: str,
        values: dict[str, Any],
        *,
        node: int | None = None,
        mark: bool = True,
    ) -> None:
        self.counts_of(record_type).rejected[code] += 1
        if mark and node is not None:
            self.ledger.state[node] = _REJECTED
            self.ledger.reject_code[node] = code
        handle = self.rejects.append(
            reject_line(origin.source, str(origin), record_type, source_id, code, message, values)
        )
        self.reject_keys.append((type_rank(record_type), source_id_key(source_id or ""), handle))

    # Pass 2 --------------------------------------------------------------------------------

    def settle(self) -> None:
        if self.checker is not None:
            for finding in self.checker.finish() or ():
                self._cross_finding(finding)
        ledger = self.ledger
        changed = True
        while changed:
            changed = False
            for index in range(len(ledger.ref_from)):
                source = ledger.ref_from[index]
                if ledger.state[source] != _ACCEPTED:
                    continue
                target = ledger.ref_to[index]
                if ledger.state[target] == _ACCEPTED:
                    continue
                if ledger.ref_required[index]:
                    self._cascade(source, target, ledger.paths[ledger.ref_path[index]])
                    changed = True
        for index in range(len(ledger.ref_from)):
            source = ledger.ref_from[index]
            target = ledger.ref_to[index]
            if ledger.state[source] == _ACCEPTED and ledger.state[target] != _ACCEPTED:
                code = "ref-target-rejected" if ledger.state[target] else "ref-unresolved"
                path = ledger.paths[ledger.ref_path[index]]
                ledger.dropped.setdefault(source, []).append((path, code))

    def _cross_finding(self, finding: Any) -> None:
        node = finding.row_index
        if node is None or node >= len(self.ledger.state):
            return
        if finding.code.startswith("ref-"):
            return  # settled on ids below, which knows rejected from missing targets
        if not finding.is_error:
            self.ledger.warnings.setdefault(node, []).append(finding.code)
            return
        if self.ledger.state[node] != _ACCEPTED:
            return
        record_type, source_id = self.ledger.identity(node)
        origin = self._origin(node)
        message = self._name_rows(finding.message)
        self._reject(record_type, source_id, origin, finding.code, message, {}, node=node)

    def _name_rows(self, message: str) -> str:
        """The checker names rows by index (our node numbers); name them by source id."""

        def name(match: re.Match[str]) -> str:
            node = int(match.group(1))
            if node >= len(self.ledger.state):
                return match.group(0)
            record_type, source_id = self.ledger.identity(node)
            return f"{record_type} {show(source_id, cut=False)}"

        return _ROW_INDEX.sub(name, message)

    def _origin(self, node: int) -> Any:
        from migrate.extract.origin import Origin

        header = self.rows.get(self.ledger.handle[node]).split("\n", 1)[0]
        source, _, location = header.partition("\t")
        return Origin(source, location)

    def _cascade(self, source: int, target: int, path: tuple[Keyword, ...]) -> None:
        ledger = self.ledger
        record_type, source_id = ledger.identity(source)
        target_type, target_id = ledger.identity(target)
        attribute = _path_text(path)
        if ledger.state[target] == _REJECTED:
            code = "ref-target-rejected"
            message = (
                f"{attribute} refers to {target_type} {show(target_id, cut=False)}, which was rejected "
                f"({ledger.reject_code.get(target, 'rejected')})"
            )
        else:
            code = "ref-unresolved"
            message = f"{attribute} refers to {target_type} {show(target_id, cut=False)}, which no source holds"
        self._reject(
            record_type,
            source_id,
            self._origin(source),
            code,
            message,
            {attribute: target_id},
            node=source,
        )

    # Pass 3 --------------------------------------------------------------------------------

    def accepted_in_order(self) -> array:
        ledger = self.ledger
        by_type: dict[int, list[int]] = {}
        state = ledger.state
        for node, type_number in enumerate(ledger.type_index):
            if state[node] == _ACCEPTED:
                by_type.setdefault(type_number, []).append(node)
        ordered = array("q")
        ids = ledger.source_ids
        for type_number in sorted(by_type, key=lambda number: type_rank(ledger.types[number])):
            nodes = by_type.pop(type_number)
            if all(_plain_number(ids[node]) for node in nodes):
                # Same order as source_id_key, with one small int per node as the sort key.
                nodes.sort(key=lambda node: int(ids[node]))
            else:
                nodes.sort(key=lambda node: source_id_key(ids[node]))
            ordered.extend(nodes)
        return ordered

    def texts(self, nodes: array) -> Iterator[str]:
        ledger = self.ledger
        progress = self.options.progress
        for done, node in enumerate(nodes, 1):
            text = self.rows.get(ledger.handle[node]).split("\n", 1)[1]
            dropped = ledger.dropped.get(node)
            if dropped:
                text = self._without(dropped, node)
            counts = self.counts_of(ledger.types[ledger.type_index[node]])
            counts.written += 1
            for code in ledger.warnings.get(node, ()):
                counts.warnings[code] += 1
            if progress is not None and done % _PROGRESS_EVERY == 0:
                progress("write", done)
            yield text
        if progress is not None:
            progress("write", len(nodes))

    def _without(self, dropped: list, node: int) -> str:
        row: Row = pickle.loads(self.rows.get_bytes(self.ledger.row_handle[node]))
        counts = self.counts_of(self.ledger.types[self.ledger.type_index[node]])
        for path, code in dropped:
            container = row.attrs
            for key in path[:-1]:
                container = container.get(key, {})
            if isinstance(container, dict) and container.pop(path[-1], None) is not None:
                counts.warnings[code] += 1
        return row_text(row, pretty=self.options.pretty)

    def sorted_rejects(self) -> Iterator[str]:
        self.reject_keys.sort()
        for _, _, handle in self.reject_keys:
            yield self.rejects.get(handle)


def _copy_map(mapping: dict) -> dict:
    return {
        key: _copy_map(value) if type(value) is dict else value for key, value in mapping.items()
    }


def _merge_into(target: dict, extra: dict, path: tuple, conflicts: list) -> bool:
    """Add ``extra``'s entries missing from ``target`` (nested maps too); note conflicts."""
    added = False
    for key, value in extra.items():
        if key not in target:
            target[key] = value
            added = True
        elif type(target[key]) is dict and type(value) is dict:
            added = _merge_into(target[key], value, (*path, key), conflicts) or added
        elif target[key] != value:
            conflicts.append((_path_text((*path, key)), target[key], value))
    return added


def _path_text(path: tuple[Keyword, ...]) -> str:
    return " ".join(repr(key) for key in path)


def offending_value(value: Any) -> Any:
    """A value as a rejects line's ``values`` holds it: as it is if JSON has it, else shown."""
    return value if isinstance(value, str | int | float | bool) else show(value)


def _offending(row: Row, attribute: str | None) -> dict[str, Any]:
    """The value a finding is about, ``{":im.email/address": "anna@"}``, found at any depth."""
    if attribute is None:
        return {}
    key = Keyword(attribute.removeprefix(":"))
    stack = [row.attrs]
    while stack:
        mapping = stack.pop()
        if key in mapping:
            return {attribute: offending_value(mapping[key])}
        stack.extend(value for value in mapping.values() if isinstance(value, dict))
    return {attribute: None}


def run_report(options: RunOptions, counts: Mapping[str, Any], timings: dict[str, float]) -> Any:
    """The :class:`ConvertReport` of a finished run of either engine: its counts by type (in
    type order), the output paths and the options it ran with."""
    return ConvertReport(
        job=options.job_label,
        ident=options.ident,
        types={name: counts[name] for name in sorted(counts, key=type_rank)},
        edn_path=None if options.dry_run else options.paths.edn,
        rejects_path=options.paths.rejects,
        report_path=options.paths.report,
        timings=timings,
        dry_run=options.dry_run,
        limit=options.limit,
        fail_on_reject=options.fail_on_reject,
        extra=options.report_extra() if options.report_extra is not None else {},
    )


def run_records(streams: Iterable[RecordStream], options: RunOptions) -> ConvertReport:
    """Run the three passes over ``streams`` and write the outputs; returns the report.

    The library entry point below :func:`convert`, for callers that build record streams
    themselves (tests, notebooks). A :class:`KeyboardInterrupt` or a read error leaves no new
    file behind: every output is written atomically, after all records were read.
    """
    from migrate.rules.crossrow import CrossRowChecker

    started = time.perf_counter()
    streams = list(streams)
    specs_per_type: dict[str, set[int]] = {}
    for stream in streams:
        specs_per_type.setdefault(stream.record_type, set()).add(stream.spec_index)
    run = _Run(options, CrossRowChecker())
    run.merged_types = frozenset(name for name, specs in specs_per_type.items() if len(specs) > 1)
    # The outputs land as a set (migrate.output_set): checked and locked before the work.
    outputs = OutputSet(_output_files(options), name=options.paths.edn.name.removesuffix(".edn"))
    try:
        outputs.prepare()
        run.read(streams)
        read_done = time.perf_counter()
        for check in options.before_settle:
            check(AcceptedRows(run))
        run.settle()
        settle_done = time.perf_counter()
        nodes = run.accepted_in_order()
        if options.dry_run:
            for _ in run.texts(nodes):
                pass
        else:
            with outputs.open(options.paths.edn) as edn_out:
                writer = RowWriter(edn_out, options.ident, pretty=options.pretty)
                for text in run.texts(nodes):
                    edn_out.write(text)
                    edn_out.write("\n")
                writer.close()
        with outputs.writing(options.paths.rejects) as rejects_path:
            write_rejects(rejects_path, run.sorted_rejects())
        finished = time.perf_counter()
        timings = {
            "read": read_done - started,
            "settle": settle_done - read_done,
            "write": finished - settle_done,
            "total": finished - started,
        }
        report = run_report(options, run.counts, timings)
        with outputs.writing(options.paths.report) as report_path:
            _write_report(report, report_path)
        outputs.commit()
        return report
    finally:
        try:
            if not outputs.committed:
                outputs.discard()
            outputs.release()
        finally:
            run.close()


@dataclass(frozen=True, slots=True)
class Noted:
    """A mapped record with warnings a stage raised before the rule engine saw it."""

    record: Any
    warnings: tuple[str, ...]


def _output_files(options: RunOptions) -> list[Path]:
    paths = options.paths
    if options.dry_run:
        return [paths.rejects, paths.report]
    return [paths.edn, paths.rejects, paths.report]


def record_streams(job: Any, geocoder: Any = None) -> list[RecordStream]:
    """One :class:`RecordStream` per record spec of ``job``: source rows through its mapper.

    With a ``geocoder`` (:class:`migrate.geocode.stage.GeocodeStage`), listing rows without
    coordinates get them from their address before they are checked.
    """
    from migrate.convert.mapping import build_mappers

    streams = []
    for index, mapper in enumerate(build_mappers(job)):
        spec = mapper.spec
        label = f"{spec.record_type} from {spec.source}" + (f".{spec.each}" if spec.each else "")

        def open_(limit: int | None, mapper: Any = mapper) -> Iterator[Any]:
            for source_row in mapper.source_rows(limit):
                item = mapper.map(source_row)
                if geocoder is not None and item.record_type == "listing":
                    item = _geocode(geocoder, job.geocode, item, source_row.values)
                yield item

        merged = (lambda mapper=mapper: mapper.merged_rows) if spec.distinct else None
        streams.append(RecordStream(spec.record_type, label, open_, index, merged))
    return streams


def _geocode(geocoder: Any, config: Any, item: Any, values: Any) -> Any:
    if not isinstance(item, MappedRecord):
        return item
    outcome = geocoder.apply(item.row, config.address_for(values))
    if outcome.code is None:
        return item
    if outcome.rejected:
        return Rejection(
            item.record_type,
            item.source_id,
            item.origin,
            outcome.code,
            outcome.message,
            {"address": outcome.address},
        )
    return Noted(item, (outcome.code,))


#: The engines of :func:`convert`: the columnar one (the default) and the per-row reference.
ENGINES = ("columns", "rows")


def convert(
    job: Any,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    fail_on_reject: bool = False,
    progress: Progress | None = None,
    output_dir: str | Path | None = None,
    engine: str = "columns",
) -> ConvertReport:
    """Run ``job`` (from :func:`migrate.convert.job.load_job`) and write its outputs.

    Writes ``<name>.edn`` (not with ``dry_run``), ``<name>.rejects.csv`` and
    ``<name>.report.json`` into ``output_dir`` (default: the job's ``[output] dir``), each
    atomically. ``limit`` reads at most that many source rows per record spec. Rejected records
    never fail the run here; ``report.failed`` tells the caller to, with ``fail_on_reject``.
    ``engine`` is ``"columns"`` (:mod:`migrate.convert.engine`, the default) or ``"rows"``
    (this module's per-row path, the reference); both write the same bytes. Jobs the columnar
    engine leaves to the per-row one: the ``pretty`` layout, and rows of several record specs
    of one type to merge (see :func:`columnar_job`). Raises the extract adapters' errors (a source cannot be
    read) and :class:`KeyboardInterrupt` unchanged; no output file is then replaced.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    directory = Path(output_dir) if output_dir is not None else Path(job.output.dir)
    options = RunOptions(
        ident=job.ident,
        paths=OutputPaths.of(directory, job.output.name),
        job_label=str(job.path),
        pretty=job.output.pretty,
        dry_run=dry_run,
        limit=limit,
        fail_on_reject=fail_on_reject,
        progress=progress,
        marketplace=job.marketplace,
    )
    columnar = engine == "columns" and columnar_job(job)
    if getattr(job, "images", None) is not None:  # [images] check = true
        from migrate.images.convert_hook import ImageCheckHook

        image_check = ImageCheckHook(job.images, progress=progress)
        if job.images.settings.allow_private_hosts:
            options.ignore_codes = frozenset({"url-host-not-public"})
        if columnar:  # the hook's stage only notes each image's URL: an observer
            options.observers.append(("image", (_IMAGE_URL,), image_check.stage))
        else:
            options.stages.append(image_check.stage)
        options.before_settle.append(image_check.check)
        options.report_extra = lambda: {"images": image_check.summary}
    from migrate.convert.shared_reads import shared_reads

    # A file several record tables, lookups and queries read whole is parsed once a run.
    with shared_reads(job):
        if job.geocode is None:
            if columnar:
                from migrate.convert.engine import MergeNeeded, run_columnar

                try:
                    return run_columnar(job, options)
                except MergeNeeded as reason:
                    # Rows of two record tables to merge: the per-row engine does it (from the
                    # start; the columnar run left no output behind).
                    _log.info("the job runs per row: %s", reason)
            return run_records(record_streams(job), options)
        from migrate.geocode.stage import GeocodeStage

        with GeocodeStage(job.geocode) as geocoder:
            extra = options.report_extra
            options.report_extra = lambda: {
                **(extra() if extra is not None else {}),
                "geocode": geocoder.report.to_dict(),
            }
            if columnar:
                from migrate.convert.engine import run_columnar
                from migrate.geocode.columns import GeocodeColumns

                return run_columnar(job, options, GeocodeColumns(geocoder))
            return run_records(record_streams(job, geocoder), options)


_IMAGE_URL = schemas.key("im.image/url")


@dataclass(frozen=True)
class Observed:
    """A mapped record as an observer sees it: its type, source id and the value it asked for
    (``row.attrs`` holds that one attribute)."""

    record_type: str
    source_id: str
    row: Any


def columnar_job(job: Any) -> bool:
    """True when the columnar engine runs ``job`` (see :func:`convert`).

    A row type made by several record tables (users read from listings and from reviews) runs
    columnar too: its tables' rows are decided as one table's are, as long as no row repeats a
    source id that an earlier table of the type kept. Such a row is merged into the first one
    by the per-row pipeline (or rejected as ``merge-conflict``), so the columnar engine stops
    at the first (:class:`migrate.convert.engine.MergeNeeded`) and :func:`convert` runs the job
    per row from the start. A job that geocodes or checks images, whose hooks would then see
    rows twice, runs per row from the start when it has such a type.
    """
    if job.output.pretty:
        return False
    types = [spec.record_type for spec in job.records]
    if len(types) == len(set(types)):
        return True
    return job.geocode is None and getattr(job, "images", None) is None
