"""How many threads the columnar engine gives Polars when ``migrate convert`` runs it.

The engine evaluates a batch as a few hundred small column operations, one after the other.
Polars' worker threads wait for work between them by spinning, so on a machine of two cores a
second thread spends about 15% more CPU time than one for no shorter a run (measured with
``benchmarks/convert_bench.py``). ``migrate convert`` therefore runs Polars on one thread
unless ``POLARS_MAX_THREADS`` says otherwise; a library caller chooses for itself.
"""

from __future__ import annotations

import os
import sys

#: Polars threads ``migrate convert`` uses when ``POLARS_MAX_THREADS`` is not set.
DEFAULT_THREADS = 1


def default_polars_threads() -> bool:
    """Set ``POLARS_MAX_THREADS`` to :data:`DEFAULT_THREADS` unless it is set or Polars is
    loaded already (the setting only counts before); returns whether it was set."""
    if "polars" in sys.modules or "POLARS_MAX_THREADS" in os.environ:
        return False
    os.environ["POLARS_MAX_THREADS"] = str(DEFAULT_THREADS)
    return True
