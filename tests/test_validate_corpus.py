"""Corpus of verdicts (tomli style): each ``tests/data/validate/NAME.edn`` is the official example
with one mutation, and ``NAME.findings`` pins every finding it must give, one per line as
``migrate validate`` prints it, without the file name: ``LINE:COLUMN: severity code: message
[row N label]`` (the example's own warnings left out). An empty
``.findings`` file pins a file that must pass.

The classes of wrong verdicts found by an adversarial corpus (issue 12): non-canonical UUIDs in
references, image URLs in upper case or on hosts that are not public, non-ASCII emails, syntax
errors that stopped the check and caused false unresolved references, "did you mean" pointing
at the wrong place, identifiers cut off in messages, ``##NaN``/``##Inf`` values in money,
locations, ratings and extended data (more in tests/test_validate_values.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from migrate.cli.validate_cmd import finding_line
from migrate.validate import validate_file

CORPUS = sorted((Path(__file__).parent / "data" / "validate").glob("*.edn"))
NOW = datetime(2026, 1, 1, tzinfo=UTC)
# The official example's own findings, present in every mutation of it.
BASELINE = {"listing-address-missing", "listing-public-data-incomplete", "review-before-created"}


def test_the_corpus_is_there():
    assert len(CORPUS) >= 17


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.stem)
def test_verdict(path):
    report = validate_file(path, now=NOW, max_shown=None)
    found = [
        finding_line(finding).removeprefix(f"{path}:")
        for finding in report.findings
        if finding.code not in BASELINE
    ]
    expected = path.with_suffix(".findings").read_text("utf-8").splitlines()
    assert found == expected
    assert report.valid == (not any(" error " in line for line in expected))
