"""The record tables ``migrate init`` proposes: one per source, embedded people, images, lookups.

:func:`plan_records` turns the discovered sources into :class:`Plan` objects, one per
``[records.TYPE]`` table, from the guesses of :mod:`migrate.convert.starter_guess`; it also
links tables across sources (a review's subject read from its listing's row by a lookup).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from migrate.convert.starter_guess import (
    GUESSES,
    ROLES,
    Entry,
    Group,
    date_spec,
    embedded_groups,
    guess_mapping,
    image_columns,
    name_words,
    normalise,
    q,
    template_ok,
)

if TYPE_CHECKING:
    from migrate.convert.starter import StarterSource

# Columns holding an average score, read for reviews that carry no rating of their own.
_RATING_WORDS = ("rating", "score", "stars")
_NOT_RATING_WORDS = ("count", "number", "num", "total", "per")

_PLACEHOLDER_DOMAIN = "example.com"


@dataclass
class Plan:
    """One ``[records.TYPE]`` table of the starter job."""

    record_type: str
    source: StarterSource
    id_spec: str
    id_column: str | None
    entries: dict[str, Entry]
    each: str | None = None
    distinct: bool = False
    about: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    unmapped_label: str = "unmapped columns"
    group: Group | None = None


# Plans: the record tables of the starter job ----------------------------------------------------


def _id_column(columns: list[str]) -> str:
    by_name = {normalise(column): column for column in columns}
    return by_name.get("id") or next(iter(by_name.values()), "id")


def _main_plan(
    record_type: str,
    source: StarterSource,
    columns: list[str],
    each: str | None,
    groups: list[Group],
) -> Plan:
    """The table making ``record_type`` rows from ``source`` itself (or its ``each`` array)."""
    own = [column for column in columns if not column.startswith("parent.")]
    grouped = {column for group in groups for column in group.columns}
    id_column = _id_column([column for column in own if column not in grouped] or own)
    candidates = [column for column in own if column not in grouped or _is_group_id(column, groups)]
    entries, used = guess_mapping(record_type, candidates, source)
    if each is not None and "listing" not in entries and "parent.id" in columns:
        entries["listing"] = Entry('{ ref = "listing", column = "parent.id" }', "parent.id")
    for group in groups:
        for (kind, attribute), prefixes in ROLES.items():
            if kind == record_type and attribute not in entries and group.prefix in prefixes:
                entries[attribute] = Entry(
                    f'{{ ref = "user", column = {q(group.id_column)} }}', group.id_column
                )
                used.add(group.id_column)
    if record_type == "user" and each is None:
        _placeholder_email(entries, id_column)
    left = [column for column in candidates if column not in used and column != id_column]
    left = [column for column in left if column != source.each or each is not None]
    return Plan(
        record_type,
        source,
        q(id_column),
        id_column,
        entries,
        each=each,
        unmapped=left,
    )


def _is_group_id(column: str, groups: list[Group]) -> bool:
    return any(column == group.id_column for group in groups)


def _group_plan(group: Group, source: StarterSource, main: Plan) -> Plan:
    """The ``[[records.user]]`` of a person embedded in ``source``: one user per distinct id."""
    members = [column for column in group.columns if column != group.id_column]
    entries, used = guess_mapping("user", members, source, group.columns)
    created = entries.get("createdAt")
    if created is not None and created.column is not None:
        created.spec = date_spec(created.column, "min")
        created.tail = "the earliest, when rows differ"
    else:
        activity = main.entries.get("createdAt")
        if activity is not None and activity.column is not None:
            entries["createdAt"] = Entry(
                date_spec(activity.column, "min"),
                activity.column,
                todo=[
                    f"no sign-up date of the {group.prefix} in [sources.{source.name}]: the",
                    f"earliest {activity.column} of their {main.record_type} rows stands in",
                    '(docs/recipes.md, "Sign-up dates from activity").',
                ],
            )
    _placeholder_email(entries, group.id_column)
    plan = Plan(
        "user",
        source,
        q(group.id_column),
        group.id_column,
        entries,
        distinct=True,
        group=group,
        about=[
            f"# The {_group_pattern(group)} columns of [sources.{source.name}]: one user per "
            f"{group.id_column},",
            "# however many rows repeat them.",
        ],
        unmapped=[column for column in members if column not in used],
        unmapped_label=f"unmapped {group.prefix} columns",
    )
    return plan


def _group_pattern(group: Group) -> str:
    """How the group's columns are named: ``host_*``, ``host.*``, ``host*`` (camel case)."""
    after = group.id_column[len(group.prefix)]
    return f"{group.prefix}{after if after in '_-. ' else ''}*"


def _placeholder_email(entries: dict[str, Entry], id_column: str) -> None:
    """A ``user-{id}@example.com`` address when no column holds an email."""
    if "email" in entries or not template_ok(id_column):
        return
    entries["email"] = Entry(
        f'{{ template = "user-{{{id_column}}}@{_PLACEHOLDER_DOMAIN}" }}',
        todo=[
            "the export has no email addresses, and every user needs one: a placeholder",
            f"made from {id_column}. Put a domain you control instead of {_PLACEHOLDER_DOMAIN};",
            f"with + aliases one mailbox gets them all: ops+user-{{{id_column}}}@yourdomain.",
            'The same id gives the same address in every table (docs/recipes.md, "No emails").',
        ],
    )


def _image_plan(
    owner: Plan, columns: list[str], names: dict[str, str], label: str
) -> tuple[Plan | None, str | None]:
    """An image record from the best picture column of ``owner``'s rows, and that column."""
    found = image_columns(columns, owner.source, names, set())
    if not found or owner.id_column is None or not template_ok(owner.id_column):
        return None, None
    column, others = found[0], found[1:]
    entries = {"url": Entry(f'{{ column = {q(column)}, transform = "url_encode" }}', column)}
    if owner.record_type == "listing":
        entries["listing"] = Entry(f'{{ ref = "listing", column = {q(owner.id_column)} }}')
    about = [f"# The picture of each {label} in [sources.{owner.source.name}] ({column})."]
    if others:
        about.append(f"# Other picture columns, left out: {', '.join(others)}")
    plan = Plan(
        "image",
        owner.source,
        f'{{ template = "{label}-{{{owner.id_column}}}" }}',
        None,
        entries,
        distinct=owner.distinct,
        about=about,
    )
    return plan, column


def _attach_images(
    owner: Plan, columns: list[str], names: dict[str, str], label: str
) -> Plan | None:
    """The image plan of ``owner``'s picture columns; a user owner gets its avatar reference."""
    image, column = _image_plan(owner, columns, names, label)
    if image is None or column is None:
        return None
    if column in owner.unmapped:
        owner.unmapped.remove(column)
    if owner.record_type == "user" and owner.id_column is not None:
        owner.entries["avatar"] = Entry(
            f'{{ ref = "image", template = "{label}-{{{owner.id_column}}}", required = false }}',
            tail="a user without a picture keeps no avatar",
        )
    return image


@dataclass(frozen=True)
class Step:
    """One step of a lookup: the ``column`` of the row of ``source`` whose ``key`` is the value."""

    source: str
    key: str
    column: str


def _lookup_spec(on: str, steps: list[Step]) -> str:
    """The ``lookup = …`` value of RELATIONAL syntax: one table, or a chain of them."""
    tables = [
        f"{{ source = {q(step.source)}, "
        + (f"on = {q(on)}, " if index == 0 else "")
        + f"key = {q(step.key)}, column = {q(step.column)} }}"
        for index, step in enumerate(steps)
    ]
    return tables[0] if len(tables) == 1 else f"[{', '.join(tables)}]"


def _key_column(source: StarterSource) -> str | None:
    return next((column for column in source.columns if normalise(column) == "id"), None)


def _foreign_sources(
    source: StarterSource, sources: list[StarterSource]
) -> list[tuple[str, StarterSource, str]]:
    """``(column, other source, its key)`` for each column named after another source's rows.

    ``transaction_id`` names the rows of ``transactions`` (key ``id``).
    """
    found = []
    for column in source.columns:
        words = name_words(column)
        if len(words) < 2 or words[-1] != "id":
            continue
        stem = "".join(words[:-1])
        for other in sources:
            key = _key_column(other)
            name = re.sub(r"[^a-z0-9]", "", other.name.lower())
            if other is not source and key is not None and name in (stem, stem + "s", stem + "es"):
                found.append((column, other, key))
                break
    return found


def _role_column(source: StarterSource, role: tuple[str, str]) -> str | None:
    """The ``PREFIX_id`` column of ``source`` whose prefix plays ``role`` (``customer_id``)."""
    for column in source.columns:
        words = name_words(column)
        if len(words) == 2 and words[1] == "id" and words[0] in ROLES[role]:
            return column
    return None


def _listing_column(source: StarterSource) -> str | None:
    names = next(
        candidates for attribute, candidates, _ in GUESSES["review"] if attribute == "listing"
    )
    return next((column for column in source.columns if normalise(column) in names), None)


def _review_lookups(review: Plan, plans: list[Plan], sources: list[StarterSource]) -> None:
    """What reviews lack, read from rows of other sources by lookups.

    A review naming its listing gets its subject (the listing's author) and, with no rating of
    its own, the listing's average rating. A review naming only a transaction (a source of
    its own with ``listing_id``) gets its listing, author and subject through it, and the rest
    by chained lookups: review → transaction → listing → author.
    """
    on, path = _listing_path(review, sources)
    if on is None:
        return
    listing = next(
        (
            plan
            for plan in plans
            if plan.record_type == "listing"
            and plan.group is None
            and plan.each is None
            and plan.id_column is not None
            and plan.source is not review.source
        ),
        None,
    )
    if listing is None or listing.id_column is None:
        return
    other = listing.source.name

    def lookup(column: str) -> str:
        assert on is not None and listing is not None and listing.id_column is not None
        return _lookup_spec(on, [*path, Step(other, listing.id_column, column)])

    author = listing.entries.get("author")
    if "subject" not in review.entries and author is not None and author.column is not None:
        review.entries["subject"] = Entry(
            f'{{ ref = "user", lookup = {lookup(author.column)} }}',
            tail=f"the author of the listing, from [sources.{other}]",
        )
    if "rating" not in review.entries:
        column = _average_rating(listing.source)
        if column is not None:
            top = _rating_top(listing.source.samples.get(column, []))
            transform = f'{{ name = "rating_scale", source_max = {top} }}'
            review.entries["rating"] = Entry(
                f"{{ lookup = {lookup(column)}, transform = {transform} }}",
                todo=[
                    "the reviews have no rating of their own: each gets its listing's",
                    f"average {column} (read as 0 to {top}, rounded to 1 to 5 stars).",
                    'Keep it, or leave reviews out (docs/recipes.md, "Only aggregate ratings").',
                ],
            )


def _listing_path(review: Plan, sources: list[StarterSource]) -> tuple[str | None, list[Step]]:
    """How a review reaches its listing's id: its own column, or lookups through a transaction.

    Gives the review's column the first lookup starts ``on`` and the steps before the
    listing's row (none when the review names its listing itself). Through a transaction the
    review's missing ``listing``, ``author`` and ``subject`` are added from its columns.
    """
    ref = review.entries.get("listing")
    if ref is not None:
        return ref.column, []
    for column, other, key in _foreign_sources(review.source, sources):
        listing_column = _listing_column(other)
        if listing_column is None:
            continue
        via = f"from [sources.{other.name}]"
        step = Step(other.name, key, listing_column)
        review.entries["listing"] = Entry(
            f'{{ ref = "listing", lookup = {_lookup_spec(column, [step])} }}', tail=via
        )
        for attribute in ("author", "subject"):
            person = _role_column(other, ("review", attribute))
            if attribute not in review.entries and person is not None:
                person_step = Step(other.name, key, person)
                review.entries[attribute] = Entry(
                    f'{{ ref = "user", lookup = {_lookup_spec(column, [person_step])} }}',
                    tail=via,
                )
        return column, [step]
    return None, []


def _review_type(review: Plan) -> None:
    """Reviews of a listing, with no column saying who is reviewed, are of its provider."""
    if "type" not in review.entries and "listing" in review.entries:
        review.entries["type"] = Entry(
            '{ const = "ofProvider" }',
            todo=[
                "no column says who is reviewed: reviews of a listing are taken as",
                "reviews of its provider by a customer (ofProvider).",
            ],
        )


def _average_rating(source: StarterSource) -> str | None:
    """The column of a listing source that holds its average rating, if one looks like it."""
    found = []
    for column in source.columns:
        words = name_words(column)
        if any(word in _RATING_WORDS for word in words) and not any(
            word in _NOT_RATING_WORDS for word in words
        ):
            found.append((0 if "rating" in words else 1, len(column), column))
    return min(found)[2] if found else None


def _rating_top(values: list[Any]) -> int:
    """The top of the scale sampled ratings are on: 5, 10 or 100."""
    numbers = []
    for value in values:
        try:
            numbers.append(float(str(value).strip()))
        except ValueError:
            continue
    highest = max(numbers, default=5.0)
    return next(top for top in (5, 10, 100, 1000) if highest <= top or top == 1000)


def _created_from_person(main: Plan, person: Plan) -> None:
    """A listing without a date of its own takes its embedded author's sign-up date."""
    created = person.entries.get("createdAt")
    group = person.group
    author = main.entries.get("author")
    if (
        main.record_type != "listing"
        or "createdAt" in main.entries
        or created is None
        or created.todo
        or created.column is None
        or group is None
        or author is None
        or author.column != group.id_column
    ):
        return
    main.entries["createdAt"] = Entry(
        date_spec(created.column),
        created.column,
        todo=[
            f"no date of the listing itself: its {group.prefix}'s sign-up date",
            f"({created.column}) stands in; it is never later than the listing's reviews.",
        ],
    )


def plan_records(sources: list[StarterSource]) -> list[Plan]:
    """Every record table the starter job proposes for ``sources``, in source order."""
    has_users = any(source.record_type == "user" for source in sources)
    plans: list[Plan] = []
    for source in sources:
        if source.record_type is None:
            continue
        own = [column for column in source.columns if not column.startswith("parent.")]
        groups = [] if has_users or source.record_type == "user" else embedded_groups(own)
        main = _main_plan(source.record_type, source, source.columns, None, groups)
        plans.append(main)
        if source.record_type in ("listing", "user"):
            label = "user" if source.record_type == "user" else "listing"
            image = _attach_images(main, list(main.unmapped), {}, label)
            if image is not None:
                plans.append(image)
        for group in groups:
            person = _group_plan(group, source, main)
            plans.append(person)
            _created_from_person(main, person)
            names = group.columns
            image = _attach_images(person, list(person.unmapped), names, group.prefix)
            if image is not None:
                plans.append(image)
        if source.each is not None:
            plans.append(_main_plan("image", source, source.child_columns, source.each, []))
    for plan in plans:
        if plan.record_type == "review" and plan.group is None:
            _review_lookups(plan, plans, sources)
            _review_type(plan)
    _shared_people(plans)
    return plans


def _shared_people(plans: list[Plan]) -> None:
    """Say so when the first rows show one id in two user tables of different sources.

    Rows of two tables under one source id are one user only where they agree; a host who
    also reviews gets two sign-up dates (``host_since``, the first review) and one of them is
    a ``merge-conflict`` reject.
    """
    users = [plan for plan in plans if plan.record_type == "user" and plan.id_column is not None]
    for index, later in enumerate(users):
        for earlier in users[:index]:
            if earlier.source is later.source:
                continue
            seen = {str(v).strip() for v in earlier.source.samples.get(earlier.id_column or "", [])}
            mine = {str(v).strip() for v in later.source.samples.get(later.id_column or "", [])}
            shared = seen & mine
            if not shared:
                continue
            count = len(shared)
            later.about += [
                f"# TODO id: {count} {later.id_column} value{'s' if count > 1 else ''} of the first rows "
                f"{'are' if count > 1 else 'is'} also {earlier.id_column} (one id",
                "#   space): such a person is one user only where both tables agree, otherwise",
                "#   one of the rows is a merge-conflict reject",
                '#   (docs/recipes.md, "One person in two roles").',
            ]
            return
