"""The stock application stack: server errors, exception handlers, router, recognised so it can be served inline.

``Starlette`` builds ServerErrorMiddleware(ExceptionMiddleware(Router)) when it has no user middleware. While an
HTTP request would still go through those layers wired as they were built, ``Starlette.__call__`` does what the
three layers do, in the same order and with the same exceptions, without a coroutine frame per layer.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from starlette_c.exceptions import HTTPException
from starlette_c.middleware.errors import _STOCK_CALL as _STOCK_SERVER_ERRORS_CALL
from starlette_c.middleware.errors import ServerErrorMiddleware
from starlette_c.middleware.exceptions import _STOCK_CALL as _STOCK_EXCEPTIONS_CALL
from starlette_c.middleware.exceptions import _STOCK_HTTP_EXCEPTION, ExceptionMiddleware
from starlette_c.responses import PlainTextResponse
from starlette_c.routing import _STOCK_NOT_FOUND, _STOCK_ROUTER_CALL, Router
from starlette_c.types import ASGIApp, Receive, Scope, Send


class StockStack:
    """The layers of a stock stack, kept to check on each request that the stack was not rewired since."""

    __slots__ = ("errors", "exceptions", "not_found", "router")

    def __init__(self, errors: ServerErrorMiddleware, exceptions: ExceptionMiddleware, router: Router) -> None:
        self.errors = errors
        self.exceptions = exceptions
        self.router = router
        # PERF: bound once, handed to the router on each request.
        self.not_found: ASGIApp = self._not_found

    def _not_found(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """The router's default, or, when that would be the stock 404 rendered by the stock handler, that answer."""
        if self.plain_not_found():
            # PERF: what the stock handler answers to the router's HTTPException(404), without raising it.
            return PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
        return self.router.default(scope, receive, send)

    def plain_not_found(self) -> bool:
        """Whether a 404 would be the router's HTTPException(404) rendered by the stock handler."""
        router, exceptions = self.router, self.exceptions
        return (
            _is_bound(router.default, _STOCK_NOT_FOUND, router)
            and 404 not in exceptions._status_handlers
            and _is_bound(exceptions._exception_handlers.get(HTTPException), _STOCK_HTTP_EXCEPTION, exceptions)
        )


def _is_bound(method: Any, function: Any, owner: object) -> bool:
    """Whether ``method`` is ``function`` bound to ``owner``."""
    return getattr(method, "__func__", None) is function and method.__self__ is owner


def stock_stack(stack: ASGIApp) -> StockStack | None:
    """The layers of ``stack`` when it is the stock one ``Starlette.build_middleware_stack`` builds, else None.

    NOTE: decided when the stack is built: a layer's ``__call__`` patched on its class by then (instrumentation
    does) leaves every layer to run as it is.
    """
    if (
        ServerErrorMiddleware.__call__ is not _STOCK_SERVER_ERRORS_CALL
        or ExceptionMiddleware.__call__ is not _STOCK_EXCEPTIONS_CALL
        or Router.__call__ is not _STOCK_ROUTER_CALL
    ):
        return None
    if type(stack) is not ServerErrorMiddleware:
        return None
    exceptions = stack.app
    if type(exceptions) is not ExceptionMiddleware:
        return None
    router = exceptions.app
    if type(router) is not Router or router.middleware_stack is not router._bypassable_stack:
        return None
    return StockStack(stack, exceptions, router)
