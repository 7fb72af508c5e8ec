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
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from migrate import schemas
from migrate.edn.show import show
from migrate.edn.values import Keyword, NonCanonicalUUID, Ref, Row, Tagged
from migrate.rules import attributes, references, values  # noqa: F401  (register the rules)
from migrate.rules.catalogue import SEVERITY
from migrate.rules.findings import Finding
from migrate.rules.registry import ACCEPTORS, KIND_RULES, Context, RuleSpec
from migrate.rules.semantics import ROW_RULES
from migrate.rules.structure import id_tuple_problems

Position = Callable[[tuple], "tuple[int, int] | None"]
#: ``emit(code, message, path, attribute)``: records one finding of the row being checked.
Emit = Callable[[str, str, tuple[Any, ...], Keyword | None], None]
RowRules = Iterable[tuple[str, Callable[[Any, Any, Any], Iterable[Any]]]]

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

    ``select`` keeps only the listed codes, ``ignore`` drops the listed ones. ``kept(code)``,
    when given, says whether the next finding of ``code`` will be kept: the position of one
    that will only be counted is not computed (locating a path walks the row's text again).
    """

    __slots__ = ("file", "enabled", "disabled", "kept", "counted")

    def __init__(
        self,
        file: str | None = None,
        select: frozenset[str] | None = None,
        ignore: frozenset[str] | None = None,
    ) -> None:
        self.file = file
        self.enabled = select
        self.disabled = ignore or frozenset()
        self.kept: Callable[[str], bool] | None = None
        self.counted: Callable[[str], None] | None = None

    def locating(self, code: str) -> bool:
        """True when a finding of ``code`` needs its position (it will be kept)."""
        return self.kept is None or self.kept(code)

    def takes(self, code: str) -> bool:
        """True when a finding of ``code`` is to be made; one that is reported but will not be
        kept is only counted (``counted(code)``), without building it."""
        if not self.wants(code):
            return False
        if self.counted is not None and self.kept is not None and not self.kept(code):
            self.counted(code)
            return False
        return True

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
    children: dict[int, Plan] | None  # by id() of the key, see _by_identity
    required: tuple[Keyword, ...]
    shape_code: str | None  # a map whose shape problems have their own code (primaryEmail)
    fast: int  # which inline acceptance test _check_map applies (_STRING, _ENUM, …)
    ids: frozenset[int]  # enum values, or the id attributes a ref may name, by id()
    required_flag: int  # 1 for a required attribute: counted to skip the missing-key scan
    low: float  # integer bounds (infinite when the schema gives none)
    high: float


@dataclass(slots=True)
class TypeTable:
    """The plans of one row type, built once from the schema."""

    row_type: schemas.RowType
    plans: dict[int, Plan]
    required: tuple[Keyword, ...]
    row_rules: tuple[tuple[str, Callable], ...]
    required_count: int = 0

    def __post_init__(self) -> None:
        self.required_count = len(self.required)


_OTHER, _STRING, _ENUM, _INSTANT, _REF, _MAP, _INTEGER, _BOOLEAN = range(8)
_FAST = {
    "string": _STRING,
    "enum": _ENUM,
    "instant": _INSTANT,
    "ref": _REF,
    "map": _MAP,
    "integer": _INTEGER,
    "boolean": _BOOLEAN,
}


def _plan(attribute: schemas.Attribute, schema: schemas.Schema) -> Plan:
    children = None
    required: tuple[Keyword, ...] = ()
    shape_code = None
    if attribute.kind == "map":
        children = _by_identity({child.key: _plan(child, schema) for child in attribute.attributes})
        required = tuple(child.key for child in attribute.attributes if child.required)
        if any(child.kind == "email" for child in attribute.attributes):
            shape_code = "email-shape"
    if attribute.kind == "ref":
        ids = frozenset(id(t.id_attr) for t in schema.types if t.name in attribute.targets)
    else:
        ids = frozenset(id(value) for value in attribute.values)
    return Plan(
        attribute=attribute,
        accept=ACCEPTORS.get(attribute.kind),
        rules=tuple(KIND_RULES.get(attribute.kind, ())),
        children=children,
        required=required,
        shape_code=shape_code,
        fast=_FAST.get(attribute.kind, _OTHER),
        ids=ids,
        required_flag=int(attribute.required),
        low=attribute.min if attribute.min is not None else float("-inf"),
        high=attribute.max if attribute.max is not None else float("inf"),
    )


def _by_identity(plans: dict[Keyword, Plan]) -> dict[int, Plan]:
    """Plans keyed by ``id(keyword)``.

    Keywords are interned and the schema keeps its own alive, so their identity is a stable key
    (a keyword read from a file is the same object while the schema holds it), and
    ``dict.get(id(key))`` avoids calling ``Keyword.__hash__`` (Python code) once per attribute of
    every row: the engine's hottest loop. Keywords the schema does not hold (aliases) may be
    freed and their id() reused, so they are never keyed this way.
    """
    return {id(key): plan for key, plan in plans.items()}


def build_tables(schema: schemas.Schema) -> dict[Keyword, TypeTable]:
    """Attribute plans for every row type of ``schema``, keyed by id attribute."""
    return {
        row_type.id_attr: TypeTable(
            row_type=row_type,
            plans=_by_identity(
                {attribute.key: _plan(attribute, schema) for attribute in row_type.attributes}
            ),
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
        marketplace: Any = None,
    ) -> None:
        self.schema = schema or schemas.load()
        self.marketplace = marketplace
        self._market = None
        if marketplace is not None:
            from migrate.rules.marketplace import MarketplaceRules

            self._market = MarketplaceRules(marketplace)
        self._row_type: schemas.RowType = self.schema.types[0]  # the row being checked
        self.context = Context(self.schema, now or datetime.now(UTC))
        self.tables = build_tables(self.schema)
        self._tables_by_id = {id(key): table for key, table in self.tables.items()}
        self.stamper = stamper or Stamper()
        self.now = self.context.now

    def check(
        self,
        row: Row,
        index: int | None = None,
        position: Position | None = None,
    ) -> list[Finding]:
        """Every per-row finding for ``row``; ``position(path)`` locates paths in a file.

        With a marketplace configuration, its checks follow the Intermediary ones (so that
        convert rejects a row for its first Intermediary error before any marketplace one).
        """
        table = self._tables_by_id.get(id(row.id_attr))
        findings: list[Finding] | None = None
        if table is not None:
            # The common case, a valid row: one pass of inline tests that builds nothing (no
            # closure, no paths); any doubt and the full checks below run from the start.
            alias = row.alias
            if (
                type(row.import_id) is not NonCanonicalUUID
                and (alias is None or (type(alias) is Keyword and _alias_ok(alias)))
                and self._accepts(row.attrs, table.plans, table.required_count)
            ):
                # Every attribute is fine: only the row rules may have something to say (a
                # warning on every listing of a file must not cost a second full check).
                findings = []
                for number, (_code, rule) in enumerate(table.row_rules):
                    said = rule(row, table.row_type, self.context)  # the messages, if any, are kept
                    if said:  # the rules return tuples, empty for a good row
                        findings = self._row_rules(row, table, index, position, number, said)
                        break
        if findings is None:
            findings = self._check(row, table, index, position)
        if self._market is not None and table is not None:
            problems = self._market.check(row)
            if problems:
                stamper = self.stamper
                label = row_label(row)
                for code, message, path, attribute in problems:
                    if stamper.takes(code):
                        findings.append(
                            stamper.make(
                                code,
                                message,
                                position=position(path)
                                if position is not None and stamper.locating(code)
                                else None,
                                row_index=index,
                                row_label=label,
                                attribute=attribute,
                            )
                        )
        return findings

    def _row_rules(
        self,
        row: Row,
        table: TypeTable,
        index: int | None,
        position: Position | None,
        first: int,
        messages: Iterable[Any],
    ) -> list[Finding]:
        """The findings of ``table``'s row rules alone, for a row whose attributes are fine:
        rule number ``first`` said ``messages`` (the earlier ones had nothing to say), the
        later ones still run."""
        findings: list[Finding] = []
        stamper = self.stamper
        kept, counted = stamper.kept, stamper.counted
        context = self.context
        for number in range(first, len(table.row_rules)):
            code, rule = table.row_rules[number]
            if not stamper.wants(code):
                continue
            said = messages if number == first else rule(row, table.row_type, context)
            for message in said:
                if kept is not None and counted is not None and not kept(code):
                    counted(code)  # only counted: not built, not located
                    continue
                text, path = _message_parts(message)
                attribute = path[1] if len(path) > 1 and type(path[1]) is Keyword else None
                findings.append(
                    stamper.make(
                        code,
                        text,
                        position=position(path)
                        if position is not None and stamper.locating(code)
                        else None,
                        row_index=index,
                        row_label=row_label(row),
                        attribute=attribute,
                    )
                )
        return findings

    def _check(
        self,
        row: Row,
        table: TypeTable | None,
        index: int | None,
        position: Position | None,
    ) -> list[Finding]:
        findings: list[Finding] = []
        stamper = self.stamper

        def emit(code: str, message: str, path: tuple, attribute: Keyword | None) -> None:
            if stamper.takes(code):
                findings.append(
                    stamper.make(
                        code,
                        message,
                        position=position(path)
                        if position is not None and stamper.locating(code)
                        else None,
                        row_index=index,
                        row_label=row_label(row),
                        attribute=attribute,
                    )
                )

        alias = row.alias
        if type(row.import_id) is NonCanonicalUUID or (
            alias is not None and (type(alias) is not Keyword or not _alias_ok(alias))
        ):
            for code, message, id_path in id_tuple_problems(row):
                emit(code, message, id_path, None)
        if table is None:
            emit(
                "row-type-unknown",
                f"{row.id_attr!r} is not a row type; expected one of "
                + ", ".join(repr(id_attr) for id_attr in self.tables),
                (0, 0),
                None,
            )
            return findings
        self._row_type = table.row_type
        self._check_map(row.attrs, table.plans, table.required, (1,), emit, None, table)
        for code, rule in table.row_rules:
            for message in rule(row, table.row_type, self.context):
                text, path = _message_parts(message)
                attribute = path[1] if len(path) > 1 and type(path[1]) is Keyword else None
                emit(code, text, path, attribute)
        return findings

    def _accepts(
        self, mapping: dict[Any, Any], plans: dict[int, Plan], required_count: int
    ) -> bool:
        """True when :meth:`_check_map` would find nothing in ``mapping`` (same inline tests)."""
        present = 0
        for key, value in mapping.items():
            plan = plans.get(id(key))
            if plan is None:
                return False
            present += plan.required_flag
            fast = plan.fast
            # Ordered by how often each kind occurs in real files.
            if fast == _REF:
                if type(value) is not Ref:
                    return False
                alias = value.alias
                if alias is not None:
                    if type(alias) is not Keyword or alias.namespace is None:
                        return False
                elif (
                    id(value.id_attr) not in plan.ids
                    or not isinstance(value.import_id, UUID)
                    or type(value.import_id) is NonCanonicalUUID
                ):
                    return False
            elif fast == _OTHER:
                accept = plan.accept
                if accept is None or not accept(value, plan.attribute, self.context):
                    return False
            elif fast == _STRING:
                if type(value) is not str or not value or value.isspace():
                    return False
            elif fast == _INTEGER:
                if type(value) is not int or not plan.low <= value <= plan.high:
                    return False
            elif fast == _ENUM:
                if type(value) is not Keyword or id(value) not in plan.ids:
                    return False
            elif fast == _INSTANT:
                if type(value) is not datetime or value.tzinfo is None or value > self.now:
                    return False
            elif fast == _MAP:
                if (
                    type(value) is not dict
                    or not value
                    or plan.children is None  # never: a map plan has children
                    or not self._accepts(value, plan.children, len(plan.required))
                ):
                    return False
            elif value is not True and value is not False:  # _BOOLEAN, the last kind
                return False
        return present == required_count

    def _check_map(
        self,
        mapping: dict[Any, Any],
        plans: dict[int, Plan],
        required: tuple[Keyword, ...],
        prefix: tuple[Any, ...],
        emit: Emit,
        shape_code: str | None,
        table: TypeTable | None,
    ) -> None:
        # The hot loop: the commonest kinds are accepted inline, without a call; anything the
        # inline test or the kind's acceptor does not vouch for goes to the full rules.
        context = self.context
        now = context.now
        present = 0
        for key, value in mapping.items():
            plan = plans.get(id(key))
            if plan is None:
                self._unknown(key, prefix, plans, emit, shape_code, table)
                continue
            present += plan.required_flag
            fast = plan.fast
            if fast == _STRING:
                if type(value) is str and value and not value.isspace():
                    continue
            elif fast == _ENUM:
                if type(value) is Keyword and id(value) in plan.ids:
                    continue
            elif fast == _INSTANT:
                if type(value) is datetime and value.tzinfo is not None and value <= now:
                    continue
            elif fast == _REF:
                if type(value) is Ref:
                    alias = value.alias
                    if alias is not None:
                        if type(alias) is Keyword and alias.namespace is not None:
                            continue
                    elif (
                        id(value.id_attr) in plan.ids
                        and isinstance(value.import_id, UUID)
                        and type(value.import_id) is not NonCanonicalUUID
                    ):
                        continue
            elif fast == _INTEGER:
                if type(value) is int and plan.low <= value <= plan.high:
                    continue
            elif fast == _BOOLEAN:
                if value is True or value is False:
                    continue
            elif fast == _MAP and plan.children is not None:  # a map plan has children
                if type(value) is dict and value:
                    self._check_map(
                        value, plan.children, plan.required, prefix + (key,), emit,
                        plan.shape_code, None,
                    )  # fmt: skip
                    continue
            else:
                accept = plan.accept
                if accept is not None and accept(value, plan.attribute, context):
                    continue
            self._check_value(key, value, plan, prefix + (key,), emit)
        if present == len(required):
            return
        # A required key written under another name (``:firstName`` in a nested map) is
        # reported once, by attribute-unknown with its "did you mean".
        misnamed = {
            key.name.casefold()
            for key in mapping
            if type(key) is Keyword and plans.get(id(key)) is None
        }
        for key in required:
            if key not in mapping and key.name.casefold() not in misnamed:
                attribute = plans[id(key)].attribute
                code = shape_code or "attribute-required"
                where = prefix[-1] if len(prefix) > 1 else None
                emit(
                    code,
                    f"{key!r} is required"
                    + (f" in {where!r}" if where is not None else f" in {_rows_of(table)}")
                    + f" ({attribute.kind})",
                    prefix,
                    where if isinstance(where, Keyword) else None,
                )

    def _unknown(
        self,
        key: Any,
        prefix: tuple[Any, ...],
        plans: dict[int, Plan],
        emit: Emit,
        shape_code: str | None,
        table: TypeTable | None,
    ) -> None:
        owner = prefix[-1] if len(prefix) > 1 else None
        if type(key) is Keyword:
            hint = self._hint(key, owner, plans)
            found = repr(key)
        else:
            hint = "; attribute keys are keywords"
            found = show(key)
        where = f"{owner!r}" if owner is not None else _rows_of(table)
        emit(
            shape_code or "attribute-unknown",
            f"{found} is not an attribute of {where}{hint}",
            prefix + (key,),
            key if type(key) is Keyword else owner,
        )

    def _hint(self, key: Keyword, owner: Any, plans: dict[int, Plan]) -> str:
        """``; did you mean …`` for an unknown key: the right place first, then the spelling.

        An attribute of the same name in this map comes first (a key written unqualified inside
        a nested map, or with another namespace); then one of the same name elsewhere in the
        row (``:im.user/publicData`` is ``:im.userProfile/publicData`` inside
        ``:im.user/profile``); then the closest spelling among this map's attributes.
        """
        here = [plan.attribute for plan in plans.values()]
        folded = key.name.casefold()
        for attribute in here:
            if attribute.key.name.casefold() == folded:
                if key.namespace is None and owner is not None:
                    return (
                        f"; did you mean {attribute.key!r}? Keys inside a nested map are not "
                        "qualified by a namespaced-map prefix such as #:"
                        f"{self._row_type.id_attr.namespace}{{…}} on the map around it: that "
                        "prefix applies only to the keys of the map it is written on"
                    )
                return f"; did you mean {attribute.key!r}?"
        for attribute, parent in _attributes_with_parents(self._row_type.attributes, None):
            if attribute.key.name.casefold() == folded and attribute not in here:
                place = f"inside {parent.key!r}" if parent is not None else "at the top of the row"
                return f"; did you mean {attribute.key!r} {place}?"
        known = [attribute.key.text for attribute in here]
        close = difflib.get_close_matches(key.text, known, n=1)
        return f"; did you mean :{close[0]}?" if close else ""

    def _check_value(
        self, key: Keyword, value: Any, plan: Plan, path: tuple[Any, ...], emit: Emit
    ) -> None:
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
                names = ", ".join(repr(child.key) for child in plan.attribute.attributes)
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


def _message_parts(message: Any) -> tuple[str, tuple[Any, ...]]:
    """A row rule's message as ``(text, path)``; a plain string is about the whole row."""
    return (message, ()) if isinstance(message, str) else message


def _rows_of(table: TypeTable | None) -> str:
    """``user rows``: where a top-level attribute is missing or unknown."""
    assert table is not None, "top-level keys are checked with their row type's table"
    return f"{table.row_type.name} rows"


def _attributes_with_parents(
    children: Iterable[schemas.Attribute], parent: schemas.Attribute | None
) -> Iterator[tuple[schemas.Attribute, schemas.Attribute | None]]:
    """Every attribute of a row type, nested ones too, with the map attribute holding it."""
    for attribute in children:
        yield attribute, parent
        yield from _attributes_with_parents(attribute.attributes, attribute)


# Aliases of this plain shape are always valid; anything else gets the full checks.
_PLAIN_ALIAS_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*/[A-Za-z_][A-Za-z0-9_\-]*\Z")


def _alias_ok(alias: Keyword) -> bool:
    if _PLAIN_ALIAS_RE.match(alias.text):
        return True
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
