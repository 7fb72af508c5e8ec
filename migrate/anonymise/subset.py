"""The subset: which rows a test export keeps, with every reference still resolving.

The graph is built in one pass over the input and holds only ids and references per row (its
position in ``:data``, its type, the keys of the rows it points at), never attribute values,
so memory grows with the number of rows, not with the file's size.

Users are chosen by a strategy. ``shape`` (the default) keeps the marketplace's shape: it samples
listings in a seeded order and keeps each one's author and up to a few of its reviewers (and the
customers its author reviewed), which brings the listing's images and reviews of both types; then
it fills up to the sample size with users of each kind (with a Stripe account, with listings,
reviewed as customers, reviewers, others) in the proportions of the input, preferring users whose
reviews connect them to users already chosen. ``random`` takes a seeded random sample of users,
``connected`` the users with the most rows.

Selection keeps the chosen users, the listings they author, those listings' images, the chosen
users' profile images, the reviews whose author, subject and listing (when it has one) are all
kept, and, with ``keep_stripe``, the chosen users' Stripe accounts. Every dropped row is counted
with the reason it was dropped.
"""

from __future__ import annotations

import heapq
import math
import os
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate import schemas
from migrate.edn.show import show
from migrate.edn.values import Keyword, Ref, Row
from migrate.errors import ConfigError

USER_ID = schemas.key("im.user/id")
RefKey = Keyword | tuple[Keyword, uuid.UUID]

STRATEGIES = ("shape", "random", "connected")
DEFAULT_STRATEGY = "shape"
# The share of a shape sample that comes from sampled listings; the rest fills by kind.
LISTING_SHARE = 2 / 3
FILL_KINDS = ("stripe", "host", "reviewed-customer", "reviewer", "other")
_REVIEW_TYPE = schemas.key("im.review/type")

# Where each row type points, in the order the drop reasons are checked.
_REF_ATTRIBUTES: dict[str, tuple[tuple[str, ...], ...]] = {
    "user": (("im.user/profile", "im.userProfile/avatar"),),
    "listing": (("im.listing/author",),),
    "image": (("im.image/listing",),),
    "review": (("im.review/author",), ("im.review/subject",), ("im.review/listing",)),
    "stripeAccount": (("im.stripeAccount/user",),),
}
_REF_PATHS = {
    row_type: tuple(tuple(Keyword(part) for part in path) for path in paths)
    for row_type, paths in _REF_ATTRIBUTES.items()
}


@dataclass(slots=True)
class Node:
    """One input row as the graph sees it: its type and the keys of the rows it references."""

    row_type: str
    refs: tuple[RefKey | None, ...]
    sample_key: str | None = None  # what seeded orders are keyed by (alias or import id)
    tag: str | None = None  # reviews: the review type's name (ofProvider, ofCustomer)


@dataclass
class Graph:
    """Rows by position in ``:data`` and the reference keys that resolve to them."""

    nodes: list[Node] = field(default_factory=list)
    resolve: dict[Any, int] = field(default_factory=dict)

    def add(self, row: Row, sample_key: str | None = None) -> int:
        """Record ``row`` (the next row of the file) and return its position."""
        index = len(self.nodes)
        paths = _REF_PATHS.get(row.row_type, ())
        refs = tuple(_ref_key(_dig(row.attrs, path)) for path in paths)
        tag = None
        if row.row_type == "review":
            kind = row.attrs.get(_REVIEW_TYPE)
            tag = kind.name if isinstance(kind, Keyword) else None
        self.nodes.append(Node(row.row_type, refs, sample_key, tag))
        for key in row.resolves():
            self.resolve.setdefault(key, index)
        return index

    def target(self, key: RefKey | None) -> int | None:
        """The position of the row ``key`` resolves to, or ``None``."""
        return None if key is None else self.resolve.get(key)

    def users(self) -> list[int]:
        """Positions of the user rows."""
        return [index for index, node in enumerate(self.nodes) if node.row_type == "user"]


@dataclass
class Selection:
    """Which rows are kept, and how many rows of each type were dropped for which reason.

    ``profile_images`` are the kept images that are some kept user's avatar (and no listing's).
    """

    kept: set[int]
    dropped: Counter[tuple[str, str]]
    users_requested: int | None
    users_available: int
    profile_images: set[int] = field(default_factory=set)


def _dig(attrs: dict[Keyword, Any], path: tuple[Keyword, ...]) -> Any:
    value: Any = attrs
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _ref_key(value: Any) -> RefKey | None:
    return value.key if isinstance(value, Ref) else None


def choose_users(
    graph: Graph,
    *,
    rank: dict[int, int],
    sample_users: int | None = None,
    users: Iterable[int] | None = None,
    strategy: str = DEFAULT_STRATEGY,
    order: Callable[[int], int] | None = None,
) -> tuple[set[int], int | None]:
    """The positions of the chosen users and how many were asked for.

    ``rank`` orders users pseudo-randomly (from the seeded hash of their sample key) and
    ``order`` gives any row's place in a seeded order (``shape`` samples listings by it; without
    it, file order). ``random`` takes the first ``sample_users`` users in ``rank`` order,
    ``connected`` the users with the most listings, reviews and images first, ``shape`` the
    sample described in the module docstring. ``users`` is an explicit list. With neither,
    every user is chosen. A sample larger than the file takes every user.
    """
    all_users = graph.users()
    if users is not None:
        return set(users), None
    if sample_users is None:
        return set(all_users), None
    if strategy == "shape":
        return shape_sample(graph, rank, sample_users, order or (lambda index: index)), sample_users
    if strategy == "connected":
        degree = _degrees(graph)
        ordered = sorted(all_users, key=lambda index: (-degree[index], rank[index]))
    elif strategy == "random":
        ordered = sorted(all_users, key=rank.__getitem__)
    else:
        raise ConfigError(f"unknown strategy {show(strategy)}; use {_strategies()}")
    return set(ordered[:sample_users]), sample_users


def _strategies() -> str:
    quoted = [show(name) for name in STRATEGIES]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


@dataclass
class _Links:
    """Users by how many reviews connect them to the users chosen so far, per kind."""

    rank: dict[int, int]
    kind_of: Callable[[int], str]
    counts: Counter[int] = field(default_factory=Counter)
    heaps: dict[str, list[tuple[int, int, int]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, user: int) -> None:
        self.counts[user] += 1
        heapq.heappush(self.heaps[self.kind_of(user)], (-self.counts[user], self.rank[user], user))

    def best(self, kind: str, chosen: dict[int, None]) -> int | None:
        heap = self.heaps.get(kind)
        while heap:
            links, _rank, user = heap[0]
            if user in chosen or -links != self.counts[user]:
                heapq.heappop(heap)
                continue
            return user
        return None


def shape_sample(
    graph: Graph, rank: dict[int, int], size: int, order: Callable[[int], int]
) -> set[int]:
    """``size`` users that keep the marketplace's shape (see the module docstring)."""
    nodes = graph.nodes
    users = graph.users()
    if size >= len(users):
        return set(users)

    def user_at(key: RefKey | None) -> int | None:
        target = graph.target(key)
        return target if target is not None and nodes[target].row_type == "user" else None

    hosted: list[tuple[int, int]] = []
    listings_of: set[int] = set()
    reviewers_of: dict[int, list[int]] = defaultdict(list)
    customers_of: dict[int, list[int]] = defaultdict(list)
    partners: dict[int, list[int]] = defaultdict(list)
    stripe: set[int] = set()
    reviewed_customers: set[int] = set()
    reviewers: set[int] = set()
    for index, node in enumerate(nodes):
        if node.row_type == "listing":
            host = user_at(node.refs[0])
            if host is not None:
                hosted.append((index, host))
                listings_of.add(host)
        elif node.row_type == "review":
            author, subject = user_at(node.refs[0]), user_at(node.refs[1])
            if author is None or subject is None:
                continue
            partners[author].append(subject)
            partners[subject].append(author)
            reviewers.add(author)
            if node.tag == "ofCustomer":
                reviewed_customers.add(subject)
                customers_of[author].append(subject)
            else:
                listing = graph.target(node.refs[2])
                if listing is not None:
                    reviewers_of[listing].append(author)
        elif node.row_type == "stripeAccount":
            owner = user_at(node.refs[0])
            if owner is not None:
                stripe.add(owner)

    def kind_of(user: int) -> str:
        if user in stripe:
            return "stripe"
        if user in listings_of:
            return "host"
        if user in reviewed_customers:
            return "reviewed-customer"
        return "reviewer" if user in reviewers else "other"

    chosen: dict[int, None] = {}
    links = _Links(rank, kind_of)

    def take(user: int) -> None:
        chosen[user] = None
        for partner in partners.get(user, ()):
            if partner not in chosen:
                links.add(partner)

    # Listings first: each brings its author and up to `per_listing` of its people.
    budget = max(1, round(size * LISTING_SHARE))
    per_listing = max(1, round(math.sqrt(budget)) - 1)
    for listing, host in sorted(hosted, key=lambda item: (order(item[0]), item[0])):
        if len(chosen) >= budget:
            break
        if host not in chosen:
            take(host)
        people = dict.fromkeys(reviewers_of.get(listing, []) + customers_of.get(host, []))
        candidates = sorted(
            (user for user in people if user not in chosen),
            key=lambda user: (-links.counts[user], rank[user]),
        )
        for user in candidates[:per_listing]:
            if len(chosen) >= budget:
                break
            take(user)

    # Then every kind of user in the proportions of the input.
    share = Counter(kind_of(user) for user in users)
    have = Counter(kind_of(user) for user in chosen)
    pools: dict[str, list[int]] = defaultdict(list)
    for user in sorted(users, key=rank.__getitem__):
        if user not in chosen:
            pools[kind_of(user)].append(user)
    cursor: Counter[str] = Counter()
    while len(chosen) < size:
        open_kinds = [
            kind
            for kind in FILL_KINDS
            if links.best(kind, chosen) is not None or cursor[kind] < len(pools[kind])
        ]
        if not open_kinds:
            break
        kind = max(
            open_kinds,
            key=lambda k: (size * share[k] / len(users) - have[k], -FILL_KINDS.index(k)),
        )
        picked = links.best(kind, chosen)
        if picked is None:
            pool = pools[kind]
            while cursor[kind] < len(pool) and pool[cursor[kind]] in chosen:
                cursor[kind] += 1
            if cursor[kind] >= len(pool):
                continue
            picked = pool[cursor[kind]]
            cursor[kind] += 1
        take(picked)
        have[kind] += 1
    return set(chosen)


def _degrees(graph: Graph) -> Counter[int]:
    degree: Counter[int] = Counter()
    for index, node in enumerate(graph.nodes):
        if node.row_type == "user":
            degree[index] += 0
        for key in node.refs:
            target = graph.target(key)
            if target is not None and graph.nodes[target].row_type == "user":
                degree[target] += 1
    return degree


def select(
    graph: Graph,
    chosen_users: set[int],
    *,
    users_requested: int | None,
    keep_stripe: bool = False,
    keep_avatars: bool = True,
) -> Selection:
    """Every row to keep for ``chosen_users``, with drop reasons for the rest.

    ``keep_avatars`` false (the policy drops ``:im.userProfile/avatar``) leaves profile images
    out as well.
    """
    nodes = graph.nodes
    kept: set[int] = set(chosen_users)
    dropped: Counter[tuple[str, str]] = Counter()
    listings: set[int] = set()
    for index, node in enumerate(nodes):
        if node.row_type == "listing":
            author = graph.target(node.refs[0])
            if author is None:
                dropped["listing", "no-author"] += 1
            elif author in chosen_users:
                listings.add(index)
            else:
                dropped["listing", "author-not-kept"] += 1
    kept |= listings
    avatars = (
        {graph.target(nodes[user].refs[0]) for user in chosen_users} if keep_avatars else set()
    )
    profile_images: set[int] = set()
    for index, node in enumerate(nodes):
        row_type = node.row_type
        if row_type == "user":
            if index not in chosen_users:
                dropped["user", "not-sampled"] += 1
        elif row_type == "image":
            listing_key = node.refs[0]
            if listing_key is not None:
                if graph.target(listing_key) in listings:
                    kept.add(index)
                else:
                    dropped["image", "listing-not-kept"] += 1
            elif index in avatars:
                kept.add(index)
                profile_images.add(index)
            else:
                dropped["image", "not-a-kept-avatar"] += 1
        elif row_type == "review":
            author, subject, listing = (graph.target(key) for key in node.refs)
            if author not in chosen_users:
                dropped["review", "author-not-kept"] += 1
            elif subject not in chosen_users:
                dropped["review", "subject-not-kept"] += 1
            elif node.refs[2] is not None and listing not in listings:
                dropped["review", "listing-not-kept"] += 1
            else:
                kept.add(index)
        elif row_type == "stripeAccount":
            if not keep_stripe:
                dropped["stripeAccount", "stripe-not-kept"] += 1
            elif graph.target(node.refs[0]) in chosen_users:
                kept.add(index)
            else:
                dropped["stripeAccount", "user-not-kept"] += 1
        elif row_type not in ("user", "listing"):
            dropped[row_type, "unknown-type"] += 1
    return Selection(kept, dropped, users_requested, len(graph.users()), profile_images)


# -- the --users file --------------------------------------------------------------------------


def read_user_list(path: str | os.PathLike[str], graph: Graph) -> list[int]:
    """Positions of the users named in ``path``: one alias or import id a line.

    Aliases may be written with or without the leading colon (``:user/jane``, ``user/jane``);
    import ids as plain UUIDs. Blank lines and lines starting with ``#`` are ignored. A line that
    names no user of the input is a :class:`ConfigError` naming the file and line (never the
    value: it may be a person's name).
    """
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read users file {where}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not a UTF-8 text file") from None
    chosen: list[int] = []
    seen: set[int] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        key = _user_key(entry)
        if key is None:
            raise ConfigError(
                f"{where}:{number}: not a user alias (:user/name) or import id (a UUID)"
            )
        index = graph.resolve.get(key)
        if index is None:
            raise ConfigError(f"{where}:{number}: no user with this alias or import id")
        if graph.nodes[index].row_type != "user":
            raise ConfigError(
                f"{where}:{number}: names a {graph.nodes[index].row_type} row, not a user"
            )
        if index not in seen:
            seen.add(index)
            chosen.append(index)
    if not chosen:
        raise ConfigError(f"{where}: names no users")
    return chosen


def _user_key(entry: str) -> RefKey | None:
    try:
        return (USER_ID, uuid.UUID(entry))
    except ValueError:
        pass
    text = entry[1:] if entry.startswith(":") else entry
    if not text or any(character.isspace() for character in text):
        return None
    keyword = Keyword(text)
    return keyword if keyword.problem is None and keyword.namespace else None
