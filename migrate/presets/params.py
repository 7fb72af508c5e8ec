"""Preset parameters: the kinds a manifest may declare, and how a ``--param`` value is checked.

Every value is checked before it goes into a template, and every kind allows only characters
that are safe both inside a TOML basic string and inside an SQL string literal (no quotes, no
backslashes, no line breaks), so a template can place ``{{name}}`` in either without escaping.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from migrate.edn.show import show
from migrate.edn.values import is_legal_name_part
from migrate.errors import ConfigError

_UNSAFE = re.compile(r"[\"'\\\x00-\x1f\x7f`]")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LOCALE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")

KINDS: dict[str, str] = {
    "integer": "a whole number, e.g. 1",
    "text": "text without quotes, backslashes or line breaks",
    "url": "an absolute http(s) URL, e.g. https://my-bucket.s3.amazonaws.com",
    "url_template": "a URL template with {column} placeholders, absolute or relative to a base URL",
    "env": "an environment variable name, e.g. MY_DB_URL",
    "ident": "a marketplace ident, e.g. my-marketplace",
    "currency": "an ISO 4217 currency code, e.g. EUR",
    "locale": "a language code, e.g. en or fi",
    "date": "a date, YYYY-MM-DD",
}


@dataclass(frozen=True)
class Param:
    """One parameter of a preset, as its manifest declares it.

    ``default`` is the value when none is given; ``default_from`` says in words where the
    preset's discovery takes it from instead (documentation only). ``base`` (url_template) names
    the url parameter a relative template is joined to; ``placeholders`` are the columns a
    url_template may use.
    """

    name: str
    kind: str
    help: str
    required: bool = False
    default: str | None = None
    default_from: str | None = None
    example: str | None = None
    base: str | None = None
    placeholders: tuple[str, ...] = ()

    def describe_default(self) -> str:
        """The default in words, for ``--list-presets`` and the docs."""
        if self.required:
            return "required"
        if self.default is not None:
            return self.default
        return self.default_from or "none"


def check_value(param: Param, value: str, values: dict[str, str] | None = None) -> str:
    """``value`` as it goes into the template, or :class:`ConfigError` naming the parameter.

    ``values`` holds the parameters checked so far (a url_template needs its base URL).
    """
    text = value.strip()
    where = f"--param {param.name}"
    if not text:
        raise ConfigError(f"{where}: empty value (expected {KINDS[param.kind]})")
    if _UNSAFE.search(text):
        raise ConfigError(
            f"{where}: {show(text)} holds a quote, backslash or control character "
            f"(expected {KINDS[param.kind]})"
        )
    checker = _CHECKS[param.kind]
    problem = checker(param, text, values or {})
    if isinstance(problem, _Problem):
        raise ConfigError(f"{where}: {show(text)} is not {problem.expected}")
    return problem


@dataclass(frozen=True)
class _Problem:
    expected: str


def _integer(param: Param, text: str, values: dict[str, str]) -> str | _Problem:
    return str(int(text)) if re.fullmatch(r"-?\d{1,18}", text) else _Problem(KINDS["integer"])


def _text(param: Param, text: str, values: dict[str, str]) -> str | _Problem:
    return _Problem(KINDS["text"]) if "{" in text or "}" in text else text


def _url(param: Param, text: str, values: dict[str, str]) -> str | _Problem:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        return _Problem(KINDS["url"])
    if "{" in text or "}" in text or "?" in text or "#" in text:
        return _Problem(f"{KINDS['url']} without a query, fragment or braces")
    return text.rstrip("/")


def _url_template(param: Param, text: str, values: dict[str, str]) -> str | _Problem:
    try:
        fields = [
            name for _, name, spec, conv in string.Formatter().parse(text) if name is not None
        ]
        plain = all(not spec and not conv for _, _, spec, conv in string.Formatter().parse(text))
    except ValueError:
        return _Problem(KINDS["url_template"])
    unknown = [name for name in fields if name not in param.placeholders]
    if not plain or unknown or not fields:
        allowed = ", ".join("{" + name + "}" for name in param.placeholders)
        return _Problem(f"a URL template whose placeholders are among {allowed}")
    if " " in text:
        return _Problem(f"{KINDS['url_template']}, without spaces")
    if text.startswith(("http://", "https://")):
        return text
    if "://" in text:
        return _Problem(KINDS["url_template"])
    base = values.get(param.base or "")
    if not base:
        return _Problem(f"an absolute URL template (no --param {param.base} to join it to)")
    return f"{base}/{text.lstrip('/')}"


def _env(param: Param, text: str, values: dict[str, str]) -> str | _Problem:
    return text if _ENV.match(text) else _Problem(KINDS["env"])


def _ident(param: Param, text: str, values: dict[str, str]) -> str | _Problem:
    name = text.removeprefix(":")
    return name if is_legal_name_part(name) else _Problem(KINDS["ident"])


def _currency(param: Param, text: str, values: dict[str, str]) -> str | _Problem:
    from migrate.convert.transforms import KNOWN_CURRENCIES

    code = text.upper()
    return code if code in KNOWN_CURRENCIES else _Problem(KINDS["currency"])


def _locale(param: Param, text: str, values: dict[str, str]) -> str | _Problem:
    return text if _LOCALE.match(text) else _Problem(KINDS["locale"])


def _date(param: Param, text: str, values: dict[str, str]) -> str | _Problem:
    if not _DATE.match(text):
        return _Problem(KINDS["date"])
    try:
        date.fromisoformat(text)
    except ValueError:
        return _Problem(KINDS["date"])
    return text


_CHECKS = {
    "integer": _integer,
    "text": _text,
    "url": _url,
    "url_template": _url_template,
    "env": _env,
    "ident": _ident,
    "currency": _currency,
    "locale": _locale,
    "date": _date,
}
