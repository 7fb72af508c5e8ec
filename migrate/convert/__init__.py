"""``migrate convert``: job files, transforms, declarative mapping, and the conversion pipeline.

- :mod:`migrate.convert.job`: ``load_job(path) -> Job``, checked before any row is read
  (:mod:`migrate.convert.columns` compares the columns it names with the sources');
- :mod:`migrate.convert.transforms`: the named transforms a job can apply to values;
- :mod:`migrate.convert.mapping`: ``build_mappers(job)``; ``mapper.map(source_row)`` gives a
  ``MappedRecord`` or a ``Rejection``;
- :mod:`migrate.convert.ids`: deterministic import ids and legal aliases;
- :mod:`migrate.convert.starter`: the starter job of ``migrate init`` (its guesses in
  :mod:`~migrate.convert.starter_guess`, its record tables in :mod:`~migrate.convert.starter_plan`);
- :mod:`migrate.convert.pipeline` and :mod:`migrate.convert.outputs`: the run and its files.
"""

from migrate._callable import make_callable

# `migrate.convert(job)` is the notebook API (migrate.api.convert); this package is that name too.
make_callable(__name__, "convert")
