"""Credentials never printed: mask them in URLs and in any message text before it is shown.

``mask_url`` renders a URL with its password and every secret-looking query parameter
(``password=``, ``sslpassword=``, ``passfile=``, ``token=``, ``api_key=``, ``sig=``, ...) as
``***``; ``redact`` does the same for every URL and ``name=value`` pair inside a free text
(a driver's error message) and removes known secret values wherever they appear. Every adapter
and error path that shows a URL or a driver message goes through them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

MASK = "***"

# Parameter names that hold a credential, matched as substrings of the lower-cased name.
_SECRET_PARTS = ("pass", "pwd", "secret", "token", "key", "auth", "credential", "signature")
_SECRET_NAMES = frozenset({"sig", "pw", "pin", "code", "session", "sessionid"})

_USERINFO_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://[^/?#@:]*):[^/?#]*@")
_URL_RE = re.compile(r"""[A-Za-z][A-Za-z0-9+.\-]*://[^\s'"<>`]+""")
_PAIR_RE = re.compile(
    r"""(?P<name>[A-Za-z_][\w.\-]*)(?P<eq>\s*=\s*)"""
    r"""(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;,)'"]+)"""
)


def is_secret_name(name: str) -> bool:
    """True for a parameter name that holds a credential (``password``, ``x-api-key``, ...)."""
    lowered = name.lower()
    return lowered in _SECRET_NAMES or any(part in lowered for part in _SECRET_PARTS)


def mask_url(url: Any) -> str:
    """The URL (text or SQLAlchemy ``URL``) with password and secret query values as ``***``."""
    if hasattr(url, "render_as_string") and hasattr(url, "query"):
        return _mask_sqlalchemy_url(url)
    head, question, query = str(url).partition("?")
    head = _USERINFO_RE.sub(lambda found: f"{found.group(1)}:{MASK}@", head, count=1)
    return head + question + (_mask_pairs(query) if query else "")


def _mask_sqlalchemy_url(url: Any) -> str:
    query = {name: (MASK if is_secret_name(name) else value) for name, value in url.query.items()}
    masked = url.set(query=query)
    if url.password is not None:
        masked = masked.set(password=MASK)
    rendered: str = masked.render_as_string(hide_password=False)
    # SQLAlchemy percent-encodes the mask; show it as typed.
    return rendered.replace(quote(MASK, safe=""), MASK)


def _mask_pairs(text: str) -> str:
    def replace(found: re.Match[str]) -> str:
        if not is_secret_name(found.group("name")):
            return found.group(0)
        return f"{found.group('name')}{found.group('eq')}{MASK}"

    return _PAIR_RE.sub(replace, text)


def url_secrets(url: Any) -> list[str]:
    """The secret values a URL holds (password, secret query values), to remove from messages."""
    found: list[str] = []
    password = getattr(url, "password", None)
    if password:
        found.append(str(password))
    query = getattr(url, "query", None)
    if isinstance(query, dict):
        for name, value in query.items():
            if is_secret_name(name):
                values = value if isinstance(value, tuple | list) else (value,)
                found.extend(str(item) for item in values if item)
    elif url is not None and not hasattr(url, "render_as_string"):
        parts = urlsplit(str(url))
        if parts.password:
            found.append(unquote(parts.password))
        for pair in _PAIR_RE.finditer(parts.query):
            if is_secret_name(pair.group("name")):
                found.append(unquote(pair.group("value").strip("'\"")))
    return [value for value in found if value and value != MASK]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret value, every URL's credentials and every secret
    ``name=value`` pair masked. Safe on text that holds none of them."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) < 3:  # too short to remove without mangling the message
            continue
        for form in {secret, quote(secret, safe=""), quote_plus(secret, safe="")}:
            text = text.replace(form, MASK)
    text = _URL_RE.sub(lambda found: mask_url(found.group(0)), text)
    return _mask_pairs(text)
