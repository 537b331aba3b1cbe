"""The compiled and pure routing twins side by side: equal results or equal exceptions, and no leaks."""

from __future__ import annotations

import collections
import copy
import gc
import inspect
import pickle
import re
import sys
import tracemalloc
import types
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starlette_c.convertors import CONVERTOR_TYPES, Convertor, IntegerConvertor
from tests.parity.twins import load

pure, compiled, needs_compiled, TWINS = load("routing")
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(func: Callable[..., Any], *args: Any) -> tuple[Any, ...]:
    try:
        result = func(*args)
    except Exception as exc:
        return ("raises", type(exc), str(exc))
    return ("returns", result)


def compiled_path_outcome(module: ModuleType, path: Any) -> tuple[Any, ...]:
    result = outcome(module.compile_path, path)
    if result[0] == "returns":
        regex, fmt, convertors = result[1]
        return ("returns", regex.pattern, regex.flags, fmt, convertors)
    return result


def both(name: str, *args: Any) -> tuple[Any, ...]:
    """Call ``name`` on both twins with the same arguments; fail unless they agree; return the outcome."""
    assert compiled is not None
    expected = outcome(getattr(pure, name), *args)
    actual = outcome(getattr(compiled, name), *args)
    assert actual == expected, (name, args)
    return expected


# --- strategies ------------------------------------------------------------------------------------

SEGMENT_TEXT = st.text(alphabet="abcXY09._-~%+:é\n\r {}/", max_size=8)
PARAM = st.builds(
    lambda name, conv: "{" + name + conv + "}",
    st.sampled_from(["id", "name", "path", "x", "_a1", "1bad"]),
    st.sampled_from(["", ":int", ":str", ":path", ":float", ":uuid", ":nope", ":", ":Int"]),
)
TEMPLATE = st.builds(
    lambda parts, slash, separator: ("/" if slash else "") + separator.join(parts),
    st.lists(st.one_of(SEGMENT_TEXT, PARAM, PARAM), max_size=5),
    st.booleans(),
    st.sampled_from(["/", "/", "", ".", "-", "1"]),
)
VALUES = st.sampled_from(
    [
        "1",
        "42",
        "abc",
        "1.5",
        "12x",
        "7/",
        "3\n",
        "a.b",
        "0.json",
        "0.0",
        str(uuid.UUID(int=7)),
        "",
        "a/b",
        "x\n",
        "\n",
        "1" * 5000,
        "é",
        "-1",
        "0x1",
    ]
)


def fill(template: str, values: list[str]) -> str:
    """A candidate request path for ``template``: each ``{...}`` replaced by a sample value."""
    out = []
    rest = template
    index = 0
    while "{" in rest and "}" in rest.split("{", 1)[1]:
        head, tail = rest.split("{", 1)
        _, rest = tail.split("}", 1)
        out.append(head + (values[index % len(values)] if values else ""))
        index += 1
    out.append(rest)
    return "".join(out)


CANDIDATE = st.builds(
    lambda template, values, suffix: (template, fill(template, values) + suffix),
    TEMPLATE,
    st.lists(VALUES, min_size=1, max_size=4),
    st.sampled_from(["", "/", "\n", "\n\n", "/x", "x", "/a\nb", "/é/"]),
)
SCOPES = st.sampled_from([{}, {"path_params": {}}, {"path_params": {"outer": 1, "id": "shadowed"}}, {"type": "http"}])

# --- hypothesis: same random and hostile inputs, same outcome -----------------------------------------


@needs_compiled
@SETTINGS
@given(st.one_of(TEMPLATE, SEGMENT_TEXT, st.text(max_size=20)))
def test_compile_path_parity(path: str) -> None:
    assert compiled is not None
    assert compiled_path_outcome(compiled, path) == compiled_path_outcome(pure, path)
    host = path.lstrip("/")
    assert compiled_path_outcome(compiled, host) == compiled_path_outcome(pure, host)


@needs_compiled
@SETTINGS
@given(CANDIDATE, SCOPES)
def test_match_path_parity(candidate: tuple[str, str], scope: dict[str, Any]) -> None:
    assert compiled is not None
    template, route_path = candidate
    compiled_result = outcome(compiled.compile_path, template)
    if compiled_result[0] == "raises":
        return
    regex, _, convertors = compiled_result[1]
    for path in (route_path, route_path.rstrip("\n"), template, template + "\n"):
        both("match_path", regex, convertors, path, scope)
    host = template.lstrip("/")
    if outcome(compiled.compile_path, host)[0] == "returns":
        host_regex, _, host_convertors = compiled.compile_path(host)
        both("match_path", host_regex, host_convertors, route_path.lstrip("/").upper(), scope)


@needs_compiled
@SETTINGS
@given(CANDIDATE, SCOPES)
def test_match_mount_parity(candidate: tuple[str, str], scope: dict[str, Any]) -> None:
    assert compiled is not None
    template, route_path = candidate
    prefix = template.rstrip("/")
    compiled_result = outcome(compiled.compile_path, prefix + "/{path:path}")
    if compiled_result[0] == "raises":
        return
    regex, _, convertors = compiled_result[1]
    for path in (route_path, prefix, prefix + "/", prefix + "\n", prefix + "/a\n", prefix + "/a\n\n", "/"):
        both("match_mount", regex, convertors, path, scope)


# --- hand-picked hostile inputs -------------------------------------------------------------------------


class Rejecting(Convertor[str]):
    regex = "[a-z]+"

    def convert(self, value: str) -> str:
        if value == "bad":
            raise ValueError("rejected")
        if value == "boom":
            raise RuntimeError("boom")
        return value.upper()


class NumberPath(Convertor[int]):
    regex = ".*"

    def convert(self, value: str) -> int:
        return len(value)


class Matcher:
    """A duck-typed stand-in for a compiled pattern."""

    def match(self, text: str) -> re.Match[str] | None:
        return re.match("^/(?P<path>.*)$", text)


class ScopeLike:
    def __init__(self, params: Any) -> None:
        self.params = params

    def get(self, key: str, default: Any = None) -> Any:
        return self.params if key == "path_params" else default


@needs_compiled
@pytest.mark.parametrize(
    "path",
    [b"/bytes", None, 5, "/{x:nope}", "/{a}/{a}", "/{a}/{b}/{a}/{b}", "/{a:int}/{a:str}", "", "/", ":8000", "a:b"],
)
def test_compile_path_hostile(path: Any) -> None:
    assert compiled is not None
    assert compiled_path_outcome(compiled, path) == compiled_path_outcome(pure, path)


@needs_compiled
def test_match_hostile_arguments() -> None:
    assert compiled is not None
    regex, _, convertors = compiled.compile_path("/users/{id:int}")
    literal, _, no_convertors = compiled.compile_path("/users")
    mount, _, mount_convertors = compiled.compile_path("/static/{path:path}")
    for route_path in ("/users/1", "/users", "/static/x", b"/users", None, 5):
        for pattern, convs in ((regex, convertors), (literal, no_convertors), (mount, mount_convertors)):
            for scope in ({}, ScopeLike({"a": 1}), ScopeLike(None), None, {"path_params": [("a", 1)]}):
                both("match_path", pattern, convs, route_path, scope)
                both("match_mount", pattern, convs, route_path, scope)
    both("match_path", regex, {}, "/users/1", {})
    both("match_path", regex, None, "/users/1", {})
    both("match_mount", mount, {}, "/static/x", {})
    both("match_mount", mount, {"path": NumberPath()}, "/static/abc", {})
    both("match_path", Matcher(), {"path": CONVERTOR_TYPES["path"]}, "/a/b", {})
    both("match_mount", Matcher(), {"path": CONVERTOR_TYPES["path"]}, "/a/b", {"path_params": {"z": 0}})
    both("match_path", "not a pattern", {}, "/a", {})
    pattern, _, convs = compiled.compile_path("/n/{n:int}/{s}")

    class Converting(dict[str, Any]):
        pass

    both("match_path", pattern, Converting(convs), "/n/1/x", {})
    both("match_path", pattern, {"n": CONVERTOR_TYPES["int"]}, "/n/1/x", {})
    overridden = IntegerConvertor()
    overridden.convert = lambda value: -int(value)  # type: ignore[method-assign]
    both("match_path", pattern, {"n": overridden, "s": CONVERTOR_TYPES["str"]}, "/n/5/x", {})

    class Slotted:
        __slots__ = ()
        convert = IntegerConvertor.convert

    class Intercepting(IntegerConvertor):
        def __getattribute__(self, name: str) -> Any:
            if name == "convert":
                return lambda value: f"intercepted {value}"
            return super().__getattribute__(name)

    class ClassPatched(IntegerConvertor):
        pass

    ClassPatched.convert = lambda self, value: int(value) * 10  # type: ignore[method-assign]
    for convertor in (Slotted(), Intercepting(), ClassPatched()):
        both("match_path", pattern, {"n": convertor, "s": CONVERTOR_TYPES["str"]}, "/n/5/x", {})
    custom, _, _ = pure.compile_path("/c/{v}")
    for value in ("ok", "bad", "boom"):
        both("match_path", custom, {"v": Rejecting()}, f"/c/{value}", {})
        both("match_mount", mount, {"path": Rejecting()}, f"/static/{value}", {})


TRICKY_TEMPLATES = [
    "/",
    "",
    "/users",
    "/users/",
    "/{id:int}.json",
    "/{id:int}x{n:int}",
    "/{a}{b}",
    "/{a:int}{b}",
    "/{a}/{b:int}/",
    "/v{n:int}/items",
    "/{a}.{b}",
    "/{p:path}/edit",
    "/{p:path}",
    "/x/{a}/{p:path}",
    "/{f:float}/{u:uuid}",
    "/é/{a}",
    "/a\nb/{a}",
    "/{a:int}1",
]
TRICKY_PATHS = [
    "",
    "/",
    "\n",
    "/\n",
    "/users",
    "/users\n",
    "/users/",
    "/1.json",
    "/12x3",
    "/12x3\n",
    "/ab",
    "/a/7/",
    "/a/7/\n",
    "/v2/items",
    "/v/items",
    "/a.b",
    "/a/b/edit",
    "/x/y/z\n",
    "/x/y/z\nw",
    "/1.5/" + str(uuid.UUID(int=1)),
    "/é/é",
    "/a\nb/a",
    "/11",
    "/1",
    "/" + "9" * 5000 + "1",
]


@needs_compiled
@pytest.mark.parametrize("template", TRICKY_TEMPLATES)
def test_tricky_templates(template: str) -> None:
    assert compiled is not None
    if compiled_path_outcome(compiled, template)[0] == "raises":
        return
    regex, _, convertors = compiled.compile_path(template)
    mount, _, mount_convertors = compiled.compile_path(template.rstrip("/") + "/{path:path}")
    for path in TRICKY_PATHS:
        for scope in ({}, {"path_params": {"a": "outer"}}):
            both("match_path", regex, convertors, path, scope)
            both("match_mount", mount, mount_convertors, path, scope)


@pytest.mark.parametrize("module", TWINS)
def test_public_surface(module: ModuleType) -> None:
    assert module.PARAM_REGEX.pattern == pure.PARAM_REGEX.pattern
    for name in ("compile_path", "match_path", "match_mount"):
        function = getattr(module, name)
        assert pickle.loads(pickle.dumps(function)) is function
        assert copy.copy(function) is function
        expected = list(inspect.signature(getattr(pure, name)).parameters)
        assert list(inspect.signature(function).parameters) == expected
    regex, fmt, convertors = module.compile_path("/a/{b:int}")
    assert isinstance(regex, re.Pattern)
    assert (fmt, convertors) == ("/a/{b}", {"b": CONVERTOR_TYPES["int"]})


@pytest.mark.parametrize("module", TWINS)
def test_semantics_pinned(module: ModuleType) -> None:
    regex, _, convertors = module.compile_path("/users")
    assert module.match_path(regex, convertors, "/users", {}) == {}
    # NOTE: fullmatch semantics: the reference's "$" lets "/users\n" match "/users"; ours does not.
    assert module.match_path(regex, convertors, "/users\n", {}) is None
    assert module.match_path(regex, convertors, "/users\n\n", {}) is None
    outer = {"path_params": {"a": 1}}
    params = module.match_path(regex, convertors, "/users", outer)
    assert params == {"a": 1} and params is not outer["path_params"]
    mount, _, mount_convertors = module.compile_path("/static/{path:path}")
    assert module.match_mount(mount, mount_convertors, "/static/a/b", {}) == ({}, "/static")
    assert module.match_mount(mount, mount_convertors, "/static/abc\n", {}) is None
    assert module.match_mount(mount, mount_convertors, "/static/a\nb", {}) is None
    assert module.match_mount(mount, mount_convertors, "/static", {}) is None
    # A mount keeps a "path" param of the mounts above: its own is the rest of the path, not a param.
    assert module.match_mount(mount, mount_convertors, "/static/a", {"path_params": {"path": "up"}}) == (
        {"path": "up"},
        "/static",
    )


# --- leaks: 20,000 operations, flat memory, unchanged reference counts -------------------------------------

# NOTE: a leaked object is at least 16 bytes: 20,000 leaks are 320 KB, five times the 64 KiB bound.
N = 20_000


def _operations(module: ModuleType) -> Iterator[tuple[str, Callable[[], Any], list[Any]]]:
    literal = module.compile_path("/users")
    param = module.compile_path("/users/{id:int}/{name}")
    mount = module.compile_path("/static/{path:path}")
    param_mount = module.compile_path("/org/{org}/{path:path}")
    scope: dict[str, Any] = {"path_params": {"outer": 1}}
    empty: dict[str, Any] = {}
    hit, miss, bad_int = "/users/12/bob", "/nope", "/users/" + "1" * 5000 + "/bob"
    template = "/users/{id:int}/{name}"

    class Owner:
        pass

    owner = Owner()

    def raising() -> None:
        try:
            module.compile_path("/{a}/{a}")
        except ValueError:
            pass

    yield "compile_path", lambda: module.compile_path(template), [template]
    yield (
        "match_path literal",
        lambda: (
            module.match_path(literal[0], literal[2], "/users", scope),
            module.match_path(literal[0], literal[2], miss, empty),
        ),
        [literal[0], literal[2], scope, empty, miss],
    )
    yield (
        "match_path params",
        lambda: (
            module.match_path(param[0], param[2], hit, scope),
            module.match_path(param[0], param[2], bad_int, empty),
            module.match_path(param[0], param[2], miss, empty),
        ),
        [param[0], param[2], hit, bad_int, scope, empty],
    )
    yield (
        "match_mount",
        lambda: (
            module.match_mount(mount[0], mount[2], "/static/css/a.css", scope),
            module.match_mount(param_mount[0], param_mount[2], "/org/acme/repos", empty),
            module.match_mount(mount[0], mount[2], miss, empty),
        ),
        [mount[0], mount[2], param_mount[0], param_mount[2], scope, empty, miss],
    )
    yield (
        "match_path with a kept plan",
        lambda: (
            module.match_path(param[0], param[2], hit, scope, owner),
            module.match_path(param[0], param[2], miss, empty, owner),
        ),
        [param[0], param[2], hit, scope, owner],
    )
    yield "errors", raising, [template]


def _leak_cases() -> list[Any]:
    if compiled is None:
        return [pytest.param(None, id="compiled-not-built", marks=needs_compiled)]
    return [pytest.param(op, id=op[0]) for op in _operations(compiled)]


@pytest.mark.parametrize("operation", _leak_cases())
def test_compiled_does_not_leak(operation: tuple[str, Callable[[], Any], list[Any]]) -> None:
    _, run, shared = operation
    assert_no_leak(run, shared)


def assert_no_leak(run: Callable[[], Any], shared: list[Any]) -> None:
    """Memory flat over ``N`` calls of ``run``, and the reference counts of ``shared`` unchanged."""
    for _ in range(1000):
        run()
    gc.collect()
    counts = [sys.getrefcount(obj) for obj in shared]
    tracemalloc.start()
    try:
        for _ in range(1000):
            run()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(N):
            run()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 64 * 1024, f"grew by {after - before} bytes over {N} operations"
    assert [sys.getrefcount(obj) for obj in shared] == counts


# --- RouteMatcher: the stock Route.matches and the first-match loop ------------------------------------------


def _matcher(module: ModuleType) -> Any:
    from starlette_c.routing import Match, Route, Router, _route_filing

    return module.RouteMatcher(
        Route.matches, Match.FULL, Match.PARTIAL, Match.NONE, _route_filing, Router.__dict__["routes"]
    )


def _router(module: ModuleType, routes: Any) -> Any:
    """A Router routing over ``routes`` (a ``RouteList``) with the matcher of ``module``."""
    from starlette_c.routing import Router

    router = Router()
    vars(router)["_matcher"] = _matcher(module)
    router._routes = routes
    return router


def _matchers() -> list[Any]:
    return [_matcher(module) for module in (pure, compiled) if module is not None]


def _matching_routes() -> list[Any]:
    from starlette_c.routing import BaseRoute, Match, Mount, Route, WebSocketRoute

    async def endpoint(request: Any) -> None:
        raise AssertionError("never called")

    class SubRoute(Route):
        pass

    class EveryPath(BaseRoute):
        def matches(self, scope: Any) -> tuple[Match, dict[str, Any]]:
            return Match.FULL, {"endpoint": "every"}

    class Intercepted(Route):
        def __getattribute__(self, name: str) -> Any:
            if name == "matches":
                return lambda scope: (Match.PARTIAL, {"intercepted": True})
            return super().__getattribute__(name)

    overridden = Route("/users", endpoint)
    overridden.matches = lambda scope: (Match.PARTIAL, {"overridden": True})  # type: ignore[method-assign]
    regex_replaced = Route("/a", endpoint)
    regex_replaced.path_regex = re.compile("^/b$")
    return [
        Route("/users", endpoint, methods=["POST"]),
        overridden,
        regex_replaced,
        SubRoute("/sub/{id:int}", endpoint),
        Intercepted("/users/{user_id:int}", endpoint),
        Route("/users/{user_id:int}", endpoint),
        Route("/users", endpoint),
        Mount("/static", app=endpoint),
        WebSocketRoute("/users", endpoint),
        EveryPath(),
    ]


SCOPES = [
    {"type": "http", "method": "GET", "path": "/users"},
    {"type": "http", "method": "POST", "path": "/users", "path_params": {"outer": 1}},
    {"type": "http", "method": "GET", "path": "/users/12", "root_path": ""},
    {"type": "http", "method": "GET", "path": "/api/users/12", "root_path": "/api"},
    {"type": "http", "method": "GET", "path": "/sub/x"},
    {"type": "http", "method": "GET", "path": "/b"},
    {"type": "http", "method": "GET", "path": "/static/a.css"},
    {"type": "websocket", "path": "/users"},
    {"type": "http", "path": "/users"},
    {"path": "/users"},
]


@pytest.mark.parametrize("scope", SCOPES)
def test_route_matcher_parity(scope: dict[str, Any]) -> None:
    routes = _matching_routes()
    results = []
    for matcher in _matchers():
        per_route = [outcome(matcher.route, route, dict(scope)) for route in routes[:6]]
        candidates = list(enumerate(routes))
        firsts = [outcome(matcher.first, candidates[start:], dict(scope)) for start in range(len(routes))]
        results.append((per_route, firsts))
    assert all(result == results[0] for result in results)


@pytest.mark.parametrize("module", TWINS)
def test_route_matcher_semantics_pinned(module: ModuleType) -> None:
    from starlette_c.routing import Match

    matcher = _matcher(module)
    post, overridden, *_ = routes = _matching_routes()
    scope = {"type": "http", "method": "GET", "path": "/users", "path_params": {"outer": 1}}
    assert matcher.route(post, scope) == (Match.PARTIAL, {"endpoint": post.endpoint, "path_params": {"outer": 1}})
    # The first full match wins over an earlier partial one; an instance's own matches is honoured.
    route, child_scope = matcher.first(list(enumerate(routes)), scope)
    assert route is routes[6] and child_scope["path_params"] == {"outer": 1}
    assert child_scope["path_params"] is not scope["path_params"]
    assert matcher.first([(0, post), (1, overridden)], scope) == (post, matcher.route(post, scope)[1])
    assert matcher.first([(1, overridden)], scope) == (overridden, {"overridden": True})
    assert matcher.first([], scope) == (None, {})
    # A __getattribute__ of the route's class answers for matches, as Python's lookup would let it.
    assert matcher.first([(4, routes[4])], scope) == (routes[4], {"intercepted": True})
    with pytest.raises(KeyError):
        matcher.route(post, {"path": "/users"})


def _indexed_routes() -> list[Any]:
    from starlette_c.routing import Host, Mount, Route

    async def endpoint(request: Any) -> None:
        raise AssertionError("never called")

    return [
        Route("/", endpoint),
        Route("/users", endpoint, methods=["POST"]),
        Route("/users/{user_id:int}", endpoint),
        Route("/users/{user_id:int}/items/{item_id}", endpoint),
        Route("/users/me/items/{item_id}", endpoint, methods=["PUT"]),
        Mount("/static", app=endpoint),
        Route("/users", endpoint),
        Host("api.example.com", app=endpoint),
    ]


INDEXED_PATHS = [
    "/",
    "",
    "/users",
    "/users/",
    "/users/12",
    "/users/12/items/a",
    "/users/me/items/a",
    "/users/me/items/",
    "//users/12",
    "/static/css/site.css",
    "/static",
    "/nowhere/at/all",
    "users/12",
    "/Ünïcode/päth/✓",
    b"/users",
]


@pytest.mark.parametrize("path", INDEXED_PATHS)
@pytest.mark.parametrize("root_path", [None, "", "/api"])
def test_route_matcher_routes_parity(path: Any, root_path: str | None) -> None:
    from starlette_c._route_index import RouteList

    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": path, "headers": []}
    if root_path is not None:
        scope["root_path"] = root_path
        if isinstance(path, str):
            scope["path"] = root_path + path
    indexed = _indexed_routes()
    results = []
    for matcher in _matchers():
        routes = RouteList(indexed)
        # Twice over the same list: once building the index's candidate lists, once reading them built.
        results.append([outcome(matcher.routes, routes, dict(scope)) for _ in range(2)])
    assert all(result == results[0] for result in results)


@pytest.mark.parametrize("module", TWINS)
def test_route_matcher_routes_semantics_pinned(module: ModuleType) -> None:
    from starlette_c._route_index import RouteList

    matcher = _matcher(module)
    routes = RouteList(_indexed_routes())
    scope = {"type": "http", "method": "GET", "path": "/users/12/items/a"}
    route, child_scope = matcher.routes(routes, scope)
    assert route is routes[3] and child_scope["path_params"] == {"user_id": 12, "item_id": "a"}
    # Only a PUT route has this path: the partial match (405) comes back.
    route, child_scope = matcher.routes(routes, dict(scope, path="/users/me/items/a"))
    assert route is routes[4] and child_scope["path_params"] == {"item_id": "a"}
    # "/users": the POST-only route when it allows the method; else a later full match beats it; else it is the 405.
    assert matcher.routes(routes, dict(scope, path="/users", method="POST"))[0] is routes[1]
    assert matcher.routes(routes, dict(scope, path="/users"))[0] is routes[6]
    assert matcher.routes(routes, dict(scope, path="/users", method="DELETE")) == (
        routes[1],
        {"endpoint": routes[1].endpoint, "path_params": {}},
    )
    assert matcher.routes(routes, dict(scope, path="/nowhere")) == (None, {})
    # A change to the list drops the index: the next match sees the new order.
    routes.append(routes.pop(0))
    assert matcher.routes(routes, dict(scope, path="/"))[0] is routes[-1]
    with pytest.raises(KeyError):
        matcher.routes(routes, {"type": "http", "method": "GET"})


def _routed_over_edited_indexes(path: str, *edits: Callable[[Any], None]) -> list[Any]:
    """Each twin's ``RouteMatcher.routes`` of a GET of ``path`` over a fresh index of the same routes, after each
    of ``edits`` to that index in turn."""
    from starlette_c._route_index import RouteList
    from starlette_c.routing import _route_filing

    indexed = _indexed_routes()
    results = []
    for matcher in _matchers():
        routes = RouteList(indexed)
        index = routes.route_index(_route_filing)
        for edit in edits:
            edit(index)
            results.append(outcome(matcher.routes, routes, {"type": "http", "method": "GET", "path": path}))
    return results


def _mappings_for_children(index: Any) -> None:
    users = index.root.children["users"]
    users.children = types.MappingProxyType(users.children)
    index.root.children = types.MappingProxyType(index.root.children)


def _mapping_for_exact(index: Any) -> None:
    index.exact = types.MappingProxyType(index.exact)


@pytest.mark.parametrize("path", ["/users/12/items/a", "/users", "/static/a.css", "/nowhere"])
def test_route_matcher_routes_over_an_index_holding_other_mappings(path: str) -> None:
    # NOTE: the compiled twin reads these as dicts; any other mapping must send it down the pure path.
    results = _routed_over_edited_indexes(path, _mappings_for_children, _mapping_for_exact)
    assert all(result == results[0] for result in results)


@pytest.mark.parametrize(
    "relied", [[], "x", ((),), ((1, None),), (("a", "b", "c"),)], ids=["list", "str", "empty pair", "int", "triple"]
)
def test_route_matcher_over_an_index_with_other_relied_entries(relied: Any) -> None:
    def replace_relied(index: Any) -> None:
        index.relied = relied

    # NOTE: an entry of another shape is the index's own business: the compiled twin asks it, never reads it.
    results = _routed_over_edited_indexes("/users", replace_relied)
    assert all(result == results[0] for result in results)


class _DictScope(dict):  # type: ignore[type-arg]
    """A dict subclass: the compiled twin hands it to the pure body."""


class _Text(str):
    """A str subclass: the compiled twin reads its tail through its own ``endswith``."""


TOGGLED_PATHS = [
    *INDEXED_PATHS, "/users/12/", "/users//", "/nowhere/", "/static/", "/api/", "/api", _Text("/users/12/"),
    _Text("/users/12"),
]  # fmt: skip


@pytest.mark.parametrize("path", TOGGLED_PATHS)
@pytest.mark.parametrize("root_path", [None, "", "/api"])
@pytest.mark.parametrize("scope_type", [dict, _DictScope, collections.UserDict])
def test_route_matcher_toggled_parity(path: Any, root_path: str | None, scope_type: type[Any]) -> None:
    from starlette_c._route_index import RouteList

    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": path, "headers": []}
    if root_path is not None:
        scope["root_path"] = root_path
        if isinstance(path, str):
            scope["path"] = root_path + path
    indexed = _indexed_routes()
    results = []
    for module in (pure, compiled):
        if module is None:
            continue
        router = _router(module, RouteList(indexed))
        # Twice over the same list: once building the index's candidate lists, once reading them built.
        results.append([outcome(router._matcher.toggled, router, scope_type(scope)) for _ in range(2)])
    assert all(result == results[0] for result in results)


@pytest.mark.parametrize("module", TWINS)
def test_route_matcher_toggled_semantics_pinned(module: ModuleType) -> None:
    from starlette_c._route_index import RouteList

    router = _router(module, RouteList(_indexed_routes()))
    matcher = router._matcher
    scope = {"type": "http", "method": "GET", "path": "/users/12/", "root_path": ""}
    assert matcher.toggled(router, scope) == {**scope, "path": "/users/12"}
    # Every trailing slash goes; a path without one gains one; a partial match (405) counts as a match.
    assert matcher.toggled(router, dict(scope, path="/users//"))["path"] == "/users"
    assert matcher.toggled(router, dict(scope, path="/users/me/items/a/"))["path"] == "/users/me/items/a"
    assert matcher.toggled(router, dict(scope, path="/static"))["path"] == "/static/"
    # Nothing matches the toggled path (no route can: the index answers), and the root path is never toggled.
    assert matcher.toggled(router, dict(scope, path="/nowhere/at/all/")) is None
    assert matcher.toggled(router, dict(scope, path="/")) is None
    assert matcher.toggled(router, dict(scope, path="/api/", root_path="/api")) is None
    # The route path says which way: the root path itself ("" below it) gains a slash, even when it ends in one.
    assert matcher.toggled(router, dict(scope, path="/api", root_path="/api"))["path"] == "/api/"
    assert matcher.toggled(router, dict(scope, path="/api/", root_path="/api/"))["path"] == "/api//"
    # Below a root path, the route path of the toggled path is what routes match.
    assert matcher.toggled(router, dict(scope, path="/api/users/12/", root_path="/api"))["path"] == "/api/users/12"
    assert scope["path"] == "/users/12/"
    with pytest.raises(KeyError):
        matcher.toggled(router, {"type": "http", "method": "GET"})
    with pytest.raises(TypeError):
        matcher.toggled(router, {"type": "http", "method": "GET", "path": b"/users/"})


# --- enter_route: Router._enter_route over either twin's matcher --------------------------------------------


@pytest.mark.parametrize("path", ["/users/12/items/a", "/users", "/static/a.css", "/nowhere", "/"])
@pytest.mark.parametrize("scope_type", [dict, _DictScope, collections.UserDict])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("inherited", [None, {"tenant": "t1"}])
def test_enter_route_parity(path: str, scope_type: type[Any], method: str, inherited: dict[str, str] | None) -> None:
    from starlette_c._route_index import RouteList

    indexed = _indexed_routes()
    results = []
    for module in (pure, compiled):
        assert module is not None
        router = _router(module, RouteList(indexed))
        scope = scope_type({"type": "http", "method": method, "path": path, "router": "outer"})
        if inherited is not None:
            scope["path_params"] = inherited
        route = module.enter_route(router, scope)
        results.append((route, list(scope.items())))
    assert all(result == results[0] for result in results)
    if inherited is not None:
        assert inherited == {"tenant": "t1"}


@pytest.mark.parametrize("module", TWINS)
def test_enter_route_semantics_pinned(module: ModuleType) -> None:
    from starlette_c._route_index import RouteList

    routes = RouteList(_indexed_routes())
    router = _router(module, routes)
    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/users/12"}
    assert module.enter_route(router, scope) is routes[2]
    assert scope["router"] is router and scope["route"] is routes[2]
    assert scope["path_params"] == {"user_id": 12} and scope["endpoint"] is routes[2].endpoint
    # No match: the scope only learns its router.
    scope = {"type": "http", "method": "GET", "path": "/nowhere"}
    assert module.enter_route(router, scope) is None
    assert scope == {"type": "http", "method": "GET", "path": "/nowhere", "router": router}
    # A partial match (POST only) before a full one: the full one's child scope is what the scope gets.
    scope = {"type": "http", "method": "GET", "path": "/users", "path_params": {"outer": "1"}}
    assert module.enter_route(router, scope) is routes[6]
    assert scope["route"] is routes[6] and scope["path_params"] == {"outer": "1"}
    # Only partial matches: the first one's child scope, for its handle to answer 405.
    scope = {"type": "http", "method": "DELETE", "path": "/users"}
    assert module.enter_route(router, scope) is routes[1]
    assert list(scope) == ["type", "method", "path", "router", "endpoint", "path_params", "route"]


# --- StockLayers: where the lane may stand in for the layers ---------------------------------------------------


def _stock_stack() -> tuple[Any, Any, Any]:
    """A built stack (ServerErrorMiddleware outermost), its ExceptionMiddleware and its router."""
    from starlette_c.applications import Starlette
    from starlette_c.routing import Route

    async def endpoint(request: Any) -> None:
        raise AssertionError("never called")

    app = Starlette(routes=[Route("/", endpoint), Route("/form", endpoint, methods=["POST"])])
    stack = app._build_stack()
    return stack, stack.app, app.router


def _layers(module: ModuleType) -> Any:
    from starlette_c import applications  # noqa: F401 (marks the stock entry points of every layer)
    from starlette_c._stock import STOCK
    from starlette_c.routing import REQUEST_RESPONSE_APP_CODE

    return module.StockLayers(STOCK, REQUEST_RESPONSE_APP_CODE)


@pytest.mark.parametrize("module", TWINS)
def test_stock_layers_on_a_stock_stack(module: ModuleType) -> None:
    layers = _layers(module)
    stack, exceptions, router = _stock_stack()
    assert layers.serves(stack) and not layers.serves(exceptions) and not layers.serves(router)
    send = object()
    assert layers.descend(exceptions, {}, send) == (exceptions, send, router)
    assert layers.descend(router, {}, send) == (router, send, None)
    get, post = {"type": "http", "method": "GET"}, {"type": "http", "method": "POST"}
    index, form = router.routes
    assert layers.endpoint(index, get) is index.app.lane_endpoint
    assert layers.endpoint(index, {"type": "http", "method": "HEAD"}) is index.app.lane_endpoint
    assert layers.endpoint(index, post) is None
    assert layers.endpoint(form, post) is form.app.lane_endpoint
    with pytest.raises(KeyError):
        layers.endpoint(form, {"type": "http"})


@pytest.mark.parametrize("module", TWINS)
def test_stock_layers_leave_what_is_not_stock_to_the_layers(module: ModuleType) -> None:
    from starlette_c.middleware.exceptions import ExceptionMiddleware
    from starlette_c.routing import Route, Router

    layers = _layers(module)
    stack, exceptions, router = _stock_stack()
    send = object()

    class OwnErrors(type(stack)):  # type: ignore[misc]
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            raise AssertionError("never called")

    assert not layers.serves(OwnErrors(exceptions))

    class OwnRouter(Router):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            raise AssertionError("never called")

    assert layers.descend(ExceptionMiddleware(OwnRouter()), {}, send)[2] is None
    # A router whose middleware_stack is not its own stock app (router middleware, or another router's app).
    wrapped = Router()
    wrapped.middleware_stack = Router().app
    assert layers.descend(ExceptionMiddleware(wrapped), {}, send)[2] is None
    wrapped.middleware_stack = exceptions
    assert layers.descend(ExceptionMiddleware(wrapped), {}, send)[2] is None
    # A handle set on the route, or overridden by its class: the route's own handle serves.
    index = router.routes[0]
    get = {"type": "http", "method": "GET"}
    stock_handle = index.handle
    index.handle = lambda scope, receive, send: stock_handle(scope, receive, send)
    assert layers.endpoint(index, get) is None
    del index.handle

    class OwnHandle(Route):
        async def handle(self, scope: Any, receive: Any, send: Any) -> None:
            raise AssertionError("never called")

    assert layers.endpoint(OwnHandle("/", index.endpoint), get) is None
    # An ASGI app endpoint has no lane endpoint.
    assert layers.endpoint(Route("/", router), get) is None
    assert layers.endpoint(index, get) is index.app.lane_endpoint


@pytest.mark.parametrize("module", TWINS)
def test_stock_layers_take_the_steps_of_stock_stepped_middleware(module: ModuleType) -> None:
    from starlette_c._stock import Stepped

    layers = _layers(module)
    _, exceptions, router = _stock_stack()
    taken: list[Any] = []

    class Step(Stepped):
        def __init__(self, app: Any, name: str) -> None:
            self.app, self.name = app, name

        def _step(self, scope: Any, send: Any) -> tuple[Any, Any]:
            taken.append((self.name, scope["n"], send))
            return self.app, f"{self.name}({send})"

    chain = Step(Step(exceptions, "inner"), "outer")
    assert layers.descend(chain, {"n": 1}, "send") == (exceptions, "inner(outer(send))", router)
    assert taken == [("outer", 1, "send"), ("inner", 1, "outer(send)")]

    class Failing(Stepped):
        def _step(self, scope: Any, send: Any) -> tuple[Any, Any]:
            raise LookupError("refused")

    with pytest.raises(LookupError, match="refused"):
        layers.descend(Failing(), {}, "send")


def _routing_operations(module: ModuleType) -> Iterator[tuple[str, Callable[[], Any], list[Any]]]:
    """Leak cases over routes and layers (built after the helpers above, unlike ``_operations``)."""
    from starlette_c._route_index import RouteList

    router = _router(module, RouteList(_indexed_routes()))
    requests = [("GET", "/users/12", None), ("GET", "/users", {"outer": "1"}), ("DELETE", "/users", None)]
    requests.append(("GET", "/nowhere", None))

    def enter() -> None:
        for method, path, inherited in requests:
            scope: dict[str, Any] = {"type": "http", "method": method, "path": path}
            if inherited is not None:
                scope["path_params"] = inherited
            module.enter_route(router, scope)

    yield "enter_route", enter, [router]
    layers = _layers(module)
    stack, exceptions, stock_router = _stock_stack()
    index = stock_router.routes[0]
    get, post = {"type": "http", "method": "GET"}, {"type": "http", "method": "POST"}

    def stock_layers() -> None:
        layers.serves(stack)
        layers.descend(exceptions, get, None)
        layers.endpoint(index, get)
        layers.endpoint(index, post)

    yield "StockLayers", stock_layers, [layers, stack, index]


@needs_compiled
@pytest.mark.parametrize("name", ["enter_route", "StockLayers"])
def test_compiled_routing_does_not_leak(name: str) -> None:
    assert compiled is not None
    _, run, shared = next(case for case in _routing_operations(compiled) if case[0] == name)
    assert_no_leak(run, shared)


@pytest.mark.parametrize("methods", [None, set(), {"GET", "HEAD"}, {"POST"}])
@pytest.mark.parametrize("scope", [{"method": "GET"}, {"method": "POST"}, {}, {"method": None}])
def test_route_allows_parity(methods: set[str] | None, scope: dict[str, Any]) -> None:
    route = types.SimpleNamespace(methods=methods)
    results = [outcome(module.route_allows, route, scope) for module in (pure, compiled) if module is not None]
    assert all(result == results[0] for result in results)


# --- plans: the compiled twin's regex-free matching of stock templates ------------------------------------


@needs_compiled
def test_every_stock_template_of_a_large_app_gets_a_plan() -> None:
    from starlette_c.routing import Route, Router

    assert compiled is not None

    async def endpoint(request: Any) -> None:
        raise AssertionError("never called")

    shapes = ["/r{i}", "/r{i}/{{id:int}}", "/r{i}/{{name}}/edit", "/f{i}/{{rest:path}}", "/r{i}/{{a}}/{{b:int}}.json"]
    router = Router([Route(shapes[i % len(shapes)].format(i=i), endpoint) for i in range(10_000)])
    before = compiled.regex_fallbacks()
    for route in router.routes:
        path = route.path.replace("{id:int}", "7").replace("{name}", "n").replace("{rest:path}", "a/b")
        path = path.replace("{a}", "x").replace("{b:int}", "9")
        assert route.matches({"type": "http", "method": "GET", "path": path})[0].name == "FULL", path
    assert compiled.regex_fallbacks() == before


@needs_compiled
def test_unplannable_patterns_fall_back_to_the_regex_and_are_counted() -> None:
    assert compiled is not None

    class Owner:
        pass

    for template, path in [("/{a}{b}", "/xy"), ("/{f:float}", "/1.5"), ("/{a}.{b}", "/x.y"), ("/{a:int}1", "/21")]:
        regex, _, convertors = compiled.compile_path(template)
        owner = Owner()
        before = compiled.regex_fallbacks()
        assert compiled.match_path(regex, convertors, path, {}, owner) == pure.match_path(regex, convertors, path, {})
        compiled.match_path(regex, convertors, path, {}, owner)
        assert compiled.regex_fallbacks() == before + 1, template  # NOTE: counted once per owner and pattern.


@needs_compiled
def test_a_kept_plan_follows_a_replaced_pattern() -> None:
    assert compiled is not None

    class Owner:
        pass

    owner = Owner()
    first, _, convertors = compiled.compile_path("/a/{x}")
    second, _, _ = compiled.compile_path("/b/{x}")
    assert compiled.match_path(first, convertors, "/a/1", {}, owner) == {"x": "1"}
    assert compiled.match_path(second, convertors, "/a/1", {}, owner) is None
    assert compiled.match_path(second, convertors, "/b/1", {}, owner) == {"x": "1"}


@needs_compiled
@pytest.mark.parametrize("kept", [("pattern", "not a plan"), ("pattern",), (), "x", ("pattern", None, None)])
def test_a_kept_plan_of_another_shape_is_not_trusted(kept: Any) -> None:
    assert compiled is not None

    class Owner:
        pass

    owner = Owner()
    regex, _, convertors = compiled.compile_path("/a/{x}")
    planted = kept if isinstance(kept, str) else tuple(regex if item == "pattern" else item for item in kept)
    vars(owner)["_starlette_c_plan"] = planted
    assert compiled.match_path(regex, convertors, "/a/1", {}, owner) == {"x": "1"}
    assert compiled.match_path(regex, convertors, "/b/1", {}, owner) is None


@needs_compiled
def test_a_class_as_owner_keeps_no_plan() -> None:
    assert compiled is not None

    class Owner:
        pass

    regex, _, convertors = compiled.compile_path("/a/{x}")
    assert compiled.match_path(regex, convertors, "/a/1", {}, Owner) == {"x": "1"}
    assert "_starlette_c_plan" not in vars(Owner)


@needs_compiled
@pytest.mark.parametrize(
    "pattern",
    [r"^/a$", r"^/a\$$", r"^/a\d$", r"^/a\\$", r"^/(?P<x>[^/]+)", r"/(?P<x>[^/]+)$", r"^/a|b$", r"^/(?P<x>\d+)$"],
)
def test_hand_written_patterns_agree(pattern: str) -> None:
    regex = re.compile(pattern)
    for text in ("/a", "/a$", "/a5", "/z", "b", "/a|b", "/12"):
        both("match_path", regex, {"x": CONVERTOR_TYPES["str"]}, text, {})


ROUTE_PATH_VALUES = st.one_of(st.text(alphabet="/ab%é", max_size=8), st.binary(max_size=3), st.none(), st.integers())


@needs_compiled
@SETTINGS
@given(path=ROUTE_PATH_VALUES, root_path=st.one_of(ROUTE_PATH_VALUES, st.just("")), has_root=st.booleans())
def test_get_route_path_agrees(path: Any, root_path: Any, has_root: bool) -> None:
    scope: dict[str, Any] = {"path": path, "root_path": root_path} if has_root else {"path": path}
    both("get_route_path", scope)


@needs_compiled
@pytest.mark.parametrize(
    "scope",
    [
        {"path": "/app/x", "root_path": "/app"},
        {"path": "/app", "root_path": "/app"},
        {"path": "/apple", "root_path": "/app"},
        {"path": "/x", "root_path": "/app/x/y"},
        {"root_path": "/app"},
        {},
        {"path": "/str-subclass", "root_path": type("S", (str,), {})("/str")},
    ],
)
def test_get_route_path_agrees_on_edges(scope: dict[str, Any]) -> None:
    both("get_route_path", scope)
    both("get_route_path", type("Scope", (dict,), {})(scope))
