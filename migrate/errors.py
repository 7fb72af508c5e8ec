"""The project's base exceptions.

The command line turns these into one line for the user and exit code 2 (configuration) or 1.
"""

from __future__ import annotations


class MigrateError(Exception):
    """Base of every error the library raises on purpose; ``str(error)`` is the user's message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(MigrateError):
    """A job file, source table or option is wrong; the message names the file and the key."""


class ExtractError(MigrateError):
    """A source cannot be read; the message names the file (and line) or the masked database URL."""


# Where an unexpected exception happened, noted on the exception itself (PEP 678 notes) by the
# code that knows the row, so the command line's one-line internal error can name it and a
# --debug traceback shows it too.
_WHERE_NOTE = "migrate: while processing "


def note_where(error: BaseException, where: str) -> None:
    """Note on ``error`` the row (``users.csv:12, records.user``) it was raised for; first wins."""
    if where_of(error) is None:
        error.add_note(_WHERE_NOTE + where)


def where_of(error: BaseException) -> str | None:
    """The row :func:`note_where` noted on ``error``, or ``None``."""
    for note in getattr(error, "__notes__", ()):
        if isinstance(note, str) and note.startswith(_WHERE_NOTE):
            return note[len(_WHERE_NOTE) :]
    return None
