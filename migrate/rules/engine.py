"""The rule engine: runs the schema-driven attribute rules and the row rules over one row.

Everything about attributes comes from ``schemas.load()``: for each row type the engine builds,
once, a table of attribute plans (kind, registered rules, fast acceptor, nested attributes,
required keys). Checking a row is then one dict look-up and usually one cheap acceptor call per
attribute; the full rules run only for values the acceptor does not vouch for.

Rules yield messages; :class:`Stamper` turns them into :class:`Finding` values with the rule's
code, severity, the row's index and label, the attribute and, for files, the line and column.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import schemas
from migrate.edn.values import Keyword, NonCanonicalUUID, Row, Tagged
from migrate.rules import attributes, references, values  # noqa: F401  (register the rules)
from migrate.rules.catalogue import SEVERITY
from migrate.rules.findings import Finding
from migrate.rules.registry import ACCEPTORS, KIND_RULES, Context, Message, RuleSpec
from migrate.rules.semantics import ROW_RULES
from migrate.rules.show import show
from migrate.rules.structure import id_tuple_problems

Position = Callable[[tuple], "tuple[int, int] | None"]

# Tags the reader understands; a Tagged value with any other tag is `tag-unknown`.
KNOWN_TAGS = frozenset({"inst", "uuid", "im/ref", "im/money", "im/location"})


class UnknownRuleCode(ValueError):
    """A rule code given to --select/--ignore is not in the catalogue."""


def parse_codes(codes: Iterable[str] | None) -> frozenset[str] | None:
    """Validate rule codes against the catalogue; ``None`` stays ``None`` (no filter)."""
    if codes is None:
        return None
    result = frozenset(code.strip() for code in codes if code.strip())
    unknown = sorted(result - SEVERITY.keys())
    if unknown:
        raise UnknownRuleCode(
            f"unknown rule code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            "(see docs/rules.md for the list)"
        )
    return result


class Stamper:
    """Makes findings: fills in code, severity, file, position, row and attribute.

    ``select`` keeps only the listed codes, ``ignore`` drops the listed ones.
    """

    __slots__ = ("file", "enabled", "disabled")

    def __init__(
        self,
        file: str | None = None,
        select: frozenset[str] | None = None,
        ignore: frozenset[str] | None = None,
    ) -> None:
        self.file = file
        self.enabled = select
        self.disabled = ignore or frozenset()

    def wants(self, code: str) -> bool:
        """True when findings of ``code`` are reported."""
        return code not in self.disabled and (self.enabled is None or code in self.enabled)

    def make(
        self,
        code: str,
        message: str,
        *,
        position: tuple[int, int] | None = None,
        row_index: int | None = None,
        row_label: str | None = None,
        attribute: Keyword | None = None,
    ) -> Finding:
        """One finding of rule ``code``."""
        line, column = position if position is not None else (None, None)
        return Finding(
            code=code,
            severity=SEVERITY[code],
            message=message,
            file=self.file,
            line=line,
            column=column,
            row_index=row_index,
            row_label=row_label,
            attribute=repr(attribute) if isinstance(attribute, Keyword) else None,
        )


def row_label(row: Row) -> str | None:
    """The row's name in findings: its alias, else its import id; ``None`` when it has neither."""
    if row.alias is not None:
        return repr(row.alias)
    if row.import_id is not None:
        return f'#uuid "{getattr(row.import_id, "text", row.import_id)}"'
    return None


@dataclass(slots=True)
class Plan:
    """How to check one attribute: its schema entry plus everything precomputed from it."""

    attribute: schemas.Attribute
    accept: Callable[[Any, Any, Any], bool] | None
    rules: tuple[RuleSpec, ...]
    children: dict[Keyword, Plan] | None
    required: tuple[Keyword, ...]
    shape_code: str | None  # a map whose shape problems have their own code (primaryEmail)


@dataclass(slots=True)
class TypeTable:
    """The plans of one row type, built once from the schema."""

    row_type: schemas.RowType
    plans: dict[Keyword, Plan]
    required: tuple[Keyword, ...]
    row_rules: tuple[tuple[str, Callable], ...]


def _plan(attribute: schemas.Attribute) -> Plan:
    children = None
    required: tuple[Keyword, ...] = ()
    shape_code = None
    if attribute.kind == "map":
        children = {child.key: _plan(child) for child in attribute.attributes}
        required = tuple(child.key for child in attribute.attributes if child.required)
        if any(child.kind == "email" for child in attribute.attributes):
            shape_code = "email-shape"
    return Plan(
        attribute=attribute,
        accept=ACCEPTORS.get(attribute.kind),
        rules=tuple(KIND_RULES.get(attribute.kind, ())),
        children=children,
        required=required,
        shape_code=shape_code,
    )


def build_tables(schema: schemas.Schema) -> dict[Keyword, TypeTable]:
    """Attribute plans for every row type of ``schema``, keyed by id attribute."""
    return {
        row_type.id_attr: TypeTable(
            row_type=row_type,
            plans={attribute.key: _plan(attribute) for attribute in row_type.attributes},
            required=tuple(a.key for a in row_type.attributes if a.required),
            row_rules=tuple(ROW_RULES.get(row_type.name, ())),
        )
        for row_type in schema.types
    }


def is_empty(value: Any) -> bool:
    """``nil``, a blank string, or an empty map, vector, list or set."""
    if value is None:
        return True
    if type(value) is str:
        return not value or value.isspace()
    if isinstance(value, dict | tuple | frozenset):
        return not value
    return False


class RowChecker:
    """Checks single rows against the schema: attributes, values, id tuple, row rules.

    One checker serves any number of rows; build it once (``now`` fixes the instant that
    ``instant-future`` compares against, default: construction time).
    """

    def __init__(
        self,
        schema: schemas.Schema | None = None,
        *,
        now: datetime | None = None,
        stamper: Stamper | None = None,
    ) -> None:
        self.schema = schema or schemas.load()
        self.context = Context(self.schema, now or datetime.now(UTC))
        self.tables = build_tables(self.schema)
        self.stamper = stamper or Stamper()

    def check(
        self,
        row: Row,
        index: int | None = None,
        position: Position | None = None,
    ) -> list[Finding]:
        """Every per-row finding for ``row``; ``position(path)`` locates paths in a file."""
        findings: list[Finding] = []
        table = self.tables.get(row.id_attr)
        label = row_label(row)
        stamper = self.stamper

        def emit(code: str, message: str, path: tuple, attribute: Keyword | None) -> None:
            if stamper.wants(code):
                findings.append(
                    stamper.make(
                        code,
                        message,
                        position=position(path) if position is not None else None,
                        row_index=index,
                        row_label=label,
                        attribute=attribute,
                    )
                )

        if (row.alias is not None and type(row.alias) is not Keyword) or type(
            row.import_id
        ) is NonCanonicalUUID or (row.alias is not None and not _alias_ok(row.alias)):
            for code, message, path in id_tuple_problems(row):
                emit(code, message, path, None)
        if table is None:
            emit(
                "row-type-unknown",
                f"{row.id_attr!r} is not a row type; expected one of "
                + ", ".join(repr(key) for key in self.tables),
                (0, 0),
                None,
            )
            return findings
        self._check_map(row.attrs, table.plans, table.required, (1,), emit, None, table)
        for code, rule in table.row_rules:
            for message in rule(row, table.row_type, self.context):
                text, path = (message, ()) if isinstance(message, str) else message
                attribute = path[1] if len(path) > 1 and type(path[1]) is Keyword else None
                emit(code, text, path, attribute)
        return findings

    def _check_map(self, mapping, plans, required, prefix, emit, shape_code, table) -> None:
        context = self.context
        for key, value in mapping.items():
            plan = plans.get(key)
            if plan is None:
                self._unknown(key, prefix, plans, emit, shape_code, table)
                continue
            accept = plan.accept
            if accept is not None and accept(value, plan.attribute, context):
                continue
            self._check_value(key, value, plan, prefix + (key,), emit)
        for key in required:
            if key not in mapping:
                attribute = plans[key].attribute
                code = shape_code or "attribute-required"
                where = prefix[-1] if len(prefix) > 1 else None
                emit(
                    code,
                    f"{key!r} is required"
                    + (f" in {where!r}" if where is not None else f" in {table.row_type.name} rows")
                    + f" ({attribute.kind})",
                    prefix,
                    where if isinstance(where, Keyword) else None,
                )

    def _unknown(self, key, prefix, plans, emit, shape_code, table) -> None:
        known = [k.text for k in plans]
        if type(key) is Keyword:
            close = difflib.get_close_matches(key.text, known, n=1)
            hint = f"; did you mean :{close[0]}?" if close else ""
            found = repr(key)
        else:
            hint = "; attribute keys are keywords"
            found = show(key)
        owner = prefix[-1] if len(prefix) > 1 else None
        where = f"{owner!r}" if owner is not None else f"{table.row_type.name} rows"
        emit(
            shape_code or "attribute-unknown",
            f"{found} is not an attribute of {where}{hint}",
            prefix + (key,),
            key if type(key) is Keyword else owner,
        )

    def _check_value(self, key: Keyword, value: Any, plan: Plan, path: tuple, emit) -> None:
        attribute = plan.attribute
        if is_empty(value):
            kind = "required" if attribute.required else "optional"
            emit(
                "attribute-empty",
                f"{key!r} must not be empty, found {show(value)}: "
                + (
                    "give it a value"
                    if attribute.required
                    else f"an {kind} attribute without a value must be omitted"
                ),
                path,
                key,
            )
            return
        if type(value) is Tagged and value.tag not in KNOWN_TAGS:
            emit(
                "tag-unknown",
                f"{key!r} holds the unknown tag #{value.tag}; Intermediary knows only "
                + ", ".join("#" + tag for tag in sorted(KNOWN_TAGS)),
                path,
                key,
            )
            return
        if plan.children is not None:
            if type(value) is not dict:
                names = ", ".join(repr(child) for child in plan.children)
                emit(
                    plan.shape_code or "type-mismatch",
                    f"{key!r} must be a map of {names}, found {show(value)}",
                    path,
                    key,
                )
                return
            self._check_map(value, plan.children, plan.required, path, emit, plan.shape_code, None)
            return
        context = self.context
        for spec in plan.rules:
            emitted = False
            for message in spec.function(value, attribute, context):
                emitted = True
                if isinstance(message, str):
                    emit(spec.code, message, path, key)
                else:
                    emit(spec.code, message[0], path + message[1], key)
            if emitted and spec.gate:
                return


def _alias_ok(alias: Keyword) -> bool:
    name = alias.name
    return (
        alias.namespace is not None
        and bool(name)
        and not name[0].isdigit()
        and " " not in alias.text
        and alias.problem is None
    )


_DEFAULT: RowChecker | None = None


def check_row(row: Row) -> list[Finding]:
    """Per-row findings for an in-memory ``row`` (no file positions).

    Checks the id tuple, every attribute against the schema and the row rules. Rules that need
    other rows (references, duplicates) are in :class:`migrate.rules.crossrow.CrossRowChecker`.
    """
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = RowChecker()
    return _DEFAULT.check(row)
