from __future__ import annotations

import re

import anyio
import pytest

from starlette_c.applications import Starlette
from starlette_c.datastructures import Headers, MutableHeaders
from starlette_c.middleware import Middleware
from starlette_c.middleware.cors import ALL_METHODS, SAFELISTED_HEADERS, CORSMiddleware
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.routing import Route, WebSocketRoute
from starlette_c.types import Message, Receive, Scope, Send
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory

SAFE = "Accept, Accept-Language, Content-Language, Content-Type"
PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
)


async def homepage(request: Request) -> Response:
    return PlainTextResponse("Homepage", headers={"vary": "Accept-Encoding"} if "vary" in request.query_params else {})


async def ws_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(websocket.headers.get("origin", ""))
    await websocket.close()


class OverriddenSendCORSMiddleware(CORSMiddleware):
    """Overrides ``send`` by delegation: simple requests must answer the same through a subclass."""

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        await super().send(message, send, request_headers)


@pytest.fixture(params=[CORSMiddleware, OverriddenSendCORSMiddleware], ids=["stock", "overridden-send"])
def cors_class(request: pytest.FixtureRequest) -> type[CORSMiddleware]:
    """The stock middleware and a subclass overriding ``send``: same answers."""
    cls: type[CORSMiddleware] = request.param
    return cls


def make_app(cors_class: type[CORSMiddleware] = CORSMiddleware, **options: object) -> Starlette:
    return Starlette(
        routes=[Route("/", homepage, methods=["GET", "POST", "OPTIONS"]), WebSocketRoute("/ws", ws_endpoint)],
        middleware=[Middleware(cors_class, **options)],  # type: ignore[arg-type]
    )


def preflight(origin: str = "https://example.org", method: str = "GET", **extra: str) -> dict[str, str]:
    return {"origin": origin, "access-control-request-method": method, **extra}


def test_constants() -> None:
    assert ALL_METHODS == ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
    assert {"Accept", "Accept-Language", "Content-Language", "Content-Type"} == SAFELISTED_HEADERS


def test_configuration_attributes() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None: ...  # pragma: no cover (never called)

    cors = CORSMiddleware(app, allow_origins=["*"], allow_headers=["X-B", "x-a"], allow_methods=["*"], max_age=5)
    assert cors.allow_all_origins and not cors.allow_all_headers
    assert cors.allow_methods == ALL_METHODS
    assert cors.allow_headers == ["accept", "accept-language", "content-language", "content-type", "x-b", "x-a"]
    assert cors.preflight_explicit_allow_origin is False
    assert cors.simple_headers == {"Access-Control-Allow-Origin": "*"}
    assert cors.preflight_headers == {
        "Vary": PREFLIGHT_VARY,
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": ", ".join(ALL_METHODS),
        "Access-Control-Max-Age": "5",
        "Access-Control-Allow-Headers": SAFE + ", X-B, x-a",
    }
    regex = CORSMiddleware(app, allow_origin_regex=r"https://.*\.example\.org")
    assert isinstance(regex.allow_origin_regex, re.Pattern)
    assert regex.preflight_explicit_allow_origin is True


def test_allow_all_preflight_and_simple(
    test_client_factory: TestClientFactory, cors_class: type[CORSMiddleware]
) -> None:
    client = test_client_factory(
        make_app(cors_class, allow_origins=["*"], allow_headers=["*"], allow_methods=["*"], expose_headers=["X-Status"])
    )
    response = client.options("/", headers=preflight(**{"access-control-request-headers": "X-Example, X-Other"}))
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-headers"] == "X-Example, X-Other"
    assert response.headers["access-control-allow-methods"] == ", ".join(ALL_METHODS)
    assert response.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["vary"] == PREFLIGHT_VARY

    response = client.get("/", headers={"origin": "https://example.org"})
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == "X-Status"
    assert response.headers["vary"] == "Origin"

    response = client.get("/", headers={"origin": "https://example.org", "cookie": "a=b"})
    assert response.headers["access-control-allow-origin"] == "*"

    response = client.get("/")
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


def test_credentials_echo_the_origin(test_client_factory: TestClientFactory, cors_class: type[CORSMiddleware]) -> None:
    client = test_client_factory(
        make_app(cors_class, allow_origins=["*"], allow_headers=["*"], allow_methods=["*"], allow_credentials=True)
    )
    response = client.options("/", headers=preflight(**{"access-control-request-headers": "X-Example"}))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == PREFLIGHT_VARY

    response = client.get("/", params={"vary": "1"}, headers={"origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Accept-Encoding, Origin"


def test_specific_origins(test_client_factory: TestClientFactory, cors_class: type[CORSMiddleware]) -> None:
    client = test_client_factory(
        make_app(
            cors_class, allow_origins=["https://example.org"], allow_headers=["X-Example", "Content-Type"], max_age=42
        )
    )
    response = client.options("/", headers=preflight(**{"access-control-request-headers": " x-example , Accept"}))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-headers"] == SAFE + ", X-Example"
    assert response.headers["access-control-max-age"] == "42"
    assert response.headers["vary"] == PREFLIGHT_VARY

    response = client.get("/", headers={"origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["vary"] == "Origin"

    response = client.get("/", headers={"origin": "https://other.org"})
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


@pytest.mark.parametrize(
    ("headers", "text"),
    [
        (preflight(origin="https://evil.org"), "Disallowed CORS origin"),
        (preflight(method="PUT"), "Disallowed CORS method"),
        (preflight(method="get"), "Disallowed CORS method"),
        (preflight(**{"access-control-request-headers": "X-Nope"}), "Disallowed CORS headers"),
        (preflight(**{"access-control-request-headers": ""}), "Disallowed CORS headers"),
        (preflight(**{"access-control-request-private-network": "true"}), "Disallowed CORS private-network"),
        (
            preflight(origin="null", method="DELETE", **{"access-control-request-headers": "a,b"}),
            "Disallowed CORS origin, method, headers",
        ),
    ],
)
def test_preflight_failures(test_client_factory: TestClientFactory, headers: dict[str, str], text: str) -> None:
    client = test_client_factory(make_app(allow_origins=["https://example.org"]))
    response = client.options("/", headers=headers)
    assert response.status_code == 400
    assert response.text == text
    assert response.headers["vary"] == PREFLIGHT_VARY
    if "origin" not in text:
        assert response.headers["access-control-allow-origin"] == "https://example.org"


def test_private_network(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(allow_origins=["https://example.org"], allow_private_network=True))
    response = client.options("/", headers=preflight(**{"access-control-request-private-network": "true"}))
    assert response.status_code == 200
    assert response.headers["access-control-allow-private-network"] == "true"
    response = client.options("/", headers=preflight())
    assert "access-control-allow-private-network" not in response.headers


def test_origin_regex_is_a_full_match(test_client_factory: TestClientFactory, cors_class: type[CORSMiddleware]) -> None:
    client = test_client_factory(make_app(cors_class, allow_origin_regex=r"https://[a-z]+\.example\.org"))
    for origin in ("https://api.example.org", "https://www.example.org"):
        assert client.get("/", headers={"origin": origin}).headers["access-control-allow-origin"] == origin
        assert client.options("/", headers=preflight(origin=origin)).status_code == 200
    for origin in ("https://api.example.org.evil.com", "xhttps://api.example.org", "https://a.b.example.org"):
        assert "access-control-allow-origin" not in client.get("/", headers={"origin": origin}).headers
        assert client.options("/", headers=preflight(origin=origin)).text == "Disallowed CORS origin"


def test_non_preflight_options_and_no_origin_pass_through(
    test_client_factory: TestClientFactory, cors_class: type[CORSMiddleware]
) -> None:
    client = test_client_factory(make_app(cors_class, allow_origins=["https://example.org"]))
    assert client.options("/").text == "Homepage"
    response = client.options("/", headers={"origin": "https://example.org"})
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert client.options("/", headers={"access-control-request-method": "GET"}).text == "Homepage"


def test_websocket_passes_through(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(allow_origins=["https://example.org"]))
    with client.websocket_connect("/ws", headers={"origin": "https://evil.org"}) as websocket:
        assert websocket.receive_text() == "https://evil.org"


def test_headers_start_message_without_headers_key(
    test_client_factory: TestClientFactory, cors_class: type[CORSMiddleware]
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body"})

    client = test_client_factory(cors_class(app, allow_origins=["*"]))
    response = client.get("/", headers={"origin": "https://example.org"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"


def drive(app: CORSMiddleware, headers: list[tuple[bytes, bytes]], start: Message) -> list[Message]:
    """The messages ``app`` sends for a GET with ``headers`` when the inner app sends ``start`` and an empty body."""
    sent: list[Message] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start)
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}  # pragma: no cover (never called)

    async def send(message: Message) -> None:
        sent.append(message)

    app.app = inner
    anyio.run(app, {"type": "http", "method": "GET", "path": "/", "headers": headers}, receive, send)
    return sent


def test_response_headers_are_set_not_appended(cors_class: type[CORSMiddleware]) -> None:
    """Allow-Origin replaces the app's (first position, later duplicates dropped); every Vary merges into the first."""
    app = cors_class(homepage, allow_origins=["https://example.org"], expose_headers=["X-A"])  # type: ignore[arg-type]
    raw = (
        (b"access-control-allow-origin", b"https://app.example"),
        (b"vary", b"Accept-Encoding"),
        (b"access-control-expose-headers", b"X-Old"),
        (b"access-control-allow-origin", b"*"),
        (b"vary", b"Cookie"),
    )
    start, _ = drive(app, [(b"origin", b"https://example.org")], {"type": "http.response.start", "headers": raw})
    assert start["headers"] == [
        (b"access-control-allow-origin", b"https://example.org"),
        (b"vary", b"Accept-Encoding, Cookie, Origin"),
        (b"access-control-expose-headers", b"X-A"),
    ]


def test_the_first_origin_header_counts(cors_class: type[CORSMiddleware]) -> None:
    app = cors_class(homepage, allow_origins=["https://example.org"])  # type: ignore[arg-type]
    headers = [(b"host", b"a"), (b"origin", b"https://example.org"), (b"origin", b"https://evil.org")]
    start, _ = drive(app, headers, {"type": "http.response.start", "headers": []})
    assert start["headers"] == [(b"access-control-allow-origin", b"https://example.org"), (b"vary", b"Origin")]
    start, _ = drive(app, headers[::-1], {"type": "http.response.start", "headers": []})
    assert start["headers"] == [(b"vary", b"Origin")]


def test_responses_without_origin_vary_by_origin() -> None:
    app = CORSMiddleware(homepage, allow_origins=["https://example.org"])  # type: ignore[arg-type]
    start, _ = drive(app, [], {"type": "http.response.start", "headers": ((b"vary", b"Cookie"),)})
    assert start["headers"] == [(b"vary", b"Cookie, Origin")]
    start, _ = drive(app, [], {"type": "http.response.start"})
    assert start["headers"] == [(b"vary", b"Origin")]


def test_query_method_and_collections(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(allow_origins={"https://example.org"}, allow_methods=frozenset(["*"])))
    response = client.options("/", headers=preflight(method="QUERY"))
    assert response.status_code == 200
    assert "QUERY" in response.headers["access-control-allow-methods"]
    client = test_client_factory(make_app(allow_origins=("https://example.org",), allow_methods={"GET"}))
    assert client.options("/", headers=preflight(method="QUERY")).text == "Disallowed CORS method"


def test_a_reused_response_keeps_its_own_headers(
    test_client_factory: TestClientFactory, cors_class: type[CORSMiddleware]
) -> None:
    """The CORS headers go into a copy of the start message's headers, not into the response's list."""
    shared = PlainTextResponse("shared")

    async def endpoint(request: Request) -> Response:
        return shared

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(cors_class, allow_origins=["*"])])
    client = test_client_factory(app)
    for origin in ("https://a.example", "https://b.example"):
        response = client.get("/", headers={"origin": origin})
        assert response.headers.get_list("access-control-allow-origin") == ["*"]
    assert shared.headers.get("access-control-allow-origin") is None


def test_overridden_hooks_are_called(test_client_factory: TestClientFactory) -> None:
    calls: list[str] = []

    class Custom(CORSMiddleware):
        def is_allowed_origin(self, origin: str) -> bool:
            calls.append("is_allowed_origin " + origin)
            return origin.endswith(".example")

    class CustomExplicitOrigin(Custom):
        @staticmethod
        def allow_explicit_origin(headers: MutableHeaders, origin: str) -> None:
            calls.append("allow_explicit_origin " + origin)
            headers["Access-Control-Allow-Origin"] = origin.upper()

    class CustomSimpleResponse(Custom):
        async def simple_response(self, scope: Scope, receive: Receive, send: Send, request_headers: Headers) -> None:
            calls.append("simple_response " + request_headers["origin"])
            await super().simple_response(scope, receive, send, request_headers)

    allowed = "is_allowed_origin https://a.example"
    for cls, expected_origin, expected_calls in [
        (Custom, "https://a.example", [allowed]),
        (CustomExplicitOrigin, "HTTPS://A.EXAMPLE", [allowed, "allow_explicit_origin https://a.example"]),
        (CustomSimpleResponse, "https://a.example", ["simple_response https://a.example", allowed]),
    ]:
        calls.clear()
        client = test_client_factory(make_app(cls, allow_origins=["https://b.example"]))
        response = client.get("/", headers={"origin": "https://a.example"})
        assert response.headers["access-control-allow-origin"] == expected_origin
        assert calls == expected_calls


def test_an_overridden_is_allowed_origin_refusing_leaves_only_vary(test_client_factory: TestClientFactory) -> None:
    asked: list[str] = []

    class Refusing(CORSMiddleware):
        def is_allowed_origin(self, origin: str) -> bool:
            asked.append(origin)
            return False

    client = test_client_factory(make_app(Refusing, allow_origins=["https://a.example"], allow_credentials=True))
    response = client.get("/", headers={"origin": "https://a.example"})
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Origin"
    assert asked == ["https://a.example"]


def test_a_credentialed_wildcard_answers_with_the_one_origin(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(CORSMiddleware, allow_origins=["*"], allow_credentials=True))
    response = client.get("/", headers={"origin": "https://a.example"})
    assert response.headers.get_list("access-control-allow-origin") == ["https://a.example"]
    assert response.headers.get_list("vary") == ["Origin"]


def test_an_overridden_send_is_called_for_each_message(test_client_factory: TestClientFactory) -> None:
    kinds: list[str] = []

    class Counting(CORSMiddleware):
        async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
            kinds.append(message["type"])
            await super().send(message, send, request_headers)

    client = test_client_factory(make_app(Counting, allow_origins=["https://a.example"]))
    response = client.get("/", headers={"origin": "https://a.example"})
    assert response.headers["access-control-allow-origin"] == "https://a.example"
    assert response.headers["vary"] == "Origin"
    assert kinds == ["http.response.start", "http.response.body"]


def test_overridden_simple_response_and_send_see_requests_without_an_origin(
    test_client_factory: TestClientFactory,
) -> None:
    calls: list[str] = []

    class Custom(CORSMiddleware):
        async def simple_response(self, scope: Scope, receive: Receive, send: Send, request_headers: Headers) -> None:
            calls.append(f"simple_response {request_headers.get('origin')}")
            await super().simple_response(scope, receive, send, request_headers)

        async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
            calls.append(message["type"])
            await super().send(message, send, request_headers)

    client = test_client_factory(make_app(Custom, allow_origins=["*"], expose_headers=["X-E"]))
    response = client.get("/")
    assert response.text == "Homepage"
    assert response.headers["vary"] == "Origin"
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-expose-headers" not in response.headers
    assert calls == ["simple_response None", "http.response.start", "http.response.body"]

    calls.clear()
    response = client.options("/", headers={"access-control-request-method": "GET"})
    assert response.text == "Homepage"
    assert calls == ["simple_response None", "http.response.start", "http.response.body"]


def test_a_send_set_on_the_instance_sees_requests_without_an_origin(test_client_factory: TestClientFactory) -> None:
    middleware = CORSMiddleware(PlainTextResponse("Homepage"), allow_origins=["https://a.example"])
    stock_send = middleware.send
    seen: list[str | None] = []

    async def send(message: Message, send: Send, request_headers: Headers) -> None:
        seen.append(request_headers.get("origin"))
        await stock_send(message, send, request_headers)

    middleware.send = send  # type: ignore[method-assign]
    response = test_client_factory(middleware).get("/")
    assert response.headers["vary"] == "Origin"
    assert seen == [None, None]


def test_allow_explicit_origin_sets_the_origin_and_varies_by_it() -> None:
    headers = MutableHeaders(raw=[(b"vary", b"Accept-Encoding")])
    CORSMiddleware.allow_explicit_origin(headers, "https://a.example")
    assert headers.raw == [
        (b"vary", b"Accept-Encoding, Origin"),
        (b"access-control-allow-origin", b"https://a.example"),
    ]
