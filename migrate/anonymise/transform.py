"""Rewriting one kept row: ids re-derived, references re-pointed, values by the policy.

Aliases and import ids are re-derived from the seeded hash (aliases often hold names, and
import ids would link the test export back to the live data); references follow, so they still
resolve. Every attribute is then kept, faked, scrubbed or dropped as the policy says. An optional
reference to a row the subset left out is dropped with it; attributes the schema does not know
are dropped (nothing vouches that they are not personal data).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migrate import schemas
from migrate.anonymise.policy import Policy
from migrate.anonymise.pseudonyms import Pseudonyms
from migrate.anonymise.scrub import Scrubber
from migrate.anonymise.subset import Graph
from migrate.edn.values import Keyword, Location, Ref, Row

_ATTRIBUTES: dict[Keyword, schemas.Attribute] = {
    attribute.key: attribute
    for row_type in schemas.load().types
    for attribute in schemas.all_attributes(row_type)
}
_EMAIL = schemas.key("im.email/address")
_FIRST = schemas.key("im.userProfile/firstName")
_LAST = schemas.key("im.userProfile/lastName")
_DISPLAY = schemas.key("im.userProfile/displayName")
_STRIPE_ID = schemas.key("im.stripeAccount/stripeAccountId")
_AVATAR = schemas.key("im.userProfile/avatar")
_URL = schemas.key("im.image/url")
_DROP = object()

IMAGE_PLACEHOLDER = "https://picsum.photos/seed/{token}/800/600"


class RowAnonymiser:
    """Turns a kept input row into its anonymised form.

    ``emails`` maps a user row's position to its pseudonymous address; ``kept`` holds the
    positions of every kept row.
    """

    def __init__(
        self,
        *,
        pseudonyms: Pseudonyms,
        scrubber: Scrubber,
        policy: Policy,
        graph: Graph,
        kept: set[int],
        emails: Mapping[int, str],
        profile_images: set[int] | None = None,
    ) -> None:
        self.ps = pseudonyms
        self.scrubber = scrubber
        self.policy = policy
        self.graph = graph
        self.kept = kept
        self.emails = emails
        self.profile_images = profile_images or set()

    def row(self, index: int, row: Row) -> Row:
        """The anonymised copy of ``row``, the input's row at position ``index``."""
        ps = self.ps
        alias = ps.alias(row.alias, row.row_type) if row.alias is not None else None
        import_id = ps.import_id(row.import_id) if row.import_id is not None else None
        context: dict[str, Any] = {"index": index}
        if row.row_type == "user":
            profile = row.attrs.get(Keyword("im.user/profile"))
            if isinstance(profile, dict):
                context["first"] = profile.get(_FIRST)
                context["last"] = profile.get(_LAST)
        attrs = self._map(row.attrs, context)
        if index in self.profile_images and self.policy.action(_AVATAR.text) == "fake":
            url = row.attrs.get(_URL)
            if isinstance(url, str):
                attrs[_URL] = IMAGE_PLACEHOLDER.format(token=ps.token("image", url))
        return Row(row.id_attr, import_id, alias, attrs)

    def _map(self, mapping: dict[Keyword, Any], context: dict[str, Any]) -> dict[Keyword, Any]:
        result: dict[Keyword, Any] = {}
        for key, value in mapping.items():
            attribute = _ATTRIBUTES.get(key) if isinstance(key, Keyword) else None
            if attribute is None:
                continue
            if attribute.kind == "map":
                new = self._map(value, context) if isinstance(value, dict) else value
            else:
                new = self._value(attribute, value, context)
            if new is not _DROP:
                result[key] = new
        return result

    def _value(self, attribute: schemas.Attribute, value: Any, context: dict[str, Any]) -> Any:
        key = attribute.key
        action = self.policy.action(key.text)
        kind = attribute.kind
        if kind == "ref":
            return _DROP if action == "drop" else self._ref(value)
        if kind == "json":
            return self._json(key.text, value)
        if action == "drop":
            return _DROP
        if action == "keep":
            return value
        ps = self.ps
        if key is _EMAIL:
            return self.emails[context["index"]]
        if key is _STRIPE_ID:
            return ps.stripe_account_id(str(value))
        if not isinstance(value, str | Location):
            return value
        if action == "scrub":
            return self.scrubber.text(value) if isinstance(value, str) else value
        if isinstance(value, Location):  # moved when it is a location, never faked as text
            return (
                ps.location(value, self.policy.location_radius_m) if kind == "location" else value
            )
        # fake
        if key is _FIRST:
            return ps.first_name(value)
        if key is _LAST:
            return ps.last_name(value)
        if key is _DISPLAY:
            first, last = context.get("first"), context.get("last")
            return ps.display_name(
                value,
                first if isinstance(first, str) else None,
                last if isinstance(last, str) else None,
            )
        if kind == "location":
            return value  # not an #im/location: left as it is, for validation to report
        if kind == "url":
            return IMAGE_PLACEHOLDER.format(token=ps.token("image", value))
        if isinstance(value, str):
            return ps.text(value) if len(value) > 60 or "\n" in value else ps.words(value)
        return value

    def _ref(self, value: Any) -> Any:
        if not isinstance(value, Ref):
            return _DROP
        target = self.graph.target(value.key)
        if target is None or target not in self.kept:
            return _DROP
        if value.alias is not None:
            return Ref.to_alias(self.ps.alias(value.alias, self.graph.nodes[target].row_type))
        return Ref.to_id(value.id_attr, self.ps.import_id(value.import_id))  # type: ignore[arg-type]

    def _json(self, key: str, value: Any) -> Any:
        action = self.policy.action(key)
        per_key = self.policy.key_actions(key)
        if not isinstance(value, dict):
            return _DROP if action == "drop" else self._apply(action, value, None)
        result = {}
        for name, item in value.items():
            text = name.name if isinstance(name, Keyword) else str(name)
            chosen = per_key.get(text, action)
            if chosen != "drop":
                result[name] = self._apply(chosen, item, text)
        return result if result else _DROP

    def _apply(self, action: str, value: Any, key: str | None) -> Any:
        if action == "scrub":
            return self.scrubber.scrub_json(value, key)
        if action == "fake":
            return self.scrubber.fake_json(value, key)
        return value
