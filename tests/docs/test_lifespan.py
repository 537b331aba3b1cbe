"""The examples of docs/lifespan.md, with imports changed to starlette_c.

The examples fetch ``https://www.example.com`` through ``httpx.AsyncClient()``; the tests swap in a client
whose transport answers locally, so that the documented state sharing is exercised without a network."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypedDict, reveal_type

import httpx
import pytest

from starlette_c.applications import Starlette
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse
from starlette_c.routing import Route, WebSocketRoute
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory


class LocalAsyncClient(httpx.AsyncClient):
    """``httpx.AsyncClient()`` answering every request with the URL it was asked for."""

    instances: list[LocalAsyncClient] = []

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(transport=httpx.MockTransport(lambda request: httpx.Response(200, text=str(request.url))))
        self.instances.append(self)


@pytest.fixture
def local_httpx(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[LocalAsyncClient]]:
    LocalAsyncClient.instances = []
    monkeypatch.setattr(httpx, "AsyncClient", LocalAsyncClient)
    yield LocalAsyncClient.instances


def test_lifespan(test_client_factory: TestClientFactory, capsys: pytest.CaptureFixture[str]) -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def some_async_resource() -> AsyncIterator[None]:
        events.append("resource opened")
        yield
        events.append("resource closed")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with some_async_resource():
            print("Run at startup!")
            yield
            print("Run on shutdown!")

    routes: list[Route] = []

    app = Starlette(routes=routes, lifespan=lifespan)

    with test_client_factory(app):
        assert capsys.readouterr().out == "Run at startup!\n"
        assert events == ["resource opened"]
    assert capsys.readouterr().out == "Run on shutdown!\n"
    assert events == ["resource opened", "resource closed"]


def test_lifespan_state(test_client_factory: TestClientFactory, local_httpx: list[LocalAsyncClient]) -> None:
    class State(TypedDict):
        http_client: httpx.AsyncClient

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        async with httpx.AsyncClient() as client:
            yield {"http_client": client}

    async def homepage(request: Request) -> PlainTextResponse:
        client = request.state.http_client
        response = await client.get("https://www.example.com")
        return PlainTextResponse(response.text)

    app = Starlette(lifespan=lifespan, routes=[Route("/", homepage)])

    with test_client_factory(app) as client:
        assert client.get("/").text == "https://www.example.com"
        assert len(local_httpx) == 1 and not local_httpx[0].is_closed
    assert local_httpx[0].is_closed


def test_state_is_a_shallow_copy(test_client_factory: TestClientFactory) -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        yield {"items": [], "counter": 0}

    async def homepage(request: Request) -> PlainTextResponse:
        request.state.items.append("seen")
        request.state.counter += 1
        return PlainTextResponse(f"{len(request.state.items)} {request.state.counter}")

    app = Starlette(lifespan=lifespan, routes=[Route("/", homepage)])
    with test_client_factory(app) as client:
        assert client.get("/").text == "1 1"
        assert client.get("/").text == "2 1"


def test_dictionary_style_state(
    test_client_factory: TestClientFactory, local_httpx: list[LocalAsyncClient], capsys: pytest.CaptureFixture[str]
) -> None:
    class State(TypedDict):
        http_client: httpx.AsyncClient

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        async with httpx.AsyncClient() as client:
            yield {"http_client": client}

    async def homepage(request: Request[State]) -> PlainTextResponse:
        client = request.state["http_client"]

        reveal_type(client)  # Revealed type is 'httpx.AsyncClient'

        response = await client.get("https://www.example.com")
        return PlainTextResponse(response.text)

    app = Starlette(lifespan=lifespan, routes=[Route("/", homepage)])

    with test_client_factory(app) as client:
        assert client.get("/").text == "https://www.example.com"
    assert "LocalAsyncClient" in capsys.readouterr().err

    async def websocket_endpoint(websocket: WebSocket[State]) -> None:
        await websocket.accept()
        client = websocket.state["http_client"]
        response = await client.get("https://www.example.com")
        await websocket.send_text(response.text)
        await websocket.close()

    app = Starlette(lifespan=lifespan, routes=[WebSocketRoute("/ws", websocket_endpoint)])

    with test_client_factory(app) as client, client.websocket_connect("/ws") as session:
        assert session.receive_text() == "https://www.example.com"


def test_running_lifespan_in_tests(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    async def homepage(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(lifespan=lifespan, routes=[Route("/", homepage)])

    def test_homepage() -> None:
        with test_client_factory(app) as client:
            # Application's lifespan is called on entering the block.
            assert events == ["startup"]
            response = client.get("/")
            assert response.status_code == 200

        # And the lifespan's teardown is run when exiting the block.
        assert events == ["startup", "shutdown"]

    test_homepage()
