"""Loading job files: the checked result, and the one-line error for each kind of mistake."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from migrate.convert.job import JobError, load_job
from migrate.edn.values import Keyword
from migrate.errors import ConfigError

USERS_CSV = "id,email,first_name,last_name,signed_up_at\n1,a@example.com,Anna,Smith,2021-01-01\n"
LISTINGS_CSV = "id,host_id,title,state,created_at,lat,lng\n7,1,Tent,active,2021-01-02,60.1,24.9\n"

BASE = """\
ident = "test-market"

[sources.users]
type = "csv"
path = "users.csv"

[records.user]
source = "users"
id = "id"

[records.user.mapping]
email = "email"
firstName = "first_name"
lastName = "last_name"
createdAt = "signed_up_at"
"""


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    (tmp_path / "users.csv").write_text(USERS_CSV)
    (tmp_path / "listings.csv").write_text(LISTINGS_CSV)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(text: str) -> str:
    Path("job.toml").write_text(textwrap.dedent(text))
    return "job.toml"


def error_of(text: str) -> str:
    """The job's error, without line and column (test_job_errors.py checks those)."""
    with pytest.raises(JobError) as caught:
        load_job(write(text))
    return re.sub(r"^(job\.toml):\d+:\d+: ", r"\1: ", str(caught.value), flags=re.M)


def test_a_minimal_job_loads_with_defaults(workdir):
    job = load_job(write(BASE))
    assert job.ident == "test-market"
    assert job.ident_keyword is Keyword("test-market")
    assert job.output.dir == Path("out")
    assert job.output.name == "test-market"
    assert job.output.aliases is True and job.output.pretty is False
    assert job.defaults.timezone == "UTC"
    assert job.defaults.roles == (Keyword("user.role/customer"), Keyword("user.role/provider"))
    assert list(job.sources) == ["users"]
    (record,) = job.records
    assert (
        record.record_type == "user" and record.source == "users" and record.where == "records.user"
    )
    assert [mapping.path[-1].text for mapping in record.attributes] == [
        "im.email/address",
        "im.userProfile/firstName",
        "im.userProfile/lastName",
        "im.user/createdAt",
    ]


def test_array_of_record_tables_and_output_options(workdir):
    job = load_job(
        write(
            BASE.replace("[records.user]", "[[records.user]]")
            + '\n[output]\ndir = "build"\nname = "run1"\npretty = true\naliases = false\n'
        )
    )
    assert job.records[0].where == "records.user[0]"
    assert job.output.dir == Path("build") and job.output.name == "run1"
    assert job.output.pretty is True and job.output.aliases is False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.replace('ident = "test-market"', 'ident = "test-market"\nidnet = 1'),
            'job.toml: idnet: unknown key (did you mean "ident"?)',
        ),
        (
            lambda t: t.replace('ident = "test-market"\n', ""),
            'job.toml: ident: missing (the marketplace ident, e.g. ident = "my-market")',
        ),
        (
            lambda t: t.replace('"test-market"', '"1 market"'),
            'job.toml: ident: "1 market" is not a legal keyword name',
        ),
        (
            lambda t: t.replace('email = "email"', 'emial = "email"'),
            'job.toml: records.user.mapping.emial: unknown attribute "emial" for user '
            '(did you mean "email"?)',
        ),
        (
            lambda t: t.replace("[records.user]", "[records.usr]").replace(
                "records.user.mapping", "records.usr.mapping"
            ),
            'job.toml: records.usr: unknown row type (did you mean "user"?) '
            "(types: listing, user, image, stripeAccount, review)",
        ),
        (
            lambda t: t.replace('source = "users"', 'source = "user"'),
            'job.toml: records.user.source: unknown source "user" (did you mean "users"?) '
            "(sources: users)",
        ),
        (
            lambda t: t.replace('id = "id"', 'id = "id"\nsorce = "x"'),
            'job.toml: records.user.sorce: unknown key (did you mean "source"?)',
        ),
        (
            lambda t: t.replace('id = "id"\n', ""),
            "job.toml: records.user.id: missing (the column holding the source id)",
        ),
        (
            lambda t: t.replace('email = "email"', 'email = "mail"'),
            'job.toml: records.user.mapping.email: source "users" has no column "mail" '
            '(did you mean "email"?)',
        ),
        (
            lambda t: t.replace(
                'createdAt = "signed_up_at"',
                'createdAt = { column = "signed_up_at", transform = "dat" }',
            ),
            'job.toml: records.user.mapping.createdAt.transform: unknown transform "dat" '
            '(did you mean "date"?)',
        ),
        (
            lambda t: t.replace(
                'createdAt = "signed_up_at"',
                'createdAt = { column = "signed_up_at", transform = { name = "date", fromats = [] } }',
            ),
            "job.toml: records.user.mapping.createdAt.transform: date: unknown parameter "
            '"fromats" (parameters: formats, timezone)',
        ),
        (
            lambda t: t.replace('lastName = "last_name"\n', ""),
            'job.toml: records.user.mapping: required attribute "lastName" '
            "(im.userProfile/lastName) is not mapped",
        ),
        (
            lambda t: t.replace('email = "email"', 'email = { column = "email", cnst = 1 }'),
            'job.toml: records.user.mapping.email.cnst: unknown key (did you mean "const"?)',
        ),
        (
            lambda t: t.replace('email = "email"', 'email = { column = "email", const = "x" }'),
            "job.toml: records.user.mapping.email: give exactly one of column, const, template or lookup",
        ),
        (
            lambda t: t.replace('email = "email"', 'email = { template = "{email:>9}" }'),
            "job.toml: records.user.mapping.email.template: placeholders must be plain "
            "{column} names",
        ),
        (
            lambda t: t.replace('email = "email"', 'primaryEmail = "email"'),
            "job.toml: records.user.mapping.primaryEmail: primaryEmail is a map; map its "
            "attributes (address, verified)",
        ),
        (
            lambda t: t.replace('email = "email"', 'email = "email"\npublicData = "email"'),
            "job.toml: records.user.mapping.publicData: publicData is extended data; map it "
            "in a [records.user.public_data] table",
        ),
        (
            lambda t: t.replace('email = "email"', 'email = "email"\naddress = "email"'),
            'job.toml: records.user.mapping.address: maps the same attribute as "email"',
        ),
        (
            lambda t: t + '[defaults]\ncurrency = "EURO"\n',
            'job.toml: defaults.currency: unknown currency "EURO"',
        ),
        (
            lambda t: t + '[defaults]\ntimezone = "Mars/Base"\n',
            'job.toml: defaults.timezone: unknown time zone "Mars/Base"',
        ),
        (
            lambda t: t + '[defaults]\nroles = ["buyer"]\n',
            'job.toml: defaults.roles: unknown role "buyer" (roles: customer, provider)',
        ),
        (
            lambda t: t + "[output]\npretty = 1\n",
            "job.toml: output.pretty: expected true or false, got 1",
        ),
        (
            lambda t: (
                t
                + '[records.user.private_data]\nnotes = { column = "email", transform = "nope" }\n'
            ),
            'job.toml: records.user.private_data.notes.transform: unknown transform "nope"',
        ),
        (
            lambda t: t + '[records.user.public_data]\nsignup = "signup"\n',
            'job.toml: records.user.public_data.signup: source "users" has no column "signup" '
            '(did you mean "signed_up_at"?)',
        ),
        (
            lambda t: t.replace("[records.user]", '[records.user]\nfunction = "nosuchmodule:fn"'),
            'job.toml: records.user.function: cannot import "nosuchmodule" '
            "(No module named 'nosuchmodule')",
        ),
    ],
)
def test_job_errors_name_the_file_and_key(workdir, change, message):
    assert error_of(change(BASE)) == message


LISTING = """
[sources.listings]
type = "csv"
path = "listings.csv"

[records.listing]
source = "listings"
id = "id"

[records.listing.mapping]
title = "title"
state = { column = "state", map = { active = "published" } }
createdAt = "created_at"
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            'author = { ref = "listing", column = "host_id" }',
            'job.toml: records.listing.mapping.author.ref: "listing" cannot be referenced here '
            "(targets: user)",
        ),
        (
            'author = { ref = "user" }',
            "job.toml: records.listing.mapping.author: give exactly one of column, template or lookup",
        ),
        (
            'author = "host_id"',
            'job.toml: records.listing.mapping.author: a reference needs { ref = "TYPE", '
            'column = "COLUMN" }',
        ),
        (
            'location = { lat = "lat" }',
            'job.toml: records.listing.mapping.location: expected { lat = "column", lng = "column" }',
        ),
        (
            'location = { lat = "lat", lng = "lon" }',
            'job.toml: records.listing.mapping.location: source "listings" has no column "lon" '
            '(did you mean "lng"?)',
        ),
        (
            'title = { column = "title", currency = "state" }',
            "job.toml: records.listing.mapping.title.currency: only money attributes take a currency",
        ),
    ],
)
def test_reference_and_location_errors(workdir, extra, message):
    text = BASE + LISTING
    if extra.startswith("title"):
        text = text.replace('title = "title"\n', extra + "\n")
    else:
        text += extra + "\n"
    assert error_of(text) == message


def test_source_table_errors_come_from_the_extractor(workdir):
    text = BASE.replace('path = "users.csv"', 'path = "users.csv"\nencodng = "utf-8"')
    with pytest.raises(ConfigError) as caught:
        load_job(write(text))
    assert str(caught.value) == (
        "job.toml:6:1: sources.users.encodng: unknown key (did you mean 'encoding'?)"
    )


def test_unreadable_and_invalid_job_files(workdir):
    with pytest.raises(JobError) as caught:
        load_job("missing.toml")
    assert str(caught.value) == "missing.toml: no such job file"
    Path("bad.toml").write_text('ident = "x\n')
    with pytest.raises(JobError) as caught:
        load_job("bad.toml")
    assert str(caught.value) == "bad.toml:1:11: not valid TOML: illegal character '\\n'"


def test_columns_are_not_checked_when_asked(workdir):
    job = load_job(write(BASE.replace('email = "email"', 'email = "mail"')), check_sources=False)
    assert job.records[0].attributes[0].values[0].column == "mail"


def test_function_is_imported_from_the_job_folder(workdir):
    Path("custom_rules.py").write_text("def extra(values):\n    return {'bio': 'hi'}\n")
    job = load_job(
        write(BASE.replace("[records.user]", '[records.user]\nfunction = "custom_rules:extra"'))
    )
    assert job.records[0].function({"x": 1}) == {"bio": "hi"}
    assert job.records[0].function_name == "custom_rules:extra"


def test_missing_function_attribute(workdir):
    Path("custom_rules2.py").write_text("x = 1\n")
    text = BASE.replace("[records.user]", '[records.user]\nfunction = "custom_rules2:nope"')
    assert (
        error_of(text) == 'job.toml: records.user.function: "custom_rules2" has no function "nope"'
    )


def test_geocode_table_is_parsed_by_the_geocoding_stage(workdir):
    job = load_job(write(BASE + '[geocode]\nprovider = "offline"\naddress = ["email"]\n'))
    assert job.geocode_table == {"provider": "offline", "address": ["email"]}
    assert job.geocode.address_columns == ("email",)
    with pytest.raises(ConfigError) as caught:
        load_job(write(BASE + '[geocode]\nprovidr = "offline"\n'))
    assert str(caught.value) == (
        'job.toml:17:1: geocode.providr: unknown key (did you mean "provider"?)'
    )


def test_job_file_reference_documents_every_key_and_transform():
    from migrate.convert.docs import job_file_reference
    from migrate.convert.job import KEYS
    from migrate.convert.transforms import TRANSFORMS

    text = job_file_reference()
    for group in KEYS.values():
        for key, (meaning, example) in group.items():
            assert f"| `{key}` | {meaning} | `{example}` |" in text
    for name, definition in TRANSFORMS.items():
        assert f"### `{name}`\n\n{definition.doc}\n" in text
    assert "| user | `address`, `verified`, `role`, `createdAt`, `firstName`," in text
    assert (ROOT_SAMPLE_JOB.read_text("utf-8").rstrip("\n") + "\n```\n") in text


ROOT_SAMPLE_JOB = Path(__file__).resolve().parent.parent / "samples" / "csv" / "job.toml"


def test_a_source_that_cannot_be_read_is_a_job_error(workdir):
    Path("users.csv").unlink()
    with pytest.raises(JobError) as caught:
        load_job(write(BASE))
    assert str(caught.value) == (
        f"job.toml:5:1: sources.users.path: {(workdir / 'users.csv').resolve()}: file not found"
    )
