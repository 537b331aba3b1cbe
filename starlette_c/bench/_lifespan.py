"""Run an app's ASGI lifespan around the measured requests, the way servers do in their "auto" mode."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette_c.bench._measure import ASGIApp, Message


class LifespanError(RuntimeError):
    """The app reported ``lifespan.startup.failed`` or ``lifespan.shutdown.failed``."""


@contextlib.asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[dict[str, Any]]:
    """Start ``app`` up, yield the lifespan ``state`` it filled, and shut it down on exit.

    An app that raises or returns before answering ``lifespan.startup`` does not support the protocol
    (a raw ASGI app that only knows "http", say): it is then measured without one, with an empty state.
    """
    state: dict[str, Any] = {}
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
    task = asyncio.ensure_future(app(scope, to_app.get, from_app.put))
    await to_app.put({"type": "lifespan.startup"})
    reply = await _reply(from_app, task)
    if reply is None:
        yield state
        return
    if _failed(reply):
        await _settle(task)
        raise LifespanError(_failure_message(reply))
    try:
        yield state
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        reply = await _reply(from_app, task)
        error = await _settle(task)
        if reply is not None and _failed(reply):
            raise LifespanError(_failure_message(reply))
        if error is not None:
            raise error


async def _reply(from_app: asyncio.Queue[Message], task: asyncio.Future[None]) -> Message | None:
    """The app's next message, or None when the app ends (by returning or raising) without one."""
    getter = asyncio.ensure_future(from_app.get())
    await asyncio.wait((getter, task), return_when=asyncio.FIRST_COMPLETED)
    if getter.done():
        return getter.result()
    getter.cancel()
    # NOTE: fetching the exception marks it retrieved; an app without lifespan support is expected to raise.
    task.exception()
    return None


async def _settle(task: asyncio.Future[None]) -> BaseException | None:
    """Wait for the app's lifespan call to return; its exception (retrieved, so never logged as lost)."""
    await asyncio.wait((task,))
    return task.exception()


def _failed(reply: Message) -> bool:
    return str(reply["type"]).endswith(".failed")


def _failure_message(reply: Message) -> str:
    phase = str(reply["type"]).split(".")[1]
    return f"lifespan {phase} failed: {reply.get('message') or '(no message)'}"
