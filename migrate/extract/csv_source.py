"""CSV sources: pandas in chunks, every cell a string, origins as physical line numbers."""

from __future__ import annotations

import codecs
import gzip
import io
import re
from collections.abc import Iterator
from typing import IO

import pandas as pd

from migrate.errors import ExtractError
from migrate.extract.origin import Origin, SourceRow
from migrate.extract.spec import SourceSpec

_PANDAS_LINE_RE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


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

    def columns(self) -> list[str]:
        """The header's column names."""
        self._check_exists()
        try:
            with self._open() as data:
                frame = pd.read_csv(data, nrows=0, **self._options())
        except pd.errors.EmptyDataError:
            raise ExtractError(f"{self.display}: empty file (no header line)") from None
        except UnicodeDecodeError:
            raise self._decode_error() from None
        return [str(column) for column in frame.columns]

    def rows(self, limit: int | None = None) -> Iterator[SourceRow]:
        """Each record as a ``SourceRow``; empty cells are ``None``, other cells strings."""
        self._check_exists()
        source = self.spec.name
        display = self.display
        count = 0
        if limit is not None and limit <= 0:
            return
        with self._open() as data, self._open_text() as text:
            starts = record_start_lines(text, self.spec.delimiter)
            next(starts, None)  # the header
            try:
                reader = pd.read_csv(data, chunksize=self.spec.chunk_size, **self._options())
                for chunk in reader:
                    columns = [str(column) for column in chunk.columns]
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

    def _options(self) -> dict:
        return {
            "dtype": str,
            "keep_default_na": False,
            "sep": self.spec.delimiter,
            "encoding": self.encoding,
            "engine": "c",
        }

    def _check_exists(self) -> None:
        if not self.path.is_file():
            raise ExtractError(f"{self.path}: file not found (sources.{self.spec.name}.path)")

    def _open(self) -> gzip.GzipFile | io.BufferedReader:
        if self.path.name.endswith(".gz"):
            return gzip.open(self.path, "rb")
        return open(self.path, "rb")

    def _open_text(self) -> IO[str]:
        return io.TextIOWrapper(self._open(), encoding=self.encoding, errors="replace", newline="")

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
