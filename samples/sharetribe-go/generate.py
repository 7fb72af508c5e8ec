"""Generate the bundled Sharetribe Go sample: a fictional Go marketplace database with its dirt.

``python samples/sharetribe-go/generate.py`` rewrites the committed SQLite copy
(``sharetribe-go.db``) and ``expected.json`` with a fixed seed, the same content every time.
``--mysql-url-env NAME --database preset_sample`` also fills a MariaDB/MySQL database (created
or emptied first) from the URL in the environment variable ``NAME``: the same rows, with the
column types of Sharetribe Go's public schema (``db/structure.sql``: ``binary(16)`` uuids,
``varchar(22)`` person ids, ``tinyint(1)`` flags, naive UTC ``datetime``, ``float``
coordinates, ``utf8mb4`` tables beside a few old ``utf8mb3`` ones).

Only the tables and columns the ``sharetribe-go`` preset reads are created. The dirt (deleted
and banned people, people without an email or a last name, unconfirmed and zero-date
confirmations, closed, expired and deleted listings, listings without images, images never
attached to a listing or never uploaded, testimonials without a transaction or without text,
Stripe customers without a connected account, a second community) is described in
``README.md``. ``expected.json`` records what was written (rows per table) and what the preset's
conversion must give: rows read, written and rejected per Intermediary type, and every rejected
row with its rule and the words its message must contain. The expectations are computed here
from the generated rows by the rules in the README, independently of the preset's SQL.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 20240615
# Faker's word lists change between releases: the committed files come from this version.
BUILT_WITH = {"Faker": "40.63.0"}
HERE = Path(__file__).resolve().parent
SQLITE_NAME = "sharetribe-go.db"
EXPECTED_NAME = "expected.json"

COMMUNITY_ID = 1  # the marketplace the preset converts; community 2 is the other one
OTHER_COMMUNITY_ID = 2
ZERO_DATE = "0000-00-00 00:00:00"  # what old MySQL servers keep for "no date"
START = datetime(2015, 3, 1)
END = datetime(2023, 11, 30)
RECORD_TYPES = ["user", "listing", "image", "stripeAccount", "review"]

# -- the schema ---------------------------------------------------------------------------------
# (table, charset, columns, keys). Column types are Sharetribe Go's (db/structure.sql); only the
# columns the preset reads, plus the NOT NULL ones a real row always has.
UTF8MB4 = "utf8mb4"
UTF8MB3 = "utf8mb3"  # MySQL's old "utf8": tables created before Go moved to utf8mb4
SCHEMA: list[tuple[str, str, list[tuple[str, str]], list[str]]] = [
    (
        "communities",
        UTF8MB4,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("uuid", "binary(16) NOT NULL"),
            ("ident", "varchar(255) DEFAULT NULL"),
            ("created_at", "datetime DEFAULT NULL"),
            ("updated_at", "datetime DEFAULT NULL"),
            ("currency", "varchar(3) NOT NULL"),
            ("deleted", "tinyint(1) DEFAULT NULL"),
        ],
        ["PRIMARY KEY (`id`)", "UNIQUE KEY `index_communities_on_uuid` (`uuid`)"],
    ),
    (
        "people",
        UTF8MB4,
        [
            ("id", "varchar(22) NOT NULL"),
            ("uuid", "binary(16) NOT NULL"),
            ("community_id", "int(11) NOT NULL"),
            ("created_at", "datetime DEFAULT NULL"),
            ("updated_at", "datetime DEFAULT NULL"),
            ("locale", "varchar(255) DEFAULT 'fi'"),
            ("username", "varchar(255) NOT NULL"),
            ("given_name", "varchar(255) DEFAULT NULL"),
            ("family_name", "varchar(255) DEFAULT NULL"),
            ("display_name", "varchar(255) DEFAULT NULL"),
            ("phone_number", "varchar(255) DEFAULT NULL"),
            ("description", "text"),
            ("image_file_name", "varchar(255) DEFAULT NULL"),
            ("image_content_type", "varchar(255) DEFAULT NULL"),
            ("image_file_size", "int(11) DEFAULT NULL"),
            ("image_updated_at", "datetime DEFAULT NULL"),
            ("deleted", "tinyint(1) DEFAULT '0'"),
        ],
        [
            "UNIQUE KEY `index_people_on_username_and_community_id` (`username`,`community_id`)",
            "UNIQUE KEY `index_people_on_uuid` (`uuid`)",
            "KEY `index_people_on_id` (`id`)",
        ],
    ),
    (
        "emails",
        UTF8MB4,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("person_id", "varchar(255) DEFAULT NULL"),
            ("community_id", "int(11) NOT NULL"),
            ("address", "varchar(255) NOT NULL"),
            ("confirmed_at", "datetime DEFAULT NULL"),
            ("confirmation_sent_at", "datetime DEFAULT NULL"),
            ("created_at", "datetime DEFAULT NULL"),
            ("updated_at", "datetime DEFAULT NULL"),
            ("send_notifications", "tinyint(1) DEFAULT NULL"),
        ],
        [
            "PRIMARY KEY (`id`)",
            "UNIQUE KEY `index_emails_on_address_and_community_id` (`address`,`community_id`)",
            "KEY `index_emails_on_person_id` (`person_id`)",
        ],
    ),
    (
        "community_memberships",
        UTF8MB4,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("person_id", "varchar(255) NOT NULL"),
            ("community_id", "int(11) NOT NULL"),
            ("admin", "tinyint(1) DEFAULT '0'"),
            ("created_at", "datetime DEFAULT NULL"),
            ("updated_at", "datetime DEFAULT NULL"),
            ("status", "varchar(255) NOT NULL DEFAULT 'accepted'"),
            ("can_post_listings", "tinyint(1) DEFAULT '0'"),
        ],
        [
            "PRIMARY KEY (`id`)",
            "UNIQUE KEY `index_community_memberships_on_person_id` (`person_id`)",
        ],
    ),
    (
        "transaction_processes",
        UTF8MB3,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("community_id", "int(11) DEFAULT NULL"),
            ("process", "varchar(32) NOT NULL"),
            ("author_is_seller", "tinyint(1) DEFAULT NULL"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
        ],
        ["PRIMARY KEY (`id`)"],
    ),
    (
        "listing_shapes",
        UTF8MB3,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("community_id", "int(11) NOT NULL"),
            ("transaction_process_id", "int(11) NOT NULL"),
            ("price_enabled", "tinyint(1) NOT NULL"),
            ("shipping_enabled", "tinyint(1) NOT NULL"),
            ("availability", "varchar(32) DEFAULT 'none'"),
            ("name", "varchar(255) NOT NULL"),
            ("name_tr_key", "varchar(255) NOT NULL"),
            ("action_button_tr_key", "varchar(255) NOT NULL"),
            ("sort_priority", "int(11) NOT NULL DEFAULT '0'"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
            ("deleted", "tinyint(1) DEFAULT '0'"),
        ],
        ["PRIMARY KEY (`id`)"],
    ),
    (
        "listing_units",
        UTF8MB3,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("unit_type", "varchar(32) NOT NULL"),
            ("quantity_selector", "varchar(32) NOT NULL"),
            ("kind", "varchar(32) NOT NULL"),
            ("listing_shape_id", "int(11) DEFAULT NULL"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
        ],
        [
            "PRIMARY KEY (`id`)",
            "KEY `index_listing_units_on_listing_shape_id` (`listing_shape_id`)",
        ],
    ),
    (
        "categories",
        UTF8MB3,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("parent_id", "int(11) DEFAULT NULL"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
            ("community_id", "int(11) DEFAULT NULL"),
            ("sort_priority", "int(11) DEFAULT NULL"),
            ("url", "varchar(255) DEFAULT NULL"),
        ],
        ["PRIMARY KEY (`id`)", "KEY `index_categories_on_parent_id` (`parent_id`)"],
    ),
    (
        "category_translations",
        UTF8MB3,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("category_id", "int(11) DEFAULT NULL"),
            ("locale", "varchar(255) DEFAULT NULL"),
            ("name", "varchar(255) DEFAULT NULL"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
        ],
        ["PRIMARY KEY (`id`)", "KEY `category_id_with_locale` (`category_id`,`locale`)"],
    ),
    (
        "custom_fields",
        UTF8MB3,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("type", "varchar(255) DEFAULT NULL"),
            ("sort_priority", "int(11) DEFAULT NULL"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
            ("community_id", "int(11) DEFAULT NULL"),
            ("required", "tinyint(1) DEFAULT '1'"),
            ("min", "float DEFAULT NULL"),
            ("max", "float DEFAULT NULL"),
            ("allow_decimals", "tinyint(1) DEFAULT '0'"),
        ],
        ["PRIMARY KEY (`id`)", "KEY `index_custom_fields_on_community_id` (`community_id`)"],
    ),
    (
        "custom_field_names",
        UTF8MB3,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("value", "varchar(255) DEFAULT NULL"),
            ("locale", "varchar(255) DEFAULT NULL"),
            ("custom_field_id", "varchar(255) DEFAULT NULL"),  # sic: varchar in Go's schema
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
        ],
        ["PRIMARY KEY (`id`)", "KEY `locale_index` (`custom_field_id`,`locale`)"],
    ),
    (
        "custom_field_options",
        UTF8MB3,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("custom_field_id", "int(11) DEFAULT NULL"),
            ("sort_priority", "int(11) DEFAULT NULL"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
        ],
        ["PRIMARY KEY (`id`)"],
    ),
    (
        "custom_field_option_titles",
        UTF8MB3,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("value", "varchar(255) DEFAULT NULL"),
            ("locale", "varchar(255) DEFAULT NULL"),
            ("custom_field_option_id", "int(11) DEFAULT NULL"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
        ],
        ["PRIMARY KEY (`id`)"],
    ),
    (
        "listings",
        UTF8MB4,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("uuid", "binary(16) NOT NULL"),
            ("community_id", "int(11) NOT NULL"),
            ("author_id", "varchar(255) DEFAULT NULL"),
            ("title", "varchar(255) DEFAULT NULL"),
            ("created_at", "datetime DEFAULT NULL"),
            ("updated_at", "datetime DEFAULT NULL"),
            ("description", "text"),
            ("valid_until", "datetime DEFAULT NULL"),
            ("open", "tinyint(1) DEFAULT '1'"),
            ("category_id", "int(11) DEFAULT NULL"),
            ("listing_shape_id", "int(11) DEFAULT NULL"),
            ("transaction_process_id", "int(11) DEFAULT NULL"),
            ("price_cents", "int(11) DEFAULT NULL"),
            ("currency", "varchar(255) DEFAULT NULL"),
            ("unit_type", "varchar(32) DEFAULT NULL"),
            ("deleted", "tinyint(1) DEFAULT '0'"),
            ("availability", "varchar(32) DEFAULT 'none'"),
        ],
        [
            "PRIMARY KEY (`id`)",
            "UNIQUE KEY `index_listings_on_uuid` (`uuid`)",
            "KEY `person_listings` (`community_id`,`author_id`)",
        ],
    ),
    (
        "custom_field_values",
        UTF8MB4,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("custom_field_id", "int(11) DEFAULT NULL"),
            ("listing_id", "int(11) DEFAULT NULL"),
            ("text_value", "text"),
            ("numeric_value", "float DEFAULT NULL"),
            ("date_value", "datetime DEFAULT NULL"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
            ("type", "varchar(255) DEFAULT NULL"),
            ("delta", "tinyint(1) NOT NULL DEFAULT '1'"),
        ],
        ["PRIMARY KEY (`id`)", "KEY `index_custom_field_values_on_listing_id` (`listing_id`)"],
    ),
    (
        "custom_field_option_selections",
        UTF8MB4,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("custom_field_value_id", "int(11) DEFAULT NULL"),
            ("custom_field_option_id", "int(11) DEFAULT NULL"),
            ("listing_id", "int(11) DEFAULT NULL"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
        ],
        [
            "PRIMARY KEY (`id`)",
            "KEY `index_selected_options_on_custom_field_value_id` (`custom_field_value_id`)",
        ],
    ),
    (
        "locations",
        UTF8MB4,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("latitude", "float DEFAULT NULL"),
            ("longitude", "float DEFAULT NULL"),
            ("address", "varchar(255) DEFAULT NULL"),
            ("google_address", "varchar(255) DEFAULT NULL"),
            ("created_at", "datetime DEFAULT NULL"),
            ("updated_at", "datetime DEFAULT NULL"),
            ("listing_id", "int(11) DEFAULT NULL"),
            ("person_id", "varchar(255) DEFAULT NULL"),
            ("location_type", "varchar(255) DEFAULT NULL"),
            ("community_id", "int(11) DEFAULT NULL"),
        ],
        ["PRIMARY KEY (`id`)", "KEY `index_locations_on_listing_id` (`listing_id`)"],
    ),
    (
        "listing_images",
        UTF8MB4,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("listing_id", "int(11) DEFAULT NULL"),
            ("created_at", "datetime DEFAULT NULL"),
            ("updated_at", "datetime DEFAULT NULL"),
            ("image_file_name", "varchar(255) DEFAULT NULL"),
            ("image_content_type", "varchar(255) DEFAULT NULL"),
            ("image_file_size", "int(11) DEFAULT NULL"),
            ("image_updated_at", "datetime DEFAULT NULL"),
            ("image_processing", "tinyint(1) DEFAULT NULL"),
            ("image_downloaded", "tinyint(1) DEFAULT '0'"),
            ("error", "varchar(255) DEFAULT NULL"),
            ("width", "int(11) DEFAULT NULL"),
            ("height", "int(11) DEFAULT NULL"),
            ("author_id", "varchar(255) DEFAULT NULL"),
            ("position", "int(11) DEFAULT '0'"),
        ],
        ["PRIMARY KEY (`id`)", "KEY `index_listing_images_on_listing_id` (`listing_id`)"],
    ),
    (
        "transactions",
        UTF8MB4,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("starter_id", "varchar(255) NOT NULL"),
            ("starter_uuid", "binary(16) NOT NULL"),
            ("listing_id", "int(11) NOT NULL"),
            ("listing_uuid", "binary(16) NOT NULL"),
            ("automatic_confirmation_after_days", "int(11) NOT NULL"),
            ("community_id", "int(11) NOT NULL"),
            ("community_uuid", "binary(16) NOT NULL"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
            ("current_state", "varchar(255) DEFAULT NULL"),
            ("payment_gateway", "varchar(255) NOT NULL DEFAULT 'none'"),
            ("listing_author_id", "varchar(255) NOT NULL"),
            ("listing_author_uuid", "binary(16) NOT NULL"),
            ("listing_title", "varchar(255) DEFAULT NULL"),
            ("unit_type", "varchar(32) DEFAULT NULL"),
            ("unit_price_cents", "int(11) DEFAULT NULL"),
            ("unit_price_currency", "varchar(8) DEFAULT NULL"),
            ("deleted", "tinyint(1) DEFAULT '0'"),
        ],
        ["PRIMARY KEY (`id`)", "KEY `index_transactions_on_listing_id` (`listing_id`)"],
    ),
    (
        "testimonials",
        UTF8MB4,
        [
            ("id", "int(11) NOT NULL AUTO_INCREMENT"),
            ("grade", "float DEFAULT NULL"),
            ("text", "text"),
            ("author_id", "varchar(255) DEFAULT NULL"),
            ("participation_id", "int(11) DEFAULT NULL"),
            ("transaction_id", "int(11) DEFAULT NULL"),
            ("created_at", "datetime DEFAULT NULL"),
            ("updated_at", "datetime DEFAULT NULL"),
            ("receiver_id", "varchar(255) DEFAULT NULL"),
        ],
        [
            "PRIMARY KEY (`id`)",
            "KEY `index_testimonials_on_transaction_id` (`transaction_id`)",
        ],
    ),
    (
        "stripe_accounts",
        UTF8MB4,
        [
            ("id", "bigint(20) NOT NULL AUTO_INCREMENT"),
            ("person_id", "varchar(255) NOT NULL"),
            ("community_id", "bigint(20) DEFAULT NULL"),
            ("account_type", "varchar(255) DEFAULT NULL"),
            ("stripe_seller_id", "varchar(255) DEFAULT NULL"),
            ("stripe_customer_id", "varchar(255) DEFAULT NULL"),
            ("charges_enabled", "tinyint(1) DEFAULT '0'"),
            ("transfers_enabled", "tinyint(1) DEFAULT '0'"),
            ("created_at", "datetime NOT NULL"),
            ("updated_at", "datetime NOT NULL"),
        ],
        ["PRIMARY KEY (`id`)", "KEY `index_stripe_accounts_on_person_id` (`person_id`)"],
    ),
]
TABLES = {name: [column for column, _ in columns] for name, _, columns, _ in SCHEMA}


def mysql_ddl(name: str, charset: str, columns: list[tuple[str, str]], keys: list[str]) -> str:
    """``CREATE TABLE`` in the MySQL dialect, as in Go's ``db/structure.sql``."""
    lines = [f"  `{column}` {kind}" for column, kind in columns] + [f"  {key}" for key in keys]
    collation = f"{charset}_unicode_ci"
    body = ",\n".join(lines)
    return (
        f"CREATE TABLE `{name}` (\n{body}\n) ENGINE=InnoDB DEFAULT CHARSET={charset} "
        f"COLLATE={collation}"
    )


def _sqlite_type(kind: str) -> str:
    word = kind.split()[0].lower()
    if word.startswith(("int", "bigint")):
        return "INTEGER"
    if word.startswith("tinyint"):
        return "BOOLEAN"  # numeric affinity: 0 and 1, as Go's tinyint(1)
    if word.startswith("binary"):
        return "BLOB"
    if word.startswith("varchar"):
        return word.upper()
    return {"text": "TEXT", "datetime": "DATETIME", "float": "FLOAT"}[word]


def sqlite_ddl(name: str, columns: list[tuple[str, str]]) -> str:
    """The same table for the SQLite copy (same names; SQLite's nearest types)."""
    lines = []
    for column, kind in columns:
        extra = " NOT NULL" if "NOT NULL" in kind else ""
        lines.append(f"  {column} {_sqlite_type(kind)}{extra}")
    body = ",\n".join(lines)
    return f"CREATE TABLE {name} (\n{body}\n)"


# -- fictional content --------------------------------------------------------------------------

# City centres (public facts) with at most 6 significant digits, so a MySQL float (single
# precision) reads back as the same number the SQLite copy holds.
CITIES = [
    ("Helsinki", 60.1699, 24.9384),
    ("Espoo", 60.2055, 24.6559),
    ("Vantaa", 60.2934, 25.0378),
    ("Tampere", 61.4978, 23.761),
    ("Turku", 60.4518, 22.2666),
    ("Oulu", 65.0121, 25.4651),
    ("Jyväskylä", 62.2426, 25.7473),
    ("Lahti", 60.9827, 25.6612),
]
OTHER_CITIES = [("Portland", 45.5152, -122.678), ("Seattle", 47.6062, -122.332)]

# (url slug, parent slug, English name, Finnish name)
CATEGORIES = [
    ("tools", None, "Tools", "Työkalut"),
    ("power-tools", "tools", "Power tools", "Sähkötyökalut"),
    ("hand-tools", "tools", "Hand tools", "Käsityökalut"),
    ("garden", None, "Garden", "Puutarha"),
    ("lawn-mowers", "garden", "Lawn mowers", "Ruohonleikkurit"),
    ("vehicles", None, "Vehicles", "Ajoneuvot"),
    ("trailers", "vehicles", "Trailers", "Peräkärryt"),
    ("events", None, "Party & events", "Juhlat ja tapahtumat"),
]
LEAF_ITEMS = {
    "power-tools": ["cordless drill", "circular saw", "angle grinder", "jigsaw", "pressure washer"],
    "hand-tools": ["ladder", "tile cutter", "socket set", "sledgehammer"],
    "lawn-mowers": ["lawn mower", "robot mower", "scythe"],
    "garden": ["hedge trimmer", "wheelbarrow", "leaf blower"],
    "trailers": ["car trailer", "bike trailer", "boat trailer"],
    "vehicles": ["cargo bike", "van", "moped"],
    "events": ["party tent", "sound system", "projector", "popcorn machine"],
}
ITEM_FI = {
    "cordless drill": "akkuporakone",
    "circular saw": "pyörösaha",
    "pressure washer": "painepesuri",
    "lawn mower": "ruohonleikkuri",
    "party tent": "juhlateltta",
    "ladder": "tikkaat",
}
# Listing shapes of community 1: (id, name, process id, price_enabled, availability, units)
SHAPES = [
    (1, "renting-out", 1, 1, "booking", ["day", "week"]),
    (2, "selling", 1, 1, "none", ["unit"]),
    (3, "lending-for-free", 2, 0, "none", []),
    (4, "hourly-help", 1, 1, "none", ["hour"]),
]
OTHER_SHAPE = (5, "renting", 3, 1, "booking", ["day"])
# Custom fields of community 1: (id, type, English name, Finnish name, allow_decimals, options)
FIELDS = [
    (1, "TextField", "Brand", "Merkki", 0, []),
    (2, "NumericField", "Power (W)", "Teho (W)", 0, []),
    (
        3,
        "DropdownField",
        "Condition",
        "Kunto",
        0,
        [("New", "Uusi"), ("Good", "Hyvä"), ("Worn", "Kulunut")],
    ),
    (
        4,
        "CheckboxField",
        "Includes",
        "Sisältää",
        0,
        [("Battery", "Akku"), ("Charger", "Laturi"), ("Carry case", "Laukku"), ("Manual", "Ohje")],
    ),
    (5, "DateField", "Available from", "Saatavilla alkaen", 0, []),
    (6, "NumericField", "Weight (kg)", "Paino (kg)", 1, []),
]
OTHER_FIELD = (7, "TextField", "Hull material", "Rungon materiaali", 0, [])
BRANDS = ["Stark", "Virta", "Kivi", "Norrland", "Pelto", "Aalto Works"]
EMOJI = ["🔧", "🌲", "🚲", "🎉", "⚡"]
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
LOREM = [
    "Works fine, recently serviced.",
    "Pick up from the yard, please bring your own bag.",
    "Clean it before returning and we stay friends.",
    "Great for weekend projects.",
    "Available most evenings; message me first.",
    "Fuel not included.",
    "Comes with a short how-to if you have not used one.",
    "Can deliver nearby for a small fee.",
]
REVIEW_TEXTS = [
    "Everything went smoothly, thank you!",
    "Friendly and on time.",
    "The item was as described.",
    "Slightly late but otherwise fine.",
    "Would rent again.",
    "Communication could have been better.",
    "Kiitos, kaikki toimi hyvin!",
    "Returned in perfect condition.",
]


@dataclass
class Pools:
    """Fake names and streets drawn once from Faker (seeded), then picked by the seeded RNG."""

    first_names: list[str]
    last_names: list[str]
    streets: list[str]


def build_pools(seed: int) -> Pools:
    """Draw the name and street pools from Faker's Finnish and English locales."""
    from faker import Faker

    fake = Faker(["fi_FI", "en_GB"])
    fake.seed_instance(seed)
    firsts = sorted({fake.first_name() for _ in range(600)} - {""})
    lasts = sorted({fake.last_name() for _ in range(600)} - {""})
    streets = sorted({fake["fi_FI"].street_address() for _ in range(400)})
    return Pools(
        [name for name in firsts if " " not in name],
        [name for name in lasts if " " not in name],
        streets,
    )


def ascii_fold(text: str) -> str:
    """``Jyväskylä`` → ``Jyvaskyla``: email local parts and usernames are ASCII."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def stamp(value: datetime) -> str:
    """A naive UTC ``datetime`` as MySQL writes it (Go stores UTC)."""
    return value.strftime("%Y-%m-%d %H:%M:%S")


# -- the sample, as rows and expectations -------------------------------------------------------


@dataclass
class Expected:
    """What converting community 1 with the preset must give."""

    rejects: list[dict[str, Any]] = field(default_factory=list)
    read: Counter[str] = field(default_factory=Counter)

    def reject(self, record_type: str, source_id: Any, rule: str, *reasons: str) -> None:
        """Record that a row is rejected under ``rule``; its message contains one of ``reasons``."""
        self.rejects.append(
            {
                "record_type": record_type,
                "source_id": str(source_id),
                "rule": rule,
                "reasons": list(reasons),
            }
        )


@dataclass
class Sample:
    """Rows per table (in insert order) and the expected conversion."""

    tables: dict[str, list[dict[str, Any]]]
    expected: Expected


class Builder:
    """Makes the rows of both communities with the seeded RNG; records the expected outcome."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pools = build_pools(seed)
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        self.expected = Expected()
        self.next_id: Counter[str] = Counter()
        self.used_ids: set[str] = set()
        self.usernames: set[tuple[str, int]] = set()
        self.addresses: set[tuple[str, int]] = set()
        # left-out (rejected) rows by type and id, for the cascades
        self.rejected: dict[str, set[str]] = {name: set() for name in RECORD_TYPES}

    # helpers

    def add(self, table: str, **values: Any) -> dict[str, Any]:
        """Append a row to ``table`` (an ``id`` is numbered when not given)."""
        if "id" not in values and "id" in TABLES[table]:
            self.next_id[table] += 1
            values["id"] = self.next_id[table]
        row = {column: values.get(column) for column in TABLES[table]}
        unknown = set(values) - set(TABLES[table])
        if unknown:
            raise KeyError(f"{table}: no column {sorted(unknown)}")
        self.tables[table].append(row)
        return row

    def when(self, after: datetime = START, before: datetime = END) -> datetime:
        span = int((before - after).total_seconds())
        return after + timedelta(seconds=self.rng.randrange(max(span, 1)))

    def uuid(self) -> bytes:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).bytes

    def person_id(self) -> str:
        while True:
            candidate = "".join(self.rng.choice(ID_ALPHABET) for _ in range(22))
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate

    def reject(self, record_type: str, source_id: Any, rule: str, *reasons: str) -> None:
        self.rejected[record_type].add(str(source_id))
        self.expected.reject(record_type, source_id, rule, *reasons)

    # communities and configuration

    def communities(self) -> None:
        for community_id, ident, currency in ((1, "lendahand", "EUR"), (2, "paddleshare", "USD")):
            created = datetime(2014, 5, community_id, 9, 0, 0)
            self.add(
                "communities",
                id=community_id,
                uuid=self.uuid(),
                ident=ident,
                created_at=stamp(created),
                updated_at=stamp(created),
                currency=currency,
                deleted=0,
            )
        day = stamp(datetime(2014, 5, 1, 9, 0, 0))
        for process_id, community, process in (
            (1, 1, "preauthorize"),
            (2, 1, "none"),
            (3, 2, "preauthorize"),
        ):
            self.add(
                "transaction_processes",
                id=process_id,
                community_id=community,
                process=process,
                author_is_seller=1,
                created_at=day,
                updated_at=day,
            )
        for community, shape in [(1, s) for s in SHAPES] + [(2, OTHER_SHAPE)]:
            shape_id, name, process_id, price_enabled, availability, units = shape
            self.add(
                "listing_shapes",
                id=shape_id,
                community_id=community,
                transaction_process_id=process_id,
                price_enabled=price_enabled,
                shipping_enabled=0,
                availability=availability,
                name=name,
                name_tr_key=f"{name}.translation",
                action_button_tr_key=f"{name}.action_button",
                sort_priority=shape_id,
                created_at=day,
                updated_at=day,
                deleted=0,
            )
            for unit in units:
                self.add(
                    "listing_units",
                    unit_type=unit,
                    quantity_selector="number" if unit in ("unit", "hour") else "day",
                    kind="quantity" if unit in ("unit", "hour") else "time",
                    listing_shape_id=shape_id,
                    created_at=day,
                    updated_at=day,
                )
        self.category_ids: dict[str, int] = {}
        for position, (slug, parent, english, finnish) in enumerate(CATEGORIES, start=1):
            row = self.add(
                "categories",
                parent_id=self.category_ids.get(parent) if parent else None,
                created_at=day,
                updated_at=day,
                community_id=1,
                sort_priority=position,
                url=slug,
            )
            self.category_ids[slug] = row["id"]
            for locale, name in (("en", english), ("fi", finnish)):
                self.add(
                    "category_translations",
                    category_id=row["id"],
                    locale=locale,
                    name=name,
                    created_at=day,
                    updated_at=day,
                )
        kayaks = self.add(
            "categories",
            created_at=day,
            updated_at=day,
            community_id=2,
            sort_priority=1,
            url="kayaks",
        )
        self.add(
            "category_translations",
            category_id=kayaks["id"],
            locale="en",
            name="Kayaks",
            created_at=day,
            updated_at=day,
        )
        self.other_category = kayaks["id"]
        self.option_ids: dict[int, list[int]] = {}
        for community, spec in [(1, f) for f in FIELDS] + [(2, OTHER_FIELD)]:
            field_id, kind, english, finnish, decimals, options = spec
            self.add(
                "custom_fields",
                id=field_id,
                type=kind,
                sort_priority=field_id,
                created_at=day,
                updated_at=day,
                community_id=community,
                required=0,
                allow_decimals=decimals,
            )
            for locale, name in (("en", english), ("fi", finnish)):
                self.add(
                    "custom_field_names",
                    value=name,
                    locale=locale,
                    custom_field_id=str(field_id),
                    created_at=day,
                    updated_at=day,
                )
            self.option_ids[field_id] = []
            for position, (english_title, finnish_title) in enumerate(options, start=1):
                option = self.add(
                    "custom_field_options",
                    custom_field_id=field_id,
                    sort_priority=position,
                    created_at=day,
                    updated_at=day,
                )
                self.option_ids[field_id].append(option["id"])
                for locale, title in (("en", english_title), ("fi", finnish_title)):
                    self.add(
                        "custom_field_option_titles",
                        value=title,
                        locale=locale,
                        custom_field_option_id=option["id"],
                        created_at=day,
                        updated_at=day,
                    )

    # people

    def people(self, community: int, count: int, dirt: dict[str, int]) -> list[dict[str, Any]]:
        """``count`` people of ``community``; ``dirt`` says how many get each kind of dirt."""
        kinds = [kind for kind, n in dirt.items() for _ in range(n)]
        kinds += ["clean"] * (count - len(kinds))
        self.rng.shuffle(kinds)
        made = []
        for kind in kinds:
            made.append(self.person(community, kind))
        made.sort(key=lambda person: person["created_at"])
        return made

    def person(self, community: int, kind: str) -> dict[str, Any]:
        rng = self.rng
        given = rng.choice(self.pools.first_names)
        family = rng.choice(self.pools.last_names)
        created = self.when(START, datetime(2022, 6, 1))
        person_id = self.person_id()
        username = ascii_fold(given + family[:1])
        number = 1
        while (username, community) in self.usernames:
            number += 1
            username = f"{ascii_fold(given + family[:1])}{number}"
        self.usernames.add((username, community))
        deleted = kind == "deleted"
        has_image = not deleted and rng.random() < 0.45 and kind not in ("no-email",)
        image = None
        if has_image:
            image = rng.choice(
                [
                    "profile.jpg",
                    "me.png",
                    "IMG_2041.JPG",
                    "kuva.jpg",
                    f"{ascii_fold(given)}.jpeg",
                    "hymy_äiti.jpg",
                ]
            )
        description = None
        if not deleted and rng.random() < 0.5:
            description = rng.choice(LOREM)
            if rng.random() < 0.25:
                description += " " + rng.choice(EMOJI)  # four-byte UTF-8: utf8mb4 only
        row = self.add(
            "people",
            id=person_id,
            uuid=self.uuid(),
            community_id=community,
            created_at=stamp(created),
            updated_at=stamp(created + timedelta(days=rng.randrange(1, 400))),
            locale=rng.choice(["fi", "en"]),
            username=username,
            given_name=None if deleted else given,
            family_name=None if deleted or kind == "no-family-name" else family,
            display_name=None if deleted or rng.random() < 0.8 else f"{given} {family[:1]}.",
            phone_number=None
            if deleted or rng.random() < 0.5
            else f"+44 7700 900{rng.randrange(1000):03d}",
            description=description,
            image_file_name=image,
            image_content_type="image/jpeg" if image else None,
            image_file_size=rng.randrange(20_000, 900_000) if image else None,
            image_updated_at=stamp(created + timedelta(days=2)) if image else None,
            deleted=1 if deleted else 0,
        )
        status = {"deleted": "deleted_user", "banned": "banned"}.get(kind, "accepted")
        if kind == "unconfirmed":
            status = "pending_email_confirmation"
        self.add(
            "community_memberships",
            person_id=person_id,
            community_id=community,
            admin=0,
            created_at=stamp(created),
            updated_at=stamp(created),
            status=status,
            can_post_listings=1,
        )
        if kind not in ("deleted", "no-email"):
            self.emails(row, kind, given, family, created)
        row["_kind"] = kind  # generator bookkeeping, never written
        return row

    def emails(self, person: dict, kind: str, given: str, family: str, created: datetime) -> None:
        rng, community = self.rng, person["community_id"]
        local = f"{ascii_fold(given)}.{ascii_fold(family)}"
        domain = rng.choice(["example.com", "example.org", "example.net"])
        address = f"{local}@{domain}"
        number = 1
        while (address.lower(), community) in self.addresses:
            number += 1
            address = f"{local}{number}@{domain}"
        if rng.random() < 0.15:
            address = address[:1].upper() + address[1:]  # kept as typed; unique up to case
        confirmed: str | None = stamp(created + timedelta(hours=rng.randrange(1, 72)))
        if kind == "unconfirmed":
            confirmed = None
        elif kind == "zero-date":
            confirmed = ZERO_DATE
        entries = [(address, confirmed, 1)]
        if kind == "two-emails":
            # an older, never confirmed address first; the primary is the confirmed one
            old = f"{local}.old@example.net"
            entries = [(old, None, 0), (address, confirmed, 1)]
        for entry_address, entry_confirmed, notify in entries:
            self.addresses.add((entry_address.lower(), community))
            self.add(
                "emails",
                person_id=person["id"],
                community_id=community,
                address=entry_address,
                confirmed_at=entry_confirmed,
                confirmation_sent_at=stamp(created),
                created_at=stamp(created),
                updated_at=stamp(created),
                send_notifications=notify,
            )
        person["_email"] = address
        person["_verified"] = kind not in ("unconfirmed", "zero-date")

    # listings

    def listings(
        self, community: int, authors: list[dict], count: int, dirt: dict[str, int]
    ) -> list[dict]:
        kinds = [kind for kind, n in dirt.items() for _ in range(n)]
        kinds += ["clean"] * (count - len(kinds))
        self.rng.shuffle(kinds)
        made = []
        for kind in kinds:
            made.append(self.listing(community, self.rng.choice(authors), kind))
        return made

    def listing(self, community: int, author: dict, kind: str) -> dict:
        rng = self.rng
        created = self.when(datetime.strptime(author["created_at"], "%Y-%m-%d %H:%M:%S"), END)
        if community == OTHER_COMMUNITY_ID:
            shape = OTHER_SHAPE
            category, item, city = (
                self.other_category,
                rng.choice(["sea kayak", "canoe", "paddle board"]),
                rng.choice(OTHER_CITIES),
            )
            unit = "day"
        else:
            shape = rng.choice(SHAPES[:2] * 3 + SHAPES[2:])
            leaf = rng.choice(list(LEAF_ITEMS))
            category, item, city = (
                self.category_ids[leaf],
                rng.choice(LEAF_ITEMS[leaf]),
                rng.choice(CITIES),
            )
            unit = shape[5][0] if shape[5] else None
            if kind == "weekly":
                shape, unit = SHAPES[0], "week"
        shape_id, _, process_id, price_enabled, availability, _ = shape
        if kind == "unit-from-shape":
            unit = None  # an old listing: the unit comes from its shape's only unit
        price = None
        if price_enabled:
            price = rng.choice([500, 900, 1500, 2000, 2500, 3900, 4500, 7900, 12000])
        currency = None if price is None else ("EUR" if community == 1 else "USD")
        if kind == "no-currency":
            currency = None  # old listings: the community's currency applies
        valid_until: str | None = None
        if kind == "expired":
            valid_until = stamp(self.when(datetime(2017, 1, 1), datetime(2023, 6, 1)))
        elif kind == "zero-valid-until":
            valid_until = ZERO_DATE
        elif rng.random() < 0.3:
            valid_until = stamp(self.when(datetime(2040, 1, 1), datetime(2045, 1, 1)))
        title = item.capitalize()
        if item in ITEM_FI and rng.random() < 0.5:
            title = f"{ITEM_FI[item].capitalize()} / {item}"
        description = f"{rng.choice(LOREM)}\n{rng.choice(LOREM)}"
        if rng.random() < 0.2:
            description += f" {rng.choice(EMOJI)}"
        row = self.add(
            "listings",
            uuid=self.uuid(),
            community_id=community,
            author_id=author["id"],
            title=title,
            created_at=stamp(created),
            updated_at=stamp(created + timedelta(days=3)),
            description=description,
            valid_until=valid_until,
            open=0 if kind == "closed" else 1,
            category_id=category,
            listing_shape_id=shape_id,
            transaction_process_id=process_id,
            price_cents=price,
            currency=currency,
            unit_type=unit,
            deleted=1 if kind == "deleted" else 0,
            availability=availability,
        )
        if kind != "no-location":
            jitter_lat = rng.randrange(-90, 91) / 10000
            jitter_lng = rng.randrange(-90, 91) / 10000
            street = rng.choice(self.pools.streets)
            self.add(
                "locations",
                latitude=round(city[1] + jitter_lat, 4),
                longitude=round(city[2] + jitter_lng, 4),
                address=None if kind == "google-address" else f"{street}, {city[0]}",
                google_address=f"{street}, {city[0]}, Finland"
                if community == 1
                else f"{street}, {city[0]}, USA",
                created_at=stamp(created),
                updated_at=stamp(created),
                listing_id=row["id"],
                location_type="origin_loc",
                community_id=community,
            )
        if community == COMMUNITY_ID:
            self.custom_values(row, created)
        row["_kind"] = kind
        return row

    def custom_values(self, listing: dict, created: datetime) -> None:
        rng, day = self.rng, stamp(created)
        for field_id, kind, *_ in FIELDS:
            if rng.random() < 0.45:
                continue
            value = self.add(
                "custom_field_values",
                custom_field_id=field_id,
                listing_id=listing["id"],
                created_at=day,
                updated_at=day,
                type=kind.replace("Field", "FieldValue").replace("Dropdown", "DropdownField"),
                delta=1,
            )
            if kind == "TextField":
                value["text_value"] = rng.choice(BRANDS)
            elif kind == "NumericField":
                value["numeric_value"] = (
                    float(rng.randrange(300, 2400, 50))
                    if field_id == 2
                    else rng.randrange(2, 120) / 4  # quarters: exact in a MySQL float
                )
            elif kind == "DateField":
                value["date_value"] = stamp(
                    datetime(2024, rng.randrange(1, 13), rng.randrange(1, 29))
                )
            else:
                options = self.option_ids[field_id]
                chosen = (
                    [rng.choice(options)]
                    if kind == "DropdownField"
                    else sorted(rng.sample(options, rng.randrange(1, len(options) + 1)))
                )
                for option in chosen:
                    self.add(
                        "custom_field_option_selections",
                        custom_field_value_id=value["id"],
                        custom_field_option_id=option,
                        listing_id=listing["id"],
                        created_at=day,
                        updated_at=day,
                    )

    def images(self, listings: list[dict]) -> list[dict]:
        rng, made = self.rng, []
        for listing in listings:
            if listing["_kind"] == "no-images":
                continue
            count = rng.choice([1, 1, 2, 2, 3, 4])
            created = datetime.strptime(listing["created_at"], "%Y-%m-%d %H:%M:%S")
            for position in range(count):
                name = rng.choice(
                    ["photo.jpg", "IMG_0042.JPG", "kuva1.jpeg", "työkalu.jpg", "side-view.png"]
                )
                made.append(
                    self.image(listing["id"], listing["author_id"], created, position, name)
                )
        return made

    def image(
        self,
        listing_id: int | None,
        author_id: str | None,
        created: datetime,
        position: int,
        name: str | None,
    ) -> dict:
        return self.add(
            "listing_images",
            listing_id=listing_id,
            created_at=stamp(created),
            updated_at=stamp(created),
            image_file_name=name,
            image_content_type="image/jpeg" if name else None,
            image_file_size=self.rng.randrange(80_000, 4_000_000) if name else None,
            image_updated_at=stamp(created) if name else None,
            image_processing=0,
            image_downloaded=1 if name else 0,
            error=None if name else "Image upload failed",
            width=1600 if name else None,
            height=1200 if name else None,
            author_id=author_id,
            position=position,
        )

    # transactions and testimonials

    def transactions(
        self, community: int, listings: list[dict], people: list[dict], count: int
    ) -> list[dict]:
        rng, made = self.rng, []
        everyone = {person["id"]: person for person in self.tables["people"]}
        for _ in range(count):
            listing = rng.choice(listings)
            starter = rng.choice([p for p in people if p["id"] != listing["author_id"]])
            created = self.when(datetime.strptime(listing["created_at"], "%Y-%m-%d %H:%M:%S"), END)
            community_uuid = self.tables["communities"][community - 1]["uuid"]
            listing_author = everyone[listing["author_id"]]
            made.append(
                self.add(
                    "transactions",
                    starter_id=starter["id"],
                    starter_uuid=starter["uuid"],
                    listing_id=listing["id"],
                    listing_uuid=listing["uuid"],
                    automatic_confirmation_after_days=14,
                    community_id=community,
                    community_uuid=community_uuid,
                    created_at=stamp(created),
                    updated_at=stamp(created + timedelta(days=5)),
                    current_state=rng.choice(["confirmed", "confirmed", "paid", "canceled"]),
                    payment_gateway="stripe",
                    listing_author_id=listing["author_id"],
                    listing_author_uuid=listing_author["uuid"],
                    listing_title=listing["title"],
                    unit_type=listing["unit_type"],
                    unit_price_cents=listing["price_cents"],
                    unit_price_currency=listing["currency"],
                    deleted=0,
                )
            )
        return made

    def testimonials(
        self, transactions: list[dict], people: list[dict], dirt: dict[str, int]
    ) -> list[dict]:
        rng, made = self.rng, []
        pairs = []
        for transaction in transactions:
            created = datetime.strptime(transaction["created_at"], "%Y-%m-%d %H:%M:%S")
            if rng.random() < 0.85:
                pairs.append(
                    (
                        transaction,
                        transaction["starter_id"],
                        transaction["listing_author_id"],
                        created,
                    )
                )
            if rng.random() < 0.6:
                pairs.append(
                    (
                        transaction,
                        transaction["listing_author_id"],
                        transaction["starter_id"],
                        created,
                    )
                )
        kinds = [kind for kind, n in dirt.items() for _ in range(n)]
        kinds += ["clean"] * (len(pairs) - len(kinds))
        rng.shuffle(kinds)
        for (transaction, author, receiver, created), kind in zip(pairs, kinds, strict=True):
            row = self.add(
                "testimonials",
                grade=rng.choice([0.0, 0.25, 0.5, 0.75, 0.75, 1.0, 1.0, 1.0]),
                text="" if kind == "no-text" else rng.choice(REVIEW_TEXTS),
                author_id=author,
                participation_id=None,
                transaction_id=transaction["id"],
                created_at=stamp(created + timedelta(days=rng.randrange(6, 20))),
                updated_at=stamp(created + timedelta(days=21)),
                receiver_id=receiver,
            )
            if kind == "no-transaction":
                # from the era before transactions: only a participation id survives
                row["transaction_id"] = None
                row["participation_id"] = rng.randrange(1000, 9000)
            row["_kind"] = kind
            row["_transaction"] = transaction
            made.append(row)
        return made

    def stripe_accounts(
        self, community: int, people: list[dict], customers_only: int
    ) -> list[dict]:
        rng, made = self.rng, []
        sellers = [p for p in people if p["_kind"] != "deleted" and rng.random() < 0.35]
        for index, person in enumerate(sellers):
            created = self.when(datetime.strptime(person["created_at"], "%Y-%m-%d %H:%M:%S"), END)
            customer_only = index < customers_only
            seller = (
                None
                if customer_only
                else "acct_" + "".join(rng.choice(ID_ALPHABET[:62]) for _ in range(16))
            )
            row = self.add(
                "stripe_accounts",
                person_id=person["id"],
                community_id=community,
                account_type="individual" if seller else None,
                stripe_seller_id=seller,
                stripe_customer_id="cus_"
                + "".join(rng.choice(ID_ALPHABET[:62]) for _ in range(14)),
                charges_enabled=1 if seller else 0,
                transfers_enabled=1 if seller else 0,
                created_at=stamp(created),
                updated_at=stamp(created),
            )
            row["_kind"] = "customer-only" if customer_only else "clean"
            made.append(row)
        return made


# The words the preset's reasons contain (its queries write them in the rejects file).
OTHER_COMMUNITY = "another Sharetribe Go community"
DELETED = "deleted in Sharetribe Go"
BANNED = "banned from the marketplace"
NO_EMAIL = "has no email address"
AVATAR_LEFT_OUT = "the avatar of a person who is left out"
NEVER_ATTACHED = "never attached to a listing"
NO_FILE = "has no image file"
NO_TRANSACTION = "has no transaction"
NO_SELLER = "has no connected account"
UNIT_WEEK = "week"  # the unit no map holds: the message names it


def build(seed: int = SEED) -> Sample:
    """Every row of the sample and the expected conversion of community 1."""
    b = Builder(seed)
    b.communities()
    people = b.people(
        COMMUNITY_ID,
        130,
        {
            "deleted": 5,
            "banned": 2,
            "no-email": 2,
            "no-family-name": 2,
            "unconfirmed": 6,
            "zero-date": 2,
            "two-emails": 3,
        },
    )
    others = b.people(OTHER_COMMUNITY_ID, 20, {})
    # A person of both marketplaces: Go keeps one people row per community, same address.
    twin = others[0]
    twin_source = next(p for p in people if p["_kind"] == "clean")
    for email in b.tables["emails"]:
        if email["person_id"] == twin["id"]:
            email["address"] = twin_source["_email"]
    active = [
        p for p in people if p["_kind"] not in ("deleted", "banned", "no-email", "no-family-name")
    ]
    banned = [p for p in people if p["_kind"] == "banned"]
    unnamed = [p for p in people if p["_kind"] == "no-family-name"]
    listings = b.listings(
        COMMUNITY_ID,
        active,
        170,
        {
            "deleted": 6,
            "closed": 10,
            "expired": 6,
            "zero-valid-until": 2,
            "no-images": 15,
            "weekly": 2,
            "no-location": 8,
            "google-address": 4,
            "no-currency": 3,
            "unit-from-shape": 4,
        },
    )
    # listings of people who are themselves rejected: they go with their author
    listings += [b.listing(COMMUNITY_ID, person, "clean") for person in banned + unnamed]
    listings.sort(key=lambda row: row["id"])
    other_listings = b.listings(OTHER_COMMUNITY_ID, others, 15, {})
    b.images(listings)
    created = datetime(2021, 4, 1, 12, 0, 0)
    for _ in range(4):  # uploaded while writing a listing that was never saved
        b.image(None, b.rng.choice(active)["id"], created, 0, "photo.jpg")
    for _ in range(3):  # the upload never finished: no file
        b.image(b.rng.choice(listings[:60])["id"], None, created, 5, None)
    b.images(other_listings)
    transactions = b.transactions(COMMUNITY_ID, listings, people[:40] + active, 110)
    other_transactions = b.transactions(OTHER_COMMUNITY_ID, other_listings, others, 8)
    testimonials = b.testimonials(transactions, people, {"no-transaction": 4, "no-text": 2})
    other_testimonials = b.testimonials(other_transactions, others, {})
    stripe = b.stripe_accounts(COMMUNITY_ID, active + banned, 3)
    other_stripe = b.stripe_accounts(OTHER_COMMUNITY_ID, others, 0)

    # -- expectations (see README.md: "What the conversion gives") -------------------------------
    e = b.expected
    e.read.update(
        user=len(people) + len(others),
        listing=len(listings) + len(other_listings),
        image=len(b.tables["listing_images"])
        + sum(1 for p in people + others if p["image_file_name"]),
        stripeAccount=len(stripe) + len(other_stripe),
        review=len(testimonials) + len(other_testimonials),
    )
    left_out_people = set()
    for person in sorted(people + others, key=lambda p: p["id"]):
        kind, pid = person["_kind"], person["id"]
        reason = None
        if person["community_id"] != COMMUNITY_ID:
            reason = OTHER_COMMUNITY
        elif kind == "deleted":
            reason = DELETED
        elif kind == "banned":
            reason = BANNED
        elif kind == "no-email":
            reason = NO_EMAIL
        if reason is not None:
            b.reject("user", pid, "transform-failed", reason)
            left_out_people.add(pid)
        elif kind == "no-family-name":
            b.reject("user", pid, "attribute-required", "lastName")
            left_out_people.add(pid)
        if person["image_file_name"] and pid in left_out_people:
            b.reject("image", f"avatar-{pid}", "transform-failed", AVATAR_LEFT_OUT)
    for listing in listings + other_listings:
        if listing["community_id"] != COMMUNITY_ID:
            b.reject("listing", listing["id"], "transform-failed", OTHER_COMMUNITY)
        elif listing["_kind"] == "deleted":
            b.reject("listing", listing["id"], "transform-failed", DELETED)
        elif listing["_kind"] == "weekly":
            b.reject("listing", listing["id"], "transform-failed", UNIT_WEEK)
        elif listing["author_id"] in left_out_people:
            b.reject(
                "listing", listing["id"], "ref-target-rejected", f'user "{listing["author_id"]}"'
            )
    for image in b.tables["listing_images"]:
        if image["listing_id"] is None:
            b.reject("image", image["id"], "transform-failed", NEVER_ATTACHED)
        elif image["image_file_name"] is None:
            b.reject("image", image["id"], "transform-failed", NO_FILE)
        elif str(image["listing_id"]) in b.rejected["listing"]:
            b.reject(
                "image", image["id"], "ref-target-rejected", f'listing "{image["listing_id"]}"'
            )
    for account in stripe + other_stripe:
        if account["community_id"] != COMMUNITY_ID:
            b.reject("stripeAccount", account["id"], "transform-failed", OTHER_COMMUNITY)
        elif account["_kind"] == "customer-only":
            b.reject("stripeAccount", account["id"], "transform-failed", NO_SELLER)
        elif account["person_id"] in left_out_people:
            b.reject(
                "stripeAccount",
                account["id"],
                "ref-target-rejected",
                f'user "{account["person_id"]}"',
            )
    for review in testimonials + other_testimonials:
        transaction = review["_transaction"]
        of_provider = review["author_id"] == transaction["starter_id"]
        targets = [
            f'user "{person}"'
            for person in (review["author_id"], review["receiver_id"])
            if person in left_out_people
        ]
        if of_provider and str(transaction["listing_id"]) in b.rejected["listing"]:
            targets.append(f'listing "{transaction["listing_id"]}"')
        if review["_kind"] == "no-transaction":
            b.reject("review", review["id"], "transform-failed", NO_TRANSACTION)
        elif transaction["community_id"] != COMMUNITY_ID:
            b.reject("review", review["id"], "transform-failed", OTHER_COMMUNITY)
        elif review["_kind"] == "no-text":
            b.reject("review", review["id"], "attribute-required", "content")
        elif targets:
            b.reject("review", review["id"], "ref-target-rejected", *targets)
    for rows in b.tables.values():
        for row in rows:
            for key in [key for key in row if key.startswith("_")]:
                del row[key]
    return Sample(b.tables, e)


def expected_document(sample: Sample) -> dict[str, Any]:
    """The content of ``expected.json``: rows per table, and the conversion per type."""
    by_type: dict[str, list[dict[str, Any]]] = {name: [] for name in RECORD_TYPES}
    for reject in sample.expected.rejects:
        by_type[reject["record_type"]].append(reject)
    types = {}
    left_out: dict[str, dict[str, int]] = {}
    for name in RECORD_TYPES:
        rejected = len(by_type[name])
        read = sample.expected.read[name]
        types[name] = {"read": read, "written": read - rejected, "rejected": rejected}
        left_out[name] = dict(sorted(Counter(_reason_key(r) for r in by_type[name]).items()))
    rejects = sorted(
        sample.expected.rejects,
        key=lambda r: (RECORD_TYPES.index(r["record_type"]), _id_key(r["source_id"])),
    )
    return {
        "about": "written by samples/sharetribe-go/generate.py; see README.md",
        "seed": SEED,
        "community_id": COMMUNITY_ID,
        "tables": {name: len(rows) for name, rows in sample.tables.items()},
        "types": types,
        "reasons": left_out,
        "rejects": rejects,
    }


def _reason_key(reject: dict[str, Any]) -> str:
    """How ``expected.json`` counts a reject: its reason, or the rule for the engine's own."""
    if reject["rule"] == "ref-target-rejected":
        return "ref-target-rejected: refers to a rejected row"
    if reject["rule"] == "attribute-required":
        return f"attribute-required: no {reject['reasons'][0]}"
    if reject["reasons"] == [UNIT_WEEK]:
        return "unit week: no Sharetribe unit type"
    return reject["reasons"][0]


def _id_key(source_id: str) -> tuple[int, int, str]:
    if source_id.isdigit():
        return (0, len(source_id), source_id)
    return (1, 0, source_id)


# -- writers ------------------------------------------------------------------------------------


def write_sqlite(sample: Sample, path: Path) -> None:
    """Write the SQLite copy at ``path`` (replaced atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".generate-", suffix=".db", dir=path.parent)
    os.close(handle)
    try:
        connection = sqlite3.connect(temporary)
        try:
            for name, _, columns, _ in SCHEMA:
                connection.execute(sqlite_ddl(name, columns))
                marks = ", ".join("?" * len(columns))
                connection.executemany(
                    f"INSERT INTO {name} VALUES ({marks})",
                    [tuple(row[c] for c, _ in columns) for row in sample.tables[name]],
                )
            connection.commit()
            connection.execute("VACUUM")
        finally:
            connection.close()
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the sample is a plain file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_mysql(sample: Sample, url: str, database: str | None) -> str:
    """Fill the MySQL/MariaDB database (``database``, or the URL's) with the sample's tables.

    The database is created when missing; the sample's tables are dropped and created again.
    Returns the URL of the filled database with the password hidden.
    """
    import sqlalchemy as sa

    target = sa.make_url(url)
    if database is not None:
        if not database.replace("_", "").isalnum():
            raise SystemExit(f"--database {database}: use letters, digits and _ only")
        server = sa.create_engine(target.set(database=""))
        try:
            with server.connect() as connection:
                connection.execute(
                    sa.text(
                        f"CREATE DATABASE IF NOT EXISTS `{database}` "
                        "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                    )
                )
        finally:
            server.dispose()
        target = target.set(database=database)
    target = target.update_query_dict({"charset": "utf8mb4"})
    engine = sa.create_engine(target)
    try:
        with engine.begin() as connection:
            # Old Go servers ran without NO_ZERO_DATE: keep their zero dates possible.
            connection.execute(sa.text("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'"))
            for name, charset, columns, keys in SCHEMA:
                connection.execute(sa.text(f"DROP TABLE IF EXISTS `{name}`"))
                connection.execute(sa.text(mysql_ddl(name, charset, columns, keys)))
                rows = [{c: row[c] for c, _ in columns} for row in sample.tables[name]]
                if rows:
                    marks = ", ".join(f":{c}" for c, _ in columns)
                    names = ", ".join(f"`{c}`" for c, _ in columns)
                    connection.execute(
                        sa.text(f"INSERT INTO `{name}` ({names}) VALUES ({marks})"), rows
                    )
    finally:
        engine.dispose()
    return target.render_as_string(hide_password=True)


def summary(document: dict[str, Any]) -> Iterable[str]:
    """What was written and what the conversion must give, as lines of text."""
    tables = document["tables"]
    yield f"wrote {sum(tables.values())} rows in {len(tables)} tables: " + ", ".join(
        f"{name} {count}" for name, count in tables.items()
    )
    yield f"expected conversion of community {document['community_id']} (read / written / rejected):"
    for name, counts in document["types"].items():
        yield f"  {name:14} {counts['read']:4} / {counts['written']:4} / {counts['rejected']:3}"
        for reason, count in document["reasons"][name].items():
            yield f"      {count:3} {reason}"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``generate.py [--out DIR] [--mysql-url-env NAME [--database DB]]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=HERE, help="folder of the SQLite copy and expected.json"
    )
    parser.add_argument(
        "--mysql-url-env",
        metavar="NAME",
        help="environment variable holding a mysql+pymysql:// URL to fill too",
    )
    parser.add_argument(
        "--database", help="database to create or empty on that server (default: the URL's)"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    sample = build(args.seed)
    document = expected_document(sample)
    write_sqlite(sample, args.out / SQLITE_NAME)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    (args.out / EXPECTED_NAME).write_text(text, encoding="utf-8")
    for line in summary(document):
        print(line)
    print(f"wrote {args.out / SQLITE_NAME} and {args.out / EXPECTED_NAME}")
    if args.mysql_url_env:
        url = os.environ.get(args.mysql_url_env)
        if not url:
            print(f"error: environment variable {args.mysql_url_env} is not set", file=sys.stderr)
            return 2
        print(f"filled {write_mysql(sample, url, args.database)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
