"""Geocoding: listing addresses to ``#im/location`` coordinates.

Offline by default, with the GeoNames gazetteer (:mod:`migrate.geocode.gazetteer`); any geopy
geocoder on request (:mod:`migrate.geocode.providers`), through a persistent SQLite cache
(:mod:`migrate.geocode.cache`). :mod:`migrate.geocode.stage` is the step ``migrate convert`` runs
on each listing, :mod:`migrate.geocode.fill` the library behind ``migrate geocode``.

The names below are loaded on first use, so importing a submodule (the cache's default path
for ``--help``) does not load the providers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from migrate.geocode.stage import (
        GeocodeConfig,
        GeocodeOutcome,
        GeocodeResult,
        GeocodeStage,
        parse_geocode_config,
    )

__all__ = [
    "GeocodeConfig",
    "GeocodeOutcome",
    "GeocodeResult",
    "GeocodeStage",
    "parse_geocode_config",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("migrate.geocode.stage"), name)
    raise AttributeError(f"module 'migrate.geocode' has no attribute {name!r}")
