"""The source a record table reads: the one seam both engines open a record spec's rows through.

``open_record_source(job, spec)`` is what the columnar engine (:mod:`migrate.convert.engine`),
the per-row mapper (:meth:`migrate.convert.mapping.Mapper.source_rows`), the load-time column
check (:mod:`migrate.convert.columns`) and the preview API open for a ``[records.TYPE]`` table.
It gives an object with the adapter interface of :mod:`migrate.extract` (``columns``, ``rows``,
and optionally ``batches``/``origins``/``close``), so whatever a record table adds on top of its
``[sources.NAME]`` (columns looked up in other sources, repeated rows folded into one entity)
is seen the same way by both engines: the per-row path stays the reference of the columnar one.
"""

from __future__ import annotations

from typing import Any

from migrate.extract import open_source


def open_record_source(job: Any, spec: Any) -> Any:
    """The rows of record table ``spec`` of ``job``: its ``[sources.NAME]`` as the adapter reads
    it; nothing is read until ``columns()``, ``rows()`` or ``batches()``."""
    return open_source(job.sources[spec.source])


__all__ = ["open_record_source"]
