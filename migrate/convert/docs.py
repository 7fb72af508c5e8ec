"""``docs/job-file.md``: the job file reference, generated from the code that reads job files.

The key tables come from :data:`migrate.convert.job.KEYS`, the mapping names and extended-data
tables from ``schemas/``, the transform list from :data:`migrate.convert.transforms.TRANSFORMS`,
and the full example is the sample's own ``samples/csv/job.toml``; so the page cannot drift from
what ``load_job`` accepts (``python -m migrate.docs --check`` fails when it is stale).
"""

from __future__ import annotations

from pathlib import Path

from migrate import schemas
from migrate.convert.job import KEYS, extended_tables, short_names
from migrate.convert.lookups import DOC as _LOOKUPS_DOC
from migrate.convert.transforms import TRANSFORMS
from migrate.extract.query_docs import DOC as _QUERIES_DOC

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE_JOB = ROOT / "samples" / "csv" / "job.toml"

_INTRO = """\
# The job file

`migrate convert JOB.toml` reads a legacy marketplace's data and writes Intermediary edn. The job
file (TOML) says where the data is (`[sources.NAME]`), how each row type is made
(`[records.TYPE]`), and the job-wide defaults. `migrate init SOURCE…` writes a commented starter
job guessed from the sources' columns.

The job is checked before any row is read: an unknown key, a column a source does not have, an
unknown transform or a bad parameter stops the run with exit code 2. Every mistake in the file is
reported at once (up to 50), one line each with the line and column where it is written, the key
and the fix when there is a likely one; a TOML syntax error is worded the same way:

```
job.toml:12:1: records.user.mapping.emial: unknown attribute 'emial' for user (did you mean 'email'?)
job.toml:31:38: records.listing.mapping.price.transform: unknown transform 'mony' (did you mean 'money'?)
job.toml:58:1: records.review.mapping.author: source 'reviews' has no column 'autor_id' (did you mean 'author_id'?)
job.toml:60:14: not valid TOML: expected ']' at the end of a table declaration
```
"""

_VALUES = """\
## Value specs

Every attribute in `mapping` and every key of an extended-data table takes a value spec:

- a string: the column of that name (`email = "email"`); dotted names reach into nested JSON
  (`"location.city"`), and child rows of `each` see their parent's fields as `parent.NAME`;
- a table with exactly one of `column`, `const`, `template` or `lookup` (a column of another
  source, see Lookups), and optionally `transform`, `map` and (money only) `currency`;
- an array of those: the first that gives a value wins
  (`lastName = ["last_name", { column = "full_name", transform = { name = "split_name", part = "last" } }]`).

The value is read, then transformed, then looked up in `map`, then converted to the attribute's
kind: text for strings, an integer, `true`/`false`, an enum keyword (`"published"` or
`"listing.state/published"` both give `:listing.state/published`), an instant (text without a
`date` transform is read as ISO 8601 in `[defaults] timezone`) or money (text without a `money`
transform is parsed as money in the row's or the default currency).

Decisions worth knowing:

- An empty value (no cell, blank text, nothing after transforms) is omitted: optional attributes
  are never written empty. A required attribute without a value rejects the row
  (`attribute-required`, naming the columns tried).
- A template with any empty field gives no value (so `"{street}, {city}"` never writes `", Oslo"`).
  Placeholders are plain `{column}` names.
- A value the transform cannot convert rejects the row (`transform-failed`, naming the column and
  the value); a value not in `map` does too. An enum value the schema does not know rejects it as
  `enum-value`.
- `currency = "COLUMN"` (money only) takes each row's currency code from a column (any case); the
  `money` and `minor_units` transforms then use it instead of `[defaults] currency`.
- Source ids are text (`str(value)`, trimmed), so a 19-digit id survives every source type. The
  import id is `uuid5(NAMESPACE, "IDENT/TYPE/SOURCE_ID")`: the same on every run, and computed for
  references from the foreign key alone. The alias is `:TYPE/ID`, with characters a keyword cannot
  hold replaced by `-` and the type's first letter in front of an id that starts with a digit
  (`:user/u1180000000007141974`). Two ids meeting on one alias reject the second
  (`alias-collision`).
- A row without a source id is rejected (`source-id-missing`).
"""

_REFS = """\
## References and locations

`author = { ref = "user", column = "host_id" }` points at the `user` row whose source id is in
`host_id` (or `template`, or a `lookup` in another source), as `#im/ref [:im.user/id #uuid "…"]`. The target may come from any source, before or
after. An empty foreign key leaves an optional reference out. By default a reference is
`required`: when its target is rejected or missing the row is rejected too
(`ref-target-rejected`, `ref-unresolved`); with `required = false` the row is kept and the
reference dropped (useful for `avatar`).

`location = { lat = "lat", lng = "lng" }` makes `#im/location [lat lng]`; both empty leaves it out
(the `[geocode]` stage may fill it from the address), one empty rejects the row.
"""

_DISTINCT = """\
## Embedded entities and merge policies

Exports often repeat one entity on many rows: a listings file carries the host's id, name and
"since" date on every listing of that host. `distinct = true` on a `[records.TYPE]` table makes
the rows that repeat one source id one entity (one user per `host_id`), instead of one row and a
`source-id-duplicate` reject per repeat:

```toml
[records.user]
source = "listings"
id = "host_id"
distinct = true          # rows repeating one host_id are one user
merge = "non-empty"      # the table's default policy (default "conflict")

[records.user.mapping]
email = { template = "host-{host_id}@example.com" }
firstName = "host_name"
createdAt = { column = "host_since", transform = "date", merge = "min" }
```

Each value of the entity (an attribute, a reference, a location, a field of extended data) comes
from one of its rows, chosen by its merge policy: `merge` on the value spec (or reference, or
location), else the table's `merge`, else `conflict`:

| Policy | The value comes from |
| --- | --- |
| `conflict` | the first row that has one, provided every row that has one agrees (the default) |
| `first` | the entity's first row, in source order (even where it is empty) |
| `last` | the entity's last row |
| `non-empty` | the first row whose columns for the value hold something |
| `min` | the row whose mapped value is the least: the earliest date, the smallest number |
| `max` | the row whose mapped value is the greatest |

Decisions worth knowing:

- `min` and `max` compare the *mapped* values (after transforms and the attribute's kind:
  `"2019-12-01"` as a date, `"10"` after `int` as 10), not the text; rows without a value are
  left out. They order dates, numbers and text (and extended data); a reference, an enum or a
  location cannot take them (a job error).
- Under `conflict`, rows with different values (compared mapped, so `"Ann"` and `" Ann"` after
  `trim` agree) make the entity one reject `merge-conflict`, whose message names the attribute,
  both values in edn and both source lines:
  `records.user.mapping.firstName: rows of source id "9" disagree: "Cy" at listings.csv:5 but
  "Cyrus" at listings.csv:6 (merge = "conflict"; …)`. An empty value never conflicts.
- A value whose transform fails on one of the rows rejects the entity (`transform-failed`,
  naming that value) rather than being passed over in silence.
- The entity's origin (in the rejects file) is its first row; entities keep the order of their
  first rows. The id columns, and columns no value reads (what a `function` sees besides),
  come from the first row. One column read by two values with different policies is a job
  error (one column, one policy).
- Rows without a source id are not grouped: each is rejected as `source-id-missing`. A row a
  lookup cannot complete (`lookup-unmatched`, `lookup-ambiguous`) rejects its whole entity
  with that message (the strict reading: the entity is not known whole).
- `merge` without `distinct = true`, and `distinct` with `each`, are job errors.
- The repeats are counted as `merged`, never as rejects: per type, `read` (source rows) =
  `written` + `rejected` + `merged`, and `distinct` (entities) = `written` + `rejected`. With
  `--limit N` the first N entities are read (all their rows count as read).
- Only the columns the record table reads are held while the rows are grouped (all the
  source's columns when it has a `function`); values are mapped once per distinct value, and
  only for entities whose rows differ.
"""

_FUNCTION = """\
## Custom functions

`function = "module:function"` (a module next to the job file, or an installed one such as
`migrate.mappers.custom`) is called with the source row's values (a mapping of column to value) after
the declarative mapping. It returns a mapping of attribute name (as in `mapping`, or an
extended-data attribute such as `publicData`) to value; a `None` value removes the attribute.
Extended data it returns is merged key by key into what the job maps (nested maps too; the
function's value wins), with keys made keywords where legal as mapped keys are, and Python lists
as JSON arrays. A `ValueError` it raises rejects the row as `transform-failed` with its message. A required
attribute the function gives must be declared with `provides = ["email"]` next to `function`:
the job check still fails (exit 2, naming the line) when a required attribute is neither
mapped nor provided.

`mappers/custom.py` holds an example, `function = "migrate.mappers.custom:guest_email"`, which gives
users exported without an email a reserved `guest+ID@example.com` address:

```python
def guest_email(values):
    if values.get("email"):
        return {}
    if not values.get("id"):
        raise ValueError("no id to build a guest email from")
    return {"email": f"guest+{values['id']}@example.com", "emailVerified": False}
```

## Functions returning references

A function returns a reference as `Ref(TYPE, SOURCE_ID)` (from `migrate.mappers.custom`) or as
the mapping `{"ref": TYPE, "id": SOURCE_ID}`; it is written as an `#im/ref` exactly like
`{ ref = TYPE, column = … }`: the target is found by source id in any source, and a target
that is rejected or that no source holds rejects the row (`ref-target-rejected`,
`ref-unresolved`), with the cascade that follows. An empty id (`None`, `""`) leaves the
reference out; an integer id is taken as its digits.

```toml
[records.review]
source = "reviews"
id = "id"
function = "review_functions:subject"
provides = ["subject"]            # the function gives the required subject
```

```python
from migrate.mappers.custom import Ref


def subject(values):
    return {"subject": Ref("user", values["host_id"])}
```

Returning anything else for a reference attribute (the plain id `"4621559"`), or a reference to
a type the attribute cannot point at, is a mistake in the function, not in the data: the run
stops with exit 2 and one line naming the function, the attribute and the fix. When the id is
in another source, a lookup does the same without code.
"""

_CONVENTIONS = """\
## Row type conventions

Applied after the mapping (`mappers/` modules), never overriding what the job maps:

- user: `role` from `[defaults] roles` (both roles unless said otherwise; roles cannot change
  after the import); `emailVerified` from `[defaults] email_verified` (default `false`).
- listing: `publicData.listingType`, `transactionProcessAlias` and `unitType` from `[defaults]`,
  which the Sharetribe web template needs to show a listing. Put the address where the template
  reads it with `[records.listing.public_data] "location.address" = { template = "…" }`.
- review: an `ofCustomer` review loses its listing reference (only `ofProvider` reviews have one).
- stripeAccount: whitespace around the account id is removed.
"""


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    lines = ["| Key | Meaning | Example |", "| --- | --- | --- |"]
    for key, meaning, example in rows:
        shown = example.replace("|", "\\|")
        lines.append(f"| `{key}` | {meaning} | `{shown}` |")
    return lines


def _keys(group: str, prefix: str = "") -> list[str]:
    return _table(
        [(prefix + key, meaning, example) for key, (meaning, example) in KEYS[group].items()]
    )


def job_file_reference() -> str:
    """The text of ``docs/job-file.md``."""
    from migrate.docs import _header
    from migrate.extract.spec import sources_reference

    schema = schemas.load()
    parts = [
        _header("migrate/convert/job.py, transforms.py and samples/csv/job.toml"),
        _INTRO,
        "## Top level\n",
        *_keys(""),
        "\n## [output]\n",
        "Outputs are `DIR/NAME.edn`, `DIR/NAME.rejects.csv` and `DIR/NAME.report.json`, written "
        "atomically; `migrate convert --output-dir` overrides `dir`.\n",
        *_keys("output"),
        "\n## [defaults]\n",
        *_keys("defaults"),
        "\n## [marketplace]\n",
        "Checks every row against the target marketplace's own configuration before it is "
        "written, with the rules of `migrate validate --marketplace` (docs/rules.md): a row "
        "with an error (a listing type the marketplace does not define, a price in another "
        "currency, …) is rejected under that rule's code, a warning is counted.\n",
        *_keys("marketplace"),
        "\n## [sources.NAME]\n",
        "One table per source; `type` is `csv`, `json`, `sql` or `query` (a derived source, "
        "below). Relative paths are taken from "
        "the job file's folder. The keys of each type are described with the extractors "
        "(`migrate/extract/spec.py`):\n",
        "```toml",
        "[sources.users]",
        'type = "csv"',
        'path = "users.csv"',
        'encoding = "windows-1252"      # default utf-8 (a byte-order mark is fine)',
        'delimiter = ";"                # default ","',
        "",
        "[sources.listings]",
        'type = "json"',
        'path = "export.json"',
        'records = "export.listings"    # dotted path to the array; format = "lines" for JSONL',
        "",
        "[sources.reviews]",
        'type = "sql"',
        'url_env = "LEGACY_DB_URL"      # env var holding the SQLAlchemy URL; or path = "x.db"',
        'table = "reviews"              # or query = "SELECT …"',
        'key = "id"',
        "```\n",
        sources_reference(),
        "",
        _QUERIES_DOC,
        "\n## [records.TYPE]\n",
        "`TYPE` is one of "
        + ", ".join(f"`{row_type.name}`" for row_type in schema.types)
        + ". Use `[[records.TYPE]]` (an array of tables) when rows of one type come from several "
        "sources; users found in two sources under one source id are merged. Rows repeating "
        "one source id within a table (a host on each of their listings) are one entity with "
        "`distinct = true` (see Embedded entities and merge policies).\n",
        *_keys("record", ""),
        "\nExtended-data tables of each type, keyed by JSON key (dotted keys nest: "
        '`"location.address"`), each value a value spec:\n',
        "| Type | Tables |",
        "| --- | --- |",
    ]
    for row_type in schema.types:
        tables = ", ".join(
            f"`[records.{row_type.name}.{name}]`" for name in extended_tables(row_type)
        )
        parts.append(f"| {row_type.name} | {tables or '(none)'} |")
    parts += [
        "\nNames accepted in `[records.TYPE.mapping]` (the qualified key, e.g. "
        '`"im.userProfile/firstName"`, works too):\n',
        "| Type | Attributes |",
        "| --- | --- |",
    ]
    for row_type in schema.types:
        names = ", ".join(f"`{name}`" for name in short_names(row_type.name))
        parts.append(f"| {row_type.name} | {names} |")
    parts += [
        "\nThe attributes themselves (kinds, which are required) are listed in "
        "[attributes.md](attributes.md).\n",
        _VALUES,
        "Keys of a value spec table:\n",
        *_keys("value"),
        "",
        _REFS,
        "Keys of a reference:\n",
        *_keys("ref"),
        "\nKeys of a location:\n",
        *_keys("location"),
        "",
        _LOOKUPS_DOC,
        *_keys("lookup"),
        "",
        _DISTINCT,
        _FUNCTION,
        _CONVENTIONS,
        "## [geocode]\n",
        "Coordinates for listings that have an address but no `location`; the keys are described "
        "in [geocoding.md](geocoding.md). The sample uses the offline gazetteer:\n",
        "```toml",
        "[geocode]",
        'provider = "offline"',
        'address = ["street", "city", "country"]',
        "```",
        "\n## Transforms\n",
        '`transform` takes a name (`"trim"`), a table with parameters '
        '(`{ name = "date", formats = ["%d/%m/%Y"] }`) or an array of those applied left to '
        "right. Every transform passes an empty value through as empty.\n",
    ]
    for definition in TRANSFORMS.values():
        parts.append(f"### `{definition.name}`\n")
        parts.append(definition.doc + "\n")
        if definition.params:
            for param in definition.params:
                default = "" if param.default in (None, []) else f" (default `{param.default}`)"
                parts.append(f"- `{param.name}`: {param.doc}{default}")
            parts.append("")
        parts.append(f"Example: `{definition.example}`\n")
    parts += [
        "## A complete job\n",
        "The Trailhop sample's CSV job (`samples/csv/job.toml`); the SQLite and JSON jobs beside "
        "it map the same content to the same records.\n",
        "```toml",
        SAMPLE_JOB.read_text("utf-8").rstrip("\n"),
        "```",
    ]
    return "\n".join(parts) + "\n"
