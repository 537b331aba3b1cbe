"""The example of docs/threadpool.md: raising the thread pool's token count."""

from __future__ import annotations

import threading

import anyio.to_thread
import pytest

from starlette_c.background import BackgroundTask
from starlette_c.concurrency import run_in_threadpool

pytestmark = pytest.mark.anyio


async def test_increase_thread_limiter() -> None:
    assert anyio.to_thread.current_default_thread_limiter().total_tokens == 40
    try:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = 100

        assert anyio.to_thread.current_default_thread_limiter().total_tokens == 100
    finally:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 40


async def test_sync_code_runs_in_the_thread_pool() -> None:
    threads: list[int] = []
    await BackgroundTask(lambda: threads.append(threading.get_ident()))()
    threads.append(await run_in_threadpool(threading.get_ident))
    assert threading.get_ident() not in threads
