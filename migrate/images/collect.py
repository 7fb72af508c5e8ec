"""The image rows of an Intermediary file: where each is, its URL, and who uses it.

One streaming pass over the file (:class:`~migrate.edn.reader.DocumentReader`): an image row
keeps its position, label (alias or import id), URL and the listing its ``:im.image/listing``
names; a user row whose profile names an avatar adds the user to that image's users. Only
these small records stay in memory, never a row's other attributes. Rows that are not rows at
all are left to ``migrate validate``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from migrate import schemas
from migrate.edn.errors import EdnSyntaxError, RowShapeError
from migrate.edn.reader import DocumentReader
from migrate.edn.rows import not_a_document, row_from_value
from migrate.edn.show import show
from migrate.edn.values import Ref

IMAGE_ID = schemas.key("im.image/id")
USER_ID = schemas.key("im.user/id")
URL = schemas.key("im.image/url")
LISTING = schemas.key("im.image/listing")
PROFILE = schemas.key("im.user/profile")
AVATAR = schemas.key("im.userProfile/avatar")

MISSING = object()
"""The ``url`` of an image row without ``:im.image/url``."""


@dataclass(slots=True)
class ImageRow:
    """One image row: its 0-based index in ``:data``, position, label, URL value and users.

    ``url`` is the ``:im.image/url`` value as read (any edn value; :data:`MISSING` when
    absent). ``used_by`` reads ``listing :listing/sauna`` or ``user :user/jane``.
    """

    index: int
    line: int
    column: int
    label: str
    url: Any
    used_by: list[str] = field(default_factory=list)


def ref_target(ref: Any) -> str:
    """How a message names the row an ``#im/ref`` points at (``:listing/sauna``)."""
    if isinstance(ref, Ref):
        if ref.alias is not None:
            return show(ref.alias)
        return show((ref.id_attr, ref.import_id))
    return show(ref)


def collect_images(
    path: str | os.PathLike[str],
    *,
    filename: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ImageRow]:
    """Every image row of the file at ``path``, in file order, with its users filled in.

    An edn syntax error, or a file that is no Intermediary document, raises
    :class:`EdnSyntaxError` at its line and column. ``progress(rows)`` is called every 10,000
    rows read.
    """
    name = filename or os.fspath(path)
    reader = DocumentReader(path, filename=name)
    images: list[ImageRow] = []
    by_key: dict[Any, ImageRow] = {}
    avatars: list[tuple[Any, str]] = []
    for entry in reader:
        if progress is not None and entry.index and entry.index % 10_000 == 0:
            progress(entry.index)
        try:
            row = row_from_value(entry.value)
        except RowShapeError:
            continue
        if row.id_attr is IMAGE_ID:
            image = ImageRow(
                entry.index, entry.line, entry.column, _label(row), row.attrs.get(URL, MISSING)
            )
            images.append(image)
            for key in row.resolves():
                by_key.setdefault(key, image)
            listing = row.attrs.get(LISTING)
            if listing is not None:
                image.used_by.append(f"listing {ref_target(listing)}")
        elif row.id_attr is USER_ID:
            profile = row.attrs.get(PROFILE)
            avatar = profile.get(AVATAR) if isinstance(profile, dict) else None
            if isinstance(avatar, Ref):
                avatars.append((avatar.key, f"user {_label(row)}"))
    problem = not_a_document(reader.header, path)
    if problem is not None:
        message, (line, column) = problem
        raise EdnSyntaxError(message, name, line, column)
    for key, user in avatars:
        target = by_key.get(key)
        if target is not None:
            target.used_by.append(user)
    return images


def _label(row: Any) -> str:
    """The row's alias, else its import id, else its id tuple (``[:im.image/id]``)."""
    if row.alias is not None:
        return show(row.alias)
    if row.import_id is not None:
        return show(row.import_id)
    return show((row.id_attr,))
