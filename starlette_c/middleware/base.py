"""``BaseHTTPMiddleware``: write middleware as ``dispatch(request, call_next) -> response``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream

from starlette_c._utils import collapse_excgroups
from starlette_c.requests import ClientDisconnect, Request
from starlette_c.responses import Response
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send

RequestResponseEndpoint = Callable[[Request], Awaitable[Response]]
DispatchFunction = Callable[[Request, RequestResponseEndpoint], Awaitable[Response]]
BodyStreamGenerator = AsyncGenerator[bytes | MutableMapping[str, Any], None]
AsyncContentStream = AsyncIterable[str | bytes | memoryview | MutableMapping[str, Any]]


class _CachedRequest(Request):
    """The request handed to ``dispatch``; ``wrapped_receive`` feeds the wrapped app the same body.

    Whatever ``dispatch`` did with the body, the app downstream can still read it: a body read with
    ``body()`` (or ``json()``) is replayed, an unread body is streamed through, and a body that
    ``dispatch`` streamed away without keeping arrives empty.
    """

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self._upstream_receive = receive
        self._cached_body: bytes | None = None
        self._body_complete = False
        self._body_delivered = False
        self._disconnected = False
        super().__init__(scope, self._receive_tracked)

    async def _receive_tracked(self) -> Message:
        message = await self._upstream_receive()
        if message["type"] == "http.disconnect":
            self._disconnected = True
        elif message["type"] == "http.request" and not message.get("more_body", False):
            self._body_complete = True
        return message

    async def body(self) -> bytes:
        body = await super().body()
        self._cached_body = body
        return body

    async def wrapped_receive(self) -> Message:
        if self._body_delivered:
            if self._disconnected:
                return {"type": "http.disconnect"}
            message = await self._receive_tracked()
            if message["type"] != "http.disconnect":
                raise RuntimeError(f"Unexpected message received: {message['type']}")
            return message
        if self._cached_body is not None or self._body_complete:
            self._body_delivered = True
            return {"type": "http.request", "body": self._cached_body or b"", "more_body": False}
        if self._disconnected:
            return {"type": "http.disconnect"}
        # NOTE: read through this request's own stream, so that ``dispatch`` later sees it as consumed.
        stream = self.stream()
        try:
            chunk = await stream.__anext__()
        except ClientDisconnect:
            return {"type": "http.disconnect"}
        finally:
            await stream.aclose()
        self._body_delivered = self._body_complete
        return {"type": "http.request", "body": chunk, "more_body": not self._body_complete}


class _Exchange:
    """Per-request state shared by ``call_next`` and the response that ``dispatch`` returns."""

    def __init__(self, app: ASGIApp, scope: Scope, receive: Receive, task_group: TaskGroup) -> None:
        self.app = app
        self.scope = scope
        self.receive = receive
        self.task_group = task_group
        self.response_sent = anyio.Event()
        self.app_exc: Exception | None = None
        self.app_exc_raised = False
        self.streams: list[MemoryObjectReceiveStream[Message]] = []

    async def _cancel_when_sent(self, race: anyio.CancelScope) -> None:
        await self.response_sent.wait()
        race.cancel()

    async def receive_or_disconnect(self) -> Message:
        # NOTE: once the middleware's response is out, the wrapped app must see a disconnect, not wait forever.
        message: Message = {"type": "http.disconnect"}
        if not self.response_sent.is_set():
            async with anyio.create_task_group() as race:
                race.start_soon(self._cancel_when_sent, race.cancel_scope)
                message = await self.receive()
                race.cancel_scope.cancel()
        return {"type": "http.disconnect"} if self.response_sent.is_set() else message

    async def call_next(self, request: Request) -> Response:
        send_stream, recv_stream = anyio.create_memory_object_stream[Message]()
        self.streams.append(recv_stream)

        async def send_no_error(message: Message) -> None:
            try:
                await send_stream.send(message)
            except anyio.BrokenResourceError:
                # NOTE: the response is already out, so later messages of the wrapped app are dropped.
                return

        async def run_app() -> None:
            with send_stream:
                try:
                    await self.app(self.scope, self.receive_or_disconnect, send_no_error)
                except Exception as exc:
                    self.app_exc = exc

        self.task_group.start_soon(run_app)

        try:
            message = await recv_stream.receive()
            info = message.get("info", None)
            if message["type"] == "http.response.debug" and info is not None:
                message = await recv_stream.receive()
        except anyio.EndOfStream:
            if self.app_exc is not None:
                self.app_exc_raised = True
                raise self.app_exc
            raise RuntimeError("No response returned.")
        if message["type"] != "http.response.start":
            raise AssertionError(f"Unexpected message: {message}")

        response = _StreamingResponse(status_code=message["status"], content=_body_stream(recv_stream), info=info)
        response.raw_headers = list(message.get("headers", []))
        return response

    def finish(self) -> None:
        self.response_sent.set()
        for stream in self.streams:
            stream.close()


async def _body_stream(recv_stream: MemoryObjectReceiveStream[Message]) -> BodyStreamGenerator:
    async for message in recv_stream:
        if message["type"] == "http.response.pathsend":
            yield message
            return
        if message["type"] != "http.response.body":
            raise AssertionError(f"Unexpected message: {message}")
        body = message.get("body", b"")
        if body:
            yield body
        if not message.get("more_body", False):
            return


class BaseHTTPMiddleware:
    def __init__(self, app: ASGIApp, dispatch: DispatchFunction | None = None) -> None:
        self.app = app
        self.dispatch_func = self.dispatch if dispatch is None else dispatch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request = _CachedRequest(scope, receive)
        with collapse_excgroups():
            async with anyio.create_task_group() as task_group:
                exchange = _Exchange(self.app, scope, request.wrapped_receive, task_group)
                try:
                    response = await self.dispatch_func(request, exchange.call_next)
                    await response(scope, request.wrapped_receive, send)
                finally:
                    exchange.finish()

        if exchange.app_exc is not None and not exchange.app_exc_raised:
            raise exchange.app_exc

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        raise NotImplementedError()


class _StreamingResponse(Response):
    """The response ``call_next`` returns: the wrapped app's status, headers and body, relayed as they come."""

    def __init__(
        self,
        content: AsyncContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        self.info = info
        self.body_iterator = content
        self.status_code = status_code
        self.media_type = media_type
        self.init_headers(headers)
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.info is not None:
            await send({"type": "http.response.debug", "info": self.info})
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})

        body_closed = False
        async for chunk in self.body_iterator:
            if isinstance(chunk, MutableMapping):
                await send(chunk)
                body_closed = True
                continue
            body = chunk.encode(self.charset) if isinstance(chunk, str) else bytes(chunk)
            await send({"type": "http.response.body", "body": body, "more_body": True})
        if not body_closed:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        if self.background is not None:
            await self.background()
