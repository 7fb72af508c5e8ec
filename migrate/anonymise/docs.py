"""docs/anonymise.md, generated from the policy defaults (``python -m migrate.docs``)."""

from __future__ import annotations

from migrate.anonymise.language import COMMON_ZIPF
from migrate.anonymise.names import MIN_EVIDENCE, MIN_NAME_LENGTH
from migrate.anonymise.personal import PlaceholderRule
from migrate.anonymise.policy import (
    DEFAULT_EXTENDED_DATA,
    DEFAULT_LOCATION_RADIUS_M,
    DEFAULT_RULES,
)
from migrate.anonymise.report import DROP_REASONS
from migrate.anonymise.run import DEFAULT_EMAIL_TEMPLATE
from migrate.anonymise.scrub import (
    _PERSONAL_KEY_PARTS,
    _PERSONAL_KEYS_EXACT,
    EMAIL_PLACEHOLDER,
    PHONE_PLACEHOLDER,
    URL_PLACEHOLDER,
)
from migrate.anonymise.sourceids import MIN_ID_DIGITS
from migrate.anonymise.transform import DEFAULT_IMAGE_URL_TEMPLATE

_INTRO = """\
# Anonymised test exports: `migrate anonymise`

Sharetribe asks for a test migration into the dev marketplace before the live one. `migrate
anonymise` turns a converted Intermediary file into a small export that keeps the shape of the
real data and none of its people:

```
migrate anonymise out/marketplace.edn -o out/marketplace-dev.edn --ident :my-marketplace-dev \\
    --sample-users 50 --seed "$ANON_SEED"
```

## What is kept

Users are chosen by `--sample-users N`, by `--users FILE` (one alias such as `:user/jane` or
import id a line; `#` starts a comment), or, with neither, all of them. A sample larger than the
file keeps every user and the report says so. `--strategy` says how a sample is drawn:

* **`shape`** (the default) keeps the marketplace's shape. It takes listings in a seeded order;
  each brings its author and up to about √(⅔·N) of the people it is connected to (the authors of
  its reviews, the customers its author reviewed), preferring people with the most reviews
  among the users already chosen. Listings fill about two thirds of the sample. The rest is
  filled with users of each kind in the proportions of the input: users with a Stripe account,
  with listings, reviewed as customers, reviewers, others; again preferring users whose reviews
  connect them to the chosen ones. On a marketplace of thousands of one-time reviewers and a few
  hundred hosts, a 30-user sample so holds a handful of listings with their images and a few
  dozen reviews of both types.
* **`random`**: a seeded random sample of users.
* **`connected`**: the users with the most listings, reviews and images.

Then the export holds the chosen users, the listings they author, those listings' images, the
chosen users' profile images, the reviews whose author, subject and listing (when the review has
one) are all kept, and, only with `--keep-stripe`, the chosen users' Stripe accounts. Nothing in
the output references a row that was left out; the output is validated before it replaces `-o`,
and an invalid input is refused (`migrate validate` tells why). The report shows the rows kept
per type (and per review type) with the share of the input's rows they are.

## Pseudonyms

Every fake value comes from a random generator seeded with an HMAC-SHA256 of the original value
keyed by `--seed`: the same person gets the same fake name in every row and every run with the
same seed (and Faker version), whatever the row order; another seed gives other fakes. Without
`--seed` a random seed is used: a known seed would let anyone who guesses a name check it
against the export. Keep the seed as secret as the data. No fake contains a personal value of
the input (4 characters or more, case-insensitively) nor is a word of any user's name: Faker is
asked again when one does.

* **Emails** become `--email-template` (default `{template}`) with `{{n}}` counting the kept
  users 1 to N in output order, so every user has a distinct address the operator controls and
  the numbers say nothing about the size of the live marketplace.
* **Aliases and import ids are re-derived**, not kept: aliases often hold names
  (`:user/john-smith`) or source ids (`:user/u3820211`), and import ids would link the test
  export back to the live data. An alias becomes `:<type>/<initial><16 hex digits>`
  (`:user/u3fa4…`), an import id a UUID from the same keyed hash; references are rewritten to
  match.
* **Stripe accounts** are left out unless `--keep-stripe`, which gives test-mode ids
  `acct_test_<16 hex digits>`.
* **Image URLs** point at the old image host and hold its ids (`…/Hosting-3820211/…`). Each
  becomes an `--image-url-template` address (default `{image_template}`; `{{token}}`: 12
  letters from a keyed hash of the original URL, `{{n}}`: the image's number, 1 to N in output
  order), so every listing keeps its number of images and their sort order. `--keep-image-urls`
  keeps listing images' URLs as they are, with a warning that counts how many hold a source id.
  Profile photos show faces: they get template URLs unless the policy sets
  `:im.userProfile/avatar` to `keep` (then they follow `:im.image/url`; `drop` leaves profile
  images out).
* **Listing locations** move by a random offset between a quarter of and the whole radius
  (default {radius:g} m, `[location] radius_m` in a policy file); addresses in
  `publicData.location` are replaced.

## Scrubbing free text

Scrubbed text keeps its words but loses email addresses (a user's own address becomes that
user's pseudonymous one, any other `{email}`), web addresses (`{url}`), phone numbers
(`{phone}`: 7 to 15 digits), source ids (below) and users' names. In extended data every string
is scrubbed, and the values under keys that name personal data are faked outright: keys equal to
{exact}, or containing {parts} (case-insensitive, ignoring `_` and `-`).

### Names

A *name word* is a word of {min_name} letters or more of the first or last name of any user of the
input, kept or dropped (a review may name anyone); placeholders (below) are nobody's name. It is
replaced by that name's pseudonym in the original's letter case (`Archer`, `ARCHER`, `archer`),
with its inflection kept: `Archer's`, `Archer’s`, `Archers'`, `Archers` (and `Joneses`). A plural
without an apostrophe counts only when it is not itself a common word (`shoes` is not the plural
of a user called Sho).

Names that are also common words of the text's language are not scrubbed everywhere: a user
called Will, Love or And must not turn every "will", "love" and "and" of the prose into a fake.
*Common* means a Zipf frequency of {zipf} or more (about one word in 30,000) in the word lists of
[wordfreq](https://pypi.org/project/wordfreq/) for the `--language` codes (default `en`; several
with `en,fi`); the lists ship inside the package, nothing is downloaded. The input's own prose
can overrule the list: a common word that its texts write capitalised more often than in lower
case inside sentences ({min_evidence} times or more) is a name there ("John", "Williams"). A
common name word is scrubbed only where it is written as a name:

* in the texts of the user it belongs to (their listings, reviews by or about them): wherever
  it is capitalised (`Will`, `WILL`), first in a sentence too;
* in other texts: capitalised inside a sentence, not on a line written in title case or
  capitals ("NEW LISTING!", "Cosy Cabin Near The Lake"), not a word the language capitalises
  anyway (months, weekdays, languages and countries, from babel's locale data: "open in May"),
  and alone ("Thanks Will,") or next to another name word ("Will Archer", or a user's full name
  such as "Will Price"), never inside another proper name ("New York", "Rose Garden"); a
  capitalised possessive (`Will's`) also first in a sentence.

Known limits, the price of keeping the prose: a common name word in lower case ("thanks will!")
stays; so does a user called May or June mentioned, capitalised, in someone else's text, and one
first in a sentence of someone else's text ("Will was there"). Names under {min_name} letters
("Al", "Li") are not scrubbed.

On the generated corpus of `tests/anonymise_corpus.py` (2,440 users, 4,799 reviews whose texts
name hosts and guests in every form above, users called Will, Love, Hope, Grant, Faith, And, Mark
and Joy, and those words in the prose) no name survives and 1 of 94,630 other words changes
(0.001%); the tests hold it to 0 names and under 1%. The report gives the run's own count: how
many of the scrubbed texts' words were replaced as names.

### Source ids

The old system's ids link an export back to the live data. They are taken from every row of the
input, kept or dropped:

* **aliases** built from primary keys (`:user/u3820211`, `:listing/l10001`): every run of
  {min_digits} or more digits in an alias name;
* **extended data** under id-like keys (`id`, `legacyId`, `hostID`, `source_id`, keys with
  `legacy`): integers and digit runs of {min_digits} or more;
* **import ids**: the UUIDs of the input's rows.

In scrubbed text and extended data every digit run equal to a source id becomes a pseudonymous
number with as many digits (the same one everywhere, never another source id), and every UUID of
an input row its re-derived import id. Numbers under {min_digits} digits cannot be told from
prices, years and counts, and ids that are not numbers (slugs) are not recognised: an alias such
as `:listing/cosy-cabin` is re-derived, but the same slug in a text is not.

### Placeholders

A value that many users share is not personal data: a job that set every last name to `"-"`
or every first name to `"Guest"` made a constant. A first name, last name, display name or bio
with no letter or digit, or held by more than {share:.0%} of the users and at least {min_users} of
them (`[placeholders] share` and `min_users` in a policy file), is kept as it is, is no name word,
and is not looked for by the leak check; the report names the attribute and the share, never the
value.

## Leak check

After writing (to a temporary file beside `-o`), the run reads the export back and looks for
every original personal value of 4 characters or more: emails, name words that are not common
words (in any case and inflection) and display names, bios, phone numbers (by their last 10
digits), Stripe ids, the input's import ids, and source ids inside URLs. If any is found the run
fails with exit code 1, nothing is written, and the message counts the values per kind without
showing them (`the anonymised output still holds personal data of the input (names 3)`): a
policy that keeps an attribute can make this happen. The report of a successful run lists how
many values of each kind were looked for. With `--keep-image-urls` source ids in URLs are not
checked (the warning counts them instead).

## Progress

A long run shows its four stages on stderr (a bar on a terminal, a line every few seconds in a
log, nothing with `-q`): `check` (bytes of the input validated), `scan` (rows read to build the
graph, the names and the pseudonyms' forbidden values), `write` (kept rows written) and `verify`
(bytes of the written export validated and leak-checked). Progress shows counts only, never a
value of the input. The library's `anonymise(..., progress=...)` takes the same
`progress(stage, done, total)` callback.

## Report

The command prints rows kept and dropped per type and why, the email range, what the scrubber
replaced, the image URLs written, the placeholders kept and the leak check's counts. It holds
counts and reasons only, never an input value, and errors name files and lines, never values.
Warnings go to standard error. Drop reasons:

| reason | meaning |
|---|---|
"""

_POLICY = """
## Policy

Each attribute has a default action and the actions it allows. `keep` copies the value, `fake`
replaces it by a consistent pseudonym, `scrub` replaces the personal data inside it, `drop`
leaves it out (optional attributes only). A policy file (`--policy policy.toml`) overrides
them; an unknown section, attribute, action or setting is an error naming the file and the key:

```toml
[attributes]
"im.listing/title" = "keep"
"im.userProfile/avatar" = "keep"   # profile photos follow :im.image/url

[extended_data."im.listing/publicData"]
phoneNumber = "drop"           # one top-level key; keep, fake, scrub or drop

[location]
radius_m = 2000

[placeholders]
share = 0.5                    # a shared profile value is a placeholder above this share ...
min_users = 10                 # ... of the users, held by at least this many
```

Attributes the schema does not know are dropped.

| attribute | default | allowed | why |
|---|---|---|---|
"""


def anonymise_reference() -> str:
    """The text of docs/anonymise.md."""
    header = (
        "<!-- Generated from migrate/anonymise/policy.py by `python -m migrate.docs`; "
        "do not edit by hand. -->\n"
    )
    exact = ", ".join(f"`{key}`" for key in sorted(_PERSONAL_KEYS_EXACT))
    parts = ", ".join(f"`{part}`" for part in _PERSONAL_KEY_PARTS)
    lines = [
        header
        + _INTRO.format(
            template=DEFAULT_EMAIL_TEMPLATE,
            radius=DEFAULT_LOCATION_RADIUS_M,
            email=EMAIL_PLACEHOLDER,
            url=URL_PLACEHOLDER,
            phone=PHONE_PLACEHOLDER,
            exact=exact,
            parts=parts,
            image_template=DEFAULT_IMAGE_URL_TEMPLATE,
            min_name=MIN_NAME_LENGTH,
            zipf=COMMON_ZIPF,
            min_evidence=MIN_EVIDENCE,
            min_digits=MIN_ID_DIGITS,
            share=PlaceholderRule().share,
            min_users=PlaceholderRule().min_users,
        )
    ]
    lines.extend(f"| `{reason}` | {meaning} |\n" for reason, meaning in DROP_REASONS.items())
    lines.append(_POLICY)
    for rule in DEFAULT_RULES:
        allowed = ", ".join(rule.allowed)
        lines.append(f"| `:{rule.key}` | {rule.default} | {allowed} | {rule.why} |\n")
    lines.append("\nDefault actions for single extended-data keys:\n\n")
    lines.append("| attribute | key | action |\n|---|---|---|\n")
    for container, keys in DEFAULT_EXTENDED_DATA.items():
        for key, action in keys.items():
            lines.append(f"| `:{container}` | `{key}` | {action} |\n")
    return "".join(lines)
