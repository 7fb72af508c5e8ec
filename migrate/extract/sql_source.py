"""SQL sources through SQLAlchemy: a table (ordered by its key) or a query, streamed in chunks.

The database URL comes from an environment variable (``url_env``) so that no password sits in
the job file; every message shows the URL and the driver's words through
:func:`migrate.secrets.mask_url`/:func:`~migrate.secrets.redact` (passwords, secret query
parameters and tokens masked). ``path`` reads an SQLite file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import count as counter
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from migrate.edn.show import show
from migrate.errors import ConfigError, ExtractError
from migrate.extract.batches import (
    BATCH_ROWS,
    batches_from_rows,
    frame_of,
    frame_of_columns,
    origins_from_rows,
)
from migrate.extract.origin import Origin, SourceRow
from migrate.extract.spec import SourceSpec
from migrate.extract.sql_values import converters
from migrate.secrets import mask_url, redact, url_secrets


class SqlSource:
    """Rows of one table or query; the server streams them (a server-side cursor on PostgreSQL,
    an unbuffered ``SSCursor`` on MySQL/MariaDB); MySQL values as :mod:`sql_values` says."""

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.url = self._url()
        self.display = mask_url(self.url)
        self._engine: Engine | None = None
        if spec.table is not None:
            schema, _, name = spec.table.rpartition(".")
            self.schema, self.table_name = schema or None, name
        self.label = spec.table if spec.table is not None else "query"

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, created on first use."""
        if self._engine is None:
            try:
                self._engine = sa.create_engine(self.url)
            except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as error:
                raise ConfigError(
                    f"{self._url_key()}: cannot use {self.display}: {self._clean(error)}"
                ) from None
        return self._engine

    def columns(self) -> list[str]:
        """The table's or query's column names."""
        with self._connect() as connection:
            try:
                if self.spec.table is not None:
                    found = sa.inspect(connection).get_columns(self.table_name, schema=self.schema)
                    return [column["name"] for column in found]
                query = sa.text(f"SELECT * FROM ({self.spec.query}) AS migrate_q WHERE 1 = 0")
                return list(connection.execute(query).keys())
            except sa.exc.NoSuchTableError:
                raise self._no_table() from None
            except sa.exc.SQLAlchemyError as error:
                raise ExtractError(f"{self.display}: {self.label}: {self._clean(error)}") from None

    def rows(self, limit: int | None = None) -> Iterator[SourceRow]:
        """Each row as a ``SourceRow`` of native values, in key order for a table."""
        if limit is not None and limit <= 0:
            return
        columns = self._keyed_columns()
        key_positions = [columns.index(key) for key in self.spec.key]
        source, label = self.spec.name, self.label
        with self._connect() as connection:
            streaming = connection.execution_options(
                stream_results=True, yield_per=self.spec.chunk_size
            )
            try:
                result = streaming.execute(self._statement(columns, limit))
                names = list(result.keys())
                convert = self._converters(result)
                for number, row in zip(counter(1), result, strict=False):
                    values = dict(zip(names, row, strict=True))
                    for i, function in convert:
                        values[names[i]] = function(row[i])
                    if key_positions:
                        where = " ".join(f"{names[i]}={row[i]}" for i in key_positions)
                    else:
                        where = f"row {number}"
                    yield SourceRow(values, Origin(source, f"{label} {where}"))
                    if limit is not None and number >= limit:
                        break
            except sa.exc.SQLAlchemyError as error:
                raise ExtractError(f"{self.display}: {label}: {self._clean(error)}") from None

    def batches(
        self,
        columns: Sequence[str] | None = None,
        *,
        each: str | None = None,
        limit: int | None = None,
        size: int = BATCH_ROWS,
    ) -> Iterator[pl.DataFrame]:
        """The rows as Polars frames (see :mod:`migrate.extract.batches`): the server streams
        them and each batch of ``size`` rows is turned into columns at once."""
        if each is not None:
            return batches_from_rows(self, columns, each=each, limit=limit, size=size)
        return self._batches(list(columns) if columns is not None else None, limit, size)

    def _batches(
        self, names: list[str] | None, limit: int | None, size: int
    ) -> Iterator[pl.DataFrame]:
        columns = self._keyed_columns()
        names = columns if names is None else names
        if limit is not None and limit <= 0:
            yield frame_of([], names, 0)
            return
        first = 0
        with self._connect() as connection:
            streaming = connection.execution_options(
                stream_results=True, yield_per=min(size, self.spec.chunk_size)
            )
            try:
                result = streaming.execute(self._statement(columns, limit))
                index = {name: i for i, name in enumerate(result.keys())}
                convert = dict(self._converters(result))
                for part in result.partitions(size):
                    if limit is not None and first + len(part) > limit:
                        part = part[: limit - first]
                    cells: list[Any] = list(zip(*part, strict=True))
                    for i, function in convert.items():
                        cells[i] = [function(value) for value in cells[i]]
                    yield frame_of_columns(
                        {
                            name: list(cells[index[name]]) if name in index else [None] * len(part)
                            for name in names
                        },
                        first,
                        len(part),
                    )
                    first += len(part)
                    if limit is not None and first >= limit:
                        break
            except sa.exc.SQLAlchemyError as error:
                raise ExtractError(f"{self.display}: {self.label}: {self._clean(error)}") from None
        if first == 0:
            yield frame_of([], names, 0)

    def origins(self, records: Iterable[int], *, each: str | None = None) -> dict[int, Origin]:
        """Origins of the given 0-based row numbers, equal to those ``rows()`` gives: without a
        key by number (nothing is read), with one by reading the key columns once."""
        wanted = sorted(set(records))
        if each is not None:
            return origins_from_rows(self, wanted, each=each) if wanted else {}
        source, label = self.spec.name, self.label
        if not self.spec.key or not wanted:
            return {n: Origin(source, f"{label} row {n + 1}") for n in wanted}
        columns = self._keyed_columns()
        found: dict[int, Origin] = {}
        position = 0
        with self._connect() as connection:
            streaming = connection.execution_options(
                stream_results=True, yield_per=self.spec.chunk_size
            )
            try:
                result = streaming.execute(self._statement(columns, None, keys_only=True))
                names = list(result.keys())
                positions = [names.index(key) for key in self.spec.key]
                for number, row in enumerate(result):
                    if number == wanted[position]:
                        where = " ".join(f"{names[i]}={row[i]}" for i in positions)
                        found[number] = Origin(source, f"{label} {where}")
                        position += 1
                        if position == len(wanted):
                            break
            except sa.exc.SQLAlchemyError as error:
                raise ExtractError(f"{self.display}: {label}: {self._clean(error)}") from None
        return found

    def _converters(self, result: Any) -> list[tuple[int, Callable[[Any], Any]]]:
        """``(column index, converter)`` for the columns whose values need one."""
        description = getattr(result.cursor, "description", None)
        found = converters(self.url.get_backend_name(), description)
        return [(i, function) for i, function in enumerate(found) if function is not None]

    def _keyed_columns(self) -> list[str]:
        """The columns, after checking that the job's key columns are among them."""
        columns = self.columns()
        missing = [key for key in self.spec.key if key not in columns]
        if missing:
            raise ConfigError(
                f"{self.spec.where('key')}: no column {show(missing[0])} in {self.label} "
                f"(columns: {', '.join(columns)})"
            )
        return columns

    def close(self) -> None:
        """Release the engine's connections."""
        if self._engine is not None:
            self._engine.dispose()

    def _statement(
        self, columns: list[str], limit: int | None, keys_only: bool = False
    ) -> sa.Executable:
        if self.spec.query is not None:
            return sa.text(self.spec.query)
        table = sa.table(self.table_name, *(sa.column(c) for c in columns), schema=self.schema)
        statement = (
            sa.select(*(table.c[key] for key in self.spec.key)) if keys_only else sa.select(table)
        )
        if self.spec.key:
            statement = statement.order_by(*(table.c[key] for key in self.spec.key))
        if limit is not None:
            statement = statement.limit(limit)
        return statement

    def _connect(self) -> sa.Connection:
        try:
            return self.engine.connect()
        except sa.exc.SQLAlchemyError as error:
            raise ExtractError(f"cannot connect to {self.display}: {self._clean(error)}") from None

    def _url(self) -> URL:
        spec = self.spec
        if spec.path is not None:
            if not spec.path.is_file():
                raise ExtractError(f"{spec.path}: file not found (sources.{spec.name}.path)")
            return URL.create("sqlite", database=str(spec.path))
        text = os.environ.get(spec.url_env or "")
        if not text:
            raise ConfigError(
                f"{spec.where('url_env')}: environment variable {spec.url_env} is not set"
            )
        try:
            return make_url(text)
        except sa.exc.ArgumentError:
            # The text may hold a password: never repeat it.
            raise ConfigError(
                f"{spec.where('url_env')}: {spec.url_env} does not hold a database URL "
                "(dialect+driver://user:password@host:port/database)"
            ) from None

    def _url_key(self) -> str:
        return self.spec.where("url_env" if self.spec.url_env else "path")

    def _no_table(self) -> ExtractError:
        return ExtractError(
            f"{self.display}: no table {show(self.spec.table)} (sources.{self.spec.name}.table)"
        )

    def _clean(self, error: BaseException) -> str:
        """The driver's first message line, with every credential masked."""
        original = getattr(error, "orig", None) or error
        args: tuple[Any, ...] = tuple(getattr(original, "args", ()))
        if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
            # PyMySQL: (code, message)
            text = f"{args[1]} (MySQL error {args[0]})"
        else:
            text = str(original)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        message = lines[0] if lines else type(original).__name__
        return redact(message, url_secrets(self.url))
