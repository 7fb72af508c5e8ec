"""A run in which every row of a type is rejected for one rule fails (exit 1) with a one-line
hint, even without --fail-on-reject: a job that cannot work is never a silent success."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.convert.job import load_job
from migrate.convert.pipeline import convert

USERS = "id,email,first\n1,ann@example.com,Ann\n2,bob@example.com,Bob\n"

JOB = """ident = "hint"
[sources.users]
type = "csv"
path = "users.csv"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
email = "email"
firstName = "first"
lastName = { const = "Doe" }
createdAt = { column = "CREATED", transform = "date" }
"""

# Every user's createdAt is empty: each is rejected as attribute-required.
USERS_UNDATED = "id,email,first,created,joined\n1,ann@example.com,Ann,,2021-01-01\n2,bob@example.com,Bob,,2021-01-02\n"


def write(tmp_path: Path, column: str = "created", users: str = USERS_UNDATED) -> Path:
    (tmp_path / "users.csv").write_text(users, "utf-8")
    path = tmp_path / "job.toml"
    path.write_text(JOB.replace("CREATED", column), "utf-8")
    return path


HINT = (
    "hint: all 2 user rows were rejected for attribute-required (first at users.csv:2: "
    "missing required attribute createdAt (im.user/createdAt) (no value in created)); "
    "check [records.user] in the job file against that message "
    "(rule attribute-required in docs/rules.md)\n"
)


def run(*args: str):
    return CliRunner().invoke(main, ["convert", *args])


def test_every_row_rejected_for_one_rule_exits_1_with_a_hint(tmp_path):
    path = write(tmp_path)
    result = run(str(path))
    assert result.exit_code == 1
    assert result.stderr == HINT
    assert result.stdout.startswith("type    read   written   rejected   warnings\n")
    assert (tmp_path / "out" / "hint.rejects.csv").exists(), "the outputs are still written"


def test_the_hint_comes_with_dry_run_and_json_and_quiet(tmp_path):
    path = write(tmp_path)
    result = run(str(path), "--dry-run", "--format", "json")
    assert result.exit_code == 1
    assert result.stderr == HINT
    assert json.loads(result.stdout)["types"]["user"]["rejected_by_rule"] == {
        "attribute-required": 2
    }
    quiet = run(str(path), "--quiet")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (1, "", HINT)


def test_with_fail_on_reject_the_hint_comes_before_the_error(tmp_path):
    path = write(tmp_path)
    result = run(str(path), "--fail-on-reject")
    assert result.exit_code == 1
    out = tmp_path / "out" / "hint.rejects.csv"
    assert result.stderr == HINT + f"Error: 2 records rejected (--fail-on-reject); see {out}\n"


def test_a_working_job_and_a_partly_rejected_type_exit_0(tmp_path):
    path = write(tmp_path, column="joined")
    result = run(str(path))
    assert (result.exit_code, result.stderr) == (0, "")
    mixed = "id,email,first,created\n1,ann@example.com,Ann,2021-01-01\n2,bob@example.com,Bob,\n"
    path = write(tmp_path, users=mixed)
    result = run(str(path))
    assert (result.exit_code, result.stderr) == (0, "")


def test_two_rules_are_no_single_cause(tmp_path):
    users = "id,email,first,created\n1,ann@,Ann,2021-01-01\n2,bob@example.com,Bob,\n"
    result = run(str(write(tmp_path, users=users)))
    assert (result.exit_code, result.stderr) == (0, "")


@pytest.mark.parametrize("engine", ["rows", "columns"])
def test_the_report_says_which_types_failed(tmp_path, engine):
    report = convert(load_job(write(tmp_path)), engine=engine, output_dir=tmp_path / engine)
    assert report.all_rejected == [("user", "attribute-required")]
    assert report.failed
    assert not report.fail_on_reject


def test_a_cascade_gives_one_hint_per_type(tmp_path):
    (tmp_path / "listings.csv").write_text("id,host,title\n10,1,Tent\n11,2,Kayak\n", "utf-8")
    path = write(tmp_path)
    path.write_text(
        path.read_text("utf-8") + '[sources.listings]\ntype = "csv"\npath = "listings.csv"\n'
        '[records.listing]\nsource = "listings"\nid = "id"\n'
        '[records.listing.mapping]\ntitle = "title"\nstate = { const = "published" }\n'
        'author = { ref = "user", column = "host" }\n'
        'createdAt = { const = "2022-01-01", transform = "date" }\n',
        "utf-8",
    )
    result = run(str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == HINT.rstrip("\n")
    assert lines[1].startswith(
        "hint: all 2 listing rows were rejected for ref-target-rejected (first at listings.csv:2: "
        ':im.listing/author refers to user "1", which was rejected (attribute-required)); '
    )
    assert len(lines) == 2


def test_with_a_limit_unresolved_references_are_no_hint(tmp_path):
    # Listings point at users 8 and 9, which the first two user rows do not hold.
    (tmp_path / "listings.csv").write_text("id,host,title\n10,8,Tent\n11,9,Kayak\n", "utf-8")
    users = "id,email,first,created\n1,a@example.com,A,2021-01-01\n2,b@example.com,B,2021-01-01\n"
    path = write(tmp_path, users=users)
    path.write_text(
        path.read_text("utf-8") + '[sources.listings]\ntype = "csv"\npath = "listings.csv"\n'
        '[records.listing]\nsource = "listings"\nid = "id"\n'
        '[records.listing.mapping]\ntitle = "title"\nstate = { const = "published" }\n'
        'author = { ref = "user", column = "host" }\n'
        'createdAt = { const = "2022-01-01", transform = "date" }\n',
        "utf-8",
    )
    limited = run(str(path), "--limit", "2")
    assert (limited.exit_code, limited.stderr) == (0, "")
    whole = run(str(path))
    assert whole.exit_code == 1
    assert whole.stderr.startswith("hint: all 2 listing rows were rejected for ref-unresolved ")


def test_a_type_of_one_row_is_named_in_the_singular(tmp_path):
    path = write(tmp_path, users="id,email,first,created\n1,ann@example.com,Ann,\n")
    result = run(str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "hint: the only user row was rejected for attribute-required (first at users.csv:2: "
    ), result.stderr
