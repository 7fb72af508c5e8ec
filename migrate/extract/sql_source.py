"""SQL sources through SQLAlchemy: a table (ordered by its key) or a query, streamed in chunks.

The database URL comes from an environment variable (``url_env``) so that no password sits in
the job file; every message shows the URL with the password masked. ``path`` reads an SQLite file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import count as counter

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from migrate.edn.show import show
from migrate.errors import ConfigError, ExtractError
from migrate.extract.origin import Origin, SourceRow
from migrate.extract.spec import SourceSpec


class SqlSource:
    """Rows of one table or query; the server streams them (server-side cursor on PostgreSQL)."""

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.url = self._url()
        self.display = self.url.render_as_string(hide_password=True)
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
        columns = self.columns()
        missing = [key for key in self.spec.key if key not in columns]
        if missing:
            raise ConfigError(
                f"{self.spec.where('key')}: no column {show(missing[0])} in {self.label} "
                f"(columns: {', '.join(columns)})"
            )
        key_positions = [columns.index(key) for key in self.spec.key]
        source, label = self.spec.name, self.label
        with self._connect() as connection:
            streaming = connection.execution_options(
                stream_results=True, yield_per=self.spec.chunk_size
            )
            try:
                result = streaming.execute(self._statement(columns, limit))
                names = list(result.keys())
                for number, row in zip(counter(1), result, strict=False):
                    values = dict(zip(names, row, strict=True))
                    if key_positions:
                        where = " ".join(f"{names[i]}={row[i]}" for i in key_positions)
                    else:
                        where = f"row {number}"
                    yield SourceRow(values, Origin(source, f"{label} {where}"))
                    if limit is not None and number >= limit:
                        break
            except sa.exc.SQLAlchemyError as error:
                raise ExtractError(f"{self.display}: {label}: {self._clean(error)}") from None

    def close(self) -> None:
        """Release the engine's connections."""
        if self._engine is not None:
            self._engine.dispose()

    def _statement(self, columns: list[str], limit: int | None) -> sa.Executable:
        if self.spec.query is not None:
            return sa.text(self.spec.query)
        table = sa.table(self.table_name, *(sa.column(c) for c in columns), schema=self.schema)
        statement = sa.select(table)
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
        """The driver's first message line, with the password (if any) masked."""
        original = getattr(error, "orig", None) or error
        lines = [line.strip() for line in str(original).splitlines() if line.strip()]
        message = lines[0] if lines else type(original).__name__
        password = self.url.password
        if password:
            message = message.replace(str(password), "***")
        return message
