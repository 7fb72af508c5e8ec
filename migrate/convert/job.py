"""The job file of ``migrate convert``: what to read, and how each column becomes an attribute.

A job is TOML. :func:`load_job` reads it, checks every key against :data:`KEYS` and the
Intermediary schema (``schemas.load()``), compiles the transforms, and checks that every column
it names exists in its source -- all before any row is read. Mistakes are collected, not raised
one by one: :class:`JobError` lists every one found (up to :data:`MAX_PROBLEMS`), each a line with
its position in the file (:mod:`migrate.convert.toml_positions`), for example::

    job.toml:12:1: records.user.mapping.emial: unknown attribute 'emial' for user (did you mean 'email'?)

The result is an immutable :class:`Job`; :mod:`migrate.convert.mapping` turns its record specs
into mappers. ``docs/job-file.md`` documents every key (its reference part is generated from
:data:`KEYS` and the transform registry).
"""

from __future__ import annotations

import contextlib
import importlib
import re
import string
import sys
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from migrate import schemas
from migrate.convert.lookups import MISSING_POLICIES, LookupSpec, LookupStep
from migrate.convert.transforms import (
    KNOWN_CURRENCIES,
    Transform,
    TransformContext,
    TransformSpecError,
    compile_transform,
)
from migrate.edn.show import show
from migrate.edn.values import Keyword, is_legal_name_part
from migrate.errors import ConfigError
from migrate.mappers import MODULES as MAPPER_MODULES
from migrate.schemas import Attribute, RowType

#: How many mistakes one load reports at most (the rest are counted in a last line).
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class JobProblem:
    """One mistake in a job file: where it is (file, line, column, key path) and what is wrong."""

    file: str
    line: int | None
    column: int | None
    where: str
    message: str
    verbatim: bool = False  # the message names its own place (a data file's line): as it is

    def __str__(self) -> str:
        if self.verbatim:
            return self.message
        at = f"{self.file}:{self.line}:{self.column}" if self.line is not None else self.file
        return f"{at}: {self.where}: {self.message}" if self.where else f"{at}: {self.message}"


class JobError(ConfigError):
    """The job file is wrong: every mistake found, each one line ``FILE:LINE:COL: key: message``.

    ``problems`` lists them (:class:`JobProblem`); ``str(error)`` is their lines joined by
    newlines, and ``lines`` the same as a list (what the command line prints, one per line).
    """

    def __init__(self, message: str, problems: tuple[JobProblem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems

    @property
    def lines(self) -> list[str]:
        """One line per mistake (a last line says how many more were not listed)."""
        return self.message.split("\n")

    @classmethod
    def of(cls, problems: list[JobProblem], omitted: int = 0) -> JobError:
        """The error for ``problems`` (at least one), in file order."""
        ordered = sorted(problems, key=lambda p: (p.line or 0, p.column or 0))
        lines = [str(problem) for problem in ordered]
        if omitted:
            lines.append(f"{ordered[0].file}: {omitted} more mistakes not shown")
        return cls("\n".join(lines), tuple(ordered))


# Every key a job file may hold, with a one-line meaning and an example (used for "did you mean"
# hints and for the generated reference in docs/job-file.md).
KEYS: dict[str, dict[str, tuple[str, str]]] = {
    "": {
        "ident": ("the marketplace ident written as `:ident` (required)", '"trailhop"'),
        "output": ("where and how the edn file is written", "[output]"),
        "defaults": ("job-wide defaults and web-template conventions", "[defaults]"),
        "sources": ("the legacy data, one table per source", "[sources.users]"),
        "records": ("how rows of each Intermediary type are made", "[records.user]"),
        "geocode": ("coordinates for listings without them (geocoding stage)", "[geocode]"),
        "images": ("ask every image URL before writing (docs/check-images.md)", "[images]"),
        "marketplace": (
            "check rows against the target marketplace's configuration",
            "[marketplace]",
        ),
    },
    "marketplace": {
        "dir": (
            "directory of the marketplace's asset files (listings/listing-types.json, …), "
            "relative to the job file",
            '"../marketplace"',
        ),
    },
    "output": {
        "dir": ("output directory, relative to the job file (default `out`)", '"out"'),
        "name": ("file name stem: NAME.edn, NAME.rejects.csv, NAME.report.json", '"trailhop"'),
        "pretty": ("one attribute per line (default false)", "true"),
        "aliases": ("give rows an alias such as `:user/u123` (default true)", "false"),
    },
    "defaults": {
        "currency": ("ISO 4217 currency for money without one", '"USD"'),
        "timezone": ("IANA zone of naive dates (default UTC)", '"America/Denver"'),
        "listing_type": ("publicData.listingType of every listing", '"rent-gear"'),
        "transaction_process_alias": (
            "publicData.transactionProcessAlias of every listing",
            '"default-booking/release-1"',
        ),
        "unit_type": ("publicData.unitType of every listing", '"day"'),
        "roles": ("user roles (default both)", '["customer", "provider"]'),
        "email_verified": ("im.email/verified when not mapped (default false)", "true"),
    },
    "record": {
        "source": ("the `[sources.NAME]` rows come from (required)", '"users"'),
        "each": ("dotted path of a nested array: one row per element", '"photos"'),
        "id": ("column or `{template=…}` giving the source id (required)", '"id"'),
        "mapping": ("attribute = column / value spec", '{ email = "email" }'),
        "function": ("`module:function` returning extra attributes", '"migrate.mappers.custom:fn"'),
        "lookups": ("named columns taken from other sources by key", "[records.review.lookups]"),
        "provides": (
            "attributes the `function` gives (checked as mapped)",
            '["subject"]',
        ),
        "distinct": (
            "rows repeating one source id are one entity (default false)",
            "true",
        ),
        "merge": (
            "with `distinct`: the default merge policy of the table's attributes "
            "(default `conflict`)",
            '"non-empty"',
        ),
    },
    "value": {
        "column": ("source column (dotted path into nested JSON)", '"email"'),
        "const": ("a constant value", '"published"'),
        "template": ("text with `{column}` placeholders", '"{street}, {city}"'),
        "transform": ("transform name, table or array of them", '"trim"'),
        "map": ("value mapping applied after the transform", '{ active = "published" }'),
        "currency": ("money only: column holding the row's currency code", '"currency"'),
        "lookup": (
            "a column of another source by key, instead of `column` (see Lookups)",
            '{ source = "listings", on = "listing_id", key = "id", column = "host_id" }',
        ),
        "merge": ("with `distinct`: how repeated rows give this value", '"min"'),
    },
    "ref": {
        "ref": ("target row type of a reference", '"user"'),
        "column": ("source column holding the target's source id", '"host_id"'),
        "template": ("template giving the target's source id", '"{parent.id}"'),
        "lookup": ("the target's source id from another source (see Lookups)", "{ … }"),
        "required": (
            "reject the row when the target is rejected or missing (default true; `false` only on optional attributes)",
            "false",
        ),
        "merge": ("with `distinct`: how repeated rows give this reference", '"first"'),
    },
    "lookup": {
        "source": ("the `[sources.NAME]` to look in (required)", '"listings"'),
        "on": (
            "this row's column (or an earlier lookup) holding the key; only on the first step",
            '"listing_id"',
        ),
        "key": ("the other source's column matched against `on` (required)", '"id"'),
        "column": ("the other source's column giving the value (required)", '"host_id"'),
        "missing": (
            '`"reject"` (default: a key no row has rejects the row) or `"absent"`',
            '"absent"',
        ),
    },
    "location": {
        "lat": ("latitude column", '"lat"'),
        "lng": ("longitude column", '"lng"'),
        "merge": ("with `distinct`: how repeated rows give the coordinates", '"first"'),
    },
}

# Row type -> module in mappers/ that knows how rows of the type are built.
FINISHERS = MAPPER_MODULES


def _extra_names(row_type_name: str) -> dict[str, str]:
    """Names a job may map besides the schema's (``email``): the row type's ``NAMES``."""
    module = FINISHERS.get(row_type_name)
    if module is None:
        return {}
    return dict(importlib.import_module(module).NAMES)


@dataclass(frozen=True)
class OutputSpec:
    """``[output]``: the directory and file name stem of the outputs."""

    dir: Path
    name: str
    pretty: bool = False
    aliases: bool = True


@dataclass(frozen=True)
class Defaults:
    """``[defaults]``: job-wide defaults and the web template's listing conventions."""

    currency: str | None = None
    timezone: str = "UTC"
    listing_type: str | None = None
    transaction_process_alias: str | None = None
    unit_type: str | None = None
    roles: tuple[Keyword, ...] = (Keyword("user.role/customer"), Keyword("user.role/provider"))
    email_verified: bool = False

    @property
    def transform_context(self) -> TransformContext:
        """What transforms fall back on when a parameter is not given."""
        return TransformContext(currency=self.currency, timezone=self.timezone)


@dataclass(frozen=True, eq=False)
class ValueSpec:
    """Where one value comes from: a column, a constant or a template; then transform and map."""

    where: str
    column: str | None = None
    const: Any = None
    template: str | None = None
    transform_spec: Any = None
    map: Mapping[str, Any] | None = None
    currency_column: str | None = None
    context: TransformContext = TransformContext()
    merge: str | None = None  # with distinct: the policy given on this value spec
    _cache: dict[str | None, Transform | None] = field(default_factory=dict, repr=False)

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns this value reads."""
        names = [self.column] if self.column else []
        if self.template is not None:
            names += template_fields(self.template)
        if self.currency_column:
            names.append(self.currency_column)
        return tuple(names)

    def transform(self, currency: str | None = None) -> Transform | None:
        """The compiled transform, with ``currency`` as its default currency when given."""
        try:
            return self._cache[currency]
        except KeyError:
            pass
        compiled = None
        if self.transform_spec is not None:
            context = self.context
            if currency is not None:
                context = TransformContext(currency=currency, timezone=context.timezone)
            compiled = compile_transform(self.transform_spec, context)
        self._cache[currency] = compiled
        return compiled


@dataclass(frozen=True)
class RefSpec:
    """A reference to another row by its source id (``{ref="user", column="host_id"}``)."""

    where: str
    target: str
    source: ValueSpec
    required: bool = True
    merge: str | None = None  # with distinct: the policy given on this reference


@dataclass(frozen=True)
class LocationSpec:
    """Coordinates from two columns (``{lat="lat", lng="lng"}``)."""

    where: str
    lat: str
    lng: str
    merge: str | None = None  # with distinct: the policy given on these coordinates


@dataclass(frozen=True)
class AttributeMapping:
    """One mapped attribute: its path in the row (``(profile, firstName)``) and its spec.

    ``values`` is tried in order (the first non-empty result wins) for plain values; ``ref``
    and ``location`` are set instead for those kinds.
    """

    path: tuple[Keyword, ...]
    attribute: Attribute
    values: tuple[ValueSpec, ...] = ()
    ref: RefSpec | None = None
    location: LocationSpec | None = None


@dataclass(frozen=True)
class ExtendedField:
    """One key of an extended-data table (``[records.listing.public_data]``)."""

    keys: tuple[str, ...]  # nested path inside the JSON map, from a dotted TOML key
    values: tuple[ValueSpec, ...]


@dataclass(frozen=True)
class ExtendedMapping:
    """An extended-data attribute (publicData, metadata, …) built from several fields."""

    path: tuple[Keyword, ...]
    table: str  # the job table's name, e.g. "public_data"
    fields: tuple[ExtendedField, ...]


@dataclass(frozen=True)
class RecordSpec:
    """How one source makes rows of one Intermediary type (one ``[records.TYPE]`` table)."""

    where: str  # e.g. "records.user" or "records.user[1]"
    record_type: str
    source: str
    id: ValueSpec
    each: str | None = None
    attributes: tuple[AttributeMapping, ...] = ()
    extended: tuple[ExtendedMapping, ...] = ()
    function: Callable[[Mapping[str, Any]], Mapping[str, Any] | None] | None = None
    function_name: str | None = None
    lookups: tuple[LookupSpec, ...] = ()  # columns from other sources, named and inline
    #: attribute paths the function declares it gives (``provides = [...]``)
    provides: tuple[tuple[Keyword, ...], ...] = ()
    #: ``distinct = true``: rows repeating one source id are one entity (migrate.convert.distinct)
    distinct: bool = False
    #: the table's default merge policy (``merge = ...``), with ``distinct``
    merge: str = "conflict"

    @property
    def columns(self) -> list[str]:
        """Every source column the spec reads, in the order the job names them."""
        names = list(self.id.columns)
        for mapping in self.attributes:
            for value in mapping.values:
                names.extend(value.columns)
            if mapping.ref is not None:
                names.extend(mapping.ref.source.columns)
            if mapping.location is not None:
                names.extend((mapping.location.lat, mapping.location.lng))
        for extended in self.extended:
            for item in extended.fields:
                for value in item.values:
                    names.extend(value.columns)
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Job:
    """A loaded, checked job file."""

    path: Path
    ident: str
    output: OutputSpec
    defaults: Defaults
    sources: dict[str, Any]  # name -> migrate.extract.SourceSpec
    records: tuple[RecordSpec, ...]
    geocode: Any = None  # migrate.geocode.stage config, when a [geocode] table is given
    geocode_table: dict[str, Any] | None = None
    images: Any = None  # migrate.images.convert_hook.ImagesConfig, with [images] check = true
    marketplace: Any = None  # migrate.marketplace.MarketplaceConfig, from [marketplace] dir

    @property
    def ident_keyword(self) -> Keyword:
        """The ``:ident`` keyword."""
        return Keyword(self.ident)


# Loading -----------------------------------------------------------------------------------------


def load_job(
    source: str | Path | Mapping[str, Any],
    *,
    check_sources: bool = True,
    base_dir: str | Path | None = None,
    name: str = "<job>",
) -> Job:
    """Read and check a job: a job file's path, TOML text, or an already parsed table.

    A :class:`~pathlib.Path` (or a string naming an existing file) is read as a job file; any
    other string is TOML text, and a mapping is the job's table itself (what ``tomllib`` would
    give). Relative paths inside the job are relative to the job file's folder, else to
    ``base_dir`` (default: the current folder); ``name`` is how messages name such a job.

    With ``check_sources`` (the default) every source is opened to compare the columns the job
    names with the columns it has (``Source.columns()``: a header or the first record, cheap).
    Raises :class:`JobError` listing every mistake found (up to :data:`MAX_PROBLEMS`), each with
    its line and column in the file.
    """
    if isinstance(source, Mapping):
        raw, path, text, label = dict(source), _virtual_path(base_dir, name), None, name
    elif isinstance(source, Path) or _names_a_file(source):
        path = Path(source)
        raw, text = _read_job_file(path)
        label = str(path)
    else:
        path, text, label = _virtual_path(base_dir, name), source, name
        raw = _parse_toml(text, label)
    loader = _Loader(path, label, text)
    job = loader.job(raw)
    if check_sources and loader.columns_job is not None:
        from migrate.convert.columns import column_problems

        for where, message in column_problems(loader.columns_job):
            loader.problem(where, message)
    loader.raise_problems()
    assert job is not None  # no problems: the loader made a job
    return job


def _names_a_file(source: str) -> bool:
    """True when ``source`` is a path rather than TOML text (TOML text has a newline or '=')."""
    return "\n" not in source and "=" not in source


def _virtual_path(base_dir: str | Path | None, name: str) -> Path:
    """Where a job without a file would be: relative paths in it resolve from ``base_dir``."""
    return Path(base_dir if base_dir is not None else Path.cwd()).absolute() / name


def _read_job_file(path: Path) -> tuple[dict[str, Any], str]:
    label = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise JobError(f"{label}: no such job file") from None
    except IsADirectoryError:
        raise JobError(f"{label}: is a directory, not a job file") from None
    except OSError as error:
        raise JobError(f"{label}: cannot read the job file ({error.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _line_column(data[: error.start].decode("utf-8", "replace"))
        raise JobError(
            f"{label}:{line}:{column}: not valid TOML: the file is not UTF-8 text"
        ) from None
    return _parse_toml(text, label), text


_TOML_POSITION = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$", re.S)


def _parse_toml(text: str, label: str) -> dict[str, Any]:
    """``tomllib.loads(text)``; a syntax error becomes ``FILE:LINE:COL: not valid TOML: …``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _TOML_POSITION.match(message)
        if match is None:  # "at end of document" and the like
            line, column = _line_column(text)
            reason = message.split(" (at ", 1)[0]
        else:
            reason, line, column = match.group(1), int(match.group(2)), int(match.group(3))
        reason = reason[:1].lower() + reason[1:]
        raise JobError(f"{label}:{line}:{column}: not valid TOML: {reason}") from None


def _line_column(text: str) -> tuple[int, int]:
    """Line and column just after ``text`` (where the next character would be)."""
    line = text.count("\n") + 1
    return line, len(text) - (text.rfind("\n") + 1) + 1


def template_fields(template: str) -> list[str]:
    """The column names a ``{column}`` template reads, in order."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def suggest(word: str, choices: Any) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``word``, or an empty string."""
    close = get_close_matches(word, list(choices), n=1)
    return f" (did you mean {show(close[0])}?)" if close else ""


#: The merge policies of a ``distinct`` table (docs/job-file.md, "Embedded entities").
MERGE_POLICIES = ("conflict", "first", "last", "non-empty", "min", "max")
DEFAULT_MERGE = "conflict"
#: Attribute kinds ``min``/``max`` can order (extended data is ordered as its values are).
ORDERED_KINDS = frozenset({"instant", "integer", "money", "string", "url", "email", "json"})


@dataclass(frozen=True)
class MergeSlot:
    """One value a ``distinct`` table merges: an attribute or an extended-data field.

    ``index`` is the attribute's position in ``RecordSpec.attributes`` (or, for an
    extended-data field, ``(extended index, field index)``); ``policy`` its merge policy, the
    table's default unless one is ``given``; ``columns`` the source columns it reads.
    """

    where: str
    index: int | tuple[int, int]
    policy: str
    given: bool
    kind: str
    columns: tuple[str, ...]


def merge_slots(
    attributes: Iterable[AttributeMapping], extended: Iterable[ExtendedMapping], default: str
) -> list[MergeSlot]:
    """The values a record spec merges, in job order, each with its policy."""
    slots = []
    for index, mapping in enumerate(attributes):
        if mapping.ref is not None:
            given, columns, where = (
                [mapping.ref.merge],
                mapping.ref.source.columns,
                mapping.ref.where,
            )
        elif mapping.location is not None:
            location = mapping.location
            given, columns, where = [location.merge], (location.lat, location.lng), location.where
        else:
            given = [value.merge for value in mapping.values]
            columns = tuple(name for value in mapping.values for name in value.columns)
            where = _spec_key(mapping.values[0].where) if mapping.values else ""
        policy = _one_policy(given, default)
        slots.append(
            MergeSlot(
                where,
                index,
                policy,
                any(given),
                mapping.attribute.kind,
                tuple(dict.fromkeys(columns)),
            )
        )
    for number, table in enumerate(extended):
        for position, item in enumerate(table.fields):
            given = [value.merge for value in item.values]
            columns = tuple(name for value in item.values for name in value.columns)
            where = _spec_key(item.values[0].where) if item.values else table.table
            slots.append(
                MergeSlot(
                    where,
                    (number, position),
                    _one_policy(given, default),
                    any(given),
                    "json",
                    tuple(dict.fromkeys(columns)),
                )
            )
    return slots


_ALTERNATIVE_RE = re.compile(r"\[[0-9]+\]$")


def _spec_key(where: str) -> str:
    """The job key of an attribute from one of its value specs' keys: ``…firstName[1]`` (an
    alternative of a list) is ``…firstName``; ``records.user[0]`` (an array table) stays."""
    return _ALTERNATIVE_RE.sub("", where)


def _one_policy(given: list[str | None], default: str) -> str:
    """The policy of an attribute with several value specs: the one given (the first, when
    they differ: the loader rejects that), else the table's default."""
    named = [policy for policy in given if policy is not None]
    return named[0] if named else default


class _Mistake(JobError):
    """One mistake, raised inside the loader and collected by :meth:`_Loader.collect`."""

    def __init__(self, label: str, where: str, message: str) -> None:
        super().__init__(f"{label}: {where}: {message}" if where else f"{label}: {message}")
        self.where = where
        self.detail = message


# "<job file>: <key path>: <message>", as the source and geocode parsers word their errors
_WHERE_MESSAGE = re.compile(r"([A-Za-z0-9_\-]+(?:\[\d+\])*(?:\.[A-Za-z0-9_\-\[\]]+)*): (.*)", re.S)


class _Loader:
    """Checks a parsed job table; collects every mistake (:meth:`collect`), with positions."""

    def __init__(self, path: Path, label: str, text: str | None = None) -> None:
        self.path = path
        self.label = label
        self.schema = schemas.load()
        self.text = text
        self._positions: Any = None
        self.problems: list[JobProblem] = []
        self.omitted = 0
        self.failed_sources: set[str] = set()  # sources with a mistake of their own
        self.partial_records: list[RecordSpec] = []  # specs with mistakes, for the column check
        self.columns_job: Job | None = None  # what the column check runs on
        # while a record table is read: the job's sources and its lookups (inline ones join)
        self.lookup_sources: dict[str, Any] = {}
        self.record_lookups: list[LookupSpec] | None = None

    def error(self, where: str, message: str) -> JobError:
        return _Mistake(self.label, where, message)

    # collecting mistakes

    def problem(self, where: str, message: str) -> None:
        """Record one mistake, with the line and column of ``where`` in the file's text."""
        if len(self.problems) >= MAX_PROBLEMS:
            self.omitted += 1
            return
        if not where:  # a source's own error, naming its file (and line): shown as it is
            self.problems.append(JobProblem(self.label, None, None, "", message, verbatim=True))
            return
        position = self._position(where)
        line, column = position if position is not None else (None, None)
        if self.text is not None and position is None and where:
            line, column = 1, 1  # a key missing from the top level: the file's start
        self.problems.append(JobProblem(self.label, line, column, where, message))

    def _position(self, where: str) -> tuple[int, int] | None:
        if self.text is None or not where:
            return None
        if self._positions is None:
            from migrate.convert.toml_positions import TomlPositions

            self._positions = TomlPositions(self.text)
        found: tuple[int, int] | None = self._positions.of_where(where)
        return found

    @contextlib.contextmanager
    def collect(self) -> Iterator[None]:
        """Record a mistake raised in the block, then go on with the next part of the job."""
        try:
            yield
        except _Mistake as mistake:
            self.problem(mistake.where, mistake.detail)
        except ConfigError as error:  # worded by the source or geocode parsers
            self._record_message(str(error))

    def _record_message(self, message: str) -> None:
        text = message.removeprefix(f"{self.label}: ").removeprefix(f"{self.path}: ")
        match = _WHERE_MESSAGE.fullmatch(text)
        if match is not None:
            self.problem(match.group(1), match.group(2))
        else:
            self.problem("", f"{self.label}: {text}")

    def raise_problems(self) -> None:
        """Raise :class:`JobError` listing every mistake recorded, if any."""
        if self.problems:
            raise JobError.of(self.problems, self.omitted)

    def check_keys(self, table: Mapping[str, Any], group: str, where: str) -> None:
        """Record each unknown key of ``table`` (the others are still checked)."""
        allowed = KEYS[group]
        for key in table:
            if key not in allowed:
                prefix = f"{where}.{key}" if where else key
                self.problem(prefix, f"unknown key{suggest(key, allowed)}")

    def table(self, raw: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise self.error(where, "expected a table")
        return value

    def string(self, table: Mapping[str, Any], key: str, where: str, default: Any = None) -> Any:
        value = table.get(key, default)
        if value is not default and (not isinstance(value, str) or not value.strip()):
            raise self.error(where, f"expected a non-empty string, got {show(value)}")
        return value

    def boolean(self, table: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise self.error(where, f"expected true or false, got {show(value)}")
        return value

    # top level

    def job(self, raw: dict[str, Any]) -> Job | None:
        """The job, or ``None`` when some part could not be read (the mistakes are recorded)."""
        self.check_keys(raw, "", "")
        ident = "job"  # stands in for a bad ident while the rest is checked
        with self.collect():
            ident = self.ident(raw.get("ident"))
        output = defaults = None
        with self.collect():
            output = self.output(self.table(raw, "output", "output"), ident)
        with self.collect():
            defaults = self.defaults(self.table(raw, "defaults", "defaults"))
        sources: dict[str, Any] = {}
        with self.collect():
            sources = self.sources(self.table(raw, "sources", "sources"))
        records: tuple[RecordSpec, ...] = ()
        with self.collect():
            records = self.records(
                self.table(raw, "records", "records"), sources, defaults or Defaults()
            )
        geocode_table = raw.get("geocode")
        geocode = None
        with self.collect():
            if geocode_table is not None:
                if not isinstance(geocode_table, dict):
                    raise self.error("geocode", "expected a table")
                geocode = self.geocode(geocode_table)
        marketplace = None
        with self.collect():
            if "marketplace" in raw:
                marketplace = self.marketplace(self.table(raw, "marketplace", "marketplace"))
        if output is None or defaults is None:
            return None
        job = Job(
            path=self.path,
            ident=ident,
            output=output,
            defaults=defaults,
            sources=sources,
            records=records,
            geocode=geocode,
            geocode_table=geocode_table,
            images=self.images(raw.get("images")),
            marketplace=marketplace,
        )
        self.columns_job = replace(job, records=(*records, *self.partial_records))
        return job if not self.problems else None

    def ident(self, ident: Any) -> str:
        if ident is None:
            raise self.error("ident", 'missing (the marketplace ident, e.g. ident = "my-market")')
        if not isinstance(ident, str) or not is_legal_name_part(ident.lstrip(":")):
            raise self.error("ident", f"{show(ident)} is not a legal keyword name")
        return ident.lstrip(":")

    def marketplace(self, table: dict[str, Any]) -> Any:
        from migrate.marketplace import MarketplaceError, load_directory

        self.check_keys(table, "marketplace", "marketplace")
        directory = self.string(table, "dir", "marketplace.dir")
        if directory is None:
            raise self.error("marketplace.dir", "missing (the directory of the asset files)")
        try:
            return load_directory(self.path.parent / directory)
        except MarketplaceError as error:
            raise self.error("marketplace.dir", str(error)) from None

    def output(self, table: dict[str, Any], ident: str) -> OutputSpec:
        self.check_keys(table, "output", "output")
        directory = self.string(table, "dir", "output.dir", "out")
        name = self.string(table, "name", "output.name", ident)
        if "/" in name or "\\" in name:
            raise self.error("output.name", f"{show(name)} must be a file name stem, not a path")
        return OutputSpec(
            dir=(self.path.parent / directory),
            name=name,
            pretty=self.boolean(table, "pretty", "output.pretty", False),
            aliases=self.boolean(table, "aliases", "output.aliases", True),
        )

    def defaults(self, table: dict[str, Any]) -> Defaults:
        self.check_keys(table, "defaults", "defaults")
        currency = timezone = None
        with self.collect():
            currency = self.string(table, "currency", "defaults.currency")
            if currency is not None and currency not in KNOWN_CURRENCIES:
                raise self.error("defaults.currency", f"unknown currency {show(currency)}")
        with self.collect():
            timezone = self.string(table, "timezone", "defaults.timezone", "UTC")
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise self.error(
                    "defaults.timezone", f"unknown time zone {show(timezone)}"
                ) from None
        roles = table.get("roles", ["customer", "provider"])
        allowed = self.schema.row_type("user").by_key[Keyword("im.user/role")].values
        if not isinstance(roles, list) or not roles:
            raise self.error("defaults.roles", "expected a non-empty array of roles")
        role_keywords = []
        for role in roles:
            keyword = enum_keyword(role, allowed)
            if keyword is None:
                names = ", ".join(value.name for value in allowed)
                raise self.error("defaults.roles", f"unknown role {show(role)} (roles: {names})")
            role_keywords.append(keyword)
        if timezone is None:  # recorded above; the default stands in while the rest is checked
            timezone = "UTC"
        return Defaults(
            currency=currency,
            timezone=timezone,
            listing_type=self.string(table, "listing_type", "defaults.listing_type"),
            transaction_process_alias=self.string(
                table, "transaction_process_alias", "defaults.transaction_process_alias"
            ),
            unit_type=self.string(table, "unit_type", "defaults.unit_type"),
            roles=tuple(role_keywords),
            email_verified=self.boolean(table, "email_verified", "defaults.email_verified", False),
        )

    def sources(self, table: dict[str, Any]) -> dict[str, Any]:
        from migrate.extract import SourceSpec

        specs = {}
        for name, source_table in table.items():
            self.failed_sources.add(name)  # until it reads
            with self.collect():
                if not isinstance(source_table, dict):
                    raise self.error(f"sources.{name}", "expected a table")
                specs[name] = SourceSpec.from_table(name, source_table, self.path)
                self.failed_sources.discard(name)
        return with_query_inputs(specs)

    def images(self, table: Any) -> Any:
        if table is None:
            return None
        if not isinstance(table, dict):
            raise self.error("images", "expected a table")
        from migrate.images.convert_hook import parse_images_config

        return parse_images_config(table, self.path)

    def geocode(self, table: dict[str, Any]) -> Any:
        from migrate.geocode.stage import parse_geocode_config

        return parse_geocode_config(table, self.path)

    # records

    def records(
        self, table: dict[str, Any], sources: dict[str, Any], defaults: Defaults
    ) -> tuple[RecordSpec, ...]:
        specs: list[RecordSpec | None] = []
        if not table:
            raise self.error("records", "no records to convert (add a [records.user] table)")
        for type_name, entry in table.items():
            with self.collect():
                if type_name not in self.schema.by_name:
                    raise self.error(
                        f"records.{type_name}",
                        f"unknown row type{suggest(type_name, self.schema.by_name)} "
                        f"(types: {', '.join(self.schema.by_name)})",
                    )
                row_type = self.schema.row_type(type_name)
                if isinstance(entry, dict):
                    specs.append(
                        self.record(entry, row_type, f"records.{type_name}", sources, defaults)
                    )
                elif isinstance(entry, list) and all(isinstance(item, dict) for item in entry):
                    for index, item in enumerate(entry):
                        where = f"records.{type_name}[{index}]"
                        specs.append(self.record(item, row_type, where, sources, defaults))
                else:
                    raise self.error(
                        f"records.{type_name}", "expected a table or an array of tables"
                    )
        return tuple(spec for spec in specs if spec is not None)

    def record(
        self,
        table: dict[str, Any],
        row_type: RowType,
        where: str,
        sources: dict[str, Any],
        defaults: Defaults,
    ) -> RecordSpec | None:
        """The record spec, or ``None`` when it has mistakes (each one recorded)."""
        before = len(self.problems) + self.omitted
        tables_of_type = extended_tables(row_type)
        for key in table:
            if key not in KEYS["record"] and key not in tables_of_type:
                choices = [*KEYS["record"], *tables_of_type]
                self.problem(f"{where}.{key}", f"unknown key{suggest(key, choices)}")
        source = table.get("source")
        with self.collect():
            if source is None:
                raise self.error(f"{where}.source", "missing (name one of the [sources] tables)")
            if source not in sources and source not in self.failed_sources:
                known = ", ".join(sources) or "none defined"
                raise self.error(
                    f"{where}.source",
                    f"unknown source {show(source)}{suggest(str(source), sources)} (sources: {known})",
                )
        each = None
        with self.collect():
            each = self.string(table, "each", f"{where}.each")
        context = defaults.transform_context
        self.lookup_sources = sources
        self.record_lookups = []
        with self.collect():
            self.named_lookups(table.get("lookups"), f"{where}.lookups", sources)
        id_spec = None
        with self.collect():
            if "id" not in table:
                raise self.error(f"{where}.id", "missing (the column holding the source id)")
            id_spec = self.value(table["id"], f"{where}.id", context)
        mapping = table.get("mapping", {})
        if not isinstance(mapping, dict):
            self.problem(f"{where}.mapping", "expected a table")
            mapping = {}
        names = mapping_names(row_type)
        attributes = []
        seen: dict[tuple[Keyword, ...], str] = {}
        unknown_attributes = 0
        for key, spec in mapping.items():
            with self.collect():
                key_where = f"{where}.mapping.{key}"
                path = names.get(key)
                extended_name = next(
                    (
                        name
                        for name, json_path in tables_of_type.items()
                        if key in _leaf_names(json_path)
                    ),
                    None,
                )
                if path is None and extended_name is not None:
                    raise self.error(
                        key_where,
                        f"{key} is extended data; map it in a [{where}.{extended_name}] table",
                    )
                if path is None:
                    unknown_attributes += 1
                    raise self.error(
                        key_where,
                        f"unknown attribute {show(key)} for {row_type.name}{suggest(key, names)}",
                    )
                if path in seen:
                    raise self.error(key_where, f"maps the same attribute as {show(seen[path])}")
                seen[path] = key  # mapped, even if its spec is wrong: not "required, not mapped"
                if attribute_at(row_type, path).kind == "map":
                    unknown_attributes += 1  # its attributes are what is missing, said once
                attributes.append(self.attribute(spec, path, row_type, key_where, context))
        extended = []
        for table_name, attribute_path in tables_of_type.items():
            if table_name in table:
                with self.collect():
                    extended.append(
                        self.extended(
                            table[table_name], attribute_path, f"{where}.{table_name}", context
                        )
                    )
        function = None
        function_name = None
        with self.collect():
            function_name = self.string(table, "function", f"{where}.function")
            if function_name is not None:
                function = self.function(function_name, f"{where}.function")
        provides: tuple[tuple[Keyword, ...], ...] = ()
        with self.collect():
            provides = self.provides(table, row_type, where, names)
        # A misspelt attribute is most likely the required one missing: one message, not two;
        # a function that could not be named is one mistake too.
        if not unknown_attributes and ("function" not in table or function_name is not None):
            with self.collect():
                self.check_required(row_type, set(seen) | set(provides), where)
        lookups = tuple(self.record_lookups)
        self.record_lookups = None
        if lookups and each is not None:
            self.problem(
                f"{where}.each",
                "a record table with lookups cannot read child rows (each): lookups add "
                "columns to the source's own rows",
            )
        distinct, merge = False, DEFAULT_MERGE
        with self.collect():
            distinct, merge = self.distinct(table, where, each, id_spec, attributes, extended)
        if id_spec is None or source not in sources:
            return None
        if len(self.problems) + self.omitted > before:
            # Kept aside, without its wrong parts, only to check its columns in the same pass.
            self.partial_records.append(
                RecordSpec(
                    where=where,
                    record_type=row_type.name,
                    source=source,
                    id=id_spec,
                    each=each,
                    attributes=tuple(attributes),
                    extended=tuple(extended),
                    lookups=lookups,
                )
            )
            return None
        return RecordSpec(
            where=where,
            record_type=row_type.name,
            source=source,
            id=id_spec,
            each=each,
            attributes=tuple(attributes),
            extended=tuple(extended),
            function=function,
            function_name=function_name,
            lookups=lookups,
            provides=provides,
            distinct=distinct,
            merge=merge,
        )

    # functions returning attributes, distinct entities (issue 11) ------------------------------

    def provides(
        self,
        table: Mapping[str, Any],
        row_type: RowType,
        where: str,
        names: Mapping[str, tuple[Keyword, ...]],
    ) -> tuple[tuple[Keyword, ...], ...]:
        """``provides = [...]``: the attribute paths the record's ``function`` gives."""
        if "provides" not in table:
            return ()
        key_where = f"{where}.provides"
        value = table["provides"]
        if "function" not in table:
            raise self.error(key_where, "names what a function gives; add function = ...")
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(key_where, f"expected an array of attribute names, got {show(value)}")
        paths: list[tuple[Keyword, ...]] = []
        for name in value:
            path = names.get(name)
            if path is None:
                raise self.error(
                    key_where,
                    f"unknown attribute {show(name)} for {row_type.name}{suggest(name, names)}",
                )
            attribute = attribute_at(row_type, path)
            if attribute.kind == "map":  # the whole map: each of its attributes
                paths.extend((*path, child.key) for child in attribute.attributes)
            else:
                paths.append(path)
        return tuple(paths)

    def distinct(
        self,
        table: Mapping[str, Any],
        where: str,
        each: str | None,
        id_spec: ValueSpec | None,
        attributes: list[AttributeMapping],
        extended: list[ExtendedMapping],
    ) -> tuple[bool, str]:
        """``distinct`` and the table's ``merge``; checks every merge policy of the table."""
        distinct = self.boolean(table, "distinct", f"{where}.distinct", False)
        merge = table.get("merge", DEFAULT_MERGE)
        if "merge" in table:
            self.merge_name(merge, f"{where}.merge")
        slots = merge_slots(attributes, extended, merge)
        if not distinct:
            given = [f"{where}.merge"] if "merge" in table else []
            given += [slot.where for slot in slots if slot.given]
            if given:
                raise self.error(given[0], "merge applies to a distinct table; add distinct = true")
            return False, merge
        if each is not None:
            raise self.error(
                f"{where}.distinct", "cannot be combined with each (group the child rows first)"
            )
        for mapping in attributes:
            named = list(dict.fromkeys(v.merge for v in mapping.values if v.merge is not None))
            if len(named) > 1:
                raise self.error(
                    _spec_key(mapping.values[0].where),
                    f"its value specs give merge = {show(named[0])} and {show(named[1])} "
                    "(one attribute, one policy)",
                )
        for slot in slots:
            if slot.policy in ("min", "max") and slot.kind not in ORDERED_KINDS:
                raise self.error(
                    slot.where,
                    f"merge = {show(slot.policy)} orders dates, numbers and text, "
                    f"not {slot.kind} values",
                )
        id_columns = set(id_spec.columns) if id_spec is not None else set()
        owner: dict[str, MergeSlot] = {}
        for slot in slots:
            for column in slot.columns:
                if column in id_columns:
                    continue
                first = owner.setdefault(column, slot)
                if first.policy != slot.policy:
                    raise self.error(
                        slot.where,
                        f"column {show(column)} is read with merge = {show(first.policy)} "
                        f"by {first.where} and merge = {show(slot.policy)} here "
                        "(one column, one policy)",
                    )
        return True, merge

    def merge_name(self, value: Any, where: str) -> str:
        if value not in MERGE_POLICIES:
            raise self.error(
                where,
                f"unknown merge policy {show(value)}{suggest(str(value), MERGE_POLICIES)} "
                f"(policies: {', '.join(MERGE_POLICIES)})",
            )
        return str(value)

    def check_required(
        self, row_type: RowType, mapped: set[tuple[Keyword, ...]], where: str
    ) -> None:
        provided = importlib.import_module(FINISHERS[row_type.name]).PROVIDES
        for attribute in row_type.attributes:
            paths: list[tuple[Keyword, ...]] = [(attribute.key,)]
            if attribute.kind == "map":
                paths = [(attribute.key, child.key) for child in attribute.attributes]
                if not attribute.required:
                    continue
            elif not attribute.required:
                continue
            for path in paths:
                leaf = attribute_at(row_type, path)
                if leaf.required and path not in mapped and path not in provided:
                    self.problem(
                        f"{where}.mapping",
                        f"required attribute {show(leaf.key.name)} ({leaf.key.text}) is not mapped",
                    )

    def attribute(
        self,
        spec: Any,
        path: tuple[Keyword, ...],
        row_type: RowType,
        where: str,
        context: TransformContext,
    ) -> AttributeMapping:
        attribute = attribute_at(row_type, path)
        if attribute.kind == "map":
            children = ", ".join(child.key.name for child in attribute.attributes)
            raise self.error(
                where, f"{attribute.key.name} is a map; map its attributes ({children})"
            )
        if attribute.kind == "ref":
            return AttributeMapping(path, attribute, ref=self.ref(spec, attribute, where, context))
        if attribute.kind == "location":
            if not isinstance(spec, dict) or set(spec) - {"merge"} != {"lat", "lng"}:
                raise self.error(where, 'expected { lat = "column", lng = "column" }')
            for key in ("lat", "lng"):
                self.string(spec, key, f"{where}.{key}")
            merge = self.merge_name(spec["merge"], f"{where}.merge") if "merge" in spec else None
            return AttributeMapping(
                path, attribute, location=LocationSpec(where, spec["lat"], spec["lng"], merge)
            )
        specs = spec if isinstance(spec, list) else [spec]
        if not specs:
            raise self.error(where, "an empty array (give at least one column or value)")
        values = tuple(
            self.value(item, f"{where}[{index}]" if isinstance(spec, list) else where, context)
            for index, item in enumerate(specs)
        )
        for value in values:
            if value.currency_column and attribute.kind != "money":
                raise self.error(f"{value.where}.currency", "only money attributes take a currency")
        return AttributeMapping(path, attribute, values=values)

    def ref(
        self, spec: Any, attribute: Attribute, where: str, context: TransformContext
    ) -> RefSpec:
        if not isinstance(spec, dict) or "ref" not in spec:
            raise self.error(where, 'a reference needs { ref = "TYPE", column = "COLUMN" }')
        self.check_keys(spec, "ref", where)
        target = spec["ref"]
        if target not in attribute.targets:
            allowed = ", ".join(attribute.targets)
            raise self.error(
                f"{where}.ref", f"{show(target)} cannot be referenced here (targets: {allowed})"
            )
        if sum(key in spec for key in ("column", "template", "lookup")) != 1:
            raise self.error(where, "give exactly one of column, template or lookup")
        source_spec = {key: spec[key] for key in ("column", "template", "lookup") if key in spec}
        required = self.boolean(spec, "required", f"{where}.required", True)
        if not required and attribute.required:
            # required = false drops the reference when its target is missing or rejected: a
            # row of which the schema requires this attribute could then not be written.
            raise self.error(
                f"{where}.required",
                f"{show(attribute.key)} is a required attribute, so a reference to a missing "
                "or rejected row must reject the row: leave required out",
            )
        merge = self.merge_name(spec["merge"], f"{where}.merge") if "merge" in spec else None
        return RefSpec(where, target, self.value(source_spec, where, context), required, merge)

    def value(self, spec: Any, where: str, context: TransformContext) -> ValueSpec:
        if isinstance(spec, str):
            if not spec:
                raise self.error(where, "an empty column name")
            return ValueSpec(where, column=spec, context=context)
        if not isinstance(spec, dict):
            raise self.error(where, f"expected a column name or a table, got {show(spec)}")
        self.check_keys(spec, "value", where)
        sources = [key for key in ("column", "const", "template", "lookup") if key in spec]
        if len(sources) != 1:
            raise self.error(where, "give exactly one of column, const, template or lookup")
        column = self.string(spec, "column", f"{where}.column")
        if "lookup" in spec:
            column = self.inline_lookup(spec["lookup"], where)
        template = self.string(spec, "template", f"{where}.template")
        if template is not None:
            try:
                fields = template_fields(template)
            except ValueError as error:
                raise self.error(f"{where}.template", f"bad template ({error})") from None
            if not fields:
                raise self.error(f"{where}.template", "names no {column}; use const instead")
            for _, name, format_spec, conversion in string.Formatter().parse(template):
                if name is not None and (not name or format_spec or conversion):
                    raise self.error(
                        f"{where}.template", "placeholders must be plain {column} names"
                    )
        mapping = spec.get("map")
        if mapping is not None and not isinstance(mapping, dict):
            raise self.error(f"{where}.map", "expected a table of source value = target value")
        value = ValueSpec(
            where,
            column=column,
            const=spec.get("const"),
            template=template,
            transform_spec=spec.get("transform"),
            map=mapping,
            currency_column=self.string(spec, "currency", f"{where}.currency"),
            context=context,
            merge=self.merge_name(spec["merge"], f"{where}.merge") if "merge" in spec else None,
        )
        if value.transform_spec is not None:
            try:
                value.transform()
            except TransformSpecError as error:
                raise self.error(f"{where}.transform", str(error)) from None
        return value

    # lookups

    def named_lookups(self, table: Any, where: str, sources: dict[str, Any]) -> None:
        """``[records.TYPE.lookups]``: each ``NAME = { … }`` (or a chain ``[{ … }, …]``)."""
        if table is None:
            return
        if not isinstance(table, dict):
            raise self.error(where, "expected a table of NAME = { source, on, key, column }")
        assert self.record_lookups is not None
        for name, spec in table.items():
            with self.collect():
                try:
                    if not name.strip() or name.startswith("__migrate"):
                        raise self.error(f"{where}.{name}", f"{show(name)} is not a lookup name")
                    self.record_lookups.append(self.lookup(spec, f"{where}.{name}", name, False))
                except JobError:
                    # Its name still stands for a column while the rest is checked (no steps:
                    # the column check knows it is said already), so uses of it are not errors.
                    self.record_lookups.append(LookupSpec(f"{where}.{name}", name, "", ()))
                    raise

    def inline_lookup(self, spec: Any, where: str) -> str:
        """``lookup = { … }`` in a value spec: an anonymous lookup; its name is the column read."""
        if self.record_lookups is None:
            raise self.error(f"{where}.lookup", "a lookup is only allowed in a [records] table")
        lookup = self.lookup(spec, f"{where}.lookup", "", True, message_where=where)
        # Named by what it reads, as messages show it: "listings.host_id by listing_id".
        path = [f"{step.source}.{step.column}" for step in reversed(lookup.steps)]
        name = " by ".join([*path, lookup.on])
        taken = {known.name for known in self.record_lookups}
        number = 1
        candidate = name
        while candidate in taken:  # the same lookup twice: each its own column
            number += 1
            candidate = f"{name} #{number}"
        self.record_lookups.append(replace(lookup, name=candidate))
        return candidate

    def lookup(
        self, spec: Any, where: str, name: str, inline: bool, message_where: str | None = None
    ) -> LookupSpec:
        """One lookup, a table or a chain (an array of tables, ``on`` only on the first)."""
        chain = spec if isinstance(spec, list) else [spec]
        if not chain or not all(isinstance(step, dict) for step in chain):
            raise self.error(
                where,
                "expected { source = …, on = …, key = …, column = … } or an array of them",
            )
        steps = []
        on = None
        for index, step in enumerate(chain):
            step_where = f"{where}[{index}]" if isinstance(spec, list) else where
            self.check_keys(step, "lookup", step_where)
            for key in ("source", "key", "column"):
                if key not in step:
                    raise self.error(f"{step_where}", f"missing {key}")
                self.string(step, key, f"{step_where}.{key}")
            if index == 0:
                if "on" not in step:
                    raise self.error(step_where, "missing on (this row's column holding the key)")
                on = self.string(step, "on", f"{step_where}.on")
            elif "on" in step:
                raise self.error(
                    f"{step_where}.on",
                    "only the first step has on (the key is the step before's value)",
                )
            source = step["source"]
            if source not in self.lookup_sources and source not in self.failed_sources:
                known = ", ".join(self.lookup_sources) or "none defined"
                raise self.error(
                    f"{step_where}.source",
                    f"unknown source {show(source)}{suggest(source, self.lookup_sources)} "
                    f"(sources: {known})",
                )
            missing = step.get("missing", "reject")
            if missing not in MISSING_POLICIES:
                raise self.error(
                    f"{step_where}.missing", f'expected "reject" or "absent", got {show(missing)}'
                )
            steps.append(LookupStep(step_where, source, step["key"], step["column"], missing))
        assert on is not None
        return LookupSpec(message_where or where, name, on, tuple(steps), inline)

    def extended(
        self, table: Any, path: tuple[Keyword, ...], where: str, context: TransformContext
    ) -> ExtendedMapping:
        if not isinstance(table, dict):
            raise self.error(where, "expected a table of key = column / value spec")
        fields = []
        for key, spec in _flatten(table):
            field_where = f"{where}.{'.'.join(key)}"
            specs = spec if isinstance(spec, list) else [spec]
            values = tuple(
                self.value(
                    item, f"{field_where}[{i}]" if isinstance(spec, list) else field_where, context
                )
                for i, item in enumerate(specs)
            )
            fields.append(ExtendedField(key, values))
        return ExtendedMapping(path, where.rsplit(".", 1)[-1], tuple(fields))

    def function(self, name: str, where: str) -> Callable[..., Any]:
        module_name, _, attribute = name.partition(":")
        if not module_name or not attribute:
            raise self.error(where, f"{show(name)}: expected 'module:function'")
        job_dir = str(self.path.parent.resolve())
        added = job_dir not in sys.path
        if added:
            sys.path.insert(0, job_dir)
        try:
            module = _import_function_module(module_name)
        except ImportError as error:
            raise self.error(where, f"cannot import {show(module_name)} ({error})") from None
        finally:
            if added:
                sys.path.remove(job_dir)
        function = getattr(module, attribute, None)
        if not callable(function):
            raise self.error(where, f"{show(module_name)} has no function {show(attribute)}")
        return function


def with_query_inputs(specs: dict[str, Any]) -> dict[str, Any]:
    """``specs`` with every derived source (``type = "query"``) given the job's sources, which
    its SQL names as tables (queries over queries resolve through the same list)."""
    inputs = tuple(specs.items())
    return {
        name: replace(spec, job_sources=inputs) if spec.type == "query" else spec
        for name, spec in specs.items()
    }


def _import_function_module(module_name: str) -> Any:
    """Import a job function's module; ``mappers.X`` falls back to the bundled ``migrate.mappers.X``.

    The bundled mappers install as ``migrate.mappers``; job files written when they were a
    top-level ``mappers`` package keep working unless a ``mappers`` package of their own exists.
    """
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != "mappers" or not module_name.startswith("mappers."):
            raise
        return importlib.import_module(f"migrate.{module_name}")


def _flatten(
    table: dict[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Key paths of an extended-data table: nested tables that are not value specs recurse."""
    for key, value in table.items():
        path = (*prefix, *key.split("."))
        is_spec = isinstance(value, dict) and any(
            k in value for k in ("column", "const", "template", "lookup")
        )
        if isinstance(value, dict) and not is_spec:
            yield from _flatten(value, path)
        else:
            yield path, value


def _leaf_names(path: tuple[Keyword, ...]) -> tuple[str, str]:
    return (path[-1].name, path[-1].text)


def _snake(name: str) -> str:
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in name)


def extended_tables(row_type: RowType) -> dict[str, tuple[Keyword, ...]]:
    """Extended-data table names of a row type (``public_data``) and their attribute paths."""
    tables: dict[str, tuple[Keyword, ...]] = {}
    for attribute in row_type.attributes:
        if attribute.kind == "json":
            tables[_snake(attribute.key.name)] = (attribute.key,)
        for child in attribute.attributes:
            if child.kind == "json":
                tables[_snake(child.key.name)] = (attribute.key, child.key)
    return tables


def mapping_names(row_type: RowType) -> dict[str, tuple[Keyword, ...]]:
    """Mapping names accepted for a row type: short names, qualified keys and friendly names."""
    names: dict[str, tuple[Keyword, ...]] = {}
    for attribute in row_type.attributes:
        if attribute.kind == "json":
            continue
        names[attribute.key.name] = (attribute.key,)
        names[attribute.key.text] = (attribute.key,)
        for child in attribute.attributes:
            if child.kind != "json":
                names[child.key.name] = (attribute.key, child.key)
                names[child.key.text] = (attribute.key, child.key)
    for friendly, short in _extra_names(row_type.name).items():
        names[friendly] = names[short]
    return names


def short_names(row_type_name: str) -> list[str]:
    """The short attribute names a job may map for a row type, in schema order."""
    row_type = schemas.load().row_type(row_type_name)
    return [
        name
        for name, path in mapping_names(row_type).items()
        if "/" not in name and attribute_at(row_type, path).kind != "map"
    ]


def attribute_at(row_type: RowType, path: tuple[Keyword, ...]) -> Attribute:
    attribute = row_type.by_key[path[0]]
    for key in path[1:]:
        attribute = attribute.children[key]
    return attribute


def enum_keyword(value: Any, allowed: tuple[Keyword, ...]) -> Keyword | None:
    """The enum keyword ``value`` names: ``"customer"``, ``"user.role/customer"`` or with colon."""
    if not isinstance(value, str):
        return None
    text = value.strip().lstrip(":")
    for keyword in allowed:
        if text in (keyword.name, keyword.text):
            return keyword
    return None
