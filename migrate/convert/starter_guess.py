"""Column-name guesses of ``migrate init``: which attribute a column gives, and embedded people.

A guess reads a column's name (and, for a few, the values of the source's first rows) and gives
:class:`Entry` lines of a mapping table; :mod:`migrate.convert.starter_plan` puts them into
record tables and :mod:`migrate.convert.starter` writes the job file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from migrate.convert.starter import StarterSource

_DATE = '{ column = %s, transform = "date" }'
# attribute -> (normalised column names, value template); first matching column wins.
GUESSES: dict[str, list[tuple[str, tuple[str, ...], str]]] = {
    "user": [
        (
            "email",
            ("email", "emailaddress", "mail", "primaryemail"),
            '{ column = %s, transform = "trim" }',
        ),
        (
            "emailVerified",
            ("emailconfirmed", "emailverified", "verified", "confirmed"),
            '{ column = %s, transform = "boolean" }',
        ),
        (
            "firstName",
            ("firstname", "givenname", "forename"),
            '{ column = %s, transform = "trim" }',
        ),
        (
            "lastName",
            ("lastname", "surname", "familyname"),
            '{ column = %s, transform = "trim" }',
        ),
        (
            "displayName",
            ("displayname", "nickname", "username", "screenname"),
            '{ column = %s, transform = "trim" }',
        ),
        ("bio", ("bio", "about", "aboutme", "biography"), '{ column = %s, transform = "trim" }'),
        (
            "createdAt",
            ("createdat", "signedupat", "registeredat", "joinedat", "created", "signupdate"),
            _DATE,
        ),
    ],
    "listing": [
        ("title", ("title", "name", "headline"), '{ column = %s, transform = "trim" }'),
        (
            "description",
            ("description", "body", "details"),
            '{ column = %s, transform = "html_to_text" }',
        ),
        (
            "state",
            ("state", "status"),
            '{ column = %s, map = { active = "published", closed = "closed", draft = "draft" } }',
        ),
        (
            "price",
            ("price", "amount", "dailyprice", "rate"),
            '{ column = %s, transform = "money" }',
        ),
        (
            "currentStock",
            ("quantity", "stock", "currentstock", "units"),
            '{ column = %s, transform = "int" }',
        ),
        (
            "author",
            ("hostid", "userid", "ownerid", "authorid", "sellerid", "providerid"),
            '{ ref = "user", column = %s }',
        ),
        ("createdAt", ("createdat", "created", "publishedat", "listedat"), _DATE),
    ],
    "image": [
        (
            "url",
            ("url", "src", "imageurl", "photourl", "link"),
            '{ column = %s, transform = "url_encode" }',
        ),
        (
            "sortOrder",
            ("position", "sortorder", "order", "rank", "index"),
            '{ column = %s, transform = "int" }',
        ),
        (
            "listing",
            ("listingid", "itemid", "productid", "parentid"),
            '{ ref = "listing", column = %s }',
        ),
    ],
    "review": [
        (
            "type",
            ("kind", "type", "reviewtype"),
            '{ column = %s, map = { of_provider = "ofProvider", of_customer = "ofCustomer" } }',
        ),
        (
            "state",
            ("status", "state"),
            '{ column = %s, map = { published = "public", pending = "pending" } }',
        ),
        ("rating", ("rating", "stars", "score"), '{ column = %s, transform = "int" }'),
        (
            "content",
            ("body", "content", "text", "comment", "review"),
            '{ column = %s, transform = "trim" }',
        ),
        (
            "author",
            ("authorid", "reviewerid", "writerid", "fromuserid"),
            '{ ref = "user", column = %s }',
        ),
        (
            "subject",
            ("subjectid", "revieweeid", "targetuserid", "touserid"),
            '{ ref = "user", column = %s }',
        ),
        ("listing", ("listingid", "itemid", "productid"), '{ ref = "listing", column = %s }'),
        ("createdAt", ("createdat", "created", "writtenat"), _DATE),
    ],
    "stripeAccount": [
        (
            "stripeAccountId",
            ("stripeaccountid", "accountid", "stripeid", "stripeaccount"),
            '{ column = %s, transform = "trim" }',
        ),
        ("user", ("userid", "ownerid", "memberid"), '{ ref = "user", column = %s }'),
    ],
}
# Required attributes a constant can stand for, when no column matched.
CONSTANTS = {
    ("listing", "state"): '{ const = "published" }',
    ("review", "state"): '{ const = "public" }',
}
REQUIRED = {
    "user": ("email", "firstName", "lastName", "createdAt"),
    "listing": ("title", "state", "createdAt"),
    "image": ("url",),
    "review": ("type", "state", "rating", "content", "author", "subject", "createdAt"),
    "stripeAccount": ("stripeAccountId", "user"),
}


def normalise(column: str) -> str:
    """A column name as guesses compare it: last dotted part, lower case, letters and digits."""
    return re.sub(r"[^a-z0-9]", "", column.rsplit(".", 1)[-1].lower())


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Embedded people ---------------------------------------------------------------------------------

# Column prefixes naming a person whose columns are repeated in another table (host_id, host_name).
_PERSON_WORDS = (
    "host",
    "seller",
    "owner",
    "reviewer",
    "reviewee",
    "author",
    "writer",
    "buyer",
    "customer",
    "guest",
    "provider",
    "vendor",
    "merchant",
    "landlord",
    "renter",
    "tenant",
    "member",
    "user",
    "poster",
    "creator",
)
# Which reference of a record an embedded person's id fills, by the person's prefix.
ROLES = {
    ("listing", "author"): frozenset(
        {"host", "seller", "owner", "provider", "vendor", "merchant", "landlord", "author"}
        | {"user", "member", "poster", "creator"}
    ),
    ("review", "author"): frozenset(
        {"reviewer", "author", "writer", "guest", "customer", "buyer", "renter", "tenant"}
        | {"user", "member", "poster"}
    ),
    ("review", "subject"): frozenset(
        {"host", "seller", "owner", "provider", "vendor", "merchant", "landlord", "reviewee"}
    ),
    ("stripeAccount", "user"): frozenset(_PERSON_WORDS),
}

_IMAGE_WORDS = frozenset(
    {"picture", "photo", "image", "img", "avatar", "pic", "thumbnail", "thumb"}
)
_SMALL_IMAGE_WORDS = frozenset({"thumbnail", "thumb", "small", "tiny", "icon"})
_IMAGE_URL = re.compile(
    r"^https?://\S+\.(?:jpe?g|png|gif|webp|avif|bmp|tiff?|heic)(?:[?#]\S*)?$", re.I
)
_URL = re.compile(r"^(?:https?:)?//\S+$", re.I)
_HTML = re.compile(
    r"<(?:br|p|div|span|b|i|em|strong|a|ul|ol|li|h[1-6])\b[^>]*>|</[a-z]+>|&(?:[a-z]+|#\d+);", re.I
)
_TEMPLATE_SAFE = re.compile(r"[^{}\[\]:!]+")


@dataclass
class Group:
    """The columns of one person embedded in another source: ``host_id``, ``host_name``…"""

    prefix: str
    id_column: str
    columns: dict[str, str]  # source column -> its name without the prefix ("host_name" -> "name")


@dataclass
class Entry:
    """One line of a mapping table: the value spec (TOML text) and what is said about it."""

    spec: str
    column: str | None = None  # the one column it reads, when it reads one
    todo: list[str] = field(default_factory=list)  # a "# TODO ATTRIBUTE:" note above the line
    tail: str = ""  # a comment after the value


def name_words(name: str) -> list[str]:
    """Lower-case words of a column name: ``hostPictureURL`` and ``host_picture_url`` alike."""
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)]


def embedded_groups(columns: Iterable[str]) -> list[Group]:
    """People embedded in a table: columns sharing a person prefix, one of them the id.

    ``host_id``, ``host_name`` and ``host_since`` are one group; ``host_id`` alone is only a
    foreign key (the host's row lives elsewhere). Prefixes are separated by ``_``, ``-``, ``.``,
    a space or a camel-case capital (``hostName``).
    """
    found: dict[str, dict[str, str]] = {}
    for column in columns:
        lower = column.lower()
        for word in _PERSON_WORDS:
            if not lower.startswith(word) or len(column) <= len(word):
                continue
            after = column[len(word)]
            if after in "_-. ":
                rest = column[len(word) + 1 :]
            elif after.isupper() and column[: len(word)].islower():
                rest = column[len(word) :]
            else:
                continue
            if rest:
                found.setdefault(word, {})[column] = rest
            break
    groups = []
    for prefix, members in found.items():
        id_column = next((c for c, rest in members.items() if normalise(rest) == "id"), None)
        if id_column is not None and len(members) > 1:
            groups.append(Group(prefix, id_column, members))
    return groups


# Value guesses -----------------------------------------------------------------------------------


def q(text: str) -> str:
    """Short for :func:`toml_string`, for the many column names in value specs."""
    return toml_string(text)


def date_spec(column: str, merge: str | None = None) -> str:
    """The value spec of a date column, with a merge policy for a ``distinct`` table."""
    merged = f", merge = {q(merge)}" if merge else ""
    return f'{{ column = {q(column)}, transform = "date"{merged} }}'


def template_ok(column: str) -> bool:
    """Whether ``{column}`` is a plain placeholder the job's templates accept."""
    return bool(_TEMPLATE_SAFE.fullmatch(column))


def _looks_html(values: list[Any]) -> bool:
    return any(isinstance(value, str) and _HTML.search(value) for value in values)


def _strings(values: list[Any]) -> bool:
    return all(isinstance(value, str) for value in values)


def image_columns(
    columns: Iterable[str], source: StarterSource, names: dict[str, str], used: set[str]
) -> list[str]:
    """Columns holding image URLs, the best first.

    Named for a picture (``picture_url``, ``photo``, ``avatar``) first, then ``…_url`` columns
    whose values are URLs of image files, then thumbnails. A column of arrays or objects (a
    JSON ``photos`` list) is not one URL and is left to ``each``.
    """
    found: list[tuple[int, str]] = []
    for column in columns:
        if column in used or column == source.each:
            continue
        values = source.samples.get(column, [])
        if not _strings(values):
            continue  # an array of photos, a nested object: not one URL
        words = [word.rstrip("s") or word for word in name_words(names.get(column, column))]
        named = any(word in _IMAGE_WORDS for word in words)
        if named and values and not _URL.match(values[0]):
            continue  # host_has_profile_pic = "t": about a picture, not one
        if named or (words and words[-1] == "url" and values and _IMAGE_URL.match(values[0])):
            small = any(word in _SMALL_IMAGE_WORDS for word in words)
            found.append((2 if small else 0 if named else 1, column))
    return [column for _, column in sorted(found, key=lambda pair: pair[0])]


def _created_column(
    record_type: str, columns: Iterable[str], names: dict[str, str], used: set[str]
) -> str | None:
    """A creation-date column by pattern: ``date``, ``created…``, ``…_since``, ``joined…``."""
    starts: tuple[str, ...] = ("created", "creation")
    if record_type == "user":
        starts += ("joined", "signup", "signedup", "registered", "registration")
    for column in columns:
        name = normalise(names.get(column, column))
        if column in used:
            continue
        if name in ("date", "since") or name.startswith(starts) or name.endswith("since"):
            return column
    return None


def _content_column(columns: Iterable[str], used: set[str]) -> str | None:
    """Review text by pattern: ``comments``, ``review_text``, ``body_html``…"""
    for column in columns:
        name = normalise(column)
        if column not in used and (
            name.startswith(("comment", "text", "body"))
            or name.endswith(("text", "comment", "comments"))
        ):
            return column
    return None


def guess_mapping(
    record_type: str,
    columns: list[str],
    source: StarterSource,
    names: dict[str, str] | None = None,
) -> tuple[dict[str, Entry], set[str]]:
    """The mapping entries guessed from ``columns`` and the columns they use.

    ``names`` gives the name a column is judged by when it is not its own (an embedded
    person's ``host_since`` is judged as ``since``).
    """
    names = names or {}
    entries: dict[str, Entry] = {}
    used: set[str] = set()
    by_name: dict[str, str] = {}
    for column in columns:
        by_name.setdefault(normalise(names.get(column, column)), column)
    for attribute, candidates, template in GUESSES[record_type]:
        guessed = next(
            (by_name[n] for n in candidates if n in by_name and by_name[n] not in used), None
        )
        if guessed is None:
            continue
        entries[attribute] = Entry(template % q(guessed), guessed)
        used.add(guessed)
    if "createdAt" in REQUIRED[record_type] and "createdAt" not in entries:
        created = _created_column(record_type, columns, names, used)
        if created is not None:
            entries["createdAt"] = Entry(date_spec(created), created)
            used.add(created)
    if record_type == "review":
        content = entries.get("content")
        if content is None:
            found = _content_column(columns, used)
            if found is not None:
                content = entries["content"] = Entry("", found)
                used.add(found)
        if content is not None and content.column is not None:
            html = _looks_html(source.samples.get(content.column, []))
            transform = "html_to_text" if html else "trim"
            content.spec = f"{{ column = {q(content.column)}, transform = {q(transform)} }}"
    if record_type == "user":
        _full_name(entries, used, by_name)
    if record_type == "listing":
        _listing_extras(entries, used, by_name)
    return entries, used


def _full_name(entries: dict[str, Entry], used: set[str], by_name: dict[str, str]) -> None:
    """First and last name split from one name column (``full_name``, ``name``)."""
    full = next((by_name[n] for n in ("fullname", "name") if n in by_name), None)
    if full is None or full in used:
        return
    used.add(full)
    for part, attribute in (("first", "firstName"), ("last", "lastName")):
        spec = f'{{ column = {q(full)}, transform = {{ name = "split_name", part = "{part}" }} }}'
        entry = entries.get(attribute)
        if entry is not None:
            entry.spec = f"[{entry.spec}, {spec}]"
            entry.column = None
        elif attribute == "lastName":
            # A one-word name has no last name, which Sharetribe requires: a stand-in.
            entries[attribute] = Entry(
                f'[{spec}, {{ const = "-" }}]',
                todo=[
                    f"one name column ({full}) and no last name: a one-word name gets",
                    '"-" as its last name (Sharetribe requires one); use your own policy',
                    '(docs/recipes.md, "No last names").',
                ],
            )
        else:
            entries[attribute] = Entry(spec)
    if "displayName" not in entries:
        entries["displayName"] = Entry(f'{{ column = {q(full)}, transform = "trim" }}', full)


def _listing_extras(entries: dict[str, Entry], used: set[str], by_name: dict[str, str]) -> None:
    """Location from two columns, price from minor units and a currency column."""
    lat = next((by_name[n] for n in ("lat", "latitude") if n in by_name), None)
    lng = next((by_name[n] for n in ("lng", "lon", "long", "longitude") if n in by_name), None)
    if lat and lng:
        entries["location"] = Entry(f"{{ lat = {q(lat)}, lng = {q(lng)} }}")
        used.update((lat, lng))
    cents = next(
        (by_name[n] for n in ("pricecents", "priceincents", "amountcents") if n in by_name), None
    )
    if cents is not None:
        spec = f'{{ column = {q(cents)}, transform = "minor_units" }}'
        price = entries.get("price")
        if price is not None:
            price.spec, price.column = f"[{price.spec}, {spec}]", None
        else:
            entries["price"] = Entry(spec, cents)
        used.add(cents)
    currency = by_name.get("currency")
    if currency and "price" in entries:
        price = entries["price"]
        price.spec = price.spec.replace(" }", f", currency = {q(currency)} }}")
        used.add(currency)
