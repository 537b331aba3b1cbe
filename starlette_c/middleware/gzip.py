"""``GZipMiddleware``: gzip-encodes responses for clients whose ``Accept-Encoding`` names gzip."""

from __future__ import annotations

import functools
import zlib
from collections.abc import Awaitable, Iterable
from typing import NoReturn

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar

from starlette_c._stock import STOCK, Stepped, stock
from starlette_c.middleware._raw_headers import add_vary, delete, get_value, set_value
from starlette_c.types import ASGIApp, Message, Scope, Send

DEFAULT_EXCLUDED_CONTENT_TYPES: tuple[str, ...] = (
    *("application/grpc", "application/gzip", "application/x-gzip", "application/zip"),
    *("audio/*", "font/woff", "font/woff2"),
    *("image/avif", "image/gif", "image/jpeg", "image/png", "image/webp"),
    *("text/event-stream", "video/*"),
)

# NOTE: one pool of compression threads per event loop, apart from the default thread pool.
_COMPRESSION_THREADS: RunVar[anyio.CapacityLimiter] = RunVar("starlette_c.gzip.threads")


def _compression_threads() -> anyio.CapacityLimiter:
    try:
        return _COMPRESSION_THREADS.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(40)
        _COMPRESSION_THREADS.set(limiter)
        return limiter


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


@functools.lru_cache(maxsize=64)
def _normalized(content_types: tuple[str, ...]) -> tuple[str, ...]:
    # PERF: cached, since each request's responder is handed the same tuple again.
    return tuple(_media_type(item) for item in content_types)


@functools.lru_cache(maxsize=256)
def _excluded(excluded: tuple[str, ...], content_type: bytes) -> bool:
    """Whether a response of ``content_type`` is left unencoded by the (normalized) ``excluded`` media types."""
    # PERF: cached, since an app answers with a handful of content types.
    media_type = _media_type(content_type.decode("latin-1"))
    if media_type in excluded or media_type.split("/", 1)[0] + "/*" in excluded:
        return True
    # NOTE: every native gRPC subtype (application/grpc+proto, +json, ...) falls under application/grpc.
    return media_type.startswith("application/grpc+") and "application/grpc" in excluded


class _Done(tuple[()]):
    """An awaitable that is already done, for a message that is held back or dropped rather than sent."""

    # PERF: awaiting it runs a C iterator that ends at once, with no coroutine or Python frame.
    __await__ = tuple.__iter__


_DONE: Awaitable[None] = _Done()  # type: ignore[assignment]


class _Undecided:
    """The held start's fate waits for the first body."""


class _Relay:
    """Messages go out as the app sent them."""


class _Encode:
    """Bodies go out encoded."""


class GZipMiddleware(Stepped):
    """Picks, per request, a responder that gzips (``GZipResponder``) or leaves bodies as they are."""

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        compresslevel: int = zlib.Z_BEST_COMPRESSION,
        thread_minimum_size: int = 128 * 1024,
        *,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        self.exclude_content_types = _normalized(tuple(exclude_content_types))
        self.thread_minimum_size = thread_minimum_size
        self.compresslevel = compresslevel
        self.minimum_size = minimum_size
        self.app = app

    def _step(self, scope: Scope, send: Send) -> tuple[ASGIApp, Send]:
        if scope["type"] != "http":
            return self.app, send
        # NOTE: as `Headers(scope=scope).get("accept-encoding", "")`: the first such header, matched case-sensitively.
        accepted = get_value(scope["headers"], b"accept-encoding") or b""
        responder: IdentityResponder
        if b"gzip" in accepted:
            responder = GZipResponder(
                self.app,
                self.minimum_size,
                self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        else:
            responder = IdentityResponder(self.app, self.minimum_size, exclude_content_types=self.exclude_content_types)
        return responder, send


class IdentityResponder(Stepped):
    """Decides per response whether its body would be encoded, and encodes it with ``apply_compression``.

    This base encodes nothing, yet marks with ``Vary: Accept-Encoding`` the responses a gzip client would
    have received compressed.
    """

    content_encoding = "identity"

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int,
        *,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        self.exclude_content_types = _normalized(tuple(exclude_content_types))
        self.minimum_size = minimum_size
        self.app = app
        self.send: Send = unattached_send
        self.initial_message: Message = {}
        self._mode: type[_Undecided | _Relay | _Encode] = _Undecided

    def _step(self, scope: Scope, send: Send) -> tuple[ASGIApp, Send]:
        self.send = send
        # PERF: for the stock send_with_compression, its dispatch is the send itself: no coroutine per message.
        if type(self).send_with_compression is _SEND_WITH_COMPRESSION:
            return self.app, self._dispatch
        return self.app, self.send_with_compression

    def _never_encoded(self, status: int, headers: Iterable[tuple[bytes, bytes]]) -> bool:
        if status == 206:
            return True
        content_type = None
        for name, value in headers:
            if name == b"content-encoding":
                return True
            if name == b"content-type" and content_type is None:
                content_type = value
        return content_type is not None and _excluded(self.exclude_content_types, content_type)

    @stock
    async def send_with_compression(self, message: Message) -> None:
        await self._dispatch(message)

    def _dispatch(self, message: Message) -> Awaitable[None]:
        """What sending ``message`` takes: the start is held until the first body says how bodies go out."""
        kind = message["type"]
        mode = self._mode
        if kind == "http.response.start":
            message.setdefault("headers", [])
            self.initial_message = message
            # NOTE: a response that will go out as it is needs no body to decide on: its start leaves at once.
            if self._never_encoded(message["status"], message["headers"]):
                self._mode = _Relay
                return self.send(message)
            return _DONE
        if kind == "http.response.body":
            if mode is _Relay:
                return self.send(message)
            return self._send_encoded(message) if mode is _Encode else self._settle(message)
        if kind == "http.response.pathsend":
            if mode is _Undecided:
                self._mode = _Relay
                return self._send_start_then(message)
            return self.send(message)
        if kind in ("http.response.trailers", "http.response.early_hint"):
            return self.send(message)
        # NOTE: as in the reference, messages of other types (debug, zerocopysend, ...) are not forwarded.
        return _DONE

    async def _send_encoded(self, message: Message) -> None:
        message["body"] = await self._encode(message.get("body", b""), message.get("more_body", False))
        await self.send(message)

    async def _send_start_then(self, message: Message) -> None:
        await self.send(self.initial_message)
        await self.send(message)

    async def _settle(self, first: Message) -> None:
        """Decide from the first body how the held start and every body go out, then send both."""
        body: bytes = first.get("body", b"")
        more_body: bool = first.get("more_body", False)
        start = self.initial_message
        self._mode = _Relay
        if more_body or len(body) >= self.minimum_size:
            headers = start["headers"]
            add_vary(headers, b"Accept-Encoding")
            if self.content_encoding != "identity":
                self._mode = _Encode
                first["body"] = await self._encode(body, more_body)
                set_value(headers, b"content-encoding", self.content_encoding.encode("latin-1"))
                # NOTE: a body followed by trailers is framed by chunks, not by a length.
                if more_body or start.get("trailers", False):
                    delete(headers, b"content-length")
                else:
                    set_value(headers, b"content-length", str(len(first["body"])).encode("latin-1"))
        # PERF: sent here rather than through _send_start_then: one coroutine fewer for every response.
        await self.send(start)
        await self.send(first)

    async def _encode(self, body: bytes, more_body: bool) -> bytes:
        return self.apply_compression(body, more_body=more_body)

    def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        return body


class GZipResponder(IdentityResponder):
    """Encodes bodies with gzip, streamed chunk by chunk, large chunks in a worker thread."""

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int,
        compresslevel: int = zlib.Z_BEST_COMPRESSION,
        *,
        thread_minimum_size: int = 128 * 1024,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        # PERF: the compressor is made by the first body that is compressed; bodies left as they are never need one.
        self._compressor: zlib._Compress | None = None
        IdentityResponder.__init__(self, app, minimum_size, exclude_content_types=exclude_content_types)
        self.thread_minimum_size = thread_minimum_size
        self.compresslevel = compresslevel

    content_encoding = "gzip"

    @property
    def compressor(self) -> zlib._Compress:
        made = self._compressor
        if made is None:
            # NOTE: window bits 16 + 15 make zlib write the gzip container (header with a zero timestamp, trailer).
            made = self._compressor = zlib.compressobj(level=self.compresslevel, wbits=16 | zlib.MAX_WBITS)
        return made

    async def _encode(self, body: bytes, more_body: bool) -> bytes:
        if len(body) < self.thread_minimum_size:
            return self._compress_body(body, more_body)
        # NOTE: a large chunk would hold the event loop for too long; it is compressed in a worker thread.
        return await anyio.to_thread.run_sync(self._compress_body, body, more_body, limiter=_compression_threads())

    def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        return self._compress_body(body, more_body)

    def _compress_body(self, body: bytes, more_body: bool) -> bytes:
        compressor = self.compressor
        # NOTE: each streamed chunk is flushed, so it reaches the client without waiting for the next one.
        return compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH if more_body else zlib.Z_FINISH)


async def unattached_send(message: Message) -> NoReturn:
    raise RuntimeError("send awaitable not set")  # pragma: no cover (replaced before the app can send)


_SEND_WITH_COMPRESSION = STOCK["IdentityResponder.send_with_compression"]
