"""Progress of long commands, from one helper: rich on a terminal, plain lines in a log, or none.

The library reports progress through plain callbacks (``progress(stage, done)``,
``progress(rows)``); commands hand it :meth:`ProgressTask.update` of a task opened here.
:func:`progress_display` picks how it shows, on stderr:

- a terminal (and ``TERM`` is not ``dumb``): a rich progress bar per task, with totals, rate and
  time left where the total is known; colours follow rich, which honours ``NO_COLOR``;
- anything else (a CI log, a pipe, ``TERM=dumb``): one plain line per task every
  :data:`DEFAULT_INTERVAL` seconds (``MIGRATE_PROGRESS_INTERVAL`` overrides), and a last line
  when a task that printed ends, e.g.
  ``migrate geocode: addresses 120/500 (24%), 1.0/s, 6m20s left``;
- ``--quiet``: nothing at all.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, Protocol

from migrate.format import duration, number, plural

DEFAULT_INTERVAL = 10.0


class ProgressTask(Protocol):
    """One thing being counted: rows read, addresses looked up, bytes checked."""

    def update(self, done: int, total: int | None = None) -> None:
        """Set how much is done (and the total, when it becomes known)."""


class ProgressDisplay(Protocol):
    """Where tasks show; see :func:`progress_display`."""

    def task(self, name: str, unit: str, total: int | None = None) -> ProgressTask:
        """Open a task named ``name`` (``read``) counting ``unit`` (``row``, ``address``, ``bytes``)."""


class _NoTask:
    def update(self, done: int, total: int | None = None) -> None:
        pass


class _NoDisplay:
    def task(self, name: str, unit: str, total: int | None = None) -> ProgressTask:
        return _NoTask()

    def close(self) -> None:
        pass


class _PlainTask:
    """A task that prints one line every ``interval`` seconds, and a last one when it ends."""

    def __init__(
        self, display: _PlainDisplay, name: str, unit: str, total: int | None, clock: Any
    ) -> None:
        self.display, self.name, self.unit, self.total = display, name, unit, total
        self.clock = clock
        self.started = self.last = clock()
        self.done = 0
        self.printed = False

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        now = self.clock()
        if now - self.last >= self.display.interval:
            self.last = now
            self.display.write(self.line(now))
            self.printed = True

    def line(self, now: float, finished: bool = False) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        counted = self.total if self.total is not None else self.done
        unit = "" if self.unit == "bytes" else " " + plural(self.unit, counted)
        amount = (
            f"{_amount(self.done, self.unit)}/{_amount(self.total, self.unit)}{unit}"
            f" ({min(100, 100 * self.done // self.total) if self.total else 100}%)"
            if self.total is not None
            else f"{_amount(self.done, self.unit)}{unit}"
        )
        parts = [f"{self.display.label}: {self.name} {amount}", f"{_rate(rate, self.unit)}/s"]
        if finished:
            parts.append(f"done in {duration(elapsed)}")
        elif self.total is not None and rate > 0 and self.done < self.total:
            parts.append(f"{duration((self.total - self.done) / rate)} left")
        return ", ".join(parts)

    def finish(self) -> None:
        if self.printed:
            self.display.write(self.line(self.clock(), finished=True))


class _PlainDisplay:
    def __init__(self, label: str, stream: IO[str], interval: float, clock: Any) -> None:
        self.label, self.stream, self.interval, self.clock = label, stream, interval, clock
        self.tasks: list[_PlainTask] = []

    def task(self, name: str, unit: str, total: int | None = None) -> ProgressTask:
        task = _PlainTask(self, name, unit, total, self.clock)
        self.tasks.append(task)
        return task

    def write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        for task in self.tasks:
            task.finish()


class _RichTask:
    def __init__(self, progress: Any, task_id: Any, unit: str) -> None:
        self.progress, self.task_id, self.unit = progress, task_id, unit

    def update(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.progress.update(self.task_id, completed=done, total=total)
        else:
            self.progress.update(self.task_id, completed=done)


class _RichDisplay:
    def __init__(self, label: str, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream, stderr=stream is sys.stderr),
            transient=True,
        )
        self.label = label
        self.progress.start()

    def task(self, name: str, unit: str, total: int | None = None) -> ProgressTask:
        task_id = self.progress.add_task(name, total=total, unit=unit)
        return _RichTask(self.progress, task_id, unit)

    def close(self) -> None:
        self.progress.stop()


def _amount(value: int | None, unit: str) -> str:
    if value is None:
        return "?"
    return _size(value) if unit == "bytes" else number(value)


def _size(value: float) -> str:
    for suffix in ("B", "kB", "MB", "GB"):
        if value < 1000 or suffix == "GB":
            return f"{value:.0f} {suffix}" if suffix == "B" else f"{value:.1f} {suffix}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover (the loop returns)


def _rate(rate: float, unit: str) -> str:
    if unit == "bytes":
        return _size(rate)
    return f"{rate:,.1f}" if rate < 100 else number(round(rate))


def interval_from_environment() -> float:
    """Seconds between two plain lines: ``MIGRATE_PROGRESS_INTERVAL`` or the default."""
    value = os.environ.get("MIGRATE_PROGRESS_INTERVAL")
    if value is None:
        return DEFAULT_INTERVAL
    try:
        return max(0.0, float(value))
    except ValueError:
        return DEFAULT_INTERVAL


def _is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


@contextmanager
def progress_display(
    label: str,
    *,
    quiet: bool = False,
    stream: IO[str] | None = None,
    interval: float | None = None,
    clock: Any = time.monotonic,
) -> Iterator[ProgressDisplay]:
    """The progress display of one command run (``label``: ``migrate geocode``), on stderr."""
    target = stream if stream is not None else sys.stderr
    display: _NoDisplay | _PlainDisplay | _RichDisplay
    if quiet:
        display = _NoDisplay()
    elif _is_terminal(target):
        display = _RichDisplay(label, target)
    else:
        every = interval if interval is not None else interval_from_environment()
        display = _PlainDisplay(label, target, every, clock)
    try:
        yield display
    finally:
        display.close()
