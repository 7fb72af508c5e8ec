"""A job ``function`` may return references (``Ref`` or ``{ref, id}``): written as ``#im/ref``,
checked and cascaded like mapped ones by both engines; ``provides`` keeps the required-attribute
check on."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from migrate.mappers.custom import Ref, as_ref, review_subject

from migrate.cli import main
from migrate.convert.job import JobError, load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import convert

USERS = """id,email,first,joined
1,ann@example.com,Ann,2021-06-14
2,bob@,Bob,2021-06-15
3,cy@example.com,Cy,2021-06-16
"""

# The subject (the reviewed host) is known only to the function; 2 is rejected, 9 is missing.
REVIEWS = """id,author,host_id,text,at
100,1,3,Great,2022-01-01
101,3,2,Fine,2022-01-02
102,3,9,Odd,2022-01-03
103,1,,None given,2022-01-04
"""

FUNCTIONS = """
from migrate.mappers.custom import Ref


def subject(values):
    host = values.get("host_id")
    if host == "3":
        return {"subject": {"ref": "user", "id": 3}}
    return {"subject": Ref("user", host)}


def plain(values):
    return {"subject": values["host_id"]}


def wrong_type(values):
    return {"subject": Ref("listing", values["host_id"])}
"""

JOB = """ident = "refs"
[sources.users]
type = "csv"
path = "users.csv"

[sources.reviews]
type = "csv"
path = "reviews.csv"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
email = "email"
firstName = "first"
lastName = { const = "Doe" }
createdAt = { column = "joined", transform = "date" }

[records.review]
source = "reviews"
id = "id"
function = "review_functions:FUNCTION"
provides = ["subject"]

[records.review.mapping]
type = { const = "ofCustomer" }
state = { const = "public" }
rating = { const = 5 }
author = { ref = "user", column = "author" }
content = "text"
createdAt = { column = "at", transform = "date" }
"""


def write_job(tmp_path: Path, function: str = "subject", job: str = JOB) -> Path:
    (tmp_path / "users.csv").write_text(USERS, "utf-8")
    (tmp_path / "reviews.csv").write_text(REVIEWS, "utf-8")
    (tmp_path / "review_functions.py").write_text(FUNCTIONS, "utf-8")
    path = tmp_path / "job.toml"
    path.write_text(job.replace("FUNCTION", function), "utf-8")
    return path


def test_returned_references_are_written_checked_and_cascaded_by_both_engines(tmp_path):
    job = load_job(write_job(tmp_path))
    outputs = {}
    for engine in ("rows", "columns"):
        out = tmp_path / engine
        convert(job, output_dir=out, engine=engine)
        outputs[engine] = ((out / "refs.edn").read_bytes(), (out / "refs.rejects.csv").read_bytes())
    assert outputs["rows"] == outputs["columns"]
    out = tmp_path / "rows"
    edn = (out / "refs.edn").read_text("utf-8")
    review = next(line for line in edn.splitlines() if ":review/r100" in line)
    user_3 = next(line for line in edn.splitlines() if ":user/u3" in line)
    user_3_id = user_3.split("#uuid ", 1)[1].split(" ", 1)[0]
    assert f":im.review/subject #im/ref [:im.user/id #uuid {user_3_id}]" in review
    rejects = {
        r["source_id"]: (r["rule"], r["message"])
        for r in read_rejects(out / "refs.rejects.csv")
        if r["record_type"] == "review"
    }
    assert rejects == {
        "101": (
            "ref-target-rejected",
            ':im.review/subject refers to user "2", which was rejected (email-invalid)',
        ),
        "102": ("ref-unresolved", ':im.review/subject refers to user "9", which no source holds'),
        "103": (
            "attribute-required",
            "missing required attribute subject (im.review/subject) (not mapped)",
        ),
    }


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (
            "plain",
            'review_functions:plain returned "3" for subject, a reference: return '
            'Ref("user", ID) (from migrate.mappers.custom import Ref) or {"ref": "user", "id": ID}',
        ),
        (
            "wrong_type",
            'review_functions:wrong_type returned a reference to "listing" for subject '
            "(it can point at: user)",
        ),
    ],
)
def test_a_function_returning_a_wrong_reference_is_a_job_error(tmp_path, function, message):
    path = write_job(tmp_path, function)
    result = CliRunner().invoke(main, ["convert", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unprovided_required_attribute_fails_the_job_check(tmp_path):
    path = write_job(tmp_path, job=JOB.replace('provides = ["subject"]\n', ""))
    result = CliRunner().invoke(main, ["convert", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {path}:25:1: records.review.mapping: required attribute "
        '"subject" (im.review/subject) is not mapped\n'
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.replace('provides = ["subject"]', 'provides = ["subjekt"]'),
            'records.review.provides: unknown attribute "subjekt" for review (did you mean '
            '"subject"?)',
        ),
        (
            lambda t: t.replace('provides = ["subject"]', 'provides = "subject"'),
            'records.review.provides: expected an array of attribute names, got "subject"',
        ),
        (
            lambda t: t.replace('function = "review_functions:FUNCTION"\n', ""),
            "records.review.provides: names what a function gives; add function = ...",
        ),
    ],
)
def test_provides_mistakes(tmp_path, change, message):
    path = write_job(tmp_path, job=change(JOB))
    with pytest.raises(JobError) as caught:
        load_job(path)
    assert message in str(caught.value)


def test_ref_helpers():
    assert as_ref({"ref": "user", "id": "7"}) == Ref("user", "7")
    assert as_ref(Ref("user", 7)) == Ref("user", 7)
    assert as_ref({"ref": "user"}) is None and as_ref("7") is None
    assert review_subject({"host_id": "7"}) == {"subject": Ref("user", "7")}
    assert review_subject({"host_id": ""}) == {"subject": None}
