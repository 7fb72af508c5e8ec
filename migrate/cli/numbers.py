"""One way to write numbers, counts and durations in everything the commands print.

Counts always have thousands separators (``3,555``), whichever command prints them; nouns agree
with their count (``1 row``, ``2 rows``); durations are short (``850 ms``, ``2.4 s``,
``6m20s``, ``1h05m``).
"""

from __future__ import annotations

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
