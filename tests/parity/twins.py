"""Both twins of a module, as pytest params: the compiled side is skipped only when it is not built."""

from __future__ import annotations

import gc
import importlib
import tracemalloc
from collections.abc import Callable
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


# NOTE: a leaked object is at least 16 bytes: 20,000 leaks are 320 KB, five times the 64 KiB bound the tests use.
LEAK_OPERATIONS = 20_000


def leaked_bytes(operation: Callable[[], None]) -> int:
    """Bytes still allocated after ``LEAK_OPERATIONS`` calls of ``operation`` (after a warm-up), per tracemalloc."""
    for _ in range(1000):
        operation()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(LEAK_OPERATIONS):
            operation()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before
