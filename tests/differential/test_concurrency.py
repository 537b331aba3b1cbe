"""starlette_c.concurrency and starlette_c.background against the reference: same results, errors and warnings."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

PACKAGES = ("starlette", "starlette_c")


async def concurrency_outcomes(package: str) -> list[Any]:
    concurrency = importlib.import_module(f"{package}.concurrency")
    results: list[Any] = []

    def add(a: int, b: int = 0) -> int:
        return a + b

    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("broken")

    async def quick(name: str) -> None:
        results.append(name)

    async def slow() -> None:
        await anyio.sleep(10)

    results.append(await concurrency.run_in_threadpool(add, 1, b=2))
    results.append(await concurrency.run_in_threadpool(add, 4))
    try:
        await concurrency.run_in_threadpool(add)
    except TypeError as exc:
        results.append(str(exc))
    results.append([item async for item in concurrency.iterate_in_threadpool([None, 0, "", 3])])
    try:
        async for item in concurrency.iterate_in_threadpool(failing()):
            results.append(item)
    except ValueError as exc:
        results.append(repr(exc))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await concurrency.run_until_first_complete((quick, {"name": "quick"}), (slow, {}))
    results.append([(w.category.__name__, str(w.message), w.filename.rsplit("/", 1)[-1]) for w in caught])
    return results


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_concurrency(backend: str) -> None:
    ours, theirs = (anyio.run(concurrency_outcomes, package, backend=backend) for package in reversed(PACKAGES))
    assert ours == theirs


async def background_outcomes(package: str) -> list[Any]:
    background = importlib.import_module(f"{package}.background")
    ran: list[Any] = []

    async def note(value: Any, *, tag: str = "") -> None:
        ran.append((value, tag))

    def sync_note(value: Any) -> None:
        ran.append(value)

    def boom() -> None:
        raise RuntimeError("boom")

    tasks = background.BackgroundTasks([background.BackgroundTask(note, 0)])
    tasks.add_task(sync_note, 1)
    tasks.add_task(note, 2, tag="t")
    tasks.add_task(boom)
    tasks.add_task(sync_note, "never")
    try:
        await tasks()
    except RuntimeError as exc:
        ran.append(repr(exc))
    task = background.BackgroundTask(note, 3, tag="x")
    ran.append((task.args, task.kwargs, task.is_async, background.BackgroundTask(sync_note, 1).is_async))
    ran.append(background.BackgroundTasks().tasks)
    await background.BackgroundTasks(None)()
    return ran


def test_background() -> None:
    assert anyio.run(background_outcomes, "starlette_c") == anyio.run(background_outcomes, "starlette")
