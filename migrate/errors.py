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
