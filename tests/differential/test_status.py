"""starlette_c.status and starlette_c.types against the reference: same names, values and warnings."""

from __future__ import annotations

import warnings
from types import ModuleType
from typing import Any

import starlette.status
import starlette.types

import starlette_c.status
import starlette_c.types


def listing(module: ModuleType) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for name in dir(module):
        if name.startswith("__"):
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = getattr(module, name)
        shown = repr(value) if isinstance(value, int | str) else type(value).__name__
        seen[name] = (shown, [(w.category.__name__, str(w.message)) for w in caught])
    return seen


def test_status_names_values_and_warnings() -> None:
    assert listing(starlette_c.status) == listing(starlette.status)
    assert starlette_c.status.__all__ == starlette.status.__all__


def test_types_aliases() -> None:
    ours, theirs = listing(starlette_c.types), listing(starlette.types)
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert repr(getattr(starlette_c.types, name)) == repr(getattr(starlette.types, name)), name
