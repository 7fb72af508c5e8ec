"""Short edn renderings of values for finding messages (``found 6``, ``found "  "``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from migrate.edn.values import Char, EdnList, Keyword, Location, Money, Ref, Symbol, Tagged

MAX_CHARS = 60

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def show(value: Any, limit: int = MAX_CHARS) -> str:
    """``value`` as edn text, cut to ``limit`` characters with an ellipsis."""
    text = _render(value, 0)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def kind_of(value: Any) -> str:
    """A word for the edn type of ``value`` (``string``, ``keyword``, ``vector`` …)."""
    for types, name in _KINDS:
        if isinstance(value, types):
            return name
    return type(value).__name__


_KINDS: tuple[tuple[Any, str], ...] = (
    (bool, "boolean"),
    (str, "string"),
    (int, "integer"),
    (float, "float"),
    (Decimal, "decimal"),
    (type(None), "nil"),
    (Keyword, "keyword"),
    (Symbol, "symbol"),
    (Char, "character"),
    (EdnList, "list"),
    (tuple, "vector"),
    (dict, "map"),
    (frozenset, "set"),
    (datetime, "#inst"),
    (uuid.UUID, "#uuid"),
    (Ref, "#im/ref"),
    (Money, "#im/money"),
    (Location, "#im/location"),
    (Tagged, "tagged element"),
)


def _render(value: Any, depth: int) -> str:
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return '"' + "".join(_ESCAPES.get(char, char) for char in value[:200]) + '"'
    if isinstance(value, Decimal):
        return f"{value}M"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Keyword | Ref | Money | Location | Symbol):
        return repr(value)
    if depth > 3:
        return "…"
    if isinstance(value, EdnList):
        return "(" + " ".join(_render(item, depth + 1) for item in value[:10]) + ")"
    if isinstance(value, tuple):
        return "[" + " ".join(_render(item, depth + 1) for item in value[:10]) + "]"
    if isinstance(value, dict):
        items = list(value.items())[:10]
        return (
            "{"
            + ", ".join(f"{_render(k, depth + 1)} {_render(v, depth + 1)}" for k, v in items)
            + "}"
        )
    if isinstance(value, frozenset):
        return "#{" + " ".join(sorted(_render(item, depth + 1) for item in value)) + "}"
    if isinstance(value, datetime):
        return f'#inst "{value.isoformat()}"'
    if isinstance(value, uuid.UUID):
        return f'#uuid "{getattr(value, "text", value)}"'
    if isinstance(value, Char):
        return "\\" + value.value
    if isinstance(value, Tagged):
        return f"#{value.tag} {_render(value.value, depth + 1)}"
    return repr(value)
