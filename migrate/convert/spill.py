"""A temporary store of serialised records, so that a conversion holds ids in memory, not rows.

The pipeline writes every accepted row's edn text here as soon as it is mapped and checked, keeps
only a small integer handle per row, settles the cross-row questions (duplicates, the reject
cascade) on ids, and finally copies the texts of the surviving rows into the output in order.
The file is an anonymous temporary file: it disappears when closed, and also when the process
dies.
"""

from __future__ import annotations

import mmap
import os
import tempfile
from array import array
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from typing import Any


class Spill:
    """Append-only store of text (or bytes) blobs on disk, read back by handle.

    ``append(text)`` returns a handle (0, 1, 2, …); ``get(handle)`` returns the text. Memory per
    blob is two machine integers (offset and length). Use as a context manager, or call
    :meth:`close`.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        # Closed by close(); a context manager cannot span the object's life.
        self._file = tempfile.TemporaryFile(prefix="migrate-spill-", dir=directory)  # noqa: SIM115
        self._offsets = array("q")
        self._lengths = array("q")
        self._end = 0
        self._writing = True

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self._offsets)

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._end

    def append(self, text: str) -> int:
        """Store ``text``; returns its handle."""
        return self.append_bytes(text.encode("utf-8"))

    def append_bytes(self, data: bytes) -> int:
        """Store ``data``; returns its handle."""
        if not self._writing:
            self._file.seek(0, os.SEEK_END)
            self._writing = True
        self._file.write(data)
        self._offsets.append(self._end)
        self._lengths.append(len(data))
        self._end += len(data)
        return len(self._offsets) - 1

    def append_lines(self, texts: Any) -> int:
        """Store the texts of a Polars String series, each followed by a newline, as one
        blob; returns its offset in the file. Texts must not contain a newline themselves."""
        import polars as pl

        if not self._writing:
            self._file.seek(0, os.SEEK_END)
            self._writing = True
        start = self._end
        # quote_style="never": each text is written exactly as it is, one per line.
        pl.DataFrame({"t": texts}).write_csv(self._file, include_header=False, quote_style="never")
        self._end = self._file.tell()
        self._offsets.append(start)
        self._lengths.append(self._end - start)
        return start

    def get(self, handle: int) -> str:
        """The text stored under ``handle``."""
        return self.get_bytes(handle).decode("utf-8")

    def get_bytes(self, handle: int) -> bytes:
        """The bytes stored under ``handle``."""
        if self._writing:
            self._file.flush()
            self._writing = False
        self._file.seek(self._offsets[handle])
        return self._file.read(self._lengths[handle])

    def iter_texts(self, handles: Iterable[int]) -> Iterator[str]:
        """The texts of ``handles``, in the order given."""
        for handle in handles:
            yield self.get(handle)

    def close(self) -> None:
        """Delete the temporary file (idempotent)."""
        self._file.close()


def read_ranges(
    spill: Spill,
    offsets: Sequence[int],
    lengths: Sequence[int],
    keys: Sequence[Any] | None = None,
    edited: Callable[[Any, bytes], bytes] | None = None,
    edit_keys: Container[Any] = (),
) -> Iterator[bytes]:
    """The bytes at each ``(offset, length)`` of ``spill``, in the order given.

    Adjacent ranges are read as one (up to 8 MB at a time), so rows spilled in the order they
    are written cost a few large reads. A range whose key is in ``edit_keys`` is passed through
    ``edited(key, data)`` on its own.
    """
    if spill._writing:
        spill._file.flush()
    count = len(offsets)
    if count == 0:
        return
    if spill.size == 0:  # only empty ranges (an empty file cannot be mapped)
        yield from (b"" for _ in range(count))
        return
    # Through a memory map: rows taken in another order than they were spilled (sorted by
    # source id) are many small ranges, a system call each with pread.
    with mmap.mmap(spill._file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        index = 0
        limit = 8 << 20
        while index < count:
            start = offsets[index]
            end = start + lengths[index]
            if keys is not None and edited is not None and keys[index] in edit_keys:
                yield edited(keys[index], mapped[start:end])
                index += 1
                continue
            index += 1
            while (
                index < count
                and offsets[index] == end
                and end - start < limit
                and (keys is None or keys[index] not in edit_keys)
            ):
                end += lengths[index]
                index += 1
            yield mapped[start:end]


def read_each(spill: Spill, offsets: Sequence[int], lengths: Sequence[int]) -> Iterator[bytes]:
    """The bytes at each ``(offset, length)`` of ``spill``, one range at a time, in the order
    given (ranges in any order: read through a memory map, without a system call each)."""
    if spill._writing:
        spill._file.flush()
    if spill.size == 0:
        yield from (b"" for _ in offsets)
        return
    with mmap.mmap(spill._file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        for offset, length in zip(offsets, lengths, strict=True):
            yield mapped[offset : offset + length]
