"""The library entry of ``migrate anonymise``: a small, consistent, PII-free test export.

Three reads of the input, none holding it in memory: the validator checks it (an invalid input
is refused, since its anonymised subset could not be valid either), the graph pass records ids,
references, source ids, the users' personal values and how the prose writes its words, and the
write pass rewrites the kept rows into a temporary file. That file is validated and then read
back by the leak check (:mod:`migrate.anonymise.leaks`) before it replaces the output, so a run
either leaves a valid export free of the input's personal values, or nothing.
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from migrate.anonymise.language import DEFAULT_LANGUAGES, vocabulary
from migrate.anonymise.leaks import LeakCheck, LeakReport
from migrate.anonymise.names import CaseEvidence, NameIndex
from migrate.anonymise.personal import PersonalValues
from migrate.anonymise.policy import Policy, default_policy, load_policy
from migrate.anonymise.pseudonyms import MIN_FORBIDDEN, Pseudonyms, normalise
from migrate.anonymise.report import TYPE_ORDER, AnonymiseReport
from migrate.anonymise.scrub import Scrubber
from migrate.anonymise.sourceids import SourceIds
from migrate.anonymise.subset import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    Graph,
    choose_users,
    read_user_list,
    select,
)
from migrate.anonymise.transform import (
    DEFAULT_IMAGE_URL_TEMPLATE,
    ImageUrls,
    RowAnonymiser,
    check_image_url_template,
)
from migrate.edn.reader import DocumentReader
from migrate.edn.rows import row_from_value
from migrate.edn.show import show
from migrate.edn.values import Keyword, Row
from migrate.edn.writer import write_document
from migrate.errors import ConfigError, MigrateError
from migrate.output_set import OutputSet, check_outputs
from migrate.rules.catalogue import SEVERITY
from migrate.rules.findings import Finding, Severity
from migrate.validate import validate_file

DEFAULT_EMAIL_TEMPLATE = "admin+{n}@example.com"
ERROR_CODES = frozenset(code for code, severity in SEVERITY.items() if severity is Severity.ERROR)
_MAX_ERRORS = 1000
#: Rows between two progress reports of the scan and write stages.
_PROGRESS_ROWS = 1000

PathArg = str | PathLike[str]


class InputInvalid(MigrateError):
    """The input file is not a valid Intermediary document (exit code 1)."""


class OutputInvalid(MigrateError):
    """The anonymised output failed validation; nothing was written (a bug, exit code 1)."""


class OutputLeaks(MigrateError):
    """The leak check found personal values in the output; nothing was written (exit code 1)."""

    def __init__(self, message: str, leaks: LeakReport) -> None:
        super().__init__(message)
        self.leaks = leaks


# Free-text attributes whose words the prose evidence counts (see migrate.anonymise.names).
_PROSE = tuple(
    Keyword(key) for key in ("im.listing/title", "im.listing/description", "im.review/content")
)
_PROFILE = Keyword("im.user/profile")
_BIO = Keyword("im.userProfile/bio")


@dataclass
class _Scan:
    """What the graph pass gathers."""

    graph: Graph = field(default_factory=Graph)
    personal: PersonalValues = field(default_factory=PersonalValues)
    source_ids: SourceIds = field(default_factory=SourceIds)
    rows_in: Counter[str] = field(default_factory=Counter)
    review_types: Counter[str] = field(default_factory=Counter)


def anonymise(
    in_path: PathArg,
    out_path: PathArg,
    *,
    ident: Keyword | str,
    sample_users: int | None = None,
    users: PathArg | None = None,
    seed: str | int | None = None,
    email_template: str = DEFAULT_EMAIL_TEMPLATE,
    policy: Policy | PathArg | None = None,
    keep_stripe: bool = False,
    strategy: str = DEFAULT_STRATEGY,
    image_url_template: str = DEFAULT_IMAGE_URL_TEMPLATE,
    keep_image_urls: bool = False,
    languages: Iterable[str] = DEFAULT_LANGUAGES,
    progress: Progress | None = None,
) -> AnonymiseReport:
    """Write an anonymised subset of the Intermediary file ``in_path`` to ``out_path``.

    ``ident`` is the target (dev) marketplace's ident. Users are chosen by ``sample_users``
    (how many; ``strategy`` ``"shape"``, ``"random"`` or ``"connected"``, see
    :mod:`migrate.anonymise.subset`), by ``users`` (a file of aliases or import ids, one a
    line), or, with neither, all of them; a sample larger than the file takes every user and
    says so in the report. ``seed`` keys every pseudonym: the same input and seed give the same
    bytes; without it a random seed is used. Emails become ``email_template`` with ``{n}``
    counting the kept users 1 to N in output order. Image URLs become ``image_url_template``
    addresses unless ``keep_image_urls`` (the report then warns how many hold a source id).
    ``languages`` are the wordfreq codes of the prose's languages (common words of them are no
    names). ``policy`` is a :class:`Policy`, a policy file, or ``None`` for the defaults. Stripe
    accounts are kept (with fake test-mode ids) only with ``keep_stripe``.
    ``progress(stage, done, total)`` is told how far each stage is: ``"check"`` and ``"verify"``
    (bytes of the input and of the written export validated; ``total`` the file size),
    ``"scan"`` (rows read; no total) and ``"write"`` (rows written, of ``total`` kept).

    Raises :class:`ConfigError` for bad options, policy or users file, :class:`InputInvalid`
    for an input that does not validate, :class:`OutputLeaks` when the written export still
    holds personal values, and ``OSError`` for unreadable or unwritable paths. Nothing is
    written unless the whole run succeeds.
    """
    ident_keyword = parse_ident(ident)
    check_email_template(email_template)
    if sample_users is not None and users is not None:
        raise ConfigError("choose users either by a sample size or by a users file, not both")
    if sample_users is not None and (isinstance(sample_users, bool) or sample_users < 1):
        raise ConfigError(f"the sample size must be at least 1, not {sample_users}")
    if strategy not in STRATEGIES:
        raise ConfigError(
            f"unknown strategy {show(strategy)}; use 'shape', 'random' or 'connected'"
        )
    check_image_url_template(image_url_template)
    words = vocabulary(languages)
    active_policy = _policy(policy)
    out_path = Path(out_path)
    if not out_path.parent.is_dir():
        raise ConfigError(f"cannot write {out_path}: no directory {out_path.parent}")
    check_outputs([out_path])  # a read-only directory or a full disk is found before the work
    in_path = Path(in_path)
    _check_input(in_path, _stage(progress, "check"))

    seed_text = str(seed) if seed is not None else secrets.token_hex(16)
    pseudonyms = Pseudonyms(seed_text)
    evidence = CaseEvidence(words)
    scan = _scan(in_path, evidence, _stage(progress, "scan"))
    graph, personal, source_ids = scan.graph, scan.personal, scan.source_ids
    placeholders = personal.placeholders(active_policy.placeholders)
    personal.forget_placeholders(placeholders)
    first, last, pairs, names_of = personal.name_parts(placeholders)
    names = NameIndex(words, evidence, first=first, last=last, full_names=pairs)
    pseudonyms.forbid(personal.values)
    pseudonyms.forbid(names.distinctive(MIN_FORBIDDEN))
    pseudonyms.forbid_words(names.words)

    rank = _rank(graph, pseudonyms)
    chosen_list = read_user_list(users, graph) if users is not None else None
    chosen, requested = choose_users(
        graph,
        rank=rank,
        sample_users=sample_users,
        users=chosen_list,
        strategy=strategy,
        order=lambda index: pseudonyms.number("row", graph.nodes[index].sample_key or str(index)),
    )
    selection = select(
        graph,
        chosen,
        users_requested=requested,
        keep_stripe=keep_stripe,
        keep_avatars=active_policy.action("im.userProfile/avatar") != "drop",
    )

    # {n} counts the kept users 1..N in output order.
    kept_users = sorted(i for i in selection.kept if graph.nodes[i].row_type == "user")
    emails = {index: email_template.format(n=n) for n, index in enumerate(kept_users, start=1)}
    source_uuids = {key[1] for key in graph.resolve if isinstance(key, tuple)}

    def is_source_uuid(value: uuid.UUID) -> bool:
        return value in source_uuids

    scrubber = Scrubber(
        pseudonyms,
        names=names,
        emails={
            address: emails[index] for address, index in personal.emails.items() if index in emails
        },
        source_ids=source_ids,
        is_source_uuid=is_source_uuid,
    )
    keep_urls = keep_image_urls or active_policy.action("im.image/url") == "keep"
    image_urls = ImageUrls(image_url_template, keep_urls, source_ids)
    anonymiser = RowAnonymiser(
        pseudonyms=pseudonyms,
        scrubber=scrubber,
        policy=active_policy,
        graph=graph,
        kept=selection.kept,
        emails=emails,
        profile_images=selection.profile_images,
        image_urls=image_urls,
        placeholders=placeholders,
        names_of=names_of,
    )
    leak_check = LeakCheck(
        personal,
        names,
        source_ids,
        is_source_uuid,
        image_url_template=image_url_template,
        check_urls=not keep_urls,
    )
    rows_out: Counter[str] = Counter()
    review_types_out: Counter[str] = Counter()
    leaks = _write_verified(
        in_path,
        out_path,
        ident_keyword,
        anonymiser,
        selection.kept,
        rows_out,
        review_types_out,
        leak_check,
        progress,
    )

    notes = []
    warnings = []
    available = selection.users_available
    if requested is not None and requested > available:
        notes.append(
            f"asked for {requested} users but the input has {available}: all of them were kept"
        )
    if seed is None:
        notes.append("no seed given: a random one was used, so another run gives other fakes")
    if keep_urls and image_urls.kept:
        warnings.append(
            f"image URLs kept as they are: {image_urls.kept_with_ids:,} of {image_urls.kept:,} "
            "contain a run of 5 or more digits equal to a source id (a link back to the live "
            "data); leave out --keep-image-urls to replace them"
        )
    shared = sorted(
        {
            (entry.attribute, entry.share)
            for values in placeholders.values()
            for entry in values.values()
        }
    )
    return AnonymiseReport(
        output=str(out_path),
        ident=repr(ident_keyword),
        rows_in=_ordered(scan.rows_in),
        rows_out=_ordered(rows_out),
        dropped=dict(sorted(selection.dropped.items(), key=_drop_order)),
        users_requested=requested,
        users_available=available,
        seeded=seed is not None,
        notes=tuple(notes),
        strategy=strategy if requested is not None else None,
        review_types_in=dict(sorted(scan.review_types.items())),
        review_types_out={kind: review_types_out[kind] for kind in sorted(scan.review_types)},
        emails=(emails[kept_users[0]], emails[kept_users[-1]]) if kept_users else None,
        scrub=scrubber.stats.to_dict(),
        images={"generated": image_urls.written, "kept": image_urls.kept},
        placeholders=tuple(shared),
        leaks=leaks.to_dict(),
        warnings=tuple(warnings),
    )


def parse_ident(ident: Keyword | str) -> Keyword:
    """The marketplace ident as a keyword; ``":dev-marketplace"`` and ``"dev-marketplace"`` work."""
    if isinstance(ident, Keyword):
        keyword = ident
    else:
        text = ident.strip().removeprefix(":")
        if not text or any(character.isspace() for character in text):
            raise ConfigError(
                f"ident {show(ident)} is not an edn keyword such as :my-marketplace-dev"
            )
        keyword = Keyword(text)
    problem = keyword.problem
    if problem is not None:
        raise ConfigError(f"ident {show(ident)} is not a legal edn keyword: {problem}")
    return keyword


def check_email_template(template: str) -> None:
    """Raise :class:`ConfigError` unless ``template`` gives valid, distinct addresses."""
    if "{n}" not in template:
        raise ConfigError(
            f"email template {show(template)} must contain {{n}}, e.g. {DEFAULT_EMAIL_TEMPLATE}"
        )
    try:
        address = template.format(n=1)
    except (KeyError, IndexError, ValueError):
        raise ConfigError(
            f"email template {show(template)} may contain no placeholder other than {{n}}"
        ) from None
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise ConfigError(
            f"email template {show(template)} gives {show(address)}, not a valid address: {error}"
        ) from None


def _policy(policy: Policy | PathArg | None) -> Policy:
    if policy is None:
        return default_policy()
    if isinstance(policy, Policy):
        return policy
    return load_policy(policy)


#: ``progress(stage, done, total)``: see :func:`anonymise`.
Progress = Callable[[str, int, int | None], None]


def _stage(progress: Progress | None, stage: str) -> Callable[[int, int | None], None] | None:
    """``progress`` bound to one stage, or ``None``."""
    if progress is None:
        return None
    bound: Progress = progress

    def report(done: int, total: int | None = None) -> None:
        bound(stage, done, total)

    return report


def _errors(
    path: Path, byte_progress: Callable[[int, int | None], None] | None = None
) -> tuple[list[Finding], int]:
    """The error findings of ``path`` kept by the validator, and how many there are in all."""
    report = validate_file(
        path, select=ERROR_CODES, max_shown=_MAX_ERRORS, byte_progress=byte_progress
    )
    return [finding for finding in report.findings if finding.is_error], report.errors


def _check_input(path: Path, byte_progress: Callable[[int, int | None], None] | None) -> None:
    errors, total = _errors(path, byte_progress)
    if errors:
        first = errors[0]
        # Codes and positions only: a finding's message may quote personal data.
        more = f" and {total - 1} more" if total > 1 else ""
        raise InputInvalid(
            f"{first.location()}: the input is not valid ({first.code}{more}); "
            f"run `migrate validate {path}` for details"
        )


def _rows(path: Path) -> Iterator[tuple[int, Row]]:
    for entry in DocumentReader(path):
        yield entry.index, row_from_value(entry.value)


def _scan(
    path: Path, evidence: CaseEvidence, progress: Callable[[int, int | None], None] | None
) -> _Scan:
    scan = _Scan()
    for index, row in _rows(path):
        if progress is not None and index % _PROGRESS_ROWS == 0:
            progress(index, None)
        scan.rows_in[row.row_type] += 1
        scan.graph.add(row, _sample_key(row))
        scan.personal.add(index, row)
        scan.source_ids.add_row(row)
        if row.row_type == "review":
            node = scan.graph.nodes[index]
            scan.review_types[node.tag or "other"] += 1
        for key in _PROSE:
            value = row.attrs.get(key)
            if isinstance(value, str):
                evidence.observe(value)
        profile = row.attrs.get(_PROFILE)
        if isinstance(profile, dict) and isinstance(profile.get(_BIO), str):
            evidence.observe(profile[_BIO])
    if progress is not None:
        rows = sum(scan.rows_in.values())
        progress(rows, rows)
    return scan


def _sample_key(row: Row) -> str | None:
    if row.alias is not None:
        return f"alias:{row.alias.text}"
    if row.import_id is not None:
        return f"id:{row.import_id}"
    if row.row_type != "user":
        return None
    email = row.attrs.get(Keyword("im.user/primaryEmail"))
    address = email.get(Keyword("im.email/address")) if isinstance(email, dict) else None
    return f"email:{normalise(address)}" if isinstance(address, str) else "user"


def _rank(graph: Graph, pseudonyms: Pseudonyms) -> dict[int, int]:
    """Each user's position in a seeded pseudo-random order: sampling order and email number."""
    users = graph.users()
    keyed = sorted(
        users,
        key=lambda index: (pseudonyms.number("user", graph.nodes[index].sample_key or ""), index),
    )
    return {index: position for position, index in enumerate(keyed)}


def _write_verified(
    in_path: Path,
    out_path: Path,
    ident: Keyword,
    anonymiser: RowAnonymiser,
    kept: set[int],
    rows_out: Counter[str],
    review_types_out: Counter[str],
    leak_check: LeakCheck,
    progress: Progress | None = None,
) -> LeakReport:
    """Write the kept rows to a temporary file; validate it, check it for leaks, then move it
    over ``out_path``. The one place the anonymiser writes its output."""
    nodes = anonymiser.graph.nodes

    write_progress = _stage(progress, "write")
    written = 0

    def rows() -> Iterator[Row]:
        nonlocal written
        for index, row in _rows(in_path):
            if index in kept:
                if write_progress is not None and written % _PROGRESS_ROWS == 0:
                    write_progress(written, len(kept))
                written += 1
                rows_out[row.row_type] += 1
                if row.row_type == "review":
                    review_types_out[nodes[index].tag or "other"] += 1
                yield anonymiser.row(index, row)

    # An output set of one (migrate.output_set): locked, written beside the output, validated,
    # then renamed into place; temporaries of interrupted runs are removed.
    with OutputSet([out_path]) as outputs:
        with outputs.writing(out_path) as temp:
            write_document(temp, ident, rows())
        if write_progress is not None:
            write_progress(written, len(kept))
        errors, total = _errors(temp, _stage(progress, "verify"))
        if errors:
            raise OutputInvalid(
                f"the anonymised output failed validation ({errors[0].code} and "
                f"{total - 1} more); nothing was written to {out_path}"
            )
        leaks = leak_check.file(temp)
        if not leaks.clean:
            raise OutputLeaks(
                f"the anonymised output still holds personal data of the input "
                f"({leaks.found_text()}); nothing was written to {out_path}. "
                "Check the policy for attributes kept as they are",
                leaks,
            )
        outputs.commit()
    return leaks


def _ordered(counts: Counter[str]) -> dict[str, int]:
    known = [t for t in TYPE_ORDER if counts.get(t)]
    return {t: counts[t] for t in known + sorted(set(counts) - set(TYPE_ORDER))}


def _drop_order(item: tuple[tuple[str, str], int]) -> tuple[int, str]:
    (row_type, reason), _count = item
    position = TYPE_ORDER.index(row_type) if row_type in TYPE_ORDER else len(TYPE_ORDER)
    return position, reason
