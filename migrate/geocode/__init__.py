"""Geocoding: listing addresses to ``#im/location`` coordinates.

Offline by default, with the GeoNames gazetteer (:mod:`migrate.geocode.gazetteer`); any geopy
geocoder on request (:mod:`migrate.geocode.providers`), through a persistent SQLite cache
(:mod:`migrate.geocode.cache`). :mod:`migrate.geocode.stage` is the step ``migrate convert`` runs
on each listing, :mod:`migrate.geocode.fill` the library behind ``migrate geocode``.
"""

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
