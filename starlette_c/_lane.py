"""The lane: an HTTP request through the stock stack, served in one coroutine by the layers' own functions.

``serve_app`` is ``Starlette.__call__``.

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


async def serve_app(app: Any, scope: Scope, receive: Receive, send: Send) -> None:
    """``Starlette.__call__``: the app's middleware stack serves the connection, through the lane when it can."""
    scope["app"] = app
    stack: ASGIApp = app.middleware_stack or app._build_stack()
    layers = stock_layers(stack, scope)
    if layers is None:
        await stack(scope, receive, send)
        return
    errors, exceptions, router = layers
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


def stock_layers(stack: ASGIApp, scope: Scope) -> tuple[ServerErrorMiddleware, ExceptionMiddleware, Router] | None:
    """The layers of ``stack`` when the lane may serve ``scope`` around them: an HTTP request, a stock stack."""
    if scope["type"] != "http" or not _backend.lane or type(stack).__call__ is not _SERVER_ERRORS_CALL:
        return None
    errors: ServerErrorMiddleware = stack  # type: ignore[assignment]
    exceptions = errors.app
    if type(exceptions).__call__ is not _EXCEPTIONS_CALL:
        return None
    router = exceptions.app  # type: ignore[attr-defined]
    inner = getattr(router, "middleware_stack", None)
    if (
        type(router).__call__ is not _ROUTER_CALL
        or getattr(inner, "__func__", None) is not _ROUTER_APP
        or getattr(inner, "__self__", None) is not router
    ):
        return None
    return errors, exceptions, router  # type: ignore[return-value]


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
