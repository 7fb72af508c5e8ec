"""Lazy imports: a module that loads only when first used (``import migrate`` stays light)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """Stands for module ``name``; the first attribute read imports it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._lazy_name = name

    def __getattr__(self, attribute: str) -> Any:
        module = importlib.import_module(self._lazy_name)
        return getattr(module, attribute)


def lazy_attribute(module: str, name: str) -> Any:
    """A callable standing for ``module.name`` (a function or class), imported on first call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    return call
