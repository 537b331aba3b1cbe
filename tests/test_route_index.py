"""The route index behind ``Router``: which routes it files where, that it follows every change of
``router.routes``, and that the router picks exactly the route a full scan in declaration order picks."""

from __future__ import annotations

import copy
import pickle
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starlette_c._route_index import RouteIndex, RouteList, _escaped, filing
from starlette_c._utils import get_route_path
from starlette_c.convertors import CONVERTOR_TYPES, Convertor
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
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
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory
from tests.scopes import http_scope


def labelled(label: str) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        return PlainTextResponse(f"{label} {sorted(request.path_params.items())}")

    return endpoint


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()


def route(path: str, label: str | None = None, **kwargs: Any) -> Route:
    return Route(path, labelled(label or path), name=label or path, **kwargs)


def scan(routes: list[BaseRoute], scope: Scope) -> BaseRoute | None:
    """What Starlette 1.0 does: every route in order, the first full match, else the first partial one."""
    partial = None
    for candidate in routes:
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return candidate
        if match is Match.PARTIAL and partial is None:
            partial = candidate
    return partial


def match(router: Router, scope: Scope) -> tuple[BaseRoute | None, Scope]:
    """The route the router serves ``scope`` with (and its child scope)."""
    found: tuple[BaseRoute | None, Scope] = _matcher.routes(router.routes, scope)
    return found


def picked(router: Router, path: str, method: str = "GET", **extra: Any) -> BaseRoute | None:
    """The route the router picks for ``method path``, checked against a full scan."""
    scope = http_scope(path, method=method, **extra)
    found, _ = match(router, scope)
    assert found is scan(router.routes, scope)
    return found


# --- where routes are filed -----------------------------------------------------------------------------


def filed(template: str) -> Any:
    regex, _, convertors = compile_path(template)
    return filing(template, regex, convertors.values())


@pytest.mark.parametrize(
    "template, expected",
    [
        ("/", "/"),
        ("/users", "/users"),
        ("/users/", "/users/"),
        ("/a/b.c", "/a/b.c"),
        ("/users/{id}", ("users",)),
        ("/users/{id:int}/posts", ("users",)),
        ("/api/v1/r7/{id:int}", ("api", "v1", "r7")),
        ("/api/v1/r7{id:int}", ("api", "v1")),
        ("/files/{rest:path}", ("files",)),
        ("/{path:path}", None),
        ("/{id}", None),
        ("/r{id}/items", None),
        ("/{1bad}", "/{1bad}"),
        ("//{x}", ("",)),
    ],
)
def test_filing_of_templates(template: str, expected: Any) -> None:
    assert filed(template) == expected


def test_filing_refuses_what_it_cannot_reason_about() -> None:
    users = compile_path("/users")[0]
    items, _, convertors = compile_path("/users/{id}")
    assert filing("/users", users, []) == "/users"
    # The pattern does not say what the template says (e.g. replaced after construction).
    assert filing("/users", compile_path("/other")[0], []) is None
    assert filing("/users/{id}", compile_path("/other/{id}")[0], convertors.values()) is None
    # Flags, or something that is not a compiled pattern at all.
    assert filing("/users", re.compile(users.pattern, re.IGNORECASE), []) is None
    assert filing("/users", users.pattern, []) is None  # type: ignore[arg-type]
    # A template that is not a path.
    assert filing("users", users, []) is None
    # A convertor regex that only compiles inside its group could reach out of it ("a)|(b").
    assert filing("/users/{id}", items, [Alternation()]) is None
    assert filing("/users/{id}", items, convertors.values()) == ("users",)


def test_route_filing_by_class() -> None:
    class Custom(Route):
        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            return super().matches(scope)

    patched = route("/patched")
    patched.matches = lambda scope: (Match.NONE, {})  # type: ignore[method-assign]
    app = Router()
    assert _route_filing(route("/users/{id}")) == ("users",)
    assert _route_filing(WebSocketRoute("/ws", websocket_endpoint)) == "/ws"
    assert _route_filing(Mount("/static/v1", app=app)) == ("static", "v1")
    assert _route_filing(Mount("/org/{org}", app=app)) == ("org",)
    assert _route_filing(Mount("", app=app)) is None
    assert _route_filing(Mount("/", app=app)) is None
    assert _route_filing(Host("example.org", app=app)) is None
    assert _route_filing(Custom("/users", labelled("custom"))) is None
    assert _route_filing(patched) is None
    assert _route_filing(Slotted()) is None  # type: ignore[arg-type]


class Slotted:
    """A duck-typed route without a ``__dict__``: Starlette only ever calls its methods."""

    __slots__ = ()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return (Match.FULL, {}) if scope["path"] == "/slotted" else (Match.NONE, {})

    async def handle(self, scope: Scope, receive: Any, send: Any) -> None:
        await PlainTextResponse("slotted")(scope, receive, send)


def test_duck_typed_routes_are_always_tried(test_client_factory: TestClientFactory) -> None:
    router = Router([route("/a/{x}"), Slotted(), route("/slotted")])  # type: ignore[list-item]
    assert test_client_factory(router).get("/slotted").text == "slotted"
    assert picked(router, "/slotted") is router.routes[1]


# --- candidates -------------------------------------------------------------------------------------------


def test_candidates_are_in_declaration_order() -> None:
    routes: list[Any] = ["root-a", "/users", ("users",), ("users", "me"), "root-b", "/users", ("api",)]

    def file(item: Any) -> Any:
        return None if isinstance(item, str) and item.startswith("root") else item

    index = RouteIndex(routes, file)

    def positions(path: str) -> list[int]:
        return [position for position, _ in index.candidates(path)]

    assert positions("/users") == [0, 1, 4, 5]
    assert positions("/users/7") == [0, 2, 4]
    assert positions("/users/me/x") == [0, 2, 3, 4]
    assert positions("/users/me") == [0, 2, 4]
    assert positions("/api/x/y") == [0, 4, 6]
    assert positions("/nowhere") == [0, 4]
    assert positions("") == [0, 4]
    assert positions("no/leading/slash") == [0, 4]
    # Asking again gives the same (cached) list.
    assert index.candidates("/users/me/x") is index.candidates("/users/me/x")


def test_deep_tries_need_no_recursion() -> None:
    depth = 3000
    template = "/" + "/".join(f"s{i}" for i in range(depth)) + "/{x}"
    path = template.replace("{x}", "end")
    router = Router([route(template), route("/" + "/".join(f"s{i}" for i in range(depth)) + "/static")])
    assert picked(router, path) is router.routes[0]
    assert picked(router, path.replace("end", "static")) is router.routes[0]


def test_exact_paths_also_get_the_routes_of_their_trie_nodes() -> None:
    router = Router([route("/users/{name}", "by-name"), route("/users/me", "me"), route("/users/{name}/x", "x")])
    assert picked(router, "/users/me") is router.routes[0]
    router.routes.pop(0)
    assert picked(router, "/users/me") is router.routes[0]
    assert picked(router, "/users/me/x") is router.routes[1]


# --- the router picks what a scan in declaration order picks ----------------------------------------------


def test_an_earlier_param_route_shadows_a_later_static_one() -> None:
    router = Router([route("/users/{name}", "param"), route("/users/me", "static"), route("/{page}", "page")])
    assert picked(router, "/users/me") is router.routes[0]
    assert picked(router, "/about") is router.routes[2]
    router.routes.insert(0, route("/{anything:path}", "catch-all"))
    assert picked(router, "/users/me") is router.routes[0]


def test_always_tried_routes_keep_their_place() -> None:
    class Exact(Route):
        """Overrides matches: the index cannot know what it matches, so it is always tried."""

        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            if scope["path"] == "/anything/goes":
                return Match.FULL, {"endpoint": self.endpoint, "path_params": {}}
            return Match.NONE, {}

    tampered = route("/tampered")
    tampered.path_regex = re.compile("^/users/me$")
    router = Router(
        [
            route("/users/{name}/posts", "posts"),
            Exact("/x", labelled("exact")),
            tampered,
            route("/users/me", "static"),
            Host("api.example.org", app=Router([route("/users/me", "host")])),
            route("/{name}/me", "param-first"),
        ]
    )
    assert picked(router, "/anything/goes") is router.routes[1]
    assert picked(router, "/users/me") is router.routes[2]
    assert picked(router, "/other/me") is router.routes[5]
    assert picked(router, "/users/x/posts") is router.routes[0]
    router.routes.pop(2)
    assert picked(router, "/users/me") is router.routes[2]
    router.routes.pop(2)
    assert picked(router, "/users/me", host=b"api.example.org") is router.routes[2]
    assert picked(router, "/users/me", host=b"example.org") is router.routes[3]


def test_a_later_full_match_beats_an_earlier_partial_one() -> None:
    router = Router([route("/items", "post", methods=["POST"]), route("/{page}", "page"), route("/items", "get")])
    assert picked(router, "/items") is router.routes[1]
    assert picked(router, "/items", method="POST") is router.routes[0]
    assert picked(router, "/items", method="DELETE") is router.routes[0]


def test_method_not_allowed_lists_the_first_partial_match(test_client_factory: TestClientFactory) -> None:
    router = Router(
        [route(f"/r{i}/items/{{item_id}}", f"r{i}") for i in range(50)]
        + [route("/r49/items/{item_id}", "put", methods=["PUT", "PATCH"]), route("/r49/items/{item_id}", "get-again")]
    )
    router.routes.append(route("/r49/items/{item_id}", "late", methods=["DELETE"]))
    client = test_client_factory(router)
    response = client.post("/r49/items/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert client.delete("/r49/items/1").text == "late [('item_id', '1')]"
    assert client.put("/r49/items/1").text == "put [('item_id', '1')]"


def test_websocket_and_http_routes_on_one_path(test_client_factory: TestClientFactory) -> None:
    router = Router([WebSocketRoute("/live/{room}", websocket_endpoint), route("/live/{room}", "http")])
    client = test_client_factory(router)
    assert client.get("/live/1").text == "http [('room', '1')]"
    with client.websocket_connect("/live/1"):
        pass  # accepted: the http route on the same path was not picked for the websocket
    websocket_scope = http_scope("/live/1", type="websocket")
    assert match(router, websocket_scope)[0] is router.routes[0]
    assert match(router, http_scope("/live/1", method="GET"))[0] is router.routes[1]


def test_mounts_and_hosts_nest_their_own_indexes(test_client_factory: TestClientFactory) -> None:
    inner = Router([route("/users/{id:int}", "user"), route("/users/me", "me")])
    api = Mount("/api/v1", routes=[Mount("/admin", app=inner), route("/status", "status")])
    router = Router(
        [
            Host("{tenant}.example.org", app=Router([Mount("/api/v1", routes=[route("/status", "tenant")])])),
            api,
            Mount("/{org}/files", routes=[route("/{name}", "file")]),
        ]
    )
    client = test_client_factory(router, base_url="http://testserver")
    assert client.get("/api/v1/status").text == "status []"
    assert client.get("/api/v1/admin/users/7").text == "user [('id', 7)]"
    assert client.get("/api/v1/admin/users/me").text == "me []"
    assert client.get("/acme/files/a.txt").text == "file [('name', 'a.txt'), ('org', 'acme')]"
    assert client.get("http://acme.example.org/api/v1/status").text == "tenant [('tenant', 'acme')]"
    assert client.get("/api/v1/admin/users/x").status_code == 404
    # A change to a nested list reaches the nested router.
    api.routes.append(route("/late", "late"))
    inner.routes.insert(0, route("/users/{name}", "shadow"))
    assert client.get("/api/v1/late").text == "late []"
    assert client.get("/api/v1/admin/users/me").text == "shadow [('name', 'me')]"


def test_root_path_is_stripped_before_the_lookup() -> None:
    router = Router([route("/users/{id}", "user"), route("/about", "about")])
    assert picked(router, "/app/users/1", root_path="/app") is router.routes[0]
    assert picked(router, "/app/about", root_path="/app") is router.routes[1]
    assert picked(router, "/app", root_path="/app") is None


@pytest.mark.parametrize(
    "path, location, status_without_redirects",
    [
        ("/users/", "http://testserver/users", 404),
        ("/users/7/", "http://testserver/users/7", 404),
        ("/static", "http://testserver/static/", 404),
        # The mount matches "/api/v1/docs/" itself: its own router (redirect_slashes on) redirects.
        ("/api/v1/docs/", "http://testserver/api/v1/docs", 307),
    ],
)
def test_redirect_slashes_finds_the_other_path(
    test_client_factory: TestClientFactory, path: str, location: str, status_without_redirects: int
) -> None:
    router = Router(
        [
            route("/users", "users"),
            route("/users/{id}", "user"),
            Mount("/static", app=PlainTextResponse("static")),
            Mount("/api/v1", routes=[route("/docs", "docs")]),
        ]
    )
    response = test_client_factory(router).get(path, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, location)
    router.redirect_slashes = False
    assert test_client_factory(router).get(path, follow_redirects=False).status_code == status_without_redirects


def test_a_final_newline_is_part_of_the_path(test_client_factory: TestClientFactory) -> None:
    # NOTE: the reference matches "/users\n" to "/users" (its regex "$" allows a final newline); the route
    # index files "/users" by its exact path, and the twins use fullmatch, so both say: no match.
    router = Router([route("/users", "users"), route("/items/{id}", "item"), Mount("/m", app=Router())])
    for path in ("/users\n", "/items/\n/x", "/m\n"):
        assert picked(router, path) is None
    assert picked(router, "/items/1\n") is router.routes[1]
    assert test_client_factory(router).get("/users%0A").status_code == 404


def test_duplicate_routes_and_paths() -> None:
    users = route("/users", "users")
    router = Router([users, users, route("/users", "again", methods=["POST"])])
    assert picked(router, "/users") is users
    assert picked(router, "/users", method="POST") is router.routes[2]
    assert picked(router, "/users", method="PUT") is users


# --- every change of router.routes reaches the index -----------------------------------------------------


def change_cases() -> Iterator[tuple[str, Callable[[Router], object], str, str | None]]:
    """(name, change, path, label of the route picked after the change or None)."""
    new = route("/new/{x}", "new")
    yield "append", lambda r: r.routes.append(new), "/new/1", "new"
    yield "extend", lambda r: r.routes.extend([new]), "/new/1", "new"
    yield "insert", lambda r: r.routes.insert(0, route("/{any:path}", "first")), "/a/1", "first"
    yield "remove", lambda r: r.routes.remove(r.routes[0]), "/a/1", None
    yield "pop", lambda r: r.routes.pop(0), "/a/1", None
    yield "pop last", lambda r: r.routes.pop(), "/b/y", None
    yield "clear", lambda r: r.routes.clear(), "/a/1", None
    yield (
        "sort",
        lambda r: r.routes.sort(key=lambda x: getattr(x, "name", "") != "/b/{rest:path}"),
        "/b/x",
        "/b/{rest:path}",
    )
    yield "reverse", lambda r: r.routes.reverse(), "/b/x", "/b/{rest:path}"
    yield "set item", lambda r: r.routes.__setitem__(0, new), "/new/1", "new"
    yield "set slice", lambda r: r.routes.__setitem__(slice(0, 2), [new]), "/new/1", "new"
    yield "del item", lambda r: r.routes.__delitem__(0), "/a/1", None
    yield "del slice", lambda r: r.routes.__delitem__(slice(None)), "/b/x", None
    yield "iadd", lambda r: r.routes.__iadd__([new]), "/new/1", "new"
    yield "imul", lambda r: r.routes.__imul__(0), "/b/x", None
    yield "init again", lambda r: r.routes.__init__([new]), "/new/1", "new"  # type: ignore[misc]
    yield "assign", lambda r: setattr(r, "routes", [new]), "/new/1", "new"
    yield "add_route", lambda r: r.add_route("/new/{x}", labelled("new"), name="new"), "/new/1", "new"
    yield "mount", lambda r: r.mount("/new", Router(), name="new"), "/new/1", "new"
    yield "host", lambda r: r.host("{h}", Router(), name="new"), "/any", "new"


CHANGES = list(change_cases())


@pytest.mark.parametrize("name, change, path, expected", CHANGES, ids=[case[0] for case in CHANGES])
def test_every_change_is_seen(name: str, change: Callable[[Router], None], path: str, expected: str | None) -> None:
    router = Router([route("/a/{id}"), route("/b/x"), route("/b/{rest:path}")])
    assert picked(router, "/a/1", host=b"example.org") is router.routes[0]
    assert picked(router, "/b/x", host=b"example.org") is router.routes[1]
    change(router)
    assert getattr(picked(router, path, host=b"example.org"), "name", None) == expected


def test_add_websocket_route_is_seen() -> None:
    router = Router([route("/ws")])
    router.add_websocket_route("/ws", websocket_endpoint, name="ws")
    assert match(router, http_scope("/ws", type="websocket"))[0] is router.routes[1]


def test_in_place_operators_keep_the_list() -> None:
    router = Router([route("/a")])
    routes = router.routes
    routes += [route("/b")]
    routes *= 2
    assert router.routes is routes and len(routes) == 4
    assert picked(router, "/b") is routes[1]


def test_routes_stay_a_list() -> None:
    routes = [route("/a"), Mount("/m", app=Router())]
    router = Router(routes)
    assert isinstance(router.routes, list) and router.routes == routes and router.routes is not routes
    assert router.routes is router.routes
    assert router == Router(routes)
    assert repr(router.routes) == repr(routes)
    router.routes = router.routes
    assert router.routes == routes


@pytest.mark.parametrize("clone", [copy.copy, copy.deepcopy, lambda value: pickle.loads(pickle.dumps(value))])
def test_copies_hold_the_routes_not_the_index(clone: Callable[[Any], Any]) -> None:
    routes = RouteList(["a", "b"])
    index = routes.route_index(lambda item: None)
    cloned = clone(routes)
    assert type(cloned) is RouteList and cloned == ["a", "b"]
    assert cloned.route_index(lambda item: None) is not index
    assert routes.route_index(lambda item: None) is index


def test_the_index_is_built_once_per_change() -> None:
    calls: list[str] = []

    def file(item: str) -> None:
        calls.append(item)

    routes = RouteList(["a"])
    first = routes.route_index(file)
    assert routes.route_index(file) is first and calls == ["a"]
    routes.append("b")
    assert routes.route_index(file) is not first and calls == ["a", "a", "b"]


@pytest.mark.parametrize("kind", [Route, Mount])
def test_matches_patched_on_the_class_after_the_index_was_built(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch, kind: type[BaseRoute]
) -> None:
    async def plain(request: Request) -> Response:
        return PlainTextResponse(request.url.path)

    route: BaseRoute = Route("/a", plain) if kind is Route else Mount("/a", routes=[Route("/", plain)])
    client = test_client_factory(Router([route]))
    assert client.get("/b").status_code == 404  # NOTE: the index is built, "/a" filed by its path.
    original = kind.matches
    seen: list[str] = []

    def recording(self: BaseRoute, scope: Scope) -> tuple[Match, Scope]:
        seen.append(scope["path"])
        return original(self, scope)

    monkeypatch.setattr(kind, "matches", recording)
    assert client.get("/b").status_code == 404
    # NOTE: a patched matches may match anything: it is asked for every path (the slash-toggled one too).
    assert seen == ["/b", "/b/"]
    monkeypatch.undo()
    assert client.get("/b").status_code == 404
    assert seen == ["/b", "/b/"]


# --- convertors whose regex could reach out of its group -------------------------------------------------


class Alternation(Convertor[str]):
    regex = "a)|(b"  # wrapped in "(?P<x>...)" this compiles, and matches a bare "b" anywhere

    def convert(self, value: str) -> str:
        return str(value)

    def to_string(self, value: str) -> str:
        return value


@pytest.fixture
def alternation() -> Iterator[None]:
    CONVERTOR_TYPES["alternation"] = Alternation()
    yield
    del CONVERTOR_TYPES["alternation"]


@pytest.mark.usefixtures("alternation")
def test_a_convertor_reaching_out_of_its_group_is_always_tried() -> None:
    router = Router([route("/users/{x:alternation}", "odd"), route("/b", "b")])
    assert _route_filing(router.routes[0]) is None
    assert picked(router, "/users/a") is router.routes[0]
    assert picked(router, "b") is router.routes[0]


# --- properties ------------------------------------------------------------------------------------------

# Literal segments shared by templates and request paths, so that they often meet.
LITERAL = st.sampled_from(["a", "b", "é", "a.b", "", "x-y", "{1bad}", "{x", "a\n", "*"])
TEMPLATE_SEGMENT = st.one_of(LITERAL, LITERAL, st.sampled_from(["{x}", "{n:int}", "v{f:float}", "{p:path}"]))
PATH_SEGMENT = st.one_of(LITERAL, st.sampled_from(["1", "v1.5", "x", "b/a"]))
FILLED = {"{x}": "x", "{n:int}": "1", "v{f:float}": "v1.5", "{p:path}": "b/a"}


@given(st.text(alphabet="ab1./-_é٣ {}", max_size=12))
def test_escaped_is_re_escape(text: str) -> None:
    assert _escaped(text) == re.escape(text)


def odd_routes(parts: list[list[str]], methods: list[bool]) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for position, (segments, post_only) in enumerate(zip(parts, methods, strict=False)):
        template = "/" + "/".join(segments)
        try:
            if position % 4 == 3:
                routes.append(Mount(template, routes=[route("/")]))
            else:
                routes.append(route(template, str(position), methods=["POST"] if post_only else None))
        except (AssertionError, ValueError):
            continue  # not a valid template (e.g. a duplicated or unknown parameter)
    return routes


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.lists(TEMPLATE_SEGMENT, max_size=3), max_size=8),
    methods=st.lists(st.booleans(), min_size=8, max_size=8),
    path=st.lists(PATH_SEGMENT, max_size=4),
    aimed=st.one_of(st.none(), st.tuples(st.integers(0, 7), st.sampled_from(["", "/", "/1"]))),
    root_path=st.sampled_from(["", "/a", "/a."]),
)
def test_the_router_picks_what_a_scan_picks(
    parts: list[list[str]],
    methods: list[bool],
    path: list[str],
    aimed: tuple[int, str] | None,
    root_path: str,
) -> None:
    router = Router(odd_routes(parts, methods))
    if aimed is not None and parts:
        # A path aimed at one of the templates: its parameters filled in, then something appended.
        position, suffix = aimed
        path = [FILLED.get(segment, segment) for segment in parts[position % len(parts)]]
        path[-1:] = [(path[-1] if path else "") + suffix]
    for full_path in ("/" + "/".join(path), root_path + "/" + "/".join(path), "/".join(path)):
        for method in ("GET", "POST"):
            scope = http_scope(full_path, method=method, root_path=root_path)
            assert match(router, scope)[0] is scan(router.routes, scope)
            redirect = router._matcher.toggled(router, scope)
            toggled = dict(scope, path=full_path.rstrip("/") if full_path.endswith("/") else full_path + "/")
            expected = get_route_path(scope) != "/" and any(
                candidate.matches(toggled)[0] is not Match.NONE for candidate in router.routes
            )
            assert (redirect is not None) == expected


class Narrowing(Route):
    """Only matches when a header says so: ``matches`` narrows ``Route.matches``."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        verdict, child_scope = super().matches(scope)
        if verdict is not Match.NONE and (b"x-allow", b"1") not in scope.get("headers", []):
            return Match.NONE, {}
        return verdict, child_scope


class IndexedNarrowing(Narrowing):
    indexed_by_path = True


def test_an_overriding_subclass_opts_in_to_the_index() -> None:
    assert _route_filing(Narrowing("/a/{x}", labelled("n"))) is None
    indexed = IndexedNarrowing("/a/{x}", labelled("i"))
    assert _route_filing(indexed) == ("a",)
    router = Router([IndexedNarrowing("/a/{x}", labelled("i")), route("/a/{y}", "plain")])
    allowed = http_scope("/a/1", method="GET", headers=[(b"x-allow", b"1")])
    assert match(router, allowed)[0] is router.routes[0]
    assert match(router, http_scope("/a/1", method="GET"))[0] is router.routes[1]
    assert match(router, dict(allowed, path="/b/1"))[0] is None
