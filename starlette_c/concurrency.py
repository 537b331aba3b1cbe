"""Run blocking code without blocking the event loop."""

from __future__ import annotations

import functools
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from typing import Any, ParamSpec, TypeVar

import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")


async def run_until_first_complete(*args: tuple[Callable[..., Coroutine[Any, Any, Any]], dict[str, Any]]) -> None:
    """Run ``func(**kwargs)`` for every ``(func, kwargs)`` pair concurrently; cancel the rest when one returns."""
    warnings.warn(
        "run_until_first_complete is deprecated and will be removed in a future version.",
        DeprecationWarning,
        stacklevel=2,
    )
    async with anyio.create_task_group() as task_group:

        async def run(func: Callable[[], Coroutine[Any, Any, Any]]) -> None:
            await func()
            task_group.cancel_scope.cancel()

        for func, kwargs in args:
            task_group.start_soon(run, functools.partial(func, **kwargs))


async def run_in_threadpool(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``func(*args, **kwargs)`` in a worker thread and return its result."""
    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))


class _StopIteration(Exception):
    """Carries the end of a sync iterator out of a worker thread (``StopIteration`` cannot cross a Future)."""


def _next(iterator: Iterator[T]) -> T:
    try:
        return next(iterator)
    except StopIteration:
        raise _StopIteration


async def iterate_in_threadpool(iterator: Iterable[T]) -> AsyncIterator[T]:
    """Iterate a blocking iterable asynchronously, each ``next()`` running in a worker thread."""
    as_iterator = iter(iterator)
    while True:
        try:
            yield await anyio.to_thread.run_sync(_next, as_iterator)
        except _StopIteration:
            break
