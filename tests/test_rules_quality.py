"""Data-quality rules across rows: reviews older than their author or listing, and one listing
with the same image URL twice; settled whatever the order of the rows in the file."""

from __future__ import annotations

from datetime import UTC, datetime

from migrate.rules.catalogue import UJ, L, U, image, listing, review, rows, user
from migrate.validate import validate_file

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def check(tmp_path, *parts):
    path = tmp_path / "data.edn"
    path.write_text("{:ident :m\n :data [" + rows(*parts) + "]}\n", encoding="utf-8")
    return validate_file(path, now=NOW)


def messages(report, code):
    return [f.message for f in report.findings if f.code == code]


def test_a_review_before_its_listing_even_when_the_listing_comes_later(tmp_path):
    late_listing = listing().replace(
        '#inst "2020-01-01T00:00:00Z"', '#inst "2022-03-04T05:06:07.089Z"'
    )
    provider_review = review("ofProvider", " :listing #im/ref :listing/sauna", author="john")
    report = check(tmp_path, U, UJ, provider_review, late_listing)
    assert messages(report, "review-before-created") == [
        'review :im.review/createdAt #inst "2020-01-01T00:00:00Z" is earlier than '
        '#inst "2022-03-04T05:06:07.089Z", when its listing #im/ref :listing/sauna was created '
        "(row 3, line 16)"
    ]


def test_a_review_on_the_day_its_author_signed_up_is_fine(tmp_path):
    report = check(tmp_path, U, UJ, review(author="john"))
    assert "review-before-created" not in report.counts


def test_the_same_url_twice_on_one_listing_but_not_on_two(tmp_path):
    second = listing(alias="tent").replace(':title "Sauna"', ':title "Tent"')
    report = check(
        tmp_path,
        U,
        L,
        second,
        image(alias="a"),
        image(alias="b", extra=" :listing #im/ref :listing/tent"),
        image(alias="c"),
    )
    assert messages(report, "image-url-duplicate") == [
        ':im.image/url "https://example.com/a.jpg" is already the URL of another image of '
        "listing #im/ref :listing/sauna (row 3 (line 15)); the photo would be shown twice"
    ]


def test_names_are_checked_in_every_name_attribute(tmp_path):
    jane = user(profile=' :im.userProfile/displayName "jane@example.com"')
    report = check(tmp_path, jane)
    assert [f.attribute for f in report.findings if f.code == "name-looks-like-contact"] == [
        ":im.user/profile"
    ]
