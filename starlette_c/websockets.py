from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar, cast

from starlette_c.requests import HTTPConnection, StateT
from starlette_c.responses import Response
from starlette_c.types import Message, Receive, Scope, Send

_T = TypeVar("_T")


class WebSocketState(enum.Enum):
    """Where one direction of a websocket stands: handshake, open, closed, or sending a denial response."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3


class WebSocketDisconnect(Exception):
    """The client went away (or the app closed the socket); ``code`` and ``reason`` tell how."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        # NOTE: BaseException.__init__ is skipped on purpose so ``args`` keeps what the caller passed positionally.
        self.code = code
        self.reason = reason or ""


class WebSocketDisconnected(RuntimeError):
    """An operation was attempted on a websocket that is not (or no longer) connected."""


_CONNECTING, _CONNECTED, _DISCONNECTED, _RESPONSE = WebSocketState

# Per state, the message types that may flow in that direction and the state each one leads to.
_CLIENT_MOVES: dict[WebSocketState, dict[str, WebSocketState]] = {
    _CONNECTING: {"websocket.connect": _CONNECTED},
    _CONNECTED: {"websocket.receive": _CONNECTED, "websocket.disconnect": _DISCONNECTED},
}
_APP_MOVES: dict[WebSocketState, dict[str, WebSocketState]] = {
    _CONNECTING: {
        "websocket.accept": _CONNECTED,
        "websocket.close": _DISCONNECTED,
        "websocket.http.response.start": _RESPONSE,
    },
    _CONNECTED: {"websocket.send": _CONNECTED, "websocket.close": _DISCONNECTED},
    _RESPONSE: {"websocket.http.response.body": _DISCONNECTED},
}


def _unexpected(allowed: Iterable[str], got: str) -> RuntimeError:
    quoted = [f'"{name}"' for name in allowed]
    expected = quoted[-1] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return RuntimeError(f"Expected ASGI message {expected}, but got {got!r}")


def _check_mode(mode: str) -> None:
    if mode not in ("text", "binary"):
        raise RuntimeError('The "mode" argument should be "text" or "binary".')


class WebSocket(HTTPConnection[StateT]):
    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        super().__init__(scope)
        assert scope["type"] == "websocket"
        self._receive, self._send = receive, send
        self.client_state = self.application_state = _CONNECTING

    async def receive(self) -> Message:
        """Receive the next ASGI message from the client, enforcing the websocket state machine."""
        moves = _CLIENT_MOVES.get(self.client_state)
        if moves is None:
            raise WebSocketDisconnected('Cannot call "receive" once a disconnect message has been received.')
        message = await self._receive()
        after = moves.get(message["type"])
        if after is None:
            raise _unexpected(moves, message["type"])
        self.client_state = after
        return message

    async def send(self, message: Message) -> None:
        """Send an ASGI message to the client, enforcing the websocket state machine."""
        moves = _APP_MOVES.get(self.application_state)
        if moves is None:
            raise WebSocketDisconnected('Cannot call "send" once a close message has been sent.')
        after = moves.get(message["type"])
        if after is None:
            raise _unexpected(moves, message["type"])
        # NOTE: a denial response stays open until its last body chunk.
        if after is _DISCONNECTED and message.get("more_body", False):
            after = _RESPONSE
        self.application_state = after
        await self._send(message)

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[bytes, bytes]] | None = None,
    ) -> None:
        if self.client_state is _CONNECTING:
            await self.receive()
        await self.send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": headers or []})

    async def _payload(self, key: str) -> Any:
        """The ``key`` field of the next data message; a client disconnect raises ``WebSocketDisconnect``."""
        if self.application_state is not _CONNECTED:
            raise WebSocketDisconnected('WebSocket is not connected. Need to call "accept" first.')
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            # NOTE: ASGI says a close frame without a code is reported as 1005; tolerate servers that omit it.
            raise WebSocketDisconnect(message.get("code", 1005), message.get("reason"))
        return message[key]

    async def receive_text(self) -> str:
        return cast(str, await self._payload("text"))

    async def receive_bytes(self) -> bytes:
        return cast(bytes, await self._payload("bytes"))

    async def receive_json(self, mode: str = "text") -> Any:
        _check_mode(mode)
        if mode == "text":
            return json.loads(await self._payload("text"))
        return json.loads((await self._payload("bytes")).decode("utf-8"))

    @staticmethod
    async def _until_disconnect(next_item: Callable[[], Awaitable[_T]]) -> AsyncIterator[_T]:
        while True:
            try:
                item = await next_item()
            except WebSocketDisconnect:
                return
            yield item

    def iter_text(self) -> AsyncIterator[str]:
        return self._until_disconnect(self.receive_text)

    def iter_bytes(self) -> AsyncIterator[bytes]:
        return self._until_disconnect(self.receive_bytes)

    def iter_json(self) -> AsyncIterator[Any]:
        return self._until_disconnect(self.receive_json)

    async def send_text(self, data: str) -> None:
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        _check_mode(mode)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        await (self.send_text(text) if mode == "text" else self.send_bytes(text.encode("utf-8")))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})

    async def send_denial_response(self, response: Response) -> None:
        if "websocket.http.response" not in self.scope.get("extensions", {}):
            raise RuntimeError("The server doesn't support the Websocket Denial Response extension.")
        await response(self.scope, self.receive, self.send)


class WebSocketClose:
    """An ASGI app that refuses (or ends) a websocket with a close frame."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code, self.reason = code, reason or ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.close", "code": self.code, "reason": self.reason})
