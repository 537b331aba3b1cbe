from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any, Literal

from starlette_c import status
from starlette_c._utils import is_async_callable
from starlette_c.concurrency import run_in_threadpool
from starlette_c.exceptions import HTTPException
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.types import Message, Receive, Scope, Send
from starlette_c.websockets import WebSocket

_HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_NOT_HANDLERS = frozenset({"dispatch", "method_not_allowed", "scope", "receive", "send"})


class HTTPEndpoint:
    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        self.scope = scope
        self.receive = receive
        self.send = send
        self._allowed_methods = [method for method in _HTTP_METHODS if getattr(self, method.lower(), None) is not None]

    def __await__(self) -> Generator[Any, None, None]:
        return self.dispatch().__await__()

    async def dispatch(self) -> None:
        request = Request(self.scope, receive=self.receive)
        method = request.method
        handler_name = "get" if method == "HEAD" and not hasattr(self, "head") else method.lower()
        # NOTE: methods naming the endpoint's own machinery (DISPATCH, SEND, __INIT__...) get a 405, never a call.
        if handler_name.startswith("_") or handler_name in _NOT_HANDLERS:
            handler: Any = self.method_not_allowed
        else:
            handler = getattr(self, handler_name, self.method_not_allowed)
        if is_async_callable(handler):
            response: Response = await handler(request)
        else:
            response = await run_in_threadpool(handler, request)
        await response(self.scope, self.receive, self.send)

    async def method_not_allowed(self, request: Request) -> Response:
        headers = {"Allow": ", ".join(self._allowed_methods)}
        if "app" in self.scope:
            raise HTTPException(status_code=405, headers=headers)
        return PlainTextResponse("Method Not Allowed", status_code=405, headers=headers)


class WebSocketEndpoint:
    encoding: Literal["text", "bytes", "json"] | None = None

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket"
        self.scope = scope
        self.receive = receive
        self.send = send

    def __await__(self) -> Generator[Any, None, None]:
        return self.dispatch().__await__()

    async def dispatch(self) -> None:
        websocket = WebSocket(self.scope, receive=self.receive, send=self.send)
        await self.on_connect(websocket)
        close_code = status.WS_1000_NORMAL_CLOSURE
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.receive":
                    data = await self.decode(websocket, message)
                    await self.on_receive(websocket, data)
                elif message["type"] == "websocket.disconnect":
                    close_code = int(message.get("code") or status.WS_1000_NORMAL_CLOSURE)
                    break
        except Exception:
            close_code = status.WS_1011_INTERNAL_ERROR
            raise
        finally:
            await self.on_disconnect(websocket, close_code)

    async def decode(self, websocket: WebSocket, message: Message) -> Any:
        if self.encoding == "text":
            if "text" not in message:
                await websocket.close(code=status.WS_1003_UNSUPPORTED_DATA)
                raise RuntimeError("Expected text websocket messages, but got bytes")
            return message["text"]
        if self.encoding == "bytes":
            if "bytes" not in message:
                await websocket.close(code=status.WS_1003_UNSUPPORTED_DATA)
                raise RuntimeError("Expected bytes websocket messages, but got text")
            return message["bytes"]
        if self.encoding == "json":
            data = message["text"] if message.get("text") is not None else message["bytes"]
            try:
                # NOTE: bytes that are not UTF-8 count as malformed JSON (close 1003), not as a crash.
                return json.loads(data if isinstance(data, str) else data.decode("utf-8"))
            except ValueError:
                await websocket.close(code=status.WS_1003_UNSUPPORTED_DATA)
                raise RuntimeError("Malformed JSON data received.")
        assert self.encoding is None, f"Unsupported 'encoding' attribute {self.encoding}"
        return message["text"] if message.get("text") else message["bytes"]

    async def on_connect(self, websocket: WebSocket) -> None:
        """Accept the connection; override to authenticate, pick a subprotocol, or refuse."""
        await websocket.accept()

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        """Handle one decoded message; the default ignores it."""

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        """Run once when the session ends, with the close code (1011 after an error)."""
