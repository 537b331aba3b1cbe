from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from starlette_c.requests import HTTPConnection
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.testclient import WebSocketDenialResponse
from starlette_c.types import Message, Receive, Scope, Send
from starlette_c.websockets import (
    WebSocket,
    WebSocketClose,
    WebSocketDisconnect,
    WebSocketDisconnected,
    WebSocketState,
)
from tests.conftest import TestClientFactory

Handler = Callable[[WebSocket], Coroutine[Any, Any, None]]


def ws_app(handler: Handler) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await handler(WebSocket(scope, receive=receive, send=send))

    return app


class FakeServer:
    """Drive a ``WebSocket`` directly: queued client messages in, application messages recorded."""

    def __init__(self, *incoming: Message, extensions: dict[str, Any] | None = None) -> None:
        self.incoming = list(incoming)
        self.sent: list[Message] = []
        scope: dict[str, Any] = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
        if extensions is not None:
            scope["extensions"] = extensions
        self.websocket = WebSocket(scope, self.receive, self.send)

    async def receive(self) -> Message:
        return self.incoming.pop(0)

    async def send(self, message: Message) -> None:
        self.sent.append(message)


CONNECT: Message = {"type": "websocket.connect"}


def text(data: str) -> Message:
    return {"type": "websocket.receive", "text": data}


def test_websocket_is_http_connection() -> None:
    websocket = FakeServer().websocket
    assert isinstance(websocket, HTTPConnection)
    assert websocket["path"] == "/ws"
    assert websocket.client_state is WebSocketState.CONNECTING
    assert websocket.application_state is WebSocketState.CONNECTING


def test_websocket_requires_websocket_scope() -> None:
    async def receive() -> Message:
        raise NotImplementedError

    async def send(message: Message) -> None:
        raise NotImplementedError

    with pytest.raises(AssertionError):
        WebSocket({"type": "http"}, receive, send)


def test_websocket_is_generic_over_state() -> None:
    class State:
        user = "tom"

    assert WebSocket[State].__origin__ is WebSocket  # type: ignore[attr-defined]
    assert len(WebSocket.__parameters__) == 1  # type: ignore[attr-defined]


def test_state_enum() -> None:
    assert [(state.name, state.value) for state in WebSocketState] == [
        ("CONNECTING", 0),
        ("CONNECTED", 1),
        ("DISCONNECTED", 2),
        ("RESPONSE", 3),
    ]


def test_disconnect_exception() -> None:
    default = WebSocketDisconnect()
    assert (default.code, default.reason, default.args) == (1000, "", ())
    custom = WebSocketDisconnect(1001, "gone")
    assert (custom.code, custom.reason, custom.args) == (1001, "gone", (1001, "gone"))
    keywords = WebSocketDisconnect(code=4000, reason=None)
    assert (keywords.code, keywords.reason, keywords.args) == (4000, "", ())


@pytest.mark.anyio
async def test_websocket_close_app() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        raise NotImplementedError

    await WebSocketClose()({"type": "websocket"}, receive, send)
    await WebSocketClose(code=1008, reason="policy")({"type": "websocket"}, receive, send)
    assert sent == [
        {"type": "websocket.close", "code": 1000, "reason": ""},
        {"type": "websocket.close", "code": 1008, "reason": "policy"},
    ]


@pytest.mark.anyio
async def test_receive_state_machine() -> None:
    server = FakeServer(CONNECT, text("a"), {"type": "websocket.disconnect", "code": 1000})
    websocket = server.websocket
    assert await websocket.receive() == CONNECT
    assert websocket.client_state is WebSocketState.CONNECTED
    assert await websocket.receive() == text("a")
    assert (await websocket.receive())["type"] == "websocket.disconnect"
    assert websocket.client_state is WebSocketState.DISCONNECTED
    with pytest.raises(WebSocketDisconnected) as info:
        await websocket.receive()
    assert str(info.value) == 'Cannot call "receive" once a disconnect message has been received.'


@pytest.mark.anyio
async def test_receive_unexpected_messages() -> None:
    websocket = FakeServer(text("early")).websocket
    with pytest.raises(RuntimeError) as info:
        await websocket.receive()
    assert str(info.value) == "Expected ASGI message \"websocket.connect\", but got 'websocket.receive'"
    assert type(info.value) is RuntimeError  # a protocol error, not a WebSocketDisconnected
    assert websocket.client_state is WebSocketState.CONNECTING

    websocket = FakeServer(CONNECT, CONNECT).websocket
    await websocket.receive()
    with pytest.raises(RuntimeError) as info:
        await websocket.receive()
    assert str(info.value) == (
        'Expected ASGI message "websocket.receive" or "websocket.disconnect", but got \'websocket.connect\''
    )


@pytest.mark.anyio
async def test_send_state_machine_connecting() -> None:
    server = FakeServer()
    with pytest.raises(RuntimeError) as info:
        await server.websocket.send({"type": "websocket.send", "text": "x"})
    assert str(info.value) == (
        'Expected ASGI message "websocket.accept", "websocket.close" or "websocket.http.response.start", '
        "but got 'websocket.send'"
    )
    assert server.sent == []
    await server.websocket.send({"type": "websocket.close"})
    assert server.websocket.application_state is WebSocketState.DISCONNECTED
    with pytest.raises(WebSocketDisconnected) as info:
        await server.websocket.send({"type": "websocket.close"})
    assert str(info.value) == 'Cannot call "send" once a close message has been sent.'
    assert server.sent == [{"type": "websocket.close"}]


@pytest.mark.anyio
async def test_send_state_machine_connected() -> None:
    server = FakeServer(CONNECT)
    websocket = server.websocket
    await websocket.accept()
    for message_type in ("websocket.accept", "websocket.http.response.start"):
        with pytest.raises(RuntimeError) as info:
            await websocket.send({"type": message_type})
        assert str(info.value) == (
            f'Expected ASGI message "websocket.send" or "websocket.close", but got \'{message_type}\''
        )
    await websocket.send_text("t")
    await websocket.send_bytes(b"b")
    await websocket.close(1003, "why")
    assert websocket.application_state is WebSocketState.DISCONNECTED
    assert server.sent == [
        {"type": "websocket.accept", "subprotocol": None, "headers": []},
        {"type": "websocket.send", "text": "t"},
        {"type": "websocket.send", "bytes": b"b"},
        {"type": "websocket.close", "code": 1003, "reason": "why"},
    ]
    with pytest.raises(WebSocketDisconnected, match='Cannot call "send" once a close message has been sent.'):
        await websocket.send_text("late")


@pytest.mark.anyio
async def test_send_state_machine_response() -> None:
    server = FakeServer()
    websocket = server.websocket
    await websocket.send({"type": "websocket.http.response.start", "status": 400, "headers": []})
    assert websocket.application_state is WebSocketState.RESPONSE
    await websocket.send({"type": "websocket.http.response.body", "body": b"a", "more_body": True})
    assert websocket.application_state is WebSocketState.RESPONSE
    with pytest.raises(RuntimeError) as info:
        await websocket.send({"type": "websocket.send", "text": "x"})
    assert str(info.value) == "Expected ASGI message \"websocket.http.response.body\", but got 'websocket.send'"
    await websocket.send({"type": "websocket.http.response.body", "body": b"b"})
    assert websocket.application_state is WebSocketState.DISCONNECTED
    assert len(server.sent) == 3


@pytest.mark.anyio
async def test_accept_arguments() -> None:
    server = FakeServer(CONNECT)
    await server.websocket.accept("proto", headers=[(b"x-a", b"1")])
    assert server.sent == [{"type": "websocket.accept", "subprotocol": "proto", "headers": [(b"x-a", b"1")]}]
    assert server.websocket.client_state is WebSocketState.CONNECTED

    already_connected = FakeServer(CONNECT)
    await already_connected.websocket.receive()
    await already_connected.websocket.accept()
    assert already_connected.incoming == []
    assert already_connected.websocket.application_state is WebSocketState.CONNECTED


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["receive_text", "receive_bytes", "receive_json"])
async def test_receive_requires_accept(method: str) -> None:
    websocket = FakeServer(CONNECT).websocket
    with pytest.raises(WebSocketDisconnected) as info:
        await getattr(websocket, method)()
    assert str(info.value) == 'WebSocket is not connected. Need to call "accept" first.'


@pytest.mark.anyio
async def test_mode_is_checked_first() -> None:
    websocket = FakeServer(CONNECT).websocket
    with pytest.raises(RuntimeError) as info:
        await websocket.receive_json(mode="xml")
    assert str(info.value) == 'The "mode" argument should be "text" or "binary".'
    with pytest.raises(RuntimeError, match='The "mode" argument should be "text" or "binary".'):
        await websocket.send_json(1, mode="xml")
    assert websocket.client_state is WebSocketState.CONNECTING


@pytest.mark.anyio
async def test_disconnect_without_code() -> None:
    server = FakeServer(CONNECT, {"type": "websocket.disconnect"})
    await server.websocket.accept()
    with pytest.raises(WebSocketDisconnect) as info:
        await server.websocket.receive_text()
    assert (info.value.code, info.value.reason) == (1005, "")


@pytest.mark.anyio
async def test_send_denial_response_requires_extension() -> None:
    server = FakeServer(CONNECT)
    with pytest.raises(RuntimeError) as info:
        await server.websocket.send_denial_response(Response(b"no", status_code=400))
    assert str(info.value) == "The server doesn't support the Websocket Denial Response extension."
    assert server.sent == []


def test_text_roundtrip(test_client_factory: TestClientFactory) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        data = await websocket.receive_text()
        await websocket.send_text(f"echo: {data}")
        await websocket.close()

    with test_client_factory(ws_app(handler)).websocket_connect("/") as session:
        session.send_text("hello")
        assert session.receive_text() == "echo: hello"
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive_text()
        assert info.value.code == 1000


def test_bytes_roundtrip(test_client_factory: TestClientFactory) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        data = await websocket.receive_bytes()
        await websocket.send_bytes(data[::-1])
        await websocket.close()

    with test_client_factory(ws_app(handler)).websocket_connect("/") as session:
        session.send_bytes(b"abc")
        assert session.receive_bytes() == b"cba"


@pytest.mark.parametrize("mode", ["text", "binary"])
def test_json_roundtrip(test_client_factory: TestClientFactory, mode: str) -> None:
    raw: list[Message] = []

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        data = await websocket.receive_json(mode=mode)
        await websocket.send_json({"got": data, "accent": "é"}, mode=mode)
        raw.append(await websocket.receive())
        await websocket.close()

    with test_client_factory(ws_app(handler)).websocket_connect("/") as session:
        session.send_json({"a": [1, 2]}, mode=mode)  # type: ignore[arg-type]
        assert session.receive_json(mode=mode) == {"got": {"a": [1, 2]}, "accent": "é"}  # type: ignore[arg-type]
        session.send_json({"k": "é"}, mode=mode)  # type: ignore[arg-type]
    payload = '{"k":"é"}'
    key, value = ("text", payload) if mode == "text" else ("bytes", payload.encode())
    assert raw == [{"type": "websocket.receive", key: value}]


def test_iterators(test_client_factory: TestClientFactory) -> None:
    results: dict[str, list[Any]] = {}

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        kind = websocket.query_params["kind"]
        iterator = {"text": websocket.iter_text, "bytes": websocket.iter_bytes, "json": websocket.iter_json}[kind]
        results[kind] = [message async for message in iterator()]

    client = test_client_factory(ws_app(handler))
    with client.websocket_connect("/?kind=text") as session:
        session.send_text("a")
        session.send_text("b")
    with client.websocket_connect("/?kind=bytes") as session:
        session.send_bytes(b"a")
    with client.websocket_connect("/?kind=json") as session:
        session.send_json({"a": 1})
        session.send_json([2])
    assert results == {"text": ["a", "b"], "bytes": [b"a"], "json": [{"a": 1}, [2]]}


def test_client_close_reaches_app(test_client_factory: TestClientFactory) -> None:
    received: list[Message] = []

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect as exc:
            received.append({"code": exc.code, "reason": exc.reason})
        assert websocket.client_state is WebSocketState.DISCONNECTED

    with test_client_factory(ws_app(handler)).websocket_connect("/") as session:
        session.close(code=1001, reason="bye")
    assert received == [{"code": 1001, "reason": "bye"}]


def test_websocket_scope_and_connection_info(test_client_factory: TestClientFactory) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept(subprotocol="b", headers=[(b"x-extra", b"1")])
        await websocket.send_json(
            {
                "url": str(websocket.url),
                "path": websocket["path"],
                "query": websocket.query_params["q"],
                "header": websocket.headers["sec-websocket-version"],
                "subprotocols": websocket.scope["subprotocols"],
                "client": list(websocket.client or ()),
            }
        )
        await websocket.close()

    client = test_client_factory(ws_app(handler))
    with client.websocket_connect("/chat?q=1", subprotocols=["a", "b"]) as session:
        assert session.accepted_subprotocol == "b"
        assert session.extra_headers == [(b"x-extra", b"1")]
        assert session.receive_json() == {
            "url": "ws://testserver/chat?q=1",
            "path": "/chat",
            "query": "1",
            "header": "13",
            "subprotocols": ["a", "b"],
            "client": ["testclient", 50000],
        }


def test_close_before_accept(test_client_factory: TestClientFactory) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.close(code=1008, reason="policy")

    with pytest.raises(WebSocketDisconnect) as info, test_client_factory(ws_app(handler)).websocket_connect("/"):
        pass  # pragma: no cover (the connection is refused)
    assert (info.value.code, info.value.reason) == (1008, "policy")


def test_send_denial_response(test_client_factory: TestClientFactory) -> None:
    async def handler(websocket: WebSocket) -> None:
        response = PlainTextResponse("denied", status_code=403, headers={"x-reason": "nope"})
        await websocket.send_denial_response(response)
        assert websocket.application_state is WebSocketState.DISCONNECTED

    client = test_client_factory(ws_app(handler))
    with pytest.raises(WebSocketDenialResponse) as info, client.websocket_connect("/"):
        pass  # pragma: no cover (the connection is refused)
    assert info.value.status_code == 403
    assert info.value.headers["x-reason"] == "nope"
    assert info.value.text == "denied"


def test_app_exception_propagates(test_client_factory: TestClientFactory) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(json.dumps("ready"))
        raise ValueError("inside")

    client = test_client_factory(ws_app(handler))
    with pytest.raises(ValueError, match="inside"), client.websocket_connect("/") as session:
        assert session.receive_json() == "ready"


def test_websocket_disconnected_is_a_runtime_error() -> None:
    assert WebSocketDisconnected.__mro__[1:] == (RuntimeError, Exception, BaseException, object)
    assert WebSocketDisconnected("x").args == ("x",)


@pytest.mark.anyio
async def test_operations_after_close_raise_websocket_disconnected() -> None:
    server = FakeServer(CONNECT)
    websocket = server.websocket
    await websocket.close()
    for operation in (websocket.receive_text, websocket.receive_bytes, websocket.receive_json):
        with pytest.raises(WebSocketDisconnected, match='Need to call "accept" first.'):
            await operation()
    with pytest.raises(WebSocketDisconnected, match='Cannot call "send"'):
        await websocket.send_bytes(b"late")


@pytest.mark.anyio
async def test_overridden_receive_and_send_are_what_the_helpers_call() -> None:
    log: list[Any] = []

    class Logged(WebSocket):
        async def receive(self) -> Message:
            log.append("receive")
            return await super().receive()

        async def send(self, message: Message) -> None:
            log.append(message["type"])
            await super().send(message)

        async def receive_text(self) -> str:
            log.append("receive_text")
            return await super().receive_text()

    server = FakeServer(
        CONNECT,
        text("a"),
        {"type": "websocket.receive", "bytes": b"b"},
        text("[1]"),
        text("c"),
        {"type": "websocket.disconnect", "code": 1001},
    )
    websocket = Logged(server.websocket.scope, server.receive, server.send)
    await websocket.accept()
    log.append(await websocket.receive_text())
    log.append(await websocket.receive_bytes())
    # NOTE: receive_json goes through receive, not through an overridden receive_text (as in Starlette 1.10).
    log.append(await websocket.receive_json())
    log.extend([item async for item in websocket.iter_text()])
    assert log == [
        "receive",
        "websocket.accept",
        "receive_text",
        "receive",
        "a",
        "receive",
        b"b",
        "receive",
        [1],
        "receive_text",
        "receive",
        "receive_text",
        "receive",
        "c",
    ]


@pytest.mark.anyio
async def test_receive_and_send_replaced_on_the_instance_are_what_the_helpers_call() -> None:
    log: list[str] = []
    server = FakeServer(CONNECT, text("z"))
    websocket = server.websocket

    async def receive() -> Message:
        log.append("receive")
        return await WebSocket.receive(websocket)

    async def send(message: Message) -> None:
        log.append(message["type"])
        await WebSocket.send(websocket, message)

    websocket.receive = receive  # type: ignore[method-assign]
    websocket.send = send  # type: ignore[method-assign]
    await websocket.accept()
    assert await websocket.receive_text() == "z"
    await websocket.send_text("q")
    await websocket.send_bytes(b"q")
    await websocket.send_json([1], mode="binary")
    await websocket.close()
    assert log == ["receive", "websocket.accept", "receive", *["websocket.send"] * 3, "websocket.close"]
    assert server.sent[1:] == [
        {"type": "websocket.send", "text": "q"},
        {"type": "websocket.send", "bytes": b"q"},
        {"type": "websocket.send", "bytes": b"[1]"},
        {"type": "websocket.close", "code": 1000, "reason": ""},
    ]


@pytest.mark.anyio
@pytest.mark.parametrize("accepted", [False, True])
async def test_a_close_message_with_more_body_closes(accepted: bool) -> None:
    server = FakeServer(CONNECT)
    websocket = server.websocket
    if accepted:
        await websocket.accept()
    await websocket.send({"type": "websocket.close", "code": 1000, "more_body": True})
    assert websocket.application_state is WebSocketState.DISCONNECTED
    with pytest.raises(WebSocketDisconnected, match='Cannot call "send" once a close message has been sent.'):
        await websocket.send({"type": "websocket.http.response.body", "body": b""})


@pytest.mark.anyio
async def test_send_json_sends_through_send_not_send_text_or_send_bytes() -> None:
    log: list[Any] = []

    class Logged(WebSocket):
        async def send_text(self, data: str) -> None:
            log.append(("send_text", data))

        async def send_bytes(self, data: bytes) -> None:
            log.append(("send_bytes", data))

    server = FakeServer(CONNECT)
    websocket = Logged(server.websocket.scope, server.receive, server.send)
    await websocket.accept()
    await websocket.send_json({"a": 1})
    await websocket.send_json([2], mode="binary")
    assert log == []
    assert server.sent[1:] == [
        {"type": "websocket.send", "text": '{"a":1}'},
        {"type": "websocket.send", "bytes": b"[2]"},
    ]
