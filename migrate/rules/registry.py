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
