"""CSV read columnar: ``polars`` parses the file slice by slice into what ``rows()`` gives.

The file is read in one streaming pass, a few megabytes at a time (decompressed for ``.gz``,
transcoded to UTF-8 for other encodings), cut at record boundaries (a line feed after an even
number of quotes) and each slice parsed by ``polars.read_csv`` with every cell as text; so memory
holds one slice and one batch, never the file. Each slice is first checked for the few shapes on
which Polars' CSV rules and those of the reference reader (pandas' C parser) part, or on which
counting quotes would not find the record boundaries:

- a blank or whitespace-only line outside quotes (pandas skips it, Polars makes a row of it);
- a carriage return not followed by a line feed (pandas ends a line there, Polars does not);
- a quote that does not open or close a field that starts and ends with it (``ab"c``,
  ``  "x"``), which pandas takes literally;
- bytes that do not decode, or a slice Polars refuses (a record longer than the header).

A file with any of them is read, from its first record, through the row-based reference form,
so the values, the record numbers and the error messages are always those of ``rows()``.

While the slices are read, a :class:`LineIndex` notes where each slice starts (its first
record and physical line). A rejected record's line is then found from its slice without
reading the file again: in a slice whose records are one line each it is arithmetic, and in a
slice with multi-line records (a quoted description of several paragraphs) each record's
offset is counted once, from the line feeds in its values, while the slice is in memory.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import polars as pl

from migrate.extract.batches import RECORD, batches_from_rows, frame_of
from migrate.extract.origin import Origin

if TYPE_CHECKING:
    from migrate.extract.csv_source import CsvSource

#: Bytes read (and parsed by Polars) at a time.
SLICE_BYTES = 8 << 20

_BLANK_LINE = re.compile(rb"(?m)^[ \t]*\r?$")  # at the start of the file only (slow)
_INNER_BLANK_LINE = re.compile(rb"\n[ \t]*\r?(?:\n|\Z)")
_FIRST_BLANK_LINE = re.compile(rb"[ \t]*\r?(?:\n|\Z)")
_LONE_CR = re.compile(rb"\r(?!\n)")


class _Unsuitable(Exception):
    """The file has a shape on which Polars would read differently: use the reference."""


class LineIndex:
    """The physical line on which each record read by :func:`csv_batches` starts, kept per
    slice: the slice's first record and line, and for a slice of multi-line records the
    line offset of each of its records (four bytes a record, only in such slices).

    ``records`` is the number of records covered, from the first; ``complete`` is set once
    the whole read went through Polars (a read handed to the reference form covers nothing
    after the hand-over, and its records are found by the reference scanner).
    """

    def __init__(self, source: str, display: str) -> None:
        self.source, self.display = source, display
        self._firsts: list[int] = []  # first record number of each slice
        self._lines: list[int] = []  # physical line of that record
        self._offsets: list[pl.Series | None] = []  # line offsets in the slice, or None
        self.records = 0
        self.complete = False

    def add(self, first_line: int, count: int, offsets: pl.Series | None) -> None:
        """Note a slice of ``count`` records starting on ``first_line``."""
        self._firsts.append(self.records)
        self._lines.append(first_line)
        self._offsets.append(offsets)
        self.records += count

    def lines(self, records: pl.Series | Sequence[int]) -> pl.Series | None:
        """The starting line of each record number in ``records`` (in their order), or
        ``None`` when one of them is not covered."""
        wanted = pl.Series("record", records, dtype=pl.Int64)
        if not self.complete or (
            wanted.len() and (wanted.min() < 0 or wanted.max() >= self.records)  # type: ignore[operator]
        ):
            return None
        # Multi-line slices' offsets one after the other; ``base``: where a slice's offsets start.
        bases, parts, at = [], [], 0
        for offsets in self._offsets:
            bases.append(-1 if offsets is None else at)
            if offsets is not None:
                parts.append(offsets)
                at += offsets.len()
        joined = pl.concat(parts) if parts else pl.Series([0], dtype=pl.Int32)
        slices = pl.DataFrame(
            {"first": self._firsts, "line": self._lines, "base": bases},
            schema={"first": pl.Int64, "line": pl.Int64, "base": pl.Int64},
        )
        within = pl.col("record") - pl.col("first")
        found = (
            wanted.to_frame()
            .with_row_index("at")
            .sort("record")
            .join_asof(slices, left_on="record", right_on="first", strategy="backward")
            .select(
                "at",
                pl.when(pl.col("base") < 0)
                .then(pl.col("line") + within)
                .otherwise(
                    pl.col("line")
                    + pl.lit(joined)
                    .gather(pl.when(pl.col("base") < 0).then(0).otherwise(pl.col("base") + within))
                    .cast(pl.Int64)
                )
                .alias("line"),
            )
            .sort("at")
        )
        return found.get_column("line")

    def origins(self, records: Sequence[int]) -> dict[int, Origin] | None:
        """The origin (``file.csv:LINE``, as ``rows()`` gives it) of each record number in
        ``records``, or ``None`` when one of them is not covered."""
        found = self.lines(records)
        if found is None:
            return None
        return {
            record: Origin(self.source, f"{self.display}:{line}")
            for record, line in zip(records, found.to_list(), strict=True)
        }


def record_line_offsets(piece: bytes, newlines: int, frame: pl.DataFrame) -> pl.Series | None:
    """The line offset (from the slice's first line) of each record of ``frame``, parsed
    from ``piece`` (whole records from a record start, ``newlines`` line feeds), or ``None``
    when each record is one line (then the offset of record ``k`` is ``k``).

    A record spans one line more than the line feeds in its values: outside quotes a line
    feed ends the record, and a lone carriage return (which would end a line too) sends the
    file to the reference reader before this is asked."""
    count = frame.height
    if count == 0:
        return None
    if newlines == count or (newlines == count - 1 and not piece.endswith(b"\n")):
        return None
    # Only the columns that hold a line feed somewhere are counted row by row (a bio, a
    # description): finding them is a memchr over each column, counting is not.
    multiline = frame.select(
        pl.col(name).str.contains("\n", literal=True).any() for name in frame.columns
    ).row(0)
    names = [name for name, found in zip(frame.columns, multiline, strict=True) if found]
    if not names:  # no value holds a line feed: a line per record
        return pl.Series("offset", range(count), dtype=pl.Int32)
    spans = frame.select(
        pl.sum_horizontal(
            pl.col(name).str.count_matches("\n", literal=True).fill_null(0) for name in names
        ).cast(pl.Int32)
        + 1
    ).to_series()
    return (spans.cum_sum() - spans).alias("offset")


def csv_batches(
    source: CsvSource,
    columns: Sequence[str] | None,
    *,
    limit: int | None,
    size: int,
    index: LineIndex | None = None,
) -> Iterator[pl.DataFrame]:
    """The batches of ``source`` (see :mod:`migrate.extract.batches`), read by Polars;
    ``index``, when given, is filled with where each record starts."""
    header = source.columns()
    names = list(columns) if columns is not None else header
    if limit is not None and limit <= 0:
        yield frame_of([], names, 0)
        return
    from migrate.convert.shared_reads import file_check, note_checked

    file, trusted = file_check(source)  # read through before in this run: its slices passed
    done = 0
    try:
        for frame in _frames(source, header, names, limit, size, index, trusted):
            yield frame
            done += frame.height
        if index is not None:
            index.complete = True
        if limit is None:
            note_checked(file)
        return
    except _Unsuitable:
        pass
    # The reference form from the first record not given yet (it raises the reference's own
    # error when the file is broken there).
    for frame in batches_from_rows(source, names, limit=limit, size=size):
        if done:
            frame = frame.filter(pl.col(RECORD) >= done)
            if frame.height == 0:
                continue
        yield frame


def _frames(
    source: CsvSource,
    header: list[str],
    names: list[str],
    limit: int | None,
    size: int,
    index: LineIndex | None,
    trusted: bool = False,
) -> Iterator[pl.DataFrame]:
    schema = dict.fromkeys(header, pl.String)
    selected = [
        (
            pl.when(pl.col(name) == "").then(None).otherwise(pl.col(name)).alias(name)
            if name in header
            else pl.lit(None, dtype=pl.String).alias(name)
        )
        for name in names
    ]
    structural = _structural_quote_re(source.spec.delimiter)
    pending: list[pl.DataFrame] = []
    held = first = parsed = 0
    for line, newlines, data in _cut(source, None if trusted else structural):
        try:
            frame = pl.read_csv(
                data,
                has_header=False,
                schema=schema,
                separator=source.spec.delimiter,
                quote_char='"',
                encoding="utf8",
                n_rows=None if limit is None else limit - parsed,
                raise_if_empty=False,
            )
        except pl.exceptions.PolarsError:
            raise _Unsuitable from None
        parsed += frame.height
        if index is not None:
            index.add(line, frame.height, record_line_offsets(data, newlines, frame))
        pending.append(frame.select(selected))
        held += frame.height
        while held >= size:
            joined = pl.concat(pending) if len(pending) > 1 else pending[0]
            yield _numbered(joined.slice(0, size), first)
            first += size
            rest = joined.slice(size)
            pending, held = ([rest] if rest.height else []), rest.height
        if limit is not None and parsed >= limit:
            break
    if held or first == 0:
        if pending:
            joined = pl.concat(pending) if len(pending) > 1 else pending[0]
        else:
            joined = pl.DataFrame({name: pl.Series(name, [], dtype=pl.String) for name in names})
        yield _numbered(joined, first)


def _cut(
    source: CsvSource, structural: re.Pattern[bytes] | None
) -> Iterator[tuple[int, int, bytes]]:
    """The file's records as slices of whole records (UTF-8), each with the physical line
    on which it starts and the line feeds it holds; each checked (:func:`_check`) unless
    ``structural`` is ``None`` (a file whose slices passed already)."""
    utf8 = codecs.lookup(source.encoding).name in ("utf-8", "utf-8-sig")
    decoder = codecs.getincrementaldecoder(source.encoding)() if not utf8 else None
    rest = b""
    started = False
    line = 1
    with source._open() as data:
        while True:
            chunk = data.read(SLICE_BYTES)
            if decoder is not None:
                try:
                    chunk = decoder.decode(chunk, final=not chunk).encode("utf-8")
                except UnicodeDecodeError:
                    raise _Unsuitable from None
            block = rest + chunk
            if not started:
                if block.startswith(b"\xef\xbb\xbf"):
                    block = block[3:]
                if _BLANK_LINE.match(block):
                    raise _Unsuitable  # blank lines before the header (pandas skips them)
                start = _boundary(block, 0)
                if start < 0:
                    if chunk:
                        rest = block
                        continue
                    start = len(block)
                line = block.count(b"\n", 0, start) + 1  # the header's lines, then the first record
                block, started = block[start:], True
            cut = len(block) if not chunk else _last_boundary(block)
            piece, rest = block[:cut], block[cut:]
            if piece:
                if structural is not None:
                    _check(piece, structural)
                newlines = piece.count(b"\n")
                yield line, newlines, piece
                line += newlines
            if not chunk:
                if rest:
                    raise _Unsuitable  # the last record holds an unclosed quote
                return


def _boundary(data: bytes, start: int) -> int:
    """Index just after the first line feed at or after ``start`` preceded by an even number
    of quotes (counted from 0), or -1."""
    position = start
    while True:
        newline = data.find(b"\n", position)
        if newline < 0:
            return -1
        if data.count(b'"', 0, newline) % 2 == 0:
            return newline + 1
        position = newline + 1


def _last_boundary(data: bytes) -> int:
    """Index just after the last line feed preceded by an even number of quotes (or 0)."""
    quotes = data.count(b'"')
    end = len(data)
    while True:
        newline = data.rfind(b"\n", 0, end)
        if newline < 0:
            return 0
        quotes -= data.count(b'"', newline, end)
        if quotes % 2 == 0:
            return newline + 1
        end = newline


def _structural_quote_re(delimiter: str) -> re.Pattern[bytes]:
    """Quoted fields that start and end a field (their quotes are the only ones allowed)."""
    d = re.escape(delimiter.encode("utf-8"))
    # The quote comes first so that the regex engine can jump from quote to quote; the
    # lookbehind then checks the character before it.
    return re.compile(rb'"(?<![^' + d + rb'\n]")[^"]*(?:""[^"]*)*"(?=[' + d + rb"\r\n]|\Z)")


def _check(piece: bytes, structural: re.Pattern[bytes]) -> None:
    """Raise ``_Unsuitable`` for a slice (whole records from a record start) Polars would read
    unlike the reference."""
    if b"\r" in piece and _LONE_CR.search(piece):
        raise _Unsuitable
    # Each quoted field replaced by one letter: a quote left over is one that does not open
    # or close a field, and a blank line left over is outside quotes (a blank line inside a
    # quoted field, a paragraph break in a bio, is a value both readers keep).
    outside = structural.sub(b"q", piece) if b'"' in piece else piece
    if b'"' in outside:
        raise _Unsuitable
    if _FIRST_BLANK_LINE.match(outside) or _INNER_BLANK_LINE.search(outside, 0, len(outside) - 1):
        raise _Unsuitable


def _numbered(frame: pl.DataFrame, first: int) -> pl.DataFrame:
    return frame.with_columns(
        pl.int_range(first, first + frame.height, dtype=pl.Int64).alias(RECORD)
    )
