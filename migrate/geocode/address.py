"""Postal addresses as text: folding for comparison and splitting into their parts.

Addresses arrive as one line in the common western order ``street, postcode city, region,
country``, with any of the parts missing. :func:`split_address` cuts the line at commas and pulls
postcodes out of each part; which part is the locality is decided by the gazetteer, which knows
the place names (``Springfield, IL`` is a US state, ``Berlin, DE`` a country code).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Letters that Unicode decomposition does not turn into a base letter plus an accent.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
    }
)
_NOT_WORD = re.compile(r"[\W_]+")
_PART_SEPARATORS = re.compile(r"[,;\n\r]+")
# A postcode token holds at least one digit: 80331, SW1A, 1AA, K1A, 0B1, 75008, 00-950, 1010.
_POSTCODE_TOKEN = re.compile(r"\w*\d[\w-]*")


def fold(text: str) -> str:
    """``text`` reduced for comparing place names: accents dropped, case folded, punctuation gone.

    ``"München"`` and ``"Munchen"`` both give ``"munchen"``, ``"Saint-Étienne"`` gives
    ``"saint etienne"``, ``"São Paulo"`` gives ``"sao paulo"``. Scripts without a Latin base
    (Cyrillic, Han, …) are kept, case folded.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
        text = "".join(char for char in text if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def normalise_address(text: str) -> str:
    """The cache key of an address: parts folded and joined by ``", "``, empty parts dropped.

    Two spellings that differ only in case, accents, punctuation or spacing share a key.
    """
    return ", ".join(key for key in (fold(part) for part in _PART_SEPARATORS.split(text)) if key)


@dataclass(frozen=True, slots=True)
class AddressPart:
    """One comma-separated part of an address.

    ``text`` is the part as written (trimmed), ``name`` the part without its postcode tokens,
    ``key`` the folded ``name`` (see :func:`fold`) and ``postcode`` the postcode found in the part
    (``None`` when there is none).
    """

    text: str
    name: str
    key: str
    postcode: str | None


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """An address cut into its parts, street first, country last, as written."""

    text: str
    parts: tuple[AddressPart, ...]

    @property
    def postcode(self) -> str | None:
        """The first postcode in the address, if any."""
        return next((part.postcode for part in self.parts if part.postcode), None)


def split_address(text: str) -> ParsedAddress:
    """Cut an address at commas (also semicolons and line breaks) into :class:`AddressPart`.

    ``"Marienplatz 8, 80331 München, Bayern, Germany"`` gives four parts; the second has
    ``name="München"``, ``key="munchen"`` and ``postcode="80331"``. Parts left empty are dropped.
    """
    parts: list[AddressPart] = []
    for raw in split_parts(text):
        name, postcode = strip_postcode(raw)
        parts.append(AddressPart(text=raw, name=name, key=fold(name), postcode=postcode))
    return ParsedAddress(text=text, parts=tuple(parts))


def split_parts(text: str) -> list[str]:
    """The non-empty comma-separated parts of ``text``, trimmed, inner spaces collapsed."""
    parts = []
    for raw in _PART_SEPARATORS.split(text):
        written = " ".join(raw.split())
        if written:
            parts.append(written)
    return parts


def strip_postcode(part: str) -> tuple[str, str | None]:
    """``(name, postcode)`` of one address part: ``"80331 München"`` -> ``("München", "80331")``.

    Any token holding a digit counts as postcode (or house number); ``postcode`` is ``None``
    when there is none.
    """
    postcodes = _POSTCODE_TOKEN.findall(part)
    if not postcodes:
        return part, None
    return " ".join(_POSTCODE_TOKEN.sub(" ", part).split()), " ".join(postcodes)
