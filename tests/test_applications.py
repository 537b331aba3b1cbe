from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator
from typing import Any

import pytest

from starlette_c.applications import Starlette
from starlette_c.datastructures import State
from starlette_c.exceptions import HTTPException, WebSocketException
from starlette_c.middleware import Middleware
from starlette_c.middleware.errors import ServerErrorMiddleware
from starlette_c.middleware.exceptions import ExceptionMiddleware
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, Response
from starlette_c.routing import Host, Mount, NoMatchFound, Route, Router, WebSocketRoute
from starlette_c.testclient import WebSocketDenialResponse
from starlette_c.types import ASGIApp, Receive, Scope, Send
from starlette_c.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory
from tests.differential.harness import Req, run_app


class Recorder:
    """Pure ASGI middleware that records the order in which it sees requests."""

    def __init__(self, app: ASGIApp, name: str, log: list[str]) -> None:
        self.app = app
        self.name = name
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.log.append(self.name)
        await self.app(scope, receive, send)


async def homepage(request: Request) -> Response:
    return PlainTextResponse("Hello, world!")


async def show_app(request: Request) -> Response:
    return JSONResponse({"same": request.app is request.scope["app"], "type": type(request.app).__name__})


async def crash(request: Request) -> Response:
    raise RuntimeError("Something went wrong")


async def teapot(request: Request) -> Response:
    raise HTTPException(418, headers={"x-pot": "tea"})


async def no_content(request: Request) -> Response:
    raise HTTPException(204)


async def websocket_denied(websocket: WebSocket) -> None:
    raise HTTPException(400, detail="Bad request")


async def websocket_policy(websocket: WebSocket) -> None:
    await websocket.accept()
    raise WebSocketException(code=1008, reason="policy")


def make_app(**kwargs: Any) -> Starlette:
    routes = [
        Route("/", homepage, name="home"),
        Route("/app", show_app),
        Route("/crash", crash),
        Route("/teapot", teapot),
        Route("/no-content", no_content),
        Route("/user/{username}", homepage, name="user"),
        WebSocketRoute("/ws-denied", websocket_denied),
        WebSocketRoute("/ws-policy", websocket_policy),
    ]
    return Starlette(routes=routes, **kwargs)


class TestConstruction:
    def test_defaults(self) -> None:
        app = Starlette()
        assert app.debug is False
        assert isinstance(app.state, State)
        assert isinstance(app.router, Router)
        assert app.routes == []
        assert app.exception_handlers == {}
        assert app.user_middleware == []
        assert app.middleware_stack is None

    def test_arguments_are_copied(self) -> None:
        middleware = [Middleware(Recorder, "a", [])]
        handlers: dict[Any, Any] = {404: homepage}
        app = Starlette(debug=True, middleware=middleware, exception_handlers=handlers)
        assert app.debug is True
        assert app.user_middleware == middleware and app.user_middleware is not middleware
        assert app.exception_handlers == handlers and app.exception_handlers is not handlers

    def test_public_surface_matches_starlette_1_0(self) -> None:
        public = {name for name in dir(Starlette) if not name.startswith("_")}
        assert public == {
            "add_exception_handler",
            "add_middleware",
            "add_route",
            "build_middleware_stack",
            "host",
            "mount",
            "routes",
            "url_path_for",
        }

    def test_signature(self) -> None:
        parameters = inspect.signature(Starlette).parameters
        assert {name: param.default for name, param in parameters.items()} == {
            "debug": False,
            "routes": None,
            "middleware": None,
            "exception_handlers": None,
            "lifespan": None,
            "max_body_size": None,
        }
        assert parameters["max_body_size"].kind is inspect.Parameter.KEYWORD_ONLY
        assert "debug" not in vars(Starlette), "debug is a plain attribute, as in Starlette 1.0"

    def test_state(self) -> None:
        app = Starlette()
        app.state.ADMIN_EMAIL = "admin@example.org"
        assert app.state.ADMIN_EMAIL == "admin@example.org"


class TestRouting:
    def test_routes_property_is_the_router_list(self) -> None:
        app = make_app()
        assert app.routes is app.router.routes
        assert len(app.routes) == 8

    def test_url_path_for(self) -> None:
        app = make_app()
        assert app.url_path_for("home") == "/"
        assert app.url_path_for("user", username="tom") == "/user/tom"
        with pytest.raises(NoMatchFound):
            app.url_path_for("missing", a="1")

    def test_add_route_mount_host(self, test_client_factory: TestClientFactory) -> None:
        app = Starlette()
        app.add_route("/post-only", homepage, methods=["POST"], name="post_only", include_in_schema=False)
        app.mount("/sub", make_app(), name="sub")
        app.host("api.example.org", make_app(), name="api")
        route, mount, host = app.routes
        assert isinstance(route, Route) and route.name == "post_only" and route.include_in_schema is False
        assert isinstance(mount, Mount) and mount.name == "sub"
        assert isinstance(host, Host) and host.name == "api"
        assert app.url_path_for("sub:user", username="ann") == "/sub/user/ann"

        client = test_client_factory(app)
        assert client.post("/post-only").text == "Hello, world!"
        assert client.get("/post-only").status_code == 405
        assert client.get("/sub/").text == "Hello, world!"
        assert client.get("/", headers={"host": "api.example.org"}).text == "Hello, world!"

    def test_not_found_and_method_not_allowed(self, test_client_factory: TestClientFactory) -> None:
        client = test_client_factory(make_app())
        response = client.get("/nowhere")
        assert (response.status_code, response.text) == (404, "Not Found")
        response = client.post("/")
        assert response.status_code == 405
        assert sorted(response.headers["allow"].split(", ")) == ["GET", "HEAD"]


class TestCall:
    def test_request_app_is_the_application(self, test_client_factory: TestClientFactory) -> None:
        client = test_client_factory(make_app())
        assert client.get("/app").json() == {"same": True, "type": "Starlette"}

    def test_stack_is_built_once(self, test_client_factory: TestClientFactory) -> None:
        app = make_app()
        built: list[ASGIApp] = []
        original = app.build_middleware_stack

        def counting() -> ASGIApp:
            built.append(original())
            return built[-1]

        app.build_middleware_stack = counting  # type: ignore[method-assign]
        client = test_client_factory(app)
        client.get("/")
        client.get("/")
        assert len(built) == 1
        assert app.middleware_stack is built[0]

    def test_stack_order(self) -> None:
        log: list[str] = []
        app = Starlette(middleware=[Middleware(Recorder, "first", log), Middleware(Recorder, "second", log)])
        stack = app.build_middleware_stack()
        assert isinstance(stack, ServerErrorMiddleware)
        layers = [stack.app]
        while not isinstance(layers[-1], ExceptionMiddleware):
            layers.append(layers[-1].app)  # type: ignore[attr-defined]
        assert [layer.name for layer in layers[:-1]] == ["first", "second"]  # type: ignore[attr-defined]
        assert layers[-1].app is app.router

    def test_debug_is_passed_down(self) -> None:
        stack = Starlette(debug=True).build_middleware_stack()
        assert isinstance(stack, ServerErrorMiddleware) and stack.debug is True
        assert isinstance(stack.app, ExceptionMiddleware) and stack.app.debug is True

    @pytest.mark.anyio
    async def test_lifespan_passes_through_the_stack(self) -> None:
        events: list[str] = []

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
            events.append(f"startup {type(app).__name__}")
            yield {"db": "connected"}
            events.append("shutdown")

        app = Starlette(lifespan=lifespan)
        incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent: list[str] = []

        async def receive() -> dict[str, Any]:
            return incoming.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message["type"])

        state: dict[str, Any] = {}
        await app({"type": "lifespan", "state": state}, receive, send)
        assert events == ["startup Starlette", "shutdown"]
        assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
        assert state == {"db": "connected"}


class TestMiddleware:
    def test_user_middleware_order(self, test_client_factory: TestClientFactory) -> None:
        log: list[str] = []
        app = make_app(middleware=[Middleware(Recorder, "a", log), Middleware(Recorder, "b", log)])
        app.add_middleware(Recorder, "c", log)
        app.add_middleware(Recorder, "d", log)
        assert [m.args[0] for m in app.user_middleware] == ["d", "c", "a", "b"]
        test_client_factory(app).get("/")
        assert log == ["d", "c", "a", "b"]

    def test_add_middleware_after_start(self, test_client_factory: TestClientFactory) -> None:
        app = make_app()
        test_client_factory(app).get("/")
        with pytest.raises(RuntimeError, match="^Cannot add middleware after an application has started$"):
            app.add_middleware(Recorder, "late", [])

    def test_user_middleware_is_inside_server_error_middleware(self, test_client_factory: TestClientFactory) -> None:
        class Exploding:
            def __init__(self, app: ASGIApp) -> None:
                self.app = app

            async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
                if scope["type"] == "http":
                    raise ValueError("middleware failed")
                await self.app(scope, receive, send)  # pragma: no cover - only HTTP is exercised

        async def handler(request: Request, exc: Exception) -> Response:
            return PlainTextResponse(f"caught: {exc}", status_code=500)

        app = make_app(middleware=[Middleware(Exploding)], exception_handlers={500: handler})
        client = test_client_factory(app, raise_server_exceptions=False)
        assert client.get("/").text == "caught: middleware failed"


class TestExceptionHandling:
    def test_http_exception_default_handler(self, test_client_factory: TestClientFactory) -> None:
        client = test_client_factory(make_app())
        response = client.get("/teapot")
        assert (response.status_code, response.text) == (418, "I'm a Teapot")
        assert response.headers["x-pot"] == "tea"
        response = client.get("/no-content")
        assert (response.status_code, response.content) == (204, b"")

    def test_status_code_handler(self, test_client_factory: TestClientFactory) -> None:
        async def not_found(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, HTTPException)
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

        client = test_client_factory(make_app(exception_handlers={404: not_found}))
        response = client.get("/missing")
        assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})

    def test_class_handler_by_mro(self, test_client_factory: TestClientFactory) -> None:
        def http_exception(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, HTTPException)
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

        client = test_client_factory(make_app(exception_handlers={HTTPException: http_exception}))
        response = client.get("/teapot")
        assert response.json() == {"detail": "I'm a Teapot"}
        assert response.headers["x-pot"] == "tea"

    @pytest.mark.parametrize("key", [500, Exception])
    def test_server_error_handler(self, test_client_factory: TestClientFactory, key: Any) -> None:
        async def server_error(request: Request, exc: Exception) -> Response:
            return PlainTextResponse(f"custom: {exc}", status_code=500)

        client = test_client_factory(make_app(exception_handlers={key: server_error}), raise_server_exceptions=False)
        response = client.get("/crash")
        assert (response.status_code, response.text) == (500, "custom: Something went wrong")

    def test_last_server_error_key_wins(self, test_client_factory: TestClientFactory) -> None:
        def first(request: Request, exc: Exception) -> Response:
            return PlainTextResponse("first", status_code=500)  # pragma: no cover - replaced

        def second(request: Request, exc: Exception) -> Response:
            return PlainTextResponse("second", status_code=500)

        app = make_app(exception_handlers={Exception: first, 500: second})
        assert test_client_factory(app, raise_server_exceptions=False).get("/crash").text == "second"

    def test_errors_reach_the_server(self, test_client_factory: TestClientFactory) -> None:
        client = test_client_factory(make_app())
        with pytest.raises(RuntimeError, match="Something went wrong"):
            client.get("/crash")
        response = test_client_factory(make_app(), raise_server_exceptions=False).get("/crash")
        assert (response.status_code, response.text) == (500, "Internal Server Error")

    def test_debug_traceback(self, test_client_factory: TestClientFactory) -> None:
        client = test_client_factory(make_app(debug=True), raise_server_exceptions=False)
        html = client.get("/crash", headers={"accept": "text/html"})
        assert html.status_code == 500
        assert html.headers["content-type"] == "text/html; charset=utf-8"
        assert "RuntimeError: Something went wrong" in html.text
        text = client.get("/crash")
        assert text.headers["content-type"] == "text/plain; charset=utf-8"
        assert "RuntimeError: Something went wrong" in text.text

    def test_debug_set_before_first_request(self, test_client_factory: TestClientFactory) -> None:
        app = make_app()
        app.debug = True
        response = test_client_factory(app, raise_server_exceptions=False).get("/crash")
        assert response.text.startswith("Traceback")

    def test_add_exception_handler(self, test_client_factory: TestClientFactory) -> None:
        async def crashed(request: Request, exc: Exception) -> Response:
            return PlainTextResponse("crashed", status_code=503)

        app = make_app()
        app.add_exception_handler(RuntimeError, crashed)
        assert app.exception_handlers == {RuntimeError: crashed}
        response = test_client_factory(app).get("/crash")
        assert (response.status_code, response.text) == (503, "crashed")

    def test_handlers_added_after_start_are_not_used(self, test_client_factory: TestClientFactory) -> None:
        async def crashed(request: Request, exc: Exception) -> Response:
            return PlainTextResponse("crashed", status_code=503)  # pragma: no cover - the stack is already built

        app = make_app()
        client = test_client_factory(app, raise_server_exceptions=False)
        client.get("/")
        app.add_exception_handler(RuntimeError, crashed)
        assert client.get("/crash").status_code == 500

    def test_base_exception_handler_fails_when_the_stack_is_built(self) -> None:
        app = Starlette(exception_handlers={BaseException: homepage})
        with pytest.raises(AssertionError):
            app.build_middleware_stack()

    def test_websocket_http_exception_is_a_denial(self, test_client_factory: TestClientFactory) -> None:
        client = test_client_factory(make_app())
        with pytest.raises(WebSocketDenialResponse) as info, client.websocket_connect("/ws-denied"):
            pass  # pragma: no cover - the connection is refused
        assert (info.value.status_code, info.value.text) == (400, "Bad request")

    def test_websocket_exception_closes(self, test_client_factory: TestClientFactory) -> None:
        client = test_client_factory(make_app())
        with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws-policy") as websocket:
            websocket.receive_text()
        assert (info.value.code, info.value.reason) == (1008, "policy")

    def test_websocket_exception_handler(self, test_client_factory: TestClientFactory) -> None:
        async def websocket_exception(websocket: WebSocket, exc: Exception) -> None:
            await websocket.close(code=1013)

        client = test_client_factory(make_app(exception_handlers={WebSocketException: websocket_exception}))
        with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws-policy") as websocket:
            websocket.receive_text()
        assert info.value.code == 1013


@pytest.mark.anyio
async def test_raw_asgi_request_sets_scope_app() -> None:
    seen: list[Any] = []

    async def endpoint(request: Request) -> Response:
        seen.append(request.scope["app"])
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/", endpoint)])
    outcome = await run_app(app, Req())
    assert (outcome.status, outcome.body) == (200, b"ok")
    assert seen == [app]


# --- the request path is the stack of layers: patches on their classes are honoured -----------------------

REQUEST_KINDS = [
    ("GET", "/items/7", 200),
    ("GET", "/nowhere", 404),
    ("POST", "/items/7", 405),
    ("GET", "/items/7/", 307),
    ("GET", "/boom", 500),
    ("GET", "/teapot", 418),
]


def _layered_app() -> Starlette:
    async def item(request: Request) -> Response:
        return PlainTextResponse(repr(request.path_params["id"]))

    async def boom(request: Request) -> Response:
        raise RuntimeError("boom")

    async def teapot(request: Request) -> Response:
        raise HTTPException(418)

    return Starlette(routes=[Route("/items/{id:int}", item), Route("/boom", boom), Route("/teapot", teapot)])


def _spy(monkeypatch: pytest.MonkeyPatch, owner: type, name: str, calls: list[str]) -> None:
    original = getattr(owner, name)

    def spying(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(f"{owner.__name__}.{name}")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, spying)


@pytest.mark.parametrize(
    "target",
    [
        "responses.Response.__call__",
        "convertors.IntegerConvertor.convert",
        "routing.Route.handle",
        "routing.Router.not_found",
        "middleware.errors.ServerErrorMiddleware.__call__",
        "middleware.exceptions.ExceptionMiddleware.__call__",
    ],
)
@pytest.mark.parametrize("method, path, status", REQUEST_KINDS)
def test_patches_on_the_layers_classes_are_honoured(
    test_client_factory: TestClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    method: str,
    path: str,
    status: int,
) -> None:
    import importlib

    module_name, class_name, attribute = target.rsplit(".", 2)
    owner = getattr(importlib.import_module(f"starlette_c.{module_name}"), class_name)
    calls: list[str] = []
    _spy(monkeypatch, owner, attribute, calls)
    client = test_client_factory(_layered_app(), raise_server_exceptions=False, follow_redirects=False)
    assert client.request(method, path).status_code == status
    expected = {
        "Response.__call__": True,
        "IntegerConvertor.convert": path.startswith("/items/7"),
        "Route.handle": status not in (404, 307),
        "Router.not_found": status == 404,
        "ServerErrorMiddleware.__call__": True,
        "ExceptionMiddleware.__call__": True,
    }[f"{class_name}.{attribute}"]
    assert bool(calls) is expected, calls


def test_a_route_edited_in_place_after_the_first_request_is_found(test_client_factory: TestClientFactory) -> None:
    from starlette_c.routing import compile_path

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(f"{request.url.path} {request.path_params}")

    moved, renamed = Route("/old", endpoint), Route("/a/{x}", endpoint)
    app = Starlette(routes=[moved, renamed, Route("/static", endpoint)])
    client = test_client_factory(app)
    assert client.get("/old").status_code == 200 and client.get("/a/1").status_code == 200
    moved.path = "/new"
    moved.path_regex, moved.path_format, moved.param_convertors = compile_path("/new")
    renamed.path_regex, renamed.path_format, renamed.param_convertors = compile_path("/b/{x:int}")
    assert client.get("/new").text == "/new {}"
    assert client.get("/old").status_code == 404
    assert client.get("/b/5").text == "/b/5 {'x': 5}"
    assert client.get("/a/1").status_code == 404


def test_a_route_subclass_overriding_matches_is_tried_in_order(test_client_factory: TestClientFactory) -> None:
    from starlette_c.routing import Match

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(request.scope["route"].name)

    class Everywhere(Route):
        def matches(self, scope: Any) -> tuple[Match, Any]:
            verdict, child_scope = super().matches(dict(scope, path=self.path))
            return verdict, child_scope

    app = Starlette(
        routes=[Route("/x", endpoint, name="first"), Everywhere("/y", endpoint, name="any"), Route("/z", endpoint)]
    )
    client = test_client_factory(app)
    assert [client.get(path).text for path in ("/x", "/y", "/z", "/elsewhere")] == ["first", "any", "any", "any"]


async def _hello(request: Request) -> Response:
    return PlainTextResponse("hello")


def test_layers_replaced_after_the_first_request_are_used(test_client_factory: TestClientFactory) -> None:
    from starlette_c.middleware.gzip import GZipMiddleware

    app = Starlette(routes=[Route("/", _hello)])
    client = test_client_factory(app)
    assert "content-encoding" not in client.get("/", headers={"accept-encoding": "gzip"}).headers
    app.router.middleware_stack = GZipMiddleware(app.router.app, minimum_size=1)
    assert client.get("/", headers={"accept-encoding": "gzip"}).headers["content-encoding"] == "gzip"

    async def replaced(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("replaced")(scope, receive, send)

    app.middleware_stack.app.app = replaced  # type: ignore[union-attr]
    assert client.get("/").text == "replaced"


def test_router_default_and_route_app_replaced(test_client_factory: TestClientFactory) -> None:
    async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("fallback")(scope, receive, send)

    route = Route("/", _hello)
    route.app = PlainTextResponse("replaced")
    app = Starlette(routes=[route])
    app.router.default = fallback
    client = test_client_factory(app)
    assert (client.get("/missing").text, client.get("/").text) == ("fallback", "replaced")


def test_a_subclass_not_calling_init_is_served(test_client_factory: TestClientFactory) -> None:
    class Minimal(Starlette):
        def __init__(self) -> None:  # NOTE: sets up what Starlette needs without Starlette.__init__ (FastAPI does).
            self.debug = False
            self.router = Router([Route("/", _hello)])
            self.exception_handlers = {}
            self.user_middleware = []
            self.middleware_stack = None

    assert test_client_factory(Minimal()).get("/").text == "hello"


def test_router_app_and_request_response_patched(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette_c import routing

    stock = routing.request_response
    calls: list[str] = []

    def instrumented(func: Any) -> ASGIApp:
        app = stock(func)

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            calls.append(scope["path"])
            await app(scope, receive, send)

        return counted

    monkeypatch.setattr(routing, "request_response", instrumented)
    assert test_client_factory(Starlette(routes=[Route("/", _hello)])).get("/").text == "hello"
    assert calls == ["/"]

    async def teapot(self: Router, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("patched app", status_code=418)(scope, receive, send)

    monkeypatch.setattr(Router, "app", teapot)
    response = test_client_factory(Starlette(routes=[Route("/", _hello)])).get("/")
    assert (response.status_code, response.text) == (418, "patched app")
