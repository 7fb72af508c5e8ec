"""Scrubbing free text and extended data (migrate/anonymise/scrub.py)."""

from __future__ import annotations

from migrate.anonymise.language import vocabulary
from migrate.anonymise.names import NameIndex
from migrate.anonymise.pseudonyms import Pseudonyms
from migrate.anonymise.scrub import Scrubber, is_personal_key
from migrate.edn.values import Keyword


def _scrubber(seed: str = "s") -> Scrubber:
    names = NameIndex(vocabulary(), first={"jane", "bartholomew"}, last={"doe"})
    return Scrubber(
        Pseudonyms(seed),
        names=names,
        emails={"jane.doe@mail.example.org": "admin+3@example.com"},
    )


def test_emails_urls_and_phone_numbers_are_replaced():
    text = (
        "Mail bob@corp.example.net or call +358 40 123 4567, (555) 123-4567. "
        "See https://bobs-saunas.example.com/about?x=1. Also www.example.org."
    )
    assert _scrubber().text(text) == (
        "Mail [email] or call [phone], [phone]. See [link]. Also [link]."
    )


def test_a_users_own_address_becomes_their_pseudonymous_address():
    assert _scrubber().text("Write to Jane.Doe@mail.example.org!") == (
        "Write to admin+3@example.com!"
    )


def test_dates_prices_and_short_numbers_are_kept():
    text = (
        "Built 2019-05-01 10:30, renovated 2015-2021, seen 12.05.2023, "
        "12.50 EUR a night, room 42, open 9-17, 4 beds."
    )
    assert _scrubber().text(text) == text


def test_users_names_become_their_pseudonyms_in_the_original_case():
    scrubber = _scrubber()
    ps = scrubber.pseudonyms
    result = scrubber.text("Thanks Jane, JANE and jane Doe! Janet stays.")
    first, last = ps.first_name("Jane"), ps.last_name("Doe")
    assert result == (f"Thanks {first}, {first.upper()} and {first.lower()} {last}! Janet stays.")


def test_the_same_name_reads_the_same_in_every_text_and_profile():
    scrubber = _scrubber()
    fake = scrubber.pseudonyms.first_name("Bartholomew")
    assert scrubber.text("Bartholomew was great") == f"{fake} was great"
    assert scrubber.text("ask bartholomew") == f"ask {fake.lower()}"


def test_personal_keys_are_recognised_whatever_their_spelling():
    for key in ("phone", "phoneNumber", "phone_number", "Email", "homeAddress", "name", "dob"):
        assert is_personal_key(key), key
    for key in ("listingType", "amenities", "categoryLevel1", "unitType"):
        assert not is_personal_key(key), key


def test_scrub_json_fakes_personal_keys_and_scrubs_other_strings():
    scrubber = _scrubber()
    value = {
        Keyword("phoneNumber"): "+358 40 123 4567",
        "amenities": ("sauna", "pool"),
        "note": "ask Jane at jane.doe@mail.example.org",
        "rooms": 3,
        "premium": True,
    }
    result = scrubber.scrub_json(value)
    assert list(result) == list(value)
    assert result[Keyword("phoneNumber")] != value[Keyword("phoneNumber")]
    assert result["amenities"] == ("sauna", "pool")
    assert result["note"] == f"ask {scrubber.pseudonyms.first_name('Jane')} at admin+3@example.com"
    assert result["rooms"] == 3 and result["premium"] is True


def test_fake_json_keeps_the_shape_and_replaces_every_value():
    scrubber = _scrubber()
    value = {"address": "Mannerheimintie 1, Helsinki", "building": "B 12", "floor": 3, "lift": True}
    fake = scrubber.fake_json(value)
    assert list(fake) == list(value)
    assert fake["address"] != value["address"] and "Mannerheimintie" not in fake["address"]
    assert fake["building"] != "B 12" and isinstance(fake["floor"], int)
    assert fake["lift"] is True
    assert fake == _scrubber().fake_json(value)
