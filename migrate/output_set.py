"""Several output files that land as a set: all the new ones, or the previous ones untouched.

A command that writes more than one file (``migrate convert``: ``NAME.edn``, ``NAME.rejects.csv``,
``NAME.report.json``; ``anonymise`` and ``geocode``: an edn file and its report) does::

    with OutputSet([edn, rejects, report]) as outputs:   # checks the directory before the work
        ...                                              # the long work
        with outputs.open(edn) as stream: ...            # each file into a temporary
        write_rejects(outputs.temporary(rejects), ...)   # or a path for a writer of its own
        outputs.commit()                                 # all renamed into place

The files keep their names, so a user opens ``out/NAME.edn`` directly. How the set stays whole:

1. **Before the work.** The directory is created if needed and must take files: a lock file
   ``.NAME.lock`` is created in it (a read-only directory fails here, named, not after the
   work). The lock holds the pid; a second run on the same outputs is refused while that process
   lives, a lock left by a dead process is taken over. Free space must cover the previous set's
   size plus a margin (:data:`SPACE_MARGIN`). Temporaries left by earlier runs (``.NAME.*.tmp``)
   are removed, and an interrupted commit (below) is finished first.
2. **The work.** Every output is written to a temporary beside it (``.NAME.edn.<run>.tmp``),
   flushed and fsynced. Nothing at the final names changes. An exception, Ctrl-C (SIGINT) or
   SIGTERM removes the temporaries: the previous set stays as it was.
3. **The commit.** A journal ``.NAME.commit`` lists the renames and is fsynced; then each
   temporary is renamed over its target (``os.replace``, atomic per file) and the journal is
   removed. SIGINT and SIGTERM are held for these few system calls and raised after them (the
   exception then has ``outputs_committed = True``). Only a crash of the machine or SIGKILL
   inside the renames can leave part of a set renamed; the journal is then still there, and the
   next run (or :func:`recover`) completes the renames before anything else, since every
   temporary it names was complete before the journal was written.

A failure at any point before the journal (a full disk while writing, an fsync error) leaves
the previous set; one during the renames puts the previous files back from hard links taken
just before (``.NAME.edn.<run>.old``), or, if even that fails, leaves the journal for recovery.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import signal
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from migrate.errors import ConfigError

# Free space asked for beyond the size of the previous set of outputs.
SPACE_MARGIN = 16 * 1024 * 1024
# Test hook: "point:pause" or "point:fail" at a named point (see :meth:`OutputSet._hook`).
HOOK_ENV = "MIGRATE_TEST_OUTPUT_HOOK"
# With "point:pause", the file that is created when the point is reached.
HOOK_READY_ENV = "MIGRATE_TEST_OUTPUT_HOOK_READY"

_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_open = open  # tests replace it to simulate a full disk inside write()


class OutputError(ConfigError):
    """An output set cannot be written: one line naming the directory or file, never a temp.

    A ``ConfigError``: the command line exits 2, as for any output that cannot be written.
    """


class OutputLocked(OutputError):
    """Another live process is writing the same outputs."""


class OutputSet:
    """The outputs ``paths`` (in one directory), written as a set; a context manager.

    Entering prepares (lock, recovery, clean-up, checks); :meth:`commit` puts the new files in
    place; leaving without a commit removes the temporaries. The lock is released on leaving.
    """

    def __init__(self, paths: Sequence[str | os.PathLike[str]], *, name: str | None = None):
        if not paths:
            raise ValueError("OutputSet needs at least one path")
        self.paths = [Path(path) for path in paths]
        self.directory = self.paths[0].parent
        if any(path.parent != self.directory for path in self.paths):
            raise ValueError("the outputs of a set must share one directory")
        # The set's name: the first file's name up to its first dot ("trailhop.edn" -> trailhop).
        self.name = name or self.paths[0].name.split(".")[0]
        self.lock_path = self.directory / f".{self.name}.lock"
        self.journal_path = self.directory / f".{self.name}.commit"
        self.run = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._temporaries: dict[Path, Path] = {}
        self._locked = False
        self._held: list[int] = []  # signals held during the renames
        self.committed = False

    # The set's life -----------------------------------------------------------------------

    def __enter__(self) -> OutputSet:
        try:
            self.prepare()
        except BaseException:
            self.release()
            raise
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        try:
            if not self.committed:
                self.discard()
        finally:
            self.release()

    def prepare(self) -> None:
        """Create and check the directory, take the lock, recover and clean up, check space."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(
                f"cannot create the output directory {self.directory}: {_reason(error)}"
            ) from None
        if not self.directory.is_dir():
            raise OutputError(f"cannot write into {self.directory}: not a directory")
        self._lock()
        recover(self.directory, self.name)
        self._remove_stale()
        self._check_space()
        self._hook("prepared")

    def temporary(self, path: str | os.PathLike[str]) -> Path:
        """The temporary that stands for ``path`` until the commit (for writers that take a
        path; they must write it completely, e.g. with :func:`migrate.fileio.atomic_write`)."""
        target = self._member(path)
        temporary = self._temporaries.get(target)
        if temporary is None:
            temporary = target.with_name(f".{target.name}.{self.run}.tmp")
            self._temporaries[target] = temporary
            self._hook(f"temporary:{target.name}")
        return temporary

    @contextlib.contextmanager
    def writing(self, path: str | os.PathLike[str]) -> Iterator[Path]:
        """The temporary of ``path`` for a writer that takes a path; an ``OSError`` it raises
        (a full disk) becomes an :class:`OutputError` that names ``path``, not the temporary."""
        target = self._member(path)
        try:
            yield self.temporary(target)
        except OSError as error:
            raise OutputError(f"cannot write {target}: {_reason(error)}") from None
        self._hook(f"written:{target.name}")

    @contextlib.contextmanager
    def open(
        self,
        path: str | os.PathLike[str],
        mode: str = "w",
        encoding: str | None = "utf-8",
        newline: str | None = "\n",
    ) -> Iterator[IO[Any]]:
        """Write the new ``path``: a stream on its temporary, flushed and fsynced on leaving."""
        if mode not in ("w", "wb"):
            raise ValueError(f"OutputSet.open: mode must be 'w' or 'wb', not {mode!r}")
        target = self._member(path)
        temporary = self.temporary(target)
        try:
            if mode == "wb":
                stream: IO[Any] = _open(temporary, "wb")
            else:
                stream = _open(temporary, "w", encoding=encoding, newline=newline)
        except OSError as error:
            raise OutputError(f"cannot write {target}: {_reason(error)}") from None
        self._hook(f"opened:{target.name}")
        try:
            with stream:
                _copy_permissions(stream.fileno(), target)
                yield stream
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as error:
            raise OutputError(f"cannot write {target}: {_reason(error)}") from None
        self._hook(f"written:{target.name}")

    def commit(self) -> None:
        """Rename every temporary written over its target, as one step (see the module doc)."""
        written = [(target, temp) for target, temp in self._temporaries.items() if temp.exists()]
        self._hook("committing")
        for target, temp in written:
            try:
                _fsync_path(temp)  # a writer given a path may not have fsynced it
            except OSError as error:
                raise OutputError(f"cannot write {target}: {_reason(error)}") from None
        journal = {
            "run": self.run,
            "renames": [[temp.name, target.name] for target, temp in written],
        }
        try:
            with _open(self.journal_path, "w", encoding="utf-8") as stream:
                json.dump(journal, stream)
                stream.flush()
                os.fsync(stream.fileno())
            _fsync_directory(self.directory)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(self.journal_path)
            raise OutputError(
                f"cannot write {self.paths[0]}: {_reason(error)} (the previous outputs are kept)"
            ) from None
        with _held_signals() as self._held:
            self._rename_all(written)
            self.committed = True
        for signum in self._held:  # delivered now, to the handlers there were before
            try:
                signal.raise_signal(signum)
            except KeyboardInterrupt as interrupt:
                interrupt.outputs_committed = True  # type: ignore[attr-defined]
                raise

    def _rename_all(self, written: list[tuple[Path, Path]]) -> None:
        backups: list[tuple[Path, Path]] = []
        done: list[Path] = []
        try:
            for target, temp in written:
                backup = target.with_name(f".{target.name}.{self.run}.old")
                with contextlib.suppress(FileNotFoundError):
                    os.link(target, backup)
                    backups.append((target, backup))
                os.replace(temp, target)
                done.append(target)
                self._hook(f"renamed:{target.name}")
        except OSError as error:
            try:  # put the previous files back; new files that had no predecessor go
                restored = {target for target, _ in backups}
                for target, backup in backups:
                    if target in done:
                        os.replace(backup, target)
                    else:  # still the previous file: rename() would do nothing to a link of it
                        os.unlink(backup)
                for target in done:
                    if target not in restored:
                        os.unlink(target)
            except OSError:
                raise OutputError(
                    f"cannot write {self.paths[0]}: {_reason(error)}; the next run completes "
                    f"the set from {self.journal_path}"
                ) from None
            with contextlib.suppress(OSError):
                os.unlink(self.journal_path)
            raise OutputError(
                f"cannot write {self.paths[0]}: {_reason(error)} (the previous outputs are kept)"
            ) from None
        _fsync_directory(self.directory)
        with contextlib.suppress(OSError):
            os.unlink(self.journal_path)
        for _, backup in backups:
            with contextlib.suppress(OSError):
                os.unlink(backup)

    def discard(self) -> None:
        """Remove the temporaries of this run (the previous outputs are untouched)."""
        for temporary in self._temporaries.values():
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            for stray in self.directory.glob(f"{temporary.name}.*.tmp"):  # atomic_write's own
                with contextlib.suppress(OSError):
                    os.unlink(stray)

    def release(self) -> None:
        """Give the lock up (when this run holds it)."""
        if self._locked:
            self._locked = False
            with contextlib.suppress(OSError):
                if _lock_pid(self.lock_path) == os.getpid():
                    os.unlink(self.lock_path)

    # Preparation ---------------------------------------------------------------------------

    def _lock(self) -> None:
        for _ in range(3):
            try:
                fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = _lock_pid(self.lock_path)
                if holder is not None and holder != os.getpid() and _alive(holder):
                    raise OutputLocked(
                        f"another run (pid {holder}) is writing these outputs: "
                        f"{self.lock_path} is locked"
                    ) from None
                # Left by a dead process (or unreadable): take it over.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.lock_path)
                continue
            except OSError as error:
                raise OutputError(f"cannot write into {self.directory}: {_reason(error)}") from None
            with os.fdopen(fd, "w") as stream:
                stream.write(f"{os.getpid()}\n")
            self._locked = True
            return
        raise OutputLocked(f"cannot take the lock {self.lock_path}: other runs keep taking it")

    def _remove_stale(self) -> None:
        for path in self.paths:
            for pattern in (f".{path.name}.*.tmp", f".{path.name}.*.old"):
                for stale in self.directory.glob(pattern):
                    with contextlib.suppress(OSError):
                        os.unlink(stale)

    def _check_space(self) -> None:
        previous = 0
        for path in self.paths:
            with contextlib.suppress(OSError):
                previous += path.stat().st_size
        needed = previous + SPACE_MARGIN
        try:
            status = os.statvfs(self.directory)
        except OSError:
            return  # no statvfs here: writing will tell
        free = status.f_bavail * status.f_frsize
        if free < needed:
            raise OutputError(
                f"not enough free space in {self.directory}: {_size(free)} free, about "
                f"{_size(needed)} needed (the previous outputs' size and a margin)"
            )

    def _member(self, path: str | os.PathLike[str]) -> Path:
        target = Path(path)
        if target not in self.paths:
            raise ValueError(f"{target} is not one of this set's outputs")
        return target

    def _hook(self, point: str) -> None:
        """A named point of the write phase, for tests (``MIGRATE_TEST_OUTPUT_HOOK``): with
        ``point:pause`` the run signals it is there and sleeps; with ``point:fail`` it fails as
        a full disk would."""
        hook = os.environ.get(HOOK_ENV)
        if not hook or hook.rpartition(":")[0] != point:
            return
        action = hook.rpartition(":")[2]
        if action == "fail":
            raise OutputError(f"cannot write {self.paths[0]}: {os.strerror(errno.ENOSPC).lower()}")
        ready = os.environ.get(HOOK_READY_ENV)
        if ready:  # written whole, then renamed: the test never reads it half written
            Path(ready + ".part").write_text(point, encoding="utf-8")
            os.replace(ready + ".part", ready)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not self._held:  # a held signal ends the pause
            time.sleep(0.05)


def recover(directory: str | os.PathLike[str], name: str) -> bool:
    """Finish the renames of an interrupted commit of the set ``name`` in ``directory``.

    Returns True when a journal was found. Every temporary the journal names was complete before
    the journal was written, so renaming those still present completes the new set.
    """
    folder = Path(directory)
    journal_path = folder / f".{name}.commit"
    try:
        journal = json.loads(journal_path.read_text("utf-8"))
        renames = [(str(temp), str(target)) for temp, target in journal["renames"]]
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError):
        with contextlib.suppress(OSError):
            os.unlink(journal_path)  # unreadable: written partly, so before any rename
        return False
    for temp, target in renames:
        if "/" in temp or "/" in target:
            continue
        with contextlib.suppress(FileNotFoundError):
            os.replace(folder / temp, folder / target)
    _fsync_directory(folder)
    with contextlib.suppress(OSError):
        os.unlink(journal_path)
    return True


# Helpers -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _held_signals() -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM during the block: the block's list says which ones came."""
    held: list[int] = []
    try:
        previous = {signum: signal.getsignal(signum) for signum in _HELD_SIGNALS}

        def hold(signum: int, frame: Any) -> None:
            held.append(signum)

        for signum in _HELD_SIGNALS:
            signal.signal(signum, hold)
    except ValueError:  # not the main thread: signals go to the main thread anyway
        yield held
        return
    try:
        yield held
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _lock_pid(path: Path) -> int | None:
    try:
        return int(path.read_text("utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _copy_permissions(fd: int, target: Path) -> None:
    # Keep an existing target's mode, else the umask's, as a plain open() would give.
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.fchmod(fd, mode)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _reason(error: OSError) -> str:
    reason = error.strerror or str(error)
    return reason[:1].lower() + reason[1:]


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):,.1f} MB"


@contextlib.contextmanager
def replace_file(
    path: str | os.PathLike[str],
    mode: str = "w",
    encoding: str | None = "utf-8",
    newline: str | None = "\n",
) -> Iterator[IO[Any]]:
    """One output as a set of one: checked and locked on entering, written to a temporary,
    put in place when the block ends without an exception (a drop-in for ``atomic_write`` that
    also locks, checks the directory first and removes stale temporaries)."""
    with OutputSet([path]) as outputs:
        with outputs.open(path, mode, encoding, newline) as stream:
            yield stream
        outputs.commit()


def check_outputs(paths: Sequence[str | os.PathLike[str]]) -> None:
    """Before a long run: raise :class:`OutputError` now if ``paths`` could not be written
    (directory, lock, free space), rather than after the work. Stale temporaries are removed."""
    with OutputSet(paths):
        pass
