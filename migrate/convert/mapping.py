"""Declarative mapping: one source row in, one Intermediary :class:`~migrate.edn.values.Row` out.

:func:`build_mappers` gives one :class:`Mapper` per record spec of a job. ``mapper.map(row)``
returns a :class:`MappedRecord` (the row plus the references it makes, by source id, so the
pipeline can settle cascades) or a :class:`Rejection` (why the row cannot be converted). Per-row
checks of the validator (email syntax, ranges, …) are not made here: the pipeline runs the rule
engine on every mapped row.

The steps for each row: source id → import id (uuid5) and alias → each mapped attribute (first
non-empty of its value specs, transformed, mapped, coerced to the schema's kind) → references →
extended data → the job's ``function`` → the row type's finishing touches (``mappers/``) →
required attributes. An optional attribute without a value is omitted, never written empty.
"""

from __future__ import annotations

import importlib
import json
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple, NoReturn

from migrate import schemas
from migrate.convert.ids import AliasCollision, AliasRegistry, id_attr, import_id
from migrate.convert.job import (
    FINISHERS,
    AttributeMapping,
    Defaults,
    Job,
    JobError,
    RecordSpec,
    ValueSpec,
    attribute_at,
    mapping_names,
)
from migrate.convert.kinds import Coercion, EnumError
from migrate.convert.record_source import PROBLEM_CODE, PROBLEM_MESSAGE, PROBLEM_VALUES
from migrate.convert.transforms import KNOWN_CURRENCIES, TransformError
from migrate.edn.show import kind_of, show
from migrate.edn.values import Keyword, Location, Money, Ref, Row, keyword_problem
from migrate.errors import note_where
from migrate.extract.paths import get_path
from migrate.schemas import Attribute, RowType


class Reference(NamedTuple):
    """A reference a mapped row makes: where, to which type, to which source id, how strongly.

    ``required``: the row cannot exist without the target (reject it when the target is rejected
    or missing); otherwise the pipeline drops the attribute instead.
    """

    path: tuple[Keyword, ...]
    target_type: str
    target_source_id: str
    required: bool


@dataclass(frozen=True, slots=True)
class MappedRecord:
    """A source row converted to an Intermediary row."""

    row: Row
    record_type: str
    source_id: str
    origin: Any  # migrate.extract.Origin
    refs: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejection:
    """A source row that cannot be converted: its rule code, one-line message and the values."""

    record_type: str
    source_id: str | None
    origin: Any
    code: str
    message: str
    values: dict[str, Any] = field(default_factory=dict)


class _Reject(Exception):
    def __init__(self, code: str, message: str, values: dict[str, Any]) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.values = values


def lookup(values: Mapping[str, Any], column: str) -> Any:
    """The value of ``column`` in a source row, following dotted paths into nested maps."""
    return get_path(values, column)


_FORMATTER = string.Formatter()


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == {}


class Mapper:
    """Converts the rows of one record spec (``[records.TYPE]``) of a job."""

    def __init__(self, spec: RecordSpec, job: Job, aliases: AliasRegistry | None = None) -> None:
        self.spec = spec
        self.job = job
        self.record_type = spec.record_type
        self.row_type: RowType = schemas.load().row_type(spec.record_type)
        self.id_attr = id_attr(spec.record_type)
        self.aliases = aliases if aliases is not None else AliasRegistry()
        self.defaults: Defaults = job.defaults
        self.coercion = Coercion(job.defaults)
        self.finish = importlib.import_module(FINISHERS[spec.record_type]).finish
        self._names = mapping_names(self.row_type)
        self._read_id = _reader(spec.id)
        # Each attribute compiled once into one closure: the per-row path is plain calls.
        self._ref_readers = {
            id(mapping): _reader(mapping.ref.source) for mapping in spec.attributes if mapping.ref
        }
        self._attributes = [self._compile_attribute(mapping) for mapping in spec.attributes]
        self._aliases_on = job.output.aliases
        self._required = self._required_plan()
        self._orders: dict[tuple[int, ...], tuple[tuple[Keyword, ...], tuple, bool, tuple]] = {}
        self._has_function = spec.function is not None
        #: source rows a ``distinct`` record source folded into the rows read so far
        self.merged_rows = 0
        self._extended = [
            (
                extended,
                [
                    (item, [self._compile(value, None) for value in item.values])
                    for item in extended.fields
                ],
            )
            for extended in spec.extended
        ]

    # iteration over the source

    def source_rows(self, limit: int | None = None) -> Iterator[Any]:
        """The spec's source rows (child rows of ``each`` when set), at most ``limit`` of them."""
        from migrate.convert.record_source import open_record_source
        from migrate.extract import children

        source = open_record_source(self.job, self.spec)
        try:
            if self.spec.each is None:
                yield from source.rows(limit=limit)
                return
            count = 0
            for parent in source.rows():
                for child in children(parent, self.spec.each):
                    if limit is not None and count >= limit:
                        return
                    count += 1
                    yield child
        finally:
            self.merged_rows += getattr(source, "merged_rows", 0)
            close = getattr(source, "close", None)
            if close is not None:
                close()

    # mapping

    def map(self, source_row: Any) -> MappedRecord | Rejection:
        """Convert one source row (``SourceRow``: ``values`` and ``origin``)."""
        values = source_row.values
        origin = source_row.origin
        source_id = None
        try:
            source_id = self._source_id(values)
            problem = values.get(PROBLEM_CODE)
            if problem is not None:  # the record source could not give this row whole
                shown = values.get(PROBLEM_VALUES)
                raise _Reject(
                    problem,
                    values.get(PROBLEM_MESSAGE) or problem,
                    json.loads(shown) if shown else {},
                )
            alias = self.aliases.claim(self.record_type, source_id) if self._aliases_on else None
            attrs: dict[Keyword, Any] = {}
            refs: list[Reference] = []
            for apply in self._attributes:
                apply(values, attrs, refs)
            for extended, fields in self._extended:
                data: dict[str, Any] = {}
                for item, produces in fields:
                    value = _first(produces, item.values, values)
                    if value is not None:
                        _set_nested(data, item.keys, _json_value(value))
                if data:
                    _set_path(attrs, extended.path, data)
            if self._has_function:
                self._apply_function(values, attrs, refs)
            self.finish(attrs, self.defaults)
            self._check_required(attrs, values)
            refs = [ref for ref in refs if _has_path(attrs, ref.path)]
        except _Reject as reject:
            return Rejection(
                self.record_type, source_id, origin, reject.code, reject.message, reject.values
            )
        except AliasCollision as collision:
            return Rejection(self.record_type, source_id, origin, "alias-collision", str(collision))
        except Exception as error:  # a bug, or a job function's: name the row for the report
            note_where(error, f"{origin}, {self.spec.where}")
            raise
        row = Row(
            self.id_attr,
            import_id(self.job.ident, self.record_type, source_id),
            alias,
            self._in_schema_order(attrs),
        )
        return MappedRecord(row, self.record_type, source_id, origin, tuple(refs))

    def _in_schema_order(self, attrs: dict[Keyword, Any]) -> dict[Keyword, Any]:
        """:func:`_ordered` for this row type, done once per set of keys (by their identity).

        Rows of one spec have few key sets, so the plan (which keys, in which order, which of
        them nested maps to order too) is cached by the keys' ids in ``attrs``' own order; the
        cached plan holds those keys, so their ids cannot be reused while it exists.
        """
        signature = tuple(map(id, attrs))
        plan = self._orders.get(signature)
        if plan is None:
            plan = _order_plan(attrs, self.row_type.attributes)
            if len(self._orders) < _ORDER_PLANS_MAX:
                self._orders[signature] = plan
        keys, nested, same, _ = plan
        if same and not nested:
            return attrs
        ordered = {key: attrs[key] for key in keys}
        for key, attributes in nested:
            value = ordered[key]
            if isinstance(value, dict):
                ordered[key] = _ordered(value, attributes)
        return ordered

    def _source_id(self, values: Mapping[str, Any]) -> str:
        raw = self._read_id(values)
        if _empty(raw):
            raise _Reject(
                "source-id-missing",
                f"no source id in {_describe(self.spec.id)}",
                {name: lookup(values, name) for name in self.spec.id.columns},
            )
        if raw.__class__ is str:
            return raw.strip()
        text = id_text(raw)
        if text is None:
            raise _Reject(
                "source-id-type",
                f"{_describe(self.spec.id)}: source id {show(raw)} is {_a_kind(raw)}, "
                "not a string or an integer",
                {name: lookup(values, name) for name in self.spec.id.columns},
            )
        return text

    def _compile_attribute(self, mapping: AttributeMapping) -> Callable[..., None]:
        """One attribute mapping as ``apply(values, attrs, refs)``, which sets its value."""
        path = mapping.path
        key = path[0] if len(path) == 1 else None
        if mapping.ref is not None:
            read = self._ref_readers[id(mapping)]
            ident = self.job.ident
            target_type = mapping.ref.target
            target_attr = id_attr(target_type)
            required = mapping.ref.required

            def apply_ref(values: Mapping[str, Any], attrs: dict, refs: list) -> None:
                target = read(values)
                if target is None or _empty(target):
                    return
                if target.__class__ is str:
                    target_id = target.strip()
                else:
                    target_id = _reference_id(mapping, target, values)
                value = _ref_to(target_attr, ident, target_type, target_id)
                if key is not None:
                    attrs[key] = value
                else:
                    _set_path(attrs, path, value)
                refs.append(Reference(path, target_type, target_id, required))

            return apply_ref
        if mapping.location is not None:

            def apply_location(values: Mapping[str, Any], attrs: dict, refs: list) -> None:
                self._map_attribute(mapping, [], values, attrs, refs)

            return apply_location
        produces = [self._compile(value, mapping.attribute) for value in mapping.values]
        specs = mapping.values
        if len(produces) == 1:
            produce, spec = produces[0], specs[0]

            def apply_one(values: Mapping[str, Any], attrs: dict, refs: list) -> None:
                try:
                    value = produce(values)
                except TransformError as error:
                    raise _transform_failed(spec, error, values) from None
                if value is not None:
                    if key is not None:
                        attrs[key] = value
                    else:
                        _set_path(attrs, path, value)

            return apply_one

        def apply_first(values: Mapping[str, Any], attrs: dict, refs: list) -> None:
            value = _first(produces, specs, values)
            if value is not None:
                if key is not None:
                    attrs[key] = value
                else:
                    _set_path(attrs, path, value)

        return apply_first

    def _coercer(self, attribute: Attribute) -> Callable[[Any, str | None], Any]:
        """The attribute's coercion (:mod:`migrate.convert.kinds`): ``coerce(value, currency)``."""
        coerce = self.coercion.coercer(attribute)
        if attribute.kind not in ("enum", "enum-set"):
            return coerce

        def coerce_checked(value: Any, currency: str | None) -> Any:
            try:
                return coerce(value, currency)
            except EnumError as error:
                raise _enum_rejection(error) from None

        return coerce_checked

    def _compile(self, spec: ValueSpec, attribute: Attribute | None) -> Callable[[Any], Any]:
        """One value spec as a function of the row's values: the value, or ``None`` when empty.

        Raises :class:`TransformError` when a transform, the map or the kind conversion fails.
        """
        read = _reader(spec)
        transform = spec.transform()
        table = spec.map
        currency_column = spec.currency_column
        coerce = self._coercer(attribute) if attribute is not None else None

        def produce(values: Mapping[str, Any]) -> Any:
            raw = read(values)
            if raw is None or (raw.__class__ is str and (not raw or raw.isspace())):
                return None  # every transform passes empty values through as empty
            currency = None
            step = transform
            if currency_column is not None:
                currency = _row_currency(values, currency_column)
                if currency is not None:
                    step = spec.transform(currency)
            value = step(raw) if step is not None else raw
            if table is not None and not _empty(value):
                key = (value if value.__class__ is str else str(value)).strip()
                if key not in table:
                    known = ", ".join(sorted(table))
                    raise TransformError(f"{show(value)} is not in the map ({known})")
                value = table[key]
            if value.__class__ is str:
                if not value or value.isspace():
                    return None
            elif value is None or _empty(value):
                return None
            return coerce(value, currency) if coerce is not None else value

        return produce

    def _map_attribute(
        self,
        mapping: AttributeMapping,
        produces: list[Callable[[Any], Any]],
        values: Mapping[str, Any],
        attrs: dict[Keyword, Any],
        refs: list[Reference],
    ) -> None:
        if mapping.ref is not None:
            ref = mapping.ref
            target = self._ref_readers[id(mapping)](values)
            if _empty(target):
                return
            if target.__class__ is str:
                target_id = target.strip()
            else:
                target_id = _reference_id(mapping, target, values)
            target_import_id = import_id(self.job.ident, ref.target, target_id)
            _set_path(attrs, mapping.path, Ref.to_id(id_attr(ref.target), target_import_id))
            refs.append(Reference(mapping.path, ref.target, target_id, ref.required))
            return
        if mapping.location is not None:
            location = mapping.location
            lat, lng = lookup(values, location.lat), lookup(values, location.lng)
            if _empty(lat) and _empty(lng):
                return
            shown = {location.lat: lat, location.lng: lng}
            try:
                _set_path(attrs, mapping.path, Location(_coordinate(lat), _coordinate(lng)))
            except TransformError as error:
                raise _Reject(
                    "transform-failed",
                    f"columns {show(location.lat)}, {show(location.lng)}: {error}",
                    shown,
                ) from None
            return
        value = _first(produces, mapping.values, values)
        if value is not None:
            _set_path(attrs, mapping.path, value)

    def _coerce(self, value: Any, attribute: Attribute, currency: str | None) -> Any:
        try:
            return self.coercion.coerce(value, attribute, currency)
        except EnumError as error:
            raise _enum_rejection(error) from None

    def _apply_function(
        self, values: Mapping[str, Any], attrs: dict[Keyword, Any], refs: list[Reference]
    ) -> None:
        name = self.spec.function_name
        try:
            extra = self.spec.function(values)  # type: ignore[misc]
        except (TransformError, ValueError) as error:
            raise _Reject("transform-failed", f"{name}: {error}", {}) from None
        for key, value in (extra or {}).items():
            path = self._names.get(key)
            if path is None:
                path = _json_path(self.row_type, key)
            if path is None:
                raise JobError(
                    f"{self.job.path}: {self.spec.where}.function: {name} returned unknown "
                    f"attribute {show(key)} for {self.record_type}"
                )
            if _empty(value):
                _remove_path(attrs, path)
                continue
            attribute = attribute_at(self.row_type, path)
            if attribute.kind == "ref":
                reference = self._function_ref(key, value, path, attribute)
                refs[:] = [ref for ref in refs if ref.path != path]
                if reference is None:
                    _remove_path(attrs, path)
                    continue
                value = _ref_to(
                    id_attr(reference.target_type),
                    self.job.ident,
                    reference.target_type,
                    reference.target_source_id,
                )
                refs.append(reference)
            elif attribute.kind == "json":
                # JSON as Python gives it (lists, decimals, dates) becomes extended data, merged
                # key by key into what the job mapped: the function's keys win.
                value = _function_json(value)
                mapped = _value_at(attrs, path)
                if isinstance(mapped, dict) and isinstance(value, dict):
                    value = _merged_json(mapped, value)
            elif attribute.kind not in ("location", "map"):
                try:
                    value = self._coerce(value, attribute, None)
                except TransformError as error:
                    raise _Reject(
                        "transform-failed", f"{name}: {key}: {error}", {key: value}
                    ) from None
            _set_path(attrs, path, value)

    def _function_ref(
        self, key: str, value: Any, path: tuple[Keyword, ...], attribute: Attribute
    ) -> Reference | None:
        """The reference a job function returned for ``key`` (``Ref`` or ``{ref, id}``);
        ``None`` for an empty id. A value of another kind, or a reference to a type the
        attribute cannot point at, is a mistake in the function: a job error."""
        from migrate.mappers.custom import as_ref

        name = self.spec.function_name
        where = f"{self.job.path}: {self.spec.where}.function: {name}"
        ref = as_ref(value)
        if ref is None:
            target = attribute.targets[0] if attribute.targets else "TYPE"
            raise JobError(
                f"{where} returned {show(value)} for {key}, a reference: return "
                f'Ref("{target}", ID) (from migrate.mappers.custom import Ref) or '
                f'{{"ref": "{target}", "id": ID}}'
            )
        if ref.record_type not in attribute.targets:
            raise JobError(
                f"{where} returned a reference to {show(ref.record_type)} for {key} "
                f"(it can point at: {', '.join(attribute.targets)})"
            )
        raw = ref.source_id
        if raw is None or _empty(raw):
            return None
        target_id = raw.strip() if isinstance(raw, str) else id_text(raw)
        if target_id is None:
            raise _Reject(
                "source-id-type",
                f"{name}: the id {show(raw)} that {key} refers to is {_a_kind(raw)}, "
                "not a string or an integer",
                {key: raw},
            )
        required = next(
            (m.ref.required for m in self.spec.attributes if m.ref is not None and m.path == path),
            True,
        )
        return Reference(path, ref.record_type, target_id, required)

    def _check_required(self, attrs: dict[Keyword, Any], values: Mapping[str, Any]) -> None:
        for attribute, children in self._required:
            if children is None:
                if attribute.key not in attrs:
                    self._missing((attribute.key,), attribute, values)
            elif attribute.required or attribute.key in attrs:
                nested = attrs.get(attribute.key, {})
                for child in children:
                    if child.key not in nested:
                        self._missing((attribute.key, child.key), child, values)

    def _required_plan(self) -> list[tuple[Attribute, tuple[Attribute, ...] | None]]:
        """What :meth:`_check_required` tests, in schema order: required attributes, and maps
        with their required children (``None`` for a plain attribute)."""
        plan: list[tuple[Attribute, tuple[Attribute, ...] | None]] = []
        for attribute in self.row_type.attributes:
            if attribute.kind == "map":
                children = tuple(child for child in attribute.attributes if child.required)
                if children:
                    plan.append((attribute, children))
            elif attribute.required:
                plan.append((attribute, None))
        return plan

    def _missing(
        self, path: tuple[Keyword, ...], attribute: Attribute, values: Mapping[str, Any]
    ) -> NoReturn:
        columns = missing_columns(self.spec, path)
        shown = {name: lookup(values, name) for name in columns}
        raise _Reject("attribute-required", missing_message(attribute, columns), shown)


def missing_columns(spec: RecordSpec, path: tuple[Keyword, ...]) -> list[str]:
    """The source columns a required attribute at ``path`` is mapped from, in job order (an
    ``attribute-required`` reject shows their values)."""
    columns: list[str] = []
    for mapping in spec.attributes:
        if mapping.path == path:
            for value in mapping.values:
                columns.extend(value.columns)
            if mapping.ref is not None:
                columns.extend(mapping.ref.source.columns)
    return columns


def missing_message(attribute: Attribute, columns: list[str]) -> str:
    """The message of an ``attribute-required`` reject: which attribute, mapped from what."""
    where = f" (no value in {', '.join(columns)})" if columns else " (not mapped)"
    return f"missing required attribute {attribute.key.name} ({attribute.key.text}){where}"


def id_text(value: Any) -> str | None:
    """The text of a non-string source id: an integer (of any size, or an integral decimal)
    as its digits; ``None`` for anything else (booleans, floats, objects, arrays, dates)."""
    if value.__class__ is int:
        return str(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    return None


def _a_kind(value: Any) -> str:
    kind = kind_of(value)
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def _reference_id(mapping: AttributeMapping, target: Any, values: Mapping[str, Any]) -> str:
    text = id_text(target)
    if text is None:
        assert mapping.ref is not None
        spec = mapping.ref.source
        raise _Reject(
            "source-id-type",
            f"{_describe(spec)}: the id {show(target)} that {mapping.attribute.key.text} "
            f"refers to is {_a_kind(target)}, not a string or an integer",
            {name: lookup(values, name) for name in spec.columns},
        )
    return text


def _enum_rejection(error: EnumError) -> _Reject:
    return _Reject("enum-value", str(error), {error.attribute.key.name: error.value})


def _first(
    produces: list[Callable[[Any], Any]], specs: tuple[ValueSpec, ...], values: Mapping[str, Any]
) -> Any:
    """The first non-empty value of a list of compiled value specs (``None`` if all are empty)."""
    for produce, spec in zip(produces, specs, strict=True):
        try:
            value = produce(values)
        except TransformError as error:
            raise _transform_failed(spec, error, values) from None
        if value is not None:
            return value
    return None


def _transform_failed(spec: ValueSpec, error: TransformError, values: Mapping[str, Any]) -> _Reject:
    shown = {name: lookup(values, name) for name in spec.columns}
    return _Reject("transform-failed", f"{_describe(spec)}: {error}", shown)


def _reader(spec: ValueSpec) -> Callable[[Mapping[str, Any]], Any]:
    """A function reading a value spec's raw value (column, template or constant) from a row."""
    if spec.column is not None:
        column = spec.column
        if "." in column:
            return lambda values: get_path(values, column)
        return lambda values: values.get(column)
    if spec.template is not None:
        pieces = [(literal, name) for literal, name, _, _ in _FORMATTER.parse(spec.template)]

        def fill(values: Mapping[str, Any]) -> str | None:
            out = []
            for literal, name in pieces:
                out.append(literal)
                if name:
                    value = get_path(values, name)
                    if _empty(value):
                        return None
                    out.append(value if value.__class__ is str else str(value))
            return "".join(out)

        return fill
    const = spec.const
    return lambda values: const


def _row_currency(values: Mapping[str, Any], column: str) -> str | None:
    raw = get_path(values, column)
    if _empty(raw):
        return None
    code = str(raw).strip().upper()
    if code not in KNOWN_CURRENCIES:
        raise TransformError(f"unknown currency {show(raw)} in column {show(column)}")
    return code


def build_mappers(job: Job) -> list[Mapper]:
    """One mapper per record spec of ``job``, in job order, sharing one alias registry."""
    aliases = AliasRegistry()
    return [Mapper(spec, job, aliases) for spec in job.records]


# helpers -----------------------------------------------------------------------------------------


def _describe(spec: ValueSpec) -> str:
    if spec.column is not None:
        return f"column {show(spec.column)}"
    if spec.template is not None:
        return f"template {show(spec.template)}"
    return f"constant {show(spec.const)}"


def _coordinate(value: Any) -> float:
    if _empty(value):
        raise TransformError("one coordinate is empty")
    try:
        number = float(value if not isinstance(value, str) else value.strip())
    except (TypeError, ValueError):
        raise TransformError(f"{show(value)} is not a coordinate") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise TransformError(f"{show(value)} is not a coordinate")
    return number


def _merged_json(mapped: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """``given`` laid over ``mapped``: nested maps merge key by key, any other value replaces."""
    merged = dict(mapped)
    for key, value in given.items():
        before = merged.get(key)
        if isinstance(before, dict) and isinstance(value, dict):
            merged[key] = _merged_json(before, value)
        else:
            merged[key] = value
    return merged


def _function_json(value: Any) -> Any:
    """A job function's extended data as the mapping makes it: keys as :func:`json_key` (a
    keyword when legal, as mapped keys are), arrays as tuples, other values :func:`_json_value`."""
    if isinstance(value, Mapping):
        return {
            key if isinstance(key, Keyword) else json_key(str(key)): _function_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return tuple(_function_json(item) for item in value)
    return _json_value(value)


def _json_value(value: Any) -> Any:
    """A value as extended data (JSON): decimals become numbers, instants ISO 8601 text."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Money):
        return {"amount": _json_value(Decimal(str(value.amount))), "currency": value.currency}
    if isinstance(value, Keyword):
        return value.text
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        # a tuple: edn vectors are tuples, and the rules take only those as JSON arrays
        return tuple(_json_value(item) for item in value)
    return str(value)


def _json_path(row_type: RowType, key: str) -> tuple[Keyword, ...] | None:
    for attribute in row_type.attributes:
        if attribute.kind == "json" and key in (attribute.key.name, attribute.key.text):
            return (attribute.key,)
        for child in attribute.attributes:
            if child.kind == "json" and key in (child.key.name, child.key.text):
                return (attribute.key, child.key)
    return None


def _set_path(attrs: dict[Keyword, Any], path: tuple[Keyword, ...], value: Any) -> None:
    target = attrs
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def _has_path(attrs: dict[Keyword, Any], path: tuple[Keyword, ...]) -> bool:
    target: Any = attrs
    for key in path:
        if not isinstance(target, dict) or key not in target:
            return False
        target = target[key]
    return True


def _value_at(attrs: dict, path: tuple[Keyword, ...]) -> Any:
    """The value at ``path`` of ``attrs`` (nested maps), or ``None``."""
    value: Any = attrs
    for key in path:
        if type(value) is not dict:
            return None
        value = value.get(key)
    return value


def _remove_path(attrs: dict[Keyword, Any], path: tuple[Keyword, ...]) -> None:
    target = attrs
    for key in path[:-1]:
        target = target.get(key, {})
    target.pop(path[-1], None)


@lru_cache(maxsize=4096)
def json_key(name: str) -> Keyword | str:
    """An extended-data key: a keyword (``:listingType``) when legal, else the string."""
    return Keyword(name) if keyword_problem(None, name) is None else name


def _set_nested(data: dict[Any, Any], keys: tuple[str, ...], value: Any) -> None:
    for key in keys[:-1]:
        data = data.setdefault(json_key(key), {})
    data[json_key(keys[-1])] = value


_ORDER_PLANS_MAX = 1024


@lru_cache(maxsize=1 << 16)
def _ref_to(target_attr: Keyword, ident: str, target_type: str, target_id: str) -> Ref:
    """The reference to a row by import id; cached, as many rows point at one (a busy host).

    :class:`Ref` is frozen, so rows can share one.
    """
    return Ref.to_id(target_attr, import_id(ident, target_type, target_id))


def _order_plan(attrs: dict[Keyword, Any], schema_attributes: tuple[Attribute, ...]) -> tuple:
    """How :func:`_ordered` orders a map with ``attrs``' keys: the keys kept, in order; the
    nested ``map`` attributes among them (with their schema); whether that is ``attrs`` as is;
    and ``attrs``' own keys."""
    keys = tuple(attribute.key for attribute in schema_attributes if attribute.key in attrs)
    nested = tuple(
        (attribute.key, attribute.attributes)
        for attribute in schema_attributes
        if attribute.key in attrs and attribute.kind == "map"
    )
    own = tuple(attrs)  # held by the plan: keeps the ids of its signature taken
    return keys, nested, keys == own, own


def _ordered(attrs: dict[Keyword, Any], schema_attributes: tuple[Attribute, ...]) -> dict:
    """``attrs`` in schema order, nested maps too (deterministic output)."""
    ordered = {}
    for attribute in schema_attributes:
        if attribute.key in attrs:
            value = attrs[attribute.key]
            if attribute.kind == "map" and isinstance(value, dict):
                value = _ordered(value, attribute.attributes)
            ordered[attribute.key] = value
    return ordered
