"""Generate Stayfinch, the fictional short-term-rental site bundled as the relational sample.

``python samples/rental/generate.py`` rewrites the committed export (``listings.csv``,
``reviews.csv`` and ``expected-rejects.csv`` in ``samples/rental``) with a fixed seed, byte for byte the same every
time. ``--scale N --out DIR`` writes an N-times larger copy elsewhere (with the job file, its
function module and the marketplace configuration) for benchmarks.

The export has the shape of a public booking-site scrape: one denormalised ``listings.csv``
(the host's id, name, "since" date, bio and photo repeated on every listing of that host) and
``reviews.csv`` keyed by listing only (no host id, no star rating: the rating is a
listing-level average). There are no email addresses anywhere. Every name and text is made up
here (Faker with a fixed seed); the columns and the dirt are described in ``samples/README.md``,
and the rows the converter must reject are listed, with their rule code, in
``expected-rejects.csv``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

SEED = 20261201
# Faker's word lists change between releases: the committed files come from this version.
BUILT_WITH = {"Faker": "40.63.0"}
HERE = Path(__file__).resolve().parent

BASE_HOSTS = 150
SCRAPED = date(2024, 9, 28)
FIRST_DAY = date(2011, 3, 1)
LOCALES = ["en_US", "pt_PT", "es_ES", "fr_FR", "de_DE"]
IMAGE_HOST = "https://img.stayfinch.example"
SITE = "https://www.stayfinch.example"

NEIGHBOURHOODS = [
    ("Riverside", 45.5231, -122.6765),
    ("Old Town", 45.5246, -122.6712),
    ("Hillcrest", 45.5012, -122.7021),
    ("Alder Park", 45.5358, -122.6411),
    ("Eastmoreland", 45.4791, -122.6362),
    ("Lakeview", 45.5541, -122.6905),
    ("Cedar Flats", 45.5123, -122.6103),
    ("North Docks", 45.5702, -122.7184),
]
ROOM_TYPES = {
    "Entire home/apt": ["Entire rental unit", "Entire home", "Entire loft", "Entire condo"],
    "Private room": [
        "Private room in home",
        "Private room in rental unit",
        "Room in bed and breakfast",
    ],
    "Shared room": ["Shared room in hostel", "Shared room in home"],
    "Hotel room": ["Room in boutique hotel", "Room in hotel"],
}
ROOM_WEIGHTS = {"Entire home/apt": 62, "Private room": 30, "Shared room": 4, "Hotel room": 4}
#: Amenity names as the site writes them; the marketplace's ``amenities`` field has one option
#: per name (``samples/rental/marketplace``), its id the name in kebab case.
AMENITIES = [
    "Wifi",
    "Kitchen",
    "Washer",
    "Dryer",
    "Air conditioning",
    "Heating",
    "Dedicated workspace",
    "TV",
    "Hair dryer",
    "Iron",
    "Free parking on premises",
    "Free street parking",
    "Pool",
    "Hot tub",
    "EV charger",
    "Crib",
    "Gym",
    "BBQ grill",
    "Breakfast",
    "Indoor fireplace",
    "Smoking allowed",
    "Pets allowed",
    "Self check-in",
    "Smoke alarm",
    "Carbon monoxide alarm",
    "Coffee maker",
    "Dishwasher",
    "Patio or balcony",
    "Children's books and toys",
    "Luggage dropoff allowed",
]
ADJECTIVES = ["Bright", "Cozy", "Quiet", "Modern", "Charming", "Spacious", "Sunny", "Stylish"]
PLACES = ["loft", "studio", "bungalow", "apartment", "guest suite", "townhouse", "room", "cabin"]
FEATURES = ["near the river", "with garden", "by the park", "with balcony", "downtown", "with view"]
RESPONSE_TIMES = ["within an hour", "within a few hours", "within a day", "a few days or more"]

LISTING_COLUMNS = [
    "id",
    "listing_url",
    "scrape_id",
    "last_scraped",
    "source",
    "name",
    "description",
    "neighborhood_overview",
    "picture_url",
    "host_id",
    "host_url",
    "host_name",
    "host_since",
    "host_location",
    "host_about",
    "host_response_time",
    "host_response_rate",
    "host_acceptance_rate",
    "host_is_superhost",
    "host_thumbnail_url",
    "host_picture_url",
    "host_listings_count",
    "host_verifications",
    "host_identity_verified",
    "neighbourhood_cleansed",
    "latitude",
    "longitude",
    "property_type",
    "room_type",
    "accommodates",
    "bathrooms_text",
    "bedrooms",
    "beds",
    "amenities",
    "price",
    "minimum_nights",
    "maximum_nights",
    "has_availability",
    "availability_365",
    "number_of_reviews",
    "first_review",
    "last_review",
    "review_scores_rating",
    "review_scores_cleanliness",
    "review_scores_location",
    "license",
    "instant_bookable",
    "calculated_host_listings_count",
    "reviews_per_month",
]
REVIEW_COLUMNS = ["listing_id", "id", "date", "reviewer_id", "reviewer_name", "comments"]
RECORD_TYPES = ["user", "listing", "image", "review"]


@dataclass
class Expected:
    """Which source rows the converter must reject, and with which rule code."""

    rows: dict[str, dict[str, str]] = field(default_factory=lambda: {t: {} for t in RECORD_TYPES})

    def add(self, record_type: str, source_id: str | int, code: str) -> None:
        """Record that ``record_type`` row ``source_id`` is rejected with ``code``."""
        self.rows[record_type].setdefault(str(source_id), code)

    def rejected(self, record_type: str, source_id: str | int) -> bool:
        """Whether that row is already expected to be rejected."""
        return str(source_id) in self.rows[record_type]

    @property
    def rejects(self) -> list[tuple[str, str, str]]:
        """All rejects, by record type, each type by source id (numerically)."""
        return [
            (record_type, source_id, code)
            for record_type in RECORD_TYPES
            for source_id, code in sorted(self.rows[record_type].items(), key=_id_order)
        ]


def _id_order(item: tuple[str, str]) -> tuple[int, int, str]:
    text = item[0]
    digits = text.rpartition("-")[2]
    return (0, int(digits), text) if digits.isdigit() else (1, 0, text)


@dataclass
class Pools:
    """Word pools drawn once from Faker (seeded), so the rest needs only ``random``."""

    first_names: list[str]
    sentences: list[str]
    words: list[str]
    #: Bios are personal data: their sentences are never used in listings or reviews, so the
    #: anonymiser's leak check can tell a bio kept by mistake from a shared phrase.
    bio_sentences: list[str]


@dataclass
class Host:
    """One host: the values repeated on each of their listings."""

    id: int
    name: str
    since: date
    about: str
    picture: str
    superhost: str
    response_time: str
    response_rate: str
    acceptance_rate: str
    verified: str
    listing_ids: list[int] = field(default_factory=list)


@dataclass
class Listing:
    """One listing row before it is written; ``reviews`` are filled in afterwards."""

    id: int
    host: Host
    values: dict[str, str]
    reviews: list[dict[str, str]] = field(default_factory=list)
    rated: bool = True


def build_pools(seed: int) -> Pools:
    """Draw first names and sentences from Faker (seeded)."""
    from faker import Faker

    fake = Faker(LOCALES)
    fake.seed_instance(seed)
    names = sorted({fake.first_name() for _ in range(2500)} - {""})
    english = fake["en_US"]
    sentences = sorted({english.sentence(nb_words=9) for _ in range(800)})
    words = sorted({w.lower() for w in english.words(500) if w.isalpha()})
    bios = sorted({english.sentence(nb_words=8) for _ in range(400)} - set(sentences))
    return Pools(names, sentences, words, bios)


class Ids:
    """Unique random ids from a range (ids of one kind never repeat)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[int] = set()

    def draw(self, low: int, high: int) -> int:
        """A new id in ``[low, high]``."""
        while True:
            value = self.rng.randint(low, high)
            if value not in self.used:
                self.used.add(value)
                return value

    def listing(self) -> int:
        """Old listings have short ids, newer ones 19-digit ids (as on the real site)."""
        if self.rng.random() < 0.55:
            return self.draw(10_000, 54_999_999)
        return self.draw(1_000_000_000_000_000_000, 1_249_999_999_999_999_999)


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange(max(1, (last - first).days + 1)))


def _money(amount: int) -> str:
    return f"${amount:,}.00"


def _html_description(rng: random.Random, pools: Pools, title: str, area: str) -> str:
    parts = [
        f"{title}. " + rng.choice(pools.sentences),
        "<br /><br /><b>The space</b><br />" + " ".join(rng.sample(pools.sentences, 2)),
        "<br /><br /><b>Guest access</b><br />Keyless entry &amp; a locked bike room.",
    ]
    if rng.random() < 0.4:
        parts.append(
            f"<br /><br /><b>Neighbourhood</b><br />{area} is a short walk away &ndash; "
            + rng.choice(pools.sentences)
        )
    return "".join(parts[: rng.randint(2, len(parts))])


def _host(rng: random.Random, pools: Pools, ids: Ids) -> Host:
    host_id = ids.draw(1_000, 599_999_999)
    name = rng.choice(pools.first_names)
    if rng.random() < 0.08:
        name = f"{name} & {rng.choice(pools.first_names)}"
    since = _day(rng, FIRST_DAY, date(2023, 6, 30))
    about = ""
    if rng.random() < 0.6:
        about = " ".join(rng.sample(pools.bio_sentences, rng.randint(1, 3)))
        if rng.random() < 0.3:
            about += "\n\n" + rng.choice(pools.bio_sentences)
    picture = ""
    if rng.random() < 0.93:
        picture = f"{IMAGE_HOST}/users/{host_id}/profile-{rng.getrandbits(32):08x}.jpg"
    return Host(
        id=host_id,
        name=name,
        since=since,
        about=about,
        picture=picture,
        superhost=rng.choice("tff"),
        response_time=rng.choice(RESPONSE_TIMES) if rng.random() < 0.8 else "",
        response_rate=f"{rng.choice([100, 100, 98, 95, 90, 80, 67])}%"
        if rng.random() < 0.8
        else "",
        acceptance_rate=f"{rng.randint(60, 100)}%" if rng.random() < 0.85 else "",
        verified=rng.choice("ttf"),
    )


def _listing(rng: random.Random, pools: Pools, ids: Ids, host: Host) -> Listing:
    listing_id = ids.listing()
    area, lat, lng = rng.choice(NEIGHBOURHOODS)
    room = rng.choices(list(ROOM_WEIGHTS), weights=list(ROOM_WEIGHTS.values()))[0]
    title = f"{rng.choice(ADJECTIVES)} {rng.choice(PLACES)} {rng.choice(FEATURES)}"
    accommodates = rng.randint(1, 4) if room != "Entire home/apt" else rng.randint(2, 10)
    bedrooms = (
        "" if room != "Entire home/apt" or rng.random() < 0.15 else str(max(1, accommodates // 2))
    )
    amenities = rng.sample(AMENITIES, rng.randint(3, 14))
    available = rng.random() < 0.88
    price = _money(
        rng.choice([35, 49, 59, 75, 89, 95, 120, 145, 189, 240, 310]) + rng.randint(0, 40)
    )
    if accommodates >= 8 and rng.random() < 0.5:
        price = _money(rng.randint(1_000, 1_900))
    values = {
        "id": str(listing_id),
        "listing_url": f"{SITE}/rooms/{listing_id}",
        "scrape_id": "20240928001234567",
        "last_scraped": SCRAPED.isoformat(),
        "source": rng.choice(["city scrape", "city scrape", "previous scrape"]),
        "name": title,
        "description": _html_description(rng, pools, title, area),
        "neighborhood_overview": (
            f"{area}: " + rng.choice(pools.sentences) + "<br />" + rng.choice(pools.sentences)
            if rng.random() < 0.6
            else ""
        ),
        "picture_url": f"{IMAGE_HOST}/listings/{listing_id}/{rng.getrandbits(48):012x}.jpeg",
        "neighbourhood_cleansed": area,
        "latitude": f"{lat + rng.uniform(-0.02, 0.02):.5f}",
        "longitude": f"{lng + rng.uniform(-0.02, 0.02):.5f}",
        "property_type": rng.choice(ROOM_TYPES[room]),
        "room_type": room,
        "accommodates": str(accommodates),
        "bathrooms_text": rng.choice(
            ["1 bath", "1.5 baths", "2 baths", "1 shared bath", "1 private bath"]
        ),
        "bedrooms": bedrooms,
        "beds": str(max(1, accommodates - rng.randint(0, 2))),
        "amenities": repr(sorted(amenities, key=AMENITIES.index)),
        "price": price if available else "",
        "minimum_nights": str(rng.choice([1, 1, 2, 2, 3, 30])),
        "maximum_nights": str(rng.choice([30, 365, 1125])),
        "has_availability": "t" if available else "f",
        "availability_365": str(rng.randint(0, 365) if available else 0),
        "license": rng.choice(["", "", f"STR-{rng.randint(10_000, 99_999)}", "Exempt"]),
        "instant_bookable": rng.choice("tff"),
    }
    return Listing(listing_id, host, values)


def _host_values(host: Host, count: int) -> dict[str, str]:
    return {
        "host_id": str(host.id),
        "host_url": f"{SITE}/users/show/{host.id}",
        "host_name": host.name,
        "host_since": host.since.isoformat(),
        "host_location": "Portland, OR",
        "host_about": host.about,
        "host_response_time": host.response_time,
        "host_response_rate": host.response_rate,
        "host_acceptance_rate": host.acceptance_rate,
        "host_is_superhost": host.superhost,
        "host_thumbnail_url": host.picture.replace("/profile-", "/thumb-"),
        "host_picture_url": host.picture,
        "host_listings_count": str(count),
        "host_verifications": repr(["phone", "work_email"] if host.verified == "t" else ["phone"]),
        "host_identity_verified": host.verified,
        "calculated_host_listings_count": str(count),
    }


def _comment(rng: random.Random, pools: Pools, host: Host) -> str:
    text = " ".join(rng.sample(pools.sentences, rng.randint(1, 3)))
    style = rng.random()
    if style < 0.25:
        text = f"{host.name.split(' ')[0]} was a wonderful host! " + text
    elif style < 0.4:
        text = text + "<br/>" + rng.choice(pools.sentences)
    elif style < 0.47:
        text = text + "\r\n\r\n" + rng.choice(pools.sentences)
    elif style < 0.5:
        text = "  " + text + " "
    return text


@dataclass
class Reviewer:
    """A person who wrote reviews; ``host`` when they are a host too (same id space)."""

    id: int
    name: str
    host: Host | None = None


def generate(out: Path, scale: int = 1, seed: int = SEED) -> Expected:
    """Write ``listings.csv``, ``reviews.csv`` and ``expected-rejects.csv`` under ``out``."""
    rng = random.Random(seed)
    pools = build_pools(seed)
    ids = Ids(rng)
    expected = Expected()

    hosts = [_host(rng, pools, ids) for _ in range(BASE_HOSTS * scale)]
    listings: list[Listing] = []
    for index, host in enumerate(hosts):
        if index % BASE_HOSTS < 2:  # property managers with many listings
            count = rng.randint(14, 24)
        else:
            count = rng.choices([1, 2, 3, 4, 6], weights=[62, 20, 9, 6, 3])[0]
        for _ in range(count):
            listing = _listing(rng, pools, ids, host)
            host.listing_ids.append(listing.id)
            listings.append(listing)
    by_id = {listing.id: listing for listing in listings}

    _host_dirt(rng, hosts, by_id, scale, expected)
    _listing_dirt(rng, listings, scale, expected)
    reviews = _reviews(rng, pools, ids, hosts, listings, scale, expected)

    for listing in listings:
        rows = listing.reviews
        dates = sorted(row["date"] for row in rows)
        rated = bool(rows) and listing.rated
        months = max(1.0, (SCRAPED - date.fromisoformat(dates[0])).days / 30.4) if dates else 0
        listing.values.update(
            {
                "number_of_reviews": str(len(rows)),
                "first_review": dates[0] if dates else "",
                "last_review": dates[-1] if dates else "",
                "review_scores_rating": f"{rng.triangular(3.4, 5.0, 4.9):.2f}" if rated else "",
                "review_scores_cleanliness": f"{rng.triangular(3.0, 5.0, 4.8):.2f}"
                if rated
                else "",
                "review_scores_location": f"{rng.triangular(3.5, 5.0, 4.9):.2f}" if rated else "",
                "reviews_per_month": f"{len(rows) / months:.2f}" if dates else "",
            }
        )

    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".generate-", dir=out))
    try:
        _write_csv(tmp / "listings.csv", LISTING_COLUMNS, _listing_rows(listings))
        _write_csv(tmp / "reviews.csv", REVIEW_COLUMNS, reviews)
        _write_csv(
            tmp / "expected-rejects.csv",
            ["record_type", "source_id", "rule_code"],
            [
                dict(zip(["record_type", "source_id", "rule_code"], r, strict=True))
                for r in expected.rejects
            ],
        )
        for name in ("listings.csv", "reviews.csv", "expected-rejects.csv"):
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return expected


def _listing_rows(listings: list[Listing]):
    for listing in sorted(listings, key=lambda item: item.id):
        yield listing.values


def _write_csv(path: Path, columns: list[str], rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _reject_listing(listing: Listing, code: str, expected: Expected) -> None:
    """The listing is rejected with ``code``; its picture goes with it (its reviews later)."""
    expected.add("listing", listing.id, code)
    expected.add("image", f"listing-{listing.id}", "ref-target-rejected")


def _host_dirt(rng, hosts: list[Host], by_id: dict[int, Listing], scale: int, expected: Expected):
    """Host values repeated on each listing row, with the variation real scrapes have."""
    two = [h for h in hosts if len(h.listing_ids) == 2]
    one = [h for h in hosts if len(h.listing_ids) == 1]
    conflicted = rng.sample(two, scale)
    nameless = rng.sample(one, scale)
    for host in conflicted + nameless:
        host.picture = ""  # so no avatar image is left without its user
    for host in hosts:
        rows = [by_id[i].values for i in host.listing_ids]
        for row in rows:
            row.update(_host_values(host, len(rows)))
        if host in nameless:
            rows[0]["host_name"] = ""
            expected.add("user", host.id, "attribute-required")
        elif host in conflicted:
            # The host renamed their profile between the two listings' scrapes.
            rows[1]["host_name"] = f"{host.name} & {rng.choice(['Tom', 'Ines', 'Lea', 'Sam'])}"
            expected.add("user", host.id, "merge-conflict")
        elif len(rows) > 1:
            # Repaired by the merge policies: bios, pictures and badges missing from some rows,
            # "since" dates a day apart (scraped in another time zone): the earliest wins.
            for row in rows[1:]:
                if host.about and rng.random() < 0.3:
                    row["host_about"] = ""
                if host.picture and rng.random() < 0.15:
                    row["host_picture_url"] = row["host_thumbnail_url"] = ""
                if rng.random() < 0.1:
                    row["host_is_superhost"] = ""
            if rng.random() < 0.12:
                rows[-1]["host_since"] = (host.since + timedelta(days=1)).isoformat()
        if expected.rejected("user", host.id):
            for listing_id in host.listing_ids:
                _reject_listing(by_id[listing_id], "ref-target-rejected", expected)


def _listing_dirt(rng, listings: list[Listing], scale: int, expected: Expected) -> None:
    clean = [item for item in listings if not expected.rejected("listing", item.id)]
    picked = rng.sample(clean, 14 * scale)
    untitled, swapped, truncated, relative, spaced, unrated = (
        picked[start * scale : (start + size) * scale]
        for start, size in [(0, 3), (3, 1), (4, 1), (5, 3), (8, 5), (13, 1)]
    )
    for listing in untitled:
        listing.values["name"] = ""
        _reject_listing(listing, "attribute-required", expected)
    for listing in swapped:
        values = listing.values
        values["latitude"], values["longitude"] = values["longitude"], values["latitude"]
        _reject_listing(listing, "location-range", expected)
    for listing in truncated:
        # The export tool cut the cell off: not a list literal any more.
        listing.values["amenities"] = listing.values["amenities"][:23]
        _reject_listing(listing, "transform-failed", expected)
    for listing in relative:
        listing.values["picture_url"] = f"pictures/{listing.id}/cover.jpeg"
        expected.add("image", f"listing-{listing.id}", "url-invalid")
    for listing in spaced:
        listing.values["picture_url"] = f"{IMAGE_HOST}/listings/{listing.id}/Wohnzimmer Süd 1.jpeg"
    for listing in unrated:
        listing.rated = False  # reviews, but the site shows no average: no rating to derive


def _reviews(rng, pools, ids: Ids, hosts, listings, scale: int, expected: Expected) -> list[dict]:
    reviewing_hosts = rng.sample(
        [h for h in hosts if not expected.rejected("user", h.id)], 4 * scale
    )
    reviewers: list[Reviewer] = []
    ok_listings = [item for item in listings if not expected.rejected("listing", item.id)]
    by_listing = {item.id: item for item in listings}
    rows: list[dict[str, str]] = []

    def add(listing: Listing, reviewer: Reviewer, day: date) -> dict[str, str]:
        review_id = (
            ids.draw(10_000, 999_999_999)
            if day.year < 2023
            else ids.draw(700_000_000_000_000_000, 1_249_999_999_999_999_999)
        )
        row = {
            "listing_id": str(listing.id),
            "id": str(review_id),
            "date": day.isoformat(),
            "reviewer_id": str(reviewer.id),
            "reviewer_name": reviewer.name,
            "comments": _comment(rng, pools, listing.host),
        }
        listing.reviews.append(row)
        rows.append(row)
        if expected.rejected("listing", listing.id) or expected.rejected("user", listing.host.id):
            expected.add("review", review_id, "ref-target-rejected")
        return row

    def new_reviewer() -> Reviewer:
        reviewer = Reviewer(ids.draw(1_000, 599_999_999), rng.choice(pools.first_names))
        reviewers.append(reviewer)
        return reviewer

    for listing in listings:
        count = rng.choices([0, 1, 2, 3, 5, 8, 12, 20], weights=[25, 12, 10, 8, 14, 12, 11, 8])[0]
        if not listing.rated:
            count = 2
        first = max(listing.host.since + timedelta(days=20), date(2012, 1, 1))
        for _ in range(count):
            day = _day(rng, first, SCRAPED - timedelta(days=3))
            if reviewers and rng.random() < 0.12:
                reviewer = rng.choice(reviewers)
            else:
                reviewer = new_reviewer()
            add(listing, reviewer, day)
    for listing in listings:
        if not listing.rated:
            for row in listing.reviews:
                expected.add("review", row["id"], "attribute-required")

    # Hosts review other hosts' places too, under their host id, after their own "since" date.
    rated = [item for item in ok_listings if item.rated]
    for host in reviewing_hosts:
        reviewer = Reviewer(host.id, host.name.split(" & ")[0], host)
        for _ in range(rng.randint(1, 3)):
            listing = rng.choice(rated)
            while listing.host is host:
                listing = rng.choice(rated)
            first = max(host.since, listing.host.since) + timedelta(days=20)
            add(listing, reviewer, _day(rng, first, SCRAPED - timedelta(days=3)))

    host_ids = {host.id for host in reviewing_hosts}
    clean = [
        row
        for row in rows
        if not expected.rejected("review", row["id"]) and int(row["reviewer_id"]) not in host_ids
    ]
    per_reviewer = Counter(row["reviewer_id"] for row in rows)
    once = [row for row in clean if per_reviewer[row["reviewer_id"]] == 1]
    chosen = rng.sample(once, 9 * scale + 2 * scale)
    for row in chosen[: 5 * scale]:
        row["comments"] = rng.choice(["", "  "])  # nothing after trimming
        expected.add("review", row["id"], "attribute-required")
    for row in chosen[5 * scale : 9 * scale]:
        # Reviews of a listing that was taken down before the scrape: not in listings.csv.
        by_listing[int(row["listing_id"])].reviews.remove(row)
        row["listing_id"] = str(ids.listing())
        expected.add("review", row["id"], "lookup-unmatched")
    for row in chosen[9 * scale :]:
        row["reviewer_name"] = ""  # a deleted account keeps its reviews, loses its name
        expected.add("user", row["reviewer_id"], "attribute-required")
        expected.add("review", row["id"], "ref-target-rejected")
    rows.sort(key=lambda row: (int(row["listing_id"]), row["date"], int(row["id"])))
    return rows


def copy_job(out: Path) -> None:
    """Make a copy elsewhere self-contained: the job file and the marketplace configuration
    it checks against."""
    shutil.copyfile(HERE / "job.toml", out / "job.toml")
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
        copy_job(out)
    print(f"wrote {out} ({len(expected.rejects)} expected rejects)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
