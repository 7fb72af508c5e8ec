"""The anonymiser on a generated export shaped like a real short-term-rental marketplace.

The corpus (tests/anonymise_corpus.py) has thousands of one-time reviewers, hosts whose names
appear in review texts in possessive and plural forms, users called Will, Love or And, image
URLs holding source ids and a constant placeholder last name (issue 13).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from anonymise_corpus import PLACEHOLDER_LAST_NAME, generate, measure, urls_with_source_ids
from click.testing import CliRunner

from migrate.anonymise import OutputLeaks, anonymise, render_text
from migrate.cli import main
from migrate.edn.reader import DocumentReader
from migrate.edn.rows import row_from_value
from migrate.edn.values import Keyword
from migrate.validate import validate_file

K = Keyword
SEED = "corpus-seed"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("corpus") / "rentals.edn", seed=1)


@pytest.fixture(scope="module")
def subset(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("subset") / "dev.edn"
    report = anonymise(corpus.path, out, ident=":rentals-dev", sample_users=30, seed=SEED)
    return out, report


def _rows(path: Path):
    return [row_from_value(entry.value) for entry in DocumentReader(path)]


def test_the_corpus_is_deterministic_and_seeded(corpus, tmp_path):
    again = generate(tmp_path / "again.edn", seed=1)
    other = generate(tmp_path / "other.edn", seed=2)
    assert again.path.read_bytes() == corpus.path.read_bytes()
    assert other.path.read_bytes() != corpus.path.read_bytes()
    assert len(corpus.guests) == 2400 and len(corpus.hosts) == 40
    assert validate_file(corpus.path).errors == 0


def test_the_default_30_user_subset_keeps_reviews_of_both_types(subset):
    out, report = subset
    assert validate_file(out).errors == 0
    assert report.strategy == "shape"
    assert report.rows_out["user"] == 30
    assert report.rows_out["review"] >= 10
    assert report.review_types_out["ofProvider"] >= 5
    assert report.review_types_out["ofCustomer"] >= 1
    assert report.rows_out["listing"] >= 2 and report.rows_out["image"] >= 4


def test_no_name_survives_and_prose_stays(corpus, subset):
    out, _report = subset
    damage = measure(corpus, out, SEED)
    assert damage.texts >= 10 and damage.names >= 10
    assert damage.names_surviving == 0
    assert damage.prose_words >= 200
    assert damage.prose_share < 0.01


def test_on_the_whole_corpus_no_name_survives_and_under_1_percent_of_prose_changes(
    corpus, tmp_path
):
    out = tmp_path / "all.edn"
    report = anonymise(corpus.path, out, ident=":rentals-dev", seed=SEED)
    damage = measure(corpus, out, SEED)
    assert damage.names > 3000 and damage.prose_words > 50_000
    assert damage.names_surviving == 0
    assert damage.prose_share < 0.01
    # The report's own count: only name words were replaced, and few of all words.
    assert report.scrub["names"] <= damage.names + damage.prose_changed
    assert report.prose_changed < 0.06


def test_no_source_id_in_any_url_or_text(corpus, subset):
    out, report = subset
    assert urls_with_source_ids(corpus, out) == 0
    text = out.read_text("utf-8")
    numbers = {int(run) for run in re.findall(r"(?<!\d)\d{5,}(?!\d)", text)}
    assert numbers & corpus.source_ids == set()
    assert report.scrub["source_ids"] >= 2  # "Listing #3820004" and publicData legacyId
    listing = next(row for row in _rows(out) if row.row_type == "listing")
    legacy = listing.attrs[K("im.listing/publicData")][K("legacyId")]
    assert isinstance(legacy, int) and len(str(legacy)) == 7 and legacy not in corpus.source_ids


def test_emails_count_1_to_30_in_output_order(subset):
    out, report = subset
    numbers = [
        int(re.fullmatch(r"admin\+(\d+)@example\.com", address).group(1))
        for row in _rows(out)
        if row.row_type == "user"
        for address in [row.attrs[K("im.user/primaryEmail")][K("im.email/address")]]
    ]
    assert numbers == list(range(1, 31))
    assert report.emails == ("admin+1@example.com", "admin+30@example.com")


def test_the_placeholder_last_name_is_kept_and_reported(subset):
    out, report = subset
    last_names = {
        row.attrs[K("im.user/profile")][K("im.userProfile/lastName")]
        for row in _rows(out)
        if row.row_type == "user"
    }
    assert last_names == {PLACEHOLDER_LAST_NAME}
    assert report.placeholders == (("im.userProfile/lastName", 1.0),)
    assert (
        "placeholders kept as they are (not personal data): :im.userProfile/lastName "
        "(shared by 100% of users)"
    ) in render_text(report).splitlines()


def test_the_report_and_leak_check_hold_counts_only(corpus, subset):
    _out, report = subset
    assert report.leaks["found"] == dict.fromkeys(report.leaks["found"], 0)
    assert report.leaks["checked"]["names"] > 100 and report.leaks["checked"]["emails"] == 2440
    text = render_text(report) + str(report.to_dict())
    folded = text.casefold()
    distinctive = {name for name in corpus.first_names if len(name) >= 4}
    assert [name for name in distinctive if re.search(rf"\b{name.casefold()}\b", folded)] == []
    assert "@example.org" not in text and "3820" not in text


def test_same_seed_same_bytes_another_seed_other_fakes(corpus, subset, tmp_path):
    out, _ = subset
    again, other = tmp_path / "again.edn", tmp_path / "other.edn"
    anonymise(corpus.path, again, ident=":rentals-dev", sample_users=30, seed=SEED)
    anonymise(corpus.path, other, ident=":rentals-dev", sample_users=30, seed="another")
    assert again.read_bytes() == out.read_bytes()

    def first_names(path: Path) -> set[str]:
        return {
            row.attrs[K("im.user/profile")][K("im.userProfile/firstName")]
            for row in _rows(path)
            if row.row_type == "user"
        }

    assert len(first_names(out) & first_names(other)) <= 3


def test_kept_image_urls_are_counted_in_a_warning(corpus, tmp_path):
    out = tmp_path / "dev.edn"
    result = CliRunner().invoke(
        main,
        [
            "anonymise",
            str(corpus.path),
            "-o",
            str(out),
            "--ident",
            ":rentals-dev",
            "--sample-users",
            "30",
            "--seed",
            SEED,
            "--keep-image-urls",
        ],
    )
    assert result.exit_code == 0, result.output
    images = sum(row.row_type == "image" for row in _rows(out))
    assert images and urls_with_source_ids(corpus, out) == images
    assert result.stderr == (
        f"Warning: image URLs kept as they are: {images} of {images} contain a run of 5 or more "
        "digits equal to a source id (a link back to the live data); leave out "
        "--keep-image-urls to replace them\n"
    )
    assert "Warning" not in result.stdout


def test_a_policy_that_keeps_names_fails_the_leak_check_and_writes_nothing(corpus, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('[attributes]\n"im.review/content" = "keep"\n')
    out = tmp_path / "dev.edn"
    with pytest.raises(OutputLeaks) as caught:
        anonymise(corpus.path, out, ident=":dev", sample_users=30, seed=SEED, policy=policy)
    message = str(caught.value)
    assert re.fullmatch(
        r"the anonymised output still holds personal data of the input \(names \d+\); "
        rf"nothing was written to {re.escape(str(out))}\. Check the policy for attributes "
        r"kept as they are",
        message,
    ), message
    assert caught.value.leaks.found["names"] >= 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policy.toml"]

    result = CliRunner().invoke(
        main,
        [
            "anonymise",
            str(corpus.path),
            "-o",
            str(out),
            "--ident",
            ":dev",
            "--sample-users",
            "30",
            "--seed",
            SEED,
            "--policy",
            str(policy),
        ],
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: the anonymised output still holds personal data")
    assert result.output.count("\n") == 1
    assert not out.exists()
