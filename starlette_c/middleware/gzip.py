"""``GZipMiddleware``: compresses responses for clients that accept gzip."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from typing import NoReturn

from starlette_c.middleware._raw_headers import add_vary, delete, set_value
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_EXCLUDED_CONTENT_TYPES = ("text/event-stream",)


class GZipMiddleware:
    def __init__(self, app: ASGIApp, minimum_size: int = 500, compresslevel: int = 9) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # PERF: a scan of the raw headers for what `Headers(scope=scope).get("accept-encoding", "")` would find.
        accept_encoding = b""
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept_encoding = value
                break
        responder: IdentityResponder
        if b"gzip" in accept_encoding:
            responder = GZipResponder(self.app, self.minimum_size, compresslevel=self.compresslevel)
        else:
            responder = IdentityResponder(self.app, self.minimum_size)
        await responder(scope, receive, send)


class IdentityResponder:
    """Holds back ``http.response.start`` until the first body chunk shows whether (and how) to encode.

    This base class encodes nothing but still adds ``Vary: Accept-Encoding`` to responses that would be
    compressed for a client accepting gzip; ``GZipResponder`` overrides ``apply_compression``.
    """

    content_encoding: str = "identity"

    def __init__(self, app: ASGIApp, minimum_size: int) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.send: Send = unattached_send
        self.initial_message: Message = {}
        self.started = False
        # PERF: settled from the held start's headers only once a body could be encoded (never for a small one).
        self.passthrough: bool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.send = send
        try:
            await self.app(scope, receive, self.send_with_compression)
        finally:
            self.close()

    def close(self) -> None:
        """Release what encoding the body took (nothing, for the identity encoding)."""

    async def send_with_compression(self, message: Message) -> None:
        message_type = message["type"]
        if message_type == "http.response.start":
            self.initial_message = message
            message.setdefault("headers", [])
        elif message_type == "http.response.body" and not self.started:
            self.started = True
            # PERF: the first body is handled here rather than in a helper coroutine.
            body: bytes = message.get("body", b"")
            more_body: bool = message.get("more_body", False)
            if (more_body or len(body) >= self.minimum_size) and not self._passes_through():
                encoded = self.apply_compression(body, more_body=more_body)
                raw = self.initial_message["headers"]
                add_vary(raw, b"Accept-Encoding")
                if encoded != body:
                    set_value(raw, b"content-encoding", self.content_encoding.encode("latin-1"))
                    if more_body:
                        delete(raw, b"content-length")
                    else:
                        set_value(raw, b"content-length", str(len(encoded)).encode("latin-1"))
                    message["body"] = encoded
            await self.send(self.initial_message)
            await self.send(message)
        elif message_type == "http.response.body" and not self._passes_through():
            message["body"] = self.apply_compression(
                message.get("body", b""), more_body=message.get("more_body", False)
            )
            await self.send(message)
        elif message_type == "http.response.pathsend" and not self.started:
            self.started = True
            await self.send(self.initial_message)
            await self.send(message)
        else:
            await self.send(message)

    def _passes_through(self) -> bool:
        """Whether the response goes out as the app sent it: it has a Content-Encoding, or an excluded type."""
        passthrough = self.passthrough
        if passthrough is None:
            passthrough = self.passthrough = _encoded_or_excluded(self.initial_message.get("headers", ()))
        return passthrough

    def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        return body


class GZipResponder(IdentityResponder):
    content_encoding = "gzip"

    def __init__(self, app: ASGIApp, minimum_size: int, compresslevel: int = 9) -> None:
        # PERF: the base initializer called directly, without building a super() proxy per request.
        IdentityResponder.__init__(self, app, minimum_size)
        self.compresslevel = compresslevel
        # PERF: the gzip stream is opened by the first body that gets compressed; small responses never need it.
        self._gzip: tuple[io.BytesIO, gzip.GzipFile] | None = None

    def close(self) -> None:
        if self._gzip is not None:
            gzip_buffer, gzip_file = self._gzip
            gzip_file.close()
            gzip_buffer.close()

    def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        if self._gzip is None:
            gzip_buffer = io.BytesIO()
            self._gzip = gzip_buffer, gzip.GzipFile(mode="wb", fileobj=gzip_buffer, compresslevel=self.compresslevel)
        gzip_buffer, gzip_file = self._gzip
        gzip_file.write(body)
        if not more_body:
            gzip_file.close()
        compressed = gzip_buffer.getvalue()
        gzip_buffer.seek(0)
        gzip_buffer.truncate()
        return compressed


def _encoded_or_excluded(raw_headers: Iterable[tuple[bytes, bytes]]) -> bool:
    # PERF: one scan of the raw headers for what `Headers(raw=raw_headers)` would answer about both.
    content_type = None
    for name, value in raw_headers:
        if name == b"content-encoding":
            return True
        if name == b"content-type" and content_type is None:
            content_type = value
    return content_type is not None and content_type.decode("latin-1").startswith(DEFAULT_EXCLUDED_CONTENT_TYPES)


async def unattached_send(message: Message) -> NoReturn:
    raise RuntimeError("send awaitable not set")  # pragma: no cover (replaced before the app can send)
