"""The rule catalogue: every rule code with its severity and documentation.

This is the one place rule codes are defined. Each entry says what the rule checks, why it
matters and gives a failing and a fixed example (edn rows, or a whole document when the example
starts with ``{`` or is not a map at all). ``docs/rules.md`` is generated from it and a test runs
every example through the validator. Where the spec is ambiguous the entry states the reading
taken (always the strict one).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.rules.findings import Severity

ERROR, WARNING = Severity.ERROR, Severity.WARNING

FAMILIES = {
    "structure": "Document and row structure",
    "attributes": "Attributes and plain values",
    "values": "Money, location, email, URL and extended data",
    "references": "References and cross-row rules",
    "quality": "Data quality: what real exports get wrong",
    "marketplace": "Against the target marketplace's configuration (`--marketplace`)",
    "convert": "Raised by `migrate convert` only",
}


@dataclass(frozen=True)
class Rule:
    """One rule: its stable code, severity and documentation."""

    code: str
    severity: Severity
    family: str
    title: str
    checks: str
    why: str
    failing: str | None = None
    fixed: str | None = None
    #: checked only against a marketplace configuration; the examples use EXAMPLE_MARKETPLACE
    marketplace: bool = False

    @property
    def document_examples(self) -> bool:
        """True when the examples are whole documents rather than rows of ``:data``."""
        return self.failing is not None and not self.failing.lstrip().startswith("[[")


# Building blocks for the examples: small rows that are valid on their own.
T = '#inst "2020-01-01T00:00:00Z"'
PUBLIC = (
    '{:listingType "rent" :transactionProcessAlias "default-booking/release-1" :unitType "day"}'
)


def user(
    alias: str = "jane",
    email: str | None = None,
    role: str = "[:user.role/customer :user.role/provider]",
    profile: str = "",
    created: str = T,
    extra: str = "",
) -> str:
    """A user row; every part can be replaced to make an example fail."""
    email = email or f'{{:im.email/address "{alias}@example.com" :im.email/verified true}}'
    first = alias.capitalize()
    return (
        f"[[:im.user/id :user/{alias}]\n #:im.user{{:createdAt {created}\n"
        f"            :primaryEmail {email}\n"
        f"            :role {role}\n"
        f'            :profile {{:im.userProfile/firstName "{first}" :im.userProfile/lastName "Doe"'
        f"{profile}}}{extra}}}]"
    )


def listing(
    extra: str = "",
    alias: str = "sauna",
    state: str = ":listing.state/published",
    head: str | None = None,
    public: str = "",
) -> str:
    """A listing row by jane (include ``user()`` beside it); ``public`` adds publicData keys."""
    head = head or f"[:im.listing/id :listing/{alias}]"
    data = PUBLIC[:-1] + " " + public.strip() + "}" if public else PUBLIC
    return (
        f'[{head}\n #:im.listing{{:createdAt {T} :title "Sauna" :state {state}\n'
        f"               :author #im/ref :user/jane\n"
        f"               :publicData {data}"
        + (f"\n               {extra.strip()}" if extra else "")
        + "}]"
    )


def image(
    extra: str = " :listing #im/ref :listing/sauna",
    url: str = "https://example.com/a.jpg",
    alias: str = "a",
) -> str:
    """An image row of listing :listing/sauna."""
    return f'[[:im.image/id :image/{alias}]\n #:im.image{{:url "{url}"{extra}}}]'


def review(
    kind: str = "ofCustomer",
    extra: str = "",
    rating: str = "5",
    author: str = "john",
    subject: str = "jane",
) -> str:
    """A review row between :user/john and :user/jane."""
    return (
        f"[[:im.review/id]\n #:im.review{{:type :review.type/{kind} :state :review.state/public "
        f':rating {rating}\n              :createdAt {T} :content "Great"\n'
        f"              :author #im/ref :user/{author} :subject #im/ref :user/{subject}{extra}}}]"
    )


def rows(*parts: str) -> str:
    """Rows joined one after the other as they appear in ``:data``."""
    return "\n".join(parts)


U = user()
UJ = user("john")
L = listing()
UUID_A = "3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b"
UUID_B = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"

RULES: tuple[Rule, ...] = (
    # structure -------------------------------------------------------------------------------
    Rule(
        "edn-syntax",
        ERROR,
        "structure",
        "The file is not readable edn",
        "The file parses as edn: balanced brackets, terminated strings, legal tokens, known "
        "reader syntax. Rows before the first syntax error are still checked; cross-row rules "
        "are then settled on those rows only.",
        "Sharetribe reads the file with `clojure.edn`; it rejects the whole file at the first "
        "syntax error.",
        '{:ident :my-marketplace\n :data [[[:im.user/id :user/jane] {:im.user/createdAt #inst "2020',
        "{:ident :my-marketplace\n :data []}",
    ),
    Rule(
        "document-not-map",
        ERROR,
        "structure",
        "The document is not a map",
        "The top-level form is one map.",
        "The importer reads `:ident` and `:data` from a map; anything else has neither.",
        "[:ident :my-marketplace :data []]",
        "{:ident :my-marketplace :data []}",
    ),
    Rule(
        "document-key-unknown",
        ERROR,
        "structure",
        "The document has a key besides :ident and :data",
        "The top-level map has only the keys `:ident` and `:data`.",
        "Other keys are not part of Intermediary; they usually mean data was put in the wrong place.",
        "{:ident :my-marketplace :data [] :version 2}",
        "{:ident :my-marketplace :data []}",
    ),
    Rule(
        "ident-missing",
        ERROR,
        "structure",
        "The document has no :ident",
        "The top-level map has an `:ident` key.",
        "`:ident` names the marketplace the data is imported into; without it the import cannot start.",
        "{:data []}",
        "{:ident :my-marketplace :data []}",
    ),
    Rule(
        "ident-not-keyword",
        ERROR,
        "structure",
        ":ident is not a keyword",
        "`:ident` is a keyword (the marketplace ID), not a string or anything else.",
        "The importer compares `:ident` with the marketplace ID as a keyword.",
        '{:ident "my-marketplace" :data []}',
        "{:ident :my-marketplace :data []}",
    ),
    Rule(
        "data-missing",
        ERROR,
        "structure",
        "The document has no :data",
        "The top-level map has a `:data` key.",
        "`:data` holds the rows; a document without it imports nothing.",
        "{:ident :my-marketplace}",
        "{:ident :my-marketplace :data []}",
    ),
    Rule(
        "data-not-sequence",
        ERROR,
        "structure",
        ":data is not a vector or list",
        "`:data` is a vector or a list of rows.",
        "The spec defines `:data` as a seq of rows; a map or a single value is not one.",
        "{:ident :my-marketplace :data {}}",
        "{:ident :my-marketplace :data []}",
    ),
    Rule(
        "trailing-content",
        ERROR,
        "structure",
        "Content after the document",
        "Nothing but whitespace and comments follows the top-level map.",
        "`clojure.edn/read` stops after the first form, so anything after it would be silently "
        "ignored; a second document in the file is almost certainly a mistake.",
        "{:ident :my-marketplace :data []}\n{:ident :other :data []}",
        "{:ident :my-marketplace :data []}",
    ),
    Rule(
        "row-shape",
        ERROR,
        "structure",
        "A row is not a 2-element vector",
        "Every element of `:data` is a vector of exactly two elements: the id tuple and the "
        "attribute map.",
        "The importer destructures each row as `[id attrs]`.",
        '[[:im.image/id] #:im.image{:url "https://example.com/a.jpg"} :extra]',
        '[[:im.image/id] #:im.image{:url "https://example.com/a.jpg"}]',
    ),
    Rule(
        "id-tuple-shape",
        ERROR,
        "structure",
        "The id tuple is malformed",
        "The id tuple is a vector of 1 to 3 elements: an id attribute keyword, then optionally "
        "a `#uuid` import id, then optionally an alias keyword (the 2-element form takes either).",
        "The importer identifies the row type and its references from the id tuple.",
        '[[:im.image/id :image/a #uuid "' + UUID_A + '"]\n'
        ' #:im.image{:url "https://example.com/a.jpg"}]',
        '[[:im.image/id #uuid "' + UUID_A + '" :image/a]\n'
        ' #:im.image{:url "https://example.com/a.jpg"}]',
    ),
    Rule(
        "row-type-unknown",
        ERROR,
        "structure",
        "Unknown row type",
        "The id attribute is one of the supported row types: `:im.user/id`, `:im.listing/id`, "
        "`:im.image/id`, `:im.stripeAccount/id`, `:im.review/id`.",
        "Other types (transactions, messages …) cannot be imported.",
        "[[:im.transaction/id] {:im.transaction/total 10}]",
        '[[:im.image/id] #:im.image{:url "https://example.com/a.jpg"}]',
    ),
    Rule(
        "attrs-not-map",
        ERROR,
        "structure",
        "The attributes are not a map",
        "The second element of a row is a map of attributes.",
        "The importer reads attributes by key from a map.",
        '[[:im.image/id] [:im.image/url "https://example.com/a.jpg"]]',
        '[[:im.image/id] #:im.image{:url "https://example.com/a.jpg"}]',
    ),
    Rule(
        "import-id-duplicate",
        ERROR,
        "structure",
        "Two rows share an import id",
        "Import ids are unique in the file, across all row types. The message names the first row.",
        "References by import id would be ambiguous, and the importer refuses duplicates.",
        rows(
            '[[:im.image/id #uuid "' + UUID_A + '"] #:im.image{:url "https://example.com/a.jpg"}]',
            '[[:im.image/id #uuid "' + UUID_A + '"] #:im.image{:url "https://example.com/b.jpg"}]',
        ),
        rows(
            '[[:im.image/id #uuid "' + UUID_A + '"] #:im.image{:url "https://example.com/a.jpg"}]',
            '[[:im.image/id #uuid "' + UUID_B + '"] #:im.image{:url "https://example.com/b.jpg"}]',
        ),
    ),
    Rule(
        "import-id-not-canonical",
        ERROR,
        "structure",
        "An import id is not in canonical UUID form",
        "A `#uuid` import id is written in canonical form: lowercase hexadecimal, 8-4-4-4-12, "
        'in the row\'s id tuple and inside `#im/ref [:im.TYPE/id #uuid "…"]` alike (one rule '
        "for both).",
        "The spec asks for the canonical representation; other spellings of the same UUID "
        "(upper case) compare differently in tools that keep the text.",
        '[[:im.image/id #uuid "'
        + UUID_A.upper()
        + '"] #:im.image{:url "https://example.com/a.jpg"}]',
        '[[:im.image/id #uuid "' + UUID_A + '"] #:im.image{:url "https://example.com/a.jpg"}]',
    ),
    Rule(
        "alias-invalid",
        ERROR,
        "structure",
        "An alias is not a valid alias keyword",
        "An alias is a namespaced keyword (`:user/jane`) without spaces whose name part does not "
        "begin with a digit.",
        "References by alias need the namespace to be unambiguous. (Clojure cannot even read "
        "`:user/123`: in a file that is an `edn-syntax` error; this rule catches it in rows "
        "built in memory by `migrate convert`.)",
        '[[:im.image/id :image-a] #:im.image{:url "https://example.com/a.jpg"}]',
        '[[:im.image/id :image/i1a] #:im.image{:url "https://example.com/a.jpg"}]',
    ),
    Rule(
        "alias-duplicate",
        ERROR,
        "structure",
        "Two rows share an alias",
        "Aliases are unique in the file. The message names the first row.",
        "A reference by alias must name exactly one row.",
        rows(
            '[[:im.image/id :image/a] #:im.image{:url "https://example.com/a.jpg"}]',
            '[[:im.image/id :image/a] #:im.image{:url "https://example.com/b.jpg"}]',
        ),
        rows(
            '[[:im.image/id :image/a] #:im.image{:url "https://example.com/a.jpg"}]',
            '[[:im.image/id :image/b] #:im.image{:url "https://example.com/b.jpg"}]',
        ),
    ),
    # attributes ------------------------------------------------------------------------------
    Rule(
        "attribute-required",
        ERROR,
        "attributes",
        "A required attribute is missing",
        "Every attribute the schema marks required is present, in the row and in nested maps "
        "(`:im.user/profile` needs first and last name).",
        "The importer rejects rows without their required attributes.",
        "[[:im.listing/id :listing/sauna]\n #:im.listing{:createdAt "
        + T
        + " :state :listing.state/published}]",
        "[[:im.listing/id :listing/sauna]\n #:im.listing{:createdAt "
        + T
        + ' :title "Sauna" :state :listing.state/published}]',
    ),
    Rule(
        "attribute-unknown",
        ERROR,
        "attributes",
        "An attribute is not part of the row type",
        "Every key of the attribute map (and of nested maps) is a keyword the schema lists for "
        "the row type. String keys and keys of another namespace are unknown too.",
        "Unknown attributes are rejected by the importer; they are often typos.",
        '[[:im.image/id] #:im.image{:url "https://example.com/a.jpg" :position 1}]',
        '[[:im.image/id] #:im.image{:url "https://example.com/a.jpg" :sortOrder 1}]',
    ),
    Rule(
        "attribute-empty",
        ERROR,
        "attributes",
        "An attribute is present but empty",
        "No attribute is `nil`, an empty or whitespace-only string, or an empty map, vector or "
        "set. This applies to required attributes too (a required string must be non-empty) "
        "and to nested attributes.",
        "The spec: optional keys must have non-empty values; without a value the key must be "
        "omitted. Empty strings count as empty.",
        user(profile=' :im.userProfile/bio ""'),
        user(),
    ),
    Rule(
        "type-mismatch",
        ERROR,
        "attributes",
        "A value has the wrong type",
        "Each attribute holds its schema kind: `#inst` with a time zone; strings; booleans "
        "(`true`/`false` only); integers (edn integers only: `true`, `5.0` and `5M` are not "
        "integers); maps for nested and extended data; `#im/ref`, `#im/money`, `#im/location` "
        "where the schema says so.",
        "The importer coerces nothing; a string where an instant belongs fails the import.",
        '[[:im.listing/id :listing/sauna]\n #:im.listing{:createdAt "2020-01-01" :title "Sauna" '
        ":state :listing.state/published}]",
        "[[:im.listing/id :listing/sauna]\n #:im.listing{:createdAt "
        + T
        + ' :title "Sauna" :state :listing.state/published}]',
    ),
    Rule(
        "enum-value",
        ERROR,
        "attributes",
        "A value is not one of the allowed keywords",
        "Enum attributes (`:im.listing/state`, `:im.review/type`, `:im.review/state`, each "
        "role) hold exactly one of the listed keywords; strings or other namespaces are rejected.",
        "The importer maps these keywords to Sharetribe states one to one.",
        "[[:im.listing/id :listing/sauna]\n #:im.listing{:createdAt "
        + T
        + ' :title "Sauna" :state :listing.state/active}]',
        "[[:im.listing/id :listing/sauna]\n #:im.listing{:createdAt "
        + T
        + ' :title "Sauna" :state :listing.state/published}]',
    ),
    Rule(
        "roles-invalid",
        ERROR,
        "attributes",
        "User roles are not a vector of distinct roles",
        "`:im.user/role` is a vector (not a list or set) of role keywords, none repeated. "
        "An empty vector is `attribute-empty`.",
        "Roles cannot be changed after the import, so they must be right the first time.",
        user(role="[:user.role/customer :user.role/customer :user.role/provider]"),
        user(),
    ),
    Rule(
        "integer-range",
        ERROR,
        "attributes",
        "An integer is out of range",
        "Bounded integers stay within the schema's bounds: `:im.review/rating` from 1 to 5, "
        "`:im.listing/currentStock` 0 or more.",
        "Out-of-range values are rejected by the importer.",
        "[[:im.listing/id :listing/sauna]\n #:im.listing{:createdAt "
        + T
        + ' :title "Sauna" :state :listing.state/published :currentStock -1}]',
        "[[:im.listing/id :listing/sauna]\n #:im.listing{:createdAt "
        + T
        + ' :title "Sauna" :state :listing.state/published :currentStock 0}]',
    ),
    Rule(
        "tag-unknown",
        ERROR,
        "attributes",
        "An unknown tagged element",
        "Attribute values use only the tags Intermediary defines: `#inst`, `#uuid`, `#im/ref`, "
        "`#im/money`, `#im/location`. (Inside extended data any tag is `extended-data-type`.)",
        "`clojure.edn` fails on a tag it has no reader for.",
        '[[:im.image/id] #:im.image{:url #my/url "https://example.com/a.jpg"}]',
        '[[:im.image/id] #:im.image{:url "https://example.com/a.jpg"}]',
    ),
    Rule(
        "instant-future",
        WARNING,
        "attributes",
        "A creation time lies in the future",
        "`#inst` values are not later than the moment of validation.",
        "A creation date in the future is nearly always a time-zone or unit (ms vs s) mistake.",
        user(created='#inst "2999-01-01T00:00:00Z"'),
        user(),
    ),
    # values ----------------------------------------------------------------------------------
    Rule(
        "money-shape",
        ERROR,
        "values",
        '#im/money is not [amount "CUR"]',
        "`#im/money` holds a vector of exactly a finite number and a currency code string.",
        "The importer destructures money as `[amount currency]`.",
        rows(U, listing(' :price #im/money ["12.50" 12]')),
        rows(U, listing(' :price #im/money [12.50M "EUR"]')),
    ),
    Rule(
        "money-negative",
        ERROR,
        "values",
        "A money amount is negative",
        "Money amounts are 0 or more.",
        "Prices cannot be negative in Sharetribe.",
        rows(U, listing(' :price #im/money [-1M "EUR"]')),
        rows(U, listing(' :price #im/money [1M "EUR"]')),
    ),
    Rule(
        "currency-unknown",
        ERROR,
        "values",
        "The currency is not an ISO 4217 code",
        'The currency is an ISO 4217 code known to CLDR (via babel), in capitals: `"EUR"`, '
        'not `"eur"` or `"€"`.',
        "The amount is converted to the currency's minor unit, which needs a known currency.",
        rows(U, listing(' :price #im/money [12.50M "eur"]')),
        rows(U, listing(' :price #im/money [12.50M "EUR"]')),
    ),
    Rule(
        "money-precision",
        ERROR,
        "values",
        "The amount has more decimals than the currency",
        "The amount needs no more decimals than the currency's minor unit (2 for EUR, 0 for "
        "JPY, 3 for BHD; from babel). Trailing zeros do not count: `12.500M` EUR is fine.",
        "Sharetribe stores amounts as integers in minor units; extra decimals cannot be stored.",
        rows(U, listing(' :price #im/money [1200.5M "JPY"]')),
        rows(U, listing(' :price #im/money [1200M "JPY"]')),
    ),
    Rule(
        "money-float",
        WARNING,
        "values",
        "A money amount is a float",
        "Money amounts are integers or `M` decimals, not floats such as `12.1`.",
        "Binary floats cannot hold most decimal amounts exactly; `12.1` may become `12.0999…`.",
        rows(U, listing(' :price #im/money [12.1 "EUR"]')),
        rows(U, listing(' :price #im/money [12.1M "EUR"]')),
    ),
    Rule(
        "location-shape",
        ERROR,
        "values",
        "#im/location is not [lat lng]",
        "`#im/location` holds exactly two finite numbers.",
        "The importer destructures locations as `[lat lng]`.",
        rows(U, listing(" :location #im/location [60.17]")),
        rows(U, listing(" :location #im/location [60.17 24.94]")),
    ),
    Rule(
        "location-range",
        ERROR,
        "values",
        "Coordinates are out of range",
        "Latitude is from -90 to 90 and longitude from -180 to 180.",
        "Swapped or out-of-range coordinates put listings in the wrong place or fail the import.",
        rows(U, listing(" :location #im/location [160.17 24.94]")),
        rows(U, listing(" :location #im/location [60.17 24.94]")),
    ),
    Rule(
        "email-invalid",
        ERROR,
        "values",
        "An email address is not valid",
        "`:im.email/address` is a syntactically valid address (email-validator, without "
        "deliverability or DNS checks). Strict reading: the address check the spec links to "
        "is ASCII-only, so a non-ASCII part before the @ is invalid, and so is a domain "
        "written with non-ASCII letters (an internationalised domain name); the message gives "
        "its ASCII `xn--` form, which is valid.",
        "The importer validates addresses and rejects the file on an invalid one.",
        user(email='{:im.email/address "jane(at)example.com" :im.email/verified true}'),
        user(),
    ),
    Rule(
        "email-shape",
        ERROR,
        "values",
        "The primary email is not {address, verified}",
        "`:im.user/primaryEmail` is a map of exactly `:im.email/address` and `:im.email/verified`.",
        "The importer reads both keys; other keys are rejected.",
        user(email='{:im.email/address "jane@example.com"}'),
        user(),
    ),
    Rule(
        "url-invalid",
        ERROR,
        "values",
        "An image URL is not an absolute, encoded http(s) URL",
        "`:im.image/url` starts with `http://` or `https://` (in any case), has a host, and is "
        "properly percent-encoded: no spaces, raw non-ASCII or control characters, and every "
        "`%` starts a `%XX` escape. Whether the host is public is `url-host-not-public`.",
        "The importer downloads each image from its URL; unencoded URLs fail to download.",
        '[[:im.image/id] #:im.image{:url "https://example.com/my photo.jpg"}]',
        '[[:im.image/id] #:im.image{:url "https://example.com/my%20photo.jpg"}]',
    ),
    Rule(
        "url-host-not-public",
        ERROR,
        "values",
        "An image URL's host is not reachable from the internet",
        "The host of `:im.image/url` is public: not `localhost` or a name under `.localhost`, "
        "`.local`, `.internal`, `.home.arpa`, `.localdomain` or `.lan`, not a single-label name "
        "without a dot, and not a loopback, private, link-local, shared or reserved IPv4 or IPv6 "
        "address (nor such an address in a numeric form browsers accept, `127.1`, "
        "`2130706433`). Scheme and host are compared without regard to case: "
        "`HTTPS://EXAMPLE.COM/a.jpg` is fine.",
        "The spec asks for public URLs: Sharetribe downloads every image from its own servers "
        "while importing, and cannot reach a host on the legacy system's own network.",
        '[[:im.image/id] #:im.image{:url "http://192.168.1.20/photos/a.jpg"}]',
        '[[:im.image/id] #:im.image{:url "HTTPS://IMG.EXAMPLE.COM/photos/a.jpg"}]',
    ),
    Rule(
        "extended-data-type",
        ERROR,
        "values",
        "Extended data holds a non-JSON value",
        "Extended data maps have keyword or string keys and JSON values only: strings, numbers, "
        "booleans, nil, vectors and maps. Keywords, sets, symbols, lists, tagged elements "
        "(`#inst`, `#uuid` …) and non-finite numbers are rejected.",
        "Extended data is stored as JSON; values without a JSON form cannot be imported.",
        rows(U, listing(extra=' :metadata {:tags #{"a" "b"}}')),
        rows(U, listing(extra=' :metadata {:tags ["a" "b"]}')),
    ),
    Rule(
        "extended-data-size",
        ERROR,
        "values",
        "Extended data is larger than 50KB",
        "Each extended data map is at most 51200 bytes serialised as compact UTF-8 JSON.",
        "Sharetribe limits each extended data object to 50KB.",
        rows(U, listing(extra=' :metadata {:blob "' + "x" * 51200 + '"}')),
        rows(U, listing(extra=' :metadata {:blob "x"}')),
    ),
    # references ------------------------------------------------------------------------------
    Rule(
        "ref-malformed",
        ERROR,
        "references",
        "An #im/ref is malformed",
        '`#im/ref` holds an alias keyword with a namespace, or `[:im.TYPE/id #uuid "…"]` '
        "with a known id attribute.",
        "The importer cannot resolve anything else.",
        rows(
            U,
            review(author="jane", subject="jane").replace(
                ":author #im/ref :user/jane", ':author #im/ref "jane"'
            ),
        ),
        rows(U, UJ, review(author="john")),
    ),
    Rule(
        "ref-unresolved",
        ERROR,
        "references",
        "An #im/ref names no row in the file",
        "Every reference resolves to a row of the same file, by alias or by id attribute and "
        "import id, whether the row comes before or after the reference.",
        "The spec: referencing a row that does not exist in the same file is a validation error.",
        rows(UJ, review()),
        rows(UJ, U, review()),
    ),
    Rule(
        "ref-unverified",
        WARNING,
        "references",
        "An #im/ref could not be checked: part of the file is unreadable",
        "When an edn syntax error made part of the file unreadable, a reference to a row that "
        "is not among the rows read is reported under this code instead of `ref-unresolved`: "
        "the row may be in the unread part. The report names the unread lines.",
        "A false `ref-unresolved` (no row has that alias, for a row that exists further down) "
        "sends the user hunting for a problem that is not there. The file already fails on "
        "its `edn-syntax` error; once that is fixed, validating again settles these references.",
        rows(U.replace('"Jane"', '"Jane'), UJ, review(author="john")),
        rows(U, UJ, review(author="john")),
    ),
    Rule(
        "ref-wrong-type",
        ERROR,
        "references",
        "An #im/ref points at the wrong row type",
        "A reference resolves to a row type its attribute allows (`:im.listing/author` to a "
        "user, `:im.image/listing` to a listing, …).",
        "A listing's author cannot be an image.",
        rows(U, image(extra=" :listing #im/ref :user/jane")),
        rows(U, L, image()),
    ),
    Rule(
        "email-duplicate",
        ERROR,
        "references",
        "Two users share a primary email",
        "Primary emails are unique across users, ignoring case. The message names the first user.",
        "Sharetribe logs users in by email; two accounts cannot share one.",
        rows(
            U, user("john", email='{:im.email/address "JANE@example.com" :im.email/verified true}')
        ),
        rows(U, UJ),
    ),
    Rule(
        "stripe-account-duplicate",
        ERROR,
        "references",
        "A user has several Stripe accounts",
        "At most one `:im.stripeAccount` row references each user.",
        "A Sharetribe user has at most one Stripe account.",
        rows(
            U,
            '[[:im.stripeAccount/id] #:im.stripeAccount{:stripeAccountId "acct_1" :user #im/ref :user/jane}]',
            '[[:im.stripeAccount/id] #:im.stripeAccount{:stripeAccountId "acct_2" :user #im/ref :user/jane}]',
        ),
        rows(
            U,
            '[[:im.stripeAccount/id] #:im.stripeAccount{:stripeAccountId "acct_1" :user #im/ref :user/jane}]',
        ),
    ),
    Rule(
        "review-listing-missing",
        ERROR,
        "references",
        "An ofProvider review has no listing",
        "A review of type `:review.type/ofProvider` has `:im.review/listing`.",
        "Provider reviews are about a listing; the spec requires the reference.",
        rows(U, UJ, L, review("ofProvider", author="john")),
        rows(U, UJ, L, review("ofProvider", " :listing #im/ref :listing/sauna", author="john")),
    ),
    Rule(
        "review-listing-unexpected",
        ERROR,
        "references",
        "An ofCustomer review has a listing",
        "A review of type `:review.type/ofCustomer` has no `:im.review/listing`.",
        "Customer reviews are about the customer, not a listing; the spec says they have none.",
        rows(U, UJ, L, review("ofCustomer", " :listing #im/ref :listing/sauna", author="john")),
        rows(U, UJ, L, review("ofCustomer", author="john")),
    ),
    Rule(
        "review-self",
        WARNING,
        "references",
        "A user reviews themselves",
        "A review's author and subject are different users (compared after resolving the "
        "references, so an alias and an import id of the same user match).",
        "Self-reviews usually come from a mapping mistake (author and subject swapped or copied).",
        rows(U, review(author="jane")),
        rows(U, UJ, review(author="john")),
    ),
    Rule(
        "avatar-shared",
        WARNING,
        "references",
        "An image is used by several users or also as a listing image",
        "An image is the avatar of at most one user, and an avatar is not also a listing image.",
        "Each imported image becomes one resource; sharing it makes later edits affect others.",
        rows(
            '[[:im.image/id :avatar/a] #:im.image{:url "https://example.com/a.jpg"}]',
            user(profile=" :im.userProfile/avatar #im/ref :avatar/a"),
            user("john", profile=" :im.userProfile/avatar #im/ref :avatar/a"),
        ),
        rows(
            '[[:im.image/id :avatar/a] #:im.image{:url "https://example.com/a.jpg"}]',
            '[[:im.image/id :avatar/b] #:im.image{:url "https://example.com/b.jpg"}]',
            user(profile=" :im.userProfile/avatar #im/ref :avatar/a"),
            user("john", profile=" :im.userProfile/avatar #im/ref :avatar/b"),
        ),
    ),
    Rule(
        "image-unreferenced",
        WARNING,
        "references",
        "An image is used by nothing",
        "Every image is a listing image (`:im.image/listing`) or some user's avatar.",
        "An unused image is imported (and downloaded) for nothing; usually a reference was lost.",
        rows(U, '[[:im.image/id :avatar/a] #:im.image{:url "https://example.com/a.jpg"}]'),
        rows(
            '[[:im.image/id :avatar/a] #:im.image{:url "https://example.com/a.jpg"}]',
            user(profile=" :im.userProfile/avatar #im/ref :avatar/a"),
        ),
    ),
    Rule(
        "roles-incomplete",
        WARNING,
        "references",
        "A user lacks a role",
        "Every user has both `:user.role/customer` and `:user.role/provider`.",
        "The spec recommends both: roles cannot be changed after the import.",
        user(role="[:user.role/customer]"),
        user(),
    ),
    Rule(
        "listing-no-author",
        WARNING,
        "references",
        "A listing has no author",
        "Every listing has `:im.listing/author`.",
        "A listing without an author cannot be managed by anyone in the marketplace.",
        "[[:im.listing/id :listing/sauna]\n #:im.listing{:createdAt "
        + T
        + ' :title "Sauna" :state :listing.state/published\n               :publicData '
        + PUBLIC
        + "}]",
        rows(U, L),
    ),
    Rule(
        "listing-public-data-incomplete",
        WARNING,
        "references",
        "Listing publicData lacks keys the web template needs",
        "Listing `:im.listing/publicData` has `listingType`, `transactionProcessAlias` and "
        "`unitType` (from the schema's web_template section).",
        "The Sharetribe web template cannot show or book a listing without them.",
        rows(U, L.replace(PUBLIC, '{:listingType "rent"}')),
        rows(U, L),
    ),
    Rule(
        "listing-address-missing",
        WARNING,
        "references",
        "A listing has a location but no address",
        "A listing with `:im.listing/location` has `publicData.location.address`.",
        "The web template shows the address beside the map; coordinates alone show no address.",
        rows(U, listing(" :location #im/location [60.17 24.94]")),
        rows(
            U,
            listing(" :location #im/location [60.17 24.94]").replace(
                ':unitType "day"}', ':unitType "day" :location {:address "Main St 1, Helsinki"}}'
            ),
        ),
    ),
    # data quality ----------------------------------------------------------------------------
    Rule(
        "name-looks-like-contact",
        WARNING,
        "quality",
        "A user's name looks like an email address or a phone number",
        "A user's `firstName`, `lastName` and `displayName` hold no email address (text around "
        "an `@` with a dotted domain) and no phone number (7 or more digits, with the usual "
        "separators `+ - ( ) .` and spaces).",
        "Names are public profile text. Legacy exports often hold an email or a phone number "
        "where a name was not given, which the import would publish to every visitor.",
        user(profile="").replace('firstName "Jane"', 'firstName "jane.doe@example.com"'),
        user(),
    ),
    Rule(
        "review-before-created",
        WARNING,
        "quality",
        "A review is older than its author or its listing",
        "A review's `createdAt` is not earlier than its author's `:im.user/createdAt` nor, for a "
        "review of a listing, than the listing's `:im.listing/createdAt`.",
        "Nobody reviews before signing up, nor a listing before it existed: the dates come "
        "from different clocks or time zones, or the review was linked to the wrong row.",
        rows(U, user("john", created='#inst "2021-06-01T00:00:00Z"'), review(author="john")),
        rows(U, UJ, review(author="john")),
    ),
    Rule(
        "image-url-duplicate",
        WARNING,
        "quality",
        "A listing has the same image URL twice",
        "The images of one listing (`:im.image/listing`, written the same way) have different "
        "URLs.",
        "The same photo would be downloaded and shown twice; usually a join in the export "
        "repeated a row.",
        rows(U, L, image(alias="a"), image(alias="b")),
        rows(U, L, image(alias="a"), image(alias="b", url="https://example.com/b.jpg")),
    ),
    # marketplace -----------------------------------------------------------------------------
    Rule(
        "listing-type-unknown",
        ERROR,
        "marketplace",
        "The listing type is not one of the marketplace",
        "A listing's `publicData.listingType` is the `id` of one of the marketplace's listing "
        "types (`listings/listing-types.json`). A listing without one is "
        "`listing-public-data-incomplete`.",
        "The web template shows, searches and books a listing by its type; one of an unknown "
        "type is shown without its booking panel and matches no listing type filter.",
        rows(U, L.replace('"rent"', '"rental"')),
        rows(U, L),
        marketplace=True,
    ),
    Rule(
        "listing-type-mismatch",
        ERROR,
        "marketplace",
        "The listing's process or unit is not its type's",
        "`publicData.transactionProcessAlias` and `unitType` are the alias of the listing "
        "type's `transactionProcess` and its `unitType`.",
        "The template starts transactions with the alias and prices by the unit stored on the "
        "listing: a listing that disagrees with its type books through the wrong process or "
        "prices per night where the type says per day.",
        rows(U, L.replace('"day"', '"night"')),
        rows(U, L),
        marketplace=True,
    ),
    Rule(
        "category-invalid",
        ERROR,
        "marketplace",
        "A category level is not one of the marketplace's categories",
        "`publicData.categoryLevel1` is the `id` of a top-level category "
        "(`listings/listing-categories.json`), `categoryLevel2` the id of one of its "
        "subcategories, and so on; no level is given without the one above.",
        "Category filters and pages match the ids exactly: a listing with an unknown id is in "
        "no category and found by no category filter.",
        rows(U, listing(public=':categoryLevel1 "tents" :categoryLevel2 "electric"')),
        rows(U, listing(public=':categoryLevel1 "tents"')),
        marketplace=True,
    ),
    Rule(
        "field-value-invalid",
        ERROR,
        "marketplace",
        "A listing or user field holds a value its schema type does not allow",
        "Each listing field (`listings/listing-fields.json`) and user field "
        "(`users/user-fields.json`), where present: `enum` is one of its `enumOptions`, "
        "`multi-enum` a vector of distinct options, `long` an integer within `numberConfig` "
        "(and 8 bytes), `boolean` `true` or `false`, `text` and `youtubeVideoUrl` a string.",
        "The template offers, filters and shows these values by their configuration: an "
        "option it does not define is shown as nothing and found by no filter.",
        rows(U, listing(public=":capacity 50")),
        rows(U, listing(public=":capacity 5")),
        marketplace=True,
    ),
    Rule(
        "field-required",
        ERROR,
        "marketplace",
        "A required listing or user field is missing",
        "A field with `saveConfig.required` is present where it applies (its "
        "`listingTypeConfig`, `categoryConfig` or `userTypeConfig` limits respected), in the "
        "data of its scope. Strict reading, following the web template: a listing field is "
        "required when `required` is `true`; a user field unless it is `false`. Listing fields "
        "of scope `private` are not checked: Intermediary cannot import listing private data.",
        "The marketplace operator made the field mandatory; an imported listing without it "
        "cannot be saved by its author until the field is filled in.",
        rows(U, listing(public=':categoryLevel1 "saunas" :categoryLevel2 "electric"')),
        rows(
            U,
            listing(
                public=':categoryLevel1 "saunas" :categoryLevel2 "electric" :heating "electric"'
            ),
        ),
        marketplace=True,
    ),
    Rule(
        "field-scope",
        ERROR,
        "marketplace",
        "A listing or user field is in the data of another scope",
        "A field's value sits in the data of its `scope`: `public` in `publicData`, "
        "`metadata` in `metadata`, and for users `protected` in `protectedData` and `private` "
        "in `privateData`.",
        "The template reads each field from its scope only: a public field written into "
        "metadata is never shown, a private one written into publicData is shown to everyone.",
        rows(U, listing(extra=" :metadata {:capacity 5}")),
        rows(U, listing(public=":capacity 5")),
        marketplace=True,
    ),
    Rule(
        "field-not-applicable",
        WARNING,
        "marketplace",
        "A field is set where the marketplace does not use it",
        "A field limited to some listing types, categories (`limitToCategoryIds`) or user "
        "types is set only on listings or users of those.",
        "The value imports, but the template neither shows nor lets anyone edit it there: "
        "usually the listing's type or category is wrong.",
        rows(U, listing(public=':categoryLevel1 "tents" :heating "wood"')),
        rows(U, listing(public=':categoryLevel1 "tents"')),
        marketplace=True,
    ),
    Rule(
        "public-data-key-unknown",
        WARNING,
        "marketplace",
        "A publicData key is neither built in nor a field of the marketplace",
        "Every key of a listing's or user's `publicData` is a key the web template uses "
        "itself (`listingType`, `transactionProcessAlias`, `unitType`, `location`, "
        "`categoryLevel1..N`, `userType`, …) or a listing or user field of the marketplace. "
        "Checked only when the field configuration is given.",
        "Such keys import, but nothing shows them or lets anyone edit them; they are often a "
        "field under another name (the message suggests one).",
        rows(U, listing(public=":capcity 5")),
        rows(U, listing(public=":capacity 5")),
        marketplace=True,
    ),
    Rule(
        "price-currency-mismatch",
        ERROR,
        "marketplace",
        "The price is not in the marketplace's currency",
        "`:im.listing/price` is in the marketplace currency (`general/localization.json`).",
        "The web template shows `(USD)` instead of the price of a listing in another currency "
        "and takes no order for it; amounts cannot be converted after the import.",
        rows(U, listing(' :price #im/money [12.50M "USD"]')),
        rows(U, listing(' :price #im/money [12.50M "EUR"]')),
        marketplace=True,
    ),
    Rule(
        "price-below-minimum",
        ERROR,
        "marketplace",
        "The price is below the marketplace's minimum transaction size",
        "`:im.listing/price`, in the marketplace currency, is at least the minimum transaction "
        "size (`transactions/minimum-transaction-size.json`, in minor units).",
        "The template refuses lower prices when a listing is edited, and Stripe refuses "
        "charges below its own minimum: such a listing cannot be paid for.",
        rows(U, listing(' :price #im/money [2M "EUR"]')),
        rows(U, listing(' :price #im/money [20M "EUR"]')),
        marketplace=True,
    ),
    Rule(
        "listing-price-missing",
        WARNING,
        "marketplace",
        "A published listing has no price though its type takes one",
        "A published listing whose listing type shows a price (its `defaultListingFields` does "
        "not turn `price` off) has `:im.listing/price`.",
        "It imports and shows, but cannot be booked or bought until its author adds a price.",
        rows(U, L),
        rows(U, listing(' :price #im/money [12.50M "EUR"]')),
        marketplace=True,
    ),
    Rule(
        "user-type-unknown",
        ERROR,
        "marketplace",
        "The user type is not one of the marketplace",
        "A user's `publicData.userType` is the `id` of one of the marketplace's user types "
        "(`users/user-types.json`).",
        "User fields and permissions follow the user type; with an unknown one the profile "
        "shows no fields and the user may be unable to act as the type allows.",
        user(profile=' :im.userProfile/publicData {:userType "admin"}'),
        user(profile=' :im.userProfile/publicData {:userType "host"}'),
        marketplace=True,
    ),
    Rule(
        "user-type-missing",
        WARNING,
        "marketplace",
        "A user has no user type in a marketplace that defines them",
        "When the marketplace defines user types, every user's `publicData` has a `userType`.",
        "Fields limited to a user type do not apply to a user without one, and the template "
        "asks for a type at sign-up: the imported user misses what the others have.",
        user(),
        user(profile=' :im.userProfile/publicData {:userType "renter"}'),
        marketplace=True,
    ),
    # convert only ----------------------------------------------------------------------------
    Rule(
        "source-id-missing",
        ERROR,
        "convert",
        "A source record has no id",
        "Every source record has a value in the job's id column.",
        "Aliases and import ids are derived from the source id.",
    ),
    Rule(
        "source-id-type",
        ERROR,
        "convert",
        "A source id is neither a string nor an integer",
        "A record's id, and the id a reference names, is text or a whole number (a JSON "
        "integer of any size, an SQL integer or integral decimal). Booleans, floats such as "
        "`10.0`, objects and arrays are rejected rather than turned into text.",
        "`true` or `10.0` would silently become the ids `True` and `10.0` (aliases "
        "`:user/True`, `:user/u10.0`) that no other record's reference matches.",
    ),
    Rule(
        "source-id-duplicate",
        ERROR,
        "convert",
        "Two source records share an id",
        "Source ids are unique per entity.",
        "Two records with one id would become two rows with one import id. When the rows are "
        "one entity seen again (a host repeated on each listing), give the record table "
        "`distinct = true`: the repeats are then merged, not rejected (docs/job-file.md).",
    ),
    Rule(
        "transform-failed",
        ERROR,
        "convert",
        "A transform could not convert a value",
        "Each configured transform (date parsing, money, …) succeeds on the record.",
        "A row with an unconverted value would be rejected by the importer.",
    ),
    Rule(
        "ref-target-rejected",
        ERROR,
        "convert",
        "A reference points at a rejected row",
        "Rows referencing a rejected row are rejected too (cascade).",
        "Writing them would leave an unresolved `#im/ref`.",
    ),
    Rule(
        "lookup-unmatched",
        ERROR,
        "convert",
        "A lookup's key is in no row of the other source",
        "Each lookup of a record table (`[records.TYPE.lookups]`, `lookup = {…}`) finds the row "
        'whose `key` equals the record\'s `on`, compared as text; with `missing = "absent"` a '
        "key no row has is an absent value instead. Message: `records.review.mapping.subject: "
        'no row of source "listings" has id = "4621559" (listing_id of source "reviews")`.',
        "The value the job takes from the other source does not exist: writing the row without "
        "it would drop a reference or an attribute silently.",
    ),
    Rule(
        "lookup-ambiguous",
        ERROR,
        "convert",
        "A lookup's key is in more than one row of the other source",
        "The lookup's key names exactly one row of the other source (strict reading: also when "
        "those rows agree on the column). Message: `records.review.lookups.host_id: 2 rows of "
        'source "listings" have id = "3" (listing_id of source "reviews"); a lookup needs '
        "exactly one`.",
        "Picking one of the rows would depend on file order; de-duplicate the other source "
        "(a derived source with `SELECT DISTINCT`) when the repeats are intended.",
    ),
    Rule(
        "merge-conflict",
        ERROR,
        "convert",
        "Merged rows disagree",
        "Records merged into one row (one source id from several record tables, or the "
        'repeated rows of a `distinct` table under `merge = "conflict"`, the default) agree on '
        "every attribute they both set. The message names the attribute, both values and both "
        'source lines, e.g. `records.user.mapping.firstName: rows of source id "9" disagree: '
        '"Cy" at listings.csv:5 but "Cyrus" at listings.csv:6 (merge = "conflict"; …)`.',
        "Picking one value silently would lose data; a merge policy (`first`, `last`, "
        "`non-empty`, `min`, `max`) says which one to keep.",
    ),
    Rule(
        "alias-collision",
        ERROR,
        "convert",
        "Two records map to the same alias",
        "Aliases derived from source ids are unique.",
        "Duplicate aliases make references ambiguous (`alias-duplicate`).",
    ),
    Rule(
        "geocode-failed",
        ERROR,
        "convert",
        "An address could not be geocoded",
        "Every address the job geocodes resolves to coordinates.",
        "Without coordinates the listing has no `:im.listing/location`.",
    ),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}

#: The marketplace configuration the examples of marketplace rules are checked against, as the
#: Asset Delivery API serves its files (asset path -> JSON).
EXAMPLE_MARKETPLACE: dict[str, Any] = {
    "listings/listing-types.json": {
        "listingTypes": [
            {
                "id": "rent",
                "label": "Rent",
                "transactionProcess": {
                    "name": "default-booking",
                    "alias": "default-booking/release-1",
                },
                "unitType": "day",
            },
            {
                "id": "inquire",
                "label": "Ask the host",
                "transactionProcess": {
                    "name": "default-inquiry",
                    "alias": "default-inquiry/release-1",
                },
                "unitType": "inquiry",
                "defaultListingFields": {"price": False},
            },
        ]
    },
    "listings/listing-categories.json": {
        "categories": [
            {
                "id": "saunas",
                "name": "Saunas",
                "subcategories": [
                    {"id": "wood-fired", "name": "Wood-fired"},
                    {"id": "electric", "name": "Electric"},
                ],
            },
            {"id": "tents", "name": "Tents", "subcategories": []},
        ]
    },
    "listings/listing-fields.json": {
        "listingFields": [
            {
                "key": "heating",
                "scope": "public",
                "schemaType": "enum",
                "enumOptions": [
                    {"option": "wood", "label": "Wood"},
                    {"option": "electric", "label": "Electric"},
                ],
                "saveConfig": {"label": "Heating", "required": True},
                "categoryConfig": {"limitToCategoryIds": True, "categoryIds": ["saunas"]},
            },
            {
                "key": "capacity",
                "scope": "public",
                "schemaType": "long",
                "numberConfig": {"minimum": 1, "maximum": 20},
                "saveConfig": {"label": "Capacity", "required": False},
            },
        ]
    },
    "users/user-types.json": {
        "userTypes": [{"id": "renter", "label": "Renter"}, {"id": "host", "label": "Host"}]
    },
    "users/user-fields.json": {
        "userFields": [
            {
                "key": "phone",
                "scope": "protected",
                "schemaType": "text",
                "saveConfig": {"required": False},
            }
        ]
    },
    "general/localization.json": {"locale": "en-GB", "firstDayOfWeek": 1, "currency": "EUR"},
    "transactions/minimum-transaction-size.json": {
        "listingMinimumPrice": {"type": "subunit", "amount": 500}
    },
}


def example_marketplace() -> Any:
    """:data:`EXAMPLE_MARKETPLACE` as a :class:`~migrate.marketplace.MarketplaceConfig`."""
    from migrate.marketplace.config import ASSETS, parse_assets

    names = {path: name for name, path in ASSETS.items()}
    documents = {names[path]: document for path, document in EXAMPLE_MARKETPLACE.items()}
    return parse_assets(documents, "the example marketplace")


def write_example_marketplace(directory: str | os.PathLike[str]) -> Path:
    """Write :data:`EXAMPLE_MARKETPLACE` as asset files under ``directory``; returns it."""
    root = Path(directory)
    for path, document in EXAMPLE_MARKETPLACE.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"data": document}, indent=2) + "\n", encoding="utf-8")
    return root


SEVERITY: dict[str, Severity] = {rule.code: rule.severity for rule in RULES}


def example_document(text: str, document: bool) -> str:
    """The example as a whole document: rows are wrapped in ``{:ident … :data [...]}``."""
    if document:
        return text
    return "{:ident :my-marketplace\n :data [" + text.replace("\n", "\n        ") + "]}\n"
