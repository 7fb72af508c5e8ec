"""The target marketplace's own configuration (its hosted asset files), for the validator.

- :func:`load_directory` reads the asset files from a directory (``migrate validate
  --marketplace DIR``, a job's ``[marketplace] dir``);
- :func:`fetch` fetches them from the Asset Delivery API (``--marketplace-client-id``);
- :class:`MarketplaceConfig` is what the rules in :mod:`migrate.rules.marketplace` check rows
  against.
"""

from migrate.marketplace.config import (
    ASSETS,
    Categories,
    Field,
    ListingType,
    MarketplaceConfig,
    MarketplaceError,
    parse_assets,
)
from migrate.marketplace.sources import (
    BASE_URL_ENV,
    CLIENT_ID_ENV,
    DEFAULT_BASE_URL,
    fetch,
    load_directory,
    mask,
)

__all__ = [
    "ASSETS",
    "BASE_URL_ENV",
    "CLIENT_ID_ENV",
    "DEFAULT_BASE_URL",
    "Categories",
    "Field",
    "ListingType",
    "MarketplaceConfig",
    "MarketplaceError",
    "fetch",
    "load_directory",
    "mask",
    "parse_assets",
]
