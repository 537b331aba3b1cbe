"""The examples of docs/testclient.md, with imports changed to starlette_c."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from httpx2 import ASGITransport, AsyncClient

from starlette_c.applications import Starlette
from starlette_c.requests import Request
from starlette_c.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette_c.routing import Route
from starlette_c.testclient import TestClient
from starlette_c.types import Receive, Scope, Send
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory

# --- Basic usage ---------------------------------------------------------------------------------


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    response = HTMLResponse("<html><body>Hello, world!</body></html>")
    await response(scope, receive, send)


def test_app() -> None:
    client = TestClient(app)
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "<html><body>Hello, world!</body></html>"


# --- Headers and files ---------------------------------------------------------------------------


async def headers_app(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    response = PlainTextResponse(request.headers.get("authorization", "-"))
    await response(scope, receive, send)


def test_client_and_request_headers(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(headers_app)

    # Set headers on the client for future requests
    client.headers = {"Authorization": "..."}  # type: ignore[assignment]
    response = client.get("/")
    assert response.text == "..."

    # Set headers for each request separately
    response = client.get("/", headers={"Authorization": "per-request"})
    assert response.text == "per-request"


async def upload(request: Request) -> JSONResponse:
    async with request.form() as form:
        files = {}
        for name, value in form.multi_items():
            assert not isinstance(value, str)
            files[name] = {
                "filename": value.filename,
                "content_type": value.content_type,
                "content": (await value.read()).decode("latin-1"),
            }
    return JSONResponse(files)


form_app = Starlette(routes=[Route("/form", upload, methods=["POST"])])


def test_send_files(test_client_factory: TestClientFactory, tmp_path: Path) -> None:
    (tmp_path / "example.txt").write_bytes(b"some text")
    (tmp_path / "example.png").write_bytes(b"\x89PNG")
    client = test_client_factory(form_app)

    # Send a single file
    with open(tmp_path / "example.txt", "rb") as f:
        response = client.post("/form", files={"file": f})
    assert response.json() == {
        "file": {"filename": "example.txt", "content_type": "text/plain", "content": "some text"}
    }

    # Send multiple files
    with open(tmp_path / "example.txt", "rb") as f1, open(tmp_path / "example.png", "rb") as f2:
        files = {"file1": f1, "file2": ("filename", f2, "image/png")}
        response = client.post("/form", files=files)
    assert response.json() == {
        "file1": {"filename": "example.txt", "content_type": "text/plain", "content": "some text"},
        "file2": {"filename": "filename", "content_type": "image/png", "content": "\x89PNG"},
    }


def test_server_exceptions_as_500() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("failure")

    with pytest.raises(RuntimeError, match="failure"):
        TestClient(failing).get("/")
    client = TestClient(failing, raise_server_exceptions=False)
    assert client.get("/").status_code == 500


# --- Change client address -----------------------------------------------------------------------


async def client_app(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    assert request.client is not None
    response = JSONResponse([request.client.host, request.client.port])
    await response(scope, receive, send)


def test_default_client_address() -> None:
    assert TestClient(client_app).get("/").json() == ["testclient", 50000]


def test_change_client_address() -> None:
    client = TestClient(client_app, client=("localhost", 8000))
    assert client.get("/").json() == ["localhost", 8000]


# --- Selecting the async backend -----------------------------------------------------------------


async def backend_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    import sniffio

    response = PlainTextResponse(sniffio.current_async_library())
    await response(scope, receive, send)


def test_trio_backend() -> None:
    with TestClient(backend_app, backend="trio") as client:
        assert client.get("/").text == "trio"


def test_uvloop_backend() -> None:
    uvloop = pytest.importorskip("uvloop")
    seen: list[bool] = []

    async def loop_app(scope: Scope, receive: Receive, send: Send) -> None:
        import asyncio

        if scope["type"] == "http":
            seen.append(isinstance(asyncio.get_running_loop(), uvloop.Loop))
        await backend_app(scope, receive, send)

    with TestClient(loop_app, backend_options={"use_uvloop": True}) as client:
        assert client.get("/").text == "asyncio"
    assert seen == [True]


# --- Testing WebSocket sessions ------------------------------------------------------------------


async def websocket_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "websocket"
    websocket = WebSocket(scope, receive=receive, send=send)
    await websocket.accept()
    await websocket.send_text("Hello, world!")
    await websocket.close()


def test_websocket_app() -> None:
    client = TestClient(websocket_app)
    with client.websocket_connect("/") as websocket:
        data = websocket.receive_text()
        assert data == "Hello, world!"


async def query_app(scope: Scope, receive: Receive, send: Send) -> None:
    websocket = WebSocket(scope, receive=receive, send=send)
    await websocket.accept()
    await websocket.send_json(dict(websocket.query_params))
    await websocket.close()


def test_websocket_query_in_url(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(query_app)
    with client.websocket_connect("/path?foo=bar") as websocket:
        assert websocket.receive_json() == {"foo": "bar"}


# --- HTTP trailers -------------------------------------------------------------------------------


async def trailers_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"trailer", b"x-result")],
            "trailers": True,
        }
    )
    await send({"type": "http.response.body", "body": b"hello"})
    await send({"type": "http.response.trailers", "headers": [(b"x-result", b"complete")]})


def test_trailers() -> None:
    response = TestClient(trailers_app).get("/", headers={"TE": "trailers"})
    assert response.content == b"hello"
    assert response.extensions["http.response.trailers"] == [(b"x-result", b"complete")]
    # Trailers remain separate from `response.headers`; undeclared responses carry no trailer extension.
    assert "x-result" not in response.headers
    assert "http.response.trailers" not in TestClient(app).get("/").extensions


# --- Debug information ---------------------------------------------------------------------------


class CSVResponse(Response):
    media_type = "text/csv"

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        super().__init__(buffer.getvalue())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "http.response.debug" in scope.get("extensions", {}):
            await send({"type": "http.response.debug", "info": {"rows": self.rows}})
        await super().__call__(scope, receive, send)


def export(request: Request) -> CSVResponse:
    rows: list[tuple[Any, ...]] = [("id", "username", "joined")]
    rows += [(n, f"user{n}", "2026-01-01") for n in range(100)]
    return CSVResponse(rows)


def test_export() -> None:
    client = TestClient(Starlette(routes=[Route("/export", export)]))
    response = client.get("/export")
    rows = response.extensions["http.response.debug"]["rows"]
    assert rows[0] == ("id", "username", "joined")
    assert len(rows) == 101


# --- Asynchronous tests --------------------------------------------------------------------------


def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Hello World!")


hello_app = Starlette(routes=[Route("/", hello)])


@pytest.mark.anyio
async def test_async_client() -> None:
    # note: you _must_ set `base_url` for relative urls like "/" to work
    transport = ASGITransport(app=hello_app)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        r = await client.get("/")
        assert r.status_code == 200
        assert r.text == "Hello World!"
