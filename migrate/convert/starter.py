"""``migrate init``: a commented starter job file guessed from the sources' columns.

Each source file (CSV, JSON, JSON Lines, SQLite) is opened only to read its column names. A
source whose name suggests a row type (``users.csv``, ``listings`` table, ``photos`` array inside
listings) gets a ``[records.TYPE]`` table whose mapping is guessed from column names (``email``,
``first_name``, ``created_at``, ``price``, ``lat``…); columns left over are listed as comments,
and required attributes no column matched are written as comments to fill in. The job it
writes is meant to be read and edited, then run with ``migrate convert``.
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

_DATE = '{ column = "%s", transform = "date" }'
# attribute -> (normalised column names, value template); first matching column wins.
_GUESSES: dict[str, list[tuple[str, tuple[str, ...], str]]] = {
    "user": [
        (
            "email",
            ("email", "emailaddress", "mail", "primaryemail"),
            '{ column = "%s", transform = "trim" }',
        ),
        (
            "emailVerified",
            ("emailconfirmed", "emailverified", "verified", "confirmed"),
            '{ column = "%s", transform = "boolean" }',
        ),
        (
            "firstName",
            ("firstname", "givenname", "forename"),
            '{ column = "%s", transform = "trim" }',
        ),
        (
            "lastName",
            ("lastname", "surname", "familyname"),
            '{ column = "%s", transform = "trim" }',
        ),
        (
            "displayName",
            ("displayname", "nickname", "username", "screenname"),
            '{ column = "%s", transform = "trim" }',
        ),
        ("bio", ("bio", "about", "aboutme", "biography"), '{ column = "%s", transform = "trim" }'),
        (
            "createdAt",
            ("createdat", "signedupat", "registeredat", "joinedat", "created", "signupdate"),
            _DATE,
        ),
    ],
    "listing": [
        ("title", ("title", "name", "headline"), '{ column = "%s", transform = "trim" }'),
        (
            "description",
            ("description", "body", "details"),
            '{ column = "%s", transform = "html_to_text" }',
        ),
        (
            "state",
            ("state", "status"),
            '{ column = "%s", map = { active = "published", closed = "closed", draft = "draft" } }',
        ),
        (
            "price",
            ("price", "amount", "dailyprice", "rate"),
            '{ column = "%s", transform = "money" }',
        ),
        (
            "currentStock",
            ("quantity", "stock", "currentstock", "units"),
            '{ column = "%s", transform = "int" }',
        ),
        (
            "author",
            ("hostid", "userid", "ownerid", "authorid", "sellerid", "providerid"),
            '{ ref = "user", column = "%s" }',
        ),
        ("createdAt", ("createdat", "created", "publishedat", "listedat"), _DATE),
    ],
    "image": [
        (
            "url",
            ("url", "src", "imageurl", "photourl", "link"),
            '{ column = "%s", transform = "url_encode" }',
        ),
        (
            "sortOrder",
            ("position", "sortorder", "order", "rank", "index"),
            '{ column = "%s", transform = "int" }',
        ),
        (
            "listing",
            ("listingid", "itemid", "productid", "parentid"),
            '{ ref = "listing", column = "%s" }',
        ),
    ],
    "review": [
        (
            "type",
            ("kind", "type", "reviewtype"),
            '{ column = "%s", map = { of_provider = "ofProvider", of_customer = "ofCustomer" } }',
        ),
        (
            "state",
            ("status", "state"),
            '{ column = "%s", map = { published = "public", pending = "pending" } }',
        ),
        ("rating", ("rating", "stars", "score"), '{ column = "%s", transform = "int" }'),
        (
            "content",
            ("body", "content", "text", "comment", "review"),
            '{ column = "%s", transform = "trim" }',
        ),
        (
            "author",
            ("authorid", "reviewerid", "writerid", "fromuserid"),
            '{ ref = "user", column = "%s" }',
        ),
        (
            "subject",
            ("subjectid", "revieweeid", "targetuserid", "touserid"),
            '{ ref = "user", column = "%s" }',
        ),
        ("listing", ("listingid", "itemid", "productid"), '{ ref = "listing", column = "%s" }'),
        ("createdAt", ("createdat", "created", "writtenat"), _DATE),
    ],
    "stripeAccount": [
        (
            "stripeAccountId",
            ("stripeaccountid", "accountid", "stripeid", "stripeaccount"),
            '{ column = "%s", transform = "trim" }',
        ),
        ("user", ("userid", "ownerid", "memberid"), '{ ref = "user", column = "%s" }'),
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


def _guess_mapping(record_type: str, columns: list[str]) -> tuple[list[str], set[str]]:
    """Lines of a ``mapping`` table and the columns they use."""
    lines: list[str] = []
    used: set[str] = set()
    by_name: dict[str, str] = {}
    for column in columns:
        by_name.setdefault(_normalise(column), column)
    mapped: set[str] = set()
    for attribute, names, template in _GUESSES[record_type]:
        guessed = next(
            (by_name[name] for name in names if name in by_name and by_name[name] not in used), None
        )
        if guessed is None:
            continue
        lines.append(f"{attribute} = {template % guessed}")
        used.add(guessed)
        mapped.add(attribute)
    if record_type == "user":
        full = next((by_name[n] for n in ("fullname", "name") if n in by_name), None)
        if full is not None and full not in used:
            used.add(full)
            for part, attribute in (("first", "firstName"), ("last", "lastName")):
                spec = f'{{ column = "{full}", transform = {{ name = "split_name", part = "{part}" }} }}'
                if attribute in mapped:
                    index = next(
                        i for i, line in enumerate(lines) if line.startswith(attribute + " ")
                    )
                    first = lines[index].split(" = ", 1)[1]
                    lines[index] = f"{attribute} = [{first}, {spec}]"
                else:
                    lines.append(f"{attribute} = {spec}")
                    mapped.add(attribute)
    if record_type == "listing":
        lat = next((by_name[n] for n in ("lat", "latitude") if n in by_name), None)
        lng = next((by_name[n] for n in ("lng", "lon", "long", "longitude") if n in by_name), None)
        if lat and lng:
            lines.append(f'location = {{ lat = "{lat}", lng = "{lng}" }}')
            used.update((lat, lng))
            mapped.add("location")
        cents = next(
            (by_name[n] for n in ("pricecents", "priceincents", "amountcents") if n in by_name),
            None,
        )
        if cents is not None:
            spec = f'{{ column = "{cents}", transform = "minor_units" }}'
            if "price" in mapped:
                index = next(i for i, line in enumerate(lines) if line.startswith("price "))
                lines[index] = f"price = [{lines[index].split(' = ', 1)[1]}, {spec}]"
            else:
                lines.append(f"price = {spec}")
                mapped.add("price")
            used.add(cents)
        currency = by_name.get("currency")
        if currency and "price" in mapped:
            index = next(i for i, line in enumerate(lines) if line.startswith("price "))
            lines[index] = lines[index].replace(" }", f', currency = "{currency}" }}')
            used.add(currency)
    for attribute in _REQUIRED[record_type]:
        if attribute not in mapped:
            constant = _CONSTANTS.get((record_type, attribute))
            if constant is not None:
                lines.append(f"{attribute} = {constant}   # no column found: a constant")
            else:
                lines.append(f'# {attribute} = "COLUMN"   # required: no column found')
    return lines, used


def render_starter(sources: list[StarterSource], ident: str = "my-marketplace") -> str:
    """The text of a commented starter job for ``sources``."""
    out = [
        "# Starter job written by `migrate init`. Check every guess, then run:",
        "#   migrate convert THIS_FILE",
        "# Reference of every key: docs/job-file.md",
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
    for record_type in _TYPE_ORDER:
        makers = [source for source in sources if source.record_type == record_type]
        if record_type == "image":
            makers += [source for source in sources if source.each is not None]
        for source in makers:
            each = source.each if source.record_type != record_type else None
            columns = source.child_columns if each is not None else source.columns
            out += _record_lines(record_type, source, columns, each, array=len(makers) > 1)
    unused = [source for source in sources if source.record_type is None]
    for source in unused:
        out.append(f"# [sources.{source.name}] was not recognised as users, listings, images,")
        out.append("# reviews or payout accounts; add a [records.TYPE] table for it if needed.")
        out.append(f"# Its columns: {', '.join(source.columns)}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _record_lines(
    record_type: str, source: StarterSource, columns: list[str], each: str | None, array: bool
) -> list[str]:
    by_name = {_normalise(column): column for column in columns if not column.startswith("parent.")}
    id_column = by_name.get("id") or next(iter(by_name.values()), "id")
    key = f"records.{record_type}"
    header = f"[[{key}]]" if array else f"[{key}]"
    lines = [header, f"source = {_toml_string(source.name)}"]
    if each is not None:
        lines.append(f"each = {_toml_string(each)}")
    lines.append(f"id = {_toml_string(id_column)}")
    lines.append("")
    own = [column for column in columns if not column.startswith("parent.")]
    mapping, used = _guess_mapping(record_type, own)
    if each is not None and not any(line.startswith("listing ") for line in mapping):
        parent_id = "parent.id" if "parent.id" in columns else None
        if parent_id:
            mapping.append(f'listing = {{ ref = "listing", column = "{parent_id}" }}')
    lines.append(f"[{key}.mapping]")
    lines += mapping
    left = [column for column in own if column not in used and column != id_column]
    if each is None and source.each is not None:
        left = [column for column in left if column != source.each]
    if left:
        lines.append(f"# unmapped columns: {', '.join(left)}")
    lines.append("")
    return lines


def starter_job(paths: Iterable[Path], job_path: Path, ident: str = "my-marketplace") -> str:
    """The starter job text for the source files ``paths``, to be written at ``job_path``."""
    return render_starter(discover(paths, job_path.parent), ident)
