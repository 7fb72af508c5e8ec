"""``fill_file``: listing locations filled in a whole Intermediary file, streamed, atomically."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from conftest import OFFICIAL_EXAMPLE, need_component

from migrate.edn.errors import EdnSyntaxError
from migrate.edn.reader import DocumentReader, loads
from migrate.edn.values import Keyword, Location
from migrate.geocode.fill import FillError, fill_file
from migrate.geocode.stage import GeocodeConfig, GeocodeStage

LOCATION = Keyword("im.listing/location")
ORIGINAL_LOCATION = ":location #im/location [23.12 21.21]\n"
HELSINKI = "Mannerheimintie 1, 00100 Helsinki, Finland"


def example_without_location(tmp_path: Path, address: str | None = HELSINKI) -> Path:
    """The official example with the listing's location removed and, if given, an address."""
    text = OFFICIAL_EXAMPLE.read_text(encoding="utf-8")
    assert ORIGINAL_LOCATION in text
    text = text.replace(ORIGINAL_LOCATION, "")
    if address is not None:
        text = text.replace(
            ':publicData {:categoryLevel1 "rock"',
            f':publicData {{:location {{:address "{address}"}}\n:categoryLevel1 "rock"',
        )
    path = tmp_path / "example.edn"
    path.write_text(text, encoding="utf-8")
    return path


def rows(path: Path) -> list:
    return [entry.value for entry in DocumentReader(path)]


def test_official_example_gets_its_location_back_and_validates(tmp_path):
    source = example_without_location(tmp_path)
    output = tmp_path / "out.edn"
    with GeocodeStage(GeocodeConfig()) as stage:
        report = fill_file(source, output, stage)
    assert (report.rows, report.listings, report.resolved_total, report.failed_total) == (
        9,
        1,
        1,
        0,
    )
    before, after = rows(source), rows(output)
    listing = after[0][1]
    assert listing[LOCATION] == Location(60.16952, 24.93545)
    assert after[1:] == before[1:]  # every other row copied as read
    assert {key: value for key, value in listing.items() if key is not LOCATION} == before[0][1]
    reader = DocumentReader(output)
    list(reader)
    assert reader.header.ident == Keyword("marketplace-ident")

    try:
        validate = importlib.import_module("migrate.validate")
    except ImportError as error:
        need_component(False, f"the validator cannot be imported yet ({error})")
    report = validate.validate_file(output)
    assert report.valid, report


def test_listing_without_address_is_counted_and_copied(tmp_path):
    source = example_without_location(tmp_path, address=None)
    with GeocodeStage(GeocodeConfig()) as stage:
        report = fill_file(source, tmp_path / "out.edn", stage)
    assert (report.listings, report.no_address, report.resolved_total) == (1, 1, 0)
    assert rows(tmp_path / "out.edn") == rows(source)


def test_unresolvable_address_is_reported_with_the_listing(tmp_path):
    source = example_without_location(tmp_path, address="Qwxz Plaza 9, Nowhereville")
    with GeocodeStage(GeocodeConfig()) as stage:
        report = fill_file(source, tmp_path / "out.edn", stage)
    assert report.to_dict()["failures"] == [
        {
            "listing": ":listing/rock-sauna",
            "address": "Qwxz Plaza 9, Nowhereville",
            "reason": "no match",
        }
    ]
    assert LOCATION not in rows(tmp_path / "out.edn")[0][1]


def test_ident_after_data_and_other_address_key(tmp_path):
    source = tmp_path / "late-ident.edn"
    source.write_text(
        '{:data [[[:im.listing/id :listing/a] {:im.listing/title "A" '
        ':im.listing/publicData {:place {:where "Lyon, FR"}}}]\n'
        '[[:im.listing/id :listing/b] {:im.listing/title "B" '
        ":im.listing/location #im/location [1.5 2.5]}]]\n"
        " :ident :late}\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.edn"
    with GeocodeStage(GeocodeConfig(), address_path=("place", "where")) as stage:
        report = fill_file(source, output, stage)
    assert (report.resolved_total, report.kept) == (1, 1)
    document = loads(output.read_text(encoding="utf-8"))
    assert document[Keyword("ident")] == Keyword("late")
    first, second = document[Keyword("data")]
    assert first[1][LOCATION].lat == pytest.approx(45.75, abs=0.05)
    assert second[1][LOCATION] == Location(1.5, 2.5)


def test_document_without_data_is_refused_and_nothing_written(tmp_path):
    source = tmp_path / "nodata.edn"
    source.write_text("{:ident :x}\n", encoding="utf-8")
    output = tmp_path / "out.edn"
    with GeocodeStage(GeocodeConfig()) as stage, pytest.raises(FillError) as error:
        fill_file(source, output, stage)
    assert str(error.value) == f"{source}: the document has no :data"
    assert not output.exists()


def test_syntax_error_leaves_the_previous_output(tmp_path):
    source = tmp_path / "broken.edn"
    source.write_text('{:ident :x :data [[[:im.listing/id] {:im.listing/title "A"}]\n', "utf-8")
    output = tmp_path / "out.edn"
    output.write_text("previous\n", encoding="utf-8")
    with GeocodeStage(GeocodeConfig()) as stage, pytest.raises(EdnSyntaxError):
        fill_file(source, output, stage)
    assert output.read_text(encoding="utf-8") == "previous\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.edn", "out.edn"]


def test_data_elements_that_are_not_rows_are_counted_and_nothing_written(tmp_path):
    source = tmp_path / "odd.edn"
    source.write_text(
        '{:ident :x\n :data [[[:im.user/id :user/a] {}]\n        1 [[:im.listing/id "x"] {}]]}\n',
        encoding="utf-8",
    )
    output = tmp_path / "out.edn"
    with GeocodeStage(GeocodeConfig()) as stage, pytest.raises(FillError) as error:
        fill_file(source, output, stage)
    assert str(error.value) == (
        f"{source}:3:9: 2 :data elements are not rows; the first: a row must be a vector "
        "[id-tuple attributes], found number 1"
    )
    assert not output.exists()


def test_a_top_level_value_that_is_not_a_map_is_located_like_a_syntax_error(tmp_path):
    source = tmp_path / "rows.edn"
    source.write_text("\n  [[[:im.user/id :user/a] {}]]\n", encoding="utf-8")
    output = tmp_path / "out.edn"
    with GeocodeStage(GeocodeConfig()) as stage, pytest.raises(EdnSyntaxError) as error:
        fill_file(source, output, stage)
    assert (error.value.line, error.value.column) == (2, 3)
    assert str(error.value) == (
        f"{source}:2:3: the top-level value is a vector, not the map {{:ident … :data […]}} of an "
        "Intermediary document"
    )
    assert not output.exists()


def test_data_that_is_not_a_vector_is_refused_at_its_position(tmp_path):
    source = tmp_path / "d.edn"
    source.write_text("{:ident :x\n :data 5}\n", encoding="utf-8")
    output = tmp_path / "out.edn"
    with GeocodeStage(GeocodeConfig()) as stage, pytest.raises(FillError) as error:
        fill_file(source, output, stage)
    assert str(error.value) == f"{source}:2:8: :data must be a vector, not a number"
    assert not output.exists()
