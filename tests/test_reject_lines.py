"""Rejects-file lines made as columns (``outputs.csv_fields``, the columnar engine's form)
equal the lines :func:`migrate.convert.outputs.reject_line` writes with :mod:`csv`."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.convert.outputs import csv_fields, reject_line

FIELD = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list(',"\n\r \t;x\x00\x85\u2028é')), max_size=8),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(*(FIELD for _ in range(7))), min_size=1, max_size=20))
def test_columnar_reject_lines_equal_the_csv_modules(rows):
    names = ["source", "origin", "record_type", "source_id", "rule", "message", "values"]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")
    made = frame.select(csv_fields([pl.col(name) for name in names])).to_series().to_list()
    for row, line in zip(rows, made, strict=True):
        source, origin, record_type, source_id, rule, message, values = (
            cell if cell is not None else "" for cell in row
        )
        expected = reject_line(source, origin, record_type, row[3], rule, message, values or "{}")
        if not values:  # reject_line writes a text of values as it is given
            expected = expected.removesuffix(",{}\n") + ",\n"
        assert line + "\n" == expected


def test_fields_with_a_comma_a_quote_or_a_line_feed_are_quoted():
    frame = pl.DataFrame({"a": ["x,y", 'say "hi"', "two\nlines", "plain", None]})
    assert frame.select(csv_fields([pl.col("a")])).to_series().to_list() == [
        '"x,y"',
        '"say ""hi"""',
        '"two\nlines"',
        "plain",
        "",
    ]
