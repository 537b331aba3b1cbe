"""starlette_c.concurrency and starlette_c.background against the reference: same results, errors and warnings."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.differential.harness import Req

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


@settings(max_examples=300, deadline=None)
@given(
    tasks=st.lists(st.tuples(st.booleans(), st.booleans()), max_size=5),
    in_response=st.booleans(),
    backend=st.sampled_from(["asyncio", "trio"]),
)
def test_any_background_tasks_run_as_in_the_reference(
    tasks: list[tuple[bool, bool]], in_response: bool, backend: str
) -> None:
    # NOTE: each task (sync or async, failing or not) in order: which ran, and what escaped (after the response).
    def outcome(package: str) -> Any:
        background = importlib.import_module(f"{package}.background")
        responses = importlib.import_module(f"{package}.responses")
        ran: list[Any] = []
        group = background.BackgroundTasks()
        for index, (is_async, fails) in enumerate(tasks):

            def run(index: int = index, fails: bool = fails) -> None:
                ran.append(index)
                if fails:
                    raise ValueError(f"task {index} failed")

            async def arun(index: int = index, fails: bool = fails) -> None:
                run(index, fails)

            group.add_task(arun if is_async else run)
        sent: list[Any] = []

        async def send(message: Any) -> None:
            sent.append(message["type"])

        async def main() -> None:
            if in_response:
                await responses.Response("ok", background=group)(Req().scope(), None, send)
            else:
                await group()

        try:
            anyio.run(main, backend=backend)
        except Exception as exc:
            ran.append(f"{type(exc).__name__}: {exc}")
        return ran, sent

    assert outcome("starlette_c") == outcome("starlette")
