"""``migrate init``: a commented starter job file guessed from the sources' columns.

Each source file (CSV, JSON, JSON Lines, SQLite) is opened to read its column names and the
values of its first rows (a sample, to tell image URLs, HTML and rating scales apart). A source
whose name suggests a row type (``users.csv``, ``listings`` table, ``photos`` array inside
listings) gets a ``[records.TYPE]`` table whose mapping is guessed from column names (``email``,
``first_name``, ``created_at``, ``price``, ``lat``…). Beyond one table per source it proposes
what denormalised exports need (docs/init.md):

- people embedded in other tables (``host_id``, ``host_name``, ``host_since`` on every listing)
  as a ``[[records.user]]`` with ``distinct = true`` over that source;
- image records from picture and photo URL columns (a listing's picture, a host's avatar);
- lookups for a reference whose target's key lives in another source (a review's subject is
  the host of its listing), and placeholder emails when the export has none.

Guesses that stand in for missing data carry a ``# TODO ATTRIBUTE:`` note; required attributes
no column matched are written as comments to fill in, and a reference to a row type no table
makes gets a ``# TODO [records.TYPE]:`` note. The job it writes is meant to be read and edited,
then run with ``migrate convert``.
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ijson

from migrate.convert.job import JobError

_SAMPLE_ROWS = 200  # rows read from each source to judge its values

_CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt")
_JSON_SUFFIXES = (".json", ".json.gz")
_LINES_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")

# Words in a source name that suggest its row type.
_TYPE_WORDS = {
    "user": (
        "user",
        "member",
        "account",
        "customer",
        "people",
        "host",
        "renter",
        "person",
        "profile",
    ),
    "listing": ("listing", "item", "product", "ad", "gear", "offer", "rental"),
    "image": ("image", "photo", "picture", "img", "media"),
    "review": ("review", "rating", "feedback", "testimonial"),
    "stripeAccount": ("payout", "stripe", "bank"),
}
_TYPE_ORDER = ("user", "listing", "image", "review", "stripeAccount")
_GUESS_PRIORITY = ("stripeAccount", "image", "review", "listing", "user")

_DATE = '{ column = %s, transform = "date" }'
# attribute -> (normalised column names, value template); first matching column wins.
_GUESSES: dict[str, list[tuple[str, tuple[str, ...], str]]] = {
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
_CONSTANTS = {
    ("listing", "state"): '{ const = "published" }',
    ("review", "state"): '{ const = "public" }',
}
_REQUIRED = {
    "user": ("email", "firstName", "lastName", "createdAt"),
    "listing": ("title", "state", "createdAt"),
    "image": ("url",),
    "review": ("type", "state", "rating", "content", "author", "subject", "createdAt"),
    "stripeAccount": ("stripeAccountId", "user"),
}


@dataclass
class StarterSource:
    """One source as the starter job will declare it."""

    name: str
    table: dict[str, Any]
    columns: list[str]
    record_type: str | None = None
    each: str | None = None
    child_columns: list[str] = field(default_factory=list)
    samples: dict[str, list[Any]] = field(default_factory=dict)


def _normalise(column: str) -> str:
    return re.sub(r"[^a-z0-9]", "", column.rsplit(".", 1)[-1].lower())


def _source_name(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower() or "source"
    if base[0].isdigit():
        base = "s_" + base
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    taken.add(name)
    return name


def guess_type(name: str) -> str | None:
    """The row type a source or array name suggests (``"listing_images"`` → ``"image"``).

    The most specific types are tried first, so ``payout_accounts`` is a Stripe account and
    ``listing_photos`` are images, not users or listings.
    """
    words = [word.rstrip("s") or word for word in re.findall(r"[a-z]+", name.lower())]
    for record_type in _GUESS_PRIORITY:
        if any(word in _TYPE_WORDS[record_type] for word in words):
            return record_type
    return None


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_key(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_-]+", text) else _toml_string(text)


def _json_arrays(path: Path) -> list[str]:
    """Dotted paths of the arrays of objects in a JSON document, outermost first (one pass)."""
    found: dict[str, None] = {}
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as stream:
        try:
            for prefix, event, _ in ijson.parse(stream):
                if event == "start_map" and (prefix == "item" or prefix.endswith(".item")):
                    array = prefix[: -len(".item")] if prefix != "item" else ""
                    if ".item" not in array and array != "item":
                        found.setdefault(array, None)
        except ijson.JSONError as error:
            # yajl adds the offending text and a caret on further lines: keep the first one.
            reason = str(error).strip().splitlines()[0].removeprefix("parse error: ")
            raise JobError(f"{path}: invalid JSON ({reason})") from None
    if not found:
        raise JobError(
            f"{path}: no array of objects found (expected [{{…}}, …] or "
            f'{{"users": [{{…}}, …]}}; for one object a line use a .jsonl file)'
        )
    return list(found)


def _sqlite_tables(path: Path) -> list[str]:
    """The user tables of the SQLite database at ``path``, by name."""
    try:
        connection = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise JobError(f"{path}: cannot read as SQLite ({error})") from None
    if not tables:
        raise JobError(f"{path}: the SQLite database has no tables")
    return tables


def discover(paths: Iterable[Path], job_dir: Path) -> list[StarterSource]:
    """The sources found in ``paths`` with their columns (read cheaply through the extractors).

    Raises :class:`JobError` for a file that is missing or of an unknown kind.
    """
    from migrate.extract import SourceSpec, open_source

    job_dir = job_dir.resolve()
    sources: list[StarterSource] = []
    taken: set[str] = set()
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise JobError(f"{path}: no such file")
        lower = path.name.lower()
        relative = _relative(path, job_dir)
        if lower.endswith(_SQLITE_SUFFIXES):
            tables = _sqlite_tables(path)
            for table_name in tables:
                table = {"type": "sql", "path": relative, "table": table_name}
                sources.append(StarterSource(_source_name(table_name, taken), table, []))
        elif lower.endswith(_LINES_SUFFIXES):
            stem = re.sub(r"\.(jsonl|ndjson)(\.gz)?$", "", path.name, flags=re.I)
            table = {"type": "json", "path": relative, "format": "lines"}
            sources.append(StarterSource(_source_name(stem, taken), table, []))
        elif lower.endswith(_JSON_SUFFIXES):
            stem = re.sub(r"\.json(\.gz)?$", "", path.name, flags=re.I)
            for array in _json_arrays(path):
                table = {"type": "json", "path": relative}
                if array:
                    table["records"] = array
                label = array.rsplit(".", 1)[-1] if array else stem
                sources.append(StarterSource(_source_name(label, taken), table, []))
        elif lower.endswith(_CSV_SUFFIXES):
            stem = re.sub(r"\.(csv|tsv|txt)(\.gz)?$", "", path.name, flags=re.I)
            table = {"type": "csv", "path": relative}
            table.update(_sniff_csv(path))
            sources.append(StarterSource(_source_name(stem, taken), table, []))
        elif lower.endswith((".edn", ".edn.gz")):
            raise JobError(
                f"{path}: already an edn file, not a source to convert "
                "(check it with `migrate validate`)"
            )
        else:
            raise JobError(
                f"{path}: unknown kind of source (expected .csv, .json, .jsonl or .db/.sqlite)"
            )
    for source in sources:
        spec = SourceSpec.from_table(source.name, source.table, job_dir / "job.toml")
        opened = open_source(spec)
        try:
            source.columns = list(opened.columns())
            source.samples = _sample_values(opened, source.columns)
        finally:
            close = getattr(opened, "close", None)
            if close is not None:
                close()
        source.record_type = guess_type(source.name)
        if source.table["type"] == "sql" and "id" in source.columns:
            source.table["key"] = "id"  # row origins then read "users id=123"
        if source.table["type"] == "json":
            _nested_images(source, opened)
    return sources


def _sample_values(opened: Any, columns: list[str]) -> dict[str, list[Any]]:
    """The non-empty values of each column in the first :data:`_SAMPLE_ROWS` rows.

    Only a hint for the guesses (image URLs, HTML, rating scale): a source that cannot be read
    that far gives what was read, and ``migrate convert`` reports the fault itself.
    """
    from migrate.errors import ExtractError
    from migrate.extract import get_path

    samples: dict[str, list[Any]] = {column: [] for column in columns}
    try:
        for row in opened.rows(limit=_SAMPLE_ROWS):
            for column in columns:
                value = get_path(row.values, column)
                if value is not None and value != "":
                    samples[column].append(value)
    except ExtractError:
        pass
    return samples


def _nested_images(source: StarterSource, opened: Any) -> None:
    """A listing source with an array of images (``photos``) gets an image record from it."""
    if source.record_type != "listing":
        return
    listing = getattr(opened, "child_columns", None)
    for column in source.columns:
        if "." not in column and guess_type(column) == "image" and listing is not None:
            children = list(listing(column))
            if any(not name.startswith("parent.") for name in children):
                source.each = column
                source.child_columns = children
                return


def _sniff_csv(path: Path) -> dict[str, Any]:
    """Encoding and delimiter options of a CSV file, judged from its first megabyte."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as stream:
        head = stream.read(1 << 20)
    options: dict[str, Any] = {}
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        text = head.decode("windows-1252", errors="replace")
        options["encoding"] = "windows-1252"
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t", "|")}
    delimiter = max(counts, key=lambda key: counts[key])
    if counts[delimiter] and delimiter != ",":
        options["delimiter"] = delimiter
    return options


def _relative(path: Path, job_dir: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(job_dir).as_posix()
    except ValueError:
        return Path(os.path.relpath(resolved, job_dir)).as_posix()


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
_ROLES = {
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
_HTML = re.compile(
    r"<(?:br|p|div|span|b|i|em|strong|a|ul|ol|li|h[1-6])\b[^>]*>|</[a-z]+>|&(?:[a-z]+|#\d+);", re.I
)
_TEMPLATE_SAFE = re.compile(r"[^{}\[\]:!]+")
# Columns holding an average score, read for reviews that carry no rating of their own.
_RATING_WORDS = ("rating", "score", "stars")
_NOT_RATING_WORDS = ("count", "number", "num", "total", "per")

_PLACEHOLDER_DOMAIN = "example.com"


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


@dataclass
class Plan:
    """One ``[records.TYPE]`` table of the starter job."""

    record_type: str
    source: StarterSource
    id_spec: str
    id_column: str | None
    entries: dict[str, Entry]
    each: str | None = None
    distinct: bool = False
    about: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    unmapped_label: str = "unmapped columns"
    group: Group | None = None


def _words(name: str) -> list[str]:
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
        id_column = next((c for c, rest in members.items() if _normalise(rest) == "id"), None)
        if id_column is not None and len(members) > 1:
            groups.append(Group(prefix, id_column, members))
    return groups


# Value guesses -----------------------------------------------------------------------------------


def _q(text: str) -> str:
    return _toml_string(text)


def _date_spec(column: str, merge: str | None = None) -> str:
    merged = f", merge = {_q(merge)}" if merge else ""
    return f'{{ column = {_q(column)}, transform = "date"{merged} }}'


def _template_ok(column: str) -> bool:
    """Whether ``{column}`` is a plain placeholder the job's templates accept."""
    return bool(_TEMPLATE_SAFE.fullmatch(column))


def _looks_html(values: list[Any]) -> bool:
    return any(isinstance(value, str) and _HTML.search(value) for value in values)


def _strings(values: list[Any]) -> bool:
    return all(isinstance(value, str) for value in values)


def _image_columns(
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
        words = [word.rstrip("s") or word for word in _words(names.get(column, column))]
        named = any(word in _IMAGE_WORDS for word in words)
        if named or (words and words[-1] == "url" and values and _IMAGE_URL.match(values[0])):
            small = any(word in _SMALL_IMAGE_WORDS for word in words)
            found.append((2 if small else 0 if named else 1, column))
    return [column for _, column in sorted(found, key=lambda pair: pair[0])]


def _created_column(
    record_type: str, columns: Iterable[str], names: dict[str, str], used: set[str]
) -> str | None:
    """A creation-date column by pattern: ``date``, ``created…``, ``…_since``, ``joined…``."""
    starts = ("created", "creation")
    if record_type == "user":
        starts += ("joined", "signup", "signedup", "registered", "registration")
    for column in columns:
        name = _normalise(names.get(column, column))
        if column in used:
            continue
        if name in ("date", "since") or name.startswith(starts) or name.endswith("since"):
            return column
    return None


def _content_column(columns: Iterable[str], used: set[str]) -> str | None:
    """Review text by pattern: ``comments``, ``review_text``, ``body_html``…"""
    for column in columns:
        name = _normalise(column)
        if column not in used and (
            name.startswith(("comment", "text", "body"))
            or name.endswith(("text", "comment", "comments"))
        ):
            return column
    return None


def _guess_mapping(
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
        by_name.setdefault(_normalise(names.get(column, column)), column)
    for attribute, candidates, template in _GUESSES[record_type]:
        guessed = next(
            (by_name[n] for n in candidates if n in by_name and by_name[n] not in used), None
        )
        if guessed is None:
            continue
        entries[attribute] = Entry(template % _q(guessed), guessed)
        used.add(guessed)
    if "createdAt" in _REQUIRED[record_type] and "createdAt" not in entries:
        created = _created_column(record_type, columns, names, used)
        if created is not None:
            entries["createdAt"] = Entry(_date_spec(created), created)
            used.add(created)
    if record_type == "review":
        content = entries.get("content")
        if content is None:
            column = _content_column(columns, used)
            if column is not None:
                content = entries["content"] = Entry("", column)
                used.add(column)
        if content is not None and content.column is not None:
            html = _looks_html(source.samples.get(content.column, []))
            transform = "html_to_text" if html else "trim"
            content.spec = f"{{ column = {_q(content.column)}, transform = {_q(transform)} }}"
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
        spec = f'{{ column = {_q(full)}, transform = {{ name = "split_name", part = "{part}" }} }}'
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
        entries["displayName"] = Entry(f'{{ column = {_q(full)}, transform = "trim" }}', full)


def _listing_extras(entries: dict[str, Entry], used: set[str], by_name: dict[str, str]) -> None:
    """Location from two columns, price from minor units and a currency column."""
    lat = next((by_name[n] for n in ("lat", "latitude") if n in by_name), None)
    lng = next((by_name[n] for n in ("lng", "lon", "long", "longitude") if n in by_name), None)
    if lat and lng:
        entries["location"] = Entry(f"{{ lat = {_q(lat)}, lng = {_q(lng)} }}")
        used.update((lat, lng))
    cents = next(
        (by_name[n] for n in ("pricecents", "priceincents", "amountcents") if n in by_name), None
    )
    if cents is not None:
        spec = f'{{ column = {_q(cents)}, transform = "minor_units" }}'
        price = entries.get("price")
        if price is not None:
            price.spec, price.column = f"[{price.spec}, {spec}]", None
        else:
            entries["price"] = Entry(spec, cents)
        used.add(cents)
    currency = by_name.get("currency")
    if currency and "price" in entries:
        price = entries["price"]
        price.spec = price.spec.replace(" }", f", currency = {_q(currency)} }}")
        used.add(currency)


# Plans: the record tables of the starter job ----------------------------------------------------


def _id_column(columns: list[str]) -> str:
    by_name = {_normalise(column): column for column in columns}
    return by_name.get("id") or next(iter(by_name.values()), "id")


def _main_plan(
    record_type: str,
    source: StarterSource,
    columns: list[str],
    each: str | None,
    groups: list[Group],
) -> Plan:
    """The table making ``record_type`` rows from ``source`` itself (or its ``each`` array)."""
    own = [column for column in columns if not column.startswith("parent.")]
    grouped = {column for group in groups for column in group.columns}
    id_column = _id_column([column for column in own if column not in grouped] or own)
    candidates = [column for column in own if column not in grouped or _is_group_id(column, groups)]
    entries, used = _guess_mapping(record_type, candidates, source)
    if each is not None and "listing" not in entries and "parent.id" in columns:
        entries["listing"] = Entry('{ ref = "listing", column = "parent.id" }', "parent.id")
    for group in groups:
        for (kind, attribute), prefixes in _ROLES.items():
            if kind == record_type and attribute not in entries and group.prefix in prefixes:
                entries[attribute] = Entry(
                    f'{{ ref = "user", column = {_q(group.id_column)} }}', group.id_column
                )
                used.add(group.id_column)
    if record_type == "review" and "type" not in entries and "listing" in entries:
        entries["type"] = Entry(
            '{ const = "ofProvider" }',
            todo=[
                "no column says who is reviewed: reviews of a listing are taken as",
                "reviews of its provider by a customer (ofProvider).",
            ],
        )
    if record_type == "user" and each is None:
        _placeholder_email(entries, id_column)
    left = [column for column in candidates if column not in used and column != id_column]
    left = [column for column in left if column != source.each or each is not None]
    return Plan(
        record_type,
        source,
        _q(id_column),
        id_column,
        entries,
        each=each,
        unmapped=left,
    )


def _is_group_id(column: str, groups: list[Group]) -> bool:
    return any(column == group.id_column for group in groups)


def _group_plan(group: Group, source: StarterSource, main: Plan) -> Plan:
    """The ``[[records.user]]`` of a person embedded in ``source``: one user per distinct id."""
    members = [column for column in group.columns if column != group.id_column]
    entries, used = _guess_mapping("user", members, source, group.columns)
    created = entries.get("createdAt")
    if created is not None and created.column is not None:
        created.spec = _date_spec(created.column, "min")
        created.tail = "the earliest, when rows differ"
    else:
        activity = main.entries.get("createdAt")
        if activity is not None and activity.column is not None:
            entries["createdAt"] = Entry(
                _date_spec(activity.column, "min"),
                activity.column,
                todo=[
                    f"no sign-up date of the {group.prefix} in [sources.{source.name}]: the",
                    f"earliest {activity.column} of their {main.record_type} rows stands in",
                    "(docs/recipes.md, sign-up dates from activity).",
                ],
            )
    _placeholder_email(entries, group.id_column)
    plan = Plan(
        "user",
        source,
        _q(group.id_column),
        group.id_column,
        entries,
        distinct=True,
        group=group,
        about=[
            f"# The {_group_pattern(group)} columns of [sources.{source.name}]: one user per "
            f"{group.id_column},",
            "# however many rows repeat them.",
        ],
        unmapped=[column for column in members if column not in used],
        unmapped_label=f"unmapped {group.prefix} columns",
    )
    return plan


def _group_pattern(group: Group) -> str:
    """How the group's columns are named: ``host_*``, ``host.*``, ``host*`` (camel case)."""
    after = group.id_column[len(group.prefix)]
    return f"{group.prefix}{after if after in '_-. ' else ''}*"


def _placeholder_email(entries: dict[str, Entry], id_column: str) -> None:
    """A ``user-{id}@example.com`` address when no column holds an email."""
    if "email" in entries or not _template_ok(id_column):
        return
    entries["email"] = Entry(
        f'{{ template = "user-{{{id_column}}}@{_PLACEHOLDER_DOMAIN}" }}',
        todo=[
            "the export has no email addresses, and every user needs one: a placeholder",
            f"made from {id_column}. Put a domain you control instead of {_PLACEHOLDER_DOMAIN};",
            f"with + aliases one mailbox gets them all: ops+user-{{{id_column}}}@yourdomain.",
            'The same id gives the same address in every table (docs/recipes.md, "No emails").',
        ],
    )


def _image_plan(
    owner: Plan, columns: list[str], names: dict[str, str], label: str
) -> tuple[Plan | None, str | None]:
    """An image record from the best picture column of ``owner``'s rows, and that column."""
    found = _image_columns(columns, owner.source, names, set())
    if not found or owner.id_column is None or not _template_ok(owner.id_column):
        return None, None
    column, others = found[0], found[1:]
    entries = {"url": Entry(f'{{ column = {_q(column)}, transform = "url_encode" }}', column)}
    if owner.record_type == "listing":
        entries["listing"] = Entry(f'{{ ref = "listing", column = {_q(owner.id_column)} }}')
    about = [f"# The picture of each {label} in [sources.{owner.source.name}] ({column})."]
    if others:
        about.append(f"# Other picture columns, left out: {', '.join(others)}")
    plan = Plan(
        "image",
        owner.source,
        f'{{ template = "{label}-{{{owner.id_column}}}" }}',
        None,
        entries,
        distinct=owner.distinct,
        about=about,
    )
    return plan, column


def _attach_images(
    owner: Plan, columns: list[str], names: dict[str, str], label: str
) -> Plan | None:
    """The image plan of ``owner``'s picture columns; a user owner gets its avatar reference."""
    image, column = _image_plan(owner, columns, names, label)
    if image is None or column is None:
        return None
    if column in owner.unmapped:
        owner.unmapped.remove(column)
    if owner.record_type == "user" and owner.id_column is not None:
        owner.entries["avatar"] = Entry(
            f'{{ ref = "image", template = "{label}-{{{owner.id_column}}}", required = false }}',
            tail="a user without a picture keeps no avatar",
        )
    return image


def _review_lookups(review: Plan, plans: list[Plan]) -> None:
    """Subject and rating of reviews read from their listing's row in another source."""
    listing_ref = review.entries.get("listing")
    if listing_ref is None or listing_ref.column is None:
        return
    listing = next(
        (
            plan
            for plan in plans
            if plan.record_type == "listing"
            and plan.group is None
            and plan.each is None
            and plan.id_column is not None
            and plan.source is not review.source
        ),
        None,
    )
    if listing is None or listing.id_column is None:
        return
    on, key, other = listing_ref.column, listing.id_column, listing.source.name

    def lookup(column: str) -> str:
        return f"{{ source = {_q(other)}, on = {_q(on)}, key = {_q(key)}, column = {_q(column)} }}"

    author = listing.entries.get("author")
    if "subject" not in review.entries and author is not None and author.column is not None:
        review.entries["subject"] = Entry(
            f'{{ ref = "user", lookup = {lookup(author.column)} }}',
            tail=f"the author of the listing, from [sources.{other}]",
        )
    if "rating" not in review.entries:
        column = _average_rating(listing.source)
        if column is not None:
            top = _rating_top(listing.source.samples.get(column, []))
            transform = f'{{ name = "rating_scale", source_max = {top} }}'
            review.entries["rating"] = Entry(
                f"{{ lookup = {lookup(column)}, transform = {transform} }}",
                todo=[
                    "the reviews have no rating of their own: each gets its listing's",
                    f"average {column} (read as 0 to {top}, rounded to 1 to 5 stars).",
                    'Keep it, or leave reviews out (docs/recipes.md, "Only aggregate ratings").',
                ],
            )


def _average_rating(source: StarterSource) -> str | None:
    """The column of a listing source that holds its average rating, if one looks like it."""
    found = []
    for column in source.columns:
        words = _words(column)
        if any(word in _RATING_WORDS for word in words) and not any(
            word in _NOT_RATING_WORDS for word in words
        ):
            found.append((0 if "rating" in words else 1, len(column), column))
    return min(found)[2] if found else None


def _rating_top(values: list[Any]) -> int:
    """The top of the scale sampled ratings are on: 5, 10 or 100."""
    numbers = []
    for value in values:
        try:
            numbers.append(float(str(value).strip()))
        except ValueError:
            continue
    highest = max(numbers, default=5.0)
    return next(top for top in (5, 10, 100, 1000) if highest <= top or top == 1000)


def _created_from_person(main: Plan, person: Plan) -> None:
    """A listing without a date of its own takes its embedded author's sign-up date."""
    created = person.entries.get("createdAt")
    group = person.group
    author = main.entries.get("author")
    if (
        main.record_type != "listing"
        or "createdAt" in main.entries
        or created is None
        or created.todo
        or created.column is None
        or group is None
        or author is None
        or author.column != group.id_column
    ):
        return
    main.entries["createdAt"] = Entry(
        _date_spec(created.column),
        created.column,
        todo=[
            f"no date of the listing itself: its {group.prefix}'s sign-up date",
            f"({created.column}) stands in; it is never later than the listing's reviews.",
        ],
    )


def plan_records(sources: list[StarterSource]) -> list[Plan]:
    """Every record table the starter job proposes for ``sources``, in source order."""
    has_users = any(source.record_type == "user" for source in sources)
    plans: list[Plan] = []
    for source in sources:
        if source.record_type is None:
            continue
        own = [column for column in source.columns if not column.startswith("parent.")]
        groups = [] if has_users or source.record_type == "user" else embedded_groups(own)
        main = _main_plan(source.record_type, source, source.columns, None, groups)
        plans.append(main)
        if source.record_type in ("listing", "user"):
            label = "user" if source.record_type == "user" else "listing"
            image = _attach_images(main, list(main.unmapped), {}, label)
            if image is not None:
                plans.append(image)
        for group in groups:
            person = _group_plan(group, source, main)
            plans.append(person)
            _created_from_person(main, person)
            names = group.columns
            image = _attach_images(person, list(person.unmapped), names, group.prefix)
            if image is not None:
                plans.append(image)
        if source.each is not None:
            plans.append(_main_plan("image", source, source.child_columns, source.each, []))
    for plan in plans:
        if plan.record_type == "review" and plan.group is None:
            _review_lookups(plan, plans)
    return plans


# Rendering ---------------------------------------------------------------------------------------


def render_starter(sources: list[StarterSource], ident: str = "my-marketplace") -> str:
    """The text of a commented starter job for ``sources``."""
    out = [
        "# Starter job written by `migrate init`. Check every guess, then run:",
        "#   migrate convert THIS_FILE --dry-run",
        "# Lines marked TODO are stand-ins for data the export lacks: decide on each.",
        "# Reference of every key: docs/job-file.md; what init guesses: docs/init.md",
        f"ident = {_toml_string(ident)}   # your marketplace ident (Console > Build > General)",
        "",
        "[output]",
        'dir = "out"',
        "",
        "[defaults]",
        'currency = "USD"',
        'timezone = "UTC"                  # zone of dates written without one',
        'listing_type = "daily-rental"',
        'transaction_process_alias = "default-booking/release-1"',
        'unit_type = "day"',
        'roles = ["customer", "provider"]',
        "",
    ]
    for source in sources:
        out.append(f"[sources.{_toml_key(source.name)}]")
        for key, value in source.table.items():
            out.append(f"{key} = {_toml_string(value)}")
        out.append("")
    plans = plan_records(sources)
    for record_type in _TYPE_ORDER:
        makers = [plan for plan in plans if plan.record_type == record_type]
        for plan in makers:
            out += _plan_lines(plan, array=len(makers) > 1)
    out += _missing_targets(plans)
    for source in sources:
        if source.record_type is None:
            out.append(f"# [sources.{source.name}] was not recognised as users, listings, images,")
            out.append("# reviews or payout accounts; add a [records.TYPE] table for it if needed.")
            out.append(f"# Its columns: {', '.join(source.columns)}")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _plan_lines(plan: Plan, array: bool) -> list[str]:
    key = f"records.{plan.record_type}"
    lines = [f"[[{key}]]" if array else f"[{key}]", *plan.about]
    lines.append(f"source = {_toml_string(plan.source.name)}")
    if plan.each is not None:
        lines.append(f"each = {_toml_string(plan.each)}")
    lines.append(f"id = {plan.id_spec}")
    if plan.distinct:
        lines.append(f"distinct = true   # rows repeating one id are one {plan.record_type}")
        lines.append(
            '# merge = "non-empty"   # rows of one id that differ are rejected (merge-conflict);'
        )
        lines.append("#   a policy merges them instead: first, last, non-empty, min, max")
    lines.append("")
    lines.append(f"[{key}.mapping]")
    for attribute, entry in plan.entries.items():
        for index, note in enumerate(entry.todo):
            lines.append(f"# TODO {attribute}: {note}" if index == 0 else f"#   {note}")
        tail = f"   # {entry.tail}" if entry.tail else ""
        lines.append(f"{attribute} = {entry.spec}{tail}")
    for attribute in _REQUIRED[plan.record_type]:
        if attribute in plan.entries:
            continue
        constant = _CONSTANTS.get((plan.record_type, attribute))
        if constant is not None:
            lines.append(f"{attribute} = {constant}   # no column found: a constant")
        else:
            lines.append(f'# {attribute} = "COLUMN"   # required: no column found')
    if plan.unmapped:
        lines.append(f"# {plan.unmapped_label}: {', '.join(plan.unmapped)}")
    lines.append("")
    return lines


def _missing_targets(plans: list[Plan]) -> list[str]:
    """A ``# TODO [records.TYPE]`` note for each row type references point at but no table makes."""
    made = {plan.record_type for plan in plans}
    pointing: dict[str, list[str]] = {}
    for plan in plans:
        for attribute, entry in plan.entries.items():
            match = re.match(r'[\[{ ]*ref = "([A-Za-z]+)"', entry.spec)
            if match and match.group(1) not in made:
                where = f"records.{plan.record_type}.mapping.{attribute}"
                pointing.setdefault(match.group(1), []).append(where)
    lines: list[str] = []
    for target, wheres in pointing.items():
        plural = {"user": "users", "listing": "listings", "image": "images"}.get(target, target)
        lines += [
            f"# TODO [records.{target}]: {', '.join(wheres)} point{'s' if len(wheres) == 1 else ''}"
            f" at {target} rows, but no",
            f"#   source was recognised as {plural}: add a [records.{target}] table (its own export,",
            "#   or its columns in another file with distinct = true); until then every row",
            "#   pointing at one is rejected (ref-unresolved).",
            "",
        ]
    return lines


def starter_job(paths: Iterable[Path], job_path: Path, ident: str = "my-marketplace") -> str:
    """The starter job text for the source files ``paths``, to be written at ``job_path``."""
    return render_starter(discover(paths, job_path.parent), ident)
