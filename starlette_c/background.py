"""Work that runs after a response has been sent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ParamSpec

from starlette_c._utils import is_async_callable
from starlette_c.concurrency import run_in_threadpool

P = ParamSpec("P")


class BackgroundTask:
    """``func(*args, **kwargs)``: awaited when ``func`` is async, otherwise run in the thread pool."""

    def __init__(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        self.is_async = is_async_callable(func)
        self.func, self.args, self.kwargs = func, args, kwargs

    async def __call__(self) -> None:
        if not self.is_async:
            await run_in_threadpool(self.func, *self.args, **self.kwargs)
            return
        await self.func(*self.args, **self.kwargs)


class BackgroundTasks(BackgroundTask):
    """Tasks run one after another in the order they were added; the first failure stops the rest."""

    def __init__(self, tasks: Sequence[BackgroundTask] | None = None):
        self.tasks = list(tasks or ())

    def add_task(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        for task in self.tasks:
            await task()
