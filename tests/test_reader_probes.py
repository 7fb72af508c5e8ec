"""The reader and inspect probes of issue 17: each pinned to its one-line message and exit code,
through the real commands (``migrate validate``, ``migrate inspect``), never a traceback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.edn.errors import EdnSyntaxError
from migrate.edn.reader import loads
from migrate.edn.values import INF, NAN, NEG_INF, EdnKey, Keyword

ROW = (
    '{:ident :probe\n :data [[[:im.user/id :user/jane] {:im.user/email "jane@example.com" %s}]]}\n'
)

# name -> (file content, the position and message of the one error line)
PROBES: dict[str, tuple[bytes, str]] = {
    "at-in-keyword": (
        b"{:ident :my@market :data []}",
        "1:12: invalid character '@': Clojure allows no @, ~ or ` in a token",
    ),
    "tilde-in-key": (
        (ROW % ":im.user/profile {:im.user/publicData {:category~Level1 1}}").encode(),
        "2:118: invalid character '~': Clojure allows no @, ~ or ` in a token",
    ),
    "backtick-in-keyword": (
        (ROW % ":a`b 1").encode(),
        "2:72: invalid character '`': Clojure allows no @, ~ or ` in a token",
    ),
    "discarded-unknown-tag": (
        (ROW % "[#_#foo 1]").encode(),
        "2:73: no reader for the tag #foo (inside #_ or ^ metadata)",
    ),
    "unknown-tag-in-metadata": (
        (ROW % ":im.user/role ^#foo {} [:user.role/customer]").encode(),
        "2:85: no reader for the tag #foo (inside #_ or ^ metadata)",
    ),
    "discarded-malformed-money": (
        (ROW % '#_#im/money [1 "EUR" 3]').encode(),
        '2:72: #im/money [1 "EUR" 3] inside #_ or ^ metadata does not have the Intermediary shape',
    ),
    "non-ascii-digit": (
        (ROW % "#_٣").encode(),
        "2:72: invalid number ٣",
    ),
    "nel-in-keyword": (
        (ROW % ":a\u0085b/c 1").encode(),
        "2:70: invalid keyword :a\\u0085b/c",
    ),
    "astral-character": (
        (ROW % "#_\\😀").encode(),
        "2:72: unsupported character \\😀 (outside the BMP)",
    ),
    "nil-namespace-map": (
        (ROW % "#_#:nil{:a 1}").encode(),
        '2:72: invalid namespace "nil" in namespaced map',
    ),
    "inst-offset-minutes-60": (
        (ROW % ':im.user/createdAt #inst "2020-01-01T00:00:00-00:60"').encode(),
        '2:89: invalid #inst "2020-01-01T00:00:00-00:60": offset out of range',
    ),
    "inst-year-0": (
        (ROW % ':im.user/createdAt #inst "0000-01-01"').encode(),
        '2:89: invalid #inst "0000-01-01": year 0000 is out of range',
    ),
    "unicode-digit-escape": (
        (ROW % ':im.user/profile {:im.user/bio "\\u٠٠٤١"}').encode(),
        "2:102: invalid escape: '٠' is not a base-16 digit (only ASCII digits)",
    ),
    "invalid-utf8-in-alias": (
        b"{:ident :x :data [[[:im.user/id :user/\xff] {}]]}",
        "1:39: invalid UTF-8 byte 0xff",
    ),
    "invalid-utf8-in-keyword": (
        b"{:ident :x :data [[[:im.user/id :user/jo\xc3] {}]]}",
        "1:41: invalid UTF-8 byte 0xc3",
    ),
    "too-deep": (
        (ROW % (":im.user/profile {:im.user/publicData {:a " + "[" * 20_000 + "}}")).encode(),
        "2:10108: nesting deeper than 10000 levels",
    ),
}


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("name", sorted(PROBES))
def test_validate_names_the_probe_in_one_line_and_exits_1(tmp_path, name):
    content, message = PROBES[name]
    path = tmp_path / f"{name}.edn"
    path.write_bytes(content)
    result = run("validate", str(path))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert (
        result.output.splitlines()[0]
        == f"{path}:{message.replace(': ', ': error edn-syntax: ', 1)}"
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", sorted(PROBES))
def test_inspect_names_the_probe_in_one_line_and_exits_1(tmp_path, name):
    content, message = PROBES[name]
    path = tmp_path / f"{name}.edn"
    path.write_bytes(content)
    result = run("inspect", str(path))
    assert result.exit_code == 1
    assert result.output == f"Error: {path}:{message}\n"


def test_inspect_counts_references_under_a_key_that_is_not_a_keyword(tmp_path):
    path = tmp_path / "doc.edn"
    path.write_text(
        '{:ident :x :data [[[:im.listing/id :listing/a] {"author" #im/ref :user/john '
        ":im.listing/author #im/ref :user/jane 7 #im/ref [:im.user/id "
        '#uuid "b074e697-ab0c-4746-a195-c58d73606b1f"]}]]}',
        encoding="utf-8",
    )
    result = run("inspect", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.split("\n\n")[2] == (
        "Reference            By alias   By id\n"
        "─────────────────────────────────────\n"
        ":im.listing/author          1       0\n"
        '"author"                    1       0\n'
        "7                           0       1\n"
    )
    as_json = run("inspect", str(path), "--format", "json")
    assert json.loads(as_json.output)["references"] == {
        ":im.listing/author": {"by_alias": 1, "by_id": 0},
        '"author"': {"by_alias": 1, "by_id": 0},
        "7": {"by_alias": 0, "by_id": 1},
    }


# What Clojure reads, and so do we (values) ----------------------------------------------------


def test_symbolic_values_are_floats_and_nan_is_one_object():
    spelled = loads("[## Inf ##,-Inf ##;c\nNaN]")
    assert spelled[:2] == (INF, NEG_INF) and spelled[2] is NAN
    values = loads("[##Inf ##-Inf ##NaN ##NaN]")
    assert values[:2] == (INF, NEG_INF)
    assert values[2] is NAN and values[3] is NAN
    with pytest.raises(EdnSyntaxError, match="duplicate map key ##NaN"):
        loads("{##NaN 1 ##NaN 2}")
    with pytest.raises(EdnSyntaxError, match="unknown symbolic value ##nan"):
        loads("##nan")


def test_keys_python_would_merge_stay_apart():
    value = loads("{1 :a 1.0 :b true :c 1.0M :d 1/2 :e 0.5 :f}")
    assert len(value) == 6
    assert value[EdnKey(1)] is Keyword("a") and value[EdnKey(1.0)] is Keyword("b")
    assert value[EdnKey(True)] is Keyword("c")
    assert len(loads("#{[1] [1.0] (1.0M)}")) == 3
    with pytest.raises(EdnSyntaxError, match="duplicate map key"):
        loads("{[1] :a (1) :b}")  # a vector and a list of equal elements are equal in edn
    with pytest.raises(EdnSyntaxError, match="same instant to the millisecond"):
        loads('{#inst "2020-01-01T00:00:00.0001Z" 1 #inst "2020-01-01T00:00:00.0002Z" 2}')


def test_namespaced_maps_written_as_clojure_allows():
    expected = {Keyword("foo/a"): 1}
    assert loads("#: foo{:a 1}") == expected
    assert loads("#:,foo {:a 1}") == expected
    assert loads("#:#_x foo{:a 1}") == expected
    with pytest.raises(EdnSyntaxError, match="'#:ns' must be followed by a map"):
        loads("#:foo ;c\n{:a 1}")
    assert loads("#^:m [1]") == (1,)


def test_inst_offsets_are_kept_never_normalised():
    value = loads('#inst "2020-01-01T00:00:00-00:59"')
    assert value.utcoffset().total_seconds() == -59 * 60


def test_positions_inside_a_namespaced_map_written_with_a_space(tmp_path):
    """``#: ns{…}`` reads as Clojure reads it; a finding inside it is placed, not a traceback."""
    path = tmp_path / "doc.edn"
    path.write_text(
        '{:ident :x :data [[[:im.user/id :user/jane] #: im.user{:email "jane@example.com" '
        ":nickname 1}]]}\n",
        encoding="utf-8",
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{path}:1:" in result.output.splitlines()[0]


def test_keys_kept_apart_are_shown_as_written():
    from migrate.edn.show import show

    assert show(loads("{1 :a 1.0 :b true 2}")) == "{1 :a, 1.0 :b, true 2}"
