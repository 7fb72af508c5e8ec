"""The convert stage: the [geocode] table, filling listing rows, outcomes and the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.edn.values import Keyword, Location, Row
from migrate.errors import ConfigError
from migrate.geocode.stage import (
    GeocodeConfig,
    GeocodeStage,
    geocode_options_config,
    parse_geocode_config,
)

JOB = Path("jobs") / "job.toml"
LISTING = Keyword("im.listing/id")
LOCATION = Keyword("im.listing/location")
PUBLIC = Keyword("im.listing/publicData")


def _listing(public=None, **attrs) -> Row:
    row = Row(LISTING, alias=Keyword("listing/tent"))
    if public is not None:
        row.attrs[PUBLIC] = public
    row.attrs.update({Keyword(f"im.listing/{key}"): value for key, value in attrs.items()})
    return row


def test_defaults_are_offline_and_warn():
    config = parse_geocode_config({}, JOB)
    assert config == GeocodeConfig()
    assert (config.provider, config.on_failure, config.min_score) == ("offline", "warn", 0.5)


def test_full_table_is_read_and_the_cache_path_is_relative_to_the_job():
    config = parse_geocode_config(
        {
            "address": ["street", "city", "country"],
            "provider": "nominatim",
            "user_agent": "trailhop-migration (ops@example.com)",
            "on_failure": "reject",
            "cache": "cache/geo.sqlite",
            "min_score": 0.8,
            "timeout": 5,
            "min_delay": 1,
            "max_retries": 2,
        },
        JOB,
    )
    assert config.address == ("street", "city", "country")
    assert config.cache == Path("jobs") / "cache" / "geo.sqlite"
    assert (config.on_failure, config.min_score, config.timeout, config.min_delay) == (
        "reject",
        0.8,
        5,
        1.0,
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"adress": ["city"]}, 'geocode.adress: unknown key (did you mean "address"?)'),
        (
            {"address": 3},
            "geocode.address: must be a list of column names or a template string, not 3",
        ),
        ({"address": []}, "geocode.address: must be a non-empty list of column names"),
        (
            {"address": "{street"},
            "geocode.address: bad template: expected '}' before end of string",
        ),
        (
            {"address": "{}, {city}"},
            "geocode.address: a template field must name a column, not '{}'",
        ),
        (
            {"address": "somewhere"},
            'geocode.address: the template names no column, e.g. "{street}, {city}"',
        ),
        (
            {"on_failure": "ignore"},
            'geocode.on_failure: must be "warn" or "reject", not "ignore"',
        ),
        ({"min_score": 2}, "geocode.min_score: must be from 0 to 1, not 2"),
        ({"timeout": 0}, "geocode.timeout: must be more than 0, not 0"),
        ({"concurrency": 0}, "geocode.concurrency: must be 1 or more, not 0"),
        ({"timeout": True}, "geocode.timeout: must be a number of seconds, not true"),
        ({"min_population": 100}, "geocode.min_population: must be one of 500, 1000, 5000, 15000"),
        (
            {"provider": "gogle"},
            'geocode.provider: unknown provider "gogle" (did you mean "google"?)',
        ),
        (
            {"provider": "nominatim"},
            'geocode.user_agent: required for provider "nominatim": name your application and '
            "a contact, as Nominatim's usage policy asks",
        ),
    ],
)
def test_bad_tables_name_the_job_file_and_key(table, message):
    with pytest.raises(ConfigError) as error:
        parse_geocode_config(table, JOB)
    assert str(error.value) == f"{JOB}: {message}"


def test_command_line_options_name_the_option():
    with pytest.raises(ConfigError) as error:
        geocode_options_config({"provider": "nominatim", "user_agent": None, "min_score": 0.2})
    assert str(error.value).startswith('--user-agent: required for provider "nominatim"')


def test_address_from_columns_and_from_a_template():
    columns = parse_geocode_config({"address": ["street", "location.city", "country"]}, JOB)
    values = {"street": "  Rue  Cler 5 ", "location": {"city": "Paris"}, "country": None}
    assert columns.address_columns == ("street", "location.city", "country")
    assert columns.address_for(values) == "Rue Cler 5, Paris"
    template = parse_geocode_config({"address": "{street}, {zip} {city}, {country}"}, JOB)
    assert template.address_columns == ("street", "zip", "city", "country")
    assert template.address_for({"city": "Lyon", "zip": 69003, "country": "FR"}) == (
        "69003 Lyon, FR"
    )
    assert template.address_for({}) is None
    assert GeocodeConfig().address_for({"city": "Lyon"}) is None


def test_fills_location_and_stores_the_address_where_the_web_template_reads_it():
    row = _listing(public={Keyword("category"): "tent"})
    with GeocodeStage(GeocodeConfig()) as stage:
        outcome = stage.apply(row, "Marienplatz 8, 80331 München, Germany")
    assert outcome.status == "filled"
    assert outcome.code is None and not outcome.rejected
    assert row.attrs[LOCATION] == Location(48.13743, 11.57549)
    assert row.attrs[PUBLIC] == {
        Keyword("category"): "tent",
        Keyword("location"): {Keyword("address"): "Marienplatz 8, 80331 München, Germany"},
    }
    assert outcome.result.precision == "city"


def test_string_keyed_public_data_stays_string_keyed():
    row = _listing(public={"category": "tent"})
    with GeocodeStage(GeocodeConfig()) as stage:
        stage.apply(row, "Lyon, FR")
    assert row.attrs[PUBLIC] == {"category": "tent", "location": {"address": "Lyon, FR"}}


def test_reads_the_address_from_public_data_and_never_overwrites_coordinates():
    present = _listing(
        public={Keyword("location"): {Keyword("address"): "Helsinki"}}, location=Location(1, 2)
    )
    from_public = _listing(public={"location": {"address": "Helsinki, Finland"}})
    with GeocodeStage(GeocodeConfig()) as stage:
        kept = stage.apply(present)
        filled = stage.apply(from_public)
        skipped = stage.apply(Row(Keyword("im.user/id")))
        bare = stage.apply(_listing())
    assert (kept.status, present.attrs[LOCATION]) == ("kept", Location(1, 2))
    assert filled.status == "filled" and filled.address == "Helsinki, Finland"
    assert from_public.attrs[LOCATION].lat == pytest.approx(60.17, abs=0.01)
    assert skipped.status == "skipped"
    assert bare.status == "no-address"
    report = stage.report
    assert (report.listings, report.kept, report.no_address, report.resolved_total) == (3, 1, 1, 1)


def test_a_listing_given_an_address_keeps_the_one_it_already_has():
    row = _listing(public={"location": {"address": "Helsinki, Finland"}})
    with GeocodeStage(GeocodeConfig()) as stage:
        stage.apply(row, "Lyon, FR")
    assert row.attrs[PUBLIC] == {"location": {"address": "Helsinki, Finland"}}
    assert row.attrs[LOCATION].lng == pytest.approx(4.85, abs=0.05)  # geocoded from the source


def test_failure_is_a_warning_or_a_reject_and_is_reported():
    warn_row, reject_row = _listing(), _listing()
    with GeocodeStage(GeocodeConfig()) as stage:
        warned = stage.apply(warn_row, "Qwxz Plaza 9, Nowhereville")
    with GeocodeStage(GeocodeConfig(on_failure="reject")) as strict:
        rejected = strict.apply(reject_row, "Qwxz Plaza 9, Nowhereville")
    assert (warned.status, warned.code, warned.severity, warned.rejected) == (
        "failed",
        "geocode-failed",
        "warning",
        False,
    )
    assert warned.message == (
        'cannot geocode address "Qwxz Plaza 9, Nowhereville" with offline: no match'
    )
    assert rejected.rejected and rejected.severity == "error"
    assert LOCATION not in warn_row.attrs
    assert stage.report.to_dict()["failures"] == [
        {"listing": ":listing/tent", "address": "Qwxz Plaza 9, Nowhereville", "reason": "no match"}
    ]
    assert stage.report.lines() == [
        "1 listings: 0 geocoded, 1 failed, 0 kept their location, 0 without an address",
        "  failed    offline      no match        1",
        '  :listing/tent: "Qwxz Plaza 9, Nowhereville": no match',
    ]


def test_a_match_below_min_score_is_a_failure():
    row = _listing()
    with GeocodeStage(GeocodeConfig(min_score=0.95)) as stage:
        outcome = stage.apply(row, "Springfield")  # ambiguous: several US Springfields
    assert outcome.status == "failed"
    assert outcome.result.error.startswith("score 0.7")
    assert outcome.result.error.endswith("below min_score 0.95")
    assert LOCATION not in row.attrs


def test_offline_stage_opens_no_cache(tmp_path):
    with GeocodeStage(GeocodeConfig(), tmp_path / "cache.sqlite") as stage:
        assert stage.cache is None
        stage.apply(_listing(), "Helsinki")
    assert not (tmp_path / "cache.sqlite").exists()


def test_unset_key_variable_is_named_with_the_job_file_when_the_stage_starts(monkeypatch):
    monkeypatch.delenv("TRAILHOP_MAPBOX_KEY", raising=False)
    config = parse_geocode_config({"provider": "mapbox", "api_key_env": "TRAILHOP_MAPBOX_KEY"}, JOB)
    with pytest.raises(ConfigError) as error:
        GeocodeStage(config)
    assert str(error.value) == (
        f"{JOB}: geocode.api_key_env: environment variable TRAILHOP_MAPBOX_KEY is not set"
    )
