"""Dotted paths into nested records: ``get_path``, ``flatten_columns`` and ``children``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from migrate.extract.origin import Origin, SourceRow

PARENT_PREFIX = "parent."
ELEMENT_KEY = "value"

_MISSING = object()


def get_path(values: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """The value at dotted ``path`` in ``values``, or ``default`` when any step is missing.

    A key that itself contains dots wins over descending (a CSV column may be named ``a.b``, child
    rows carry ``parent.id``), so ``get_path({"parent.location": {"city": "Oslo"}},
    "parent.location.city")`` is ``"Oslo"``.
    """
    found = _lookup(values, path)
    return default if found is _MISSING else found


def _lookup(values: Any, path: str) -> Any:
    if not isinstance(values, Mapping):
        return _MISSING
    if path in values:
        return values[path]
    dot = path.rfind(".")
    while dot > 0:
        head = path[:dot]
        if head in values:
            found = _lookup(values[head], path[dot + 1 :])
            if found is not _MISSING:
                return found
        dot = path.rfind(".", 0, dot)
    return _MISSING


def flatten_columns(record: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """The column names of a nested record: nested objects as dotted paths, arrays by their key."""
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from flatten_columns(value, f"{name}.")
        else:
            yield name


def children(row: SourceRow, path: str) -> Iterator[SourceRow]:
    """One row per element of the array at ``path`` in ``row``, with the parent's fields.

    Each child has the element's fields (a scalar element is under ``value``) plus every
    top-level field of the parent but the array itself under ``parent.`` (e.g. ``parent.id``).
    Its origin extends the parent's: ``listings.json:record 12 photos[3]`` (0-based index).
    A missing or empty array gives no rows; anything but an array raises ``TypeError``.
    """
    elements = get_path(row.values, path)
    if elements is None:
        return
    if not isinstance(elements, list | tuple):
        raise TypeError(f"{row.origin}: {path} is not an array")
    if not elements:
        return
    parent = {
        PARENT_PREFIX + key: value
        for key, value in row.values.items()
        if key != path and not key.startswith(PARENT_PREFIX)
    }
    for index, element in enumerate(elements):
        values = dict(element) if isinstance(element, Mapping) else {ELEMENT_KEY: element}
        values.update(parent)
        origin = Origin(row.origin.source, f"{row.origin.location} {path}[{index}]")
        yield SourceRow(values, origin)
