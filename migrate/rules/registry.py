"""Where value rules register themselves, by value kind.

A value rule is a plain function ``rule(value, attribute, context)`` that yields messages: a
``str``, or ``(message, subpath)`` when the problem sits inside the value (a vector element, a
nested key). The engine stamps the rule's code, severity and position onto each message.

A *gate* rule checks the value's basic shape; when it yields anything the later rules of the
kind are skipped, so a string in a money attribute is one ``type-mismatch``, not five findings.
An *acceptor* is a cheap predicate that is true only when every rule of the kind would stay
silent; the engine tries it first and runs the rules only for values it does not accept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from migrate.schemas import Attribute, Schema

Message = str | tuple[str, tuple]
ValueRule = Callable[[Any, Attribute, "Context"], Iterable[Message]]
Acceptor = Callable[[Any, Attribute, "Context"], bool]


@dataclass(frozen=True, slots=True)
class Context:
    """What value rules may consult besides the value: the schema and the current time."""

    schema: Schema
    now: datetime


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A registered value rule."""

    code: str
    function: ValueRule
    gate: bool


KIND_RULES: dict[str, list[RuleSpec]] = {}
ACCEPTORS: dict[str, Acceptor] = {}


def value_rule(kind: str, code: str, *, gate: bool = False) -> Callable[[ValueRule], ValueRule]:
    """Register the decorated function as a rule for values of ``kind`` emitting ``code``."""

    def register(function: ValueRule) -> ValueRule:
        KIND_RULES.setdefault(kind, []).append(RuleSpec(code, function, gate))
        return function

    return register


def acceptor(kind: str) -> Callable[[Acceptor], Acceptor]:
    """Register the decorated predicate as the fast path for values of ``kind``."""

    def register(function: Acceptor) -> Acceptor:
        ACCEPTORS[kind] = function
        return function

    return register


# Columnar forms ----------------------------------------------------------------------------------

#: A value rule's columnar form: ``form(batch, value, attribute, context)`` gives a Boolean
#: Polars expression, true for the rows where the rule certainly yields nothing. ``value`` is a
#: column of values as the convert engine holds them (:class:`migrate.convert.batch.Val`, or a
#: ``JsonMap`` for extended data); ``batch`` lets a form run Python once per distinct value.
#: A form may be conservative (false where unsure): those rows are checked row by row. A rule
#: without a form runs in Python once per distinct value.
VectorRule = Callable[[Any, Any, Attribute, "Context"], Any]
VECTOR_FORMS: dict[ValueRule, VectorRule] = {}


def vector_form(rule: ValueRule) -> Callable[[VectorRule], VectorRule]:
    """Register the decorated function as the columnar form of value rule ``rule``."""

    def register(form: VectorRule) -> VectorRule:
        VECTOR_FORMS[rule] = form
        return form

    return register
