"""``Starlette``: the application, tying routing, middleware and exception handling together."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from starlette_c._dispatch import StockStack, stock_stack
from starlette_c._exception_handler import _SCOPE_KEY, _handle_exception, _start_tracking
from starlette_c.datastructures import State, URLPath
from starlette_c.middleware import Middleware, _MiddlewareFactory
from starlette_c.middleware.errors import ServerErrorMiddleware
from starlette_c.middleware.exceptions import ExceptionMiddleware
from starlette_c.requests import Request
from starlette_c.responses import _STOCK_CALL as _STOCK_RESPONSE_CALL
from starlette_c.responses import Response
from starlette_c.routing import BaseRoute, Router, _route_matcher
from starlette_c.types import ASGIApp, ExceptionHandler, Lifespan, Receive, Scope, Send

AppType = TypeVar("AppType", bound="Starlette")
P = ParamSpec("P")

# Keys of ``exception_handlers`` that configure ServerErrorMiddleware rather than ExceptionMiddleware.
_SERVER_ERROR_KEYS = (500, Exception)


class Starlette:
    """Create an application instance.

    * ``debug`` - return tracebacks instead of plain 500 responses when errors occur.
    * ``routes`` - the routes served over HTTP and WebSocket.
    * ``middleware`` - middleware to run on every request; the application is always wrapped
      by ``ServerErrorMiddleware`` outside them and ``ExceptionMiddleware`` inside them.
    * ``exception_handlers`` - handlers keyed by status code (``int``) or exception class;
      ``500`` or ``Exception`` configure the outermost server error handler.
    * ``lifespan`` - an async context manager factory run at startup and shutdown.
    """

    # NOTE: a class default, since subclasses (FastAPI) may set up their attributes without calling __init__.
    _stock_stack: StockStack | None = None

    def __init__(
        self: AppType,
        debug: bool = False,
        routes: Sequence[BaseRoute] | None = None,
        middleware: Sequence[Middleware] | None = None,
        exception_handlers: Mapping[Any, ExceptionHandler] | None = None,
        lifespan: Lifespan[AppType] | None = None,
    ) -> None:
        self.debug = debug
        self.state = State()
        self.router = Router(routes, lifespan=lifespan)
        self.exception_handlers = {} if exception_handlers is None else dict(exception_handlers)
        self.user_middleware = [] if middleware is None else list(middleware)
        self.middleware_stack: ASGIApp | None = None

    def build_middleware_stack(self) -> ASGIApp:
        debug = self.debug
        error_handler = None
        exception_handlers: dict[Any, ExceptionHandler] = {}
        for key, value in self.exception_handlers.items():
            if key in _SERVER_ERROR_KEYS:
                error_handler = value
            else:
                exception_handlers[key] = value

        middleware = [
            Middleware(ServerErrorMiddleware, handler=error_handler, debug=debug),
            *self.user_middleware,
            Middleware(ExceptionMiddleware, handlers=exception_handlers, debug=debug),
        ]
        app: ASGIApp = self.router
        for cls, args, kwargs in reversed(middleware):
            app = cls(app, *args, **kwargs)
        return app

    @property
    def routes(self) -> list[BaseRoute]:
        return self.router.routes

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        return self.router.url_path_for(name, **path_params)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self
        stack = self.middleware_stack
        if stack is None:
            stack = self.middleware_stack = self.build_middleware_stack()
            self._stock_stack = stock_stack(stack)
        stock = self._stock_stack
        if stock is None or scope["type"] != "http":
            await stack(scope, receive, send)
            return
        errors, exceptions, router = stock.errors, stock.exceptions, stock.router
        if (
            stack is not errors
            or errors.app is not exceptions
            or exceptions.app is not router
            or router.middleware_stack is not router._bypassable_stack
        ):
            await stack(scope, receive, send)  # NOTE: rewired since it was built: served as it is now.
            return
        # PERF: the stock stack served here, in one coroutine: what ServerErrorMiddleware, ExceptionMiddleware, the
        # router, Route.handle, the request_response app and Response.__call__ do, nested the same way.
        sender = _start_tracking(send)
        try:
            handlers = scope[_SCOPE_KEY] = (exceptions._exception_handlers, exceptions._status_handlers)
            try:
                if "router" not in scope:
                    scope["router"] = router
                route, child_scope = _route_matcher.routes(router._routes, scope)
                handler = _route_matcher.direct_handler(route, scope)
                if handler is None:
                    await router._serve_match(route, child_scope, scope, receive, sender, stock.not_found)
                    return
                scope.update(child_scope)
                request = Request(scope, receive, sender)
                try:
                    response = await handler(request)
                    # NOTE: looked up on the type, as calling it would; any other __call__ (a subclass's) is called.
                    if type(response).__call__ is not _STOCK_RESPONSE_CALL:
                        await response(scope, receive, sender)
                        return
                    # PERF: sent past the tracker, marked started first as its call would do (it costs more than that).
                    sender.started = True
                    start = {
                        "type": "http.response.start",
                        "status": response.status_code,
                        "headers": response.raw_headers,
                    }
                    await sender.send(start)
                    await sender.send({"type": "http.response.body", "body": response.body})
                    if response.background is not None:
                        await response.background()
                except Exception as exc:
                    await _handle_exception(handlers, exc, scope, receive, sender, request)
            except Exception as exc:
                await _handle_exception(handlers, exc, scope, receive, sender, None)
        except Exception as exc:
            await errors._answer(exc, scope, receive, send, sender)
            raise

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        self.router.mount(path, app=app, name=name)

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        self.router.host(host, app=app, name=name)

    def add_middleware(self, middleware_class: _MiddlewareFactory[P], *args: P.args, **kwargs: P.kwargs) -> None:
        if self.middleware_stack is not None:
            raise RuntimeError("Cannot add middleware after an application has started")
        self.user_middleware.insert(0, Middleware(middleware_class, *args, **kwargs))

    def add_exception_handler(self, exc_class_or_status_code: int | type[Exception], handler: ExceptionHandler) -> None:
        self.exception_handlers[exc_class_or_status_code] = handler

    def add_route(
        self,
        path: str,
        route: Callable[[Request], Awaitable[Response] | Response],
        methods: list[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        self.router.add_route(path, route, methods=methods, name=name, include_in_schema=include_in_schema)
