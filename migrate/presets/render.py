"""Fill a preset's job template: check the parameters, read the source database, substitute.

:func:`render` is what ``migrate init --preset NAME SOURCE`` does before writing: the given
``--param`` values are checked against the manifest, the preset's ``discover`` function reads
what it needs from the database (through the same SQL adapter ``migrate convert`` uses, so a
wrong password or a missing table gives the same one-line, password-free error), defaults are
filled in, and every ``{{name}}`` of the template is replaced. The database URL itself is never
written: the job reads it from the environment variable named by the ``url_env`` parameter.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from migrate.convert.job import suggest
from migrate.errors import ConfigError
from migrate.presets.manifest import Preset
from migrate.presets.params import check_value
from migrate.secrets import mask_url

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class PresetSource:
    """The legacy database a preset reads: an SQLite file (``path``) or a URL (``url``)."""

    path: Path | None = None
    url: str | None = None
    shown: str = ""  # the path, or the URL with its password masked

    @property
    def is_url(self) -> bool:
        """True for a database URL (the job then reads it from an environment variable)."""
        return self.url is not None


def parse_source(text: str, preset: Preset) -> PresetSource:
    """``text`` as a :class:`PresetSource`; :class:`ConfigError` when it is neither usable form.

    A URL's dialect must be one the preset reads (``dialects`` in its manifest); an
    ``sqlite:///FILE`` URL is taken as the file. Messages never repeat a URL's password.
    """
    if "://" in text:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(text)
        except ArgumentError:
            raise ConfigError(
                "SOURCE does not hold a database URL (dialect+driver://user:password@host/database)"
            ) from None
        shown = mask_url(url)
        backend = url.get_backend_name()
        if backend not in preset.dialects:
            raise ConfigError(
                f"{shown}: the {preset.name} preset reads {', '.join(preset.dialects)} databases, "
                f"not {backend}"
            )
        if backend == "sqlite":
            return parse_source(url.database or "", preset)
        if not url.database:
            raise ConfigError(f"{shown}: the URL names no database (…/DATABASE at its end)")
        return PresetSource(url=text, shown=shown)
    path = Path(text)
    if "sqlite" not in preset.dialects:
        raise ConfigError(f"{text}: the {preset.name} preset reads a database URL, not a file")
    if not path.exists():
        raise ConfigError(f"cannot read {path}: no such file")
    if not path.is_file():
        raise ConfigError(f"cannot read {path}: is a directory")
    with path.open("rb") as stream:
        if stream.read(16) != _SQLITE_MAGIC:
            raise ConfigError(
                f"{path}: not an SQLite database (give a mysql+pymysql:// URL for a live server)"
            )
    return PresetSource(path=path, shown=str(path))


@contextlib.contextmanager
def database_environment(name: str, source: PresetSource) -> Iterator[None]:
    """Within the block, ``$name`` holds the source's URL (as the written job will read it).

    The variable is restored afterwards; for an SQLite source nothing changes.
    """
    if source.url is None:
        yield
        return
    before = os.environ.get(name)
    os.environ[name] = source.url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


class Database:
    """Runs a preset's discovery queries on the source, through migrate's SQL adapter."""

    def __init__(self, source: PresetSource, url_env: str, job_path: Path) -> None:
        self.source = source
        self.url_env = url_env
        self.job_path = job_path

    def rows(self, query: str) -> list[dict[str, Any]]:
        """Every row of ``query`` as a dict of column name to value."""
        from migrate.extract import SourceSpec
        from migrate.extract.sql_source import SqlSource

        spec = SourceSpec(
            name="preset",
            type="sql",
            job_path=self.job_path,
            path=self.source.path.resolve() if self.source.path else None,
            url_env=self.url_env if self.source.is_url else None,
            query=query,
        )
        with database_environment(self.url_env, self.source):
            sql = SqlSource(spec)
        try:
            return [dict(row.values) for row in sql.rows()]
        finally:
            sql.close()


@dataclass
class Discovery:
    """What a preset's ``discover`` function found: parameter defaults, template blocks, notes."""

    defaults: dict[str, str] = field(default_factory=dict)
    blocks: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


DiscoverFunction = Callable[[Database, Mapping[str, str], date], Discovery]


@dataclass(frozen=True)
class Rendered:
    """A filled template: the job file's text, the parameters used, notes for the user."""

    text: str
    values: dict[str, str]
    notes: tuple[str, ...]


def parse_params(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``["community_id=1", …]`` as a dict; :class:`ConfigError` for a malformed or repeated one."""
    values: dict[str, str] = {}
    for item in items:
        name, equals, value = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise ConfigError(f"--param {item}: expected KEY=VALUE, e.g. --param community_id=1")
        if name in values:
            raise ConfigError(f"--param {name} is given twice")
        values[name] = value
    return values


def render(
    preset: Preset,
    source: PresetSource,
    given: Mapping[str, str],
    job_path: Path,
    *,
    command: str,
    today: date | None = None,
) -> Rendered:
    """The job file ``preset`` makes for ``source`` with the ``given`` parameters.

    Raises :class:`ConfigError` (one line, naming the parameter) for an unknown, malformed or
    missing parameter, and the SQL adapter's errors when the database cannot be read.
    """
    names = [param.name for param in preset.params]
    for name in given:
        if preset.param(name) is None:
            raise ConfigError(
                f"--param {name}: the {preset.name} preset has no such parameter"
                f"{suggest(name, names)} (parameters: {', '.join(names)})"
            )
    missing = [param for param in preset.params if param.required and param.name not in given]
    if missing:
        needed = ", ".join(
            f"--param {param.name}={(param.example or param.kind.upper())}" for param in missing
        )
        raise ConfigError(f"the {preset.name} preset needs {needed} ({missing[0].help})")
    values: dict[str, str] = {}
    for param in preset.params:
        if param.name in given:
            values[param.name] = check_value(param, given[param.name], values)
    url_env = values.get("url_env") or _default(preset, "url_env") or "DATABASE_URL"
    if not source.is_url and "url_env" in given:
        raise ConfigError(
            "--param url_env is for a database URL SOURCE; an SQLite file is written as its path"
        )
    discovery = Discovery()
    if preset.discover is not None:
        function = _function(preset.discover)
        discovery = function(
            Database(source, url_env, job_path), dict(values), today or date.today()
        )
    for param in preset.params:
        if param.name in values:
            continue
        raw = given.get(param.name, discovery.defaults.get(param.name, param.default))
        if raw is None:
            raise ConfigError(
                f"the {preset.name} preset needs --param {param.name} "
                f"({param.help or param.kind}); it could not be found in {source.shown}"
            )
        values[param.name] = check_value(param, raw, values)
    variables = {
        **values,
        **discovery.blocks,
        "source": _source_lines(source, url_env, job_path),
        "source_label": _source_label(source),
        "init_command": command,
        "job_name": job_path.name,
        "preset": preset.name,
    }
    text = _substitute(preset, preset.template_text(), variables)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:  # a bug of the preset, not of the user's input
        raise ConfigError(
            f"the {preset.name} preset made a job that is not TOML ({error})"
        ) from None
    return Rendered(text, values, tuple(discovery.notes))


def _default(preset: Preset, name: str) -> str | None:
    param = preset.param(name)
    return param.default if param is not None else None


def _function(target: str) -> DiscoverFunction:
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    function: DiscoverFunction = getattr(module, attribute)
    return function


def _substitute(preset: Preset, template: str, variables: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise ConfigError(f"the {preset.name} template uses {{{{{name}}}}}, which is not set")
        return variables[name]

    return _PLACEHOLDER.sub(replace, template)


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch >= " " else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'


def _source_lines(source: PresetSource, url_env: str, job_path: Path) -> str:
    if source.path is not None:
        return f"path = {toml_string(_relative(source.path, job_path.parent))}"
    return f'url_env = "{url_env}"   # holds the database URL; it is never written here'


def _source_label(source: PresetSource) -> str:
    if source.path is not None:
        return f"the SQLite copy {source.path.name}"
    return source.shown


def _relative(path: Path, folder: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), folder.resolve()).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return str(path.resolve())
