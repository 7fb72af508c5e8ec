"""The reference text of derived sources (``type = "query"``, :mod:`migrate.extract.query_source`)
for docs/job-file.md, apart from the source so that the docs need no Polars."""

from __future__ import annotations

DOC = """\
## Derived sources

A `[sources.NAME]` with `type = "query"` is defined over the job's other sources by an SQL
query; record tables and lookups read it like any other source:

```toml
[sources.reviewers]
type = "query"
sql = \"\"\"
SELECT reviewer_id, min(reviewer_name) AS reviewer_name, min(date) AS first_review
FROM reviews GROUP BY reviewer_id
\"\"\"

[[records.user]]
source = "reviewers"
id = "reviewer_id"
```

The query runs in Polars' SQL context (the library the columnar engine is built on, so there is
no second query engine to install or to disagree with), lazily: only the sources it names are
opened and only the columns it uses are read. It may join, use `DISTINCT`, `GROUP BY`
aggregates (`min(date)`, `count(*)`), window functions
(`row_number() OVER (PARTITION BY reviewer_id ORDER BY date)`) and subqueries, and read other
derived sources (a cycle is an error).

- **Tables** are the job's sources by name. A CSV source's cells are text (an empty cell is
  `NULL`), so `min(date)` compares ISO dates as text and numbers need a `CAST`. A JSON or SQL
  source keeps its scalar types, taken from its first 200,000 records; integer ids beyond 64
  bits and columns mixing text and integers are text; nested objects and arrays are not
  columns of the table. A later record of another type stops the run naming the column.
- **Row order** is the query's `ORDER BY`. A query without one is sorted by all its columns,
  left to right: SQL leaves the order open and Polars changes it from run to run after
  `GROUP BY`, and the same input must give the same bytes.
- **Columns** are the query's result columns, known when the job is checked, so the column
  check covers record tables reading a derived source.
- **Origins** of rejected rows are the query and the row's 1-based number in the result:
  `job.toml [sources.reviewers] row 12`.
- **Mistakes** in the SQL (syntax, a table that is not a source, an unknown column, an
  aggregate on the wrong type, a cycle) are job errors (exit 2) found before any row is
  converted, one line naming `sources.NAME.sql`:

```
job.toml:25:1: sources.reviewers.sql: no source named "reviewz" to read (sources: reviews, listings)
job.toml:25:1: sources.reviewers.sql: unable to find column "coments"; valid columns: ["id", "listing_id", "comments", "date"]
```
"""
