"""Source ids (migrate/anonymise/sourceids.py) and their replacement by the scrubber."""

from __future__ import annotations

import uuid

from migrate.anonymise.pseudonyms import Pseudonyms
from migrate.anonymise.scrub import Scrubber
from migrate.anonymise.sourceids import SourceIds, is_id_key
from migrate.edn.values import Keyword, Row

K = Keyword


def test_id_keys_are_told_from_words_ending_in_id():
    assert all(map(is_id_key, ["id", "legacyId", "hostID", "source_id", "listing-id", "legacy"]))
    assert not any(map(is_id_key, ["paid", "valid", "android", "rapid"]))


def test_source_ids_come_from_aliases_and_id_keys_of_extended_data():
    ids = SourceIds()
    ids.add_row(
        Row(
            K("im.listing/id"),
            None,
            K("listing/l3820211"),
            {K("im.listing/publicData"): {K("legacyId"): 991234, K("rooms"): 123456}},
        )
    )
    ids.add_row(
        Row(
            K("im.user/id"),
            None,
            K("user/u42"),
            {K("im.user/profile"): {K("im.userProfile/metadata"): {K("crmId"): "77001-A"}}},
        )
    )
    assert ids.numbers == {3820211, 991234, 77001}
    assert ids.in_text("https://img.example/Hosting-3820211/123456.jpg") == [3820211]


def test_the_scrubber_replaces_source_ids_consistently_and_keeps_other_numbers():
    ids = SourceIds()
    ids.add_text("3820211 1180000000007141974")
    known = uuid.UUID("0b6c6f7e-3d7e-4a61-9d0e-6f4f7d9b2a10")
    scrubber = Scrubber(Pseudonyms("s"), source_ids=ids, is_source_uuid=lambda v: v == known)
    fake = scrubber.source_id(3820211)
    assert len(str(fake)) == 7 and fake != 3820211
    text = f"Listing #3820211 (old 3820211), host 1180000000007141974, ref {known}, zip 12345."
    result = scrubber.text(text)
    assert result.startswith(f"Listing #{fake} (old {fake}), host ")
    assert "3820211" not in result and "1180000000007141974" not in result
    assert str(known) not in result and result.endswith(", zip 12345.")
    assert scrubber.stats.source_ids == 4
    assert scrubber.scrub_json({K("legacyId"): 3820211, K("n"): 3}) == {
        K("legacyId"): fake,
        K("n"): 3,
    }
