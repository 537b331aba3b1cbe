"""Routes, mounts, hosts and the Router that dispatches between them."""

from __future__ import annotations

import contextlib
import functools
import inspect
import traceback
import types
import warnings
from collections.abc import Awaitable, Callable, Collection, Generator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager
from enum import Enum
from re import Pattern
from typing import Any, TypeVar

from starlette_c._backend import routing as _impl
from starlette_c._exception_handler import (
    _NO_HANDLERS,
    _SCOPE_KEY,
    _handle_exception,
    _start_tracking,
)
from starlette_c._exception_handler import wrap_app_handling_exceptions as wrap_app_handling_exceptions
from starlette_c._route_index import Filing, RouteList, filing
from starlette_c._utils import get_route_path, is_async_callable
from starlette_c.concurrency import run_in_threadpool
from starlette_c.convertors import CONVERTOR_TYPES as CONVERTOR_TYPES
from starlette_c.convertors import Convertor
from starlette_c.datastructures import URL, URLPath
from starlette_c.datastructures import Headers as Headers
from starlette_c.exceptions import HTTPException
from starlette_c.middleware import Middleware
from starlette_c.requests import Request
from starlette_c.responses import _STOCK_CALL as _STOCK_RESPONSE_CALL
from starlette_c.responses import PlainTextResponse, RedirectResponse, Response
from starlette_c.types import ASGIApp, Lifespan, Receive, Scope, Send
from starlette_c.websockets import WebSocket, WebSocketClose

_T = TypeVar("_T")

PARAM_REGEX = _impl.PARAM_REGEX
compile_path = _impl.compile_path
_match_path = _impl.match_path
_match_mount = _impl.match_mount
_host_from_headers = _impl.host_from_headers


class NoMatchFound(Exception):
    """Raised by ``url_path_for`` when no route has that name and exactly those parameters."""

    def __init__(self, name: str, path_params: dict[str, Any]) -> None:
        params = ", ".join(path_params)
        super().__init__(f'No route exists for name "{name}" and params "{params}".')


class Match(Enum):
    NONE = 0
    PARTIAL = 1
    FULL = 2


RequestHandler = Callable[[Request], Awaitable[Any]]


def _request_handler(func: Callable[[Request], Awaitable[Response] | Response]) -> RequestHandler:
    """What ``request_response`` awaits with the request: ``func``, or a sync ``func`` run in the threadpool."""
    return func if is_async_callable(func) else functools.partial(run_in_threadpool, func)  # type: ignore[call-arg]


def request_response(func: Callable[[Request], Awaitable[Response] | Response]) -> ASGIApp:
    """Turn ``func(request) -> response`` (sync functions run in the threadpool) into an ASGI app."""
    handler = _request_handler(func)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        # PERF: wrap_app_handling_exceptions inlined: no closures per request, one tracking send shared.
        sender = _start_tracking(send)
        try:
            response = await handler(request)
            # NOTE: looked up on the type, as calling it would; any other __call__ (a subclass's) is called.
            if type(response).__call__ is not _STOCK_RESPONSE_CALL:
                await response(scope, receive, sender)
                return
            # PERF: what the stock Response.__call__ does for HTTP, without its coroutine frame; sent past the
            # tracker, marked started first as its call would do (it costs more than that).
            sender.started = True
            start = {"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers}
            await sender.send(start)
            await sender.send({"type": "http.response.body", "body": response.body})
            if response.background is not None:
                await response.background()
        except Exception as exc:
            await _handle_exception(scope.get(_SCOPE_KEY) or _NO_HANDLERS, exc, scope, receive, sender, request)

    return app


def websocket_session(func: Callable[[WebSocket], Awaitable[None]]) -> ASGIApp:
    """Turn ``async func(websocket)`` into an ASGI app."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        session = WebSocket(scope, receive=receive, send=send)
        # PERF: wrap_app_handling_exceptions inlined, as in request_response.
        sender = _start_tracking(send)
        try:
            await func(session)
        except Exception as exc:
            await _handle_exception(scope.get(_SCOPE_KEY) or _NO_HANDLERS, exc, scope, receive, sender, session)

    return app


def get_name(endpoint: Callable[..., Any]) -> str:
    return getattr(endpoint, "__name__", endpoint.__class__.__name__)


def replace_params(
    path: str, param_convertors: dict[str, Convertor[Any]], path_params: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """Fill ``{name}`` placeholders of ``path``; the used keys are removed from ``path_params``, which is returned."""
    for key, value in list(path_params.items()):
        placeholder = "{" + key + "}"
        if placeholder in path:
            path = path.replace(placeholder, param_convertors[key].to_string(value))
            path_params.pop(key)
    return path, path_params


def _is_plain_function(endpoint: Callable[..., Any]) -> bool:
    while isinstance(endpoint, functools.partial):
        endpoint = endpoint.func
    return inspect.isfunction(endpoint) or inspect.ismethod(endpoint)


def _wrap_middleware(app: ASGIApp, middleware: Sequence[Middleware] | None) -> ASGIApp:
    for cls, args, kwargs in reversed(middleware or ()):
        app = cls(app, *args, **kwargs)
    return app


class BaseRoute:
    # NOTE: set by a Route: the stock request_response app built for its endpoint and the handler that app
    # awaits; trusted while the route's ``app`` is still that app (no route middleware, not replaced).
    _direct: tuple[ASGIApp, RequestHandler] | None = None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        raise NotImplementedError()

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NotImplementedError()

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve as a standalone ASGI app: 404 (or a websocket close) unless the route matches."""
        match, child_scope = self.matches(scope)
        if match is Match.NONE:
            if scope["type"] == "http":
                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            elif scope["type"] == "websocket":
                await WebSocketClose()(scope, receive, send)
            return
        scope.update(child_scope)
        await self.handle(scope, receive, send)


class Route(BaseRoute):
    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        assert path.startswith("/"), "Routed paths must start with '/'"
        self.path = path
        self.endpoint = endpoint
        self.name = get_name(endpoint) if name is None else name
        self.include_in_schema = include_in_schema

        if _is_plain_function(endpoint):
            self.app = request_response(endpoint)
            if request_response is _STOCK_REQUEST_RESPONSE:
                # PERF: the stock stack awaits the handler itself while ``app`` is still this stock wrapper.
                self._direct = (self.app, _request_handler(endpoint))
            if methods is None:
                methods = ["GET"]
        else:
            self.app = endpoint
        self.app = _wrap_middleware(self.app, middleware)

        self.methods: set[str] | None = None
        if methods is not None:
            self.methods = {method.upper() for method in methods}
            if "GET" in self.methods:
                self.methods.add("HEAD")

        self.path_regex, self.path_format, self.param_convertors = compile_path(path)
        if not self.param_convertors:
            self._literal = (path, self.path_regex)

    # NOTE: set only for a path without parameters: the one path its regex matches (routes match whole paths),
    # trusted while path_regex is still that compiled one. A subclass skipping __init__ (FastAPI's APIRoute)
    # keeps the regex.
    _literal: tuple[str, Pattern[str]] | None = None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return _route_matcher.route(self, scope)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if name != self.name or path_params.keys() != self.param_convertors.keys():
            raise NoMatchFound(name, path_params)
        path, _ = replace_params(self.path_format, self.param_convertors, path_params)
        return URLPath(path=path, protocol="http")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods and scope["method"] not in self.methods:
            # NOTE: sorted, so that the header is stable (the reference's order depends on set hashing).
            headers = {"Allow": ", ".join(sorted(self.methods))}
            if "app" in scope:
                raise HTTPException(status_code=405, headers=headers)
            await PlainTextResponse("Method Not Allowed", status_code=405, headers=headers)(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def __eq__(self, other: Any) -> bool:
        return (
            isinstance(other, Route)
            and self.path == other.path
            and self.endpoint == other.endpoint
            and self.methods == other.methods
        )

    def __repr__(self) -> str:
        methods = sorted(self.methods or [])
        return f"{self.__class__.__name__}(path={self.path!r}, name={self.name!r}, methods={methods!r})"


class WebSocketRoute(BaseRoute):
    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        assert path.startswith("/"), "Routed paths must start with '/'"
        self.path = path
        self.endpoint = endpoint
        self.name = get_name(endpoint) if name is None else name

        self.app = websocket_session(endpoint) if _is_plain_function(endpoint) else endpoint
        self.app = _wrap_middleware(self.app, middleware)

        self.path_regex, self.path_format, self.param_convertors = compile_path(path)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "websocket":
            path_params = _match_path(self.path_regex, self.param_convertors, get_route_path(scope), scope)
            if path_params is not None:
                return Match.FULL, {"endpoint": self.endpoint, "path_params": path_params}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if name != self.name or path_params.keys() != self.param_convertors.keys():
            raise NoMatchFound(name, path_params)
        path, _ = replace_params(self.path_format, self.param_convertors, path_params)
        return URLPath(path=path, protocol="websocket")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, WebSocketRoute) and self.path == other.path and self.endpoint == other.endpoint

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(path={self.path!r}, name={self.name!r})"


class Mount(BaseRoute):
    def __init__(
        self,
        path: str,
        app: ASGIApp | None = None,
        routes: Sequence[BaseRoute] | None = None,
        name: str | None = None,
        *,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        assert path == "" or path.startswith("/"), "Routed paths must start with '/'"
        assert app is not None or routes is not None, "Either 'app=...', or 'routes=' must be specified"
        self.path = path.rstrip("/")
        self._base_app: ASGIApp = Router(routes=routes) if app is None else app
        self.app = _wrap_middleware(self._base_app, middleware)
        self.name = name
        self.path_regex, self.path_format, self.param_convertors = compile_path(self.path + "/{path:path}")

    @property
    def routes(self) -> list[BaseRoute]:
        return getattr(self._base_app, "routes", [])

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] in ("http", "websocket"):
            matched = _match_mount(self.path_regex, self.param_convertors, get_route_path(scope), scope)
            if matched is not None:
                path_params, matched_path = matched
                root_path = scope.get("root_path", "")
                child_scope = {
                    "path_params": path_params,
                    "app_root_path": scope.get("app_root_path", root_path),
                    "root_path": root_path + matched_path,
                    "endpoint": self.app,
                }
                return Match.FULL, child_scope
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if self.name is not None and name == self.name and "path" in path_params:
            path_params["path"] = path_params["path"].lstrip("/")
            path, remaining_params = replace_params(self.path_format, self.param_convertors, path_params)
            if not remaining_params:
                return URLPath(path=path)
        elif self.name is None or name.startswith(self.name + ":"):
            remaining_name = name if self.name is None else name[len(self.name) + 1 :]
            path_kwarg = path_params.get("path")
            path_params["path"] = ""
            path_prefix, remaining_params = replace_params(self.path_format, self.param_convertors, path_params)
            if path_kwarg is not None:
                remaining_params["path"] = path_kwarg
            for route in self.routes or []:
                try:
                    url = route.url_path_for(remaining_name, **remaining_params)
                except NoMatchFound:
                    continue
                return URLPath(path=path_prefix.rstrip("/") + str(url), protocol=url.protocol)
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Mount) and self.path == other.path and self.app == other.app

    def __repr__(self) -> str:
        name = self.name or ""
        return f"{self.__class__.__name__}(path={self.path!r}, name={name!r}, app={self.app!r})"


class Host(BaseRoute):
    def __init__(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        assert not host.startswith("/"), "Host must not start with '/'"
        self.host = host
        self.app = app
        self.name = name
        self.host_regex, self.host_format, self.param_convertors = compile_path(host)

    @property
    def routes(self) -> list[BaseRoute]:
        return getattr(self.app, "routes", [])

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] in ("http", "websocket"):
            host = _host_from_headers(scope.get("headers", ()))
            path_params = _match_path(self.host_regex, self.param_convertors, host, scope)
            if path_params is not None:
                return Match.FULL, {"path_params": path_params, "endpoint": self.app}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if self.name is not None and name == self.name and "path" in path_params:
            path = path_params.pop("path")
            host, remaining_params = replace_params(self.host_format, self.param_convertors, path_params)
            if not remaining_params:
                return URLPath(path=path, host=host)
        elif self.name is None or name.startswith(self.name + ":"):
            remaining_name = name if self.name is None else name[len(self.name) + 1 :]
            host, remaining_params = replace_params(self.host_format, self.param_convertors, path_params)
            for route in self.routes or []:
                try:
                    url = route.url_path_for(remaining_name, **remaining_params)
                except NoMatchFound:
                    continue
                return URLPath(path=str(url), protocol=url.protocol, host=host)
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Host) and self.host == other.host and self.app == other.app

    def __repr__(self) -> str:
        name = self.name or ""
        return f"{self.__class__.__name__}(host={self.host!r}, name={name!r}, app={self.app!r})"


# NOTE: the methods as defined here: one patched onto the class later counts as an override, as a subclass's does.
_STOCK_MATCHES: dict[type[BaseRoute], Callable[..., Any]] = {
    Route: Route.matches,
    WebSocketRoute: WebSocketRoute.matches,
    Mount: Mount.matches,
}
_STOCK_ROUTE_HANDLE = Route.handle
_STOCK_REQUEST_RESPONSE = request_response


class _AsyncLiftContextManager(AbstractAsyncContextManager[_T]):
    """A synchronous context manager driven through ``async with``."""

    def __init__(self, cm: AbstractContextManager[_T]):
        self._cm = cm

    async def __aenter__(self) -> _T:
        return self._cm.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> bool | None:
        return self._cm.__exit__(exc_type, exc_value, traceback)


def _wrap_gen_lifespan_context(
    lifespan_context: Callable[[Any], Generator[Any, Any, Any]],
) -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    cmgr = contextlib.contextmanager(lifespan_context)

    @functools.wraps(cmgr)
    def wrapper(app: Any) -> _AsyncLiftContextManager[Any]:
        return _AsyncLiftContextManager(cmgr(app))

    return wrapper


class _DefaultLifespan:
    """The lifespan of a Router given none: nothing happens at startup or shutdown."""

    def __init__(self, router: Router):
        self._router = router

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    def __call__(self: _T, app: object) -> _T:
        return self


_DEPRECATED_LIFESPAN = "{} lifespans are deprecated, use an @contextlib.asynccontextmanager function instead"


def _route_filing(route: BaseRoute) -> Filing:
    """Where the route index files ``route``: by its path template when it matches the stock way."""
    kind: type[BaseRoute]
    if isinstance(route, Mount):
        kind, template = Mount, route.path + "/{path:path}"
    elif isinstance(route, Route):
        kind, template = Route, route.path
    elif isinstance(route, WebSocketRoute):
        kind, template = WebSocketRoute, route.path
    else:
        return None  # NOTE: a Host (or another kind of route) can match any path.
    if type(route).matches is not _STOCK_MATCHES[kind] or "matches" in route.__dict__:
        # NOTE: matches overridden (FastAPI's APIRoute does): what the route matches is unknown.
        return None
    return filing(template, route.path_regex, route.param_convertors.values())


_route_matcher = _impl.RouteMatcher(
    Route.matches, Match.FULL, Match.PARTIAL, Match.NONE, _route_filing, _STOCK_ROUTE_HANDLE
)


class Router:
    def __init__(
        self,
        routes: Sequence[BaseRoute] | None = None,
        redirect_slashes: bool = True,
        default: ASGIApp | None = None,
        lifespan: Lifespan[Any] | None = None,
        *,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        self.routes = [] if routes is None else routes
        self.redirect_slashes = redirect_slashes
        self.default = self.not_found if default is None else default

        self.lifespan_context: Callable[[Any], AbstractAsyncContextManager[Any]]
        # NOTE: stacklevel=1 attributes the warnings to this module, so module-based filters catch them.
        if lifespan is None:
            self.lifespan_context = _DefaultLifespan(self)
        elif inspect.isasyncgenfunction(lifespan):
            warnings.warn(_DEPRECATED_LIFESPAN.format("async generator function"), DeprecationWarning, stacklevel=1)
            self.lifespan_context = asynccontextmanager(lifespan)
        elif inspect.isgeneratorfunction(lifespan):
            warnings.warn(_DEPRECATED_LIFESPAN.format("generator function"), DeprecationWarning, stacklevel=1)
            self.lifespan_context = _wrap_gen_lifespan_context(lifespan)
        else:
            self.lifespan_context = lifespan

        own_app = self.app
        # NOTE: the stack that __call__ may bypass: the stock Router.app itself (no middleware, no override).
        self._bypassable_stack: object = own_app if type(self).app is _STOCK_ROUTER_APP else None
        self.middleware_stack = _wrap_middleware(own_app, middleware)

    @property
    def routes(self) -> list[BaseRoute]:
        return self._routes

    @routes.setter
    def routes(self, routes: Iterable[BaseRoute]) -> None:
        # NOTE: kept as a RouteList copy (a list that tells the route index of every change), so a list
        # assigned here and changed afterwards through another name does not reach the router.
        self._routes: RouteList[BaseRoute] = RouteList(routes)

    async def not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
            return
        # NOTE: inside an application the exception handlers render the 404; a bare Router answers itself.
        if "app" in scope:
            raise HTTPException(status_code=404)
        await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)

    async def lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the lifespan protocol: startup, wait for shutdown, report failures to the server."""
        started = False
        await receive()
        try:
            async with self.lifespan_context(scope.get("app")) as maybe_state:
                if maybe_state is not None:
                    if "state" not in scope:
                        raise RuntimeError('The server does not support "state" in the lifespan scope.')
                    scope["state"].update(maybe_state)
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()
        except BaseException:
            message = traceback.format_exc()
            failed = "lifespan.shutdown.failed" if started else "lifespan.startup.failed"
            await send({"type": failed, "message": message})
            raise
        else:
            await send({"type": "lifespan.shutdown.complete"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stack = self.middleware_stack
        # PERF: while the stack is still the stock ``self.app`` it is run without that coroutine layer.
        if stack is self._bypassable_stack:
            await self._dispatch(scope, receive, send)
        else:
            await stack(scope, receive, send)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._dispatch(scope, receive, send)

    def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """The awaitable that serves ``scope``: the lifespan, the matching route, a slash redirect or the default."""
        assert scope["type"] in ("http", "websocket", "lifespan")

        if "router" not in scope:
            scope["router"] = self

        if scope["type"] == "lifespan":
            return self.lifespan(scope, receive, send)

        route, child_scope = _route_matcher.routes(self._routes, scope)
        return self._serve_match(route, child_scope, scope, receive, send)

    def _serve_match(
        self,
        route: BaseRoute | None,
        child_scope: Scope,
        scope: Scope,
        receive: Receive,
        send: Send,
        default: ASGIApp | None = None,
    ) -> Awaitable[None]:
        """The awaitable that serves ``scope`` once ``_match`` gave ``route`` (None: a slash redirect or the default).

        ``default`` stands in for ``self.default`` when given.
        """
        if route is not None:
            scope.update(child_scope)
            if _route_matcher.serves(route, scope):
                # PERF: what the stock Route.handle does for an allowed method, without its coroutine frame.
                stock_route: Route = route  # type: ignore[assignment]
                return stock_route.app(scope, receive, send)
            return route.handle(scope, receive, send)

        if scope["type"] == "http" and self.redirect_slashes:
            redirect_scope = self._slash_redirect_scope(scope)
            if redirect_scope is not None:
                return RedirectResponse(url=str(URL(scope=redirect_scope)))(scope, receive, send)

        return (default or self.default)(scope, receive, send)

    def _match(self, scope: Scope) -> tuple[BaseRoute | None, Scope]:
        """The first route matching fully, else the first matching partially (e.g. wrong method).

        Only the routes the index gives for the path are tried.
        """
        return _route_matcher.routes(self._routes, scope)

    def _slash_redirect_scope(self, scope: Scope) -> Scope | None:
        """The scope with the trailing slash toggled, when some route would match that path."""
        route_path = get_route_path(scope)
        if route_path == "/":
            return None
        redirect_scope = dict(scope)
        if route_path.endswith("/"):
            redirect_scope["path"] = redirect_scope["path"].rstrip("/")
        else:
            redirect_scope["path"] = redirect_scope["path"] + "/"
        route, _ = self._match(redirect_scope)
        return None if route is None else redirect_scope

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Router) and self.routes == other.routes

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        self.routes.append(Mount(path, app=app, name=name))

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        self.routes.append(Host(host, app=app, name=name))

    def add_route(
        self,
        path: str,
        endpoint: Callable[[Request], Awaitable[Response] | Response],
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        route = Route(path, endpoint=endpoint, methods=methods, name=name, include_in_schema=include_in_schema)
        self.routes.append(route)

    def add_websocket_route(
        self,
        path: str,
        endpoint: Callable[[WebSocket], Awaitable[None]],
        name: str | None = None,
    ) -> None:
        self.routes.append(WebSocketRoute(path, endpoint=endpoint, name=name))


# NOTE: as defined here: patched onto the class later (instrumentation does), they are overrides, never bypassed.
_STOCK_ROUTER_APP = Router.app
_STOCK_ROUTER_CALL = Router.__call__
_STOCK_NOT_FOUND = Router.not_found
