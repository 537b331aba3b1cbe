"""Run blocking code without blocking the event loop."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from typing import Any, ParamSpec, TypeVar

import anyio
import anyio.to_thread

from starlette_c._utils import warn_from_module
from starlette_c.exceptions import StarletteDeprecationWarning

P = ParamSpec("P")
T = TypeVar("T")

# NOTE: handed to next() as its default, so the end of an iterator comes back as a value: StopIteration
# itself cannot be raised through the awaitable of a worker thread.
_EXHAUSTED: Any = object()


async def run_until_first_complete(*args: tuple[Callable[..., Coroutine[Any, Any, Any]], dict[str, Any]]) -> None:
    """Run ``func(**kwargs)`` for every ``(func, kwargs)`` pair at once; the first to return cancels the rest."""
    # NOTE: attributed to this module, as in the reference.
    warn_from_module(
        "run_until_first_complete is deprecated and will be removed in a future version.", StarletteDeprecationWarning
    )

    async def race(func: Callable[..., Coroutine[Any, Any, Any]], kwargs: dict[str, Any]) -> None:
        await func(**kwargs)
        group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        for func, kwargs in args:
            group.start_soon(race, func, kwargs)


async def run_in_threadpool(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``func(*args, **kwargs)`` in a worker thread and return its result."""
    # NOTE: anyio passes positional arguments only; keywords ride in a partial.
    call: Callable[..., T] = functools.partial(func, **kwargs) if kwargs else func
    return await anyio.to_thread.run_sync(call, *args)


async def iterate_in_threadpool(iterator: Iterable[T]) -> AsyncIterator[T]:
    """Iterate a blocking iterable asynchronously, each ``next()`` running in a worker thread."""
    source = iter(iterator)
    while (item := await anyio.to_thread.run_sync(next, source, _EXHAUSTED)) is not _EXHAUSTED:
        yield item
