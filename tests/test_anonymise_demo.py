"""The anonymiser on the converted sample marketplace (samples/csv/job.toml via convert)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from migrate.anonymise import anonymise, render_text
from migrate.anonymise.language import vocabulary
from migrate.edn.reader import DocumentReader
from migrate.edn.rows import row_from_value
from migrate.edn.values import Keyword, Row
from migrate.validate import validate_file

K = Keyword
SAMPLE_JOB = Path(__file__).resolve().parent.parent / "samples" / "csv" / "job.toml"


def _rows(path: Path) -> list[Row]:
    return [row_from_value(entry.value) for entry in DocumentReader(path)]


def _strings(value, out: list[str]) -> list[str]:
    if isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, tuple):
        for item in value:
            _strings(item, out)
    elif isinstance(value, str):
        out.append(value)
    return out


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    from migrate.convert.job import load_job
    from migrate.convert.pipeline import convert

    directory = tmp_path_factory.mktemp("demo")
    report = convert(load_job(SAMPLE_JOB), output_dir=directory)
    assert report.edn_path.exists()
    return report.edn_path


@pytest.fixture(scope="module")
def personal(converted) -> tuple[set[str], set[str]]:
    """(values that may not occur anywhere, names that may not occur as a word)."""
    anywhere: set[str] = set()
    names: set[str] = set()
    for row in _rows(converted):
        if row.row_type == "user":
            anywhere.add(row.attrs[K("im.user/primaryEmail")][K("im.email/address")])
            profile = row.attrs[K("im.user/profile")]
            for key in ("firstName", "lastName", "displayName"):
                value = profile.get(K(f"im.userProfile/{key}"))
                if value:
                    names.add(value)
            if profile.get(K("im.userProfile/bio")):
                anywhere.add(profile[K("im.userProfile/bio")])
            for key in ("protectedData", "privateData"):
                anywhere.update(_strings(profile.get(K(f"im.userProfile/{key}")), []))
        elif row.row_type == "stripeAccount":
            anywhere.add(row.attrs[K("im.stripeAccount/stripeAccountId")])
    with (SAMPLE_JOB.parent / "users.csv").open(encoding="windows-1252", newline="") as stream:
        anywhere.update(record["phone"] for record in csv.DictReader(stream) if record["phone"])
    return {v for v in anywhere if len(v) >= 4}, {v for v in names if len(v) >= 4}


def test_the_sample_export_validates_and_leaks_nothing(converted, personal, tmp_path):
    anywhere, names = personal
    out = tmp_path / "trailhop-dev.edn"
    report = anonymise(
        converted, out, ident=":trailhop-dev", sample_users=25, seed="demo", keep_stripe=True
    )
    assert validate_file(out).errors == 0
    rows = _rows(out)
    assert sum(row.row_type == "user" for row in rows) == 25
    assert report.rows_out["review"] >= 1 and report.rows_out["listing"] >= 1
    text = out.read_text("utf-8")
    assert text.startswith("{:ident :trailhop-dev\n")
    folded = (text + render_text(report)).casefold()
    assert sorted(value for value in anywhere if value.casefold() in folded) == []
    # Names are checked as words: real names hide inside ordinary words ("Arne" in "harness").
    # A name that is also a word of the language ("White", "Price", "Glass") stays in the prose
    # as that word; no other name may survive.
    words = "\n".join(string for row in rows for string in _strings(row.attrs, []))
    words = (words + "\n" + render_text(report)).casefold()
    found = [
        name for name in names if re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", words)
    ]
    known = vocabulary().known
    assert [name for name in found if name.casefold() not in known] == []


SAMPLE_JOBS = sorted(SAMPLE_JOB.parent.parent.glob("*/job.toml"))


def _types(path: Path) -> tuple[set[str], set[str]]:
    rows = _rows(path)
    review_types = {row.attrs[K("im.review/type")].name for row in rows if row.row_type == "review"}
    return {row.row_type for row in rows}, review_types


@pytest.mark.parametrize("job", SAMPLE_JOBS, ids=lambda job: job.parent.name)
def test_the_default_subset_of_every_bundled_sample_has_every_kind_of_row(job, tmp_path):
    """Whatever the sample: users, listings, images and reviews of each type the source has."""
    from migrate.convert.job import load_job
    from migrate.convert.pipeline import convert

    source = convert(load_job(job), output_dir=tmp_path).edn_path
    out = tmp_path / "dev.edn"
    report = anonymise(source, out, ident=":sample-dev", sample_users=25, seed="demo")
    assert validate_file(out).errors == 0
    types_in, reviews_in = _types(source)
    types_out, reviews_out = _types(out)
    assert types_out == types_in - {"stripeAccount"}  # Stripe rows only with --keep-stripe
    assert reviews_out == reviews_in
    assert report.strategy == "shape" and report.rows_out["user"] == 25
    assert report.leaks["found"] == dict.fromkeys(report.leaks["found"], 0)
