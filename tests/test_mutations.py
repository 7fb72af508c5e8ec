"""Single-fault mutations of the official example, each caught by the right rule.

Every mutation is one text edit of samples/official-example.edn. The test asserts that the
errors reported are exactly the expected error codes (a fault may imply a second, stated one),
that every expected warning is reported, and that the unmutated file has no errors at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from migrate.rules import SEVERITY, Severity
from migrate.validate import validate_file

OFFICIAL_EXAMPLE = Path(__file__).resolve().parent.parent / "samples" / "official-example.edn"

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ORIGINAL = OFFICIAL_EXAMPLE.read_text("utf-8")
LISTING_UUID = "b074e697-ab0c-4746-a195-c58d73606b1f"
STRIPE = '[[:im.stripeAccount/id]\n#:im.stripeAccount{:stripeAccountId "a_stripe_id"\n:user #im/ref :user/john}]'
PROVIDER_LISTING = ":subject #im/ref :user/john\n:listing #im/ref :listing/rock-sauna}]"

# (id, old text, new text, expected codes); old must occur in the file, the first one is edited.
MUTATIONS = [
    ("ident-string", ":ident :marketplace-ident", ':ident "marketplace-ident"', {"ident-not-keyword"}),
    ("ident-removed", "{:ident :marketplace-ident\n", "{", {"ident-missing"}),
    ("data-renamed", ":data [[[", ":rows [[[", {"data-missing", "document-key-unknown"}),
    ("extra-key", "]]}\n", "]] :version 2}\n", {"document-key-unknown"}),
    ("trailing", "]]}\n", "]]}\n{:ident :x :data []}\n", {"trailing-content"}),
    ("cut-off", "]]}\n", "]\n", {"edn-syntax"}),
    ("data-map", ":data [[[:im.listing/id", ":data {[[:im.listing/id", {"edn-syntax"}),
    ("uuid-uppercase", f'#uuid "{LISTING_UUID}" :listing', f'#uuid "{LISTING_UUID.upper()}" :listing',
     {"import-id-not-canonical"}),
    ("uuid-duplicate", "58afd8e1-e336-4ca4-a1e7-ff1d91856a6c", "8bc7c21d-58f0-412d-8b89-be993893a356",
     {"import-id-duplicate"}),
    ("alias-duplicate", '"58afd8e1-e336-4ca4-a1e7-ff1d91856a6c"]', '"58afd8e1-e336-4ca4-a1e7-ff1d91856a6c" :avatar/john]',
     {"alias-duplicate"}),
    ("alias-no-namespace", "[[:im.stripeAccount/id]", "[[:im.stripeAccount/id :stripe]", {"alias-invalid"}),
    ("id-tuple-string", "[[:im.stripeAccount/id]", '[[:im.stripeAccount/id "acct"]', {"id-tuple-shape"}),
    ("row-type-unknown", "[[:im.stripeAccount/id]", "[[:im.stripe/id]", {"row-type-unknown"}),
    ("attrs-vector", STRIPE, '[[:im.stripeAccount/id] [:im.stripeAccount/stripeAccountId "a"]]', {"attrs-not-map"}),
    ("row-three-elements", ":user #im/ref :user/john}]", ":user #im/ref :user/john} 3]", {"row-shape"}),
    ("title-removed", ':title "A solid rock sauna"\n', "", {"attribute-required"}),
    ("last-name-removed", ':im.userProfile/lastName "Doe"\n', "", {"attribute-required"}),
    ("content-removed", ':content "Great customer!"\n', "", {"attribute-required"}),
    ("stock-renamed", ":currentStock 5", ":stock 5", {"attribute-unknown"}),
    ("profile-key-typo", ":im.userProfile/bio", ":im.userProfile/biography", {"attribute-unknown"}),
    ("description-empty", ':description "A very nice', ':description "" :x "A very nice', {"attribute-empty", "attribute-unknown"}),
    ("display-name-blank", ':im.userProfile/displayName "Jane D"', ':im.userProfile/displayName "   "', {"attribute-empty"}),
    ("bio-nil", ':im.userProfile/bio "He', ':im.userProfile/bio nil :im.userProfile/x "He', {"attribute-empty", "attribute-unknown"}),
    ("public-data-empty", "{ :premiumAccount true }", "{}", {"attribute-empty"}),
    ("created-string", ':createdAt #inst "2018-01-06T00:10:10Z"', ':createdAt "2018-01-06"', {"type-mismatch"}),
    ("verified-string", ":im.email/verified true}", ':im.email/verified "true"}', {"type-mismatch"}),
    ("title-number", ':title "A solid rock sauna"', ":title 42", {"type-mismatch"}),
    ("sort-order-float", ":sortOrder 1", ":sortOrder 1.0", {"type-mismatch"}),
    ("rating-boolean", ":rating 5", ":rating true", {"type-mismatch"}),
    ("profile-vector", ":profile {:im.userProfile/firstName \"Jane\"", ":profile [:im.userProfile/firstName \"Jane\"", {"edn-syntax"}),
    ("listing-state", ":listing.state/pendingApproval", ":listing.state/pending", {"enum-value"}),
    ("review-type-string", ":type :review.type/ofCustomer", ':type "ofCustomer"', {"enum-value"}),
    ("review-state", ":state :review.state/public", ":state :review.state/published", {"enum-value"}),
    ("role-unknown", ":role [:user.role/customer :user.role/provider]", ":role [:user.role/customer :user.role/admin]", {"enum-value"}),
    ("role-duplicate", ":role [:user.role/customer :user.role/provider]", ":role [:user.role/provider :user.role/provider]", {"roles-invalid", "roles-incomplete"}),
    ("role-set", ":role [:user.role/customer :user.role/provider]", ":role #{:user.role/customer :user.role/provider}", {"roles-invalid"}),
    ("rating-six", ":rating 5", ":rating 6", {"integer-range"}),
    ("stock-negative", ":currentStock 5", ":currentStock -5", {"integer-range"}),
    ("money-one-element", '#im/money [12.12M "EUR"]', "#im/money [12.12M]", {"money-shape"}),
    ("money-negative", '[12.12M "EUR"]', '[-12.12M "EUR"]', {"money-negative"}),
    ("currency-unknown", '"EUR"', '"EURO"', {"currency-unknown"}),
    ("money-precision", '12.12M "EUR"', '12.12M "JPY"', {"money-precision"}),
    ("money-float", '12.12M "EUR"', '12.12 "EUR"', {"money-float"}),
    ("location-one", "#im/location [23.12 21.21]", "#im/location [23.12]", {"location-shape"}),
    ("location-range", "#im/location [23.12 21.21]", "#im/location [123.12 21.21]", {"location-range"}),
    ("email-double-at", "foo@sharetribe.com", "foo@@sharetribe.com", {"email-invalid"}),
    ("email-no-verified", '"foo@sharetribe.com"\n:im.email/verified true}', '"foo@sharetribe.com"}', {"email-shape"}),
    ("email-extra-key", ":im.email/verified true}", ":im.email/verified true :im.email/primary true}", {"email-shape"}),
    ("url-space", "path/to/img1.jpg", "path/to/img 1.jpg", {"url-invalid"}),
    ("url-relative", "https://asset-url.someservice.com/path/to/img2.jpg", "asset-url.someservice.com/path/to/img2.jpg", {"url-invalid"}),
    ("url-non-ascii", "path/to/avatar.jpg", "path/to/avatär.jpg", {"url-invalid"}),
    ("public-data-set", ':amenities ["sauna" "pool"]', ':amenities #{"sauna" "pool"}', {"extended-data-type"}),
    ("public-data-keyword", "{ :premiumAccount true }", "{ :premiumAccount :yes }", {"extended-data-type"}),
    ("public-data-inst", "{ :premiumAccount true }", '{ :premiumAccount #inst "2020-01-01T00:00:00Z" }', {"extended-data-type"}),
    ("public-data-huge", ':categoryLevel1 "rock"', ':categoryLevel1 "' + "r" * 52000 + '"', {"extended-data-size"}),
    ("tag-unknown", ':title "A solid rock sauna"', ':title #my/text "A solid rock sauna"', {"tag-unknown"}),
    ("ref-string", ":author #im/ref :user/john}", ':author #im/ref "john"}', {"ref-malformed"}),
    ("ref-unresolved-alias", ":subject #im/ref :user/jane}", ":subject #im/ref :user/janet}", {"ref-unresolved"}),
    ("ref-unresolved-uuid", f'#im/ref [:im.listing/id #uuid "{LISTING_UUID}"]',
     '#im/ref [:im.listing/id #uuid "00000000-0000-4000-8000-000000000000"]', {"ref-unresolved"}),
    ("ref-wrong-type-alias", ":author #im/ref :user/john}", ":author #im/ref :avatar/john}", {"ref-wrong-type"}),
    ("ref-wrong-type-image", ":listing #im/ref :listing/rock-sauna}]", ":listing #im/ref :user/jane}]", {"ref-wrong-type"}),
    ("ref-wrong-type-uuid", f'#im/ref [:im.listing/id #uuid "{LISTING_UUID}"]', f'#im/ref [:im.user/id #uuid "{LISTING_UUID}"]',
     {"ref-wrong-type"}),
    ("email-duplicate", "bar@sharetribe.com", "FOO@sharetribe.com", {"email-duplicate"}),
    ("stripe-duplicate", STRIPE, STRIPE + "\n" + STRIPE, {"stripe-account-duplicate"}),
    ("provider-no-listing", PROVIDER_LISTING, ":subject #im/ref :user/john}]", {"review-listing-missing"}),
    ("customer-with-listing", ":type :review.type/ofProvider", ":type :review.type/ofCustomer", {"review-listing-unexpected"}),
    ("created-future", ':createdAt #inst "2018-01-06T00:10:10Z"', ':createdAt #inst "2999-01-06T00:10:10Z"', {"instant-future"}),
    ("self-review", ":author #im/ref :user/john\n:subject #im/ref :user/jane", ":author #im/ref :user/jane\n:subject #im/ref :user/jane",
     {"review-self"}),
    ("avatar-shared", ':im.userProfile/displayName "Jane D"', ':im.userProfile/displayName "Jane D" :im.userProfile/avatar #im/ref :avatar/john',
     {"avatar-shared"}),
    ("image-unreferenced", "\n:listing #im/ref [:im.listing/id", "\n:listing2 #im/ref [:im.listing/id", {"attribute-unknown", "image-unreferenced"}),
    ("roles-incomplete", ":role [:user.role/customer :user.role/provider]", ":role [:user.role/customer]", {"roles-incomplete"}),
    ("listing-no-author", "\n:author #im/ref :user/john}]", "}]", {"listing-no-author"}),
]  # fmt: skip


def test_the_official_example_has_no_errors():
    report = validate_file(OFFICIAL_EXAMPLE, now=NOW)
    assert report.errors == 0 and report.valid


def test_there_are_enough_distinct_mutations():
    assert len(MUTATIONS) >= 45
    assert len({name for name, *_ in MUTATIONS}) == len(MUTATIONS)


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"), MUTATIONS, ids=[m[0] for m in MUTATIONS]
)
def test_mutation_is_flagged_by_its_rule(tmp_path, name, old, new, expected):
    assert old in ORIGINAL, f"mutation {name}: {old!r} is not in the official example"
    path = tmp_path / "mutated.edn"
    path.write_text(ORIGINAL.replace(old, new, 1), encoding="utf-8")
    report = validate_file(path, now=NOW)
    errors = {finding.code for finding in report.findings if finding.is_error}
    codes = set(report.counts_by_code)
    assert errors == {code for code in expected if SEVERITY[code] is Severity.ERROR}, [
        (f.code, f.line, f.column, f.message) for f in report.findings
    ]
    assert expected <= codes
    for finding in report.findings:
        # something missing from the document has no position; everything else is pinpointed
        if finding.code in expected and finding.code not in ("ident-missing", "data-missing"):
            assert finding.line is not None and finding.column is not None
