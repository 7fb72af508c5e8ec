"""JSON sources: arrays, records at a dotted path, JSON Lines, nested fields and child rows."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from migrate.errors import ConfigError, ExtractError
from migrate.extract import Origin, SourceRow, SourceSpec, children, get_path, open_source

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

DOCUMENT = {
    "export": {
        "site": "demo",
        "listings": [
            {
                "id": 1234567890123456789,
                "title": "Tent",
                "price": 12.5,
                "address": {"city": "Oslo", "geo": {"lat": 59.9}},
                "photos": [{"id": 7, "url": "a.jpg"}, {"id": 8, "url": "b.jpg"}],
            },
            {"id": 2, "title": "Bike", "extra": True, "photos": []},
        ],
    }
}


def json_spec(tmp_path: Path, name: str = "listings", **table) -> SourceSpec:
    table = {"type": "json", "path": "data.json", **table}
    return SourceSpec.from_table(name, table, tmp_path / "job.toml")


def write_document(tmp_path: Path, document=DOCUMENT, name="data.json") -> None:
    (tmp_path / name).write_text(json.dumps(document, indent=2), encoding="utf-8")


def test_records_at_a_dotted_path(tmp_path):
    write_document(tmp_path)
    rows = list(open_source(json_spec(tmp_path, records="export.listings")).rows())
    assert [row.values["id"] for row in rows] == [1234567890123456789, 2]
    assert rows[0].values["price"] == 12.5
    assert [row.origin for row in rows] == [
        Origin("listings", "data.json:record 1"),
        Origin("listings", "data.json:record 2"),
    ]


def test_columns_are_dotted_paths_over_the_first_records(tmp_path):
    write_document(tmp_path)
    source = open_source(json_spec(tmp_path, records="export.listings"))
    assert source.columns() == [
        "id",
        "title",
        "price",
        "address.city",
        "address.geo.lat",
        "photos",
        "extra",
    ]


def test_top_level_array_auto_detected_and_limit(tmp_path):
    (tmp_path / "data.json").write_text('[{"id": 1}, {"id": 2}, {"id": 3}]')
    source = open_source(json_spec(tmp_path))
    assert [row.values for row in source.rows(limit=2)] == [{"id": 1}, {"id": 2}]


def test_json_lines_origins_are_line_numbers(tmp_path):
    (tmp_path / "data.jsonl").write_text('{"id": 1}\n\n{"id": 2, "a": {"b": null}}\n')
    for fmt in ("lines", "auto"):
        rows = list(open_source(json_spec(tmp_path, path="data.jsonl", format=fmt)).rows())
        assert [(row.values["id"], str(row.origin)) for row in rows] == [
            (1, "data.jsonl:1"),
            (2, "data.jsonl:3"),
        ]


def test_gzip_json(tmp_path):
    with gzip.open(tmp_path / "data.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(DOCUMENT, handle)
    source = open_source(json_spec(tmp_path, path="data.json.gz", records="export.listings"))
    assert [row.values["title"] for row in source.rows()] == ["Tent", "Bike"]


def test_get_path_walks_nested_objects_and_dotted_keys():
    values = {"address": {"city": "Oslo"}, "a.b": 1, "parent.location": {"city": "Bergen"}}
    assert get_path(values, "address.city") == "Oslo"
    assert get_path(values, "a.b") == 1
    assert get_path(values, "parent.location.city") == "Bergen"
    assert get_path(values, "address.zip") is None
    assert get_path(values, "address.city.x", "none") == "none"


def test_children_carry_the_parent_fields_and_extend_the_origin(tmp_path):
    write_document(tmp_path)
    source = open_source(json_spec(tmp_path, records="export.listings"))
    first, second = source.rows()
    photos = list(children(first, "photos"))
    assert [photo.values["id"] for photo in photos] == [7, 8]
    assert photos[1].values["parent.id"] == 1234567890123456789
    assert get_path(photos[1].values, "parent.address.city") == "Oslo"
    assert "parent.photos" not in photos[1].values
    assert str(photos[1].origin) == "data.json:record 1 photos[1]"
    assert photos[1].origin.source == "listings"
    assert list(children(second, "photos")) == []
    assert source.child_columns("photos") == [
        "id",
        "url",
        "parent.id",
        "parent.title",
        "parent.price",
        "parent.address.city",
        "parent.address.geo.lat",
        "parent.extra",
    ]


def test_children_of_scalars_and_of_a_non_array():
    row = SourceRow({"id": 1, "tags": ["a", "b"], "name": "x"}, Origin("s", "f.json:record 1"))
    assert [child.values for child in children(row, "tags")] == [
        {"value": "a", "parent.id": 1, "parent.name": "x"},
        {"value": "b", "parent.id": 1, "parent.name": "x"},
    ]
    with pytest.raises(TypeError, match=r"^f\.json:record 1: name is not an array$"):
        list(children(row, "name"))


# errors ---------------------------------------------------------------------------------------


def test_syntax_error_names_line_and_column(tmp_path):
    (tmp_path / "data.json").write_text('[\n  {"id": 1},\n  {"id": 2,, "x": 3}\n]\n')
    with pytest.raises(ExtractError) as caught:
        list(open_source(json_spec(tmp_path)).rows())
    assert (
        str(caught.value)
        == "data.json:3:12: invalid JSON: Expecting property name enclosed in double quotes"
    )


def test_json_lines_syntax_error(tmp_path):
    (tmp_path / "data.jsonl").write_text('{"id": 1}\n{"id": }\n')
    with pytest.raises(ExtractError) as caught:
        list(open_source(json_spec(tmp_path, path="data.jsonl")).rows())
    assert str(caught.value) == "data.jsonl:2:8: invalid JSON: Expecting value"


def test_undecodable_bytes(tmp_path):
    (tmp_path / "data.json").write_bytes(b'[\n{"name": "Ren\xe9e"}\n]\n')
    with pytest.raises(ExtractError) as caught:
        list(open_source(json_spec(tmp_path)).rows())
    assert str(caught.value) == "data.json:2: cannot decode bytes as utf-8"


def test_records_path_that_leads_nowhere(tmp_path):
    write_document(tmp_path)
    with pytest.raises(ExtractError) as caught:
        list(open_source(json_spec(tmp_path, records="export.users")).rows())
    assert str(caught.value) == 'data.json: no array at "export.users" (sources.listings.records)'


def test_empty_array_is_no_error(tmp_path):
    write_document(tmp_path, {"export": {"users": []}})
    assert list(open_source(json_spec(tmp_path, records="export.users")).rows()) == []


def test_record_that_is_not_an_object(tmp_path):
    (tmp_path / "data.json").write_text('[{"id": 1}, [2]]')
    with pytest.raises(ExtractError) as caught:
        list(open_source(json_spec(tmp_path)).rows())
    assert str(caught.value) == "data.json: record 2 is an array, not an object"


def test_missing_file(tmp_path):
    with pytest.raises(ExtractError) as caught:
        list(open_source(json_spec(tmp_path)).rows())
    assert str(caught.value) == f"{tmp_path / 'data.json'}: file not found (sources.listings.path)"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"format": "ndjson"}, 'format: must be one of "array", "lines", "auto", not "ndjson"'),
        (
            {"records": "export..users"},
            'records: must be a dotted path like export.users, not "export..users"',
        ),
        ({"format": "lines", "records": "a"}, 'records: cannot be used with format = "lines"'),
        ({"record": "a"}, "record: unknown key (did you mean 'records'?)"),
    ],
)
def test_bad_json_tables(tmp_path, table, message):
    with pytest.raises(ConfigError) as caught:
        json_spec(tmp_path, **table)
    assert str(caught.value) == f"{tmp_path / 'job.toml'}: sources.listings.{message}"


def test_sample_document_streams_every_table():
    counts = {}
    for table in ("users", "listings", "reviews", "payout_accounts"):
        spec = SourceSpec.from_table(
            table,
            {"type": "json", "path": "trailhop.json", "records": f"export.{table}"},
            SAMPLES / "json" / "job.toml",
        )
        counts[table] = sum(1 for _ in open_source(spec).rows())
    assert counts["users"] >= 300 and counts["listings"] >= 500 and counts["reviews"] >= 1000
