"""Where each key of a TOML document is written: ``records.user.mapping.email`` -> line 12, col 1.

``tomllib`` gives values, not positions, and no maintained TOML library for Python keeps them
(tomlkit preserves style but not line numbers). Job-file messages need them
(``job.toml:12:1: records.user.mapping.emial: unknown attribute``), so this module scans the
text once, after ``tomllib`` has accepted it, and records the position of every key, table
header, array-of-tables entry and array element. It only has to find positions in valid TOML:
it skips strings, comments and scalars without checking them.

Paths are tuples of keys and, for arrays and arrays of tables, integer indices:
``("records", "image", 0, "mapping", "url")``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

Path = tuple[str | int, ...]
Position = tuple[int, int]  # line and column, both from 1

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_WHERE_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class TomlPositions:
    """The positions of the keys of one TOML text; :meth:`of` finds the nearest one."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.positions: dict[Path, Position] = {}
        self._line_starts = [0, *(match.end() for match in re.finditer(r"\n", text))]
        _Scanner(text, self._record).document()

    def _record(self, path: Path, offset: int) -> None:
        self.positions.setdefault(path, self._line_column(offset))

    def _line_column(self, offset: int) -> Position:
        low, high = 0, len(self._line_starts) - 1
        while low < high:  # the last line start at or before offset
            middle = (low + high + 1) // 2
            if self._line_starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low + 1, offset - self._line_starts[low] + 1

    def of(self, path: Path) -> Position | None:
        """Where ``path`` is written, or its nearest written parent (a missing key's table)."""
        for end in range(len(path), 0, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return found
        return None

    def of_where(self, where: str) -> Position | None:
        """:meth:`of` for a dotted key path as messages write it: ``records.user[1].mapping.x``."""
        return self.of(parse_where(where))


def parse_where(where: str) -> Path:
    """``records.user[1].mapping.email`` -> ``("records", "user", 1, "mapping", "email")``."""
    parts: list[str | int] = []
    for match in _WHERE_PART.finditer(where):
        name, index = match.groups()
        parts.append(int(index) if index is not None else name)
    return tuple(parts)


class _Scanner:
    """A recursive-descent walk over valid TOML that reports where each key path starts."""

    def __init__(self, text: str, record: Callable[[Path, int], None]) -> None:
        self.text = text
        self.pos = 0
        self.record = record
        self.array_counts: dict[Path, int] = {}

    def _emit(self, path: Path, offset: int) -> None:
        self.record(path, offset)

    # whitespace and comments

    def _skip_space(self, newlines: bool) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r" or (newlines and char == "\n"):
                self.pos += 1
            elif char == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            else:
                return

    # keys

    def _key(self) -> list[tuple[str, int]]:
        """A dotted key at ``pos``: each part with the offset where it starts."""
        parts = []
        while True:
            self._skip_space(False)
            start = self.pos
            char = self.text[self.pos]
            if char == '"' or char == "'":
                parts.append((self._string_value(), start))
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if match is None:
                    raise ValueError(f"no key at offset {self.pos}")
                parts.append((match.group(), start))
                self.pos = match.end()
            self._skip_space(False)
            if self.pos < len(self.text) and self.text[self.pos] == ".":
                self.pos += 1
                continue
            return parts

    def _string_value(self) -> str:
        """Skip the string at ``pos``; its text (escapes kept as written: keys rarely have any)."""
        text = self.text
        quote = text[self.pos]
        if text.startswith(quote * 3, self.pos):
            end = text.find(quote * 3, self.pos + 3)
            while end + 3 < len(text) and text[end + 3] == quote:  # up to two quotes inside
                end += 1
            value = text[self.pos + 3 : end]
            self.pos = end + 3
            return value
        index = self.pos + 1
        while text[index] != quote:
            index += 2 if quote == '"' and text[index] == "\\" else 1
        value = text[self.pos + 1 : index]
        self.pos = index + 1
        return value

    # document

    def document(self) -> None:
        table: Path = ()
        text = self.text
        while True:
            self._skip_space(True)
            if self.pos >= len(text):
                return
            start = self.pos
            if text.startswith("[[", self.pos):
                self.pos += 2
                parts = self._key()
                self.pos += 2  # ]]
                path = tuple(name for name, _ in parts)
                index = self.array_counts.get(path, 0)
                self.array_counts[path] = index + 1
                self._array_parents(path, parts)
                table = (*path, index)
                self._emit(table, start)
            elif text[self.pos] == "[":
                self.pos += 1
                parts = self._key()
                self.pos += 1  # ]
                table = self._resolve(tuple(name for name, _ in parts))
                for end in range(1, len(table) + 1):
                    self._emit(table[:end], start)
            else:
                self._pair(table)

    def _array_parents(self, path: tuple[str, ...], parts: list[tuple[str, int]]) -> None:
        for end in range(1, len(path) + 1):
            self._emit(path[:end], parts[end - 1][1])

    def _resolve(self, path: tuple[str, ...]) -> Path:
        """A table header's path, with the index of any array of tables it lies inside."""
        resolved: list[str | int] = []
        for name in path:
            resolved.append(name)
            count = self.array_counts.get(tuple(part for part in resolved if isinstance(part, str)))
            if count and tuple(resolved) != path:
                resolved.append(count - 1)
        return tuple(resolved)

    def _pair(self, table: Path) -> None:
        parts = self._key()
        path = (*table, *(name for name, _ in parts))
        for index in range(len(parts)):
            self._emit((*table, *(name for name, _ in parts[: index + 1])), parts[index][1])
        self.pos += 1  # =
        self._value(path)

    def _value(self, path: Path) -> None:
        self._skip_space(False)
        text = self.text
        char = text[self.pos]
        if char == "{":
            self.pos += 1
            while True:
                self._skip_space(False)
                if text[self.pos] == "}":
                    self.pos += 1
                    return
                if text[self.pos] == ",":
                    self.pos += 1
                    continue
                self._pair(path)
        elif char == "[":
            self.pos += 1
            for index in self._elements():
                self._emit((*path, index), self.pos)
                self._value((*path, index))
        elif char == '"' or char == "'":
            self._string_value()
        else:
            while self.pos < len(text) and text[self.pos] not in ",]}\n#":
                self.pos += 1

    def _elements(self) -> Iterator[int]:
        index = 0
        while True:
            self._skip_space(True)
            char = self.text[self.pos]
            if char == "]":
                self.pos += 1
                return
            if char == ",":
                self.pos += 1
                continue
            yield index
            index += 1
