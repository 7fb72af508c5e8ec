"""The plan compiler: one ``[records.TYPE]`` of a job as Polars columns, batch by batch.

:func:`compile_plan` turns a record spec into a :class:`RecordPlan`. ``plan.evaluate(frame)``
takes one batch of source rows (:func:`migrate.extract.batches.source_batches`) and gives,
for every row, what the per-row path would give -- or a flag that sends the row there:

1. the source id (column, template or constant, stripped as Python strips);
2. each mapped attribute: its value specs tried in order, each read, given to its transforms'
   vectorised forms (:mod:`migrate.convert.transforms`), mapped, and coerced to the schema's
   kind (:mod:`migrate.convert.kinds`); references, locations and extended data likewise;
3. the row type's finishing touches in their vectorised form (``mappers/<type>.py``);
4. required attributes, the references that remain, geocoding of listings;
5. the rule engine's verdict (:mod:`migrate.rules`: each value rule and row rule declares a
   vectorised form next to its per-row form; a rule without one runs in Python once per
   distinct value) -- any possible error, and any warning that is not decided exactly,
   flags the row;
6. the row's edn text, built from escaped parts with ``concat_str``, for the rows that can
   be written only: not those flagged, rejected by the checks, or *doomed* (a required
   reference names a row the run already knows will not be written, see
   :meth:`migrate.convert.ledger.Ledger.doomed_ids`). A fifth of a large run's rows are
   rejected, most of them by the cascade; their texts were built, spilled and dropped.

A spec the compiler cannot express at all (a ``function`` hook, which may change anything)
gets no plan: its rows all take the per-row path, inside the same columnar run. The plan
works on one frame whose columns are named as the job names them; a later step that brings
columns in from elsewhere (a lookup join into another source) only has to add them to the
frame before :meth:`RecordPlan.evaluate` runs.
"""

from __future__ import annotations

import importlib
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from migrate import schemas
from migrate.convert.batch import FAILED, Batch, Val, as_text, kind_of_dtype, none
from migrate.convert.job import (
    AttributeMapping,
    ExtendedMapping,
    Job,
    RecordSpec,
    ValueSpec,
    attribute_at,
)
from migrate.convert.kinds import Coercion, python_of, render, render_parts, vector_coerce
from migrate.convert.mapping import json_key
from migrate.convert.record_source import PROBLEM_CODE
from migrate.convert.transforms import KNOWN_CURRENCIES, VectorStep, vector_steps
from migrate.convert.vector import (
    batch_nonblank,
    edn_string,
    float_text,
    is_ascii,
    join_present,
    py_blank,
    py_strip,
    uuid5_texts,
    when_any,
)
from migrate.edn.values import Keyword
from migrate.extract.batches import RECORD
from migrate.schemas import Attribute, RowType

Path = tuple[Keyword, ...]

# The columns of an evaluated batch (besides RECORD and the source's own).
SID, FALLBACK, TEXT, WARNINGS = "__sid", "__fallback", "__text", "__warnings"
# What the cross-row checks need of a row (migrate.convert.ledger.CROSS_KEYS, CREATED_AT).
KEY, CREATED = "__key", "__created"
# A row the checks reject in columns (a marketplace price error): the rule's code, its
# message and the offending value as the rejects file's JSON; null for every other row.
REJECT, REJECT_MESSAGE, REJECT_VALUES = "__reject", "__reject_message", "__reject_values"
#: True where the row is rejected as the per-row path's mapping stage rejects it (a required
#: attribute missing), so that it is not a mapped record: no observer or count sees it.
UNMAPPED = "__unmapped"


def observed_column(number: int) -> str:
    """The column of the values the ``number``-th observer of the run reads."""
    return f"observed{number}"


def ref_column(index: int) -> str:
    """The column of the ``index``-th reference mapping's target source id."""
    return f"__ref{index}"


# Extended data as columns ---------------------------------------------------------------------


@dataclass
class JsonMap:
    """An extended-data map as columns: entries in the order the per-row mapper builds them.

    Each entry is ``(key, value)`` with ``key`` the Python key (a keyword, or a string when the
    name is not a legal keyword) and ``value`` a :class:`Val` or a nested :class:`JsonMap`. The
    map is present where any entry is.
    """

    entries: list[tuple[Keyword | str, Val | JsonMap]] = field(default_factory=list)

    def present(self) -> pl.Expr:
        """True where the map has an entry."""
        return when_any(value.present() for _, value in self.entries)

    def get(self, name: str) -> Val | JsonMap | None:
        """The entry ``name`` as ``_get`` finds it (the keyword key first, then the string).

        Entries with the same key that are never present in one row together (a mapped
        address and the one geocoding stores where there is none) are read as one.
        """
        found = [value for key, value in self.entries if type(key) is Keyword and key.text == name]
        found += [value for key, value in self.entries if type(key) is str and key == name]
        if len(found) <= 1:
            return found[0] if found else None
        if all(isinstance(item, JsonMap) for item in found):
            return JsonMap([entry for item in found for entry in item.entries])  # type: ignore[union-attr]
        vals = [item for item in found if isinstance(item, Val)]
        if len(vals) == len(found) and len({val.kind for val in vals}) == 1:
            return Val(vals[0].kind, pl.coalesce([val.expr for val in vals]))
        return found[0]

    def keys_all_keywords(self) -> bool:
        """True when every key, at every depth, is a keyword."""
        return all(
            type(key) is Keyword and (not isinstance(value, JsonMap) or value.keys_all_keywords())
            for key, value in self.entries
        )


def json_lookup(root: JsonMap | None, names: Sequence[str]) -> Val | JsonMap | None:
    """The entry at ``names`` below ``root`` (``None`` when the plan never has one there)."""
    current: Val | JsonMap | None = root
    for name in names:
        if not isinstance(current, JsonMap):
            return None
        current = current.get(name)
    return current


# The row as columns ---------------------------------------------------------------------------


@dataclass
class RefColumn:
    """A reference mapping of the spec: where it sits, what it points at, how strongly."""

    index: int
    path: Path
    target: str
    required: bool


@dataclass
class RowColumns:
    """One batch's rows as columns: the row view finishers and row rules work on.

    ``values`` holds plain attributes by path (``(key,)`` or ``(map key, child key)``),
    ``json`` extended-data attributes by path. Setting an attribute to a :class:`Val` whose
    rows are null removes it from those rows.
    """

    row_type: RowType
    values: dict[Path, Val] = field(default_factory=dict)
    json: dict[Path, JsonMap] = field(default_factory=dict)

    def get(self, path: Path) -> Val | None:
        """The plain attribute at ``path`` (``None`` when the plan never sets it)."""
        return self.values.get(path)

    def present(self, path: Path) -> pl.Expr:
        """True where the attribute (plain, extended data or a nested map) is present."""
        if path in self.values:
            return self.values[path].present()
        if path in self.json:
            return self.json[path].present()
        below = [val.present() for key, val in self.values.items() if key[: len(path)] == path]
        below += [item.present() for key, item in self.json.items() if key[: len(path)] == path]
        if len(path) == 1 and below:
            return when_any(below)
        return pl.lit(False)


# The plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ValueReject:
    """The rows a value rule rejects in columns (see ``RecordPlan._value_rejects``)."""

    present: pl.Expr
    code: pl.Expr
    message: pl.Expr
    values: pl.Expr


@dataclass
class Evaluated:
    """One evaluated batch: the columns of :data:`SID`, :data:`FALLBACK`, :data:`REJECT` …
    per source row; the edn texts of the rows ``written`` marks, in their order; the batch's
    listing geocoding outcomes (see ``GeocodeColumns``)."""

    frame: pl.DataFrame
    written: pl.Series  # Boolean, per row: not flagged, not rejected, not doomed
    texts: pl.Series  # String, one per row of ``written``
    geocoded: Any = None


class RecordPlan:
    """One record spec compiled to columns (see the module docstring)."""

    def __init__(
        self, spec: RecordSpec, job: Job, now: datetime, context: Any, marketplace: Any = None
    ) -> None:
        from migrate.mappers import mapper_for

        self.spec = spec
        self.job = job
        self.now = now
        self.rule_context = context
        self.market = None  # the marketplace's rules (migrate.rules.marketplace), if any
        if marketplace is not None:
            from migrate.rules.marketplace import MarketplaceRules

            self.market = MarketplaceRules(marketplace)
        self.schema = schemas.load()
        self.row_type: RowType = self.schema.row_type(spec.record_type)
        self.coercion = Coercion(job.defaults)
        self.mapper_module = mapper_for(spec.record_type)
        self.ident = job.ident
        self.refs = [
            RefColumn(index, mapping.path, mapping.ref.target, mapping.ref.required)
            for index, mapping in enumerate(m for m in spec.attributes if m.ref is not None)
            if mapping.ref is not None
        ]
        self._ref_mappings = [mapping for mapping in spec.attributes if mapping.ref is not None]
        self._steps: dict[int, list[VectorStep] | None] = {}
        self.ids: Any = None  # a vector.ImportIds shared by the run's plans, when given
        # The source ids of a type's rows read so far that will not be written, when given
        # (the run's Ledger.doomed_ids): rows whose required references name them get no text.
        self.doomed: Callable[[str], pl.Series] | None = None
        # Attribute values observers read (see pipeline.RunOptions.observers): number -> path.
        self.exposed: dict[int, Path] = {}
        # Which rule codes the run reports (the rule engine's Stamper.wants), when given:
        # marketplace warnings and price errors are then decided in columns.
        self.wants: Callable[[str], bool] | None = None

    # evaluation ---------------------------------------------------------------------------

    def evaluate(self, frame: pl.DataFrame, geocoder: Any = None) -> Evaluated:
        """Evaluate one batch (see the module docstring)."""
        batch = Batch(frame)
        sid = batch.put(self._source_id(batch), "sid")
        batch.flag(sid.is_null())  # no id, or one that is not text: the per-row path says why
        if PROBLEM_CODE in frame.columns:  # rows the record source could not give whole
            batch.flag(pl.col(PROBLEM_CODE).is_not_null())
        row = RowColumns(self.row_type)
        for mapping in self.spec.attributes:
            self._attribute(batch, mapping, row)
            batch.release([sid, *row.values.values(), *_json_vals(row)])
        for extended in self.spec.extended:
            self._extended(batch, extended, row)
            batch.release([sid, *row.values.values(), *_json_vals(row)])
        self.mapper_module.finish_columns(row, self.job.defaults, batch)
        unmapped = self._required(batch, row)
        geocoded = None
        if geocoder is not None and self.spec.record_type == "listing":
            # A listing the per-row path does not map it does not geocode either.
            skip = unmapped.present if unmapped is not None else None
            geocoded = geocoder.columns(batch, row, self, skip)
        exposed = []
        for number, path in self.exposed.items():
            val = row.get(path)
            if val is None:
                exposed.append(pl.lit(None, dtype=pl.String).alias(observed_column(number)))
            elif val.kind == "str":
                exposed.append(val.expr.alias(observed_column(number)))
            else:
                batch.flag(val.present())  # the per-row path gives observers a Python value
                exposed.append(pl.lit(None, dtype=pl.String).alias(observed_column(number)))
        warnings, reject = self._check(batch, row, unmapped)
        # An alias the fast form cannot name flags its row: decided for every row before the
        # texts, which are built for the rows still written only.
        aliases = (
            batch.put(self._alias_names(batch, sid), "al") if self.job.output.aliases else None
        )
        out = [
            pl.col(RECORD),
            sid.alias(SID),
            batch.fallback().alias(FALLBACK),
            warnings.alias(WARNINGS),
            reject[0].alias(REJECT),
            reject[1].alias(REJECT_MESSAGE),
            reject[2].alias(REJECT_VALUES),
            (unmapped.present if unmapped is not None else pl.lit(False)).alias(UNMAPPED),
        ]
        for ref in self.refs:
            val = row.get(ref.path)
            column = val.expr if val is not None else pl.lit(None, dtype=pl.String)
            out.append(column.alias(ref_column(ref.index)))
        out.extend(self._cross_columns(batch, row))
        result = batch.frame.select(out + exposed)
        if geocoded is not None:
            geocoded = geocoded.finish(batch)
        written = self._written(result)
        if not written.all():
            batch.frame = batch.frame.filter(written)
        flags = batch.flags_raised
        texts = batch.series(self._text(batch, row, sid, aliases))
        if batch.flags_raised != flags:  # the rows' FALLBACK above would be wrong
            raise AssertionError("a row's text flagged it for the per-row path")
        return Evaluated(result, written, texts, geocoded)

    def _written(self, result: pl.DataFrame) -> pl.Series:
        """The rows of an evaluated batch whose text is needed: not flagged, not rejected,
        no required reference to a source id :attr:`doomed` names."""
        written = ~pl.col(FALLBACK) & pl.col(REJECT).is_null()
        for ref in self.refs:
            column = ref_column(ref.index)
            if not ref.required or self.doomed is None or result.schema[column] != pl.String:
                continue
            sids = self.doomed(ref.target)
            if sids.len():
                named = pl.col(column).is_in(sids.implode())
                written = written & ~named.fill_null(False)
        return result.select(written.alias("written")).to_series()

    def _cross_columns(self, batch: Batch, row: RowColumns) -> list[pl.Expr]:
        """The ``KEY`` and ``CREATED`` columns the ledger's cross-row checks read."""
        from migrate.convert.ledger import CREATED_AT, CROSS_KEYS, EXACT_MICROSECONDS

        record_type = self.spec.record_type
        out = []
        path = CROSS_KEYS.get(record_type)
        if path is not None:
            key = row.get(path)
            if key is not None and key.kind != "str":
                batch.flag(key.present())
                key = None
            out.append((key.expr if key is not None else pl.lit(None, pl.String)).alias(KEY))
        path = CREATED_AT.get(record_type)
        if path is not None:
            created = row.get(path)
            seconds = pl.lit(None, dtype=pl.Float64)
            if created is not None and created.kind == "instant":
                micros = created.expr.dt.epoch("us")
                batch.flag(micros.abs() >= EXACT_MICROSECONDS)
                seconds = micros.cast(pl.Float64) / 1_000_000.0
            elif created is not None:
                batch.flag(created.present())
            out.append(seconds.alias(CREATED))
        return out

    # reading ------------------------------------------------------------------------------

    def source(self, batch: Batch, column: str) -> Val:
        """A source column as a value of its kind; an object column's rows are flagged."""
        if column not in batch.frame.columns:
            return none("str")
        dtype = batch.frame.schema[column]
        kind = kind_of_dtype(dtype)
        if kind is None:
            batch.flag(pl.col(column).is_not_null())
            return none("str")
        expr = pl.col(column)
        if dtype.is_integer() and dtype != pl.Int64:
            expr = expr.cast(pl.Int64)
        if dtype.is_float() and dtype != pl.Float64:
            expr = expr.cast(pl.Float64)
        return Val(kind, expr)

    def read(self, batch: Batch, spec: ValueSpec) -> Val:
        """The raw value of a value spec, ``None`` where it is empty (``_empty``)."""
        if spec.column is not None:
            val = self.source(batch, spec.column)
            if val.kind == "str":
                return Val("str", batch_nonblank(batch, val.expr))
            return val
        if spec.template is not None:
            return self._template(batch, spec.template)
        const = spec.const
        if const is None or (isinstance(const, str) and not const.strip()):
            return none("str")
        for kind, python_type in (("bool", bool), ("int", int), ("float", float), ("str", str)):
            if type(const) is python_type:
                return Val(kind, pl.lit(const))
        batch.flag(pl.lit(True))
        return none("str")

    def _template(self, batch: Batch, template: str) -> Val:
        parts: list[pl.Expr] = []
        for literal, name, _, _ in string.Formatter().parse(template):
            if literal:
                parts.append(pl.lit(literal))
            if name:
                val = self.source(batch, name)
                if val.kind == "str":
                    parts.append(batch_nonblank(batch, val.expr))
                else:
                    parts.append(as_text(batch, val).expr)
        return Val("str", pl.concat_str(parts))  # null where any field is empty

    def _source_id(self, batch: Batch) -> pl.Expr:
        raw = self.read(batch, self.spec.id)
        if raw.kind == "str":
            return py_strip(raw.expr)
        if raw.kind == "int":
            return raw.expr.cast(pl.String)
        return pl.lit(None, dtype=pl.String)  # not text: the per-row path rejects it

    # values -------------------------------------------------------------------------------

    def produce(
        self, batch: Batch, spec: ValueSpec, attribute: Attribute | None
    ) -> tuple[Val, pl.Expr | None]:
        """One value spec as ``mapping._compile`` produces it, and the row's currency."""
        raw = batch.put_val(self.read(batch, spec), "raw")
        currency = None
        if spec.currency_column is not None:
            currency = self._row_currency(batch, spec, raw)
        val = raw
        steps = self._vector_steps(spec)
        if spec.transform_spec is not None:
            if steps is None:
                batch.flag(raw.present())
                return none("str"), currency
            for step in steps:
                code = currency if step.uses_row_currency and currency is not None else None
                form = step.form
                assert form is not None
                val = batch.put_val(form(batch, val, step, code), "tf")
        if spec.map is not None:
            val = batch.put_val(self._map(batch, spec.map, val), "map")
        if val.kind == "str":
            val = batch.put_val(Val("str", batch_nonblank(batch, val.expr)), "nb")
        if attribute is not None:
            default = pl.lit(self.job.defaults.currency, dtype=pl.String)
            code = default if currency is None else pl.coalesce(currency, default)
            val = batch.put_val(vector_coerce(batch, val, attribute, code, self.coercion), "co")
        return val, currency

    def _vector_steps(self, spec: ValueSpec) -> list[VectorStep] | None:
        key = id(spec)
        if key not in self._steps:
            steps = None
            if spec.transform_spec is not None:
                steps = vector_steps(spec.transform_spec, spec.context)
            self._steps[key] = steps
        return self._steps[key]

    def _row_currency(self, batch: Batch, spec: ValueSpec, raw: Val) -> pl.Expr:
        """``_row_currency``: the code in the currency column, upper-cased, or ``None``."""
        assert spec.currency_column is not None
        given = self.source(batch, spec.currency_column)
        if given.kind != "str":
            batch.flag(raw.present() & given.present())
            return pl.lit(None, dtype=pl.String)
        text = batch.put(given.expr, "ct")
        empty = batch.put(py_blank(text), "ce")
        code = py_strip(text).str.to_uppercase()
        known = code.is_in(sorted(KNOWN_CURRENCIES))
        # Unknown codes are a transform failure; non-ASCII text is upper-cased by Python.
        batch.flag(raw.present() & ~empty & (~is_ascii(text) | ~known))
        return batch.put(pl.when(empty).then(None).otherwise(code), "cur")

    def _map(self, batch: Batch, table: Mapping[str, Any], val: Val) -> Val:
        results = list(table.values())
        kinds = {type(item) for item in results}
        if kinds != {str}:
            batch.flag(val.present())
            return none("str")
        text = as_text(batch, val).expr
        key = py_strip(text)
        found = key.replace_strict(
            dict(zip(table, [str(item) for item in results], strict=True)),
            default=None,
            return_dtype=pl.String,
        )
        found = batch.put(found, "mv")
        batch.flag(val.present() & found.is_null())  # not in the map: transform-failed
        return Val("str", found)

    def _first(self, batch: Batch, specs: Sequence[ValueSpec], attribute: Attribute | None) -> Val:
        """The first non-empty of a list of value specs (``mapping._first``)."""
        result: Val | None = None
        for spec in specs:
            if result is None:
                val, _ = self.produce(batch, spec, attribute)
                result = batch.put_val(val, "first")
                continue
            with batch.scope(~result.present()):
                val, _ = self.produce(batch, spec, attribute)
            if val.kind != result.kind:
                batch.flag(~result.present() & val.present())
                continue
            taken = result.present()
            merged = Val(
                result.kind,
                pl.when(taken).then(result.expr).otherwise(val.expr),
                _either(taken, result.currency, val.currency),
                _either(taken, result.lng, val.lng),
            )
            result = batch.put_val(merged, "first")
        return result if result is not None else none("str")

    def _attribute(self, batch: Batch, mapping: AttributeMapping, row: RowColumns) -> None:
        if mapping.ref is not None:
            row.values[mapping.path] = self._reference(batch, mapping)
            return
        if mapping.location is not None:
            row.values[mapping.path] = self._location(batch, mapping)
            return
        row.values[mapping.path] = self._first(batch, mapping.values, mapping.attribute)

    def _reference(self, batch: Batch, mapping: AttributeMapping) -> Val:
        assert mapping.ref is not None
        raw = self.read(batch, mapping.ref.source)
        if raw.kind == "str":
            target = py_strip(raw.expr)
        elif raw.kind == "int":
            target = raw.expr.cast(pl.String)
        else:
            batch.flag(raw.present())  # not text: the per-row path rejects it
            target = pl.lit(None, dtype=pl.String)
        return Val("ref", batch.put(target, "ref"), target=mapping.ref.target)

    def _location(self, batch: Batch, mapping: AttributeMapping) -> Val:
        assert mapping.location is not None
        lat = self._coordinate(batch, self.source(batch, mapping.location.lat))
        lng = self._coordinate(batch, self.source(batch, mapping.location.lng))
        # One coordinate given without the other: the per-row path rejects it.
        batch.flag(lat.is_null() ^ lng.is_null())
        both = lat.is_not_null() & lng.is_not_null()
        for number in (lat, lng):  # written as repr(float): Polars' text must be the same
            _, exact = float_text(number)
            batch.flag(both & ~exact)
        return batch.put_val(
            Val(
                "location",
                pl.when(both).then(lat).otherwise(None),
                lng=pl.when(both).then(lng).otherwise(None),
            ),
            "loc",
        )

    def _coordinate(self, batch: Batch, val: Val) -> pl.Expr:
        """``_coordinate``: a finite float from text or a number; null where empty."""
        if val.kind == "str":
            text = batch.put(py_strip(val.expr), "ct")
            plain = text.str.contains(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
            number = text.cast(pl.Float64, strict=False)
            ok = plain & number.is_finite()
            batch.flag(~py_blank(val.expr) & ~ok.fill_null(False))
            return batch.put(pl.when(py_blank(val.expr)).then(None).otherwise(number), "co")
        if val.kind == "float":
            batch.flag(val.present() & ~val.expr.is_finite())
            return val.expr
        if val.kind == "int":
            batch.flag(val.present() & (val.expr.abs() >= 2**53))
            return val.expr.cast(pl.Float64)
        batch.flag(val.present())
        return pl.lit(None, dtype=pl.Float64)

    def _extended(self, batch: Batch, extended: ExtendedMapping, row: RowColumns) -> None:
        root = JsonMap()
        for item in extended.fields:
            val = self._first(batch, item.values, None)
            val = self._json_value(batch, val)
            current = root
            for name in item.keys[:-1]:
                key = json_key(name)
                child = next((value for k, value in current.entries if k is key), None)
                if child is None:
                    child = JsonMap()
                    current.entries.append((key, child))
                assert isinstance(child, JsonMap)
                current = child
            current.entries.append((json_key(item.keys[-1]), val))
        row.json[extended.path] = root

    def _json_value(self, batch: Batch, val: Val) -> Val:
        """``_json_value``: what extended data holds of a value (text, numbers, booleans)."""
        if val.kind in ("str", "int", "bool", "strs"):
            return val
        if val.kind == "float":
            _, ok = float_text(val.expr)
            batch.flag(val.present() & ~ok)
            return val
        batch.flag(val.present())  # instants, money, keywords: the per-row path
        return none("str")

    # finishing ----------------------------------------------------------------------------

    def _required(self, batch: Batch, row: RowColumns) -> _ValueReject | None:
        """``Mapper._check_required``: the first required attribute a row misses (in schema
        order, as the mapper tests them) rejects it with the mapper's ``attribute-required``
        message and the values of the columns it is mapped from; where those cannot be
        shown exactly as the per-row path shows them (a column that is not text, a nested
        source), the row goes per row."""
        tests: list[tuple[pl.Expr, Attribute, Path]] = []
        for attribute in self.row_type.attributes:
            if attribute.kind == "map":
                children = [child for child in attribute.attributes if child.required]
                if not children:
                    continue
                applies = pl.lit(True) if attribute.required else row.present((attribute.key,))
                for child in children:
                    path = (attribute.key, child.key)
                    tests.append((applies & ~row.present(path), child, path))
            elif attribute.required:
                tests.append((~row.present((attribute.key,)), attribute, (attribute.key,)))
        if not tests:
            return None
        if self.spec.each is not None:
            for missing, _, _ in tests:
                batch.flag(missing)
            return None
        from migrate.convert.mapping import missing_columns, missing_message
        from migrate.convert.outputs import values_json

        schema = batch.frame.schema
        earlier: pl.Expr = pl.lit(False)  # an earlier required attribute is missing
        firsts: list[tuple[pl.Expr, str, pl.Expr]] = []
        for missing, attribute, at in tests:
            first = batch.put(missing.fill_null(False) & ~earlier, "rq")
            earlier = batch.put(earlier | first, "re")
            columns = missing_columns(self.spec, at)
            names = list(dict.fromkeys(columns))
            if any(schema.get(name) != pl.String or "." in name for name in names):
                batch.flag(first)
                continue
            if names:

                def shown(*values: Any, names: list[str] = names) -> str:
                    return values_json(dict(zip(names, values, strict=True)))

                # Few rows miss an attribute: each shown on its own, scattered back.
                inputs = [Val("str", pl.col(name)) for name in names]
                positions, texts = batch.few_rows(inputs, shown, first)
                failed = [text is FAILED for text in texts]
                batch.flag(batch.spread(positions, failed, pl.Boolean()))
                shown_texts = [
                    None if bad else text for text, bad in zip(texts, failed, strict=True)
                ]
                values = batch.spread(positions, shown_texts, pl.String(), "rv")
            else:
                values = pl.lit(values_json({}))
            firsts.append((first, missing_message(attribute, columns), values))
        if not firsts:
            return None
        present = batch.put(when_any([first for first, _, _ in firsts]), "rp")
        code = pl.when(present).then(pl.lit("attribute-required"))
        message: Any = pl
        values_expr: Any = pl
        for first, text, values in firsts:
            message = message.when(first).then(pl.lit(text))
            values_expr = values_expr.when(first).then(values)
        return _ValueReject(
            present=present,
            code=batch.put(code, "rc"),
            message=batch.put(message.otherwise(None), "rm"),
            values=batch.put(values_expr.otherwise(None), "rx"),
        )

    # checking -----------------------------------------------------------------------------

    def _check(
        self, batch: Batch, row: RowColumns, unmapped: _ValueReject | None = None
    ) -> tuple[pl.Expr, tuple[pl.Expr, pl.Expr, pl.Expr]]:
        """Flag rows the rule engine might find an error in; return their warning codes and
        the error a row is rejected for where that is decided in columns (code, message,
        offending value)."""
        from migrate.rules.registry import KIND_RULES, VECTOR_FORMS
        from migrate.rules.semantics import ROW_RULES, ROW_VECTOR_FORMS

        found: list[_ValueReject] = []  # rows a value rule rejects, decided in columns
        for path, val in list(row.values.items()):
            attribute = attribute_at(self.row_type, path)
            self._check_value(batch, val, attribute, KIND_RULES, VECTOR_FORMS, found)
        for path, root in row.json.items():
            attribute = attribute_at(self.row_type, path)
            self._check_json(batch, root, attribute, KIND_RULES, VECTOR_FORMS)
        warned: list[pl.Expr] = []
        for code, rule in ROW_RULES.get(self.row_type.name, ()):
            form = ROW_VECTOR_FORMS.get(rule)
            if form is None:
                batch.flag(pl.lit(True))
                continue
            function, exact = form
            said = function(row, self.row_type, self.rule_context)
            if said is None:  # the form cannot tell: every row is checked row by row
                batch.flag(pl.lit(True))
                continue
            fires = batch.put(said.fill_null(False), "rr")
            from migrate.rules.catalogue import SEVERITY

            if SEVERITY[code].value == "warning" and exact:
                warned.append(pl.when(fires).then(pl.lit(code)).otherwise(None))
            else:
                batch.flag(fires)
        nothing = pl.lit(None, dtype=pl.String)
        reject = (nothing, nothing, nothing)
        if found:
            # One error is the row's reject; of two, the per-row path says which comes first.
            count = pl.sum_horizontal([item.present.cast(pl.Int32) for item in found])
            batch.flag(count > 1)
            reject = tuple(  # type: ignore[assignment]
                batch.put(pl.coalesce([getattr(item, part) for item in found]), "vr")
                for part in ("code", "message", "values")
            )
        if unmapped is not None:  # the mapping stage rejects before any rule is asked
            reject = tuple(  # type: ignore[assignment]
                batch.put(pl.coalesce([getattr(unmapped, part), later]), "ur")
                for part, later in zip(("code", "message", "values"), reject, strict=True)
            )
        market = None
        if self.market is not None:
            from migrate.convert.market import market_columns

            market = market_columns(batch, row, self.market, self.row_type.name, self.wants)
            batch.flag(market.undecided)
            # The marketplace's findings follow the Intermediary ones: its error rejects a
            # row that no value rule rejects.
            reject = tuple(  # type: ignore[assignment]
                batch.put(pl.coalesce([first, then]), hint)
                for first, then, hint in zip(
                    reject, (market.code, market.message, market.values), ("mc", "mm", "mv"),
                    strict=True,
                )
            )  # fmt: skip
            warned.append(batch.put(market.warnings, "mw"))
        warnings = join_present(warned, ",") if warned else nothing
        if market is not None or found or unmapped is not None:
            warnings = pl.when(reject[0].is_null()).then(warnings)  # a rejected row has none
        return warnings, reject

    def _check_value(
        self,
        batch: Batch,
        val: Val,
        attribute: Attribute,
        kind_rules: Mapping[str, Iterable[Any]],
        forms: Mapping[Any, Any],
        found: list[_ValueReject],
    ) -> None:
        present = val.present()
        loud: list[pl.Expr] = []  # rows a rule's columnar form cannot call silent
        for spec in kind_rules.get(attribute.kind, ()):
            form = forms.get(spec.function)
            if form is not None:
                silent = form(batch, val, attribute, self.rule_context)
                loud.append(present & ~silent.fill_null(False))
                continue
            self._python_rule(batch, val, attribute, spec.function)
        if loud:
            rules = list(kind_rules.get(attribute.kind, ()))
            self._value_rejects(batch, val, attribute, rules, when_any(loud), found)

    def _value_rejects(
        self,
        batch: Batch,
        val: Val,
        attribute: Attribute,
        rules: list[Any],
        mask: pl.Expr,
        found: list[_ValueReject],
    ) -> None:
        """The rows of ``mask`` (a value some rule may find fault with), judged in Python
        one by one as the rule engine's ``_check_value`` judges the row's value:
        where it finds exactly one error (and nothing else), the row is rejected for it in
        columns, with the per-row path's code, message and offending value; anything else
        (a warning, two findings, an empty value) sends the row per row."""
        from migrate.convert.outputs import values_json
        from migrate.convert.pipeline import offending_value
        from migrate.edn.values import Tagged
        from migrate.rules.catalogue import SEVERITY
        from migrate.rules.engine import KNOWN_TAGS, is_empty
        from migrate.rules.findings import Severity

        wants = self.wants
        converted = python_of(batch, val, self.ident) if val.const is None else None
        if converted is None or wants is None:
            batch.flag(mask)
            return
        inputs, build = converted
        context = self.rule_context
        key = repr(attribute.key)  # the finding's attribute, as Stamper.make writes it

        def verdict(*values: Any) -> tuple[str, str, str] | None:
            value = build(*values)
            if is_empty(value) or (type(value) is Tagged and value.tag not in KNOWN_TAGS):
                return None
            said: list[tuple[str, str]] = []
            for spec in rules:
                emitted = False
                for message in spec.function(value, attribute, context):
                    emitted = True
                    if not isinstance(message, str):
                        return None  # about a part of the value: the per-row path says where
                    if wants(spec.code):
                        said.append((spec.code, message))
                if emitted and spec.gate:
                    break
            if len(said) != 1 or SEVERITY[said[0][0]] is not Severity.ERROR:
                return None
            code, message = said[0]
            return code, message, values_json({key: offending_value(value)})

        # The rows a form cannot call silent are few (a value that breaks a rule): judged
        # one by one, their verdicts scattered back.
        positions, verdicts = batch.few_rows(inputs, verdict, mask)
        if not positions.len():
            return
        decided = [item if isinstance(item, tuple) else None for item in verdicts]
        batch.flag(batch.spread(positions, [item is None for item in decided], pl.Boolean()))
        present = batch.spread(positions, [item is not None for item in decided], pl.Boolean())
        columns = [
            batch.spread(positions, [item and item[part] for item in decided], pl.String(), hint)
            for part, hint in ((0, "vc"), (1, "vm"), (2, "vv"))
        ]
        found.append(_ValueReject(present, *columns))

    def _python_rule(self, batch: Batch, val: Val, attribute: Attribute, rule: Callable) -> None:
        """A value rule without a columnar form, once per distinct value."""
        if val.const is not None:
            if any(True for _ in rule(val.const, attribute, self.rule_context)):
                batch.flag(val.present())
            return
        converted = python_of(batch, val, self.ident)
        if converted is None:
            batch.flag(val.present())
            return
        inputs, build = converted
        context = self.rule_context

        def silent(*values: Any) -> bool:
            return not any(True for _ in rule(build(*values), attribute, context))

        verdict, failed = batch.per_value(inputs, silent, "bool", val.present())
        batch.flag(failed | (val.present() & ~verdict.expr.fill_null(False)))

    def _check_json(
        self,
        batch: Batch,
        root: JsonMap,
        attribute: Attribute,
        kind_rules: Mapping[str, Iterable[Any]],
        forms: Mapping[Any, Any],
    ) -> None:
        present = root.present()
        for spec in kind_rules.get(attribute.kind, ()):
            form = forms.get(spec.function)
            if form is None:
                batch.flag(present)
                continue
            silent = form(batch, root, attribute, self.rule_context)
            batch.flag(present & ~silent.fill_null(False))

    # text ---------------------------------------------------------------------------------

    def _text(
        self, batch: Batch, row: RowColumns, sid: pl.Expr, aliases: pl.Expr | None
    ) -> pl.Expr:
        """The row's edn text as one ``concat_str`` of flat pieces: literal keys and braces
        (present where their attribute is, with a space unless first in their map) and the
        rendered values; no nested text is built on the way."""
        pieces = self._id_tuple(batch, sid, aliases)
        pieces.append(pl.lit(" {"))
        self._map_pieces(batch, row, (), self.row_type.attributes, pieces)
        pieces.append(pl.lit("}]"))
        return pl.concat_str(pieces, separator="", ignore_nulls=True)

    def _map_pieces(
        self,
        batch: Batch,
        row: RowColumns,
        prefix: Path,
        attributes: Sequence[Attribute],
        pieces: list[pl.Expr],
    ) -> None:
        """The pieces of the attributes of one map (the row's, or a nested one), in order."""
        earlier: pl.Expr = pl.lit(False)  # some earlier attribute of this map is present
        for attribute in attributes:
            path = (*prefix, attribute.key)
            key = f":{attribute.key.text}"
            if attribute.kind == "map":
                present = batch.put(row.present(path), "tp")
                pieces.append(_key_piece(present, earlier, key + " {"))
                self._map_pieces(batch, row, path, attribute.attributes, pieces)
                pieces.append(pl.when(present).then(pl.lit("}")))
            elif attribute.kind == "json":
                root = row.json.get(path)
                if root is None:
                    continue
                present = batch.put(root.present(), "tp")
                pieces.append(_key_piece(present, earlier, key + " {"))
                self._json_pieces(batch, root, pieces)
                pieces.append(pl.when(present).then(pl.lit("}")))
            else:
                val = row.values.get(path)
                if val is None:
                    continue
                present = batch.put(val.present(), "tp")
                self._value_pieces(batch, val, present, earlier, key + " ", pieces)
            earlier = batch.put(earlier | present, "te")

    def _json_pieces(self, batch: Batch, root: JsonMap, pieces: list[pl.Expr]) -> None:
        """The pieces of the entries of an extended-data map, in the order they were made."""
        earlier: pl.Expr = pl.lit(False)
        for key, value in root.entries:
            key_text = f":{key.text}" if isinstance(key, Keyword) else _edn_literal(key)
            present = batch.put(value.present(), "tp")
            if isinstance(value, JsonMap):
                pieces.append(_key_piece(present, earlier, key_text + " {"))
                self._json_pieces(batch, value, pieces)
                pieces.append(pl.when(present).then(pl.lit("}")))
            else:
                self._value_pieces(batch, value, present, earlier, key_text + " ", pieces)
            earlier = batch.put(earlier | present, "te")

    def _value_pieces(
        self,
        batch: Batch,
        val: Val,
        present: pl.Expr,
        earlier: pl.Expr,
        key: str,
        pieces: list[pl.Expr],
    ) -> None:
        """The pieces of one value and its key. A string's quotes (a reference's literal
        text) go beside the key, so its characters are copied once, into the row's text."""
        parts = render_parts(batch, val, self.ident, self.ids)
        if parts is None:
            # render() is null where there is no value: no when/then (a copy of the text).
            pieces.append(_key_piece(present, earlier, key))
            pieces.append(batch.put(render(batch, val, self.ident, self.ids), "tx"))
            return
        opening, middle, closing = parts
        pieces.append(_key_piece(present, earlier, key + opening))
        pieces.append(batch.put(middle, "tx"))
        pieces.append(pl.when(present).then(pl.lit(closing)))

    def _id_tuple(self, batch: Batch, sid: pl.Expr, aliases: pl.Expr | None) -> list[pl.Expr]:
        from migrate.convert.ids import NAMESPACE

        record_type = self.spec.record_type
        names = batch.series(sid)
        prefix = NAMESPACE.bytes + f"{self.ident}/{record_type}/".encode()
        uuids = uuid5_texts(names, prefix)
        if self.ids is not None:
            self.ids.add(record_type, names, uuids)
        uuid = batch.put(pl.lit(uuids), "id")
        parts = [pl.lit(f'[[:im.{record_type}/id #uuid "'), uuid, pl.lit('"')]
        if aliases is not None:
            parts += [pl.lit(f" :{record_type}/"), aliases]
        parts.append(pl.lit("]"))
        return parts

    def _alias_names(self, batch: Batch, sid: pl.Expr) -> pl.Expr:
        from migrate.convert.ids import alias_name

        record_type = self.spec.record_type
        plain = sid.str.contains(r"^[0-9]+$")
        if record_type[:1].isascii() and record_type[:1].isalpha():
            fast = pl.concat_str([pl.lit(record_type[0]), sid])
        else:
            fast = pl.lit(None, dtype=pl.String)
        mask = batch.put(sid.is_not_null() & (~plain | fast.is_null()), "am")
        if batch.series(mask.any()).item():
            other, failed = batch.per_value(
                [Val("str", sid)], lambda value: alias_name(record_type, value), "str", mask
            )
            batch.flag(failed)
            return pl.when(mask).then(other.expr).otherwise(fast)
        return fast


def _json_vals(row: RowColumns) -> Iterable[Val]:
    """Every value held in the row's extended data."""

    def walk(root: JsonMap) -> Iterable[Val]:
        for _, value in root.entries:
            if isinstance(value, JsonMap):
                yield from walk(value)
            else:
                yield value

    for root in row.json.values():
        yield from walk(root)


def _either(taken: pl.Expr, first: pl.Expr | None, second: pl.Expr | None) -> pl.Expr | None:
    if first is None and second is None:
        return None
    a = first if first is not None else pl.lit(None)
    b = second if second is not None else pl.lit(None)
    return pl.when(taken).then(a).otherwise(b)


def _key_piece(present: pl.Expr, earlier: pl.Expr, text: str) -> pl.Expr:
    """``text`` where the attribute is present: after a space unless it is first in its map."""
    return pl.when(present & ~earlier).then(pl.lit(text)).when(present).then(pl.lit(" " + text))


def _edn_literal(text: str) -> str:
    from migrate.edn.writer import dumps

    return dumps(text)


def compile_plan(
    spec: RecordSpec, job: Job, now: datetime, context: Any, marketplace: Any = None
) -> RecordPlan | None:
    """The columnar plan of ``spec``, or ``None`` when its rows take the per-row path.

    ``context`` is the rule engine's (:class:`migrate.rules.registry.Context`), and
    ``marketplace`` the target marketplace's configuration the rows are checked against, if
    any (:class:`migrate.marketplace.MarketplaceConfig`).

    ``None`` for a spec with a ``function`` hook (it may change any attribute), and for
    extended data whose key order depends on which fields a row has (a nested key whose
    fields are not next to each other in the job).
    """
    if spec.function is not None:
        return None
    for extended in spec.extended:
        if not _contiguous([item.keys for item in extended.fields]):
            return None
    importlib.import_module("migrate.mappers")
    return RecordPlan(spec, job, now, context, marketplace)


def _contiguous(paths: Sequence[tuple[str, ...]]) -> bool:
    """True when the fields under each nested key are listed one after the other (so the key
    order of the map does not depend on which fields a row has), and no key is both a value
    and a nested map."""
    leaves = set(paths)
    positions: dict[tuple[str, ...], list[int]] = {}
    for index, path in enumerate(paths):
        for depth in range(1, len(path)):
            parent = path[:depth]
            if parent in leaves:
                return False
            positions.setdefault(parent, []).append(index)
    return all(found[-1] - found[0] + 1 == len(found) for found in positions.values())


__all__ = [
    "CREATED",
    "KEY",
    "FALLBACK",
    "SID",
    "TEXT",
    "WARNINGS",
    "Evaluated",
    "JsonMap",
    "RecordPlan",
    "RefColumn",
    "RowColumns",
    "compile_plan",
    "edn_string",
    "json_lookup",
    "ref_column",
]
