from __future__ import annotations

import anyio
import pytest

from starlette_c.applications import Starlette
from starlette_c.middleware import Middleware
from starlette_c.middleware.trustedhost import ENFORCE_DOMAIN_WILDCARD, TrustedHostMiddleware
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.routing import Route, WebSocketRoute
from starlette_c.types import Receive, Scope, Send
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory


async def homepage(request: Request) -> Response:
    return PlainTextResponse("OK")


async def ws_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()


def make_app(**options: object) -> Starlette:
    return Starlette(
        routes=[Route("/", homepage), WebSocketRoute("/ws", ws_endpoint)],
        middleware=[Middleware(TrustedHostMiddleware, **options)],  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("testserver", 200),
        ("testserver:8000", 200),
        ("TestServer", 200),
        ("api.example.com", 200),
        ("a.b.example.com", 200),
        ("API.Example.COM:443", 200),
        ("example.com", 400),
        ("evil.com", 400),
        ("testserver.evil.com", 400),
        ("evilexample.com", 400),
        ("", 400),
        ("[::1]:8000", 200),
        ("[::2]", 400),
        ("testserver:abc", 400),
        # NOTE: as in the reference, the port is checked for digits only, not for its range.
        ("testserver:123456", 200),
        ("testserver:", 400),
        ("[fe80::1%eth0]", 400),
        ("[::FFFF:1.2.3.4]", 400),
        ("[1.2.3.4]", 400),
        ("testserver:80@evil.com", 400),
        ("api.example.com/path", 400),
        ("api.example.com#x", 400),
        ("[::1", 400),
    ],
)
def test_trusted_host(test_client_factory: TestClientFactory, host: str, status: int) -> None:
    client = test_client_factory(make_app(allowed_hosts=["testserver", "*.example.com", "[::1]"]))
    response = client.get("/", headers={"host": host})
    assert response.status_code == status
    assert response.text == ("OK" if status == 200 else "Invalid host header")


def test_default_allows_any_host(test_client_factory: TestClientFactory) -> None:
    middleware = TrustedHostMiddleware(make_app())
    assert middleware.allowed_hosts == ["*"]
    assert middleware.allow_any
    client = test_client_factory(make_app())
    assert client.get("/", headers={"host": "anything.at.all"}).status_code == 200


def test_www_redirect(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(allowed_hosts=["www.example.com"]), base_url="https://example.com")
    response = client.get("/?a=1", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "https://www.example.com/?a=1"
    assert client.get("/").url == "https://www.example.com/"


def test_www_redirect_disabled(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(allowed_hosts=["www.example.com"], www_redirect=False))
    response = client.get("/", headers={"host": "example.com"}, follow_redirects=False)
    assert response.status_code == 400


def test_missing_host_header_is_refused() -> None:
    sent: list[dict[str, object]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None: ...  # pragma: no cover (refused)

    async def receive() -> dict[str, object]:  # pragma: no cover (never read)
        return {"type": "http.request"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    middleware = TrustedHostMiddleware(app, allowed_hosts=["example.com"])
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    anyio.run(middleware, scope, receive, send)
    assert sent[0]["status"] == 400


def test_websocket_checked(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(allowed_hosts=["testserver"]))
    with client.websocket_connect("/ws"):
        pass


def test_lifespan_passes_through(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(make_app(allowed_hosts=["testserver"])) as client:
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("pattern", ["*.*.example.com", "a*.example.com", "*example.com", "example.*", "**"])
def test_bad_wildcard_patterns(pattern: str) -> None:
    with pytest.raises(AssertionError, match=ENFORCE_DOMAIN_WILDCARD.replace(".", r"\.").replace("*", r"\*")):
        TrustedHostMiddleware(make_app(), allowed_hosts=[pattern])
