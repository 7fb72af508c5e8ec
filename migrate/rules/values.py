"""Rules for the Intermediary value types: money, location, email, URL and extended data."""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from babel.numbers import get_currency_precision, list_currencies
from email_validator import EmailNotValidError, validate_email

from migrate.edn.show import kind_of, show
from migrate.edn.values import Keyword, Location, Money, Tagged
from migrate.rules.attributes import expected_found
from migrate.rules.registry import Context, Message, acceptor, value_rule, vector_form
from migrate.schemas import Attribute
from migrate.secrets import mask_url

if TYPE_CHECKING:
    import polars as pl

CURRENCIES = frozenset(list_currencies())


@cache
def currency_precision(code: str) -> int:
    """Decimals of the currency's minor unit (2 for EUR, 0 for JPY), from babel's CLDR data."""
    return get_currency_precision(code)


def _is_number(value: Any) -> bool:
    if type(value) is int or type(value) is Decimal:
        return value.is_finite() if type(value) is Decimal else True
    return type(value) is float and math.isfinite(value)


def _decimals(amount: int | float | Decimal) -> int:
    """How many decimals the amount's value needs; trailing zeros do not count."""
    if type(amount) is int:
        return 0
    exponent = Decimal(repr(amount) if type(amount) is float else amount).normalize().as_tuple()
    # Only NaN and the infinities have a letter for an exponent; they have no decimals.
    return max(0, -exponent.exponent) if isinstance(exponent.exponent, int) else 0


# money -----------------------------------------------------------------------------------------


@acceptor("money")
def _money_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    if type(value) is not Money:
        return False
    amount, currency = value.amount, value.currency
    return (
        (type(amount) is int or (type(amount) is Decimal and amount.is_finite()))
        and currency in CURRENCIES
        and amount >= 0
        and (type(amount) is int or _decimals(amount) <= currency_precision(currency))
    )


@value_rule("money", "type-mismatch", gate=True)
def money_type(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """A money attribute holds ``#im/money``."""
    if not isinstance(value, Money | Tagged):
        yield expected_found(attribute, '#im/money [amount "CUR"]', value)


@value_rule("money", "money-shape", gate=True)
def money_shape(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """``#im/money`` holds a vector of a finite number and a currency code string."""
    if isinstance(value, Tagged):
        yield (
            f'{attribute.key!r} must be #im/money [amount "CUR"], a vector of a number and a '
            f"currency code, found {show(value)}"
        )
        return
    if not _is_number(value.amount):
        yield (
            f"{attribute.key!r} amount must be a finite number such as 12.50M, "
            f"found {show(value.amount)} ({kind_of(value.amount)})"
        )
    if not isinstance(value.currency, str):
        yield (
            f'{attribute.key!r} currency must be a string such as "EUR", '
            f"found {show(value.currency)} ({kind_of(value.currency)})"
        )


@value_rule("money", "money-negative")
def money_negative(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """Amounts are zero or more."""
    if value.amount < 0:
        yield f"{attribute.key!r} amount must be 0 or more, found {show(value.amount)}"


@value_rule("money", "currency-unknown")
def currency_unknown(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """The currency is an ISO 4217 code, written in capitals."""
    if value.currency not in CURRENCIES:
        yield (
            f'{attribute.key!r} currency must be an ISO 4217 code such as "EUR", '
            f"found {show(value.currency)}"
        )


@value_rule("money", "money-precision")
def money_precision(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """The amount has no more decimals than the currency's minor unit."""
    if value.currency not in CURRENCIES:
        return
    allowed = currency_precision(value.currency)
    decimals = _decimals(value.amount)
    if decimals > allowed:
        yield (
            f"{attribute.key!r} amount must have at most {allowed} decimal"
            f"{'' if allowed == 1 else 's'} for {value.currency}, found {show(value.amount)}"
        )


@value_rule("money", "money-float")
def money_float(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """Amounts are exact: an integer or an ``M`` decimal, not a binary float."""
    if type(value.amount) is float:
        yield (
            f"{attribute.key!r} amount should be an exact decimal such as "
            f"{show(value.amount)}M, found the float {show(value.amount)}"
        )


# location --------------------------------------------------------------------------------------


@acceptor("location")
def _location_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    return (
        type(value) is Location
        and _is_number(value.lat)
        and _is_number(value.lng)
        and -90 <= value.lat <= 90
        and -180 <= value.lng <= 180
    )


@value_rule("location", "type-mismatch", gate=True)
def location_type(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """A location attribute holds ``#im/location``."""
    if not isinstance(value, Location | Tagged):
        yield expected_found(attribute, "#im/location [lat lng]", value)


@value_rule("location", "location-shape", gate=True)
def location_shape(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """``#im/location`` holds exactly two finite numbers."""
    if isinstance(value, Tagged):
        yield (
            f"{attribute.key!r} must be #im/location [lat lng], a vector of two numbers, "
            f"found {show(value)}"
        )
        return
    for name, number in (("latitude", value.lat), ("longitude", value.lng)):
        if not _is_number(number):
            yield (
                f"{attribute.key!r} {name} must be a finite number, "
                f"found {show(number)} ({kind_of(number)})"
            )


@value_rule("location", "location-range")
def location_range(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """Latitude lies in -90..90 and longitude in -180..180."""
    if not -90 <= value.lat <= 90:
        yield f"{attribute.key!r} latitude must be from -90 to 90, found {show(value.lat)}"
    if not -180 <= value.lng <= 180:
        yield f"{attribute.key!r} longitude must be from -180 to 180, found {show(value.lng)}"


# email -----------------------------------------------------------------------------------------


@value_rule("email", "type-mismatch", gate=True)
def email_type(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """An email address is a string."""
    if not isinstance(value, str):
        yield expected_found(attribute, "an email address string", value)


# A plain dot-atom local part (ASCII letters, digits and ._%+-, no leading, trailing or double
# dot): email-validator accepts every such local part, so only the domain needs its verdict,
# and domains repeat across users. Anything else goes to email-validator whole.
_SIMPLE_LOCAL_RE = re.compile(r"[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*\Z")


@cache
def _domain_problem(domain: str) -> str | None:
    if not domain.isascii():
        return _idn_problem(domain)
    try:
        validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError as error:
        return str(error)
    return None


def _idn_problem(domain: str) -> str:
    try:
        ascii_form = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return (
            "the domain has non-ASCII characters; the address check the Intermediary spec "
            "links to accepts ASCII addresses only"
        )
    return (
        "the domain has non-ASCII characters (an internationalised domain name); the address "
        "check the Intermediary spec links to accepts ASCII addresses only: write the domain "
        f"in its ASCII form {show(ascii_form)}"
    )


def email_problem(address: str) -> str | None:
    """Why ``address`` is not a valid email address (email-validator, no DNS), or ``None``.

    Strict reading of the spec, whose linked address check is ASCII-only: a local part with
    non-ASCII characters is invalid, and so is a domain written with them (its ASCII ``xn--``
    form is valid and is suggested).
    """
    local, at, domain = address.rpartition("@")
    if at and len(local) <= 64 and len(address) <= 254 and _SIMPLE_LOCAL_RE.match(local):
        return _domain_problem(domain)
    if at and not local.isascii():
        return (
            "the part before the @ has non-ASCII characters; the address check the "
            "Intermediary spec links to accepts ASCII addresses only"
        )
    if at and not domain.isascii():
        return _domain_problem(domain)
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        return str(error)
    return None


@acceptor("email")
def _email_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    return type(value) is str and email_problem(value) is None


@value_rule("email", "email-invalid")
def email_invalid(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """The address is syntactically valid (email-validator, without a DNS look-up)."""
    problem = email_problem(value)
    if problem is not None:
        yield f"{attribute.key!r} must be a valid email address, found {show(value)}: {problem}"


# url -------------------------------------------------------------------------------------------

# Scheme and host are case-insensitive (RFC 3986): HTTPS://Example.COM/a.jpg is a fine URL.
_HOST = r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])"
_URL_RE = re.compile(
    rf"(?i:https?)://(?P<host>{_HOST})(?::[0-9]{{1,5}})?"
    r"(?:[/?#](?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)?\Z"
)
_SCHEME_RE = re.compile(r"(?i:https?)://")
_HOST_RE = re.compile(rf"(?i:https?)://{_HOST}(?::[0-9]{{1,5}})?(?:[/?#]|\Z)")
_BAD_CHAR_RE = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")
_BAD_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_USERINFO_RE = re.compile(r"(?i:https?)://[^/?#]*@")

# Names that never resolve on the public internet (RFC 6761, 6762, 8375 and common practice).
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain", ".lan")
_NUMERIC_LABEL_RE = re.compile(r"(?:0[xX][0-9A-Fa-f]*|[0-9]+)\Z")


@cache
def host_problem(host: str) -> str | None:
    """Why the URL host ``host`` is not a public host, or ``None`` when it is.

    Loopback, private, link-local, shared, reserved and unspecified addresses are not public,
    in IPv4 or IPv6 (``[::1]``) form, nor in a numeric form browsers accept (``127.1``,
    ``0x7f.0.0.1``, ``2130706433``); nor are ``localhost``, names under ``.localhost``,
    ``.local``, ``.internal``, ``.home.arpa``, ``.localdomain``, ``.lan``, and single-label
    names without a dot.
    """
    name = host.lower().rstrip(".")
    if name.startswith("["):
        try:
            address = ipaddress.ip_address(name[1:-1])
        except ValueError:
            return "its IPv6 address is not valid"
        return None if address.is_global and not address.is_multicast else _private(address)
    labels = name.split(".")
    if all(_NUMERIC_LABEL_RE.match(label) for label in labels if label):
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return "it is a numeric address in a non-standard form, not a public host name"
        return None if address.is_global and not address.is_multicast else _private(address)
    if name == "localhost" or name.endswith(_LOCAL_SUFFIXES):
        return f"{show(name)} is a local name, not reachable from the internet"
    if "." not in name:
        return f"{show(name)} is a single-label name, not reachable from the internet"
    return None


def _private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.is_loopback:
        kind = "a loopback address"
    elif address.is_link_local:
        kind = "a link-local address"
    elif address.is_private:
        kind = "a private network address"
    elif address.is_multicast:
        kind = "a multicast address"
    else:
        kind = "not a public address"
    return f"{address} is {kind}, not reachable from the internet"


@acceptor("url")
def _url_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    if type(value) is not str:
        return False
    match = _URL_RE.match(value)
    return match is not None and host_problem(match["host"]) is None


@value_rule("url", "type-mismatch", gate=True)
def url_type(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """A URL is a string."""
    if not isinstance(value, str):
        yield expected_found(attribute, "a URL string", value)


@value_rule("url", "url-invalid", gate=True)
def url_invalid(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """An absolute http(s) URL with a host, percent-encoded: no spaces or raw non-ASCII."""
    if _URL_RE.match(value):
        return
    # A URL's password and signed-query secrets are never printed (migrate.secrets); the
    # reasons below are about the URL as shown, so an offset points into what the user reads.
    shown = mask_url(value)
    found = show(shown)
    bad = _BAD_CHAR_RE.search(shown)
    if not _SCHEME_RE.match(value):
        reason = "it must start with http:// or https://"
    elif _USERINFO_RE.match(value):
        reason = "it holds a user name or password before the host; the image must be public"
    elif not _HOST_RE.match(value):
        reason = "it has no valid host name"
    elif bad is not None:
        reason = f"character {show(bad.group())} at offset {bad.start()} must be percent-encoded"
    elif _BAD_PERCENT_RE.search(value):
        reason = '"%" must start a percent-encoded byte such as %20'
    else:
        reason = "it is not a well-formed URL"
    yield f"{attribute.key!r} must be an absolute, percent-encoded http(s) URL, found {found}: {reason}"


@value_rule("url", "url-host-not-public")
def url_host_not_public(value: str, attribute: Attribute, context: Context) -> Iterator[Message]:
    """The URL's host is reachable from the internet: Sharetribe downloads every image."""
    match = _URL_RE.match(value)
    problem = host_problem(match["host"]) if match is not None else None
    if problem is not None:
        yield (
            f"{attribute.key!r} must be a public URL Sharetribe can download from, found "
            f"{show(mask_url(value))}: {problem}"
        )


# extended data ---------------------------------------------------------------------------------

_JSON_SCALARS = (str, bool, int, type(None))


def _json_problems(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Yield ``(description, path)`` for every non-JSON value inside ``value``."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return
    if kind is float or kind is Decimal:
        if not _is_number(value):
            yield f"{show(value)} is not a finite number", path
        return
    if kind is dict:
        for key, item in value.items():
            if type(key) is not Keyword and type(key) is not str:
                yield f"key {show(key)} ({kind_of(key)}) must be a keyword or a string", path
            else:
                yield from _json_problems(item, (*path, key))
        return
    if kind is tuple:  # exact type: an edn list (EdnList) is not a JSON array here
        for index, item in enumerate(value):
            yield from _json_problems(item, (*path, index))
        return
    yield f"{show(value)} ({kind_of(value)}) is not a JSON value", path


def _describe_path(path: tuple[Any, ...]) -> str:
    parts = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append("." + (part.text if isinstance(part, Keyword) else str(part)))
    return "".join(parts)


def _to_json(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {
            (key.text if type(key) is Keyword else key): _to_json(item)
            for key, item in value.items()
        }
    if kind is tuple:
        return [_to_json(item) for item in value]
    if kind is Decimal:
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def json_size(value: Any) -> int:
    """Bytes of ``value`` serialised as compact UTF-8 JSON (keyword keys without the colon)."""
    return len(
        json.dumps(_to_json(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    )


def json_bound(value: Any) -> int | None:
    """An upper bound of ``json_size(value)``, or ``None`` when ``value`` is not all JSON.

    Cheap: no serialisation, scalars sized inline. A character takes at most 6 bytes in JSON
    (``\\u001f``); 25 bytes cover any integer of up to 25 digits, booleans and ``null``.
    """
    kind = type(value)
    if kind is dict:
        total = 2
        for key, item in value.items():
            if type(key) is Keyword:
                total += 6 * len(key.text) + 4
            elif type(key) is str:
                total += 6 * len(key) + 4
            else:
                return None
            item_kind = type(item)
            if item_kind is str:
                total += 6 * len(item) + 2
            elif (
                item_kind is bool
                or item is None
                or (item_kind is int and -(10**24) < item < 10**24)
            ):
                total += 25
            else:
                size = json_bound(item)
                if size is None:
                    return None
                total += size
        return total
    if kind is tuple:
        total = 2
        for item in value:
            item_kind = type(item)
            if item_kind is str:
                total += 6 * len(item) + 3
            else:
                size = json_bound(item)
                if size is None:
                    return None
                total += size + 1
        return total
    if kind is str:
        return 6 * len(value) + 2
    if kind is bool or value is None:
        return 5
    if kind is int:
        return len(str(value))
    if (kind is float or kind is Decimal) and _is_number(value):
        return 40 + len(str(value))
    return None


@acceptor("json")
def _json_ok(value: Any, attribute: Attribute, context: Context) -> bool:
    if type(value) is not dict or not value:
        return False
    bound = json_bound(value)
    return bound is not None and bound <= context.schema.extended_data_max_bytes


@value_rule("json", "type-mismatch", gate=True)
def json_type(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """Extended data is a map."""
    if type(value) is not dict:
        yield expected_found(attribute, "a map of JSON values", value)


@value_rule("json", "extended-data-type", gate=True)
def json_values(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """Extended data holds JSON only: keyword or string keys; no tags, sets, symbols or lists."""
    for description, path in _json_problems(value, ()):
        where = _describe_path(path)
        yield f"{attribute.key!r}{where} must hold JSON values only: {description}", path


@value_rule("json", "extended-data-size")
def json_size_limit(value: Any, attribute: Attribute, context: Context) -> Iterator[Message]:
    """Extended data is at most the schema's limit (50KB) serialised as JSON."""
    limit = context.schema.extended_data_max_bytes
    size = json_size(value)
    if size > limit:
        yield f"{attribute.key!r} must be at most {limit} bytes as JSON, found {size} bytes"


# Columnar forms (see migrate.rules.registry.VECTOR_FORMS) ---------------------------------------
# Each is true where its rule certainly stays silent; ``value`` is a convert engine column
# (money: the amount's decimal text and ``currency``; location: latitude and ``lng``).


def _lit(flag: bool) -> pl.Expr:
    import polars as pl

    return pl.lit(flag)


_DECIMAL_TEXT = r"^-?[0-9]+(?:\.[0-9]+)?$"


@vector_form(money_type)
def _money_type_columns(batch: Any, value: Any, attribute: Attribute, context: Context) -> pl.Expr:
    return _lit(value.kind == "money")


@vector_form(money_shape)
def _money_shape_columns(batch: Any, value: Any, attribute: Attribute, context: Context) -> pl.Expr:
    if value.kind != "money" or value.currency is None:
        return _lit(False)
    return value.expr.str.contains(_DECIMAL_TEXT) & value.currency.is_not_null()


@vector_form(money_negative)
def _money_negative_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    return ~value.expr.str.starts_with("-")


@vector_form(currency_unknown)
def _currency_unknown_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    return value.currency.is_in(sorted(CURRENCIES))


@vector_form(money_precision)
def _money_precision_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    import polars as pl

    codes = sorted(CURRENCIES)
    allowed = value.currency.replace_strict(
        codes, [currency_precision(code) for code in codes], default=None, return_dtype=pl.Int64
    )
    # Decimals the amount needs: trailing zeros do not count (Decimal.normalize()).
    decimals = value.expr.str.extract(r"\.([0-9]*?)0*$").fill_null("").str.len_chars()
    return decimals <= allowed


@vector_form(money_float)
def _money_float_columns(batch: Any, value: Any, attribute: Attribute, context: Context) -> pl.Expr:
    return _lit(value.kind == "money")  # amounts are decimal text, never binary floats


@vector_form(location_type)
def _location_type_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    return _lit(value.kind == "location")


@vector_form(location_shape)
def _location_shape_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    if value.kind != "location" or value.lng is None:
        return _lit(False)
    return value.expr.is_finite() & value.lng.is_finite()


@vector_form(location_range)
def _location_range_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    return value.expr.is_between(-90, 90) & value.lng.is_between(-180, 180)


@vector_form(email_type)
def _email_type_columns(batch: Any, value: Any, attribute: Attribute, context: Context) -> pl.Expr:
    return _lit(value.kind == "str")


_SIMPLE_LOCAL_COLUMNS = r"^[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*$"


@vector_form(email_invalid)
def _email_invalid_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    """``email_problem`` as columns: a plain local part needs only its domain's verdict,
    asked once per distinct domain; any other address is judged whole, once per address."""
    import polars as pl

    address = batch.put(value.expr, "em")
    parts = address.str.extract_groups(r"(?s)^(.*)@([^@]*)$")
    local, domain = parts.struct.field("1"), parts.struct.field("2")
    simple = batch.put(
        local.str.contains(_SIMPLE_LOCAL_COLUMNS).fill_null(False)
        & (local.str.len_chars() <= 64)
        & (address.str.len_chars() <= 254),
        "es",
    )
    domain = batch.put(pl.when(simple).then(domain).otherwise(None), "ed")
    from migrate.convert.batch import Val

    by_domain, bad_domain = batch.per_value(
        [Val("str", domain)], lambda text: _domain_problem(text) is None, "bool", simple
    )
    other = address.is_not_null() & ~simple
    whole, bad_whole = batch.per_value(
        [Val("str", address)], lambda text: email_problem(text) is None, "bool", other
    )
    verdict = pl.when(simple).then(by_domain.expr).otherwise(whole.expr)
    return verdict.fill_null(False) & ~bad_domain & ~bad_whole


@vector_form(url_type)
def _url_type_columns(batch: Any, value: Any, attribute: Attribute, context: Context) -> pl.Expr:
    return _lit(value.kind == "str")


_URL_COLUMNS = (
    r"^https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?"
    r"(?:[/?#](?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)?$"
)


@vector_form(url_invalid)
def _url_invalid_columns(batch: Any, value: Any, attribute: Attribute, context: Context) -> pl.Expr:
    return value.expr.str.contains(_URL_COLUMNS)


# The host of a URL _URL_COLUMNS accepts: the same text _URL_RE's ``host`` group holds.
_URL_HOST_COLUMNS = r"^https?://([A-Za-z0-9.\-]+)(?:[:/?#]|$)"


@vector_form(url_host_not_public)
def _url_host_not_public_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    """``host_problem`` once per distinct host of the URLs the columnar URL check accepts
    (any other URL is checked row by row)."""
    from migrate.convert.batch import Val

    accepted = batch.put(value.expr.str.contains(_URL_COLUMNS).fill_null(False), "uh")
    host = batch.put(value.expr.str.extract(_URL_HOST_COLUMNS, 1), "uo")
    public, failed = batch.per_value(
        [Val("str", host)], lambda text: host_problem(text) is None, "bool", accepted
    )
    return accepted & public.expr.fill_null(False) & ~failed


def _json_leaves(root: Any) -> Iterator[Any]:
    for _, item in root.entries:
        if hasattr(item, "entries"):
            yield from _json_leaves(item)
        else:
            yield item


@vector_form(json_type)
def _json_type_columns(batch: Any, value: Any, attribute: Attribute, context: Context) -> pl.Expr:
    return _lit(hasattr(value, "entries"))


@vector_form(json_values)
def _json_values_columns(batch: Any, value: Any, attribute: Attribute, context: Context) -> pl.Expr:
    import polars as pl

    silent = pl.lit(True)
    for leaf in _json_leaves(value):
        if leaf.kind not in ("str", "int", "bool", "float", "strs"):
            return _lit(False)
        if leaf.kind == "float":
            silent = silent & (leaf.expr.is_finite() | leaf.expr.is_null())
    return silent


def _json_bound_columns(root: Any) -> pl.Expr:
    """``json_bound`` of a column of extended-data maps (an upper bound of the JSON size)."""
    import polars as pl

    total = pl.lit(2, dtype=pl.Int64)
    for key, item in root.entries:
        key_size = 6 * len(key.text if type(key) is Keyword else key) + 4
        if hasattr(item, "entries"):
            size = _json_bound_columns(item)
            present = item.present()
        elif item.kind == "str":
            size = 6 * item.expr.str.len_chars().cast(pl.Int64) + 2
            present = item.present()
        elif item.kind == "strs":  # json_bound of a tuple of texts: 6 per char, 3 per item, []
            chars = item.expr.list.eval(pl.element().str.len_chars()).list.sum()
            size = 6 * chars.cast(pl.Int64) + 3 * item.expr.list.len().cast(pl.Int64) + 2
            present = item.present()
        else:
            size = pl.lit(64 if item.kind == "float" else 25, dtype=pl.Int64)
            present = item.present()
        total = total + pl.when(present).then(key_size + size).otherwise(0)
    return total


@vector_form(json_size_limit)
def _json_size_limit_columns(
    batch: Any, value: Any, attribute: Attribute, context: Context
) -> pl.Expr:
    return _json_bound_columns(value) <= context.schema.extended_data_max_bytes
