"""The ``sharetribe-go`` preset: what ``migrate init`` reads from a Sharetribe Go database.

:func:`discover` picks the community (the only one, or the ``community_id`` given), takes its
ident and currency as defaults, and turns its custom fields into the listing query's columns
and ``[records.listing.public_data]`` keys. Go keeps one row per listing and field in
``custom_field_values`` (options in ``custom_field_option_selections``); the grouping is done
by the database, each field a correlated subquery in the listing query:

- text, number and date fields give their value (``MAX`` keeps one if a field repeats);
- a dropdown gives its option's id, mapped to the option's key;
- a checkbox field (several options) gives the sum of one bit per selected option, mapped to
  the list of their keys; the map holds the combinations found in the database, so a
  combination that appears after ``init`` is rejected naming it, never lost.

Keys are the field and option names in the ``locale`` parameter, in lower snake case
(``Power (W)`` → ``power_w``), made unique.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from migrate.errors import ConfigError
from migrate.presets.render import Database, Discovery, toml_string

# publicData keys the preset writes itself; a custom field never takes one of them.
RESERVED_KEYS = frozenset(
    {
        "listingType",
        "transactionProcessAlias",
        "unitType",
        "categoryLevel1",
        "categoryLevel2",
        "location",
    }
)
MAX_CHECKBOX_OPTIONS = 62  # one bit each in a signed 64-bit sum
TEXT, NUMBER, DATE, DROPDOWN, CHECKBOX = (
    "TextField",
    "NumericField",
    "DateField",
    "DropdownField",
    "CheckboxField",
)


@dataclass
class CustomField:
    """One custom field of the community, with its option ids and keys in sort order."""

    id: int
    type: str
    name: str
    allow_decimals: bool
    key: str = ""
    options: list[tuple[int, str, str]] = field(default_factory=list)  # (id, key, title)
    masks: list[int] = field(default_factory=list)  # checkbox: the option sums found

    @property
    def column(self) -> str:
        """The listing query's column for this field."""
        return f"cf_{self.id}"


def discover(db: Database, values: Mapping[str, str], today: date) -> Discovery:
    """Defaults and generated template blocks for the Go database behind ``db``."""
    found = Discovery()
    communities = db.rows("SELECT id, ident, currency FROM communities ORDER BY id")
    if not communities:
        raise ConfigError(f"{db.source.shown}: the communities table is empty")
    listed = ", ".join(f"{row['id']} ({row['ident'] or 'no ident'})" for row in communities)
    if "community_id" in values:
        chosen = next(
            (row for row in communities if str(row["id"]) == values["community_id"]), None
        )
        if chosen is None:
            raise ConfigError(
                f"--param community_id={values['community_id']}: {db.source.shown} has no such "
                f"community (communities: {listed})"
            )
    elif len(communities) == 1:
        chosen = communities[0]
    else:
        raise ConfigError(
            f"{db.source.shown} holds {len(communities)} communities: {listed}; choose one with "
            "--param community_id=ID"
        )
    community_id = int(chosen["id"])
    found.defaults["community_id"] = str(community_id)
    ident = _ident(str(chosen["ident"] or ""))
    if ident:
        found.defaults["ident"] = ident
    if chosen["currency"]:
        found.defaults["currency"] = str(chosen["currency"]).strip().upper()
    found.defaults["expired_before"] = today.isoformat()
    fields = custom_fields(db, community_id, values.get("locale", "en"))
    for item in fields:
        if item.type == CHECKBOX:
            masks = [
                row["mask"]
                for row in db.rows(
                    f"SELECT DISTINCT {_mask_expression(item)} AS mask FROM listings l "
                    f"WHERE l.community_id = {community_id}"
                )
            ]
            item.masks = sorted(int(mask) for mask in masks if mask is not None)
    found.blocks["custom_field_columns"] = "".join(
        f",\n       {_column_expression(item)} AS {item.column}" for item in fields
    )
    found.blocks["custom_field_public_data"] = _public_data(fields)
    if fields:
        many = len(fields) != 1
        found.notes.append(
            f"{len(fields)} custom field{'s' if many else ''} of community {community_id} "
            f"{'go' if many else 'goes'} to listing publicData as: "
            + ", ".join(item.key for item in fields)
        )
    else:
        found.notes.append(f"community {community_id} has no custom fields")
    if len(communities) > 1:
        others = len(communities) - 1
        found.notes.append(
            f"the rows of the {others} other communit{'ies' if others > 1 else 'y'} are left "
            "out with a reason in the rejects file"
        )
    return found


def custom_fields(db: Database, community_id: int, locale: str) -> list[CustomField]:
    """The community's custom fields in Go's sort order, with unique keys."""
    rows = db.rows(
        "SELECT f.id, f.type, f.allow_decimals, f.sort_priority, "
        "(SELECT MIN(n.value) FROM custom_field_names n "
        f" WHERE n.custom_field_id = f.id AND n.locale = '{locale}') AS name, "
        "(SELECT MIN(n.value) FROM custom_field_names n WHERE n.custom_field_id = f.id) AS any_name "
        f"FROM custom_fields f WHERE f.community_id = {community_id} "
        "ORDER BY f.sort_priority, f.id"
    )
    fields = []
    taken = set(RESERVED_KEYS)
    for row in rows:
        kind = str(row["type"] or "")
        if kind not in (TEXT, NUMBER, DATE, DROPDOWN, CHECKBOX):
            continue
        name = str(row["name"] or row["any_name"] or f"field {row['id']}")
        item = CustomField(int(row["id"]), kind, name, bool(row["allow_decimals"]))
        item.key = _unique(slug(name) or f"field_{item.id}", taken, item.id)
        if kind in (DROPDOWN, CHECKBOX):
            option_keys: set[str] = set()
            for option in db.rows(
                "SELECT o.id, "
                "(SELECT MIN(t.value) FROM custom_field_option_titles t "
                f" WHERE t.custom_field_option_id = o.id AND t.locale = '{locale}') AS title, "
                "(SELECT MIN(t.value) FROM custom_field_option_titles t "
                " WHERE t.custom_field_option_id = o.id) AS any_title "
                f"FROM custom_field_options o WHERE o.custom_field_id = {item.id} "
                "ORDER BY o.sort_priority, o.id"
            ):
                title = str(option["title"] or option["any_title"] or f"option {option['id']}")
                key = _unique(slug(title) or f"option_{option['id']}", option_keys, option["id"])
                item.options.append((int(option["id"]), key, title))
            if kind == CHECKBOX and len(item.options) > MAX_CHECKBOX_OPTIONS:
                raise ConfigError(
                    f"custom field {item.id} ({name}) has {len(item.options)} options; the preset "
                    f"maps at most {MAX_CHECKBOX_OPTIONS} per checkbox field"
                )
        fields.append(item)
    return fields


def slug(text: str) -> str:
    """``Power (W)`` → ``power_w``: lower-case ASCII letters, digits and underscores."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")


def _unique(key: str, taken: set[str], number: Any) -> str:
    if key in taken:
        key = f"{key}_{number}"
    taken.add(key)
    return key


def _ident(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")


def _values_of(item: CustomField) -> str:
    return f"FROM custom_field_values v WHERE v.listing_id = l.id AND v.custom_field_id = {item.id}"


def _selections_of(item: CustomField) -> str:
    return (
        "FROM custom_field_values v JOIN custom_field_option_selections o "
        "ON o.custom_field_value_id = v.id "
        f"WHERE v.listing_id = l.id AND v.custom_field_id = {item.id}"
    )


def _mask_expression(item: CustomField) -> str:
    bits = " ".join(
        f"WHEN {option_id} THEN {1 << position}"
        for position, (option_id, _, _) in enumerate(item.options)
    )
    return f"(SELECT SUM(DISTINCT CASE o.custom_field_option_id {bits} END) {_selections_of(item)})"


def _column_expression(item: CustomField) -> str:
    if item.type == TEXT:
        return f"(SELECT MAX(v.text_value) {_values_of(item)})"
    if item.type == NUMBER:
        return f"(SELECT MAX(v.numeric_value) {_values_of(item)})"
    if item.type == DATE:
        # the date part of Go's datetime, as text: the same from MySQL and SQLite
        return f"(SELECT SUBSTR(MAX(v.date_value), 1, 10) {_values_of(item)})"
    if item.type == DROPDOWN:
        return f"(SELECT MAX(o.custom_field_option_id) {_selections_of(item)})"
    return _mask_expression(item)


def _public_data(fields: list[CustomField]) -> str:
    """The ``[records.listing.public_data]`` entries of the custom fields, commented."""
    if not fields:
        return "# (no custom fields in this community)\n"
    lines = [
        "# Custom fields (written by init from the community's custom_fields): set up listing",
        "# fields with these keys in Sharetribe Console.",
    ]
    tables: list[str] = []
    for item in fields:
        title = f"Go custom field {item.id}, {toml_string(item.name)} ({item.type})"
        if item.type == TEXT:
            lines.append(f"# {title}")
            lines.append(
                f'{item.key} = {{ column = "{item.column}", transform = ["strip_control", "trim"] }}'
            )
        elif item.type == NUMBER:
            lines.append(f"# {title}{'' if item.allow_decimals else ', whole numbers'}")
            transform = "" if item.allow_decimals else ', transform = "int"'
            lines.append(f'{item.key} = {{ column = "{item.column}"{transform} }}')
        elif item.type == DATE:
            lines.append(f"# {title}, as YYYY-MM-DD")
            lines.append(f'{item.key} = "{item.column}"')
        elif item.type == DROPDOWN:
            lines.append(
                f"# {title}: "
                + ", ".join(f"{key} = {toml_string(t)}" for _, key, t in item.options)
            )
            entries = ", ".join(f'"{option_id}" = "{key}"' for option_id, key, _ in item.options)
            lines.append(f'{item.key} = {{ column = "{item.column}", map = {{ {entries} }} }}')
        else:
            masks = item.masks
            table = f"records.listing.public_data.{item.key}"
            body = [
                f"# {title}, several options: one bit per option, the sum maps to their keys.",
                "# "
                + ", ".join(
                    f"{1 << position} = {key}" for position, (_, key, _) in enumerate(item.options)
                ),
                f"[{table}]",
                f'column = "{item.column}"',
                f"[{table}.map]",
            ]
            if not masks:
                body.append("# (no listing has this field yet)")
            for mask in masks:
                keys = [
                    f'"{key}"'
                    for position, (_, key, _) in enumerate(item.options)
                    if mask & (1 << position)
                ]
                body.append(f'"{mask}" = [{", ".join(keys)}]')
            tables.append("\n".join(body))
    text = "\n".join(lines) + "\n"
    if tables:
        text += "\n" + "\n\n".join(tables) + "\n"
    return text
