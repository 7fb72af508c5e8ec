"""The subset: which rows a test export keeps, with every reference still resolving.

The graph is built in one pass over the input and holds only ids and references per row (its
position in ``:data``, its type, the keys of the rows it points at), never attribute values,
so memory grows with the number of rows, not with the file's size.

Selection keeps the chosen users, the listings they author, those listings' images, the chosen
users' profile images, the reviews whose author, subject and listing (when it has one) are all
kept, and, with ``keep_stripe``, the chosen users' Stripe accounts. Every dropped row is counted
with the reason it was dropped.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrate import schemas
from migrate.edn.show import show
from migrate.edn.values import Keyword, Ref, Row
from migrate.errors import ConfigError

USER_ID = schemas.key("im.user/id")
RefKey = Keyword | tuple[Keyword, uuid.UUID]

STRATEGIES = ("random", "connected")

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
    sample_key: str | None = None  # users only: what the random sample is keyed by


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
        self.nodes.append(Node(row.row_type, refs, sample_key))
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
    strategy: str = "random",
) -> tuple[set[int], int | None]:
    """The positions of the chosen users and how many were asked for.

    ``rank`` orders users pseudo-randomly (from the seeded hash of their sample key);
    ``random`` takes the first ``sample_users`` in that order, ``connected`` the users with the
    most listings, reviews and images first (ties in ``rank`` order). ``users`` is an explicit
    list. With neither, every user is chosen. A sample larger than the file takes every user.
    """
    all_users = graph.users()
    if users is not None:
        return set(users), None
    if sample_users is None:
        return set(all_users), None
    if strategy == "connected":
        degree = _degrees(graph)
        order = sorted(all_users, key=lambda index: (-degree[index], rank[index]))
    elif strategy == "random":
        order = sorted(all_users, key=rank.__getitem__)
    else:
        raise ConfigError(f"unknown strategy {show(strategy)}; use 'random' or 'connected'")
    return set(order[:sample_users]), sample_users


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


def read_user_list(path: str | Path, graph: Graph) -> list[int]:
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
