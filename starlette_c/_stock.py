"""The registry of stock implementations: the functions the lane (``_lane.py``) may serve a request around.

A function is marked where it is defined, with ``@stock``. The lane stands in for a layer only while the
method it would skip is still the marked one, looked up on the object's class at request time: a method
patched on a class, or overridden in a subclass, sends every request through the layers as written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette_c.types import ASGIApp, Receive, Scope, Send

F = TypeVar("F", bound=Callable[..., Any])

STOCK: dict[str, Callable[..., Any]] = {}
"""The marked functions, by qualified name (``"Route.handle"``)."""


def stock(function: F) -> F:
    """Mark ``function`` as the stock implementation the lane knows how to serve around."""
    STOCK[function.__qualname__] = function
    return function


class Stepped:
    """A middleware whose work on a connection is one step taken before the app it wraps is called.

    ``_step(scope, send)`` returns the app to call next and the ``send`` to give it: the wrapped app (with
    ``send`` as it is or wrapped), or a response that answers the connection itself. The lane takes the
    steps of a chain of such middleware in its own coroutine while their ``__call__`` is this stock one.
    """

    _step: Callable[[Scope, Send], tuple[ASGIApp, Send]]

    @stock
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app, send = self._step(scope, send)
        await app(scope, receive, send)
