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

Column-name guesses live in :mod:`migrate.convert.starter_guess`, the record tables built from
them in :mod:`migrate.convert.starter_plan`; this module finds the sources and writes the job.
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
from migrate.convert.starter_guess import CONSTANTS, REQUIRED, toml_string
from migrate.convert.starter_plan import Plan, plan_records

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


def _toml_key(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_-]+", text) else toml_string(text)


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


# Rendering ---------------------------------------------------------------------------------------


def render_starter(sources: list[StarterSource], ident: str = "my-marketplace") -> str:
    """The text of a commented starter job for ``sources``."""
    out = [
        "# Starter job written by `migrate init`. Check every guess, then run:",
        "#   migrate convert THIS_FILE --dry-run",
        "# Lines marked TODO are stand-ins for data the export lacks: decide on each.",
        "# Reference of every key: docs/job-file.md; what init guesses: docs/init.md",
        f"ident = {toml_string(ident)}   # your marketplace ident (Console > Build > General)",
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
            out.append(f"{key} = {toml_string(value)}")
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
    lines.append(f"source = {toml_string(plan.source.name)}")
    if plan.each is not None:
        lines.append(f"each = {toml_string(plan.each)}")
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
    for attribute in REQUIRED[plan.record_type]:
        if attribute in plan.entries:
            continue
        constant = CONSTANTS.get((plan.record_type, attribute))
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
