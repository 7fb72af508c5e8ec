"""The subset (migrate/anonymise/subset.py): which rows are kept, on rows in memory."""

from __future__ import annotations

import uuid

import pytest

from migrate.anonymise.subset import Graph, choose_users, read_user_list, select
from migrate.edn.values import Keyword, Ref, Row
from migrate.errors import ConfigError

K = Keyword


def user(alias: str, avatar: str | None = None, import_id: uuid.UUID | None = None) -> Row:
    profile = {K("im.userProfile/firstName"): "A", K("im.userProfile/lastName"): "B"}
    if avatar:
        profile[K("im.userProfile/avatar")] = Ref.to_alias(K(avatar))
    return Row(K("im.user/id"), import_id, K(alias), {K("im.user/profile"): profile})


def listing(alias: str, author: str | None) -> Row:
    attrs = {K("im.listing/author"): Ref.to_alias(K(author))} if author else {}
    return Row(K("im.listing/id"), None, K(alias), attrs)


def image(alias: str | None, listing_alias: str | None = None) -> Row:
    attrs = {K("im.image/listing"): Ref.to_alias(K(listing_alias))} if listing_alias else {}
    return Row(K("im.image/id"), None, K(alias) if alias else None, attrs)


def review(author: str, subject: str, listing_alias: str | None = None) -> Row:
    attrs = {
        K("im.review/author"): Ref.to_alias(K(author)),
        K("im.review/subject"): Ref.to_alias(K(subject)),
    }
    if listing_alias:
        attrs[K("im.review/listing")] = Ref.to_alias(K(listing_alias))
    return Row(K("im.review/id"), None, None, attrs)


def stripe(owner: str) -> Row:
    return Row(
        K("im.stripeAccount/id"), None, None, {K("im.stripeAccount/user"): Ref.to_alias(K(owner))}
    )


JANE_ID = uuid.UUID("0b6c6f7e-3d7e-4a61-9d0e-6f4f7d9b2a10")
ROWS = [
    user("user/jane", avatar="image/jane", import_id=JANE_ID),  # 0
    user("user/john", avatar="image/john"),  # 1
    user("user/bob"),  # 2
    listing("listing/sauna", "user/jane"),  # 3
    listing("listing/boat", "user/bob"),  # 4
    listing("listing/orphan", None),  # 5
    image("image/jane"),  # 6
    image("image/john"),  # 7
    image(None, "listing/sauna"),  # 8
    image(None, "listing/boat"),  # 9
    image("image/stray"),  # 10
    review("user/john", "user/jane", "listing/sauna"),  # 11
    review("user/jane", "user/john"),  # 12
    review("user/bob", "user/jane"),  # 13
    review("user/jane", "user/bob", "listing/boat"),  # 14
    review("user/john", "user/jane", "listing/boat"),  # 15
    stripe("user/jane"),  # 16
    stripe("user/bob"),  # 17
]


def graph() -> Graph:
    result = Graph()
    for row in ROWS:
        result.add(row, row.alias.text if row.row_type == "user" else None)
    return result


def test_keeps_users_their_listings_images_avatars_and_reviews_among_them():
    g = graph()
    selection = select(g, {0, 1}, users_requested=2, keep_stripe=True)
    assert sorted(selection.kept) == [0, 1, 3, 6, 7, 8, 11, 12, 16]
    assert dict(selection.dropped) == {
        ("user", "not-sampled"): 1,
        ("listing", "author-not-kept"): 1,
        ("listing", "no-author"): 1,
        ("image", "listing-not-kept"): 1,
        ("image", "not-a-kept-avatar"): 1,
        ("review", "subject-not-kept"): 1,
        ("review", "author-not-kept"): 1,
        ("review", "listing-not-kept"): 1,
        ("stripeAccount", "user-not-kept"): 1,
    }
    assert selection.users_available == 3


def test_a_review_of_a_kept_pair_about_a_dropped_listing_is_dropped():
    selection = select(graph(), {0, 1}, users_requested=None)
    assert 15 not in selection.kept


def test_stripe_accounts_are_left_out_without_keep_stripe():
    selection = select(graph(), {0, 1, 2}, users_requested=None)
    assert {16, 17}.isdisjoint(selection.kept)
    assert selection.dropped["stripeAccount", "stripe-not-kept"] == 2


def test_profile_images_go_when_the_policy_drops_avatars():
    selection = select(graph(), {0, 1}, users_requested=None, keep_avatars=False)
    assert {6, 7}.isdisjoint(selection.kept)


def test_random_sample_follows_the_rank_and_a_large_sample_takes_everyone():
    g = graph()
    rank = {0: 2, 1: 0, 2: 1}
    assert choose_users(g, rank=rank, sample_users=2, strategy="random") == ({1, 2}, 2)
    assert choose_users(g, rank=rank, sample_users=10, strategy="random") == ({0, 1, 2}, 10)
    assert choose_users(g, rank=rank) == ({0, 1, 2}, None)


def test_connected_strategy_prefers_users_with_most_rows():
    g = graph()
    rank = {0: 2, 1: 0, 2: 1}
    # jane: listing, 5 reviews, stripe; bob: listing, 3 reviews, stripe; john: 3 reviews
    assert choose_users(g, rank=rank, sample_users=1, strategy="connected") == ({0}, 1)
    assert choose_users(g, rank=rank, sample_users=2, strategy="connected") == ({0, 2}, 2)


def test_users_file_takes_aliases_with_or_without_colon_and_import_ids(tmp_path):
    path = tmp_path / "users.txt"
    path.write_text(f"# chosen\n:user/john\n\nuser/bob\n{JANE_ID}\n:user/john\n")
    assert read_user_list(path, graph()) == [1, 2, 0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (":user/john\n:user/nobody\n", "{path}:2: no user with this alias or import id"),
        (":listing/sauna\n", "{path}:1: names a listing row, not a user"),
        ("john smith\n", "{path}:1: not a user alias (:user/name) or import id (a UUID)"),
        ("# nobody\n\n", "{path}: names no users"),
    ],
)
def test_users_file_errors_name_file_and_line_but_not_the_value(tmp_path, text, message):
    path = tmp_path / "users.txt"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_user_list(path, graph())
    assert str(caught.value) == message.format(path=path)


def test_shape_sample_takes_listings_with_their_reviewers_then_fills_by_kind():
    g = graph()
    rank = {0: 2, 1: 0, 2: 1}
    # One user: the author of the first listing in seeded order (here file order).
    assert choose_users(g, rank=rank, sample_users=1, strategy="shape") == ({0}, 1)
    # Two: jane's listing brings john, who reviewed her sauna.
    chosen, _ = choose_users(g, rank=rank, sample_users=2, strategy="shape")
    assert chosen == {0, 1}
    selection = select(g, chosen, users_requested=2)
    assert {3, 8, 11, 12} <= selection.kept  # the listing, its image, reviews of both types
    assert choose_users(g, rank=rank, sample_users=3, strategy="shape") == ({0, 1, 2}, 3)


def test_shape_sample_follows_the_seeded_listing_order():
    g = graph()
    rank = {0: 2, 1: 0, 2: 1}
    boat_first = {3: 1, 4: 0}
    chosen, _ = choose_users(
        g, rank=rank, sample_users=1, strategy="shape", order=lambda i: boat_first.get(i, 9)
    )
    assert chosen == {2}  # bob, the boat's author
