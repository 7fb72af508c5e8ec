"""``[sources.NAME]`` tables of a job file, checked before anything is read."""

from __future__ import annotations

import codecs
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.edn.show import show
from migrate.errors import ConfigError

__all__ = ["ConfigError", "SourceSpec", "SOURCE_TYPES", "JSON_FORMATS"]

SOURCE_TYPES = ("csv", "json", "sql", "query")
JSON_FORMATS = ("array", "lines", "auto")
DEFAULT_CHUNK_SIZE = 10_000

_COMMON_KEYS = ("type", "chunk_size")
_KEYS = {
    "csv": _COMMON_KEYS + ("path", "encoding", "delimiter"),
    "json": _COMMON_KEYS + ("path", "format", "records"),
    "sql": _COMMON_KEYS + ("url_env", "path", "table", "query", "key"),
    "query": _COMMON_KEYS + ("sql",),
}
_ALL_KEYS = sorted({key for keys in _KEYS.values() for key in keys})
_DOTTED_RE = re.compile(r"[^.\s]+(?:\.[^.\s]+)*\Z")
_IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?\Z")
_ENV_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One validated source: where the rows are and how to read them.

    ``path`` is absolute (relative paths in the job resolve against the job file's directory).
    ``encoding`` is the Python codec name; UTF-8 tolerates a byte-order mark.
    """

    name: str
    type: str
    job_path: Path
    path: Path | None = None
    encoding: str = "utf-8"
    delimiter: str = ","
    format: str = "auto"
    records: str | None = None
    url_env: str | None = None
    table: str | None = None
    query: str | None = None
    key: tuple[str, ...] = ()
    chunk_size: int = DEFAULT_CHUNK_SIZE
    sql: str | None = None  # a derived source's query (type "query")
    #: the job's sources a derived source's query may name (set by the job loader)
    job_sources: tuple[tuple[str, SourceSpec], ...] = ()

    @classmethod
    def from_table(cls, name: str, table: dict, job_path: Path) -> SourceSpec:
        """Check the job's ``[sources.NAME]`` table; raise ``ConfigError`` naming file and key."""
        checker = _Checker(name, table, Path(job_path))
        return checker.spec()

    def where(self, key: str) -> str:
        """``job.toml: sources.NAME.KEY``: the prefix of messages about this source's key."""
        return f"{self.job_path}: sources.{self.name}.{key}"


class _Checker:
    def __init__(self, name: str, table: Any, job_path: Path) -> None:
        self.name, self.table, self.job_path = name, table, job_path

    def fail(self, key: str | None, message: str) -> ConfigError:
        where = f"sources.{self.name}" + (f".{key}" if key else "")
        return ConfigError(f"{self.job_path}: {where}: {message}")

    def spec(self) -> SourceSpec:
        if not isinstance(self.table, dict):
            raise self.fail(None, "must be a table")
        kind = self.table.get("type")
        if kind is None:
            raise self.fail("type", 'missing (one of "csv", "json", "sql", "query")')
        if kind not in SOURCE_TYPES:
            raise self.fail(
                "type", f'must be one of "csv", "json", "sql", "query", not {show(kind)}'
            )
        allowed = _KEYS[kind]
        for key in self.table:
            if key not in allowed:
                raise self.fail(key, self._unknown(key, kind, allowed))
        chunk_size = self.table.get("chunk_size", DEFAULT_CHUNK_SIZE)
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise self.fail("chunk_size", f"must be a positive integer, not {show(chunk_size)}")
        common = {"name": self.name, "type": kind, "job_path": self.job_path}
        common["chunk_size"] = chunk_size
        return getattr(self, f"_{kind}")(common)

    def _unknown(self, key: str, kind: str, allowed: tuple[str, ...]) -> str:
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            return f"unknown key (did you mean '{close[0]}'?)"
        if key in _ALL_KEYS:
            return f'not a key of a "{kind}" source (allowed: {", ".join(allowed)})'
        return f"unknown key (allowed: {', '.join(allowed)})"

    def _string(self, key: str, default: str | None = None) -> str | None:
        value = self.table.get(key, default)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.fail(key, f"must be a non-empty string, not {show(value)}")
        return value

    def _path(self, required: bool) -> Path | None:
        text = self._string("path")
        if text is None:
            if required:
                raise self.fail("path", "missing (the file to read)")
            return None
        path = Path(text).expanduser()
        return path if path.is_absolute() else (self.job_path.parent / path).resolve()

    def _csv(self, common: dict) -> SourceSpec:
        encoding = self._string("encoding") or "utf-8"
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise self.fail("encoding", f"unknown encoding {show(encoding)}") from None
        delimiter = self.table.get("delimiter", ",")
        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
            raise self.fail("delimiter", f"must be one character, not {show(delimiter)}")
        return SourceSpec(**common, path=self._path(True), encoding=encoding, delimiter=delimiter)

    def _json(self, common: dict) -> SourceSpec:
        fmt = self.table.get("format", "auto")
        if fmt not in JSON_FORMATS:
            raise self.fail("format", f'must be one of "array", "lines", "auto", not {show(fmt)}')
        records = self._string("records")
        if records is not None:
            if not _DOTTED_RE.match(records):
                raise self.fail(
                    "records", f"must be a dotted path like export.users, not {show(records)}"
                )
            if fmt == "lines":
                raise self.fail("records", 'cannot be used with format = "lines"')
        return SourceSpec(**common, path=self._path(True), format=fmt, records=records)

    def _query(self, common: dict) -> SourceSpec:
        sql = self._string("sql")
        if sql is None:
            raise self.fail("sql", "missing (a SELECT over the job's other sources)")
        return SourceSpec(**common, sql=sql)

    def _sql(self, common: dict) -> SourceSpec:
        url_env = self._string("url_env")
        if url_env is not None and not _ENV_RE.match(url_env):
            raise self.fail("url_env", f"must name an environment variable, not {show(url_env)}")
        path = self._path(False)
        if (url_env is None) == (path is None):
            raise self.fail(
                None,
                "needs exactly one of url_env (a database URL in the environment) or path (an SQLite file)",
            )
        table, query = self._string("table"), self._string("query")
        if (table is None) == (query is None):
            raise self.fail(None, "needs exactly one of table or query")
        if table is not None and not _IDENTIFIER_RE.match(table):
            raise self.fail(
                "table", f"must be a table name (optionally schema.table), not {show(table)}"
            )
        key = self.table.get("key", ())
        if isinstance(key, str):
            key = (key,)
        if not isinstance(key, list | tuple) or not all(isinstance(k, str) and k for k in key):
            raise self.fail(
                "key", f"must be a column name or a list of column names, not {show(key)}"
            )
        return SourceSpec(
            **common, url_env=url_env, path=path, table=table, query=query, key=tuple(key)
        )


# The reference text of the source keys and their behaviour (docs/job-file.md) ----------------

KEY_DOCS: dict[str, dict[str, str]] = {
    "common": {
        "type": '`"csv"`, `"json"`, `"sql"` or `"query"` (required)',
        "chunk_size": f"rows read at a time by the per-row path (default {DEFAULT_CHUNK_SIZE:,})",
    },
    "csv": {
        "path": "the file; a name ending in `.gz` is read as gzip (required)",
        "encoding": "Python codec name (default `utf-8`, a byte-order mark is skipped); other "
        "encodings are transcoded while reading",
        "delimiter": 'one character (default `","`); quotes are `"`, doubled inside a field',
    },
    "json": {
        "path": "the file; `.gz` is read as gzip (required)",
        "format": '`"array"` (a JSON array of objects), `"lines"` (one object per line) or '
        '`"auto"` (default: an array when the file starts with `[` or `records` is set)',
        "records": 'dotted path from the top to the array of records (`"export.users"`)',
    },
    "sql": {
        "url_env": "environment variable holding the SQLAlchemy URL "
        "(`postgresql+psycopg://…`, `mysql+pymysql://…`, `sqlite:///…`)",
        "path": "an SQLite file instead of `url_env`",
        "table": "table to read (`schema.table` allowed), ordered by `key`",
        "query": "a SELECT instead of `table`, read in the order it gives",
        "key": "column (or list) naming each row in the rejects' origin (`users id=12`)",
    },
    "query": {
        "sql": "a SELECT over the job's other sources, by their names (see Derived sources)",
    },
}

BEHAVIOUR = """\
How sources are read (the same values for the per-row and the columnar engine):

- **CSV.** Every cell is text; an empty cell is missing. The header is read on its own when the
  job is checked: an empty or a repeated column name is an error naming the column numbers.
  Blank lines outside quotes hold no record; a record with fewer fields than the header has
  the rest missing, one with more is an error. Origins are physical lines (`users.csv:57`,
  the line a multi-line record starts on). An unclosed quote names the line it opens on.
- **JSON.** Read one record at a time in bounded memory. Integers are exact at any size
  (`2**64`, 30 digits); other numbers are floats, except those beyond the float range
  (`1e400`), which stay exact decimals (a job's id column then rejects them per row, as it does
  every id that is neither text nor an integer). `NaN`/`Infinity` are not JSON. Nesting deeper
  than {max_depth} levels, a string holding a lone surrogate (`"\\ud800"`) or a key of the `records`
  path given twice is an error naming line and column (and record and field). Origins are
  `file.json:record 12` (arrays) or `file.jsonl:12` (lines).
- **SQL.** Rows are streamed (server-side cursor on PostgreSQL, unbuffered cursor on
  MySQL/MariaDB). From MySQL/MariaDB, `BINARY(16)` is read as UUID text, a zero date
  (`0000-00-00`) as missing, `TINYINT(1)` as 0/1 (use the `boolean` transform) and `DATETIME`
  as a naive time in `defaults.timezone`. Passwords, secret query parameters (`password=`,
  `sslpassword=`, `passfile=`, tokens) and credentials in driver messages are shown as `***`.
- **Derived sources** (`type = "query"`): see the Derived sources section below.
- **Faults.** A source that cannot be read — missing, unreachable, bytes that do not decode,
  broken CSV, JSON or gzip data (named with the file's byte offset) — stops the run with one
  line naming file and line (or record) and exit status 2, wherever in the file the fault is.
"""


def sources_reference() -> str:
    """The keys of each source type and how sources are read, as Markdown for docs/job-file.md."""
    lines = ["| Type | Key | Meaning |", "| --- | --- | --- |"]
    for kind in ("common", *SOURCE_TYPES):
        for key, meaning in KEY_DOCS[kind].items():
            lines.append(f"| {'all' if kind == 'common' else kind} | `{key}` | {meaning} |")
    from migrate.extract.json_text import MAX_DEPTH

    return "\n".join(lines) + "\n\n" + BEHAVIOUR.format(max_depth=MAX_DEPTH)
