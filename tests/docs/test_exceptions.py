"""The examples of docs/exceptions.md, with imports changed to starlette_c."""

from __future__ import annotations

from typing import Any

import pytest

from starlette_c.applications import Starlette
from starlette_c.background import BackgroundTask
from starlette_c.exceptions import HTTPException, WebSocketException
from starlette_c.requests import Request
from starlette_c.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette_c.routing import Route, WebSocketRoute
from starlette_c.testclient import WebSocketDenialResponse
from starlette_c.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory

HTML_404_PAGE = "<h1>Nothing here</h1>"
HTML_500_PAGE = "<h1>Oops</h1>"


async def missing(request: Request) -> Response:
    raise HTTPException(status_code=404)


async def forbidden(request: Request) -> Response:
    raise HTTPException(status_code=403, detail="Keep out", headers={"x-reason": "private"})


async def broken(request: Request) -> Response:
    raise RuntimeError("broken")


class PaymentError(Exception):
    """An error that carries ``status_code`` and ``detail``, as the docs' ``handle_error`` expects."""

    status_code = 500
    detail = "payment backend unavailable"


async def payment(request: Request) -> Response:
    raise PaymentError()


routes = [Route("/missing", missing), Route("/forbidden", forbidden), Route("/broken", broken)]


# --- Custom handlers by status code ------------------------------------------------------------


async def not_found(request: Request, exc: HTTPException) -> Response:
    return HTMLResponse(content=HTML_404_PAGE, status_code=exc.status_code)


async def server_error(request: Request, exc: HTTPException) -> Response:
    return HTMLResponse(content=HTML_500_PAGE, status_code=500)


status_handlers: dict[Any, Any] = {404: not_found, 500: server_error}


def test_status_code_handlers(test_client_factory: TestClientFactory) -> None:
    app = Starlette(routes=routes, exception_handlers=status_handlers)
    client = test_client_factory(app, raise_server_exceptions=False)
    response = client.get("/missing")
    assert (response.status_code, response.text) == (404, HTML_404_PAGE)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    response = client.get("/nowhere")
    assert (response.status_code, response.text) == (404, HTML_404_PAGE)
    response = client.get("/broken")
    assert (response.status_code, response.text) == (500, HTML_500_PAGE)


def test_debug_uses_the_traceback_instead_of_the_500_handler(test_client_factory: TestClientFactory) -> None:
    app = Starlette(debug=True, routes=routes, exception_handlers=status_handlers)
    response = test_client_factory(app, raise_server_exceptions=False).get("/broken")
    assert response.status_code == 500
    assert "RuntimeError: broken" in response.text
    assert HTML_500_PAGE not in response.text


# --- Handlers by exception class ---------------------------------------------------------------


async def http_exception(request: Request, exc: HTTPException) -> Response:
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


async def http_exception_with_headers(request: Request, exc: HTTPException) -> Response:
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def test_json_http_exception(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Starlette(routes=routes, exception_handlers={HTTPException: http_exception}))
    response = client.get("/missing")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
    response = client.get("/forbidden")
    assert (response.status_code, response.json()) == (403, {"detail": "Keep out"})
    assert "x-reason" not in response.headers


def test_json_http_exception_with_headers(test_client_factory: TestClientFactory) -> None:
    handlers: dict[Any, Any] = {HTTPException: http_exception_with_headers}
    client = test_client_factory(Starlette(routes=routes, exception_handlers=handlers))
    response = client.get("/forbidden")
    assert (response.status_code, response.json()) == (403, {"detail": "Keep out"})
    assert response.headers["x-reason"] == "private"


def test_default_http_exception_is_plain_text(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(Starlette(routes=routes)).get("/forbidden")
    assert (response.status_code, response.text) == (403, "Keep out")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["x-reason"] == "private"


def test_detail_defaults_to_the_standard_phrase_or_empty() -> None:
    assert HTTPException(status_code=404).detail == "Not Found"
    assert HTTPException(status_code=499).detail == ""


# --- WebSocketException ------------------------------------------------------------------------


async def websocket_exception(websocket: WebSocket, exc: WebSocketException) -> None:
    await websocket.close(code=1008)


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    raise WebSocketException(code=1003, reason="unsupported data")


def test_websocket_exception_default(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Starlette(routes=[WebSocketRoute("/ws", websocket_endpoint)]))
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws") as websocket:
        websocket.receive_text()
    assert (info.value.code, info.value.reason) == (1003, "unsupported data")


def test_websocket_exception_handler(test_client_factory: TestClientFactory) -> None:
    handlers: dict[Any, Any] = {WebSocketException: websocket_exception}
    app = Starlette(routes=[WebSocketRoute("/ws", websocket_endpoint)], exception_handlers=handlers)
    client = test_client_factory(app)
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws") as websocket:
        websocket.receive_text()
    assert info.value.code == 1008


def test_websocket_exception_defaults() -> None:
    exc = WebSocketException(code=1008)
    assert (exc.code, exc.reason) == (1008, "")


# --- Errors and handled exceptions -------------------------------------------------------------


async def handle_error(request: Request, exc: HTTPException) -> Response:
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


@pytest.mark.parametrize("key", [Exception, 500])
def test_error_handler(test_client_factory: TestClientFactory, key: Any) -> None:
    app = Starlette(routes=[Route("/payment", payment)], exception_handlers={key: handle_error})
    client = test_client_factory(app, raise_server_exceptions=False)
    response = client.get("/payment")
    assert (response.status_code, response.json()) == (500, {"detail": "payment backend unavailable"})
    # The error still reaches the server.
    with pytest.raises(PaymentError):
        test_client_factory(app).get("/payment")


def test_error_in_background_task_is_handled_after_the_response(test_client_factory: TestClientFactory) -> None:
    handled: list[Exception] = []

    async def record_error(request: Request, exc: Exception) -> Response:
        handled.append(exc)
        return PlainTextResponse("discarded", status_code=500)

    def fail() -> None:
        raise PaymentError()

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("sent", background=BackgroundTask(fail))

    app = Starlette(routes=[Route("/", endpoint)], exception_handlers={Exception: record_error})
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert (response.status_code, response.text) == (200, "sent")
    assert len(handled) == 1 and isinstance(handled[0], PaymentError)


# --- HTTPException on a WebSocket endpoint -----------------------------------------------------


async def refusing_websocket_endpoint(websocket: WebSocket) -> None:
    raise HTTPException(status_code=400, detail="Bad request")


def test_http_exception_before_accept_is_an_http_response(test_client_factory: TestClientFactory) -> None:
    app = Starlette(routes=[WebSocketRoute("/ws", refusing_websocket_endpoint)])
    client = test_client_factory(app)
    with pytest.raises(WebSocketDenialResponse) as info, client.websocket_connect("/ws"):
        pass  # pragma: no cover - the upgrade is refused
    assert (info.value.status_code, info.value.text) == (400, "Bad request")
