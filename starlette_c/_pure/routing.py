"""Pure twin of ``starlette_c._speedups.routing``: route template compilation and per-request matching."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from re import Pattern
from typing import Any

from starlette_c._utils import get_route_path
from starlette_c.convertors import CONVERTOR_TYPES, Convertor
from starlette_c.types import Scope

PARAM_REGEX = re.compile("{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")


def _literal(text: str, is_host: bool) -> str:
    escaped = re.escape(text)
    if is_host and escaped:
        # NOTE: hosts match ignoring case (hardening); only literal parts, so convertor regexes keep their meaning.
        return f"(?i:{escaped})"
    return escaped


def compile_path(path: str) -> tuple[Pattern[str], str, dict[str, Convertor[Any]]]:
    """Compile ``/users/{id:int}`` (or a host template such as ``{sub}.example.org``) into
    ``(regex, format string, {param name: convertor})``."""
    is_host = not path.startswith("/")
    path_regex = "^"
    path_format = ""
    param_convertors: dict[str, Convertor[Any]] = {}
    duplicated: list[str] = []
    idx = 0
    for match in PARAM_REGEX.finditer(path):
        param_name, convertor_type = match.groups("str")
        convertor_type = convertor_type.lstrip(":")
        assert convertor_type in CONVERTOR_TYPES, f"Unknown path convertor '{convertor_type}'"
        convertor = CONVERTOR_TYPES[convertor_type]
        literal = path[idx : match.start()]
        path_regex += _literal(literal, is_host) + f"(?P<{param_name}>{convertor.regex})"
        path_format += literal + "{" + param_name + "}"
        if param_name in param_convertors and param_name not in duplicated:
            duplicated.append(param_name)
        param_convertors[param_name] = convertor
        idx = match.end()

    if duplicated:
        names = ", ".join(sorted(duplicated))
        ending = "s" if len(duplicated) > 1 else ""
        raise ValueError(f"Duplicated param name{ending} {names} at path {path}")

    tail = path[idx:]
    # NOTE: a host template's trailing ":port" is kept for URL building but never matched.
    path_regex += _literal(tail.split(":")[0] if is_host else tail, is_host) + "$"
    path_format += tail
    return re.compile(path_regex), path_format, param_convertors


# NOTE: patterns are matched with fullmatch: their "$" would also match before a final newline, so that
# "/users\n" matched "/users" in the reference; the route index files "/users" by its exact path, and both
# agree that only "/users" matches it.


def _converted(match: re.Match[str], param_convertors: dict[str, Convertor[Any]]) -> dict[str, Any] | None:
    params: dict[str, Any] = match.groupdict()
    try:
        for key, value in params.items():
            params[key] = param_convertors[key].convert(value)
    except ValueError:
        # NOTE: a value its convertor rejects (e.g. a 5000-digit int) is no match, not a 500 as in the reference.
        return None
    return params


def _merged(scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
    scope_params = scope.get("path_params")
    if not scope_params:
        return params
    merged = dict(scope_params)
    merged.update(params)
    return merged


def match_path(
    path_regex: Pattern[str], param_convertors: dict[str, Convertor[Any]], route_path: str, scope: Scope
) -> dict[str, Any] | None:
    """The path params of a route matching ``route_path`` (a copy of ``scope["path_params"]`` updated with the
    converted captures), or ``None`` when it does not match."""
    match = path_regex.fullmatch(route_path)
    if match is None:
        return None
    params = _converted(match, param_convertors)
    return None if params is None else _merged(scope, params)


def match_mount(
    path_regex: Pattern[str], param_convertors: dict[str, Convertor[Any]], route_path: str, scope: Scope
) -> tuple[dict[str, Any], str] | None:
    """``match_path`` for a mount's ``<prefix>/{path:path}`` pattern: the path params without the captured
    remainder, and the part of ``route_path`` the prefix matched; ``None`` when it does not match."""
    match = path_regex.fullmatch(route_path)
    if match is None:
        return None
    params = _converted(match, param_convertors)
    if params is None:
        return None
    remaining_path = "/" + params.pop("path")
    return _merged(scope, params), route_path[: -len(remaining_path)]


def host_from_headers(headers: Sequence[tuple[bytes, bytes]]) -> str:
    """The first ``host`` header (ASGI names are lowercase) without its port; empty when there is none."""
    for key, value in headers:
        if key == b"host":
            return value.decode("latin-1").split(":")[0]
    return ""


class RouteMatcher:
    """The matching of routes: the stock ``Route.matches`` for a route, and the router's first-match loop.

    ``starlette_c.routing`` builds one with its ``Route.matches`` function and ``Match`` members (this module
    cannot import them: routing imports it).
    """

    __slots__ = ("_filing", "_full", "_none", "_partial", "_stock", "_stock_handle")

    def __init__(
        self,
        stock_matches: Callable[..., Any],
        full: Any,
        partial: Any,
        none: Any,
        filing: Callable[[Any], Any],
        stock_handle: Callable[..., Any],
    ) -> None:
        self._stock = stock_matches
        self._full = full
        self._partial = partial
        self._none = none
        self._filing = filing
        self._stock_handle = stock_handle

    def route(self, route: Any, scope: Scope) -> tuple[Any, Scope]:
        """What the stock ``Route.matches`` answers for ``route``: FULL, PARTIAL (method not allowed) or NONE."""
        if scope["type"] == "http":
            # PERF: get_route_path's work is skipped when there is no root_path (the usual case).
            route_path: str = get_route_path(scope) if scope.get("root_path") else scope["path"]
            literal = route._literal
            if literal is None or literal[1] is not route.path_regex:
                path_params = match_path(route.path_regex, route.param_convertors, route_path, scope)
            elif route_path == literal[0]:
                # PERF: a parameterless path is compared as a string, without running its regex.
                scope_params = scope.get("path_params")
                path_params = dict(scope_params) if scope_params else {}
            else:
                path_params = None
            if path_params is not None:
                child_scope = {"endpoint": route.endpoint, "path_params": path_params}
                methods = route.methods
                if methods and scope["method"] not in methods:
                    return self._partial, child_scope
                return self._full, child_scope
        return self._none, {}

    def first(self, candidates: Iterable[tuple[int, Any]], scope: Scope) -> tuple[Any, Scope]:
        """The first route matching fully, else the first matching partially, else ``(None, {})``."""
        partial = None
        partial_scope: Scope = {}
        for _, route in candidates:
            match, child_scope = route.matches(scope)
            if match is self._full:
                return route, child_scope
            if match is self._partial and partial is None:
                partial, partial_scope = route, child_scope
        return partial, partial_scope

    def routes(self, routes: Any, scope: Scope) -> tuple[Any, Scope]:
        """The router's match in ``routes`` (a ``RouteList``): ``first`` over the candidates its index gives."""
        index = routes._index or routes.route_index(self._filing)
        # PERF: get_route_path's work is skipped when there is no root_path (the usual case).
        route_path: str = get_route_path(scope) if scope.get("root_path") else scope["path"]
        return self.first(index.candidates(route_path), scope)

    def direct_handler(self, route: Any, scope: Scope) -> Any:
        """The request handler to await for ``route`` in place of its stock ``handle``, else None.

        Only when ``handle`` would call the stock request_response app the route built (see ``Route._direct``).
        """
        if route is None:
            return None
        direct = getattr(route, "_direct", None)
        if direct is None or route.app is not direct[0] or not self.serves(route, scope):
            return None
        return direct[1]

    def serves(self, route: Any, scope: Scope) -> bool:
        """Whether ``route.handle`` is the stock ``Route.handle`` and would call ``route.app`` (an allowed method)."""
        # NOTE: looked up as Python does, so a handle overridden on the class or the instance is still called.
        handle = route.handle
        if getattr(handle, "__func__", None) is not self._stock_handle or handle.__self__ is not route:
            return False
        methods = route.methods
        return not methods or scope["method"] in methods
