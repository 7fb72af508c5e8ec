"""Typed errors of the edn reader; nothing else escapes it."""

from __future__ import annotations

from typing import Any


class EdnError(Exception):
    """Base class of every error the edn reader raises."""


class EdnSyntaxError(EdnError):
    """Malformed edn: a one-line message with the file, line and column where it was found."""

    def __init__(
        self,
        message: str,
        filename: str | None,
        line: int,
        column: int,
        rule: str | None = None,
    ) -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        # The strictness rule (migrate.edn.strictness.RULES) when Clojure's reader would have read
        # the input; None for malformed edn that Clojure rejects too.
        self.rule = rule
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.line}:{self.column}"
        if self.filename is not None:
            where = f"{self.filename}:{where}"
        return f"{where}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.filename, self.line, self.column, self.rule))


class RowShapeError(EdnError):
    """A ``:data`` element that is not ``[id-tuple attributes]`` of a known row type.

    ``code`` is one of the stable rule codes (``row-shape``, ``id-tuple-shape``,
    ``row-type-unknown``, ``attrs-not-map``); ``path`` locates the offending value inside the row
    (for :meth:`migrate.edn.reader.Entry.position`).
    """

    def __init__(self, code: str, message: str, path: tuple = ()) -> None:
        self.code = code
        self.message = message
        self.path = path
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.message, self.path))
