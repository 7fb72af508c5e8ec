"""Rules for ``#im/ref`` values, and how a reference is described in messages.

Whether a reference resolves, and to which row type, is settled across rows by
:class:`migrate.rules.crossrow.CrossRowChecker`; here each reference is checked on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from migrate.edn.show import show
from migrate.edn.values import Keyword, NonCanonicalUUID, Ref, Tagged
from migrate.rules.attributes import expected_found
from migrate.rules.registry import Context, Message, acceptor, value_rule, vector_form
from migrate.rules.structure import non_canonical_message
from migrate.schemas import Attribute

if TYPE_CHECKING:
    import polars as pl


def target_text(attribute: Attribute) -> str:
    """``a user row`` / ``a user or listing row``: the types a ref attribute may point at."""
    return "a " + " or ".join(attribute.targets) + " row"


def malformed(ref: Ref) -> str | None:
    """Why ``ref`` cannot name a row, or ``None`` when its form is right."""
    if ref.alias is not None:
        if type(ref.alias) is not Keyword or ref.alias.namespace is None:
            return "an alias must be a namespaced keyword such as :user/jane"
        return None
    if type(ref.id_attr) is not Keyword or not isinstance(ref.import_id, uuid.UUID):
        return 'an id reference is [:im.TYPE/id #uuid "…"]'
    return None


@acceptor("ref")
def _ref_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    if type(value) is not Ref:
        return False
    if value.alias is not None:
        return type(value.alias) is Keyword and value.alias.namespace is not None
    if value.id_attr is None:
        return False
    row_type = context.schema.by_id_attr.get(value.id_attr)
    return (
        row_type is not None
        and row_type.name in attribute.targets
        and isinstance(value.import_id, uuid.UUID)
        and type(value.import_id) is not NonCanonicalUUID
    )


@value_rule("ref", "type-mismatch", gate=True)
def ref_type(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """A reference attribute holds ``#im/ref``."""
    if not isinstance(value, Ref | Tagged):
        yield expected_found(attribute, f"an #im/ref to {target_text(attribute)}", value)


@value_rule("ref", "ref-malformed", gate=True)
def ref_malformed(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """``#im/ref`` holds an alias keyword or ``[:im.TYPE/id #uuid "…"]``."""
    if isinstance(value, Tagged):
        yield (
            f'{attribute.key!r} must be #im/ref :alias or #im/ref [:im.TYPE/id #uuid "…"], '
            f"found {show(value)}"
        )
        return
    problem = malformed(value)
    if problem is not None:
        yield f"{attribute.key!r} reference {show(value)} is malformed: {problem}"
    elif value.alias is None and value.id_attr not in context.schema.by_id_attr:
        yield (
            f"{attribute.key!r} reference {show(value)} is malformed: {value.id_attr!r} is not "
            "an id attribute of any row type"
        )


@value_rule("ref", "ref-wrong-type")
def ref_wrong_type(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """A reference by import id names its row type, which must be one the attribute allows."""
    if value.alias is not None:
        return
    row_type = context.schema.by_id_attr[value.id_attr]
    if row_type.name not in attribute.targets:
        yield (
            f"{attribute.key!r} must reference {target_text(attribute)}, "
            f"found a reference to a {row_type.name} row: {show(value)}"
        )


@value_rule("ref", "import-id-not-canonical")
def ref_import_id_canonical(
    value: Ref, attribute: Attribute, context: Context
) -> Iterator[Message]:
    """An import id inside ``#im/ref [:im.TYPE/id #uuid "…"]`` is canonical, like the row's own."""
    if value.alias is None and type(value.import_id) is NonCanonicalUUID:
        yield non_canonical_message(value.import_id, f"{attribute.key!r} reference's import id")


# Columnar forms (see migrate.rules.registry.VECTOR_FORMS): the convert engine builds each
# reference as [:im.TARGET/id #uuid "…"] of a target the job loader checked against the schema.


def _built_reference(value: Any, attribute: Attribute) -> pl.Expr:
    import polars as pl

    return pl.lit(value.kind == "ref" and value.target in attribute.targets)


@vector_form(ref_type)
def _ref_type_columns(batch: Any, value: Any, attribute: Attribute, context: Context) -> pl.Expr:
    return _built_reference(value, attribute)


@vector_form(ref_malformed)
def _ref_malformed_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    return _built_reference(value, attribute)


@vector_form(ref_wrong_type)
def _ref_wrong_type_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    return _built_reference(value, attribute)


@vector_form(ref_import_id_canonical)
def _ref_import_id_canonical_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    return _built_reference(value, attribute)  # uuid5 import ids are canonical
