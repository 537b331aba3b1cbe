from __future__ import annotations

import anyio
import pytest

from starlette_c.applications import Starlette
from starlette_c.middleware import Middleware
from starlette_c.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.routing import Route, WebSocketRoute
from starlette_c.testclient import WebSocketDenialResponse
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory


async def homepage(request: Request) -> Response:
    return PlainTextResponse("OK")


async def ws_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(websocket.url.scheme)
    await websocket.close()


app = Starlette(
    routes=[Route("/", homepage), Route("/a b/", homepage), WebSocketRoute("/ws", ws_endpoint)],
    middleware=[Middleware(HTTPSRedirectMiddleware)],
)


def test_https_passes_through(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app, base_url="https://testserver")
    assert client.get("/").text == "OK"


@pytest.mark.parametrize(
    ("base_url", "path", "location"),
    [
        ("http://testserver", "/", "https://testserver/"),
        ("http://testserver:80", "/", "https://testserver/"),
        ("http://testserver:443", "/", "https://testserver/"),
        ("http://testserver:123", "/", "https://testserver:123/"),
        ("http://testserver", "/?a=1&b=%20", "https://testserver/?a=1&b=%20"),
        ("http://testserver", "/a%20b/", "https://testserver/a%20b/"),
    ],
)
def test_http_redirects(test_client_factory: TestClientFactory, base_url: str, path: str, location: str) -> None:
    client = test_client_factory(app, base_url=base_url)
    for method in ("GET", "POST", "HEAD"):
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code == 307
        assert response.headers["location"] == location


def test_websocket_redirect_is_refused(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app, base_url="http://testserver")
    with pytest.raises(WebSocketDenialResponse) as info, client.websocket_connect("/ws"):
        pass  # pragma: no cover (the handshake is answered with a redirect)
    assert info.value.status_code == 307
    assert info.value.headers["location"] == "wss://testserver/ws"


def test_wss_passes_through(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app, base_url="https://testserver")
    with client.websocket_connect("wss://testserver/ws") as websocket:
        assert websocket.receive_text() == "wss"


def test_lifespan_passes_through(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(app, base_url="https://testserver") as client:
        assert client.get("/").status_code == 200


def test_scope_without_scheme_defaults_to_http() -> None:
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:  # pragma: no cover (never read)
        return {}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/", "query_string": b"", "headers": [(b"host", b"example.com")]}
    anyio.run(HTTPSRedirectMiddleware(app), scope, receive, send)
    assert sent[0]["status"] == 307
    assert (b"location", b"https://example.com/") in sent[0]["headers"]  # type: ignore[operator]


def redirect_of(
    host: bytes | None, server: tuple[str, int] | None, scope_type: str = "http"
) -> list[dict[str, object]]:
    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {"type": "websocket.connect"}  # pragma: no cover (redirects never read)

    headers = [] if host is None else [(b"host", host)]
    scope = {
        "type": scope_type,
        "scheme": "ws" if scope_type == "websocket" else "http",
        "path": "/p",
        "raw_path": b"/p",
        "query_string": b"q=1",
        "headers": headers,
        "server": server,
    }
    anyio.run(HTTPSRedirectMiddleware(homepage), scope, receive, send)  # type: ignore[arg-type]
    return sent


@pytest.mark.parametrize(
    ("host", "server", "location"),
    [
        (b"Example.COM", None, b"https://Example.COM/p?q=1"),
        (b"Example.COM:8080", None, b"https://Example.COM:8080/p?q=1"),
        (b"Example.COM:80", None, b"https://example.com/p?q=1"),
        (b"Example.COM:443", None, b"https://example.com/p?q=1"),
        (None, ("Server.Example", 80), b"https://Server.Example/p?q=1"),
        (None, ("Server.Example", 443), b"https://server.example/p?q=1"),
        (None, ("Server.Example", 8080), b"https://Server.Example:8080/p?q=1"),
    ],
)
def test_a_written_default_port_lowers_the_host(
    host: bytes | None, server: tuple[str, int] | None, location: bytes
) -> None:
    start = redirect_of(host, server)[0]
    assert (b"location", location) in start["headers"]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("host", "server", "location"),
    [
        (b"", ("fallback.example", 80), b"https://fallback.example/p?q=1"),
        (None, ("fallback.example", 8000), b"https://fallback.example:8000/p?q=1"),
        (b"bad host", ("::1", 8080), b"https://[::1]:8080/p?q=1"),
        (b"example.com:", ("fallback.example", 443), b"https://fallback.example/p?q=1"),
        (b"example.com:70000", ("fallback.example", 80), b"https://fallback.example/p?q=1"),
        # NOTE: the reference writes "https://::1/p" here; an IPv6 host keeps its brackets.
        (b"[::1]:443", ("fallback.example", 80), b"https://[::1]/p?q=1"),
        (b"[::1]:8443", None, b"https://[::1]:8443/p?q=1"),
    ],
)
def test_malformed_host_falls_back_to_the_server(
    host: bytes | None, server: tuple[str, int] | None, location: bytes
) -> None:
    start = redirect_of(host, server)[0]
    assert start["status"] == 307
    assert (b"location", location) in start["headers"]  # type: ignore[operator]


@pytest.mark.parametrize("scope_type", ["http", "websocket"])
def test_no_usable_host_at_all_is_a_400(scope_type: str) -> None:
    start, body = redirect_of(b"", None, scope_type)
    assert start["status"] == 400
    assert body["body"] == b"Invalid host header"
