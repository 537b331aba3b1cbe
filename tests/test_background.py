from __future__ import annotations

import functools
import threading

import pytest

from starlette_c.background import BackgroundTask, BackgroundTasks

pytestmark = pytest.mark.anyio


async def test_async_task_is_awaited_with_its_arguments() -> None:
    calls: list[tuple[int, str]] = []

    async def task(number: int, *, name: str) -> None:
        calls.append((number, name))

    background = BackgroundTask(task, 1, name="a")
    assert background.func is task
    assert background.args == (1,)
    assert background.kwargs == {"name": "a"}
    assert background.is_async is True
    await background()
    assert calls == [(1, "a")]


async def test_sync_task_runs_in_a_worker_thread() -> None:
    threads: list[int] = []

    def task(extra: int) -> None:
        threads.append(threading.get_ident() + extra)

    background = BackgroundTask(task, extra=0)
    assert background.is_async is False
    await background()
    assert threads and threads[0] != threading.get_ident()


async def test_partial_of_async_function_is_async() -> None:
    calls: list[int] = []

    async def task(number: int) -> None:
        calls.append(number)

    background = BackgroundTask(functools.partial(task, 3))
    assert background.is_async is True
    await background()
    assert calls == [3]


async def test_tasks_run_in_order_and_stop_at_the_first_failure() -> None:
    calls: list[str] = []

    async def record(name: str) -> None:
        calls.append(name)

    def fail() -> None:
        raise ValueError("boom")

    tasks = BackgroundTasks()
    assert tasks.tasks == []
    tasks.add_task(record, "first")
    tasks.add_task(lambda: calls.append("second"))
    tasks.add_task(fail)
    tasks.add_task(record, "never")
    with pytest.raises(ValueError, match="boom"):
        await tasks()
    assert calls == ["first", "second"]


async def test_tasks_from_a_sequence() -> None:
    calls: list[str] = []
    first = BackgroundTask(calls.append, "a")
    tasks = BackgroundTasks((first,))
    assert tasks.tasks == [first]
    assert isinstance(tasks.tasks, list)
    assert isinstance(tasks, BackgroundTask)
    await tasks()
    assert calls == ["a"]
