"""One way to show a value in any message (migrate.edn.show): values holding ESC, NUL and
U+2028, datetimes, tuples and sets go through every message path, and no message holds a raw
control character or a Python repr."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from test_pipeline import K, RecordStream, options, read_rejects, run_records, stream, user_with

from migrate.edn.errors import EdnSyntaxError, RowShapeError
from migrate.edn.reader import loads
from migrate.edn.rows import row_from_value
from migrate.edn.show import ELLIPSIS, LIMIT, show
from migrate.edn.values import Char, EdnList, Keyword, Money, Ref, Symbol, Tagged
from migrate.errors import ConfigError
from migrate.validate import validate_file

NASTY = "a\x1b[31mred\x00b\u2028c"  # ESC (a terminal colour), NUL, LINE SEPARATOR
# What a Python repr of a value looks like: a constructor call or a quoted tuple/set.
_REPR_RE = re.compile(
    r"\b(datetime|date|Decimal|UUID|frozenset|set|Keyword|Money|Ref)\(|\(\d+, '|\{'"
)


def assert_safe(message: str) -> None:
    """``message`` is one line of printable text without a Python repr of a value."""
    bad = [char for char in message if not char.isprintable()]
    assert not bad, (message, bad)
    assert _REPR_RE.search(message) is None, message


# ------------------------------------------------------------------------------ the renderer


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (NASTY, '"a\\u001b[31mred\\u0000b\\u2028c"'),
        ((1, "a"), '[1 "a"]'),
        (EdnList((1, 2)), "(1 2)"),
        ([1, "a"], '[1 "a"]'),
        (frozenset({"b", "a"}), '#{"a" "b"}'),
        ({"b", "a"}, '#{"a" "b"}'),
        ({Keyword("a"): (1, 2)}, "{:a [1 2]}"),
        (datetime(2021, 8, 30, 4, tzinfo=UTC), '#inst "2021-08-30T04:00:00Z"'),
        (datetime(2021, 8, 30, 4, 0, 0, 291000, tzinfo=UTC), '#inst "2021-08-30T04:00:00.291Z"'),
        (date(2021, 8, 30), '#inst "2021-08-30"'),
        (Decimal("12.50"), "12.50M"),
        (float("nan"), "##NaN"),
        (float("-inf"), "##-Inf"),
        (
            UUID("3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b"),
            '#uuid "3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b"',
        ),
        (Money(Decimal("1.5"), "EUR"), '#im/money [1.5M "EUR"]'),
        (Ref(Keyword("user/jane")), "#im/ref :user/jane"),
        (Keyword("a\x1bb"), ":a\\u001bb"),
        (Symbol("x\x00"), "x\\u0000"),
        (Char("\x00"), "\\u0000"),
        (Tagged("my/tag", NASTY), '#my/tag "a\\u001b[31mred\\u0000b\\u2028c"'),
        (None, "nil"),
        (True, "true"),
        (object, '#object[type "object"]'),
        ("\U0001f600\u200b", '"😀\\u200b"'),
    ],
)
def test_show_writes_edn_and_escapes_every_control_character(value, text):
    assert show(value) == text
    assert_safe(show(value))


def test_one_cut_off_one_ellipsis_and_identifiers_whole():
    assert show("x" * 500) == '"' + "x" * (LIMIT - 3) + ELLIPSIS + '"'
    assert len(show(tuple(range(500)))) <= LIMIT and show(tuple(range(500))).endswith(" …]")
    long_alias = Keyword("user/" + "a" * 300)
    assert show(long_alias) == ":" + long_alias.text
    assert show(Ref(long_alias)) == "#im/ref :" + long_alias.text
    assert show("id-" * 50, cut=False) == '"' + "id-" * 50 + '"'
    assert ELLIPSIS == "…"


# --------------------------------------------------------------------------- every message path


def test_reader_errors(tmp_path):
    for text in (
        '{[1 "a"] 1 [1 "a"] 2}',
        "{#{1 2} 1 #{2 1} 2}",
        '{"a\\u001b" 1 "a\\u001b" 2}',
        "#{\x1b \x1b}",
        '{:a "\u2028" :a 1}',
    ):
        with pytest.raises(EdnSyntaxError) as caught:
            loads(text)
        assert_safe(str(caught.value))
    assert str(EdnSyntaxError("x", None, 1, 1)) == "1:1: x"
    with pytest.raises(EdnSyntaxError) as caught:
        loads('{[1 "a"] 1 [1 "a"] 2}')
    assert caught.value.message == 'duplicate map key [1 "a"]'


def test_row_shape_errors():
    for text in ('"a\\u001bb"', '[["\\u0000"] {}]', '[[:im.user/id "\\u2028"] {}]', "#{1 2}"):
        with pytest.raises(RowShapeError) as caught:
            row_from_value(loads(text))
        assert_safe(caught.value.message)


def test_validate_findings(tmp_path):
    path = tmp_path / "nasty.edn"
    path.write_text(
        "{:ident :m\n :data [[[:im.user/id :user/a]\n"
        ' #:im.user{:createdAt "2020\\u001b[2J"\n'
        '           :primaryEmail {:im.email/address "a\\u0000@example.com" :im.email/verified true}\n'
        "           :role #{:user.role/customer}\n"
        '           :profile {:im.userProfile/firstName "A\\u2028" :im.userProfile/lastName "B"\n'
        '                     :im.userProfile/publicData {:tags #{"x\\u001b"} :when #inst "2020-01-01T00:00:00Z"}}\n'
        '           :x/y [1 "a"]}]\n'
        '  [[:im.image/id :image/i] #:im.image{:url "https://e.com/\\u001b.jpg"}]]}\n',
        encoding="utf-8",
    )
    report = validate_file(path)
    assert report.counts_by_code == {
        "attribute-unknown": 1,
        "email-invalid": 1,
        "extended-data-type": 2,
        "image-unreferenced": 1,
        "roles-invalid": 1,
        "type-mismatch": 1,
        "url-invalid": 1,
    }
    for finding in report.findings:
        assert_safe(finding.message)
    for line in report.to_json().splitlines():
        assert_safe(line)


def test_convert_rejects_and_merge_conflicts(tmp_path):
    first = user_with("1\x1b", "a@example.com", "Ann", "users.csv")
    second = user_with("1\x1b", "a@example.com", "Ann", "crm.csv")
    second.row.attrs[K("im.user/createdAt")] = datetime(2021, 8, 30, 4, tzinfo=UTC)
    third = user_with("2", "b@example.com", "Bo", "users.csv")
    fourth = user_with("2", "b@example.com", "Bo", "crm.csv")
    fourth.row.attrs[K("im.user/role")] = (K("user.role/customer"),)
    fifth = user_with("3", "c@example.com", "Cy", "users.csv")
    sixth = user_with("3", "c@example.com", "Cy", "crm.csv")
    sixth.row.attrs[K("im.user/role")] = frozenset({K("user.role/customer")})
    sixth.row.attrs[K("im.user/profile")][K("im.userProfile/bio")] = NASTY
    crm = RecordStream("user", "user from crm", lambda limit: iter([second, fourth, sixth]), 1)
    report = run_records([stream("user", [first, third, fifth]), crm], options(tmp_path))
    rejects = read_rejects(report.rejects_path)
    assert [reject["rule"] for reject in rejects].count("merge-conflict") == 3
    messages = [reject["message"] for reject in rejects]
    assert any('#inst "2021-08-30T04:00:00Z"' in message for message in messages)
    assert any("[:user.role/customer]" in message for message in messages)
    assert any("#{:user.role/customer}" in message for message in messages)
    assert any('source id "1\\u001b"' in message for message in messages)
    with open(report.rejects_path, encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            for cell in row[5:]:  # the message and the offending values
                assert_safe(cell)


def _job_error(tmp_path, toml: str) -> str:
    from migrate.convert.job import load_job

    (tmp_path / "job.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_job(tmp_path / "job.toml", check_sources=False)
    return str(caught.value)


@pytest.mark.parametrize(
    "toml",
    [
        'ident = "a\\u001bb"',
        "ident = 2021-08-30T04:00:00Z",
        'ident = ["a", "b"]',
        'ident = "m"\n[output]\nname = "x\\u2028/y"',
        'ident = "m"\n[defaults]\ncurrency = "\\u0000"',
        'ident = "m"\n[defaults]\ntimezone = 1979-05-27',
        'ident = "m"\n[sources.users]\ntype = "csv\\u001b"',
        'ident = "m"\n[sources.users]\ntype = "csv"\npath = "u.csv"\nencoding = "x\\u001b"',
        'ident = "m"\n[geocode]\nprovider = "offline"\naddress = ["a"]\non_failure = "\\u001b"',
        'ident = "m"\n[marketplace]\ndir = "\\u001b"',
    ],
)
def test_job_file_errors(tmp_path, toml):
    message = _job_error(tmp_path, toml)
    for line in message.split("\n"):  # every mistake of the job file, one per line
        assert_safe(line)
    assert "datetime" not in message and "['a', 'b']" not in message


def test_marketplace_errors(tmp_path):
    from migrate.marketplace import MarketplaceError, load_directory

    (tmp_path / "localization.json").write_text('{"currency": "\\u001b[2J"}', "utf-8")
    with pytest.raises(MarketplaceError) as caught:
        load_directory(tmp_path)
    assert_safe(str(caught.value))
    assert str(caught.value).endswith('found "\\u001b[2J"')


def test_anonymise_option_errors(tmp_path):
    from migrate.anonymise import anonymise

    path = tmp_path / "in.edn"
    path.write_text("{:ident :m :data []}", "utf-8")
    for kwargs in (
        {"ident": ":dev", "strategy": "b\x1best"},
        {"ident": ":d\x00ev"},
        {"ident": ":dev", "email_template": "x\u2028{n}@@example.com"},
    ):
        with pytest.raises(ConfigError) as caught:
            anonymise(path, tmp_path / "out.edn", seed="s", **kwargs)
        assert_safe(str(caught.value))
