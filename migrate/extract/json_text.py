"""Streaming JSON: the records of an array inside a document, one at a time, in bounded memory.

The document is decoded (UTF-8, a byte-order mark allowed) into a text buffer of about a
megabyte; the structure around the records (``{"export": {"users": [...]}}``) is walked by a
small iterative tokenizer, and each record is parsed by the standard library's C decoder
(``json.JSONDecoder.raw_decode``), so reading costs about what ``json.loads`` costs while only
one record is held at a time. What the readers guarantee:

- nesting deeper than :data:`MAX_DEPTH` levels (counted from the top of the document) is an
  error naming the line and column where it happens, found without recursion in Python; the
  buffer never holds more than the record being read, so a 200,000-deep file costs megabytes;
- integers are exact Python ints of any size (``2**64``, 30 digits); a number with a fraction
  or exponent is a float, except one beyond the float range (``1e400``), which is kept exact as
  a ``decimal.Decimal`` instead of becoming infinity; ``NaN`` and ``Infinity`` are not JSON;
- a string holding a lone UTF-16 surrogate escape (``"\\ud800"``) is an error naming the
  record and field, since no Unicode text can carry it;
- every syntax error names line and column, in the wording of Python's ``json`` module.

A key repeated inside one record keeps its last value, as ``json.loads`` does.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

#: Deepest nesting of arrays and objects accepted in a JSON source, counted from the document's
#: top (serde_json's default limit; real exports stay far below it).
MAX_DEPTH = 128

_CHUNK = 1 << 20
# A syntax error this close to the end of the buffer may only mean the buffer ends mid-value.
_MARGIN = 16
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_BLANK = frozenset(" \t\n\r")
_SEPARATOR = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")
_STRUCTURE = re.compile(r'["\[\]{}]')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


#: What :func:`array_records` yields when its path leads to no array.
NO_ARRAY = object()


class JsonFault(Exception):
    """A problem in the document: ``message`` and the 1-based ``line`` and ``column``."""

    def __init__(self, message: str, line: int, column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column

    def where(self, display: str) -> str:
        """``file:line:column`` (or ``file:line``) for a message prefix."""
        if not self.line:
            return display
        return f"{display}:{self.line}" + (f":{self.column}" if self.column else "")


def _exact_float(text: str) -> float | Decimal:
    number = float(text)
    return Decimal(text) if math.isinf(number) else number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


DECODER = json.JSONDecoder(parse_float=_exact_float, parse_constant=_no_constant)
_SCAN = DECODER.scan_once  # type: ignore[attr-defined]  # set by JSONDecoder.__init__, not in typeshed


def nesting_exceeds(text: str, start: int, end: int, base: int, limit: int = MAX_DEPTH) -> int:
    """Index in ``text[start:end]`` where nesting first goes past ``limit``, or -1.

    ``base`` is the depth at ``start``. Strings are skipped; the scan is iterative.
    """
    level = base
    search, string_rest = _STRUCTURE.search, _STRING_REST.match
    position = start
    while True:
        found = search(text, position, end)
        if found is None:
            return -1
        char, position = found.group(), found.end()
        if char == '"':
            rest = string_rest(text, position, end)
            if rest is None:
                return -1
            position = rest.end()
        elif char in "[{":
            level += 1
            if level > limit:
                return found.start()
        else:
            level -= 1


def lone_surrogate(value: Any) -> tuple[str, str] | None:
    """``(field path, escape)`` of the first string or key holding a lone surrogate, or None."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            bad = _bad_char(item)
            if bad is not None:
                return path or "(the record)", bad
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                bad = _bad_char(key)
                child_path = f"{path}.{key}" if path else key
                if bad is not None:
                    return _escaped(child_path), bad
                stack.append((child_path, child))
        elif isinstance(item, list):
            for index in range(len(item) - 1, -1, -1):
                stack.append((f"{path}[{index}]", item[index]))
    return None


def _bad_char(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"\\u{ord(text[error.start]):04x}"
    return None


def _escaped(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")


def check_record(record: Any, text: str, start: int, end: int, base: int) -> str | None:
    """The problem of a parsed value ``text[start:end]`` at depth ``base``, or None."""
    opened = text.count("[", start, end) + text.count("{", start, end)
    if base + opened > MAX_DEPTH and nesting_exceeds(text, start, end, base) >= 0:
        return f"nested deeper than {MAX_DEPTH} levels"
    if _SURROGATE_ESCAPE.search(text, start, end):
        found = lone_surrogate(record)
        if found is not None:
            field, escape = found
            return f"field {field}: lone surrogate {escape} in a string (not a Unicode character)"
    return None


class JsonText:
    """A tokenizer over a UTF-8 JSON stream, holding about one record of text at a time."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._line = 0  # newlines before buf[0]
        self._column = 0  # characters since the last newline before buf[0]
        self._raw_lines = 0  # newlines in the bytes read so far (for decoding errors)

    # buffer ------------------------------------------------------------------------------

    def _fill(self) -> None:
        """Drop the consumed text and read more (at least as much as is left, so it doubles)."""
        dropped = self.buf[: self.pos]
        newline = dropped.rfind("\n")
        if newline >= 0:
            self._line += dropped.count("\n")
            self._column = len(dropped) - newline - 1
        else:
            self._column += len(dropped)
        self.buf, self.pos = self.buf[self.pos :], 0
        chunk = self._stream.read(max(_CHUNK, len(self.buf)))
        try:
            self.buf += self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            line = self._raw_lines + chunk[: max(error.start, 0)].count(b"\n") + 1
            raise JsonFault("cannot decode bytes as utf-8", line) from None
        self._raw_lines += chunk.count(b"\n")
        self.eof = not chunk

    def fault(self, message: str, index: int | None = None) -> JsonFault:
        """A fault located at ``buf[index]`` (default: the current position)."""
        index = self.pos if index is None else index
        line = self._line + self.buf.count("\n", 0, index) + 1
        newline = self.buf.rfind("\n", 0, index)
        column = index - newline if newline >= 0 else self._column + index + 1
        return JsonFault(message, line, column)

    def peek(self) -> str:
        """The next character after whitespace, or ``""`` at the end of the document."""
        if self.pos < len(self.buf):
            char = self.buf[self.pos]
            if char not in _BLANK:
                return char
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return ""
            self._fill()

    def expect(self, char: str, message: str) -> None:
        """Consume ``char`` (after whitespace) or fail with ``invalid JSON: message``."""
        if self.peek() != char:
            raise self.fault(f"invalid JSON: {message}")
        self.pos += 1

    # values ------------------------------------------------------------------------------

    def value(self, depth: int, checked: bool = True) -> Any:
        """Parse the value at the current position (at nesting ``depth``).

        ``checked=False`` (for values that are skipped) leaves out the nesting and surrogate
        checks of :func:`check_record`; nesting too deep to parse is still an error.
        """
        self.peek()
        while True:
            start = self.pos
            try:
                try:
                    value, end = _SCAN(self.buf, start)
                except StopIteration as stop:
                    raise json.JSONDecodeError("Expecting value", self.buf, stop.value) from None
            except json.JSONDecodeError as error:
                near_end = error.pos + _MARGIN >= len(self.buf)
                if not self.eof and (near_end or error.msg.startswith("Unterminated string")):
                    self._fill()
                    continue
                raise self.fault(f"invalid JSON: {error.msg}", error.pos) from None
            except RecursionError:
                index = nesting_exceeds(self.buf, start, len(self.buf), depth)
                raise self.fault(
                    f"invalid JSON: nested deeper than {MAX_DEPTH} levels",
                    index if index >= 0 else start,
                ) from None
            except ValueError as error:  # NaN/Infinity, or an integer of over 4300 digits
                raise self.fault(f"invalid JSON: {error}", start) from None
            if end + _MARGIN > len(self.buf) and not self.eof:
                self._fill()  # a number ("0" of "0.5") may go on in the next chunk
                continue
            break
        problem = check_record(value, self.buf, start, end, depth) if checked else None
        if problem is not None:
            if problem.startswith("nested"):
                index = nesting_exceeds(self.buf, start, end, depth)
                raise self.fault(f"invalid JSON: {problem}", index)
            raise self.fault(problem, start)
        self.pos = end
        return value

    def members(self) -> Iterator[str]:
        """After ``{``: each key, with the position at its value (which the caller consumes)."""
        char = self.peek()
        if char == "}":
            self.pos += 1
            return
        while True:
            if char != '"':
                raise self.fault("invalid JSON: Expecting property name enclosed in double quotes")
            key = self.value(0)
            self.expect(":", "Expecting ':' delimiter")
            self.peek()
            yield key
            char = self.peek()
            if char == ",":
                self.pos += 1
                char = self.peek()
                continue
            if char == "}":
                self.pos += 1
                return
            raise self.fault("invalid JSON: Expecting ',' delimiter")

    def elements(self) -> Iterator[None]:
        """After ``[``: once before each element, which the caller consumes."""
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield
            char = self.peek()
            if char == ",":
                self.pos += 1
                continue
            if char == "]":
                self.pos += 1
                return
            raise self.fault("invalid JSON: Expecting ',' delimiter")

    def array_values(self, depth: int, checked: bool = True) -> Iterator[Any]:
        """After ``[``: each element, parsed. ``depth`` is the elements' depth.

        Elements well inside the buffer are taken in a tight loop (the C scanner and one
        separator match each); anything unusual (the buffer's end, an error) goes through the
        careful :meth:`value` step, which refills or names the error.
        """
        if self.peek() == "]":
            self.pos += 1
            return
        scan, separator = _SCAN, _SEPARATOR.match
        while True:
            buf, pos = self.buf, self.pos
            limit = len(buf) - _MARGIN
            while True:
                try:
                    value, end = scan(buf, pos)
                except (StopIteration, ValueError, RecursionError):
                    break
                if end >= limit:
                    break
                if checked and check_record(value, buf, pos, end, depth) is not None:
                    break
                found = separator(buf, end)
                if found is None:
                    break
                self.pos = found.end()
                yield value
                pos = self.pos
                if found.group(1) == "]":
                    return
                if pos >= limit:
                    break
            self.pos = pos
            yield self.value(depth, checked)
            char = self.peek()
            if char == ",":
                self.pos += 1
                continue
            if char == "]":
                self.pos += 1
                return
            raise self.fault("invalid JSON: Expecting ',' delimiter")

    def skip(self, depth: int) -> None:
        """Consume the value at the current position, holding one element of it at a time."""
        char = self.peek()
        if char == "[":
            self.pos += 1
            for _ in self.array_values(depth + 1, checked=False):
                pass
        elif char == "{":
            self.pos += 1
            for _ in self.members():
                self.value(depth + 1, checked=False)
        else:
            self.value(depth, checked=False)

    def end(self) -> None:
        """Fail unless only whitespace is left."""
        if self.peek() != "":
            raise self.fault("invalid JSON: Extra data")


def array_records(text: JsonText, path: list[str]) -> Iterator[Any]:
    """The elements of the array at ``path`` (keys from the top).

    Yields :data:`NO_ARRAY` once, first, when the path leads to no array (the caller names the job
    key); reads the whole document, so a syntax error after the array is still found.
    """
    if text.peek() == "":
        raise JsonFault("empty file (no JSON data)", 0)
    found = yield from _descend(text, path, 0)
    if not found:
        yield NO_ARRAY
    text.end()


def _descend(text: JsonText, path: list[str], depth: int):  # type: ignore[no-untyped-def]
    if not path:
        if text.peek() != "[":
            text.skip(depth)
            return False
        text.pos += 1
        done = 0
        try:
            for value in text.array_values(depth + 1):
                yield value
                done += 1
        except JsonFault as fault:
            if not fault.message.startswith("invalid JSON"):
                fault.message = f"record {done + 1}, {fault.message}"
            raise
        return True
    if text.peek() != "{":
        text.skip(depth)
        return False
    text.pos += 1
    seen = False
    for key in text.members():
        if key != path[0]:
            text.skip(depth + 1)
            continue
        if seen:
            raise text.fault(f'invalid JSON: key "{_escaped(key)}" appears twice')
        seen = True
        if not (yield from _descend(text, path[1:], depth + 1)):
            return False
    return seen
