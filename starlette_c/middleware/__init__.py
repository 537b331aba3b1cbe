"""``Middleware``: a middleware class (or factory) with the arguments it will be built with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any, ParamSpec, Protocol

P = ParamSpec("P")

# NOTE: spelled out instead of imported from starlette_c.types so that this module imports nothing of the package.
_App = Callable[[Any, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class _MiddlewareFactory(Protocol[P]):
    def __call__(self, app: _App, /, *args: P.args, **kwargs: P.kwargs) -> _App: ...


class Middleware:
    """A middleware factory and the arguments to build it with, around whatever app it is given later."""

    def __init__(self, cls: _MiddlewareFactory[P], *args: P.args, **kwargs: P.kwargs) -> None:
        self.cls, self.args, self.kwargs = cls, args, kwargs

    def __iter__(self) -> Iterator[Any]:
        # NOTE: unpacks as (cls, args, kwargs), which is how stacks are built from it.
        yield from (self.cls, self.args, self.kwargs)

    def __repr__(self) -> str:
        shown = [getattr(self.cls, "__name__", ""), *map(repr, self.args)]
        shown += [f"{key}={value!r}" for key, value in self.kwargs.items()]
        return f"{type(self).__name__}({', '.join(shown)})"
