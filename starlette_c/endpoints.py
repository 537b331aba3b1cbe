from __future__ import annotations

import json
from collections.abc import Callable, Generator
from typing import Any, Literal

from starlette_c import status
from starlette_c._utils import is_async_callable
from starlette_c.concurrency import run_in_threadpool
from starlette_c.exceptions import HTTPException
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.types import Message, Receive, Scope, Send
from starlette_c.websockets import WebSocket

# The verbs a subclass may implement as lower-case methods, in the order a 405 ``Allow`` header lists them.
# NOTE: only these dispatch; a request method naming anything else on the endpoint gets a 405, never a call.
_VERBS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY")


def _implementation(endpoint: HTTPEndpoint, verb: str) -> Any:
    return getattr(endpoint, verb.lower(), None) if verb in _VERBS else None


def _handler(endpoint: HTTPEndpoint, method: str) -> Any:
    """The method answering ``method`` when ``_allowed_methods`` lists it (GET's for a HEAD without its own), else
    ``method_not_allowed``."""
    if method not in endpoint._allowed_methods:
        return endpoint.method_not_allowed
    if method == "HEAD" and _implementation(endpoint, "HEAD") is None:
        method = "GET"
    # NOTE: as in Starlette, a listed verb the endpoint lacks raises AttributeError.
    return getattr(endpoint, method.lower())


class HTTPEndpoint:
    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        self.scope, self.receive, self.send = scope, receive, send

    def __await__(self) -> Generator[Any, None, None]:
        return self.dispatch().__await__()

    @property
    def _allowed_methods(self) -> list[str]:
        """The verbs answered, in the order the 405 ``Allow`` header lists them, built on first use; a subclass may
        set another list (or override the attribute) to change which verbs dispatch."""
        allowed: list[str] | None = self.__dict__.get("_allowed_methods")
        if allowed is None:
            verbs = {verb for verb in _VERBS if _implementation(self, verb) is not None}
            if "GET" in verbs:
                verbs.add("HEAD")
            allowed = self._allowed_methods = [verb for verb in _VERBS if verb in verbs]
        return allowed

    @_allowed_methods.setter
    def _allowed_methods(self, allowed: list[str]) -> None:
        self.__dict__["_allowed_methods"] = allowed

    async def dispatch(self) -> None:
        request = Request(self.scope, receive=self.receive, send=self.send)
        handler = _handler(self, request.method)
        if is_async_callable(handler):
            response: Response = await handler(request)
        else:
            response = await run_in_threadpool(handler, request)
        await response(self.scope, self.receive, self.send)

    async def method_not_allowed(self, request: Request) -> Response:
        headers = {"Allow": ", ".join(self._allowed_methods)}
        # NOTE: inside an application the exception handlers render the 405; a bare endpoint answers itself.
        if "app" in self.scope:
            raise HTTPException(status_code=405, headers=headers)
        return PlainTextResponse("Method Not Allowed", status_code=405, headers=headers)


class _Unsupported(Exception):
    """A message the endpoint's ``encoding`` cannot accept: the socket is closed with 1003."""


def _as_text(message: Message) -> Any:
    if message.get("text") is None:
        raise _Unsupported("Expected text websocket messages, but got bytes")
    return message["text"]


def _as_bytes(message: Message) -> Any:
    if message.get("bytes") is None:
        raise _Unsupported("Expected bytes websocket messages, but got text")
    return message["bytes"]


def _as_json(message: Message) -> Any:
    text = message.get("text")
    try:
        # NOTE: bytes that are not UTF-8 count as malformed JSON (close 1003), not as a crash.
        return json.loads(message["bytes"].decode("utf-8") if text is None else text)
    except ValueError:
        raise _Unsupported("Malformed JSON data received.") from None


def _as_is(message: Message) -> Any:
    # NOTE: an empty text frame is still text; only an absent (None) text falls back to the bytes.
    text = message.get("text")
    return message["bytes"] if text is None else text


_DECODERS: dict[str | None, Callable[[Message], Any]] = {
    None: _as_is,
    "text": _as_text,
    "bytes": _as_bytes,
    "json": _as_json,
}


class WebSocketEndpoint:
    encoding: Literal["text", "bytes", "json"] | None = None

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket"
        self.scope, self.receive, self.send = scope, receive, send

    def __await__(self) -> Generator[Any, None, None]:
        return self.dispatch().__await__()

    async def dispatch(self) -> None:
        websocket: WebSocket = WebSocket(self.scope, self.receive, self.send)
        await self.on_connect(websocket)
        close_code = status.WS_1000_NORMAL_CLOSURE
        try:
            close_code = await _serve_messages(self, websocket)
        except Exception:
            close_code = status.WS_1011_INTERNAL_ERROR
            raise
        finally:
            await self.on_disconnect(websocket, close_code)

    async def decode(self, websocket: WebSocket, message: Message) -> Any:
        decoder = _DECODERS.get(self.encoding)
        assert decoder is not None, f"Unsupported 'encoding' attribute {self.encoding}"
        try:
            return decoder(message)
        except _Unsupported as refusal:
            await websocket.close(code=status.WS_1003_UNSUPPORTED_DATA)
            raise RuntimeError(str(refusal)) from None

    async def on_connect(self, websocket: WebSocket) -> None:
        """Accept the connection; override to authenticate, pick a subprotocol, or refuse."""
        await websocket.accept()

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        """Handle one decoded message; the default ignores it."""

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        """Run once when the session ends, with the close code (1011 after an error)."""


async def _serve_messages(endpoint: WebSocketEndpoint, websocket: WebSocket) -> int:
    """Feed each data message to ``on_receive`` until the client disconnects; the close code it sent."""
    while True:
        message = await websocket.receive()
        kind = message["type"]
        if kind == "websocket.disconnect":
            return int(message.get("code") or status.WS_1000_NORMAL_CLOSURE)
        # NOTE: only data is decoded: an on_connect that refused (or never accepted) leaves the connect message.
        if kind == "websocket.receive":
            await endpoint.on_receive(websocket, await endpoint.decode(websocket, message))
