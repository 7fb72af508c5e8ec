"""Structure rules: the document around the rows, and each row's id tuple.

The reader reports the document's shape in ``reader.header`` and the row shape through
``RowShapeError`` (``migrate/edn/rows.py``); this module words those as findings and checks the
parts of an id tuple that read fine but break the spec: non-canonical import ids and bad aliases.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from migrate.edn.show import escape_text, show
from migrate.edn.values import Keyword, NonCanonicalUUID, Row

if TYPE_CHECKING:
    from migrate.edn.reader import Header


def non_canonical_message(import_id: NonCanonicalUUID, what: str = "import id") -> str:
    """The message of ``import-id-not-canonical``, for a row's import id or one in a reference.

    One rule for both: the same UUID is written the same way wherever it appears.
    """
    return (
        f"{what} {show(import_id)} must be written in canonical form (lowercase "
        f'8-4-4-4-12) #uuid "{uuid.UUID.__str__(import_id)}"'
    )


def alias_path(row: Row) -> tuple:
    """Path of the alias inside the row value: ``(0, 2)``, or ``(0, 1)`` without an import id."""
    return (0, 2) if row.import_id is not None else (0, 1)


def alias_problem(alias: Any) -> str | None:
    """Why ``alias`` cannot be an alias, or ``None`` when it can."""
    if type(alias) is not Keyword:
        return f"an alias must be a namespaced keyword such as :user/jane, found {show(alias)}"
    if alias.namespace is None:
        return f"alias {alias!r} must have a namespace, such as :user/{escape_text(alias.name)}"
    if " " in alias.text:
        return f"alias {show(alias.text)} must not contain spaces"
    if alias.name[:1].isdigit():
        return (
            f"alias {alias!r} must not begin with a digit after the '/'; "
            "prefix it with a letter, such as "
            + escape_text(f":{alias.namespace}/{alias.namespace[0]}{alias.name}")
        )
    problem = alias.problem
    if problem is not None:
        return f"alias {alias!r} is not a legal keyword: {problem}"
    return None


def id_tuple_problems(row: Row) -> Iterator[tuple[str, str, tuple]]:
    """``(code, message, path)`` for a non-canonical import id and an invalid alias."""
    if type(row.import_id) is NonCanonicalUUID:
        yield "import-id-not-canonical", non_canonical_message(row.import_id), (0, 1)
    if row.alias is not None:
        problem = alias_problem(row.alias)
        if problem is not None:
            yield "alias-invalid", problem, alias_path(row)


def document_problems(header: Header) -> list[tuple[str, str, tuple[int, int] | None]]:
    """``(code, message, position)`` for the document around the rows.

    ``header`` is the reader's completed :class:`~migrate.edn.reader.Header` (read to the end).
    """
    out: list[tuple[str, str, tuple[int, int] | None]] = []
    if header.not_map is not None:
        kind, where = header.not_map
        out.append(
            (
                "document-not-map",
                f"the document must be one map {{:ident … :data [...]}}, found a {kind}",
                where,
            )
        )
    else:
        for key, where in header.unknown_keys:
            out.append(
                (
                    "document-key-unknown",
                    f"the document may only have the keys :ident and :data, found {show(key)}",
                    where,
                )
            )
        if not header.ident_found:
            out.append(("ident-missing", "the document has no :ident (the marketplace ID)", None))
        elif type(header.ident) is not Keyword:
            out.append(
                (
                    "ident-not-keyword",
                    f":ident must be a keyword such as :my-marketplace, found {show(header.ident)}",
                    header.ident_position,
                )
            )
        if not header.data_found:
            out.append(("data-missing", "the document has no :data (the vector of rows)", None))
        elif header.data_kind not in ("vector", "list"):
            out.append(
                (
                    "data-not-sequence",
                    f":data must be a vector or list of rows, found a {header.data_kind}",
                    header.data_position,
                )
            )
    if header.trailing_content is not None:
        out.append(
            (
                "trailing-content",
                "content after the document: the file must hold exactly one map",
                header.trailing_content,
            )
        )
    return out
