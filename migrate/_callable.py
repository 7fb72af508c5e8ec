"""Modules that are also the API function of the same name: ``migrate.convert(job)``.

``migrate.convert`` is both a subpackage and the notebook function :func:`migrate.api.convert`
(``migrate.validate`` likewise). Importing a submodule sets it as the package's attribute, hiding
a function of that name, so the module itself is made callable, calling the function.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    _api_function: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        api = importlib.import_module("migrate.api")
        return getattr(api, self._api_function)(*args, **kwargs)


def make_callable(module_name: str, function: str) -> None:
    """Calling the module ``module_name`` calls ``migrate.api.<function>``."""
    module = sys.modules[module_name]
    module.__class__ = _CallableModule
    module._api_function = function  # type: ignore[attr-defined]
