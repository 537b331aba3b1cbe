"""Both twins of a module, as pytest params: the compiled side is skipped only when it is not built."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest


def load(name: str) -> tuple[ModuleType, ModuleType | None, pytest.MarkDecorator, list[Any]]:
    """``pure, compiled, needs_compiled, params = load("routing")``."""
    pure = importlib.import_module(f"starlette_c._pure.{name}")
    try:
        compiled: ModuleType | None = importlib.import_module(f"starlette_c._speedups.{name}")
    except ImportError:
        compiled = None
    needs_compiled = pytest.mark.skipif(compiled is None, reason=f"starlette_c._speedups.{name} is not built")
    params = [pytest.param(pure, id="pure"), pytest.param(compiled, id="compiled", marks=needs_compiled)]
    return pure, compiled, needs_compiled, params
