"""Pure twin of ``starlette_c._speedups.routing``: path templates compiled to regexes, and matching them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from re import Pattern
from types import CodeType, FunctionType, MethodType
from typing import Any, cast

from starlette_c._utils import get_route_path as get_route_path
from starlette_c._utils import route_path_below
from starlette_c.convertors import CONVERTOR_TYPES, Convertor
from starlette_c.types import Scope

PARAM_REGEX: Pattern[str] = re.compile("{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")

Convertors = dict[str, Convertor[Any]]


def _without_port(host_tail: str) -> str:
    """The end of a host template without its ``:port`` (an IPv6 literal's closing bracket ends it otherwise)."""
    head, colon, _ = host_tail.rpartition(":")
    return head if colon and not host_tail.endswith("]") else host_tail


def compile_path(path: str) -> tuple[Pattern[str], str, Convertors]:
    """``/users/{id:int}`` (or a host template such as ``{sub}.example.org``) as (regex, format, convertors)."""
    host = not path.startswith("/")
    regex_parts = ["^"]
    format_parts: list[str] = []
    convertors: Convertors = {}
    repeated: set[str] = set()
    consumed = 0
    for found in PARAM_REGEX.finditer(path):
        name, kind = found[1], (found[2] or ":str")[1:]
        assert kind in CONVERTOR_TYPES, f"Unknown path convertor '{kind}'"
        before = path[consumed : found.start()]
        if name in convertors:
            repeated.add(name)
        convertors[name] = CONVERTOR_TYPES[kind]
        regex_parts += (re.escape(before), f"(?P<{name}>{convertors[name].regex})")
        format_parts += (before, "{", name, "}")
        consumed = found.end()
    if repeated:
        plural = "s" if len(repeated) > 1 else ""
        raise ValueError(f"Duplicated param name{plural} {', '.join(sorted(repeated))} at path {path}")
    rest = path[consumed:]
    # NOTE: a host template's ":port" stays in the format (URLs are built with it) but is never matched.
    regex_parts += (re.escape(_without_port(rest) if host else rest), "$")
    format_parts.append(rest)
    # NOTE: host names compare case-insensitively (1.9).
    return re.compile("".join(regex_parts), re.IGNORECASE if host else 0), "".join(format_parts), convertors


# NOTE: patterns are run with fullmatch: their "$" alone would also accept a final newline ("/users\n").


def _captured(pattern: Pattern[str], convertors: Convertors, text: str) -> dict[str, Any] | None:
    """The captures of ``pattern`` fully matching ``text``, through their convertors; None when either refuses."""
    found = pattern.fullmatch(text)
    if found is None:
        return None
    captures: dict[str, Any] = found.groupdict()
    try:
        for name, raw in captures.items():
            captures[name] = convertors[name].convert(raw)
    except ValueError:
        # NOTE: a value its convertor rejects (e.g. a 5000-digit int) is no match, not a 500 as in the reference.
        return None
    return captures


def _over(scope: Scope, captures: dict[str, Any]) -> dict[str, Any]:
    """The path params: ``scope``'s (those of the mounts above), updated with ``captures``."""
    inherited = scope.get("path_params")
    if not inherited:
        return captures
    params = dict(inherited)
    params.update(captures)
    return params


def match_path(
    pattern: Pattern[str], convertors: Convertors, text: str, scope: Scope, owner: object = None
) -> dict[str, Any] | None:
    """The path params when ``pattern`` matches all of ``text`` (``owner``: where the compiled twin keeps its plan)."""
    captures = _captured(pattern, convertors, text)
    return None if captures is None else _over(scope, captures)


def match_mount(
    pattern: Pattern[str], convertors: Convertors, text: str, scope: Scope, owner: object = None
) -> tuple[dict[str, Any], str] | None:
    """For a ``<prefix>/{path:path}`` pattern: the params but ``path``, and the prefix of ``text`` matched."""
    captures = _captured(pattern, convertors, text)
    if captures is None:
        return None
    rest = captures.pop("path")
    return _over(scope, captures), text[: len(text) - len(rest) - 1]


def index_node(exact: dict[str, Any], root: Any, route_path: str) -> Any:
    """The route index's node for ``route_path``: its exact-path entry, else the deepest trie node along its
    segments that a ``/`` follows (nodes hold their child nodes by segment in ``children``)."""
    node = exact.get(route_path)
    if node is not None:
        return node
    node = root
    if not root.children:
        return root
    # PERF: one split and a dict lookup per segment; the first piece precedes the leading "/".
    for segment in route_path.split("/")[1:-1]:
        child = node.children.get(segment)
        if child is None:
            break
        node = child
    return node


class RouteMatcher:
    """``Route.matches`` and the router's first-match loop, over ``Match`` members handed in by routing."""

    __slots__ = ("_file", "_full", "_none", "_partial", "_stock", "_stock_routes")

    def __init__(
        self,
        stock_matches: Callable[..., Any],
        full: Any,
        partial: Any,
        none: Any,
        file: Callable[[Any], Any],
        stock_routes: property,
    ) -> None:
        self._stock = stock_matches
        self._full = full
        self._partial = partial
        self._none = none
        self._file = file
        self._stock_routes = stock_routes

    def listed(self, router: Any) -> Any:
        """The ``RouteList`` that ``router`` routes over: its own, or its ``_route_list()`` when its class redefines
        ``routes``."""
        # NOTE: found on the class, as the compiled twin finds it.
        if getattr(type(router), "routes", None) is self._stock_routes:
            return router._routes
        return router._route_list()

    def route(self, route: Any, scope: Scope) -> tuple[Any, Scope]:
        """``Route.matches``: FULL, PARTIAL (the path matches, the method does not) or NONE."""
        if scope["type"] != "http":
            return self._none, {}
        params = match_path(route.path_regex, route.param_convertors, get_route_path(scope), scope, route)
        if params is None:
            return self._none, {}
        verdict = self._full if route_allows(route, scope) else self._partial
        return verdict, {"endpoint": route.endpoint, "path_params": params}

    def first(self, candidates: Iterable[tuple[int, Any]], scope: Scope) -> tuple[Any, Scope]:
        """The first route matching fully, else the first matching partially, else ``(None, {})``."""
        fallback: tuple[Any, Scope] = (None, {})
        for _, route in candidates:
            verdict, child_scope = route.matches(scope)
            if verdict is self._full:
                return route, child_scope
            if verdict is self._partial and fallback[0] is None:
                fallback = (route, child_scope)
        return fallback

    def routes(self, routes: Any, scope: Scope) -> tuple[Any, Scope]:
        """``first`` over the candidates that the index of ``routes`` (a ``RouteList``) gives for the path."""
        return self.first(routes.route_index(self._file).candidates(get_route_path(scope)), scope)

    def toggled(self, router: Any, scope: Scope) -> Scope | None:
        """``scope`` with the trailing slash of its path toggled, when a route of ``router`` matches it so; None when
        none does, and for the route path "/"."""
        route_path = get_route_path(scope)
        if route_path == "/":
            return None
        routes = self.listed(router)
        path: str = scope["path"]
        # NOTE: the route path says which way to toggle: a path equal to the root path gains a slash.
        toggled_path = path.rstrip("/") if route_path.endswith("/") else path + "/"
        candidates = routes.route_index(self._file).candidates(
            route_path_below(toggled_path, scope.get("root_path", ""))
        )
        # PERF: the index says when no route can match the toggled path, before the scope is copied.
        if not candidates:
            return None
        toggled = {**scope, "path": toggled_path}
        route, _ = self.first(candidates, toggled)
        return None if route is None else toggled


def enter_route(router: Any, scope: Scope) -> Any:
    """``Router._enter_route``: the route serving ``scope`` by ``router._matcher``, its child scope merged into
    ``scope``; None when no route matches."""
    scope.setdefault("router", router)
    matcher = router._matcher
    route, child_scope = matcher.routes(matcher.listed(router), scope)
    if route is not None:
        scope.update(child_scope)
        scope["route"] = route
    return route


def route_allows(route: Any, scope: Scope) -> bool:
    """``Route._allows``: whether ``scope``'s method is one ``route`` serves (any, when it lists none)."""
    allowed = route.methods
    return not allowed or scope["method"] in allowed


class StockLayers:
    """Where the lane (``_lane.py``) may stand in for the layers of a stack: while their entry points are the
    functions marked stock (``_stock.STOCK``), found on each object's class at request time."""

    __slots__ = ("_endpoint_app", "_errors", "_exceptions", "_route_handle", "_router_app", "_router_call", "_stepped")

    def __init__(self, stock: Mapping[str, Callable[..., Any]], endpoint_app: CodeType) -> None:
        """``endpoint_app``: the code of the apps ``request_response`` makes, whose endpoint the lane serves."""
        self._errors = stock["ServerErrorMiddleware.__call__"]
        self._stepped = stock["Stepped.__call__"]
        self._exceptions = stock["ExceptionMiddleware.__call__"]
        self._router_call = stock["Router.__call__"]
        self._router_app = stock["Router.app"]
        self._route_handle = stock["Route.handle"]
        self._endpoint_app = endpoint_app

    def serves(self, stack: Any) -> bool:
        """Whether ``stack`` is a stock ServerErrorMiddleware: the outermost layer, where the lane starts."""
        return type(stack).__call__ is self._errors

    def descend(self, app: Any, scope: Scope, send: Any) -> tuple[Any, Any, Any]:
        """From ``app`` down, the steps of the stock stepped middleware taken: the first other layer, the ``send``
        to give it, and the router it wraps when it is a stock ExceptionMiddleware around a stock router (else
        None)."""
        while (entry := type(app).__call__) is self._stepped:
            app, send = app._step(scope, send)
        if entry is self._exceptions:
            router = app.app
            if type(router).__call__ is not self._router_call:
                return app, send, None
            routed = router.middleware_stack
            # NOTE: a bound method exactly: a wrapper (wrapt's) forwards __func__ and __self__ to what it wraps.
            if type(routed) is MethodType and routed.__func__ is self._router_app and routed.__self__ is router:
                return app, send, router
        return app, send, None

    def endpoint(self, route: Any, scope: Scope) -> Any:
        """What the lane serves ``route`` with: the ``lane_endpoint`` of its app, while its ``handle`` is the stock
        one, its app one that ``request_response`` made, and it allows the method; else None (its ``handle`` serves
        the request)."""
        # NOTE: found on the class, as the compiled twin finds it: a wrapper's bound method forwards __func__.
        if "handle" in getattr(route, "__dict__", ()) or getattr(type(route), "handle", None) is not self._route_handle:
            return None
        app = route.app
        if type(app) is not FunctionType or app.__code__ is not self._endpoint_app:
            return None
        return cast(Any, app).lane_endpoint if route._allows(scope) else None
