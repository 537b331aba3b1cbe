from __future__ import annotations

import contextlib
import functools
import json
import threading
import uuid
import warnings
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

import pytest

from starlette_c import routing
from starlette_c._pure import routing as pure_routing
from starlette_c.applications import Starlette
from starlette_c.background import BackgroundTask
from starlette_c.convertors import IntegerConvertor, PathConvertor, StringConvertor
from starlette_c.datastructures import URLPath
from starlette_c.endpoints import HTTPEndpoint
from starlette_c.exceptions import HTTPException, StarletteDeprecationWarning
from starlette_c.middleware import Middleware
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, Response
from starlette_c.routing import (
    BaseRoute,
    Host,
    Match,
    Mount,
    NoMatchFound,
    Route,
    Router,
    WebSocketRoute,
    compile_path,
    get_name,
    replace_params,
    request_response,
)
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send
from starlette_c.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory
from tests.differential.harness import Req, run_app

# --- endpoints shared by the tests ---------------------------------------------------------------


async def homepage(request: Request) -> Response:
    return PlainTextResponse("Hello, world")


async def echo_params(request: Request) -> Response:
    params = {key: str(value) for key, value in request.path_params.items()}
    return JSONResponse({"params": params, "types": {k: type(v).__name__ for k, v in request.path_params.items()}})


async def echo_paths(request: Request) -> Response:
    scope = request.scope
    return JSONResponse(
        {"path": scope["path"], "root_path": scope["root_path"], "app_root_path": scope.get("app_root_path")}
    )


def sync_endpoint(request: Request) -> Response:
    return PlainTextResponse(threading.current_thread().name)


async def ws_hello(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"params": {k: str(v) for k, v in websocket.path_params.items()}})
    await websocket.close()


class Counter:
    """Pure ASGI middleware adding a header that counts how many times it wrapped the response."""

    def __init__(self, app: ASGIApp, label: str = "x") -> None:
        self.app = app
        self.label = label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-middleware", self.label.encode())]
            await send(message)

        await self.app(scope, receive, send_with_header)


class AsgiApp:
    """A plain ASGI application instance."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse(f"asgi {scope['method']}")(scope, receive, send)


async def call(app: ASGIApp, scope: Scope) -> tuple[list[Message], Scope]:
    """Drive ``app`` directly and collect what it sends."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent, scope


async def receive_nothing() -> Message:
    raise AssertionError("not expected")  # pragma: no cover (never called)


async def send_nothing(message: Message) -> None:
    raise AssertionError("not expected")  # pragma: no cover (never called)


def http_scope(path: str, method: str = "GET", **extra: Any) -> Scope:
    scope = Req(method=method, path=path).scope()
    scope.update(extra)
    return scope


# --- compile_path / the pure twin ----------------------------------------------------------------


def test_compile_path_plain_and_params() -> None:
    regex, fmt, convertors = compile_path("/users/{id:int}/files/{rest:path}")
    assert regex.pattern == "^/users/(?P<id>[0-9]+)/files/(?P<rest>.*)$"
    assert fmt == "/users/{id}/files/{rest}"
    assert isinstance(convertors["id"], IntegerConvertor) and isinstance(convertors["rest"], PathConvertor)
    regex, fmt, convertors = compile_path("/a.b/{name}")
    assert regex.pattern == r"^/a\.b/(?P<name>[^/]+)$"
    assert isinstance(convertors["name"], StringConvertor)
    assert compile_path("/")[0].pattern == "^/$"


def test_compile_path_leaves_invalid_templates_literal() -> None:
    for path in ("/{1a}", "/{a:}", "/{ a }"):
        regex, fmt, convertors = compile_path(path)
        assert regex.match(path) and fmt == path and convertors == {}


def test_compile_path_unknown_convertor() -> None:
    with pytest.raises(AssertionError, match="^Unknown path convertor 'nope'$"):
        compile_path("/{x:nope}")


@pytest.mark.parametrize(
    "path, message",
    [
        ("/{id}/{id}", "Duplicated param name id at path /{id}/{id}"),
        ("/{b}/{b}/{a}/{a}/{b}", "Duplicated param names a, b at path /{b}/{b}/{a}/{a}/{b}"),
    ],
)
def test_compile_path_duplicated_params(path: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        compile_path(path)
    assert str(info.value) == message


def test_compile_host_is_case_insensitive_and_drops_port() -> None:
    regex, fmt, convertors = compile_path("{sub:str}.Example.org:8000")
    assert fmt == "{sub}.Example.org:8000"
    match = regex.match("API.EXAMPLE.ORG")
    assert match is not None and match.group("sub") == "API"
    assert regex.match("api.example.org:8000") is None
    assert compile_path("example.org")[0].match("EXAMPLE.org")


def test_compile_host_folds_case_of_the_whole_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    class Lower(StringConvertor):
        regex = "[a-z]+"

    monkeypatch.setitem(routing.CONVERTOR_TYPES, "lower", Lower())
    regex = compile_path("{name:lower}.example.org")[0]
    # NOTE: as 1.10: host patterns are compiled with re.IGNORECASE, convertor regexes included.
    assert regex.match("abc.EXAMPLE.org") and regex.match("ABC.example.org")


@pytest.mark.parametrize(
    "template, pattern",
    [("[::1]:8000", r"^\[::1\]$"), ("[::1]", r"^\[::1\]$"), ("a:b:c", "^a:b$"), ("x.org:", r"^x\.org$"), ("x", "^x$")],
)
def test_compile_host_drops_only_the_port(template: str, pattern: str) -> None:
    regex, host_format, _ = compile_path(template)
    assert (regex.pattern, host_format) == (pattern, template)


def test_match_path_converts_and_merges_params() -> None:
    regex, _, convertors = compile_path("/items/{id:int}/{price:float}")
    assert pure_routing.match_path(regex, convertors, "/items/3/2.5", {}) == {"id": 3, "price": 2.5}
    outer = {"path_params": {"id": "outer", "org": "acme"}}
    params = pure_routing.match_path(regex, convertors, "/items/3/2.5", outer)
    assert params == {"id": 3, "org": "acme", "price": 2.5} and list(params) == ["id", "org", "price"]
    assert outer["path_params"] == {"id": "outer", "org": "acme"}
    assert pure_routing.match_path(regex, convertors, "/items/x/2.5", outer) is None
    assert pure_routing.match_path(regex, convertors, "/items/" + "1" * 5000 + "/2.5", {}) is None


def test_match_mount() -> None:
    regex, _, convertors = compile_path("/org/{org}/{path:path}")
    scope = {"path_params": {"path": "outer"}}
    assert pure_routing.match_mount(regex, convertors, "/org/acme/repos/1", scope) == (
        {"path": "outer", "org": "acme"},
        "/org/acme",
    )
    assert pure_routing.match_mount(regex, convertors, "/org/acme/", {}) == ({"org": "acme"}, "/org/acme")
    assert pure_routing.match_mount(regex, convertors, "/org/acme", {}) is None
    int_regex, _, int_convertors = compile_path("/n/{n:int}/{path:path}")
    assert pure_routing.match_mount(int_regex, int_convertors, "/n/" + "1" * 5000 + "/x", {}) is None


def test_request_host() -> None:
    def host(*headers: tuple[bytes, bytes]) -> str:
        return routing._request_host({"headers": list(headers)})

    assert host((b"x", b"y"), (b"host", b"Example.org:80"), (b"host", b"b")) == "example.org"
    assert host((b"Host", b"upper-case-name.org")) == ""
    assert host() == "" and routing._request_host({}) == ""
    assert host((b"host", b"[::1]:8000")) == "[::1]"
    for malformed in (b"", b" ", b"a b", b"a:", b"a:x", b"u@h", b"h/p", b"::1", b"[::1", b"\xc3\xa9"):
        assert host((b"host", malformed)) == "", malformed


# --- small helpers -------------------------------------------------------------------------------


def test_no_match_found_message() -> None:
    assert str(NoMatchFound("user", {"id": 1, "x": 2})) == 'No route exists for name "user" and params "id, x".'
    assert str(NoMatchFound("user", {})) == 'No route exists for name "user" and params "".'


def test_match_enum() -> None:
    assert [(m.name, m.value) for m in Match] == [("NONE", 0), ("PARTIAL", 1), ("FULL", 2)]


def test_get_name() -> None:
    class Endpoint:
        def method(self) -> None:
            pass  # pragma: no cover (never called)

    assert get_name(homepage) == "homepage"
    assert get_name(Endpoint) == "Endpoint"
    assert get_name(Endpoint()) == "Endpoint"
    assert get_name(Endpoint().method) == "method"
    assert get_name(functools.partial(homepage)) == "partial"


def test_replace_params_consumes_used_keys() -> None:
    params: dict[str, Any] = {"id": 3, "other": "x"}
    path, remaining = replace_params("/u/{id}", {"id": IntegerConvertor()}, params)
    assert path == "/u/3" and remaining == {"other": "x"} and remaining is params


def test_public_names() -> None:
    assert routing.PARAM_REGEX.pattern == "{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}"
    assert "str" in routing.CONVERTOR_TYPES
    assert routing.Headers.__name__ == "Headers"


# --- Route ---------------------------------------------------------------------------------------


def test_route_attributes() -> None:
    route = Route("/users/{id:int}", echo_params)
    assert route.name == "echo_params" and route.path == "/users/{id:int}"
    assert route.methods == {"GET", "HEAD"} and route.include_in_schema is True
    assert route.path_format == "/users/{id}" and route.endpoint is echo_params
    assert repr(route) == "Route(path='/users/{id:int}', name='echo_params', methods=['GET', 'HEAD'])"
    route = Route("/", homepage, methods=["post", "put"], name="home", include_in_schema=False)
    assert route.methods == {"POST", "PUT"} and route.name == "home" and not route.include_in_schema
    assert Route("/", homepage, methods=[]).methods == set()
    assert repr(Route("/", AsgiApp())) == "Route(path='/', name='AsgiApp', methods=[])"
    assert Route("/", AsgiApp()).methods is None


def test_route_requires_leading_slash() -> None:
    with pytest.raises(AssertionError, match="^Routed paths must start with '/'$"):
        Route("users", homepage)


def test_route_equality() -> None:
    assert Route("/", homepage) == Route("/", homepage)
    assert Route("/", homepage) != Route("/", homepage, methods=["POST"])
    assert Route("/", homepage) != Route("/x", homepage)
    assert Route("/", homepage) != Route("/", echo_params)
    assert Route("/", homepage) != WebSocketRoute("/", homepage)
    with pytest.raises(TypeError):
        hash(Route("/", homepage))


def test_route_matches() -> None:
    route = Route("/users/{id:int}", echo_params, methods=["POST"])
    match, child = route.matches(http_scope("/users/5", "POST", path_params={"outer": "x"}))
    assert match is Match.FULL and child == {"endpoint": echo_params, "path_params": {"outer": "x", "id": 5}}
    match, child = route.matches(http_scope("/users/5"))
    assert match is Match.PARTIAL and child["path_params"] == {"id": 5}
    assert route.matches(http_scope("/users/x", "POST")) == (Match.NONE, {})
    assert route.matches({"type": "websocket", "path": "/users/5"}) == (Match.NONE, {})


@pytest.mark.parametrize(
    "path, root_path, expected",
    [
        ("/about", "", Match.FULL),
        ("/about\n", "", Match.NONE),  # routes match the whole path: a final newline is part of it
        ("/about/", "", Match.NONE),
        ("/abou", "", Match.NONE),
        ("/about\n\n", "", Match.NONE),
        ("/app/about", "/app", Match.FULL),
        ("/app/about", "", Match.NONE),
    ],
)
def test_route_without_params_matches_like_its_regex(path: str, root_path: str, expected: Match) -> None:
    route = Route("/about", echo_params)
    scope = {**http_scope(path), "root_path": root_path}
    match, child = route.matches(scope)
    assert match is expected
    assert (route.path_regex.fullmatch(routing.get_route_path(scope)) is not None) is (expected is Match.FULL)
    if expected is Match.FULL:
        assert child == {"endpoint": echo_params, "path_params": {}}


def test_route_without_params_copies_outer_path_params() -> None:
    route = Route("/about", echo_params)
    outer = {"tenant": "a"}
    match, child = route.matches(http_scope("/about", path_params=outer))
    assert match is Match.FULL and child["path_params"] == outer and child["path_params"] is not outer


def test_route_subclass_skipping_init_matches_with_its_regex() -> None:
    # NOTE: FastAPI's APIRoute sets path_regex & co. itself instead of calling Route.__init__.
    class OwnInit(Route):
        def __init__(self, path: str) -> None:
            self.path = path
            self.endpoint = echo_params
            self.methods = None
            self.path_regex, self.path_format, self.param_convertors = routing.compile_path(path)

    route = OwnInit("/plain")
    assert route.matches(http_scope("/plain"))[0] is Match.FULL
    assert route.matches(http_scope("/other"))[0] is Match.NONE


def test_websocket_session_reraises_unhandled_errors(test_client_factory: TestClientFactory) -> None:
    async def boom(websocket: WebSocket) -> None:
        raise ValueError("boom")

    client = test_client_factory(Router([WebSocketRoute("/ws", boom)]))
    with pytest.raises(ValueError, match="^boom$"), client.websocket_connect("/ws"):
        pass  # pragma: no cover (the endpoint fails before accepting)


def test_route_url_path_for() -> None:
    route = Route("/users/{id:int}", echo_params, name="user")
    url = route.url_path_for("user", id=3)
    assert url == "/users/3" and url.protocol == "http"
    with pytest.raises(NoMatchFound, match='"user" and params "other"'):
        route.url_path_for("user", other=3)
    with pytest.raises(NoMatchFound, match='"nope" and params "id"'):
        route.url_path_for("nope", id=3)


def test_route_endpoint_kinds(test_client_factory: TestClientFactory) -> None:
    class Endpoint(HTTPEndpoint):
        async def get(self, request: Request) -> Response:
            return PlainTextResponse("class get")

    class Bound:
        async def handler(self, request: Request) -> Response:
            return PlainTextResponse("bound method")

    async def with_suffix(request: Request, suffix: str) -> Response:
        return PlainTextResponse(f"partial {suffix}")

    app = Router(
        [
            Route("/class", Endpoint),
            Route("/asgi", AsgiApp()),
            Route("/method", Bound().handler),
            Route("/partial", functools.partial(with_suffix, suffix="!")),
            Route("/sync", sync_endpoint),
        ]
    )
    client = test_client_factory(app)
    assert client.get("/class").text == "class get"
    assert client.post("/class").status_code == 405
    assert client.delete("/asgi").text == "asgi DELETE"
    assert client.get("/method").text == "bound method"
    assert client.get("/partial").text == "partial !"
    assert client.get("/sync").text != threading.current_thread().name
    assert client.head("/sync").status_code == 200


def test_route_method_not_allowed_outside_app(test_client_factory: TestClientFactory) -> None:
    app = Router([Route("/", homepage, methods=["GET", "POST", "delete"])])
    response = test_client_factory(app).put("/")
    assert response.status_code == 405 and response.text == "Method Not Allowed"
    assert response.headers["allow"] == "DELETE, GET, HEAD, POST"


def test_route_method_not_allowed_inside_app(test_client_factory: TestClientFactory) -> None:
    seen: list[HTTPException] = []

    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        seen.append(exc)
        return PlainTextResponse("handled", status_code=exc.status_code, headers=exc.headers)

    app = Starlette(routes=[Route("/", homepage, methods=["POST"])], exception_handlers={405: handler})
    response = test_client_factory(app).get("/")
    assert response.status_code == 405 and response.text == "handled" and response.headers["allow"] == "POST"
    assert seen[0].headers == {"Allow": "POST"}


def test_route_middleware(test_client_factory: TestClientFactory) -> None:
    route = Route("/", homepage, middleware=[Middleware(Counter, "outer"), Middleware(Counter, label="inner")])
    response = test_client_factory(Router([route])).get("/")
    assert response.headers.get_list("x-middleware") == ["inner", "outer"]


def test_subclasses_extend_matches_and_handle(test_client_factory: TestClientFactory) -> None:
    class TaggedRoute(Route):
        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            match, child_scope = super().matches(scope)
            if match is not Match.NONE:
                child_scope["route"] = self
            return match, child_scope

        async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
            scope["handled_by"] = "tagged"
            await super().handle(scope, receive, send)

    async def show(request: Request) -> Response:
        return PlainTextResponse(f"{request.scope['route'].path} {request.scope['handled_by']}")

    app = Router([TaggedRoute("/tagged", show)])
    assert test_client_factory(app).get("/tagged").text == "/tagged tagged"


# --- WebSocketRoute ------------------------------------------------------------------------------


def test_websocket_route_attributes() -> None:
    route = WebSocketRoute("/ws/{room}", ws_hello)
    assert route.name == "ws_hello" and repr(route) == "WebSocketRoute(path='/ws/{room}', name='ws_hello')"
    assert route == WebSocketRoute("/ws/{room}", ws_hello)
    assert route != WebSocketRoute("/other", ws_hello)
    assert route != Route("/ws/{room}", ws_hello)
    url = route.url_path_for("ws_hello", room="a")
    assert url == "/ws/a" and url.protocol == "websocket"
    with pytest.raises(NoMatchFound):
        route.url_path_for("ws_hello")
    with pytest.raises(AssertionError, match="^Routed paths must start with '/'$"):
        WebSocketRoute("ws", ws_hello)


def test_websocket_route_matches() -> None:
    route = WebSocketRoute("/ws/{room}", ws_hello)
    match, child = route.matches({"type": "websocket", "path": "/ws/a", "path_params": {"x": 1}})
    assert match is Match.FULL and child == {"endpoint": ws_hello, "path_params": {"x": 1, "room": "a"}}
    assert route.matches({"type": "websocket", "path": "/other"}) == (Match.NONE, {})
    assert route.matches(http_scope("/ws/a")) == (Match.NONE, {})


def test_websocket_routes(test_client_factory: TestClientFactory) -> None:
    class Asgi:
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            websocket = WebSocket(scope, receive, send)
            await websocket.accept()
            await websocket.send_text("asgi")
            await websocket.close()

    seen: list[str] = []

    class Record:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(scope["type"])
            await self.app(scope, receive, send)

    app = Router(
        [
            WebSocketRoute("/ws/{room}", ws_hello, middleware=[Middleware(Record)]),
            WebSocketRoute("/asgi", Asgi()),
        ]
    )
    client = test_client_factory(app)
    with client.websocket_connect("/ws/lobby") as session:
        assert session.receive_json() == {"params": {"room": "lobby"}}
    with client.websocket_connect("/asgi") as session:
        assert session.receive_text() == "asgi"
    assert seen == ["websocket"]
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/missing"):
        pass  # pragma: no cover (the connection is refused)
    assert info.value.code == 1000


def test_websocket_session_exception_handling(test_client_factory: TestClientFactory) -> None:
    async def raise_error(websocket: WebSocket) -> None:
        raise ValueError("boom")

    handled: list[str] = []

    async def on_value_error(websocket: WebSocket, exc: Exception) -> None:
        handled.append(str(exc))
        await websocket.close(code=1011)

    app = Starlette(
        routes=[WebSocketRoute("/error", raise_error)],
        exception_handlers={ValueError: on_value_error},
    )
    client = test_client_factory(app)
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/error"):
        pass  # pragma: no cover (the connection is refused)
    assert info.value.code == 1011 and handled == ["boom"]


# --- Mount ---------------------------------------------------------------------------------------


def test_mount_attributes() -> None:
    inner = [Route("/", homepage, name="home")]
    mount = Mount("/users/", routes=inner, name="users")
    assert mount.path == "/users" and mount.routes == inner and mount.name == "users"
    assert isinstance(mount.app, Router)
    assert repr(mount).startswith("Mount(path='/users', name='users', app=<starlette_c.routing.Router object")
    app = AsgiApp()
    assert Mount("/x", app=app).routes == [] and repr(Mount("", app=app)).startswith("Mount(path='', name='', app=")
    assert Mount("/x", app=app) == Mount("/x/", app=app)
    assert Mount("/x", app=app) != Mount("/y", app=app)
    assert Mount("/x", routes=inner) == Mount("/x", routes=list(inner))
    assert Mount("/x", app=app) != Host("x", app=app)


def test_mount_requires_app_or_routes() -> None:
    with pytest.raises(AssertionError, match="^Either 'app=...', or 'routes=' must be specified$"):
        Mount("/x")
    with pytest.raises(AssertionError, match="^Routed paths must start with '/'$"):
        Mount("x", app=AsgiApp())


def test_mount_matches() -> None:
    mount = Mount("/org/{org}", app=AsgiApp())
    match, child = mount.matches(http_scope("/root/org/acme/repos", root_path="/root", path_params={"a": 1}))
    assert match is Match.FULL
    assert child == {
        "path_params": {"a": 1, "org": "acme"},
        "app_root_path": "/root",
        "root_path": "/root/org/acme",
        "endpoint": mount.app,
    }
    match, child = mount.matches(http_scope("/org/acme/", app_root_path="/kept"))
    assert child["app_root_path"] == "/kept" and child["root_path"] == "/org/acme"
    assert mount.matches(http_scope("/org/acme")) == (Match.NONE, {})
    assert mount.matches({"type": "lifespan"}) == (Match.NONE, {})
    ws_match, _ = mount.matches({"type": "websocket", "path": "/org/a/b"})
    assert ws_match is Match.FULL


def test_mount_keeps_outer_path_param_named_path() -> None:
    _, child = Mount("/m", app=AsgiApp()).matches(http_scope("/m/inner", path_params={"path": "outer"}))
    assert child["path_params"] == {"path": "outer"}


def test_mount_url_path_for() -> None:
    mount = Mount(
        "/m/{x}",
        routes=[Route("/r/{y}", homepage, name="r"), Mount("/s", app=AsgiApp(), name="s")],
        name="m",
    )
    assert mount.url_path_for("m:r", y="2", x="1") == "/m/1/r/2"
    assert mount.url_path_for("m:s", path="/q", x="1") == "/m/1/s/q"
    assert mount.url_path_for("m:s", path="/q") == "/m/{x}/s/q"
    assert mount.url_path_for("m", path="/a/b", x="1") == "/m/1/a/b"
    with pytest.raises(NoMatchFound, match='"m" and params "y"'):
        mount.url_path_for("m", path="/a", x="1", y=2)
    with pytest.raises(NoMatchFound, match='"m:r" and params "y, z"'):
        mount.url_path_for("m:r", y="2", x="1", z=3)
    with pytest.raises(NoMatchFound, match='"other:r"'):
        mount.url_path_for("other:r", y="2", x="1")
    anonymous = Mount("", routes=[Route("/", homepage, name="home")])
    assert anonymous.url_path_for("home") == "/"
    ws = Mount("/live", routes=[WebSocketRoute("/feed", ws_hello, name="feed")])
    assert ws.url_path_for("feed").protocol == "websocket"


def test_mounted_routes(test_client_factory: TestClientFactory) -> None:
    app = Router(
        [
            Mount(
                "/users",
                routes=[Route("/", homepage), Route("/{id:int}", echo_params), Route("/paths/{x}", echo_paths)],
                middleware=[Middleware(Counter, "mount")],
            ),
            Mount("/static", app=AsgiApp(), name="static"),
        ]
    )
    client = test_client_factory(app)
    response = client.get("/users/")
    assert response.text == "Hello, world" and response.headers["x-middleware"] == "mount"
    assert client.get("/users/7").json() == {"params": {"id": "7"}, "types": {"id": "int"}}
    assert client.get("/users/paths/a").json() == {"path": "/users/paths/a", "root_path": "/users", "app_root_path": ""}
    response = client.get("/users", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "http://testserver/users/"
    assert client.get("/users/nope").status_code == 404
    assert client.post("/static/anything").text == "asgi POST"
    assert app.url_path_for("static", path="/css/base.css") == "/static/css/base.css"


@pytest.mark.anyio
async def test_mount_with_root_path() -> None:
    app = Router([Mount("/sub", routes=[Route("/paths", echo_paths)])])
    outcome = await run_app(app, Req(path="/proxy/sub/paths", root_path="/proxy"))
    assert json.loads(outcome.body) == {
        "path": "/proxy/sub/paths",
        "root_path": "/proxy/sub",
        "app_root_path": "/proxy",
    }


# --- Host ----------------------------------------------------------------------------------------


def test_host_attributes() -> None:
    inner = Router([Route("/", homepage, name="home")])
    host = Host("{sub}.example.org", app=inner, name="sub")
    assert host.routes == inner.routes and host.host_format == "{sub}.example.org"
    assert repr(host).startswith("Host(host='{sub}.example.org', name='sub', app=<starlette_c.routing.Router")
    assert Host("a.org", app=inner) == Host("a.org", app=inner)
    assert Host("a.org", app=inner) != Host("b.org", app=inner)
    assert Host("a.org", app=inner) != Mount("/a", app=inner)
    assert Host("a.org", app=AsgiApp()).routes == []
    assert repr(Host("a.org", app=inner)).startswith("Host(host='a.org', name='', app=")
    with pytest.raises(AssertionError, match="^Host must not start with '/'$"):
        Host("/a", app=inner)


def test_host_matches() -> None:
    app = AsgiApp()
    host = Host("{sub}.example.org", app=app)
    scope = http_scope("/", headers=[(b"host", b"API.Example.ORG:8080")], path_params={"a": 1})
    assert host.matches(scope) == (Match.FULL, {"path_params": {"a": 1, "sub": "api"}, "endpoint": app})
    assert host.matches(http_scope("/", headers=[(b"host", b"other.org")]))[0] is Match.NONE
    assert host.matches({"type": "websocket", "headers": []}) == (Match.NONE, {})
    assert host.matches({"type": "lifespan"}) == (Match.NONE, {})


def test_host_url_path_for() -> None:
    host = Host(
        "{sub}.example.org:8000",
        app=Router([Route("/r", homepage, name="r"), WebSocketRoute("/w", ws_hello, name="w")]),
        name="h",
    )
    url = host.url_path_for("h:w", sub="api")
    assert (str(url), url.protocol, url.host) == ("/w", "websocket", "api.example.org:8000")
    assert url.make_absolute_url("http://ignored.org") == "ws://api.example.org:8000/w"
    assert host.url_path_for("h", path="/a", sub="x").host == "x.example.org:8000"
    with pytest.raises(NoMatchFound, match='"h" and params "extra"'):
        host.url_path_for("h", path="/a", sub="x", extra=1)
    with pytest.raises(NoMatchFound, match='"h:zz" and params ""'):
        host.url_path_for("h:zz", sub="a")
    anonymous = Host("a.org", app=Router([Route("/r", homepage, name="r")]))
    assert anonymous.url_path_for("r").host == "a.org"


def test_host_routing(test_client_factory: TestClientFactory) -> None:
    api = Router([Route("/", echo_params, name="api_home")])
    www = Router([Route("/", homepage, name="home")])
    app = Router([Host("{sub}.example.org", api, name="api")])
    app.routes.insert(0, Host("WWW.example.org", app=www))
    client = test_client_factory(app, base_url="https://www.example.org")
    assert client.get("/").text == "Hello, world"
    client = test_client_factory(app, base_url="https://Tenant.EXAMPLE.org")
    assert client.get("/").json()["params"] == {"sub": "tenant"}  # httpx lowercases the host
    client = test_client_factory(app, base_url="https://elsewhere.org")
    assert client.get("/").status_code == 404
    assert app.url_path_for("api:api_home", sub="x").host == "x.example.org"


# --- Router --------------------------------------------------------------------------------------


def test_router_basic(test_client_factory: TestClientFactory) -> None:
    app = Router([Route("/", homepage, name="home"), Route("/items/{id:int}", echo_params, name="item")])
    client = test_client_factory(app)
    assert client.get("/").text == "Hello, world"
    assert client.get("/items/3").json() == {"params": {"id": "3"}, "types": {"id": "int"}}
    response = client.get("/missing")
    assert response.status_code == 404 and response.text == "Not Found"
    assert app.url_path_for("item", id=4) == "/items/4"
    with pytest.raises(NoMatchFound, match='No route exists for name "missing" and params "a".'):
        app.url_path_for("missing", a=1)


def test_routes_are_mutable_after_construction(test_client_factory: TestClientFactory) -> None:
    app = Router()
    client = test_client_factory(app)
    assert client.get("/late").status_code == 404
    app.routes.append(Route("/late", homepage))
    assert client.get("/late").text == "Hello, world"
    app.add_route("/added", homepage, methods=["POST"], name="added", include_in_schema=False)
    assert client.post("/added").status_code == 200 and app.routes[-1].include_in_schema is False  # type: ignore[attr-defined]
    app.add_websocket_route("/ws/{room}", ws_hello, name="ws")
    with client.websocket_connect("/ws/a") as session:
        assert session.receive_json() == {"params": {"room": "a"}}
    app.mount("/m", AsgiApp(), name="m")
    assert client.get("/m/x").text == "asgi GET"
    app.host("h.org", AsgiApp(), name="h")
    assert repr(app.routes[-1]).startswith("Host(host='h.org', name='h', app=")
    assert test_client_factory(app, base_url="http://h.org").get("/anything").text == "asgi GET"


def test_first_full_match_beats_earlier_partial(test_client_factory: TestClientFactory) -> None:
    async def post_only(request: Request) -> Response:
        return PlainTextResponse("post")  # pragma: no cover (never chosen)

    app = Router(
        [
            Route("/x", post_only, methods=["POST"]),
            Route("/x", homepage),
            Route("/y", post_only, methods=["POST"]),
            Route("/y", post_only, methods=["PUT"]),
        ]
    )
    client = test_client_factory(app)
    assert client.get("/x").text == "Hello, world"
    response = client.get("/y")
    assert response.status_code == 405 and response.headers["allow"] == "POST"


def test_route_priority(test_client_factory: TestClientFactory) -> None:
    async def me(request: Request) -> Response:
        return PlainTextResponse("me")

    app = Router([Route("/users/me", me), Route("/users/{username}", echo_params)])
    client = test_client_factory(app)
    assert client.get("/users/me").text == "me"
    assert client.get("/users/bob").json()["params"] == {"username": "bob"}


def test_redirect_slashes(test_client_factory: TestClientFactory) -> None:
    app = Router([Route("/with/", homepage), Route("/without", homepage), Mount("/m", app=AsgiApp())])
    client = test_client_factory(app)
    response = client.get("/with?a=1", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "http://testserver/with/?a=1"
    response = client.get("/without/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "http://testserver/without"
    response = client.get("/without///", follow_redirects=False)
    assert response.headers["location"] == "http://testserver/without"
    assert client.get("/with").text == "Hello, world"
    assert client.get("/nothing/", follow_redirects=False).status_code == 404
    assert client.post("/without/", follow_redirects=False).status_code == 307


def test_redirect_slashes_disabled(test_client_factory: TestClientFactory) -> None:
    app = Router([Route("/with/", homepage)], redirect_slashes=False)
    assert test_client_factory(app).get("/with", follow_redirects=False).status_code == 404


def test_redirect_slashes_ignores_root_and_websockets(test_client_factory: TestClientFactory) -> None:
    app = Router([Route("/x", homepage), WebSocketRoute("/ws/", ws_hello)], redirect_slashes=True)
    client = test_client_factory(app)
    assert client.get("/", follow_redirects=False).status_code == 404
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws"):
        pass  # pragma: no cover (the connection is refused)


@pytest.mark.anyio
async def test_redirect_keeps_root_path() -> None:
    app = Router([Route("/x/", homepage)])
    outcome = await run_app(app, Req(path="/api/x", root_path="/api", query_string=b"q=1"))
    assert outcome.status == 307 and (b"location", b"http://testserver/api/x/?q=1") in outcome.headers


@pytest.mark.anyio
async def test_redirect_toggles_by_the_route_path() -> None:
    # NOTE: the path equal to a root path that ends in "/" is route path "": it gains a slash, as the route path says.
    app = Router([Route("/", homepage)])
    outcome = await run_app(app, Req(path="/api/", root_path="/api/"))
    assert outcome.status == 307 and (b"location", b"http://testserver/api//") in outcome.headers
    outcome = await run_app(app, Req(path="/api//", root_path="/api/"))
    assert outcome.status == 200


def test_url_path_for_cannot_name_another_host() -> None:
    router = Router(
        [Route("/{path:path}", homepage, name="any"), Mount("/m", routes=[Route("/{path:path}", homepage, name="in")])]
    )
    assert router.url_path_for("any", path="/example.org/a") == "/%2Fexample.org/a"
    assert router.url_path_for("any", path="\\example.org/a\\b") == "/%5Cexample.org/a%5Cb"
    assert router.url_path_for("in", path="/x") == "/m/%2Fx"
    assert router.url_path_for("any", path="a//b?c#d") == "/a//b?c#d"
    assert URLPath("//x", "http").make_absolute_url("https://example.com/base/") == "https://example.com/base/%2Fx"


def test_default_app(test_client_factory: TestClientFactory) -> None:
    app = Router([Route("/", homepage)], default=AsgiApp())
    assert test_client_factory(app).get("/nowhere").text == "asgi GET"


def test_not_found_inside_application(test_client_factory: TestClientFactory) -> None:
    async def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("custom 404", status_code=404)

    app = Starlette(routes=[Route("/", homepage)], exception_handlers={404: not_found})
    response = test_client_factory(app).get("/nowhere")
    assert response.status_code == 404 and response.text == "custom 404"


@pytest.mark.anyio
async def test_not_found_raises_inside_app() -> None:
    router = Router()
    with pytest.raises(HTTPException) as info:
        await call(router, http_scope("/x", app=object()))
    assert info.value.status_code == 404


def test_router_sets_router_in_scope_once(test_client_factory: TestClientFactory) -> None:
    async def show(request: Request) -> Response:
        return PlainTextResponse(str(request.scope["router"] is outer))

    outer = Router([Mount("/inner", routes=[Route("/", show)])])
    assert test_client_factory(outer).get("/inner/").text == "True"


@pytest.mark.anyio
async def test_router_rejects_unknown_scope_types() -> None:
    with pytest.raises(AssertionError):
        await call(Router(), {"type": "smtp"})


def test_router_middleware(test_client_factory: TestClientFactory) -> None:
    app = Router([Route("/", homepage)], middleware=[Middleware(Counter, "router")])
    assert test_client_factory(app).get("/").headers["x-middleware"] == "router"
    assert test_client_factory(app).get("/nothing").headers["x-middleware"] == "router"


def test_router_middleware_stack_replaced_after_init_is_used(test_client_factory: TestClientFactory) -> None:
    router = Router([Route("/", homepage)])
    router.middleware_stack = Counter(router.app, "replaced")
    response = test_client_factory(router).get("/")
    assert response.text == "Hello, world" and response.headers["x-middleware"] == "replaced"


def test_router_subclass_app_override_is_called(test_client_factory: TestClientFactory) -> None:
    class TaggingRouter(Router):
        async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
            scope["tagged"] = True
            await super().app(scope, receive, send)

    async def show(request: Request) -> Response:
        return PlainTextResponse(str(request.scope.get("tagged")))

    assert test_client_factory(TaggingRouter([Route("/", show)])).get("/").text == "True"


class ExtendingRouter(Router):
    """Redefines ``routes``: what it assigned, then the routes of its ``extra`` list as they are at each read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.extra: list[BaseRoute] = []
        self.reads = 0
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def routes(self) -> list[BaseRoute]:
        self.reads += 1
        return [*self.assigned, *self.extra]

    @routes.setter
    def routes(self, routes: list[BaseRoute]) -> None:
        self.assigned = list(routes)


@pytest.mark.parametrize("in_app", [False, True], ids=["router", "app"])
def test_router_subclass_redefining_routes_routes_over_them(
    test_client_factory: TestClientFactory, in_app: bool
) -> None:
    router = ExtendingRouter([Route("/", homepage)])
    app: ASGIApp = router
    if in_app:
        starlette = Starlette()
        starlette.router = router
        app = starlette
    client = test_client_factory(app)
    assert client.get("/").text == "Hello, world"
    assert client.get("/users/me").status_code == 404
    reads = router.reads
    # NOTE: read again for every request, so a route added to what it reads serves the next one.
    router.extra.append(Route("/users/me", homepage))
    assert client.get("/users/me").text == "Hello, world"
    assert client.get("/users/me/", follow_redirects=False).headers["location"] == "http://testserver/users/me"
    assert router.reads > reads
    assert router.url_path_for("homepage") == "/"


def test_router_subclass_routes_giving_a_route_list_keeps_its_index(test_client_factory: TestClientFactory) -> None:
    class Keeping(Router):
        @property  # type: ignore[override]
        def routes(self) -> list[BaseRoute]:
            return self._routes

        @routes.setter
        def routes(self, routes: list[BaseRoute]) -> None:
            Router.routes.fset(self, routes)  # type: ignore[attr-defined]

    router = Keeping([Route("/", homepage)])
    assert test_client_factory(router).get("/").text == "Hello, world"
    assert router._route_list() is router._routes and router._routes._index is not None


def test_router_app_serves_when_called_directly(test_client_factory: TestClientFactory) -> None:
    router = Router([Route("/", homepage)])
    client = test_client_factory(router.app)
    assert client.get("/").text == "Hello, world"
    assert client.get("/missing").status_code == 404


def test_router_equality() -> None:
    assert Router([Route("/", homepage)]) == Router([Route("/", homepage)])
    assert Router([Route("/", homepage)]) != Router([])
    assert Router() != object()


# --- BaseRoute as a standalone app ---------------------------------------------------------------


@pytest.mark.anyio
async def test_base_route_is_abstract() -> None:
    route = BaseRoute()
    with pytest.raises(NotImplementedError):
        route.matches({})
    with pytest.raises(NotImplementedError):
        route.url_path_for("x")
    with pytest.raises(NotImplementedError):
        await route.handle({}, receive_nothing, send_nothing)


def test_standalone_route(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Route("/", homepage))
    assert client.get("/").text == "Hello, world"
    response = client.get("/missing")
    assert response.status_code == 404 and response.text == "Not Found"
    response = client.post("/")
    assert response.status_code == 405 and response.text == "Method Not Allowed"


def test_standalone_websocket_route(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WebSocketRoute("/ws", ws_hello))
    with client.websocket_connect("/ws") as session:
        assert session.receive_json() == {"params": {}}
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/other"):
        pass  # pragma: no cover (the connection is refused)


@pytest.mark.anyio
async def test_standalone_route_ignores_lifespan() -> None:
    sent, _ = await call(Route("/", homepage), {"type": "lifespan"})
    assert sent == []


def test_request_response_wraps_sync_functions(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(request_response(sync_endpoint))
    assert client.get("/").status_code == 200


# --- lifespan ------------------------------------------------------------------------------------


async def run_lifespan(app: ASGIApp, scope: Scope | None = None) -> tuple[list[Message], Scope]:
    incoming: list[Message] = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    lifespan_scope = {"type": "lifespan", "asgi": {"version": "3.0"}} if scope is None else scope
    await app(lifespan_scope, receive, send)
    return sent, lifespan_scope


@pytest.mark.anyio
async def test_default_lifespan() -> None:
    router = Router()
    sent, scope = await run_lifespan(router)
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]
    assert scope["router"] is router


@pytest.mark.anyio
async def test_lifespan_context_with_state() -> None:
    events: list[Any] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
        events.append(("startup", app))
        yield {"db": "connected"}
        events.append("shutdown")

    marker = object()
    sent, scope = await run_lifespan(Router(lifespan=lifespan), {"type": "lifespan", "state": {}, "app": marker})
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert scope["state"] == {"db": "connected"} and events == [("startup", marker), "shutdown"]


@pytest.mark.anyio
async def test_lifespan_state_unsupported_by_server() -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
        yield {"a": 1}

    with pytest.raises(RuntimeError, match='^The server does not support "state" in the lifespan scope.$'):
        await run_lifespan(Router(lifespan=lifespan))


@pytest.mark.anyio
async def test_lifespan_startup_failure() -> None:
    sent: list[Message] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        raise ValueError("cannot start")
        yield  # pragma: no cover (unreachable)

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(ValueError, match="cannot start"):
        await Router(lifespan=lifespan)({"type": "lifespan"}, receive, send)
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert sent[0]["message"].endswith("ValueError: cannot start\n")


@pytest.mark.anyio
async def test_lifespan_shutdown_failure() -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        raise ValueError("cannot stop")

    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(ValueError, match="cannot stop"):
        await Router(lifespan=lifespan)({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.failed"]
    assert "ValueError: cannot stop" in sent[1]["message"]


@pytest.mark.anyio
async def test_deprecated_generator_lifespans() -> None:
    events: list[str] = []

    async def async_gen(app: Any) -> AsyncIterator[None]:
        events.append("async start")
        yield
        events.append("async stop")

    def sync_gen(app: Any) -> Generator[None, None, None]:
        events.append("sync start")
        yield
        events.append("sync stop")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async_router = Router(lifespan=async_gen)  # type: ignore[arg-type]
        sync_router = Router(lifespan=sync_gen)  # type: ignore[arg-type]
    assert [str(w.message) for w in caught] == [
        "async generator function lifespans are deprecated, use an @contextlib.asynccontextmanager function instead",
        "generator function lifespans are deprecated, use an @contextlib.asynccontextmanager function instead",
    ]
    assert all(w.category is StarletteDeprecationWarning and w.filename == routing.__file__ for w in caught)
    await run_lifespan(async_router)
    await run_lifespan(sync_router)
    assert events == ["async start", "async stop", "sync start", "sync stop"]


def test_generator_lifespan_warning_can_be_filtered_by_module() -> None:
    def sync_gen(app: Any) -> Iterator[None]:
        yield  # pragma: no cover (never run)

    with warnings.catch_warnings():
        warnings.filterwarnings("error")
        warnings.filterwarnings("ignore", category=StarletteDeprecationWarning, module="starlette_c.routing")
        Router(lifespan=sync_gen)  # type: ignore[arg-type]


def test_lifespan_through_test_client(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, str]]:
        events.append("startup")
        yield {"greeting": "hi"}
        events.append("shutdown")

    async def greet(request: Request) -> Response:
        return PlainTextResponse(request.state.greeting)

    app = Starlette(routes=[Route("/", greet)], lifespan=lifespan)
    with test_client_factory(app) as client:
        assert events == ["startup"]
        assert client.get("/").text == "hi"
    assert events == ["startup", "shutdown"]


@pytest.mark.anyio
async def test_lift_context_manager() -> None:
    @contextlib.contextmanager
    def cm() -> Iterator[int]:
        yield 1

    async with routing._ThreadlessLifespan(cm()) as value:
        assert value == 1


# --- hostile input -------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path, status",
    [
        ("//", 404),
        ("/items/%2F", 200),
        ("/items//", 404),
        ("/int/" + "9" * 5000, 404),
        ("/int/" + "9" * 4000, 200),
        ("/items/ünï", 200),
        ("/items/" + "9" * 5000, 200),
        ("/items//x", 404),
        ("/uuid/not-a-uuid", 404),
    ],
)
async def test_odd_paths(path: str, status: int) -> None:
    app = Router(
        [Route("/items/{name}", echo_params), Route("/uuid/{u:uuid}", echo_params), Route("/int/{n:int}", echo_params)]
    )
    outcome = await run_app(app, Req(path=path))
    assert outcome.status == status


def test_uuid_param(test_client_factory: TestClientFactory) -> None:
    value = uuid.uuid4()
    app = Router([Route("/u/{u:uuid}", echo_params, name="u")])
    assert test_client_factory(app).get(f"/u/{value.hex}").json()["params"] == {"u": str(value)}
    assert app.url_path_for("u", u=value) == f"/u/{value}"


async def _plain_hello(request: Request) -> Response:
    return PlainTextResponse("hello")


def test_route_handle_patched_on_the_class_is_called(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def teapot(self: Route, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("patched", status_code=418)(scope, receive, send)

    monkeypatch.setattr(Route, "handle", teapot)
    for app in (Starlette(routes=[Route("/", _plain_hello)]), Router([Route("/", _plain_hello)])):
        response = test_client_factory(app).get("/")
        assert (response.status_code, response.text) == (418, "patched")


def test_route_handle_set_on_the_instance_is_called(test_client_factory: TestClientFactory) -> None:
    route = Route("/", _plain_hello)
    other = Route("/", _plain_hello)

    async def instead(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("instance")(scope, receive, send)

    route.handle = instead  # type: ignore[method-assign]
    assert test_client_factory(Starlette(routes=[route])).get("/").text == "instance"
    # Another route's bound handle serves that other route.
    other_route = Route("/", _plain_hello)
    other_route.handle = other.handle  # type: ignore[method-assign]
    other.app = PlainTextResponse("from the other route")
    assert test_client_factory(Starlette(routes=[other_route])).get("/").text == "from the other route"


class _Teapot(PlainTextResponse):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("subclass", status_code=418)(scope, receive, send)


async def _teapot_endpoint(request: Request) -> Response:
    return _Teapot("never sent")


def test_response_call_overridden_by_a_subclass_is_called(test_client_factory: TestClientFactory) -> None:
    for app in (Starlette(routes=[Route("/", _teapot_endpoint)]), Router([Route("/", _teapot_endpoint)])):
        response = test_client_factory(app).get("/")
        assert (response.status_code, response.text) == (418, "subclass")


def test_response_call_patched_on_the_class_is_called(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def gone(self: Response, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 410, "headers": []})
        await send({"type": "http.response.body", "body": b"patched"})

    monkeypatch.setattr(Response, "__call__", gone)
    response = test_client_factory(Starlette(routes=[Route("/", _plain_hello)])).get("/")
    assert (response.status_code, response.text) == (410, "patched")


@pytest.mark.anyio
async def test_stock_response_sends_its_two_messages_then_runs_its_background() -> None:
    events: list[Any] = []

    async def background() -> None:
        events.append("background")

    async def endpoint(request: Request) -> Response:
        return JSONResponse({"a": 1}, status_code=201, headers={"x-extra": "1"}, background=BackgroundTask(background))

    async def send(message: Message) -> None:
        events.append(message)

    async def receive() -> Message:
        raise AssertionError("never called")  # pragma: no cover (the endpoint reads no body)

    expected = JSONResponse({"a": 1}, status_code=201, headers={"x-extra": "1"})
    await request_response(endpoint)(Req().scope(), receive, send)
    assert events == [
        {"type": "http.response.start", "status": 201, "headers": expected.raw_headers},
        {"type": "http.response.body", "body": b'{"a":1}'},
        "background",
    ]


def test_endpoint_returning_a_non_response_still_fails_as_calling_it_would(
    test_client_factory: TestClientFactory,
) -> None:
    async def nothing(request: Request) -> None:
        return None

    client = test_client_factory(Starlette(routes=[Route("/", nothing)]))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'NoneType' object is not callable"):
        client.get("/")


def test_route_matches_patched_on_the_class_is_not_trusted_by_the_index(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def everything(self: Route, scope: Scope) -> tuple[Match, Scope]:
        return Match.FULL, {"endpoint": self.endpoint, "path_params": {}}

    monkeypatch.setattr(Route, "matches", everything)
    app = Starlette(routes=[Route("/only", _plain_hello)])
    assert test_client_factory(app).get("/anything/else").text == "hello"
