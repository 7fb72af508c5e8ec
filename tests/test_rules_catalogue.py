"""The rule catalogue: every example fires its rule, every fix passes, docs/rules.md is fresh."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from migrate.docs import ROOT
from migrate.rules.catalogue import RULES, example_document, example_marketplace
from migrate.rules.docs import rules_reference
from migrate.validate import validate_file

NOW = datetime(2026, 1, 1, tzinfo=UTC)
EXAMPLES = [rule for rule in RULES if rule.failing is not None]
ALL_CODES = {
    # structure
    "edn-syntax", "document-not-map", "document-key-unknown", "ident-missing",
    "ident-not-keyword", "data-missing", "data-not-sequence", "trailing-content", "row-shape",
    "id-tuple-shape", "row-type-unknown", "attrs-not-map", "import-id-duplicate",
    "import-id-not-canonical", "alias-invalid", "alias-duplicate",
    # attributes
    "attribute-required", "attribute-unknown", "attribute-empty", "type-mismatch",
    "enum-value", "roles-invalid", "integer-range", "money-shape", "money-negative",
    "currency-unknown", "money-precision", "money-float", "location-shape", "location-range",
    "email-invalid", "email-shape", "url-invalid", "url-host-not-public", "extended-data-type", "extended-data-size",
    "tag-unknown", "instant-future",
    # references and cross-row
    "ref-malformed", "ref-unresolved", "ref-unverified", "ref-wrong-type", "email-duplicate",
    "stripe-account-duplicate", "review-listing-missing", "review-listing-unexpected",
    "review-self", "avatar-shared", "image-unreferenced", "roles-incomplete",
    "listing-no-author", "listing-public-data-incomplete", "listing-address-missing",
    # data quality
    "name-looks-like-contact", "review-before-created", "image-url-duplicate",
    # against the marketplace's configuration
    "listing-type-unknown", "listing-type-mismatch", "category-invalid", "field-value-invalid",
    "field-required", "field-scope", "field-not-applicable", "public-data-key-unknown",
    "price-currency-mismatch", "price-below-minimum", "listing-price-missing",
    "user-type-unknown", "user-type-missing",
    # convert only
    "source-id-missing", "source-id-duplicate", "transform-failed", "ref-target-rejected",
    "merge-conflict", "alias-collision", "geocode-failed", "source-id-type",
    "lookup-unmatched", "lookup-ambiguous",
}  # fmt: skip


def _validate(tmp_path, text, rule):
    path = tmp_path / "example.edn"
    path.write_text(text, encoding="utf-8")
    marketplace = example_marketplace() if rule.marketplace else None
    return validate_file(path, now=NOW, marketplace=marketplace)


def test_catalogue_holds_exactly_the_agreed_codes():
    assert {rule.code for rule in RULES} == ALL_CODES
    assert len(RULES) == len(ALL_CODES)
    assert all(rule.failing is not None for rule in RULES if rule.family != "convert")


@pytest.mark.parametrize("rule", EXAMPLES, ids=lambda rule: rule.code)
def test_failing_example_fires_its_rule(tmp_path, rule):
    report = _validate(tmp_path, example_document(rule.failing, rule.document_examples), rule)
    assert rule.code in report.counts_by_code, [f.code for f in report.findings]


NEW_RULES = [
    rule
    for rule in EXAMPLES
    if rule.family in ("quality", "marketplace")
    or rule.code in ("url-host-not-public", "ref-unverified")
]


@pytest.mark.parametrize("rule", NEW_RULES, ids=lambda rule: rule.code)
def test_each_new_rule_has_a_mutation_that_adds_exactly_its_code(tmp_path, rule):
    failing = _validate(tmp_path, example_document(rule.failing, rule.document_examples), rule)
    fixed = _validate(tmp_path, example_document(rule.fixed, rule.document_examples), rule)
    added = set(failing.counts) - set(fixed.counts)
    if rule.code == "ref-unverified":
        added.discard("edn-syntax")  # it comes with the syntax error that hides the row
    assert added == {rule.code}, failing.counts


@pytest.mark.parametrize("rule", EXAMPLES, ids=lambda rule: rule.code)
def test_fixed_example_passes(tmp_path, rule):
    report = _validate(tmp_path, example_document(rule.fixed, rule.document_examples), rule)
    assert rule.code not in report.counts_by_code
    assert report.errors == 0, [(f.code, f.message) for f in report.findings]


def test_rules_md_is_generated_from_the_catalogue():
    committed = (ROOT / "docs" / "rules.md").read_text("utf-8")
    assert committed == rules_reference(), "docs/rules.md is stale; run python -m migrate.docs"


def test_rules_md_documents_every_code_with_examples():
    text = rules_reference()
    for rule in RULES:
        assert f"### `{rule.code}`\n" in text
        assert rule.why in text
    assert text.count("Failing example") == len(EXAMPLES)
    assert '…(51200 × "x")…' in text  # the 50KB example is shortened in the page
