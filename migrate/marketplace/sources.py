"""Where a marketplace configuration comes from: a directory of asset files, or the Asset
Delivery API.

:func:`load_directory` reads the asset files found in a directory laid out like the asset tree
(``DIR/listings/listing-types.json`` …) or flat (``DIR/listing-types.json`` …).
:func:`fetch` asks the Asset Delivery API for the ``latest`` version of each asset, with
httpx: ``GET {base}/{client id}/a/latest/{asset path}``; a 404 means the marketplace has no
such asset (its checks are skipped), anything else that is not JSON is an error. The client id
is never shown in full (:func:`mask`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # httpx is imported when fetching: `migrate validate` starts without it
    import httpx

from migrate.edn.show import escape_text
from migrate.marketplace.config import (
    ASSETS,
    MarketplaceConfig,
    MarketplaceError,
    parse_assets,
    parse_json,
)

#: The Asset Delivery API's base URL; a client id and the asset path follow.
DEFAULT_BASE_URL = "https://cdn.st-api.com/v1/assets/pub"
#: Environment variables read by the command line.
CLIENT_ID_ENV = "MIGRATE_MARKETPLACE_CLIENT_ID"
BASE_URL_ENV = "MIGRATE_ASSET_DELIVERY_URL"
#: Seconds to wait for each asset (connect and read).
DEFAULT_TIMEOUT = 10.0


def load_directory(directory: str | os.PathLike[str]) -> MarketplaceConfig:
    """The configuration in the asset files under ``directory`` (any subset of them)."""
    root = Path(directory)
    shown = escape_text(str(root))  # a path from a job file or the command line: shown safe
    if not root.is_dir():
        raise MarketplaceError(f"{shown}: no such directory (the marketplace's asset files)")
    documents: dict[str, Any] = {}
    for name, asset in ASSETS.items():
        for candidate in (root / asset, root / Path(asset).name):
            if candidate.is_file():
                try:
                    text = candidate.read_bytes()
                except OSError as error:
                    raise MarketplaceError(f"{candidate}: cannot read ({error.strerror})") from None
                documents[name] = parse_json(text, str(candidate))
                break
    if not documents:
        names = ", ".join(ASSETS.values())
        raise MarketplaceError(f"{shown}: holds none of the marketplace asset files ({names})")
    return parse_assets(documents, shown)


def mask(client_id: str) -> str:
    """``client_id`` as messages show it: its first four characters, never the whole id."""
    return (client_id[:4] if len(client_id) > 8 else "") + "…"


def fetch(
    client_id: str,
    *,
    base_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> MarketplaceConfig:
    """The configuration of the marketplace of ``client_id``, fetched from the Asset Delivery
    API (the ``latest`` version of every asset; ``base_url`` defaults to
    :data:`DEFAULT_BASE_URL`).

    Raises :class:`MarketplaceError` for a timeout, a network error, an HTTP status other than
    200 or 404, and a body that is not JSON; the message names the asset and shows the client
    id masked.
    """
    import httpx

    client_id = client_id.strip()
    if not client_id or "/" in client_id:
        raise MarketplaceError(f"the marketplace client id {mask(client_id)} is not a client id")
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    shown = f"the Asset Delivery API (client id {mask(client_id)})"
    documents: dict[str, Any] = {}
    with httpx.Client(
        timeout=timeout, follow_redirects=True, transport=transport, headers=_HEADERS
    ) as client:
        for name, asset in ASSETS.items():
            url = f"{base}/{client_id}/a/latest/{asset}"
            try:
                response = client.get(url)
            except httpx.TimeoutException:
                raise MarketplaceError(
                    f"{shown}: no answer for {asset} within {timeout:g} s "
                    "(raise --marketplace-timeout, or use --marketplace DIR)"
                ) from None
            except httpx.HTTPError as error:
                raise MarketplaceError(
                    f"{shown}: cannot fetch {asset}: {_without(str(error), client_id)}"
                ) from None
            if response.status_code == 404:
                continue  # the marketplace has no such asset: its checks are skipped
            if response.status_code != 200:
                raise MarketplaceError(
                    f"{shown}: {asset} answered HTTP {response.status_code}"
                    + (" (is the client id right?)" if response.status_code in (401, 403) else "")
                )
            documents[name] = parse_json(response.content, f"{shown}: {asset}")
    if not documents:
        raise MarketplaceError(f"{shown}: none of the marketplace asset files was found")
    return parse_assets(documents, shown)


_HEADERS = {"Accept": "application/json", "User-Agent": "sharetribe-migrate"}


def _without(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` masked (httpx errors may quote the URL)."""
    return text.replace(secret, mask(secret))
