"""Route exceptions raised by an ASGI app to the handlers registered on ``ExceptionMiddleware``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette_c._backend import responses as _impl
from starlette_c._utils import is_async_callable
from starlette_c.concurrency import run_in_threadpool
from starlette_c.exceptions import HTTPException
from starlette_c.requests import Request
from starlette_c.types import ASGIApp, ExceptionHandler, Receive, Scope, Send
from starlette_c.websockets import WebSocket

ExceptionHandlers = dict[Any, ExceptionHandler]
StatusHandlers = dict[int, ExceptionHandler]
Handlers = tuple[ExceptionHandlers, StatusHandlers]

_SCOPE_KEY = "starlette.exception_handlers"
_StartTrackingSend = _impl.StartTrackingSend
_start_tracking = _impl.start_tracking
# NOTE: what a scope without ExceptionMiddleware gets: no handlers (only ever read, never filled).
_NO_HANDLERS: Handlers = ({}, {})


def _lookup_exception_handler(exc_handlers: ExceptionHandlers, exc: Exception) -> ExceptionHandler | None:
    for cls in type(exc).__mro__:
        if cls in exc_handlers:
            return exc_handlers[cls]
    return None


def _call_handler(handler: ExceptionHandler, conn: Request | WebSocket, exc: Exception) -> Awaitable[Any]:
    """What to await for the handler's answer: an async handler's own coroutine, or a sync one run in the
    threadpool so that it cannot block the event loop."""
    call: Callable[..., Any] = handler
    # PERF: a plain function handing back the awaitable: no coroutine of its own per handled exception.
    return call(conn, exc) if is_async_callable(call) else run_in_threadpool(call, conn, exc)


async def _handle_exception(
    handlers: Handlers,
    exc: Exception,
    scope: Scope,
    receive: Receive,
    sender: _StartTrackingSend,
    conn: Request | WebSocket | None,
) -> None:
    """Called from an ``except`` block: send what the handler for ``exc`` answers, or re-raise ``exc``.

    An error of its own if the response had already started.
    """
    exception_handlers, status_handlers = handlers
    # NOTE: an HTTPException's status code first, then the nearest exception class.
    handler = status_handlers.get(exc.status_code) if isinstance(exc, HTTPException) else None
    if handler is None:
        handler = _lookup_exception_handler(exception_handlers, exc)
    if handler is None:
        raise  # NOTE: the exception being handled by the caller, traceback intact.
    if sender.started:
        raise RuntimeError("Caught handled exception, but response already started.") from exc
    if conn is None:
        # PERF: the connection object is only built when a handler actually needs it.
        conn = Request(scope, receive, sender) if scope["type"] == "http" else WebSocket(scope, receive, sender)
    response = await _call_handler(handler, conn, exc)
    if response is not None:
        await response(scope, conn.receive, sender)
    # NOTE: handled: its frames (and the per-request objects they hold) are let go, even if the instance is reused.
    exc.__traceback__ = None


def wrap_app_handling_exceptions(app: ASGIApp, conn: Request | WebSocket) -> ASGIApp:
    """Wrap ``app`` so that its exceptions go to the handlers found in ``conn.scope``.

    ``ExceptionMiddleware`` stores ``(exception_handlers, status_handlers)`` under the scope key
    ``"starlette.exception_handlers"``; without it, every exception propagates.
    """
    handlers: Handlers = conn.scope.get(_SCOPE_KEY) or _NO_HANDLERS

    async def wrapped_app(scope: Scope, receive: Receive, send: Send) -> None:
        sender = _start_tracking(send)
        try:
            await app(scope, receive, sender)
        except Exception as exc:
            await _handle_exception(handlers, exc, scope, receive, sender, conn)

    return wrapped_app
