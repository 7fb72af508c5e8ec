"""`migrate validate` on the command line: exit codes, text and JSON output, usage errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.rules.catalogue import RULES, example_document, write_example_marketplace

BROKEN = """{:ident :m
 :data [[[:im.image/id :image/a] #:im.image{:url "https://example.com/a b.jpg"}]
        [[:im.image/id :image/b] #:im.image{:url "https://example.com/b.jpg" :sortOrder 1.5}]]}
"""


def run(*args):
    return CliRunner().invoke(main, ["validate", *map(str, args)])


@pytest.fixture
def broken(tmp_path):
    path = tmp_path / "broken.edn"
    path.write_text(BROKEN, encoding="utf-8")
    return path


def test_official_example_passes_with_warnings(official_example):
    result = run(official_example)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == [
        f"{official_example}:7:11: warning listing-address-missing: listing has "
        ":im.listing/location but no :im.listing/publicData location.address: the web template "
        "shows the address beside the map [row 0 :listing/rock-sauna]",
        f"{official_example}:10:13: warning listing-public-data-incomplete: :im.listing/publicData "
        "lacks listingType, transactionProcessAlias, unitType: the web template needs them to "
        "show the listing [row 0 :listing/rock-sauna]",
    ]
    assert lines[-1] == (
        f"{official_example}: valid: 0 errors, 5 warnings in 9 rows "
        "(3 image, 1 listing, 2 review, 1 stripeAccount, 2 user)"
    )


def test_warnings_as_errors_fails(official_example):
    assert run(official_example, "--warnings-as-errors").exit_code == 1


def test_errors_exit_1_with_one_line_per_finding_and_a_summary(broken):
    result = run(broken, "--max-examples", "1")
    assert result.exit_code == 1
    assert result.output.splitlines()[:4] == [
        f"{broken}:2:9: warning image-unreferenced: image (row 0) is neither a listing image "
        "(:im.image/listing) nor any user's avatar; it will be imported but never shown "
        "[row 0 :image/a]",
        f"{broken}:2:50: error url-invalid: :im.image/url must be an absolute, percent-encoded "
        'http(s) URL, found "https://example.com/a b.jpg": character " " at offset 21 must be '
        "percent-encoded [row 0 :image/a]",
        f"{broken}:3:9: warning image-unreferenced: image (row 1) is neither a listing image "
        "(:im.image/listing) nor any user's avatar; it will be imported but never shown "
        "[row 1 :image/b]",
        f"{broken}:3:89: error type-mismatch: :im.image/sortOrder must be an integer, found 1.5 "
        "(float) [row 1 :image/b]",
    ]
    assert (
        "Summary by rule:\n  image-unreferenced (warning): 2\n"
        f"    {broken}:2:9: image (row 0) is neither" in result.output
    )
    assert "  type-mismatch (error): 1\n" in result.output
    assert result.output.endswith(f"{broken}: INVALID: 2 errors, 2 warnings in 2 rows (2 image)\n")


def test_json_output_carries_the_same_findings_as_text(broken):
    text = run(broken)
    result = run(broken, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["schema_version"] == 1
    assert data["valid"] is False
    assert data["counts"]["by_severity"] == {"error": 2, "warning": 2}
    rendered = [
        f"{f['file']}:{f['line']}:{f['column']}: {f['severity']} {f['code']}: {f['message']}"
        for f in data["findings"]
    ]
    text_lines = [line.rsplit(" [row", 1)[0] for line in text.output.splitlines()[:4]]
    assert rendered == text_lines


def test_select_ignore_and_max_findings(broken):
    result = run(broken, "--select", "url-invalid", "--ignore", "image-unreferenced")
    assert result.exit_code == 1
    assert "url-invalid" in result.output and "error type-mismatch" not in result.output
    assert "image-unreferenced" not in result.output
    result = run(broken, "--max-shown", "1")
    assert "  image-unreferenced (warning): 2 (1 shown)\n" in result.output
    assert "NOTE: 1 finding not shown: at most 1 per rule are listed" in result.output
    assert result.output.endswith("INVALID: 2 errors, 2 warnings in 2 rows (2 image)\n")
    assert run(broken, "--max-findings", "1").output == result.output
    assert run(broken, "--max-shown", "all").output == run(broken).output
    bad = run(broken, "--max-shown", "many")
    assert bad.exit_code == 2 and '"many" is not a whole number or all' in bad.output
    assert run(broken, "--ignore", "url-invalid,type-mismatch").exit_code == 0


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_code_is_a_usage_error(broken, option):
    result = run(broken, option, "url-invalid,no-such-rule")
    assert result.exit_code == 2
    assert (
        f"Invalid value for '{option}': unknown rule code no-such-rule (see docs/rules.md for "
        "the list)" in result.output
    )


def test_unreadable_paths_are_usage_errors(tmp_path):
    result = run(tmp_path / "typo.edn")
    assert result.exit_code == 2
    assert result.output == f"Error: cannot read {tmp_path / 'typo.edn'}: no such file\n"
    result = run(tmp_path)
    assert result.exit_code == 2
    assert result.output == f"Error: cannot read {tmp_path}: is a directory\n"


def test_empty_file_and_syntax_error_exit_1(tmp_path):
    empty = tmp_path / "empty.edn"
    empty.write_text("", encoding="utf-8")
    result = run(empty)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"{empty}:1:1: error edn-syntax: empty document"
    cut = tmp_path / "cut.edn"
    cut.write_text(
        '{:ident :m :data [[[:im.image/id] {:im.image/url "https://e.com/a.jpg"}]', "utf-8"
    )
    result = run(cut)
    assert result.exit_code == 1
    assert "NOTE: part of the file could not be read as edn (from line 1 to the end)" in (
        result.output
    )


def test_no_progress_on_stderr_when_not_a_terminal(official_example):
    result = CliRunner().invoke(main, ["validate", str(official_example)])
    assert result.stderr == ""


def _expected_exit(rule, warnings_as_errors=False):
    # ref-unverified comes with an edn syntax error: a file not read whole never passes
    failing = rule.severity.value == "error" or rule.code == "ref-unverified"
    return 1 if failing or warnings_as_errors else 0


@pytest.mark.parametrize(
    "rule", [r for r in RULES if r.failing is not None], ids=lambda rule: rule.code
)
def test_every_rule_failing_and_fixed_file_on_the_command_line(tmp_path, rule):
    failing = tmp_path / "failing.edn"
    failing.write_text(example_document(rule.failing, rule.document_examples), "utf-8")
    market = (
        ["--marketplace", write_example_marketplace(tmp_path / "mp")] if rule.marketplace else []
    )
    result = run(failing, "--select", rule.code, *market)
    assert result.exit_code == _expected_exit(rule), result.output
    first = result.output.splitlines()[0]
    where = f"{failing}:{POSITIONS[rule.code]}" if POSITIONS[rule.code] else str(failing)
    assert first.startswith(f"{where}: {rule.severity.value} {rule.code}: ")
    fixed = tmp_path / "fixed.edn"
    fixed.write_text(example_document(rule.fixed, rule.document_examples), "utf-8")
    result = run(fixed, "--select", rule.code, "--warnings-as-errors", *market)
    assert result.exit_code == 0, result.output


# line:column of the first finding of each rule's failing example as wrapped by
# example_document (None: something missing from the document has no position).
POSITIONS: dict[str, str | None] = {
    "edn-syntax": "2:66",
    "document-not-map": "1:1",
    "document-key-unknown": "1:34",
    "ident-missing": None,
    "ident-not-keyword": "1:9",
    "data-missing": None,
    "data-not-sequence": "1:31",
    "trailing-content": "2:1",
    "row-shape": "2:9",
    "id-tuple-shape": "2:24",
    "row-type-unknown": "2:11",
    "attrs-not-map": "2:25",
    "import-id-duplicate": "3:24",
    "import-id-not-canonical": "2:24",
    "alias-invalid": "2:24",
    "alias-duplicate": "3:24",
    "attribute-required": "3:10",
    "attribute-unknown": "2:79",
    "attribute-empty": "6:115",
    "type-mismatch": "3:34",
    "enum-value": "3:85",
    "roles-invalid": "5:48",
    "integer-range": "3:124",
    "tag-unknown": "2:41",
    "instant-future": "3:31",
    "money-shape": "11:31",
    "money-negative": "11:31",
    "currency-unknown": "11:31",
    "money-precision": "11:31",
    "money-float": "11:31",
    "location-shape": "11:34",
    "location-range": "11:34",
    "email-invalid": "4:54",
    "email-shape": "4:35",
    "url-invalid": "2:41",
    "extended-data-type": "11:41",
    "extended-data-size": "11:34",
    "ref-malformed": "10:31",
    "ref-unresolved": "10:59",
    "ref-unverified": "15:59",
    "name-looks-like-contact": "6:57",
    "review-before-created": "12:9",
    "image-url-duplicate": "14:26",
    "listing-type-unknown": "10:50",
    "listing-type-mismatch": "10:120",
    "category-invalid": "10:166",
    "field-value-invalid": "10:136",
    "field-required": "10:36",
    "field-scope": "11:45",
    "field-not-applicable": "10:159",
    "public-data-key-unknown": "10:135",
    "price-currency-mismatch": "11:31",
    "price-below-minimum": "11:31",
    "listing-price-missing": "7:9",
    "user-type-unknown": "6:133",
    "user-type-missing": "6:30",
    "url-host-not-public": "2:41",
    "ref-wrong-type": "8:63",
    "email-duplicate": "9:54",
    "stripe-account-duplicate": "8:84",
    "review-listing-missing": "17:28",
    "review-listing-unexpected": "19:87",
    "review-self": "7:9",
    "avatar-shared": "12:118",
    "image-unreferenced": "7:9",
    "roles-incomplete": "5:27",
    "listing-no-author": "2:9",
    "listing-public-data-incomplete": "10:36",
    "listing-address-missing": "11:34",
}


def test_credentials_in_image_urls_are_never_printed(tmp_path):
    path = tmp_path / "secret.edn"
    path.write_text(
        "{:ident :m :data [[[:im.image/id :image/a] #:im.image{:url "
        '"https://bob:hunter2@img.example.com/a.jpg?X-Amz-Signature=abc123&w=2"}]]}',
        encoding="utf-8",
    )
    for args in ([], ["--format", "json"]):
        result = run(path, *args)
        assert result.exit_code == 1
        assert "hunter2" not in result.output and "abc123" not in result.output
    text = run(path).output
    assert (
        'found "https://bob:***@img.example.com/a.jpg?X-Amz-Signature=***&w=2": it holds a user '
        "name or password before the host; the image must be public"
    ) in text
