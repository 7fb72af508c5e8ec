"""Cross-row rules: uniqueness, references and how images are used across the whole file.

:class:`CrossRowChecker` sees rows one at a time, in file order, and keeps only what later rows
may need: the keys rows can be referenced by (alias, import id) with their row index and type,
primary emails, Stripe account owners, image usage and the references not yet resolvable.
It never keeps rows, so its memory grows with the number of ids, not with the file's size.

Duplicates are reported as soon as they are seen, naming the first occurrence. References are
settled as soon as their target is known (backward references at once, forward ones when
:meth:`CrossRowChecker.finish` is called at the end).
"""

from __future__ import annotations

import math
import uuid
from array import array
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from migrate import schemas
from migrate.edn.show import show
from migrate.edn.values import Keyword, Ref, Row
from migrate.rules.engine import Position, Stamper, row_label
from migrate.rules.findings import Finding
from migrate.rules.references import target_text

PRIMARY_EMAIL = schemas.key("im.user/primaryEmail")
EMAIL_ADDRESS = schemas.key("im.email/address")
IMAGE_LISTING = schemas.key("im.image/listing")
PROFILE = schemas.key("im.user/profile")
AVATAR = schemas.key("im.userProfile/avatar")
STRIPE_USER = schemas.key("im.stripeAccount/user")
REVIEW_AUTHOR = schemas.key("im.review/author")
REVIEW_SUBJECT = schemas.key("im.review/subject")
REVIEW_LISTING = schemas.key("im.review/listing")
REVIEW_CREATED = schemas.key("im.review/createdAt")
IMAGE_URL = schemas.key("im.image/url")
# The creation time each row type is compared by (review-before-created).
CREATED_AT = {
    "user": schemas.key("im.user/createdAt"),
    "listing": schemas.key("im.listing/createdAt"),
}
_NO_TIME = math.nan  # no creation time known: compares false with everything


def _instant(seconds: float) -> datetime:
    """POSIX seconds as a UTC datetime, rounded to the microsecond (exact for file times)."""
    return datetime.fromtimestamp(seconds, UTC)


_LISTING_IMAGE, _LOOSE_IMAGE = 1, 2
_LABEL_UNSET: Any = object()

Where = tuple[int, str | None, Any]  # row index, label, position (or a _Lazy one)


def _nowhere(path: tuple) -> None:
    """The position function of rows checked in memory."""
    return None


class _Lazy:
    """A position computed only if a finding needs it (locating a path walks the row's text)."""

    __slots__ = ("locate", "path")

    def __init__(self, locate: Position, path: tuple[Any, ...]) -> None:
        self.locate, self.path = locate, path

    def __call__(self) -> tuple[int, int] | None:
        return self.locate(self.path)


def _ref_paths(row_type: schemas.RowType) -> tuple[tuple[tuple[Keyword, ...], Any], ...]:
    """Paths (attribute keys from the row's map) of every ref attribute, nested ones included."""
    found = []

    def walk(attributes: Iterable[schemas.Attribute], prefix: tuple[Keyword, ...]) -> None:
        for attribute in attributes:
            if attribute.kind == "ref":
                found.append(((*prefix, attribute.key), attribute))
            walk(attribute.attributes, (*prefix, attribute.key))

    walk(row_type.attributes, ())
    return tuple(found)


class CrossRowChecker:
    """Checks the rules that need several rows; feed it every row with :meth:`add`.

    ``add(row, index, position)`` returns the findings decided by that row (duplicates naming the
    first occurrence, references to rows already seen); ``finish()`` returns the rest, settled on
    every row added (unresolved references, images nobody uses, avatars shared).
    ``position(path)``, when given, locates a path inside the row's edn value in the file.
    """

    def __init__(self, schema: schemas.Schema | None = None, stamper: Stamper | None = None):
        self.schema = schema or schemas.load()
        self.stamper = stamper or Stamper()
        self.type_names = {t.id_attr: t.name for t in self.schema.types}
        # Keyed by id() of the schema's own id attributes, which the schema keeps alive: id()
        # spares the Python-level Keyword.__hash__ on every look-up of the hot path.
        self.type_list: list[str] = ["", *(t.name for t in self.schema.types)]
        self.types_by_id = {
            id(t.id_attr): (code, t.name, self._ref_plans(t), CREATED_AT.get(t.name))
            for code, t in enumerate(self.schema.types, start=1)
        }
        # Per row index, compactly: type code (0: not a known type), position, image use.
        self.row_types = bytearray()
        self.lines = array("q")
        self.columns = array("q")
        self.image_use = bytearray()  # _LISTING_IMAGE or _LOOSE_IMAGE for image rows
        # Keys rows are referenced by -> row index. Aliases by their text, never by id(): the
        # keyword cache is weak, so an alias nobody holds is freed and its id() reused by
        # another keyword. uuid.int so that the UUID objects themselves need not be kept.
        self.aliases: dict[str, int] = {}
        self.import_ids: dict[int, int] = {}
        self.emails: dict[str, int] = {}
        self.stripe_owner: dict[int, int] = {}  # user row -> first Stripe account row
        self.avatar_of: dict[int, int] = {}  # image row -> first user row using it as avatar
        self.loose_labels: dict[int, str | None] = {}  # images without a listing -> label
        self.pending: list[tuple] = []
        self.pending_reviews: list[list[Any]] = []
        # Creation time (POSIX seconds, NaN when unknown) of users and listings, by row.
        self.created = array("d")
        # hash((listing reference, url)) -> first image row: image-url-duplicate.
        self.image_urls: dict[int, int] = {}

    # --------------------------------------------------------------------------------- adding

    def _ref_plans(self, row_type: schemas.RowType) -> tuple:
        """For each ref attribute: ``(keys, attribute, by_id, target_codes, plain)``.

        ``by_id`` maps ``id()`` of each allowed id attribute to its type code, ``target_codes``
        are the allowed type codes, ``plain`` is false for references with bookkeeping of their
        own (avatars, Stripe account owners).
        """
        codes = {t.name: code for code, t in enumerate(self.schema.types, start=1)}
        plans = []
        for keys, attribute in _ref_paths(row_type):
            allowed = [t for t in self.schema.types if t.name in attribute.targets]
            plans.append(
                (
                    keys,
                    attribute,
                    {id(t.id_attr): codes[t.name] for t in allowed},
                    frozenset(codes[t.name] for t in allowed),
                    attribute.key is not AVATAR and attribute.key is not STRIPE_USER,
                )
            )
        return tuple(plans)

    def add(
        self,
        row: Row,
        index: int,
        position: Position | None = None,
        row_position: tuple[int, int] | None = None,
    ) -> list[Finding]:
        """Record ``row`` (the ``index``-th of ``:data``) and return the findings it settles.

        ``row_position``, when the caller knows it, is ``position(())`` (spares a call).
        """
        # The hot path of file validation: keep the common case (unique keys, references to
        # rows already seen) free of function calls and allocations.
        findings: list[Finding] = []
        locate = position or _nowhere
        if row_position is None:
            row_position = locate(())
        info = self.types_by_id.get(id(row.id_attr))
        type_code, type_name, paths, created_key = (
            info if info is not None else (0, row.row_type, (), None)
        )
        line, column = row_position if row_position is not None else (0, 0)
        stamp = _NO_TIME
        if created_key is not None:
            created = row.attrs.get(created_key)
            if type(created) is datetime and created.tzinfo is not None:
                stamp = created.timestamp()
        if index == len(self.row_types):  # rows arrive in order: the usual case
            self.row_types.append(type_code)
            self.image_use.append(0)
            self.lines.append(line)
            self.columns.append(column)
            self.created.append(stamp)
        else:
            if index > len(self.row_types):
                grow = index + 1 - len(self.row_types)
                self.row_types.extend(bytes(grow))
                self.image_use.extend(bytes(grow))
                self.lines.extend([0] * grow)
                self.columns.extend([0] * grow)
                self.created.extend([_NO_TIME] * grow)
            self.row_types[index] = type_code
            self.lines[index], self.columns[index] = line, column
            self.created[index] = stamp
        label = _LABEL_UNSET  # computed only when needed: most rows never need it
        alias = row.alias
        if type(alias) is Keyword:
            first = self.aliases.get(alias.text)
            if first is None:
                self.aliases[alias.text] = index
            else:
                label = row_label(row)
                self._emit(
                    findings,
                    "alias-duplicate",
                    f"alias {alias!r} is already used by {self._describe(first)}; "
                    "aliases must be unique in the file",
                    (index, label, locate((0, 2) if row.import_id is not None else (0, 1))),
                )
        import_id = row.import_id
        if import_id is not None and isinstance(import_id, uuid.UUID):
            first = self.import_ids.get(import_id.int)
            if first is None:
                self.import_ids[import_id.int] = index
            else:
                label = row_label(row)
                self._emit(
                    findings,
                    "import-id-duplicate",
                    f'import id #uuid "{import_id}" is already used by '
                    f"{self._describe(first)}; import ids must be unique in the file",
                    (index, label, locate((0, 1))),
                )
        attrs = row.attrs
        refs: dict[int, Ref] | None = None  # by id() of the schema's attribute keys
        row_types = self.row_types
        for keys, attribute, by_id, target_codes, plain in paths:
            value: Any = attrs.get(keys[0])
            if len(keys) > 1:
                value = value.get(keys[1]) if type(value) is dict else None
            if type(value) is not Ref:
                continue
            ref_alias = value.alias
            if ref_alias is not None:
                if type(ref_alias) is not Keyword or ref_alias.namespace is None:
                    continue  # ref-malformed, reported by the row's own rules
                hit = self.aliases.get(ref_alias.text)
            else:
                code = by_id.get(id(value.id_attr))
                if code is None or value.import_id is None:
                    continue  # malformed or of a type the attribute does not allow: row rules
                hit = self.import_ids.get(value.import_id.int)
                if hit is not None and row_types[hit] != code:
                    hit = None
            if refs is None:
                refs = {}
            refs[id(keys[-1])] = value
            if plain and hit is not None and row_types[hit] in target_codes:
                continue  # resolved, to a row of an allowed type: the common case
            if label is _LABEL_UNSET:
                label = row_label(row)
            record = (value, attribute, (index, label, _Lazy(locate, (1, *keys))))
            if not self._settle(record, findings, final=False):
                # a forward reference: keep its position, not the row (nor its text)
                self.pending.append((value, attribute, (index, label, locate((1, *keys)))))
        if type_name == "user":
            self._add_email(row, index, locate, findings)
        elif type_name == "image":
            if refs is not None and id(IMAGE_LISTING) in refs:
                self.image_use[index] = _LISTING_IMAGE
                listing = refs[id(IMAGE_LISTING)]
                url = attrs.get(IMAGE_URL)
                if type(url) is str and type(listing.alias) is Keyword:
                    key = hash((listing.alias.text, url))  # the common case, inline
                    first = self.image_urls.get(key)
                    if first is None:
                        self.image_urls[key] = index
                    else:
                        self._image_url_repeated(row, index, listing, url, first, locate, findings)
                else:
                    self._add_image_url(row, index, listing, locate, findings)
            else:
                self.image_use[index] = _LOOSE_IMAGE
                self.loose_labels[index] = row_label(row)
        elif (
            type_name == "review"
            and refs is not None
            and id(REVIEW_AUTHOR) in refs
            and id(REVIEW_SUBJECT) in refs
        ):
            if label is _LABEL_UNSET:
                label = row_label(row)
            created = attrs.get(REVIEW_CREATED)
            review = [
                refs[id(REVIEW_AUTHOR)],
                refs[id(REVIEW_SUBJECT)],
                refs.get(id(REVIEW_LISTING)),
                created.timestamp() if type(created) is datetime and created.tzinfo else _NO_TIME,
                (index, label, row_position),
            ]
            if not self._check_review(review, findings, final=False):
                self.pending_reviews.append(review)
        return findings

    def _add_email(self, row: Row, index: int, locate: Position, findings: list[Finding]) -> None:
        email = row.attrs.get(PRIMARY_EMAIL)
        address = email.get(EMAIL_ADDRESS) if type(email) is dict else None
        if type(address) is not str or not address.strip():
            return
        folded = address.strip().casefold()
        first = self.emails.get(folded)
        if first is None:
            self.emails[folded] = index
            return
        self._emit(
            findings,
            "email-duplicate",
            f"{EMAIL_ADDRESS!r} {show(address)} is already the primary email of "
            f"{self._describe(first)}; primary emails must be unique (ignoring case)",
            (index, row_label(row), locate((1, PRIMARY_EMAIL, EMAIL_ADDRESS))),
            EMAIL_ADDRESS,
        )

    # ------------------------------------------------------------------------------ settling

    def _describe(self, index: int) -> str:
        """``row 3 (line 12)``: how a message names another row."""
        line = self.lines[index] if index < len(self.lines) else 0
        return f"row {index}" + (f" (line {line})" if line else "")

    def _position(self, index: int) -> tuple[int, int] | None:
        line = self.lines[index]
        return (line, self.columns[index]) if line else None

    def _target(self, ref: Ref) -> tuple[int, str] | None:
        """``(row index, type name)`` of the row ``ref`` names, if it has been seen."""
        if ref.alias is not None:
            hit = self.aliases.get(ref.alias.text)
        elif ref.import_id is None:
            return None  # neither alias nor import id: ref-malformed, reported by row rules
        else:
            hit = self.import_ids.get(ref.import_id.int)
            info = self.types_by_id.get(id(ref.id_attr))
            if hit is not None and (info is None or self.row_types[hit] != info[0]):
                return None
        if hit is None:
            return None
        return hit, self.type_list[self.row_types[hit]]

    def _settle(
        self, record: tuple, findings: list[Finding], *, final: bool, partial_file: bool = False
    ) -> bool:
        ref, attribute, where = record
        target = self._target(ref)
        if target is None:
            if not final:
                return False
            if partial_file:
                self._emit(
                    findings,
                    "ref-unverified",
                    f"{attribute.key!r} refers to {show(ref)}, which is not among the rows that "
                    "could be read: it may be in the part of the file lost to the edn syntax "
                    "error; fix that and validate again",
                    where,
                    attribute.key,
                )
                return True
            hint = ""
            if ref.alias is None and ref.import_id.int in self.import_ids:
                other = self.import_ids[ref.import_id.int]
                other_type = self.type_list[self.row_types[other]]
                hint = f" (that import id belongs to a {other_type} row, {self._describe(other)})"
            self._emit(
                findings,
                "ref-unresolved",
                f"{attribute.key!r} refers to {show(ref)}, but no row in this file has "
                f"{'that alias' if ref.alias is not None else 'that id'}{hint}",
                where,
                attribute.key,
            )
            return True
        target_index, target_type = target
        if target_type not in attribute.targets:
            self._emit(
                findings,
                "ref-wrong-type",
                f"{attribute.key!r} must reference {target_text(attribute)}, found {show(ref)} "
                f"which is a {target_type} row ({self._describe(target_index)})",
                where,
                attribute.key,
            )
            return True
        if attribute.key is AVATAR:
            self._use_avatar(target_index, where, findings)
        elif attribute.key is STRIPE_USER:
            first = self.stripe_owner.get(target_index)
            if first is None:
                self.stripe_owner[target_index] = where[0]
            else:
                self._emit(
                    findings,
                    "stripe-account-duplicate",
                    f"user {show(ref)} already has a Stripe account ({self._describe(first)}"
                    "); a user has at most one",
                    where,
                    attribute.key,
                )
        return True

    def _use_avatar(self, image_index: int, where: Where, findings: list[Finding]) -> None:
        first = self.avatar_of.get(image_index)
        if first is None:
            self.avatar_of[image_index] = where[0]
            return
        self._emit(
            findings,
            "avatar-shared",
            f"{AVATAR!r}: the image ({self._describe(image_index)}) is already the avatar of "
            f"{self._describe(first)}; each user should have an image of their own",
            where,
            AVATAR,
        )

    def _check_review(self, review: list[Any], findings: list[Finding], *, final: bool) -> bool:
        """Check a review once its references resolve; False while it must wait for a row.

        ``review`` is ``[author, subject, listing, createdAt, where]`` (``createdAt`` in POSIX
        seconds, NaN when not known); the author and subject are set to ``None`` once checked,
        so that a review still waiting for its listing is not checked twice.
        """
        author, subject, listing, created, where = review
        times = self.created
        if author is not None:
            author_target, subject_target = self._target(author), self._target(subject)
            if author_target is None or subject_target is None:
                return final  # unresolved references are reported by ref-unresolved
            if author_target == subject_target:
                self._emit(
                    findings,
                    "review-self",
                    f"review author {show(author)} and subject {show(subject)} are the same user",
                    where,
                    REVIEW_SUBJECT,
                )
            if created < times[author_target[0]]:  # False for NaN: no time, no comparison
                self._created_after(created, author_target, author, "author", where, findings)
            review[0] = review[1] = None
        if listing is not None:
            listing_target = self._target(listing)
            if listing_target is None:
                return final
            if created < times[listing_target[0]]:
                self._created_after(created, listing_target, listing, "listing", where, findings)
        return True

    def _created_after(
        self,
        created: float,
        target: tuple[int, str],
        ref: Ref,
        what: str,
        where: Where,
        findings: list[Finding],
    ) -> None:
        """``review-before-created``: the review is older than the row ``ref`` names."""
        if target[1] not in CREATED_AT:
            return
        other = self.created[target[0]]
        line = self.lines[target[0]]
        self._emit(
            findings,
            "review-before-created",
            f"review {REVIEW_CREATED!r} {show(_instant(created))} is earlier than "
            f"{show(_instant(other))}, when its {what} {show(ref)} was created (row {target[0]}"
            + (f", line {line})" if line else ")"),
            where,
            REVIEW_CREATED,
        )

    def _add_image_url(
        self, row: Row, index: int, listing: Ref, locate: Position, findings: list[Finding]
    ) -> None:
        url = row.attrs.get(IMAGE_URL)
        if type(url) is not str:
            return
        target = (
            listing.alias.text
            if type(listing.alias) is Keyword
            else (listing.import_id.int if isinstance(listing.import_id, uuid.UUID) else None)
        )
        if target is None:
            return
        key = hash((target, url))
        first = self.image_urls.get(key)
        if first is None:
            self.image_urls[key] = index
            return
        self._image_url_repeated(row, index, listing, url, first, locate, findings)

    def _image_url_repeated(
        self,
        row: Row,
        index: int,
        listing: Ref,
        url: str,
        first: int,
        locate: Position,
        findings: list[Finding],
    ) -> None:
        self._emit(
            findings,
            "image-url-duplicate",
            f"{IMAGE_URL!r} {show(url)} is already the URL of another image of listing "
            f"{show(listing)} ({self._describe(first)}); the photo would be shown twice",
            (index, row_label(row), locate((1, IMAGE_URL))),
            IMAGE_URL,
        )

    def finish(self, *, partial_file: bool = False) -> list[Finding]:
        """Findings settled on every row added: unresolved refs, image usage, self-reviews.

        ``partial_file`` says that part of the file could not be read: a reference to a row
        not seen is then ``ref-unverified`` rather than ``ref-unresolved``, and no image is
        called unreferenced (a row in the unread part may use it).
        """
        findings: list[Finding] = []
        for record in self.pending:
            self._settle(record, findings, final=True, partial_file=partial_file)
        for review in self.pending_reviews:
            self._check_review(review, findings, final=True)
        self.pending.clear()
        self.pending_reviews.clear()
        for image_index, user_index in sorted(self.avatar_of.items()):
            if self.image_use[image_index] == _LISTING_IMAGE:
                self._emit(
                    findings,
                    "avatar-shared",
                    f"the image is both a listing image and the avatar of "
                    f"{self._describe(user_index)}; use separate images",
                    (image_index, None, self._position(image_index)),
                    None,
                )
        for image_index, label in sorted(self.loose_labels.items()):
            if image_index not in self.avatar_of and not partial_file:
                self._emit(
                    findings,
                    "image-unreferenced",
                    f"image (row {image_index}) is neither a listing image ({IMAGE_LISTING!r}) "
                    "nor any user's avatar; it will be imported but never shown",
                    (image_index, label, self._position(image_index)),
                    None,
                )
        findings.sort(
            key=lambda finding: finding.row_index if finding.row_index is not None else -1
        )
        return findings

    def _emit(
        self,
        findings: list[Finding],
        code: str,
        message: str,
        where: Where,
        attribute: Keyword | None = None,
    ) -> None:
        if self.stamper.takes(code):
            index, label, position = where
            if type(position) is _Lazy:
                position = position() if self.stamper.locating(code) else None
            findings.append(
                self.stamper.make(
                    code,
                    message,
                    position=position,
                    row_index=index,
                    row_label=label,
                    attribute=attribute,
                )
            )
