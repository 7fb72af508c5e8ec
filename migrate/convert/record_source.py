"""The source a record table reads: the one seam both engines open a record spec's rows through.

``open_record_source(job, spec)`` is what the columnar engine (:mod:`migrate.convert.engine`),
the per-row mapper (:meth:`migrate.convert.mapping.Mapper.source_rows`), the load-time column
check (:mod:`migrate.convert.columns`) and the preview API open for a ``[records.TYPE]`` table.
It gives an object with the adapter interface of :mod:`migrate.extract` (``columns``, ``rows``,
and optionally ``batches``/``origins``/``close``), so whatever a record table adds on top of its
``[sources.NAME]`` (columns looked up in other sources, repeated rows folded into one entity)
is seen the same way by both engines: the per-row path stays the reference of the columnar one.

A row the record source cannot give whole carries :data:`PROBLEM_CODE` and
:data:`PROBLEM_MESSAGE`: the per-row mapper rejects it with that code and message (after reading
its source id), and the columnar plan sends every such row to the per-row path.
"""

from __future__ import annotations

from typing import Any

from migrate.extract import open_source

#: Column a record source may add to a row it cannot give whole (a key a lookup does not find,
#: repeated rows that disagree): the rule code the row is rejected with. Null on good rows.
PROBLEM_CODE = "__migrate_problem_code"
#: The one-line message of :data:`PROBLEM_CODE`'s reject (values shown with ``show()``).
PROBLEM_MESSAGE = "__migrate_problem"


def open_record_source(job: Any, spec: Any) -> Any:
    """The rows of record table ``spec`` of ``job``: its ``[sources.NAME]`` as the adapter reads
    it; nothing is read until ``columns()``, ``rows()`` or ``batches()``."""
    source: Any = open_source(job.sources[spec.source])
    if getattr(spec, "distinct", False):  # after lookups: it groups the rows they complete
        from migrate.convert.distinct import DistinctSource

        source = DistinctSource(source, job, spec)
    return source


__all__ = ["PROBLEM_CODE", "PROBLEM_MESSAGE", "open_record_source"]
