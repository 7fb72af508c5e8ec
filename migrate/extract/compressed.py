"""Opening source files, plain or gzip-compressed, with one-line errors for broken gzip data.

``open_bytes`` gives a binary stream of the file's content (decompressed when the name ends in
``.gz``); reading it raises :class:`~migrate.errors.ExtractError` naming the file and the byte
offset in the compressed file when the data is not gzip, is corrupt or ends too early.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path
from typing import IO

from migrate.errors import ExtractError

GZIP_MAGIC = b"\x1f\x8b"


class _CheckedGzip(io.RawIOBase):
    """A gzip stream whose errors become one ``ExtractError`` line naming file and offset."""

    def __init__(self, path: Path, display: str) -> None:
        self._raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="rb")
        self._display = display

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        try:
            data = self._gzip.read(len(buffer))
        except EOFError:
            size = self._raw.seek(0, io.SEEK_END)
            raise ExtractError(
                f"{self._display}: truncated gzip data: the file ends at byte offset {size} "
                "before the end of the compressed stream"
            ) from None
        except gzip.BadGzipFile as error:
            raise self._bad(str(error)) from None
        except zlib.error as error:
            raise self._bad(str(error)) from None
        buffer[: len(data)] = data
        return len(data)

    def _bad(self, reason: str) -> ExtractError:
        offset = self._raw.tell()
        if reason.startswith("Not a gzipped file"):
            self._raw.seek(0)
            head = self._raw.read(2)
            return ExtractError(
                f"{self._display}: not gzip data (byte offset 0 holds {head.hex(' ')}, not the "
                f"gzip signature 1f 8b); a file named .gz must be gzip-compressed"
            )
        return ExtractError(
            f"{self._display}: corrupt gzip data ({reason}) near byte offset {offset}"
        )

    def close(self) -> None:
        try:
            self._gzip.close()
        finally:
            self._raw.close()
            super().close()


def is_gzip_name(path: Path) -> bool:
    """True when ``path`` names a gzip file (``.gz``), read decompressed."""
    return path.name.endswith(".gz")


def open_bytes(path: Path, display: str, buffer_size: int = 1 << 20) -> IO[bytes]:
    """The content of ``path`` as a buffered binary stream, decompressed for ``.gz`` names."""
    if not is_gzip_name(path):
        return open(path, "rb", buffering=buffer_size)  # noqa: SIM115 - the caller closes it
    return io.BufferedReader(_CheckedGzip(path, display), buffer_size)
