"""What can be said about an image URL before asking its host: form, credentials, address.

The form is judged by the rule engine's own ``url`` rules (``url-invalid``), so that
``migrate validate`` and ``migrate check-images`` never disagree about what a valid URL is.
Host names are resolved here and every address is classified: an image URL must be public,
so a loopback, private, link-local or reserved address is a finding, whatever name leads there.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import cache
from urllib.parse import SplitResult, urlsplit

from migrate import schemas
from migrate.rules import values  # noqa: F401  (registers the url rules)
from migrate.rules.registry import ACCEPTORS, KIND_RULES, Context

URL_KEY = schemas.key("im.image/url")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Resolves ``(host, port)`` to the host's addresses as text; raises ``OSError`` when it cannot.
Resolver = Callable[[str, int], Awaitable[list[str]]]


@cache
def _url_attribute() -> schemas.Attribute:
    return schemas.load().row_type("image").by_key[URL_KEY]


@cache
def _context() -> Context:
    return Context(schemas.load(), datetime.now(UTC))


def form_problem(url: str) -> str | None:
    """The rule engine's message when ``url`` is not a valid image URL, else ``None``."""
    attribute = _url_attribute()
    context = _context()
    accept = ACCEPTORS.get("url")
    if accept is not None and accept(url, attribute, context):
        return None
    for spec in KIND_RULES.get("url", ()):
        if spec.code == "url-host-not-public":
            continue  # the host is judged below, by the addresses it resolves to
        for message in spec.function(url, attribute, context):
            return message if isinstance(message, str) else message[0]
    return None


def _netloc_userinfo(url: str) -> tuple[str, str] | None:
    """``(before, userinfo)`` when the authority of ``url`` holds ``user[:password]@``."""
    scheme_end = url.find("://")
    if scheme_end < 0:
        return None
    start = scheme_end + 3
    end = len(url)
    for stop in "/?#":
        found = url.find(stop, start)
        if found >= 0:
            end = min(end, found)
    authority = url[start:end]
    at = authority.rfind("@")
    if at < 0:
        return None
    return url[:start], authority[:at]


def has_credentials(url: str) -> bool:
    """True when the URL's authority carries a user name or password (``user:pw@host``)."""
    return _netloc_userinfo(url) is not None


def masked(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@`` and secret query values (a signed
    URL's ``X-Amz-Signature=``, ``token=``) as ``***`` (:func:`migrate.secrets.mask_url`): safe
    to show or log."""
    from migrate.secrets import mask_url

    found = _netloc_userinfo(url)
    if found is not None:
        before, userinfo = found
        url = before + "***" + url[len(before) + len(userinfo) :]
    return mask_url(url)


def split(url: str) -> SplitResult:
    """``urlsplit`` of a URL that passed :func:`form_problem`."""
    return urlsplit(url)


def host_port(url: str) -> tuple[str, int]:
    """The host (lower-case, brackets of an IPv6 literal removed) and port of ``url``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 443 if parts.scheme.lower() == "https" else 80
    return host, port


def host_key(url: str) -> str:
    """What per-host limits are keyed by: ``host:port``."""
    host, port = host_port(url)
    return f"{host}:{port}"


def address_kind(address: IPAddress) -> str | None:
    """Why ``address`` is not public (``"a loopback address"``), or ``None`` when it is."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "a reserved, non-public address"
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address when ``host`` is an IP literal, else ``None``."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def system_resolver(host: str, port: int) -> list[str]:
    """The system resolver (``getaddrinfo``), run off the event loop."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class HostVerdicts:
    """Whether each host is public, resolved once per host and remembered for the run."""

    def __init__(self, resolver: Resolver | None = None) -> None:
        self.resolver = resolver or system_resolver
        self._known: dict[tuple[str, int], asyncio.Future[tuple[str | None, str | None]]] = {}

    async def private_reason(self, url: str) -> tuple[str | None, str | None]:
        """``(private, unresolved)``: why the host is not public, or why it does not resolve.

        ``private`` reads ``host images.example.com resolves to 127.0.0.1, a loopback
        address``; ``unresolved`` ``host name does not resolve: …``. Both ``None``: public.
        """
        host, port = host_port(url)
        key = (host, port)
        future = self._known.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._known[key] = future
            try:
                future.set_result(await self._judge(host, port))
            except BaseException as error:  # cancelled: the next caller asks again
                del self._known[key]
                future.cancel()
                raise error
        return await asyncio.shield(future)

    async def _judge(self, host: str, port: int) -> tuple[str | None, str | None]:
        literal = literal_address(host)
        if literal is not None:
            kind = address_kind(literal)
            return (f"host {literal} is {kind}" if kind else None), None
        try:
            addresses = await self.resolver(host, port)
        except OSError as error:
            reason = getattr(error, "strerror", None) or str(error)
            return None, f"host name {host} does not resolve: {reason}"
        if not addresses:
            return None, f"host name {host} does not resolve: no address"
        for text in addresses:
            try:
                address = ipaddress.ip_address(text.split("%")[0])
            except ValueError:
                continue
            kind = address_kind(address)
            if kind is not None:
                return f"host {host} resolves to {text}, {kind}", None
        return None, None
