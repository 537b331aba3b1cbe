from __future__ import annotations

import threading
from collections.abc import Iterator

import anyio
import pytest

from starlette_c.concurrency import iterate_in_threadpool, run_in_threadpool, run_until_first_complete
from starlette_c.exceptions import StarletteDeprecationWarning

pytestmark = pytest.mark.anyio


async def test_run_until_first_complete_cancels_the_others() -> None:
    finished: list[str] = []

    async def quick(name: str) -> None:
        finished.append(name)

    async def slow() -> None:
        await anyio.sleep(10)
        finished.append("slow")  # pragma: no cover (cancelled before it gets here)

    with pytest.warns(
        StarletteDeprecationWarning,
        match="run_until_first_complete is deprecated and will be removed in a future version.",
    ):
        with anyio.fail_after(5):
            await run_until_first_complete((quick, {"name": "quick"}), (slow, {}))
    assert finished == ["quick"]


async def test_run_in_threadpool() -> None:
    def work(a: int, b: int = 0) -> tuple[int, int]:
        return a + b, threading.get_ident()

    total, thread = await run_in_threadpool(work, 1, b=5)
    assert total == 6
    assert thread != threading.get_ident()


async def test_run_in_threadpool_propagates_errors() -> None:
    def fail() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        await run_in_threadpool(fail)


async def test_iterate_in_threadpool() -> None:
    threads: set[int] = set()

    def numbers() -> Iterator[int]:
        for n in range(3):
            threads.add(threading.get_ident())
            yield n

    assert [n async for n in iterate_in_threadpool(numbers())] == [0, 1, 2]
    assert [n async for n in iterate_in_threadpool([4, 5])] == [4, 5]
    assert threading.get_ident() not in threads


async def test_iterate_in_threadpool_errors() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("v")

    seen: list[int] = []
    with pytest.raises(ValueError, match="v"):
        async for n in iterate_in_threadpool(failing()):
            seen.append(n)
    assert seen == [1]
