"""The examples of docs/applications.md, with imports changed to starlette_c."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from starlette_c.applications import Starlette
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.routing import Mount, Route, WebSocketRoute
from starlette_c.staticfiles import StaticFiles
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory


def homepage(request: Request) -> Response:
    return PlainTextResponse("Hello, world!")


def user_me(request: Request) -> Response:
    username = "John Doe"
    return PlainTextResponse(f"Hello, {username}!")


def user(request: Request) -> Response:
    username = request.path_params["username"]
    return PlainTextResponse(f"Hello, {username}!")


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("Hello, websocket!")
    await websocket.close()


@asynccontextmanager
async def lifespan(app: Starlette) -> Any:
    print("Startup")
    yield
    print("Shutdown")


def test_application_example(
    test_client_factory: TestClientFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "style.css").write_text("body {}")
    monkeypatch.chdir(tmp_path)

    routes = [
        Route("/", homepage),
        Route("/user/me", user_me),
        Route("/user/{username}", user),
        WebSocketRoute("/ws", websocket_endpoint),
        Mount("/static", StaticFiles(directory="static")),
    ]

    app = Starlette(debug=True, routes=routes, lifespan=lifespan)

    with test_client_factory(app) as client:
        assert capsys.readouterr().out == "Startup\n"
        assert client.get("/").text == "Hello, world!"
        assert client.get("/user/me").text == "Hello, John Doe!"
        assert client.get("/user/tomchristie").text == "Hello, tomchristie!"
        assert client.get("/static/style.css").text == "body {}"
        with client.websocket_connect("/ws") as session:
            assert session.receive_text() == "Hello, websocket!"
    assert capsys.readouterr().out == "Shutdown\n"


def test_state_on_the_app(test_client_factory: TestClientFactory) -> None:
    def admin(request: Request) -> Response:
        return PlainTextResponse(request.app.state.ADMIN_EMAIL)

    app = Starlette(routes=[Route("/admin", admin)])
    app.state.ADMIN_EMAIL = "admin@example.org"
    assert test_client_factory(app).get("/admin").text == "admin@example.org"
