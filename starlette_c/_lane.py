"""The lane: an HTTP request through the stock stack, served in one coroutine by the layers' own functions.

``serve_app`` is ``Starlette.__call__``.

Without middleware, ``Starlette`` builds ServerErrorMiddleware(ExceptionMiddleware(Router)), and a route's
``request_response`` app serves the endpoint: five coroutines per request before the endpoint's own. While each
layer's entry point is still the stock one (``_stock.STOCK``, looked up on the object's class on every request by
the routing twin's ``StockLayers``), the lane runs their steps in one coroutine, calling what those entry points
call: the tracking ``send`` and ``_answer`` of ServerErrorMiddleware, the ``_step`` of each stock middleware in
between (``_stock.Stepped``), ``_install`` and ``_handle_exception`` of ExceptionMiddleware, the router's
``_enter_route``/``_unrouted``, ``Route._allows`` and ``serve_endpoint``. From the first layer it cannot stand in
for (another middleware, a patched or overridden entry point, a response a middleware answers with, a route with
middleware or an ASGI app endpoint), the request goes through the layers; websockets and lifespan always do.
``STARLETTE_C_NO_LANE=1`` turns the lane off.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette_c import _backend, routing
from starlette_c._exception_handler import _handle_exception, _start_tracking
from starlette_c._stock import STOCK
from starlette_c.middleware import exceptions as _exceptions  # noqa: F401 (marks ExceptionMiddleware.__call__)
from starlette_c.middleware.errors import ServerErrorMiddleware
from starlette_c.routing import serve_endpoint
from starlette_c.types import ASGIApp, Receive, Scope, Send

_LAYERS = _backend.routing.StockLayers(STOCK, routing.REQUEST_RESPONSE_APP_CODE)


async def serve_app(app: Any, scope: Scope, receive: Receive, send: Send) -> None:
    """``Starlette.__call__``: the app's middleware stack serves the connection, through the lane when it can."""
    scope["app"] = app
    stack: ASGIApp | None = app.middleware_stack
    if stack is None:
        stack = app._build_stack()
    if scope["type"] != "http" or not _backend.lane or not _LAYERS.serves(stack):
        await stack(scope, receive, send)
        return
    errors: ServerErrorMiddleware = stack  # type: ignore[assignment]
    # NOTE: the try blocks nest as the layers do: exception handlers inside, the server error answer outside.
    sender = _start_tracking(send)
    try:
        exceptions, inner_send, router = _LAYERS.descend(errors.app, scope, sender)
        if router is None:
            await exceptions(scope, receive, inner_send)
            return
        # NOTE: below a middleware's send, ExceptionMiddleware tracks its own start: a middleware may hold one back.
        tracking = sender if inner_send is sender else _start_tracking(inner_send)
        handlers = exceptions._install(scope)
        try:
            route = router._enter_route(scope)
            if route is None:
                await router._unrouted(scope, receive, tracking)
                return
            endpoint: Callable[..., Awaitable[Any]] | None = _LAYERS.endpoint(route, scope)
            if endpoint is None:
                await route.handle(scope, receive, tracking)
            else:
                # NOTE: the stock handle's app serves the endpoint so (request_response): here ``tracking`` has
                # nothing sent through it yet, and stands for the tracker that app would put below it.
                # NOTE: the Request class looked up where the app looks it up: one patched onto routing counts too.
                await serve_endpoint(endpoint, routing.Request(scope, receive, tracking), scope, receive, tracking)
        except Exception as exc:
            await _handle_exception(handlers, exc, scope, receive, tracking, None)
    except Exception as exc:
        await errors._answer(exc, scope, receive, send, sender)
        raise
