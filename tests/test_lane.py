"""The lane (``_lane.py``): which requests take it, and that it answers exactly as the layers do."""
# NOTE: ``Starlette.__call__`` is ``_lane.serve_app``: every test through an app runs it.

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from starlette_c import _backend, _lane
from starlette_c.applications import Starlette
from starlette_c.background import BackgroundTask
from starlette_c.exceptions import HTTPException
from starlette_c.middleware import Middleware
from starlette_c.middleware.cors import CORSMiddleware
from starlette_c.middleware.errors import ServerErrorMiddleware
from starlette_c.middleware.exceptions import ExceptionMiddleware
from starlette_c.middleware.gzip import GZipMiddleware, GZipResponder, IdentityResponder
from starlette_c.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette_c.middleware.sessions import SessionMiddleware
from starlette_c.middleware.trustedhost import TrustedHostMiddleware
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette_c.routing import Mount, Route, Router, WebSocketRoute
from starlette_c.testclient import TestClient
from starlette_c.types import Receive, Scope, Send
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory

done: list[str] = []


async def hello(request: Request) -> Response:
    return PlainTextResponse("hello")


def sync_hello(request: Request) -> Response:
    return PlainTextResponse("sync hello")


async def item(request: Request) -> Response:
    return JSONResponse(request.path_params)


async def teapot(request: Request) -> Response:
    raise HTTPException(418, headers={"x-why": "short and stout"})


async def handled(request: Request) -> Response:
    raise ValueError("handled by class")


async def unhandled(request: Request) -> Response:
    raise KeyError("nobody handles this")


async def background(request: Request) -> Response:
    return PlainTextResponse("queued", background=BackgroundTask(done.append, request.url.path))


async def broken_stream(request: Request) -> Response:
    async def chunks() -> Any:
        yield b"partial"
        raise ValueError("mid-stream")

    return StreamingResponse(chunks())


async def on_value_error(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"value error: {exc}", status_code=422)


async def on_404(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"no {request.url.path}", status_code=404)


async def count_visits(request: Request) -> Response:
    visits = request.session.get("visits", 0) + 1
    request.session["visits"] = visits
    return PlainTextResponse(f"visit {visits}")


async def forget(request: Request) -> Response:
    request.session.clear()
    return PlainTextResponse("x" * 600)


def _app(**options: Any) -> Starlette:
    return Starlette(
        routes=[
            Route("/", hello),
            Route("/sync", sync_hello),
            Route("/items/{item_id:int}", item),
            Route("/post-only", hello, methods=["POST"]),
            Route("/teapot", teapot),
            Route("/handled", handled),
            Route("/unhandled", unhandled),
            Route("/background", background),
            Route("/stream", broken_stream),
            Route("/slash/", hello),
            Mount("/mounted", routes=[Route("/x", hello)]),
            Route("/visit", count_visits),
            Route("/forget", forget),
        ],
        **options,
    )


REQUESTS = [
    ("GET", "/"),
    ("HEAD", "/"),
    ("GET", "/sync"),
    ("GET", "/items/7"),
    ("GET", "/items/seven"),
    ("GET", "/post-only"),
    ("POST", "/post-only"),
    ("GET", "/teapot"),
    ("GET", "/handled"),
    ("GET", "/unhandled"),
    ("GET", "/background"),
    ("GET", "/stream"),
    ("GET", "/slash"),
    ("GET", "/mounted/x"),
    ("GET", "/missing"),
]

STOCK_MIDDLEWARE = [
    Middleware(TrustedHostMiddleware, allowed_hosts=["testserver", "www.example.org"]),
    Middleware(HTTPSRedirectMiddleware),
    Middleware(CORSMiddleware, allow_origins=["https://example.org"], allow_credentials=True),
    Middleware(GZipMiddleware, minimum_size=100),
    Middleware(SessionMiddleware, secret_key="not so secret"),
]

APPS: dict[str, Callable[[], Starlette]] = {
    "plain": _app,
    "handlers": lambda: _app(exception_handlers={ValueError: on_value_error, 404: on_404}),
    "middleware": lambda: _app(middleware=STOCK_MIDDLEWARE, exception_handlers={ValueError: on_value_error}),
}

_ORIGIN = {"origin": "https://example.org"}
_GZIP = {"accept-encoding": "gzip"}
# NOTE: (method, url, headers): what the middleware of the "middleware" app decide on.
MIDDLEWARE_REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    *((method, path, {**_ORIGIN, **_GZIP}) for method, path in REQUESTS),
    ("GET", "/visit", {}),
    ("GET", "/visit", {}),
    ("GET", "/forget", _GZIP),
    ("GET", "/forget", {}),
    ("GET", "/", {"origin": "https://elsewhere.org"}),
    ("OPTIONS", "/", {**_ORIGIN, "access-control-request-method": "GET"}),
    ("OPTIONS", "/", {"origin": "https://elsewhere.org", "access-control-request-method": "PUT"}),
    ("GET", "/", {"host": "example.org"}),
    ("GET", "/", {"host": "nowhere.org"}),
    ("GET", "http://testserver/items/7", {}),
]


@pytest.fixture(autouse=True)
def lane_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bool], None]]:
    """The lane switched on for each test (whatever STARLETTE_C_NO_LANE says); ``lane_on(False)`` turns it off."""

    def switch(on: bool) -> None:
        monkeypatch.setattr(_backend, "lane", on)

    switch(True)
    yield switch


def _answer(
    client: Any, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[str, str]], bytes] | str:
    try:
        response = client.request(method, path, headers=headers)
    except Exception as exc:  # NOTE: what reaches the client side when the app raises, compared as text.
        return f"{type(exc).__name__}: {exc}"
    headers = [
        (name, _unsigned(value) if name == "set-cookie" else value) for name, value in response.headers.multi_items()
    ]
    return response.status_code, sorted(headers), response.content


def _unsigned(cookie: str) -> str:
    """A session cookie without its signature, which holds the time it was signed."""
    value, _, attributes = cookie.partition(";")
    return f"{value.split('.')[0]};{attributes}"


@pytest.mark.parametrize("app_name", APPS)
@pytest.mark.parametrize("raise_server_exceptions", [True, False])
def test_the_lane_answers_as_the_layers_do(
    test_client_factory: TestClientFactory,
    lane_on: Callable[[bool], None],
    app_name: str,
    raise_server_exceptions: bool,
) -> None:
    answers: dict[bool, list[Any]] = {}
    for on in (True, False):
        lane_on(on)
        done.clear()
        client = test_client_factory(
            APPS[app_name](),
            base_url="https://testserver",
            raise_server_exceptions=raise_server_exceptions,
            follow_redirects=False,
        )
        requests = MIDDLEWARE_REQUESTS if app_name == "middleware" else [(*request, {}) for request in REQUESTS]
        answers[on] = [_answer(client, method, path, headers) for method, path, headers in requests]
        answers[on].append(list(done))
    assert answers[True] == answers[False]
    statuses = [answer[0] for answer in answers[True][:-1] if isinstance(answer, tuple)]
    assert {200, 307, 404, 405, 418} | (set() if raise_server_exceptions else {500}) <= set(statuses)


def _takes_lane(app: Starlette, monkeypatch: pytest.MonkeyPatch, path: str = "/", **headers: str) -> bool:
    """Whether the lane itself serves the endpoint of a GET of ``path`` (it hands the others to the layers)."""
    served: list[str] = []
    original = _lane.serve_endpoint

    async def spying(endpoint: Any, request: Request, scope: Scope, receive: Receive, send: Send) -> None:
        served.append(request.url.path)
        await original(endpoint, request, scope, receive, send)

    with monkeypatch.context() as patch:
        patch.setattr(_lane, "serve_endpoint", spying)
        TestClient(app, base_url="https://testserver").get(path, headers=headers)
    return bool(served)


def test_a_stock_stack_takes_the_lane(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _takes_lane(_app(), monkeypatch)


@pytest.mark.parametrize("headers", [{}, {**_ORIGIN, **_GZIP}], ids=["bare", "origin and gzip"])
def test_stock_middleware_keep_the_app_on_the_lane(monkeypatch: pytest.MonkeyPatch, headers: dict[str, str]) -> None:
    assert _takes_lane(_app(middleware=STOCK_MIDDLEWARE), monkeypatch, **headers)


def test_a_middleware_answer_is_served_by_the_response(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(middleware=STOCK_MIDDLEWARE)
    assert not _takes_lane(app, monkeypatch, host="nowhere.org")


def test_the_switch_turns_the_lane_off(monkeypatch: pytest.MonkeyPatch, lane_on: Callable[[bool], None]) -> None:
    lane_on(False)
    assert not _takes_lane(_app(), monkeypatch)


def test_other_connections_go_through_the_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    reached: list[str] = []
    original = _lane._start_tracking

    def spying(send: Send) -> Any:
        reached.append("lane")
        return original(send)

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    monkeypatch.setattr(_lane, "_start_tracking", spying)
    app = _app()
    app.router.routes.append(WebSocketRoute("/ws", echo))
    with TestClient(app, base_url="https://testserver") as client:
        with client.websocket_connect("wss://testserver/ws") as session:
            assert session.receive_text() == "hi"
        assert reached == []
        assert client.get("/").text == "hello"
    assert reached == ["lane"]


class _Passthrough:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda app: app.user_middleware.append(Middleware(_Passthrough)), id="user middleware"),
        pytest.param(
            lambda app: app.user_middleware.insert(1, Middleware(_Passthrough)), id="user middleware among stock ones"
        ),
        pytest.param(lambda app: setattr(app, "max_body_size", 10), id="body limit"),
        pytest.param(
            lambda app: setattr(app.router, "middleware_stack", _Passthrough(app.router.app)), id="router middleware"
        ),
    ],
)
def test_another_stack_goes_through_the_layers(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[Starlette], None]
) -> None:
    app = _app(middleware=STOCK_MIDDLEWARE)
    change(app)
    assert not _takes_lane(app, monkeypatch)


@pytest.mark.parametrize(
    "owner, name",
    [(ServerErrorMiddleware, "__call__"), (ExceptionMiddleware, "__call__"), (Router, "__call__")],
)
def test_a_patched_layer_goes_through_the_layers(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> None:
    app = _app()
    assert _takes_lane(app, monkeypatch)
    original = getattr(owner, name)

    async def patched(self: Any, scope: Scope, receive: Receive, send: Send) -> None:
        await original(self, scope, receive, send)

    monkeypatch.setattr(owner, name, patched)
    assert not _takes_lane(app, monkeypatch)


def test_a_subclass_overriding_a_layer_goes_through_the_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    class Counting(ExceptionMiddleware):
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await super().__call__(scope, receive, send)

    app = _app()
    stack = app._build_stack()
    stack.app = Counting(stack.app.app)  # type: ignore[attr-defined]
    assert not _takes_lane(app, monkeypatch)


def test_the_lane_serves_plain_routes_itself_and_hands_others_to_handle(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette_c import routing

    served: list[str] = []

    async def spying(endpoint: Any, request: Request, scope: Scope, receive: Receive, send: Send) -> None:
        served.append(request.url.path)
        await routing.serve_endpoint(endpoint, request, scope, receive, send)

    monkeypatch.setattr(_lane, "serve_endpoint", spying)
    app = _app()
    app.router.routes.append(Route("/with-middleware", hello, middleware=[Middleware(_Passthrough)]))
    client = test_client_factory(app)
    texts = [client.get(path).text for path in ("/", "/sync", "/with-middleware", "/post-only", "/mounted/x")]
    assert texts == ["hello", "sync hello", "hello", "Method Not Allowed", "hello"]
    assert served == ["/", "/sync"]


@pytest.mark.parametrize("on", [True, False], ids=["lane on", "lane off"])
def test_a_wrapper_that_copied_a_route_app_is_called(
    test_client_factory: TestClientFactory, lane_on: Callable[[bool], None], on: bool
) -> None:
    lane_on(on)
    app = _app()
    route = app.router.routes[0]
    assert isinstance(route, Route)
    original = route.app

    @functools.wraps(original)  # NOTE: copies the app's __dict__, lane_endpoint included.
    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("denied", status_code=403)(scope, receive, send)

    route.app = guarded
    response = test_client_factory(app).get("/")
    assert (response.status_code, response.text) == (403, "denied")


@pytest.mark.parametrize("on", [True, False], ids=["lane on", "lane off"])
def test_a_request_class_patched_onto_routing_reaches_the_endpoint(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch, lane_on: Callable[[bool], None], on: bool
) -> None:
    from starlette_c import routing

    class Tagged(Request):
        pass

    async def kind(request: Request) -> Response:
        return PlainTextResponse(type(request).__name__)

    lane_on(on)
    monkeypatch.setattr(routing, "Request", Tagged)
    assert test_client_factory(Starlette(routes=[Route("/", kind)])).get("/").text == "Tagged"


@pytest.mark.parametrize("on", [True, False], ids=["lane on", "lane off"])
def test_one_request_object_per_routed_request(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch, lane_on: Callable[[bool], None], on: bool
) -> None:
    built: list[str] = []
    original = Request.__init__

    def counting(self: Request, *args: Any, **kwargs: Any) -> None:
        built.append(type(self).__name__)
        original(self, *args, **kwargs)

    lane_on(on)
    monkeypatch.setattr(Request, "__init__", counting)
    assert test_client_factory(_app()).get("/").text == "hello"
    assert built == ["Request"]


class _ForwardingMethod:
    """A bound method stand-in forwarding ``__func__`` and ``__self__``, as wrapt's bound wrappers do."""

    def __init__(self, function: Any, instance: Any, calls: list[str]) -> None:
        self.__func__, self.__self__, self.calls = function, instance, calls

    def __call__(self, *args: Any) -> Any:
        self.calls.append(self.__func__.__qualname__)
        return self.__func__(self.__self__, *args)


class _ForwardingFunction:
    def __init__(self, function: Any, calls: list[str]) -> None:
        self.function, self.calls = function, calls

    def __get__(self, instance: Any, owner: type) -> Any:
        return self if instance is None else _ForwardingMethod(self.function, instance, self.calls)


@pytest.mark.parametrize("owner, name", [(Route, "handle"), (Router, "app")])
def test_a_wrapped_route_handle_or_router_app_is_called(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch, owner: type, name: str
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(owner, name, _ForwardingFunction(getattr(owner, name), calls))
    assert test_client_factory(_app()).get("/").text == "hello"
    assert calls == [f"{owner.__name__}.{name}"]


def test_a_falsy_middleware_stack_is_kept(test_client_factory: TestClientFactory) -> None:
    class Falsy(_Passthrough):
        def __bool__(self) -> bool:
            return False

    app = _app()
    stack = app.middleware_stack = Falsy(app.build_middleware_stack())
    assert test_client_factory(app).get("/").text == "hello"
    assert app.middleware_stack is stack


@pytest.mark.parametrize("name", ["simple_response", "is_allowed_origin"])
@pytest.mark.parametrize("on", [True, False], ids=["lane on", "lane off"])
def test_a_cors_method_set_on_the_instance_is_called(lane_on: Callable[[bool], None], on: bool, name: str) -> None:
    lane_on(on)
    app = _app(middleware=STOCK_MIDDLEWARE)
    layer: Any = app._build_stack()
    while not isinstance(layer, CORSMiddleware):
        layer = layer.app
    original = getattr(layer, name)
    seen: list[str] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append(name)
        return original(*args, **kwargs)

    setattr(layer, name, recording)
    response = TestClient(app, base_url="https://testserver").get("/", headers=_ORIGIN)
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert seen == [name]


MIDDLEWARE_CLASSES = [
    (TrustedHostMiddleware, "http websocket"),
    (HTTPSRedirectMiddleware, "http websocket"),
    (CORSMiddleware, "http websocket"),
    (GZipMiddleware, "http websocket"),
    (IdentityResponder, "http"),
    (GZipResponder, "http"),
    (SessionMiddleware, "http websocket"),
]


@pytest.mark.parametrize("name", ["__call__", "_step"])
@pytest.mark.parametrize("owner, kinds", MIDDLEWARE_CLASSES, ids=[cls.__name__ for cls, _ in MIDDLEWARE_CLASSES])
@pytest.mark.parametrize("on", [True, False], ids=["lane on", "lane off"])
def test_a_middleware_method_patched_on_the_class_is_called(
    monkeypatch: pytest.MonkeyPatch, lane_on: Callable[[bool], None], owner: type, kinds: str, name: str, on: bool
) -> None:
    lane_on(on)
    seen: list[tuple[str, str]] = []
    original = getattr(owner, name)

    if name == "__call__":

        async def patched(self: Any, scope: Scope, receive: Receive, send: Send) -> None:
            seen.append((scope["type"], scope["path"]))
            await original(self, scope, receive, send)

    else:

        def patched(self: Any, scope: Scope, send: Send) -> Any:  # type: ignore[misc]
            seen.append((scope["type"], scope["path"]))
            return original(self, scope, send)

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    monkeypatch.setattr(owner, name, patched)
    app = APPS["middleware"]()
    app.router.routes.append(WebSocketRoute("/ws", echo))
    # NOTE: the gzip client gets GZipResponder, the other IdentityResponder.
    encoding = {"accept-encoding": "gzip" if owner is GZipResponder else "identity"}
    client = TestClient(app, base_url="https://testserver")
    answers = [client.get(path, headers=encoding) for path in ("/", "/missing", "/teapot", "/handled")]
    assert [response.status_code for response in answers] == [200, 404, 418, 422]
    with client.websocket_connect("wss://testserver/ws") as session:
        assert session.receive_text() == "hi"
    expected = [("http", path) for path in ("/", "/missing", "/teapot", "/handled")]
    if "websocket" in kinds:
        expected.append(("websocket", "/ws"))
    assert seen == expected


@pytest.mark.parametrize("on", [True, False], ids=["lane on", "lane off"])
def test_cors_simple_response_patched_on_the_class_is_called(
    monkeypatch: pytest.MonkeyPatch, lane_on: Callable[[bool], None], on: bool
) -> None:
    lane_on(on)
    seen: list[str] = []
    original = CORSMiddleware.simple_response

    async def patched(self: Any, scope: Scope, receive: Receive, send: Send, request_headers: Any) -> None:
        seen.append(request_headers.get("origin"))
        await original(self, scope, receive, send, request_headers=request_headers)

    monkeypatch.setattr(CORSMiddleware, "simple_response", patched)
    client = TestClient(_app(middleware=STOCK_MIDDLEWARE), base_url="https://testserver")
    response = client.get("/", headers=_ORIGIN)
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert client.get("/").status_code == 200
    assert seen == ["https://example.org", None]
