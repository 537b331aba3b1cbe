"""``GZipMiddleware``: compresses responses for clients that accept gzip."""

from __future__ import annotations

import gzip
import io
from typing import NoReturn

from starlette_c.datastructures import Headers, MutableHeaders
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

        responder: IdentityResponder
        if "gzip" in Headers(scope=scope).get("accept-encoding", ""):
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
        self.passthrough = False

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
            headers = Headers(raw=message.setdefault("headers", []))
            self.passthrough = "content-encoding" in headers or headers.get("content-type", "").startswith(
                DEFAULT_EXCLUDED_CONTENT_TYPES
            )
        elif message_type == "http.response.body" and not self.started:
            self.started = True
            await self._send_first_body(message)
        elif message_type == "http.response.body" and not self.passthrough:
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

    async def _send_first_body(self, message: Message) -> None:
        body: bytes = message.get("body", b"")
        more_body: bool = message.get("more_body", False)
        if not self.passthrough and (more_body or len(body) >= self.minimum_size):
            encoded = self.apply_compression(body, more_body=more_body)
            headers = MutableHeaders(raw=self.initial_message["headers"])
            headers.add_vary_header("Accept-Encoding")
            if encoded != body:
                headers["Content-Encoding"] = self.content_encoding
                if more_body:
                    del headers["Content-Length"]
                else:
                    headers["Content-Length"] = str(len(encoded))
                message["body"] = encoded
        await self.send(self.initial_message)
        await self.send(message)

    def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        return body


class GZipResponder(IdentityResponder):
    content_encoding = "gzip"

    def __init__(self, app: ASGIApp, minimum_size: int, compresslevel: int = 9) -> None:
        super().__init__(app, minimum_size)
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


async def unattached_send(message: Message) -> NoReturn:
    raise RuntimeError("send awaitable not set")  # pragma: no cover (replaced before the app can send)
