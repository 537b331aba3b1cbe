"""A synchronous client that drives an ASGI application in-process: HTTP, WebSocket and lifespan.

Built on ``httpx2``; plain ``httpx`` is still accepted (deprecated) when ``httpx2`` is not installed.
The application runs on an anyio event loop in a helper thread (a blocking portal); every exchange with it
crosses that thread boundary through ``portal.call``.
"""

from __future__ import annotations

import contextlib
import json
import math
import warnings
from collections.abc import Awaitable, Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, TypedDict, TypeGuard, cast
from urllib.parse import urljoin

import anyio
from anyio.from_thread import BlockingPortal, start_blocking_portal

from starlette_c._utils import is_async_callable
from starlette_c.exceptions import StarletteDeprecationWarning
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send
from starlette_c.websockets import WebSocketDisconnect


def _http_client_module() -> ModuleType:
    """``httpx2`` when installed, else the deprecated ``httpx``, else a RuntimeError saying what to install."""
    with contextlib.suppress(ModuleNotFoundError):
        import httpx2

        return httpx2
    try:
        import httpx as legacy
    except ModuleNotFoundError:
        message = "The starlette.testclient module requires the httpx2 package to be installed.\n"
        raise RuntimeError(f"{message}You can install this with:\n    $ pip install httpx2\n") from None
    # NOTE: stacklevel 3 skips this helper and the module body, pointing at the statement importing the module.
    warnings.warn(
        "Using `httpx` with `starlette.testclient` is deprecated; install `httpx2` instead.",
        StarletteDeprecationWarning,
        stacklevel=3,
    )
    return legacy


if TYPE_CHECKING:
    from typing import Self

    import httpx2 as httpx
    from anyio.abc import TaskStatus
else:
    httpx = _http_client_module()

ASGIInstance = Callable[[Receive, Send], Awaitable[None]]
ASGI2App = Callable[[Scope], ASGIInstance]
ASGI3App = Callable[[Scope, Receive, Send], Awaitable[None]]

_RequestData = Mapping[str, str | Iterable[str] | bytes]
_Address = tuple[str, int]
_TESTSERVER = "http://testserver"
# NOTE: short names for the HTTP client's typing module and its "use the client's setting" marker.
_hx = httpx._types
_Unset = httpx._client.UseClientDefault
_UNSET = httpx._client.USE_CLIENT_DEFAULT
_PortalFactory = Callable[[], contextlib.AbstractContextManager[BlockingPortal]]

_WELL_KNOWN_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class _AsyncBackend(TypedDict):
    backend: str
    backend_options: dict[str, Any]


def _is_asgi3(app: ASGI2App | ASGI3App) -> TypeGuard[ASGI3App]:
    # NOTE: a class is ASGI 3 when its instances are awaitable (``HTTPEndpoint`` style), not when it is callable.
    return hasattr(app, "__await__") if isinstance(app, type) else is_async_callable(app)


class _WrapASGI2:
    """Adapts a double-callable (ASGI 2) application to the single-callable ASGI 3 interface."""

    def __init__(self, app: ASGI2App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope)(receive, send)


class _Upgrade(Exception):
    """Carries a websocket session out of ``httpx``'s request machinery back to ``websocket_connect``."""

    def __init__(self, session: WebSocketTestSession) -> None:
        self.session = session


class WebSocketDenialResponse(httpx.Response, WebSocketDisconnect):  # type: ignore[misc]
    """Raised by ``websocket_connect`` when the application answers the handshake with an HTTP response."""


# --------------------------------------------------------------------------------------------------------------------
# WebSocket sessions


class WebSocketTestSession:
    def __init__(self, app: ASGI3App, scope: Scope, portal_factory: _PortalFactory) -> None:
        self.app = app
        self.scope = scope
        self.portal_factory = portal_factory
        self.accepted_subprotocol: str | None = None
        self.extra_headers: list[tuple[bytes, bytes]] | None = None
        self._app_finished = False
        self._app_error: Exception | None = None
        self._error_reported = False

    def __enter__(self) -> Self:
        resources = contextlib.ExitStack()
        try:
            self.portal = resources.enter_context(self.portal_factory())
            self._task, self._cancel = self.portal.start_task(self._serve)
            self.send({"type": "websocket.connect"})
            reply = self.receive()
            self._raise_on_close(reply)
        except BaseException:
            self._shut_down()
            resources.close()
            # NOTE: an app that refused the connection and then failed reports its failure, not the refusal.
            self._raise_unreported_error()
            raise
        self.accepted_subprotocol = reply.get("subprotocol")
        self.extra_headers = reply.get("headers")
        self._resources = resources
        return self

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if not self._app_finished:
                self.close(1000)
            self._shut_down()
        finally:
            self._resources.close()
        self._raise_unreported_error()

    def _raise_unreported_error(self) -> None:
        """Raise the app's exception, unless the client has already raised it."""
        if self._app_error is not None and not self._error_reported:
            self._error_reported = True
            raise self._app_error

    def _shut_down(self) -> None:
        if hasattr(self, "_task"):
            self.portal.call(self._cancel.cancel)
            self._task.result()
            self._inbox.close()
            self._outbox.close()

    async def _serve(self, *, task_status: TaskStatus[anyio.CancelScope]) -> None:
        self._inbox, app_inbox = anyio.create_memory_object_stream[Message](math.inf)
        # NOTE: the outbox ends with None once the app returned or raised.
        app_outbox, self._outbox = anyio.create_memory_object_stream[Message | None](math.inf)
        with anyio.CancelScope() as cancel, app_inbox, app_outbox:
            task_status.started(cancel)
            try:
                await self.app(self.scope, app_inbox.receive, app_outbox.send)
            except Exception as exc:
                self._app_error = exc
            app_outbox.send_nowait(None)

    def _raise_on_close(self, message: Message) -> None:
        kind = message["type"]
        if kind == "websocket.close":
            raise WebSocketDisconnect(code=message.get("code", 1000), reason=message.get("reason", ""))
        if kind == "websocket.http.response.start":
            raise self._read_denial(message)

    def _read_denial(self, start: Message) -> WebSocketDenialResponse:
        body = bytearray()
        more = True
        while more:
            part = self.receive()
            if part["type"] != "websocket.http.response.body":
                # NOTE: e.g. the app returned after the start (Starlette's client waits forever there).
                raise RuntimeError(f"Expected a 'websocket.http.response.body' message, got {part['type']!r}.")
            body += part.get("body", b"")
            more = part.get("more_body", False)
        return WebSocketDenialResponse(
            status_code=start["status"], headers=start.get("headers", []), content=bytes(body)
        )

    def send(self, message: Message) -> None:
        # NOTE: once the app returned its inbox is closed; the message is lost and `receive` reports the end.
        with contextlib.suppress(anyio.BrokenResourceError):
            self.portal.call(self._inbox.send, message)

    def _push_frame(self, kind: str, payload: str | bytes) -> None:
        self.send({"type": "websocket.receive", kind: payload})

    def send_text(self, data: str) -> None:
        self._push_frame("text", data)

    def send_bytes(self, data: bytes) -> None:
        self._push_frame("bytes", data)

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        # NOTE: as in Starlette, any mode but "text" is binary.
        self._push_frame(*(("text", text) if mode == "text" else ("bytes", text.encode())))

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.send({"type": "websocket.disconnect", "code": code, "reason": reason})

    async def _next_message(self) -> Message | None:
        """The app's next message; None once it has returned or failed."""
        message = await self._outbox.receive()
        # NOTE: as in Starlette, a failed app reports its error ahead of messages it sent before failing; one more
        # step lets an app that fails right after sending get there first.
        await anyio.lowlevel.checkpoint()
        return None if self._app_error is not None else message

    def receive(self) -> Message:
        if not self._app_finished:
            message = self.portal.call(self._next_message)
            if message is not None:
                return message
            self._app_finished = True
        if self._app_error is not None:
            self._error_reported = True
            raise self._app_error
        # NOTE: an application that returned without closing must not hang the client: report 1006 (abnormal).
        return {"type": "websocket.close", "code": 1006, "reason": ""}

    def _receive_payload(self, key: str) -> Any:
        message = self.receive()
        self._raise_on_close(message)
        return message[key]

    def receive_text(self) -> str:
        return cast(str, self._receive_payload("text"))

    def receive_bytes(self) -> bytes:
        return cast(bytes, self._receive_payload("bytes"))

    def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        return json.loads(self._receive_payload("text" if mode == "text" else "bytes"))


# --------------------------------------------------------------------------------------------------------------------
# HTTP exchanges


class _ResponseRecorder:
    """Serves one HTTP request to the application, inside the portal's event loop.

    The application's ``send`` validates the message order and forwards the response head, then each body
    message, through a rendezvous stream that the client thread drains (so a streamed response is read while
    the application still runs, one message at a time). The stream closes when the application returns.
    """

    def __init__(self, request: httpx.Request) -> None:
        self._upload: Iterator[bytes] = iter(cast(Iterable[bytes], request.stream))
        self._next_chunk: bytes | None = None
        self._uploaded = False
        self._keep_body = request.method != "HEAD"
        # "head" -> "body" -> "trailers" (only when declared) -> "done"
        self._stage = "head"
        self._final_pulled = False
        self.trailers: list[tuple[bytes, bytes]] | None = None
        self.debug: dict[str, Any] | None = None
        self.error: Exception | None = None
        self.cancelled = False
        self._forward, self.delivered = anyio.create_memory_object_stream[Message](0)

    async def serve(self, app: ASGI3App, scope: Scope, *, task_status: TaskStatus[None]) -> None:
        self._complete = anyio.Event()
        self._stopped = anyio.Event()
        try:
            with anyio.CancelScope() as self._cancel, self._forward:
                task_status.started()
                try:
                    await app(scope, self._receive, self._send)
                except Exception as exc:
                    self.error = exc
        finally:
            self._stopped.set()

    @property
    def complete(self) -> bool:
        """The client has pulled the whole body and the application has sent every trailer."""
        return self._final_pulled and self._stage == "done"

    async def pull(self) -> Message | None:
        try:
            item = await self.delivered.receive()
        except anyio.EndOfStream:
            self.delivered.close()
            return None
        if item["type"] == "http.response.body" and not item["more_body"]:
            self._final_pulled = True
        # NOTE: let the app run on to its next suspension first, so what it did after `send` is visible with the chunk.
        await anyio.lowlevel.checkpoint()
        return item

    async def stop(self, cancel: bool) -> None:
        """Wait for the application to return, cancelling it first when ``cancel`` and it still runs."""
        if cancel and not self._stopped.is_set():
            self.cancelled = True
            self._cancel.cancel()
        await self._stopped.wait()
        self.delivered.close()

    async def _receive(self) -> Message:
        if self._uploaded:
            # NOTE: no checkpoint once the response is complete, so `is_disconnected()` sees the disconnect at once.
            if not self._complete.is_set():
                await self._complete.wait()
            return {"type": "http.disconnect"}
        # NOTE: one chunk of look-ahead tells which request message is the last (no ``more_body``).
        chunk = next(self._upload, b"") if self._next_chunk is None else self._next_chunk
        self._next_chunk = next(self._upload, None)
        if self._next_chunk is not None:
            return {"type": "http.request", "body": chunk, "more_body": True}
        self._uploaded = True
        return {"type": "http.request", "body": chunk}

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        stage = self._stage
        if kind == "http.response.start":
            assert stage == "head", 'Received multiple "http.response.start" messages.'
            self._stage = "body"
            if message.get("trailers", False):
                self.trailers = []
            await self._forward.send(message)
        elif kind == "http.response.body":
            assert stage != "head", 'Received "http.response.body" without "http.response.start".'
            assert stage != "trailers", 'Received "http.response.body" after body completed.'
            assert stage != "done", 'Received "http.response.body" after response completed.'
            more = message.get("more_body", False)
            if not more:
                self._stage = "trailers" if self.trailers is not None else "done"
            chunk = bytes(message.get("body", b"")) if self._keep_body else b""
            # NOTE: every body message waits for the client, even an empty one: streaming applies backpressure.
            await self._forward.send({"type": kind, "body": chunk, "more_body": more})
            # NOTE: only a delivered chunk completes the response; completion wakes `receive`, whose disconnect may
            # make the app cancel this very send.
            if self._stage == "done":
                self._complete.set()
        elif kind == "http.response.trailers":
            assert self.trailers is not None, 'Received "http.response.trailers" without declaring trailers.'
            assert stage != "body", 'Received "http.response.trailers" before body completed.'
            assert stage != "done", 'Received "http.response.trailers" after response completed.'
            self.trailers.extend((bytes(name), bytes(value)) for name, value in message.get("headers", []))
            if not message.get("more_trailers", False):
                self._stage = "done"
                self._complete.set()
        elif kind == "http.response.debug":
            self.debug = message["info"]

    def annotate(self, response: httpx.Response) -> None:
        """Expose trailers and debug information on ``response``.

        Debug information counts as far as it has arrived when the response is built, as in Starlette.
        """
        if self.trailers is not None:
            # NOTE: the live list, so trailers sent while the body is being read show up on the response.
            response.extensions["http.response.trailers"] = self.trailers
        if self.debug is not None:
            response.extensions["http.response.debug"] = self.debug
            for attribute in ("template", "context"):
                if attribute in self.debug:
                    setattr(response, attribute, self.debug[attribute])


class _TestClientResponseStream(httpx.SyncByteStream):
    """The body of a response still being produced: iterating pulls chunks from the running application.

    Closing it waits for the application (and its background tasks) once the response is complete, and
    cancels the application otherwise.
    """

    def __init__(
        self,
        recorder: _ResponseRecorder,
        portal: BlockingPortal,
        resources: contextlib.ExitStack,
        raise_server_exceptions: bool,
        open_streams: set[_TestClientResponseStream],
    ) -> None:
        self._recorder = recorder
        self.portal = portal
        self._resources = resources
        self._raise = raise_server_exceptions
        self._open_streams = open_streams
        self._drained = False
        self._closed = False
        open_streams.add(self)

    def __iter__(self) -> Iterator[bytes]:
        while not self._drained:
            message = self.portal.call(self._recorder.pull)
            if message is None:
                self._drained = True
            elif message["body"]:
                yield message["body"]
        self.close()

    def close(self) -> None:
        self._finish(cancel=not self._recorder.complete, report=True)

    def cancel(self) -> None:
        """Stop the application whatever its progress, as a server dropping the connection; errors are not raised."""
        self._finish(cancel=True, report=False)

    def _finish(self, cancel: bool, report: bool) -> None:
        if self._closed:
            return
        self._closed = True
        self._open_streams.discard(self)
        try:
            if not self._drained:
                self._drained = True
                self.portal.call(self._recorder.stop, cancel)
        finally:
            self._resources.close()
        # NOTE: an error the app raised while being cancelled is the client's doing, not a server failure.
        if report and self._raise and self._recorder.error is not None and not self._recorder.cancelled:
            raise self._recorder.error


class _TestClientTransport(httpx.BaseTransport):
    def __init__(
        self,
        app: ASGI3App,
        portal_factory: _PortalFactory,
        raise_server_exceptions: bool = True,
        root_path: str = "",
        *,
        client: _Address,
        app_state: dict[str, Any],
    ) -> None:
        self.app = app
        self.portal_factory = portal_factory
        self.raise_server_exceptions = raise_server_exceptions
        self.root_path = root_path
        self.client = client
        self.app_state = app_state
        self._open_streams: set[_TestClientResponseStream] = set()

    def cancel_responses(self, portal: BlockingPortal | None = None) -> None:
        """Cancel the applications behind responses still open (only those running on ``portal`` when given)."""
        for stream in list(self._open_streams):
            if portal is None or stream.portal is portal:
                stream.cancel()

    def close(self) -> None:
        self.cancel_responses()

    def _connection_fields(self, request: httpx.Request) -> dict[str, Any]:
        """The scope entries HTTP and websocket connections share, in the reference's key order."""
        url = request.url
        headers = [(name.lower(), value) for name, value in request.headers.raw]
        if "host" not in request.headers:
            headers.insert(0, (b"host", url.netloc))
        return {
            "path": url.path,
            "raw_path": url.raw_path.partition(b"?")[0],
            "root_path": self.root_path,
            "scheme": url.scheme,
            "query_string": url.query,
            "headers": headers,
            "client": self.client,
            "server": [url.host, _WELL_KNOWN_PORTS.get(url.scheme, 80) if url.port is None else url.port],
        }

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fields = self._connection_fields(request)
        if request.url.scheme in ("ws", "wss"):
            offered = request.headers.get("sec-websocket-protocol")
            ws_scope = {
                "type": "websocket",
                **fields,
                "subprotocols": [] if offered is None else [item.strip() for item in offered.split(",")],
                "state": self.app_state.copy(),
                "extensions": {"websocket.http.response": {}},
            }
            raise _Upgrade(WebSocketTestSession(self.app, ws_scope, self.portal_factory))
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": request.method,
            **fields,
            "extensions": {"http.response.debug": {}, "http.response.trailers": {}},
            "state": self.app_state.copy(),
        }
        with contextlib.ExitStack() as resources:
            portal = resources.enter_context(self.portal_factory())
            recorder = _ResponseRecorder(request)
            portal.start_task(recorder.serve, self.app, scope)
            body = _TestClientResponseStream(
                recorder, portal, resources.pop_all(), self.raise_server_exceptions, self._open_streams
            )
            head = portal.call(recorder.pull)
            if head is None:
                body.close()
                if self.raise_server_exceptions:
                    raise AssertionError("TestClient did not receive any response.")
                response = httpx.Response(500, headers=[], stream=httpx.ByteStream(b""), request=request)
                recorder.annotate(response)
                return response
        response = httpx.Response(
            status_code=head["status"],
            headers=[(bytes(name), bytes(value)) for name, value in head.get("headers", [])],
            stream=body,
            request=request,
        )
        recorder.annotate(response)
        return response


# --------------------------------------------------------------------------------------------------------------------
# The client


class _LifespanEnded:
    """Last item the lifespan task reports: the application returned, or raised ``error``."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class TestClient(httpx.Client):
    __test__ = False  # NOTE: keeps pytest from collecting this class when a test module imports it.
    portal: BlockingPortal | None = None
    task: Future[None]

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = _TESTSERVER,
        raise_server_exceptions: bool = True,
        root_path: str = "",
        backend: Literal["asyncio", "trio"] = "asyncio",
        backend_options: dict[str, Any] | None = None,
        cookies: _hx.CookieTypes | None = None,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
        client: _Address = ("testclient", 50000),
    ) -> None:
        self.app: ASGI3App = app if _is_asgi3(app) else _WrapASGI2(cast(ASGI2App, app))
        self.app_state: dict[str, Any] = {}
        self.async_backend = _AsyncBackend(backend=backend, backend_options=backend_options or {})
        default_headers = dict(headers or {})
        default_headers.setdefault("user-agent", "testclient")
        self._test_transport = _TestClientTransport(
            self.app, self._portal_factory, raise_server_exceptions, root_path, client=client, app_state=self.app_state
        )
        super().__init__(
            base_url=base_url,
            headers=default_headers,
            transport=self._test_transport,
            follow_redirects=follow_redirects,
            cookies=cookies,
        )

    @contextlib.contextmanager
    def _portal_factory(self) -> Generator[BlockingPortal, None, None]:
        if self.portal is not None:
            yield self.portal
            return
        with start_blocking_portal(**self.async_backend) as portal:
            yield portal

    def request(  # type: ignore[override]
        self,
        method: str,
        url: _hx.URLTypes,
        *,
        content: _hx.RequestContent | None = None,
        data: _RequestData | None = None,
        files: _hx.RequestFiles | None = None,
        json: Any = None,
        params: _hx.QueryParamTypes | None = None,
        headers: _hx.HeaderTypes | None = None,
        cookies: _hx.CookieTypes | None = None,
        auth: _hx.AuthTypes | _Unset = _UNSET,
        follow_redirects: bool | _Unset = _UNSET,
        timeout: _hx.TimeoutTypes | _Unset = _UNSET,
        extensions: dict[str, Any] | None = None,
    ) -> httpx.Response:
        if timeout is not _UNSET:
            warnings.warn(
                "You should not use the 'timeout' argument with the TestClient. "
                "See https://github.com/Kludex/starlette/issues/1108 for more information.",
                StarletteDeprecationWarning,
                stacklevel=2,
            )
        return super().request(
            method,
            url,
            auth=auth,
            content=content,
            cookies=cookies,
            data=data,
            extensions=extensions,
            files=files,
            follow_redirects=follow_redirects,
            headers=headers,
            json=json,
            params=params,
            timeout=timeout,
        )

    def websocket_connect(
        self, url: str, subprotocols: Sequence[str] | None = None, **kwargs: Any
    ) -> WebSocketTestSession:
        handshake = {
            "connection": "upgrade",
            "sec-websocket-key": "testserver==",
            "sec-websocket-version": "13",
        }
        if subprotocols is not None:
            handshake["sec-websocket-protocol"] = ", ".join(subprotocols)
        headers = httpx.Headers(kwargs.get("headers"))
        for name, value in handshake.items():
            headers.setdefault(name, value)
        try:
            super().request("GET", urljoin("ws://testserver", url), **{**kwargs, "headers": headers})
        except _Upgrade as upgrade:
            return upgrade.session
        raise RuntimeError("Expected WebSocket upgrade")  # pragma: no cover (the transport always upgrades ws://)

    # Lifespan: ``with client:`` runs the startup half of the app's lifespan on a portal kept for the whole block.

    def __enter__(self) -> Self:
        portal_cm = start_blocking_portal(**self.async_backend)
        self.portal = portal = portal_cm.__enter__()
        self._to_lifespan, self._lifespan_receive = anyio.create_memory_object_stream[Message](math.inf)
        self._lifespan_send, self._from_lifespan = anyio.create_memory_object_stream[Message | _LifespanEnded](math.inf)
        self._lifespan_over = False
        self._portal_cm = portal_cm
        try:
            self.task = portal.start_task_soon(self.lifespan)
            portal.call(self.wait_startup)
        except BaseException as exc:
            self._leave(exc)
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        try:
            assert self.portal is not None
            # NOTE: responses left open on the lifespan portal would keep it from stopping; a server drops them.
            self._test_transport.cancel_responses(self.portal)
            self.portal.call(self.wait_shutdown)
        except BaseException as exc:
            self._leave(exc)
            raise
        self._leave(None)

    def _leave(self, error: BaseException | None) -> None:
        for stream in (self._to_lifespan, self._lifespan_receive, self._lifespan_send, self._from_lifespan):
            stream.close()
        self.portal = None
        if error is None:
            self._portal_cm.__exit__(None, None, None)
        else:
            self._portal_cm.__exit__(type(error), error, error.__traceback__)

    async def lifespan(self) -> None:
        scope = {"type": "lifespan", "state": self.app_state}
        outcome = _LifespanEnded(None)
        try:
            await self.app(scope, self._lifespan_receive.receive, self._lifespan_send.send)
        except BaseException as exc:
            outcome = _LifespanEnded(exc)
            raise
        finally:
            # NOTE: after a completed shutdown the client may already have closed the streams; nobody listens.
            with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                self._lifespan_send.send_nowait(outcome)

    async def _lifespan_step(self, request: str) -> None:
        """Send ``lifespan.<request>`` and wait for the app's answer; a failure report or an app error raises."""
        if self._lifespan_over:
            return
        await self._to_lifespan.send({"type": f"lifespan.{request}"})
        answer = await self._next_lifespan_message()
        if answer is None:
            return
        assert answer["type"] in (f"lifespan.{request}.complete", f"lifespan.{request}.failed")
        if answer["type"].endswith(".failed"):
            # NOTE: the app normally raises right after reporting the failure; that error wins.
            await self._next_lifespan_message()
            if request == "startup":
                raise RuntimeError(answer.get("message") or "Lifespan startup failed.")

    async def _next_lifespan_message(self) -> Message | None:
        item = await self._from_lifespan.receive()
        if not isinstance(item, _LifespanEnded):
            return item
        self._lifespan_over = True
        if item.error is not None:
            raise item.error
        return None

    async def wait_startup(self) -> None:
        await self._lifespan_step("startup")

    async def wait_shutdown(self) -> None:
        await self._lifespan_step("shutdown")
