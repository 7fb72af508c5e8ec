"""Rewriting one kept row: ids re-derived, references re-pointed, values by the policy.

Aliases and import ids are re-derived from the seeded hash (aliases often hold names, and
import ids would link the test export back to the live data); references follow, so they still
resolve. Every attribute is then kept, faked, scrubbed or dropped as the policy says. An optional
reference to a row the subset left out is dropped with it; attributes the schema does not know
are dropped (nothing vouches that they are not personal data). Placeholder values (a constant
most users share) are kept as they are.

Free text is scrubbed knowing whose text it is: the names of a review's author and subject, of a
listing's author, of a user themself are *connected* (see :mod:`migrate.anonymise.names`).

Image URLs point at the source system's image host and hold its ids; by default each becomes
the ``--image-url-template`` address (``{token}``: letters from a keyed hash of the original,
``{n}``: the image's number, 1 to N in output order), so the count and the sort order of every
listing's images stay as they were.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migrate import schemas
from migrate.anonymise.personal import Placeholder
from migrate.anonymise.policy import Policy
from migrate.anonymise.pseudonyms import Pseudonyms, normalise
from migrate.anonymise.scrub import Scrubber
from migrate.anonymise.sourceids import SourceIds
from migrate.anonymise.subset import Graph
from migrate.edn.show import show
from migrate.edn.values import Keyword, Location, Ref, Row
from migrate.errors import ConfigError

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
_PROFILE = schemas.key("im.user/profile")
_DROP = object()

DEFAULT_IMAGE_URL_TEMPLATE = "https://picsum.photos/seed/{token}/800/600"
_TEMPLATE_FIELDS = re.compile(r"\{(\w*)\}")


def check_image_url_template(template: str) -> None:
    """Raise :class:`ConfigError` unless ``template`` gives distinct http(s) image addresses."""
    fields = set(_TEMPLATE_FIELDS.findall(template))
    if not fields & {"token", "n"}:
        raise ConfigError(
            f"image URL template {show(template)} must contain {{token}} or {{n}}, "
            f"e.g. {DEFAULT_IMAGE_URL_TEMPLATE}"
        )
    try:
        example = template.format(token="abcdefghijkl", n=1)
    except (KeyError, IndexError, ValueError):
        raise ConfigError(
            f"image URL template {show(template)} may contain no placeholder other than "
            "{token} and {n}"
        ) from None
    if not re.fullmatch(r"https?://[^\s/]+\S*", example):
        raise ConfigError(f"image URL template {show(template)} does not give an http(s) URL")


@dataclass
class ImageUrls:
    """The image addresses of the export: from the template, or kept (and counted)."""

    template: str
    keep: bool
    source_ids: SourceIds
    written: int = 0
    kept: int = 0
    kept_with_ids: int = 0

    def listing_image(self, pseudonyms: Pseudonyms, original: str) -> str:
        """The URL of a listing image (kept with ``keep``, else from the template)."""
        if self.keep:
            self.kept += 1
            if self.source_ids.in_text(original):
                self.kept_with_ids += 1
            return original
        return self.generated(pseudonyms, original)

    def generated(self, pseudonyms: Pseudonyms, original: str) -> str:
        """The template's URL for the image whose original URL is ``original``."""
        self.written += 1
        token = pseudonyms.letters("image", original)
        return self.template.format(token=token, n=self.written)


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
        image_urls: ImageUrls | None = None,
        placeholders: Mapping[Keyword, Mapping[str, Placeholder]] | None = None,
        names_of: Mapping[int, frozenset[str]] | None = None,
    ) -> None:
        self.ps = pseudonyms
        self.scrubber = scrubber
        self.policy = policy
        self.graph = graph
        self.kept = kept
        self.emails = emails
        self.profile_images = profile_images or set()
        self.image_urls = image_urls or ImageUrls(
            DEFAULT_IMAGE_URL_TEMPLATE, policy.action(_URL.text) == "keep", scrubber.source_ids
        )
        self.placeholders = placeholders or {}
        self.names_of = names_of or {}

    def row(self, index: int, row: Row) -> Row:
        """The anonymised copy of ``row``, the input's row at position ``index``."""
        ps = self.ps
        alias = ps.alias(row.alias, row.row_type) if row.alias is not None else None
        import_id = ps.import_id(row.import_id) if row.import_id is not None else None
        context: dict[str, Any] = {"index": index, "connected": self._connected(index)}
        if row.row_type == "user":
            profile = row.attrs.get(_PROFILE)
            if isinstance(profile, dict):
                context["first"] = profile.get(_FIRST)
                context["last"] = profile.get(_LAST)
        attrs = self._map(row.attrs, context)
        url = row.attrs.get(_URL)
        if row.row_type == "image" and isinstance(url, str):
            avatar = self.policy.action(_AVATAR.text)
            if index in self.profile_images and avatar == "fake":
                attrs[_URL] = self.image_urls.generated(ps, url)
            else:
                attrs[_URL] = self.image_urls.listing_image(ps, url)
        return Row(row.id_attr, import_id, alias, attrs)

    def _connected(self, index: int) -> frozenset[str]:
        """The name words of the users whose text the row at ``index`` holds."""
        graph = self.graph
        node = graph.nodes[index]
        if node.row_type == "user":
            return self.names_of.get(index, frozenset())
        people: list[int | None] = []
        if node.row_type == "listing":
            people.append(graph.target(node.refs[0]))
        elif node.row_type == "review":
            people.extend(graph.target(key) for key in node.refs[:2])
            listing = graph.target(node.refs[2])
            if listing is not None:
                people.append(graph.target(graph.nodes[listing].refs[0]))
        words: frozenset[str] = frozenset()
        for person in people:
            if person is not None:
                words |= self.names_of.get(person, frozenset())
        return words

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
            return self._json(key.text, value, context["connected"])
        if action == "drop":
            return _DROP
        if action == "keep":
            return value
        if isinstance(value, str):
            constants = self.placeholders.get(key)
            if constants and normalise(value) in constants:
                return value  # a placeholder most users share: nobody's personal data
        ps = self.ps
        if key is _EMAIL:
            return self.emails[context["index"]]
        if key is _STRIPE_ID:
            return ps.stripe_account_id(str(value))
        if not isinstance(value, str | Location):
            return value
        if action == "scrub":
            if isinstance(value, str):
                return self.scrubber.text(value, context["connected"])
            return value
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
            return value  # image URLs are set in row(), after the policy
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

    def _json(self, key: str, value: Any, connected: frozenset[str]) -> Any:
        action = self.policy.action(key)
        per_key = self.policy.key_actions(key)
        if not isinstance(value, dict):
            return _DROP if action == "drop" else self._apply(action, value, None, connected)
        result = {}
        for name, item in value.items():
            text = name.name if isinstance(name, Keyword) else str(name)
            chosen = per_key.get(text, action)
            if chosen != "drop":
                result[name] = self._apply(chosen, item, text, connected)
        return result if result else _DROP

    def _apply(self, action: str, value: Any, key: str | None, connected: frozenset[str]) -> Any:
        if action == "scrub":
            return self.scrubber.scrub_json(value, key, connected)
        if action == "fake":
            return self.scrubber.fake_json(value, key)
        return value
