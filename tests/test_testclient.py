from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import httpx2
import pytest

from starlette_c.exceptions import StarletteDeprecationWarning
from starlette_c.testclient import (
    WebSocketDenialResponse,
    WebSocketTestSession,
    _is_asgi3,
    _TestClientTransport,
    _Upgrade,
    _WrapASGI2,
)
from starlette_c.types import Message, Receive, Scope, Send
from starlette_c.websockets import WebSocketDisconnect
from tests.conftest import TestClientFactory


async def respond(
    send: Send, body: bytes = b"", status: int = 200, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers or []})
    await send({"type": "http.response.body", "body": body})


def jsonable(scope: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in scope.items():
        if key == "headers":
            value = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in value]
        elif isinstance(value, bytes):
            value = value.decode("latin-1")
        out[key] = value
    return out


async def echo_scope(scope: Scope, receive: Receive, send: Send) -> None:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message["body"])
        if not message.get("more_body", False):
            break
    payload = {"scope": jsonable(scope), "body": b"".join(chunks).decode(), "messages": len(chunks)}
    await respond(send, json.dumps(payload).encode(), headers=[(b"content-type", b"application/json")])


def test_http_scope(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(echo_scope)
    data = client.get("/a%20b/c%2Fd?x=1&y=%20").json()
    scope = data["scope"]
    assert scope == {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": "/a b/c/d",
        "raw_path": "/a%20b/c%2Fd",
        "root_path": "",
        "scheme": "http",
        "query_string": "x=1&y=%20",
        "headers": [
            ["host", "testserver"],
            ["accept", "*/*"],
            # NOTE: the HTTP client's own default (zstd joins it on Python 3.14).
            ["accept-encoding", client.headers["accept-encoding"]],
            ["connection", "keep-alive"],
            ["user-agent", "testclient"],
        ],
        "client": ["testclient", 50000],
        "server": ["testserver", 80],
        "extensions": {"http.response.debug": {}, "http.response.trailers": {}},
        "state": {},
    }
    assert data["body"] == ""


def test_path_is_decoded_once(test_client_factory: TestClientFactory) -> None:
    scope = test_client_factory(echo_scope).get("/a%2520b").json()["scope"]
    assert scope["path"] == "/a%20b"
    assert scope["raw_path"] == "/a%2520b"


def test_client_root_path_and_headers(test_client_factory: TestClientFactory) -> None:
    headers = {"X-Token": "t"}
    client = test_client_factory(echo_scope, root_path="/root", client=("1.2.3.4", 5), headers=headers)
    scope = client.get("/x").json()["scope"]
    assert scope["root_path"] == "/root"
    assert scope["path"] == "/x"
    assert scope["client"] == ["1.2.3.4", 5]
    assert ["x-token", "t"] in scope["headers"]
    assert ["user-agent", "testclient"] in scope["headers"]
    assert headers == {"X-Token": "t"}


def test_custom_user_agent(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(echo_scope, headers={"user-agent": "mine"})
    assert ["user-agent", "mine"] in client.get("/").json()["scope"]["headers"]


def test_server_and_host_from_url(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(echo_scope)
    scope = client.get("http://example.org:81/p").json()["scope"]
    assert scope["server"] == ["example.org", 81]
    assert scope["headers"][0] == ["host", "example.org:81"]
    scope = client.get("https://example.org/p").json()["scope"]
    assert scope["server"] == ["example.org", 443]
    assert scope["scheme"] == "https"
    scope = client.get("/", headers={"Host": "h.example"}).json()["scope"]
    assert [name for name, _ in scope["headers"]].count("host") == 1
    assert ["host", "h.example"] in scope["headers"]


def test_base_url(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(echo_scope, base_url="https://api.example.com:8443/v1/")
    scope = client.get("items").json()["scope"]
    assert scope["path"] == "/v1/items"
    assert scope["server"] == ["api.example.com", 8443]
    assert scope["scheme"] == "https"


def test_missing_host_header_is_added(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(echo_scope)
    request = client.build_request("GET", "http://example.org:8000/")
    del request.headers["host"]
    scope = client.send(request).json()["scope"]
    assert scope["headers"][0] == ["host", "example.org:8000"]


@pytest.mark.parametrize("method", ["get", "options", "head", "post", "put", "patch", "delete"])
def test_http_methods(test_client_factory: TestClientFactory, method: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, scope["method"].encode(), headers=[(b"x-method", scope["method"].encode())])

    response = getattr(test_client_factory(app), method)("/", params={"q": "1"}, headers={"a": "b"})
    assert response.status_code == 200
    assert response.headers["x-method"] == method.upper()
    assert response.text == ("" if method == "head" else method.upper())


def test_request_bodies(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(echo_scope)
    assert client.post("/", content=b"raw").json()["body"] == "raw"
    assert client.post("/", content="text").json()["body"] == "text"
    assert client.put("/", json={"a": 1}).json()["body"] == '{"a":1}'
    assert client.patch("/", data={"k": "v"}).json()["body"] == "k=v"

    def chunks() -> Iterator[bytes]:
        yield b"ab"
        yield b"cd"

    streamed = client.post("/", content=chunks()).json()
    assert (streamed["body"], streamed["messages"]) == ("abcd", 2)
    assert client.post("/", content=b"single").json()["messages"] == 1
    body = client.post("/", files={"f": ("a.txt", b"data", "text/plain")}).json()["body"]
    assert 'filename="a.txt"' in body and "data" in body


def test_request_body_is_streamed(test_client_factory: TestClientFactory) -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            received.append(message)
            if not message.get("more_body", False):
                break
        await respond(send)

    def chunks() -> Iterator[bytes]:
        yield b"a"
        yield b""
        yield b"b"

    test_client_factory(app).post("/", content=chunks())
    assert received == [
        {"type": "http.request", "body": b"a", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b"b"},
    ]


def test_disconnect_after_response(test_client_factory: TestClientFactory) -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        received.append(await receive())
        await respond(send, b"ok")
        received.append(await receive())

    assert test_client_factory(app).post("/", content=b"q").text == "ok"
    assert received == [{"type": "http.request", "body": b"q"}, {"type": "http.disconnect"}]


def test_streamed_response_and_raw_headers(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"x-latin", "café".encode("latin-1")), (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]
        await send({"type": "http.response.start", "status": 201, "headers": headers})
        await send({"type": "http.response.body", "body": b"x", "more_body": True})
        await send({"type": "http.response.body", "more_body": True})
        await send({"type": "http.response.body", "body": b"y"})
        await send({"type": "http.response.unknown"})

    response = test_client_factory(app).get("/")
    assert response.status_code == 201
    assert response.content == b"xy"
    assert response.headers.raw[0] == (b"x-latin", "café".encode("latin-1"))
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


def test_debug_extension(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.debug", "info": {"template": "index.html", "context": {"a": 1}}})
        await respond(send, b"page")

    response = test_client_factory(app).get("/")
    assert response.template == "index.html"  # type: ignore[attr-defined]
    assert response.context == {"a": 1}  # type: ignore[attr-defined]
    assert not hasattr(test_client_factory(echo_scope).get("/"), "template")


def test_raise_server_exceptions(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        test_client_factory(app).get("/")
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.content == b""
    assert response.headers == httpx2.Headers({})


def test_exception_after_response_start(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 202, "headers": [(b"x", b"1")]})
        raise ValueError("half")

    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 202
    assert response.headers["x"] == "1"
    with pytest.raises(ValueError, match="half"):
        test_client_factory(app).get("/")


def test_no_response(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        pass

    with pytest.raises(AssertionError, match="TestClient did not receive any response."):
        test_client_factory(app).get("/")
    assert test_client_factory(app, raise_server_exceptions=False).get("/").status_code == 500


@pytest.mark.parametrize(
    "messages, error",
    [
        ([{"type": "http.response.body", "body": b""}], 'Received "http.response.body" without "http.response.start".'),
        (
            [{"type": "http.response.start", "status": 200}, {"type": "http.response.start", "status": 200}],
            'Received multiple "http.response.start" messages.',
        ),
        (
            [
                {"type": "http.response.start", "status": 200},
                {"type": "http.response.body"},
                {"type": "http.response.body"},
            ],
            'Received "http.response.body" after response completed.',
        ),
    ],
)
def test_protocol_errors(test_client_factory: TestClientFactory, messages: list[Message], error: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    with pytest.raises(AssertionError) as info:
        test_client_factory(app).get("/")
    assert str(info.value) == error


def test_redirects_and_cookies(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/redirect":
            await respond(send, status=302, headers=[(b"location", b"/target"), (b"set-cookie", b"a=b; Path=/")])
        else:
            await respond(send, dict(scope["headers"]).get(b"cookie", b"-"))

    client = test_client_factory(app, cookies={"z": "1"})
    response = client.get("/redirect")
    assert response.status_code == 200
    assert response.text == "z=1; a=b"
    assert [r.status_code for r in response.history] == [302]
    assert str(response.url) == "http://testserver/target"
    assert test_client_factory(app, follow_redirects=False).get("/redirect").status_code == 302
    assert client.get("/redirect", follow_redirects=False).status_code == 302


def test_timeout_is_deprecated(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(echo_scope)
    message = (
        "You should not use the 'timeout' argument with the TestClient. "
        "See https://github.com/Kludex/starlette/issues/1108 for more information."
    )
    with pytest.warns(StarletteDeprecationWarning) as record:
        assert client.get("/", timeout=3).status_code == 200
        assert client.request("GET", "/", timeout=3).status_code == 200
    assert [str(warning.message) for warning in record] == [message, message]
    assert record[1].filename == __file__


def test_asgi2_apps(test_client_factory: TestClientFactory) -> None:
    class ClassApp:
        def __init__(self, scope: Scope) -> None:
            self.scope = scope

        async def __call__(self, receive: Receive, send: Send) -> None:
            await respond(send, self.scope["path"].encode())

    def function_app(scope: Scope) -> Any:
        async def instance(receive: Receive, send: Send) -> None:
            await respond(send, b"fn")

        return instance

    client = test_client_factory(ClassApp)
    assert isinstance(client.app, _WrapASGI2)
    assert client.get("/two").text == "/two"
    assert test_client_factory(function_app).get("/").text == "fn"


def test_is_asgi3() -> None:
    class Awaitable:
        def __await__(self) -> Iterator[None]:
            yield None

    class Callable3:
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...

    assert _is_asgi3(echo_scope)
    assert _is_asgi3(functools.partial(echo_scope))
    assert _is_asgi3(Callable3())
    assert _is_asgi3(Awaitable)  # type: ignore[arg-type]
    assert not _is_asgi3(Callable3)
    assert not _is_asgi3(lambda scope: None)


def test_app_runs_in_portal_thread(test_client_factory: TestClientFactory) -> None:
    threads: list[threading.Thread] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            threads.append(threading.current_thread())
            await respond(send)

    client = test_client_factory(app)
    client.get("/")
    client.get("/")
    assert threads[0] is not threading.current_thread()
    assert threads[0] is not threads[1]
    with client:
        client.get("/")
        client.get("/")
    assert threads[2] is threads[3]


def test_backend(test_client_factory: TestClientFactory, anyio_backend_name: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            await respond(send, b"trio")
        else:
            await respond(send, b"asyncio")

    assert test_client_factory(app).get("/").text == anyio_backend_name


def test_transport_signature() -> None:
    transport = _TestClientTransport(echo_scope, portal_factory=lambda: None, client=("c", 1), app_state={})  # type: ignore[arg-type, return-value]
    assert transport.raise_server_exceptions is True
    assert transport.root_path == ""
    assert isinstance(transport, httpx2.BaseTransport)


def test_websocket_connect_requires_upgrade(test_client_factory: TestClientFactory) -> None:
    with pytest.raises(RuntimeError, match="Expected WebSocket upgrade"):
        test_client_factory(echo_scope).websocket_connect("http://testserver/")


def test_denial_response_type() -> None:
    assert issubclass(WebSocketDenialResponse, httpx2.Response)
    assert issubclass(WebSocketDenialResponse, WebSocketDisconnect)
    assert issubclass(_Upgrade, Exception)
    assert WebSocketTestSession.__init__.__code__.co_varnames[1:4] == ("app", "scope", "portal_factory")


def run_without(*modules: str) -> str:
    """Import starlette_c.testclient in a fresh interpreter where ``modules`` cannot be imported."""
    code = (
        "import sys, warnings\n"
        f"for name in {modules!r}:\n"
        "    sys.modules[name] = None\n"
        "warnings.simplefilter('always')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    try:\n"
        "        import starlette_c.testclient as testclient\n"
        "    except RuntimeError as exc:\n"
        "        print(repr(str(exc)))\n"
        "    else:\n"
        "        print(testclient.httpx.__name__)\n"
        "for warning in caught:\n"
        "    print(warning.category.__name__, warning.message, warning.filename)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_httpx2_is_preferred() -> None:
    from starlette_c import testclient

    assert testclient.httpx is httpx2
    assert issubclass(testclient.TestClient, httpx2.Client)


def test_plain_httpx_is_deprecated() -> None:
    assert run_without("httpx2").splitlines() == [
        "httpx",
        "StarletteDeprecationWarning Using `httpx` with `starlette.testclient` is deprecated; install `httpx2` "
        "instead. <string>",
    ]


def test_http_client_choice_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette_c import testclient

    monkeypatch.setitem(sys.modules, "httpx2", None)
    with pytest.warns(StarletteDeprecationWarning, match="install `httpx2` instead"):
        assert testclient._http_client_module().__name__ == "httpx"
    monkeypatch.setitem(sys.modules, "httpx", None)
    with pytest.raises(RuntimeError, match=r"\$ pip install httpx2"):
        testclient._http_client_module()


def test_missing_http_client() -> None:
    expected = (
        "The starlette.testclient module requires the httpx2 package to be installed.\n"
        "You can install this with:\n"
        "    $ pip install httpx2\n"
    )
    assert run_without("httpx2", "httpx") == repr(expected)


# Lifespan


def lifespan_app(log: list[Any]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            log.append(await receive())
            scope["state"]["started"] = True
            await send({"type": "lifespan.startup.complete"})
            log.append(await receive())
            await send({"type": "lifespan.shutdown.complete"})
            return
        await respond(send, json.dumps(scope["state"]).encode())

    return app


def test_lifespan(test_client_factory: TestClientFactory) -> None:
    log: list[Any] = []
    client = test_client_factory(lifespan_app(log))
    assert client.get("/").json() == {}
    assert log == []
    with client as entered:
        assert entered is client
        assert client.portal is not None
        assert log == [{"type": "lifespan.startup"}]
        assert client.get("/").json() == {"started": True}
    assert log == [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    assert client.portal is None


def test_lifespan_state_is_copied_per_request(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["n"] = 0
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        scope["state"]["n"] += 1
        await respond(send, str(scope["state"]["n"]).encode())

    with test_client_factory(app) as client:
        assert client.get("/").text == "1"
        assert client.get("/").text == "1"
        assert client.app_state == {"n": 0}


def test_lifespan_startup_error(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "nope"})
        raise RuntimeError("startup crash")

    client = test_client_factory(app)
    with pytest.raises(RuntimeError, match="startup crash"), client:
        pass  # pragma: no cover (startup fails, so the body never runs)
    assert client.portal is None


def test_lifespan_startup_failed_without_error(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "nope"})

    with pytest.raises(RuntimeError, match="^nope$"), test_client_factory(app):
        pass  # pragma: no cover (startup fails, so the body never runs)


def test_lifespan_unsupported(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"

    with pytest.raises(AssertionError), test_client_factory(app):
        pass  # pragma: no cover (startup fails, so the body never runs)


def test_lifespan_app_returns_early(test_client_factory: TestClientFactory) -> None:
    async def ignores(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await respond(send, b"ok")

    async def after_startup(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})

    for app in (ignores, after_startup):
        with test_client_factory(app) as client:
            assert client.portal is not None
        assert client.portal is None


def test_lifespan_shutdown_failed(test_client_factory: TestClientFactory) -> None:
    def make(raise_error: bool) -> Any:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.failed", "message": "x"})
            if raise_error:
                raise KeyError("shutdown")

        return app

    with test_client_factory(make(False)):
        pass
    with pytest.raises(KeyError, match="shutdown"), test_client_factory(make(True)):
        pass


def test_lifespan_shutdown_error(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        raise KeyError("sd")

    with pytest.raises(KeyError, match="sd"), test_client_factory(app):
        pass


def test_lifespan_unexpected_message(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.other"})

    with pytest.raises(AssertionError), test_client_factory(app):
        pass  # pragma: no cover (startup fails, so the body never runs)


# WebSocket sessions


async def raw_accept_then(scope: Scope, receive: Receive, send: Send) -> None:
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    message = await receive()
    await send({"type": "websocket.send", "text": json.dumps(jsonable(scope) | {"echo": jsonable(message)})})


def test_websocket_scope(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(raw_accept_then, root_path="/r")
    with client.websocket_connect("wss://example.org/p%20q?x=1", headers={"X-Y": "z"}) as session:
        assert session.accepted_subprotocol is None
        assert session.extra_headers is None
        session.send({"type": "websocket.receive", "text": "raw"})
        data = json.loads(session.receive()["text"])
    assert data == {
        "type": "websocket",
        "path": "/p q",
        "raw_path": "/p%20q",
        "root_path": "/r",
        "scheme": "wss",
        "query_string": "x=1",
        "headers": [
            ["host", "example.org"],
            ["accept", "*/*"],
            # NOTE: the HTTP client's own default (zstd joins it on Python 3.14).
            ["accept-encoding", client.headers["accept-encoding"]],
            ["user-agent", "testclient"],
            ["x-y", "z"],
            ["connection", "upgrade"],
            ["sec-websocket-key", "testserver=="],
            ["sec-websocket-version", "13"],
        ],
        "client": ["testclient", 50000],
        "server": ["example.org", 443],
        "subprotocols": [],
        "state": {},
        "extensions": {"websocket.http.response": {}},
        "echo": {"type": "websocket.receive", "text": "raw"},
    }


def test_websocket_subprotocol_header(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(raw_accept_then)
    with client.websocket_connect("/", subprotocols=["a", "b"]) as session:
        session.send_text("x")
        data = json.loads(session.receive_text())
    assert data["subprotocols"] == ["a", "b"]
    assert ["sec-websocket-protocol", "a, b"] in data["headers"]
    with client.websocket_connect("/", headers=[("sec-websocket-protocol", " c ,d")]) as session:
        session.send_text("x")
        assert json.loads(session.receive_text())["subprotocols"] == ["c", "d"]


def test_websocket_raw_denial_response(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.http.response.start", "status": 400, "headers": [(b"a", b"b")]})
        await send({"type": "websocket.http.response.body", "body": b"x", "more_body": True})
        await send({"type": "websocket.http.response.body", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b"y"})

    with pytest.raises(WebSocketDenialResponse) as info, test_client_factory(app).websocket_connect("/"):
        pass  # pragma: no cover (the connection is refused)
    denial = info.value
    assert isinstance(denial, WebSocketDisconnect)
    assert denial.status_code == 400
    assert denial.headers["a"] == "b"
    assert denial.content == b"xy"


def test_websocket_close_message_defaults(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.close"})

    with pytest.raises(WebSocketDisconnect) as info, test_client_factory(app).websocket_connect("/"):
        pass  # pragma: no cover (the connection is refused)
    assert (info.value.code, info.value.reason) == (1000, "")


def test_websocket_app_error_before_accept(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise ValueError("before")

    with pytest.raises(ValueError, match="before"), test_client_factory(app).websocket_connect("/"):
        pass  # pragma: no cover (the connection is refused)


def test_websocket_denial_without_a_body(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.http.response.start", "status": 403, "headers": []})

    message = "^Expected a 'websocket.http.response.body' message, got 'websocket.close'.$"
    with pytest.raises(RuntimeError, match=message), test_client_factory(app).websocket_connect("/"):
        pass  # pragma: no cover (the connection is refused)


@pytest.mark.parametrize("refusal", ["close", "denial"])
def test_websocket_app_error_after_refusing(test_client_factory: TestClientFactory, refusal: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        if refusal == "close":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await send({"type": "websocket.http.response.start", "status": 403, "headers": []})
            await send({"type": "websocket.http.response.body", "body": b"no"})
        raise ValueError("after refusing")

    with pytest.raises(ValueError, match="after refusing"), test_client_factory(app).websocket_connect("/"):
        pass  # pragma: no cover (the connection is refused)


@pytest.mark.parametrize(
    "steps",
    [
        ["accept", "send", "raise"],
        ["accept", "send", "send", "raise"],
        ["accept", "send", "close", "raise"],
        ["accept", "close", "raise"],
        ["accept", "receive", "send", "send", "raise"],
    ],
)
def test_websocket_app_error_comes_before_the_messages_it_sent(
    test_client_factory: TestClientFactory, steps: list[str]
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        for step in steps:
            if step == "receive":
                await receive()
            elif step == "raise":
                raise ValueError("after sending")
            else:
                await send({"type": f"websocket.{step}", "text": "sent", "code": 1001})

    # The error comes from connecting or from the first read: neither the text nor the close is delivered first.
    delivered: list[str] = []
    with pytest.raises(ValueError, match="after sending"), test_client_factory(app).websocket_connect("/") as session:
        session.send_text("go")
        try:
            delivered.append(session.receive_text())
        except WebSocketDisconnect:
            delivered.append("close")
    assert delivered == []


def test_websocket_app_error_after_the_last_read_is_raised_on_leaving(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        raise ValueError("after the last read")

    with (
        pytest.raises(ValueError, match="after the last read"),
        test_client_factory(app).websocket_connect("/") as session,
    ):
        session.send_text("go")


def test_websocket_app_returns_without_closing(test_client_factory: TestClientFactory) -> None:
    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        pass

    async def accepts(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})

    client = test_client_factory(silent)
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/"):
        pass  # pragma: no cover (the connection is refused)
    assert info.value.code == 1006
    with test_client_factory(accepts).websocket_connect("/") as session:
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive_bytes()
        assert info.value.code == 1006


def test_websocket_reuses_client_portal(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["ready"] = True
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        await raw_accept_then(scope, receive, send)

    with test_client_factory(app) as client, client.websocket_connect("/") as session:
        assert session.portal is client.portal
        session.send_bytes(b"b")
        data = json.loads(session.receive_text())
    assert data["state"] == {"ready": True}
    assert data["echo"] == {"type": "websocket.receive", "bytes": "b"}


def test_request_is_disconnected_once_the_response_is_complete(test_client_factory: TestClientFactory) -> None:
    from starlette_c.requests import Request
    from starlette_c.responses import PlainTextResponse

    seen: list[bool] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        await request.body()
        seen.append(await request.is_disconnected())
        await PlainTextResponse("x")(scope, receive, send)
        seen.append(await request.is_disconnected())

    assert test_client_factory(app).get("/").text == "x"
    assert seen == [False, True]


# 1.10: trailers, debug information, streamed bodies, IPv6


async def with_trailers(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [], "trailers": True})
    await send({"type": "http.response.body", "body": b"a", "more_body": True})
    await send({"type": "http.response.body", "body": b"b"})
    await send({"type": "http.response.trailers", "headers": [(b"x-a", b"1")], "more_trailers": True})
    await send({"type": "http.response.trailers", "headers": [(b"x-a", b"2")]})


def test_trailers_are_collected(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(with_trailers).get("/")
    assert response.content == b"ab"
    assert response.extensions["http.response.trailers"] == [(b"x-a", b"1"), (b"x-a", b"2")]
    assert "x-a" not in response.headers
    head = test_client_factory(with_trailers).head("/")
    assert (head.content, head.extensions["http.response.trailers"]) == (b"", [(b"x-a", b"1"), (b"x-a", b"2")])


@pytest.mark.parametrize(
    "messages, error, kept",
    [
        ([{"type": "http.response.trailers"}], 'Received "http.response.trailers" without declaring trailers.', None),
        (
            [
                {"type": "http.response.start", "status": 200, "trailers": True},
                {"type": "http.response.body", "more_body": True},
                {"type": "http.response.trailers"},
            ],
            'Received "http.response.trailers" before body completed.',
            [],
        ),
        (
            [
                {"type": "http.response.start", "status": 200, "trailers": True},
                {"type": "http.response.body"},
                {"type": "http.response.trailers", "headers": [(b"t", b"1")]},
                {"type": "http.response.trailers"},
            ],
            'Received "http.response.trailers" after response completed.',
            [(b"t", b"1")],
        ),
        (
            [
                {"type": "http.response.start", "status": 200, "trailers": True},
                {"type": "http.response.body"},
                {"type": "http.response.body"},
            ],
            'Received "http.response.body" after body completed.',
            [],
        ),
    ],
)
def test_trailer_protocol_errors(
    test_client_factory: TestClientFactory, messages: list[Message], error: str, kept: Any
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    with pytest.raises(AssertionError) as info:
        test_client_factory(app).get("/")
    assert str(info.value) == error
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.extensions.get("http.response.trailers") == kept


def test_debug_info_is_exposed(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert "http.response.debug" in scope["extensions"]
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.debug", "info": {"template": "late.html", "rows": [1]}})
        await send({"type": "http.response.body", "body": b"x"})

    response = test_client_factory(app).get("/")
    assert response.extensions["http.response.debug"] == {"template": "late.html", "rows": [1]}
    assert response.template == "late.html"  # type: ignore[attr-defined]
    assert not hasattr(response, "context")


def test_debug_info_reaches_the_500_stood_in_for_a_missing_response(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.debug", "info": {"template": "t.html", "context": {"a": 1}}})

    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.extensions["http.response.debug"] == {"template": "t.html", "context": {"a": 1}}
    assert (response.template, response.context) == ("t.html", {"a": 1})  # type: ignore[attr-defined]


@pytest.mark.parametrize("more_body", [True, False])
def test_debug_info_after_the_body_started_is_not_exposed(
    test_client_factory: TestClientFactory, more_body: bool
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"a", "more_body": more_body})
        await send({"type": "http.response.debug", "info": {"template": "late.html"}})
        if more_body:
            await send({"type": "http.response.body", "body": b"b"})

    response = test_client_factory(app).get("/")
    assert "http.response.debug" not in response.extensions
    assert not hasattr(response, "template")


def test_streamed_response_returns_early_and_close_cancels(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []
    proceed = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"1", "more_body": True})
        try:
            while not proceed.is_set():
                await anyio.sleep(0.01)
        except anyio.get_cancelled_exc_class():
            events.append("cancelled")
            raise

    client = test_client_factory(app)
    with client.stream("GET", "/") as response:
        assert next(response.iter_raw()) == b"1"
    assert events == ["cancelled"]
    with client:
        with client.stream("GET", "/") as response:
            assert response.status_code == 200
        # NOTE: unread, the first chunk keeps the app blocked in `send`; the cancellation lands there.
        assert events == ["cancelled"]


def test_error_while_streaming(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"1", "more_body": True})
        raise ValueError("mid-stream")

    with test_client_factory(app).stream("GET", "/") as response, pytest.raises(ValueError, match="mid-stream"):
        response.read()
    with test_client_factory(app, raise_server_exceptions=False).stream("GET", "/") as response:
        assert response.read() == b"1"


def test_ipv6_base_url(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(echo_scope, base_url="http://[::1]:8000")
    scope = client.get("/p").json()["scope"]
    assert scope["server"] == ["::1", 8000]
    assert scope["headers"][0] == ["host", "[::1]:8000"]


def test_final_chunk_is_delivered_before_the_disconnect(test_client_factory: TestClientFactory) -> None:
    # NOTE: an app that stops streaming on `http.disconnect` must not lose the last chunk it is sending.
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async def stream() -> None:
            await send({"type": "http.response.start", "status": 200})
            await send({"type": "http.response.body", "body": b"first ", "more_body": True})
            await send({"type": "http.response.body", "body": b"last"})

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            group.cancel_scope.cancel()

        async with anyio.create_task_group() as group:
            group.start_soon(watch)
            await stream()

    assert test_client_factory(app).get("/").content == b"first last"


@pytest.mark.parametrize("method, part", [("GET", b""), ("HEAD", b"dropped")])
def test_every_body_message_waits_for_the_client(
    test_client_factory: TestClientFactory, method: str, part: bytes
) -> None:
    progress: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200})
        for index in range(3):
            await send({"type": "http.response.body", "body": part, "more_body": True})
            progress.append(index)
        await send({"type": "http.response.body"})

    with test_client_factory(app).stream(method, "/") as response:
        assert progress == []
        assert list(response.iter_raw()) == []
    assert progress == [0, 1, 2]


@pytest.mark.parametrize("raise_server_exceptions", [True, False])
def test_closing_a_complete_response_waits_for_the_app(
    test_client_factory: TestClientFactory, raise_server_exceptions: bool
) -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, b"done")
        await anyio.sleep(0.05)
        events.append("background")
        raise ValueError("after the response")

    client = test_client_factory(app, raise_server_exceptions=raise_server_exceptions)
    with contextlib.ExitStack() as stack:
        if raise_server_exceptions:
            stack.enter_context(pytest.raises(ValueError, match="after the response"))
        with client.stream("GET", "/") as response:
            # NOTE: keep the iterator alive: collecting it would close the response early.
            chunks = response.iter_raw()
            assert next(chunks) == b"done"
    assert events == ["background"]


def test_trailers_show_up_while_streaming_and_close_waits(test_client_factory: TestClientFactory) -> None:
    sent = threading.Event()
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "trailers": True})
        await send({"type": "http.response.body", "body": b"x"})
        await send({"type": "http.response.trailers", "headers": [(b"x-t", b"1")]})
        sent.set()
        await anyio.sleep(0.05)
        events.append("finished")

    with test_client_factory(app).stream("GET", "/") as response:
        chunks = response.iter_raw()
        assert next(chunks) == b"x"
        assert sent.wait(10)
        assert response.extensions["http.response.trailers"] == [(b"x-t", b"1")]
    assert events == ["finished"]


@pytest.mark.parametrize("lifespan", [True, False])
def test_closing_the_client_cancels_open_responses(test_client_factory: TestClientFactory, lifespan: bool) -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return
        await respond(send, b"ok")
        try:
            await anyio.sleep(10)
        except anyio.get_cancelled_exc_class():
            events.append("cancelled")
            raise ValueError("not reported") from None

    client = test_client_factory(app)
    with client if lifespan else contextlib.closing(client):
        response = client.send(client.build_request("GET", "/"), stream=True)
        chunks = response.iter_raw()
        assert next(chunks) == b"ok"
    assert events == ["cancelled"]
    # NOTE: the cancelled response ends quietly: no more chunks, and the error raised on cancellation is not reported.
    assert list(chunks) == []
    response.close()


@pytest.mark.parametrize(
    "base_url, server", [("http://[::1]:0", ["::1", 0]), ("https://testserver:0", ["testserver", 0])]
)
def test_explicit_port_zero(test_client_factory: TestClientFactory, base_url: str, server: list[Any]) -> None:
    assert test_client_factory(echo_scope, base_url=base_url).get("/").json()["scope"]["server"] == server


def test_error_after_the_final_chunk(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, b"all")
        await anyio.lowlevel.checkpoint()
        raise ValueError("late")

    with pytest.raises(ValueError, match="late"), test_client_factory(app).stream("GET", "/") as response:
        response.read()
    with test_client_factory(app, raise_server_exceptions=False).stream("GET", "/") as response:
        assert response.read() == b"all"


@pytest.mark.parametrize(("mode", "kind"), [("text", "text"), ("binary", "bytes"), ("xml", "bytes")])
def test_websocket_json_modes_other_than_text_are_binary(
    test_client_factory: TestClientFactory, mode: Any, kind: str
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        message = await receive()
        payload = message[kind]
        await send({"type": "websocket.send", kind: payload})
        await send({"type": "websocket.close"})

    with test_client_factory(app).websocket_connect("/") as session:
        session.send_json({"a": 1}, mode=mode)
        assert session.receive_json(mode=mode) == {"a": 1}
