"""docs/check-images.md: generated from the checker, with every outcome and the limit's source."""

from __future__ import annotations

from conftest import ROOT

from migrate.images import outcomes as o
from migrate.images.docs import check_images_reference
from migrate.images.settings import CheckSettings
from migrate.images.verdict import Observation, judge


def test_every_outcome_has_a_row_and_the_limits_have_their_sources():
    text = check_images_reference()
    for outcome in o.OUTCOMES:
        assert f"| `{outcome.code}` | {outcome.severity.value} |" in text
    assert "**Size limit: 20,000,000 bytes.** Sharetribe Integration API reference" in text
    assert "“The maximum allowed file size is 20MB”" in text
    assert "“Images can only be uploaded as JPG, PNG, or non-animated GIF”" in text
    assert "| `per_host` | `--per-host` | 8 |" in text
    assert (ROOT / "docs" / "check-images.md").read_text("utf-8") == text


def test_documented_examples_are_the_messages_the_checker_gives():
    settings = CheckSettings()
    cases = {
        o.NOT_FOUND: Observation("u", 0, status=404),
        o.DENIED: Observation("u", 0, status=403),
        o.TOO_LARGE: Observation("u", 0, status=200, content_type="image/jpeg", size=23_068_672),
        o.NOT_AN_IMAGE: Observation(
            "u", 0, status=200, content_type="text/html; charset=utf-8", size=9
        ),
        o.SERVER_ERROR: Observation("u", 0, status=503, attempts=4),
        o.RATE_LIMITED: Observation(
            "u", 0, status=429, note="asked to retry after 3600s, more than the 60s allowed"
        ),
    }
    for code, seen in cases.items():
        verdict = judge(seen, settings)
        assert verdict.code == code
        assert verdict.message == o.BY_CODE[code].example
    webp = judge(Observation("u", 0, status=200, content_type="image/webp", size=9), settings)
    assert webp.warnings[-1] == (o.FORMAT_UNLISTED, o.BY_CODE[o.FORMAT_UNLISTED].example)
    insecure = judge(
        Observation("u", 0, status=200, content_type="image/png", size=9, insecure="u"), settings
    )
    assert insecure.warnings == ((o.INSECURE, o.BY_CODE[o.INSECURE].example),)
