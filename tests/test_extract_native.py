"""Native columnar readers (Polars CSV, streamed JSON records, SQL partitions) equal ``rows()``.

Differential tests: for every adapter, ``source.batches()`` must give the values and record
numbers the row-based reference (``batches_from_rows``) gives, and ``source.origins()`` the
origins ``rows()`` gives; on the bundled samples and on generated CSV files with quotes,
multi-line fields, blank lines, byte-order marks, other encodings and gzip.
"""

from __future__ import annotations

import csv
import gzip
import io
import sqlite3

import pytest
from conftest import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migrate.extract.csv_batches as csv_batches
import migrate.extract.csv_source as csv_source
from migrate.convert.job import load_job
from migrate.errors import ExtractError
from migrate.extract import SourceSpec, open_source
from migrate.extract.batches import RECORD, batch_rows, batches_from_rows, iter_records

SAMPLE_JOBS = ["csv/job.toml", "json/job.toml", "sqlite/job.toml"]


def _outcome(frames):
    """Every (record, values) of the frames, or the error message they end with."""
    try:
        return [item for frame in frames for item in batch_rows(frame)], None
    except ExtractError as error:
        return None, str(error)


def _same_as_reference(source, columns, size=7, limit=None):
    native = _outcome(source.batches(columns, limit=limit, size=size))
    reference = _outcome(batches_from_rows(source, columns, limit=limit, size=size))
    assert native == reference
    return native


def _record_specs():
    for job_name in SAMPLE_JOBS:
        job = load_job(SAMPLES / job_name, check_sources=False)
        for spec in job.records:
            yield pytest.param(job, spec, id=f"{job_name}:{spec.where}")


@pytest.mark.parametrize(("job", "spec"), list(_record_specs()))
def test_native_batches_equal_the_reference_on_the_samples(job, spec):
    source = open_source(job.sources[spec.source])
    assert hasattr(source, "batches") and hasattr(source, "origins")
    native = list(source.batches(spec.columns, each=spec.each, size=101))
    assert all(frame.height <= 101 for frame in native)
    assert [frame.columns for frame in native] == [[*spec.columns, RECORD]] * len(native)
    reference = list(batches_from_rows(source, spec.columns, each=spec.each, size=101))
    assert [frame.height for frame in native] == [frame.height for frame in reference]
    for mine, theirs in zip(native, reference, strict=True):
        assert mine.schema == theirs.schema
        assert list(batch_rows(mine)) == list(batch_rows(theirs))
    rows = list(iter_records(source, each=spec.each))
    wanted = sorted({0, 1, len(rows) // 3, len(rows) // 2, len(rows) - 1})
    assert source.origins(wanted, each=spec.each) == {n: rows[n].origin for n in wanted}


@pytest.mark.parametrize(("job", "spec"), list(_record_specs()))
def test_native_limit_equals_the_reference(job, spec):
    source = open_source(job.sources[spec.source])
    native = list(source.batches(spec.columns, each=spec.each, limit=45, size=20))
    assert [frame.height for frame in native] == [20, 20, 5]
    reference = batches_from_rows(source, spec.columns, each=spec.each, limit=45, size=20)
    assert [r for f in native for r in batch_rows(f)] == [
        r for f in reference for r in batch_rows(f)
    ]


def test_a_clean_csv_is_read_by_polars_not_by_the_reference(tmp_path, monkeypatch):
    (tmp_path / "u.csv").write_text('id,body\n1,"a\nb"\n2,""\n3,\n', "utf-8")
    source = open_source(
        SourceSpec.from_table("u", {"type": "csv", "path": "u.csv"}, tmp_path / "j")
    )
    expected = _outcome(batches_from_rows(source, ["id", "body"]))

    def refuse(*args, **kwargs):
        raise AssertionError("the reference form was used")

    monkeypatch.setattr(csv_batches, "batches_from_rows", refuse)
    assert _outcome(source.batches(["id", "body"])) == expected
    assert expected[0] == [
        (0, {"id": "1", "body": "a\nb"}),
        (1, {"id": "2", "body": None}),
        (2, {"id": "3", "body": None}),
    ]


def test_paragraph_breaks_inside_quotes_are_read_by_polars(tmp_path, monkeypatch):
    # A bio of two paragraphs: a blank line inside a quoted field is a value, not a line
    # pandas skips, so the file stays on Polars (the rental sample's host_about, comments).
    text = 'id,body\n1,"one\n\ntwo"\n2,"x\n  \r\n\ny"\n3,z\n'
    (tmp_path / "u.csv").write_text(text, "utf-8")
    source = open_source(
        SourceSpec.from_table("u", {"type": "csv", "path": "u.csv"}, tmp_path / "j")
    )
    expected = _outcome(batches_from_rows(source, ["id", "body"]))

    def refuse(*args, **kwargs):
        raise AssertionError("the reference form was used")

    monkeypatch.setattr(csv_batches, "batches_from_rows", refuse)
    assert _outcome(source.batches(["id", "body"])) == expected
    assert expected[0] == [
        (0, {"id": "1", "body": "one\n\ntwo"}),
        (1, {"id": "2", "body": "x\n  \r\n\ny"}),
        (2, {"id": "3", "body": "z"}),
    ]


def test_origins_after_a_columnar_read_come_from_its_line_index(tmp_path, monkeypatch):
    # Records of one line, then of several (a quoted description with paragraph breaks and a
    # CRLF inside), over several slices: each origin is the physical line the record starts
    # on, found without reading the file again.
    text = 'id,body\n1,a\n2,"x\n\ny"\n3,b\n4,"p\r\nq ""r""\ns"\n5,c\n6,d\n'
    (tmp_path / "u.csv").write_text(text, "utf-8")
    monkeypatch.setattr(csv_batches, "SLICE_BYTES", 9)
    source = open_source(
        SourceSpec.from_table("u", {"type": "csv", "path": "u.csv"}, tmp_path / "j")
    )
    assert len(_outcome(source.batches(["id"]))[0]) == 6

    def refuse(*args, **kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(csv_source, "record_start_lines", refuse)
    assert {n: str(origin) for n, origin in source.origins(range(6)).items()} == {
        0: "u.csv:2",
        1: "u.csv:3",
        2: "u.csv:6",
        3: "u.csv:7",
        4: "u.csv:10",
        5: "u.csv:11",
    }


def test_a_read_cut_short_leaves_later_origins_to_the_scanner(tmp_path):
    (tmp_path / "u.csv").write_text('id,body\n1,"a\nb"\n2,c\n3,d\n', "utf-8")
    source = open_source(
        SourceSpec.from_table("u", {"type": "csv", "path": "u.csv"}, tmp_path / "j")
    )
    assert len(_outcome(source.batches(["id"], limit=1))[0]) == 1
    assert {n: str(origin) for n, origin in source.origins([0, 2]).items()} == {
        0: "u.csv:2",
        2: "u.csv:5",
    }


def test_a_blank_line_between_records_still_goes_the_reference_way(tmp_path, monkeypatch):
    (tmp_path / "u.csv").write_text('id,body\n1,"one\n\ntwo"\n\n2,b\n', "utf-8")
    source = open_source(
        SourceSpec.from_table("u", {"type": "csv", "path": "u.csv"}, tmp_path / "j")
    )
    used = []
    reference = csv_batches.batches_from_rows

    def spy(*args, **kwargs):
        used.append(True)
        return reference(*args, **kwargs)

    monkeypatch.setattr(csv_batches, "batches_from_rows", spy)
    assert _outcome(source.batches(["id", "body"]))[0] == [
        (0, {"id": "1", "body": "one\n\ntwo"}),
        (1, {"id": "2", "body": "b"}),
    ]
    assert used


# generated CSV files ------------------------------------------------------------------------

CELL = st.text(alphabet='ab,"\n\r ;é\t', max_size=6)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=8),
    newline=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-bom", "windows-1252", "utf-16"]),
    gzipped=st.booleans(),
    blank_lines=st.lists(st.integers(0, 10), max_size=2),
    raw_tail=st.sampled_from(["", "x\n", '7,"open\n', "1,2,3,4\n", " \n", 'q"x,1,2\n']),
    slice_bytes=st.sampled_from([csv_batches.SLICE_BYTES, 5, 16]),
)
def test_generated_csv_native_equals_reference(
    tmp_path, monkeypatch, records, newline, encoding, gzipped, blank_lines, raw_tail, slice_bytes
):
    # Small slices: many slices per file, so the line index (origins of the records read by
    # Polars, kept per slice) is tested across slice boundaries and multi-line records.
    monkeypatch.setattr(csv_batches, "SLICE_BYTES", slice_bytes)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(["a", "b", "c"])
    writer.writerows(records)
    lines = buffer.getvalue().split(newline)
    for at in blank_lines:
        lines.insert(min(at, len(lines)), "")
    text = newline.join(lines) + raw_tail
    codec = {"utf-8-bom": "utf-8-sig"}.get(encoding, encoding)
    data = text.encode(codec)
    name = "data.csv.gz" if gzipped else "data.csv"
    (tmp_path / name).write_bytes(gzip.compress(data, mtime=0) if gzipped else data)
    table = {
        "type": "csv",
        "path": name,
        "encoding": "utf-8" if encoding == "utf-8-bom" else encoding,
    }
    source = open_source(SourceSpec.from_table("t", table, tmp_path / "job.toml"))
    try:
        source.columns()
    except ExtractError:
        return  # a header the reader refuses: nothing to compare
    values, error = _same_as_reference(source, ["a", "b", "c", "missing"], size=3)
    if values is None:
        return
    rows = list(source.rows())
    numbers = list(range(len(rows)))
    assert source.origins(numbers) == {n: rows[n].origin for n in numbers}


# SQL ----------------------------------------------------------------------------------------


def test_sql_native_batches_with_mixed_and_big_values(tmp_path):
    with sqlite3.connect(tmp_path / "t.db") as connection:
        connection.executescript(
            """
            CREATE TABLE t (id INTEGER, v, note TEXT);
            INSERT INTO t VALUES (3, 1, 'a'), (1, 'x', NULL), (2, 2.5, 'c'),
                                 (4, NULL, 'd'), (5, 9223372036854775807, 'e');
            """
        )
    connection.close()
    for key in ("id", None):
        table = {"type": "sql", "path": "t.db", "table": "t"} | ({"key": key} if key else {})
        source = open_source(SourceSpec.from_table("t", table, tmp_path / "job.toml"))
        for size in (1, 2, 10):
            _same_as_reference(source, ["id", "v", "note", "zz"], size=size)
            _same_as_reference(source, ["v"], size=size, limit=3)
        rows = list(source.rows())
        assert source.origins([0, 4]) == {0: rows[0].origin, 4: rows[4].origin}
        source.close()


def test_column_cells_follow_get_path():
    from migrate.extract import get_path
    from migrate.extract.batches import column_cells

    rows = [
        {"a": {"b": 1, "c": {"d": 2}}, "a.c": {"d": 3}, "x": "y"},
        {"a.b": 4, "a": {"b": 5}},
        {"a": "text", "x": None},
        {},
    ]
    for name in ("a", "x", "a.b", "a.c.d", "a.z", "q.r", "a.c"):
        assert column_cells(rows, name) == [get_path(row, name) for row in rows], name


# the streamed JSON reader against json.loads --------------------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=4), max_size=6),
    before=st.dictionaries(st.sampled_from(["meta", "other", "zz"]), JSON_VALUES, max_size=2),
    indent=st.sampled_from([None, 0, 2]),
    ascii_only=st.booleans(),
    chunk=st.sampled_from([1, 3, 17, 1 << 20]),
)
def test_streamed_json_equals_json_loads(tmp_path, records, before, indent, ascii_only, chunk):
    import json

    import migrate.extract.json_text as json_text

    document = {**before, "export": {"n": 1, "users": records, "tail": [before]}}
    path = tmp_path / "data.json"
    path.write_text(json.dumps(document, indent=indent, ensure_ascii=ascii_only), "utf-8")
    spec = SourceSpec.from_table(
        "u", {"type": "json", "path": "data.json", "records": "export.users"}, tmp_path / "j"
    )
    saved, json_text._CHUNK = json_text._CHUNK, chunk
    try:
        rows = [row.values for row in open_source(spec).rows()]
    finally:
        json_text._CHUNK = saved
    assert rows == json.loads(path.read_text("utf-8"))["export"]["users"]
