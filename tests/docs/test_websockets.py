"""The examples of docs/websockets.md, with imports changed to starlette_c."""

from __future__ import annotations

import pytest

from starlette_c.applications import Starlette
from starlette_c.exceptions import HTTPException
from starlette_c.responses import PlainTextResponse
from starlette_c.routing import WebSocketRoute
from starlette_c.testclient import WebSocketDenialResponse
from starlette_c.types import Receive, Scope, Send
from starlette_c.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory

# --- WebSocket -----------------------------------------------------------------------------------


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    websocket = WebSocket(scope=scope, receive=receive, send=send)
    await websocket.accept()
    await websocket.send_text("Hello, world!")
    await websocket.close()


def test_hello(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(app).websocket_connect("/") as session:
        assert session.receive_text() == "Hello, world!"
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive_text()
        assert info.value.code == 1000


# --- Mapping interface, URL, headers, query and path parameters ----------------------------------


async def describe(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json(
        {
            "path": websocket["path"],
            "url_path": websocket.url.path,
            "port": websocket.url.port,
            "scheme": websocket.url.scheme,
            "version": websocket.headers["sec-websocket-version"],
            "search": websocket.query_params["search"],
            "username": websocket.path_params["username"],
        }
    )
    await websocket.close()


def test_connection_details(test_client_factory: TestClientFactory) -> None:
    describe_app = Starlette(routes=[WebSocketRoute("/users/{username}", describe)])
    with test_client_factory(describe_app).websocket_connect("ws://testserver:8000/users/tom?search=x") as session:
        assert session.receive_json() == {
            "path": "/users/tom",
            "url_path": "/users/tom",
            "port": 8000,
            "scheme": "ws",
            "version": "13",
            "search": "x",
            "username": "tom",
        }


# --- Iterating data ------------------------------------------------------------------------------


async def iter_app(scope: Scope, receive: Receive, send: Send) -> None:
    websocket = WebSocket(scope=scope, receive=receive, send=send)
    await websocket.accept()
    async for message in websocket.iter_text():
        await websocket.send_text(f"Message text was: {message}")
    await websocket.close()


def test_iter_text(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(iter_app).websocket_connect("/") as session:
        session.send_text("one")
        assert session.receive_text() == "Message text was: one"
        session.send_text("two")
        assert session.receive_text() == "Message text was: two"


# --- JSON modes ----------------------------------------------------------------------------------


async def json_app(scope: Scope, receive: Receive, send: Send) -> None:
    websocket = WebSocket(scope=scope, receive=receive, send=send)
    await websocket.accept()
    data = await websocket.receive_json(mode="binary")
    await websocket.send_json(data, mode="binary")
    await websocket.send_json(data)
    await websocket.close()


def test_json_modes(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(json_app).websocket_connect("/") as session:
        session.send_json({"hello": "world"}, mode="binary")
        message = session.receive()
        assert message == {"type": "websocket.send", "bytes": b'{"hello":"world"}'}
        assert session.receive_json() == {"hello": "world"}


# --- Send denial response ------------------------------------------------------------------------


async def close_before_accept(scope: Scope, receive: Receive, send: Send) -> None:
    websocket = WebSocket(scope=scope, receive=receive, send=send)
    await websocket.close()


async def custom_denial(scope: Scope, receive: Receive, send: Send) -> None:
    websocket = WebSocket(scope=scope, receive=receive, send=send)
    await websocket.send_denial_response(PlainTextResponse("Go away", status_code=418))


def test_close_before_accept_and_denial(test_client_factory: TestClientFactory) -> None:
    with pytest.raises(WebSocketDisconnect) as info, test_client_factory(close_before_accept).websocket_connect("/"):
        pass  # pragma: no cover (the connection is refused)
    assert info.value.code == 1000

    with pytest.raises(WebSocketDenialResponse) as denial, test_client_factory(custom_denial).websocket_connect("/"):
        pass  # pragma: no cover (the connection is refused)
    assert denial.value.status_code == 418
    assert denial.value.text == "Go away"


def is_authorized(subprotocols: list[str]) -> bool:
    if len(subprotocols) != 2:
        return False
    if subprotocols[0] != "Authorization":
        return False
    # Here we are hard coding the token, in a real application you would validate the token
    # against a database or an external service.
    if subprotocols[1] != "token":  # noqa: SIM103 (kept as written in the docs)
        return False
    return True


async def websocket_endpoint(websocket: WebSocket) -> None:
    subprotocols = websocket.scope["subprotocols"]
    if not is_authorized(subprotocols):
        raise HTTPException(status_code=401, detail="Unauthorized")
    await websocket.accept("Authorization")
    await websocket.send_text("Hello, world!")
    await websocket.close()


auth_app = Starlette(debug=True, routes=[WebSocketRoute("/ws", websocket_endpoint)])


def test_http_exception_denial(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(auth_app)
    with client.websocket_connect("/ws", subprotocols=["Authorization", "token"]) as session:
        assert session.accepted_subprotocol == "Authorization"
        assert session.receive_text() == "Hello, world!"

    denied = client.websocket_connect("/ws", subprotocols=["Authorization", "wrong"])
    with pytest.raises(WebSocketDenialResponse) as info, denied:
        pass  # pragma: no cover (the connection is refused)
    assert info.value.status_code == 401
    assert info.value.text == "Unauthorized"
