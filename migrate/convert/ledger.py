"""Cross-row state of a columnar run: ids, duplicates, the cross-row rules and the cascade.

The per-row pipeline (:mod:`migrate.convert.pipeline`) decides each row in source order: its
source id is new or a duplicate, its alias collides or not, the cross-row checker sees it or
not. :class:`Ledger` takes the same decisions a batch at a time, on columns, and keeps only
key columns between batches (source ids and states per type, the emails and Stripe owners
seen, the references that may still matter); the rows' edn text goes to a spill file.

Everything is decided in the per-row order, by a sequence number per row (``seq``: the spec's
place in the job, then the record's in its source):

1. alias collisions (``alias-collision``), in the order aliases are claimed;
2. the first row with a source id owns it: a later row of the same type with that id is
   ``source-id-duplicate`` (a row rejected while mapping keeps its own reason);
3. rows that pass the row checks are *added*, as the cross-row checker adds them: primary
   emails (``email-duplicate``), Stripe owners (``stripe-account-duplicate``), avatars,
   listing images and their URLs (``image-url-duplicate``), reviews, creation times;
4. :meth:`Ledger.settle`: what the checker settles at the end (Stripe accounts and avatars of
   users read after them, ``avatar-shared``, ``image-unreferenced``, ``review-self``,
   ``review-before-created``), then
   the reject cascade along required references, simulated exactly as the per-row passes run
   it but only over the references whose target is not kept, then optional references to
   rows that are not kept are dropped from their rows.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from migrate import schemas
from migrate.convert.ids import AliasCollision, alias_name
from migrate.convert.outputs import TypeCounts, csv_fields, values_json
from migrate.convert.spill import Spill, read_each, read_ranges
from migrate.convert.vector import is_ascii, py_strip
from migrate.edn.show import show
from migrate.edn.values import Keyword, Ref

ACCEPTED, REJECTED = 1, 2

#: How ``json.dumps(..., ensure_ascii=False)`` writes a string (the encoder's own function).
_json_text = json.encoder.encode_basestring

#: A row's ``seq`` is its spec's index times SEQ_SPAN plus its record number: one integer that
#: orders rows as the per-row pipeline reads them, and says where each came from.
SEQ_SPAN = 1 << 40

#: Kept rows whose texts are copied out at a time (see :meth:`Ledger.texts`).
TEXT_ROWS = 50_000


def seq_of(spec: int, record: int) -> int:
    """The ``seq`` of record ``record`` of spec ``spec``."""
    return spec * SEQ_SPAN + record


def spec_record(seq: int) -> tuple[int, int]:
    """``(spec, record)`` of a ``seq``."""
    return seq // SEQ_SPAN, seq % SEQ_SPAN


MAP_REJECTED, CHECK_REJECTED, CANDIDATE = 0, 1, 2

PRIMARY_EMAIL = schemas.key("im.user/primaryEmail")
EMAIL_ADDRESS = schemas.key("im.email/address")
PROFILE = schemas.key("im.user/profile")
AVATAR = schemas.key("im.userProfile/avatar")
IMAGE_LISTING = schemas.key("im.image/listing")
STRIPE_USER = schemas.key("im.stripeAccount/user")
REVIEW_AUTHOR = schemas.key("im.review/author")
REVIEW_SUBJECT = schemas.key("im.review/subject")
REVIEW_LISTING = schemas.key("im.review/listing")

#: The types whose rows' creation times reviews are compared with (review-before-created).
CREATED_TYPES = ("user", "listing")

#: What the cross-row checker keys a row on besides its id, by type: the ``key`` column of
#: :meth:`Ledger.take` (a user's primary email, an image's URL).
CROSS_KEYS: dict[str, tuple[Keyword, ...]] = {
    "user": (PRIMARY_EMAIL, EMAIL_ADDRESS),
    "image": (schemas.key("im.image/url"),),
}
#: The creation time the checker compares reviews by, by type: the ``created`` column.
CREATED_AT: dict[str, tuple[Keyword, ...]] = {
    name: (schemas.key(f"im.{name}/createdAt"),) for name in (*CREATED_TYPES, "review")
}
# Beyond 2**53 microseconds from 1970 (years before 1685 or after 2255) a time's float
# seconds are not the Int64 column's, cast: such rows take the per-row path.
EXACT_MICROSECONDS = 2**53


def seconds_of(value: Any) -> float | None:
    """A creation time as the cross-row checker compares it (``datetime.timestamp()`` of an
    aware datetime), ``None`` for anything else."""
    from datetime import datetime

    if type(value) is datetime and value.tzinfo is not None:
        return value.timestamp()
    return None


_PLAIN = r"^[0-9]+$"


@dataclass(frozen=True)
class RefSpec:
    """A reference mapping of a record spec, by column: ``ref{index}`` holds target ids."""

    index: int
    path: tuple[Keyword, ...]
    target: str
    required: bool

    @property
    def column(self) -> str:
        """The candidates' column of this reference's target source ids."""
        return f"ref{self.index}"

    @property
    def text(self) -> str:
        """The attribute as messages name it (``:im.listing/author``)."""
        return " ".join(repr(key) for key in self.path)


@dataclass(slots=True)
class Reject:
    """One line of the rejects file, before its origin is known (a run may hold hundreds of
    thousands: slots, and the values as JSON text where they are made in bulk)."""

    record_type: str
    source_id: str | None
    phase: int  # 0 read, 1 checks before settling, 2 settled by the cross-row checker, 3 cascade
    order: int
    spec: int
    record: int
    code: str
    message: str
    values: dict[str, Any] | str  # or the JSON text of the values column


#: The columns of :class:`RejectBook`'s frames (a :class:`Reject` each row).
REJECT_SCHEMA = {
    "record_type": pl.String,
    "source_id": pl.String,
    "phase": pl.UInt8,
    "order": pl.Int64,
    "spec": pl.Int64,
    "record": pl.Int64,
    "code": pl.String,
    "message": pl.String,
    "values": pl.String,
}


#: The columns a :class:`RejectBook` keeps in memory per reject (the rest is spilled).
REJECT_KEYS = {
    "record_type": pl.String,
    "source_id": pl.String,
    "phase": pl.UInt8,
    "order": pl.Int64,
    "spec": pl.Int64,
    "record": pl.Int64,
    "offset": pl.Int64,
    "length": pl.Int64,
}

#: The columns of a rejects line after its source and origin, in the file's order.
_LINE_TAIL = ("record_type", "source_id", "code", "message", "values")


class RejectBook:
    """The rejects of a run, in the order they were made: their sort keys as column chunks,
    the rest of each rejects-file line on disk.

    A fifth of a real export's rows may be rejected. A reject's line is known when it is made
    except for its origin (found at the end, for rejected rows only): so the line from the
    row type on (type, source id, rule, message, values) is written as CSV right away, as
    columns, to a spill file, and only the sort keys and the text's place stay in memory.
    Single rejects are gathered as tuples and turned into a chunk now and then; rejects made
    in bulk (a batch's failed rows, the cascade) arrive as frames.
    """

    #: Single rejects gathered before they become a chunk.
    FLUSH = 20_000

    def __init__(self, spill_dir: Any = None) -> None:
        self.chunks: list[pl.DataFrame] = []
        self._rows: list[tuple[Any, ...]] = []
        self._spill_dir = spill_dir
        self._spill: Spill | None = None
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def add(self, reject: Reject) -> None:
        """One reject (its values as the rejects file writes them)."""
        values = reject.values
        self._rows.append(
            (
                reject.record_type, reject.source_id, reject.phase, reject.order, reject.spec,
                reject.record, reject.code, reject.message,
                values if isinstance(values, str) else values_json(values),
            )
        )  # fmt: skip
        self.count += 1
        if len(self._rows) >= self.FLUSH:
            self._flush()

    def add_frame(self, frame: pl.DataFrame) -> None:
        """Rejects made in bulk: a frame with :data:`REJECT_SCHEMA`'s columns."""
        if not frame.height:
            return
        self._flush()  # keep the order they were made in
        self._store(frame.select(pl.col(name).cast(kind) for name, kind in REJECT_SCHEMA.items()))
        self.count += frame.height

    def _flush(self) -> None:
        if self._rows:
            self._store(pl.DataFrame(self._rows, schema=REJECT_SCHEMA, orient="row"))
            self._rows = []

    def _store(self, frame: pl.DataFrame) -> None:
        if self._spill is None:
            self._spill = Spill(self._spill_dir)
        keys = [name for name in REJECT_KEYS if name in frame.columns]
        # A slice at a time: the lines' text is the size of the messages again.
        for begin in range(0, frame.height, self.FLUSH):
            part = frame.slice(begin, self.FLUSH)
            tails = part.select(csv_fields([pl.col(name) for name in _LINE_TAIL])).to_series()
            lengths = tails.str.len_bytes().cast(pl.Int64) + 1
            start = self._spill.append_lines(tails)
            del tails
            if self._spill.size != start + int(lengths.sum()):
                raise RuntimeError("the rejects spill holds other bytes than the lines given")
            offsets = lengths.cum_sum() - lengths + start
            self.chunks.append(
                part.select(keys).with_columns(offsets.alias("offset"), lengths.alias("length"))
            )

    def frame(self) -> pl.DataFrame:
        """Every reject's keys (:data:`REJECT_KEYS`), in the order they were made (the chunks
        are released)."""
        self._flush()
        if not self.chunks:
            return pl.DataFrame(schema=REJECT_KEYS)
        frame = pl.concat(self.chunks, rechunk=True)
        self.chunks = [frame]
        return frame

    def tails(self, offsets: Sequence[int], lengths: Sequence[int]) -> list[str]:
        """The spilled part of each reject's line (from its row type on, with the newline),
        in the order given."""
        spill = self._spill
        if spill is None or not offsets:
            return []
        return [data.decode("utf-8") for data in read_each(spill, offsets, lengths)]

    def close(self) -> None:
        """Delete the spill."""
        if self._spill is not None:
            self._spill.close()


class LateRejects:
    """The kept rows of one type rejected while settling (source id -> rule code; the last
    code given a source id stands). Rejects made one at a time (a check before settling) and
    the cascade's, made in bulk, are both kept as frames: a run's cascade can reject hundreds
    of thousands of rows, which as a Python dict would be one of the run's largest objects."""

    def __init__(self) -> None:
        self._parts: list[pl.DataFrame] = []
        self._pending: dict[str, str] = {}
        self._frame: pl.DataFrame | None = None
        self._set: set[str] | None = None

    def __bool__(self) -> bool:
        return bool(self._parts or self._pending)

    def add(self, sid: str, code: str) -> None:
        """Reject one row."""
        self._pending.pop(sid, None)  # re-inserted last: its code is the latest
        self._pending[sid] = code
        self._frame = self._set = None

    def add_frame(self, frame: pl.DataFrame) -> None:
        """Reject many rows: a frame of ``sid`` and ``code``."""
        self._flush()
        self._parts.append(frame.select(pl.col("sid").cast(pl.String), pl.col("code")))
        self._frame = self._set = None

    def _flush(self) -> None:
        if self._pending:
            self._parts.append(
                pl.DataFrame(
                    {"sid": list(self._pending), "code": list(self._pending.values())},
                    schema={"sid": pl.String, "code": pl.String},
                )
            )
            self._pending = {}

    def frame(self) -> pl.DataFrame:
        """One row per rejected source id: ``sid``, ``code`` (the latest)."""
        if self._frame is None:
            self._flush()
            parts = self._parts or [pl.DataFrame(schema={"sid": pl.String, "code": pl.String})]
            self._frame = pl.concat(parts).unique("sid", keep="last", maintain_order=True)
            self._parts = [self._frame]
        return self._frame

    def sids(self) -> pl.Series:
        """The rejected source ids."""
        return self.frame().get_column("sid")

    def __contains__(self, sid: object) -> bool:
        if sid in self._pending:
            return True
        if not self._parts:
            return False
        if self._set is None:
            self._set = set(self.sids().to_list())
        return sid in self._set


@dataclass
class _Type:
    """Per-type state: every source id seen (with its row's outcome), and the spill."""

    name: str
    chunks: list[pl.DataFrame] = field(default_factory=list)
    _seen: pl.Series | None = None
    owners: dict[str, str] = field(default_factory=dict)  # alias names of non-plain ids
    owner_seq: dict[str, int] = field(default_factory=dict)
    added: list[pl.Series] = field(default_factory=list)  # sids the cross-row checker saw
    _added: pl.Series | None = None
    # sid and creation time (POSIX seconds, null when unknown) of the rows added (users and
    # listings, which reviews are compared with)
    created: list[pl.DataFrame] = field(default_factory=list)
    # Warnings the cross-row checks give kept rows (one row of sid and code per warning):
    # frames made in bulk (the reviews' of settling), and single ones gathered as pairs.
    warning_frames: list[pl.DataFrame] = field(default_factory=list)
    _warnings: list[tuple[str, str]] = field(default_factory=list)
    late_rejects: LateRejects = field(default_factory=LateRejects)  # sid -> code (settle)
    doomed: list[pl.Series] = field(default_factory=list)  # see Ledger.doomed_ids

    def warn(self, sid: str, code: str) -> None:
        """One warning of ``code`` on the row of ``sid`` (counted if the row is written)."""
        self._warnings.append((sid, code))

    def warnings(self) -> pl.DataFrame:
        """Every warning noted, as rows of ``sid`` and ``code``."""
        if self._warnings:
            self.warning_frames.append(
                pl.DataFrame(
                    self._warnings, schema={"sid": pl.String, "code": pl.String}, orient="row"
                )
            )
            self._warnings = []
        if not self.warning_frames:
            return pl.DataFrame(schema={"sid": pl.String, "code": pl.String})
        return pl.concat(self.warning_frames)

    def seen(self) -> pl.Series:
        if self._seen is None:
            parts = [chunk.get_column("sid") for chunk in self.chunks]
            self._seen = pl.concat(parts) if parts else pl.Series("sid", [], dtype=pl.String)
        return self._seen

    def added_ids(self) -> pl.Series:
        if self._added is None:
            self._added = (
                pl.concat(self.added) if self.added else pl.Series("sid", [], dtype=pl.String)
            )
        return self._added

    def nodes(self) -> pl.DataFrame:
        if len(self.chunks) > 1:
            self.chunks = [pl.concat(self.chunks, rechunk=True)]
        if not self.chunks:
            return pl.DataFrame(schema=_NODE_SCHEMA)
        return self.chunks[0]


_NODE_SCHEMA = {
    "sid": pl.String,
    "seq": pl.Int64,
    "spec": pl.Int64,
    "record": pl.Int64,
    "state": pl.UInt8,
    "code": pl.String,
    "offset": pl.Int64,
    "length": pl.Int64,
    "warnings": pl.String,
}


class Ledger:
    """The cross-row state of one columnar run (see the module docstring)."""

    def __init__(
        self,
        ident: str,
        record_types: list[str],
        final_after: dict[str, int],
        spill_dir: Any = None,
        aliases: bool = True,
    ) -> None:
        self.ident = ident
        self.aliases = aliases  # rows have aliases, so aliases can collide
        self.types = {name: _Type(name) for name in record_types}
        self.spill = Spill(spill_dir)
        self.counts: dict[str, TypeCounts] = {}
        self.rejects = RejectBook(spill_dir)
        self.emails: dict[str, str] = {}  # folded address -> first user's source id
        self.stripe_owner: dict[str, str] = {}  # user sid -> first Stripe account sid
        self.stripe_pending: list[tuple[int, str, str]] = []  # (seq, account sid, user sid)
        self.avatars: list[tuple[int, str, str, bool]] = []  # (seq, user sid, image sid, now)
        self.loose_images: list[str] = []
        self.listing_images: list[pl.Series] = []  # images with a listing, by batch
        # Reviews added: sid, author, subject, listing (target sids) and created (seconds).
        self.reviews: list[pl.DataFrame] = []
        # (listing sid, url) of the images with a listing added so far: image-url-duplicate.
        self.image_urls: list[pl.DataFrame] = []
        self.refs: list[pl.DataFrame] = []
        self._ref_ids: dict[tuple[str, int], int] = {}
        self.ref_meta: dict[int, tuple[str, str, str, bool]] = {}  # from type, path, target, req.
        # Types whose rows are all read and none has a required reference or can be rejected
        # when settling: a reference to a kept row of such a type can never matter.
        self.final_after = final_after
        self.specs_done = -1

    def close(self) -> None:
        """Delete the spill."""
        self.spill.close()
        self.rejects.close()

    def counts_of(self, record_type: str) -> TypeCounts:
        """The counts of ``record_type`` (created on first use)."""
        counts = self.counts.get(record_type)
        if counts is None:
            counts = self.counts[record_type] = TypeCounts()
        return counts

    def spill_texts(self, texts: pl.Series) -> tuple[pl.Series, pl.Series]:
        """Write candidate rows' edn texts to the spill; returns each text's offset and
        length (with its newline), for :meth:`take`'s rows. A null (a row without text: a
        reject, or one the per-row path takes) is not written: its length is 0.

        The nulls are dropped, not filled: dropping keeps the texts' bytes where they are,
        filling would copy every text (the whole output, a fifth of a run's page faults)."""
        return self.spill_written(texts.drop_nulls(), texts.is_not_null())

    def spill_written(self, texts: pl.Series, written: pl.Series) -> tuple[pl.Series, pl.Series]:
        """:meth:`spill_texts` for a batch whose ``texts`` are those of the rows ``written``
        marks only (in their order): the other rows get length 0."""
        start = self.spill.size
        if texts.len():
            start = self.spill.append_lines(texts)
        lengths = texts.str.len_bytes().cast(pl.Int64) + 1
        if not written.all():
            lengths = pl.zeros(written.len(), dtype=pl.Int64, eager=True).scatter(
                written.arg_true(), lengths
            )
        offsets = lengths.cum_sum() - lengths + start
        return offsets.alias("offset"), lengths.alias("length")

    def doomed_ids(self, record_type: str) -> pl.Series:
        """The source ids of ``record_type`` rows read so far that will not be written: the
        first row of the id was rejected, or it names in a required reference a row that
        will not be written (the cascade rejects it when settling; its text was not built).
        Nothing that happens later keeps such a row, so a row whose required reference
        names one of these ids needs no text either."""
        state = self.types.get(record_type)
        if state is None:  # a type no record table makes: its references are unresolved
            return pl.Series("sid", [], dtype=pl.String)
        if len(state.doomed) != 1:
            parts = state.doomed or [pl.Series("sid", [], dtype=pl.String)]
            state.doomed = [pl.concat(parts).unique()]
        return state.doomed[0]

    def _reject(self, reject: Reject) -> None:
        self.counts_of(reject.record_type).rejected[reject.code] += 1
        self.rejects.add(reject)

    def _reject_frame(self, frame: pl.DataFrame, record_type: str | None = None) -> None:
        """Rejects made in bulk (see :meth:`RejectBook.add_frame`), of ``record_type`` or of
        the frame's ``record_type`` column."""
        if not frame.height:
            return
        if record_type is not None:
            frame = frame.with_columns(pl.lit(record_type).alias("record_type"))
        counted = frame.group_by("record_type", "code").len().sort("record_type", "code")
        for name, code, number in counted.iter_rows():
            self.counts_of(name).rejected[code] += number
        self.rejects.add_frame(frame)

    # one batch -----------------------------------------------------------------------------

    def take(self, record_type: str, spec: int, refs: list[RefSpec], rows: pl.DataFrame) -> None:
        """Decide one batch of rows of one spec, in ``seq`` order (see the module docstring).

        ``rows`` has ``seq``, ``record``, ``sid``, ``status``, ``code``, ``message``, ``values``
        (a JSON object's text), ``offset`` and ``length`` (where the row's edn text is in
        :attr:`spill`, see :meth:`spill_texts`), ``warnings``, ``key`` (the primary email of a
        user, the URL of an image), ``created`` (the creation time in POSIX seconds, as the
        cross-row checker compares it) and one column per reference (:attr:`RefSpec.column`).
        """
        state = self.types[record_type]
        rows = rows.sort("seq")
        if self.aliases:
            rows = self._collisions(state, rows)
        sid, status = pl.col("sid"), pl.col("status")
        # The ids read before that this batch repeats: found with the hash built on the
        # batch's ids, not on every id read so far.
        seen = state.seen()
        if seen.len():
            seen = seen.filter(seen.is_in(rows.get_column("sid").drop_nulls().implode()))
        rows = rows.with_columns(
            (sid.is_not_null() & ~sid.is_in(seen.implode()) & sid.is_first_distinct()).alias(
                "fresh"
            )
        )
        fresh = pl.col("fresh")
        # The first row of an id: rejected while mapping or by the row checks, or added.
        failed = rows.filter(fresh & (status != CANDIDATE))
        self._reject_frame(
            failed.select(
                pl.col("sid").alias("source_id"),
                pl.lit(0, dtype=pl.UInt8).alias("phase"),
                pl.col("seq").alias("order"),
                pl.lit(spec, dtype=pl.Int64).alias("spec"),
                "record",
                "code",
                "message",
                _values_text(pl.col("values")),
            ),
            record_type,
        )
        added = rows.filter(fresh & (status == CANDIDATE))
        state.added.append(added.get_column("sid"))
        state._added = None
        if record_type in CREATED_TYPES:
            state.created.append(added.select("sid", "created"))
        verdicts = self._cross(record_type, spec, refs, added)
        accepted = verdicts.filter(pl.col("cross").is_null())
        self._store(state, spec, accepted, failed.select("sid", "seq", "record", "code"), verdicts)
        # A candidate without text is one the plan found doomed (a kept row's text holds at
        # least its newline); with the rows rejected, none of these ids will be written.
        doomed = pl.concat(
            [
                failed.get_column("sid"),
                verdicts.filter(pl.col("cross").is_not_null()).get_column("sid"),
                accepted.filter(pl.col("length") == 0).get_column("sid"),
            ]
        ).drop_nulls()
        if doomed.len():
            state.doomed.append(doomed)
        self._keep_refs(record_type, refs, accepted)
        # Later rows of an id seen before, and rows without an id.
        later = rows.filter(~fresh)
        if later.height:
            firsts = state.nodes().select("sid", pl.col("state").alias("first"))
            later = later.join(firsts, on="sid", how="left", maintain_order="left")
            for row in later.select(
                "seq", "record", "sid", "status", "code", "message", "values", "first"
            ).iter_rows():
                seq, record, source_id, row_status, code, message, values, first = row
                if row_status != MAP_REJECTED and source_id is not None:
                    kept = "is kept" if first == ACCEPTED else "was rejected"
                    code = "source-id-duplicate"
                    message = (
                        f"source id {show(source_id, cut=False)} was already read for another "
                        f"{record_type} row (the first one {kept})"
                    )
                    found: dict[str, Any] | str = {"id": source_id}
                else:
                    found = _values(values)
                self._reject(
                    Reject(record_type, source_id, 0, seq, spec, record, code, message, found)
                )
        self.counts_of(record_type).read += rows.height

    def _collisions(self, state: _Type, rows: pl.DataFrame) -> pl.DataFrame:
        """``alias-collision``: a row whose alias another source id claimed first."""
        record_type = state.name
        letter = record_type[0] if record_type[:1].isascii() and record_type[:1].isalpha() else None
        with_sid = rows.filter(pl.col("sid").is_not_null())
        plain = with_sid.get_column("sid").str.contains(_PLAIN)
        if letter is not None and bool(plain.all()) and not state.owners:
            return rows  # plain ids only: every alias is the type letter and the id
        collided: dict[int, str] = {}  # seq -> owner
        seqs = with_sid.get_column("seq").to_list()
        sids = with_sid.get_column("sid").to_list()
        plain_flags = plain.to_list()
        seen = state.seen()
        first_plain: dict[str, int] = {}
        names: list[str | None] = []
        candidates: set[str] = set()  # the plain ids the batch's other aliases would take
        for seq, sid, is_plain in zip(seqs, sids, plain_flags, strict=True):
            if is_plain and letter is not None:
                first_plain.setdefault(sid, seq)
                names.append(None)
                continue
            alias = alias_name(record_type, sid)
            names.append(alias)
            start = alias[1:] if letter is not None and alias[:1] == letter else None
            if start is not None and start != sid and re.fullmatch("[0-9]+", start):
                candidates.add(start)
        # Which of them earlier batches hold: one look-up for the batch, not one per row.
        taken = set(seen.filter(seen.is_in(list(candidates))).to_list()) if candidates else set()
        for seq, sid, name in zip(seqs, sids, names, strict=True):
            if name is None:
                assert letter is not None
                owner = state.owners.get(letter + sid)
                if owner is not None and owner != sid and state.owner_seq[letter + sid] < seq:
                    collided[seq] = owner
                continue
            owner = state.owners.get(name)
            digits = name[1:] if letter is not None and name[:1] == letter else None
            # A plain id before this row owns the alias, unless another id had claimed it first
            # (then that plain row collided, and the one that claimed it is the owner).
            if owner is None and digits is not None and digits != sid and digits in candidates:
                before = first_plain.get(digits)
                if (before is not None and before < seq) or digits in taken:
                    collided[seq] = digits
                    continue
            if owner is None:
                state.owners[name] = sid
                state.owner_seq[name] = seq
            elif owner != sid:
                collided[seq] = owner
        if not collided:
            return rows
        messages = {}
        for seq, sid in zip(seqs, sids, strict=True):
            owner = collided.get(seq)
            if owner is not None:
                keyword = Keyword.of(record_type, alias_name(record_type, sid))
                messages[seq] = str(AliasCollision(keyword, owner, sid))
        hit = pl.col("seq").is_in(list(messages))
        message = pl.col("seq").replace_strict(
            list(messages), list(messages.values()), default=None, return_dtype=pl.String
        )
        return rows.with_columns(
            pl.when(hit)
            .then(MAP_REJECTED)
            .otherwise(pl.col("status"))
            .cast(pl.UInt8)
            .alias("status"),
            pl.when(hit).then(pl.lit("alias-collision")).otherwise(pl.col("code")).alias("code"),
            pl.when(hit).then(message).otherwise(pl.col("message")).alias("message"),
            pl.when(hit).then(pl.lit("{}")).otherwise(pl.col("values")).alias("values"),
        )

    # the cross-row checker's rules at add time ----------------------------------------------

    def _cross(
        self, record_type: str, spec: int, refs: list[RefSpec], added: pl.DataFrame
    ) -> pl.DataFrame:
        """Add ``added`` (in seq order) as the cross-row checker adds rows; the column
        ``cross`` of the result holds the reject code of the rows it rejects."""
        added = added.with_columns(pl.lit(None, dtype=pl.String).alias("cross"))
        if record_type == "user":
            added = self._emails(spec, added)
            avatar = _ref_at(refs, (PROFILE, AVATAR))
            if avatar is not None:
                self._add_avatars(added, avatar)
        elif record_type == "stripeAccount":
            user = _ref_at(refs, (STRIPE_USER,))
            if user is not None:
                added = self._stripe(spec, added, user)
        elif record_type == "image":
            listing = _ref_at(refs, (IMAGE_LISTING,))
            has = added.get_column(listing.column).is_not_null() if listing else None
            sids = added.get_column("sid")
            if has is None:
                self.loose_images.extend(sids.to_list())
            else:
                assert listing is not None
                self.loose_images.extend(sids.filter(~has).to_list())
                self.listing_images.append(sids.filter(has))
                self._image_urls(added, listing)
        elif record_type == "review":
            author = _ref_at(refs, (REVIEW_AUTHOR,))
            subject = _ref_at(refs, (REVIEW_SUBJECT,))
            if author is not None and subject is not None:
                listing = _ref_at(refs, (REVIEW_LISTING,))
                self.reviews.append(
                    added.filter(
                        pl.col(author.column).is_not_null() & pl.col(subject.column).is_not_null()
                    ).select(
                        "sid",
                        pl.col(author.column).alias("author"),
                        pl.col(subject.column).alias("subject"),
                        (pl.col(listing.column) if listing else pl.lit(None, pl.String)).alias(
                            "listing"
                        ),
                        "created",
                    )
                )
        return added

    def _image_urls(self, added: pl.DataFrame, listing: RefSpec) -> None:
        """``image-url-duplicate``: an image whose listing has an image with its URL already
        (a warning on the later one)."""
        pairs = added.filter(pl.col(listing.column).is_not_null() & pl.col("key").is_not_null())
        pairs = pairs.select(
            "sid",
            pl.col(listing.column).alias("listing"),
            pl.col("key").alias("url"),
            pl.struct(listing.column, "key").is_first_distinct().alias("first"),
        )
        if self.image_urls:
            # The pairs seen before that this batch repeats (the hash built on the batch's).
            known = (
                pl.concat(self.image_urls)
                .join(pairs.select("listing", "url"), on=["listing", "url"], how="semi")
                .unique()
                .with_columns(pl.lit(True).alias("known"))
            )
            pairs = pairs.join(known, on=["listing", "url"], how="left", maintain_order="left")
            repeated = pl.col("known").fill_null(False) | ~pl.col("first")
        else:
            repeated = ~pl.col("first")
        images = self.types["image"]
        for sid in pairs.filter(repeated).get_column("sid").to_list():
            images.warn(sid, "image-url-duplicate")
        self.image_urls.append(pairs.filter(~repeated).select("listing", "url"))

    def _emails(self, spec: int, added: pl.DataFrame) -> pl.DataFrame:
        """``email-duplicate``: a later user whose primary email, stripped and case-folded,
        an earlier user has."""
        address = pl.col("key")
        stripped = py_strip(address)
        usable = address.is_not_null() & (stripped != "")
        folded = pl.when(is_ascii(stripped)).then(stripped.str.to_lowercase())
        frame = added.with_columns(pl.when(usable).then(folded).alias("folded"))
        other = frame.filter(usable & ~is_ascii(stripped))
        if other.height:  # Python's casefold beyond ASCII (ß, ſ, K …)
            texts = other.get_column("key").to_list()
            folds = {text: text.strip().casefold() for text in texts}
            frame = frame.with_columns(
                pl.when(usable & ~is_ascii(stripped))
                .then(address.replace_strict(folds, default=None, return_dtype=pl.String))
                .otherwise(pl.col("folded"))
                .alias("folded")
            )
        keys = frame.get_column("folded")
        known = pl.Series(list(self.emails), dtype=pl.String)
        frame = frame.with_columns(
            (
                pl.col("folded").is_not_null()
                & (pl.col("folded").is_in(known.implode()) | ~pl.col("folded").is_first_distinct())
            ).alias("dup")
        )
        dups = frame.filter(pl.col("dup"))
        firsts = frame.filter(pl.col("folded").is_not_null() & ~pl.col("dup"))
        batch_first = dict(zip(firsts["folded"].to_list(), firsts["sid"].to_list(), strict=True))
        for row in dups.iter_rows(named=True):
            first = self.emails.get(row["folded"]) or batch_first[row["folded"]]
            self._reject(
                Reject(
                    "user", row["sid"], 0, row["seq"], spec, row["record"], "email-duplicate",
                    f"{EMAIL_ADDRESS!r} {show(row['key'])} is already the primary email of "
                    f"user {show(first, cut=False)}; primary emails must be unique (ignoring case)",
                    {repr(EMAIL_ADDRESS): row["key"]},
                )
            )  # fmt: skip
        self.emails.update(batch_first)
        del keys
        return frame.with_columns(
            pl.when(pl.col("dup"))
            .then(pl.lit("email-duplicate"))
            .otherwise(pl.col("cross"))
            .alias("cross")
        ).drop("folded", "dup")

    def _stripe(self, spec: int, added: pl.DataFrame, user: RefSpec) -> pl.DataFrame:
        """``stripe-account-duplicate`` for accounts whose user was added before them; the
        rest wait for :meth:`settle`."""
        target = pl.col(user.column)
        users = self.types.get("user")
        known = users.added_ids() if users is not None else pl.Series([], dtype=pl.String)
        frame = added.with_columns(
            (target.is_not_null() & target.is_in(known.implode())).alias("now"),
        )
        now = frame.filter(pl.col("now"))
        owners = pl.Series(list(self.stripe_owner), dtype=pl.String)
        now = now.with_columns(
            (
                pl.col(user.column).is_in(owners.implode())
                | ~pl.col(user.column).is_first_distinct()
            ).alias("dup")
        )
        firsts = now.filter(~pl.col("dup"))
        batch_first = dict(zip(firsts[user.column].to_list(), firsts["sid"].to_list(), strict=True))
        dup_seqs = []
        from migrate.convert.ids import id_attr, import_id

        for row in now.filter(pl.col("dup")).iter_rows(named=True):
            owner = self.stripe_owner.get(row[user.column]) or batch_first[row[user.column]]
            ref = Ref.to_id(id_attr("user"), import_id(self.ident, "user", row[user.column]))
            self._reject(
                Reject(
                    "stripeAccount", row["sid"], 0, row["seq"], spec, row["record"],
                    "stripe-account-duplicate",
                    f"user {show(ref)} already has a Stripe account "
                    f"(stripeAccount {show(owner, cut=False)}); a user has at most one",
                    {repr(STRIPE_USER): show(ref)},
                )
            )  # fmt: skip
            dup_seqs.append(row["seq"])
        self.stripe_owner.update(batch_first)
        later = frame.filter(~pl.col("now") & target.is_not_null())
        self.stripe_pending.extend(later.select("seq", "sid", user.column).iter_rows())
        return frame.with_columns(
            pl.when(pl.col("seq").is_in(dup_seqs))
            .then(pl.lit("stripe-account-duplicate"))
            .otherwise(pl.col("cross"))
            .alias("cross")
        ).drop("now")

    def _add_avatars(self, added: pl.DataFrame, avatar: RefSpec) -> None:
        images = self.types.get("image")
        known = images.added_ids() if images is not None else pl.Series([], dtype=pl.String)
        rows = added.filter(pl.col(avatar.column).is_not_null()).select(
            "seq", "sid", avatar.column, pl.col(avatar.column).is_in(known.implode()).alias("now")
        )
        self.avatars.extend(rows.iter_rows())

    # storing ----------------------------------------------------------------------------------

    def _store(
        self,
        state: _Type,
        spec: int,
        accepted: pl.DataFrame,
        rejected: pl.DataFrame,
        verdicts: pl.DataFrame,
    ) -> None:
        cross_rejected = verdicts.filter(pl.col("cross").is_not_null()).select(
            "sid", "seq", "record", pl.col("cross").alias("code")
        )
        rejected = rejected.select("sid", "seq", "record", pl.col("code").cast(pl.String))
        kept = accepted.select(
            "sid", "seq", "record",
            pl.lit(ACCEPTED, dtype=pl.UInt8).alias("state"),
            pl.lit(None, dtype=pl.String).alias("code"),
            "offset", "length", "warnings",
        )  # fmt: skip
        gone = pl.concat([rejected, cross_rejected]).select(
            "sid", "seq", "record",
            pl.lit(REJECTED, dtype=pl.UInt8).alias("state"),
            "code",
            pl.lit(None, dtype=pl.Int64).alias("offset"),
            pl.lit(None, dtype=pl.Int64).alias("length"),
            pl.lit(None, dtype=pl.String).alias("warnings"),
        )  # fmt: skip
        chunk = pl.concat([kept, gone]).with_columns(pl.lit(spec, dtype=pl.Int64).alias("spec"))
        state.chunks.append(chunk.select(list(_NODE_SCHEMA)))
        state._seen = None

    def _keep_refs(self, record_type: str, refs: list[RefSpec], accepted: pl.DataFrame) -> None:
        """Record the references of kept rows that may still matter when settling: by the
        referring row's seq and the target's, looked up now among the rows read so far."""
        for ref in refs:
            ref_id = self._ref_ids.setdefault((record_type, ref.index), len(self._ref_ids))
            self.ref_meta[ref_id] = (record_type, ref.text, ref.target, ref.required)
            picked = accepted.filter(pl.col(ref.column).is_not_null()).select(
                pl.col("seq").alias("from_seq"),
                (pl.col("seq") * 64 + ref.index).alias("order"),
                pl.lit(ref_id, dtype=pl.Int32).alias("ref_id"),
                pl.col(ref.column).alias("target_sid"),
                pl.lit(ref.required).alias("required"),
            )
            target = self.types.get(ref.target)
            nodes = target.nodes() if target is not None else pl.DataFrame(schema=_NODE_SCHEMA)
            # The target rows these references name first (the hash built on the batch's
            # few targets, not on every row of the type read so far), then joined to them.
            named = nodes.select(
                pl.col("sid").alias("target_sid"),
                pl.col("seq").alias("target_seq"),
                pl.col("state").alias("target_state"),
            ).join(picked.select("target_sid").unique(), on="target_sid", how="semi")
            picked = picked.join(named, on="target_sid", how="left", maintain_order="left")
            if self._is_final(ref.target):
                # Kept rows of this type stay kept: only references to others can matter.
                picked = picked.filter((pl.col("target_state") != ACCEPTED).fill_null(True))
            if picked.height:
                self.refs.append(picked.drop("target_state"))

    def _is_final(self, record_type: str) -> bool:
        last = self.final_after.get(record_type)
        return last is not None and last <= self.specs_done

    # settling -------------------------------------------------------------------------------

    def accepted_rows(self) -> AcceptedRows:
        """What a ``before_settle`` check (``pipeline.RunOptions``) sees of this run."""
        return AcceptedRows(self)

    def reject_late(
        self, record_type: str, sid: str, seq: int, code: str, message: str, values: Any
    ) -> None:
        """Reject a kept row after the read phase (a check before settling)."""
        self.types[record_type].late_rejects.add(sid, code)
        spec, record = spec_record(seq)
        self._reject(Reject(record_type, sid, 1, seq, spec, record, code, message, values))

    def settle(self) -> None:
        """What the cross-row checker settles at the end, then the cascade and the drops."""
        self._settle_stripe()
        self._settle_avatars()
        self._settle_reviews()
        self._cascade()

    def _settle_stripe(self) -> None:
        from migrate.convert.ids import id_attr, import_id

        users = self.types.get("user")
        if not self.stripe_pending or users is None:
            return
        known = set(users.added_ids().to_list())
        state = self.types["stripeAccount"]
        for seq, sid, user in self.stripe_pending:
            if user not in known:
                continue  # unresolved: the cascade decides
            owner = self.stripe_owner.get(user)
            if owner is None:
                self.stripe_owner[user] = sid
                continue
            if sid in state.late_rejects:
                continue  # rejected by a batch check already: that reason stands
            ref = Ref.to_id(id_attr("user"), import_id(self.ident, "user", user))
            state.late_rejects.add(sid, "stripe-account-duplicate")
            message = (
                f"user {show(ref)} already has a Stripe account "
                f"(stripeAccount {show(owner, cut=False)}); a user has at most one"
            )
            spec, record = spec_record(seq)
            self._reject(
                Reject(
                    "stripeAccount", sid, 2, seq, spec, record, "stripe-account-duplicate",
                    message, {},
                )
            )  # fmt: skip

    def _settle_avatars(self) -> None:
        images = self.types.get("image")
        known = set(images.added_ids().to_list()) if images is not None else set()
        users = self.types.get("user")
        first: dict[str, str] = {}
        ordered = [item for item in self.avatars if item[3]] + [
            item for item in self.avatars if not item[3]
        ]
        for _, user, image, _ in ordered:
            if image not in known:
                continue
            if image in first:
                if users is not None:
                    users.warn(user, "avatar-shared")
            else:
                first[image] = user
        if images is None:
            return
        listing = (
            pl.concat(self.listing_images)
            if self.listing_images
            else pl.Series([], dtype=pl.String)
        )
        avatars = pl.Series(list(first), dtype=pl.String)
        both = set(avatars.filter(avatars.is_in(listing.implode())).to_list())
        for image in first:
            if image in both:
                images.warn(image, "avatar-shared")
        for image in self.loose_images:
            if image not in first:
                images.warn(image, "image-unreferenced")

    def _settle_reviews(self) -> None:
        """``review-self`` and ``review-before-created``, as the cross-row checker settles a
        review whose author and subject were added (and then its listing, if added)."""
        reviews = self.types.get("review")
        if reviews is None or not self.reviews:
            return
        frame = pl.concat(self.reviews)
        self.reviews = []
        for name, on in (("user", "author"), ("user", "subject"), ("listing", "listing")):
            state = self.types.get(name)
            times = (
                pl.concat(state.created)
                if state is not None and state.created
                else pl.DataFrame(schema={"sid": pl.String, "created": pl.Float64})
            )
            frame = frame.join(
                times.select(
                    pl.col("sid").alias(on),
                    pl.lit(True).alias(f"{on}_added"),
                    pl.col("created").alias(f"{on}_created"),
                ),
                on=on,
                how="left",
                maintain_order="left",
            )
        added = pl.col("author_added").fill_null(False) & pl.col("subject_added").fill_null(False)
        # Creation times are null when unknown, so that comparisons with them are false.
        before_author = (pl.col("created") < pl.col("author_created")).fill_null(False)
        before_listing = pl.col("listing_added").fill_null(False) & (
            pl.col("created") < pl.col("listing_created")
        ).fill_null(False)
        found = frame.filter(added).select(
            "sid",
            (pl.col("author") == pl.col("subject")).alias("self"),
            before_author.alias("author_before"),
            before_listing.alias("listing_before"),
        )
        flagged = found.filter(pl.col("self") | pl.col("author_before") | pl.col("listing_before"))
        # One (sid, code) row per warning, as the cross-row checker counts them: a review
        # older than both its author and its listing has review-before-created twice.
        for column, code in (
            ("self", "review-self"),
            ("author_before", "review-before-created"),
            ("listing_before", "review-before-created"),
        ):
            codes = flagged.filter(pl.col(column)).select("sid", pl.lit(code).alias("code"))
            if codes.height:
                reviews.warning_frames.append(codes)

    def _cascade(self) -> None:
        """Rows whose required reference names a row that is not kept are rejected, as the
        per-row passes do it (in reference order, repeatedly), then optional references to
        rows that are not kept are dropped from their rows."""
        self.dropped: dict[tuple[str, str], list[tuple[str, str]]] = {}
        if not self.refs:
            return
        refs = pl.concat(self.refs)
        self.refs = []
        refs = self._resolve_late_targets(refs)
        # The rows that end up not kept: a fixpoint over the required references, on the
        # (few) rows not kept rather than the many kept ones.
        gone = self._gone_seqs()
        required = refs.filter(pl.col("required")).select("from_seq", "target_seq")
        while True:
            broken = required.filter(
                ~pl.col("from_seq").is_in(gone.implode())
                & (pl.col("target_seq").is_null() | pl.col("target_seq").is_in(gone.implode()))
            )
            if broken.height == 0:
                break
            gone = pl.concat([gone, broken.get_column("from_seq").unique()])
        # Only references to rows not kept in the end can act, in any pass.
        acting = refs.filter(
            pl.col("target_seq").is_null() | pl.col("target_seq").is_in(gone.implode())
        ).sort("order")
        del refs, required, gone
        if acting.height == 0:
            return
        involved = pl.concat(
            [acting.get_column("from_seq"), acting.get_column("target_seq").drop_nulls()]
        ).unique()
        # Each involved row's state and code after the read phase and the checks of settling.
        parts = []
        for state in self.types.values():
            nodes = state.nodes().filter(pl.col("seq").is_in(involved.implode()))
            nodes = nodes.select("seq", "sid", "state", pl.col("code").cast(pl.String))
            if state.late_rejects:
                late = state.late_rejects.frame().rename({"code": "late"})
                nodes = nodes.join(late, on="sid", how="left", maintain_order="left")
                nodes = nodes.select(
                    "seq",
                    "sid",
                    pl.when(pl.col("late").is_not_null())
                    .then(pl.lit(REJECTED, dtype=pl.UInt8))
                    .otherwise(pl.col("state"))
                    .alias("state"),
                    pl.coalesce("late", "code").alias("code"),
                )
            parts.append(nodes)
        info = pl.concat(parts)
        del parts, involved
        meta = pl.DataFrame(
            [
                (ref_id, from_type, path, target_type)
                for ref_id, (from_type, path, target_type, _) in self.ref_meta.items()
            ],
            schema={
                "ref_id": pl.Int32,
                "from_type": pl.String,
                "path": pl.String,
                "target_type": pl.String,
            },
            orient="row",
        )
        edges = (
            acting.select("from_seq", "order", "ref_id", "target_sid", "target_seq", "required")
            .join(meta, on="ref_id", how="left", maintain_order="left")
            .join(
                info.select(pl.col("seq").alias("from_seq"), pl.col("sid").alias("from_sid")),
                on="from_seq",
                how="left",
                maintain_order="left",
            )
            .join(
                info.select(
                    pl.col("seq").alias("target_seq"),
                    pl.col("state").alias("target_state"),
                    pl.col("code").alias("target_code"),
                ),
                on="target_seq",
                how="left",
                maintain_order="left",
            )
            .with_columns(pl.col("target_state").fill_null(0))
        )
        del acting
        accepted = info.filter(pl.col("state") == ACCEPTED).get_column("seq")
        cascaded = self._cascade_passes(edges.filter(pl.col("required")), accepted)
        if cascaded.height:
            self._cascade_rejects(cascaded)
        # Optional and required references of the rows kept in the end: dropped from them.
        gone = cascaded.get_column("from_seq")
        kept = edges.filter(
            pl.col("from_seq").is_in(accepted.implode()) & ~pl.col("from_seq").is_in(gone.implode())
        )
        drop_code = (
            pl.when(pl.col("target_seq").is_not_null() & (pl.col("target_state") != 0))
            .then(pl.lit("ref-target-rejected"))
            .otherwise(pl.lit("ref-unresolved"))
        )
        for from_type, from_sid, path, code in kept.select(
            "from_type", "from_sid", "path", drop_code
        ).iter_rows():
            self.dropped.setdefault((from_type, from_sid), []).append((path, code))

    def _cascade_passes(self, required: pl.DataFrame, accepted: pl.Series) -> pl.DataFrame:
        """The rows the cascade rejects, as the per-row passes do it: each pass visits the
        required references in order and rejects a kept row at its first reference whose
        target is not kept at that moment (rejected before the pass, or earlier in it: a
        row of a smaller seq), until a pass rejects nothing. Returns, per rejected row in
        the order rejected, the reference it was rejected at and its code and message."""
        # Rows rejected by the cascade so far: seq, the pass, the code.
        done = pl.DataFrame(schema={"seq": pl.Int64, "pass": pl.Int64, "code": pl.String})
        found: list[pl.DataFrame] = []
        required = required.filter(pl.col("from_seq").is_in(accepted.implode()))
        number = 0
        while True:
            number += 1
            alive = required.filter(~pl.col("from_seq").is_in(done.get_column("seq").implode()))
            if not alive.height:
                break
            alive = alive.join(
                done.select(
                    pl.col("seq").alias("target_seq"),
                    pl.col("pass").alias("target_pass"),
                    pl.col("code").alias("target_cascade"),
                ),
                on="target_seq",
                how="left",
                maintain_order="left",
            )
            before = (pl.col("target_state") != ACCEPTED) | pl.col("target_pass").is_not_null()
            now: pl.Series = pl.Series("seq", [], dtype=pl.Int64)
            # This pass's rejects: a fixpoint, as a row sees rows of smaller seqs rejected in
            # the same pass (each round can only add rows).
            while True:
                bad = before | (
                    pl.col("target_seq").is_in(now.implode())
                    & (pl.col("target_seq") < pl.col("from_seq"))
                )
                hit = alive.filter(bad)
                rows = hit.get_column("from_seq").unique()
                if rows.len() == now.len():
                    break
                now = rows
            if not now.len():
                break
            first = (
                hit.sort("order")
                .group_by("from_seq", maintain_order=True)
                .first()
                .with_columns(
                    pl.when(pl.col("target_seq").is_null() | (pl.col("target_state") == 0))
                    .then(pl.lit("ref-unresolved"))
                    .otherwise(pl.lit("ref-target-rejected"))
                    .alias("code")
                )
            )
            # The code a target shows: its cascade code if the cascade rejected it (in an
            # earlier pass, or in this one before this row), else its own.
            first = first.with_columns(
                pl.coalesce(
                    pl.col("target_cascade"),
                    pl.when(pl.col("target_seq").is_in(now.implode())).then(
                        pl.col("target_seq").replace_strict(
                            first.get_column("from_seq"),
                            first.get_column("code"),
                            default=None,
                            return_dtype=pl.String,
                        )
                    ),
                    pl.col("target_code"),
                ).alias("target_code")
            ).sort("order")
            found.append(first)
            done = pl.concat(
                [
                    done,
                    first.select(
                        pl.col("from_seq").alias("seq"),
                        pl.lit(number, dtype=pl.Int64).alias("pass"),
                        "code",
                    ),
                ]
            )
        if not found:
            return pl.DataFrame(schema={"from_seq": pl.Int64})
        return pl.concat(found, how="diagonal_relaxed")

    def _cascade_rejects(self, cascaded: pl.DataFrame) -> None:
        """The cascade's rejects (``cascaded``: in the order rejected) into the rejects, and
        into each type's late rejects."""
        from migrate.edn.show import show

        sids = cascaded.get_column("target_sid").unique()
        shown = pl.Series([show(sid, cut=False) for sid in sids.to_list()], dtype=pl.String)
        as_json = pl.Series([_json_text(sid) for sid in sids.to_list()], dtype=pl.String)
        paths = cascaded.get_column("path").unique()
        path_json = pl.Series([_json_text(path) for path in paths.to_list()], dtype=pl.String)
        target = pl.col("target_sid")
        unresolved = pl.col("code") == "ref-unresolved"
        blank = pl.col("target_code").is_null() | (pl.col("target_code") == "")
        shown_code = pl.when(blank).then(pl.lit("rejected")).otherwise(pl.col("target_code"))
        head = pl.concat_str(
            pl.col("path"),
            pl.lit(" refers to "),
            pl.col("target_type"),
            pl.lit(" "),
            target.replace_strict(sids, shown, return_dtype=pl.String),
        )
        columns = [
            "from_type",
            pl.col("from_sid").alias("source_id"),
            pl.lit(3, dtype=pl.UInt8).alias("phase"),
            "order",
            (pl.col("from_seq") // SEQ_SPAN).alias("spec"),
            (pl.col("from_seq") % SEQ_SPAN).alias("record"),
            "code",
            pl.when(unresolved)
            .then(pl.concat_str(head, pl.lit(", which no source holds")))
            .otherwise(
                pl.concat_str(head, pl.lit(", which was rejected ("), shown_code, pl.lit(")"))
            )
            .alias("message"),
            pl.concat_str(
                pl.lit("{"),
                pl.col("path").replace_strict(paths, path_json, return_dtype=pl.String),
                pl.lit(": "),
                target.replace_strict(sids, as_json, return_dtype=pl.String),
                pl.lit("}"),
            ).alias("values"),
        ]
        cascaded = cascaded.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("order"))
        for (from_type,), part in cascaded.partition_by(
            "from_type", as_dict=True, maintain_order=True
        ).items():
            late = self.types[str(from_type)].late_rejects
            late.add_frame(part.select(pl.col("from_sid").alias("sid"), "code"))
        # A slice at a time: the messages of a large cascade are its largest columns.
        for begin in range(0, cascaded.height, RejectBook.FLUSH):
            frame = cascaded.slice(begin, RejectBook.FLUSH).select(columns)
            self._reject_frame(frame.rename({"from_type": "record_type"}))

    def _resolve_late_targets(self, refs: pl.DataFrame) -> pl.DataFrame:
        """Targets read after the rows referring to them (forward references): found now."""
        unresolved = refs.filter(pl.col("target_seq").is_null())
        if unresolved.height == 0:
            return refs
        found = []
        for ref_id in unresolved.get_column("ref_id").unique().to_list():
            target = self.types.get(self.ref_meta[ref_id][2])
            if target is None:
                continue
            wanted = unresolved.filter(pl.col("ref_id") == ref_id).select("target_sid").unique()
            hits = wanted.join(
                target.nodes().select(
                    pl.col("sid").alias("target_sid"), pl.col("seq").alias("late")
                ),
                on="target_sid",
            )
            if hits.height:
                found.append(hits.with_columns(pl.lit(ref_id, dtype=pl.Int32).alias("ref_id")))
        if not found:
            return refs  # targets that no source holds: they stay without a row
        late = pl.concat(found)
        refs = refs.join(late, on=["ref_id", "target_sid"], how="left", maintain_order="left")
        return refs.with_columns(pl.coalesce("target_seq", "late").alias("target_seq")).drop("late")

    def _gone_seqs(self) -> pl.Series:
        """The seqs of every row not kept after the read phase and the checks of settling."""
        parts = []
        for state in self.types.values():
            nodes = state.nodes()
            gone = pl.col("state") != ACCEPTED
            if state.late_rejects:
                gone = gone | pl.col("sid").is_in(state.late_rejects.sids().implode())
            parts.append(nodes.filter(gone).get_column("seq"))
        return pl.concat(parts) if parts else pl.Series("seq", [], dtype=pl.Int64)

    # writing ----------------------------------------------------------------------------------

    def kept_count(self, record_type: str) -> int:
        """How many rows of ``record_type`` are kept (written) once settled."""
        state = self.types[record_type]
        kept = pl.col("state") == ACCEPTED
        if state.late_rejects:
            kept = kept & ~pl.col("sid").is_in(state.late_rejects.sids().implode())
        return state.nodes().select(kept.sum()).item()

    def written(self, record_type: str) -> pl.DataFrame:
        """The kept rows of ``record_type`` in output order: sid, offset, length, warnings."""
        state = self.types[record_type]
        nodes = state.nodes().filter(pl.col("state") == ACCEPTED)
        if state.late_rejects:
            nodes = nodes.filter(~pl.col("sid").is_in(state.late_rejects.sids().implode()))
        if nodes.height and nodes.get_column("length").min() == 0:
            # A row found doomed while read is kept: its text was never built.
            raise AssertionError(f"a {record_type} row without text is to be written")
        return sort_by_source_id(nodes.select("sid", "offset", "length", "warnings"))

    def texts(self, record_type: str, progress: Any = None) -> Iterator[bytes]:
        """The edn texts of the kept rows of ``record_type``, in order, newline-terminated;
        counts them (and their warnings) as written."""
        rows = self.written(record_type)
        state = self.types[record_type]
        counts = self.counts_of(record_type)
        counts.written += rows.height
        warnings = rows.get_column("warnings").drop_nulls()
        if warnings.len():
            for code, number in Counter(
                code for text in warnings.to_list() for code in text.split(",")
            ).items():
                counts.warnings[code] += number
        extra = state.warnings().join(rows.select("sid"), on="sid", how="semi")
        for code, number in extra.group_by("code").len().iter_rows():
            counts.warnings[code] += number
        edits = {
            sid: drops for (name, sid), drops in getattr(self, "dropped", {}).items()
            if name == record_type
        }  # fmt: skip
        # A slice of the rows at a time: their offsets as Python lists stay small.
        for start in range(0, rows.height, TEXT_ROWS):
            part = rows.slice(start, TEXT_ROWS)
            yield from read_ranges(
                self.spill,
                part.get_column("offset").to_list(),
                part.get_column("length").to_list(),
                part.get_column("sid").to_list() if edits else None,
                lambda sid, text: _drop_refs(text, edits[sid], counts),
                edits,
            )


class AcceptedRows:
    """The ``pipeline.AcceptedRows`` of a columnar run: what a check before settling may see
    (whether a row is kept) and do (reject it, the cascade following; count a warning)."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._kept: dict[str, dict[str, int]] = {}  # type -> kept sid -> seq

    def _seq(self, record_type: str, source_id: str) -> int | None:
        state = self._ledger.types.get(record_type)
        if state is None or source_id in state.late_rejects:
            return None
        kept = self._kept.get(record_type)
        if kept is None:
            nodes = state.nodes().filter(pl.col("state") == ACCEPTED)
            kept = self._kept[record_type] = dict(
                zip(nodes["sid"].to_list(), nodes["seq"].to_list(), strict=True)
            )
        return kept.get(source_id)

    def is_accepted(self, record_type: str, source_id: str) -> bool:
        """Whether the row of ``(record_type, source_id)`` is kept so far."""
        return self._seq(record_type, source_id) is not None

    def reject(
        self, record_type: str, source_id: str, code: str, message: str, values: dict[str, Any]
    ) -> None:
        """Reject a kept row: it goes to the rejects file, the cascade follows."""
        seq = self._seq(record_type, source_id)
        if seq is not None:
            self._ledger.reject_late(record_type, source_id, seq, code, message, values)

    def warn(self, record_type: str, source_id: str, code: str) -> None:
        """Count a warning of ``code`` on a kept row (in the report's warnings)."""
        if self._seq(record_type, source_id) is not None:
            state = self._ledger.types[record_type]
            state.warn(source_id, code)


def _drop_refs(text: bytes, drops: list[tuple[str, str]], counts: TypeCounts) -> bytes:
    """The row's text without the attributes of dropped references (``_Run._without``)."""
    out = text.decode()
    for path, code in drops:
        key = path.split(" ")[-1]
        found = re.search(re.escape(key) + r' #im/ref \[:im\.[^ ]+ #uuid "[0-9a-f-]{36}"\]', out)
        if found is None:
            continue
        start, end = found.span()
        if out[start - 1] == " ":
            start -= 1
        elif out[end : end + 1] == " ":
            end += 1
        out = out[:start] + out[end:]
        counts.warnings[code] += 1
    return out.encode()


def sort_by_source_id(
    frame: pl.DataFrame, first: list[pl.Expr] | None = None, then: list[pl.Expr] | None = None
) -> pl.DataFrame:
    """``frame`` in ``pipeline.source_id_key`` order of its ``sid`` column: digit ids by
    number (any length), then the others by text; ``first`` and ``then`` are sort keys
    before and after it (ties keep their order)."""
    sid = pl.col("sid")
    digits = sid.str.contains(_PLAIN)
    number = sid.str.to_integer(strict=False)
    # Digit ids that are an Int64 written plainly (no leading zero) sort by that number, the
    # usual case: one integer key, about 5x faster than the two built from text below.
    canonical = (number >= 0) & (number.cast(pl.String) == sid)
    every, odd = frame.select(
        digits.all().alias("every"), (digits & ~canonical.fill_null(False)).any().alias("odd")
    ).row(0)
    if not odd:
        if every:
            keys = [number]
        else:
            keys = [~digits, pl.when(digits).then(number), pl.when(~digits).then(sid)]
        return frame.sort([*(first or []), *keys, *(then or [])], maintain_order=True)
    stripped = sid.str.strip_chars_start("0")
    stripped = pl.when(stripped == "").then(pl.lit("0")).otherwise(stripped)
    return frame.sort(
        [
            *(first or []),
            ~digits,
            pl.when(digits).then(stripped.str.len_bytes()).otherwise(0),
            pl.when(digits).then(pl.concat_str([stripped, pl.lit("\x00"), sid])).otherwise(sid),
            *(then or []),
        ],
        maintain_order=True,
    )


def _ref_at(refs: list[RefSpec], path: tuple[Keyword, ...]) -> RefSpec | None:
    return next((ref for ref in refs if ref.path == path), None)


def _one_value_json(key: str, value: Any) -> dict[str, Any] | str:
    """``values_json({key: value})`` of a text or missing value, made directly (the
    cascade's rejects are most of a run's; the dict of anything else)."""
    if type(key) is not str or (value is not None and type(value) is not str):
        return {key: value}
    shown = "null" if value is None else _json_text(value)
    return f"{{{_json_text(key)}: {shown}}}"


def _values(text: str | None) -> dict[str, Any] | str:
    return text if text else {}


def _values_text(values: pl.Expr) -> pl.Expr:
    """:func:`_values` as the rejects file writes it, by column (``{}`` for none)."""
    return (
        pl.when(values.is_null() | (values == ""))
        .then(pl.lit("{}"))
        .otherwise(values)
        .alias("values")
    )
