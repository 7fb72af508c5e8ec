"""``migrate init`` on a denormalised export: embedded people, images, lookups, placeholders.

The export is written by :func:`write_export` below, a small deterministic script in the shape
of a booking-site scrape (never real data): one listings file repeating each host's id, name,
"since" date, bio and picture on every listing of that host, one reviews file keyed by listing
only (no host id), no email anywhere, no per-review rating but a listing-level average.
"""

from __future__ import annotations

import csv
import random
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.convert.starter import embedded_groups, guess_type

FIRST_NAMES = ("Ilse", "Tomas", "Marit", "Oskar", "Jonna", "Pekka", "Saga", "Viggo", "Alva")
PLACES = ("Fjellvik", "Nordby", "Strandaas", "Lysekil", "Varnes")
WORDS = ("bright", "quiet", "cosy", "airy", "rustic", "modern", "warm", "sunny", "calm")

LISTING_COLUMNS = [
    "id",
    "listing_url",
    "name",
    "description",
    "picture_url",
    "host_id",
    "host_url",
    "host_name",
    "host_since",
    "host_location",
    "host_about",
    "host_is_superhost",
    "host_thumbnail_url",
    "host_picture_url",
    "host_listings_count",
    "latitude",
    "longitude",
    "room_type",
    "amenities",
    "price",
    "number_of_reviews",
    "review_scores_rating",
]
REVIEW_COLUMNS = ["listing_id", "id", "date", "reviewer_id", "reviewer_name", "comments"]


def write_export(folder: Path, *, seed: int = 11, hosts: int = 5, listings: int = 14) -> None:
    """``listings.csv`` and ``reviews.csv`` of a fictional rental site, the same for one seed.

    Ids are 19-digit, prices ``"$1,379.00"``, booleans ``t``/``f``, amenities a Python-literal
    list, HTML in descriptions and some comments; one host has no picture, one no bio.
    """
    rng = random.Random(seed)
    people = []
    for number in range(hosts):
        host_id = str(1_180_000_000_000_000_000 + number * 7_919)
        people.append(
            {
                "host_id": host_id,
                "host_url": f"https://rentals.example.net/users/show/{host_id}",
                "host_name": FIRST_NAMES[number % len(FIRST_NAMES)],
                "host_since": f"201{number}-0{number + 1}-1{number}",
                "host_location": f"{PLACES[number % len(PLACES)]}, Norway",
                "host_about": "" if number == 2 else f"I love {WORDS[number]} places.",
                "host_is_superhost": "t" if number % 2 else "f",
                "host_thumbnail_url": f"https://img.example.net/u/{host_id}/small.jpg",
                "host_picture_url": ""
                if number == 3
                else f"https://img.example.net/u/{host_id}.jpg",
            }
        )
    listing_rows, review_rows = [], []
    review_id = 500_000_000_000_000_000
    reviewers = [
        (str(2_300_000_000_000_000_000 + n * 104_729), FIRST_NAMES[(n + 4) % len(FIRST_NAMES)])
        for n in range(8)
    ]
    for number in range(listings):
        host = people[number % hosts]
        listing_id = str(4_621_559_000_000_000_000 + number * 31)
        count = rng.randint(0, 4) if number else 3
        listing_rows.append(
            {
                "id": listing_id,
                "listing_url": f"https://rentals.example.net/rooms/{listing_id}",
                "name": f"{rng.choice(WORDS).title()} cabin in {rng.choice(PLACES)}",
                "description": f"<b>{rng.choice(WORDS).title()}</b> and dry.<br />Sleeps four.",
                "picture_url": f"https://img.example.net/l/{listing_id}/1.jpeg",
                **host,
                "host_listings_count": str(
                    sum(1 for n in range(listings) if n % hosts == number % hosts)
                ),
                "latitude": f"{59 + rng.random():.5f}",
                "longitude": f"{10 + rng.random():.5f}",
                "room_type": "Entire home/apt",
                "amenities": str(["Wifi", "Sauna"][: 1 + number % 2]),
                "price": f"${rng.randint(800, 1500):,}.00",
                "number_of_reviews": str(count),
                "review_scores_rating": f"{rng.uniform(3.5, 5):.2f}" if count else "",
            }
        )
        for index in range(count):
            review_id += 13
            reviewer_id, reviewer_name = reviewers[(number + index) % len(reviewers)]
            comment = f"A {rng.choice(WORDS)} stay."
            if index % 2:
                comment += "<br/>Would come back."
            review_rows.append(
                {
                    "listing_id": listing_id,
                    "id": str(review_id),
                    "date": f"2022-{1 + number % 12:02d}-{10 + index:02d}",
                    "reviewer_id": reviewer_id,
                    "reviewer_name": reviewer_name,
                    "comments": comment,
                }
            )
    folder.mkdir(parents=True, exist_ok=True)
    for name, columns, rows in (
        ("listings.csv", LISTING_COLUMNS, listing_rows),
        ("reviews.csv", REVIEW_COLUMNS, review_rows),
    ):
        with open(folder / name, "w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, columns)
            writer.writeheader()
            writer.writerows(rows)


@pytest.fixture
def export(tmp_path, monkeypatch) -> Path:
    write_export(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def init(*sources: str, output: str = "job.toml") -> tuple[str, dict]:
    result = CliRunner().invoke(main, ["init", *sources, "-o", output])
    assert result.exit_code == 0, result.output
    text = Path(output).read_text("utf-8")
    return result.output, {"text": text, **tomllib.loads(text)}


def test_the_generated_export_is_deterministic(tmp_path):
    write_export(tmp_path / "a")
    write_export(tmp_path / "b")
    for name in ("listings.csv", "reviews.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert "host_email" not in (tmp_path / "a" / "listings.csv").read_text().splitlines()[0]


def test_embedded_groups_need_an_id_and_another_column():
    groups = embedded_groups(
        ["id", "host_id", "host_name", "hostSince", "reviewer_id", "user-name"]
    )
    assert [(g.prefix, g.id_column, g.columns) for g in groups] == [
        ("host", "host_id", {"host_id": "id", "host_name": "name", "hostSince": "Since"})
    ]
    assert embedded_groups(["id", "host_id", "title"]) == []  # a plain foreign key
    assert embedded_groups(["username", "hostname", "owner_name"]) == []  # no id, no prefix
    assert guess_type("listings") == "listing"
