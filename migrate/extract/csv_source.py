"""CSV sources: pandas in chunks, every cell a string, origins as physical line numbers."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING

import polars as pl

from migrate.errors import ExtractError
from migrate.extract.batches import BATCH_ROWS, batches_from_rows, origins_from_rows
from migrate.extract.compressed import open_bytes
from migrate.extract.origin import Origin, SourceRow
from migrate.extract.spec import SourceSpec

if TYPE_CHECKING:
    from migrate.extract.csv_batches import LineIndex

_PANDAS_LINE_RE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_PANDAS_EOF_RE = re.compile(r"EOF inside string starting at row (\d+)")


class CsvSource:
    """Rows of one CSV file (``.csv`` or ``.csv.gz``), streamed ``spec.chunk_size`` at a time."""

    def __init__(self, spec: SourceSpec) -> None:
        assert spec.path is not None, "a CSV source has a path (SourceSpec requires it)"
        self.spec = spec
        self.path = spec.path
        self.display = spec.path.name
        # Python's "utf-8" would keep a byte-order mark as part of the first column name.
        self.encoding = (
            "utf-8-sig" if codecs.lookup(spec.encoding).name == "utf-8" else spec.encoding
        )
        self._header: list[str] | None = None
        #: Where the records of the last columnar read start (see ``csv_batches.LineIndex``).
        self.line_index: LineIndex | None = None

    def columns(self) -> list[str]:
        """The header's column names, read from the header alone (nothing else is decoded).

        A header with an empty or a repeated name is an error naming the column numbers.
        """
        self._check_exists()
        if self._header is None:
            self._header = self._read_header()
        return list(self._header)

    def _read_header(self) -> list[str]:
        with self._open() as data:
            try:
                lines = _header_lines(_decoded_lines(data, self.encoding))
                reader = csv.reader(lines, delimiter=self.spec.delimiter)
                names = next(reader, None)
                # pandas would drop the extra cells of a first record longer than the header
                # (or take its first column as an index): name that record instead.
                first_line, first = reader.line_num + 1, next(reader, None)
                while first is not None and not "".join(first).strip():
                    first_line, first = reader.line_num + 1, next(reader, None)
            except UnicodeDecodeError:
                raise self._decode_error() from None
            except csv.Error as error:
                raise ExtractError(f"{self.display}:1: malformed CSV header: {error}") from None
        if names and first is not None and len(first) > len(names):
            raise ExtractError(
                f"{self.display}:{first_line}: malformed CSV: expected {len(names)} fields, "
                f"saw {len(first)}"
            )
        if not names:
            raise ExtractError(f"{self.display}: empty file (no header line)")
        column_of: dict[str, int] = {}
        for number, name in enumerate(names, 1):
            if name == "":
                raise ExtractError(f"{self.display}:1: column {number} of the header has no name")
            if name in column_of:
                raise ExtractError(
                    f'{self.display}:1: duplicate column name "{name}" in the header '
                    f"(columns {column_of[name]} and {number})"
                )
            column_of[name] = number
        return names

    def rows(self, limit: int | None = None) -> Iterator[SourceRow]:
        """Each record as a ``SourceRow``; empty cells are ``None``, other cells strings."""
        self._check_exists()
        source = self.spec.name
        display = self.display
        count = 0
        if limit is not None and limit <= 0:
            return
        header = self.columns()
        import pandas as pd  # here only: the columnar reader (batches) does without it

        with self._open() as data, self._open_text() as text:
            starts = record_start_lines(text, self.spec.delimiter)
            next(starts, None)  # the header
            try:
                reader = pd.read_csv(
                    data,
                    chunksize=self.spec.chunk_size,
                    header=0,
                    names=header,
                    **self._options(),
                )
                for chunk in reader:
                    columns = header
                    for cells in chunk.itertuples(index=False, name=None):
                        count += 1
                        # The scanner follows pandas' rules; should they ever part, the record
                        # number is still a truthful origin.
                        line = next(starts, None) or f"record {count}"
                        values = {
                            column: (cell if isinstance(cell, str) and cell != "" else None)
                            for column, cell in zip(columns, cells, strict=True)
                        }
                        yield SourceRow(values, Origin(source, f"{display}:{line}"))
                        if limit is not None and count >= limit:
                            return
            except pd.errors.EmptyDataError:
                raise ExtractError(f"{display}: empty file (no header line)") from None
            except UnicodeDecodeError:
                raise self._decode_error() from None
            except pd.errors.ParserError as error:
                raise self._parser_error(error) from None

    def batches(
        self,
        columns: Sequence[str] | None = None,
        *,
        each: str | None = None,
        limit: int | None = None,
        size: int = BATCH_ROWS,
    ) -> Iterator[pl.DataFrame]:
        """The records as Polars frames read by ``polars`` (see :mod:`migrate.extract.batches`)."""
        self._check_exists()
        if each is not None:  # CSV cells are text: no arrays to unnest; the reference says so
            return batches_from_rows(self, columns, each=each, limit=limit, size=size)
        from migrate.extract.csv_batches import LineIndex, csv_batches

        self.line_index = LineIndex(self.spec.name, self.display)
        return csv_batches(self, columns, limit=limit, size=size, index=self.line_index)

    def origins(self, records: Iterable[int], *, each: str | None = None) -> dict[int, Origin]:
        """The origins (``file.csv:LINE``) of the given 0-based record numbers, scanning the
        text once up to the last of them; equal to those ``rows()`` gives."""
        if each is not None:
            return origins_from_rows(self, records, each=each)
        wanted = sorted(set(records))
        found: dict[int, Origin] = {}
        if not wanted:
            return found
        indexed = self.line_index.origins(wanted) if self.line_index is not None else None
        if indexed is not None:
            return indexed
        source, display = self.spec.name, self.display
        with self._open_text() as text:
            starts = record_start_lines(text, self.spec.delimiter)
            next(starts, None)  # the header
            position = 0
            for number, line in enumerate(starts):
                if number == wanted[position]:
                    found[number] = Origin(source, f"{display}:{line}")
                    position += 1
                    if position == len(wanted):
                        break
        for number in wanted[position:]:  # as rows() does should the scanner ever stop early
            found.setdefault(number, Origin(source, f"{display}:record {number + 1}"))
        return found

    def _options(self) -> dict:
        return {
            "dtype": str,
            "keep_default_na": False,
            "sep": self.spec.delimiter,
            "encoding": self.encoding,
            "engine": "c",
            # Never take the first column as an index when the first record has more fields.
            "index_col": False,
        }

    def _check_exists(self) -> None:
        if not self.path.is_file():
            raise ExtractError(f"{self.path}: file not found (sources.{self.spec.name}.path)")

    def _open(self) -> IO[bytes]:
        return open_bytes(self.path, self.display)

    def _open_text(self, errors: str = "replace") -> IO[str]:
        return io.TextIOWrapper(self._open(), encoding=self.encoding, errors=errors, newline="")

    def _decode_error(self) -> ExtractError:
        """Find the first line that does not decode, to name it."""
        decoder = codecs.getincrementaldecoder(self.encoding)()
        with self._open() as data:
            for number, raw in enumerate(data, 1):
                try:
                    decoder.decode(raw)
                except UnicodeDecodeError:
                    hint = ""
                    if codecs.lookup(self.spec.encoding).name == "utf-8":
                        hint = ' (try encoding = "windows-1252")'
                    return ExtractError(
                        f"{self.display}:{number}: cannot decode bytes as "
                        f"{self.spec.encoding}{hint}"
                    )
        return ExtractError(f"{self.display}: cannot decode bytes as {self.spec.encoding}")

    def _parser_error(self, error: Exception) -> ExtractError:
        """Turn pandas' record count into the physical line where the bad record starts."""
        if _PANDAS_EOF_RE.search(str(error)):
            with self._open_text() as text:
                line = unclosed_quote_line(text, self.spec.delimiter)
            return ExtractError(
                f"{self.display}:{line}: malformed CSV: the quoted field opened on this line "
                "is never closed"
            )
        match = _PANDAS_LINE_RE.search(str(error))
        if match is None:
            return ExtractError(f"{self.display}: malformed CSV: {str(error).splitlines()[0]}")
        expected, record, seen = (int(group) for group in match.groups())
        line = record
        with self._open_text() as text:
            for index, start in enumerate(record_start_lines(text, self.spec.delimiter), 1):
                if index == record:
                    line = start
                    break
        return ExtractError(
            f"{self.display}:{line}: malformed CSV: expected {expected} fields, saw {seen}"
        )


def record_start_lines(lines: IO[str], delimiter: str = ",") -> Iterator[int]:
    """The 1-based physical line on which each CSV record starts, header included.

    Follows the C parser of pandas: a quote opens a quoted field only at the start of a field,
    ``""`` inside quotes is an escaped quote, and blank (or whitespace-only) lines outside
    quotes hold no record.
    """
    in_quotes = False
    for number, line in enumerate(lines, 1):
        if not in_quotes:
            if not line.strip():
                continue
            yield number
        if '"' in line or in_quotes:
            in_quotes = _ends_in_quotes(line, delimiter, in_quotes)


def _decoded_lines(data: IO[bytes], encoding: str) -> Iterator[str]:
    """The lines of ``data`` decoded one at a time (so a bad byte is found where it is read)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    for raw in data:
        yield decoder.decode(raw)
    yield decoder.decode(b"", final=True)


def _header_lines(text: Iterator[str]) -> Iterator[str]:
    """The file's lines from the first one that is not blank (pandas skips leading blanks)."""
    for line in text:
        if line.strip():
            yield line
            yield from text
            return


def unclosed_quote_line(lines: IO[str], delimiter: str = ",") -> int:
    """The 1-based line of the quote that opens a field never closed (0 when all are closed)."""
    in_quotes, opened = False, 0
    for number, line in enumerate(lines, 1):
        if '"' not in line:
            continue
        pos, end = 0, len(line)
        while True:
            quote = line.find('"', pos)
            if quote < 0:
                break
            if in_quotes:
                if quote + 1 < end and line[quote + 1] == '"':
                    pos = quote + 2
                    continue
                in_quotes = False
            elif quote == 0 or line[quote - 1] == delimiter:
                in_quotes, opened = True, number
            pos = quote + 1
    return opened if in_quotes else 0


def _ends_in_quotes(line: str, delimiter: str, in_quotes: bool) -> bool:
    pos, end = 0, len(line)
    while True:
        quote = line.find('"', pos)
        if quote < 0:
            return in_quotes
        if in_quotes:
            if quote + 1 < end and line[quote + 1] == '"':
                pos = quote + 2
                continue
            in_quotes = False
        elif quote == 0 or line[quote - 1] == delimiter:
            in_quotes = True
        pos = quote + 1
