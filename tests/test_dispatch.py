"""The stock stack served in one coroutine must answer exactly as its layers do."""

from __future__ import annotations

from typing import Any

import pytest

from starlette_c import routing
from starlette_c._dispatch import StockStack, stock_stack
from starlette_c.applications import Starlette
from starlette_c.background import BackgroundTask
from starlette_c.exceptions import HTTPException
from starlette_c.middleware import Middleware
from starlette_c.middleware.errors import ServerErrorMiddleware
from starlette_c.middleware.exceptions import ExceptionMiddleware
from starlette_c.middleware.gzip import GZipMiddleware
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, Response
from starlette_c.routing import Route, Router
from starlette_c.types import ASGIApp, Receive, Scope, Send
from tests.conftest import TestClientFactory
from tests.differential.harness import Req, run_app


async def hello(request: Request) -> Response:
    return PlainTextResponse("hello")


async def boom(request: Request) -> Response:
    raise ValueError("boom")


async def teapot(request: Request) -> Response:
    raise HTTPException(418, "short and stout")


def make_app(**kwargs: Any) -> Starlette:
    routes = [
        Route("/", hello),
        Route("/post", hello, methods=["POST"]),
        Route("/boom", boom),
        Route("/teapot", teapot),
        Route("/slash/", hello),
    ]
    return Starlette(routes=routes, **kwargs)


def stock_of(app: Starlette) -> StockStack | None:
    return stock_stack(app.build_middleware_stack())


def test_stock_stack_recognises_only_the_stock_layers() -> None:
    assert stock_of(make_app()) is not None
    assert stock_of(make_app(middleware=[Middleware(GZipMiddleware)])) is None

    class MyRouter(Router):
        pass

    app = make_app()
    app.router = MyRouter(app.routes)
    assert stock_of(app) is None
    app = make_app()
    app.router.middleware_stack = GZipMiddleware(app.router.app)
    assert stock_of(app) is None
    assert stock_stack(app.router) is None


def test_exception_middleware_subclass_is_not_stock() -> None:
    class MyExceptions(ExceptionMiddleware):
        pass

    app = make_app()
    stack = app.build_middleware_stack()
    stack.app = MyExceptions(app.router)  # type: ignore[attr-defined]
    assert stock_stack(stack) is None


def test_routes_methods_redirects_and_errors(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(), raise_server_exceptions=False)
    assert client.get("/").text == "hello"
    response = client.get("/post")
    assert (response.status_code, response.text, response.headers["allow"]) == (405, "Method Not Allowed", "POST")
    response = client.get("/slash", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "http://testserver/slash/")
    assert (client.get("/missing").status_code, client.get("/missing").text) == (404, "Not Found")
    assert (client.get("/teapot").status_code, client.get("/teapot").text) == (418, "short and stout")
    response = client.get("/boom")
    assert (response.status_code, response.text) == (500, "Internal Server Error")


def test_unhandled_errors_reach_the_server(test_client_factory: TestClientFactory) -> None:
    with pytest.raises(ValueError, match="boom"):
        test_client_factory(make_app()).get("/boom")


def test_handlers_registered_on_the_app_are_used(test_client_factory: TestClientFactory) -> None:
    async def not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse({"missing": request.url.path}, status_code=404)

    async def value_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"handled {exc}", status_code=400)

    app = make_app(exception_handlers={404: not_found, ValueError: value_error})
    client = test_client_factory(app)
    assert client.get("/missing").json() == {"missing": "/missing"}
    assert (client.get("/boom").status_code, client.get("/boom").text) == (400, "handled boom")


def test_http_exception_handler_replaced(test_client_factory: TestClientFactory) -> None:
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return PlainTextResponse(f"custom {exc.status_code}", status_code=exc.status_code)

    client = test_client_factory(make_app(exception_handlers={HTTPException: http_error}))
    assert client.get("/missing").text == "custom 404"
    assert client.get("/teapot").text == "custom 418"


def test_router_default_replaced(test_client_factory: TestClientFactory) -> None:
    async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("fallback", status_code=200)(scope, receive, send)

    app = make_app()
    app.router.default = fallback
    assert test_client_factory(app).get("/missing").text == "fallback"


def test_stack_rewired_after_start_is_honoured(test_client_factory: TestClientFactory) -> None:
    app = make_app()
    client = test_client_factory(app)
    assert client.get("/").text == "hello"
    assert app._stock_stack is not None

    async def replaced(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("replaced")(scope, receive, send)

    app.middleware_stack.app.app = replaced  # type: ignore[union-attr]
    assert client.get("/").text == "replaced"


def test_handler_raising_an_http_exception_is_handled_by_the_outer_handlers(
    test_client_factory: TestClientFactory,
) -> None:
    async def value_error(request: Request, exc: Exception) -> Response:
        raise HTTPException(409, "from the handler")

    client = test_client_factory(make_app(exception_handlers={ValueError: value_error}))
    response = client.get("/boom")
    assert (response.status_code, response.text) == (409, "from the handler")


def test_router_middleware_replaced_after_start_is_honoured(test_client_factory: TestClientFactory) -> None:
    app = make_app()
    client = test_client_factory(app)
    assert "content-encoding" not in client.get("/", headers={"accept-encoding": "gzip"}).headers
    app.router.middleware_stack = GZipMiddleware(app.router.app, minimum_size=1)
    assert client.get("/", headers={"accept-encoding": "gzip"}).headers["content-encoding"] == "gzip"


def test_subclass_not_calling_init_is_served(test_client_factory: TestClientFactory) -> None:
    class Minimal(Starlette):
        def __init__(self) -> None:  # NOTE: sets up what Starlette needs without Starlette.__init__ (FastAPI does).
            self.debug = False
            self.router = Router([Route("/", hello)])
            self.exception_handlers = {}
            self.user_middleware = []
            self.middleware_stack = None

    app = Minimal()
    assert test_client_factory(app).get("/").text == "hello"
    assert app._stock_stack is not None


@pytest.mark.parametrize(
    "cls", [ServerErrorMiddleware, ExceptionMiddleware, Router], ids=["errors", "exceptions", "router"]
)
def test_layer_call_patched_on_its_class_is_not_bypassed(
    cls: type[Any], test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = cls.__call__
    calls: list[str] = []

    async def instrumented(self: Any, scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(cls, "__call__", instrumented)
    app = make_app()
    assert test_client_factory(app).get("/").text == "hello"
    assert app._stock_stack is None
    assert calls == ["/"]


def test_router_app_patched_on_the_class_is_not_bypassed(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def teapot(self: Router, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("patched app", status_code=418)(scope, receive, send)

    monkeypatch.setattr(Router, "app", teapot)
    response = test_client_factory(make_app()).get("/")
    assert (response.status_code, response.text) == (418, "patched app")


def test_not_found_patched_on_the_class_is_called(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def not_found(self: Router, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("patched not found", status_code=404)(scope, receive, send)

    monkeypatch.setattr(Router, "not_found", not_found)
    assert test_client_factory(make_app()).get("/missing").text == "patched not found"


def test_http_exception_handler_patched_on_the_class_is_called(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def http_exception(self: ExceptionMiddleware, request: Request, exc: Exception) -> Response:
        return PlainTextResponse("patched handler", status_code=404)

    monkeypatch.setattr(ExceptionMiddleware, "http_exception", http_exception)
    assert test_client_factory(make_app()).get("/missing").text == "patched handler"


# --- the route served by the stack itself: what Route.handle and the request_response app would do ------------


class Teapot(PlainTextResponse):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("own call", status_code=418)(scope, receive, send)


def served_routes(events: list[str]) -> list[Route]:
    def sync_hello(request: Request) -> Response:
        return PlainTextResponse(f"sync {request.method}")

    async def with_background(request: Request) -> Response:
        async def done() -> None:
            events.append("background")

        return JSONResponse({"path": request.url.path}, background=BackgroundTask(done))

    async def own_call(request: Request) -> Response:
        return Teapot("never sent")

    async def nothing(request: Request) -> None:
        return None

    async def params(request: Request) -> Response:
        return JSONResponse(request.path_params)

    async def reads_body(request: Request) -> Response:
        return Response(await request.body(), media_type="application/octet-stream")

    class Marking:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            events.append("route middleware")
            await self.app(scope, receive, send)

    return [
        Route("/", hello),
        Route("/sync", sync_hello, methods=["GET", "POST"]),
        Route("/background", with_background),
        Route("/own-call", own_call),
        Route("/nothing", nothing),  # type: ignore[arg-type]
        Route("/params/{n:int}/{name}", params),
        Route("/body", reads_body, methods=["PUT"]),
        Route("/boom", boom),
        Route("/teapot", teapot),
        Route("/wrapped", hello, middleware=[Middleware(Marking)]),
    ]


SERVED = [
    Req(path="/"),
    Req(method="HEAD", path="/"),
    Req(method="POST", path="/"),
    Req(path="/sync"),
    Req(method="POST", path="/sync"),
    Req(path="/background"),
    Req(path="/own-call"),
    Req(path="/nothing"),
    Req(path="/params/12/x"),
    Req(path="/params/x/x"),
    Req(method="PUT", path="/body", body=[b"a", b"b"]),
    Req(path="/body"),
    Req(path="/boom"),
    Req(path="/teapot"),
    Req(path="/wrapped"),
    Req(path="/missing"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("handlers", ["none", "registered"])
@pytest.mark.parametrize("req", SERVED, ids=lambda req: f"{req.method} {req.path}")
async def test_route_served_by_the_stack_answers_as_its_layers_do(req: Req, handlers: str) -> None:
    async def value_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"{type(request).__name__} {request.url.path} {exc}", status_code=400)

    async def type_error(request: Request, exc: Exception) -> Response:
        raise HTTPException(409, "from the handler")

    exception_handlers = {} if handlers == "none" else {ValueError: value_error, TypeError: type_error}
    outcomes, events = [], []
    for served_directly in (True, False):
        served: list[str] = []
        app = Starlette(routes=served_routes(served), exception_handlers=exception_handlers)  # type: ignore[arg-type]
        if not served_directly:
            app.middleware_stack = app.build_middleware_stack()  # NOTE: the layers, each in its own coroutine.
        outcomes.append((await run_app(app, req)).normalized())
        events.append(served)
        assert (app._stock_stack is not None) is served_directly
    assert outcomes[0] == outcomes[1]
    assert events[0] == events[1]


def test_route_app_replaced_after_construction_is_called(test_client_factory: TestClientFactory) -> None:
    route = Route("/", hello)
    route.app = PlainTextResponse("replaced")
    assert test_client_factory(Starlette(routes=[route])).get("/").text == "replaced"


def test_request_response_patched_before_the_routes_are_built_is_used(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock = routing.request_response

    def instrumented(func: Any) -> ASGIApp:
        app = stock(func)

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            calls.append(scope["path"])
            await app(scope, receive, send)

        return counted

    calls: list[str] = []
    monkeypatch.setattr(routing, "request_response", instrumented)
    client = test_client_factory(Starlette(routes=[Route("/", hello)]))
    assert client.get("/").text == "hello"
    assert calls == ["/"]


@pytest.mark.anyio
@pytest.mark.parametrize("served_directly", [True, False])
async def test_background_failing_after_the_response_started(served_directly: bool) -> None:
    async def fail() -> None:
        raise ValueError("after the response")

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("sent", background=BackgroundTask(fail))

    async def value_error(request: Request, exc: Exception) -> Response:
        raise AssertionError("never called")  # pragma: no cover (the response had started)

    for handlers, escaped in [({}, "ValueError"), ({ValueError: value_error}, "RuntimeError")]:
        app = Starlette(routes=[Route("/", endpoint)], exception_handlers=handlers)  # type: ignore[arg-type]
        if not served_directly:
            app.middleware_stack = app.build_middleware_stack()
        outcome = await run_app(app, Req())
        # The response went out; no 500 follows it; the error reaches the server (with a handler: as
        # "Caught handled exception, but response already started.").
        assert (outcome.status, outcome.body) == (200, b"sent")
        assert outcome.exception is not None and outcome.exception.startswith(escaped), outcome.exception
