"""Streaming edn reader for Intermediary documents, with line:column positions.

``DocumentReader`` reads a document in chunks and yields the elements of ``:data`` one at a time;
it holds a window of text and the current row, whatever the file's size (keywords are interned
by :class:`~migrate.edn.values.Keyword` in a weak cache, so a keyword nobody holds any more, such
as a past row's alias, is freed). Values are read by the tokenizer in
:mod:`migrate.edn._parse` (offsets only); line and column are computed for each row's start, and
for values inside a row only when :meth:`Entry.position` asks (the row's text is walked again).

Decisions checked against Clojure 1.11's ``clojure.edn/read``:

- A UTF-8 byte order mark is rejected: Clojure does not skip it (it reads it as a symbol).
- Undecodable bytes are an :class:`EdnSyntaxError` at the line:column where they start.
- Content after the top-level form is not read (Clojure stops after one form); its position is
  reported in :attr:`Header.trailing_content`.
- Ratios, hex/octal/radix integers and octal string escapes are read, as Clojure does; a
  ``\\u`` escape that leaves an unpaired surrogate is rejected (it cannot be written as UTF-8).
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, TextIO

from migrate.edn._parse import (
    MAX_DEPTH,
    _freeze,
    kind_name,
    namespaced_key,
    parse_value,
    skip,
)
from migrate.edn._scan import NS_MAP, TOKEN_RE, WS, Fail, NeedMore, skip_match
from migrate.edn.errors import EdnError, EdnSyntaxError
from migrate.edn.show import show
from migrate.edn.values import EdnList, Keyword

__all__ = [
    "MAX_DEPTH",
    "DocumentReader",
    "EdnError",
    "EdnSyntaxError",
    "Entry",
    "Header",
    "iter_entries",
    "loads",
]

IDENT = Keyword("ident")
DATA = Keyword("data")
_BOM = "\ufeff"
_BOM_MESSAGE = "byte order mark at the start of the file (Clojure's reader does not skip it)"
_POSITION_DEPTH = 64
# A character that ends a token: an error before the last one is not caused by the input's end.
_STOP_CHAR = re.compile(f'[{WS}";^()\\[\\]{{}}\\\\]')


def loads(text: str) -> Any:
    """Read the single edn value in ``text``; anything but whitespace after it is an error."""
    try:
        if text.startswith(_BOM):
            raise Fail(0, _BOM_MESSAGE, rule="byte-order-mark")
        pos = skip(text, 0, True)
        if pos >= len(text):
            raise Fail(0, "empty document")
        value, end = parse_value(text, pos, True)
        end = skip_match(text, end).end()
        if end < len(text):
            raise Fail(end, "unexpected content after the value", rule="trailing-content")
        return value
    except Fail as fail:
        raise _syntax_error(fail, None, lambda offset: _line_column(text, offset)) from None


@dataclass
class Header:
    """What the document holds besides its rows; complete once iteration has finished.

    Positions are ``(line, column)``, 1-based.
    """

    ident: Any = None
    ident_found: bool = False
    ident_position: tuple[int, int] | None = None
    data_found: bool = False
    data_kind: str | None = None  # "vector", "list", or the edn name of another type
    data_position: tuple[int, int] | None = None
    unknown_keys: list[tuple[Any, tuple[int, int]]] = field(default_factory=list)
    not_map: tuple[str, tuple[int, int]] | None = None  # the top-level value's type, position
    trailing_content: tuple[int, int] | None = None
    complete: bool = False


class Entry:
    """One element of ``:data``: its index, raw value and where it starts."""

    __slots__ = ("index", "value", "line", "column", "_text", "_offsets")

    def __init__(self, index: int, value: Any, line: int, column: int, text: str | None) -> None:
        self.index = index
        self.value = value
        self.line = line
        self.column = column
        self._text = text
        self._offsets: tuple[dict[tuple, int], dict[tuple, int]] | None = None

    def __repr__(self) -> str:
        return f"Entry(index={self.index}, line={self.line}, column={self.column})"

    def position(self, path: tuple = ()) -> tuple[int, int]:
        """``(line, column)`` of the value at ``path`` inside the row.

        ``path`` holds vector indices and map keys, e.g. ``(1, Keyword("im.user/profile"))``.
        When the path leads nowhere recorded, the nearest enclosing value's position is given.
        """
        return self._locate(path, False)

    def key_position(self, path: tuple) -> tuple[int, int]:
        """``(line, column)`` of the map key that ``path`` ends with (where ``:im.user/foo`` is
        written rather than its value); falls back like :meth:`position`."""
        return self._locate(path, True)

    def _locate(self, path: tuple, key: bool) -> tuple[int, int]:
        if self._text is None or (not path and not key):
            return self.line, self.column  # the row itself: known without walking its text
        if self._offsets is None:
            self._offsets = _record_offsets(self._text)
        values, keys = self._offsets
        path = tuple(path)
        if key and path in keys:
            offset = keys[path]
        else:
            while path not in values:
                path = path[:-1]
            offset = values[path]
        text = self._text
        newlines = text.count("\n", 0, offset)
        if newlines == 0:
            return self.line, self.column + offset
        return self.line + newlines, offset - text.rfind("\n", 0, offset)


class DocumentReader:
    """Stream the rows of an Intermediary document: ``for entry in DocumentReader(path)``.

    ``source`` is a path or an open stream (text, or binary holding UTF-8). After iteration,
    :attr:`header` describes the rest of the document. Malformed edn raises
    :class:`EdnSyntaxError`; nothing else escapes (no ``RecursionError``, no
    ``UnicodeDecodeError``). An unreadable path raises ``OSError`` when iteration starts.

    With ``recover=True``, an edn syntax error inside a row of ``:data`` does not end the read:
    it is recorded in :attr:`errors`, the reader skips to the next line that starts a row
    (``[[:im.TYPE/id``) and goes on; :attr:`unread` lists the skipped line ranges
    ``(first, last)`` (``last`` is ``None`` when no row followed and the rest was lost,
    :attr:`lost`). Errors outside the rows (the document's own map) still raise. Entries after
    a skip keep counting their index from the rows actually read.
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | TextIO | IO[bytes],
        filename: str | None = None,
        chunk_size: int = 1 << 20,
        *,
        recover: bool = False,
    ) -> None:
        self.source = source
        if filename is None:
            if isinstance(source, (str, os.PathLike)):
                filename = str(source)
            else:
                name = getattr(source, "name", None)
                filename = name if isinstance(name, str) else None
        self.filename = filename
        self.chunk_size = max(int(chunk_size), 1)
        self.recover = recover
        self.header = Header()
        self.errors: list[EdnSyntaxError] = []
        self.unread: list[tuple[int, int | None]] = []
        self.lost = False

    def __iter__(self) -> Iterator[Entry]:
        if isinstance(self.source, (str, os.PathLike)):
            with open(self.source, "rb") as stream:
                yield from self._read(_Buffer(stream, True, self.chunk_size))
        else:
            binary = isinstance(self.source.read(0), bytes)
            yield from self._read(_Buffer(self.source, binary, self.chunk_size))

    def _read(self, buf: _Buffer) -> Iterator[Entry]:
        try:
            yield from self._document(buf)
        except Fail as fail:
            raise self._error(buf, fail) from None

    def _error(self, buf: _Buffer, fail: Fail) -> EdnSyntaxError:
        if buf.bad_byte is not None and _STOP_CHAR.search(buf.text, fail.offset + 1) is None:
            # The input ended early because it stopped being UTF-8, inside the token that
            # failed (a keyword cut at the byte) or after it.
            fail = buf.undecodable()
        return _syntax_error(fail, self.filename, buf.line_column)

    def _document(self, buf: _Buffer) -> Iterator[Entry]:
        self.header = header = Header()
        buf.fill(0)
        if buf.text.startswith(_BOM):
            raise Fail(0, _BOM_MESSAGE, rule="byte-order-mark")
        _, pos = buf.attempt(0, _at_value)
        if pos is None:
            if buf.bad_byte is not None:
                raise buf.undecodable()
            raise EdnSyntaxError("empty document", self.filename, 1, 1)
        if buf.text.startswith("{", pos):
            yield from self._top_map(buf, pos)
            if self.lost:
                return
        else:
            yield from self._other_top_level(buf, pos)
        _, pos = buf.attempt(buf.done, _after_document)
        if buf.bad_byte is not None:  # in what follows the document: still not a UTF-8 file
            raise buf.undecodable()
        if pos < len(buf.text):
            header.trailing_content = buf.line_column(pos)
        header.complete = True

    def _top_map(self, buf: _Buffer, pos: int) -> Iterator[Entry]:
        header = self.header
        opened = "{}:{}".format(*buf.line_column(pos))
        pos += 1
        seen: set[Any] = set()
        while True:
            _, key_pos = buf.attempt(pos, lambda text, pos, eof: _at_key(text, pos, eof, opened))
            if buf.text[key_pos] == "}":
                buf.done = key_pos + 1
                return
            key_pos, (key, value_pos) = buf.attempt(key_pos, _key_and_value_start)
            try:
                hash(key)
                probe = key
            except TypeError:  # a map as a key: compared by its frozen form
                probe = _freeze(key)
            if probe in seen:
                raise Fail(key_pos, f"duplicate map key {show(key)}")
            seen.add(probe)
            opener = buf.text[value_pos]
            if key is DATA:
                header.data_found = True
                header.data_position = buf.line_column(value_pos)
                if opener == "[" or opener == "(":
                    header.data_kind = "vector" if opener == "[" else "list"
                    end = yield from self._rows(buf, value_pos)
                    if end is None:  # the rest of the file was lost after a syntax error
                        return
                    pos = end
                    continue
            value_pos, (value, pos) = buf.attempt(value_pos, parse_value)
            if key is DATA:
                header.data_kind = kind_name(value)
            elif key is IDENT:
                header.ident, header.ident_found = value, True
                header.ident_position = buf.line_column(value_pos)
            else:
                header.unknown_keys.append((key, buf.line_column(key_pos)))

    def _rows(self, buf: _Buffer, pos: int) -> Generator[Entry, None, int | None]:
        closer = "]" if buf.text[pos] == "[" else ")"
        name = "vector" if closer == "]" else "list"
        opened = "{}:{}".format(*buf.line_column(pos))
        pos += 1
        index = 0
        # The hot loop: _at_row and parse_value without buf.attempt's indirection, and without
        # _at_row at all when only whitespace precedes the next row's '['.
        text, eof = buf.text, buf.eof
        skip_to = skip_match  # a local: the loop's look-ups stay local
        while True:
            start = pos
            try:
                start = skip_to(text, pos).end()
                if not text.startswith("[", start):
                    start = _at_row(text, pos, eof, opened, name, closer)
                    if text[start] == closer:
                        return start + 1
                value, end = parse_value(text, start, eof)
            except NeedMore:
                pos = buf.fill(pos)
                text, eof = buf.text, buf.eof
                continue
            except Fail as fail:
                if not self.recover or buf.bad_byte is not None:
                    raise
                resumed = self._resume(buf, start, fail)
                if resumed is None:
                    self.lost = True
                    return None
                pos = resumed
                text, eof = buf.text, buf.eof
                continue
            line, column = buf.row_line_column(start)
            yield Entry(index, value, line, column, text[start:end])
            index += 1
            pos = end

    def _resume(self, buf: _Buffer, start: int, fail: Fail) -> int | None:
        """After ``fail`` in the row starting at ``start``: where the next row starts.

        The error is recorded in :attr:`errors` and the lines skipped in :attr:`unread`. A
        row is taken to start where a line begins with ``[[:im.TYPE/id`` (every writer of
        Intermediary, ours and the spec's examples, starts rows so); the search begins after
        the failed row's own start, so rows the error swallowed are read again. ``None`` when
        no row follows: the rest of the file is lost.
        """
        self.errors.append(self._error(buf, fail))
        first_line = buf.line_column(start)[0]
        search_from = start + 1
        while True:
            match = _ROW_START.search(buf.text, search_from)
            if match is not None:
                resume = match.end()
                last_line = buf.line_column(resume)[0] - 1
                self.unread.append((first_line, max(last_line, first_line)))
                return resume
            if buf.eof:
                self.unread.append((first_line, None))
                return None
            # Keep a tail so that a row start across the window's edge is still found.
            keep = max(search_from, len(buf.text) - 256)
            search_from = search_from - keep if search_from > keep else 0
            buf.fill(keep)

    def _other_top_level(self, buf: _Buffer, pos: int) -> Iterator[Entry]:
        """A top-level value that is not a plain ``{`` map: read it whole."""
        header = self.header
        pos, (value, buf.done) = buf.attempt(pos, parse_value)
        where = buf.line_column(pos)
        if type(value) is not dict:
            header.not_map = (kind_name(value), where)
            return
        for key, item in value.items():
            if key is IDENT:
                header.ident, header.ident_found, header.ident_position = item, True, where
            elif key is DATA:
                header.data_found, header.data_position = True, where
                header.data_kind = kind_name(item)
                if type(item) is tuple or type(item) is EdnList:
                    for index, row in enumerate(item):
                        yield Entry(index, row, where[0], where[1], None)
            else:
                header.unknown_keys.append((key, where))


# A line that starts a row: what the reader resynchronises on after a syntax error.
_ROW_START = re.compile(r"\n[ \t,]*(?=\[\[:im\.[A-Za-z][A-Za-z0-9_\-]*/id[\s,\]])")


def iter_entries(path: str | os.PathLike[str]) -> Iterator[Entry]:
    """The rows of the document at ``path`` (a shortcut for ``iter(DocumentReader(path))``)."""
    return iter(DocumentReader(path))


# Steps of the document reader: functions of (text, pos, eof) that raise NeedMore. ---------------


def _at_value(text: str, pos: int, eof: bool) -> int | None:
    """Where the top-level value starts; ``None`` when there is none."""
    pos = skip(text, pos, eof)
    if pos >= len(text):
        if not eof:
            raise NeedMore
        return None
    return pos


def _at_key(text: str, pos: int, eof: bool, opened: str) -> int:
    pos = skip(text, pos, eof)
    if pos >= len(text):
        if not eof:
            raise NeedMore
        raise Fail(pos, f"unterminated map starting at {opened}")
    char = text[pos]
    if char == ")" or char == "]":
        raise Fail(pos, f"unbalanced '{char}': the map opened at {opened} needs '}}'")
    return pos


def _key_and_value_start(text: str, pos: int, eof: bool) -> tuple[Any, int]:
    key, end = parse_value(text, pos, eof)
    value_pos = skip(text, end, eof)
    if value_pos >= len(text):
        if not eof:
            raise NeedMore
        raise Fail(value_pos, "unexpected end of input: a map key needs a value")
    if text[value_pos] in ")]}":
        raise Fail(pos, "map literal needs an even number of forms")
    return key, value_pos


def _at_row(text: str, pos: int, eof: bool, opened: str, name: str, closer: str) -> int:
    pos = skip(text, pos, eof)
    if pos >= len(text):
        if not eof:
            raise NeedMore
        raise Fail(pos, f"unterminated {name} starting at {opened}")
    char = text[pos]
    if char != closer and (char == ")" or char == "]" or char == "}"):
        raise Fail(pos, f"unbalanced '{char}': the {name} opened at {opened} needs '{closer}'")
    return pos


def _after_document(text: str, pos: int, eof: bool) -> int:
    pos = skip_match(text, pos).end()
    if pos >= len(text) and not eof:
        raise NeedMore
    return pos


class _Buffer:
    """The window of decoded text the reader works on, refilled chunk by chunk.

    Offsets handed around are offsets into :attr:`text`; :attr:`base` is the absolute offset of
    ``text[0]``. Refilling drops what was consumed. The text is cut after its last space or
    newline until the end of input, so a token never ends at the edge of the window by accident.
    """

    def __init__(self, stream: Any, binary: bool, chunk_size: int) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict") if binary else None
        self.chunk_size = chunk_size
        self.text = ""
        self.held = ""  # decoded text after the last cut, not yet in the window
        self.base = 0
        self.eof = False
        self.bad_byte: int | None = None
        self.base_line = 1
        self.base_last_newline = -1  # absolute offset of the last newline before ``base``
        self.row_pos = 0  # where row_line_column last counted to (text offset) ...
        self.row_line = 1  # ... and the line there
        self.done = 0  # where the top-level form ended

    def attempt(self, pos: int, step: Callable[[str, int, bool], Any]) -> tuple[int, Any]:
        """Run ``step(text, pos, eof)``, refilling and retrying while it needs more input.

        Returns ``(pos, result)``: ``pos`` is where the step started in the final window (a
        refill moves it to 0), offsets in ``result`` are relative to that window too.
        """
        while True:
            try:
                return pos, step(self.text, pos, self.eof)
            except NeedMore:
                pos = self.fill(pos)

    def fill(self, keep: int) -> int:
        """Drop ``text[:keep]``, read more input; returns the new offset of ``keep`` (0)."""
        text = self.text
        if keep:
            newlines = text.count("\n", 0, keep)
            if newlines:
                self.base_last_newline = self.base + text.rfind("\n", 0, keep)
            if self.row_pos <= keep:
                self.row_line += text.count("\n", self.row_pos, keep)
                self.row_pos = 0
            else:
                self.row_pos -= keep
            self.base_line += newlines
            self.base += keep
            text = text[keep:]
        want = max(self.chunk_size, len(text))
        while True:
            chunk = self._read(want)
            if self.eof:
                text += self.held + chunk
                self.held = ""
                break
            chunk = self.held + chunk
            cut = max(chunk.rfind(" "), chunk.rfind("\n")) + 1
            text += chunk[:cut]
            self.held = chunk[cut:]
            if cut:
                break
            want = max(want, len(self.held))  # a long run without spaces: read geometrically
        self.text = text
        return 0

    def _read(self, size: int) -> str:
        if self.decoder is None:
            try:
                chunk = self.stream.read(size)
            except UnicodeDecodeError as error:
                self.eof = True
                self.bad_byte = error.object[error.start]
                return ""
            if not chunk:
                self.eof = True
            return chunk
        data = self.stream.read(size)
        try:
            chunk = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            self.eof = True
            self.bad_byte = error.object[error.start]
            return error.object[: error.start].decode("utf-8", "replace")
        if not data:
            self.eof = True
        return chunk

    def undecodable(self) -> Fail:
        """The error for the byte that stopped decoding, at the end of the decoded text."""
        return Fail(
            len(self.text), f"invalid UTF-8 byte 0x{self.bad_byte:02x}", rule="invalid-utf8"
        )

    def line_column(self, offset: int) -> tuple[int, int]:
        """``(line, column)`` of a text offset (counts from the window's start)."""
        text = self.text
        line = self.base_line + text.count("\n", 0, offset)
        newline = text.rfind("\n", 0, offset)
        newline = self.base + newline if newline >= 0 else self.base_last_newline
        return line, self.base + offset - newline

    def row_line_column(self, offset: int) -> tuple[int, int]:
        """``(line, column)`` of a row start; rows come in order, so count incrementally."""
        text = self.text
        if offset < self.row_pos:
            return self.line_column(offset)
        self.row_line += text.count("\n", self.row_pos, offset)
        self.row_pos = offset
        newline = text.rfind("\n", 0, offset)
        newline = self.base + newline if newline >= 0 else self.base_last_newline
        return self.row_line, self.base + offset - newline


# Positions inside a row, computed on demand. -------------------------------------------------


def _record_offsets(text: str) -> tuple[dict[tuple, int], dict[tuple, int]]:
    """Offsets in a row's text by path: of the values, and of the map keys."""
    values: dict[tuple, int] = {}
    keys: dict[tuple, int] = {}
    _walk(text, 0, (), values, keys, 0)
    return values, keys


def _walk(
    src: str, pos: int, path: tuple, values: dict[tuple, int], keys: dict[tuple, int], depth: int
) -> int:
    pos = skip(src, pos, True)
    values[path] = pos
    char = src[pos]
    if depth < _POSITION_DEPTH:
        if char == "[" or char == "(":
            closer = "]" if char == "[" else ")"
            pos += 1
            index = 0
            while True:
                pos = skip(src, pos, True)
                if src[pos] == closer:
                    return pos + 1
                pos = _walk(src, pos, (*path, index), values, keys, depth + 1)
                index += 1
        namespace = None
        if src.startswith("#:", pos):
            match = TOKEN_RE.match(src, pos)
            assert match is not None, "the value parsed, so its '#:ns{' prefix is a token"
            namespace = match[NS_MAP]
            if namespace is None:  # '#: ns{', '#:#_x ns{': positions inside are not recorded
                return parse_value(src, pos, True)[1]
            pos = match.end() - 1
            char = "{"
        if char == "{":
            pos += 1
            while True:
                pos = skip(src, pos, True)
                if src[pos] == "}":
                    return pos + 1
                key_pos = pos
                key, pos = parse_value(src, pos, True)
                if namespace is not None:
                    key = namespaced_key(key, namespace)
                try:
                    hash(key)
                except TypeError:  # a map as a key: its value cannot be named by a path
                    _, pos = parse_value(src, pos, True)
                    continue
                keys[(*path, key)] = key_pos
                pos = _walk(src, pos, (*path, key), values, keys, depth + 1)
    return parse_value(src, pos, True)[1]


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - text.rfind("\n", 0, offset)


def _syntax_error(
    fail: Fail, filename: str | None, locate: Callable[[int], tuple[int, int]]
) -> EdnSyntaxError:
    message = fail.message
    if fail.ref is not None:
        line, column = locate(fail.ref)
        message = message.replace("{ref}", f"{line}:{column}")
    line, column = locate(fail.offset)
    return EdnSyntaxError(message, filename, line, column, fail.rule)
