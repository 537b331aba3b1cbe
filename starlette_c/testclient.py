from __future__ import annotations

import contextlib
import inspect
import json
import math
import warnings
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast
from urllib.parse import urljoin

import anyio
import anyio.from_thread
from anyio.from_thread import BlockingPortal
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from starlette_c._utils import is_async_callable
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send
from starlette_c.websockets import WebSocketDisconnect

try:
    import httpx
except ModuleNotFoundError:  # pragma: no cover (exercised in a subprocess by tests/test_testclient.py)
    raise RuntimeError(
        "The starlette.testclient module requires the httpx package to be installed.\n"
        "You can install this with:\n"
        "    $ pip install httpx\n"
    )

if TYPE_CHECKING:
    from typing import TypeGuard

    from typing_extensions import Self

ASGIInstance = Callable[[Receive, Send], Awaitable[None]]
ASGI2App = Callable[[Scope], ASGIInstance]
ASGI3App = Callable[[Scope, Receive, Send], Awaitable[None]]

_RequestData = Mapping[str, str | Iterable[str] | bytes]
_PortalFactoryType = Callable[[], contextlib.AbstractContextManager[BlockingPortal]]

_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def _is_asgi3(app: ASGI2App | ASGI3App) -> TypeGuard[ASGI3App]:
    if inspect.isclass(app):
        return hasattr(app, "__await__")
    return is_async_callable(app)


class _WrapASGI2:
    """Present an ASGI 2 (double-callable) application as an ASGI 3 one."""

    def __init__(self, app: ASGI2App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        instance = self.app(scope)
        await instance(receive, send)


class _AsyncBackend(TypedDict):
    backend: str
    backend_options: dict[str, Any]


class _Upgrade(Exception):
    """Raised from the transport to hand a websocket session back to ``websocket_connect``."""

    def __init__(self, session: WebSocketTestSession) -> None:
        self.session = session


class WebSocketDenialResponse(httpx.Response, WebSocketDisconnect):  # type: ignore[misc]
    """The HTTP response an application sent instead of accepting a websocket, raised by the test session."""


class _LifespanEnd:
    """Last item on the lifespan stream: the application returned, or raised ``error``."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class WebSocketTestSession:
    def __init__(self, app: ASGI3App, scope: Scope, portal_factory: _PortalFactoryType) -> None:
        self.app = app
        self.scope = scope
        self.accepted_subprotocol: str | None = None
        self.portal_factory = portal_factory
        self.extra_headers: list[tuple[bytes, bytes]] | None = None

    def __enter__(self) -> WebSocketTestSession:
        with contextlib.ExitStack() as stack:
            self.portal = portal = stack.enter_context(self.portal_factory())
            future, cancel_scope = portal.start_task(self._run)
            stack.callback(future.result)
            stack.callback(portal.call, cancel_scope.cancel)
            self.send({"type": "websocket.connect"})
            message = self.receive()
            self._raise_on_close(message)
            self.accepted_subprotocol = message.get("subprotocol", None)
            self.extra_headers = message.get("headers", None)
            stack.callback(self.close, 1000)
            self.exit_stack = stack.pop_all()
        return self

    def __exit__(self, *args: Any) -> bool | None:
        return self.exit_stack.__exit__(*args)

    async def _run(self, *, task_status: anyio.abc.TaskStatus[anyio.CancelScope]) -> None:
        to_app: MemoryObjectSendStream[Message]
        app_receive: MemoryObjectReceiveStream[Message]
        app_send: MemoryObjectSendStream[Message]
        from_app: MemoryObjectReceiveStream[Message]
        to_app, app_receive = anyio.create_memory_object_stream(math.inf)
        app_send, from_app = anyio.create_memory_object_stream(math.inf)
        with to_app, app_receive, app_send, from_app, anyio.CancelScope() as cancel_scope:
            self._to_app = to_app
            self._from_app = from_app
            task_status.started(cancel_scope)
            await self.app(self.scope, app_receive.receive, app_send.send)
            # NOTE: an app returning without a close must not hang the client: report an abnormal closure (1006).
            app_send.send_nowait({"type": "websocket.close", "code": 1006, "reason": ""})
            await anyio.sleep_forever()

    def _raise_on_close(self, message: Message) -> None:
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(code=message.get("code", 1000), reason=message.get("reason", ""))
        if message["type"] == "websocket.http.response.start":
            status_code: int = message["status"]
            headers: list[tuple[bytes, bytes]] = message.get("headers", [])
            body: list[bytes] = []
            while True:
                message = self.receive()
                assert message["type"] == "websocket.http.response.body"
                body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            raise WebSocketDenialResponse(status_code=status_code, headers=headers, content=b"".join(body))

    def send(self, message: Message) -> None:
        self.portal.call(self._to_app.send, message)

    def send_text(self, data: str) -> None:
        self.send({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        self.send({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            self.send({"type": "websocket.receive", "text": text})
        else:
            self.send({"type": "websocket.receive", "bytes": text.encode("utf-8")})

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.send({"type": "websocket.disconnect", "code": code, "reason": reason})

    def receive(self) -> Message:
        return self.portal.call(self._from_app.receive)

    def receive_text(self) -> str:
        message = self.receive()
        self._raise_on_close(message)
        return cast(str, message["text"])

    def receive_bytes(self) -> bytes:
        message = self.receive()
        self._raise_on_close(message)
        return cast(bytes, message["bytes"])

    def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        message = self.receive()
        self._raise_on_close(message)
        if mode == "text":
            return json.loads(message["text"])
        return json.loads(message["bytes"].decode("utf-8"))


class _HTTPExchange:
    """One request/response cycle between an ``httpx.Request`` and the application, run on the portal."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        self.request_complete = False
        self._chunks = iter(cast(httpx.SyncByteStream, request.stream))
        self._pending: bytes | None = None
        self.response_started = False
        self.status_code = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()
        self.template: Any = None
        self.context: Any = None

    async def run(self, app: ASGI3App, scope: Scope) -> None:
        self.response_complete = anyio.Event()
        await app(scope, self.receive, self.send)

    async def receive(self) -> Message:
        if self.request_complete:
            # NOTE: no checkpoint once the response is complete, so `is_disconnected()` sees the disconnect at once.
            if not self.response_complete.is_set():
                await self.response_complete.wait()
            return {"type": "http.disconnect"}
        # NOTE: the body is streamed as it is produced, reading one chunk ahead to know which message is the last.
        body = next(self._chunks, b"") if self._pending is None else self._pending
        self._pending = next(self._chunks, None)
        if self._pending is None:
            self.request_complete = True
            return {"type": "http.request", "body": body}
        return {"type": "http.request", "body": body, "more_body": True}

    async def send(self, message: Message) -> None:
        message_type = message["type"]
        if message_type == "http.response.start":
            assert not self.response_started, 'Received multiple "http.response.start" messages.'
            self.status_code = message["status"]
            self.headers = [(bytes(key), bytes(value)) for key, value in message.get("headers", [])]
            self.response_started = True
        elif message_type == "http.response.body":
            assert self.response_started, 'Received "http.response.body" without "http.response.start".'
            assert not self.response_complete.is_set(), 'Received "http.response.body" after response completed.'
            if self.request.method != "HEAD":
                self.body += message.get("body", b"")
            if not message.get("more_body", False):
                self.response_complete.set()
        elif message_type == "http.response.debug":
            self.template = message["info"]["template"]
            self.context = message["info"]["context"]


class _TestClientTransport(httpx.BaseTransport):
    def __init__(
        self,
        app: ASGI3App,
        portal_factory: _PortalFactoryType,
        raise_server_exceptions: bool = True,
        root_path: str = "",
        *,
        client: tuple[str, int],
        app_state: dict[str, Any],
    ) -> None:
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
        self.root_path = root_path
        self.portal_factory = portal_factory
        self.app_state = app_state
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        port = url.port or _DEFAULT_PORTS.get(scheme, 80)
        headers = [(key.lower(), value) for key, value in request.headers.raw]
        if "host" not in request.headers:
            headers.insert(0, (b"host", url.netloc))
        common: dict[str, Any] = {
            "path": url.path,
            "raw_path": url.raw_path.split(b"?", 1)[0],
            "root_path": self.root_path,
            "scheme": scheme,
            "query_string": url.query,
            "headers": headers,
            "client": self.client,
            "server": [url.host, port],
            "state": self.app_state.copy(),
        }
        if scheme in ("ws", "wss"):
            protocols = request.headers.get("sec-websocket-protocol")
            subprotocols = [] if protocols is None else [value.strip() for value in protocols.split(",")]
            scope = {
                "type": "websocket",
                **common,
                "subprotocols": subprotocols,
                "extensions": {"websocket.http.response": {}},
            }
            raise _Upgrade(WebSocketTestSession(self.app, scope, self.portal_factory))

        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": request.method,
            **common,
            "extensions": {"http.response.debug": {}},
        }
        exchange = _HTTPExchange(request)
        try:
            with self.portal_factory() as portal:
                portal.call(exchange.run, self.app, scope)
        except Exception:
            if self.raise_server_exceptions:
                raise
        if self.raise_server_exceptions:
            assert exchange.response_started, "TestClient did not receive any response."
        elif not exchange.response_started:
            exchange.headers = []
            exchange.body.clear()

        response = httpx.Response(
            status_code=exchange.status_code,
            headers=exchange.headers,
            stream=httpx.ByteStream(bytes(exchange.body)),
            request=request,
        )
        if exchange.template is not None:
            response.template = exchange.template  # type: ignore[attr-defined]
            response.context = exchange.context  # type: ignore[attr-defined]
        return response


class TestClient(httpx.Client):
    __test__ = False  # NOTE: keeps pytest from collecting this class when a test module imports it.
    _lifespan_to_app: MemoryObjectSendStream[Message]
    _lifespan_app_receive: MemoryObjectReceiveStream[Message]
    _lifespan_app_send: MemoryObjectSendStream[Message | _LifespanEnd]
    _lifespan_from_app: MemoryObjectReceiveStream[Message | _LifespanEnd]
    task: Future[None]
    portal: BlockingPortal | None = None

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        backend: Literal["asyncio", "trio"] = "asyncio",
        backend_options: dict[str, Any] | None = None,
        cookies: httpx._types.CookieTypes | None = None,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.async_backend = _AsyncBackend(backend=backend, backend_options=backend_options or {})
        if _is_asgi3(app):
            asgi_app: ASGI3App = app
        else:
            asgi_app = _WrapASGI2(cast(ASGI2App, app))
        self.app = asgi_app
        self.app_state: dict[str, Any] = {}
        transport = _TestClientTransport(
            self.app,
            portal_factory=self._portal_factory,
            raise_server_exceptions=raise_server_exceptions,
            root_path=root_path,
            app_state=self.app_state,
            client=client,
        )
        client_headers = dict(headers) if headers is not None else {}
        client_headers.setdefault("user-agent", "testclient")
        super().__init__(
            base_url=base_url,
            headers=client_headers,
            transport=transport,
            follow_redirects=follow_redirects,
            cookies=cookies,
        )

    @contextlib.contextmanager
    def _portal_factory(self) -> Generator[BlockingPortal, None, None]:
        if self.portal is not None:
            yield self.portal
        else:
            with anyio.from_thread.start_blocking_portal(**self.async_backend) as portal:
                yield portal

    def request(  # type: ignore[override]
        self,
        method: str,
        url: httpx._types.URLTypes,
        *,
        content: httpx._types.RequestContent | None = None,
        data: _RequestData | None = None,
        files: httpx._types.RequestFiles | None = None,
        json: Any = None,
        params: httpx._types.QueryParamTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        cookies: httpx._types.CookieTypes | None = None,
        auth: httpx._types.AuthTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        follow_redirects: bool | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        timeout: httpx._types.TimeoutTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        extensions: dict[str, Any] | None = None,
    ) -> httpx.Response:
        if timeout is not httpx.USE_CLIENT_DEFAULT:
            warnings.warn(
                "You should not use the 'timeout' argument with the TestClient. "
                "See https://github.com/Kludex/starlette/issues/1108 for more information.",
                DeprecationWarning,
                stacklevel=2,
            )
        return super().request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    def get(  # type: ignore[override]
        self,
        url: httpx._types.URLTypes,
        *,
        params: httpx._types.QueryParamTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        cookies: httpx._types.CookieTypes | None = None,
        auth: httpx._types.AuthTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        follow_redirects: bool | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        timeout: httpx._types.TimeoutTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        extensions: dict[str, Any] | None = None,
    ) -> httpx.Response:
        return self.request(
            "GET",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    def options(  # type: ignore[override]
        self,
        url: httpx._types.URLTypes,
        *,
        params: httpx._types.QueryParamTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        cookies: httpx._types.CookieTypes | None = None,
        auth: httpx._types.AuthTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        follow_redirects: bool | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        timeout: httpx._types.TimeoutTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        extensions: dict[str, Any] | None = None,
    ) -> httpx.Response:
        return self.request(
            "OPTIONS",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    def head(  # type: ignore[override]
        self,
        url: httpx._types.URLTypes,
        *,
        params: httpx._types.QueryParamTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        cookies: httpx._types.CookieTypes | None = None,
        auth: httpx._types.AuthTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        follow_redirects: bool | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        timeout: httpx._types.TimeoutTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        extensions: dict[str, Any] | None = None,
    ) -> httpx.Response:
        return self.request(
            "HEAD",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    def post(  # type: ignore[override]
        self,
        url: httpx._types.URLTypes,
        *,
        content: httpx._types.RequestContent | None = None,
        data: _RequestData | None = None,
        files: httpx._types.RequestFiles | None = None,
        json: Any = None,
        params: httpx._types.QueryParamTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        cookies: httpx._types.CookieTypes | None = None,
        auth: httpx._types.AuthTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        follow_redirects: bool | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        timeout: httpx._types.TimeoutTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        extensions: dict[str, Any] | None = None,
    ) -> httpx.Response:
        return self.request(
            "POST",
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    def put(  # type: ignore[override]
        self,
        url: httpx._types.URLTypes,
        *,
        content: httpx._types.RequestContent | None = None,
        data: _RequestData | None = None,
        files: httpx._types.RequestFiles | None = None,
        json: Any = None,
        params: httpx._types.QueryParamTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        cookies: httpx._types.CookieTypes | None = None,
        auth: httpx._types.AuthTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        follow_redirects: bool | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        timeout: httpx._types.TimeoutTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        extensions: dict[str, Any] | None = None,
    ) -> httpx.Response:
        return self.request(
            "PUT",
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    def patch(  # type: ignore[override]
        self,
        url: httpx._types.URLTypes,
        *,
        content: httpx._types.RequestContent | None = None,
        data: _RequestData | None = None,
        files: httpx._types.RequestFiles | None = None,
        json: Any = None,
        params: httpx._types.QueryParamTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        cookies: httpx._types.CookieTypes | None = None,
        auth: httpx._types.AuthTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        follow_redirects: bool | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        timeout: httpx._types.TimeoutTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        extensions: dict[str, Any] | None = None,
    ) -> httpx.Response:
        return self.request(
            "PATCH",
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    def delete(  # type: ignore[override]
        self,
        url: httpx._types.URLTypes,
        *,
        params: httpx._types.QueryParamTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        cookies: httpx._types.CookieTypes | None = None,
        auth: httpx._types.AuthTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        follow_redirects: bool | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        timeout: httpx._types.TimeoutTypes | httpx._client.UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        extensions: dict[str, Any] | None = None,
    ) -> httpx.Response:
        return self.request(
            "DELETE",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    def websocket_connect(
        self,
        url: str,
        subprotocols: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> WebSocketTestSession:
        url = urljoin("ws://testserver", url)
        headers = httpx.Headers(kwargs.get("headers"))
        headers.setdefault("connection", "upgrade")
        headers.setdefault("sec-websocket-key", "testserver==")
        headers.setdefault("sec-websocket-version", "13")
        if subprotocols is not None:
            headers.setdefault("sec-websocket-protocol", ", ".join(subprotocols))
        kwargs["headers"] = headers
        try:
            super().request("GET", url, **kwargs)
        except _Upgrade as exc:
            return exc.session
        raise RuntimeError("Expected WebSocket upgrade")

    def __enter__(self) -> Self:
        with contextlib.ExitStack() as stack:
            self.portal = portal = stack.enter_context(anyio.from_thread.start_blocking_portal(**self.async_backend))

            @stack.callback
            def reset_portal() -> None:
                self.portal = None

            self._lifespan_to_app, self._lifespan_app_receive = anyio.create_memory_object_stream(math.inf)
            self._lifespan_app_send, self._lifespan_from_app = anyio.create_memory_object_stream(math.inf)
            stack.callback(self._lifespan_to_app.close)
            stack.callback(self._lifespan_app_receive.close)
            stack.callback(self._lifespan_app_send.close)
            stack.callback(self._lifespan_from_app.close)
            self._lifespan_finished = False
            self.task = portal.start_task_soon(self.lifespan)
            portal.call(self.wait_startup)

            @stack.callback
            def wait_shutdown() -> None:
                portal.call(self.wait_shutdown)

            self.exit_stack = stack.pop_all()
        return self

    def __exit__(self, *args: Any) -> None:
        self.exit_stack.close()

    async def lifespan(self) -> None:
        scope = {"type": "lifespan", "state": self.app_state}
        error: BaseException | None = None
        try:
            await self.app(scope, self._lifespan_app_receive.receive, self._lifespan_app_send.send)
        except BaseException as exc:
            error = exc
            raise
        finally:
            # NOTE: after a completed shutdown the client may already have closed the streams; nobody is listening.
            with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                self._lifespan_app_send.send_nowait(_LifespanEnd(error))

    async def _lifespan_message(self) -> Message | None:
        """The application's next lifespan message, or ``None`` once it returned (re-raising its error)."""
        item = await self._lifespan_from_app.receive()
        if isinstance(item, _LifespanEnd):
            self._lifespan_finished = True
            if item.error is not None:
                raise item.error
            return None
        return item

    async def wait_startup(self) -> None:
        await self._lifespan_to_app.send({"type": "lifespan.startup"})
        message = await self._lifespan_message()
        if message is None:
            return
        assert message["type"] in ("lifespan.startup.complete", "lifespan.startup.failed")
        if message["type"] == "lifespan.startup.failed":
            # NOTE: the app normally raises right after reporting the failure; that error is re-raised here.
            await self._lifespan_message()
            raise RuntimeError(message.get("message") or "Lifespan startup failed.")

    async def wait_shutdown(self) -> None:
        if self._lifespan_finished:
            return
        await self._lifespan_to_app.send({"type": "lifespan.shutdown"})
        message = await self._lifespan_message()
        if message is None:
            return
        assert message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed")
        if message["type"] == "lifespan.shutdown.failed":
            await self._lifespan_message()
