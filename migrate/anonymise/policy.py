"""The anonymisation policy: what happens to each attribute and extended-data key.

Every attribute of the Intermediary schema has a default action and the actions it allows:

``keep``   the value is copied unchanged;
``fake``   the value is replaced by a consistent pseudonym of the same kind;
``scrub``  personal data inside the value (emails, phone numbers, web addresses, users' names,
           personal extended-data keys) is replaced, the rest kept;
``drop``   the attribute is left out (only for optional attributes).

A policy file (TOML) overrides the defaults::

    [attributes]
    "im.listing/title" = "keep"
    "im.userProfile/protectedData" = "fake"

    [extended_data."im.listing/publicData"]
    phoneNumber = "drop"      # one top-level key of that extended-data attribute

    [location]
    radius_m = 2000           # how far listing locations move (metres)

    [placeholders]
    share = 0.5               # a profile value held by more than this share of users ...
    min_users = 10            # ... and by at least this many is a placeholder, kept as it is

Unknown sections, attributes, actions or settings are :class:`~migrate.errors.ConfigError`
naming the file and the key.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from migrate import schemas
from migrate.anonymise.personal import PlaceholderRule
from migrate.edn.show import show
from migrate.errors import ConfigError

ACTIONS = ("keep", "fake", "scrub", "drop")
EXTENDED_DATA_ACTIONS = ACTIONS
DEFAULT_LOCATION_RADIUS_M = 1000.0
_MAX_RADIUS_M = 100_000.0


@dataclass(frozen=True)
class AttributeRule:
    """The default action of one attribute, the actions it allows, and why that default."""

    key: str
    default: str
    allowed: tuple[str, ...]
    why: str


def _rule(key: str, default: str, allowed: str, why: str) -> AttributeRule:
    return AttributeRule(key, default, tuple(allowed.split()), why)


# The defaults, in schema order. The anonymiser reads only this table; docs/anonymise.md is
# generated from it (python -m migrate.anonymise.docs).
DEFAULT_RULES: tuple[AttributeRule, ...] = (
    _rule("im.listing/createdAt", "keep", "keep", "a timestamp identifies nobody on its own"),
    _rule("im.listing/title", "scrub", "keep scrub fake", "titles may name people or a phone"),
    _rule("im.listing/state", "keep", "keep", "not personal"),
    _rule("im.listing/description", "scrub", "keep scrub fake drop", "free text"),
    _rule(
        "im.listing/location",
        "fake",
        "keep fake drop",
        "a provider's listing is often at their home: moved by a random offset",
    ),
    _rule("im.listing/price", "keep", "keep drop", "not personal"),
    _rule("im.listing/currentStock", "keep", "keep drop", "not personal"),
    _rule("im.listing/author", "keep", "keep", "a reference, re-pointed at the new alias"),
    _rule(
        "im.listing/publicData",
        "scrub",
        "keep scrub fake drop",
        "shown to everyone; personal-looking values and keys scrubbed",
    ),
    _rule("im.listing/metadata", "scrub", "keep scrub fake drop", "operator data, may hold ids"),
    _rule(
        "im.email/address",
        "fake",
        "fake",
        "replaced by the --email-template address, unique per user",
    ),
    _rule("im.email/verified", "keep", "keep", "not personal"),
    _rule("im.user/role", "keep", "keep", "not personal"),
    _rule("im.user/createdAt", "keep", "keep", "a timestamp identifies nobody on its own"),
    _rule("im.userProfile/firstName", "fake", "fake", "a name"),
    _rule("im.userProfile/lastName", "fake", "fake", "a name"),
    _rule("im.userProfile/displayName", "fake", "fake drop", "usually built from the name"),
    _rule("im.userProfile/bio", "fake", "fake scrub drop", "free text about a person"),
    _rule(
        "im.userProfile/publicData",
        "scrub",
        "keep scrub fake drop",
        "shown to everyone; personal-looking values and keys scrubbed",
    ),
    _rule(
        "im.userProfile/protectedData",
        "drop",
        "fake drop",
        "typically phone numbers and addresses",
    ),
    _rule("im.userProfile/privateData", "drop", "fake drop", "private by definition"),
    _rule("im.userProfile/metadata", "scrub", "keep scrub fake drop", "operator data"),
    _rule(
        "im.userProfile/avatar",
        "fake",
        "keep fake drop",
        "profile photos show faces: fake points the profile image at a placeholder image",
    ),
    _rule(
        "im.image/url",
        "fake",
        "keep fake",
        "the source's image URLs hold its ids: fake gives --image-url-template addresses "
        "(keep, or --keep-image-urls, warns how many hold a source id)",
    ),
    _rule("im.image/listing", "keep", "keep", "a reference"),
    _rule("im.image/sortOrder", "keep", "keep drop", "not personal"),
    _rule(
        "im.stripeAccount/stripeAccountId",
        "fake",
        "fake",
        "rows kept only with --keep-stripe, as acct_test_ ids",
    ),
    _rule("im.stripeAccount/user", "keep", "keep", "a reference"),
    _rule("im.review/type", "keep", "keep", "not personal"),
    _rule("im.review/state", "keep", "keep", "not personal"),
    _rule("im.review/rating", "keep", "keep", "not personal"),
    _rule("im.review/createdAt", "keep", "keep", "a timestamp identifies nobody on its own"),
    _rule("im.review/author", "keep", "keep", "a reference"),
    _rule("im.review/subject", "keep", "keep", "a reference"),
    _rule("im.review/content", "scrub", "keep scrub fake", "free text"),
    _rule("im.review/listing", "keep", "keep", "a reference"),
)

RULES: dict[str, AttributeRule] = {rule.key: rule for rule in DEFAULT_RULES}

# Default actions for single extended-data keys, overriding their attribute's action.
DEFAULT_EXTENDED_DATA: dict[str, dict[str, str]] = {
    # The web template keeps the listing's street address here.
    "im.listing/publicData": {"location": "fake"},
}

JSON_ATTRIBUTES = frozenset(
    attribute.key.text
    for row_type in schemas.load().types
    for attribute in schemas.all_attributes(row_type)
    if attribute.kind == "json"
)


@dataclass(frozen=True)
class Policy:
    """The actions in force: defaults overridden by a policy file."""

    attributes: dict[str, str] = field(default_factory=dict)
    extended_data: dict[str, dict[str, str]] = field(default_factory=dict)
    location_radius_m: float = DEFAULT_LOCATION_RADIUS_M
    source: str | None = None
    placeholders: PlaceholderRule = field(default_factory=PlaceholderRule)

    def action(self, key: str) -> str:
        """The action for the attribute ``key`` (e.g. ``"im.listing/title"``)."""
        chosen = self.attributes.get(key)
        if chosen is not None:
            return chosen
        rule = RULES.get(key)
        # Attributes outside the schema are dropped: nothing vouches they are not personal.
        return rule.default if rule is not None else "drop"

    def key_actions(self, key: str) -> dict[str, str]:
        """Per-key actions for the extended-data attribute ``key`` (file over defaults)."""
        merged = dict(DEFAULT_EXTENDED_DATA.get(key, {}))
        merged.update(self.extended_data.get(key, {}))
        return merged


def default_policy() -> Policy:
    """The policy of a run without a policy file."""
    return Policy()


def load_policy(path: str | PathLike[str]) -> Policy:
    """Read a policy file; raises :class:`ConfigError` naming the file and the offending key."""
    where = str(path)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read policy file {where}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{where}: not valid TOML: {error}") from None
    return parse_policy(raw, where)


def parse_policy(raw: dict[str, Any], where: str = "policy") -> Policy:
    """A :class:`Policy` from the parsed TOML ``raw``; ``where`` names the file in errors."""
    _only(raw, ("attributes", "extended_data", "location", "placeholders"), where, "section")
    attributes = {}
    for key, action in _table(raw, "attributes", where).items():
        rule = RULES.get(key)
        if rule is None:
            raise ConfigError(f"{where}: [attributes] {_unknown('attribute', key, RULES)}")
        if action not in rule.allowed:
            raise ConfigError(
                f"{where}: [attributes] {show(key)}: action {show(action)} is not allowed; "
                f"use {_choices(rule.allowed)}"
            )
        attributes[key] = action
    extended: dict[str, dict[str, str]] = {}
    for container, keys in _table(raw, "extended_data", where).items():
        if container not in JSON_ATTRIBUTES:
            raise ConfigError(
                f"{where}: [extended_data] {_unknown('extended-data attribute', container, JSON_ATTRIBUTES)}"
            )
        if not isinstance(keys, dict):
            raise ConfigError(
                f'{where}: [extended_data."{container}"] must be a table of key = "action"'
            )
        for name, action in keys.items():
            if action not in EXTENDED_DATA_ACTIONS:
                raise ConfigError(
                    f'{where}: [extended_data."{container}"] {show(name)}: unknown action '
                    f"{show(action)}; use {_choices(EXTENDED_DATA_ACTIONS)}"
                )
        extended[container] = dict(keys)
    location = _table(raw, "location", where)
    _only(location, ("radius_m",), where, "setting in [location]")
    radius = location.get("radius_m", DEFAULT_LOCATION_RADIUS_M)
    if (
        isinstance(radius, bool)
        or not isinstance(radius, int | float)
        or not math.isfinite(radius)
        or not 0 < radius <= _MAX_RADIUS_M
    ):
        raise ConfigError(
            f"{where}: [location] radius_m must be a number of metres above 0 and at most "
            f"{_MAX_RADIUS_M:g}"
        )
    return Policy(attributes, extended, float(radius), where, _placeholders(raw, where))


def _placeholders(raw: dict[str, Any], where: str) -> PlaceholderRule:
    table = _table(raw, "placeholders", where)
    _only(table, ("share", "min_users"), where, "setting in [placeholders]")
    default = PlaceholderRule()
    share = table.get("share", default.share)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share < 1:
        raise ConfigError(f"{where}: [placeholders] share must be a number above 0 and below 1")
    min_users = table.get("min_users", default.min_users)
    if isinstance(min_users, bool) or not isinstance(min_users, int) or min_users < 2:
        raise ConfigError(f"{where}: [placeholders] min_users must be a whole number of 2 or more")
    return PlaceholderRule(float(share), min_users)


def _table(raw: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {show(name)} must be a table ([{name}])")
    return value


def _only(raw: dict[str, Any], known: tuple[str, ...], where: str, what: str) -> None:
    for key in raw:
        if key not in known:
            raise ConfigError(f"{where}: {_unknown(what, key, known)}")


def _unknown(what: str, key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    hint = f"; did you mean {show(close[0])}?" if close else ""
    return f"unknown {what} {show(key)}{hint}"


def _choices(actions: tuple[str, ...]) -> str:
    quoted = [f"{show(action)}" for action in actions]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
