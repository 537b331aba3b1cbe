"""``RequestBodyLimitMiddleware`` and ``RequestBodyLimitResponder``: counting, nesting, and what they leave alone."""

from __future__ import annotations

from typing import Any

import pytest

from starlette_c.applications import Starlette
from starlette_c.exceptions import HTTPException
from starlette_c.middleware.body_limit import (
    _BODY_LIMIT_RESPONDER_SCOPE_KEY,
    MAX_BODY_SIZE_SCOPE_KEY,
    RequestBodyLimitMiddleware,
    RequestBodyLimitResponder,
    _RequestBodyLimitResponseSent,
    _RequestBodyTooLarge,
)
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse
from starlette_c.routing import Mount, Route
from starlette_c.types import Message, Receive, Scope, Send
from tests.conftest import TestClientFactory


def http_scope(headers: list[tuple[bytes, bytes]] | None = None, **extra: Any) -> Scope:
    return {"type": "http", "method": "POST", "path": "/", "headers": headers or [], **extra}


class Wire:
    """A server end: body chunks to deliver, the messages the app sent."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        if not self.chunks:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": self.chunks.pop(0), "more_body": bool(self.chunks)}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int | None:
        return next((m["status"] for m in self.sent if m["type"] == "http.response.start"), None)


def test_the_errors() -> None:
    error = _RequestBodyTooLarge()
    assert isinstance(error, HTTPException) and (error.status_code, error.detail) == (413, "Content Too Large")
    assert issubclass(_RequestBodyLimitResponseSent, Exception)
    assert not issubclass(_RequestBodyLimitResponseSent, HTTPException)


@pytest.mark.anyio
async def test_counts_every_chunk_and_keeps_raising() -> None:
    errors: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for _ in range(3):
            try:
                await receive()
            except _RequestBodyTooLarge as exc:
                errors.append(exc.detail)
        await PlainTextResponse("ok")(scope, receive, send)

    wire = Wire(b"xx", b"xx", b"x")
    await RequestBodyLimitMiddleware(app, 3)(http_scope(), wire.receive, wire.send)
    assert errors == ["Content Too Large", "Content Too Large"] and wire.status == 200


@pytest.mark.anyio
async def test_the_scope_carries_the_limit_only_while_the_request_is_served() -> None:
    seen: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope[MAX_BODY_SIZE_SCOPE_KEY], type(scope[_BODY_LIMIT_RESPONDER_SCOPE_KEY])))
        await RequestBodyLimitMiddleware(inner, 50)(scope, receive, send)
        seen.append(scope[MAX_BODY_SIZE_SCOPE_KEY])
        await PlainTextResponse("ok")(scope, receive, send)

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope[MAX_BODY_SIZE_SCOPE_KEY])

    scope = http_scope()
    wire = Wire(b"x" * 10)
    await RequestBodyLimitMiddleware(app, 3)(scope, wire.receive, wire.send)
    # NOTE: an inner limit stays in force once met (as in the reference): it is not restored on the way out.
    assert seen == [(3, RequestBodyLimitResponder), 50, 50]
    assert MAX_BODY_SIZE_SCOPE_KEY not in scope and _BODY_LIMIT_RESPONDER_SCOPE_KEY not in scope
    # A limit the caller's scope already held is put back, not dropped.
    scope = {**http_scope(), MAX_BODY_SIZE_SCOPE_KEY: 1000}
    await RequestBodyLimitMiddleware(inner, 3)(scope, Wire(b"").receive, Wire(b"").send)
    assert seen[-1] == 3 and scope[MAX_BODY_SIZE_SCOPE_KEY] == 1000


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
async def test_other_connections_pass_untouched(kind: str) -> None:
    calls: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append((sorted(scope), receive, send))

    wire = Wire()
    await RequestBodyLimitMiddleware(app, 0)({"type": kind}, wire.receive, wire.send)
    assert calls == [(["type"], wire.receive, wire.send)]


@pytest.mark.anyio
async def test_nothing_follows_the_413_sent_in_place_of_a_response() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        except _RequestBodyLimitResponseSent:
            await send({"type": "http.response.body", "body": b"late"})
            raise

    wire = Wire(b"x")
    await RequestBodyLimitMiddleware(app, 3)(http_scope([(b"content-length", b"9")]), wire.receive, wire.send)
    assert [m.get("body") for m in wire.sent] == [None, b"Content Too Large"] and wire.status == 413


@pytest.mark.anyio
async def test_a_disconnect_is_passed_on_uncounted() -> None:
    messages: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        messages.extend([await receive(), await receive()])
        await PlainTextResponse("ok")(scope, receive, send)

    wire = Wire(b"abc")
    await RequestBodyLimitMiddleware(app, 3)(http_scope(), wire.receive, wire.send)
    assert [m["type"] for m in messages] == ["http.request", "http.disconnect"] and wire.status == 200


@pytest.mark.anyio
async def test_a_response_started_before_the_overflow_is_not_replaced() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await receive()

    wire = Wire(b"xxxx")
    with pytest.raises(_RequestBodyTooLarge):
        await RequestBodyLimitMiddleware(app, 3)(http_scope(), wire.receive, wire.send)
    assert [m["type"] for m in wire.sent] == ["http.response.start"]


def test_through_the_test_client(test_client_factory: TestClientFactory) -> None:
    async def upload(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    app = Starlette(
        routes=[
            Route("/", upload, methods=["POST"]),
            Route("/upload", upload, methods=["POST"], max_body_size=100),
            Mount("/tiny", routes=[Route("/", upload, methods=["POST"])], max_body_size=1),
        ],
        max_body_size=10,
    )
    client = test_client_factory(app)
    assert client.post("/", content=b"x" * 10).text == "10"
    refused = client.post("/", content=b"x" * 11)
    assert (refused.status_code, refused.text) == (413, "Content Too Large")
    assert client.post("/upload", content=b"x" * 100).text == "100"
    assert client.post("/upload", content=b"x" * 101).status_code == 413
    assert client.post("/tiny/", content=b"xx").status_code == 413

    def chunks() -> Any:
        yield b"x" * 6
        yield b"x" * 6

    assert client.post("/", content=chunks()).status_code == 413
