from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import anyio
import itsdangerous
import pytest

from starlette_c.applications import Starlette
from starlette_c.datastructures import Secret
from starlette_c.middleware import Middleware
from starlette_c.middleware.sessions import Session, SessionMiddleware
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, Response
from starlette_c.routing import Mount, Route, WebSocketRoute
from starlette_c.types import Message, Receive, Scope, Send
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory


async def view_session(request: Request) -> Response:
    return JSONResponse({"session": request.session})


async def update_session(request: Request) -> Response:
    request.session.update(await request.json())
    return JSONResponse({"session": request.session})


async def clear_session(request: Request) -> Response:
    request.session.clear()
    return JSONResponse({"session": request.session})


async def untouched(request: Request) -> Response:
    return PlainTextResponse("untouched")


async def ws_session(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json(websocket.session)
    await websocket.close()


def make_app(**options: Any) -> Starlette:
    options.setdefault("secret_key", "example")
    return Starlette(
        routes=[
            Route("/view_session", view_session),
            Route("/update_session", update_session, methods=["POST"]),
            Route("/clear_session", clear_session, methods=["POST"]),
            Route("/untouched", untouched),
            WebSocketRoute("/ws", ws_session),
        ],
        middleware=[Middleware(SessionMiddleware, **options)],
    )


def signed(data: Any, secret: str = "example") -> str:
    payload = base64.b64encode(json.dumps(data).encode())
    return itsdangerous.TimestampSigner(secret).sign(payload).decode()


def test_session_round_trip(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    response = client.get("/view_session")
    assert response.json() == {"session": {}}
    assert response.headers["vary"] == "Cookie"
    assert "set-cookie" not in response.headers

    response = client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}
    cookie = response.headers["set-cookie"]
    assert re.fullmatch(r"session=[^;]+; path=/; Max-Age=1209600; httponly; samesite=lax", cookie)

    assert client.get("/view_session").json() == {"session": {"some": "data"}}
    unchanged = client.get("/view_session")
    assert "set-cookie" not in unchanged.headers

    response = client.post("/clear_session")
    assert response.json() == {"session": {}}
    assert response.headers["set-cookie"] == (
        "session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax"
    )
    assert client.get("/view_session").json() == {"session": {}}


def test_untouched_session_adds_nothing(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    client.post("/update_session", json={"a": 1})
    response = client.get("/untouched")
    assert "vary" not in response.headers
    assert "set-cookie" not in response.headers


def test_clearing_an_empty_session_sets_no_cookie(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    response = client.post("/clear_session")
    assert "set-cookie" not in response.headers
    assert response.headers["vary"] == "Cookie"


def test_cookie_options(test_client_factory: TestClientFactory) -> None:
    app = make_app(
        secret_key=Secret("example"),
        session_cookie="sid",
        max_age=None,
        path="/",
        same_site="strict",
        https_only=True,
        domain="example.com",
    )
    client = test_client_factory(app, base_url="https://example.com")
    response = client.post("/update_session", json={"a": 1})
    assert re.fullmatch(
        r"sid=[^;]+; path=/; httponly; samesite=strict; secure; domain=example\.com", response.headers["set-cookie"]
    )
    assert client.get("/view_session").json() == {"session": {"a": 1}}


def test_max_age_zero_is_emitted(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(max_age=0))
    response = client.post("/update_session", json={"a": 1})
    assert "; Max-Age=0;" in response.headers["set-cookie"]
    assert "Max-Age" not in test_client_factory(make_app(max_age=None)).post("/update_session", json={}).headers.get(
        "set-cookie", ""
    )


@pytest.mark.parametrize(
    ("options", "flags"),
    [
        ({"partitioned": True}, "httponly; samesite=lax; partitioned"),
        (
            {"partitioned": True, "https_only": True, "same_site": "none", "domain": "x.example"},
            "httponly; samesite=none; secure; domain=x.example; partitioned",
        ),
    ],
)
def test_partitioned_cookies(options: dict[str, Any], flags: str) -> None:
    middleware = SessionMiddleware(None, secret_key="example", **options)  # type: ignore[arg-type]
    assert middleware.security_flags == flags


def test_expired_session_is_empty(test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    client = test_client_factory(make_app(max_age=60))
    cookie = signed({"a": 1})
    client.cookies.set("session", cookie)
    assert client.get("/view_session").json() == {"session": {"a": 1}}

    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/view_session").json() == {"session": {}}


@pytest.mark.parametrize(
    "cookie",
    [
        "garbage",
        signed({"a": 1}, secret="other"),
        signed({"a": 1})[:-4],
        signed([1, 2]),
        signed("text"),
        itsdangerous.TimestampSigner("example").sign(b"!!notbase64").decode(),
        itsdangerous.TimestampSigner("example").sign(base64.b64encode(b"{nope")).decode(),
        itsdangerous.TimestampSigner("example").sign(base64.b64encode(b"\xff\xfe")).decode(),
    ],
)
def test_bad_cookies_give_an_empty_session(test_client_factory: TestClientFactory, cookie: str) -> None:
    client = test_client_factory(make_app())
    client.cookies.set("session", cookie)
    response = client.get("/view_session")
    assert response.status_code == 200
    assert response.json() == {"session": {}}
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("payload", [b"eyJhIjogMX0===", b"eyJhIjog*MX0="], ids=["extra-padding", "outside-alphabet"])
def test_a_signed_payload_is_decoded_leniently(test_client_factory: TestClientFactory, payload: bytes) -> None:
    client = test_client_factory(make_app())
    client.cookies.set("session", itsdangerous.TimestampSigner("example").sign(payload).decode())
    assert client.get("/view_session").json() == {"session": {"a": 1}}


def test_clearing_a_well_signed_empty_session_expires_its_cookie(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    client.cookies.set("session", signed({}))
    assert "set-cookie" not in client.get("/view_session").headers
    response = client.post("/clear_session")
    assert response.headers["set-cookie"].startswith("session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT")


def test_session_in_websocket(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    client.cookies.set("session", signed({"user": "bob"}))
    with client.websocket_connect("/ws") as websocket:
        assert websocket.receive_json() == {"user": "bob"}


def test_session_cookie_path_on_mount(test_client_factory: TestClientFactory) -> None:
    inner = make_app(path="/second")
    app = Starlette(routes=[Mount("/second", app=inner)])
    client = test_client_factory(app)
    response = client.post("/second/update_session", json={"a": 1})
    assert "path=/second;" in response.headers["set-cookie"]


def test_lifespan_passes_through(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(make_app()) as client:
        assert client.get("/untouched").text == "untouched"


def test_session_dict_tracks_reads_and_writes() -> None:
    session = Session({"a": 1, "b": 2, "c": 3})
    assert session["a"] == 1 and "b" in session
    assert not session.accessed and not session.modified
    session.mark_accessed()
    assert session.accessed and not session.modified

    operations = [
        lambda s: s.__setitem__("x", 1),
        lambda s: s.__delitem__("a"),
        lambda s: s.clear(),
        lambda s: s.pop("a", None),
        lambda s: s.pop("a"),
        lambda s: s.setdefault("new", 0),
        lambda s: s.update(z=1),
        lambda s: s.update(),
        lambda s: s.popitem(),
        lambda s: s.__ior__({"q": 1}),
    ]
    for operation in operations:
        fresh = Session({"a": 1})
        operation(fresh)
        assert fresh.accessed and fresh.modified
    unchanged = Session({"a": 1})
    assert unchanged.pop("missing", None) is None
    assert unchanged.setdefault("a", 0) == 1
    assert unchanged.get("a") == 1 and len(unchanged) == 1 and list(unchanged) == ["a"]
    assert not unchanged.accessed and not unchanged.modified
    empty = Session()
    with pytest.raises(KeyError):
        empty.popitem()
    assert not empty.modified
    merged = Session({"a": 1})
    merged |= {"b": 2}
    assert merged == {"a": 1, "b": 2} and merged.modified


def test_start_message_without_headers() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["session"]["user"] = "alice"
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body"})

    sent: list[Message] = []

    async def receive() -> Message:  # pragma: no cover (never read)
        return {}

    async def send(message: Message) -> None:
        sent.append(message)

    anyio.run(SessionMiddleware(app, secret_key="example"), {"type": "http", "headers": []}, receive, send)
    assert [name for name, _ in sent[0]["headers"]] == [b"vary", b"set-cookie"]


def run_session_app(app: SessionMiddleware, headers: list[tuple[bytes, bytes]]) -> tuple[Scope, list[Message]]:
    sent: list[Message] = []
    scope: Scope = {"type": "http", "headers": headers}

    async def receive() -> Message:  # pragma: no cover (never read)
        return {}

    async def send(message: Message) -> None:
        sent.append(message)

    anyio.run(app, scope, receive, send)
    return scope, sent


@pytest.mark.parametrize(
    ("cookie_headers", "expected"),
    [
        ([], {}),
        ([b"other=1"], {}),
        ([b"session={a}"], {"a": 1}),
        ([b"session={a}", b"other=1"], {"a": 1}),
        ([b"session={a}", b"x=1; session={b}"], {"b": 2}),
        ([b"session={b}; session={a}"], {"a": 1}),
    ],
)
def test_session_cookie_among_several_cookie_headers(cookie_headers: list[bytes], expected: dict[str, int]) -> None:
    """As with the merged cookies of all Cookie headers: the last session cookie wins, other cookies don't matter."""
    values = {"a": signed({"a": 1}).encode(), "b": signed({"b": 2}).encode()}
    headers = [(b"host", b"example.org")] + [
        (b"cookie", header.replace(b"{a}", values["a"]).replace(b"{b}", values["b"])) for header in cookie_headers
    ]

    async def app(scope: Scope, receive: Receive, send: Send) -> None: ...

    scope, _ = run_session_app(SessionMiddleware(app, secret_key="example"), headers)
    assert scope["session"] == expected


def test_response_headers_edited_only_when_the_session_was_used() -> None:
    """An untouched session leaves the start message as sent; a read one gets Vary in a copy of its headers."""
    response_headers = [(b"content-length", b"0"), (b"vary", b"Accept-Encoding")]
    read = False

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if read:
            scope["session"].mark_accessed()
        await send({"type": "http.response.start", "status": 200, "headers": response_headers})
        await send({"type": "http.response.body"})

    _, (start, _) = run_session_app(SessionMiddleware(app, secret_key="example"), [])
    assert start["headers"] is response_headers
    read = True
    _, (start, _) = run_session_app(SessionMiddleware(app, secret_key="example"), [])
    assert start["headers"] == [(b"content-length", b"0"), (b"vary", b"Accept-Encoding, Cookie")]
    assert response_headers == [(b"content-length", b"0"), (b"vary", b"Accept-Encoding")]


def test_exceptions_propagate() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        scope["session"]["user"] = "alice"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run_session_app(SessionMiddleware(failing, secret_key="example"), [])

    async def unserializable(scope: Scope, receive: Receive, send: Send) -> None:
        scope["session"]["user"] = object()
        await send({"type": "http.response.start", "status": 200, "headers": []})

    with pytest.raises(TypeError, match="not JSON serializable"):
        run_session_app(SessionMiddleware(unserializable, secret_key="example"), [])
