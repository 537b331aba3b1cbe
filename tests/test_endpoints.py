from __future__ import annotations

from typing import Any

import pytest

from starlette_c.applications import Starlette
from starlette_c.endpoints import HTTPEndpoint, WebSocketEndpoint
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.routing import Route, WebSocketRoute
from starlette_c.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory
from tests.differential.harness import Req, run_app


class Items(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse(f"get {request.path_params.get('name', '-')}")

    def post(self, request: Request) -> Response:
        return PlainTextResponse("post from a thread")


class WithHead(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse("get")

    async def head(self, request: Request) -> Response:
        return PlainTextResponse("head", headers={"x-handler": "head"})

    async def propfind(self, request: Request) -> Response:
        return PlainTextResponse("propfind")


def test_dispatches_on_the_method(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Starlette(routes=[Route("/", Items), Route("/{name}", Items)]))
    assert client.get("/").text == "get -"
    assert client.get("/apple").text == "get apple"
    assert client.post("/").text == "post from a thread"


def test_head_falls_back_to_get(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Starlette(routes=[Route("/items", Items), Route("/with-head", WithHead)]))
    response = client.head("/items")
    assert response.status_code == 200
    assert response.headers["content-length"] == "5"
    assert client.head("/with-head").headers["x-handler"] == "head"


def test_only_standard_verbs_dispatch(test_client_factory: TestClientFactory) -> None:
    # NOTE: since 1.1 a method outside the standard verbs is a 405 even when a same-named handler exists.
    client = test_client_factory(Starlette(routes=[Route("/", WithHead, methods=["GET", "PROPFIND"])]))
    response = client.request("PROPFIND", "/")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD")


class Searchable(HTTPEndpoint):
    async def query(self, request: Request) -> Response:
        return PlainTextResponse(f"query {(await request.body()).decode()}")

    async def post(self, request: Request) -> Response:
        return PlainTextResponse("post")


def test_query_method(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Searchable)
    assert client.request("QUERY", "/", content=b"q=1").text == "query q=1"
    response = client.get("/")
    assert (response.status_code, response.headers["allow"]) == (405, "POST, QUERY")
    assert client.head("/").status_code == 405


def test_method_not_allowed_inside_an_app(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Starlette(routes=[Route("/", Items), Route("/with-head", WithHead)]))
    response = client.put("/")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert client.delete("/with-head").headers["allow"] == "GET, HEAD"


@pytest.mark.anyio
async def test_method_not_allowed_standalone() -> None:
    outcome = await run_app(Items, Req("DELETE", "/"))
    assert outcome.status == 405
    assert outcome.body == b"Method Not Allowed"
    assert (b"allow", b"GET, HEAD, POST") in outcome.headers


@pytest.mark.anyio
async def test_handlers_can_send_early_hints() -> None:
    class Hinting(HTTPEndpoint):
        async def get(self, request: Request) -> Response:
            await request.send_early_hints("</style.css>; rel=preload")
            return PlainTextResponse("hinted")

    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        raise AssertionError("never called")  # pragma: no cover

    await Hinting({"type": "http", "method": "GET", "extensions": {"http.response.early_hint": {}}}, receive, send)
    assert sent[0] == {"type": "http.response.early_hint", "links": [b"</style.css>; rel=preload"]}
    assert [message["type"] for message in sent[1:]] == ["http.response.start", "http.response.body"]


@pytest.mark.anyio
async def test_method_not_allowed_raises_inside_an_app() -> None:
    outcome = await run_app(Items, Req("DELETE", "/", extra_scope={"app": object()}))
    assert outcome.exception == "HTTPException: 405: Method Not Allowed"


@pytest.mark.anyio
async def test_endpoint_without_handlers_allows_nothing() -> None:
    class Empty(HTTPEndpoint):
        pass

    outcome = await run_app(Empty, Req("GET", "/"))
    assert outcome.status == 405
    assert (b"allow", b"") in outcome.headers


@pytest.mark.anyio
@pytest.mark.parametrize(
    "method",
    ["DISPATCH", "METHOD_NOT_ALLOWED", "SCOPE", "RECEIVE", "SEND", "__INIT__", "__CLASS__", "_ALLOWED_METHODS"],
)
async def test_endpoint_machinery_is_not_a_handler(method: str) -> None:
    outcome = await run_app(Items, Req(method, "/"))
    assert outcome.exception is None
    assert outcome.status == 405


@pytest.mark.anyio
async def test_endpoint_is_awaitable() -> None:
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = Req("GET", "/").scope()
    endpoint = Items(scope, receive, send)
    assert endpoint.scope is scope and endpoint.receive is receive and endpoint.send is send
    await endpoint
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"get -"


def test_http_endpoint_requires_an_http_scope() -> None:
    async def receive() -> Any: ...  # pragma: no cover - never called

    async def send(message: Any) -> None: ...  # pragma: no cover - never called

    with pytest.raises(AssertionError):
        Items({"type": "websocket"}, receive, send)
    with pytest.raises(AssertionError):
        WebSocketEndpoint({"type": "http"}, receive, send)


def allowing(allowed: list[str]) -> type[HTTPEndpoint]:
    """An endpoint implementing GET, POST and PROPFIND whose ``__init__`` replaces ``_allowed_methods``."""

    class Allowing(WithHead):
        def __init__(self, scope: Any, receive: Any, send: Any) -> None:
            super().__init__(scope, receive, send)
            self._allowed_methods = allowed

        async def post(self, request: Request) -> Response:
            return PlainTextResponse("post")

    return Allowing


def test_allowed_methods_lists_the_implemented_verbs() -> None:
    scope = Req("GET", "/").scope()
    assert Items(scope, None, None)._allowed_methods == ["GET", "HEAD", "POST"]  # type: ignore[arg-type]
    assert Searchable(scope, None, None)._allowed_methods == ["POST", "QUERY"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("allowed", "method", "status", "body", "allow"),
    [
        (["GET", "X"], "GET", 200, "get", None),
        (["GET", "X"], "POST", 405, "Method Not Allowed", "GET, X"),
        (["GET", "X"], "HEAD", 405, "", "GET, X"),
        (["HEAD"], "HEAD", 200, "", None),
        (["HEAD"], "GET", 405, "Method Not Allowed", "HEAD"),
        (["POST", "PROPFIND"], "PROPFIND", 200, "propfind", None),
        ([], "GET", 405, "Method Not Allowed", ""),
    ],
)
def test_a_replaced_allowed_methods_decides_what_dispatches(
    test_client_factory: TestClientFactory, allowed: list[str], method: str, status: int, body: str, allow: str | None
) -> None:
    client = test_client_factory(Starlette(routes=[Route("/", allowing(allowed), methods=[method])]))
    response = client.request(method, "/")
    assert (response.status_code, response.text, response.headers.get("allow")) == (status, body, allow)


@pytest.mark.anyio
async def test_an_allowed_verb_the_endpoint_lacks_raises() -> None:
    outcome = await run_app(allowing(["PUT"]), Req("PUT", "/"))
    assert outcome.exception == "AttributeError: 'Allowing' object has no attribute 'put'"


@pytest.mark.anyio
async def test_allowed_methods_edited_in_place_or_overridden() -> None:
    class Edited(Items):
        def __init__(self, scope: Any, receive: Any, send: Any) -> None:
            super().__init__(scope, receive, send)
            self._allowed_methods.remove("POST")

    class Overridden(Items):
        @property
        def _allowed_methods(self) -> list[str]:
            return ["POST"]

    edited = await run_app(Edited, Req("POST", "/"))
    assert (edited.status, (b"allow", b"GET, HEAD") in edited.headers) == (405, True)
    overridden = await run_app(Overridden, Req("GET", "/"))
    assert (overridden.status, (b"allow", b"POST") in overridden.headers) == (405, True)
    assert (await run_app(Overridden, Req("POST", "/"))).body == b"post from a thread"


class Recorder(WebSocketEndpoint):
    events: list[Any]

    async def on_connect(self, websocket: WebSocket) -> None:
        self.events.append("connect")
        await websocket.accept()

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        self.events.append(("receive", data))
        await websocket.send_json({"echo": data if not isinstance(data, bytes) else data.decode()})

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        self.events.append(("disconnect", close_code))


def recorder(encoding: str | None) -> tuple[type[Recorder], list[Any]]:
    events: list[Any] = []
    return type("R", (Recorder,), {"encoding": encoding, "events": events}), events


def ws_client(factory: TestClientFactory, endpoint: type[WebSocketEndpoint]) -> Any:
    return factory(Starlette(routes=[WebSocketRoute("/ws", endpoint)]))


def test_websocket_text(test_client_factory: TestClientFactory) -> None:
    endpoint, events = recorder("text")
    with ws_client(test_client_factory, endpoint).websocket_connect("/ws") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_json() == {"echo": "hi"}
        websocket.close(code=1001)
    assert events == ["connect", ("receive", "hi"), ("disconnect", 1001)]


def test_websocket_bytes(test_client_factory: TestClientFactory) -> None:
    endpoint, events = recorder("bytes")
    with ws_client(test_client_factory, endpoint).websocket_connect("/ws") as websocket:
        websocket.send_bytes(b"raw")
        assert websocket.receive_json() == {"echo": "raw"}
    assert events == ["connect", ("receive", b"raw"), ("disconnect", 1000)]


def test_websocket_json_from_text_and_bytes(test_client_factory: TestClientFactory) -> None:
    endpoint, events = recorder("json")
    with ws_client(test_client_factory, endpoint).websocket_connect("/ws") as websocket:
        websocket.send_json({"a": 1})
        assert websocket.receive_json() == {"echo": {"a": 1}}
        websocket.send_json([1, 2], mode="binary")
        assert websocket.receive_json() == {"echo": [1, 2]}
    assert events[1:3] == [("receive", {"a": 1}), ("receive", [1, 2])]


def test_websocket_without_encoding_passes_data_through(test_client_factory: TestClientFactory) -> None:
    endpoint, events = recorder(None)
    with ws_client(test_client_factory, endpoint).websocket_connect("/ws") as websocket:
        websocket.send_text("text")
        websocket.receive_json()
        websocket.send_bytes(b"bytes")
        websocket.receive_json()
    assert events[1:3] == [("receive", "text"), ("receive", b"bytes")]


@pytest.mark.parametrize(
    ("encoding", "send", "message"),
    [
        ("text", ("send_bytes", b"x"), "Expected text websocket messages, but got bytes"),
        ("bytes", ("send_text", "x"), "Expected bytes websocket messages, but got text"),
        ("json", ("send_text", "{not json"), "Malformed JSON data received."),
        ("json", ("send_bytes", b"\xff\xfe"), "Malformed JSON data received."),
    ],
)
def test_websocket_wrong_data_closes_with_1003(
    test_client_factory: TestClientFactory, encoding: str, send: tuple[str, Any], message: str
) -> None:
    endpoint, events = recorder(encoding)
    client = ws_client(test_client_factory, endpoint)
    with pytest.raises(RuntimeError) as info, client.websocket_connect("/ws") as websocket:
        getattr(websocket, send[0])(send[1])
        with pytest.raises(WebSocketDisconnect) as disconnect:
            websocket.receive_text()
        assert disconnect.value.code == 1003
    assert str(info.value) == message
    assert events == ["connect", ("disconnect", 1011)]


def test_websocket_unsupported_encoding(test_client_factory: TestClientFactory) -> None:
    endpoint, events = recorder("xml")
    client = ws_client(test_client_factory, endpoint)
    with pytest.raises(AssertionError) as info, client.websocket_connect("/ws") as websocket:
        websocket.send_text("<x/>")
        websocket.receive_text()
    assert str(info.value) == "Unsupported 'encoding' attribute xml"
    assert events[-1] == ("disconnect", 1011)


def test_websocket_errors_in_handlers_report_1011(test_client_factory: TestClientFactory) -> None:
    closes: list[int] = []

    class Failing(WebSocketEndpoint):
        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            raise KeyError("boom")

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            closes.append(close_code)

    with pytest.raises(KeyError), ws_client(test_client_factory, Failing).websocket_connect("/ws") as websocket:
        websocket.send_text("x")
        websocket.receive_text()
    assert closes == [1011]


@pytest.mark.parametrize("encoding", [None, "text", "bytes", "json"])
@pytest.mark.parametrize("refusal", ["close", "denial"])
def test_websocket_refused_in_on_connect(test_client_factory: TestClientFactory, encoding: str, refusal: str) -> None:
    closes: list[int] = []

    class Refusing(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            if refusal == "close":
                await websocket.close(code=4001)
            else:
                await websocket.send_denial_response(PlainTextResponse("no", status_code=403))

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            closes.append(close_code)

    Refusing.encoding = encoding  # type: ignore[assignment]
    with pytest.raises(WebSocketDisconnect) as info, ws_client(test_client_factory, Refusing).websocket_connect("/ws"):
        pass  # pragma: no cover (the connection is refused)
    if refusal == "close":
        assert info.value.code == 4001
    else:
        assert info.value.status_code == 403  # type: ignore[attr-defined]
    # NOTE: the connect message left unread by on_connect is not data: the client's disconnect ends the session.
    assert closes == [1000]


def test_websocket_defaults_accept_and_ignore(test_client_factory: TestClientFactory) -> None:
    with ws_client(test_client_factory, WebSocketEndpoint).websocket_connect("/ws") as websocket:
        websocket.send_text("ignored")
        websocket.send_bytes(b"ignored")


@pytest.mark.anyio
@pytest.mark.parametrize(("message", "code"), [({}, 1000), ({"code": None}, 1000), ({"code": 4001}, 4001)])
async def test_websocket_disconnect_code(message: dict[str, Any], code: int) -> None:
    endpoint, events = recorder(None)
    incoming = [{"type": "websocket.connect"}, {"type": "websocket.disconnect", **message}]
    sent: list[Any] = []

    async def receive() -> Any:
        return incoming.pop(0)

    async def send(msg: Any) -> None:
        sent.append(msg)

    await endpoint({"type": "websocket", "path": "/", "headers": []}, receive, send)
    assert sent == [{"type": "websocket.accept", "subprotocol": None, "headers": []}]
    assert events == ["connect", ("disconnect", code)]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("encoding", "message", "decoded"),
    [
        (None, {"text": ""}, ""),
        (None, {"text": "", "bytes": b"y"}, ""),
        (None, {"bytes": b""}, b""),
        (None, {"text": None, "bytes": b"x"}, b"x"),
        ("text", {"text": ""}, ""),
        ("text", {"text": "", "bytes": b"y"}, ""),
        ("bytes", {"bytes": b""}, b""),
        ("bytes", {"bytes": b"", "text": "t"}, b""),
        ("json", {"text": None, "bytes": b"[2]"}, [2]),
    ],
)
async def test_decode_empty_payloads(encoding: Any, message: dict[str, Any], decoded: Any) -> None:
    # NOTE: 1.7: an empty frame is a frame of its own kind; only an absent (None) payload is "the other kind".
    endpoint_class = type("Endpoint", (WebSocketEndpoint,), {"encoding": encoding})
    endpoint = endpoint_class({"type": "websocket"}, None, None)  # type: ignore[arg-type]
    assert await endpoint.decode(None, {"type": "websocket.receive", **message}) == decoded  # type: ignore[arg-type]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("encoding", "message", "error"),
    [
        ("text", {"text": None, "bytes": b""}, "Expected text websocket messages, but got bytes"),
        ("text", {}, "Expected text websocket messages, but got bytes"),
        ("bytes", {"text": "", "bytes": None}, "Expected bytes websocket messages, but got text"),
        ("json", {"text": ""}, "Malformed JSON data received."),
        ("json", {"bytes": b""}, "Malformed JSON data received."),
    ],
)
async def test_decode_refuses_absent_or_empty(encoding: str, message: dict[str, Any], error: str) -> None:
    sent: list[Any] = []

    async def send(msg: Any) -> None:
        sent.append(msg)

    async def receive() -> Any:
        return {"type": "websocket.connect"}  # pragma: no cover (never asked)

    endpoint_class = type("Endpoint", (WebSocketEndpoint,), {"encoding": encoding})
    websocket = WebSocket({"type": "websocket", "path": "/", "headers": []}, receive, send)
    websocket.application_state = websocket.client_state = type(websocket.client_state).CONNECTED
    endpoint = endpoint_class(websocket.scope, receive, send)
    with pytest.raises(RuntimeError, match=error):
        await endpoint.decode(websocket, {"type": "websocket.receive", **message})
    assert sent == [{"type": "websocket.close", "code": 1003, "reason": ""}]
