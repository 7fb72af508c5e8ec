"""validate_file: whole files through reader, rule engine and report."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import migrate.validate as validate
from migrate.validate import validate_file

NOW = datetime(2026, 1, 1, tzinfo=UTC)

USER = """[[:im.user/id :user/{name}]
 #:im.user{{:createdAt #inst "2020-01-01T00:00:00Z"
            :primaryEmail {{:im.email/address "{name}@example.com" :im.email/verified true}}
            :role [:user.role/customer :user.role/provider]
            :profile {{:im.userProfile/firstName "A" :im.userProfile/lastName "B"}}}}]"""


def write(tmp_path, text, name="data.edn"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def found(report):
    return [(f.code, f.line, f.column) for f in report.findings]


def test_official_example_has_no_errors(official_example):
    report = validate_file(official_example, now=NOW)
    assert report.valid
    assert report.errors == 0
    assert report.counts_by_code == {
        "listing-address-missing": 1,
        "listing-public-data-incomplete": 1,
        # the spec's own example dates both reviews before their authors signed up
        "review-before-created": 3,
    }
    assert report.rows_checked == {
        "image": 3,
        "listing": 1,
        "review": 2,
        "stripeAccount": 1,
        "user": 2,
    }
    assert not report.syntax_error and report.not_shown == {}


TEN_FAULTS = """{:ident :m
 :data [[[:im.user/id :user/jane]
          #:im.user{:createdAt #inst "2020-01-01T00:00:00Z"
                    :primaryEmail {:im.email/address "jane@example" :im.email/verified 1}
                    :role [:user.role/customer :user.role/boss]
                    :profile {:im.userProfile/firstName ""
                              :im.userProfile/lastName "Doe"}}]
        [[:im.listing/id :sauna]
          #:im.listing{:createdAt #inst "2020-01-01T00:00:00Z"
                       :title "Sauna" :state :listing.state/open
                       :price #im/money [10.123M "EUR"]
                       :location #im/location [91 0]
                       :author #im/ref :user/nobody
                       :currentStock -1}]]}
"""


def test_ten_different_faults_are_all_reported_in_one_run(tmp_path):
    report = validate_file(write(tmp_path, TEN_FAULTS), now=NOW)
    assert [(f.code, f.line, f.column) for f in report.findings if f.is_error] == [
        ("email-invalid", 4, 54),
        ("type-mismatch", 4, 88),
        ("enum-value", 5, 48),
        ("attribute-empty", 6, 57),
        ("alias-invalid", 8, 26),
        ("enum-value", 10, 46),
        ("money-precision", 11, 31),
        ("location-range", 12, 34),
        ("ref-unresolved", 13, 32),
        ("integer-range", 14, 38),
    ]
    assert report.errors == 10
    assert not report.valid


def test_one_broken_row_in_the_middle_does_not_hide_the_others(tmp_path):
    text = (
        "{:ident :m :data [\n"
        + USER.format(name="a")
        + "\n[[:im.review/id] #:im.review{:type :review.type/ofProvider :state :public\n"
        + '  :rating 9 :content "" :author #im/ref :user/a :subject #im/ref :user/a}]\n'
        + USER.format(name="b").replace('"b@example.com"', '"a@example.com"')
        + "]}"
    )
    report = validate_file(write(tmp_path, text), now=NOW)
    assert [(f.code, f.line, f.column, f.row_index) for f in report.findings] == [
        ("review-self", 7, 1, 1),
        ("attribute-required", 7, 18, 1),
        ("review-listing-missing", 7, 36, 1),
        ("enum-value", 7, 67, 1),
        ("integer-range", 8, 11, 1),
        ("attribute-empty", 8, 22, 1),
        ("email-duplicate", 11, 46, 2),
    ]
    assert report.rows_checked == {"review": 1, "user": 2}


def test_file_cut_off_mid_row_reports_syntax_error_and_earlier_rows(tmp_path):
    text = (
        "{:ident :m :data [\n"
        + USER.format(name="a").replace('firstName "A"', 'firstName ""')
        + '\n[[:im.listing/id :listing/x] #:im.listing{:createdAt #inst "2020-01-01T00:00:00Z" :ti'
    )
    report = validate_file(write(tmp_path, text), now=NOW)
    assert [(f.code, f.line, f.column, f.message) for f in report.findings] == [
        ("attribute-empty", 6, 49,
         ':im.userProfile/firstName must not be empty, found "": give it a value'),
        ("edn-syntax", 7, 86, "unterminated map starting at 7:42"),
    ]  # fmt: skip
    assert report.syntax_error and not report.valid
    assert report.notes == (
        "part of the file could not be read as edn (from line 7 to the end): rows there were "
        "not checked, and references to rows not found are reported as ref-unverified, not "
        "ref-unresolved, since they may point into the unread part",
    )


def test_empty_file_is_a_syntax_error(tmp_path):
    report = validate_file(write(tmp_path, ""), now=NOW)
    assert [(f.code, f.line, f.column, f.message) for f in report.findings] == [
        ("edn-syntax", 1, 1, "empty document")
    ]


def test_max_shown_limits_what_is_kept_per_rule_never_what_is_checked(tmp_path):
    rows = "\n".join(
        f'[[:im.image/id :image/i{n}] #:im.image{{:url "ftp://x/{n}"}}]' for n in range(50)
    )
    report = validate_file(write(tmp_path, "{:ident :m :data [" + rows + "]}"), max_shown=5)
    assert report.counts_by_code == {"image-unreferenced": 50, "url-invalid": 50}
    assert report.errors == 50 and report.warnings == 50
    assert [f.code for f in report.findings].count("url-invalid") == 5
    assert len(report.findings) == 10
    assert report.not_shown == {"image-unreferenced": 45, "url-invalid": 45}
    assert report.notes[0] == (
        "90 findings not shown: at most 5 per rule are listed (the whole file was checked and "
        "the counts are complete; raise --max-shown to see more)"
    )
    assert validate_file(write(tmp_path, "{:ident :m :data [" + rows + "]}"), max_findings=5) == (
        report
    )


def test_a_file_with_warnings_only_passes_whatever_the_limit(tmp_path):
    # 6 unreferenced images (warnings), then an error: the limit never hides it.
    images = "\n".join(
        f'[[:im.image/id :image/i{n}] #:im.image{{:url "https://x.example/{n}.jpg"}}]'
        for n in range(6)
    )
    bad = '[[:im.image/id :image/bad] #:im.image{:url "ftp://x/bad"}]'
    path = write(tmp_path, "{:ident :m :data [" + images + "\n" + bad + "]}")
    report = validate_file(path, now=NOW, max_shown=3)
    assert report.errors == 1 and report.warnings == 7 and not report.valid
    path = write(tmp_path, "{:ident :m :data [" + images + "]}")
    report = validate_file(path, now=NOW, max_shown=0)
    assert report.findings == () and report.warnings == 6 and report.valid


def test_warnings_as_errors_and_json_report(tmp_path, official_example):
    report = validate_file(official_example, now=NOW, warnings_as_errors=True)
    assert not report.valid
    data = json.loads(report.to_json(max_examples=1))
    assert data["schema_version"] == 1
    assert data["counts"] == {
        "by_severity": {"error": 0, "warning": 5},
        "by_code": {
            "listing-address-missing": 1,
            "listing-public-data-incomplete": 1,
            "review-before-created": 3,
        },
    }
    assert [(f["code"], f["line"], f["column"]) for f in data["findings"]] == [
        ("listing-address-missing", 7, 11),
        ("listing-public-data-incomplete", 10, 13),
        ("review-before-created", 45, 1),
        ("review-before-created", 45, 1),
        ("review-before-created", 54, 1),
    ]
    assert data["summary"][0]["examples"] == [
        f"{official_example}:7:11: listing has :im.listing/location but no "
        ":im.listing/publicData location.address: the web template shows the address beside "
        "the map"
    ]


def test_select_and_ignore_on_files(tmp_path):
    path = write(tmp_path, TEN_FAULTS)
    report = validate_file(path, select=["enum-value"], now=NOW)
    assert report.counts_by_code == {"enum-value": 2}
    report = validate_file(path, ignore=["enum-value", "email-invalid"], now=NOW)
    assert "enum-value" not in report.counts_by_code
    assert report.errors == 7


def test_progress_is_reported_every_so_many_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(validate, "PROGRESS_EVERY", 2)
    rows = "\n".join(
        f'[[:im.image/id :image/i{n}] #:im.image{{:url "https://e.com/{n}.jpg"}}]' for n in range(5)
    )
    seen = []
    validate.validate_file(
        write(tmp_path, "{:ident :m :data [" + rows + "]}"), progress=seen.append
    )
    assert seen == [2, 4]


def test_unreadable_path_raises_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        validate_file(tmp_path / "missing.edn")


def test_aliases_freed_by_the_keyword_cache_are_not_confused(tmp_path, monkeypatch):
    # Regression: the keyword cache is weak and the scanner's cache tiny here, so aliases are
    # freed between rows and their id() reused; keying aliases by id() made false duplicates.
    from benchmarks.generate import generate
    from migrate.edn import _scan

    monkeypatch.setattr(_scan, "_KEYWORDS_MAX", 8)
    monkeypatch.setattr(_scan, "_KEYWORDS", {})
    path = tmp_path / "bench.edn"
    generate(path, 0.2)
    report = validate_file(path, max_findings=None)
    assert report.counts_by_code == {}
    assert sum(report.rows_checked.values()) > 500
