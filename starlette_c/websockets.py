from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from starlette_c import _backend
from starlette_c.requests import HTTPConnection, StateT
from starlette_c.responses import Response
from starlette_c.types import Receive, Scope, Send


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


_CONNECTING = WebSocketState.CONNECTING
_twin = _backend.websockets


def _check_mode(mode: str) -> None:
    if mode not in ("text", "binary"):
        raise RuntimeError('The "mode" argument should be "text" or "binary".')


class WebSocket(HTTPConnection[StateT]):
    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        super().__init__(scope)
        assert scope["type"] == "websocket"
        self._receive, self._send = receive, send
        self.client_state = self.application_state = _CONNECTING

    # PERF: the message path (state machine, decoding, the per-message wrappers) is the twin's, compiled when built.
    receive = _twin.receive
    send = _twin.send
    receive_text = _twin.receive_text
    receive_bytes = _twin.receive_bytes
    send_text = _twin.send_text
    send_bytes = _twin.send_bytes

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[bytes, bytes]] | None = None,
    ) -> None:
        if self.client_state is _CONNECTING:
            await self.receive()
        await self.send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": headers or []})

    async def receive_json(self, mode: str = "text") -> Any:
        _check_mode(mode)
        # NOTE: the twin's functions, not the methods: a subclass overriding receive_text does not change this.
        if mode == "text":
            return json.loads(await _twin.receive_text(self))
        return json.loads((await _twin.receive_bytes(self)).decode("utf-8"))

    # PERF: the iterators are the twin's (compiled when built); each calls the method, overrides included.
    def iter_text(self) -> AsyncIterator[str]:
        return _twin.until_disconnect(self.receive_text)

    def iter_bytes(self) -> AsyncIterator[bytes]:
        return _twin.until_disconnect(self.receive_bytes)

    def iter_json(self) -> AsyncIterator[Any]:
        return _twin.until_disconnect(self.receive_json)

    async def send_json(self, data: Any, mode: str = "text") -> None:
        _check_mode(mode)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        # NOTE: through ``self.send``, not send_text/send_bytes: a subclass overriding those does not change this.
        key, value = ("text", text) if mode == "text" else ("bytes", text.encode("utf-8"))
        await self.send({"type": "websocket.send", key: value})

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
