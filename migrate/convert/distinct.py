"""``distinct = true``: the rows of a record table that repeat one source id are one entity.

A listings export repeats the host's id, name and "since" date on every listing of the host;
``[records.user]`` over it with ``distinct = true`` makes one user per host id. The record
source of such a table (:func:`migrate.convert.record_source.open_record_source`) is a
:class:`DistinctSource`: it reads the table's columns once (only the columns the record table
reads, Polars frames), groups the rows by source id and gives one row per entity, in the order
of each entity's first row, whose origin is the entity's origin. Both engines read that one
row, so they write the same bytes.

Each value of the entity (an attribute, a reference, a field of extended data) comes from one
of its rows, chosen by the value's merge policy (``merge`` on the value spec, else the table's
``merge``, else ``conflict``):

- ``first`` / ``last``: the entity's first / last row in source order;
- ``non-empty``: the first row whose columns for the value hold something;
- ``min`` / ``max``: the row whose *mapped* value (transformed and coerced, as it would be
  written: a date, a number) is the least / greatest; rows without a value are left out;
- ``conflict``: the first row with a value, provided every row with a value maps to the same
  one; otherwise the entity is one ``merge-conflict`` reject naming the attribute, the two
  values (edn) and both source lines.

A mapped value is computed once per distinct combination of the value's source columns, and
only for entities whose rows differ there. A value whose transform fails on one of the rows
is taken from that row, so the entity is rejected with the transform's message instead of
the value being dropped in silence. Columns no value reads (and the id columns) come from the
entity's first row. Rows without a source id are given one by one (the mapper rejects them).

The source counts the rows it folds (:attr:`DistinctSource.merged_rows`): the engines add them
to the type's ``read`` and ``merged`` counts, so ``read = written + rejected + merged``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import polars as pl

from migrate.convert.job import MergeSlot, RecordSpec, ValueSpec, merge_slots
from migrate.convert.record_source import PROBLEM_CODE, PROBLEM_MESSAGE, PROBLEM_VALUES
from migrate.convert.shared_reads import table_batches
from migrate.convert.vector import py_blank
from migrate.edn.show import show
from migrate.extract.batches import RECORD, batch_rows, source_origins
from migrate.extract.origin import SourceRow

#: Rows asked of the underlying source at once while the table is read.
READ_SIZE = 200_000

_POS, _KEY, _FIRST, _LAST, _COUNT = "__d_pos", "__d_key", "__d_first", "__d_last", "__d_count"
_MERGED = "__d_merged"


class DistinctSource:
    """The record source of a ``distinct`` table: one row per source id (module docstring).

    It has the adapter interface (``columns``, ``rows``, ``batches``, ``origins``, ``close``);
    a row's record number is that of the entity's first row in ``inner``, so ``origins`` are
    ``inner``'s. Nothing is read until ``rows()`` or ``batches()``.
    """

    def __init__(self, inner: Any, job: Any, spec: RecordSpec) -> None:
        self.inner = inner
        self.job = job
        self.record = spec
        self.spec = inner.spec if hasattr(inner, "spec") else None  # the source's own spec
        #: Source rows folded into the rows given so far (an entity of 3 rows adds 2).
        self.merged_rows = 0
        self._evaluator: _Evaluator | None = None

    @property
    def line_index(self) -> Any:
        """The underlying source's record lines once read through (or ``None``): an entity's
        record number is its first row's, so its origin is found there."""
        return getattr(self.inner, "line_index", None)

    def columns(self) -> list[str]:
        """The underlying source's columns."""
        return list(self.inner.columns())

    def origins(self, records: Any, *, each: str | None = None) -> dict:
        """The origins of entity rows (of their first rows) by record number."""
        return source_origins(self.inner, records, each=each)

    def close(self) -> None:
        """Close the underlying source."""
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()

    def rows(self, limit: int | None = None) -> Iterator[SourceRow]:
        """One ``SourceRow`` per entity, in the order of their first rows."""
        held = list(self.record.columns)
        if self.record.function is not None or self._geocoded():
            # a function (or the geocoder) may read any column: give the rows whole
            held += [name for name in self.inner.columns() if name not in held]
        frame = self.entities(held)
        if limit is not None:
            frame = frame.head(limit)
        merged = frame.get_column(_MERGED).to_list()
        origins = source_origins(self.inner, frame.get_column(RECORD).to_list())
        for (record, values), extra in zip(batch_rows(frame.drop(_MERGED)), merged, strict=True):
            if values.get(PROBLEM_CODE, 0) is None:
                del values[PROBLEM_CODE]
                values.pop(PROBLEM_MESSAGE, None)
                values.pop(PROBLEM_VALUES, None)
            self.merged_rows += extra
            yield SourceRow(values, origins[record])

    def batches(
        self,
        columns: Sequence[str] | None,
        *,
        each: str | None = None,
        limit: int | None = None,
        size: int,
    ) -> Iterator[pl.DataFrame]:
        """The entity rows in frames of at most ``size`` (the batch contract)."""
        held = list(columns) if columns is not None else list(self.inner.columns())
        held += [name for name in self.record.columns if name not in held]
        frame = self.entities(held)
        if limit is not None:
            frame = frame.head(limit)
        for start in range(0, max(frame.height, 1), size):
            piece = frame.slice(start, size)
            self.merged_rows += int(piece.get_column(_MERGED).sum() or 0)
            yield piece.drop(_MERGED)

    def _geocoded(self) -> bool:
        return (
            self.record.record_type == "listing" and getattr(self.job, "geocode", None) is not None
        )

    # grouping -----------------------------------------------------------------------------

    def entities(self, held: Sequence[str]) -> pl.DataFrame:
        """The table's rows folded by source id: ``held`` columns, :data:`RECORD`, the problem
        columns when some entity has one, and how many rows each entity folded."""
        # held whole: the read may be shared with the run's other readers of the file
        table = _concat(list(table_batches(self.inner, list(held), size=READ_SIZE)))
        table = table.with_columns(pl.int_range(table.height, dtype=pl.Int64).alias(_POS))
        table = table.with_columns(_keys(table, self.record.id).alias(_KEY))
        keyed = table.filter(pl.col(_KEY).is_not_null())
        groups = keyed.group_by(_KEY, maintain_order=True).agg(
            pl.col(_POS).first().alias(_FIRST),
            pl.col(_POS).last().alias(_LAST),
            pl.len().alias(_COUNT),
        )
        loose = table.filter(pl.col(_KEY).is_null()).select(
            pl.col(_KEY),
            pl.col(_POS).alias(_FIRST),
            pl.col(_POS).alias(_LAST),
            pl.lit(1, dtype=pl.UInt32).alias(_COUNT),
        )
        entities = pl.concat([groups, loose]).sort(_FIRST)
        repeated = keyed.join(groups.filter(pl.col(_COUNT) > 1).select(_KEY), on=_KEY, how="semi")
        slots = merge_slots(self.record.attributes, self.record.extended, self.record.merge)
        chosen: dict[int, pl.Series] = {}  # slot number -> chosen position per entity
        conflicts: list[tuple[str, str, Any, int, Any, int]] = []
        for number, slot in enumerate(slots):
            if slot.policy == "first" or not slot.columns:
                continue
            if slot.policy == "last":
                chosen[number] = entities.get_column(_LAST)
                continue
            picks = self._choose(table, repeated, slot, number, conflicts)
            if picks:
                chosen[number] = _picked(entities, picks)
        return self._assemble(table, entities, held, slots, chosen, conflicts)

    def _choose(
        self,
        table: pl.DataFrame,
        repeated: pl.DataFrame,
        slot: MergeSlot,
        number: int,
        conflicts: list[tuple[str, str, Any, int, Any, int]],
    ) -> dict[str, int]:
        """The row each repeated entity takes ``slot`` from, where it is not its first row;
        notes the entities whose rows disagree (``conflict``)."""
        if repeated.height == 0:
            return {}
        present = _presence(table, self._value_specs(slot))
        rows = repeated.select(_KEY, _POS).join(
            table.select(_POS, present.alias("present")), on=_POS, how="left"
        )
        rows = rows.filter(pl.col("present"))
        # The first row with a value: what non-empty takes, and what the others take where
        # the rows with a value all agree.
        firsts = rows.group_by(_KEY, maintain_order=True).agg(pl.col(_POS).first())
        picks: dict[str, int] = dict(firsts.iter_rows())
        if slot.policy == "non-empty":
            return picks
        # conflict, min, max: only entities whose rows differ in the value's columns
        columns = list(slot.columns)
        values = table.select(_POS, *columns)
        rows = rows.join(values, on=_POS, how="left")
        differing = _differing(rows, columns)
        rows = rows.join(differing, on=_KEY, how="semi")
        evaluate = self._evaluate_slot(number)
        cache: dict[Any, tuple[bool, Any]] = {}
        best: dict[str, tuple[Any, int]] = {}
        failed: set[str] = set()
        for key, position, *raw in rows.select(_KEY, _POS, *columns).iter_rows():
            if key in failed:
                continue
            signature = tuple(_hashable(value) for value in raw)
            outcome = cache.get(signature)
            if outcome is None:
                outcome = cache[signature] = evaluate(dict(zip(columns, raw, strict=True)))
            ok, value = outcome
            if not ok:  # the transform fails on this row: the mapper rejects the entity
                failed.add(key)
                picks[key] = position
                best.pop(key, None)
                continue
            if value is None:
                continue
            held = best.get(key)
            if held is None:
                best[key] = (value, position)
                continue
            if slot.policy == "conflict":
                if value != held[0]:
                    failed.add(key)
                    conflicts.append((key, slot.where, held[0], held[1], value, position))
                continue
            try:
                better = value < held[0] if slot.policy == "min" else value > held[0]
            except TypeError:
                failed.add(key)
                conflicts.append((key, slot.where, held[0], held[1], value, position))
                continue
            if better:
                best[key] = (value, position)
        for key, (_, position) in best.items():
            picks[key] = position
        return picks

    def _value_specs(self, slot: MergeSlot) -> list[ValueSpec | tuple[str, str]]:
        """What makes ``slot``'s value: value specs, or a location's two columns."""
        if isinstance(slot.index, tuple):
            table, position = slot.index
            return list(self.record.extended[table].fields[position].values)
        mapping = self.record.attributes[slot.index]
        if mapping.ref is not None:
            return [mapping.ref.source]
        if mapping.location is not None:
            return [(mapping.location.lat, mapping.location.lng)]
        return list(mapping.values)

    def _evaluate_slot(self, number: int) -> Any:
        if self._evaluator is None:
            self._evaluator = _Evaluator(self.job, self.record)
        return self._evaluator.of(number)

    def _assemble(
        self,
        table: pl.DataFrame,
        entities: pl.DataFrame,
        held: Sequence[str],
        slots: list[MergeSlot],
        chosen: dict[int, pl.Series],
        conflicts: list[tuple[str, str, Any, int, Any, int]],
    ) -> pl.DataFrame:
        first = entities.get_column(_FIRST)
        owner: dict[str, int] = {}
        id_columns = set(self.record.id.columns)
        for number, slot in enumerate(slots):
            for column in slot.columns:
                if column not in id_columns:
                    owner.setdefault(column, number)
        out: dict[str, pl.Series] = {}
        for column in held:
            positions = chosen.get(owner.get(column, -1), first)
            out[column] = table.get_column(column).gather(positions)
        out[RECORD] = table.get_column(RECORD).gather(first)
        problems = self._problems(table, entities, conflicts)
        if problems is not None:
            out[PROBLEM_CODE], out[PROBLEM_MESSAGE], out[PROBLEM_VALUES] = problems
        out[_MERGED] = (entities.get_column(_COUNT).cast(pl.Int64) - 1).alias(_MERGED)
        return pl.DataFrame(out)

    def _problems(
        self,
        table: pl.DataFrame,
        entities: pl.DataFrame,
        conflicts: list[tuple[str, str, Any, int, Any, int]],
    ) -> tuple[pl.Series, pl.Series, pl.Series] | None:
        """Each entity's problem: the first of its rows' own (a lookup's), else its first
        conflict (in job order): code, message and the reject's values (JSON text: a
        conflict's two values in edn syntax); ``None`` when no entity has one."""
        codes: dict[Any, str] = {}
        messages: dict[Any, str] = {}
        shown: dict[Any, str | None] = {}
        if PROBLEM_CODE in table.columns:
            marked = table.filter(pl.col(PROBLEM_CODE).is_not_null())
            if PROBLEM_VALUES not in marked.columns:
                marked = marked.with_columns(pl.lit(None, dtype=pl.String).alias(PROBLEM_VALUES))
            for key, position, code, message, values in marked.select(
                _KEY, _POS, PROBLEM_CODE, PROBLEM_MESSAGE, PROBLEM_VALUES
            ).iter_rows():
                name = key if key is not None else ("row", position)
                if name not in codes:
                    codes[name], messages[name], shown[name] = code, message, values
        if conflicts:
            records = table.get_column(RECORD)
            wanted = sorted({int(records[pos]) for c in conflicts for pos in (c[3], c[5])})
            origins = source_origins(self.inner, wanted)
            for key, where, one, one_at, other, other_at in conflicts:
                if key in codes:
                    continue
                codes[key] = "merge-conflict"
                shown[key] = json.dumps({where: [show(one), show(other)]}, ensure_ascii=False)
                messages[key] = (
                    f"{where}: rows of source id {show(key, cut=False)} disagree: "
                    f"{show(one)} at {origins[int(records[one_at])]} but {show(other)} at "
                    f'{origins[int(records[other_at])]} (merge = "{_policy(self.record, where)}"; '
                    'choose one with merge = "first", "last", "non-empty", "min" or "max")'
                )
        if not codes:
            return None
        names = [
            key if key is not None else ("row", position)
            for key, position in entities.select(_KEY, _FIRST).iter_rows()
        ]
        return (
            pl.Series(PROBLEM_CODE, [codes.get(name) for name in names], dtype=pl.String),
            pl.Series(PROBLEM_MESSAGE, [messages.get(name) for name in names], dtype=pl.String),
            pl.Series(PROBLEM_VALUES, [shown.get(name) for name in names], dtype=pl.String),
        )


def _policy(spec: RecordSpec, where: str) -> str:
    for slot in merge_slots(spec.attributes, spec.extended, spec.merge):
        if slot.where == where:
            return slot.policy
    return spec.merge


class _Evaluator:
    """Mapped values of one slot from a dict of its columns, through the per-row mapper's
    compiled attributes: ``(True, value)`` (``None`` when empty) or ``(False, None)`` when a
    transform fails. References give the target's source id, coordinates their pair."""

    def __init__(self, job: Any, spec: RecordSpec) -> None:
        from migrate.convert.ids import AliasRegistry
        from migrate.convert.mapping import Mapper

        self.mapper = Mapper(spec, job, AliasRegistry())
        self.record = spec

    def of(self, number: int) -> Any:
        from migrate.convert.mapping import _Reject

        attributes = len(self.record.attributes)
        if number < attributes:
            mapping = self.record.attributes[number]
            apply = self.mapper._attributes[number]
            path = mapping.path

            def attribute(values: Mapping[str, Any]) -> tuple[bool, Any]:
                attrs: dict[Any, Any] = {}
                refs: list[Any] = []
                try:
                    apply(values, attrs, refs)
                except _Reject:
                    return False, None
                if refs:
                    return True, refs[0].target_source_id
                found: Any = attrs
                for key in path:
                    if not isinstance(found, dict) or key not in found:
                        return True, None
                    found = found[key]
                if mapping.location is not None and found is not None:
                    return True, (found.lat, found.lng)
                return True, found

            return attribute
        number -= attributes
        for _, fields in self.mapper._extended:
            if number < len(fields):
                item, produces = fields[number]
                return _extended_value(produces, item.values)
            number -= len(fields)
        raise IndexError(number)


def _extended_value(produces: list[Any], specs: tuple[ValueSpec, ...]) -> Any:
    """The evaluator of one extended-data field (see :class:`_Evaluator`)."""
    from migrate.convert.mapping import _first, _Reject

    def extended(values: Mapping[str, Any]) -> tuple[bool, Any]:
        try:
            return True, _first(produces, specs, values)
        except _Reject:
            return False, None

    return extended


def _keys(table: pl.DataFrame, spec: ValueSpec) -> pl.Series:
    """Each row's source id as the mapper reads it (stripped text, an integer's digits), or
    null where the row has none (the mapper then rejects the row on its own)."""
    if spec.column is not None and spec.column in table.columns:
        column = table.get_column(spec.column)
        if column.dtype == pl.Int64:
            return column.cast(pl.String)
        if column.dtype == pl.String:
            texts = column.unique().drop_nulls().to_list()
            table_of = pl.DataFrame(
                {"raw": texts, "key": [_key_text(text) for text in texts]},
                schema={"raw": pl.String, "key": pl.String},
            )
            return (
                column.to_frame("raw")
                .join(table_of, on="raw", how="left", maintain_order="left")
                .get_column("key")
            )
    from migrate.convert.mapping import _reader

    read = _reader(spec)
    names = list(spec.columns)
    keys = [
        _key_text(read(row))
        for row in (
            table.select(names).iter_rows(named=True)
            if names
            else ({} for _ in range(table.height))
        )
    ]
    return pl.Series(_KEY, keys, dtype=pl.String)


def _key_text(raw: Any) -> str | None:
    """:meth:`Mapper._source_id` without its rejects: ``None`` where it would reject."""
    from migrate.convert.mapping import _empty, id_text

    if raw is None or _empty(raw):
        return None
    if raw.__class__ is str:
        return str(raw).strip()
    return id_text(raw)


def _presence(table: pl.DataFrame, specs: Sequence[ValueSpec | tuple[str, str]]) -> pl.Expr:
    """True where some value spec of a slot reads a value (the mapper's sense of empty)."""
    conditions = []
    for spec in specs:
        if isinstance(spec, tuple):  # a location: either coordinate
            conditions.append(_present(table, spec[0]) | _present(table, spec[1]))
        elif spec.column is not None:
            conditions.append(_present(table, spec.column))
        elif spec.template is not None:
            parts = [_present(table, name) for name in spec.columns]
            conditions.append(pl.all_horizontal(parts) if parts else pl.lit(True))
        else:
            conditions.append(pl.lit(spec.const is not None))
    return pl.any_horizontal(conditions) if conditions else pl.lit(False)


def _present(table: pl.DataFrame, column: str) -> pl.Expr:
    dtype = table.schema[column]
    if dtype == pl.String:
        return ~py_blank(pl.col(column))
    if dtype == pl.Object:
        from migrate.convert.mapping import _empty

        flags = [not _empty(value) for value in table.get_column(column).to_list()]
        return pl.lit(pl.Series(flags, dtype=pl.Boolean))
    return pl.col(column).is_not_null()


def _differing(rows: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The keys of entities whose present rows differ in ``columns``."""
    if any(rows.schema[name] == pl.Object for name in columns):
        counts = rows.group_by(_KEY).agg(pl.len().alias("n"))
        return counts.filter(pl.col("n") > 1).select(_KEY)
    return (
        rows.group_by(_KEY)
        .agg(pl.struct(columns).n_unique().alias("n"))
        .filter(pl.col("n") > 1)
        .select(_KEY)
    )


def _picked(entities: pl.DataFrame, picks: dict[str, int]) -> pl.Series:
    """The chosen positions per entity: ``picks`` where given, else the entity's first row."""
    frame = pl.DataFrame(
        {_KEY: list(picks), "pick": list(picks.values())},
        schema={_KEY: pl.String, "pick": pl.Int64},
    )
    joined = entities.select(_KEY, _FIRST).join(frame, on=_KEY, how="left", maintain_order="left")
    return joined.select(pl.coalesce("pick", _FIRST)).to_series()


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return ("\x00unhashable", show(value))
    return (type(value).__name__, value)


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The batches of one table as one frame, each column of one type: a column null in some
    batches takes the type of the others; one of several types holds Python values."""
    if len(frames) == 1:
        return frames[0]
    fixed = []
    types: dict[str, set[Any]] = {}
    for frame in frames:
        for name, dtype in frame.schema.items():
            if frame.get_column(name).null_count() < frame.height:
                types.setdefault(name, set()).add(dtype)
    for frame in frames:
        changes = []
        for name, dtype in frame.schema.items():
            kinds = types.get(name, {dtype})
            target = next(iter(kinds)) if len(kinds) == 1 else pl.Object
            if dtype == target:
                continue
            series = frame.get_column(name)
            if target == pl.Object:
                changes.append(pl.Series(name, series.to_list(), dtype=pl.Object))
            else:
                changes.append(pl.Series(name, [None] * frame.height, dtype=target))
        fixed.append(frame.with_columns(changes) if changes else frame)
    return pl.concat(fixed, how="vertical")


__all__ = ["DistinctSource"]
