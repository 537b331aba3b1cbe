"""The examples of docs/responses.md, with imports changed to starlette_c."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest

from starlette_c.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette_c.types import Receive, Scope, Send
from tests.conftest import TestClientFactory

# --- Response -----------------------------------------------------------------------------------


async def response_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    response = Response("Hello, world!", media_type="text/plain")
    await response(scope, receive, send)


def test_response(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(response_app).get("/")
    assert response.text == "Hello, world!"
    assert response.headers["content-length"] == "13"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_set_and_delete_cookie(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = Response("cookies")
        response.set_cookie("session", "abc", max_age=60, httponly=True)
        response.delete_cookie("old")
        await response(scope, receive, send)

    response = test_client_factory(app).get("/")
    set_cookie = response.headers.get_list("set-cookie")
    assert set_cookie[0] == "session=abc; HttpOnly; Max-Age=60; Path=/; SameSite=lax"
    assert set_cookie[1].startswith('old=""; expires=') and "Max-Age=0; Path=/; SameSite=lax" in set_cookie[1]


# --- HTMLResponse, PlainTextResponse, JSONResponse ------------------------------------------------


async def html_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    response = HTMLResponse("<html><body><h1>Hello, world!</h1></body></html>")
    await response(scope, receive, send)


async def plain_text_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    response = PlainTextResponse("Hello, world!")
    await response(scope, receive, send)


async def json_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    response = JSONResponse({"hello": "world"})
    await response(scope, receive, send)


def test_html_plain_text_and_json(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(html_app).get("/")
    assert response.text == "<html><body><h1>Hello, world!</h1></body></html>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"

    response = test_client_factory(plain_text_app).get("/")
    assert response.text == "Hello, world!"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"

    response = test_client_factory(json_app).get("/")
    assert response.content == b'{"hello":"world"}'
    assert response.headers["content-type"] == "application/json"


def test_custom_json_serialization(test_client_factory: TestClientFactory) -> None:
    orjson = pytest.importorskip("orjson")

    class OrjsonResponse(JSONResponse):
        def render(self, content: Any) -> bytes:
            return orjson.dumps(content)  # type: ignore[no-any-return]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await OrjsonResponse({"hello": "world", "n": [1, 2]})(scope, receive, send)

    response = test_client_factory(app).get("/")
    assert response.json() == {"hello": "world", "n": [1, 2]}
    assert response.headers["content-type"] == "application/json"


# --- RedirectResponse ---------------------------------------------------------------------------


async def redirect_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    if scope["path"] != "/":
        response: Response = RedirectResponse(url="/")
    else:
        response = PlainTextResponse("Hello, world!")
    await response(scope, receive, send)


def test_redirect(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(redirect_app)
    response = client.get("/elsewhere", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/"
    response = client.get("/elsewhere")
    assert response.text == "Hello, world!"
    assert response.url == "http://testserver/"


# --- StreamingResponse --------------------------------------------------------------------------


async def slow_numbers(minimum: int, maximum: int) -> Any:
    yield "<html><body><ul>"
    for number in range(minimum, maximum + 1):
        yield "<li>%d</li>" % number  # noqa: UP031
        await asyncio.sleep(0.5)
    yield "</ul></body></html>"


async def streaming_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    generator = slow_numbers(1, 10)
    response = StreamingResponse(generator, media_type="text/html")
    await response(scope, receive, send)


@pytest.mark.parametrize("anyio_backend", [pytest.param(("asyncio", {}), id="asyncio")])
def test_streaming(test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # The example sleeps with asyncio, so it runs on asyncio only; the half-second naps are shortened.
    real_sleep = asyncio.sleep

    def quick_sleep(delay: float) -> Awaitable[None]:
        return real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", quick_sleep)
    response = test_client_factory(streaming_app).get("/")
    expected = "<html><body><ul>" + "".join(f"<li>{n}</li>" for n in range(1, 11)) + "</ul></body></html>"
    assert response.text == expected
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-length" not in response.headers


def test_streaming_a_file_object(test_client_factory: TestClientFactory, tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(b"line 1\nline 2\n")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        with path.open("rb") as file:
            await StreamingResponse(file, media_type="text/plain")(scope, receive, send)

    assert test_client_factory(app).get("/").text == "line 1\nline 2\n"


# --- FileResponse -------------------------------------------------------------------------------


async def file_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    response = FileResponse("statics/favicon.ico")
    await response(scope, receive, send)


def test_file_response(test_client_factory: TestClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "statics").mkdir()
    icon = bytes(range(256)) * 8
    (tmp_path / "statics" / "favicon.ico").write_bytes(icon)
    monkeypatch.chdir(tmp_path)
    client = test_client_factory(file_app)

    response = client.get("/")
    assert response.content == icon
    assert response.headers["content-type"] == "image/vnd.microsoft.icon"
    assert response.headers["content-length"] == str(len(icon))
    assert response.headers["accept-ranges"] == "bytes"
    assert "last-modified" in response.headers
    assert "etag" in response.headers

    response = client.get("/", headers={"Range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.content == icon[:10]
    assert response.headers["content-range"] == f"bytes 0-9/{len(icon)}"

    response = client.get("/", headers={"Range": f"bytes={len(icon)}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(icon)}"


def test_file_response_filename(test_client_factory: TestClientFactory, tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text("a,b\n")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = FileResponse(path, filename="report.csv", content_disposition_type="inline")
        await response(scope, receive, send)

    response = test_client_factory(app).get("/")
    assert response.headers["content-disposition"] == 'inline; filename="report.csv"'
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text == "a,b\n"


def test_delete_partitioned_cookie() -> None:
    response = Response("bye")
    if sys.version_info >= (3, 14):  # pragma: no cover (Python >= 3.14 only)
        response.delete_cookie("session", secure=True, samesite="none", partitioned=True)
        assert "Partitioned" in response.headers["set-cookie"]
    else:
        with pytest.raises(ValueError, match="only supported in Python 3.14 and above"):
            response.delete_cookie("session", secure=True, samesite="none", partitioned=True)
    response.delete_cookie("session", partitioned=False)
    assert "Max-Age=0" in response.headers["set-cookie"]
