"""How a source row becomes each Intermediary record type: one module per row type.

``migrate.mappers.user``, ``.listing``, ``.image``, ``.review`` and ``.stripe_account`` each
say, for their type, which names a job file may map (``email``, ``price`` …, besides the
schema's own attribute names), what the type fills in from ``[defaults]``, and its
conventions (a user's email and profile nesting, a listing's price, location and publicData,
the review listing rule, the shape of images and Stripe accounts). Each convention is written
twice, side by side: ``finish(attrs, defaults)`` for the per-row path and
``finish_columns(row, defaults, batch)`` for the columnar engine. ``custom`` holds example
``function`` hooks.

The generic machinery that applies them is in :mod:`migrate.convert` (the per-row mapper in
``mapping.py``, the plan compiler in ``plan.py``); see ``docs/convert.md``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: Row type -> the module that knows how rows of that type are built.
MODULES = {
    "user": "migrate.mappers.user",
    "listing": "migrate.mappers.listing",
    "image": "migrate.mappers.image",
    "stripeAccount": "migrate.mappers.stripe_account",
    "review": "migrate.mappers.review",
}


def mapper_for(record_type: str) -> ModuleType:
    """The ``migrate.mappers`` module of ``record_type``."""
    return importlib.import_module(MODULES[record_type])
