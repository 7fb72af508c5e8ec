"""Rules for the plain attribute kinds: strings, instants, booleans, integers and enums.

Emptiness (``attribute-empty``), presence (``attribute-required``) and unknown keys
(``attribute-unknown``) are decided by the engine from the schema before any of these run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migrate.edn.show import kind_of, show
from migrate.edn.values import EdnList, Keyword, is_instant
from migrate.rules.registry import Context, Message, acceptor, value_rule
from migrate.schemas import Attribute


def expected_found(attribute: Attribute, expected: str, value: Any) -> str:
    """``:attr must be EXPECTED, found VALUE (kind)``: the shape of every type message."""
    return f"{attribute.key!r} must be {expected}, found {show(value)} ({kind_of(value)})"


# strings ---------------------------------------------------------------------------------------


@acceptor("string")
def _string_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    return type(value) is str and value != "" and not value.isspace()


@value_rule("string", "type-mismatch", gate=True)
def string_type(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """A string attribute holds a string."""
    if not isinstance(value, str):
        yield expected_found(attribute, "a string", value)


# instants --------------------------------------------------------------------------------------


@acceptor("instant")
def _instant_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    return is_instant(value) and value <= context.now


@value_rule("instant", "type-mismatch", gate=True)
def instant_type(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """An instant attribute holds an ``#inst`` with a time zone."""
    if not is_instant(value):
        yield expected_found(attribute, 'an #inst such as #inst "2020-01-31T12:00:00Z"', value)


@value_rule("instant", "instant-future")
def instant_future(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """Creation times lie in the past."""
    if value > context.now:
        yield (
            f"{attribute.key!r} is in the future: {show(value)} is after the time of "
            f'validation #inst "{context.now.isoformat()}"'
        )


# booleans --------------------------------------------------------------------------------------


@acceptor("boolean")
def _boolean_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    return value is True or value is False


@value_rule("boolean", "type-mismatch", gate=True)
def boolean_type(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """A boolean attribute holds ``true`` or ``false``, nothing truthy."""
    if value is not True and value is not False:
        yield expected_found(attribute, "true or false", value)


# integers --------------------------------------------------------------------------------------


def _range_text(attribute: Attribute) -> str:
    if attribute.min is not None and attribute.max is not None:
        return f"an integer from {attribute.min} to {attribute.max}"
    if attribute.min is not None:
        return f"an integer of at least {attribute.min}"
    if attribute.max is not None:
        return f"an integer of at most {attribute.max}"
    return "an integer"


@acceptor("integer")
def _integer_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    return (
        type(value) is int
        and (attribute.min is None or value >= attribute.min)
        and (attribute.max is None or value <= attribute.max)
    )


@value_rule("integer", "type-mismatch", gate=True)
def integer_type(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """An integer attribute holds an edn integer: not a boolean, float or ``M`` decimal."""
    if type(value) is not int:
        yield expected_found(attribute, _range_text(attribute), value)


@value_rule("integer", "integer-range")
def integer_range(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """The integer lies within the schema's bounds."""
    if (attribute.min is not None and value < attribute.min) or (
        attribute.max is not None and value > attribute.max
    ):
        yield f"{attribute.key!r} must be {_range_text(attribute)}, found {value}"


# enums -----------------------------------------------------------------------------------------


def _choices(attribute: Attribute) -> str:
    return ", ".join(repr(value) for value in attribute.values)


@acceptor("enum")
def _enum_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    return type(value) is Keyword and value in attribute.values


@value_rule("enum", "enum-value", gate=True)
def enum_value(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """An enum attribute holds exactly one of the listed keywords."""
    if not (type(value) is Keyword and value in attribute.values):
        yield f"{attribute.key!r} must be one of {_choices(attribute)}, found {show(value)}"


@acceptor("enum-set")
def _enum_set_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    return (
        type(value) is tuple
        and len(value) > 0
        and all(type(item) is Keyword and item in attribute.values for item in value)
        and len(set(value)) == len(value)
    )


@value_rule("enum-set", "roles-invalid", gate=True)
def enum_set_shape(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """Roles are a vector of keywords (a list or set is not accepted)."""
    if not isinstance(value, tuple) or isinstance(value, EdnList):
        yield expected_found(attribute, f"a vector of {_choices(attribute)}", value)


@value_rule("enum-set", "enum-value")
def enum_set_values(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """Every element is one of the listed keywords."""
    for index, item in enumerate(value):
        if not (type(item) is Keyword and item in attribute.values):
            yield (
                f"{attribute.key!r} elements must be one of {_choices(attribute)}, "
                f"found {show(item)}",
                (index,),
            )


@value_rule("enum-set", "roles-invalid")
def enum_set_duplicates(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """No element appears twice."""
    seen = set()
    for index, item in enumerate(value):
        try:
            duplicate = item in seen
            seen.add(item)
        except TypeError:
            continue
        if duplicate:
            yield f"{attribute.key!r} lists {show(item)} more than once", (index,)
