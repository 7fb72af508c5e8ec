"""Python's character classes as Rust-regex text, for Polars (importing this needs no Polars).

:mod:`migrate.convert.vector` explains why they exist; the per-row transforms' module builds
its vectorised forms' patterns from these at import time, before Polars is loaded.
"""

from __future__ import annotations

#: Every character Python's ``str.isspace()`` (and ``str.strip()``, ``str.split()``, ``\\s``)
#: counts, in code point order (a test compares it with ``str.isspace`` over every code point).
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

#: Python's whitespace as a regex class (use instead of ``\\s``): Rust's ``\\s`` (Unicode
#: White_Space) and U+001C..U+001F, which is exactly Python's set (a test compares the two over
#: every code point), and faster to match than the characters listed one by one.
WS = r"[\s\x1c-\x1f]"
#: Python's whitespace without the newline.
WS_NO_NL = r"[\s\x1c-\x1f&&[^\n]]"
#: Anything that is not Python whitespace (use instead of ``\\S``).
NOT_WS = r"[^\s\x1c-\x1f]"
#: Runs of Python whitespace other than a single space (replacing those by one space is what
#: ``re.sub(r"\\s+", " ", text)`` does, without rewriting every lone space).
WS_RUNS = r"[\s\x1c-\x1f]{2,}|[\s\x1c-\x1f&&[^ ]]"


def char_class(chars: str, negate: bool = False) -> str:
    """A Rust-regex character class holding exactly ``chars``."""
    inner = "".join(f"\\x{{{ord(char):x}}}" for char in chars)
    return f"[{'^' if negate else ''}{inner}]"
