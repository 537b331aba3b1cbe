"""The lane: an HTTP request through the stock stack, served in one coroutine by the layers' own functions.

Without middleware, ``Starlette`` builds ServerErrorMiddleware(ExceptionMiddleware(Router)), and a route's
``request_response`` app serves the endpoint: five coroutines per request before the endpoint's own. While
each layer's entry point is still the stock one (``_stock.STOCK``, checked on the object's class on every
request), the lane runs their steps in one coroutine, calling what those entry points call: the tracking
``send`` and ``_answer`` of ServerErrorMiddleware, ``_install`` and ``_handle_exception`` of
ExceptionMiddleware, the router's ``_enter_route``/``_unrouted``, ``Route._allows`` and ``serve_endpoint``.
Anything else (another stack, a patched or overridden entry point, a route with middleware or an ASGI app
endpoint, websockets, lifespan) goes through the layers. ``STARLETTE_C_NO_LANE=1`` turns the lane off.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette_c import _backend
from starlette_c._exception_handler import _handle_exception, _start_tracking
from starlette_c._stock import STOCK
from starlette_c.middleware.errors import ServerErrorMiddleware
from starlette_c.middleware.exceptions import ExceptionMiddleware
from starlette_c.requests import Request
from starlette_c.routing import BaseRoute, Router, serve_endpoint
from starlette_c.types import ASGIApp, Receive, Scope, Send

_SERVER_ERRORS_CALL = STOCK["ServerErrorMiddleware.__call__"]
_EXCEPTIONS_CALL = STOCK["ExceptionMiddleware.__call__"]
_ROUTER_CALL = STOCK["Router.__call__"]
_ROUTER_APP = STOCK["Router.app"]
_ROUTE_HANDLE = STOCK["Route.handle"]


def serve(stack: ASGIApp, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
    """``stack(scope, receive, send)``: through the lane when ``stack`` is a stock stack and the request HTTP."""
    if scope["type"] != "http" or not _backend.lane or type(stack).__call__ is not _SERVER_ERRORS_CALL:
        return stack(scope, receive, send)
    errors: ServerErrorMiddleware = stack  # type: ignore[assignment]
    exceptions = errors.app
    if type(exceptions).__call__ is not _EXCEPTIONS_CALL:
        return stack(scope, receive, send)
    router = exceptions.app  # type: ignore[attr-defined]
    inner = getattr(router, "middleware_stack", None)
    if (
        type(router).__call__ is not _ROUTER_CALL
        or getattr(inner, "__func__", None) is not _ROUTER_APP
        or getattr(inner, "__self__", None) is not router
    ):
        return stack(scope, receive, send)
    return _serve(errors, exceptions, router, scope, receive, send)  # type: ignore[arg-type]


async def _serve(
    errors: ServerErrorMiddleware, exceptions: ExceptionMiddleware, router: Router, scope: Scope, receive: Receive,
    send: Send,
) -> None:  # fmt: skip
    # NOTE: the try blocks nest as the layers do: exception handlers inside, the server error answer outside.
    sender = _start_tracking(send)
    try:
        handlers = exceptions._install(scope)
        try:
            route = router._enter_route(scope)
            if route is None:
                await router._unrouted(scope, receive, sender)
                return
            endpoint = _endpoint(route, scope)
            if endpoint is None:
                await route.handle(scope, receive, sender)
            else:
                await serve_endpoint(endpoint, Request(scope, receive, sender), scope, receive, sender)
        except Exception as exc:
            await _handle_exception(handlers, exc, scope, receive, sender, None)
    except Exception as exc:
        await errors._answer(exc, scope, receive, send, sender)
        raise


def _endpoint(route: BaseRoute, scope: Scope) -> Callable[..., Awaitable[Any]] | None:
    """The endpoint the stock ``Route.handle`` would serve through its ``request_response`` app, else None."""
    # NOTE: looked up on the route, so a handle set on the instance (or its class) is called instead.
    handle: Any = route.handle
    if getattr(handle, "__func__", None) is not _ROUTE_HANDLE or handle.__self__ is not route:
        return None
    if not route._allows(scope):
        return None
    endpoint: Callable[..., Awaitable[Any]] | None = getattr(route.app, "lane_endpoint", None)
    return endpoint
