"""Write a valid Intermediary file of about N MB, deterministically, for the benchmarks.

    python benchmarks/generate.py --mb 20 -o benchmarks/data/bench-20.edn

Each "household" is an avatar image, a user, two listings with their images, a Stripe account
and two reviews. Rows only reference rows written before them. The text exercises the reader:
namespaced ``#:im.user{…}`` and fully qualified maps, references by alias and by
``[:im.X/id #uuid "…"]``, string escapes, non-ASCII and astral characters, money, locations,
instants with several offsets and extended data. Strings are built here by hand so that the
benchmark does not depend on the writer.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import uuid
from pathlib import Path

SEED = 20240601
FIRST_NAMES = ("Jane", "John", "Åsa", "Jürgen", "Zoë", "Łukasz", "María", "Søren", "李", "Ngozi")
LAST_NAMES = ("Doe", "Virtanen", "Müller", "O'Brien", "Nguyễn", "Žák", "Smith", "Øyen", "王")
CITIES = ("Helsinki", "Tallinn", "Zürich", "Kraków", "São Paulo", "Reykjavík", "Montréal")
TITLES = (
    'A solid rock sauna "deluxe"',
    "Lakeside cabin with a view 🏔️",
    "Bike, barely used\tgreat shape",
    "Canoe \\ paddle set",
    "Tent for 4 🏕 — waterproof",
    "Snowshoes (size 43½)",
)
OFFSETS = ("Z", "-00:00", "+02:00", "+05:30", "-08:00")
CURRENCIES = (("EUR", 2), ("USD", 2), ("JPY", 0))


def _str(text: str) -> str:
    """An edn string literal."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("\r", "\\r")
    )
    return f'"{escaped}"'


class _Generator:
    def __init__(self, seed: int, listing_warnings: bool = False) -> None:
        self.rng = random.Random(seed)
        # every listing without publicData.location.address: a listing-address-missing warning
        self.listing_warnings = listing_warnings

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def inst(self) -> str:
        rng = self.rng
        year = rng.randint(2015, 2023)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        hour, minute, second = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
        millis = rng.randint(0, 999)
        offset = rng.choice(OFFSETS)
        return (
            f'#inst "{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}'
            f'.{millis:03d}{offset}"'
        )

    def review_inst(self) -> str:
        """An instant in 2024: after every user and listing (2015-2023), as a review is."""
        text = self.inst()
        return '#inst "2024' + text[len('#inst "2015') :]

    def text(self, words: int) -> str:
        rng = self.rng
        vocabulary = ("quiet", "sunny", "väga", "hyvä", "große", "naïve", "café", "🙂", "ok")
        parts = [rng.choice(vocabulary) for _ in range(words)]
        return " ".join(parts) + '.\nSays "hello" \\ goodbye.'

    def household(self, number: int) -> list[str]:
        rng = self.rng
        rows: list[str] = []
        user_alias = f":user/u{number}"
        user_id = self.uuid()
        avatar_id = self.uuid()
        rows.append(
            f'[[:im.image/id #uuid "{avatar_id}" :avatar/a{number}]\n'
            f' #:im.image{{:url "https://img.example.com/avatars/{number}.jpg"}}]'
        )
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        avatar_ref = f":avatar/a{number}" if number % 2 else f'[:im.image/id #uuid "{avatar_id}"]'
        profile = (
            f"{{:im.userProfile/firstName {_str(first)}\n"
            f"   :im.userProfile/lastName {_str(last)}\n"
            f"   :im.userProfile/displayName {_str(first + ' ' + last[0])}\n"
            f"   :im.userProfile/bio {_str(self.text(12))}\n"
            f"   :im.userProfile/publicData {{:city {_str(rng.choice(CITIES))}"
            f' :tags ["hiking" "saunas"] :rating {rng.randint(1, 5)} :premium true}}\n'
            f'   :im.userProfile/protectedData {{"phone" "+358 40 {number:07d}"}}\n'
            f"   :im.userProfile/avatar #im/ref {avatar_ref}}}"
        )
        email = f'{{:im.email/address "user{number}@example.com" :im.email/verified true}}'
        roles = "[:user.role/customer :user.role/provider]"
        if number % 2 == 0:
            rows.append(
                f'[[:im.user/id #uuid "{user_id}" {user_alias}]\n'
                f" #:im.user{{:createdAt {self.inst()}\n"
                f"  :primaryEmail {email}\n"
                f"  :profile {profile}\n"
                f"  :role {roles}}}]"
            )
        else:
            rows.append(
                f'[[:im.user/id #uuid "{user_id}" {user_alias}]\n'
                f" {{:im.user/createdAt {self.inst()}\n"
                f"  :im.user/primaryEmail {email}\n"
                f"  :im.user/profile {profile}\n"
                f"  :im.user/role {roles}}}]"
            )
        listing_aliases = []
        for index in range(2):
            listing_id = self.uuid()
            alias = f":listing/l{number}x{index}"
            listing_aliases.append(alias)
            currency, places = rng.choice(CURRENCIES)
            cents = rng.randint(100, 99_999_99)
            amount = f"{cents // 100}" if places == 0 else f"{cents // 100}.{cents % 100:02d}"
            author = user_alias if index == 0 else f'[:im.user/id #uuid "{user_id}"]'
            lat = round(rng.uniform(-80, 80), 6)
            lng = round(rng.uniform(-179, 179), 6)
            address = _str(rng.choice(CITIES) + ", Main st. 1")
            place = f"{{:city {address}}}" if self.listing_warnings else f"{{:address {address}}}"
            public = (
                f'{{:listingType "rent" :transactionProcessAlias "default-booking/release-1"'
                f' :unitType "day" :location {place}'
                f' :amenities ["sauna" "pool"] :size {rng.randint(10, 500)} :heated false}}'
            )
            rows.append(
                f'[[:im.listing/id #uuid "{listing_id}" {alias}]\n'
                f" #:im.listing{{:createdAt {self.inst()}\n"
                f"  :title {_str(rng.choice(TITLES))}\n"
                f"  :description {_str(self.text(30))}\n"
                f"  :state :listing.state/published\n"
                f"  :location #im/location [{lat} {lng}]\n"
                f'  :price #im/money [{amount}M "{currency}"]\n'
                f"  :currentStock {rng.randint(0, 20)}\n"
                f"  :publicData {public}\n"
                f'  :metadata {{"source" "legacy" "legacyId" {number * 10 + index}}}\n'
                f"  :author #im/ref {author}}}]"
            )
            for sort_order in (1, 2):
                listing_ref = alias if sort_order == 1 else f'[:im.listing/id #uuid "{listing_id}"]'
                rows.append(
                    f'[[:im.image/id #uuid "{self.uuid()}"]\n'
                    f' {{:im.image/url "https://img.example.com/listings/{number}/{index}/'
                    f'{sort_order}.jpg"\n'
                    f"  :im.image/sortOrder {sort_order}\n"
                    f"  :im.image/listing #im/ref {listing_ref}}}]"
                )
        rows.append(
            f"[[:im.stripeAccount/id]\n"
            f' #:im.stripeAccount{{:stripeAccountId "acct_{number:012d}"\n'
            f"  :user #im/ref {user_alias}}}]"
        )
        if number > 0:
            other = f":user/u{number - 1}"
            rows.append(
                f"[[:im.review/id]\n"
                f" #:im.review{{:content {_str(self.text(8))}\n"
                f"  :rating {rng.randint(1, 5)}\n"
                f"  :type :review.type/ofProvider\n"
                f"  :state :review.state/public\n"
                f"  :createdAt {self.review_inst()}\n"
                f"  :author #im/ref {other}\n"
                f"  :subject #im/ref {user_alias}\n"
                f"  :listing #im/ref {listing_aliases[0]}}}]"
            )
            rows.append(
                f'[[:im.review/id #uuid "{self.uuid()}"]\n'
                f' #:im.review{{:content "Great customer!"\n'
                f"  :rating 5\n"
                f"  :type :review.type/ofCustomer\n"
                f"  :state :review.state/pending\n"
                f"  :createdAt {self.review_inst()}\n"
                f"  :author #im/ref {user_alias}\n"
                f"  :subject #im/ref {other}}}]"
            )
        return rows


def generate(
    path: str | os.PathLike[str],
    megabytes: float,
    seed: int = SEED,
    *,
    listing_warnings: bool = False,
) -> int:
    """Write an Intermediary file of about ``megabytes`` MB at ``path``; returns its row count.

    The same arguments always give the same bytes. The file is written atomically. With
    ``listing_warnings`` every listing lacks ``publicData.location.address`` (it has the city
    only), so the file is valid with one ``listing-address-missing`` warning per listing.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    limit = int(megabytes * 1_000_000)
    generator = _Generator(seed, listing_warnings)
    rows = 0
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            written = out.write(
                ";; generated by benchmarks/generate.py\n{:ident :bench-marketplace\n :data\n ["
            )
            number = 0
            while written < limit:
                for row in generator.household(number):
                    written += out.write(row if rows == 0 else "\n  " + row)
                    rows += 1
                number += 1
            out.write("]}\n")
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="approximate size in MB")
    parser.add_argument("-o", "--output", required=True, help="file to write")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--listing-warnings", action="store_true", help="a warning on every listing (no address)"
    )
    args = parser.parse_args(argv)
    rows = generate(args.output, args.mb, args.seed, listing_warnings=args.listing_warnings)
    print(f"wrote {rows} rows to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
