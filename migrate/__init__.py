"""sharetribe-migrate: move a legacy marketplace into Sharetribe through Intermediary edn files.

For notebooks and scripts (see :mod:`migrate.api`)::

    import migrate
    job = migrate.load_job("job.toml")          # or TOML text, or a dict
    migrate.preview(job, "listing", n=20)       # source rows beside mapped records (DataFrame)
    result = migrate.convert(job)               # result.rejects is a DataFrame
    report = migrate.validate("out/market.edn")

``import migrate`` stays cheap: these names load their modules on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from migrate.api import ConversionResult, JobError, convert, load_job, preview, validate

__all__ = [
    "ConversionResult",
    "JobError",
    "__version__",
    "convert",
    "load_job",
    "preview",
    "validate",
]

_API = frozenset({"ConversionResult", "JobError", "convert", "load_job", "preview", "validate"})


# `migrate.convert` and `migrate.validate` are also a subpackage and a module; those are made
# callable (migrate/_callable.py), so the name means the same object however it is reached.
_CALLABLE_MODULES = frozenset({"convert", "validate"})


def __getattr__(name: str) -> Any:
    if name in _CALLABLE_MODULES:
        import importlib

        return importlib.import_module(f"migrate.{name}")
    if name in _API:
        from migrate import api

        return getattr(api, name)
    raise AttributeError(f"module 'migrate' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
