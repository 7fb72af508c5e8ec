"""How the values of a MySQL/MariaDB result become source values (other databases: as given).

PyMySQL hands over what the server sends; a few MySQL habits are turned into the values the
other source types give, decided per column from the result's description, so that every row of
a column is treated alike:

- ``BINARY(16)`` (the usual way to store a UUID) becomes the UUID's canonical text
  (``0f8fad5b-d9cb-469f-a165-70867728950e``); other binary columns stay ``bytes``;
- a zero or partly zero date (``0000-00-00``, ``2021-00-00``, ``0000-00-00 00:00:00``), which
  PyMySQL cannot make a date of and gives as text, is missing (``None``), as MySQL means it;
- ``TINYINT(1)`` stays the integer 0 or 1, like SQLite's booleans (map it with the ``boolean``
  transform); ``DATETIME``/``TIMESTAMP`` are naive datetimes, read in the job's
  ``defaults.timezone`` like every naive timestamp; ``DECIMAL`` is a ``decimal.Decimal``;
- text is read over a ``utf8mb4`` connection (PyMySQL's default), so ``utf8mb3`` and
  ``utf8mb4`` columns both arrive as Python text, emoji included.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

# pymysql.constants.FIELD_TYPE
_STRING, _DATE, _DATETIME, _TIMESTAMP, _NEWDATE = 254, 10, 12, 7, 14
_DATE_TYPES = frozenset({_DATE, _DATETIME, _TIMESTAMP, _NEWDATE})

Converter = Callable[[Any], Any]


def _uuid_text(value: Any) -> Any:
    if isinstance(value, bytes) and len(value) == 16:
        return str(uuid.UUID(bytes=value))
    return value


def _no_zero_date(value: Any) -> Any:
    # PyMySQL gives text only for dates it cannot parse: zero or partly zero ones.
    return None if isinstance(value, str) else value


def converters(dialect: str, description: Sequence[Sequence[Any]] | None) -> list[Converter | None]:
    """One converter (or ``None``) per result column, for a result of ``dialect``."""
    if dialect not in ("mysql", "mariadb") or not description:
        return [None] * len(description or ())
    found: list[Converter | None] = []
    for column in description:
        type_code, size = column[1], column[3]
        if type_code == _STRING and size == 16:
            found.append(_uuid_text)  # CHAR(16) text is not bytes and passes unchanged
        elif type_code in _DATE_TYPES:
            found.append(_no_zero_date)
        else:
            found.append(None)
    return found
