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
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, TypeVar
from urllib.parse import quote

import anyio
import anyio.lowlevel
import anyio.to_thread

from starlette_c._backend import responses as _impl
from starlette_c._utils import create_collapsing_task_group
from starlette_c.background import BackgroundTask
from starlette_c.concurrency import iterate_in_threadpool
from starlette_c.datastructures import URL, Headers, MutableHeaders
from starlette_c.requests import ClientDisconnect
from starlette_c.types import Message, Receive, Scope, Send

Content = str | bytes | memoryview
SyncContentStream = Iterable[Content]
AsyncContentStream = AsyncIterable[Content]
ContentStream = AsyncIterable[Content] | Iterable[Content]

_SAMESITE_VALUES = ("strict", "lax", "none")
_LOCATION_SAFE = ":/%#?=@[]!$&'()*+,;"
_OCTET_STREAM = "application/octet-stream"
_F = TypeVar("_F", bound=Callable[..., Any])


def _denial_send(send: Send) -> Send:
    """For a websocket scope: a ``send`` turning the response into the denial of the handshake."""

    async def deny(message: Message) -> None:
        await send({**message, "type": f"websocket.{message['type']}"})

    return deny


def _listens_for_disconnect(scope: Scope) -> bool:
    """Whether a body is sent while watching ``receive`` for ``http.disconnect``: HTTP before ASGI spec 2.4 only.

    From 2.4 on, a send to a client that has gone raises ``OSError``; a websocket denial's ``receive`` carries
    websocket messages, so it is not listened to (Starlette 1.10 never calls it there).
    """
    if scope["type"] != "http":
        return False
    version = scope.get("asgi", {}).get("spec_version", "2.0")
    return tuple(int(part) for part in version.split(".")) < (2, 4)


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _method(function: _F, qualname: str) -> _F:
    """A twin's ``function``, named as the method it is installed as: for ``help()``, pickling and, in pure mode,
    the ``TypeError`` of a bad call (the compiled twin's argument errors name the compiled function)."""
    function.__module__, function.__qualname__, function.__name__ = __name__, qualname, qualname.rpartition(".")[2]
    return function


async def _race(main: Callable[[], Awaitable[None]], *others: Callable[[], Awaitable[None]]) -> None:
    """Run ``main`` inline and ``others`` as tasks; whichever finishes first cancels the rest."""
    async with create_collapsing_task_group() as group:

        async def then_stop(job: Callable[[], Awaitable[None]]) -> None:
            await job()
            group.cancel_scope.cancel()

        for job in others:
            group.start_soon(then_stop, job)
        await then_stop(main)


class Response:
    media_type: str | None = None
    charset = "utf-8"
    status_code: int
    background: BackgroundTask | None
    body: bytes | memoryview
    raw_headers: list[tuple[bytes, bytes]]
    _headers: MutableHeaders

    if TYPE_CHECKING:

        def __init__(self, content: Any = None, status_code: int = 200, headers: Mapping[str, str] | None = None,
                     media_type: str | None = None, background: BackgroundTask | None = None) -> None: ...  # fmt: skip

        def render(self, content: Any) -> bytes | memoryview: ...

        def init_headers(self, headers: Mapping[str, str] | None = None) -> None: ...

    else:
        # PERF: the twin's functions are the methods: compiled, __init__ runs the stock render and init_headers
        # without a Python frame for any of the three.
        __init__ = _method(_impl.response_init, "Response.__init__")
        render = _method(_impl.response_render, "Response.render")
        init_headers = _method(_impl.response_init_headers, "Response.init_headers")

    @property
    def headers(self) -> MutableHeaders:
        try:
            return self._headers
        except AttributeError:
            # PERF: positional arguments: no keyword dict for the constructor.
            self._headers = MutableHeaders(None, self.raw_headers)
            return self._headers

    def set_cookie(self, key: str, value: str = "", max_age: int | None = None,
                   expires: datetime | str | int | None = None, path: str | None = "/", domain: str | None = None,
                   secure: bool = False, httponly: bool = False,
                   samesite: Literal["lax", "strict", "none"] | None = "lax",
                   partitioned: bool = False) -> None:  # fmt: skip
        jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        jar[key] = value
        if isinstance(expires, datetime):
            expires = format_datetime(expires, usegmt=True)
        attributes: dict[str, Any] = {
            "max-age": max_age,
            "expires": expires,
            "path": path,
            "domain": domain,
            "secure": secure or None,
            "httponly": httponly or None,
        }
        if samesite is not None:
            assert samesite.lower() in _SAMESITE_VALUES, "samesite must be either 'strict', 'lax' or 'none'"
            attributes["samesite"] = samesite
        if partitioned:
            if sys.version_info < (3, 14):  # pragma: no cover (Python < 3.14 only: the block raises)
                raise ValueError("Partitioned cookies are only supported in Python 3.14 and above.")
            attributes["partitioned"] = True  # pragma: no cover (Python >= 3.14 only)
        morsel = jar[key]
        for name, setting in attributes.items():
            if setting is not None:
                morsel[name] = setting
        self.raw_headers.append((b"set-cookie", morsel.OutputString().encode("latin-1")))

    def delete_cookie(self, key: str, path: str = "/", domain: str | None = None, secure: bool = False,
                      httponly: bool = False, samesite: Literal["lax", "strict", "none"] | None = "lax",
                      partitioned: bool = False) -> None:  # fmt: skip
        self.set_cookie(key, "", 0, 0, path, domain, secure, httponly, samesite, partitioned)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            send = _denial_send(send)
        # PERF: the two messages are sent from here: a send_response coroutine in between cost a frame per response.
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body})
        task = self.background
        if task is not None:
            await task()


class HTMLResponse(Response):
    """A ``text/html`` response."""

    media_type = "text/html"


class PlainTextResponse(Response):
    """A ``text/plain`` response."""

    media_type = "text/plain"


class JSONResponse(Response):
    """``content`` as compact UTF-8 JSON (no NaN nor infinities), through ``json.dumps`` when that is patched."""

    media_type = "application/json"

    if TYPE_CHECKING:

        def __init__(self, content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None,
                     media_type: str | None = None, background: BackgroundTask | None = None) -> None: ...  # fmt: skip

        def render(self, content: Any) -> bytes: ...

    else:
        __init__ = _method(_impl.json_response_init, "JSONResponse.__init__")
        render = _method(_impl.json_response_render, "JSONResponse.render")


class RedirectResponse(Response):
    """An empty response sending the client to ``url`` (percent-encoded where it must be)."""

    def __init__(self, url: str | URL, status_code: int = 307, headers: Mapping[str, str] | None = None,
                 background: BackgroundTask | None = None) -> None:  # fmt: skip
        Response.__init__(self, b"", status_code, headers, None, background)
        self.headers["location"] = quote(str(url), safe=_LOCATION_SAFE)


class StreamingResponse(Response):
    """The chunks of an (async or sync) iterable as the body; stops when the client disconnects."""

    body_iterator: AsyncContentStream

    def __init__(self, content: ContentStream, status_code: int = 200, headers: Mapping[str, str] | None = None,
                 media_type: str | None = None, background: BackgroundTask | None = None) -> None:  # fmt: skip
        self.body_iterator = content if isinstance(content, AsyncIterable) else iterate_in_threadpool(content)
        self.status_code = status_code
        self.media_type = self.media_type if media_type is None else media_type
        self.background = background
        self.init_headers(headers)

    async def listen_for_disconnect(self, receive: Receive) -> None:
        await _wait_for_disconnect(receive)

    async def stream_response(self, send: Send) -> None:
        await _impl.send_stream(send, self.status_code, self.raw_headers, self.body_iterator, self.charset)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            send = _denial_send(send)
        if _listens_for_disconnect(scope):
            # NOTE: the listener reads first (as for a file): a disconnect already there stops the stream at its first
            # checkpoint.
            await _race(partial(self.listen_for_disconnect, receive), partial(self.stream_response, send))
        else:
            try:
                await self.stream_response(send)
            except OSError:
                raise ClientDisconnect()
        if self.background is not None:
            await self.background()


class MalformedRangeHeader(Exception):
    """A ``Range`` header that cannot be read: answered 400 with ``content``."""

    def __init__(self, content: str = "Malformed range header.") -> None:
        self.content = content


class RangeNotSatisfiable(Exception):
    """A ``Range`` header starting past the end of the file: answered 416 with the file's size."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size


def _content_disposition(kind: str, filename: str) -> str:
    encoded = quote(filename)
    if encoded == filename:
        return f'{kind}; filename="{filename}"'
    return f"{kind}; filename*=utf-8''{encoded}"


class FileResponse(Response):
    """The file at ``path``, whole or by ``Range`` (``max_ranges`` at most), read ``chunk_size`` bytes at a time."""

    max_ranges = 100
    chunk_size = 64 * 1024

    def __init__(self, path: str | os.PathLike[str], status_code: int = 200,
                 headers: Mapping[str, str] | None = None, media_type: str | None = None,
                 background: BackgroundTask | None = None, filename: str | None = None,
                 stat_result: os.stat_result | None = None,
                 content_disposition_type: str = "attachment") -> None:  # fmt: skip
        self.path = path
        self.status_code = status_code
        self.filename = filename
        self.media_type = guess_type(filename or path)[0] or _OCTET_STREAM if media_type is None else media_type
        self.background = background
        self.init_headers(headers)
        self.headers.setdefault("accept-ranges", "bytes")
        if filename is not None:
            self.headers.setdefault("content-disposition", _content_disposition(content_disposition_type, filename))
        # NOTE: set last, as in Starlette: a property or __setattr__ of a subclass sees the headers already built.
        self.stat_result = stat_result
        if stat_result is not None:
            self.set_stat_headers(stat_result)

    def set_stat_headers(self, stat_result: os.stat_result) -> None:
        size, mtime = stat_result.st_size, stat_result.st_mtime
        digest = hashlib.md5(f"{mtime}-{size}".encode(), usedforsecurity=False).hexdigest()
        for name, value in (
            ("content-length", str(size)),
            ("last-modified", formatdate(mtime, usegmt=True)),
            ("etag", f'"{digest}"'),
        ):
            self.headers.setdefault(name, value)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # NOTE: a websocket denial answers the handshake: a GET (its scope has no method), its body sent as bytes
        # (there is no websocket pathsend message).
        http = scope["type"] == "http"
        method = scope["method"].upper() if http else "GET"
        range_header, if_range = self._range_headers(scope, method)
        pathsend = http and "http.response.pathsend" in scope.get("extensions", {})
        reader = _FileReader(self.path, self.chunk_size)
        # NOTE: the file is closed however the transfer ends, cancelled included (no hop is running by then).
        try:
            whole = range_header is None and method != "HEAD" and not pathsend
            if whole:
                # PERF: the whole file is wanted: one hop stats it (unless known), opens it and reads ahead.
                file_stat = await anyio.to_thread.run_sync(reader.open, self.stat_result, None)
            elif self.stat_result is None:
                file_stat = await anyio.to_thread.run_sync(_regular_file_stat, self.path)
            else:
                file_stat = self.stat_result
            if self.stat_result is None:
                self.set_stat_headers(file_stat)
            size = file_stat.st_size
            try:
                ranges = self._wanted_ranges(range_header, if_range, size)
            except MalformedRangeHeader as exc:
                return await PlainTextResponse(exc.content, status_code=400)(scope, receive, send)
            except RangeNotSatisfiable as exc:
                refusal = PlainTextResponse(status_code=416, headers={"Content-Range": f"bytes */{exc.max_size}"})
                return await refusal(scope, receive, send)

            if scope["type"] == "websocket":
                send = _denial_send(send)
            boundary = token_hex(13) if len(ranges) > 1 else ""
            if not ranges:
                status, raw_headers = self.status_code, self.raw_headers
            else:
                status, raw_headers = 206, self._partial_headers(ranges, size, boundary)
            start = {"type": "http.response.start", "status": status, "headers": raw_headers}
            if method == "HEAD":
                await send(start)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            elif not ranges and pathsend:
                await send(start)
                await send({"type": "http.response.pathsend", "path": str(self.path)})
            else:
                ranges = ranges or [(0, size)]
                if not whole:
                    await anyio.to_thread.run_sync(reader.open, file_stat, ranges)
                respond = partial(self._send_file, send, start, reader.next_pieces, ranges, size, boundary)
                if _listens_for_disconnect(scope):
                    # NOTE: before ASGI 2.4 a send to a gone client may succeed silently: stop once it disconnects.
                    # The listener reads first, so a disconnect already there stops the body before its first byte.
                    await _race(partial(_wait_for_disconnect, receive), partial(respond, watched=True))
                else:
                    await respond(watched=False)
        finally:
            reader.close()
        if self.background is not None:
            await self.background()

    def _range_headers(self, scope: Scope, method: str) -> tuple[str | None, str | None]:
        """The request's ``Range`` and ``If-Range`` headers; no ``Range`` where ranges do not apply to this answer."""
        # NOTE: Range applies to a plain 200 of GET or HEAD, unless If-Range names another version of the file.
        if self.status_code != 200 or method not in ("GET", "HEAD"):
            return None, None
        headers = Headers(scope=scope)
        return headers.get("range"), headers.get("if-range")

    def _wanted_ranges(self, range_header: str | None, if_range: str | None, size: int) -> list[tuple[int, int]]:
        """The merged ``[start, end)`` ranges to send, or ``[]`` for the whole file with ``self.status_code``."""
        if range_header is None or not self._if_range_holds(if_range):
            return []
        unit, equals, spec = range_header.partition("=")
        if not equals:
            raise MalformedRangeHeader()
        if unit.strip().lower() != "bytes":
            raise MalformedRangeHeader("Only support bytes range")
        if spec.count(",") >= self.max_ranges:
            return []
        ranges = _impl.parse_byte_ranges(spec, size)
        if not ranges:
            raise MalformedRangeHeader("Range header: range must be requested")
        if any(first >= size for first, _ in ranges):
            raise RangeNotSatisfiable(size)
        if any(first >= end for first, end in ranges):
            raise MalformedRangeHeader("Range header: start must be less than end")
        return _impl.merge_ranges(ranges)

    def _if_range_holds(self, validator: str | None) -> bool:
        if validator is None:
            return True
        # NOTE: a weak validator never satisfies If-Range (RFC 9110 §13.1.5), even one equal to our ETag header.
        if validator.startswith("W/"):
            return False
        return validator == self.headers.get("etag") or validator == self.headers.get("last-modified")

    def _partial_headers(self, ranges: list[tuple[int, int]], size: int, boundary: str) -> list[tuple[bytes, bytes]]:
        headers = MutableHeaders(raw=list(self.raw_headers))
        if len(ranges) == 1:
            first, end = ranges[0]
            headers["content-range"] = f"bytes {first}-{end - 1}/{size}"
            headers["content-length"] = str(end - first)
        else:
            length, _ = self.generate_multipart(ranges, boundary, size, self.headers["content-type"])
            headers["content-type"] = f"multipart/byteranges; boundary={boundary}"
            headers["content-length"] = str(length)
        return headers.raw

    async def _send_file(self, send: Send, start: Message, read: _impl.ReadPieces, ranges: list[tuple[int, int]],
                         size: int, boundary: str, watched: bool) -> None:  # fmt: skip
        """``start``, then the bytes of ``ranges`` (as a multipart body when there are several).

        ``watched``: racing a disconnect listener, it stops at its first check once the listener has cancelled it:
        one after the start, one after each read.
        """
        await send(start)
        if watched:
            await anyio.lowlevel.checkpoint_if_cancelled()
            read = partial(_read_then_check, read)
        if len(ranges) == 1:
            first, end = ranges[0]
            # NOTE: stops at the announced length even if the file grew, and early if it shrank.
            await _impl.send_file_range(send, read, first, end, False)
            return
        _, part_header = self.generate_multipart(ranges, boundary, size, self.headers["content-type"])
        heads = [part_header(first, end) for first, end in ranges]
        closing = f"--{boundary}--".encode()
        if not await _impl.send_file_ranges(send, read, ranges, heads, closing):
            raise RuntimeError(f"File at path {self.path} is shorter than expected.")

    def generate_multipart(self, ranges: Sequence[tuple[int, int]], boundary: str, max_size: int,
                           content_type: str) -> tuple[int, Callable[[int, int], bytes]]:  # fmt: skip
        """The ``multipart/byteranges`` body length, and a function building the header of the part ``[start, end)``.

        ``content_type`` is that of the file; each part ends with CRLF and the body with ``--boundary--``.
        """
        before = f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Range: bytes "
        after = f"/{max_size}\r\n\r\n"

        def part_header(first: int, end: int) -> bytes:
            return f"{before}{first}-{end - 1}{after}".encode("latin-1")

        framing = len(before) + len(after) + 2
        body_length = sum(framing + len(f"{first}-{end - 1}") + end - first for first, end in ranges)
        return body_length + len(boundary) + 4, part_header


async def _read_then_check(read: _impl.ReadPieces, start: int, end: int) -> list[bytes]:
    pieces = await read(start, end)
    # NOTE: trio hands back a worker thread's result even when the race was cancelled meanwhile.
    await anyio.lowlevel.checkpoint_if_cancelled()
    return pieces


def _regular_file_stat(path: str | os.PathLike[str]) -> os.stat_result:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        raise RuntimeError(f"File at path {path} does not exist.")
    if not stat.S_ISREG(found.st_mode):
        raise RuntimeError(f"File at path {path} is not a file.")
    return found


# PERF: a worker-thread hop costs ~280k instructions, a 64 KiB read far less: one hop reads up to this many bytes
# (as ``chunk_size`` pieces, at least one), which bounds what a response holds of its file at a time. A 1 MiB file:
# 1.49M instructions (4 hops) where one hop per chunk cost 5.73M; 1 MiB per hop would cost 0.63M but hold 4x more.
_READ_AHEAD = 256 * 1024
# NOTE: so that a tiny ``chunk_size`` cannot turn one hop into a huge list of tiny bytes objects.
_MAX_PIECES = 64


class _FileReader:
    """A response's file, read in worker threads: opening fused with the first read, closing with the last."""

    __slots__ = ("ahead", "chunk_size", "end", "file", "path", "pieces", "position")
    pieces: int

    def __init__(self, path: str | os.PathLike[str], chunk_size: int) -> None:
        self.path = path
        self.chunk_size = chunk_size
        self.file: BinaryIO | None = None
        self.end = self.position = 0
        self.ahead: list[bytes] | None = None

    def open(self, found: os.stat_result | None, ranges: list[tuple[int, int]] | None) -> os.stat_result:
        """(In a worker thread.) Stat the file unless ``found``, open it and read the first pieces of ``ranges``.

        ``ranges`` ``None`` is the whole file as ``found`` (or the stat) sizes it.
        """
        if self.chunk_size == 0:
            # NOTE: zero-byte reads would never get through the file (Starlette 1.10 sends empty messages forever).
            raise ValueError("FileResponse.chunk_size must not be 0.")
        if self.chunk_size < 0:
            # NOTE: read as unbounded, each range in one piece (Starlette 1.10 read to the end of the file).
            self.chunk_size = sys.maxsize
        self.pieces = max(1, min(_MAX_PIECES, _READ_AHEAD // self.chunk_size))
        if found is None:
            found = _regular_file_stat(self.path)
        if ranges is None:
            ranges = [(0, found.st_size)]
        self.file = open(self.path, "rb")  # noqa: SIM115  NOTE: closed by read() or close(), not by a with block.
        self.end = ranges[-1][1]
        self.ahead = self.read(*ranges[0])
        return found

    def read(self, start: int, end: int) -> list[bytes]:
        """(In a worker thread.) The next pieces of ``[start, end)``, the last one empty at the end of the file.

        The file is closed once the last range is read or the file ends.
        """
        assert self.file is not None
        if start != self.position:
            self.file.seek(start)
        size, pieces, remaining = self.chunk_size, [], end - start
        while True:
            piece = self.file.read(min(size, remaining)) if remaining > 0 else b""
            pieces.append(piece)
            remaining -= len(piece)
            if remaining <= 0 or not piece or len(pieces) == self.pieces:
                break
        self.position = end - remaining
        if not piece or self.position >= self.end:
            self.close()
        return pieces

    async def next_pieces(self, start: int, end: int) -> list[bytes]:
        """The pieces ``open`` read ahead, then a hop to :meth:`read` per call."""
        ahead, self.ahead = self.ahead, None
        return await anyio.to_thread.run_sync(self.read, start, end) if ahead is None else ahead

    def close(self) -> None:
        file, self.file = self.file, None
        if file is not None:
            file.close()
