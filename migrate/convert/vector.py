"""Python's text semantics spelled out for Polars, and edn text built from columns.

The columnar engine must decide every row exactly as the per-row code does, but Polars runs
Rust's text functions, which differ from Python's in small ways. Each difference that matters
is spelled out here once, and every vectorised form uses these helpers instead of the Polars
defaults:

- whitespace: Python's ``str.isspace``/``str.strip``/``str.split`` and regex ``\\s`` count
  U+001C..U+001F as whitespace, Rust does not. :data:`PY_WHITESPACE` is Python's exact set;
  :func:`py_strip`, :func:`py_blank` and :data:`WS` use it (never ``strip_chars()`` bare or
  ``\\s`` in a pattern);
- case: Python's ``lower``/``upper``/``casefold`` and case-insensitive regexes treat some
  non-ASCII letters differently (``ſ`` matches ``s``, ``K`` matches ``k``, ``ß`` casefolds to
  ``ss``); forms that change case work on ASCII text only and send other text to Python;
- numbers: Python's ``float``/``int``/``Decimal`` accept underscores, non-ASCII digits and
  surrounding whitespace, and ``repr(float)`` writes ``1e-05`` where Polars writes ``0.00001``:
  :func:`float_text` keeps Polars' text only where both agree;
- edn strings: :func:`edn_string` escapes exactly what :mod:`migrate.edn.writer` escapes.

Everything a form cannot decide exactly becomes a *fallback* flag: the row (or the value) is
then handled by the per-row reference code.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import polars as pl

from migrate.convert.pychars import NOT_WS, PY_WHITESPACE, WS, WS_NO_NL, WS_RUNS, char_class

__all__ = ["NOT_WS", "PY_WHITESPACE", "WS", "WS_NO_NL", "WS_RUNS", "char_class"]

_BLANK = f"^{WS}*$"


def py_strip(expr: pl.Expr) -> pl.Expr:
    """``str.strip()`` with Python's whitespace set."""
    return expr.str.strip_chars(PY_WHITESPACE)


def py_blank(expr: pl.Expr) -> pl.Expr:
    """True where the text is null, empty or only Python whitespace (``not s or s.isspace()``)."""
    return expr.is_null() | expr.str.contains(_BLANK)


def py_nonblank(expr: pl.Expr) -> pl.Expr:
    """``expr`` where it is not blank (Python's sense), null elsewhere."""
    return pl.when(py_blank(expr)).then(None).otherwise(expr)


def batch_nonblank(batch: Any, expr: pl.Expr) -> pl.Expr:
    """:func:`py_nonblank` of a text column of ``batch`` (a ``batch.Batch``): the column as it
    is, uncopied, when none of its texts is blank (nearly always: the CSV reader gives empty
    fields as null already)."""
    blank = expr.is_not_null() & expr.str.contains(_BLANK)
    return py_nonblank(expr) if batch.series(blank.any()).item() else expr


def is_ascii(expr: pl.Expr) -> pl.Expr:
    """True where the text holds ASCII characters only (null stays null)."""
    return expr.str.len_bytes() == expr.str.len_chars()


def py_str(expr: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr] | None:
    """``str(value)`` of a column of ``dtype``, and where that text cannot be given here.

    Returns ``(text, fallback)``; ``None`` when no row of such a column can be converted
    (the caller sends non-null rows to the per-row path).
    """
    if dtype == pl.String:
        return expr, pl.lit(False)
    if dtype.is_integer():
        return expr.cast(pl.String), pl.lit(False)
    if dtype == pl.Boolean:
        return pl.when(expr).then(pl.lit("True")).otherwise(pl.lit("False")), pl.lit(False)
    if dtype.is_float():
        text, ok = float_text(expr)
        return text, expr.is_not_null() & ~ok
    if dtype == pl.Date:
        return expr.dt.strftime("%Y-%m-%d"), ~expr.dt.year().is_between(1000, 9999)
    return None


def float_text(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """``repr(float)`` of a Float64 column, and where Polars' text is known to equal it.

    Both write the shortest text that reads back as the same double; they differ in when they
    switch to exponent notation (Python below 1e-4 and from 1e16 on), and in how. Outside
    that range, and for NaN or infinities, the flag is false.
    """
    magnitude = expr.abs()
    ok = expr.is_finite() & ((magnitude >= 1e-4) & (magnitude < 1e16) | (expr == 0))
    return expr.cast(pl.String), ok.fill_null(False)


# edn text ----------------------------------------------------------------------------------------

# What migrate.edn.writer._string escapes: " and \, the C0 and C1 controls, DEL, U+2028/U+2029
# (lone surrogates cannot occur in Polars strings).
_NAMED = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}
_ESCAPED = [chr(c) for c in range(0x20)] + ['"', "\\"] + [chr(c) for c in range(0x7F, 0xA0)]
_ESCAPED += ["\u2028", "\u2029"]
_ESCAPE_FROM = _ESCAPED
_ESCAPE_TO = [_NAMED.get(char) or f"\\u{ord(char):04x}" for char in _ESCAPED]
_NEEDS_ESCAPE = char_class("".join(_ESCAPED))


def edn_string(expr: pl.Expr) -> pl.Expr:
    """The edn string literal of a text column, as :func:`migrate.edn.writer.dumps` writes it."""
    return pl.concat_str([pl.lit('"'), edn_string_body(expr), pl.lit('"')])


def edn_string_body(expr: pl.Expr) -> pl.Expr:
    """The edn string literal of a text column without its quotes (the text, escaped)."""
    return (
        pl.when(expr.str.contains(_NEEDS_ESCAPE))
        .then(expr.str.replace_many(_ESCAPE_FROM, _ESCAPE_TO))
        .otherwise(expr)
    )


def batch_edn_string_body(batch: Any, expr: pl.Expr) -> pl.Expr:
    """:func:`edn_string_body` of a column of ``batch`` (a ``batch.Batch``), in the form its
    rows call for. Most columns hold no character to escape (names, titles, ids): the text is
    then used as it is, uncopied. Where most rows need escaping (multi-line descriptions),
    every row goes through ``replace_many``, which leaves other text alone anyway; only in
    between does ``when``/``then`` choose (which copies every row and runs ``replace_many``
    on every row all the same)."""
    count = batch.series(expr.str.contains(_NEEDS_ESCAPE).sum()).item()
    if not count:
        return expr
    if count * 2 >= batch.height:
        return expr.str.replace_many(_ESCAPE_FROM, _ESCAPE_TO)
    return edn_string_body(expr)


def join_present(parts: Sequence[pl.Expr], separator: str = " ") -> pl.Expr:
    """``parts`` joined by ``separator``, null parts left out; null when every part is null."""
    if not parts:
        return pl.lit(None, dtype=pl.String)
    joined = pl.concat_str(list(parts), separator=separator, ignore_nulls=True)
    anything = pl.any_horizontal([part.is_not_null() for part in parts])
    return pl.when(anything).then(joined).otherwise(None)


def bracketed(open_: str, inner: pl.Expr, close: str) -> pl.Expr:
    """``open_ + inner + close``, null where ``inner`` is null."""
    return pl.concat_str([pl.lit(open_), inner, pl.lit(close)])


def when_all(conditions: Iterable[pl.Expr]) -> pl.Expr:
    """The conjunction of ``conditions`` (true when there are none)."""
    items = list(conditions)
    if not items:
        return pl.lit(True)
    return pl.all_horizontal(items)


def when_any(conditions: Iterable[pl.Expr]) -> pl.Expr:
    """The disjunction of ``conditions`` (false when there are none)."""
    items = list(conditions)
    if not items:
        return pl.lit(False)
    return pl.any_horizontal(items)


# uuid5 import ids ------------------------------------------------------------------------------

_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def uuid5_texts(names: pl.Series, prefix: bytes) -> pl.Series:
    """``str(uuid.uuid5(namespace, prefix_text + name))`` for every name of a String series.

    ``prefix`` is the namespace's 16 bytes followed by the UTF-8 text before the name
    (``b"…trailhop/user/"``). Hashing runs in one list comprehension (hashlib per name, about
    0.5 s per million); the version and variant bits and the dashes are set on the hex text
    as columns. Null names give null.
    """
    sha1 = hashlib.sha1
    raw = names.cast(pl.Binary).to_list()
    if names.null_count():
        digests = [None if name is None else sha1(prefix + name).digest() for name in raw]
    else:
        digests = [sha1(prefix + name).digest() for name in raw]
    hexed = pl.Series(digests, dtype=pl.Binary).bin.encode("hex")
    frame = pl.DataFrame({"h": hexed})
    h = pl.col("h")
    return frame.select(
        pl.concat_str(
            [
                h.str.slice(0, 8),
                pl.lit("-"),
                h.str.slice(8, 4),
                pl.lit("-5"),
                h.str.slice(13, 3),
                pl.lit("-"),
                h.str.slice(16, 1).replace_strict(_VARIANT, return_dtype=pl.String),
                h.str.slice(17, 3),
                pl.lit("-"),
                h.str.slice(20, 12),
            ]
        )
    ).to_series()


class ImportIds:
    """Import id texts of the rows read so far, by type and source id, for references.

    A reference's target usually is a row read earlier (a listing's author); its import id is
    then looked up instead of hashed again. Only the row types some reference points at are
    kept, one source id and one id text per row.
    """

    def __init__(self, ident: str, targets: Iterable[str]) -> None:
        self.ident = ident
        self.kept: dict[str, list[pl.DataFrame]] = {name: [] for name in targets}
        self._tables: dict[str, pl.DataFrame] = {}

    def add(self, record_type: str, sids: pl.Series, uuids: pl.Series) -> None:
        """Keep the ids of a batch of ``record_type`` rows."""
        if record_type in self.kept:
            frame = pl.DataFrame({"sid": sids, "uuid": uuids}).drop_nulls()
            self.kept[record_type].append(frame)
            self._tables.pop(record_type, None)

    def texts(self, record_type: str, sids: pl.Series) -> pl.Series:
        """The import id text of each (distinct, non-null) source id of ``record_type``."""
        from migrate.convert.ids import NAMESPACE

        parts = self.kept.get(record_type) or []
        if parts:
            table = self._tables.get(record_type)
            if table is None:
                table = self._tables[record_type] = pl.concat(parts).unique("sid")
                self.kept[record_type] = [table]
            # The table's rows of these ids first (the hash built on the batch's few ids, not
            # on the table of every id so far), then those in the ids' order: half the time
            # of one left join onto the whole table.
            wanted = pl.DataFrame({"sid": sids})
            hits = table.join(wanted, on="sid", how="semi")
            found = wanted.join(hits, on="sid", how="left", maintain_order="left")
            uuids = found.get_column("uuid")
            missing = uuids.is_null() & sids.is_not_null()
            if not missing.any():
                return uuids
            computed = uuid5_texts(
                sids.filter(missing), NAMESPACE.bytes + f"{self.ident}/{record_type}/".encode()
            )
            return uuids.scatter(missing.arg_true(), computed)
        return uuid5_texts(sids, NAMESPACE.bytes + f"{self.ident}/{record_type}/".encode())


# per-value Python ------------------------------------------------------------------------------


def map_distinct(
    values: pl.Series, function: Callable[[Any], Any], return_dtype: pl.DataType
) -> pl.Series:
    """``function`` applied once per distinct non-null value of ``values``, spread back.

    For pure functions of one value (a transform, a rule's verdict): exact by construction,
    and cheap when values repeat. ``function`` returns a value of ``return_dtype`` or ``None``.
    """
    if values.len() == 0:
        return pl.Series(values.name, [], dtype=return_dtype)
    distinct = values.drop_nulls().unique(maintain_order=True)
    results = pl.Series([function(value) for value in distinct.to_list()], dtype=return_dtype)
    return values.replace_strict(distinct, results, default=None, return_dtype=return_dtype)


def regex_escape(text: str) -> str:
    """``text`` as a literal in a Rust regex."""
    return re.sub(r"([\\.+*?()|\[\]{}^$#&\-~])", r"\\\1", text)
