"""A generated short-term-rental marketplace shaped like a real export, for the anonymiser.

Nothing in it is real: every person is drawn by Faker from a fixed seed, emails use the
reserved ``example.org`` domain, ids are made up. The shape is the one that broke the first
anonymiser on a real export (issue 13):

* a few dozen hosts with one or two listings each, and thousands of one-time reviewers (one
  review of a listing each; hosts review most of their guests back);
* hosts' first names in the review texts in possessive and plural forms (``Archer's``,
  ``Archer’s``, ``Archers place``, ``the Archers'``), in capitals and in lower case;
* users whose first names are common English words (Will, Love, Hope, Grant, Faith, And), and
  those words in the prose as words;
* image URLs holding the listing's and the image's source ids (``…/Hosting-3820211/…``);
  aliases built from the source ids (``:user/u3000001``); a legacy id in listings'
  ``publicData``; source ids quoted in descriptions;
* the constant placeholder ``"-"`` as every user's last name.

Every text is built from segments marked ``name``, ``prose`` or ``other`` (links, phone
numbers, ids), so :func:`measure` can tell, after a run, how many names survived and how many
prose words changed.

    python tests/anonymise_corpus.py OUT.edn [--seed 1] [--reviewers 2400] [--hosts 40]
    python tests/anonymise_corpus.py OUT.edn --measure    # anonymise it and print the figures

The same seed writes the same bytes.
"""

from __future__ import annotations

import argparse
import difflib
import random
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from faker import Faker

from migrate.anonymise.names import WORD_RE
from migrate.anonymise.pseudonyms import Pseudonyms
from migrate.anonymise.sourceids import DIGITS_RE
from migrate.edn.reader import DocumentReader
from migrate.edn.rows import row_from_value
from migrate.edn.values import Keyword, Location, Money, Ref, Row
from migrate.edn.writer import write_document

K = Keyword
# First names that are also common English words; the prose uses them as words too.
# (Not months: "May" capitalised in another user's text is read as the month, a documented limit.)
WORD_NAMES = ("Will", "Love", "Hope", "Grant", "Faith", "And", "Mark", "Joy")
PLACEHOLDER_LAST_NAME = "-"
_CONTENT = K("im.review/content")
_TITLE = K("im.listing/title")
_DESCRIPTION = K("im.listing/description")

Segments = list[tuple[str, str]]  # (text, kind): kind is "name", "prose" or "other"


@dataclass
class Person:
    """A generated user."""

    number: int
    first: str
    alias: str

    @property
    def source_id(self) -> int:
        """The user's id in the made-up legacy system."""
        return 3_000_000 + self.number


@dataclass
class Corpus:
    """What was generated: the texts as segments by row alias, and the people."""

    path: Path
    texts: dict[tuple[str, Keyword], Segments] = field(default_factory=dict)
    hosts: list[Person] = field(default_factory=list)
    guests: list[Person] = field(default_factory=list)
    source_ids: set[int] = field(default_factory=set)

    @property
    def first_names(self) -> set[str]:
        """Every user's first name."""
        return {person.first for person in (*self.hosts, *self.guests)}


def _possessive(name: str, rnd: random.Random) -> Segments:
    form = rnd.choice(("{n}'s", "{n}’s", "{n}s", "{n}s'", "{n}s’"))
    return [(form.format(n=name), "name")]


def _provider_review(host: Person, faker: Faker, rnd: random.Random) -> Segments:
    name = host.first
    choice = rnd.randrange(9)
    if choice == 0:
        segments = [
            *_possessive(name, rnd),
            (" place was very clean and we will come back.", "prose"),
        ]
    elif choice == 1:
        segments = [
            ("We loved staying with the ", "prose"),
            (f"{name}s", "name"),
            (". New kitchen, and you will love the garden.", "prose"),
        ]
    elif choice == 2 and name not in WORD_NAMES:
        # Lower case only for names that are no words: "thanks will!" is the word (see
        # migrate/anonymise/names.py).
        segments = [
            ("Thanks ", "prose"),
            (name.lower(), "name"),
            ("! Everything was as described and the bed was new.", "prose"),
        ]
    elif choice == 3:
        segments = [(name.upper(), "name"), (" IS THE BEST HOST. NEW TOWELS EVERY DAY.", "prose")]
    elif choice == 4:
        segments = [
            ("Great stay, ", "prose"),
            (name, "name"),
            (" was very helpful and will answer any question you may have.", "prose"),
        ]
    elif choice == 5:
        segments = [
            ("The ", "prose"),
            (f"{name}s'", "name"),
            (" garden is lovely, I hope to come back in May.", "prose"),
        ]
    elif choice == 6:
        segments = [
            (name, "name"),
            (" was a great host and the view is something you will love.", "prose"),
        ]
    elif choice == 7:
        segments = [
            ("Our stay at ", "prose"),
            *_possessive(name, rnd),
            (" was perfect, and the grant of an early check-in was kind.", "prose"),
        ]
    else:
        segments = [("Lovely place, easy to find and the host will help.", "prose")]
    segments.append((" " + faker.sentence(nb_words=rnd.randint(6, 14)), "prose"))
    return segments


def _customer_review(guest: Person, faker: Faker, rnd: random.Random) -> Segments:
    name = guest.first
    choice = rnd.randrange(5)
    if choice == 0:
        segments = [(name, "name"), (" was a great guest and left the place tidy.", "prose")]
    elif choice == 1:
        segments = [
            ("Would host ", "prose"),
            (name, "name"),
            (" again, you will not regret it.", "prose"),
        ]
    elif choice == 2:
        segments = [
            ("Lovely guest. ", "prose"),
            *_possessive(name, rnd),
            (" communication was excellent.", "prose"),
        ]
    elif choice == 3:
        segments = [("Welcome back any time, ", "prose"), (name, "name"), ("!", "prose")]
    else:
        segments = [("Great guest, would love to host again.", "prose")]
    segments.append((" " + faker.sentence(nb_words=rnd.randint(5, 10)), "prose"))
    return segments


def generate(path: str | Path, *, seed: int = 1, hosts: int = 40, reviewers: int = 2400) -> Corpus:
    """Write the corpus to ``path`` (an Intermediary file) and return what it holds."""
    faker = Faker("en_US")
    faker.seed_instance(seed)
    rnd = random.Random(seed)
    corpus = Corpus(Path(path))
    start = datetime(2019, 3, 1, tzinfo=UTC)
    rows: list[Row] = []

    def uid() -> uuid.UUID:
        return uuid.UUID(int=rnd.getrandbits(128), version=4)

    def person(number: int, word_name_share: float) -> Person:
        first = rnd.choice(WORD_NAMES) if rnd.random() < word_name_share else faker.first_name()
        return Person(number, first, f"user/u{3_000_000 + number}")

    people = [person(number, 0.15) for number in range(hosts)]
    people += [person(hosts + number, 0.08) for number in range(reviewers)]
    corpus.hosts, corpus.guests = people[:hosts], people[hosts:]
    for someone in people:
        corpus.source_ids.add(someone.source_id)
        rows.append(
            Row(
                K("im.user/id"),
                uid(),
                K(someone.alias),
                {
                    K("im.user/primaryEmail"): {
                        K(
                            "im.email/address"
                        ): f"{someone.first.lower()}.{someone.number}@example.org",
                        K("im.email/verified"): True,
                    },
                    K("im.user/role"): (K("user.role/customer"), K("user.role/provider")),
                    K("im.user/createdAt"): start + timedelta(hours=someone.number),
                    K("im.user/profile"): {
                        K("im.userProfile/firstName"): someone.first,
                        K("im.userProfile/lastName"): PLACEHOLDER_LAST_NAME,
                        K("im.userProfile/displayName"): f"{someone.first} {someone.number}",
                    },
                },
            )
        )
    for host in corpus.hosts:
        if rnd.random() < 0.8:
            rows.append(
                Row(
                    K("im.stripeAccount/id"),
                    None,
                    K(f"stripeAccount/s{host.source_id}"),
                    {
                        K("im.stripeAccount/stripeAccountId"): "acct_1"
                        + format(rnd.getrandbits(60), "015X"),
                        K("im.stripeAccount/user"): Ref.to_alias(K(host.alias)),
                    },
                )
            )
    listings: list[tuple[str, Person]] = []
    for number, host in enumerate(rnd.choice(corpus.hosts) for _ in range(hosts * 3 // 2)):
        listing_id = 3_820_000 + number
        corpus.source_ids.add(listing_id)
        alias = f"listing/l{listing_id}"
        listings.append((alias, host))
        other = rnd.choice(corpus.hosts)
        title: Segments = (
            [("NEW LISTING! Cosy cabin near St Peters", "prose")]
            if number % 3 == 0
            else [*_possessive(host.first, rnd), (f" {faker.word()} loft by the lake", "prose")]
        )
        description: Segments = [
            (faker.paragraph(nb_sentences=3) + " Ask ", "prose"),
            (host.first, "name"),
            (" or my co-host ", "prose"),
            (other.first, "name"),
            (" anything, and you will love it. Listing ", "prose"),
            (f"#{listing_id}", "other"),
            (", see ", "prose"),
            (f"https://rentals.example.org/Hosting-{listing_id}", "other"),
            (".", "prose"),
        ]
        corpus.texts[(alias, _TITLE)] = title
        corpus.texts[(alias, _DESCRIPTION)] = description
        rows.append(
            Row(
                K("im.listing/id"),
                uid(),
                K(alias),
                {
                    K("im.listing/createdAt"): start + timedelta(days=number),
                    _TITLE: "".join(text for text, _ in title),
                    K("im.listing/state"): K("listing.state/published"),
                    _DESCRIPTION: "".join(text for text, _ in description),
                    K("im.listing/location"): Location(
                        round(59.3 + rnd.random(), 5), round(18.0 + rnd.random(), 5)
                    ),
                    K("im.listing/price"): Money(Decimal(rnd.randint(40, 250)), "EUR"),
                    K("im.listing/author"): Ref.to_alias(K(host.alias)),
                    K("im.listing/publicData"): {
                        K("listingType"): "nightly-rental",
                        K("legacyId"): listing_id,
                    },
                },
            )
        )
        for position in range(rnd.randint(2, 4)):
            image_id = 61_000_000 + number * 10 + position
            corpus.source_ids.add(image_id)
            rows.append(
                Row(
                    K("im.image/id"),
                    uid(),
                    K(f"image/i{image_id}"),
                    {
                        K("im.image/url"): (
                            f"https://photos.rentals.example.org/Hosting-{listing_id}/original/"
                            f"{image_id}.jpeg"
                        ),
                        K("im.image/listing"): Ref.to_alias(K(alias)),
                        K("im.image/sortOrder"): position,
                    },
                )
            )
    review_number = 0
    for guest in corpus.guests:
        listing_alias, host = rnd.choice(listings)
        for of_provider in (True, rnd.random() < 0.6):
            if not of_provider and review_number % 2:
                continue
            review_number += 1
            review_id = 7_000_000 + review_number
            corpus.source_ids.add(review_id)
            alias = f"review/r{review_id}"
            if of_provider:
                segments = _provider_review(host, faker, rnd)
                author, subject = guest, host
            else:
                segments = _customer_review(guest, faker, rnd)
                author, subject = host, guest
            corpus.texts[(alias, _CONTENT)] = segments
            attrs = {
                K("im.review/type"): K(
                    "review.type/ofProvider" if of_provider else "review.type/ofCustomer"
                ),
                K("im.review/state"): K("review.state/public"),
                K("im.review/rating"): rnd.randint(3, 5),
                K("im.review/createdAt"): start + timedelta(hours=review_number * 3),
                K("im.review/author"): Ref.to_alias(K(author.alias)),
                K("im.review/subject"): Ref.to_alias(K(subject.alias)),
                _CONTENT: "".join(text for text, _ in segments),
            }
            if of_provider:
                attrs[K("im.review/listing")] = Ref.to_alias(K(listing_alias))
            rows.append(Row(K("im.review/id"), None, K(alias), attrs))
    write_document(path, ":rentals-live", rows)
    return corpus


# -- measuring an anonymised copy --------------------------------------------------------------


@dataclass
class Damage:
    """What a run did to the corpus's texts: names left, prose words changed."""

    texts: int = 0
    names: int = 0
    names_surviving: int = 0
    prose_words: int = 0
    prose_changed: int = 0

    @property
    def prose_share(self) -> float:
        """The share of prose words changed."""
        return self.prose_changed / self.prose_words if self.prose_words else 0.0


def _tokens(segments: Segments) -> list[tuple[str, str]]:
    tokens = []
    for text, kind in segments:
        tokens.extend((match.group().casefold(), kind) for match in WORD_RE.finditer(text))
    return tokens


def _forms(token: str) -> str:
    """A token without its inflection: archer's, archers, archers' all give archer."""
    bare = token.removesuffix("'s").removesuffix("’s").rstrip("'’")
    return bare.removesuffix("s") if len(bare) > 3 else bare


def measure(corpus: Corpus, output: Path, seed: str) -> Damage:
    """Compare the kept texts of ``output`` (anonymised with ``seed``) with the originals.

    Tokens are aligned with difflib; a name token inside an unchanged run survived (so does any
    output word equal to the name in any case, with or without an inflection), a prose token
    outside one changed.
    """
    pseudonyms = Pseudonyms(seed)
    by_alias = {
        pseudonyms.alias(K(alias), alias.split("/")[0]): alias for alias, _attribute in corpus.texts
    }
    damage = Damage()
    for entry in DocumentReader(output):
        row = row_from_value(entry.value)
        original = by_alias.get(row.alias) if row.alias is not None else None
        if original is None:
            continue
        for attribute in (_CONTENT, _TITLE, _DESCRIPTION):
            segments = corpus.texts.get((original, attribute))
            value = row.attrs.get(attribute)
            if segments is None or not isinstance(value, str):
                continue
            damage.texts += 1
            before = _tokens(segments)
            after = [match.group().casefold() for match in WORD_RE.finditer(value)]
            unchanged: set[int] = set()
            matcher = difflib.SequenceMatcher(None, [t for t, _ in before], after, autojunk=False)
            for block in matcher.get_matching_blocks():
                unchanged.update(range(block.a, block.a + block.size))
            # A name may not be anywhere in the output text, in any form, more often than the
            # same word was in the original's prose ("will" the word stays).
            written = Counter(_forms(token) for token in after)
            in_prose = Counter(_forms(token) for token, kind in before if kind == "prose")
            for position, (token, kind) in enumerate(before):
                if kind == "name":
                    damage.names += 1
                    form = _forms(token)
                    elsewhere = written[form] > in_prose[form]
                    damage.names_surviving += position in unchanged or elsewhere
                elif kind == "prose":
                    damage.prose_words += 1
                    damage.prose_changed += position not in unchanged
    return damage


def urls_with_source_ids(corpus: Corpus, output: Path) -> int:
    """How many image URLs of ``output`` hold a source id of the corpus."""
    found = 0
    for entry in DocumentReader(output):
        row = row_from_value(entry.value)
        url = row.attrs.get(K("im.image/url"))
        if isinstance(url, str) and any(
            int(match.group()) in corpus.source_ids for match in DIGITS_RE.finditer(url)
        ):
            found += 1
    return found


def main(argv: list[str] | None = None) -> int:
    """``python tests/anonymise_corpus.py OUT.edn``: write the corpus (and measure a run)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--reviewers", type=int, default=2400)
    parser.add_argument("--measure", action="store_true", help="anonymise it and print figures")
    args = parser.parse_args(argv)
    corpus = generate(args.output, seed=args.seed, hosts=args.hosts, reviewers=args.reviewers)
    print(f"wrote {args.output}")
    if args.measure:
        from migrate.anonymise import anonymise, render_text

        for sample in (None, 30):
            out = args.output.with_name(args.output.stem + f"-anon-{sample or 'all'}.edn")
            report = anonymise(args.output, out, ident=":dev", sample_users=sample, seed="measure")
            damage = measure(corpus, out, "measure")
            print(render_text(report))
            print(
                f"measured ({sample or 'all'} users): {damage.texts} texts, "
                f"{damage.names_surviving} of {damage.names} names survived, "
                f"{damage.prose_changed} of {damage.prose_words} prose words changed "
                f"({damage.prose_share:.3%}), "
                f"{urls_with_source_ids(corpus, out)} image URLs with a source id"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
