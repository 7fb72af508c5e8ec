"""The memory allocator settings of a ``migrate`` process, made before Polars is loaded.

Polars allocates with its own jemalloc, which keeps pages it has freed for reuse and gives
them back to the system only after a delay (its "decay": Polars sets 500 ms for dirty and
1 s for muzzy pages), and only when it allocates again. A conversion frees and allocates
columns batch after batch, so at a million rows those pages are 50 to 100 MB of resident
memory nobody uses (``benchmarks/README.md``). A background thread returning freed pages
after a short delay bounds the peak; pages given back are faulted in again when the next
batch needs them, so a shorter delay costs system time (measured at scale 300: 200 ms,
553-563 MB and 4.0-4.4 s of system time; 400 ms, 568 MB and 3.8-4.0 s; 700 ms, 564-608 MB
and 3.5 s; 1.5 s, 599-609 MB and 2.5-3.1 s; Polars' own settings 610-640 MB and 3.5-3.8 s).

One arena (``narenas:1``) instead of jemalloc's eight on two cores: the main thread and
Polars' worker take turns rather than working at once, and with an arena each the pages one
frees are not the ones the other allocates next. One arena reuses them: at scale 300 a
quarter fewer page faults (510-680 thousand instead of 710-810) and 1-2 CPU s less per run,
back to back. With it 300 ms peaked at 566-573 MB (400 ms: 560-611 MB).

jemalloc reads its settings once, when Polars' library is loaded; Polars builds them from
its defaults followed by ``_RJEM_MALLOC_CONF`` (the later setting of an option stands), the
documented way to change them. So this module is imported first by the command line, and
a value the user has set is left as it is.
"""

from __future__ import annotations

import os

#: The jemalloc settings of a ``migrate`` command (``_RJEM_MALLOC_CONF``, unless set).
MALLOC_CONF = "background_thread:true,dirty_decay_ms:300,muzzy_decay_ms:0,narenas:1"

os.environ.setdefault("_RJEM_MALLOC_CONF", MALLOC_CONF)
