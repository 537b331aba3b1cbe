"""``ExceptionMiddleware``: turns handled exceptions into responses, by exception class or status code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from starlette_c._exception_handler import (
    _SCOPE_KEY,
    ExceptionHandlers,
    Handlers,
    StatusHandlers,
    _handle_exception,
    _start_tracking,
)
from starlette_c._stock import stock
from starlette_c.exceptions import HTTPException, WebSocketException
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.types import ASGIApp, ExceptionHandler, Receive, Scope, Send
from starlette_c.websockets import WebSocket

# Status codes whose responses never carry a body.
_BODYLESS_STATUS_CODES = frozenset({204, 304})


class ExceptionMiddleware:
    def __init__(
        self, app: ASGIApp, handlers: Mapping[Any, ExceptionHandler] | None = None, debug: bool = False
    ) -> None:  # fmt: skip
        self.app, self.debug = app, debug
        self._status_handlers: StatusHandlers = {}
        self._exception_handlers: ExceptionHandlers = {}
        # NOTE: the defaults first, so that handlers given for the same classes replace them.
        defaults: dict[Any, ExceptionHandler] = {
            HTTPException: self.http_exception,
            WebSocketException: self.websocket_exception,
        }
        for key, value in [*defaults.items(), *(handlers or {}).items()]:
            self.add_exception_handler(key, value)

    def add_exception_handler(self, exc_class_or_status_code: int | type[Exception], handler: ExceptionHandler) -> None:
        if isinstance(exc_class_or_status_code, int):
            self._status_handlers[exc_class_or_status_code] = handler
            return
        if not issubclass(exc_class_or_status_code, Exception):
            raise AssertionError()
        self._exception_handlers[exc_class_or_status_code] = handler

    @stock
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        handlers = self._install(scope)
        # PERF: the handling is inlined here (no wrapper coroutine); try costs nothing until something raises.
        sender = _start_tracking(send)
        try:
            await self.app(scope, receive, sender)
        except Exception as exc:
            await _handle_exception(handlers, exc, scope, receive, sender, None)

    def _install(self, scope: Scope) -> Handlers:
        """Put this middleware's handlers in ``scope``, where routes find them."""
        handlers = scope[_SCOPE_KEY] = (self._exception_handlers, self._status_handlers)
        return handlers

    async def http_exception(self, request: Request, exc: Exception) -> Response:
        http_exc: HTTPException = exc  # type: ignore[assignment]  # PERF: no cast() call per handled exception.
        # PERF: positional arguments: no keyword dict to build and parse per handled exception.
        if http_exc.status_code in _BODYLESS_STATUS_CODES:
            return Response(None, http_exc.status_code, http_exc.headers)
        return PlainTextResponse(http_exc.detail, http_exc.status_code, http_exc.headers)

    async def websocket_exception(self, websocket: WebSocket, exc: Exception) -> None:
        ws_exc = cast(WebSocketException, exc)
        await websocket.close(code=ws_exc.code, reason=ws_exc.reason)
