"""``distinct = true``: users embedded in a listings table are one user per host id, their
attributes merged by policy; both engines write the same bytes and the counts add up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.convert.job import JobError, load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import convert

# Hosts 7 and 9 repeat; host 9's name differs between its two rows; the last row has no host.
LISTINGS = (
    "id,title,host_id,host_name,host_since,host_about\n"
    "1,Tent,7,Ann,2020-03-01,\n"
    "2,Kayak,8,Bob,2019-01-01,Paddles\n"
    "3,Bike,7,Ann,2020-01-15,Rides bikes\n"
    "4,Boat,9,Cy,2018-01-01,\n"
    "5,Car,9,Cyrus,2018-02-01,Drives\n"
    "6,Van,7,Ann,2021-06-30,Camps\n"
    "7,Sled, ,Nobody,2018-01-01,\n"
)

JOB = """\
ident = "hosts"
[sources.listings]
type = "csv"
path = "listings.csv"

[records.user]
source = "listings"
id = "host_id"
distinct = true
{table}

[records.user.mapping]
email = {{ template = "host-{{host_id}}@example.com" }}
firstName = {first}
lastName = {{ const = "Host" }}
createdAt = {created}
bio = {bio}
"""


def job_file(
    tmp_path: Path,
    *,
    table: str = "",
    first: str = '"host_name"',
    created: str = '{ column = "host_since", transform = "date" }',
    bio: str = '"host_about"',
    listings: str = LISTINGS,
) -> Path:
    (tmp_path / "listings.csv").write_text(listings, "utf-8")
    path = tmp_path / "job.toml"
    path.write_text(JOB.format(table=table, first=first, created=created, bio=bio), "utf-8")
    return path


def both(path: Path, tmp_path: Path) -> dict[str, tuple]:
    """Convert with both engines; the outputs are byte-identical; returns the rows engine's
    (report, edn text, rejects)."""
    job = load_job(path)
    outputs = {}
    for engine in ("rows", "columns"):
        out = tmp_path / f"out-{engine}"
        report = convert(job, output_dir=out, engine=engine)
        files = {name: (out / name).read_bytes() for name in ("hosts.edn", "hosts.rejects.csv")}
        outputs[engine] = (report, files, out)
    assert outputs["rows"][1] == outputs["columns"][1], "both engines write the same bytes"
    for engine in ("rows", "columns"):
        report = outputs[engine][0]
        for name, counts in report.types.items():
            assert counts.read == counts.written + counts.rejected_total + counts.merged, name
    assert outputs["rows"][0].to_dict()["types"] == outputs["columns"][0].to_dict()["types"]
    report, files, out = outputs["rows"]
    return {
        "report": report,
        "edn": files["hosts.edn"].decode(),
        "rejects": read_rejects(out / "hosts.rejects.csv"),
        "json": json.loads((out / "hosts.report.json").read_text("utf-8")),
    }


def users(edn: str) -> dict[str, str]:
    """Each written user's line by host id (its alias ``:user/uID``)."""
    found = {}
    for line in edn.splitlines():
        if ":user/u" in line:
            found[line.split(":user/u", 1)[1].split("]", 1)[0]] = line
    return found


def test_repeats_are_merged_and_a_disagreement_is_one_conflict(tmp_path):
    result = both(job_file(tmp_path), tmp_path)
    counts = result["json"]["types"]["user"]
    assert {key: counts[key] for key in ("read", "distinct", "merged", "written", "rejected")} == {
        "read": 7,
        "distinct": 4,
        "merged": 3,
        "written": 1,
        "rejected": 3,
    }
    assert counts["rejected_by_rule"] == {"merge-conflict": 2, "source-id-missing": 1}
    rejects = {(r["source_id"], r["rule"]): r for r in result["rejects"]}
    # Host 7: created 2020-03-01, 2020-01-15 and 2021-06-30 disagree (conflict, the default).
    seven = rejects[("7", "merge-conflict")]
    assert seven["origin"] == "listings.csv:2", "an entity's origin is its first row"
    assert seven["message"] == (
        'records.user.mapping.createdAt: rows of source id "7" disagree: '
        '#inst "2020-03-01T00:00:00Z" at listings.csv:2 but '
        '#inst "2020-01-15T00:00:00Z" at listings.csv:4 (merge = "conflict"; '
        'choose one with merge = "first", "last", "non-empty", "min" or "max")'
    )
    # The values column shows the two values in edn syntax (the same for both engines).
    assert json.loads(seven["values"]) == {
        "records.user.mapping.createdAt": [
            '#inst "2020-03-01T00:00:00Z"',
            '#inst "2020-01-15T00:00:00Z"',
        ]
    }
    nine = rejects[("9", "merge-conflict")]
    assert json.loads(nine["values"]) == {"records.user.mapping.firstName": ['"Cy"', '"Cyrus"']}
    assert nine["message"].startswith(
        'records.user.mapping.firstName: rows of source id "9" disagree: '
        '"Cy" at listings.csv:5 but "Cyrus" at listings.csv:6 '
    )
    assert rejects[("", "source-id-missing")]["origin"] == "listings.csv:8"
    assert list(users(result["edn"])) == ["8"]


def test_an_empty_value_is_no_conflict(tmp_path):
    # Host 7's bio is empty on its first row, the same on the others' would be no conflict;
    # here it differs ("Rides bikes", "Camps"), so bio is given merge = "non-empty".
    path = job_file(
        tmp_path,
        created='{ column = "host_since", transform = "date", merge = "min" }',
        first='{ column = "host_name", merge = "last" }',
        bio='{ column = "host_about", merge = "non-empty" }',
    )
    result = both(path, tmp_path)
    assert result["rejects"] == [
        {
            "source": "listings",
            "origin": "listings.csv:8",
            "record_type": "user",
            "source_id": "",
            "rule": "source-id-missing",
            "message": 'no source id in column "host_id"',
            "values": '{"host_id": " "}',
        }
    ]
    written = users(result["edn"])
    assert list(written) == ["7", "8", "9"]
    assert '#inst "2020-01-15T00:00:00.000Z"' in written["7"], "min by date"
    assert '"Rides bikes"' in written["7"], "the first non-empty bio"
    assert '"Cyrus"' in written["9"] and '#inst "2018-01-01T00:00:00.000Z"' in written["9"]
    assert '"Drives"' in written["9"]
    assert result["report"].types["user"].merged == 3


def test_table_default_policy_and_max(tmp_path):
    path = job_file(
        tmp_path,
        table='merge = "first"',
        created='{ column = "host_since", transform = "date", merge = "max" }',
    )
    written = users(both(path, tmp_path)["edn"])
    assert '#inst "2021-06-30T00:00:00.000Z"' in written["7"], "max by date"
    assert '"Cy"' in written["9"] and "Drives" not in written["9"], "first row's values"
    assert ":im.user/bio" not in written["7"], "first: the first row's empty bio"


def test_min_is_by_mapped_value_not_by_text(tmp_path):
    # As text "10" < "9"; as integers 9 < 10. The value maps through publicData.
    listings = "id,host_id,host_name,rank\n1,7,Ann,10\n2,7,Ann,9\n3,7,Ann,\n"
    (tmp_path / "listings.csv").write_text(listings, "utf-8")
    path = tmp_path / "job.toml"
    path.write_text(
        JOB.format(
            table="",
            first='"host_name"',
            created='{ const = "2020-01-01", transform = "date" }',
            bio='{ const = "hi" }',
        )
        + '[records.user.public_data]\nrank = { column = "rank", transform = "int", merge = "min" }\n',
        "utf-8",
    )
    result = both(path, tmp_path)
    assert ":rank 9" in users(result["edn"])["7"]


def test_a_value_that_fails_to_map_rejects_the_entity(tmp_path):
    listings = (
        "id,host_id,host_name,host_since\n1,7,Ann,2020-01-01\n2,7,Ann,not a date\n"
        "3,7,Ann,2019-01-01\n"
    )
    path = job_file(
        tmp_path,
        listings=listings,
        created='{ column = "host_since", transform = "date", merge = "min" }',
        bio='{ const = "hi" }',
    )
    result = both(path, tmp_path)
    (reject,) = result["rejects"]
    assert (reject["source_id"], reject["rule"], reject["origin"]) == (
        "7",
        "transform-failed",
        "listings.csv:2",
    )
    assert '"not a date"' in reject["message"]


def test_integer_ids_from_json_group_like_text(tmp_path):
    rows = [
        {"id": 1, "host": {"id": 7, "name": "Ann"}},
        {"id": 2, "host": {"id": 7, "name": "Ann"}},
        {"id": 3, "host": {"id": 8, "name": "Bob"}},
    ]
    (tmp_path / "listings.json").write_text(json.dumps(rows), "utf-8")
    path = tmp_path / "job.toml"
    path.write_text(
        'ident = "hosts"\n[sources.listings]\ntype = "json"\npath = "listings.json"\n'
        '[records.user]\nsource = "listings"\nid = "host.id"\ndistinct = true\n'
        '[records.user.mapping]\nemail = { template = "h{host.id}@example.com" }\n'
        'firstName = "host.name"\nlastName = { const = "Host" }\n'
        'createdAt = { const = "2020-01-01", transform = "date" }\n',
        "utf-8",
    )
    result = both(path, tmp_path)
    assert list(users(result["edn"])) == ["7", "8"]
    assert result["report"].types["user"].merged == 1


def test_limit_counts_entities(tmp_path):
    job = load_job(job_file(tmp_path, table='merge = "first"'))
    for engine in ("rows", "columns"):
        report = convert(job, output_dir=tmp_path / engine, engine=engine, limit=2)
        counts = report.types["user"]
        # the first two hosts: 7 (three rows) and 8
        assert (counts.read, counts.merged, counts.written) == (4, 2, 2), engine


def test_cli_summary_shows_distinct_and_merged(tmp_path):
    path = job_file(tmp_path, table='merge = "first"')
    result = CliRunner().invoke(main, ["convert", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "type    read   distinct   merged   written   rejected   warnings\n"
        "────────────────────────────────────────────────────────────────\n"
        "user       7          4        3         3          1          0\n"
    )
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("table", "created", "message"),
    [
        (
            'merge = "newest"',
            '"host_since"',
            'records.user.merge: unknown merge policy "newest" (policies: conflict, first, '
            "last, non-empty, min, max)",
        ),
        (
            "",
            '{ column = "host_since", merge = "earliest" }',
            'records.user.mapping.createdAt.merge: unknown merge policy "earliest"',
        ),
        (
            'each = "photos"',
            '"host_since"',
            "records.user.distinct: cannot be combined with each",
        ),
    ],
)
def test_merge_mistakes_are_job_errors(tmp_path, table, created, message):
    with pytest.raises(JobError) as caught:
        load_job(job_file(tmp_path, table=table, created=created), check_sources=False)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "job.toml") + ":")


def test_merge_without_distinct_is_a_job_error(tmp_path):
    path = job_file(tmp_path, created='{ column = "host_since", merge = "min" }')
    path.write_text(path.read_text("utf-8").replace("distinct = true\n", ""), "utf-8")
    with pytest.raises(JobError) as caught:
        load_job(path)
    assert str(caught.value) == (
        f"{path}:15:1: records.user.mapping.createdAt: merge applies to a distinct table; "
        "add distinct = true"
    )


def test_min_on_a_reference_and_one_column_two_policies_are_job_errors(tmp_path):
    path = job_file(
        tmp_path,
        created='{ column = "host_since", transform = "date", merge = "min" }',
        bio='{ column = "host_since", merge = "first" }',
    )
    with pytest.raises(JobError) as caught:
        load_job(path)
    assert str(caught.value) == (
        f'{path}:17:1: records.user.mapping.bio: column "host_since" is read with '
        'merge = "min" by records.user.mapping.createdAt and merge = "first" here '
        "(one column, one policy)"
    )
    text = (
        'ident = "x"\n[sources.l]\ntype = "csv"\npath = "listings.csv"\n'
        '[records.listing]\nsource = "l"\nid = "host_id"\ndistinct = true\n'
        '[records.listing.mapping]\ntitle = "title"\n'
        'author = { ref = "user", column = "host_id", merge = "max" }\n'
    )
    with pytest.raises(JobError) as caught:
        load_job(text, base_dir=tmp_path)
    assert (
        'records.listing.mapping.author: merge = "max" orders dates, numbers and text, '
        "not ref values" in str(caught.value)
    )


def test_html_report_shows_distinct_and_merged(tmp_path):
    path = job_file(tmp_path, table='merge = "first"')
    html = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["convert", str(path), "--html", str(html), "--quiet"])
    assert result.exit_code == 0, result.output
    text = html.read_text("utf-8")
    assert (
        "<tr><th>Type</th><th>Read</th><th>Distinct</th><th>Merged</th><th>Written</th>"
        "<th>Rejected</th><th>Warnings</th></tr>"
        "<tr><td>user</td><td>7</td><td>4</td><td>3</td><td>3</td><td>1</td><td>0</td></tr>"
    ) in text
    assert "3 rows written, 1 source rows not carried, 3 merged into their entity" in text


def test_conflict_and_min_take_a_value_where_the_first_row_has_none(tmp_path):
    listings = (
        "id,host_id,host_name,host_since,host_about\n"
        "1,7,Ann,,\n"
        "2,7,Ann,2020-05-01,Rides\n"
        "3,7,Ann,2020-05-01,Rides\n"
    )
    path = job_file(
        tmp_path,
        listings=listings,
        created='{ column = "host_since", transform = "date", merge = "min" }',
    )
    result = both(path, tmp_path)
    assert result["rejects"] == []
    written = users(result["edn"])["7"]
    assert '"Rides"' in written, "conflict: the first value, all rows with one agreeing"
    assert '#inst "2020-05-01T00:00:00.000Z"' in written, "min of the rows with a value"


def test_a_row_a_lookup_could_not_complete_rejects_its_entity(tmp_path, monkeypatch):
    """A wrapper below distinct (a lookup) marks listing 3 (host 7's second row)."""
    import polars as pl

    from migrate.convert import record_source
    from migrate.extract.batches import source_batches

    plain = record_source.open_source
    message = 'no row of source "hosts" has id = "7"'

    class Marked:
        def __init__(self, inner):
            self.inner = inner

        def columns(self):
            return list(self.inner.columns())

        def batches(self, columns, *, each=None, limit=None, size):
            for frame in source_batches(self.inner, columns, limit=limit, size=size):
                bad = pl.col("__migrate_record") == 2
                yield frame.with_columns(
                    pl.when(bad).then(pl.lit("lookup-unmatched")).alias(record_source.PROBLEM_CODE),
                    pl.when(bad).then(pl.lit(message)).alias(record_source.PROBLEM_MESSAGE),
                )

        def rows(self, limit=None):
            raise AssertionError("distinct reads batches")

        def origins(self, records, *, each=None):
            return self.inner.origins(records, each=each)

    monkeypatch.setattr(record_source, "open_source", lambda spec: Marked(plain(spec)))
    result = both(job_file(tmp_path, table='merge = "first"'), tmp_path)
    seven = [r for r in result["rejects"] if r["source_id"] == "7"]
    assert [(r["rule"], r["message"], r["origin"]) for r in seven] == [
        ("lookup-unmatched", message, "listings.csv:2")
    ]
    assert list(users(result["edn"])) == ["8", "9"]


def test_batches_of_one_table_are_joined_without_changing_values():
    import polars as pl

    from migrate.convert.distinct import _concat

    frames = [
        pl.DataFrame({"a": pl.Series([None, None], dtype=pl.String), "b": [1, 2]}),
        pl.DataFrame({"a": [7, 8], "b": pl.Series(["x", None], dtype=pl.String)}),
    ]
    joined = _concat(frames)
    assert joined.get_column("a").to_list() == [None, None, 7, 8]
    assert joined.schema["a"] == pl.Int64, "a null batch takes the others' type"
    assert joined.get_column("b").to_list() == [1, 2, "x", None], "mixed types stay exact"


def test_distinct_groups_the_rows_lookups_complete(tmp_path):
    (tmp_path / "reviews.csv").write_text(
        "id,listing_id,reviewer_id,reviewer_name,date\n"
        "1,10,7,Ann,2021-03-01\n2,11,7,Ann,2020-01-01\n3,10,8,Bob,2022-01-01\n"
        "4,12,8,Bob,2022-02-01\n",
        "utf-8",
    )
    (tmp_path / "listings.csv").write_text("id,city\n10,Oslo\n11,Bergen\n", "utf-8")
    path = tmp_path / "job.toml"
    path.write_text(
        'ident = "hosts"\n'
        '[sources.reviews]\ntype = "csv"\npath = "reviews.csv"\n'
        '[sources.listings]\ntype = "csv"\npath = "listings.csv"\n'
        '[records.user]\nsource = "reviews"\nid = "reviewer_id"\ndistinct = true\n'
        'merge = "first"\n'
        "[records.user.lookups]\n"
        'city = { source = "listings", on = "listing_id", key = "id", column = "city", '
        'missing = "absent" }\n'
        "[records.user.mapping]\n"
        'email = { template = "r{reviewer_id}@example.com" }\n'
        'firstName = "reviewer_name"\nlastName = { const = "X" }\n'
        'createdAt = { column = "date", transform = "date", merge = "min" }\n'
        'bio = { lookup = { source = "listings", on = "listing_id", key = "id", '
        'column = "city" }, merge = "last" }\n'
        '[records.user.public_data]\ncity = { column = "city", merge = "non-empty" }\n',
        "utf-8",
    )
    result = both(path, tmp_path)
    (reject,) = result["rejects"]
    assert (reject["source_id"], reject["rule"], reject["origin"]) == (
        "8",
        "lookup-unmatched",
        "reviews.csv:4",
    ), "listing 12 is unknown: reviewer 8 is not known whole"
    ann = users(result["edn"])["7"]
    assert '#inst "2020-01-01T00:00:00.000Z"' in ann, "sign-up = the earliest review"
    assert ':im.userProfile/bio "Bergen"' in ann and '{:city "Oslo"}' in ann
    counts = result["json"]["types"]["user"]
    assert (counts["read"], counts["distinct"], counts["merged"]) == (4, 2, 2)


def test_an_array_table_names_its_attribute_and_its_policy(tmp_path):
    # [[records.user]]: the message names records.user[0].mapping.firstName and the
    # attribute's own policy, not the table's default.
    path = job_file(
        tmp_path, table='merge = "non-empty"', first='{ column = "host_name", merge = "conflict" }'
    )
    text = path.read_text("utf-8").replace("[records.user]\n", "[[records.user]]\n")
    path.write_text(text, "utf-8")
    result = both(path, tmp_path)
    nine = [r for r in result["rejects"] if r["source_id"] == "9"]
    assert [r["rule"] for r in nine] == ["merge-conflict"]
    assert nine[0]["message"].startswith(
        'records.user[0].mapping.firstName: rows of source id "9" disagree: '
        '"Cy" at listings.csv:5 but "Cyrus" at listings.csv:6 (merge = "conflict"; '
    ), nine[0]["message"]
