"""docs/recipes.md: every job-file block loads and converts the page's own small files as it says.

The page holds ```` ```csv NAME ```` blocks (the inputs), one ```` ```toml preamble ```` block and
the recipes' ```` ```toml ```` blocks. Each recipe block is loaded as a job (the preamble, then
the block) with the job loader, run with both engines on the inputs, and what the page says it
gives is checked here, block by block, in page order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pytest
from conftest import ROOT

from migrate.convert.ids import import_id
from migrate.convert.job import load_job
from migrate.convert.outputs import read_rejects
from migrate.convert.pipeline import convert
from migrate.edn.reader import DocumentReader
from migrate.edn.rows import row_from_value
from migrate.edn.values import Keyword
from migrate.validate import validate_file

PAGE = ROOT / "docs" / "recipes.md"
FENCE = re.compile(r"^```(\w+)(?: ([^\n]+))?\n(.*?)^```$", re.M | re.S)


def blocks() -> tuple[dict[str, str], str, list[tuple[str, str]]]:
    """The page's inputs (name -> text), its preamble and its recipe blocks (section, toml)."""
    text = PAGE.read_text("utf-8")
    inputs: dict[str, str] = {}
    preamble = ""
    recipes: list[tuple[str, str]] = []
    for match in FENCE.finditer(text):
        language, name, body = match[1], match[2], match[3]
        if language == "csv":
            inputs[name] = body
        elif language == "toml" and name == "preamble":
            preamble = body
        elif language == "toml":
            headings = re.findall(r"^## (.+)$", text[: match.start()], re.M)
            recipes.append((headings[-1], body))
    return inputs, preamble, recipes


def _users(rows: list) -> dict[str, dict]:
    """Written users by the local part of their email after ``+`` (the source id's form)."""
    users = {}
    for row in rows:
        if row.row_type == "user":
            email = row.attrs[Keyword("im.user/primaryEmail")][Keyword("im.email/address")]
            users[email.split("+", 1)[1].split("@")[0]] = row.attrs
    return users


def _profile(attrs: dict, name: str):
    return attrs[Keyword("im.user/profile")].get(Keyword(f"im.userProfile/{name}"))


def _day(attrs: dict) -> str:
    value = attrs[Keyword("im.user/createdAt")]
    return value.astimezone(UTC).date().isoformat()


def _reviews(rows: list) -> list[dict]:
    return [row.attrs for row in rows if row.row_type == "review"]


def check_embedded(rows: list, report) -> None:
    users = _users(rows)
    assert sorted(users) == ["host-7", "host-9"]
    assert report.types["user"].merged == 1
    assert _day(users["host-7"]) == "2019-04-01"  # the earlier of Anna's two rows
    assert _profile(users["host-7"], "bio") == "Hello from Anna!"


def check_no_emails(rows: list, report) -> None:
    users = _users(rows)
    assert sorted(users) == ["host-7", "host-9"]
    for attrs in users.values():
        assert attrs[Keyword("im.user/primaryEmail")][Keyword("im.email/verified")] is False


def check_no_last_names(rows: list, report) -> None:
    users = _users(rows)
    assert _profile(users["u7"], "lastName") == "-"
    assert _profile(users["u9"], "lastName") == "Cleo"
    assert _profile(users["u9"], "displayName") == "Ben & Cleo"


def check_ratings(rows: list, report) -> None:
    ratings = sorted(review[Keyword("im.review/rating")] for review in _reviews(rows))
    assert ratings == [4, 4, 5, 5]  # 4.87 twice, 4.20, 3.50 rounded half up
    assert sorted(_users(rows)) == ["u31", "u32", "u7", "u9"]


def check_two_roles(rows: list, report) -> None:
    users = _users(rows)
    assert sorted(users) == ["u31", "u32", "u7", "u9"]
    assert _day(users["u7"]) == "2019-04-02"  # host_since of her first row, not her review


def check_two_id_spaces(rows: list, report) -> None:
    users = _users(rows)
    assert sorted(users) == ["guest-g31", "guest-g7", "host-7", "host-9"]
    reviews = _reviews(rows)
    assert len(reviews) == 4
    by_content = {review[Keyword("im.review/content")]: review for review in reviews}
    eli = by_content["Lovely place!"]  # guest 32, linked to host 9, reviewing host 7
    assert eli[Keyword("im.review/author")].import_id == import_id("recipes", "user", "9")
    assert eli[Keyword("im.review/subject")].import_id == import_id("recipes", "user", "7")
    dana = by_content["Great stay."]
    assert dana[Keyword("im.review/author")].import_id == import_id("recipes", "user", "g31")
    # Host 9 signed up after the review guest 32 wrote: the validator warns, as the page says.
    check = validate_file(report.edn_path, max_findings=None)
    codes = {group["code"] for group in check.to_dict(max_examples=1)["summary"]}
    assert check.errors == 0 and codes == {"review-before-created"}


def check_first_review(rows: list, report) -> None:
    users = _users(rows)
    assert sorted(users) == ["u31", "u32", "u7"]
    assert _day(users["u31"]) == "2019-12-30"


def check_first_seen(rows: list, report) -> None:
    users = _users(rows)
    assert sorted(users) == ["u31", "u32", "u7", "u9"]
    assert _day(users["u7"]) == "2019-04-01"


def check_list_cell(rows: list, report) -> None:
    amenities = {}
    for row in rows:
        if row.row_type == "listing":
            title = row.attrs[Keyword("im.listing/title")]
            public = row.attrs[Keyword("im.listing/publicData")]
            amenities[title] = public.get(Keyword("amenities"), public.get("amenities"))
    assert amenities == {
        "Loft by the river": ("wifi", "childrens-books"),
        "Garden room": None,
        "Studio downtown": ("hot-tub", "cafe-corner"),
    }


CHECKS: list[tuple[str, Callable]] = [
    ("Users embedded in other tables", check_embedded),
    ("No emails", check_no_emails),
    ("No last names", check_no_last_names),
    ("Only aggregate ratings", check_ratings),
    ("One person in two roles", check_two_roles),
    ("One person in two roles", check_two_id_spaces),
    ("Sign-up dates from activity", check_first_review),
    ("Sign-up dates from activity", check_first_seen),
    ("A list in one cell", check_list_cell),
]


def test_the_page_has_its_inputs_and_the_recipes_the_issue_asks_for():
    inputs, preamble, recipes = blocks()
    assert sorted(inputs) == ["accounts.csv", "listings.csv", "reviews.csv"]
    assert "[sources.listings]" in preamble
    assert [section for section, _ in recipes] == [section for section, _ in CHECKS]
    headings = re.findall(r"^## (.+)$", PAGE.read_text("utf-8"), re.M)
    for wanted in ("No emails", "No last names", "Only aggregate ratings"):
        assert wanted in headings


@pytest.mark.parametrize("engine", ["columns", "rows"])
@pytest.mark.parametrize("index", range(len(CHECKS)), ids=[c.__name__ for _, c in CHECKS])
def test_each_recipe_converts_as_the_page_says(tmp_path: Path, index: int, engine: str):
    inputs, preamble, recipes = blocks()
    for name, text in inputs.items():
        (tmp_path / name).write_text(text, "utf-8")
    section, body = recipes[index]
    job_path = tmp_path / "job.toml"
    job_path.write_text(preamble + "\n" + body, "utf-8")
    report = convert(load_job(job_path), output_dir=tmp_path / "out", engine=engine)
    assert report.edn_path is not None
    rejects = read_rejects(report.rejects_path)
    assert rejects == [], [(row["rule"], row["message"]) for row in rejects]
    for counts in report.types.values():
        assert counts.read == counts.written + counts.rejected_total + counts.merged
    rows = [row_from_value(entry.value) for entry in DocumentReader(report.edn_path)]
    CHECKS[index][1](rows, report)


def test_without_the_where_the_host_who_reviews_is_a_merge_conflict(tmp_path: Path):
    """What the page says happens to Anna when the reviewers' query keeps the hosts."""
    inputs, preamble, recipes = blocks()
    for name, text in inputs.items():
        (tmp_path / name).write_text(text, "utf-8")
    body = next(body for section, body in recipes if section == "One person in two roles")
    where = "WHERE reviewer_id NOT IN (SELECT host_id FROM listings)\n"
    assert where in body
    (tmp_path / "job.toml").write_text(preamble + "\n" + body.replace(where, ""), "utf-8")
    report = convert(load_job(tmp_path / "job.toml"), output_dir=tmp_path / "out")
    rejects = read_rejects(report.rejects_path)
    assert [(row["source_id"], row["rule"]) for row in rejects] == [("7", "merge-conflict")]
