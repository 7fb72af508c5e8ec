"""Interpret a raw ``:data`` element, ``[id-tuple attributes]``, as a :class:`Row`.

The id tuple has 1 to 3 elements: the id attribute (which names the row type), then an optional
import id (``#uuid``), then an optional alias (keyword); the 2-element form takes either.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrate import schemas
from migrate.edn._parse import kind_name
from migrate.edn.errors import RowShapeError
from migrate.edn.show import show
from migrate.edn.values import Keyword, Row

if TYPE_CHECKING:
    from migrate.edn.reader import Header

__all__ = ["RowShapeError", "not_a_document", "row_from_value"]


def row_from_value(value: Any) -> Row:
    """The :class:`Row` of a raw ``:data`` element, or :class:`RowShapeError`.

    The error's ``code`` is ``row-shape``, ``id-tuple-shape``, ``row-type-unknown`` or
    ``attrs-not-map``; its ``path`` points at the offending value inside the element. The
    attribute map is taken as it is, not copied.
    """
    if type(value) is not tuple or len(value) != 2:
        raise RowShapeError(
            "row-shape",
            f"a row must be a vector [id-tuple attributes], found {_described(value)}",
        )
    id_tuple, attrs = value
    if type(id_tuple) is not tuple or not 1 <= len(id_tuple) <= 3:
        raise RowShapeError(
            "id-tuple-shape",
            f"the id tuple must be a vector of 1 to 3 elements, found {_described(id_tuple)}",
            (0,),
        )
    id_attr = id_tuple[0]
    if type(id_attr) is not Keyword:
        raise RowShapeError(
            "id-tuple-shape",
            f"the id tuple must start with an id attribute such as :im.user/id, found "
            f"{show(id_attr)}",
            (0, 0),
        )
    if id_attr not in schemas.load().by_id_attr:
        known = ", ".join(repr(row_type.id_attr) for row_type in schemas.load().types)
        raise RowShapeError(
            "row-type-unknown", f"unknown row type {show(id_attr)} (known: {known})", (0, 0)
        )
    import_id = alias = None
    if len(id_tuple) == 2:
        second = id_tuple[1]
        if isinstance(second, uuid.UUID):
            import_id = second
        elif type(second) is Keyword:
            alias = second
        else:
            raise RowShapeError(
                "id-tuple-shape",
                f"the second element of the id tuple must be an import id (#uuid) or an alias "
                f"(keyword), found {show(second)}",
                (0, 1),
            )
    elif len(id_tuple) == 3:
        import_id, alias = id_tuple[1], id_tuple[2]
        if not isinstance(import_id, uuid.UUID):
            raise RowShapeError(
                "id-tuple-shape",
                f"the second element of a 3-element id tuple must be an import id (#uuid), "
                f"found {show(import_id)}",
                (0, 1),
            )
        if type(alias) is not Keyword:
            raise RowShapeError(
                "id-tuple-shape",
                f"the third element of the id tuple must be an alias (keyword), found "
                f"{show(alias)}",
                (0, 2),
            )
    if not isinstance(attrs, dict):
        raise RowShapeError(
            "attrs-not-map",
            f"the attributes of a row must be a map, found {_described(attrs)}",
            (1,),
        )
    return Row(id_attr, import_id, alias, attrs)


def not_a_document(
    header: Header, path: str | os.PathLike[str]
) -> tuple[str, tuple[int, int]] | None:
    """Why the file read into ``header`` is no Intermediary document, and where; or ``None``.

    For a top-level value that is not a map (an HTML page, a vector, a number), the message is
    ``the top-level value is a symbol, not the map {:ident … :data […]} of an Intermediary
    document`` (plus a hint when the file at ``path`` looks like HTML or XML) and the position
    is the value's ``(line, column)``: callers raise it as an ``EdnSyntaxError`` so it reads
    ``FILE:1:1: …`` like a syntax error. ``header`` must be complete (the reader has finished).
    """
    if header.not_map is None:
        return None
    kind, where = header.not_map
    hint = " (the file looks like HTML or XML)" if _looks_like_markup(Path(path)) else ""
    message = (
        f"the top-level value is a {kind}, not the map {{:ident … :data […]}} of an "
        f"Intermediary document{hint}"
    )
    return message, where


def _looks_like_markup(path: Path) -> bool:
    """Whether the file starts with ``<`` (after a BOM and blanks): a saved web page, say.

    Only a regular file is looked at again: reading a pipe would take data that is gone.
    """
    if not path.is_file():
        return False
    with path.open("rb") as stream:
        start = stream.read(512)
    return start.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def _described(value: Any) -> str:
    kind = kind_name(value)
    if kind in ("vector", "list", "set", "map"):
        return f"a {kind} of {len(value)} element{'s' if len(value) != 1 else ''}"
    if kind in ("nil", "boolean"):
        return show(value)
    return f"{kind} {show(value)}"
