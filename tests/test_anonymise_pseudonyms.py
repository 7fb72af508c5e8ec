"""Keyed pseudonyms (migrate/anonymise/pseudonyms.py): consistent, seed-dependent, leak-free."""

from __future__ import annotations

import math
import re
import uuid

from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.anonymise.pseudonyms import Pseudonyms
from migrate.edn.values import Keyword, Location


def test_same_value_same_fake_and_case_or_space_does_not_matter():
    ps = Pseudonyms("seed-1")
    assert ps.first_name("Jane") == ps.first_name("jane") == ps.first_name(" JANE ")
    assert ps.last_name("Doe") == Pseudonyms("seed-1").last_name("Doe")


def test_another_seed_gives_other_fakes():
    names = ["Jane", "John", "Alice", "Bob", "Carol", "Dave", "Erin", "Frank"]
    one = [Pseudonyms("seed-1").first_name(name) for name in names]
    two = [Pseudonyms("seed-2").first_name(name) for name in names]
    assert one != two
    assert sum(a != b for a, b in zip(one, two, strict=True)) >= 6


def test_fakes_do_not_depend_on_the_order_values_are_asked_for():
    names = ["Jane", "John", "Alice", "Bob"]
    forward = Pseudonyms("s")
    backward = Pseudonyms("s")
    first = {name: forward.first_name(name) for name in names}
    second = {name: backward.first_name(name) for name in reversed(names)}
    assert first == second


def test_a_fake_never_contains_a_forbidden_original():
    originals = [Pseudonyms(f"probe-{i}").first_name("x") for i in range(200)]
    ps = Pseudonyms("seed", forbidden=originals)
    for index in range(300):
        fake = ps.first_name(f"person {index}")
        assert all(
            original.casefold() not in fake.casefold()
            for original in originals
            if len(original) >= 4
        )


def test_is_clean_finds_forbidden_values_inside_words_and_ignores_short_ones():
    ps = Pseudonyms("s", forbidden=["Anna", "Li", "jane@example.org"])
    assert not ps.is_clean("Joanna")
    assert not ps.is_clean("write to JANE@example.org")
    assert ps.is_clean("Lisa")
    long_text = "lorem ipsum " * 20 + "hugo"
    assert not ps.is_clean(long_text + " annabel")
    assert ps.is_clean(long_text)


def test_display_name_follows_the_shape_of_the_original():
    ps = Pseudonyms("s")
    fake = ps.display_name("Jane D", "Jane", "Doe")
    assert fake == f"{ps.first_name('Jane')} {ps.last_name('Doe')[0]}"
    assert ps.display_name("jane", "Jane", "Doe") == ps.first_name("Jane")
    handle = ps.display_name("sunnyday77", "Jane", "Doe")
    assert handle and "sunnyday" not in handle


def test_aliases_and_import_ids_are_re_derived_deterministically():
    ps = Pseudonyms("s")
    alias = ps.alias(Keyword("user/john-smith"), "user")
    assert re.fullmatch(r"user/u[0-9a-f]{16}", alias.text)
    assert alias is ps.alias(Keyword("user/john-smith"), "user")
    assert alias is not Pseudonyms("t").alias(Keyword("user/john-smith"), "user")
    original = uuid.UUID("58afd8e1-e336-4ca4-a1e7-ff1d91856a6c")
    derived = ps.import_id(original)
    assert derived != original and derived.version == 4
    assert derived == Pseudonyms("s").import_id(original)


def test_stripe_ids_are_test_mode_ids():
    ps = Pseudonyms("s")
    assert re.fullmatch(r"acct_test_[0-9a-f]{16}", ps.stripe_account_id("acct_1Lx9QpB2eZvKYlo2"))


def _distance_m(a: Location, b: Location) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (a.lat, a.lng, b.lat, b.lng))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(min_value=-80, max_value=80),
    lng=st.floats(min_value=-179, max_value=179),
    radius=st.sampled_from([100.0, 1000.0, 5000.0]),
)
def test_locations_move_within_the_ring_of_the_radius(lat, lng, radius):
    ps = Pseudonyms("s")
    original = Location(lat, lng)
    moved = ps.location(original, radius)
    distance = _distance_m(original, moved)
    assert radius / 4 - 1 <= distance <= radius + 1
    assert moved == ps.location(Location(lat, lng), radius)


def test_numbers_keep_their_digit_count_and_sign():
    ps = Pseudonyms("s")
    assert len(str(ps.integer(5551234567))) == 10
    assert ps.integer(-42) < 0 and len(str(-ps.integer(-42))) == 2
    assert ps.integer(7) == Pseudonyms("s").integer(7)


def test_when_faker_runs_out_of_clean_names_invented_ones_are_used():
    faker = Faker("en_US")
    originals = {faker.first_name() for _ in range(6000)} | {faker.last_name() for _ in range(3000)}
    ps = Pseudonyms("s", forbidden=originals)
    fakes = [ps.first_name(f"person {index}") for index in range(100)]
    fakes += [ps.address(f"{index} Main Street") for index in range(50)]
    fakes += [ps.text(f"bio number {index} " * 10) for index in range(50)]
    folded = [original.casefold() for original in originals if len(original) >= 4]
    for fake in fakes:
        assert fake.strip()
        assert not [original for original in folded if original in fake.casefold()], fake
    assert len(set(fakes[:100])) > 90
