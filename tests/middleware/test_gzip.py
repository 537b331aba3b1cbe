from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from starlette_c.applications import Starlette
from starlette_c.background import BackgroundTask
from starlette_c.datastructures import MutableHeaders
from starlette_c.middleware import Middleware
from starlette_c.middleware.gzip import (
    DEFAULT_EXCLUDED_CONTENT_TYPES,
    GZipMiddleware,
    GZipResponder,
    IdentityResponder,
)
from starlette_c.requests import Request
from starlette_c.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from starlette_c.routing import Route
from starlette_c.types import Message, Receive, Scope, Send
from tests.conftest import TestClientFactory


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def make_app(endpoint: Response, **options: Any) -> Starlette:
    async def view(request: Request) -> Response:
        return endpoint

    return Starlette(routes=[Route("/", view)], middleware=[Middleware(GZipMiddleware, **options)])


def test_public_names() -> None:
    assert DEFAULT_EXCLUDED_CONTENT_TYPES == (
        "application/grpc",
        "application/gzip",
        "application/x-gzip",
        "application/zip",
        "audio/*",
        "font/woff",
        "font/woff2",
        "image/avif",
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/webp",
        "text/event-stream",
        "video/*",
    )
    assert issubclass(GZipResponder, IdentityResponder)
    assert GZipResponder.content_encoding == "gzip"
    assert IdentityResponder.content_encoding == "identity"


def test_compresses_large_responses(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(PlainTextResponse("x" * 4000, headers={"vary": "Cookie"})))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.text == "x" * 4000
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Cookie, Accept-Encoding"
    assert int(response.headers["content-length"]) < 4000


def test_identity_when_gzip_not_accepted(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(PlainTextResponse("x" * 4000)))
    response = client.get("/", headers={"accept-encoding": "br"})
    assert response.text == "x" * 4000
    assert "content-encoding" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-length"] == "4000"


@pytest.mark.parametrize("minimum_size", [500, 11])
def test_small_responses_untouched(test_client_factory: TestClientFactory, minimum_size: int) -> None:
    client = test_client_factory(make_app(PlainTextResponse("x" * 10), minimum_size=minimum_size))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.text == "x" * 10
    assert "content-encoding" not in response.headers
    assert "vary" not in response.headers
    assert response.headers["content-length"] == "10"


def test_streaming_response(test_client_factory: TestClientFactory) -> None:
    endpoint = StreamingResponse(chunks(b"a" * 10, b"", b"b" * 2000), headers={"content-length": "2010"})
    client = test_client_factory(make_app(endpoint))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.content == b"a" * 10 + b"b" * 2000
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert "content-length" not in response.headers


def test_streaming_identity(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(StreamingResponse(chunks(b"a", b"b"))))
    response = client.get("/", headers={"accept-encoding": "identity"})
    assert response.content == b"ab"
    assert "content-encoding" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize(
    "endpoint",
    [
        PlainTextResponse("x" * 4000, headers={"content-encoding": "br"}),
        PlainTextResponse("x" * 4000, media_type="text/event-stream"),
        StreamingResponse(chunks(b"data: 1\n\n" * 100, b"data: 2\n\n"), media_type="text/event-stream"),
    ],
)
def test_excluded_responses_untouched(test_client_factory: TestClientFactory, endpoint: Response) -> None:
    client = test_client_factory(make_app(endpoint))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.headers.get("content-encoding") in (None, "br")
    assert "vary" not in response.headers


def test_raw_already_encoded_body_passes_unchanged() -> None:
    body = gzip.compress(b"y" * 1000)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-encoding", b"gzip")]})
        await send({"type": "http.response.body", "body": body[:10], "more_body": True})
        await send({"type": "http.response.body", "body": body[10:]})

    sent = drive(GZipMiddleware(app), [(b"accept-encoding", b"gzip")])
    assert b"".join(message.get("body", b"") for message in sent[1:]) == body


def drive(app: GZipMiddleware, headers: list[tuple[bytes, bytes]]) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}  # pragma: no cover (these apps never read)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}
    anyio.run(app, scope, receive, send)
    return sent


def test_start_message_without_headers_is_compressed() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"z" * 600})

    start, body = drive(GZipMiddleware(app), [(b"accept-encoding", b"gzip, br")])
    assert start["headers"] == [
        (b"vary", b"Accept-Encoding"),
        (b"content-encoding", b"gzip"),
        (b"content-length", str(len(body["body"])).encode()),
    ]
    assert gzip.decompress(body["body"]) == b"z" * 600


def test_pathsend_is_forwarded(tmp_path: Path) -> None:
    path = tmp_path / "file.txt"
    path.write_bytes(b"f" * 1000)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.pathsend", "path": str(path)})

    start, pathsend = drive(GZipMiddleware(app), [(b"accept-encoding", b"gzip")])
    assert start == {"type": "http.response.start", "status": 200, "headers": []}
    assert pathsend == {"type": "http.response.pathsend", "path": str(path)}


def test_pathsend_after_a_start_sent_at_once_is_forwarded(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"p" * 1000)
    headers = [(b"content-type", b"image/png")]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.pathsend", "path": str(path)})

    start, pathsend = drive(GZipMiddleware(app), [(b"accept-encoding", b"gzip")])
    assert start == {"type": "http.response.start", "status": 200, "headers": headers}
    assert pathsend == {"type": "http.response.pathsend", "path": str(path)}


def test_lifespan_and_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def noop() -> Message:  # pragma: no cover (never called)
        return {}

    async def ignore(message: Message) -> None: ...  # pragma: no cover (never called)

    anyio.run(GZipMiddleware(app), {"type": "lifespan"}, noop, ignore)
    assert seen == ["lifespan"]


def test_background_tasks_still_run(test_client_factory: TestClientFactory) -> None:
    ran: list[bool] = []
    endpoint = PlainTextResponse("x" * 1000, background=BackgroundTask(ran.append, True))
    client = test_client_factory(make_app(endpoint))
    assert client.get("/", headers={"accept-encoding": "gzip"}).text == "x" * 1000
    assert ran == [True]


def test_file_response(test_client_factory: TestClientFactory, tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"0123456789" * 1000)
    client = test_client_factory(make_app(FileResponse(path), compresslevel=1))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.content == b"0123456789" * 1000
    assert response.headers["content-encoding"] == "gzip"


def big_response_app(headers: list[tuple[bytes, bytes]], *bodies: bytes) -> GZipMiddleware:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for index, body in enumerate(bodies):
            await send({"type": "http.response.body", "body": body, "more_body": index < len(bodies) - 1})

    return GZipMiddleware(app)


def test_the_first_accept_encoding_header_counts() -> None:
    app = big_response_app([], b"a" * 600)
    start, _ = drive(app, [(b"accept-encoding", b"br"), (b"accept-encoding", b"gzip")])
    assert start["headers"] == [(b"vary", b"Accept-Encoding")]
    start, _ = drive(app, [(b"accept-encoding", b"gzip"), (b"accept-encoding", b"br")])
    assert [name for name, _ in start["headers"]] == [b"vary", b"content-encoding", b"content-length"]


@pytest.mark.parametrize(
    ("content_types", "compressed"),
    [
        ([b"text/event-stream; charset=utf-8"], False),
        ([b"text/plain", b"text/event-stream"], True),
        ([b"text/event-stream", b"text/plain"], False),
        ([b"", b"text/event-stream"], True),
    ],
)
def test_the_first_content_type_decides_exclusion(content_types: list[bytes], compressed: bool) -> None:
    headers = [(b"content-type", content_type) for content_type in content_types]
    start, body = drive(big_response_app(headers, b"a" * 600), [(b"accept-encoding", b"gzip")])
    assert (b"content-encoding", b"gzip") in start["headers"] if compressed else start["headers"] == headers
    assert (gzip.decompress(body["body"]) if compressed else body["body"]) == b"a" * 600


def test_response_headers_are_set_not_appended() -> None:
    """Content-Length replaces its first header; every Vary merges into the first (1.9), as with MutableHeaders."""
    headers = [
        (b"content-length", b"600"),
        (b"vary", b"Cookie"),
        (b"content-type", b"text/plain"),
        (b"content-length", b"600"),
        (b"vary", b"Origin"),
    ]
    expected = MutableHeaders(raw=list(headers))
    start, body = drive(big_response_app(headers, b"a" * 600), [(b"accept-encoding", b"gzip")])
    assert start["headers"] == [
        (b"content-length", str(len(body["body"])).encode()),
        (b"vary", b"Cookie, Origin, Accept-Encoding"),
        (b"content-type", b"text/plain"),
        (b"content-encoding", b"gzip"),
    ]
    expected.add_vary_header("Accept-Encoding")
    expected["Content-Encoding"] = "gzip"
    expected["Content-Length"] = str(len(body["body"]))
    assert start["headers"] == expected.raw


def test_streaming_drops_every_content_length() -> None:
    headers = [(b"content-length", b"6"), (b"content-length", b"6")]
    start, *bodies = drive(big_response_app(headers, b"abc", b"def"), [(b"accept-encoding", b"gzip")])
    assert start["headers"] == [(b"vary", b"Accept-Encoding"), (b"content-encoding", b"gzip")]
    assert gzip.decompress(b"".join(message["body"] for message in bodies)) == b"abcdef"


def test_exclude_content_types_are_normalized_and_replace_the_defaults() -> None:
    middleware = GZipMiddleware(None, exclude_content_types=(" Application/X-NDJSON ; q=1", "TEXT/*"))  # type: ignore[arg-type]
    assert middleware.exclude_content_types == ("application/x-ndjson", "text/*")
    for content_type, compressed in [
        (b"application/x-ndjson", False),
        (b"text/html; charset=utf-8", False),
        (b"text/event-stream", False),
        (b"image/png", True),
    ]:
        middleware.app = big_response_app([(b"content-type", content_type)], b"a" * 600).app
        start, _ = drive(middleware, [(b"accept-encoding", b"gzip")])
        assert ((b"content-encoding", b"gzip") in start["headers"]) is compressed


@pytest.mark.parametrize(
    "content_type",
    [b"application/grpc", b"application/grpc+proto", b"Application/GRPC+json; x=1", b"video/mp4", b"audio/ogg"],
)
def test_default_exclusions(content_type: bytes) -> None:
    start, _ = drive(big_response_app([(b"content-type", content_type)], b"a" * 600), [(b"accept-encoding", b"gzip")])
    assert start["headers"] == [(b"content-type", content_type)]


@pytest.mark.parametrize("content_type", [b"application/grpc-web", b"image/svg+xml", b"application/json"])
def test_default_inclusions(content_type: bytes) -> None:
    start, _ = drive(big_response_app([(b"content-type", content_type)], b"a" * 600), [(b"accept-encoding", b"gzip")])
    assert (b"content-encoding", b"gzip") in start["headers"]


@pytest.mark.parametrize(
    ("status", "headers"),
    [(206, []), (200, [(b"content-encoding", b"identity")]), (200, [(b"content-type", b"image/png")])],
)
def test_start_goes_out_before_the_body_when_nothing_will_be_encoded(
    status: int, headers: list[tuple[bytes, bytes]]
) -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
        assert [message["type"] for message in sent] == ["http.response.start"]
        await send({"type": "http.response.body", "body": b"a" * 600})

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "headers": [(b"accept-encoding", b"gzip")]}
    anyio.run(GZipMiddleware(app), scope, None, send)  # type: ignore[arg-type]
    assert sent[0]["headers"] == headers
    assert sent[1]["body"] == b"a" * 600


def test_each_streamed_chunk_is_flushed() -> None:
    start, *bodies = drive(big_response_app([], b"first", b"second", b""), [(b"accept-encoding", b"gzip")])
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert inflater.decompress(bodies[0]["body"]) == b"first"
    assert inflater.decompress(bodies[1]["body"]) == b"second"
    assert inflater.decompress(bodies[2]["body"]) == b""
    assert inflater.eof


def test_trailers_are_forwarded_and_content_length_dropped() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"600")], "trailers": True}
        )
        await send({"type": "http.response.body", "body": b"a" * 600})
        await send({"type": "http.response.trailers", "headers": [(b"x-checksum", b"1")], "more_trailers": False})

    start, body, trailers = drive(GZipMiddleware(app), [(b"accept-encoding", b"gzip")])
    assert start["headers"] == [(b"vary", b"Accept-Encoding"), (b"content-encoding", b"gzip")]
    assert gzip.decompress(body["body"]) == b"a" * 600
    assert trailers["headers"] == [(b"x-checksum", b"1")]


def test_early_hints_pass_and_other_messages_are_dropped() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.early_hint", "links": []})
        await send({"type": "http.response.debug", "info": {}})
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a" * 600})

    sent = drive(GZipMiddleware(app), [(b"accept-encoding", b"gzip")])
    assert [message["type"] for message in sent] == [
        "http.response.early_hint",
        "http.response.start",
        "http.response.body",
    ]


def test_large_chunks_are_compressed_in_a_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[bool] = []
    compress = GZipResponder._compress_body

    def spy(self: GZipResponder, body: bytes, more_body: bool) -> bytes:
        threads.append(threading.current_thread() is threading.main_thread())
        return compress(self, body, more_body)

    monkeypatch.setattr(GZipResponder, "_compress_body", spy)
    app = big_response_app([], b"a" * 100, b"b" * 1000, b"")
    app.thread_minimum_size = 1000
    _, *bodies = drive(app, [(b"accept-encoding", b"gzip")])
    assert threads == [True, False, True]
    assert gzip.decompress(b"".join(message["body"] for message in bodies)) == b"a" * 100 + b"b" * 1000


def test_compressor_is_allocated_lazily() -> None:
    responder = GZipResponder(None, 500)  # type: ignore[arg-type]
    assert responder._compressor is None
    assert responder.compressor is responder.compressor
    assert responder.thread_minimum_size == 128 * 1024


def test_apply_compression_is_a_coroutine_as_in_the_reference() -> None:
    async def encode(responder: IdentityResponder) -> bytes:
        return await responder.apply_compression(b"abc", more_body=False)

    assert anyio.run(encode, GZipResponder(None, 500))[:2] == b"\x1f\x8b"  # type: ignore[arg-type]
    assert anyio.run(encode, IdentityResponder(None, 500)) == b"abc"  # type: ignore[arg-type]


def test_signatures_match_reference() -> None:
    import inspect

    import starlette.middleware.gzip as reference

    for name in ("GZipMiddleware", "GZipResponder", "IdentityResponder"):
        ours = inspect.signature(globals()[name].__init__).parameters.values()
        theirs = inspect.signature(getattr(reference, name).__init__).parameters.values()
        assert [(p.name, p.kind, p.default) for p in ours] == [(p.name, p.kind, p.default) for p in theirs]


def test_a_responder_subclass_encodes_with_its_apply_compression() -> None:
    """As with the reference, a subclass names its encoding and overrides ``apply_compression``."""

    class Reversing(IdentityResponder):
        content_encoding = "x-reversed"

        async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
            return body[::-1]

    app = big_response_app([], b"abc" * 200, b"xyz")
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "headers": []}
    anyio.run(Reversing(app.app, 100), scope, None, send)  # type: ignore[arg-type]
    start, first, second = sent
    assert start["headers"] == [(b"vary", b"Accept-Encoding"), (b"content-encoding", b"x-reversed")]
    assert (first["body"], second["body"]) == (b"cba" * 200, b"zyx")


def test_a_first_body_left_equal_by_the_encoding_leaves_the_response_not_encoded() -> None:
    """As in the reference: the headers stay, yet every body still goes through ``apply_compression``."""

    class Upper(IdentityResponder):
        content_encoding = "x-upper"

        async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
            return body.upper()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"3")]})
        await send({"type": "http.response.body", "body": b"", "more_body": True})
        await send({"type": "http.response.body", "body": b"abc"})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    anyio.run(Upper(app, 100), {"type": "http", "headers": []}, None, send)  # type: ignore[arg-type]
    start, first, second = sent
    assert start["headers"] == [(b"content-length", b"3"), (b"vary", b"Accept-Encoding")]
    assert (first["body"], second["body"]) == (b"", b"ABC")


def test_a_gzip_responder_subclass_encodes_through_its_apply_compression() -> None:
    class Framed(GZipResponder):
        async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
            return b"[" + await super().apply_compression(body, more_body=more_body) + b"]"

    app = big_response_app([], b"abc" * 200, b"xyz")
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "headers": []}
    anyio.run(Framed(app.app, 100), scope, None, send)  # type: ignore[arg-type]
    _, first, second = sent
    assert first["body"][:3] == b"[\x1f\x8b" and first["body"][-1:] == b"]"
    assert second["body"][:1] == b"[" and second["body"][-1:] == b"]"
    assert gzip.decompress(first["body"][1:-1] + second["body"][1:-1]) == b"abc" * 200 + b"xyz"


def test_send_with_compression_patched_on_the_class_is_called(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    kinds: list[str] = []
    original = GZipResponder.send_with_compression

    async def counting(self: GZipResponder, message: Message) -> None:
        kinds.append(message["type"])
        await original(self, message)

    async def big_text(request: Request) -> Response:
        return PlainTextResponse("x" * 4000)

    monkeypatch.setattr(GZipResponder, "send_with_compression", counting)
    app = Starlette(routes=[Route("/", big_text)], middleware=[Middleware(GZipMiddleware)])
    response = test_client_factory(app).get("/", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == "x" * 4000
    assert kinds == ["http.response.start", "http.response.body"]
