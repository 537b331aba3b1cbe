"""``Starlette``: the application, a router inside error handling and middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from starlette_c import _lane
from starlette_c.datastructures import State, URLPath
from starlette_c.middleware import Middleware, _MiddlewareFactory
from starlette_c.middleware.body_limit import RequestBodyLimitMiddleware
from starlette_c.middleware.errors import ServerErrorMiddleware
from starlette_c.middleware.exceptions import ExceptionMiddleware
from starlette_c.requests import Request
from starlette_c.responses import Response
from starlette_c.routing import BaseRoute, Router, _layered
from starlette_c.types import ASGIApp, ExceptionHandler, Lifespan

AppType = TypeVar("AppType", bound="Starlette")
P = ParamSpec("P")


def _is_server_error_key(key: Any) -> bool:
    """Whether an ``exception_handlers`` key configures ServerErrorMiddleware (500 or ``Exception``)."""
    return key in (500, Exception)


class Starlette:
    """The application.

    * ``debug`` - answer unhandled errors with a traceback instead of a plain 500.
    * ``routes`` - the HTTP and WebSocket routes.
    * ``middleware`` - run on every request, inside the server error handler and outside the exception handlers.
    * ``exception_handlers`` - keyed by status code or exception class; ``500`` or ``Exception`` handles
      the errors that reach the server error handler.
    * ``lifespan`` - an async context manager factory run around the application's life.
    * ``max_body_size`` - the largest request body accepted, in bytes (``None``: no limit); routes, mounts
      and routers can set their own, which applies once they are reached.
    """

    def __init__(
        self: AppType, debug: bool = False, routes: Sequence[BaseRoute] | None = None,
        middleware: Sequence[Middleware] | None = None,
        exception_handlers: Mapping[Any, ExceptionHandler] | None = None, lifespan: Lifespan[AppType] | None = None,
        *, max_body_size: int | None = None,
    ) -> None:  # fmt: skip
        self.debug = debug
        self.state = State()
        self.router = Router(routes, lifespan=lifespan)
        self.exception_handlers = dict(exception_handlers or {})
        self.user_middleware = list(middleware or ())
        self.middleware_stack: ASGIApp | None = None
        self.max_body_size = max_body_size

    def _layers(self) -> Iterator[Middleware]:
        """The middleware of the stack, outermost first; the router sits inside the last."""
        handlers = self.exception_handlers
        server_error = [value for key, value in handlers.items() if _is_server_error_key(key)]
        yield Middleware(ServerErrorMiddleware, handler=server_error[-1] if server_error else None, debug=self.debug)
        # NOTE: the limit sits outside user middleware: a body they read counts too.
        # NOTE: read with a default: a subclass (FastAPI) may set up its attributes without calling __init__.
        limit: int | None = getattr(self, "max_body_size", None)
        if limit is not None:
            yield Middleware(RequestBodyLimitMiddleware, max_body_size=limit)
        yield from self.user_middleware
        by_status_or_class = {key: value for key, value in handlers.items() if not _is_server_error_key(key)}
        yield Middleware(ExceptionMiddleware, handlers=by_status_or_class, debug=self.debug)

    def build_middleware_stack(self) -> ASGIApp:
        return _layered(self.router, list(self._layers()))

    # PERF: the stack serves each connection from the lane's entry point, in one coroutine when it is stock.
    __call__ = _lane.serve_app

    def _build_stack(self) -> ASGIApp:
        self.middleware_stack = self.build_middleware_stack()
        return self.middleware_stack

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
        self, path: str, route: Callable[[Request], Awaitable[Response] | Response],
        methods: list[str] | None = None, name: str | None = None, include_in_schema: bool = True,
    ) -> None:  # fmt: skip
        self.router.add_route(path, route, methods=methods, name=name, include_in_schema=include_in_schema)

    @property
    def routes(self) -> list[BaseRoute]:
        return self.router.routes

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        return self.router.url_path_for(name, **path_params)
