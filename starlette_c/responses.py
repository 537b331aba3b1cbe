"""Response classes: ASGI applications that send one HTTP response."""

from __future__ import annotations

import hashlib
import http.cookies
import json  # noqa: F401  NOTE: ``responses.json.dumps`` is what tests and FastAPI patch; the twins honour it.
import os
import stat
import sys
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from email.utils import format_datetime, formatdate
from functools import partial
from mimetypes import guess_type
from secrets import token_hex
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import anyio
import anyio.to_thread

from starlette_c._backend import responses as _impl
from starlette_c._utils import collapse_excgroups
from starlette_c.background import BackgroundTask
from starlette_c.concurrency import iterate_in_threadpool
from starlette_c.datastructures import URL, Headers, MutableHeaders
from starlette_c.requests import ClientDisconnect
from starlette_c.types import Message, Receive, Scope, Send

Content = str | bytes | memoryview
SyncContentStream = Iterable[Content]
AsyncContentStream = AsyncIterable[Content]
ContentStream = AsyncIterable[Content] | Iterable[Content]

_MAX_RANGES = 100
_HUGE = 10**20


def _websocket_denial(send: Send) -> Send:
    """Turn ``http.response.*`` messages into the ``websocket.http.response.*`` ones of a denied handshake."""

    async def denial_send(message: Message) -> None:
        await send({**message, "type": "websocket." + message["type"]})

    return denial_send


class Response:
    media_type: str | None = None
    charset = "utf-8"
    status_code: int
    background: BackgroundTask | None
    body: bytes | memoryview
    raw_headers: list[tuple[bytes, bytes]]
    _headers: MutableHeaders

    if TYPE_CHECKING:

        def __init__(
            self,
            content: Any = None,
            status_code: int = 200,
            headers: Mapping[str, str] | None = None,
            media_type: str | None = None,
            background: BackgroundTask | None = None,
        ) -> None: ...

        def render(self, content: Any) -> bytes | memoryview: ...

        def init_headers(self, headers: Mapping[str, str] | None = None) -> None: ...

    else:
        # PERF: the twin's functions are the methods: compiled, __init__ runs the stock render and init_headers
        # without a Python frame for any of the three.
        __init__ = _impl.response_init
        render = _impl.response_render
        init_headers = _impl.response_init_headers

    @property
    def headers(self) -> MutableHeaders:
        if not hasattr(self, "_headers"):
            self._headers = MutableHeaders(raw=self.raw_headers)
        return self._headers

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        cookie: http.cookies.BaseCookie[str] = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            if isinstance(expires, datetime):
                morsel["expires"] = format_datetime(expires, usegmt=True)
            else:
                morsel["expires"] = expires
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            assert samesite.lower() in ("strict", "lax", "none"), "samesite must be either 'strict', 'lax' or 'none'"
            morsel["samesite"] = samesite
        if partitioned:
            if sys.version_info < (3, 14):
                raise ValueError("Partitioned cookies are only supported in Python 3.14 and above.")
            morsel["partitioned"] = True  # pragma: no cover (Python >= 3.14 only)
        self.raw_headers.append((b"set-cookie", cookie.output(header="").strip().encode("latin-1")))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        self.set_cookie(
            key, max_age=0, expires=0, path=path, domain=domain, secure=secure, httponly=httponly, samesite=samesite
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            send = _websocket_denial(send)
        # PERF: the two messages are sent from here: a send_response coroutine in between cost a frame per response.
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body})
        if self.background is not None:
            await self.background()


class HTMLResponse(Response):
    media_type = "text/html"


class PlainTextResponse(Response):
    media_type = "text/plain"


class JSONResponse(Response):
    media_type = "application/json"

    if TYPE_CHECKING:

        def __init__(
            self,
            content: Any,
            status_code: int = 200,
            headers: Mapping[str, str] | None = None,
            media_type: str | None = None,
            background: BackgroundTask | None = None,
        ) -> None: ...

        def render(self, content: Any) -> bytes: ...

    else:
        __init__ = _impl.json_response_init
        render = _impl.json_response_render


class RedirectResponse(Response):
    def __init__(
        self,
        url: str | URL,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(content=b"", status_code=status_code, headers=headers, background=background)
        self.headers["location"] = quote(str(url), safe=":/%#?=@[]!$&'()*+,;")


class StreamingResponse(Response):
    body_iterator: AsyncContentStream

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        if isinstance(content, AsyncIterable):
            self.body_iterator = content
        else:
            self.body_iterator = iterate_in_threadpool(content)
        self.status_code = status_code
        self.media_type = self.media_type if media_type is None else media_type
        self.background = background
        self.init_headers(headers)

    async def listen_for_disconnect(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break

    async def stream_response(self, send: Send) -> None:
        await _impl.send_stream(send, self.status_code, self.raw_headers, self.body_iterator, self.charset)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            send = _websocket_denial(send)
        spec_version = tuple(map(int, scope.get("asgi", {}).get("spec_version", "2.0").split(".")))
        if spec_version >= (2, 4):
            # NOTE: from ASGI 2.4 on, sending to a gone client raises OSError, so no disconnect listener is needed.
            try:
                await self.stream_response(send)
            except OSError:
                raise ClientDisconnect()
        else:
            with collapse_excgroups():
                async with anyio.create_task_group() as task_group:

                    async def run_then_cancel(func: Callable[[], Awaitable[None]]) -> None:
                        await func()
                        task_group.cancel_scope.cancel()

                    task_group.start_soon(run_then_cancel, partial(self.stream_response, send))
                    await run_then_cancel(partial(self.listen_for_disconnect, receive))
        if self.background is not None:
            await self.background()


class MalformedRangeHeader(Exception):
    def __init__(self, content: str = "Malformed range header.") -> None:
        self.content = content


class RangeNotSatisfiable(Exception):
    def __init__(self, max_size: int) -> None:
        self.max_size = max_size


class _IgnoreRange(Exception):
    """The ``Range`` header is valid but asks for more parts than served: send the whole file."""


def _is_position(text: str) -> bool:
    """Empty, or ASCII digits only (``int()`` would also take signs, underscores and non-ASCII digits)."""
    return not text or (text.isascii() and text.isdigit())


def _parse_position(digits: str) -> int:
    # NOTE: int() of a very long digit string is slow or refused; any such value is past the end of every file.
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) < 20 else _HUGE


class FileResponse(Response):
    chunk_size = 64 * 1024

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = path
        self.status_code = status_code
        self.filename = filename
        if media_type is None:
            media_type = guess_type(filename or path)[0] or "text/plain"
        self.media_type = media_type
        self.background = background
        self.init_headers(headers)
        self.headers.setdefault("accept-ranges", "bytes")
        if self.filename is not None:
            quoted = quote(self.filename)
            if quoted != self.filename:
                content_disposition = f"{content_disposition_type}; filename*=utf-8''{quoted}"
            else:
                content_disposition = f'{content_disposition_type}; filename="{self.filename}"'
            self.headers.setdefault("content-disposition", content_disposition)
        self.stat_result = stat_result
        if stat_result is not None:
            self.set_stat_headers(stat_result)

    def set_stat_headers(self, stat_result: os.stat_result) -> None:
        etag_base = f"{stat_result.st_mtime}-{stat_result.st_size}"
        etag = f'"{hashlib.md5(etag_base.encode(), usedforsecurity=False).hexdigest()}"'
        self.headers.setdefault("content-length", str(stat_result.st_size))
        self.headers.setdefault("last-modified", formatdate(stat_result.st_mtime, usegmt=True))
        self.headers.setdefault("etag", etag)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            send = _websocket_denial(send)
        method = scope.get("method", "GET").upper()
        send_header_only = method == "HEAD"
        send_pathsend = "http.response.pathsend" in scope.get("extensions", {})

        if self.stat_result is None:
            try:
                stat_result = await anyio.to_thread.run_sync(os.stat, self.path)
            except FileNotFoundError:
                raise RuntimeError(f"File at path {self.path} does not exist.")
            if not stat.S_ISREG(stat_result.st_mode):
                raise RuntimeError(f"File at path {self.path} is not a file.")
            self.set_stat_headers(stat_result)
        else:
            stat_result = self.stat_result

        headers = Headers(scope=scope)
        http_range = headers.get("range")
        http_if_range = headers.get("if-range")
        ranges: list[tuple[int, int]] = []
        # NOTE: Range is honoured only for GET and HEAD (RFC 9110 §14.2).
        if (
            http_range is not None
            and method in ("GET", "HEAD")
            and (http_if_range is None or self._should_use_range(http_if_range))
        ):
            try:
                ranges = self._parse_range_header(http_range, stat_result.st_size)
            except MalformedRangeHeader as exc:
                return await PlainTextResponse(exc.content, status_code=400)(scope, receive, send)
            except RangeNotSatisfiable as exc:
                response = PlainTextResponse(status_code=416, headers={"Content-Range": f"bytes */{exc.max_size}"})
                return await response(scope, receive, send)
            except _IgnoreRange:
                pass

        if not ranges:
            await self._handle_simple(send, stat_result.st_size, send_header_only, send_pathsend)
        elif len(ranges) == 1:
            start, end = ranges[0]
            await self._handle_single_range(send, start, end, stat_result.st_size, send_header_only)
        else:
            await self._handle_multiple_ranges(send, ranges, stat_result.st_size, send_header_only)

        if self.background is not None:
            await self.background()

    async def _handle_simple(self, send: Send, file_size: int, send_header_only: bool, send_pathsend: bool) -> None:
        start_message = {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        if send_header_only:
            await send(start_message)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        elif send_pathsend:
            await send(start_message)
            await send({"type": "http.response.pathsend", "path": self.path})
        else:
            async with await anyio.open_file(self.path, mode="rb") as file:
                await send(start_message)
                # NOTE: stop at the size announced in content-length even if the file grows meanwhile.
                await _impl.send_file_range(send, file, 0, file_size, self.chunk_size, False)

    async def _handle_single_range(
        self, send: Send, start: int, end: int, file_size: int, send_header_only: bool
    ) -> None:
        headers = MutableHeaders(raw=list(self.raw_headers))
        headers["content-range"] = f"bytes {start}-{end - 1}/{file_size}"
        headers["content-length"] = str(end - start)
        start_message = {"type": "http.response.start", "status": 206, "headers": headers.raw}
        if send_header_only:
            await send(start_message)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        else:
            async with await anyio.open_file(self.path, mode="rb") as file:
                await send(start_message)
                await _impl.send_file_range(send, file, start, end, self.chunk_size, False)

    async def _handle_multiple_ranges(
        self, send: Send, ranges: list[tuple[int, int]], file_size: int, send_header_only: bool
    ) -> None:
        boundary = token_hex(13)
        content_length, header_generator = self.generate_multipart(
            ranges, boundary, file_size, self.headers["content-type"]
        )
        headers = MutableHeaders(raw=list(self.raw_headers))
        headers["content-type"] = f"multipart/byteranges; boundary={boundary}"
        headers["content-length"] = str(content_length)
        start_message = {"type": "http.response.start", "status": 206, "headers": headers.raw}
        if send_header_only:
            await send(start_message)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        else:
            part_headers = [header_generator(start, end) for start, end in ranges]
            closing = f"--{boundary}--".encode()
            async with await anyio.open_file(self.path, mode="rb") as file:
                await send(start_message)
                await _impl.send_file_ranges(send, file, ranges, part_headers, closing, self.chunk_size)

    def _should_use_range(self, http_if_range: str) -> bool:
        # NOTE: a weak validator never satisfies If-Range (RFC 9110 §13.1.5), even one equal to our ETag header.
        return not http_if_range.startswith("W/") and http_if_range in (
            self.headers.get("last-modified"),
            self.headers.get("etag"),
        )

    @classmethod
    def _parse_range_header(cls, http_range: str, file_size: int) -> list[tuple[int, int]]:
        units, separator, range_ = http_range.partition("=")
        if not separator:
            raise MalformedRangeHeader()
        if units.strip().lower() != "bytes":
            raise MalformedRangeHeader("Only support bytes range")
        ranges = cls._parse_ranges(range_, file_size)
        if not ranges:
            raise MalformedRangeHeader("Range header: range must be requested")
        if len(ranges) > _MAX_RANGES:
            raise _IgnoreRange()
        # NOTE: inverted (start > end) and empty ranges are unsatisfiable, not silently served as empty parts.
        if any(not (0 <= start < end) or start >= file_size for start, end in ranges):
            raise RangeNotSatisfiable(file_size)
        # NOTE: sort then merge in one pass, O(n log n) (GHSA-7f5h-v6xp-fcq8).
        ranges.sort()
        merged = [ranges[0]]
        for start, end in ranges[1:]:
            last_start, last_end = merged[-1]
            if start <= last_end:
                merged[-1] = (last_start, max(last_end, end))
            else:
                merged.append((start, end))
        return merged

    @classmethod
    def _parse_ranges(cls, range_: str, file_size: int) -> list[tuple[int, int]]:
        """``(start, end)`` half-open pairs, ``end`` clamped to the file; parts that do not parse are skipped.

        An inverted part comes back with ``start >= end`` and a zero-length suffix as ``(file_size, file_size)``.
        """
        ranges: list[tuple[int, int]] = []
        for part in range_.split(","):
            start_str, separator, end_str = part.partition("-")
            start_str = start_str.strip()
            end_str = end_str.strip()
            if not separator or not (start_str or end_str) or not _is_position(start_str) or not _is_position(end_str):
                continue
            if not start_str:
                suffix = _parse_position(end_str)
                # NOTE: a suffix longer than the file means the whole file (RFC 9110 §14.1.2).
                ranges.append((max(file_size - suffix, 0), file_size) if suffix else (file_size, file_size))
            elif not end_str:
                ranges.append((_parse_position(start_str), file_size))
            else:
                start = _parse_position(start_str)
                end = _parse_position(end_str) + 1
                ranges.append((start, min(end, file_size) if start < end else start))
        return ranges

    def generate_multipart(
        self,
        ranges: Sequence[tuple[int, int]],
        boundary: str,
        max_size: int,
        content_type: str,
    ) -> tuple[int, Callable[[int, int], bytes]]:
        """The ``multipart/byteranges`` body length, and a function building the header of the part ``[start, end)``.

        ``content_type`` is that of the file; each part ends with CRLF and the body with ``--boundary--``.
        """
        prefix = f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Range: bytes "
        suffix = f"/{max_size}\r\n\r\n"
        content_length = len(boundary) + 4
        for start, end in ranges:
            header_length = len(prefix) + len(f"{start}-{end - 1}") + len(suffix)
            content_length += header_length + (end - start) + 2
        return content_length, lambda start, end: f"{prefix}{start}-{end - 1}{suffix}".encode("latin-1")


# NOTE: as defined here: patched onto the class later, it is an override, always called.
_STOCK_CALL = Response.__call__
