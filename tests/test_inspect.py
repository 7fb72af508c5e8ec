"""migrate/inspect.py: counts of an Intermediary file, streamed once."""

from __future__ import annotations

import json
import tracemalloc
import uuid

import pytest

from migrate.edn.errors import EdnSyntaxError
from migrate.edn.values import Keyword, Ref, Row
from migrate.edn.writer import write_document
from migrate.inspect import (
    InspectReport,
    NotADocumentError,
    ReferenceCount,
    TypeCount,
    inspect_file,
)

K = Keyword


def test_official_example_counts(official_example):
    report = inspect_file(official_example)
    assert report.ident == ":marketplace-ident"
    assert report.rows_total == 9
    assert report.unrecognised_rows == 0
    assert report.types == {
        "listing": TypeCount(rows=1, with_alias=1, with_import_id=1, with_neither=0),
        "user": TypeCount(rows=2, with_alias=2, with_import_id=0, with_neither=0),
        "image": TypeCount(rows=3, with_alias=1, with_import_id=2, with_neither=1),
        "stripeAccount": TypeCount(rows=1, with_alias=0, with_import_id=0, with_neither=1),
        "review": TypeCount(rows=2, with_alias=0, with_import_id=0, with_neither=2),
    }
    assert list(report.types) == ["listing", "user", "image", "stripeAccount", "review"]
    assert report.references == {
        ":im.listing/author": ReferenceCount(by_alias=1, by_id=0),
        ":im.userProfile/avatar": ReferenceCount(by_alias=1, by_id=0),
        ":im.image/listing": ReferenceCount(by_alias=1, by_id=1),
        ":im.stripeAccount/user": ReferenceCount(by_alias=1, by_id=0),
        ":im.review/author": ReferenceCount(by_alias=2, by_id=0),
        ":im.review/subject": ReferenceCount(by_alias=2, by_id=0),
        ":im.review/listing": ReferenceCount(by_alias=1, by_id=0),
    }
    assert report.file_size == official_example.stat().st_size
    assert report.read_seconds >= 0
    assert report.notes == ()


def test_to_dict_is_json_ready(official_example):
    data = inspect_file(official_example).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert list(data) == [
        "path",
        "ident",
        "rows_total",
        "types",
        "references",
        "unrecognised_rows",
        "file_size",
        "read_seconds",
        "notes",
    ]
    assert data["types"]["image"] == {
        "rows": 3,
        "with_alias": 1,
        "with_import_id": 2,
        "with_neither": 1,
    }
    assert data["references"][":im.image/listing"] == {"by_alias": 1, "by_id": 1}


def test_elements_that_are_not_rows_are_counted_apart(tmp_path):
    path = tmp_path / "odd.edn"
    path.write_text(
        "{:ident :m :data [[[:im.user/id :user/a] {}] [1 2 3] :x [[:im.thing/id] {}]]}",
        "utf-8",
    )
    report = inspect_file(path)
    assert report.rows_total == 4
    assert report.unrecognised_rows == 3
    assert report.types == {"user": TypeCount(rows=1, with_alias=1)}


@pytest.mark.parametrize(
    ("text", "notes"),
    [
        ("{:data []}", ("no :ident",)),
        ("{:ident :m}", ("no :data",)),
        ("{:ident :m :data ()}", (":data is a list, not a vector",)),
        (
            "{:ident :m :data [] :extra 1} junk",
            (
                "unknown top-level key :extra at 1:21",
                "content after the top-level map at 1:31 is ignored",
            ),
        ),
    ],
)
def test_header_notes(tmp_path, text, notes):
    path = tmp_path / "doc.edn"
    path.write_text(text, "utf-8")
    assert inspect_file(path).notes == notes


def test_a_top_level_value_that_is_not_a_map_is_an_error(tmp_path):
    path = tmp_path / "page.edn"
    path.write_text("<!DOCTYPE html>\n<html></html>\n", "utf-8")
    with pytest.raises(NotADocumentError) as error:
        inspect_file(path)
    assert str(error.value) == (
        f"{path}:1:1: the top-level value is a symbol, not the map {{:ident … :data […]}} of an "
        "Intermediary document (the file looks like HTML or XML)"
    )
    assert isinstance(error.value, EdnSyntaxError)


def test_a_top_level_value_that_is_not_markup_gets_no_html_hint(tmp_path):
    path = tmp_path / "vector.edn"
    path.write_text("[1 2 3]\n", "utf-8")
    with pytest.raises(NotADocumentError) as error:
        inspect_file(path)
    assert str(error.value) == (
        f"{path}:1:1: the top-level value is a vector, not the map {{:ident … :data […]}} of an "
        "Intermediary document"
    )


def test_syntax_errors_propagate_with_position(tmp_path):
    path = tmp_path / "bad.edn"
    path.write_text("{:ident :m\n :data [[[:im.user/id] {]]}", "utf-8")
    with pytest.raises(EdnSyntaxError) as error:
        inspect_file(path)
    assert (error.value.filename, error.value.line) == (str(path), 2)


def test_missing_file_raises_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        inspect_file(tmp_path / "missing.edn")


def _images(count: int):
    # Import ids and references by id only: keywords are interned, so unique aliases would
    # measure the keyword table rather than the reader.
    for index in range(count):
        yield Row(
            K("im.image/id"),
            uuid.UUID(int=index),
            None,
            {
                K("im.image/url"): f"https://example.com/{index}.jpg",
                K("im.image/listing"): Ref.to_id(K("im.listing/id"), uuid.UUID(int=index)),
            },
        )


def _peak_memory(path) -> tuple[int, InspectReport]:
    tracemalloc.start()
    try:
        report = inspect_file(path, chunk_size=1 << 16)
        return tracemalloc.get_traced_memory()[1], report
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(tmp_path):
    small, large = tmp_path / "small.edn", tmp_path / "large.edn"
    write_document(small, "m", _images(1_500))
    write_document(large, "m", _images(6_000))
    small_peak, _ = _peak_memory(small)
    large_peak, report = _peak_memory(large)
    assert report.types["image"].rows == 6_000
    assert report.references[":im.image/listing"].by_id == 6_000
    # Four times the rows (0.3 MB against 1.2 MB, many 64 KB chunks each): the same memory.
    assert large_peak < small_peak * 1.25


def test_deeply_nested_extended_data_is_walked_without_recursion(tmp_path):
    path = tmp_path / "deep.edn"
    depth = 990
    path.write_text(
        "{:ident :m :data [[[:im.listing/id :listing/a] {:im.listing/publicData {:x "
        + "[" * depth
        + "#im/ref :user/u"
        + "]" * depth
        + "}}]]}",
        "utf-8",
    )
    report = inspect_file(path)
    assert report.references == {":x": ReferenceCount(by_alias=1, by_id=0)}
