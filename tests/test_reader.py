"""The streaming edn reader: values, documents, positions, chunking, errors, rows."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from migrate.edn.errors import EdnError, EdnSyntaxError, RowShapeError
from migrate.edn.reader import MAX_DEPTH, DocumentReader, Header, iter_entries, loads
from migrate.edn.rows import row_from_value
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

K = Keyword
UUID_TEXT = "b074e697-ab0c-4746-a195-c58d73606b1f"


def read_text(tmp_path: Path, text: str | bytes, **options) -> tuple[list, Header]:
    path = tmp_path / "doc.edn"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    reader = DocumentReader(path, filename="doc.edn", **options)
    entries = list(reader)
    return entries, reader.header


def syntax_error(tmp_path: Path, text: str | bytes, **options) -> str:
    with pytest.raises(EdnSyntaxError) as caught:
        read_text(tmp_path, text, **options)
    return str(caught.value)


# Values ------------------------------------------------------------------------------------


def test_scalars():
    assert loads("[nil true false 0 -7 +5 12N 1.5 -0.25 1e3 1.5E-2 12.50M 1M]") == (
        None,
        True,
        False,
        0,
        -7,
        5,
        12,
        1.5,
        -0.25,
        1000.0,
        0.015,
        Decimal("12.50"),
        Decimal("1"),
    )


def test_numbers_clojure_also_reads():
    assert loads("[0x1F 017 2r101 36rZ 1/2 -3/6 4/2 08.5 1.]") == (
        31,
        15,
        5,
        35,
        Fraction(1, 2),
        Fraction(-1, 2),
        2,
        8.5,
        1.0,
    )
    assert type(loads("4/2")) is int


def test_keywords_are_interned_and_checked_like_clojure():
    value = loads("[:a :im.user/id :1a :a/b/c :a:b :/]")
    assert value == (K("a"), K("im.user/id"), K("1a"), K("a/b/c"), K("a:b"), K("/"))
    assert value[1] is K("im.user/id")
    assert value[3].namespace == "a" and value[3].name == "b/c"


def test_symbols():
    assert loads("[sym a/b + - .5 / a#b a'b]") == tuple(
        Symbol(text) for text in ("sym", "a/b", "+", "-", ".5", "/", "a#b", "a'b")
    )


def test_string_escapes():
    text = r'["q\"uote" "back\\slash" "a\nb\tc\rd\be\ff" "\u00e9\u20AC" "\uD83D\uDE00" "\0\101\7"]'
    assert loads(text) == (
        'q"uote',
        "back\\slash",
        "a\nb\tc\rd\be\ff",
        "é€",
        "😀",
        "\x00A\x07",
    )


def test_string_escape_pairs_resolve_left_to_right():
    assert loads(r'"\\\\n \\\" \\"') == '\\\\n \\" \\'
    assert loads(r'"\\n"') == "\\n"


def test_raw_newlines_and_non_ascii_in_strings():
    assert loads('"line one\nline two ünï 😀"') == "line one\nline two ünï 😀"


def test_chars():
    text = r"[\a \newline \space \tab \return \backspace \formfeed \u0041 \o101 \( \é \u \o]"
    assert loads(text) == tuple(
        Char(value)
        for value in ("a", "\n", " ", "\t", "\r", "\b", "\f", "A", "A", "(", "é", "u", "o")
    )


def test_collections():
    value = loads("{:vec [1 [2]] :list (1 (2)) :set #{1 2} :empty [{} [] () #{}]}")
    assert value == {
        K("vec"): (1, (2,)),
        K("list"): EdnList((1, EdnList((2,)))),
        K("set"): frozenset({1, 2}),
        K("empty"): ({}, (), EdnList(()), frozenset()),
    }
    assert type(value[K("list")]) is EdnList
    assert type(value[K("vec")]) is tuple


def test_maps_as_keys_and_set_elements_become_frozen_maps():
    value = loads('{{:a 1} "map key" [{:b 2}] "vector key" #{{:c 3}} "set key"}')
    keys = list(value)
    assert keys[0] == FrozenMap({K("a"): 1}) and type(keys[0]) is FrozenMap
    assert keys[1] == (FrozenMap({K("b"): 2}),)
    assert keys[2] == frozenset({FrozenMap({K("c"): 3})})


def test_namespaced_maps():
    value = loads('#:im.user{:createdAt 1 :_/plain 2 :other/x 3 sym 4 "s" 5}')
    assert value == {
        K("im.user/createdAt"): 1,
        K("plain"): 2,
        K("other/x"): 3,
        Symbol("im.user/sym"): 4,
        "s": 5,
    }
    assert loads("#:ns {:a 1}") == {K("ns/a"): 1}
    assert loads("#:ns{:a #:inner{:b 1}}") == {K("ns/a"): {K("inner/b"): 1}}


def test_comments_commas_and_discards():
    text = """
    ; a comment
    [1, 2 ;; another
     #_ 3 #_#_ 4 5 6 #_[7 8]
     #_ #im/ref :x
     {:a 1 #_ :b} #{#_ 1} #_ 9]
    """
    assert loads(text) == (1, 2, 6, {K("a"): 1}, frozenset())


def test_metadata_is_read_and_dropped():
    assert loads("^:private [1]") == (1,)
    assert loads('^{:doc "x"} sym') == Symbol("sym")


def test_java_whitespace_only():
    # Em space and U+001C are whitespace to Clojure; the no-break space is not (a symbol).
    assert loads("[1\u20032\x1c3]") == (1, 2, 3)
    assert loads("[\u00a0]") == (Symbol("\u00a0"),)


def test_intermediary_tags():
    text = f"""[#im/ref :user/jane
     #im/ref [:im.listing/id #uuid "{UUID_TEXT}"]
     #im/money [12.12M "EUR"] #im/money [100 "JPY"] #im/money [1.5 "USD"]
     #im/location [60.17 24.94] #im/location [1 -2]]"""
    assert loads(text) == (
        Ref.to_alias(K("user/jane")),
        Ref.to_id(K("im.listing/id"), uuid.UUID(UUID_TEXT)),
        Money(Decimal("12.12"), "EUR"),
        Money(100, "JPY"),
        Money(1.5, "USD"),
        Location(60.17, 24.94),
        Location(1, -2),
    )


def test_intermediary_tags_spelled_unusually_read_the_same():
    text = f"""[#im/ref  :user/jane #im/ref[:im.listing/id #uuid"{UUID_TEXT}"]
     #im/money [ 12.12M , "EUR" ] #im/location [60.17,24.94] #im/ref ;c
     :user/x]"""
    assert loads(text) == (
        Ref.to_alias(K("user/jane")),
        Ref.to_id(K("im.listing/id"), uuid.UUID(UUID_TEXT)),
        Money(Decimal("12.12"), "EUR"),
        Location(60.17, 24.94),
        Ref.to_alias(K("user/x")),
    )


def test_tag_payload_of_the_wrong_shape_is_tagged():
    value = loads(
        '[#im/ref "jane" #im/money [1 2] #im/location [1] #im/money [true "EUR"] #foo/bar {:a 1}]'
    )
    assert value == (
        Tagged("im/ref", "jane"),
        Tagged("im/money", (1, 2)),
        Tagged("im/location", (1,)),
        Tagged("im/money", (True, "EUR")),
        Tagged("foo/bar", {K("a"): 1}),
    )


def test_uuids():
    assert loads(f'#uuid "{UUID_TEXT}"') == uuid.UUID(UUID_TEXT)
    assert type(loads(f'#uuid "{UUID_TEXT}"')) is uuid.UUID
    upper = loads(f'#uuid "{UUID_TEXT.upper()}"')
    assert type(upper) is NonCanonicalUUID and upper == uuid.UUID(UUID_TEXT)
    assert upper.text == UUID_TEXT.upper()
    short = loads('#uuid "1-2-3-4-5"')  # java.util.UUID.fromString accepts it, so does Clojure
    assert type(short) is NonCanonicalUUID
    assert str(short) == "00000001-0002-0003-0004-000000000005"


def test_instants():
    assert loads('#inst "2018-04-17T06:55:04.291-00:00"') == datetime(
        2018, 4, 17, 6, 55, 4, 291000, tzinfo=UTC
    )
    assert loads('#inst "2018-04-17T06:55:04.123456789+05:30"') == datetime(
        2018, 4, 17, 6, 55, 4, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))
    )
    assert loads('#inst "2018-04-17"') == datetime(2018, 4, 17, tzinfo=UTC)
    assert loads('#inst "2018"') == datetime(2018, 1, 1, tzinfo=UTC)
    assert loads('#inst "2018-04-17T06:55Z"') == datetime(2018, 4, 17, 6, 55, tzinfo=UTC)
    assert loads('#inst "2016-02-29T10:00:00-08:00"') == datetime(2016, 2, 29, 18, tzinfo=UTC)
    # A leap second rolls over, as it does in java.util.Date.
    assert loads('#inst "2018-04-17T06:59:60Z"') == datetime(2018, 4, 17, 7, tzinfo=UTC)
    assert loads('#inst "2018-04-17T06:55:04Z"').tzinfo is not None


# Errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "1:1: empty document"),
        ("  ; only a comment\n", "1:1: empty document"),
        ("[1 2", "1:5: unterminated vector starting at 1:1"),
        ('{:a "abc', "1:9: unterminated string starting at 1:5"),
        ("(1 2]", "1:5: unbalanced ']': the list opened at 1:1 needs ')'"),
        ("]", "1:1: unbalanced ']'"),
        ("{:im.user/role 1\n :im.user/role 2}", "2:2: duplicate map key :im.user/role"),
        ("#:a{:b 1 :a/b 2}", "1:10: duplicate map key :a/b"),
        ('#{"x" "x"}', '1:7: duplicate set element "x"'),
        ("{:a}", "1:1: map literal needs an even number of forms"),
        (":user/1a", "1:1: invalid keyword :user/1a"),
        (":", "1:1: invalid keyword :"),
        ("::auto", "1:1: invalid keyword ::auto"),
        (r'"\u12"', r"1:2: invalid \u escape: 2 hex digits, 4 needed"),
        (r'"\x41"', r"1:2: unsupported escape \x in string"),
        (r'"\uD83D"', r"1:1: string has an unpaired surrogate \u escape"),
        (r"\x41", r"1:1: invalid character \x41"),
        (r"\uD800", r"1:1: invalid character \uD800 (a surrogate)"),
        ("08", "1:1: invalid number 08"),
        ("[1.2.3]", "1:2: invalid number 1.2.3"),
        ("1/0", "1:1: invalid number 1/0 (division by zero)"),
        ("#:ns [1]", "1:1: '#:ns' must be followed by a map"),
        ("#<junk>", "1:1: unknown dispatch '#<'"),
        ('#inst "2018-02-30"', '1:1: invalid #inst "2018-02-30": day out of range'),
        ('#inst "2018-04-17 06:55:04Z"', '1:1: invalid #inst "2018-04-17 06:55:04Z"'),
        ("#inst 12", "1:1: #inst needs a string"),
        ('[#uuid "zzz"]', '1:2: invalid #uuid "zzz"'),
        ("[1 #_]", "1:6: unbalanced ']'"),
        ("^1 [1]", "1:1: metadata must be a symbol, keyword, string or map"),
        ("{:a 1} :b", "1:8: unexpected content after the value"),
        (
            "\ufeff{}",
            "1:1: byte order mark at the start of the file (Clojure's reader does not skip it)",
        ),
    ],
)
def test_loads_errors(text, message):
    with pytest.raises(EdnSyntaxError) as caught:
        loads(text)
    assert str(caught.value) == message
    assert caught.value.filename is None


def test_error_attributes_and_pickling():
    import pickle

    error = EdnSyntaxError("unbalanced ']'", "data.edn", 3, 14)
    assert str(error) == "data.edn:3:14: unbalanced ']'"
    assert (error.message, error.filename, error.line, error.column) == (
        "unbalanced ']'",
        "data.edn",
        3,
        14,
    )
    assert isinstance(error, EdnError)
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_deep_nesting_is_a_syntax_error_not_recursion(tmp_path):
    # At least as deep as Clojure's default reads (about 1,000 to 3,000 levels, by the form).
    assert MAX_DEPTH == 10_000
    assert (
        syntax_error(tmp_path, "[" * 100_000) == "doc.edn:1:10001: nesting deeper than 10000 levels"
    )
    with pytest.raises(EdnSyntaxError, match="nesting deeper than 10000 levels"):
        loads("#_" * 50_000 + "1")
    assert loads("[" * 9999 + "]" * 9999) is not None
    assert loads("#{" * 5000 + "}" * 5000) is not None
    # Maps as keys are frozen without recursion, however deep.
    deep = "[" * 9990 + "{}" + "]" * 9990
    assert type(loads("{" + deep + " 1}")) is dict
    assert type(loads("#foo " + deep)) is Tagged
    # Two such elements: either Python compares them or it says they are too deep to compare.
    with pytest.raises(EdnSyntaxError, match="(duplicate set element|too deeply to compare)"):
        loads("#{" + deep + " " + deep + "}")
    with pytest.raises(EdnSyntaxError, match="(duplicate map key|too deeply to compare)"):
        loads("{" + deep + " 1 " + deep + " 2}")


def test_empty_and_whitespace_files(tmp_path):
    assert syntax_error(tmp_path, "") == "doc.edn:1:1: empty document"
    assert syntax_error(tmp_path, "\n\n  ; nothing here\n") == "doc.edn:1:1: empty document"


def test_undecodable_bytes_give_a_position(tmp_path):
    text = b'{:ident :x\n :data [[[:im.user/id] {:a "caf' + b"\xff" + b'"}]]}'
    assert syntax_error(tmp_path, text) == "doc.edn:2:32: invalid UTF-8 byte 0xff"
    assert syntax_error(tmp_path, text, chunk_size=4) == "doc.edn:2:32: invalid UTF-8 byte 0xff"


def test_binary_garbage(tmp_path):
    garbage = bytes(range(256)) * 4
    # Clojure reads the control characters up to the tab as a symbol; the file is not UTF-8.
    assert syntax_error(tmp_path, garbage) == "doc.edn:2:118: invalid UTF-8 byte 0x80"


def test_byte_order_mark_is_rejected(tmp_path):
    message = syntax_error(tmp_path, "\ufeff{:ident :x :data []}")
    assert message == (
        "doc.edn:1:1: byte order mark at the start of the file (Clojure's reader does not skip it)"
    )


def test_html_reads_as_a_symbol_like_clojure_does(tmp_path):
    entries, header = read_text(tmp_path, '<!DOCTYPE html>\n<html lang="en"><body></body></html>\n')
    assert entries == []
    assert header.not_map == ("symbol", (1, 1))
    assert header.trailing_content == (1, 11)


def test_truncated_document_names_what_is_open(tmp_path):
    text = '{:ident :x\n :data [[[:im.user/id] {:a "b"}]\n'
    assert syntax_error(tmp_path, text) == "doc.edn:3:1: unterminated vector starting at 2:8"
    assert syntax_error(tmp_path, '{:ident :x :data [[[:im.user/id] {:a "b') == (
        "doc.edn:1:40: unterminated string starting at 1:38"
    )
    assert syntax_error(tmp_path, "{:ident :x") == "doc.edn:1:11: unterminated map starting at 1:1"


def test_mismatched_closer_in_the_document(tmp_path):
    text = "{:ident :x\n :data [[[:im.user/id] {}]\n )}"
    assert syntax_error(tmp_path, text) == (
        "doc.edn:3:2: unbalanced ')': the vector opened at 2:8 needs ']'"
    )
    assert syntax_error(tmp_path, "{:ident :x ]") == (
        "doc.edn:1:12: unbalanced ']': the map opened at 1:1 needs '}'"
    )


def test_duplicate_top_level_key(tmp_path):
    assert syntax_error(tmp_path, "{:data [] :ident :a :data []}") == (
        "doc.edn:1:21: duplicate map key :data"
    )


# Documents ---------------------------------------------------------------------------------


def test_official_example(official_example):
    reader = DocumentReader(official_example)
    entries = list(reader)
    assert [entry.index for entry in entries] == list(range(9))
    assert [entry.value[0][0] for entry in entries] == [
        K("im.listing/id"),
        K("im.image/id"),
        K("im.user/id"),
        K("im.stripeAccount/id"),
        K("im.image/id"),
        K("im.image/id"),
        K("im.user/id"),
        K("im.review/id"),
        K("im.review/id"),
    ]
    listing = entries[0].value[1]
    assert listing[K("im.listing/price")] == Money(Decimal("12.12"), "EUR")
    assert listing[K("im.listing/author")] == Ref.to_alias(K("user/john"))
    assert listing[K("im.listing/publicData")] == {
        K("categoryLevel1"): "rock",
        K("amenities"): ("sauna", "pool"),
    }
    header = reader.header
    assert header.ident == K("marketplace-ident") and header.ident_found
    assert header.ident_position == (1, 9)
    assert (header.data_found, header.data_kind, header.data_position) == (True, "vector", (2, 7))
    assert header.unknown_keys == [] and header.not_map is None
    assert header.trailing_content is None and header.complete
    assert reader.filename == str(official_example)


def test_positions_in_a_pretty_file(official_example):
    entries = list(DocumentReader(official_example))
    john = entries[2]
    assert (john.line, john.column) == (15, 1)
    profile = K("im.user/profile")
    assert john.position() == (15, 1)
    assert john.position((0, 1)) == (15, 15)
    assert john.position((1,)) == (16, 1)
    assert john.position((1, profile, K("im.userProfile/firstName"))) == (19, 37)
    assert john.position((1, profile, K("im.userProfile/avatar"))) == (24, 24)
    assert john.position((1, K("im.user/role"), 1)) == (25, 28)
    # Paths that lead nowhere fall back to the nearest recorded ancestor.
    assert john.position((1, K("im.user/nope"), 3)) == (16, 1)
    assert john.position((1, profile, K("im.userProfile/avatar"), 0)) == (24, 24)
    # Keys where they are written: namespaced map keys by their qualified name.
    assert john.key_position((1, profile)) == (19, 1)
    assert john.position((1, profile)) == (19, 10)
    assert john.key_position((1, K("im.user/createdAt"))) == (16, 11)
    assert john.key_position((1, profile, K("im.userProfile/bio"))) == (22, 1)
    assert john.key_position((1, K("im.user/nope"))) == (16, 1)
    assert (entries[0].line, entries[0].column) == (2, 8)
    assert entries[0].position((1, K("im.listing/publicData"), K("amenities"), 1)) == (11, 21)


def one_row_per_line(rows: int) -> str:
    lines = ["{:ident :one-per-line", " :data ["]
    for number in range(rows):
        lines.append(
            f'  [[:im.user/id :user/u{number}] {{:im.user/profile {{:im.userProfile/firstName "N{number}" '
            f':im.userProfile/bio "ü\\n😀 {number}"}} :im.user/role [:user.role/customer]}}]'
        )
    lines.append(" ]}")
    return "\n".join(lines) + "\n"


def test_positions_one_row_per_line(tmp_path):
    entries, header = read_text(tmp_path, one_row_per_line(5))
    assert [(entry.line, entry.column) for entry in entries] == [(line, 3) for line in range(3, 8)]
    bio = (1, K("im.user/profile"), K("im.userProfile/bio"))
    assert entries[3].position(bio) == (6, 97)
    assert entries[3].position((1, K("im.user/role"), 0)) == (6, 122)
    assert entries[3].value[1][K("im.user/profile")][K("im.userProfile/bio")] == "ü\n😀 3"
    assert header.data_position == (2, 8)


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 64, 1000])
def test_chunk_boundaries_change_nothing(tmp_path, official_example, chunk_size):
    paths = {"official": official_example, "lines": tmp_path / "lines.edn"}
    paths["lines"].write_text(one_row_per_line(40), encoding="utf-8")
    probe = (1, K("im.user/profile"), K("im.userProfile/bio"))
    for path in paths.values():
        whole = DocumentReader(path)
        expected = [(e.value, e.line, e.column, e.position(probe)) for e in whole]
        chunked = DocumentReader(path, chunk_size=chunk_size)
        got = [(e.value, e.line, e.column, e.position(probe)) for e in chunked]
        assert got == expected
        assert chunked.header == whole.header


def test_row_larger_than_the_chunk(tmp_path):
    big = "x" * 50_000
    text = f'{{:ident :x :data [[[:im.user/id] {{:a "{big}" :b [1 2 3]}}] [[:im.image/id] {{}}]]}}'
    entries, _ = read_text(tmp_path, text, chunk_size=1024)
    assert entries[0].value[1][K("a")] == big
    assert (entries[1].line, entries[1].column) == (1, 50_054)


def test_text_and_binary_streams():
    text = '{:data [[[:im.user/id] {:a "é"}]] :ident :x}'
    for source in (io.StringIO(text), io.BytesIO(text.encode())):
        reader = DocumentReader(source, chunk_size=5)
        assert [entry.value for entry in reader] == [((K("im.user/id"),), {K("a"): "é"})]
        assert reader.header.ident == K("x") and reader.header.ident_position == (1, 42)
        assert reader.filename is None


def test_iter_entries(official_example):
    assert len(list(iter_entries(official_example))) == 9


def test_header_of_odd_documents(tmp_path):
    _, header = read_text(tmp_path, '{:data [] :extra 1 \n :ident "x"} [trailing]')
    assert header.ident == "x" and header.ident_position == (2, 9)
    assert header.unknown_keys == [(K("extra"), (1, 11))]
    assert header.trailing_content == (2, 14)

    _, header = read_text(tmp_path, "{:ident :x :data {:a 1}}")
    assert (header.data_found, header.data_kind, header.data_position) == (True, "map", (1, 18))

    entries, header = read_text(tmp_path, "{:ident :x :data ([[:im.user/id] {}])}")
    assert header.data_kind == "list" and len(entries) == 1

    _, header = read_text(tmp_path, "{:ident :x}")
    assert not header.data_found and header.data_kind is None

    _, header = read_text(tmp_path, "\n  [1 2]")
    assert header.not_map == ("vector", (2, 3))
    assert not header.ident_found and not header.data_found


def test_map_as_a_top_level_key_is_an_unknown_key_not_a_crash(tmp_path):
    entries, header = read_text(tmp_path, "{{:k 1} :v :data [[[:im.user/id] {}]]}")
    assert header.unknown_keys == [({K("k"): 1}, (1, 2))]
    assert len(entries) == 1
    with pytest.raises(EdnSyntaxError) as caught:
        read_text(tmp_path, "{{:k 1} 1 {:k 1} 2}")
    assert (caught.value.line, caught.value.column) == (1, 11)
    assert caught.value.message == "duplicate map key {:k 1}"


def test_namespaced_top_level_map_is_read_whole(tmp_path):
    entries, header = read_text(tmp_path, "#:x{:_/ident :x :_/data [[[:im.user/id] {}]] :y 1}")
    assert header.ident == K("x") and header.data_kind == "vector"
    assert header.unknown_keys == [(K("x/y"), (1, 1))]
    assert [(entry.value, entry.line, entry.column) for entry in entries] == [
        (((K("im.user/id"),), {}), 1, 1)
    ]


def test_discarded_rows_and_comments_between_rows(tmp_path):
    text = "{:ident :x\n :data [#_ [[:im.user/id] {}] ; gone\n  [[:im.image/id] {}] #_ 1]}"
    entries, _ = read_text(tmp_path, text)
    assert [(entry.index, entry.line, entry.column) for entry in entries] == [(0, 3, 3)]


def _peak_while_reading(path: Path) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        for _entry in DocumentReader(path, chunk_size=1 << 16):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(tmp_path):
    # The same row again and again (keywords are interned, so repeated aliases cost nothing):
    # only the window of text and the current row are held.
    row = '  [[:im.user/id :user/same] {:im.user/profile {:im.userProfile/bio "%s"}}]\n' % (
        "b" * 200
    )
    small, large = tmp_path / "small.edn", tmp_path / "large.edn"
    small.write_text("{:ident :x :data [\n" + row * 1_000 + "]}", encoding="utf-8")
    large.write_text("{:ident :x :data [\n" + row * 10_000 + "]}", encoding="utf-8")
    assert large.stat().st_size > 2_500_000
    small_peak, large_peak = _peak_while_reading(small), _peak_while_reading(large)
    assert large_peak < 600_000
    assert large_peak < small_peak * 1.2


# Rows --------------------------------------------------------------------------------------


def test_row_from_value_id_tuple_forms():
    attrs = {K("im.user/role"): (K("user.role/customer"),)}
    uid = uuid.UUID(UUID_TEXT)
    user = K("im.user/id")
    assert row_from_value(((user,), attrs)) == Row(user, None, None, attrs)
    assert row_from_value(((user, uid), attrs)) == Row(user, uid, None, attrs)
    assert row_from_value(((user, K("user/jane")), attrs)) == Row(user, None, K("user/jane"), attrs)
    assert row_from_value(((user, uid, K("user/jane")), attrs)) == Row(
        user, uid, K("user/jane"), attrs
    )
    assert row_from_value(((user,), attrs)).attrs is attrs


@pytest.mark.parametrize(
    ("value", "code", "message", "path"),
    [
        (1, "row-shape", "a row must be a vector [id-tuple attributes], found number 1", ()),
        (
            ((K("im.user/id"),), {}, 3),
            "row-shape",
            "a row must be a vector [id-tuple attributes], found a vector of 3 elements",
            (),
        ),
        (
            EdnList(((K("im.user/id"),), {})),
            "row-shape",
            "a row must be a vector [id-tuple attributes], found a list of 2 elements",
            (),
        ),
        (
            ((), {}),
            "id-tuple-shape",
            "the id tuple must be a vector of 1 to 3 elements, found a vector of 0 elements",
            (0,),
        ),
        (
            (K("im.user/id"), {}),
            "id-tuple-shape",
            "the id tuple must be a vector of 1 to 3 elements, found keyword :im.user/id",
            (0,),
        ),
        (
            (("im.user/id",), {}),
            "id-tuple-shape",
            'the id tuple must start with an id attribute such as :im.user/id, found "im.user/id"',
            (0, 0),
        ),
        (
            ((K("im.order/id"),), {}),
            "row-type-unknown",
            "unknown row type :im.order/id (known: :im.listing/id, :im.user/id, :im.image/id, "
            ":im.stripeAccount/id, :im.review/id)",
            (0, 0),
        ),
        (
            ((K("im.user/id"), "jane"), {}),
            "id-tuple-shape",
            "the second element of the id tuple must be an import id (#uuid) or an alias "
            '(keyword), found "jane"',
            (0, 1),
        ),
        (
            ((K("im.user/id"), K("user/jane"), K("user/jane")), {}),
            "id-tuple-shape",
            "the second element of a 3-element id tuple must be an import id (#uuid), "
            "found :user/jane",
            (0, 1),
        ),
        (
            ((K("im.user/id"), uuid.UUID(UUID_TEXT), "jane"), {}),
            "id-tuple-shape",
            'the third element of the id tuple must be an alias (keyword), found "jane"',
            (0, 2),
        ),
        (
            ((K("im.user/id"),), (1, 2)),
            "attrs-not-map",
            "the attributes of a row must be a map, found a vector of 2 elements",
            (1,),
        ),
        (
            ((K("im.user/id"),), None),
            "attrs-not-map",
            "the attributes of a row must be a map, found nil",
            (1,),
        ),
    ],
)
def test_row_shape_errors(value, code, message, path):
    with pytest.raises(RowShapeError) as caught:
        row_from_value(value)
    assert (caught.value.code, caught.value.message, caught.value.path) == (code, message, path)
    assert isinstance(caught.value, EdnError)


def test_rows_of_the_official_example(official_example):
    rows = [row_from_value(entry.value) for entry in DocumentReader(official_example)]
    assert [row.row_type for row in rows] == [
        "listing",
        "image",
        "user",
        "stripeAccount",
        "image",
        "image",
        "user",
        "review",
        "review",
    ]
    assert rows[0].alias == K("listing/rock-sauna")
    assert rows[0].import_id == uuid.UUID(UUID_TEXT)


def test_messages_show_control_characters_escaped_not_raw():
    with pytest.raises(EdnSyntaxError) as caught:
        loads('{"a\x1b" 1 "a\x1b" 2}')
    assert str(caught.value) == '1:9: duplicate map key "a\\u001b"'
