"""Helpers shared by every ``migrate`` command: options, input checks, error mapping, output.

Exit codes are the same across commands: 0 ok, 1 findings or rejects that fail the run (any edn
syntax error included), 2 usage or configuration (bad option, unreadable path, bad job file).
Every error a user sees is one line, ``Error: <message>``, without a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class RunFailed(click.ClickException):
    """The run failed on the data (syntax error, findings, rejects): exit code 1."""

    exit_code = EXIT_FAILED


class BadUsage(click.ClickException):
    """Usage or configuration problem (unreadable path, bad job file): exit code 2."""

    exit_code = EXIT_USAGE


def format_option(function: F) -> F:
    """``--format text|json`` (default ``text``), passed to the command as ``output_format``."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Print the result as readable text or as JSON.",
    )(function)


def quiet_option(function: F) -> F:
    """``--quiet/-q``: print nothing but errors, passed to the command as ``quiet``.

    ``--format json`` output is still printed: asking for it is asking for output.
    """
    return click.option(
        "--quiet", "-q", is_flag=True, default=False, help="Print nothing but errors."
    )(function)


def file_argument(
    name: str = "file", metavar: str | None = None, *, nargs: int = 1
) -> Callable[[F], F]:
    """A path argument left unchecked by click, for :func:`readable_file` to check in one line.

    ``click.Path`` checks readability itself (even without ``exists=True``) and reports it over
    several lines with a usage hint; commands call :func:`readable_file` instead. ``nargs=-1``
    takes one or more paths (a tuple; at least one is required).
    """
    return click.argument(
        name,
        metavar=metavar,
        nargs=nargs,
        required=True,
        type=click.Path(path_type=str, readable=False),
    )


def readable_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`~pathlib.Path` when it names a readable regular file.

    Otherwise raises :class:`BadUsage` with one line naming the path and the problem:
    ``cannot read FILE: no such file``, ``…: is a directory`` or ``…: permission denied``.
    """
    candidate = Path(path)
    if not candidate.exists():
        raise BadUsage(f"cannot read {candidate}: no such file")
    if candidate.is_dir():
        raise BadUsage(f"cannot read {candidate}: is a directory")
    if not os.access(candidate, os.R_OK):
        raise BadUsage(f"cannot read {candidate}: permission denied")
    return candidate


# leading bytes of compressed files -> (format, the command that decompresses it)
_COMPRESSED = (
    (b"\x1f\x8b", "gzip", "gunzip -k"),
    (b"PK\x03\x04", "zip", "unzip"),
    (b"BZh", "bzip2", "bunzip2 -k"),
    (b"\xfd7zXZ\x00", "xz", "unxz -k"),
    (b"\x28\xb5\x2f\xfd", "zstd", "unzstd"),
)


def edn_file(path: str | os.PathLike[str]) -> Path:
    """:func:`readable_file`, and not a compressed file (which would read as invalid UTF-8).

    A compressed regular file raises :class:`RunFailed`, worded like an edn syntax error:
    ``FILE:1:1: gzip-compressed data, not edn text: decompress it first (gunzip -k FILE)``.
    Pipes and devices are not sniffed: reading them would consume what the command needs.
    """
    candidate = readable_file(path)
    if not candidate.is_file():
        return candidate
    with candidate.open("rb") as stream:
        start = stream.read(8)
    for magic, kind, command in _COMPRESSED:
        if start.startswith(magic):
            raise RunFailed(
                f"{candidate}:1:1: {kind}-compressed data, not edn text: decompress it first "
                f"({command} {candidate})"
            )
    return candidate


def writable_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`~pathlib.Path` when a file can be written there.

    Otherwise raises :class:`BadUsage` with one line naming the path and the problem, worded
    like :func:`readable_file`: ``cannot write FILE: is a directory``, ``…: no directory DIR``
    or ``…: DIR is not a directory``. Use it for output options, which click would check over
    several lines (``click.Path(dir_okay=False)``) and whose failed write would name a temporary
    file.
    """
    candidate = Path(path)
    if candidate.is_dir():
        raise BadUsage(f"cannot write {candidate}: is a directory")
    parent = candidate.parent
    if not parent.exists():
        raise BadUsage(f"cannot write {candidate}: no directory {parent}")
    if not parent.is_dir():
        raise BadUsage(f"cannot write {candidate}: {parent} is not a directory")
    return candidate


def os_error_message(error: OSError) -> str:
    """One line for an ``OSError``: ``cannot open FILE: reason`` (lower-case reason)."""
    reason = error.strerror or errno.errorcode.get(error.errno or 0, "") or str(error)
    reason = reason[:1].lower() + reason[1:]
    if error.filename is not None:
        return f"cannot open {error.filename}: {reason}"
    return reason


@contextlib.contextmanager
def user_errors(
    *,
    failed: tuple[type[BaseException], ...] = (),
    usage: tuple[type[BaseException], ...] = (),
) -> Iterator[None]:
    """Turn library exceptions raised in the block into one-line click errors.

    ``migrate.errors.ConfigError``, ``OSError`` and any class in ``usage`` become exit code 2;
    ``EdnSyntaxError``, ``EdnWriteError``, any other ``MigrateError`` and any class in ``failed``
    become exit code 1. The message is ``str(error)`` (e.g. ``data.edn:3:14: unexpected ']'``),
    folded onto one line. Anything else propagates unchanged: it is a bug.
    """
    from migrate.edn.writer import EdnWriteError
    from migrate.errors import ConfigError, MigrateError

    usage_errors: tuple[type[BaseException], ...] = (ConfigError, *usage)
    failed_errors: tuple[type[BaseException], ...] = (
        *_syntax_error_classes(),
        EdnWriteError,
        MigrateError,
        *failed,
    )
    try:
        yield
    except usage_errors as error:
        raise BadUsage(_one_line(str(error))) from error
    except failed_errors as error:
        raise RunFailed(_one_line(str(error))) from error
    except OSError as error:
        raise BadUsage(_one_line(os_error_message(error))) from error


def _syntax_error_classes() -> tuple[type[BaseException], ...]:
    try:
        from migrate.edn.errors import EdnSyntaxError
    except ImportError:  # the reader is optional for commands that only write
        return ()
    return (EdnSyntaxError,)


def _one_line(message: str) -> str:
    return " ".join(message.split()) if "\n" in message or "\r" in message else message


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON (UTF-8 text, keys in the order given) to stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
