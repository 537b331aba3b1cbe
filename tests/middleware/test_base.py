from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from starlette_c.applications import Starlette
from starlette_c.background import BackgroundTask
from starlette_c.middleware import Middleware
from starlette_c.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint, _CachedRequest, _StreamingResponse
from starlette_c.requests import ClientDisconnect, Request, empty_send
from starlette_c.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette_c.routing import Route, WebSocketRoute
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory


class CustomHeader(BaseHTTPMiddleware):
    def __init__(self, app: ASGIApp, value: str = "Example") -> None:
        super().__init__(app)
        self.value = value

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["Custom-Header"] = self.value
        return response


async def homepage(request: Request) -> Response:
    return PlainTextResponse("Homepage")


async def exc(request: Request) -> Response:
    raise RuntimeError("Exc")


async def no_response(request: Request) -> Response:
    class NoResponse:
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            pass

    return NoResponse()  # type: ignore[return-value]


async def streaming(request: Request) -> Response:
    async def numbers() -> AsyncIterator[str]:
        for number in range(3):
            yield str(number)

    return StreamingResponse(numbers(), media_type="text/plain")


async def ws_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("Hello, world!")
    await websocket.close()


def make_app(*middleware: Middleware) -> Starlette:
    return Starlette(
        routes=[
            Route("/", homepage),
            Route("/exc", exc),
            Route("/no-response", no_response),
            Route("/stream", streaming),
            WebSocketRoute("/ws", ws_endpoint),
        ],
        middleware=list(middleware),
    )


def test_custom_middleware(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(Middleware(CustomHeader, value="Customized")))
    response = client.get("/")
    assert response.text == "Homepage"
    assert response.headers["Custom-Header"] == "Customized"

    response = client.get("/stream")
    assert response.text == "012"
    assert response.headers["Custom-Header"] == "Customized"

    with pytest.raises(RuntimeError, match="Exc"):
        client.get("/exc")
    with pytest.raises(RuntimeError, match="No response returned."):
        client.get("/no-response")

    with client.websocket_connect("/ws") as session:
        assert session.receive_text() == "Hello, world!"


def test_exception_becomes_500_without_raising(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(Middleware(CustomHeader)), raise_server_exceptions=False)
    response = client.get("/exc")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_an_endpoint_error_keeps_what_led_to_it(test_client_factory: TestClientFactory) -> None:
    async def failing(request: Request) -> Response:
        try:
            raise KeyError("inner")
        except KeyError:
            raise ValueError("outer")

    app = Starlette(routes=[Route("/", failing)], middleware=[Middleware(CustomHeader)])
    with pytest.raises(ValueError, match="outer") as info:
        test_client_factory(app).get("/")
    # NOTE: the middleware's own EndOfStream must not take the place of the endpoint's context in tracebacks.
    assert repr(info.value.__cause__) == "KeyError('inner')"


@pytest.mark.anyio
async def test_early_hints_of_dispatch_and_app_go_out_ahead_of_the_response() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await Request(scope, receive, send).send_early_hints("</app.css>")
        await PlainTextResponse("hello")(scope, receive, send)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await request.send_early_hints("</dispatch.css>")
        return await call_next(request)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}  # pragma: no cover (never read)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
        "extensions": {"http.response.early_hint": {}},
    }
    await BaseHTTPMiddleware(app, dispatch)(scope, receive, send)
    assert [message["type"] for message in sent][:3] == [
        "http.response.early_hint",
        "http.response.early_hint",
        "http.response.start",
    ]
    assert [message["links"] for message in sent[:2]] == [[b"</dispatch.css>"], [b"</app.css>"]]
    assert b"".join(message.get("body", b"") for message in sent[3:]) == b"hello"


def test_dispatch_argument(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path == "/short":
            return PlainTextResponse("short-circuit", status_code=418)
        response = await call_next(request)
        response.headers["X-Dispatched"] = "yes"
        return response

    client = test_client_factory(make_app(Middleware(BaseHTTPMiddleware, dispatch=dispatch)))
    assert client.get("/").headers["x-dispatched"] == "yes"
    response = client.get("/short")
    assert (response.status_code, response.text) == (418, "short-circuit")


def test_dispatch_must_be_overridden(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(Middleware(BaseHTTPMiddleware)))
    with pytest.raises(NotImplementedError):
        client.get("/")


def test_background_tasks(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("ok", background=BackgroundTask(events.append, "endpoint"))

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.background = BackgroundTask(events.append, "middleware")
        return response

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)])
    assert test_client_factory(app).get("/").text == "ok"
    assert sorted(events) == ["endpoint", "middleware"]


def test_contextvars_do_not_propagate_upwards(test_client_factory: TestClientFactory) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    async def endpoint(request: Request) -> Response:
        var.set("endpoint")
        return PlainTextResponse(var.get())

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        var.set("middleware")
        response = await call_next(request)
        response.headers["X-Var"] = var.get()
        return response

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)])
    response = test_client_factory(app).get("/")
    assert response.text == "endpoint"
    assert response.headers["x-var"] == "middleware"


def body_app(mode: str) -> Starlette:
    async def endpoint(request: Request) -> Response:
        return JSONResponse({"body": (await request.body()).decode()})

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        if mode == "body":
            assert await request.body() == b'{"a": 1}'
        elif mode == "json":
            assert await request.json() == {"a": 1}
        elif mode == "stream":
            assert b"".join([chunk async for chunk in request.stream()]) == b'{"a": 1}'
        return await call_next(request)

    return Starlette(
        routes=[Route("/", endpoint, methods=["POST"])], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)]
    )


@pytest.mark.parametrize(
    ("mode", "expected"), [("none", '{"a": 1}'), ("body", '{"a": 1}'), ("json", '{"a": 1}'), ("stream", "")]
)
def test_request_body_downstream(test_client_factory: TestClientFactory, mode: str, expected: str) -> None:
    client = test_client_factory(body_app(mode))
    assert client.post("/", content=b'{"a": 1}').json() == {"body": expected}


def test_nested_middleware_share_the_body(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(await request.body())

    async def reader(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await request.body()
        return await call_next(request)

    app = Starlette(
        routes=[Route("/", endpoint, methods=["POST"])],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=reader), Middleware(BaseHTTPMiddleware, dispatch=reader)],
    )
    assert test_client_factory(app).post("/", content=b"shared").text == "shared"


class Recorder:
    """Drives an ASGI app with raw messages and records what it sends."""

    def __init__(self, *incoming: Message) -> None:
        self.incoming = list(incoming)
        self.sent: list[Message] = []
        self.done = anyio.Event()

    async def receive(self) -> Message:
        if self.incoming:
            return self.incoming.pop(0)
        await self.done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.done.set()

    async def run(self, app: ASGIApp, scope: Scope | None = None) -> None:
        await app(scope or {"type": "http", "method": "GET", "path": "/", "headers": []}, self.receive, self.send)


async def passthrough(request: Request, call_next: RequestResponseEndpoint) -> Response:
    return await call_next(request)


@pytest.mark.anyio
async def test_unread_body_is_streamed_through() -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            received.append(message)
            if not message.get("more_body", False):
                break
        await PlainTextResponse("ok")(scope, receive, send)
        received.append(await receive())

    recorder = Recorder(
        {"type": "http.request", "body": b"a", "more_body": True},
        {"type": "http.request", "body": b"b", "more_body": False},
    )
    await recorder.run(BaseHTTPMiddleware(app, dispatch=passthrough))
    assert received == [
        {"type": "http.request", "body": b"a", "more_body": True},
        {"type": "http.request", "body": b"b", "more_body": False},
        {"type": "http.disconnect"},
    ]


@pytest.mark.anyio
async def test_partially_read_stream_continues_downstream() -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        stream = request.stream()
        assert await stream.__anext__() == b"a"
        await stream.aclose()
        return await call_next(request)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse(await Request(scope, receive).body())(scope, receive, send)

    recorder = Recorder(
        {"type": "http.request", "body": b"a", "more_body": True},
        {"type": "http.request", "body": b"b", "more_body": False},
    )
    await recorder.run(BaseHTTPMiddleware(app, dispatch=dispatch))
    assert recorder.sent[1]["body"] == b"b"


@pytest.mark.anyio
async def test_app_sees_disconnect_once_response_is_sent() -> None:
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        seen.append(await receive())
        seen.append(await receive())
        seen.append(await receive())

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await call_next(request)
        return PlainTextResponse("replaced")

    recorder = Recorder({"type": "http.request", "body": b"", "more_body": False})
    with anyio.fail_after(5):
        await recorder.run(BaseHTTPMiddleware(app, dispatch=dispatch))
    assert recorder.sent[1]["body"] == b"replaced"
    assert seen == [{"type": "http.disconnect"}] * 3


@pytest.mark.anyio
async def test_client_disconnect_reaches_the_app() -> None:
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(await receive())
        seen.append(await receive())
        await PlainTextResponse("late")(scope, receive, send)

    recorder = Recorder({"type": "http.request", "body": b"x"}, {"type": "http.disconnect"})
    await recorder.run(BaseHTTPMiddleware(app, dispatch=passthrough))
    assert seen == [{"type": "http.request", "body": b"x", "more_body": False}, {"type": "http.disconnect"}]
    assert recorder.sent[1]["body"] == b"late"


@pytest.mark.anyio
async def test_disconnect_during_dispatch_read() -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        with pytest.raises(ClientDisconnect):
            await request.body()
        return await call_next(request)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        await PlainTextResponse(message["type"])(scope, receive, send)

    recorder = Recorder({"type": "http.request", "body": b"x", "more_body": True}, {"type": "http.disconnect"})
    await recorder.run(BaseHTTPMiddleware(app, dispatch=dispatch))
    assert recorder.sent[1]["body"] == b"http.disconnect"


@pytest.mark.anyio
async def test_unexpected_message_after_body() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await Request(scope, receive).body()
        await receive()

    recorder = Recorder({"type": "http.request", "body": b"x"}, {"type": "http.request", "body": b"again"})
    with pytest.raises(RuntimeError, match="Unexpected message received: http.request"):
        await recorder.run(BaseHTTPMiddleware(app, dispatch=passthrough))


@pytest.mark.anyio
async def test_exception_after_response_start_is_raised_after_sending() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise ValueError("mid-stream")

    recorder = Recorder()
    with pytest.raises(ValueError, match="mid-stream"):
        await recorder.run(BaseHTTPMiddleware(app, dispatch=passthrough))
    assert [message.get("body") for message in recorder.sent[1:]] == [b"partial", b""]


@pytest.mark.anyio
async def test_debug_info_and_pathsend_are_relayed() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.debug", "info": {"template": "index.html"}})
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.pathsend", "path": "/tmp/file"})

    recorder = Recorder()
    await recorder.run(BaseHTTPMiddleware(app, dispatch=passthrough))
    assert recorder.sent == [
        {"type": "http.response.debug", "info": {"template": "index.html"}},
        {"type": "http.response.start", "status": 200, "headers": []},
        {"type": "http.response.pathsend", "path": "/tmp/file"},
    ]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "messages",
    [
        [{"type": "http.response.body", "body": b"no start"}],
        [{"type": "http.response.start", "status": 200, "headers": []}, {"type": "http.response.zerocopy"}],
    ],
)
async def test_invalid_message_order(messages: list[Message]) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    with pytest.raises(AssertionError, match="Unexpected message"):
        await Recorder().run(BaseHTTPMiddleware(app, dispatch=passthrough))


@pytest.mark.anyio
async def test_str_and_memoryview_chunks() -> None:
    async def chunks() -> AsyncIterator[Any]:
        yield "text-"
        yield memoryview(b"bytes")

    async def app(scope: Scope, receive: Receive, send: Send) -> None: ...  # pragma: no cover (never called)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        return _StreamingResponse(chunks(), status_code=201, headers={"x": "y"}, media_type="text/plain")

    recorder = Recorder()
    await recorder.run(BaseHTTPMiddleware(app, dispatch=dispatch))
    assert recorder.sent[0]["status"] == 201
    assert (b"x", b"y") in recorder.sent[0]["headers"]
    assert b"".join(message["body"] for message in recorder.sent[1:]) == b"text-bytes"


@pytest.mark.anyio
async def test_dispatch_error_cancels_the_app() -> None:
    cancelled: list[bool] = []
    app_waiting = anyio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            app_waiting.set()
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            cancelled.append(True)
            raise

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(call_next, request)
            # NOTE: an event, not a sleep: on a loaded machine a short sleep can end before the app has started.
            await app_waiting.wait()
            raise KeyError("dispatch failed")

    # NOTE: the group is dispatch's own (user code): it comes out as raised, not collapsed (1.10).
    with pytest.raises(ExceptionGroup) as raised:
        await Recorder().run(BaseHTTPMiddleware(app, dispatch=dispatch))
    assert [type(error) for error in raised.value.exceptions] == [KeyError]
    assert cancelled == [True]


@pytest.mark.anyio
async def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    await Recorder().run(BaseHTTPMiddleware(app, dispatch=passthrough), {"type": "lifespan"})
    assert seen == ["lifespan"]


@pytest.mark.anyio
async def test_cached_request_replays_an_empty_body() -> None:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    request = _CachedRequest({"type": "http", "method": "POST", "path": "/", "headers": []}, receive, empty_send)
    assert await request.body() == b""
    assert await request.wrapped_receive() == {"type": "http.request", "body": b"", "more_body": False}


@pytest.mark.anyio
async def test_pending_receive_is_released_when_the_response_is_sent() -> None:
    seen: list[Message] = []

    async def receive() -> Message:
        if not seen:
            return {"type": "http.request", "body": b"x", "more_body": False}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")  # pragma: no cover (the wait above is cancelled)

    async def send(message: Message) -> None:
        pass

    second_receive = anyio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        seen.append(await receive())
        second_receive.set()
        seen.append(await receive())

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await call_next(request)
        # NOTE: the app is parked in its second receive (no checkpoint between set() and it) before the response
        # goes out; a short sleep instead could end first on a loaded machine.
        await second_receive.wait()
        return PlainTextResponse("mine")

    with anyio.fail_after(5):
        await BaseHTTPMiddleware(app, dispatch=dispatch)({"type": "http", "headers": []}, receive, send)
    assert seen == [{"type": "http.request", "body": b"x", "more_body": False}, {"type": "http.disconnect"}]


@pytest.mark.anyio
async def test_disconnect_before_any_body() -> None:
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(await receive())
        seen.append(await receive())
        await PlainTextResponse("gone")(scope, receive, send)

    recorder = Recorder({"type": "http.disconnect"})
    await recorder.run(BaseHTTPMiddleware(app, dispatch=passthrough))
    assert seen == [{"type": "http.disconnect"}] * 2


def test_dispatch_sees_the_stream_consumed_by_the_app(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(b"".join([chunk async for chunk in request.stream()]))

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        with pytest.raises(RuntimeError, match="Stream consumed"):
            await request.body()
        return response

    app = Starlette(
        routes=[Route("/", endpoint, methods=["POST"])], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)]
    )
    assert test_client_factory(app).post("/", content=b"payload").text == "payload"


@pytest.mark.anyio
async def test_body_read_in_dispatch_comes_before_a_disconnect_it_saw() -> None:
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(await receive())
        seen.append(await receive())
        seen.append(await receive())
        await PlainTextResponse("done")(scope, receive, send)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        assert await request.body() == b"hi"
        assert await request.is_disconnected()
        return await call_next(request)

    recorder = Recorder({"type": "http.request", "body": b"hi"}, {"type": "http.disconnect"})
    await recorder.run(BaseHTTPMiddleware(app, dispatch=dispatch))
    assert seen == [
        {"type": "http.request", "body": b"hi", "more_body": False},
        {"type": "http.disconnect"},
        {"type": "http.disconnect"},
    ]


@pytest.mark.anyio
async def test_stacked_middleware_with_a_disconnected_client() -> None:
    events: list[str] = []

    def tracing(version: int) -> Middleware:
        async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
            events.append(f"{version}:start")
            response = await call_next(request)
            events.append(f"{version}:end")
            return response

        return Middleware(BaseHTTPMiddleware, dispatch=dispatch)

    async def endpoint(request: Request) -> Response:
        with pytest.raises(ClientDisconnect):
            await request.body()
        return Response(b"")

    app = Starlette(routes=[Route("/", endpoint)], middleware=[tracing(i) for i in range(5)])
    recorder = Recorder({"type": "http.request", "body": b"a", "more_body": True}, {"type": "http.disconnect"})
    await recorder.run(app, {"type": "http", "method": "GET", "path": "/", "headers": []})
    assert events == [f"{i}:start" for i in range(5)] + [f"{i}:end" for i in reversed(range(5))]


@pytest.mark.anyio
async def test_repeated_polling_for_disconnect() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for _ in range(3):
            message = await receive()
            while message["type"] == "http.request":
                message = await receive()
            assert message["type"] == "http.disconnect"
        await Response(b"polled")(scope, receive, send)

    recorder = Recorder({"type": "http.request", "body": b"", "more_body": True}, {"type": "http.disconnect"})
    await recorder.run(BaseHTTPMiddleware(app, dispatch=passthrough))
    assert b"".join(message["body"] for message in recorder.sent[1:]) == b"polled"


@pytest.mark.parametrize("stacked", [False, True])
@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.anyio
async def test_background_tasks_run_after_the_response_is_sent(stacked: bool, streamed: bool) -> None:
    events: list[str] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        task = BackgroundTask(events.append, "background")
        response: Response
        if streamed:
            response = StreamingResponse(chunks(), background=task)
        else:
            response = PlainTextResponse("ok", background=task)
        await response(scope, receive, send)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        return await call_next(request)

    async def send(message: Message) -> None:
        await anyio.sleep(0.001)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            events.append("response sent")

    async def receive() -> Message:
        await anyio.sleep(10)  # pragma: no cover (cancelled once the response is sent)
        return {"type": "http.disconnect"}  # pragma: no cover

    middleware = BaseHTTPMiddleware(app, dispatch=dispatch)
    if stacked:
        middleware = BaseHTTPMiddleware(middleware, dispatch=dispatch)
    await middleware({"type": "http", "method": "GET", "path": "/", "headers": []}, receive, send)
    assert events == ["response sent", "background"]


def test_call_next_twice_runs_the_app_twice(test_client_factory: TestClientFactory) -> None:
    calls: list[str] = []

    async def count(request: Request) -> Response:
        calls.append(request.url.path)
        return PlainTextResponse(str(len(calls)))

    class Twice(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
            first = await call_next(request)
            second = await call_next(request)
            second.headers["x-first-status"] = str(first.status_code)
            return second

    app = Starlette(routes=[Route("/", count)], middleware=[Middleware(Twice)])
    response = test_client_factory(app).get("/")
    assert (response.text, response.headers["x-first-status"], calls) == ("2", "200", ["/", "/"])
