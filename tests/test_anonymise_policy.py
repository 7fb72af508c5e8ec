"""The anonymisation policy (migrate/anonymise/policy.py) and its generated documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate import schemas
from migrate.anonymise.docs import anonymise_reference
from migrate.anonymise.policy import (
    ACTIONS,
    DEFAULT_RULES,
    RULES,
    default_policy,
    load_policy,
)
from migrate.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def _leaf_attributes():
    for row_type in schemas.load().types:
        for attribute in schemas.all_attributes(row_type):
            if attribute.kind != "map":
                yield attribute


def test_every_schema_attribute_has_exactly_one_rule():
    keys = [attribute.key.text for attribute in _leaf_attributes()]
    assert sorted(keys) == sorted(rule.key for rule in DEFAULT_RULES)


def test_defaults_are_allowed_and_required_attributes_cannot_be_dropped():
    by_key = {attribute.key.text: attribute for attribute in _leaf_attributes()}
    for rule in DEFAULT_RULES:
        assert rule.default in rule.allowed, rule.key
        assert set(rule.allowed) <= set(ACTIONS), rule.key
        if by_key[rule.key].required:
            assert "drop" not in rule.allowed, rule.key


def test_personal_attributes_are_never_kept_by_default():
    for key in (
        "im.email/address",
        "im.userProfile/firstName",
        "im.userProfile/lastName",
        "im.userProfile/displayName",
        "im.userProfile/bio",
        "im.userProfile/protectedData",
        "im.userProfile/privateData",
        "im.stripeAccount/stripeAccountId",
    ):
        assert "keep" not in RULES[key].allowed, key


def test_a_policy_file_overrides_attributes_keys_and_radius(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(
        '[attributes]\n"im.listing/title" = "keep"\n"im.userProfile/privateData" = "fake"\n'
        '[extended_data."im.listing/publicData"]\nphone = "drop"\n'
        "[location]\nradius_m = 250\n"
    )
    policy = load_policy(path)
    assert policy.action("im.listing/title") == "keep"
    assert policy.action("im.userProfile/privateData") == "fake"
    assert policy.action("im.listing/description") == "scrub"
    assert policy.key_actions("im.listing/publicData") == {"location": "fake", "phone": "drop"}
    assert policy.location_radius_m == 250.0
    assert default_policy().action("im.userProfile/protectedData") == "drop"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[attributes]\n"im.userProfile/frstName" = "fake"\n',
            '[attributes] unknown attribute "im.userProfile/frstName"; '
            'did you mean "im.userProfile/firstName"?',
        ),
        (
            '[atributes]\n"im.listing/title" = "keep"\n',
            'unknown section "atributes"; did you mean "attributes"?',
        ),
        (
            '[attributes]\n"im.userProfile/firstName" = "keep"\n',
            '[attributes] "im.userProfile/firstName": action "keep" is not allowed; use "fake"',
        ),
        (
            '[attributes]\n"im.listing/title" = "hide"\n',
            '[attributes] "im.listing/title": action "hide" is not allowed; '
            'use "keep", "scrub" or "fake"',
        ),
        (
            '[extended_data."im.listing/pubicData"]\nphone = "drop"\n',
            '[extended_data] unknown extended-data attribute "im.listing/pubicData"; '
            'did you mean "im.listing/publicData"?',
        ),
        (
            '[extended_data."im.listing/publicData"]\nphone = "remove"\n',
            '[extended_data."im.listing/publicData"] "phone": unknown action "remove"; '
            'use "keep", "fake", "scrub" or "drop"',
        ),
        (
            "[location]\nradius = 5\n",
            'unknown setting in [location] "radius"; did you mean "radius_m"?',
        ),
        (
            "[location]\nradius_m = -5\n",
            "[location] radius_m must be a number of metres above 0 and at most 100000",
        ),
        (
            "[attributes\n",
            "not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 12)",
        ),
    ],
)
def test_policy_errors_name_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_missing_policy_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"cannot read policy file .*nope\.toml: No such file"):
        load_policy(tmp_path / "nope.toml")


def test_docs_list_every_rule_and_are_up_to_date():
    text = anonymise_reference()
    for rule in DEFAULT_RULES:
        assert f"| `:{rule.key}` | {rule.default} | {', '.join(rule.allowed)} |" in text
    committed = (ROOT / "docs" / "anonymise.md").read_text("utf-8")
    assert committed == text, "docs/anonymise.md is stale: run python -m migrate.docs"


def test_placeholder_settings_are_read_and_checked(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("[placeholders]\nshare = 0.8\nmin_users = 25\n")
    rule = load_policy(path).placeholders
    assert (rule.share, rule.min_users) == (0.8, 25)
    path.write_text("[placeholders]\nshare = 1.5\n")
    with pytest.raises(ConfigError, match=r"\[placeholders\] share must be a number above 0"):
        load_policy(path)


def test_shared_values_and_values_without_letters_are_placeholders():
    from migrate.anonymise.personal import PersonalValues, PlaceholderRule
    from migrate.edn.values import Keyword as K
    from migrate.edn.values import Row

    personal = PersonalValues()
    for number in range(20):
        profile = {
            K("im.userProfile/firstName"): f"Person{number}" if number % 4 else "Guest",
            K("im.userProfile/lastName"): "Smith" if number < 12 else "-",
        }
        personal.add(number, Row(K("im.user/id"), None, None, {K("im.user/profile"): profile}))
    found = personal.placeholders(PlaceholderRule(share=0.5, min_users=10))
    last = found[K("im.userProfile/lastName")]
    assert set(last) == {"smith", "-"}  # 12 of 20 share Smith; "-" has no letters
    assert last["smith"].share == 0.6
    assert K("im.userProfile/firstName") not in found  # Guest: 5 of 20, under the share
    first, last_words, _pairs, _per_user = personal.name_parts(found)
    assert "smith" not in last_words and "guest" in first
