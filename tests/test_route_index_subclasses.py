"""Route subclasses on the route index: which ones ``indexed_by_path`` lets the index leave out, and that a
router over any mix of stock routes, opted-in subclasses and subclasses doing something else in ``matches``
picks exactly what a full scan in declaration order picks, before and after the routes change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starlette_c._route_index import RouteList, vouched
from starlette_c.routing import (
    BaseRoute,
    Host,
    Match,
    Mount,
    Route,
    Router,
    WebSocketRoute,
    _matcher,
    _route_filing,
    compile_path,
)
from starlette_c.types import Scope
from tests.scopes import http_scope
from tests.test_route_index import labelled, websocket_endpoint

ALLOW = (b"x-allow", b"1")


class Narrowing(Route):
    """Only matches when a header says so: narrows ``Route.matches``, without opting in."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        verdict, child_scope = super().matches(scope)
        if verdict is not Match.NONE and ALLOW not in scope.get("headers", []):
            return Match.NONE, {}
        return verdict, child_scope


class IndexedNarrowing(Narrowing):
    indexed_by_path = True


class Decorating(Route):
    """What FastAPI's APIRoute does: the base verdict, with the route added to the child scope of a match."""

    indexed_by_path = True

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        verdict, child_scope = super().matches(scope)
        if verdict is not Match.NONE:
            child_scope["decorated"] = self
        return verdict, child_scope


class Widening(Route):
    """Also matches any path under ``/w``: something else than narrowing, so it is tried for every path."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].startswith("/w"):
            return Match.FULL, {"endpoint": self.endpoint, "path_params": {}}
        return super().matches(scope)


class WideningBelowAnOptIn(IndexedNarrowing):
    """Overrides an opted-in ``matches`` again: the opt-in above does not vouch for it."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].startswith("/w"):
            return Match.PARTIAL, {"endpoint": self.endpoint, "path_params": {}}
        return super().matches(scope)


class VouchingForItsBase(Widening):
    """Opts in for a ``matches`` defined above it: it vouches for it (wrongly here, which the index then trusts)."""

    indexed_by_path = True


class OptedOut(Decorating):
    indexed_by_path = False


class IndexedWebSocket(WebSocketRoute):
    indexed_by_path = True

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        verdict, child_scope = super().matches(scope)
        return verdict, {**child_scope, "decorated": self} if verdict is not Match.NONE else child_scope


class IndexedMount(Mount):
    indexed_by_path = True

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        verdict, child_scope = super().matches(scope)
        return (Match.NONE, {}) if scope.get("method") == "DELETE" else (verdict, child_scope)


@pytest.mark.parametrize(
    "kind, expected",
    [
        (Route, False),  # stock: indexed anyway, not through the opt-in
        (Narrowing, False),
        (IndexedNarrowing, True),
        (Decorating, True),
        (Widening, False),
        (WideningBelowAnOptIn, False),
        (VouchingForItsBase, True),
        (OptedOut, False),
        (IndexedWebSocket, True),
        (IndexedMount, True),
    ],
)
def test_who_vouches_for_matches(kind: type[BaseRoute], expected: bool) -> None:
    assert vouched(kind) is expected


def test_filing_of_subclasses() -> None:
    def build(kind: type[Route]) -> Route:
        return kind("/a/{x}", labelled(kind.__name__))

    assert _route_filing(build(Decorating)) == ("a",)
    assert _route_filing(build(IndexedNarrowing)) == ("a",)
    assert _route_filing(build(Narrowing)) is None
    assert _route_filing(build(WideningBelowAnOptIn)) is None
    assert _route_filing(build(OptedOut)) is None
    assert _route_filing(IndexedWebSocket("/ws", websocket_endpoint)) == "/ws"
    assert _route_filing(IndexedMount("/m", app=Router())) == ("m",)
    patched = build(Decorating)
    patched.matches = lambda scope: (Match.FULL, {})  # type: ignore[method-assign]
    assert _route_filing(patched) is None  # NOTE: the opt-in is the class's, not the instance's own matches


def scan(routes: list[BaseRoute], scope: Scope) -> tuple[BaseRoute | None, Scope]:
    """Starlette's full scan: every route in order, the first full match, else the first partial one."""
    partial: tuple[BaseRoute | None, Scope] = (None, {})
    for candidate in routes:
        verdict, child_scope = candidate.matches(scope)
        if verdict is Match.FULL:
            return candidate, child_scope
        if verdict is Match.PARTIAL and partial[0] is None:
            partial = (candidate, child_scope)
    return partial


def assert_picks_as_a_scan(router: Router, scope: Scope) -> BaseRoute | None:
    found, child_scope = _matcher.routes(router.routes, scope)
    expected, expected_scope = scan(router.routes, scope)
    assert found is expected
    assert child_scope == expected_scope
    return found


KINDS: list[Callable[[str, int], BaseRoute]] = [
    lambda path, n: Route(path, labelled(str(n)), name=str(n)),
    lambda path, n: Route(path, labelled(str(n)), methods=["POST"]),
    lambda path, n: IndexedNarrowing(path, labelled(str(n))),
    lambda path, n: Decorating(path, labelled(str(n)), methods=["GET", "PUT"]),
    lambda path, n: Narrowing(path, labelled(str(n))),
    lambda path, n: Widening(path, labelled(str(n))),
    lambda path, n: WideningBelowAnOptIn(path, labelled(str(n))),
    lambda path, n: OptedOut(path, labelled(str(n))),
    lambda path, n: IndexedWebSocket(path, websocket_endpoint),
    lambda path, n: WebSocketRoute(path, websocket_endpoint),
    lambda path, n: IndexedMount(path.rstrip("/"), routes=[Route("/{x}", labelled(str(n)))]),
    lambda path, n: Mount(path.rstrip("/"), routes=[Decorating("/", labelled(str(n)))]),
    lambda path, n: Host("example.org", app=Router([Decorating(path, labelled(str(n)))])),
]
SEGMENT = st.sampled_from(["a", "b", "w", "wa", "{x}", "{n:int}", "v{f:float}", "{p:path}"])
REQUEST_SEGMENT = st.sampled_from(["a", "b", "w", "wa", "x", "1", "v1.5", "a/b", ""])


def build_table(picks: list[tuple[int, list[str]]]) -> list[BaseRoute]:
    routes = []
    for position, (kind, segments) in enumerate(picks):
        try:
            routes.append(KINDS[kind]("/" + "/".join(segments), position))
        except (AssertionError, ValueError):
            continue  # not a valid template here (e.g. a duplicated parameter)
    return routes


TABLE = st.lists(st.tuples(st.integers(0, len(KINDS) - 1), st.lists(SEGMENT, max_size=3)), max_size=10)


@settings(max_examples=300, deadline=None)
@given(
    picks=TABLE,
    later=TABLE,
    path=st.lists(REQUEST_SEGMENT, max_size=4),
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    allowed=st.booleans(),
    kind=st.sampled_from(["http", "websocket"]),
    edit=st.integers(0, 9),
)
def test_a_router_of_subclasses_picks_what_a_scan_picks(
    picks: list[tuple[int, list[str]]],
    later: list[tuple[int, list[str]]],
    path: list[str],
    method: str,
    allowed: bool,
    kind: str,
    edit: int,
) -> None:
    router = Router(build_table(picks))
    headers = [(b"host", b"example.org"), *([ALLOW] if allowed else [])]
    scope = http_scope("/" + "/".join(path), method=method, headers=headers, type=kind)
    assert_picks_as_a_scan(router, scope)
    # Routes added, and a route edited in place, after the first request.
    router.routes.extend(build_table(later))
    assert_picks_as_a_scan(router, scope)
    if router.routes:
        edited = router.routes[edit % len(router.routes)]
        if isinstance(edited, Route | WebSocketRoute):
            edited.path_regex, edited.path_format, edited.param_convertors = compile_path("/w{p:path}")
        assert_picks_as_a_scan(router, scope)


def test_subclasses_that_do_something_else_keep_their_place() -> None:
    widening = Widening("/a", labelled("widening"))
    router = Router([Decorating("/w/{x}", labelled("first")), widening, Decorating("/wb", labelled("after"))])
    assert assert_picks_as_a_scan(router, http_scope("/wb", method="GET")) is widening
    assert assert_picks_as_a_scan(router, http_scope("/w/1", method="GET")) is router.routes[0]
    narrowing = IndexedNarrowing("/n/{x}", labelled("narrow"))
    partial = Decorating("/n/{x}", labelled("partial"), methods=["POST"])
    fallback = Decorating("/n/{y}", labelled("fallback"))
    router = Router([narrowing, partial, fallback])
    assert assert_picks_as_a_scan(router, http_scope("/n/1", method="GET", headers=[ALLOW])) is narrowing
    assert assert_picks_as_a_scan(router, http_scope("/n/1", method="GET")) is fallback
    assert assert_picks_as_a_scan(router, http_scope("/n/1", method="PUT")) is partial
    assert assert_picks_as_a_scan(router, http_scope("/m/1", method="GET")) is None


def test_an_instance_patch_after_the_first_request_is_seen() -> None:
    decorated = Decorating("/d", labelled("d"))
    router = Router([decorated, Route("/e", labelled("e"))])
    assert assert_picks_as_a_scan(router, http_scope("/e", method="GET")) is router.routes[1]
    decorated.matches = lambda scope: (Match.FULL, {})  # type: ignore[method-assign]
    assert assert_picks_as_a_scan(router, http_scope("/e", method="GET")) is decorated


def index_of(routes: list[BaseRoute]) -> Any:
    return RouteList(routes).route_index(_route_filing)


@pytest.mark.parametrize(
    "templates, path, other, expected",
    [
        (["/a/{x}", "/b"], "/a/1", "/a/1/", [0]),  # one trie node
        (["/p", "/{x:path}"], "/p", "/p/", [0, 1]),  # an exact entry and its parent, the root
        (["/p/", "/p", "/{x:path}"], "/p", "/p/", [0, 1, 2]),  # two exact entries: merged
        (["/p/{x}", "/p", "/q"], "/p", "/p/", [0, 1]),  # an exact entry and a trie node beside it: merged
        (["/p/{x}", "/p/a/{y}"], "/p/a/", "/p/a", [0, 1]),  # a trie node and its parent
    ],
)
def test_candidates_of_either_path(templates: list[str], path: str, other: str, expected: list[int]) -> None:
    routes: list[BaseRoute] = [Route(template, labelled(template)) for template in templates]
    index = index_of(routes)
    found = index.candidates_of_either(path, other)
    assert [position for position, _ in found] == expected
    assert found == index.candidates_of_either(other, path)
    assert found == sorted((dict(index.candidates(path)) | dict(index.candidates(other))).items())
