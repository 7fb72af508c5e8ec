"""The offline gazetteer: capitals, alternate and accent-free spellings, ambiguity, nonsense."""

from __future__ import annotations

import csv

import pytest
from conftest import SAMPLES

from migrate.geocode import gazetteer as gazetteer_module
from migrate.geocode.address import fold, normalise_address, split_address
from migrate.geocode.gazetteer import Gazetteer, default_gazetteer


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


def test_fold_drops_accents_case_and_punctuation():
    assert fold("München") == "munchen"
    assert fold("Saint-Étienne") == "saint etienne"
    assert fold("  São   Paulo ") == "sao paulo"
    assert fold("Łódź") == "lodz"
    assert fold("Straße") == "strasse"
    assert fold("Москва") == "москва"


def test_normalise_address_ignores_spelling_noise():
    assert normalise_address(" Marienplatz 8,  80331 MÜNCHEN,, Germany ") == (
        "marienplatz 8, 80331 munchen, germany"
    )
    assert normalise_address("marienplatz 8, 80331 München, Germany") == normalise_address(
        "Marienplatz 8 ,80331 Munchen ,GERMANY"
    )


def test_split_address_takes_postcodes_out_of_parts():
    parsed = split_address("Marienplatz 8, 80331 München, Bayern, Germany")
    assert [part.name for part in parsed.parts] == ["Marienplatz", "München", "Bayern", "Germany"]
    assert [part.postcode for part in parsed.parts] == ["8", "80331", None, None]
    assert parsed.parts[1].key == "munchen"
    assert parsed.postcode == "8"


def test_capital(gazetteer):
    match = gazetteer.locate("Mannerheimintie 1, 00100 Helsinki, Finland")
    assert match is not None
    assert (match.city.name, match.city.country) == ("Helsinki", "FI")
    assert match.precision == "city"
    assert match.score == 1.0
    assert match.location.lat == pytest.approx(60.17, abs=0.05)
    assert match.location.lng == pytest.approx(24.94, abs=0.05)
    assert match.matched == "00100 Helsinki"


def test_alternate_name(gazetteer):
    match = gazetteer.locate("Marienplatz 8, 80331 München, Germany")
    assert match is not None
    assert (match.city.name, match.city.country) == ("Munich", "DE")
    assert match.score == 0.9  # an alternate spelling, not GeoNames' official name
    assert gazetteer.locate("Munich, Germany").location == match.location


def test_accent_free_spelling(gazetteer):
    match = gazetteer.locate("Rua Augusta 100, Sao Paulo, Brazil")
    assert match is not None
    assert (match.city.name, match.city.country) == ("São Paulo", "BR")
    assert match.score == 1.0


@pytest.mark.parametrize(
    ("address", "state"),
    [
        ("Springfield, IL", "IL"),
        ("12 Main St, Springfield, Massachusetts, USA", "MA"),
        ("Springfield, Ohio, United States", "OH"),
    ],
)
def test_ambiguous_name_resolved_by_region(gazetteer, address, state):
    match = gazetteer.locate(address)
    assert match is not None
    assert (match.city.name, match.city.country, match.city.admin1) == ("Springfield", "US", state)
    assert match.score == 1.0


def test_ambiguous_name_without_region_takes_the_largest_with_a_lower_score(gazetteer):
    match = gazetteer.locate("Springfield")
    assert match is not None
    assert match.city.admin1 == "MO"  # the most populous Springfield
    assert 0.6 < match.score < 0.8


def test_country_excludes_namesakes_elsewhere(gazetteer):
    match = gazetteer.locate("London, Ontario, Canada")
    assert match is not None
    assert (match.city.name, match.city.country) == ("London", "CA")
    paris = gazetteer.locate("Paris, Texas")
    assert paris is not None and paris.city.country == "US"


def test_district_names_fall_back_to_the_city(gazetteer):
    match = gazetteer.locate("5 Rue Cler, Paris Quartier Inconnu, FR")
    assert match is not None
    assert (match.city.name, match.city.country) == ("Paris", "FR")
    assert match.score < 1.0


def test_a_street_named_after_a_city_is_not_the_city(gazetteer):
    assert gazetteer.locate("Paris Road 5, Nowhereville") is None


@pytest.mark.parametrize("address", ["Qwxz Plaza 9, Nowhereville, Zzyzxland", "", " , ,"])
def test_nonsense_is_unresolved(gazetteer, address):
    assert gazetteer.locate(address) is None


def test_named_country_that_contradicts_the_city_is_unresolved(gazetteer):
    assert gazetteer.locate("Helsinki, Brazil") is None


def test_unknown_dataset_is_refused():
    with pytest.raises(ValueError, match="min_population must be one of"):
        Gazetteer(min_population=42)


def test_resolves_the_trailhop_sample_listings(gazetteer):
    """`make demo` geocodes the sample offline: nearly all addresses resolve, near the truth."""
    with (SAMPLES / "csv" / "listings.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) >= 500
    matched = close = with_coordinates = 0
    without = [row for row in rows if not row["lat"]]
    for row in rows:
        match = gazetteer.locate(
            ", ".join(v for v in (row["street"], row["city"], row["country"]) if v)
        )
        if match is None:
            continue
        matched += 1
        if row["lat"]:
            with_coordinates += 1
            distance = abs(match.location.lat - float(row["lat"])) + abs(
                match.location.lng - float(row["lng"])
            )
            close += distance < 0.5
    resolved_without = sum(
        gazetteer.locate(f"{row['street']}, {row['city']}, {row['country']}") is not None
        for row in without
    )
    assert matched / len(rows) >= 0.9
    assert resolved_without / len(without) >= 0.9
    assert close / with_coordinates >= 0.9  # the right one of namesakes, mostly


def _answer(match):
    return None if match is None else (match.location, match.precision, match.score)


@pytest.mark.parametrize(
    "addresses",
    [
        # Streets named after cities, shortened or not: only an exact first part counts.
        [
            "Lincoln Avenue 5, Springfield, US",
            "Paris Road 9, Springfield, US",
            "1 Oak St, Springfield, US",
        ],
        ["Paris Road 5, Nowhereville", "Berlin Street 2, Nowhereville"],
        ["Marienplatz 8, 80331 München, Germany", "Hauptstraße 1, 80331 Munchen, GERMANY"],
    ],
)
def test_addresses_of_one_signature_get_one_answer(addresses):
    fresh = Gazetteer()  # no remembered answers: each address resolved on its own
    assert len({fresh.signature(address) for address in addresses}) == 1
    assert len({_answer(fresh.locate(address)) for address in addresses}) == 1


def test_an_exact_first_part_stays_in_the_signature(gazetteer):
    # "Paris" alone names the city; "Paris Road" only once shortened (a street).
    assert gazetteer.signature("Paris, Nowhereville") != gazetteer.signature(
        "Paris Road, Nowhereville"
    )
    assert gazetteer.locate("Paris, Nowhereville") is not None
    assert gazetteer.locate("Paris Road, Nowhereville") is None


def test_signatures_group_the_sample_addresses_by_answer(gazetteer):
    """At the sample's scale: every address answered as the first of its signature is."""
    with (SAMPLES / "csv" / "listings.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    first: dict[tuple, object] = {}
    fresh = Gazetteer()
    for row in rows:
        address = ", ".join(v for v in (row["street"], row["city"], row["country"]) if v)
        answer = _answer(fresh.locate(address))
        assert first.setdefault(fresh.signature(address), answer) == answer, address
    assert len(first) < len(rows)  # some streets are left out


def test_the_cached_index_reads_back_as_it_was_built(tmp_path, monkeypatch):
    """The index kept between runs (sorted names, their cities as flat arrays) answers every
    name as the one just built does; a damaged file is built anew and replaced."""
    monkeypatch.setenv("MIGRATE_CACHE_DIR", str(tmp_path))
    path = gazetteer_module.index_cache_path(15000)
    assert not path.exists()
    built = gazetteer_module.cached_index(15000)
    assert path.exists()
    read = gazetteer_module.cached_index(15000)
    assert read.cities == built.cities
    assert read.names.keys == built.names.keys and len(built.names.keys) > 100_000
    assert all(read.names.get(key) == built.names.get(key) for key in built.names.keys[::97])
    assert read.names.get("paris") == built.names.get("paris")
    assert [built.cities[number].country for number in read.names.get("paris") or []][:1] == ["FR"]
    assert "paris" in read.names and "no such place" not in read.names
    assert read.names.get("no such place") is None
    assert read.names.get("") is None and read.names.get("\U0010ffff") is None  # either end
    names = gazetteer_module._Names.of({"b": [4, 7], "a": [1], "c": [2], "ab": [3, 5, 6]})
    assert [names.get(key) for key in ("a", "ab", "b", "c")] == [[1], [3, 5, 6], [4, 7], [2]]
    assert [key in names for key in ("", "aa", "abc", "d")] == [False] * 4
    path.write_bytes(b"not an index")
    again = gazetteer_module.cached_index(15000)
    assert again.names.keys == built.names.keys
    assert path.read_bytes() != b"not an index"
