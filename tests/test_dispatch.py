"""The stock stack served in one coroutine must answer exactly as its layers do."""

from __future__ import annotations

from typing import Any

import pytest

from starlette_c._dispatch import StockStack, stock_stack
from starlette_c.applications import Starlette
from starlette_c.exceptions import HTTPException
from starlette_c.middleware import Middleware
from starlette_c.middleware.errors import ServerErrorMiddleware
from starlette_c.middleware.exceptions import ExceptionMiddleware
from starlette_c.middleware.gzip import GZipMiddleware
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, Response
from starlette_c.routing import Route, Router
from starlette_c.types import Receive, Scope, Send
from tests.conftest import TestClientFactory


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
