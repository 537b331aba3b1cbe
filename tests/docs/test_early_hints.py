"""The example of docs/early-hints.md, with imports changed to starlette_c."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from starlette_c.applications import Starlette
from starlette_c.requests import Request
from starlette_c.responses import HTMLResponse, Response
from starlette_c.routing import Route
from tests.conftest import TestClientFactory


async def homepage(request: Request) -> HTMLResponse:
    await request.send_early_hints(
        "</static/style.css>; rel=preload; as=style",
        "</static/app.js>; rel=modulepreload",
    )

    await anyio.sleep(1)
    return HTMLResponse("""
        <!doctype html>
        <html lang="en">
            <head>
                <title>Early Hints</title>
                <link rel="stylesheet" href="/static/style.css">
                <script type="module" src="/static/app.js"></script>
            </head>
            <body><h1>Hello!</h1></body>
        </html>
    """)


async def stylesheet(request: Request) -> Response:
    return Response("body { font-family: sans-serif; }", media_type="text/css")


async def javascript(request: Request) -> Response:
    return Response(
        'document.querySelector("h1").textContent = "Hello from Starlette!";',
        media_type="text/javascript",
    )


app = Starlette(
    routes=[
        Route("/", endpoint=homepage),
        Route("/static/style.css", endpoint=stylesheet),
        Route("/static/app.js", endpoint=javascript),
    ]
)


@pytest.fixture(autouse=True)
def no_slow_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # NOTE: the page's one-second sleep stands for slow work; the tests need not wait for it.
    async def sleep(delay: float) -> None:
        assert delay == 1

    monkeypatch.setattr(anyio, "sleep", sleep)


async def serve(path: str, extensions: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages `app` sends for a GET of ``path`` from a server offering ``extensions``."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "2",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"example.com")],
        "server": ("example.com", 443),
        "client": ("127.0.0.1", 5000),
        "extensions": extensions,
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


@pytest.mark.anyio
async def test_hints_are_sent_before_the_final_response_when_the_server_supports_them() -> None:
    sent = await serve("/", {"http.response.early_hint": {}})
    assert [message["type"] for message in sent] == [
        "http.response.early_hint",
        "http.response.start",
        "http.response.body",
    ]
    assert sent[0]["links"] == [b"</static/style.css>; rel=preload; as=style", b"</static/app.js>; rel=modulepreload"]
    assert sent[1]["status"] == 200
    # NOTE: browsers may ignore the hints, so the final response still references both resources.
    assert b'href="/static/style.css"' in sent[2]["body"]
    assert b'src="/static/app.js"' in sent[2]["body"]


@pytest.mark.anyio
async def test_without_server_support_the_hints_are_skipped() -> None:
    sent = await serve("/", {})
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]


def test_the_example_through_the_test_client(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app)
    page = client.get("/")
    assert page.status_code == 200
    assert "<h1>Hello!</h1>" in page.text
    style = client.get("/static/style.css")
    assert (style.text, style.headers["content-type"]) == (
        "body { font-family: sans-serif; }",
        "text/css; charset=utf-8",
    )
    script = client.get("/static/app.js")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.text == 'document.querySelector("h1").textContent = "Hello from Starlette!";'
