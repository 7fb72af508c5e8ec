"""The edn writer (migrate/edn/writer.py) and atomic files (migrate/fileio.py)."""

from __future__ import annotations

import io
import os
import stat
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import edn_format
import pytest

from migrate.edn.values import (
    Char,
    EdnList,
    FrozenMap,
    Keyword,
    Location,
    Money,
    NonCanonicalUUID,
    Ref,
    Row,
    Symbol,
    Tagged,
)
from migrate.edn.writer import EdnWriteError, RowWriter, dumps, row_text, write_document
from migrate.fileio import atomic_write

K = Keyword
LISTING_ID = uuid.UUID("b074e697-ab0c-4746-a195-c58d73606b1f")
USER_ID = uuid.UUID("8bc7c21d-58f0-412d-8b89-be993893a356")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", '"plain"'),
        ("", '""'),
        (0, "0"),
        (-42, "-42"),
        (2**70, "1180591620717411303424"),
        (1.5, "1.5"),
        (1e16, "1e+16"),
        (-0.0, "-0.0"),
        (0.1, "0.1"),
        (Decimal("12.12"), "12.12M"),
        (Decimal("1E+2"), "1E+2M"),
        (Decimal("-0"), "-0M"),
        (True, "true"),
        (False, "false"),
        (None, "nil"),
        (K("marketplace-ident"), ":marketplace-ident"),
        (K("im.user/id"), ":im.user/id"),
        (Symbol("foo/bar"), "foo/bar"),
        (Char("a"), "\\a"),
        (Char("\n"), "\\newline"),
        (Char(" "), "\\space"),
        (Char("\t"), "\\tab"),
        (Char("\x00"), "\\u0000"),
        ((1, "a"), '[1 "a"]'),
        ([1, [2]], "[1 [2]]"),
        ((), "[]"),
        (EdnList((1, 2)), "(1 2)"),
        ({K("a"): 1, "b": [True]}, '{:a 1 "b" [true]}'),
        ({}, "{}"),
        (frozenset({3, 1, 2}), "#{1 2 3}"),
        ({FrozenMap({K("k"): 1}): 2}, "{{:k 1} 2}"),
        (
            datetime(2018, 4, 17, 8, 55, 4, 291999, tzinfo=timezone(timedelta(hours=2))),
            '#inst "2018-04-17T06:55:04.291Z"',
        ),
        (datetime(5, 1, 2, tzinfo=UTC), '#inst "0005-01-02T00:00:00.000Z"'),
        (LISTING_ID, '#uuid "b074e697-ab0c-4746-a195-c58d73606b1f"'),
        (
            NonCanonicalUUID("B074E697-AB0C-4746-A195-C58D73606B1F"),
            '#uuid "b074e697-ab0c-4746-a195-c58d73606b1f"',
        ),
        (Ref.to_alias(K("user/john")), "#im/ref :user/john"),
        (
            Ref.to_id(K("im.listing/id"), LISTING_ID),
            '#im/ref [:im.listing/id #uuid "b074e697-ab0c-4746-a195-c58d73606b1f"]',
        ),
        (Money(Decimal("12.12"), "EUR"), '#im/money [12.12M "EUR"]'),
        (Money(1200, "USD"), '#im/money [1200 "USD"]'),
        (Location(23.12, -21.21), "#im/location [23.12 -21.21]"),
        (Tagged("my.app/thing", (1, 2)), "#my.app/thing [1 2]"),
    ],
)
def test_dumps_every_value_type(value, text):
    assert dumps(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ('say "hi"', r'"say \"hi\""'),
        ("back\\slash", r'"back\\slash"'),
        ("a\nb\tc\rd\be\ff", r'"a\nb\tc\rd\be\ff"'),
        ("nul\x00 esc\x1b del\x7f c1\x85", r'"nul\u0000 esc\u001b del\u007f c1\u0085"'),
        ("line\u2028para\u2029", r'"line\u2028para\u2029"'),
        ("lone \ud800 surrogate", r'"lone \ud800 surrogate"'),
        ("café ☃ 😀 𝄞", '"café ☃ 😀 𝄞"'),
        ("#{not a set} ;not a comment", '"#{not a set} ;not a comment"'),
    ],
)
def test_strings_are_escaped_as_clojure_reads_them(value, text):
    assert dumps(value) == text


@pytest.mark.parametrize(
    "value",
    [
        'say "hi"',
        "back\\slash\\",
        "a\nb\tc\rd\be\ff",
        "\x00\x01\x1f\x7f\x85\u2028\u2029",
        "café ☃ 😀 𝄞",
    ],
)
def test_strings_read_back_by_edn_format(value):
    assert edn_format.loads(dumps(value)) == value


@pytest.mark.parametrize("value", [0.1, 1 / 3, 1e16, 1e-7, 5e-324, 1.7976931348623157e308, -2.5])
def test_floats_read_back_equal(value):
    assert edn_format.loads(dumps(value)) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("nan"), "float ##NaN is not a finite number"),
        (float("inf"), "float ##Inf is not a finite number"),
        (float("-inf"), "float ##-Inf is not a finite number"),
        (Decimal("NaN"), "decimal NaN is not a finite number"),
        (Decimal("Infinity"), "decimal Infinity is not a finite number"),
        (
            datetime(2020, 1, 2, 3, 4, 5),
            "naive datetime 2020-01-02T03:04:05 has no time zone; an #inst needs one (e.g. UTC)",
        ),
        (
            K("user/1a"),
            'illegal keyword :user/1a: the name part "1a" of a qualified keyword may not start '
            "with a digit",
        ),
        (K("a b"), 'illegal keyword :a b: name "a b" is not a legal edn name'),
        (K(""), "illegal keyword :: the name part is empty"),
        (Symbol("nil"), 'illegal symbol "nil"'),
        (Symbol("1x"), 'illegal symbol "1x"'),
        (Tagged("_x", 1), "illegal tag #_x"),
        (Tagged("1/x", 1), "illegal tag #1/x"),
        (Char("ab"), 'character "ab" is not one UTF-16 code unit'),
        (Ref(), "a reference needs an alias or an id attribute with an import id"),
        (object, 'cannot write a type as edn: #object[type "object"]'),
    ],
)
def test_unwritable_values_raise_a_clear_error(value, message):
    with pytest.raises(EdnWriteError) as error:
        dumps(value)
    assert str(error.value) == message


def test_an_illegal_keyword_deep_inside_is_reported():
    with pytest.raises(EdnWriteError, match=r"illegal keyword :user/1a"):
        dumps({K("a"): [{K("b"): Ref.to_alias(K("user/1a"))}]})


def test_values_nested_beyond_the_recursion_limit_raise_a_write_error():
    deep: object = 1
    for _ in range(5_000):
        deep = (deep,)
    with pytest.raises(EdnWriteError) as error:
        dumps(deep)
    assert str(error.value) == "value nested too deeply to write (Python's recursion limit)"
    row = Row(
        K("im.listing/id"), None, K("listing/deep"), {K("im.listing/publicData"): {K("x"): deep}}
    )
    for pretty in (False, True):
        with pytest.raises(EdnWriteError) as error:
            row_text(row, pretty=pretty)
        assert str(error.value) == (
            "row :listing/deep, attribute :im.listing/publicData: value nested too deeply to "
            "write (Python's recursion limit)"
        )


def test_edn_format_reads_a_mixed_value_back():
    value = {
        K("a"): (1, 2.5, Decimal("3.10"), "x"),
        K("b/c"): frozenset({K("d")}),
        K("e"): None,
        K("f"): LISTING_ID,
    }
    read = edn_format.loads(dumps(value))
    assert list(read[edn_format.Keyword("a")]) == [1, 2.5, Decimal("3.10"), "x"]
    assert read[edn_format.Keyword("b/c")] == frozenset({edn_format.Keyword("d")})
    assert read[edn_format.Keyword("e")] is None
    assert read[edn_format.Keyword("f")] == LISTING_ID


# Rows --------------------------------------------------------------------------------------------


def user_row() -> Row:
    """A user whose attributes are given out of schema order, with extended data."""
    return Row(
        K("im.user/id"),
        USER_ID,
        K("user/john"),
        {
            K("im.user/profile"): {
                K("im.userProfile/publicData"): {K("zeta"): 1, K("alpha"): {K("y"): [1, 2]}},
                K("im.userProfile/lastName"): "Doe",
                K("im.userProfile/firstName"): "John",
            },
            K("im.user/role"): (K("user.role/customer"), K("user.role/provider")),
            K("im.user/createdAt"): datetime(2018, 4, 17, 6, 55, 4, 291000, tzinfo=UTC),
            K("im.user/primaryEmail"): {
                K("im.email/verified"): True,
                K("im.email/address"): "foo@sharetribe.com",
            },
        },
    )


def listing_row() -> Row:
    return Row(
        K("im.listing/id"),
        LISTING_ID,
        None,
        {
            K("im.listing/author"): Ref.to_alias(K("user/john")),
            K("im.listing/price"): Money(Decimal("12.12"), "EUR"),
            K("im.listing/title"): "A solid rock sauna",
            K("extra/b"): 2,
            K("extra/a"): 1,
        },
    )


def test_default_layout_is_one_row_per_line_in_schema_order():
    stream = io.StringIO()
    with RowWriter(stream, K("my-marketplace")) as writer:
        writer.write(user_row())
        writer.write(listing_row())
        writer.write(Row(K("im.stripeAccount/id")))
    assert writer.count == 3
    assert stream.getvalue() == (
        "{:ident :my-marketplace\n"
        " :data [\n"
        '[[:im.user/id #uuid "8bc7c21d-58f0-412d-8b89-be993893a356" :user/john]'
        ' {:im.user/primaryEmail {:im.email/address "foo@sharetribe.com" :im.email/verified true}'
        " :im.user/role [:user.role/customer :user.role/provider]"
        ' :im.user/createdAt #inst "2018-04-17T06:55:04.291Z"'
        ' :im.user/profile {:im.userProfile/firstName "John" :im.userProfile/lastName "Doe"'
        " :im.userProfile/publicData {:zeta 1 :alpha {:y [1 2]}}}}]\n"
        '[[:im.listing/id #uuid "b074e697-ab0c-4746-a195-c58d73606b1f"]'
        ' {:im.listing/title "A solid rock sauna" :im.listing/price #im/money [12.12M "EUR"]'
        " :im.listing/author #im/ref :user/john :extra/a 1 :extra/b 2}]\n"
        "[[:im.stripeAccount/id] {}]\n"
        "]}\n"
    )


def test_pretty_layout_follows_the_spec_examples():
    stream = io.StringIO()
    with RowWriter(stream, "my-marketplace", pretty=True) as writer:
        writer.write(user_row())
        writer.write(listing_row())
    assert stream.getvalue() == (
        "{:ident :my-marketplace\n"
        " :data [\n"
        '[[:im.user/id #uuid "8bc7c21d-58f0-412d-8b89-be993893a356" :user/john]\n'
        ' #:im.user{:primaryEmail {:im.email/address "foo@sharetribe.com"\n'
        "                          :im.email/verified true}\n"
        "           :role [:user.role/customer :user.role/provider]\n"
        '           :createdAt #inst "2018-04-17T06:55:04.291Z"\n'
        '           :profile {:im.userProfile/firstName "John"\n'
        '                     :im.userProfile/lastName "Doe"\n'
        "                     :im.userProfile/publicData {:zeta 1\n"
        "                                                 :alpha {:y [1 2]}}}}]\n"
        '[[:im.listing/id #uuid "b074e697-ab0c-4746-a195-c58d73606b1f"]\n'
        ' #:im.listing{:title "A solid rock sauna"\n'
        '              :price #im/money [12.12M "EUR"]\n'
        "              :author #im/ref :user/john\n"
        "              :extra/a 1\n"
        "              :extra/b 2}]\n"
        "]}\n"
    )


def test_pretty_layout_does_not_compact_a_map_with_unqualified_keys():
    row = Row(K("im.image/id"), None, K("img/a"), {K("im.image/url"): "u", K("sortOrder"): 1})
    # As #:im.image{…}, :sortOrder would turn into :im.image/sortOrder.
    assert row_text(row, pretty=True) == (
        '[[:im.image/id :img/a]\n {:im.image/url "u"\n  :sortOrder 1}]'
    )


def test_pretty_layout_does_not_compact_underscore_namespace_keys():
    row = Row(K("im.image/id"), None, None, {K("im.image/url"): "u", K("_/x"): 1})
    assert row_text(row, pretty=True) == '[[:im.image/id]\n {:im.image/url "u"\n  :_/x 1}]'


def test_unknown_row_types_are_written_with_sorted_keys():
    row = Row(K("im.thing/id"), None, K("thing/a"), {K("im.thing/b"): 1, K("im.thing/a"): 2})
    assert row_text(row) == "[[:im.thing/id :thing/a] {:im.thing/a 2 :im.thing/b 1}]"


def test_same_rows_give_the_same_bytes(tmp_path):
    first, second = tmp_path / "a.edn", tmp_path / "b.edn"
    write_document(first, "m", [user_row(), listing_row()], pretty=True)
    write_document(second, "m", [user_row(), listing_row()], pretty=True)
    assert first.read_bytes() == second.read_bytes()


def test_write_errors_name_the_row_and_the_attribute():
    row = user_row()
    row.attrs[K("im.user/createdAt")] = datetime(2020, 1, 1)
    for pretty in (False, True):
        with pytest.raises(EdnWriteError) as error:
            row_text(row, pretty=pretty)
        assert str(error.value) == (
            "row :user/john, attribute :im.user/createdAt: naive datetime 2020-01-01T00:00:00 "
            "has no time zone; an #inst needs one (e.g. UTC)"
        )


def test_an_illegal_alias_is_reported_with_the_row():
    row = Row(K("im.user/id"), None, K("user/1a"))
    with pytest.raises(EdnWriteError) as error:
        row_text(row)
    assert str(error.value) == (
        'row :user/1a: illegal keyword :user/1a: the name part "1a" of a qualified keyword may '
        "not start with a digit"
    )


def test_an_illegal_ident_is_refused():
    with pytest.raises(EdnWriteError, match=r"^:ident: illegal keyword :1x/y"):
        RowWriter(io.StringIO(), K("1x/y"))


def test_write_after_close_is_an_error_and_close_is_idempotent():
    stream = io.StringIO()
    writer = RowWriter(stream, "m")
    writer.close()
    writer.close()
    assert stream.getvalue() == "{:ident :m\n :data [\n]}\n"
    with pytest.raises(ValueError, match="after close"):
        writer.write(user_row())


def test_written_document_reads_back_with_edn_format(tmp_path):
    path = tmp_path / "out.edn"
    edn_format.add_tag("im/ref", lambda value: ("ref", value))
    edn_format.add_tag("im/money", lambda value: ("money", value))
    try:
        for pretty in (False, True):
            assert write_document(path, "m", [user_row(), listing_row()], pretty=pretty) == 2
            document = edn_format.loads(path.read_text("utf-8"))
            data = document[edn_format.Keyword("data")]
            assert len(data) == 2
            listing = data[1][1]
            assert listing[edn_format.Keyword("im.listing/author")] == (
                "ref",
                edn_format.Keyword("user/john"),
            )
            assert listing[edn_format.Keyword("extra/a")] == 1
            profile = data[0][1][edn_format.Keyword("im.user/profile")]
            assert profile[edn_format.Keyword("im.userProfile/firstName")] == "John"
    finally:
        edn_format.remove_tag("im/ref")
        edn_format.remove_tag("im/money")


# Atomic files ------------------------------------------------------------------------------------


def _failing_rows():
    yield user_row()
    raise RuntimeError("source went away")


def test_write_document_leaves_no_file_when_interrupted(tmp_path):
    path = tmp_path / "out.edn"
    with pytest.raises(RuntimeError, match="source went away"):
        write_document(path, "m", _failing_rows())
    assert list(tmp_path.iterdir()) == []


def test_write_document_keeps_the_previous_file_on_a_write_error(tmp_path):
    path = tmp_path / "out.edn"
    write_document(path, "m", [listing_row()])
    before = path.read_bytes()
    bad = user_row()
    bad.alias = K("user/1a")
    with pytest.raises(EdnWriteError):
        write_document(path, "m", [user_row(), bad])
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["out.edn"]


def test_atomic_write_survives_keyboard_interrupt(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("old\n")
    with pytest.raises(KeyboardInterrupt), atomic_write(path) as stream:
        stream.write("half")
        raise KeyboardInterrupt
    assert path.read_text() == "old\n"
    assert [entry.name for entry in tmp_path.iterdir()] == ["report.txt"]


def test_atomic_write_replaces_the_file_on_success(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("old\n")
    with atomic_write(path) as stream:
        stream.write("new\r\nline\n")
    assert path.read_bytes() == b"new\r\nline\n"


def test_atomic_write_binary_and_permissions(tmp_path):
    path = tmp_path / "data.bin"
    old_umask = os.umask(0o022)
    try:
        with atomic_write(path, "wb") as stream:
            stream.write(b"\x00\xff")
    finally:
        os.umask(old_umask)
    assert path.read_bytes() == b"\x00\xff"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    path.chmod(0o600)
    with atomic_write(path, "wb") as stream:
        stream.write(b"again")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_atomic_write_rejects_other_modes(tmp_path):
    with (
        pytest.raises(ValueError, match='mode must be .w. or .wb., not "a"'),
        atomic_write(tmp_path / "x", "a"),
    ):
        pass
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_into_a_missing_directory_fails_cleanly(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_write(tmp_path / "missing" / "x.txt"):
        pass
