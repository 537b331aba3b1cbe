"""FastAPI through the import switch on the route index: its routes opt in, its routers' dispatch runs over the
routes that can match the request, and every response is the one FastAPI's own full scan gives."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from importlib.machinery import ModuleSpec
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starlette_c import _alias
from starlette_c._utils import get_route_path
from starlette_c.routing import Match, _route_filing
from starlette_c.types import Receive, Scope, Send
from tests.scopes import http_scope

# The starlette and fastapi modules of this process (the differential tests import the real starlette).
_FOREIGN = ("starlette", "fastapi")


def _entries() -> dict[str, ModuleType]:
    return {name: module for name, module in sys.modules.items() if name.partition(".")[0] in _FOREIGN}


@pytest.fixture(scope="module")
def fastapi_routing() -> Iterator[ModuleType]:
    """``fastapi.routing``, imported afresh with the switch on (the modules of this process set aside)."""
    saved = _entries()
    for name in saved:
        del sys.modules[name]
    _alias.enable()
    try:
        yield importlib.import_module("fastapi.routing")
    finally:
        _alias.disable()
        for name in _entries():
            del sys.modules[name]
        sys.modules.update(saved)


@pytest.fixture
def full_scan(fastapi_routing: ModuleType) -> Callable[[], Any]:
    """A context manager that puts FastAPI's own dispatch back for a while."""
    router_class = fastapi_routing.APIRouter

    class FullScan:
        def __enter__(self) -> None:
            self.adapted = router_class.app
            router_class.app = self.adapted.__wrapped__

        def __exit__(self, *exc_info: Any) -> None:
            router_class.app = self.adapted

    return FullScan


def test_fastapi_is_adapted(fastapi_routing: ModuleType) -> None:
    assert vars(fastapi_routing.APIRoute)["indexed_by_path"] is True
    assert vars(fastapi_routing.APIWebSocketRoute)["indexed_by_path"] is True
    dispatch = vars(fastapi_routing.APIRouter)["app"]
    assert dispatch.__wrapped__.__module__ == "fastapi.routing" and dispatch.__code__.co_filename == _alias.__file__
    loader = fastapi_routing.__loader__
    assert isinstance(loader, _alias._AdaptingLoader)
    assert loader.get_filename("fastapi.routing") == fastapi_routing.__file__


def build_app(fastapi_routing: ModuleType) -> Any:
    from fastapi import APIRouter, FastAPI, WebSocket
    from fastapi.responses import PlainTextResponse
    from starlette.routing import Host, Mount, Route, Router

    def text(label: str) -> Callable[..., Any]:
        async def endpoint(request: Any) -> PlainTextResponse:
            return PlainTextResponse(f"{label} {sorted(request.path_params.items())}")

        return endpoint

    class Widening(fastapi_routing.APIRoute):  # type: ignore[misc,name-defined]
        """A route class overriding matches without the opt-in: tried for every path, in its place."""

        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            if scope["type"] == "http" and scope["path"].startswith("/wide"):
                return Match.FULL, {"endpoint": self.endpoint, "path_params": {}, "route": self}
            verdict, child_scope = super().matches(scope)
            return verdict, child_scope

    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"item": item_id}

    for position in range(20):

        async def numbered(item_id: int, position: int = position) -> dict[str, int]:
            return {"position": position, "item": item_id}

        app.get(f"/items{position}/{{item_id}}", name=f"items{position}")(numbered)

    @app.post("/only-post/{x}")
    async def only_post(x: str) -> str:
        return x

    @app.get("/trailing/")
    async def trailing() -> str:
        return "trailing"

    async def chat(websocket: WebSocket, room: str) -> None:
        await websocket.accept()
        await websocket.send_text(room)
        await websocket.close()

    chat.__annotations__["websocket"] = WebSocket  # NOTE: a local name, which FastAPI cannot resolve from a string
    app.websocket("/ws/{room}")(chat)

    wide = APIRouter(route_class=Widening)

    @wide.get("/narrow/{x}")
    async def narrow(x: str) -> str:
        return f"wide {x}"

    api = APIRouter(prefix="/api")

    @api.get("/users/{user_id}")
    async def user(user_id: int) -> dict[str, int]:
        return {"user": user_id}

    app.include_router(wide)
    app.router.routes.insert(3, Widening("/direct/{x}", narrow))
    app.include_router(api)
    app.router.routes.append(Mount("/mounted", routes=[Route("/{x}", text("mounted"))]))
    app.router.routes.append(Host("other.org", app=Router([Route("/items/{x}", text("host"))])))
    app.add_route("/plain/{x}", text("plain"), methods=["GET", "PUT"])
    return app


REQUESTS = [
    ("GET", "/items/3"),
    ("GET", "/items/x"),
    ("GET", "/items7/4"),
    ("GET", "/items19/4/"),
    ("HEAD", "/items0/4"),
    ("POST", "/items/3"),
    ("GET", "/only-post/a"),
    ("POST", "/only-post/a"),
    ("GET", "/trailing"),
    ("GET", "/trailing/"),
    ("GET", "/trailing//"),
    ("GET", "/wide/anything"),
    ("GET", "/narrow/1"),
    ("GET", "/api/users/5"),
    ("GET", "/api/users/5/"),
    ("GET", "/api/users/x"),
    ("GET", "/mounted/m"),
    ("GET", "/mounted"),
    ("PUT", "/plain/p"),
    ("DELETE", "/plain/p"),
    ("GET", "/nope"),
    ("GET", "/nope/deeper/"),
    ("GET", "/"),
    ("GET", "/docs"),
    ("GET", "/openapi.json"),
    ("GET", "/late/1"),
    ("GET", "/first"),
]


def outcome(client: Any, method: str, path: str, host: str = "testserver") -> tuple[int, list[Any], bytes]:
    response = client.request(method, path, headers={"host": host}, follow_redirects=False)
    return response.status_code, sorted(response.headers.items()), response.content


def test_responses_are_those_of_the_full_scan(fastapi_routing: ModuleType, full_scan: Any) -> None:
    from fastapi.testclient import TestClient

    indexed = build_app(fastapi_routing)
    with full_scan():
        # NOTE: a router binds its dispatch when it is built.
        scanned = build_app(fastapi_routing)
    # NOTE: with a lifespan, which the adapted dispatch hands to FastAPI's.
    with TestClient(indexed) as client, TestClient(scanned) as reference:
        for step in range(3):
            for method, path in REQUESTS:
                for host in ("testserver", "other.org"):
                    found = outcome(client, method, path, host)
                    assert found == outcome(reference, method, path, host), (method, path, host)
            # Routes added after the first requests: at the end, then at the start.
            for app in (indexed, scanned):
                if step == 0:
                    app.get("/late/{x}")(lambda x: {"late": x})
                if step == 1:
                    app.get("/first")(lambda: "first")
                    app.router.routes.insert(0, app.router.routes.pop())
        with client.websocket_connect("/ws/lobby") as websocket:
            assert websocket.receive_text() == "lobby"


def test_the_dispatch_tries_only_what_can_match(fastapi_routing: ModuleType) -> None:
    app = build_app(fastapi_routing)

    def tried(path: str) -> list[str]:
        candidates = indexed_candidates(app.router, http_scope(path, method="GET"))
        return [getattr(route, "path", type(route).__name__) for route in candidates]

    assert "/items7/{item_id}" in tried("/items7/4") and "/items8/{item_id}" not in tried("/items7/4")
    assert tried("/nope/x") == ["/direct/{x}", "_IncludedRouter", "_IncludedRouter", "Host"]


def indexed_candidates(router: Any, scope: Scope) -> list[Any]:
    return _alias._fastapi_candidates(router.routes.route_index(_route_filing), scope, True, get_route_path)


SEGMENTS = ["a", "b", "{x}", "{n:int}", "{p:path}", "c{f:float}"]
REQUEST_SEGMENTS = ["a", "b", "1", "c1.5", "", "x/a"]


def fastapi_scan(routes: list[Any], scope: Scope) -> tuple[Any, Any]:
    """What FastAPI's dispatch looks for: the first full match, else the first partial one; and whether any
    route matches the path with its trailing slash toggled (FastAPI's redirect check)."""
    partial = None
    for route in routes:
        verdict, _ = route.matches(scope)
        if verdict is Match.FULL:
            return route, None
        if verdict is Match.PARTIAL and partial is None:
            partial = route
    path = scope["path"]
    toggled = dict(scope, path=path.rstrip("/") if path.endswith("/") else path + "/")
    return partial, next((route for route in routes if route.matches(toggled)[0] is not Match.NONE), None)


@settings(max_examples=150, deadline=None)
@given(
    templates=st.lists(st.tuples(st.lists(st.sampled_from(SEGMENTS), max_size=3), st.booleans()), max_size=8),
    path=st.lists(st.sampled_from(REQUEST_SEGMENTS), max_size=4),
    trailing=st.booleans(),
    method=st.sampled_from(["GET", "POST"]),
    root_path=st.sampled_from(["", "/a"]),
)
def test_candidates_hold_every_route_fastapi_would_pick(
    fastapi_routing: ModuleType,
    templates: list[tuple[list[str], bool]],
    path: list[str],
    trailing: bool,
    method: str,
    root_path: str,
) -> None:
    router = fastapi_routing.APIRouter()
    for segments, post in templates:
        template = "/" + "/".join(segments)
        try:
            router.add_api_route(template, lambda: None, methods=["POST"] if post else ["GET"])
        except (AssertionError, ValueError):
            continue  # not a valid template (a duplicated parameter)
    full_path = root_path + "/" + "/".join(path) + ("/" if trailing else "")
    scope = http_scope(full_path, method=method, root_path=root_path)
    candidates = indexed_candidates(router, scope)
    assert fastapi_scan(candidates, scope) == fastapi_scan(router.routes, scope)


def test_an_apiroute_named_by_the_scope_is_matched_by_fastapi(fastapi_routing: ModuleType) -> None:
    """An APIRoute that the scope names as an included router's route matches that route's path, which the
    index does not know: the dispatch then scans them all."""
    from fastapi.testclient import TestClient
    from starlette.responses import PlainTextResponse

    router = fastapi_routing.APIRouter()
    router.add_api_route("/own", lambda: "own")
    context = SimpleNamespace(
        original_route=router.routes[0],
        methods=None,
        app=PlainTextResponse("through the context"),
        matches=lambda scope: (Match.FULL, {}) if scope["path"] == "/elsewhere" else (Match.NONE, {}),
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["fastapi"] = {"effective_route_context": context}
        await router(scope, receive, send)

    assert TestClient(app).get("/elsewhere").text == "through the context"


def test_a_router_whose_routes_are_not_a_route_list_is_scanned(fastapi_routing: ModuleType) -> None:
    from fastapi.testclient import TestClient
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    class Listed(fastapi_routing.APIRouter):  # type: ignore[misc,name-defined]
        @property
        def routes(self) -> list[Any]:
            return self.listed

        @routes.setter
        def routes(self, routes: list[Any]) -> None:
            self.listed = list(routes)

    router = Listed()
    router.routes.append(Route("/here", PlainTextResponse("here")))
    client = TestClient(router)
    assert client.get("/here").text == "here"
    assert client.get("/there").status_code == 404


def test_unknown_fastapi_methods_are_left_alone() -> None:
    namespace: dict[str, Any] = {}
    exec("def sourceless(self, scope): pass", namespace)
    assert not _alias._vetted(namespace["sourceless"])

    class Route:
        def matches(self, scope: Scope) -> None: ...

    class Router:
        async def app(self, scope: Scope, receive: Receive, send: Send) -> None: ...

    dispatch = Router.app
    module = SimpleNamespace(APIRoute=Route, APIWebSocketRoute=Route, APIRouter=Router)
    _alias._adapt_fastapi_routing(module)  # type: ignore[arg-type]
    assert "indexed_by_path" not in vars(Route) and Router.app is dispatch


def test_the_adapted_module_is_found_by_the_other_finders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "meta_path", [_alias._finder])
    assert _alias._finder.find_spec("fastapi.routing", None) is None

    class Namespaced:
        def find_spec(self, fullname: str, path: Any, target: Any = None) -> ModuleSpec:
            return ModuleSpec(fullname, None)

    monkeypatch.setattr(sys, "meta_path", [_alias._finder, object(), Namespaced()])
    spec = _alias._finder.find_spec("fastapi.routing", None)
    assert spec is not None and spec.loader is None
