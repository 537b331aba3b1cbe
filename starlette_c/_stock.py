"""The registry of stock implementations: the functions the lane (``_lane.py``) may serve a request around.

A function is marked where it is defined, with ``@stock``. The lane stands in for a layer only while the
method it would skip is still the marked one, looked up on the object's class at request time: a method
patched on a class, or overridden in a subclass, sends every request through the layers as written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

STOCK: dict[str, Callable[..., Any]] = {}
"""The marked functions, by qualified name (``"Route.handle"``)."""


def stock(function: F) -> F:
    """Mark ``function`` as the stock implementation the lane knows how to serve around."""
    STOCK[function.__qualname__] = function
    return function
