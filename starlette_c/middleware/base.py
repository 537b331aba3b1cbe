"""``BaseHTTPMiddleware``: write middleware as ``dispatch(request, call_next) -> response``.

``call_next`` runs the wrapped app in a task of its own and hands back a response that relays what the app
sends, as it sends it. The app's request body is shared with ``dispatch``: whatever ``dispatch`` read of it,
the app can still read.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from starlette_c._utils import create_collapsing_task_group, led_to
from starlette_c.requests import ClientDisconnect, Request
from starlette_c.responses import Response
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send

RequestResponseEndpoint = Callable[[Request], Awaitable[Response]]
DispatchFunction = Callable[[Request, RequestResponseEndpoint], Awaitable[Response]]
BodyStreamGenerator = AsyncGenerator[bytes | MutableMapping[str, Any], None]
AsyncContentStream = AsyncIterable[str | bytes | memoryview | MutableMapping[str, Any]]

_DISCONNECT: Message = {"type": "http.disconnect"}
_FINAL_TYPES = ("http.response.pathsend",)
_AHEAD_TYPES = ("http.response.early_hint", "http.response.debug")


class _CachedRequest(Request):
    """The request ``dispatch`` sees; ``wrapped_receive`` gives the wrapped app the same body.

    A body read whole by ``dispatch`` is replayed, an unread body streams through (read via this request, so
    ``dispatch`` later finds it consumed), and a body ``dispatch`` streamed away arrives empty.
    """

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._client_receive = receive
        self._kept_body: bytes | None = None
        self._client_done = False
        self._client_gone = False
        self._app_has_body = False
        super().__init__(scope, self._receive_from_client, send)

    async def _receive_from_client(self) -> Message:
        message = await self._client_receive()
        kind = message["type"]
        if kind == "http.disconnect":
            self._client_gone = True
        elif kind == "http.request" and not message.get("more_body", False):
            self._client_done = True
        return message

    async def body(self) -> bytes:
        self._kept_body = await super().body()
        return self._kept_body

    async def _relay_chunk(self) -> Message:
        # NOTE: the stream is closed at once, not left to the garbage collector (1.8: no "Exception ignored").
        chunks = self.stream()
        try:
            chunk = await chunks.__anext__()
        except ClientDisconnect:
            return _DISCONNECT
        finally:
            await chunks.aclose()
        self._app_has_body = self._client_done
        return {"type": "http.request", "body": chunk, "more_body": not self._client_done}

    async def wrapped_receive(self) -> Message:
        if not self._app_has_body:
            if self._kept_body is not None or self._client_done:
                self._app_has_body = True
                return {"type": "http.request", "body": self._kept_body or b"", "more_body": False}
            return _DISCONNECT if self._client_gone else await self._relay_chunk()
        if self._client_gone:
            return _DISCONNECT
        # NOTE: after the body, the only message left to wait for is the client going away.
        message = await self._receive_from_client()
        if message["type"] != "http.disconnect":
            raise RuntimeError(f"Unexpected message received: {message['type']}")
        return message


class _Downstream:
    """One request's wrapped app: started by ``call_next``, stopped by ``close`` once the response is out."""

    def __init__(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, task_group: TaskGroup) -> None:
        self.app = app
        self.scope = scope
        self.receive = receive
        self.send = send
        self.task_group = task_group
        self.response_sent = anyio.Event()
        self.error: Exception | None = None
        self.error_raised = False
        self.outlets: list[MemoryObjectReceiveStream[Message]] = []

    async def _receive_until_sent(self) -> Message:
        # NOTE: once the middleware's response is out, the wrapped app sees a disconnect instead of waiting forever.
        if self.response_sent.is_set():
            return _DISCONNECT
        message = _DISCONNECT
        async with create_collapsing_task_group() as race:

            async def stop_when_sent() -> None:
                await self.response_sent.wait()
                race.cancel_scope.cancel()

            race.start_soon(stop_when_sent)
            message = await self.receive()
            race.cancel_scope.cancel()
        return _DISCONNECT if self.response_sent.is_set() else message

    async def _run(self, inlet: MemoryObjectSendStream[Message]) -> None:
        async def send_downstream(message: Message) -> None:
            try:
                await inlet.send(message)
            except anyio.BrokenResourceError:
                # NOTE: the response is already out: later messages of the wrapped app go nowhere.
                return
            if message["type"] in _FINAL_TYPES or (
                message["type"] == "http.response.body" and not message.get("more_body", False)
            ):
                # NOTE: the app's background tasks start only once the client has the whole response (1.7).
                await self.response_sent.wait()

        with inlet:
            try:
                await self.app(self.scope, self._receive_until_sent, send_downstream)
            except Exception as exc:
                self.error = exc

    async def call_next(self, request: Request) -> Response:
        inlet, outlet = anyio.create_memory_object_stream[Message]()
        self.outlets.append(outlet)
        self.task_group.start_soon(self._run, inlet)
        info = None
        try:
            start = await outlet.receive()
            while start["type"] in _AHEAD_TYPES:
                if start["type"] == "http.response.debug":
                    info = start.get("info")
                else:
                    # NOTE: early hints go to the client as they come, ahead of the response (1.8).
                    await self.send(start)
                start = await outlet.receive()
        except anyio.EndOfStream:
            if self.error is None:
                raise RuntimeError("No response returned.")
            self.error_raised = True
            raise self.error from led_to(self.error)
        if start["type"] != "http.response.start":
            raise AssertionError(f"Unexpected message: {start}")
        response = _StreamingResponse(_relay_body(outlet), status_code=start["status"], info=info)
        response.raw_headers = list(start.get("headers", ()))
        return response

    def close(self) -> None:
        self.response_sent.set()
        for outlet in self.outlets:
            outlet.close()


async def _relay_body(outlet: MemoryObjectReceiveStream[Message]) -> BodyStreamGenerator:
    async for message in outlet:
        kind = message["type"]
        if kind == "http.response.pathsend":
            yield message
            break
        if kind != "http.response.body":
            raise AssertionError(f"Unexpected message: {message}")
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            break


class BaseHTTPMiddleware:
    def __init__(self, app: ASGIApp, dispatch: DispatchFunction | None = None) -> None:
        self.app = app
        self.dispatch_func = dispatch if dispatch is not None else self.dispatch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request = _CachedRequest(scope, receive, send)
        async with create_collapsing_task_group() as task_group:
            downstream = _Downstream(self.app, scope, request.wrapped_receive, send, task_group)
            try:
                response = await self.dispatch_func(request, downstream.call_next)
                await response(scope, request.wrapped_receive, send)
            finally:
                downstream.close()

        if downstream.error is not None and not downstream.error_raised:
            raise downstream.error

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        raise NotImplementedError()


class _StreamingResponse(Response):
    """What ``call_next`` returns: the wrapped app's status, headers and body, relayed as they come."""

    def __init__(
        self,
        content: AsyncContentStream,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        self.background = None
        self.media_type = media_type
        self.status_code = status_code
        self.body_iterator = content
        self.info = info
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.info is not None:
            await send({"type": "http.response.debug", "info": self.info})
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        ended = False
        async for chunk in self.body_iterator:
            if isinstance(chunk, MutableMapping):
                # NOTE: a pathsend message ends the response by itself.
                ended = True
                await send(chunk)
            else:
                data = chunk.encode(self.charset) if isinstance(chunk, str) else bytes(chunk)
                await send({"type": "http.response.body", "body": data, "more_body": True})
        if not ended:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        if self.background is not None:
            await self.background()
