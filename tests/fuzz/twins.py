"""Feed the compiled and the pure twin the same input: equal results (and equal mutations) or the same exception."""

from __future__ import annotations

import copy
import importlib
import json
import marshal
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

MAX_EXAMPLES = int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
REGRESSIONS = Path(__file__).parent / "regressions"


def twins(name: str) -> tuple[ModuleType, ModuleType]:
    pure = importlib.import_module(f"starlette_c._pure.{name}")
    try:
        compiled = importlib.import_module(f"starlette_c._speedups.{name}")
    except ImportError:
        pytest.skip(f"starlette_c._speedups.{name} is not built (run setup.py build_ext --inplace)")
    return pure, compiled


def fresh(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """A copy of ``args`` no call can reach into."""
    # PERF: copy.deepcopy took three quarters of each atheris input; marshal copies plain data ~8x faster.
    try:
        copied: tuple[Any, ...] = marshal.loads(marshal.dumps(args))
    except ValueError:  # objects marshal cannot write: compiled patterns, convertors
        return copy.deepcopy(args)
    return copied


def outcome(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any, tuple[Any, ...]]:
    """What ``fn(*args)`` does: ``("ok", result, args after)`` or ``("raise", exception type name, args after)``."""
    args = fresh(args)
    try:
        return "ok", fn(*args), args
    except Exception as exc:
        return "raise", type(exc).__name__, args


def alike(left: Any, right: Any) -> bool:
    """Equal, or equal but for NaNs (each side holds its own copy, and a NaN is equal to no other NaN)."""
    return bool(left == right) or repr(left) == repr(right)


def same(
    pure: ModuleType,
    compiled: ModuleType,
    name: str,
    *args: Any,
    key: Callable[[Any], Any] = lambda x: x,
    compare_args: bool = True,
) -> Any:
    """Run both twins' ``name`` on ``args``; assert they agree; return the pure result (or None on exception).

    ``compare_args``: the arguments are also compared after the call (for the functions that mutate them).
    """
    left = outcome(getattr(pure, name), args)
    right = outcome(getattr(compiled, name), args)
    assert left[0] == right[0], (name, args, left, right)
    if left[0] == "ok":
        assert alike(key(left[1]), key(right[1])), (name, args, left[1], right[1])
    else:
        assert left[1] == right[1], (name, args, left[1], right[1])
    assert not compare_args or alike(left[2], right[2]), (name, args, "mutated differently", left[2], right[2])
    return left[1] if left[0] == "ok" else None


def regressions(target: str) -> list[Any]:
    """The saved inputs of ``target`` (tests/fuzz/regressions/<target>.json: a list of argument lists)."""
    path = REGRESSIONS / f"{target}.json"
    if not path.exists():
        return []
    cases: list[Any] = json.loads(path.read_text())
    return cases
