"""The columnar conversion engine: the default engine of ``migrate convert``.

Reads every record spec's source in batches (:func:`migrate.extract.batches.source_batches`),
evaluates the spec's plan (:mod:`migrate.convert.plan`) on each batch, sends the rows the plan
flags through the per-row mapper and checks (:mod:`migrate.convert.mapping`,
:mod:`migrate.rules.engine`: the reference, which the flagged rows get unchanged), and decides
the cross-row questions for both kinds together in source order (:mod:`migrate.convert.ledger`).
Memory holds one batch and the key columns of the rows seen; accepted rows' edn text is
spilled to a temporary file and copied into the output in order at the end.

Three phases, as in :mod:`migrate.convert.pipeline`, whose outputs these are byte for byte:

1. **read** (:meth:`ColumnarRun.read`): batches, plans, per-row fallback, the ledger;
2. **settle** (:meth:`migrate.convert.ledger.Ledger.settle`);
3. **write** (:func:`write_outputs`): the ``.edn``, the rejects and the report.

The hooks of :class:`migrate.convert.pipeline.RunOptions` work here as in the per-row engine:
``checker`` makes the rule engine (with the target marketplace and the codes left out),
``before_settle`` checks (the image check) run after the read phase on
:class:`migrate.convert.ledger.AcceptedRows`, and ``observers`` are told about each mapped
record of their type, in source order (the columnar engine has no per-record stages).
"""

from __future__ import annotations

import gc
import io
import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from migrate.convert.ledger import (
    ACCEPTED,
    CANDIDATE,
    CHECK_REJECTED,
    CREATED_AT,
    CROSS_KEYS,
    MAP_REJECTED,
    SEQ_SPAN,
    Ledger,
    RefSpec,
    seconds_of,
    sort_by_source_id,
)
from migrate.convert.mapping import MappedRecord, Mapper, Rejection, _value_at
from migrate.convert.outputs import (
    ConvertReport,
    csv_fields,
    values_json,
    write_rejects,
)
from migrate.convert.outputs import write_report as _write_report
from migrate.convert.pipeline import (
    RunOptions,
    _offending,
    _output_files,
    run_report,
    type_rank,
)
from migrate.convert.plan import (
    CREATED,
    FALLBACK,
    KEY,
    REJECT,
    REJECT_MESSAGE,
    REJECT_VALUES,
    SID,
    UNMAPPED,
    WARNINGS,
    compile_plan,
    observed_column,
    ref_column,
)
from migrate.convert.record_source import open_record_source
from migrate.convert.vector import ImportIds
from migrate.edn.show import show
from migrate.edn.values import Keyword
from migrate.edn.writer import EdnWriteError, RowWriter, row_text
from migrate.errors import note_where
from migrate.extract.batches import RECORD, batch_rows, source_batches, source_origins
from migrate.extract.origin import Origin, SourceRow
from migrate.output_set import OutputSet

log = logging.getLogger(__name__)

#: Rows of one batch of a spec without a plan (its rows all take the per-row path).
ROW_BATCH = 50_000

#: Bytes of source values, and rows, evaluated at once: a batch is cut into slices, so that
#: a slice's working columns (its values, their edn texts) stay within bounded memory.
SLICE_BYTES = 12 << 20
SLICE_ROWS = 50_000
#: Records asked of a source at once.
BATCH_SIZE = 100_000
#: Rejects written at once (their lines are built and written a chunk at a time).
REJECT_CHUNK = 10_000


_CANDIDATE_SCHEMA = {
    "seq": pl.Int64,
    "record": pl.Int64,
    "sid": pl.String,
    "status": pl.UInt8,
    "code": pl.String,
    "message": pl.String,
    "values": pl.String,
    "offset": pl.Int64,
    "length": pl.Int64,
    "warnings": pl.String,
    "key": pl.String,
    "created": pl.Float64,
}


class MergeNeeded(Exception):
    """A row of a record table has the source id of a row an earlier record table of its type
    kept: the per-row pipeline merges the two (``merge-conflict`` when they differ), which this
    engine leaves to it. :func:`migrate.convert.pipeline.convert` then runs the job per row."""


class _Unclaimed:
    """The alias registry of the per-row mappers inside a columnar run: aliases are made as
    usual, but collisions are decided by the ledger, for every row in source order."""

    def claim(self, record_type: str, source_id: str) -> Keyword:
        from migrate.convert.ids import alias_name

        return Keyword.of(record_type, alias_name(record_type, source_id))


@dataclass
class _Spec:
    """One record spec in a run: its plan (or none), its per-row mapper, its references."""

    index: int
    spec: Any
    plan: Any
    mapper: Mapper
    refs: list[RefSpec]
    origins: dict[int, Origin] = field(default_factory=dict)
    #: Where the source's records start, noted while they were read (a CSV's
    #: ``LineIndex``), so that rejected rows' origins need no second reading.
    line_index: Any = None


class ColumnarRun:
    """One conversion by the columnar engine (see the module docstring)."""

    def __init__(self, job: Any, options: RunOptions, geocoder: Any = None) -> None:
        self.job = job
        self.options = options
        self.geocoder = geocoder
        self.now = datetime.now(UTC)
        self.checker = options.checker(self.now)
        # Rows read, and rows that took the per-row path, by spec (logged at the end of read).
        self.rows_read: Counter[int] = Counter()
        self.rows_per_row: Counter[int] = Counter()
        types = sorted({spec.record_type for spec in job.records}, key=type_rank)
        self.ledger = Ledger(
            job.ident, types, _final_types(job), options.spill_dir, job.output.aliases
        )
        self.specs: list[_Spec] = []
        for index, spec in enumerate(job.records):
            mapper = Mapper(spec, job, _Unclaimed())  # type: ignore[arg-type]
            ref_mappings = [mapping for mapping in spec.attributes if mapping.ref is not None]
            refs = [
                RefSpec(number, mapping.path, mapping.ref.target, mapping.ref.required)
                for number, mapping in enumerate(ref_mappings)
                if mapping.ref is not None
            ]
            if spec.function is not None:  # references it may return (migrate.mappers.custom)
                refs += _function_refs(spec, len(refs))
            plan = compile_plan(spec, job, self.now, self.checker.context, self.checker.marketplace)
            if plan is not None:
                plan.wants = self.checker.stamper.wants
            self.specs.append(_Spec(index, spec, plan, mapper, refs))
        self.observers = list(enumerate(options.observers))
        for item in self.specs:
            if item.plan is not None:
                item.plan.exposed = {
                    number: path
                    for number, (record_type, path, _) in self.observers
                    if record_type == item.spec.record_type
                }
        # Types made by several record tables: their rows are decided as any other's unless
        # one repeats an id an earlier table of the type kept (a merge, see MergeNeeded).
        tables = Counter(spec.record_type for spec in job.records)
        self.merging = frozenset(name for name, count in tables.items() if count > 1)
        _check_merging_refs(self.specs, self.merging)
        targets = {ref.target for item in self.specs for ref in item.refs}
        ids = ImportIds(job.ident, targets)
        for item in self.specs:
            if item.plan is not None:
                item.plan.ids = ids
                item.plan.doomed = self.ledger.doomed_ids
        self.done = 0
        self.timings: dict[str, float] = {}

    def close(self) -> None:
        """Remove the temporary files."""
        self.ledger.close()

    # phase 1 ----------------------------------------------------------------------------------

    def read(self) -> None:
        """Read, map and check every spec's rows; the ledger decides them in source order."""
        for item in self.specs:
            source = open_record_source(self.job, item.spec)
            try:
                if item.plan is None:
                    self._read_rows(item, source)
                else:
                    self._read_batches(item, source)
                item.line_index = getattr(source, "line_index", None)
            finally:
                close = getattr(source, "close", None)
                if close is not None:
                    close()
            folded = getattr(source, "merged_rows", 0)  # a distinct table's repeated rows
            if folded:
                counts = self.ledger.counts_of(item.spec.record_type)
                counts.read += folded
                counts.merged += folded
            self.ledger.specs_done = item.index
            later = [
                spec for spec in self.specs[item.index + 1 :] if spec.spec.record_type == "listing"
            ]
            if self.geocoder is not None and item.spec.record_type == "listing" and not later:
                self.geocoder.release()
            log.debug(
                "%s: %d of %d rows took the per-row path",
                item.spec.where,
                self.rows_per_row[item.index],
                self.rows_read[item.index],
            )
        self._progress("read", self.done)

    def _columns(self, item: _Spec) -> list[str]:
        columns = list(item.spec.columns)
        if self.geocoder is not None and item.spec.record_type == "listing":
            columns += [name for name in self.geocoder.address_columns if name not in columns]
        return columns

    def _read_batches(self, item: _Spec, source: Any) -> None:
        columns = self._columns(item)
        for whole in source_batches(
            source, columns, each=item.spec.each, limit=self.options.limit, size=BATCH_SIZE
        ):
            # A batch of long texts is evaluated in slices: each step holds a few columns of
            # the batch's size, so the slice's size bounds the memory a batch needs.
            pieces = max(
                1, -(-int(whole.estimated_size()) // SLICE_BYTES), -(-whole.height // SLICE_ROWS)
            )
            step = -(-whole.height // pieces) if whole.height else 1
            candidates = [
                self._evaluate(item, whole.slice(start, step))
                for start in range(0, max(whole.height, 1), step)
            ]
            del whole
            self._take(item, pl.concat(candidates))

    def _evaluate(self, item: _Spec, frame: pl.DataFrame) -> pl.DataFrame:
        """One slice of a batch: the plan, the per-row path for the rows it flags; the rows as
        the ledger takes them (their texts already spilled)."""
        try:
            evaluated = item.plan.evaluate(frame, self.geocoder)
        except Exception as error:  # a bug: name the rows, as the per-row mapper names its row
            note_where(error, self._batch_where(item, frame))
            raise
        offsets, lengths = self.ledger.spill_written(evaluated.texts, evaluated.written)
        fast = evaluated.frame.with_columns(offsets, lengths)
        fast = fast.filter(~pl.col(FALLBACK))
        slow = frame.join(
            evaluated.frame.filter(pl.col(FALLBACK)).select(RECORD), on=RECORD, how="semi"
        )
        self.rows_read[item.index] += frame.height
        self.rows_per_row[item.index] += slow.height
        rows, outcomes = self._per_row(item, batch_rows(slow), None)
        self._record_geocoding(item, outcomes, fast, evaluated.geocoded)
        self._observe(item, fast, self._observed)
        return pl.concat([self._fast(item, fast), rows])

    def _batch_where(self, item: _Spec, frame: pl.DataFrame) -> str:
        """Where the rows of a batch come from, for an error raised while evaluating them:
        ``the batch of 50,000 rows from users.csv:2, records.user``."""
        rows = f"{frame.height:,} row{'s' if frame.height != 1 else ''}"
        if not frame.height:
            return f"the batch of {rows}, {item.spec.where}"
        first: int = frame.item(0, RECORD)  # a batch's records are in source order
        try:
            origin = str(self._origin_of(item, first))
        except Exception:  # the source itself fails: its name and the record number
            origin = f"{item.spec.source} record {first + 1}"
        return f"the batch of {rows} from {origin}, {item.spec.where}"

    def _read_rows(self, item: _Spec, source: Any) -> None:
        """A spec without a plan: every row per row, each with all its source's columns (a
        ``function`` may read any), read in batches as the plan's rows are; origins are
        found when needed, as for the rows a plan sends the per-row way."""
        for batch in source_batches(
            source, None, each=item.spec.each, limit=self.options.limit, size=ROW_BATCH
        ):
            self.rows_read[item.index] += batch.height
            self.rows_per_row[item.index] += batch.height
            rows, outcomes = self._per_row(item, batch_rows(batch), None)
            del batch
            self._record_geocoding(item, outcomes, None)
            self._observe(item, None, self._observed)
            self._take(item, rows)

    def done_records(self, item: _Spec) -> int:
        """Records of ``item`` read so far."""
        return getattr(item, "_records", 0)

    def _take(self, item: _Spec, rows: pl.DataFrame) -> None:
        if item.spec.record_type in self.merging:
            self._no_merge(item, rows)
        item._records = self.done_records(item) + rows.height  # type: ignore[attr-defined]
        self.ledger.take(item.spec.record_type, item.index, item.refs, rows)
        self.done += rows.height
        self._progress("read", self.done)

    def _no_merge(self, item: _Spec, rows: pl.DataFrame) -> None:
        """Raise :class:`MergeNeeded` when a mapped row of ``rows`` has the id of a row that
        an earlier record table of its type kept (the per-row pipeline would merge it)."""
        nodes = self.ledger.types[item.spec.record_type].nodes()
        kept = nodes.filter((pl.col("state") == ACCEPTED) & (pl.col("spec") != item.index))
        if not kept.height:
            return
        mapped = rows.filter(pl.col("status") != MAP_REJECTED).select("sid")
        hit = mapped.join(kept.select("sid"), on="sid", how="semi")
        if hit.height:
            raise MergeNeeded(
                f"{item.spec.where}: source id {show(hit.item(0, 'sid'), cut=False)} was kept "
                f"from an earlier {item.spec.record_type} table"
            )

    def _progress(self, stage: str, done: int, total: int | None = None) -> None:
        """Tell the run's progress callback; one that takes a third argument is also given
        the stage's total where it is known (the rows to write)."""
        progress = self.options.progress
        if progress is None:
            return
        if total is not None and _takes_total(progress):
            progress(stage, done, total)  # type: ignore[call-arg]
        else:
            progress(stage, done)

    def _fast(self, item: _Spec, frame: pl.DataFrame) -> pl.DataFrame:
        """The plan's rows as the ledger takes them (a row the plan rejects as the per-row
        path would: no warnings, no keys, no references)."""
        kept = pl.col(REJECT).is_null()

        def of_kept(expr: pl.Expr) -> pl.Expr:
            return pl.when(kept).then(expr)

        refs = [of_kept(pl.col(ref_column(ref.index))).alias(ref.column) for ref in item.refs]
        key = pl.col(KEY) if KEY in frame.columns else pl.lit(None, dtype=pl.String)
        created = pl.col(CREATED) if CREATED in frame.columns else pl.lit(None, pl.Float64)
        status = (
            pl.when(kept)
            .then(pl.lit(CANDIDATE))
            .when(pl.col(UNMAPPED))
            .then(pl.lit(MAP_REJECTED))
            .otherwise(pl.lit(CHECK_REJECTED))
        )
        return frame.select(
            (pl.lit(item.index * SEQ_SPAN, dtype=pl.Int64) + pl.col(RECORD)).alias("seq"),
            pl.col(RECORD).cast(pl.Int64).alias("record"),
            pl.col(SID).alias("sid"),
            status.cast(pl.UInt8).alias("status"),
            pl.col(REJECT).alias("code"),
            pl.col(REJECT_MESSAGE).alias("message"),
            pl.col(REJECT_VALUES).alias("values"),
            pl.col("offset"),
            pl.col("length"),
            of_kept(pl.col(WARNINGS)).alias("warnings"),
            of_kept(key).alias("key"),
            of_kept(created).alias("created"),
            *refs,
        )

    def _observers_of(self, item: _Spec) -> list[int]:
        return [n for n, (kind, _, _) in self.observers if kind == item.spec.record_type]

    def _observe(
        self,
        item: _Spec,
        fast: pl.DataFrame | None,
        slow: dict[int, list[tuple[int, str | None, Any]]],
    ) -> None:
        """Tell each observer of ``item``'s type about every mapped record, in source order."""
        from migrate.convert.pipeline import Observed

        for number in self._observers_of(item):
            record_type, path, observe = self.observers[number][1]
            seen = list(slow.get(number, []))
            if fast is not None:  # the records mapped (not those the mapping stage rejects)
                seen += (
                    fast.filter(~pl.col(UNMAPPED))
                    .select(
                        (pl.lit(item.index * SEQ_SPAN, dtype=pl.Int64) + pl.col(RECORD)),
                        pl.col(SID),
                        pl.col(observed_column(number)),
                    )
                    .rows()
                )
            for _, sid, value in sorted(seen, key=lambda entry: entry[0]):
                attrs: dict[Keyword, Any] = {}
                if value is not None:
                    holder = attrs
                    for key in path[:-1]:
                        holder = holder.setdefault(key, {})
                    holder[path[-1]] = value
                observe(Observed(record_type, sid or "", _Attrs(attrs)))

    def _per_row(
        self, item: _Spec, rows: Iterator[tuple[int, dict[str, Any]]], origins: Any
    ) -> tuple[pl.DataFrame, dict[int, Any]]:
        """Rows through the reference path: the mapper, geocoding, the row checks, the
        writer; returns them as the ledger takes them, and their geocoding outcomes."""
        record_type = item.spec.record_type
        out: dict[str, list[Any]] = {name: [] for name in _CANDIDATE_SCHEMA}
        out["text"] = []
        for ref in item.refs:
            out[ref.column] = []
        observed: dict[int, list[tuple[int, str | None, Any]]] = {}
        outcomes: dict[int, Any] = {}
        check = self.checker.check
        base = item.index * SEQ_SPAN
        placeholder = Origin(item.spec.source, "")
        for record, values in rows:
            origin = item.origins.get(record, placeholder)
            try:
                result: Any = item.mapper.map(SourceRow(values, origin))
            except Exception:
                # An error the run stops on names its row: map it again with its origin.
                origin = self._origin_of(item, record)
                result = item.mapper.map(SourceRow(values, origin))
            noted: tuple[str, ...] = ()
            if (
                self.geocoder is not None
                and record_type == "listing"
                and isinstance(result, MappedRecord)
            ):
                outcome, kept = self.geocoder.apply_row(result.row, values)
                kept.label = result.row.label
                outcomes[record] = kept
                if outcome.code is not None:
                    if outcome.rejected:
                        result = Rejection(
                            result.record_type, result.source_id, result.origin, outcome.code,
                            outcome.message or "", {"address": outcome.address},
                        )  # fmt: skip
                    else:
                        noted = (outcome.code,)
            status, code, message, values_text = CANDIDATE, None, None, None
            text = warnings = key = created = None
            targets: dict[int, str] = {}
            if isinstance(result, Rejection):
                status, code, message = MAP_REJECTED, result.code, result.message
                values_text = values_json(result.values)
                sid = result.source_id
            else:
                sid = result.source_id
                findings = check(result.row)
                errors = [finding for finding in findings if finding.is_error]
                if errors:
                    status, code, message = CHECK_REJECTED, errors[0].code, errors[0].message
                    values_text = values_json(_offending(result.row, errors[0].attribute))
                else:
                    try:
                        text = row_text(result.row, pretty=self.options.pretty)
                    except EdnWriteError as error:
                        status, code = CHECK_REJECTED, "transform-failed"
                        message, values_text = f"cannot be written as edn: {error}", "{}"
                    codes = [finding.code for finding in findings if not finding.is_error]
                    codes.extend(noted)
                    warnings = ",".join(codes) if codes else None
                    key = _cross_key(record_type, result.row.attrs)
                    created = _created(record_type, result.row.attrs)
                    paths = {ref.path: ref.index for ref in item.refs}
                    for reference in result.refs:
                        index = paths.get(tuple(reference.path))
                        if index is not None:
                            targets[index] = reference.target_source_id
            for name, value in (
                ("seq", base + record), ("record", record), ("sid", sid), ("status", status),
                ("code", code), ("message", message), ("values", values_text), ("text", text),
                ("warnings", warnings), ("key", key), ("created", created),
            ):  # fmt: skip
                out[name].append(value)
            for ref in item.refs:
                out[ref.column].append(targets.get(ref.index))
            if status != MAP_REJECTED:  # a mapped record, as stages see them
                for number in self._observers_of(item):
                    path = self.observers[number][1][1]
                    value = _value_at(result.row.attrs, path)
                    observed.setdefault(number, []).append((base + record, sid, value))
        texts = pl.Series("text", out.pop("text"), dtype=pl.String)
        out["offset"], out["length"] = (
            column.to_list() for column in self.ledger.spill_texts(texts)
        )
        schema = dict(_CANDIDATE_SCHEMA) | {ref.column: pl.String for ref in item.refs}
        self._observed = observed
        return pl.DataFrame(out, schema=schema), outcomes

    def _origin_of(self, item: _Spec, record: int) -> Origin:
        """The origin of one record of ``item``'s source (read for it alone)."""
        known = item.origins.get(record)
        if known is not None:
            return known
        source = open_record_source(self.job, item.spec)
        try:
            return source_origins(source, [record], each=item.spec.each)[record]
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    def _record_geocoding(
        self,
        item: _Spec,
        outcomes: dict[int, Any],
        fast: pl.DataFrame | None,
        geocoded: Any = None,
    ) -> None:
        """Count each listing's geocoding in the report: the plan's rows by column, the
        per-row path's one by one; failures, which the report lists, in source order."""
        if self.geocoder is None:
            return
        from migrate.geocode.columns import listing_label

        def label_of(sid: str) -> str:
            return listing_label("listing", sid, self.job.ident, self.job.output.aliases)

        failures: list[tuple[int, str, Any]] = []
        if geocoded is not None and fast is not None and geocoded.frame is not None:
            mapped = fast.filter(~pl.col(UNMAPPED))  # geocoded per row only once mapped
            frame = geocoded.frame.join(
                mapped.select(pl.col(RECORD), pl.col(SID).alias("sid")), on=RECORD, how="inner"
            ).rename({RECORD: "record"})
            failures += self.geocoder.record_columns(frame, geocoded.results, label_of)
        for record, outcome in outcomes.items():
            if outcome.status == "failed":
                failures.append((record, outcome.label, outcome))
            else:
                self.geocoder.record(outcome.label, outcome)
        for _, label, outcome in sorted(failures, key=lambda failure: failure[0]):
            self.geocoder.record(label, outcome)

    # phase 3 ----------------------------------------------------------------------------------

    def origins(self, rejects: pl.DataFrame) -> pl.DataFrame:
        """The origin (``source``, ``origin``) of every record in ``rejects`` (``spec``,
        ``record``), computed only for those."""
        parts = []
        for (spec,), wanted in (
            rejects.select("spec", "record").unique().partition_by("spec", as_dict=True).items()
        ):
            item = self.specs[spec]
            index = item.line_index
            if index is not None:
                lines = index.lines(wanted.get_column("record"))
                if lines is not None:  # every record's line known: made as columns
                    parts.append(
                        wanted.select(
                            pl.col("spec").cast(pl.Int64),
                            pl.col("record").cast(pl.Int64),
                            pl.lit(index.source, dtype=pl.String).alias("source"),
                            pl.concat_str(
                                [pl.lit(f"{index.display}:"), pl.lit(lines).cast(pl.String)]
                            ).alias("origin"),
                        )
                    )
                    continue
            records = wanted.get_column("record").sort().to_list()
            known = {record: item.origins[record] for record in records if record in item.origins}
            missing = [record for record in records if record not in known]
            if missing:  # not read through Polars to the end: read again up to the last
                source = open_record_source(self.job, item.spec)
                try:
                    known.update(source_origins(source, missing, each=item.spec.each))
                finally:
                    close = getattr(source, "close", None)
                    if close is not None:
                        close()
            found = [known[record] for record in records]
            parts.append(
                pl.DataFrame(
                    {
                        "spec": pl.Series([spec] * len(records), dtype=pl.Int64),
                        "record": pl.Series(records, dtype=pl.Int64),
                        "source": [origin.source for origin in found],
                        "origin": [str(origin) for origin in found],
                    },
                    schema={
                        "spec": pl.Int64,
                        "record": pl.Int64,
                        "source": pl.String,
                        "origin": pl.String,
                    },
                )  # fmt: skip
            )
            del known, found
        if not parts:
            return pl.DataFrame(
                schema={
                    "spec": pl.Int64,
                    "record": pl.Int64,
                    "source": pl.String,
                    "origin": pl.String,
                }
            )
        return pl.concat(parts)

    def reject_lines(self) -> Iterator[str]:
        """The rejects file's lines, in the per-row pipeline's order (type, source id, phase,
        the order made), as texts of :data:`REJECT_CHUNK` lines each (so neither the lines
        nor their text is held whole).

        Each line is its source and origin (found now, for the rejected rows only) followed
        by the rest of the line, written when the reject was made (``RejectBook``).
        """
        book = self.ledger.rejects
        rejects = book.frame()
        book.chunks = []
        if not rejects.height:
            return
        types = rejects.get_column("record_type").unique().to_list()
        ranks = {name: rank for rank, name in enumerate(sorted(types, key=type_rank))}
        order = sort_by_source_id(
            rejects.select(
                "spec",
                "record",
                "phase",
                "order",
                "offset",
                "length",
                pl.col("record_type").replace_strict(ranks, return_dtype=pl.Int64).alias("_rank"),
                pl.col("source_id").fill_null("").alias("sid"),
            ),
            first=[pl.col("_rank")],
            then=[pl.col("phase"), pl.col("order")],
        ).select("spec", "record", "offset", "length")
        del rejects
        origins = self.origins(order)
        order = order.join(
            origins, on=["spec", "record"], how="left", maintain_order="left"
        ).select(
            pl.concat_str([csv_fields([pl.col("source"), pl.col("origin")]), pl.lit(",")]).alias(
                "head"
            ),
            "offset",
            "length",
        )
        del origins
        for start in range(0, order.height, REJECT_CHUNK):
            part = order.slice(start, REJECT_CHUNK)
            heads = part.get_column("head").to_list()
            tails = book.tails(
                part.get_column("offset").to_list(), part.get_column("length").to_list()
            )
            yield "".join(head + tail for head, tail in zip(heads, tails, strict=True))

    def edn_chunks(self) -> Iterator[bytes]:
        """The ``.edn`` file's bytes: the header, every kept row in order, the end."""
        buffer = io.StringIO()
        writer = RowWriter(buffer, self.job.ident, pretty=self.options.pretty)
        header = buffer.getvalue()
        writer.close()
        footer = buffer.getvalue()[len(header) :]
        yield header.encode()
        types = sorted(self.ledger.types, key=type_rank)
        total = sum(self.ledger.kept_count(record_type) for record_type in types)
        self._progress("write", 0, total)
        written = 0
        for record_type in types:
            yield from self.ledger.texts(record_type)
            written += self.ledger.counts_of(record_type).written
            self._progress("write", written, total)
        yield footer.encode()


@dataclass(frozen=True)
class _Attrs:
    """The one attribute an observer asked for, as ``record.row.attrs``."""

    attrs: dict[Keyword, Any]


def _takes_total(progress: Any) -> bool:
    """Whether ``progress`` can be called as ``progress(stage, done, total)``."""
    import inspect

    try:
        inspect.signature(progress).bind("write", 0, 0)
    except (TypeError, ValueError):
        return False
    return True


def _cross_key(record_type: str, attrs: dict[Keyword, Any]) -> str | None:
    """The ``key`` column of a row mapped per row (see ``ledger.CROSS_KEYS``)."""
    path = CROSS_KEYS.get(record_type)
    value = _value_at(attrs, path) if path is not None else None
    return value if type(value) is str else None


def _created(record_type: str, attrs: dict[Keyword, Any]) -> float | None:
    """The ``created`` column of a row mapped per row (see ``ledger.CREATED_AT``)."""
    path = CREATED_AT.get(record_type)
    return seconds_of(_value_at(attrs, path)) if path is not None else None


def _function_refs(spec: Any, first: int) -> list[RefSpec]:
    """The references a spec's ``function`` may return besides the mapped ones: one per
    reference attribute of the row type that the mapping leaves out, numbered from ``first``."""
    from migrate import schemas

    row_type = schemas.load().row_type(spec.record_type)
    mapped = {mapping.path for mapping in spec.attributes if mapping.ref is not None}
    paths: list[tuple[tuple[Keyword, ...], str]] = []
    for attribute in row_type.attributes:
        if attribute.kind == "ref" and attribute.targets:
            paths.append(((attribute.key,), attribute.targets[0]))
        for child in attribute.attributes:
            if child.kind == "ref" and child.targets:
                paths.append(((attribute.key, child.key), child.targets[0]))
    found = [(path, target) for path, target in paths if path not in mapped]
    return [
        RefSpec(first + number, path, target, True) for number, (path, target) in enumerate(found)
    ]


def _check_merging_refs(specs: list[_Spec], merging: frozenset[str]) -> None:
    """The ledger keys a reference by its type and number: the record tables of a type made
    by several must number their references alike, or the job runs per row."""
    seen: dict[tuple[str, int], tuple[Any, ...]] = {}
    for item in specs:
        if item.spec.record_type not in merging:
            continue
        for ref in item.refs:
            meta = (ref.path, ref.target, ref.required)
            if seen.setdefault((item.spec.record_type, ref.index), meta) != meta:
                raise MergeNeeded(
                    f"{item.spec.where}: its references are numbered unlike those of another "
                    f"{item.spec.record_type} table"
                )


def _final_types(job: Any) -> dict[str, int]:
    """Types whose kept rows stay kept once read: no spec gives them a required reference and
    the settle step never rejects them; each with the index of its last spec."""
    last: dict[str, int] = {}
    unstable = {"stripeAccount"}
    for index, spec in enumerate(job.records):
        last[spec.record_type] = index
        if any(m.ref is not None and m.ref.required for m in spec.attributes):
            unstable.add(spec.record_type)
        if spec.function is not None:
            unstable.add(spec.record_type)
    return {name: index for name, index in last.items() if name not in unstable}


def write_outputs(
    run: ColumnarRun, outputs: OutputSet, started: float, read_done: float, settle_done: float
) -> ConvertReport:
    """The write phase: the ``.edn`` (unless a dry run), the rejects and the report, each to
    its temporary in the output set; :func:`run_columnar` commits the set."""
    options = run.options
    if not options.dry_run:
        with outputs.open(options.paths.edn, "wb") as stream:
            # Rows come as many small texts: written a megabyte at a time.
            pending: list[bytes] = []
            size = 0
            for chunk in run.edn_chunks():
                pending.append(chunk)
                size += len(chunk)
                if size >= 1 << 20:
                    stream.write(b"".join(pending))
                    pending, size = [], 0
            stream.write(b"".join(pending))
    else:
        for _ in run.edn_chunks():
            pass
    with outputs.writing(options.paths.rejects) as rejects_path:
        write_rejects(rejects_path, run.reject_lines())
    finished = time.perf_counter()
    timings = {
        "read": read_done - started,
        "settle": settle_done - read_done,
        "write": finished - settle_done,
        "total": finished - started,
    }
    report = run_report(options, run.ledger.counts, timings)
    with outputs.writing(options.paths.report) as report_path:
        _write_report(report, report_path)
    return report


def run_columnar(job: Any, options: RunOptions, geocoder: Any = None) -> ConvertReport:
    """Convert ``job`` with the columnar engine; the outputs equal :func:`pipeline.run_records`'s
    (and land as a set, :mod:`migrate.output_set`, as theirs do).

    ``geocoder`` is a :class:`migrate.geocode.columns.GeocodeColumns` when the job geocodes.
    """
    started = time.perf_counter()
    outputs = OutputSet(_output_files(options), name=options.paths.edn.name.removesuffix(".edn"))
    run = ColumnarRun(job, options, geocoder)
    # The run makes many short-lived Python objects (lists of a batch's values) and keeps few:
    # collecting less often saves the scans of long-lived ones (the gazetteer's index).
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])
    try:
        outputs.prepare()
        run.read()
        read_done = time.perf_counter()
        for check in options.before_settle:
            check(run.ledger.accepted_rows())  # type: ignore[arg-type]
        run.ledger.settle()
        settle_done = time.perf_counter()
        report = write_outputs(run, outputs, started, read_done, settle_done)
        outputs.commit()
        return report
    finally:
        gc.set_threshold(*thresholds)
        try:
            if not outputs.committed:
                outputs.discard()
            outputs.release()
        finally:
            run.close()


__all__ = ["ColumnarRun", "MergeNeeded", "run_columnar", "write_outputs"]
