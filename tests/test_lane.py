"""The lane (``_lane.py``): which requests take it, and that it answers exactly as the layers do."""
# NOTE: ``Starlette.__call__`` is ``_lane.serve_app``: every test through an app runs it.

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from starlette_c import _backend, _lane
from starlette_c.applications import Starlette
from starlette_c.background import BackgroundTask
from starlette_c.exceptions import HTTPException
from starlette_c.middleware import Middleware
from starlette_c.middleware.errors import ServerErrorMiddleware
from starlette_c.middleware.exceptions import ExceptionMiddleware
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette_c.routing import Mount, Route, Router
from starlette_c.types import Receive, Scope, Send
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

APPS: dict[str, Callable[[], Starlette]] = {
    "plain": _app,
    "handlers": lambda: _app(exception_handlers={ValueError: on_value_error, 404: on_404}),
}


@pytest.fixture(autouse=True)
def lane_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bool], None]]:
    """The lane switched on for each test (whatever STARLETTE_C_NO_LANE says); ``lane_on(False)`` turns it off."""

    def switch(on: bool) -> None:
        monkeypatch.setattr(_backend, "lane", on)

    switch(True)
    yield switch


def _answer(client: Any, method: str, path: str) -> tuple[int, list[tuple[str, str]], bytes] | str:
    try:
        response = client.request(method, path)
    except Exception as exc:  # NOTE: what reaches the client side when the app raises, compared as text.
        return f"{type(exc).__name__}: {exc}"
    return response.status_code, sorted(response.headers.multi_items()), response.content


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
            APPS[app_name](), raise_server_exceptions=raise_server_exceptions, follow_redirects=False
        )
        answers[on] = [_answer(client, method, path) for method, path in REQUESTS]
        answers[on].append(list(done))
    assert answers[True] == answers[False]
    statuses = [answer[0] for answer in answers[True][:-1] if isinstance(answer, tuple)]
    assert {200, 307, 404, 405, 418} | (set() if raise_server_exceptions else {500}) <= set(statuses)


def _scope(kind: str = "http", path: str = "/") -> Scope:
    scope: Scope = {"type": kind, "path": path, "root_path": "", "headers": [], "query_string": b""}
    if kind == "http":
        scope["method"] = "GET"
    return scope


def _takes_lane(app: Starlette, scope: Scope | None = None) -> bool:
    stack = app.middleware_stack or app._build_stack()
    return _lane.stock_layers(stack, scope or _scope()) is not None


def test_a_stock_stack_takes_the_lane() -> None:
    assert _takes_lane(_app())


def test_the_switch_turns_the_lane_off(lane_on: Callable[[bool], None]) -> None:
    lane_on(False)
    assert not _takes_lane(_app())


@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
def test_other_connections_go_through_the_layers(kind: str) -> None:
    assert not _takes_lane(_app(), _scope(kind))


class _Passthrough:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda app: app.user_middleware.append(Middleware(_Passthrough)), id="user middleware"),
        pytest.param(lambda app: setattr(app, "max_body_size", 10), id="body limit"),
        pytest.param(
            lambda app: setattr(app.router, "middleware_stack", _Passthrough(app.router.app)), id="router middleware"
        ),
    ],
)
def test_another_stack_goes_through_the_layers(change: Callable[[Starlette], None]) -> None:
    app = _app()
    change(app)
    assert not _takes_lane(app)


@pytest.mark.parametrize(
    "owner, name",
    [(ServerErrorMiddleware, "__call__"), (ExceptionMiddleware, "__call__"), (Router, "__call__")],
)
def test_a_patched_layer_goes_through_the_layers(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> None:
    app = _app()
    assert _takes_lane(app)
    original = getattr(owner, name)

    async def patched(self: Any, scope: Scope, receive: Receive, send: Send) -> None:
        await original(self, scope, receive, send)  # pragma: no cover - only inspected

    monkeypatch.setattr(owner, name, patched)
    assert not _takes_lane(app)


def test_a_subclass_overriding_a_layer_goes_through_the_layers() -> None:
    class Counting(ExceptionMiddleware):
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await super().__call__(scope, receive, send)  # pragma: no cover - only inspected

    app = _app()
    stack = app._build_stack()
    stack.app = Counting(stack.app.app)  # type: ignore[attr-defined]
    assert not _takes_lane(app)


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
