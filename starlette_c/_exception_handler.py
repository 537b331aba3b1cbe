"""Route exceptions raised by an ASGI app to the handlers registered on ``ExceptionMiddleware``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette_c._utils import is_async_callable
from starlette_c.concurrency import run_in_threadpool
from starlette_c.exceptions import HTTPException
from starlette_c.requests import Request
from starlette_c.types import ASGIApp, ExceptionHandler, Message, Receive, Scope, Send
from starlette_c.websockets import WebSocket

ExceptionHandlers = dict[Any, ExceptionHandler]
StatusHandlers = dict[int, ExceptionHandler]

_SCOPE_KEY = "starlette.exception_handlers"


def _lookup_exception_handler(exc_handlers: ExceptionHandlers, exc: Exception) -> ExceptionHandler | None:
    for cls in type(exc).__mro__:
        if cls in exc_handlers:
            return exc_handlers[cls]
    return None


class _StartTrackingSend:
    """A ``send`` that remembers whether the response has started (after which no other can be sent)."""

    __slots__ = ("send", "started")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


async def _call_handler(handler: ExceptionHandler, conn: Request | WebSocket, exc: Exception) -> Any:
    """Await an async handler; run a sync one in the threadpool so that it cannot block the event loop."""
    call: Callable[..., Any] = handler
    if is_async_callable(call):
        return await call(conn, exc)
    return await run_in_threadpool(call, conn, exc)


async def _run_handling_exceptions(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    handlers: tuple[ExceptionHandlers, StatusHandlers],
    conn: Request | WebSocket | None,
) -> None:
    sender = _StartTrackingSend(send)
    try:
        await app(scope, receive, sender)
    except Exception as exc:
        exception_handlers, status_handlers = handlers
        handler: ExceptionHandler | None = None
        if isinstance(exc, HTTPException):
            handler = status_handlers.get(exc.status_code)
        if handler is None:
            handler = _lookup_exception_handler(exception_handlers, exc)
        if handler is None:
            raise
        if sender.started:
            raise RuntimeError("Caught handled exception, but response already started.") from exc
        if conn is None:
            # PERF: the connection object is only built when a handler actually needs it.
            conn = Request(scope, receive, send) if scope["type"] == "http" else WebSocket(scope, receive, send)
        response = await _call_handler(handler, conn, exc)
        if response is not None:
            await response(scope, conn.receive, sender)


def wrap_app_handling_exceptions(app: ASGIApp, conn: Request | WebSocket) -> ASGIApp:
    """Wrap ``app`` so that its exceptions go to the handlers found in ``conn.scope``.

    ``ExceptionMiddleware`` stores ``(exception_handlers, status_handlers)`` under the scope key
    ``"starlette.exception_handlers"``; without it, every exception propagates.
    """
    handlers: tuple[ExceptionHandlers, StatusHandlers] = conn.scope.get(_SCOPE_KEY) or ({}, {})

    async def wrapped_app(scope: Scope, receive: Receive, send: Send) -> None:
        await _run_handling_exceptions(app, scope, receive, send, handlers, conn)

    return wrapped_app
