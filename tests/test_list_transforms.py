"""The ``text_list`` and ``option_id`` transforms: a list cell (a Python list literal or a JSON
array) into an edn vector, and names into a marketplace field's option ids.

Per row they are the reference; the vectorised forms read the plain shape themselves and must
give exactly what the per-row forms give, or leave the value to Python (differential tests on
generated cells, including escapes, quotes, non-ASCII case and broken literals).
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import polars as pl
import pytest
from conftest import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.convert.batch import Batch, Val
from migrate.convert.job import load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import convert
from migrate.convert.transforms import TransformError, compile_transform, vector_steps
from migrate.convert.vector import py_blank

FLAGGED = "per-row"
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Where JSON, Python literals and the two engines' text semantics part.
TRICKY = "'\"\\ \t\n\r\x00\x1f\x7f\x85\u2028\u2019,[]#-_/&" + "ſKİıßéÅ٣😀"
ALPHABET = st.sampled_from(list(TRICKY) + list("abcXYZ019 "))
names = st.text(ALPHABET, max_size=12)
plain_names = st.text(st.sampled_from(list("abcXYZ019 '-/&")), min_size=1, max_size=12)


def _python_literal(items: list[str]) -> str:
    return repr(items)


def _gapped(items: list[str], gap: str, trailing: bool) -> str:
    """A list literal written with other spacing (and maybe a trailing comma)."""
    inner = ("," + gap).join(repr(item) for item in items)
    if trailing and items:
        inner += ","
    return "[" + gap + inner + gap + "]"


cells = st.one_of(
    st.lists(names, max_size=5).map(_python_literal),
    st.lists(names, max_size=5).map(json.dumps),
    st.lists(names, max_size=5).map(lambda items: json.dumps(items, ensure_ascii=False)),
    st.builds(
        _gapped,
        st.lists(plain_names, max_size=5),
        st.sampled_from(["", " ", "\t", "\n", "  \n "]),
        st.booleans(),
    ),
    # Broken or other cells: cut off, a number inside, nested, bare text.
    st.lists(names, min_size=1, max_size=4).map(lambda items: repr(items)[:-2]),
    st.lists(st.integers(), max_size=3).map(repr),
    st.lists(st.lists(names, max_size=2), max_size=2).map(repr),
    st.text(ALPHABET, max_size=16),
)


def vectorised(spec: Any, values: list[str | None]) -> list[Any]:
    """``spec`` through its vectorised steps; ``FLAGGED`` where a row is left to the per-row
    path; lists as tuples (the per-row engine's edn vectors)."""
    batch = Batch(pl.DataFrame({"x": pl.Series(values, dtype=pl.String)}))
    val = Val("str", pl.when(py_blank(pl.col("x"))).then(None).otherwise(pl.col("x")))
    for step in vector_steps(spec):
        assert step.form is not None
        val = batch.put_val(step.form(batch, val, step, None))
    out: list[Any] = []
    for value, flag in batch.frame.select(val.expr, batch.fallback()).iter_rows():
        if flag:
            out.append(FLAGGED)
        else:
            out.append(tuple(value) if isinstance(value, list) else value)
    return out


def per_row(spec: Any, value: str | None) -> Any:
    if value is None or not value.strip():
        return None  # the plan gives no value to a transform for an empty cell
    try:
        return compile_transform(spec)(value)
    except TransformError:
        return TransformError


def check(spec: Any, values: list[str | None]) -> list[Any]:
    """Both paths on ``values``: each vectorised result is deferred or the per-row one."""
    results = vectorised(spec, values)
    for value, got in zip(values, results, strict=True):
        expected = per_row(spec, value)
        if got == FLAGGED:
            continue
        assert expected is not TransformError, f"{spec!r} of {value!r}: decided {got!r}"
        assert type(got) is type(expected) and got == expected, (
            f"{spec!r} of {value!r}: per row {expected!r}, columns {got!r}"
        )
    return results


# the per-row forms ----------------------------------------------------------------------------

TEXT_LIST = compile_transform("text_list")
OPTION_IDS = compile_transform(["text_list", "option_id"])


def test_text_list_reads_python_literals_and_json_arrays():
    assert TEXT_LIST("['Wifi', \"Children's books\"]") == ("Wifi", "Children's books")
    assert TEXT_LIST('["Wifi", "Caf\\u00e9", "a\\/b"]') == ("Wifi", "Café", "a/b")  # JSON first
    assert TEXT_LIST("[u'Wifi', 'back\\\\slash',]") == ("Wifi", "back\\slash")
    assert TEXT_LIST("[\n  'Wifi',\n  'Pool'\n]") == ("Wifi", "Pool")
    # Items trimmed, blank items dropped; an empty list (or cell) is no value.
    assert TEXT_LIST("[' Wifi ', '', '  ']") == ("Wifi",)
    assert TEXT_LIST("[]") is None and TEXT_LIST("['  ']") is None and TEXT_LIST("  ") is None
    # A JSON source's array is taken as it is.
    assert TEXT_LIST(["Wifi", " Pool"]) == ("Wifi", "Pool")


@pytest.mark.parametrize(
    "cell",
    [
        "['Wifi', 'Kitch",  # cut off
        "['Wifi' 'Pool']",  # a comma missing: Python would make one item of it
        "[1, 2]",
        "[['Wifi']]",
        "('Wifi', 'Pool')",
        "{'Wifi'}",
        "Wifi, Pool",
        "[f'{x}']",
        "[__import__('os').system('true')]",  # read as data, never run
    ],
)
def test_text_list_rejects_what_is_not_a_flat_list_of_texts(cell):
    with pytest.raises(TransformError) as caught:
        TEXT_LIST(cell)
    message = str(caught.value)
    assert message.endswith(
        "is not a list of texts (a JSON array or a Python list literal such as "
        "['Wifi', \"Children's books\"])"
    )
    assert "\n" not in message


def test_a_long_bad_cell_is_shown_cut_in_edn_syntax():
    with pytest.raises(TransformError) as caught:
        TEXT_LIST("['" + "x" * 100 + "\t")
    assert str(caught.value).startswith("\"['" + "x" * 58 + '…" is not a list of texts')


def test_option_id_is_the_kebab_case_name():
    option = compile_transform("option_id")
    assert option("Children's books and toys") == "childrens-books-and-toys"
    assert option("Children\u2019s books") == "childrens-books"
    assert option("  Free parking -- on premises ") == "free-parking-on-premises"
    assert option("Café crème") == "cafe-creme"
    assert option("") is None
    # On a list: each item, repeats dropped (the first kept).
    assert OPTION_IDS("['Wifi', 'Pool', 'WIFI', 'wi-fi']") == ("wifi", "pool", "wi-fi")
    with pytest.raises(TransformError, match=r'^"!!" has no letter or digit to make an option'):
        option("!!")
    with pytest.raises(TransformError, match=r'^"--" has no letter or digit'):
        OPTION_IDS("['Wifi', '--']")


def test_a_text_transform_after_text_list_fails_instead_of_writing_a_python_repr():
    with pytest.raises(TransformError) as caught:
        compile_transform(["text_list", "lower"])("['Wifi', 'Pool']")
    assert str(caught.value) == (
        '["Wifi" "Pool"] is a list, not a text (text transforms go before text_list; '
        "option_id takes a list)"
    )
    assert check(["text_list", "trim"], ["['Wifi']"]) == [FLAGGED]  # the per-row path rejects


# the vectorised forms against them -------------------------------------------------------------


@EXAMPLES
@given(st.lists(cells, min_size=1, max_size=8))
def test_text_list_columns_agree_with_the_per_row_form(values):
    check("text_list", values)


@EXAMPLES
@given(st.lists(cells, min_size=1, max_size=8))
def test_option_ids_of_lists_agree_with_the_per_row_form(values):
    check(["text_list", "option_id"], values)


@EXAMPLES
@given(st.lists(names, min_size=1, max_size=8))
def test_option_id_columns_agree_with_the_per_row_form(values):
    check("option_id", values)


def test_the_plain_shape_is_decided_in_columns():
    cells = [
        "['Wifi', \"Children's books\", 'Wifi']",
        '["Pool" , "Hot tub",]',
        "[]",
        "['  ']",
        "[\n'Gym'\n]",
        "['Café']",  # non-ASCII: read in columns, its option id in Python (once per value)
        None,
    ]
    assert check("text_list", cells) == [
        ("Wifi", "Children's books", "Wifi"),
        ("Pool", "Hot tub"),
        None,
        None,
        ("Gym",),
        ("Café",),
        None,
    ]
    assert check(["text_list", "option_id"], cells) == [
        ("wifi", "childrens-books"),
        ("pool", "hot-tub"),
        None,
        None,
        ("gym",),
        ("cafe",),
        None,
    ]
    # Escapes and broken cells are the per-row path's (which reads or rejects them).
    assert check("text_list", ['["a\\"b"]', "['a'", "['a' 'b']"]) == [('a"b',), FLAGGED, FLAGGED]


# the sample's listings through both engines ---------------------------------------------------


def _edited_sample(tmp_path, edits: dict[int, str], transform: str | None = None):
    """A copy of the Stayfinch sample with the amenities cells of some listings replaced (and
    the job's amenities transform, if given); returns the copy's folder and its listings."""
    import csv

    rental = SAMPLES / "rental"
    folder = tmp_path / "rental"
    shutil.copytree(rental, folder, ignore=shutil.ignore_patterns("generate.py", "*.md"))
    with open(rental / "listings.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    for index, cell in edits.items():
        rows[index]["amenities"] = cell
    with open(folder / "listings.csv", "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    if transform is not None:
        job = folder / "job.toml"
        text = job.read_text("utf-8")
        old = 'transform = ["text_list", "option_id"]'
        assert old in text
        job.write_text(text.replace(old, f"transform = {transform}"), "utf-8")
    return folder, rows


def _both_engines(folder, tmp_path, caplog):
    """The copy converted by both engines (the same bytes); the columnar report and how many
    listings took the per-row path."""
    import logging

    with caplog.at_level(logging.DEBUG, logger="migrate.convert.engine"):
        columns = convert(load_job(folder / "job.toml"), output_dir=tmp_path / "columns")
    per_row = convert(load_job(folder / "job.toml"), output_dir=tmp_path / "rows", engine="rows")
    assert columns.edn_path.read_bytes() == per_row.edn_path.read_bytes()
    assert columns.rejects_path.read_bytes() == per_row.rejects_path.read_bytes()
    line = next(
        r.getMessage() for r in caplog.records if r.getMessage().startswith("records.listing:")
    )
    return columns, int(line.split()[1])


def test_both_engines_agree_on_edited_amenities_and_listings_stay_columnar(tmp_path, caplog):
    """The Stayfinch sample with amenities cells the vectorised form cannot read itself (JSON
    escapes, non-ASCII names, a name no option has, broken cells): the same bytes from both
    engines, and only the rows in question leave the columnar plan."""
    edits = {
        0: '["Wifi", "Children\\u2019s books and toys"]',  # JSON escape: read per row
        1: "['Wifi', 'Kitchen', 'Wifi']",  # a repeat: dropped
        2: "['Wifì']",  # non-ASCII: option id in Python ("wifi")
        3: "['Wifi', 'Sauna']",  # not an option of the marketplace's field
        4: "['Wifi', 'Pool'",  # broken: transform-failed
        5: "[]",  # no amenities
    }
    folder, rows = _edited_sample(tmp_path, edits)
    columns, took = _both_engines(folder, tmp_path, caplog)
    # At most the sample's rejected listings and the edited rows the columns cannot decide.
    assert took <= columns.types["listing"].rejected_total + 2
    rejects = {row["source_id"]: row for row in read_rejects(columns.rejects_path)}
    broken = rejects[rows[4]["id"]]
    assert broken["rule"] == "transform-failed"
    assert broken["message"] == (
        "column \"amenities\": \"['Wifi', 'Pool'\" is not a list of texts (a JSON array or a "
        "Python list literal such as ['Wifi', \"Children's books\"])"
    )
    assert broken["origin"].startswith("listings.csv:")
    sauna = rejects.get(rows[3]["id"])
    assert sauna is not None and sauna["rule"] == "field-value-invalid", sauna
    assert sauna["message"].endswith('found "sauna"')
    text = columns.edn_path.read_text("utf-8")
    assert ':amenities ["wifi" "childrens-books-and-toys"]' in text
    assert ':amenities ["wifi" "kitchen"]' in text
    assert ':amenities ["wifi"]' in text


def test_the_marketplace_judges_vectors_of_options_in_columns_as_row_by_row(tmp_path, caplog):
    """Option ids given as they are (``text_list`` alone): valid vectors in any order are
    decided in columns; a repeated option and an unknown one are the rules' rejects."""
    edits = {
        0: "['wifi', 'pool']",
        1: "['pool', 'wifi']",
        2: "['wifi', 'wifi']",  # an option twice
        3: "['wifi', 'sauna']",  # not an option
        4: "['Wifi']",  # a name, not an id
    }
    ids = {index: "['wifi', 'kitchen']" for index in range(5, 299)}
    folder, rows = _edited_sample(tmp_path, {**ids, **edits}, transform='"text_list"')
    columns, took = _both_engines(folder, tmp_path, caplog)
    rejects = {row["source_id"]: row for row in read_rejects(columns.rejects_path)}
    assert rejects[rows[2]["id"]]["message"].endswith(
        'lists an option more than once: ["wifi" "wifi"]'
    )
    assert rejects[rows[3]["id"]]["message"].endswith('found "sauna"')
    assert rejects[rows[4]["id"]]["message"].endswith('found "Wifi"')
    assert rows[0]["id"] not in rejects and rows[1]["id"] not in rejects
    assert took <= columns.types["listing"].rejected_total
    assert columns.types["listing"].rejected_total < 20  # the ids of the other listings are valid


# what a user of the command line sees ---------------------------------------------------------

TINY_USERS = "id,email,first,last,joined\n1,ann@example.com,Ann,Lee,2021-06-14T09:32:11Z\n"
TINY_LISTINGS = (
    "id,host,title,made,tags\n"
    '10,1,Tent,2022-01-01T00:00:00Z,"[\'Dog friendly\', ""Kid\'s corner""]"\n'
    "11,1,Kayak,2022-01-02T00:00:00Z,\"['Lake', 'River'\"\n"
)
TINY_JOB = """ident = "tiny"

[output]
dir = "out"
name = "tiny"

[defaults]
listing_type = "rent"
transaction_process_alias = "default-booking/release-1"
unit_type = "day"

[sources.users]
type = "csv"
path = "users.csv"

[sources.listings]
type = "csv"
path = "listings.csv"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
email = "email"
firstName = "first"
lastName = "last"
createdAt = { column = "joined", transform = "date" }

[records.listing]
source = "listings"
id = "id"

[records.listing.mapping]
title = "title"
state = { const = "published" }
author = { ref = "user", column = "host" }
createdAt = { column = "made", transform = "date" }

[records.listing.public_data]
tags = { column = "tags", transform = TAGS }
"""


def _tiny(tmp_path, transform: str = '["text_list", "option_id"]'):
    (tmp_path / "users.csv").write_text(TINY_USERS, "utf-8")
    (tmp_path / "listings.csv").write_text(TINY_LISTINGS, "utf-8")
    job = tmp_path / "job.toml"
    job.write_text(TINY_JOB.replace("TAGS", transform), "utf-8")
    return job


@pytest.mark.parametrize("engine", ["columns", "rows"])
def test_convert_writes_the_vector_and_names_the_broken_cell(tmp_path, engine):
    from click.testing import CliRunner

    from migrate.cli import main

    job = _tiny(tmp_path)
    result = CliRunner().invoke(main, ["convert", str(job), "--engine", engine])
    assert result.exit_code == 0, result.output
    assert "rejected by rule: transform-failed 1\n" in result.stdout
    assert result.stderr == ""
    out = tmp_path / "out"
    text = (out / "tiny.edn").read_text("utf-8")
    assert ':tags ["dog-friendly" "kids-corner"]' in text
    rejects = (out / "tiny.rejects.csv").read_text("utf-8").splitlines()
    assert rejects[1] == (
        "listings,listings.csv:3,listing,11,transform-failed,"
        '"column ""tags"": ""[\'Lake\', \'River\'"" is not a list of texts (a JSON array or a '
        'Python list literal such as [\'Wifi\', ""Children\'s books""])",'
        '"{""tags"": ""[\'Lake\', \'River\'""}"'
    )


def test_a_parameter_these_transforms_do_not_take_is_a_job_error(tmp_path):
    from click.testing import CliRunner

    from migrate.cli import main

    job = _tiny(tmp_path, '["text_list", { name = "option_id", separator = "_" }]')
    result = CliRunner().invoke(main, ["convert", str(job)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {job}:41:27: records.listing.public_data.tags.transform: option_id: unknown "
        'parameter "separator" (parameters: none)\n'
    )
