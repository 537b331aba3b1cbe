"""Raw ASGI apps for the bench's edge cases; stdlib only, so a worker under callgrind starts fast."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def http_only_app(scope: Scope, receive: Receive, send: Send) -> None:
    """A raw app without lifespan support: it rejects every other scope type."""
    assert scope["type"] == "http", "only http"
    await send({"type": "http.response.start", "status": 204, "headers": [[b"x-list", b"header"]]})
    await send({"type": "http.response.body"})


async def silent_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Returns without answering anything, lifespan included."""


async def crashing_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        raise ZeroDivisionError("boom")


async def returns_after_startup(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers lifespan startup, then returns instead of waiting for the shutdown."""
    await receive()
    await send({"type": "lifespan.startup.complete"})


async def raises_after_shutdown(scope: Scope, receive: Receive, send: Send) -> None:
    """Completes both lifespan phases, then raises."""
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.complete"})
    raise LookupError("after shutdown")


not_an_app = 42
