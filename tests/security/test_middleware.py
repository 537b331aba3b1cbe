"""Hostile input against the bundled middleware: one regression test per relevant advisory or hardening fix."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import anyio
import itsdangerous
import pytest

from starlette_c.middleware.cors import CORSMiddleware
from starlette_c.middleware.gzip import GZipMiddleware
from starlette_c.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette_c.middleware.sessions import SessionMiddleware
from starlette_c.middleware.trustedhost import TrustedHostMiddleware
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send
from tests.differential.harness import Outcome, Req, run_app


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("hello")(scope, receive, send)


async def bounded(app: ASGIApp, req: Req) -> Outcome:
    with anyio.fail_after(5):
        return await run_app(app, req)


def call(app: ASGIApp, req: Req) -> Outcome:
    return anyio.run(bounded, app, req)


def header(outcome: Outcome, name: bytes) -> bytes | None:
    return next((value for key, value in outcome.headers if key == name), None)


# Host matching is case-insensitive (hardening fix; the reference compares the raw header).
@pytest.mark.parametrize("host", [b"EXAMPLE.COM", b"Example.Com:8000", b"API.Example.com", b"api.EXAMPLE.com"])
def test_trusted_host_matching_is_case_insensitive(host: bytes) -> None:
    app = TrustedHostMiddleware(hello, allowed_hosts=["example.com", "*.Example.com"])
    assert call(app, Req(headers=[(b"host", host)])).status == 200


@pytest.mark.parametrize(
    "host",
    [
        b"example.com.evil.com",
        b"evilexample.com",
        b"example.com@evil.com",
        b"example.com:80@evil.com",
        b"example.com:abc",
        b"example.com:80/x",
        b"evil.com#example.com",
        b"",
        b" ",
        b"x" * 65536,
    ],
)
def test_trusted_host_refuses_odd_hosts(host: bytes) -> None:
    outcome = call(
        TrustedHostMiddleware(hello, allowed_hosts=["example.com", "*.example.com"]), Req(headers=[(b"host", host)])
    )
    assert (outcome.status, outcome.body) == (400, b"Invalid host header")


# CORS echoes the explicit origin, never "*", when credentials are allowed (hardening fix).
@pytest.mark.parametrize("cookie", [[], [(b"cookie", b"sid=1")]])
def test_cors_credentials_never_answer_star(cookie: list[tuple[bytes, bytes]]) -> None:
    app = CORSMiddleware(hello, allow_origins=["*"], allow_credentials=True)
    simple = call(app, Req(headers=[(b"origin", b"https://a.example"), *cookie]))
    assert header(simple, b"access-control-allow-origin") == b"https://a.example"
    assert header(simple, b"access-control-allow-credentials") == b"true"
    assert header(simple, b"vary") == b"Origin"
    preflight = call(
        app,
        Req(method="OPTIONS", headers=[(b"origin", b"https://a.example"), (b"access-control-request-method", b"GET")]),
    )
    assert header(preflight, b"access-control-allow-origin") == b"https://a.example"
    assert header(preflight, b"vary") == (
        b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
    )


@pytest.mark.parametrize(
    "origin",
    [
        b"null",
        b"https://example.org.evil.com",
        b"https://evil.com/https://example.org",
        b"https://example.org\x00",
        b"",
    ],
)
def test_cors_hostile_origins_get_no_grant(origin: bytes) -> None:
    app = CORSMiddleware(
        hello, allow_origins=["https://example.org"], allow_origin_regex=r"https://[a-z]+\.example\.org"
    )
    simple = call(app, Req(headers=[(b"origin", origin)]))
    assert header(simple, b"access-control-allow-origin") is None
    preflight = call(
        app, Req(method="OPTIONS", headers=[(b"origin", origin), (b"access-control-request-method", b"GET")])
    )
    assert preflight.status == 400
    assert header(preflight, b"access-control-allow-origin") is None


def test_cors_huge_request_headers_are_refused_quickly() -> None:
    requested = b",".join(b"x-h%d" % i for i in range(50_000))
    app = CORSMiddleware(hello, allow_origins=["https://example.org"])
    req = Req(
        method="OPTIONS",
        headers=[
            (b"origin", b"https://example.org"),
            (b"access-control-request-method", b"GET"),
            (b"access-control-request-headers", requested),
        ],
    )
    outcome = call(app, req)
    assert (outcome.status, outcome.body) == (400, b"Disallowed CORS headers")


async def show_session(scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse(Request(scope, receive).session)(scope, receive, send)


def session_cookie(value: bytes) -> Req:
    return Req(headers=[(b"cookie", b"session=" + value)])


def signed(payload: bytes, key: str = "secret") -> bytes:
    return itsdangerous.TimestampSigner(key).sign(payload)


GOOD = signed(base64.b64encode(b'{"user": "alice"}'))


@pytest.mark.parametrize(
    "cookie",
    [
        b"forged",
        GOOD[:-1],
        GOOD[:10],
        base64.b64encode(b'{"user": "admin"}') + GOOD[GOOD.index(b".") :],
        signed(base64.b64encode(b'{"user": "admin"}'), key="guessed"),
        base64.b64encode(b'{"user": "admin"}'),
        b"\xff\xfe",
        b"A" * 100_000,
    ],
)
def test_forged_or_truncated_session_cookies_are_ignored(cookie: bytes) -> None:
    outcome = call(SessionMiddleware(show_session, secret_key="secret"), session_cookie(cookie))
    assert (outcome.status, outcome.body) == (200, b"{}")
    assert header(outcome, b"set-cookie") is None


@pytest.mark.parametrize("payload", [b"[1, 2]", b'"text"', b"{nope", b"\xff\xfe", b"[" * 100_000, b"null"])
def test_validly_signed_garbage_is_an_empty_session(payload: bytes) -> None:
    # NOTE: the reference lets these escape as a 500; a signed but unreadable session is simply empty here.
    outcome = call(
        SessionMiddleware(show_session, secret_key="secret"), session_cookie(signed(base64.b64encode(payload)))
    )
    assert (outcome.status, outcome.body, outcome.exception) == (200, b"{}", None)


def test_session_cookie_is_always_http_only() -> None:
    async def login(scope: Scope, receive: Receive, send: Send) -> None:
        Request(scope, receive).session["user"] = "alice"
        await PlainTextResponse("ok")(scope, receive, send)

    outcome = call(SessionMiddleware(login, secret_key="secret", same_site="none", https_only=True), Req())
    cookie = header(outcome, b"set-cookie")
    assert cookie is not None
    assert b"; httponly;" in cookie and cookie.endswith(b"; secure")


# GHSA-86qp-5c8j-p5mr / GHSA-jp82-jpqv-5vv3: a malformed Host or request target cannot steer redirects elsewhere.
@pytest.mark.parametrize(
    ("path", "host"),
    [
        ("@evil.com", b"testserver"),
        ("//evil.com/x", b"testserver"),
        ("\\evil.com", b"testserver"),
        ("/", b"testserver@evil.com"),
        ("/", b"evil.com/x?"),
        ("/", b"testserver#@evil.com"),
    ],
)
def test_https_redirect_cannot_be_steered(path: str, host: bytes) -> None:
    outcome = call(HTTPSRedirectMiddleware(hello), Req(path=path, headers=[(b"host", host)]))
    assert outcome.status == 307
    location = header(outcome, b"location")
    assert location is not None
    assert urlsplit(location.decode()).hostname == "testserver"


@pytest.mark.parametrize("path", ["@evil.com", "//evil.com/x", "\\evil.com"])
def test_www_redirect_cannot_be_steered(path: str) -> None:
    app = TrustedHostMiddleware(hello, allowed_hosts=["www.example.com"])
    outcome = call(app, Req(path=path, headers=[(b"host", b"example.com")]))
    location = header(outcome, b"location")
    assert location is not None
    assert urlsplit(location.decode()).hostname == "www.example.com"


def test_gzip_streams_without_buffering_the_whole_body() -> None:
    produced: list[int] = []
    sent_while_producing: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for index in range(64):
            produced.append(index)
            yield bytes(range(256)) * 1024

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await StreamingResponse(chunks())(scope, receive, send)

    async def main() -> None:
        async def receive() -> Message:  # pragma: no cover (never read)
            await anyio.sleep_forever()
            return {}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.body" and message["body"]:
                sent_while_producing.append(len(produced))

        scope: dict[str, Any] = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "headers": [(b"accept-encoding", b"gzip")],
        }
        await GZipMiddleware(app, compresslevel=1)(scope, receive, send)

    anyio.run(main)
    assert sent_while_producing and sent_while_producing[0] < 64


# 1.7 (#3472): a malformed or empty Host never yields a redirect without an authority ("https:///...").
@pytest.mark.parametrize(
    "host",
    [
        b"",
        b" ",
        b":",
        b":80",
        b"[",
        b"[]",
        b"[::1",
        b"a b",
        b"example.com:",
        b"example.com:x",
        b"\xff",
        b"[fe80::1%25x]",
    ],
)
@pytest.mark.parametrize("server", [("fallback.example", 80), None])
def test_https_redirect_never_loses_its_authority(host: bytes, server: tuple[str, int] | None) -> None:
    outcome = call(HTTPSRedirectMiddleware(hello), Req(headers=[(b"host", host)], server=server))
    if server is None:
        assert (outcome.status, outcome.body) == (400, b"Invalid host header")
        return
    location = header(outcome, b"location")
    assert outcome.status == 307 and location is not None
    assert urlsplit(location.decode()).hostname == "fallback.example"


def test_gzip_never_holds_a_response_start_it_cannot_encode() -> None:
    """1.8: an excluded (here: already compressed) response leaves at once, so a slow body cannot stall it."""
    started = anyio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"video/mp4")]})
        with anyio.fail_after(5):
            await started.wait()
        await send({"type": "http.response.body", "body": b"v" * 1000})

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            started.set()

    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/", "headers": [(b"accept-encoding", b"gzip")]}
    anyio.run(GZipMiddleware(app), scope, None, send)  # type: ignore[arg-type]
    assert started.is_set()
