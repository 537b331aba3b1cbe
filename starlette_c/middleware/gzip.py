"""``GZipMiddleware``: gzip-encodes responses for clients whose ``Accept-Encoding`` names gzip."""

from __future__ import annotations

import functools
import zlib
from collections.abc import Awaitable
from typing import NoReturn

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar

from starlette_c._backend import senders
from starlette_c._stock import STOCK, Stepped, stock
from starlette_c.middleware._raw_headers import add_vary, delete, set_value
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


@functools.lru_cache(maxsize=64)
def _normalized(content_types: tuple[str, ...]) -> tuple[str, ...]:
    # PERF: cached, since each request's responder is handed the same tuple again.
    return tuple(senders.media_type(item) for item in content_types)


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
        self._gzip_settler = _Settler(self, True)
        self._identity_settler = _Settler(self, False)

    # PERF: the twin's function is the method (compiled: no Python frame per request).
    _step = senders.gzip_step

    def _responder(self, gzip: bool) -> IdentityResponder:
        if gzip:
            return GZipResponder(
                self.app,
                self.minimum_size,
                self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        return IdentityResponder(self.app, self.minimum_size, exclude_content_types=self.exclude_content_types)


class _Settler:
    """Settles a held start for the middleware: with the responder the request would have had."""

    def __init__(self, middleware: GZipMiddleware, gzip: bool) -> None:
        self.middleware = middleware
        self.gzip = gzip

    def _settle(self, held: senders.HeldStart, first: Message) -> Awaitable[None]:
        return self.middleware._responder(self.gzip)._settle(held, first)


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
        self._held: Send = unattached_send

    @stock
    def _step(self, scope: Scope, send: Send) -> tuple[ASGIApp, Send]:
        self.send = send
        held = senders.HeldStart(send, self.minimum_size, self.exclude_content_types, self)
        # PERF: for the stock send_with_compression, what it awaits is the send itself: no coroutine per message.
        if type(self).send_with_compression is _SEND_WITH_COMPRESSION:
            return self.app, held
        self._held = held
        return self.app, self.send_with_compression

    @stock
    async def send_with_compression(self, message: Message) -> None:
        await self._held(message)

    async def _send_encoded(self, message: Message) -> None:
        more_body = message.get("more_body", False)
        message["body"] = await self.apply_compression(message.get("body", b""), more_body=more_body)
        await self.send(message)

    async def _settle(self, held: senders.HeldStart, first: Message) -> None:
        """Send the held start and the first body, which is large enough to encode, or followed by more."""
        body: bytes = first.get("body", b"")
        more_body: bool = first.get("more_body", False)
        self.send = held.send
        self.initial_message = start = held.start
        headers = start["headers"]
        add_vary(headers, b"Accept-Encoding")
        # PERF: the stock identity encoding leaves every body as it is: no call per body.
        if type(self).apply_compression is not _IDENTITY_COMPRESSION:
            held.mode = senders.ENCODE
            held.encode = self._send_encoded
            encoded = first["body"] = await self.apply_compression(body, more_body=more_body)
            # NOTE: as in Starlette, a first body the encoding leaves equal makes a response not encoded (its headers
            # stay as they are), though each later body still goes through apply_compression.
            if encoded != body:
                set_value(headers, b"content-encoding", self.content_encoding.encode("latin-1"))
                # NOTE: a body followed by trailers is framed by chunks, not by a length.
                if more_body or start.get("trailers", False):
                    delete(headers, b"content-length")
                else:
                    set_value(headers, b"content-length", str(len(encoded)).encode("latin-1"))
        await self.send(start)
        await self.send(first)

    @stock
    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
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

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        if len(body) < self.thread_minimum_size:
            return self._compress_body(body, more_body)
        # NOTE: a large chunk would hold the event loop for too long; it is compressed in a worker thread.
        return await anyio.to_thread.run_sync(self._compress_body, body, more_body, limiter=_compression_threads())

    def _compress_body(self, body: bytes, more_body: bool) -> bytes:
        compressor = self.compressor
        # NOTE: each streamed chunk is flushed, so it reaches the client without waiting for the next one.
        return compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH if more_body else zlib.Z_FINISH)


async def unattached_send(message: Message) -> NoReturn:
    raise RuntimeError("send awaitable not set")  # pragma: no cover (replaced before the app can send)


_SEND_WITH_COMPRESSION = STOCK["IdentityResponder.send_with_compression"]
_IDENTITY_COMPRESSION = STOCK["IdentityResponder.apply_compression"]
