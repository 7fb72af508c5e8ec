"""One way to write numbers, counts, durations and tables in everything the commands print.

Counts always have thousands separators (``3,555``), whichever command prints them; nouns agree
with their count (``1 row``, ``2 rows``); durations are short (``850 ms``, ``2.4 s``,
``6m20s``, ``1h05m``); tables are drawn by ``rich.table`` (:func:`table`), as plain text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

# Nouns whose plural is not NOUN + "s".
_PLURALS = {"address": "addresses", "entry": "entries", "is": "are", "match": "matches"}


def number(value: int) -> str:
    """``3555`` -> ``3,555``."""
    return f"{value:,}"


def plural(noun: str, count: int) -> str:
    """``noun`` agreeing with ``count``: ``row``/``rows``, ``address``/``addresses``."""
    if count == 1:
        return noun
    return _PLURALS.get(noun, noun + "s")


def count(value: int, noun: str) -> str:
    """``1 row``, ``3,555 rows``, ``2 addresses``."""
    return f"{number(value)} {plural(noun, value)}"


def duration(seconds: float) -> str:
    """``0.85`` -> ``850 ms``, ``2.42`` -> ``2.4 s``, ``380`` -> ``6m20s``, ``3900`` -> ``1h05m``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    footer: Sequence[object] | None = None,
    title: str | None = None,
) -> str:
    """``rows`` under ``headers`` as aligned plain text (no colour), drawn by ``rich.table``.

    The first column is left-aligned, the others right-aligned (they hold counts); integers are
    written with :func:`number`. ``footer`` (a total) is set off by a rule. No trailing spaces;
    no final newline.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    grid = Table(
        box=box.SIMPLE,
        show_edge=False,
        show_footer=footer is not None,
        title=title,
        title_justify="left",
        pad_edge=False,
        padding=(0, 1),
    )
    for index, header in enumerate(headers):
        grid.add_column(
            header,
            justify="left" if index == 0 else "right",
            footer=_cell(footer[index]) if footer is not None else "",
            no_wrap=True,
        )
    for row in rows:
        grid.add_row(*(_cell(value) for value in row))
    buffer = io.StringIO()
    Console(file=buffer, width=1000, color_system=None, force_terminal=False).print(grid)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return number(value)
    return "" if value is None else str(value)
