"""`migrate.edn.rows`: messages about `:data` elements that are not rows stay short and visible."""

from __future__ import annotations

import pytest

from migrate.edn.errors import RowShapeError
from migrate.edn.reader import loads
from migrate.edn.rows import row_from_value


def _message(text: str) -> str:
    with pytest.raises(RowShapeError) as caught:
        row_from_value(loads(text))
    return caught.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (r"\u0000", r"a row must be a vector [id-tuple attributes], found character \u0000"),
        (r"\0", r"a row must be a vector [id-tuple attributes], found character \0"),
        (r"\newline", r"a row must be a vector [id-tuple attributes], found character \newline"),
        (
            '"a\u0001\tb\\"c"',
            r'a row must be a vector [id-tuple attributes], found string "a\u0001\tb\"c"',
        ),
        (
            r'[[:im.user/id] "\u001b[2J"]',
            r'the attributes of a row must be a map, found string "\u001b[2J"',
        ),
        (
            r'[["x\u0007"] {}]',
            r'the id tuple must start with an id attribute such as :im.user/id, found "x\u0007"',
        ),
        (
            r'[[:im.user/id "\u0000"] {}]',
            r"the second element of the id tuple must be an import id (#uuid) or an alias "
            r'(keyword), found "\u0000"',
        ),
    ],
)
def test_control_characters_are_escaped_in_messages(text, message):
    assert _message(text) == message


def test_a_long_value_is_cut_at_the_one_limit_escapes_included():
    # show()'s one cut-off: 80 characters, quotes and the ellipsis included, never in an escape
    message = _message('"' + "\\u0000" * 100 + '"')
    assert message == (
        'a row must be a vector [id-tuple attributes], found string "' + "\\u0000" * 12 + '…"'
    )
    assert _message('"' + "x" * 100 + '"').endswith('found string "' + "x" * 77 + '…"')


def test_a_collection_is_described_by_its_size():
    assert _message("{:a 1}") == (
        "a row must be a vector [id-tuple attributes], found a map of 1 element"
    )
    assert _message("[[:im.user/id] [1 2]]") == (
        "the attributes of a row must be a map, found a vector of 2 elements"
    )
