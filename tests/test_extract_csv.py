"""CSV sources: job table checks, streaming, physical line origins, encodings and errors."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.errors import ConfigError, ExtractError, MigrateError
from migrate.extract import Origin, SourceSpec, open_source
from migrate.extract.csv_source import record_start_lines

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def csv_spec(tmp_path: Path, name: str = "users", **table) -> SourceSpec:
    table = {"type": "csv", "path": "data.csv", **table}
    return SourceSpec.from_table(name, table, tmp_path / "job.toml")


def read(spec: SourceSpec, limit=None):
    return list(open_source(spec).rows(limit=limit))


# job table ------------------------------------------------------------------------------------


def test_config_error_is_a_migrate_error():
    assert issubclass(ConfigError, MigrateError)
    assert issubclass(ExtractError, MigrateError)
    assert str(ConfigError("job.toml: x: bad")) == "job.toml: x: bad"


def test_unknown_key_suggests_the_close_one(tmp_path):
    with pytest.raises(ConfigError) as caught:
        csv_spec(tmp_path, encodng="utf-8")
    assert str(caught.value) == (
        f"{tmp_path / 'job.toml'}: sources.users.encodng: unknown key (did you mean 'encoding'?)"
    )


def test_key_of_another_source_type_is_named(tmp_path):
    with pytest.raises(ConfigError) as caught:
        csv_spec(tmp_path, table="users")
    assert str(caught.value).endswith(
        'sources.users.table: not a key of a "csv" source '
        "(allowed: type, chunk_size, path, encoding, delimiter)"
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"type": "xls"},
            'sources.users.type: must be one of "csv", "json", "sql", "query", not "xls"',
        ),
        ({"type": None}, 'sources.users.type: missing (one of "csv", "json", "sql", "query")'),
        ({"path": None}, "sources.users.path: missing (the file to read)"),
        ({"path": ""}, 'sources.users.path: must be a non-empty string, not ""'),
        ({"encoding": "utf-9"}, 'sources.users.encoding: unknown encoding "utf-9"'),
        ({"delimiter": ";;"}, 'sources.users.delimiter: must be one character, not ";;"'),
        ({"delimiter": 1}, "sources.users.delimiter: must be one character, not 1"),
        ({"chunk_size": 0}, "sources.users.chunk_size: must be a positive integer, not 0"),
        ({"chunk_size": True}, "sources.users.chunk_size: must be a positive integer, not true"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path, table, message):
    full = {"type": "csv", "path": "data.csv", **table}
    full = {key: value for key, value in full.items() if value is not None}
    with pytest.raises(ConfigError) as caught:
        SourceSpec.from_table("users", full, tmp_path / "job.toml")
    assert str(caught.value) == f"{tmp_path / 'job.toml'}: {message}"


def test_relative_path_resolves_against_the_job_file(tmp_path):
    spec = csv_spec(tmp_path, path="exports/users.csv", delimiter="\t", encoding="windows-1252")
    assert spec.path == tmp_path / "exports" / "users.csv"
    assert (spec.delimiter, spec.encoding, spec.chunk_size) == ("\t", "windows-1252", 10_000)


# reading --------------------------------------------------------------------------------------


def test_cells_are_strings_and_empty_cells_none(tmp_path):
    (tmp_path / "data.csv").write_text(
        "id,email,zip,rating\n1234567890123456789,a@example.com,00501,4.50\n7,,,\n"
    )
    rows = read(csv_spec(tmp_path))
    assert [row.values for row in rows] == [
        {"id": "1234567890123456789", "email": "a@example.com", "zip": "00501", "rating": "4.50"},
        {"id": "7", "email": None, "zip": None, "rating": None},
    ]
    assert [row.origin for row in rows] == [
        Origin("users", "data.csv:2"),
        Origin("users", "data.csv:3"),
    ]
    assert str(rows[1].origin) == "data.csv:3"


def test_columns_come_from_the_header(tmp_path):
    (tmp_path / "data.csv").write_text("id;name;city\n1;Ann;Oslo\n")
    source = open_source(csv_spec(tmp_path, delimiter=";"))
    assert source.columns() == ["id", "name", "city"]
    assert read(csv_spec(tmp_path, delimiter=";"))[0].values == {
        "id": "1",
        "name": "Ann",
        "city": "Oslo",
    }


def test_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    (tmp_path / "data.csv").write_bytes(b"\xef\xbb\xbfid,name\n1,Zo\xc3\xab\n")
    assert open_source(csv_spec(tmp_path)).columns() == ["id", "name"]
    assert read(csv_spec(tmp_path))[0].values == {"id": "1", "name": "Zoë"}


def test_gzip_files_are_read_by_name(tmp_path):
    with gzip.open(tmp_path / "data.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write('id,body\n1,"two\nlines"\n2,plain\n')
    spec = csv_spec(tmp_path, path="data.csv.gz")
    rows = read(spec)
    assert [(row.values["body"], str(row.origin)) for row in rows] == [
        ("two\nlines", "data.csv.gz:2"),
        ("plain", "data.csv.gz:4"),
    ]


def test_multi_line_records_report_the_line_they_start_on(tmp_path):
    (tmp_path / "data.csv").write_text(
        "id,description,note\n"
        '1,"<p>first\nsecond</p>",a\n'
        "\n"
        '2,"say ""hi""\n, then ""bye""",b\n'
        '3,quote"inside,"c\n\nd"\n'
        "4,plain,e\n"
    )
    rows = read(csv_spec(tmp_path, chunk_size=2))
    assert [(row.values["id"], str(row.origin)) for row in rows] == [
        ("1", "data.csv:2"),
        ("2", "data.csv:5"),
        ("3", "data.csv:7"),
        ("4", "data.csv:10"),
    ]
    assert rows[1].values["description"] == 'say "hi"\n, then "bye"'
    assert rows[2].values == {"id": "3", "description": 'quote"inside', "note": "c\n\nd"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet='ab,"\n\r ;', max_size=6), min_size=3, max_size=3),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["\n", "\r\n"]),
)
def test_origins_and_values_match_the_csv_module(tmp_path_factory, records, newline):
    if newline == "\n":
        # csv.writer quotes only the line terminator's characters: a bare "\r" would go unquoted.
        records = [[cell.replace("\r", "") for cell in record] for record in records]
    path = tmp_path_factory.mktemp("csv") / "data.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=newline)
        writer.writerow(["a", "b", "c"])
        writer.writerows(records)
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        expected = []
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            values = {k: (v or None) for k, v in zip("abc", cells, strict=True)}
            expected.append((f"data.csv:{start}", values))
    rows = read(SourceSpec.from_table("t", {"type": "csv", "path": str(path)}, path))
    assert [(str(row.origin), row.values) for row in rows] == expected


def test_record_start_lines_skip_blank_lines_outside_quotes():
    text = 'h\n\n1\n"a\n\nb"\n   \n2\n'
    assert list(record_start_lines(io.StringIO(text, newline=""))) == [1, 3, 4, 8]


def test_crlf_line_ends(tmp_path):
    (tmp_path / "data.csv").write_bytes(b'id,body\r\n1,"a\r\nb"\r\n\r\n2,x\r\n')
    rows = read(csv_spec(tmp_path))
    assert [(str(row.origin), row.values["body"]) for row in rows] == [
        ("data.csv:2", "a\r\nb"),
        ("data.csv:5", "x"),
    ]


def test_chunks_and_limit_give_the_same_rows(tmp_path):
    lines = ["id,n"] + [f"{i},{i * i}" for i in range(25)]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n")
    whole = read(csv_spec(tmp_path))
    chunked = read(csv_spec(tmp_path, chunk_size=4))
    assert chunked == whole
    assert len(whole) == 25
    assert read(csv_spec(tmp_path, chunk_size=4), limit=6) == whole[:6]
    assert read(csv_spec(tmp_path), limit=0) == []


# errors ---------------------------------------------------------------------------------------


def test_undecodable_bytes_name_file_and_line_with_a_hint(tmp_path):
    (tmp_path / "users.csv").write_bytes(
        b"id,name\n1,Ann\n2,Ren\xe9e\n3,Bob\n"  # 0xE9 is 'é' in Windows-1252
    )
    spec = csv_spec(tmp_path, path="users.csv")
    with pytest.raises(ExtractError) as caught:
        read(spec)
    assert str(caught.value) == (
        'users.csv:3: cannot decode bytes as utf-8 (try encoding = "windows-1252")'
    )
    rows = read(csv_spec(tmp_path, path="users.csv", encoding="windows-1252"))
    assert rows[1].values["name"] == "Renée"


def test_missing_file(tmp_path):
    with pytest.raises(ExtractError) as caught:
        open_source(csv_spec(tmp_path)).columns()
    assert str(caught.value) == f"{tmp_path / 'data.csv'}: file not found (sources.users.path)"


def test_empty_file(tmp_path):
    (tmp_path / "data.csv").write_text("")
    with pytest.raises(ExtractError) as caught:
        open_source(csv_spec(tmp_path)).columns()
    assert str(caught.value) == "data.csv: empty file (no header line)"


def test_record_with_too_many_fields_names_its_physical_line(tmp_path):
    (tmp_path / "data.csv").write_text('id,body\n1,"a\nb"\n2,"c\nd"\n3,x,extra\n')
    with pytest.raises(ExtractError) as caught:
        read(csv_spec(tmp_path))
    assert str(caught.value) == "data.csv:6: malformed CSV: expected 2 fields, saw 3"


# the bundled sample ---------------------------------------------------------------------------


def test_sample_users_need_windows_1252(tmp_path):
    table = {"type": "csv", "path": "users.csv"}
    utf8 = SourceSpec.from_table("users", table, SAMPLES / "csv" / "job.toml")
    with pytest.raises(ExtractError, match=r"^users\.csv:\d+: cannot decode bytes as utf-8"):
        read(utf8)
    cp1252 = SourceSpec.from_table(
        "users", {**table, "encoding": "windows-1252"}, SAMPLES / "csv" / "job.toml"
    )
    rows = read(cp1252)
    assert len(rows) >= 300
    assert any("’" in (row.values["bio"] or "") for row in rows)
    assert all(len(row.values["id"]) == 19 for row in rows)


def test_sample_listings_origins_follow_multi_line_descriptions():
    spec = SourceSpec.from_table(
        "listings", {"type": "csv", "path": "listings.csv"}, SAMPLES / "csv" / "job.toml"
    )
    rows = read(spec, limit=3)
    physical = (SAMPLES / "csv" / "listings.csv").read_text(encoding="utf-8").split("\n")
    for row in rows:
        line = int(str(row.origin).rsplit(":", 1)[1])
        assert physical[line - 1].startswith(row.values["id"] + ",")
    assert [str(row.origin) for row in rows] != [
        "listings.csv:2",
        "listings.csv:3",
        "listings.csv:4",
    ]
