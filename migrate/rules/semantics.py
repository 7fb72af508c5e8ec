"""Row rules: checks across the attributes of one row (review types, listings, user roles).

A row rule is ``rule(row, row_type, context)`` and returns its messages (any iterable, here a
tuple, empty for a good row: cheaper than a generator, and these run on every row):
``(message, path)`` where ``path`` locates the problem inside the row's edn value
(``(1, :im.review/listing)``), or a plain string for the row as a whole. They run after the row's attribute checks and only look at
attributes that are well formed, so a malformed value is reported once, by its own rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from migrate import schemas
from migrate.edn.values import Keyword, Location, Row
from migrate.rules.registry import Context, Message
from migrate.schemas import RowType

if TYPE_CHECKING:
    import polars as pl

RowRule = Callable[[Any, Any, Any], Iterable[Message]]
ROW_RULES: dict[str, list[tuple[str, RowRule]]] = {}

_K = Keyword


def row_rule(type_name: str, code: str) -> Callable[[RowRule], RowRule]:
    """Register the decorated function as a row rule for rows of ``type_name``."""

    def register(function: RowRule) -> RowRule:
        ROW_RULES.setdefault(type_name, []).append((code, function))
        return function

    return register


REVIEW_TYPE = schemas.key("im.review/type")
REVIEW_LISTING = schemas.key("im.review/listing")
OF_PROVIDER = _K("review.type/ofProvider")
OF_CUSTOMER = _K("review.type/ofCustomer")


@row_rule("review", "review-listing-missing")
def review_listing_missing(row: Row, row_type: RowType, context: Context) -> Iterable[Message]:
    """An ``ofProvider`` review references the listing it is about."""
    if row.attrs.get(REVIEW_TYPE) is OF_PROVIDER and REVIEW_LISTING not in row.attrs:
        return (
            (
                f"{REVIEW_LISTING!r} is required when {REVIEW_TYPE!r} is {OF_PROVIDER!r}",
                (1, REVIEW_TYPE),
            ),
        )
    return ()


@row_rule("review", "review-listing-unexpected")
def review_listing_unexpected(row: Row, row_type: RowType, context: Context) -> Iterable[Message]:
    """An ``ofCustomer`` review has no listing."""
    if row.attrs.get(REVIEW_TYPE) is OF_CUSTOMER and REVIEW_LISTING in row.attrs:
        return (
            (
                f"{REVIEW_LISTING!r} must be omitted when {REVIEW_TYPE!r} is {OF_CUSTOMER!r}",
                (1, REVIEW_LISTING),
            ),
        )
    return ()


USER_ROLE = schemas.key("im.user/role")


@row_rule("user", "roles-incomplete")
def roles_incomplete(row: Row, row_type: RowType, context: Context) -> Iterable[Message]:
    """Users carry every role, since roles cannot be changed after the import."""
    roles = row.attrs.get(USER_ROLE)
    if type(roles) is not tuple or not roles:
        return ()
    allowed = row_type.by_key[USER_ROLE].values
    if not all(role in allowed for role in roles):
        return ()  # enum-value reports the unknown role
    missing = [role for role in allowed if role not in roles]
    if missing:
        listed = ", ".join(repr(role) for role in missing)
        return (
            (
                f"{USER_ROLE!r} lacks {listed}: roles cannot be changed after the import, "
                "so give every user all roles",
                (1, USER_ROLE),
            ),
        )
    return ()


LISTING_AUTHOR = schemas.key("im.listing/author")
LISTING_PUBLIC_DATA = schemas.key("im.listing/publicData")
LISTING_LOCATION = schemas.key("im.listing/location")


@row_rule("listing", "listing-no-author")
def listing_no_author(row: Row, row_type: RowType, context: Context) -> Iterable[Message]:
    """A listing has an author; without one nobody can manage it."""
    if LISTING_AUTHOR not in row.attrs:
        return (f"listing has no {LISTING_AUTHOR!r}: nobody will be able to manage it",)
    return ()


# The keyword of each schema key _get is asked for, made once: the rules run on every listing.
_KEYWORD_OF: dict[str, Keyword] = {}


def _get(mapping: Any, key: str) -> Any:
    if type(mapping) is not dict:
        return None
    keyword = _KEYWORD_OF.get(key)
    if keyword is None:
        keyword = _KEYWORD_OF[key] = _K(key)
    # keyword keys first: files write {:listingType …}; JSON-minded code writes strings
    value = mapping.get(keyword)
    return value if value is not None else mapping.get(key)


_PAIRS: dict[tuple[str, ...], tuple[tuple[str, Keyword], ...]] = {}


def _keyword_pairs(keys: tuple[str, ...]) -> tuple[tuple[str, Keyword], ...]:
    """``(key, Keyword(key))`` for each of ``keys``, made once (the rules run on every row)."""
    pairs = _PAIRS.get(keys)
    if pairs is None:
        pairs = _PAIRS[keys] = tuple((key, _K(key)) for key in keys)
    return pairs


@row_rule("listing", "listing-public-data-incomplete")
def listing_public_data_incomplete(
    row: Row, row_type: RowType, context: Context
) -> Iterable[Message]:
    """Listing public data has the keys the Sharetribe web template needs to show it."""
    public = row.attrs.get(LISTING_PUBLIC_DATA)
    if public is not None and type(public) is not dict:
        return ()
    if type(public) is dict:
        missing = [
            key
            for key, keyword in _keyword_pairs(context.schema.listing_public_data_keys)
            if public.get(keyword) is None and public.get(key) is None
        ]
    else:
        missing = list(context.schema.listing_public_data_keys)
    if missing:
        path = (1, LISTING_PUBLIC_DATA) if public is not None else ()
        return (
            (
                f"{LISTING_PUBLIC_DATA!r} lacks {', '.join(missing)}: the web template needs "
                "them to show the listing",
                path,
            ),
        )
    return ()


@row_rule("listing", "listing-address-missing")
def listing_address_missing(row: Row, row_type: RowType, context: Context) -> Iterable[Message]:
    """A listing with a location also has an address in ``publicData``."""
    if type(row.attrs.get(LISTING_LOCATION)) is not Location:
        return ()
    value: Any = row.attrs.get(LISTING_PUBLIC_DATA)
    for key in context.schema.listing_address_path:
        value = _get(value, key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return _ADDRESS_MISSING.get(context.schema.listing_address_path) or _address_missing(
            context.schema.listing_address_path
        )
    return ()


# The finding is the same on every listing it is about (a file may have it on all of them).
_ADDRESS_MISSING: dict[tuple[str, ...], tuple[Message, ...]] = {}


def _address_missing(path: tuple[str, ...]) -> tuple[Message, ...]:
    where = ".".join(path)
    found = _ADDRESS_MISSING[path] = (
        (
            f"listing has {LISTING_LOCATION!r} but no {LISTING_PUBLIC_DATA!r} {where}: "
            "the web template shows the address beside the map",
            (1, LISTING_LOCATION),
        ),
    )
    return found


USER_PROFILE = schemas.key("im.user/profile")
NAME_KEYS = (
    schemas.key("im.userProfile/firstName"),
    schemas.key("im.userProfile/lastName"),
    schemas.key("im.userProfile/displayName"),
)
# An email address inside text, and a phone number: 7+ digits with the usual separators.
_EMAIL_IN_TEXT_RE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@.]{2,}")
_PHONE_IN_TEXT_RE = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")
_MAYBE_CONTACT_RE = re.compile(r"[@\d]")


def contact_in_name(text: str) -> str | None:
    """``"an email address"`` or ``"a phone number"`` when ``text`` holds one, else ``None``."""
    if _EMAIL_IN_TEXT_RE.search(text):
        return "an email address"
    for match in _PHONE_IN_TEXT_RE.finditer(text):
        if sum(char.isdigit() for char in match.group()) >= 7:
            return "a phone number"
    return None


@row_rule("user", "name-looks-like-contact")
def name_looks_like_contact(row: Row, row_type: RowType, context: Context) -> Iterable[Message]:
    """First, last and display names hold no email address and no phone number."""
    profile = row.attrs.get(USER_PROFILE)
    if type(profile) is not dict:
        return ()
    found: list[Message] = []
    for key in NAME_KEYS:
        value = profile.get(key)
        if type(value) is not str or _MAYBE_CONTACT_RE.search(value) is None:
            continue
        what = contact_in_name(value)
        if what is not None:
            found.append(
                (
                    f"{key!r} looks like {what}: names are public profile text, so the import "
                    "would publish it to every visitor",
                    (1, USER_PROFILE, key),
                )
            )
    return tuple(found)


# Columnar forms --------------------------------------------------------------------------------
# ``form(row, row_type, context)`` gives a Boolean Polars expression, true for the rows the rule
# fires on, or ``None`` when it cannot tell (every row is then checked row by row). ``row`` is
# the convert engine's view of a batch (``migrate.convert.plan.RowColumns``: ``get(path)``,
# ``present(path)`` and extended data in ``json``). ``exact`` forms of warning rules count the
# warning without the per-row path; anything else that fires is checked row by row.

RowVectorRule = Callable[[Any, Any, Any], Any]
ROW_VECTOR_FORMS: dict[RowRule, tuple[RowVectorRule, bool]] = {}


def row_vector_form(
    rule: RowRule, *, exact: bool = True
) -> Callable[[RowVectorRule], RowVectorRule]:
    """Register the decorated function as the columnar form of row rule ``rule``."""

    def register(form: RowVectorRule) -> RowVectorRule:
        ROW_VECTOR_FORMS[rule] = (form, exact)
        return form

    return register


def _keyword_is(row: Any, key: Keyword, keyword: Keyword) -> pl.Expr:
    import polars as pl

    value = row.get((key,))
    if value is None:
        return pl.lit(False)
    return (value.expr == keyword.text).fill_null(False)


@row_vector_form(review_listing_missing)
def _review_listing_missing_columns(row: Any, row_type: Any, context: Any) -> pl.Expr | None:
    return _keyword_is(row, REVIEW_TYPE, OF_PROVIDER) & ~row.present((REVIEW_LISTING,))


@row_vector_form(review_listing_unexpected)
def _review_listing_unexpected_columns(row: Any, row_type: Any, context: Any) -> pl.Expr | None:
    return _keyword_is(row, REVIEW_TYPE, OF_CUSTOMER) & row.present((REVIEW_LISTING,))


class _Attrs:
    """A stand-in row holding one attribute, to ask a rule about a constant value."""

    def __init__(self, attrs: dict) -> None:
        self.attrs = attrs


@row_vector_form(roles_incomplete)
def _roles_incomplete_columns(row: Any, row_type: Any, context: Any) -> pl.Expr | None:
    import polars as pl

    roles = row.get((USER_ROLE,))
    if roles is None:
        return pl.lit(False)
    if roles.const is None:
        return None
    fires = bool(roles_incomplete(_Attrs({USER_ROLE: roles.const}), row_type, context))
    return roles.present() & pl.lit(fires)


@row_vector_form(listing_no_author)
def _listing_no_author_columns(row: Any, row_type: Any, context: Any) -> pl.Expr | None:
    return ~row.present((LISTING_AUTHOR,))


def _json_missing(root: Any, names: Any) -> pl.Expr:
    """True where ``_get``-ing ``names`` down from ``root`` gives ``None`` (or blank text)."""
    import polars as pl

    from migrate.convert.plan import json_lookup
    from migrate.convert.vector import py_blank

    found = json_lookup(root, names)
    if found is None:
        return pl.lit(True)
    from migrate.convert.batch import Val

    if isinstance(found, Val) and found.kind == "str":
        return py_blank(found.expr)
    return ~found.present()


@row_vector_form(listing_public_data_incomplete)
def _listing_public_data_incomplete_columns(
    row: Any, row_type: Any, context: Any
) -> pl.Expr | None:
    import polars as pl

    public = row.json.get((LISTING_PUBLIC_DATA,))
    fires = pl.lit(False)
    for key in context.schema.listing_public_data_keys:
        found = None if public is None else public.get(key)
        fires = fires | (pl.lit(True) if found is None else ~found.present())
    return fires


@row_vector_form(name_looks_like_contact, exact=False)
def _name_looks_like_contact_columns(row: Any, row_type: Any, context: Any) -> pl.Expr | None:
    """Fires on names with an ``@`` or a digit (Rust's ``\\d`` is Unicode's Nd, as Python's):
    those rows are checked row by row, which tells a contact from a house number."""
    import polars as pl

    fires = pl.lit(False)
    for key in NAME_KEYS:
        value = row.get((USER_PROFILE, key))
        if value is None:
            continue
        if value.kind != "str":
            return None
        fires = fires | value.expr.str.contains(r"[@\d]").fill_null(False)
    return fires


@row_vector_form(listing_address_missing)
def _listing_address_missing_columns(row: Any, row_type: Any, context: Any) -> pl.Expr | None:
    import polars as pl

    location = row.get((LISTING_LOCATION,))
    if location is None:
        return pl.lit(False)
    public = row.json.get((LISTING_PUBLIC_DATA,))
    return location.present() & _json_missing(public, context.schema.listing_address_path)
