"""Atomic output files: write to a temporary file beside the target, then rename over it.

A reader of the target path sees either the previous file or the complete new one, never a half
written file, whatever happens during the write (an exception, Ctrl-C, a full disk).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from migrate.edn.show import show


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str],
    mode: str = "w",
    encoding: str | None = "utf-8",
    newline: str | None = "\n",
) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path`` for writing; on success it replaces ``path``.

    ``mode`` is ``"w"`` (text, with ``encoding`` and ``newline``) or ``"wb"`` (binary). The data
    is flushed and fsynced before ``os.replace`` renames the temporary file over the target, so
    the switch is atomic on POSIX file systems. On any exception, ``KeyboardInterrupt`` included,
    the temporary file is removed, the previous file at ``path`` stays intact, and the exception
    propagates. The new file gets the permissions a plain ``open()`` would give it.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', not {show(mode)}")
    target = Path(path)
    directory = target.parent
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        if mode == "wb":
            stream: IO[Any] = os.fdopen(fd, "wb")
        else:
            stream = os.fdopen(fd, "w", encoding=encoding, newline=newline)
    except BaseException:
        os.close(fd)
        os.unlink(temp_name)
        raise
    try:
        with stream:
            _apply_default_permissions(stream.fileno(), target)
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(directory)


def _apply_default_permissions(fd: int, target: Path) -> None:
    # mkstemp creates files with mode 0600; keep an existing target's mode, else honour the umask
    # like open() would, so atomic writes do not make reports unreadable for the rest of a team.
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.fchmod(fd, mode)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not every platform or file system allows it.
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
