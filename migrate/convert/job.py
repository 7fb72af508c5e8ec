"""The job file of ``migrate convert``: what to read, and how each column becomes an attribute.

A job is TOML. :func:`load_job` reads it, checks every key against :data:`KEYS` and the
Intermediary schema (``schemas.load()``), compiles the transforms, and checks that every column
it names exists in its source -- all before any row is read. Any mistake raises
:class:`JobError` with one line naming the job file and the key, for example::

    job.toml: records.user.mapping.emial: unknown attribute 'emial' for user (did you mean 'email'?)

The result is an immutable :class:`Job`; :mod:`migrate.convert.mapping` turns its record specs
into mappers. ``docs/job-file.md`` documents every key (its reference part is generated from
:data:`KEYS` and the transform registry).
"""

from __future__ import annotations

import importlib
import string
import sys
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from migrate import schemas
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
from migrate.schemas import Attribute, RowType


class JobError(ConfigError):
    """The job file is wrong; the message is one line naming the file and the key."""


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
    },
    "value": {
        "column": ("source column (dotted path into nested JSON)", '"email"'),
        "const": ("a constant value", '"published"'),
        "template": ("text with `{column}` placeholders", '"{street}, {city}"'),
        "transform": ("transform name, table or array of them", '"trim"'),
        "map": ("value mapping applied after the transform", '{ active = "published" }'),
        "currency": ("money only: column holding the row's currency code", '"currency"'),
    },
    "ref": {
        "ref": ("target row type of a reference", '"user"'),
        "column": ("source column holding the target's source id", '"host_id"'),
        "template": ("template giving the target's source id", '"{parent.id}"'),
        "required": (
            "reject the row when the target is rejected or missing (default true)",
            "false",
        ),
    },
    "location": {
        "lat": ("latitude column", '"lat"'),
        "lng": ("longitude column", '"lng"'),
    },
}

# Row type -> module in mappers/ with its finishing touches (defaults and conventions).
FINISHERS = {
    "user": "migrate.mappers.user",
    "listing": "migrate.mappers.listing",
    "image": "migrate.mappers.image",
    "stripeAccount": "migrate.mappers.stripe_account",
    "review": "migrate.mappers.review",
}

# Friendly names accepted in `mapping` besides each attribute's own short name.
_EXTRA_NAMES = {
    "user": {"email": "address", "emailVerified": "verified", "roles": "role"},
}


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


@dataclass(frozen=True)
class LocationSpec:
    """Coordinates from two columns (``{lat="lat", lng="lng"}``)."""

    where: str
    lat: str
    lng: str


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


def load_job(path: str | Path, *, check_sources: bool = True) -> Job:
    """Read and check the job file at ``path``.

    With ``check_sources`` (the default) every source is opened to compare the columns the job
    names with the columns it has (``Source.columns()``: a header or the first record, cheap).
    Raises :class:`JobError` naming the file and key for any mistake.
    """
    path = Path(path)
    label = str(path)
    try:
        with path.open("rb") as stream:
            raw = tomllib.load(stream)
    except FileNotFoundError:
        raise JobError(f"{label}: no such job file") from None
    except OSError as error:
        raise JobError(f"{label}: cannot read the job file ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise JobError(f"{label}: not valid TOML ({error})") from None
    except UnicodeDecodeError:
        raise JobError(f"{label}: not valid TOML (the file is not UTF-8)") from None
    loader = _Loader(path, label)
    job = loader.job(raw)
    if check_sources:
        from migrate.convert.columns import check_columns

        check_columns(job)
    return job


def template_fields(template: str) -> list[str]:
    """The column names a ``{column}`` template reads, in order."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def suggest(word: str, choices: Any) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``word``, or an empty string."""
    close = get_close_matches(word, list(choices), n=1)
    return f" (did you mean {show(close[0])}?)" if close else ""


class _Loader:
    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label
        self.schema = schemas.load()

    def error(self, where: str, message: str) -> JobError:
        return JobError(
            f"{self.label}: {where}: {message}" if where else f"{self.label}: {message}"
        )

    def check_keys(self, table: Mapping[str, Any], group: str, where: str) -> None:
        allowed = KEYS[group]
        for key in table:
            if key not in allowed:
                prefix = f"{where}.{key}" if where else key
                raise self.error(prefix, f"unknown key{suggest(key, allowed)}")

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

    def job(self, raw: dict[str, Any]) -> Job:
        self.check_keys(raw, "", "")
        ident = raw.get("ident")
        if ident is None:
            raise self.error("ident", 'missing (the marketplace ident, e.g. ident = "my-market")')
        if not isinstance(ident, str) or not is_legal_name_part(ident.lstrip(":")):
            raise self.error("ident", f"{show(ident)} is not a legal keyword name")
        ident = ident.lstrip(":")
        output = self.output(self.table(raw, "output", "output"), ident)
        defaults = self.defaults(self.table(raw, "defaults", "defaults"))
        sources = self.sources(self.table(raw, "sources", "sources"))
        records = self.records(self.table(raw, "records", "records"), sources, defaults)
        geocode_table = raw.get("geocode")
        geocode = None
        if geocode_table is not None:
            if not isinstance(geocode_table, dict):
                raise self.error("geocode", "expected a table")
            geocode = self.geocode(geocode_table)
        marketplace = None
        if "marketplace" in raw:
            marketplace = self.marketplace(self.table(raw, "marketplace", "marketplace"))
        return Job(
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
        currency = self.string(table, "currency", "defaults.currency")
        if currency is not None and currency not in KNOWN_CURRENCIES:
            raise self.error("defaults.currency", f"unknown currency {show(currency)}")
        timezone = self.string(table, "timezone", "defaults.timezone", "UTC")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.error("defaults.timezone", f"unknown time zone {show(timezone)}") from None
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
            if not isinstance(source_table, dict):
                raise self.error(f"sources.{name}", "expected a table")
            specs[name] = SourceSpec.from_table(name, source_table, self.path)
        return specs

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
        specs = []
        for type_name, entry in table.items():
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
                raise self.error(f"records.{type_name}", "expected a table or an array of tables")
        if not specs:
            raise self.error("records", "no records to convert (add a [records.user] table)")
        return tuple(specs)

    def record(
        self,
        table: dict[str, Any],
        row_type: RowType,
        where: str,
        sources: dict[str, Any],
        defaults: Defaults,
    ) -> RecordSpec:
        tables_of_type = extended_tables(row_type)
        for key in table:
            if key not in KEYS["record"] and key not in tables_of_type:
                choices = [*KEYS["record"], *tables_of_type]
                raise self.error(f"{where}.{key}", f"unknown key{suggest(key, choices)}")
        source = table.get("source")
        if source is None:
            raise self.error(f"{where}.source", "missing (name one of the [sources] tables)")
        if source not in sources:
            known = ", ".join(sources) or "none defined"
            raise self.error(
                f"{where}.source",
                f"unknown source {show(source)}{suggest(str(source), sources)} (sources: {known})",
            )
        each = self.string(table, "each", f"{where}.each")
        if "id" not in table:
            raise self.error(f"{where}.id", "missing (the column holding the source id)")
        context = defaults.transform_context
        id_spec = self.value(table["id"], f"{where}.id", context)
        mapping = table.get("mapping", {})
        if not isinstance(mapping, dict):
            raise self.error(f"{where}.mapping", "expected a table")
        names = mapping_names(row_type)
        attributes = []
        seen: dict[tuple[Keyword, ...], str] = {}
        for key, spec in mapping.items():
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
                raise self.error(
                    key_where,
                    f"unknown attribute {show(key)} for {row_type.name}{suggest(key, names)}",
                )
            if path in seen:
                raise self.error(key_where, f"maps the same attribute as {show(seen[path])}")
            seen[path] = key
            attributes.append(self.attribute(spec, path, row_type, key_where, context))
        extended = []
        for table_name, attribute_path in tables_of_type.items():
            if table_name in table:
                extended.append(
                    self.extended(
                        table[table_name], attribute_path, f"{where}.{table_name}", context
                    )
                )
        function = None
        function_name = self.string(table, "function", f"{where}.function")
        if function_name is not None:
            function = self.function(function_name, f"{where}.function")
        else:
            self.check_required(row_type, set(seen), where)
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
        )

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
                    raise self.error(
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
            if not isinstance(spec, dict) or set(spec) != {"lat", "lng"}:
                raise self.error(where, 'expected { lat = "column", lng = "column" }')
            for key in ("lat", "lng"):
                self.string(spec, key, f"{where}.{key}")
            return AttributeMapping(
                path, attribute, location=LocationSpec(where, spec["lat"], spec["lng"])
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
        if ("column" in spec) == ("template" in spec):
            raise self.error(where, "give exactly one of column or template")
        source_spec = {key: spec[key] for key in ("column", "template") if key in spec}
        required = self.boolean(spec, "required", f"{where}.required", True)
        return RefSpec(where, target, self.value(source_spec, where, context), required)

    def value(self, spec: Any, where: str, context: TransformContext) -> ValueSpec:
        if isinstance(spec, str):
            if not spec:
                raise self.error(where, "an empty column name")
            return ValueSpec(where, column=spec, context=context)
        if not isinstance(spec, dict):
            raise self.error(where, f"expected a column name or a table, got {show(spec)}")
        self.check_keys(spec, "value", where)
        sources = [key for key in ("column", "const", "template") if key in spec]
        if len(sources) != 1:
            raise self.error(where, "give exactly one of column, const or template")
        column = self.string(spec, "column", f"{where}.column")
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
        )
        if value.transform_spec is not None:
            try:
                value.transform()
            except TransformSpecError as error:
                raise self.error(f"{where}.transform", str(error)) from None
        return value

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
            k in value for k in ("column", "const", "template")
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
    for friendly, short in _EXTRA_NAMES.get(row_type.name, {}).items():
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
