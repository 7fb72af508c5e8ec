"""docs/anonymise.md, generated from the policy defaults (``python -m migrate.docs``)."""

from __future__ import annotations

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
from migrate.anonymise.transform import IMAGE_PLACEHOLDER

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

Users are chosen by `--sample-users N` (a seeded random sample; `--strategy connected` takes the
users with the most listings, reviews and images instead), by `--users FILE` (one alias such as
`:user/jane` or import id a line; `#` starts a comment), or, with neither, all of them. A sample
larger than the file keeps every user and the report says so. Then the export holds the chosen
users, the listings they author, those listings' images, the chosen users' profile images, the
reviews whose author, subject and listing (when the review has one) are all kept, and, only with
`--keep-stripe`, the chosen users' Stripe accounts. Nothing in the output references a row that
was left out; the output is validated before it replaces `-o`, and an invalid input is refused
(`migrate validate` tells why).

## Pseudonyms

Every fake value comes from a random generator seeded with an HMAC-SHA256 of the original value
keyed by `--seed`: the same person gets the same fake name in every row and every run with the
same seed (and Faker version), whatever the row order; another seed gives other fakes. Without
`--seed` a random seed is used: a known seed would let anyone who guesses a name check it
against the export. Keep the seed as secret as the data. No fake contains a personal value of
the input (4 characters or more, case-insensitively): Faker is asked again when one does.

* **Emails** become `--email-template` (default `{template}`) with `{{n}}` the user's position
  in the seeded order, so every user has a distinct address the operator controls, and a random
  sample of N users gets the numbers 1 to N.
* **Aliases and import ids are re-derived**, not kept: aliases often hold names
  (`:user/john-smith`), and import ids would link the test export back to the live data. An
  alias becomes `:<type>/<initial><16 hex digits>` (`:user/u3fa4…`), an import id a UUID from the
  same keyed hash; references are rewritten to match.
* **Stripe accounts** are left out unless `--keep-stripe`, which gives test-mode ids
  `acct_test_<16 hex digits>`.
* **Profile photos** show faces: the kept profile images point at a placeholder image
  (`{placeholder}`) unless the policy sets `:im.userProfile/avatar` to `keep` (`drop` leaves
  profile images out). Listing images keep their addresses: the importer downloads them.
* **Listing locations** move by a random offset between a quarter of and the whole radius
  (default {radius:g} m, `[location] radius_m` in a policy file); addresses in
  `publicData.location` are replaced.

## Scrubbing

Scrubbed text keeps its words but loses email addresses (a user's own address becomes that
user's pseudonymous one, any other `{email}`), web addresses (`{url}`), phone numbers
(`{phone}`: 7 to 15 digits) and every word that is a user's first or last name (replaced by that
name's pseudonym, case-insensitively: privacy comes before prose). In extended data every string
is scrubbed, and the values under keys that name personal data are faked outright: keys equal to
{exact}, or containing {parts} (case-insensitive, ignoring `_` and `-`).

## Report

The command prints rows kept and dropped per type and why; it holds counts and reasons only,
never an input value, and errors name files and lines, never values. Drop reasons:

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
"im.image/url" = "fake"        # {placeholder}

[extended_data."im.listing/publicData"]
phoneNumber = "drop"           # one top-level key; keep, fake, scrub or drop

[location]
radius_m = 2000
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
            placeholder=IMAGE_PLACEHOLDER.format(token="<hash>"),
        )
    ]
    lines.extend(f"| `{reason}` | {meaning} |\n" for reason, meaning in DROP_REASONS.items())
    lines.append(_POLICY.format(placeholder=IMAGE_PLACEHOLDER.format(token="<hash>")))
    for rule in DEFAULT_RULES:
        allowed = ", ".join(rule.allowed)
        lines.append(f"| `:{rule.key}` | {rule.default} | {allowed} | {rule.why} |\n")
    lines.append("\nDefault actions for single extended-data keys:\n\n")
    lines.append("| attribute | key | action |\n|---|---|---|\n")
    for container, keys in DEFAULT_EXTENDED_DATA.items():
        for key, action in keys.items():
            lines.append(f"| `:{container}` | `{key}` | {action} |\n")
    return "".join(lines)
