"""Routes, mounts, hosts and the Router that picks between them."""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from enum import Enum
from types import CodeType
from typing import Any, ClassVar, Literal

from starlette_c import _route_index
from starlette_c._backend import routing as _impl
from starlette_c._exception_handler import (
    _NO_HANDLERS,
    _SCOPE_KEY,
    _handle_exception,
    _start_tracking,
    _StartTrackingSend,
)
from starlette_c._exception_handler import wrap_app_handling_exceptions as wrap_app_handling_exceptions
from starlette_c._route_index import Filing, RouteList, filing
from starlette_c._stock import stock
from starlette_c._utils import is_async_callable, parse_raw_host, warn_from_module
from starlette_c.concurrency import run_in_threadpool
from starlette_c.convertors import CONVERTOR_TYPES as CONVERTOR_TYPES
from starlette_c.convertors import Convertor
from starlette_c.datastructures import URL, URLPath
from starlette_c.datastructures import Headers as Headers
from starlette_c.exceptions import HTTPException, StarletteDeprecationWarning
from starlette_c.middleware import Middleware
from starlette_c.middleware._raw_headers import get_value
from starlette_c.middleware.body_limit import RequestBodyLimitMiddleware
from starlette_c.requests import Request as Request
from starlette_c.responses import PlainTextResponse, RedirectResponse, Response
from starlette_c.types import ASGIApp, Lifespan, Receive, Scope, Send
from starlette_c.websockets import WebSocket, WebSocketClose

PARAM_REGEX = _impl.PARAM_REGEX
# The placeholders of a path format (``compile_path``'s second result): names only, convertors already applied.
PARAM_FORMAT_REGEX = re.compile("{([a-zA-Z_][a-zA-Z0-9_]*)}")
compile_path = _impl.compile_path
get_route_path = _impl.get_route_path


class NoMatchFound(Exception):
    """Raised by ``url_path_for`` when no route has that name and exactly those parameters."""

    def __init__(self, name: str, path_params: dict[str, Any]) -> None:
        super().__init__(f'No route exists for name "{name}" and params "{", ".join(path_params)}".')


class Match(Enum):
    NONE = 0
    PARTIAL = 1
    FULL = 2


def _awaitable(func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """``func`` when it is async, else ``func`` run in the threadpool."""
    return func if is_async_callable(func) else functools.partial(run_in_threadpool, func)


async def _converse(endpoint: Callable[[WebSocket], Awaitable[None]], session: WebSocket, *_: Any) -> None:
    await endpoint(session)


async def serve_endpoint(
    endpoint: Callable[..., Awaitable[Any]],
    request: Request,
    scope: Scope,
    receive: Receive,
    sender: _StartTrackingSend,
) -> None:
    """Send what ``endpoint(request)`` answers through ``sender``; its exceptions go to the handlers ``scope`` carries.

    ``sender`` tracks the start of the response below this point: nothing may have been sent through it yet.
    """
    handlers = scope.get(_SCOPE_KEY) or _NO_HANDLERS
    try:
        response = await endpoint(request)
        await response(scope, receive, sender)
    except Exception as exc:
        await _handle_exception(handlers, exc, scope, receive, sender, request)


def request_response(func: Callable[[Request], Awaitable[Response] | Response]) -> ASGIApp:
    """An ASGI app that sends what ``func(request)`` returns (a sync ``func`` runs in the threadpool)."""
    endpoint = _awaitable(func)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await serve_endpoint(endpoint, Request(scope, receive, send), scope, receive, _start_tracking(send))

    # NOTE: the lane serves this app as the app itself does: serve_endpoint(endpoint, Request(...), ...).
    app.lane_endpoint = endpoint  # type: ignore[attr-defined]
    return app


# NOTE: the code of every app request_response makes. The lane serves a route's app itself only when the app is a
# function running this code: a wrapper that copied its attributes (functools.wraps), a mock or a proxy is called.
# NOTE: found by name: the constants also hold other code (an __annotate__ function from Python 3.14 on).
REQUEST_RESPONSE_APP_CODE = next(
    const for const in request_response.__code__.co_consts if isinstance(const, CodeType) and const.co_name == "app"
)


def websocket_session(func: Callable[[WebSocket], Awaitable[None]]) -> ASGIApp:
    """An ASGI app that runs ``await func(websocket)``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        session = WebSocket(scope, receive=receive, send=send)
        await wrap_app_handling_exceptions(functools.partial(_converse, func, session), session)(scope, receive, send)

    return app


def get_name(endpoint: Callable[..., Any]) -> str:
    return getattr(endpoint, "__name__", endpoint.__class__.__name__)


def replace_params(
    path: str, param_convertors: dict[str, Convertor[Any]], path_params: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """Fill the ``{name}`` placeholders of the format ``path`` in one pass; the used keys leave ``path_params``.

    NOTE: one pass, so a value that looks like a placeholder stays as it is (1.10); a name is filled once.
    """

    def fill(placeholder: re.Match[str]) -> str:
        name = placeholder[1]
        if name not in path_params:
            return placeholder[0]
        return param_convertors[name].to_string(path_params.pop(name))

    return PARAM_FORMAT_REGEX.sub(fill, path), path_params


def _is_endpoint_function(endpoint: Callable[..., Any]) -> bool:
    """Whether ``endpoint`` (under any partials) is a function or method, rather than an ASGI app."""
    while isinstance(endpoint, functools.partial):
        endpoint = endpoint.func
    return inspect.isfunction(endpoint) or inspect.ismethod(endpoint)


def _layered(app: ASGIApp, middleware: Sequence[Middleware] | None, max_body_size: int | None = None) -> ASGIApp:
    """``app`` inside ``middleware`` (the first listed outermost), all inside the body limit when one is set."""
    for factory, args, kwargs in reversed(middleware or ()):
        app = factory(app, *args, **kwargs)
    return app if max_body_size is None else RequestBodyLimitMiddleware(app, max_body_size)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    """What a route called as an app answers for a connection it does not match."""
    kind = scope["type"]
    if kind == "websocket":
        await WebSocketClose()(scope, receive, send)
    elif kind == "http":
        await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)


# The attributes the route index files a route by: assigning one to a filed route rebuilds the indexes.
_FILED_BY = frozenset({"path", "path_regex", "param_convertors", "matches"})


class BaseRoute:
    # NOTE: an opt-in for subclasses that override ``matches`` (see ``Route``); a stock route is indexed anyway.
    indexed_by_path: ClassVar[bool] = False

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        raise NotImplementedError()

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NotImplementedError()

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve as a standalone ASGI app: the route when it matches, else a 404 or a websocket close."""
        verdict, child_scope = self.matches(scope)
        if verdict is Match.NONE:
            await _refuse(scope, receive, send)
            return
        scope.update(child_scope)
        await self.handle(scope, receive, send)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        # NOTE: a route edited in place after an index filed it (route.path_regex = ...) must not be skipped.
        if name in _FILED_BY and "_filed" in self.__dict__:
            _route_index.note_edit()


def _endpoint_url(
    route: Route | WebSocketRoute, name: str, params: dict[str, Any], protocol: Literal["http", "websocket"]
) -> URLPath:
    """The URL of a route serving one endpoint, when ``name`` is its name and ``params`` are exactly its own."""
    if name == route.name and params.keys() == route.param_convertors.keys():
        return URLPath(path=replace_params(route.path_format, route.param_convertors, params)[0], protocol=protocol)
    raise NoMatchFound(name, params)


class Route(BaseRoute):
    """An HTTP endpoint at a path.

    A router looks routes up by path through an index. A subclass that overrides ``matches`` is tried for
    every path, unless it sets ``indexed_by_path = True``: a promise that its ``matches`` answers
    ``Match.NONE``, and does nothing else, wherever ``Route.matches`` would (it only narrows or decorates
    it), so that the index may leave it out for paths its template cannot match. The opt-in covers the
    ``matches`` of the class that sets it (or of its bases), not an override in a subclass below it.
    """

    def __init__(
        self, path: str, endpoint: Callable[..., Any], *,
        methods: Collection[str] | None = None, name: str | None = None, include_in_schema: bool = True,
        middleware: Sequence[Middleware] | None = None, max_body_size: int | None = None,
    ) -> None:  # fmt: skip
        assert path.startswith("/"), "Routed paths must start with '/'"
        self.path, self.endpoint, self.include_in_schema = path, endpoint, include_in_schema
        self.name = get_name(endpoint) if name is None else name
        served: ASGIApp = endpoint
        if _is_endpoint_function(endpoint):
            served = request_response(endpoint)
            methods = ("GET",) if methods is None else methods
        self.app = _layered(served, middleware, max_body_size)
        self.methods: set[str] | None = None
        if methods is not None:
            upper = {method.upper() for method in methods}
            self.methods = upper | {"HEAD"} if "GET" in upper else upper
        self.path_regex, self.path_format, self.param_convertors = compile_path(path)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return _matcher.route(self, scope)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        return _endpoint_url(self, name, path_params, "http")

    # PERF: the twin's function is the method: compiled, no Python frame per request.
    _allows: Callable[[Scope], bool] = _impl.route_allows  # type: ignore[assignment]

    @stock
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._allows(scope):
            await self.app(scope, receive, send)
            return
        # NOTE: sorted, so the header is stable (the reference lists them in set order).
        allow = {"Allow": ", ".join(sorted(self.methods or ()))}
        if "app" not in scope:
            await PlainTextResponse("Method Not Allowed", status_code=405, headers=allow)(scope, receive, send)
            return
        raise HTTPException(status_code=405, headers=allow)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Route):
            return False
        return (self.path, self.endpoint, self.methods) == (other.path, other.endpoint, other.methods)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self.path!r}, name={self.name!r}, methods={sorted(self.methods or ())!r})"


class WebSocketRoute(BaseRoute):
    def __init__(
        self, path: str, endpoint: Callable[..., Any], *,
        name: str | None = None, middleware: Sequence[Middleware] | None = None,
    ) -> None:  # fmt: skip
        assert path.startswith("/"), "Routed paths must start with '/'"
        self.path, self.endpoint = path, endpoint
        self.name = get_name(endpoint) if name is None else name
        served = websocket_session(endpoint) if _is_endpoint_function(endpoint) else endpoint
        self.app = _layered(served, middleware)
        self.path_regex, self.path_format, self.param_convertors = compile_path(path)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "websocket":
            return Match.NONE, {}
        params = _impl.match_path(self.path_regex, self.param_convertors, get_route_path(scope), scope, self)
        if params is None:
            return Match.NONE, {}
        return Match.FULL, {"endpoint": self.endpoint, "path_params": params}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        return _endpoint_url(self, name, path_params, "websocket")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, WebSocketRoute) and (self.path, self.endpoint) == (other.path, other.endpoint)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self.path!r}, name={self.name!r})"


def _name_below(own: str | None, name: str) -> str | None:
    """The name to look up among the routes of a mount or host called ``own``; None when ``name`` is not below it."""
    if own is None:
        return name
    head, colon, rest = name.partition(":")
    return rest if colon and head == own else None


def _url_among(routes: Iterable[BaseRoute], name: str, params: dict[str, Any]) -> URLPath | None:
    """The URL of the first of ``routes`` that can build ``name`` with ``params``."""
    for route in routes:
        with contextlib.suppress(NoMatchFound):
            return route.url_path_for(name, **params)
    return None


class Mount(BaseRoute):
    def __init__(
        self, path: str, app: ASGIApp | None = None, routes: Sequence[BaseRoute] | None = None,
        name: str | None = None, *,
        middleware: Sequence[Middleware] | None = None, max_body_size: int | None = None,
    ) -> None:  # fmt: skip
        assert path == "" or path.startswith("/"), "Routed paths must start with '/'"
        assert app is not None or routes is not None, "Either 'app=...', or 'routes=' must be specified"
        self.name = name
        self.path = path.rstrip("/")
        self.path_regex, self.path_format, self.param_convertors = compile_path(self.path + "/{path:path}")
        # NOTE: the app itself, without middleware: what ``routes`` reads.
        self._base_app: ASGIApp = Router(routes=routes) if app is None else app
        self.app = _layered(self._base_app, middleware, max_body_size)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] not in ("http", "websocket"):
            return Match.NONE, {}
        found = _impl.match_mount(self.path_regex, self.param_convertors, get_route_path(scope), scope, self)
        if found is None:
            return Match.NONE, {}
        params, consumed = found
        root_path = scope.get("root_path", "")
        return Match.FULL, {
            "path_params": params,
            "app_root_path": scope.get("app_root_path", root_path),
            "root_path": root_path + consumed,
            "endpoint": self.app,
        }

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if name == self.name and "path" in path_params:
            # NOTE: the mount itself, with the rest of the path given.
            path_params["path"] = path_params["path"].lstrip("/")
            path, leftover = replace_params(self.path_format, self.param_convertors, path_params)
            if leftover:
                raise NoMatchFound(name, path_params)
            return URLPath(path=path)
        inner = _name_below(self.name, name)
        if inner is not None:
            rest = path_params.pop("path", None)
            path_params["path"] = ""
            prefix, leftover = replace_params(self.path_format, self.param_convertors, path_params)
            if rest is not None:
                leftover["path"] = rest
            url = _url_among(self.routes or (), inner, leftover)
            if url is not None:
                return URLPath(path=prefix.rstrip("/") + str(url), protocol=url.protocol)
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    @property
    def routes(self) -> list[BaseRoute]:
        return getattr(self._base_app, "routes", [])

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Mount) and (self.path, self.app) == (other.path, other.app)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self.path!r}, name={self.name or ''!r}, app={self.app!r})"


def _request_host(scope: Scope) -> str:
    """The lowercased host name of the first Host header; empty when absent, blank or malformed (1.7, 1.9)."""
    return parse_raw_host(get_value(scope.get("headers") or (), b"host"))[1]


class Host(BaseRoute):
    def __init__(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        assert not host.startswith("/"), "Host must not start with '/'"
        self.host_regex, self.host_format, self.param_convertors = compile_path(host)
        self.host, self.app, self.name = host, app, name

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] not in ("http", "websocket"):
            return Match.NONE, {}
        params = _impl.match_path(self.host_regex, self.param_convertors, _request_host(scope), scope, self)
        if params is None:
            return Match.NONE, {}
        return Match.FULL, {"path_params": params, "endpoint": self.app}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if name == self.name and "path" in path_params:
            # NOTE: the host itself, with the path given.
            path = path_params.pop("path")
            host, leftover = replace_params(self.host_format, self.param_convertors, path_params)
            if leftover:
                raise NoMatchFound(name, path_params)
            return URLPath(path=path, host=host)
        inner = _name_below(self.name, name)
        if inner is not None:
            host, leftover = replace_params(self.host_format, self.param_convertors, path_params)
            url = _url_among(self.routes or (), inner, leftover)
            if url is not None:
                return URLPath(path=str(url), protocol=url.protocol, host=host)
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    @property
    def routes(self) -> list[BaseRoute]:
        return getattr(self.app, "routes", [])

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Host) and (self.host, self.app) == (other.host, other.app)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self.host!r}, name={self.name or ''!r}, app={self.app!r})"


# NOTE: the methods as defined here: one patched onto the class later counts as an override, as a subclass's does.
_STOCK_MATCHES: dict[type[BaseRoute], Callable[..., Any]] = {
    Route: Route.matches,
    WebSocketRoute: WebSocketRoute.matches,
    Mount: Mount.matches,
}


def _route_filing(route: BaseRoute) -> Filing:
    """Where the route index files ``route``: by its path template while it matches the stock way."""
    kind = next((kind for kind in _STOCK_MATCHES if isinstance(route, kind)), None)
    if kind is None:
        return None  # NOTE: a Host (or another kind of route) can match any path.
    # NOTE: marks the route filed, so that editing its path or regex in place rebuilds the indexes.
    route.__dict__["_filed"] = True
    overridden = type(route).matches is not _STOCK_MATCHES[kind] and not _route_index.vouched(type(route))
    if overridden or "matches" in route.__dict__:
        return (
            None  # NOTE: matches overridden, on the instance or by a class that did not opt in: it may match anything.
        )
    path: str = route.path  # type: ignore[attr-defined]
    template = path + "/{path:path}" if kind is Mount else path
    return filing(template, route.path_regex, route.param_convertors.values())  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def _no_lifespan(app: object) -> AsyncIterator[None]:
    yield


class _ThreadlessLifespan(AbstractAsyncContextManager[Any]):
    """A generator-function lifespan driven as a sync context manager inside ``async with``."""

    def __init__(self, context: contextlib.AbstractContextManager[Any]) -> None:
        self._context = context

    async def __aenter__(self) -> Any:
        return self._context.__enter__()

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        return self._context.__exit__(*exc_info)


def _lifespan_context(lifespan: Lifespan[Any] | None) -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    """The async context manager factory a router runs for ``lifespan``, warning about generator functions."""
    if lifespan is None:
        return _no_lifespan
    if inspect.isasyncgenfunction(lifespan):
        _warn_generator_lifespan("async generator function")
        return contextlib.asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        _warn_generator_lifespan("generator function")
        sync_context = contextlib.contextmanager(lifespan)
        return functools.wraps(sync_context)(lambda app: _ThreadlessLifespan(sync_context(app)))
    return lifespan


def _warn_generator_lifespan(kind: str) -> None:
    message = f"{kind} lifespans are deprecated, use an @contextlib.asynccontextmanager function instead"
    # NOTE: attributed to this module, so module-based filters catch it.
    warn_from_module(message, StarletteDeprecationWarning)


def _adopt_state(scope: Scope, state: Any) -> None:
    """Hand the mapping a lifespan yielded to the server's lifespan ``state``."""
    if state is None:
        return
    if "state" not in scope:
        raise RuntimeError('The server does not support "state" in the lifespan scope.')
    scope["state"].update(state)


class Router:
    _matcher: ClassVar[_impl.RouteMatcher]
    # PERF: the twin's function is the method (compiled: no Python frame per request).
    _enter_route: Callable[[Scope], BaseRoute | None] = _impl.enter_route  # type: ignore[assignment]

    def __init__(
        self, routes: Sequence[BaseRoute] | None = None, redirect_slashes: bool = True,
        default: ASGIApp | None = None, lifespan: Lifespan[Any] | None = None, *,
        middleware: Sequence[Middleware] | None = None, max_body_size: int | None = None,
    ) -> None:  # fmt: skip
        self.routes = routes or ()
        self.redirect_slashes = redirect_slashes
        self.default = self.not_found if default is None else default
        self.lifespan_context = _lifespan_context(lifespan)
        self.middleware_stack = _layered(self.app, middleware, max_body_size)

    @property
    def routes(self) -> list[BaseRoute]:
        return self._routes

    @routes.setter
    def routes(self, routes: Iterable[BaseRoute]) -> None:
        # NOTE: copied into a RouteList (a list that drops its index on every change), so a list assigned here and
        # changed afterwards through another name does not reach the router.
        self._routes: RouteList[BaseRoute] = RouteList(routes)

    def _route_list(self) -> RouteList[BaseRoute]:
        """What a subclass that redefines ``routes`` routes over: ``routes`` as it reads now, indexed."""
        routes = self.routes
        return routes if isinstance(routes, RouteList) else RouteList(routes)

    async def not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
        elif "app" in scope:
            # NOTE: inside an application the exception handlers render the 404; a bare Router answers itself.
            raise HTTPException(404)  # PERF: positional: no keyword dict for the exception's Python __init__.
        else:
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        url = _url_among(self.routes, name, path_params)
        if url is None:
            raise NoMatchFound(name, path_params)
        return url

    async def lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The lifespan protocol: start up, wait for the shutdown message, report a failure to the server."""
        phase = "startup"
        await receive()
        try:
            async with self.lifespan_context(scope.get("app")) as state:
                _adopt_state(scope, state)
                await send({"type": "lifespan.startup.complete"})
                phase = "shutdown"
                await receive()
        except BaseException:
            await send({"type": f"lifespan.{phase}.failed", "message": traceback.format_exc()})
            raise
        await send({"type": "lifespan.shutdown.complete"})

    @stock
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.middleware_stack(scope, receive, send)

    @stock
    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        assert kind in ("http", "websocket", "lifespan")
        if kind == "lifespan":
            scope.setdefault("router", self)
            await self.lifespan(scope, receive, send)
            return
        route = self._enter_route(scope)
        if route is None:
            await self._unrouted(scope, receive, send)
        else:
            await route.handle(scope, receive, send)

    def _unrouted(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """What a connection no route matches gets: the slash-toggled redirect, else the router's default."""
        if scope["type"] == "http" and self.redirect_slashes:
            toggled = self._matcher.toggled(self, scope)
            if toggled is not None:
                return RedirectResponse(url=str(URL(scope=toggled)))(scope, receive, send)
        return self.default(scope, receive, send)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Router) and self.routes == other.routes

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        self.routes.append(Mount(path, app=app, name=name))

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        self.routes.append(Host(host, app=app, name=name))

    def add_route(
        self, path: str, endpoint: Callable[[Request], Awaitable[Response] | Response],
        methods: Collection[str] | None = None, name: str | None = None, include_in_schema: bool = True,
    ) -> None:  # fmt: skip
        self.routes.append(
            Route(path, endpoint=endpoint, methods=methods, name=name, include_in_schema=include_in_schema)
        )

    def add_websocket_route(
        self, path: str, endpoint: Callable[[WebSocket], Awaitable[None]], name: str | None = None
    ) -> None:
        self.routes.append(WebSocketRoute(path, endpoint=endpoint, name=name))


# NOTE: made once Router exists: it tells a router routing over its own routes from a subclass redefining ``routes``.
_matcher = Router._matcher = _impl.RouteMatcher(
    Route.matches, Match.FULL, Match.PARTIAL, Match.NONE, _route_filing, Router.__dict__["routes"]
)
