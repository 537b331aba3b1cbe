"""Pure twin of the compiled response work: building a response, its headers and the ASGI messages it sends.

``starlette_c._speedups.responses`` implements the same functions with the same behaviour.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from starlette_c.types import Message, Send

RawHeaders = list[tuple[bytes, bytes]]

_STDLIB_DUMPS = json.dumps
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
# NOTE: None where the interpreter has no C accelerator for json (e.g. PyPy).
_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
_encode_basestring = json.encoder.encode_basestring


# NOTE: ``read(start, end)`` hands back the next pieces of the file's bytes ``[start, end)``: at least one, short
# or empty at the end of the file.
ReadPieces = Callable[[int, int], Awaitable[list[bytes]]]


class StartTrackingSend:
    """A ``send`` that remembers whether the response has started (after which no other can be sent)."""

    __slots__ = ("send", "started")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    def __call__(self, message: Message) -> Awaitable[None]:
        # PERF: a plain call handing back the wrapped send's awaitable, so no coroutine frame per message.
        if message["type"] == "http.response.start":
            self.started = True
        return self.send(message)


class ResponseFields(Protocol):
    """What building a ``Response`` reads and writes on it."""

    status_code: int
    media_type: str | None
    charset: str
    background: Callable[[], Awaitable[None]] | None
    body: bytes | memoryview
    raw_headers: RawHeaders

    def render(self, content: Any) -> bytes | memoryview: ...

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None: ...


def response_init(
    self: ResponseFields,
    content: Any = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
    background: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """``Response.__init__``: status, media type and background, then ``self.render`` and ``self.init_headers``."""
    self.status_code = status_code
    if media_type is not None:
        self.media_type = media_type
    self.background = background
    self.body = self.render(content)
    self.init_headers(headers)


def json_response_init(
    self: ResponseFields,
    content: Any,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
    background: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """``JSONResponse.__init__``: ``Response.__init__`` with ``content`` required."""
    response_init(self, content, status_code, headers, media_type, background)


def response_render(self: ResponseFields, content: Any) -> bytes | memoryview:
    """``Response.render``: ``content`` as the body (``str`` encoded with ``self.charset``, ``None`` as empty)."""
    # PERF: an exact str, the usual content, is checked first by type identity.
    if type(content) is str:
        return content.encode(self.charset)
    if content is None:
        return b""
    if isinstance(content, bytes):
        return content
    if isinstance(content, memoryview):
        # NOTE: sent as plain bytes: a flat byte view when C-contiguous, else a copy (typed, strided, n-D views).
        return content.cast("B") if content.c_contiguous else content.tobytes()
    return content.encode(self.charset)  # type: ignore[no-any-return]


def json_response_render(self: ResponseFields, content: Any) -> bytes:
    """``JSONResponse.render``: compact UTF-8 JSON without NaN or infinities."""
    if json.dumps is not _STDLIB_DUMPS:
        # NOTE: a patched ``json.dumps`` (tests do ``responses.json.dumps``) is honoured, looked up at each render.
        return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode(
            "utf-8"
        )
    if _make_encoder is None:
        return _JSON_ENCODER.encode(content).encode("utf-8")
    # PERF: the C encoder JSONEncoder.encode ends up in, built directly: no Python frames nor closure per call.
    encode = _make_encoder({}, _JSON_ENCODER.default, _encode_basestring, None, ":", ",", False, False, False)
    return "".join(encode(content, 0)).encode("utf-8")


def response_init_headers(self: ResponseFields, headers: Mapping[str, str] | None = None) -> None:
    """``Response.init_headers``: ``self.raw_headers`` from ``headers``, the body's length, media type and status."""
    body: bytes | memoryview | None = getattr(self, "body", None)
    if type(body) is bytes:
        body_length = len(body)  # PERF: the usual body, sized without isinstance checks.
    elif body is None:
        body_length = -1
    elif isinstance(body, memoryview):
        body_length = body.nbytes
    else:
        body_length = len(body)
    # NOTE: the status only bears on a body's length: without a body it is not read (a subclass may set it later).
    status_code = 0 if body is None else self.status_code
    self.raw_headers = init_raw_headers(headers, body_length, self.media_type, self.charset, status_code)


def start_tracking(send: Send) -> StartTrackingSend:
    """A tracking ``send`` for an app about to run: ``send`` itself when it already tracks and has not started.

    NOTE: the outer tracker only sees this app's messages while the app runs, so sharing it answers
    "did this app start a response?" exactly as a fresh wrapper would.
    """
    # PERF: one tracker per request instead of one per layer (server errors, exceptions, the route).
    if type(send) is StartTrackingSend and not send.started:
        return send
    return StartTrackingSend(send)


def _untracked(send: Send) -> Send:
    """``send`` past the trackers that have seen the response start: they have nothing left to record."""
    while type(send) is StartTrackingSend and send.started:
        send = send.send
    return send


def init_raw_headers(
    headers: Mapping[str, str] | None,
    body_length: int,
    media_type: str | None,
    charset: str,
    status_code: int,
) -> RawHeaders:
    """Encode ``headers`` and add ``content-length`` (when ``body_length >= 0``) and ``content-type`` unless given.

    1xx, 204 and 304 responses never get a ``content-length``; a ``text/*`` media type without a charset gets
    ``charset``.
    """
    if headers is not None:
        raw = [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in headers.items()]
        has_length = has_type = False
        for key, _ in raw:
            if key == b"content-length":
                has_length = True
            elif key == b"content-type":
                has_type = True
    else:
        raw = []
        has_length = has_type = False
    if body_length >= 0 and not has_length and not (status_code < 200 or status_code == 204 or status_code == 304):
        raw.append((b"content-length", str(body_length).encode("latin-1")))
    if media_type is not None and not has_type:
        if media_type.startswith("text/") and "charset=" not in media_type.lower():
            media_type += "; charset=" + charset
        raw.append((b"content-type", media_type.encode("latin-1")))
    return raw


async def send_stream(
    send: Send,
    status_code: int,
    raw_headers: RawHeaders,
    iterator: AsyncIterable[str | bytes | memoryview],
    charset: str,
) -> None:
    """Send each chunk of ``iterator`` (``str`` chunks encoded with ``charset``), then close the body."""
    await send({"type": "http.response.start", "status": status_code, "headers": raw_headers})
    # PERF: the chunks skip the start trackers, a call per message that would record nothing more.
    send = _untracked(send)
    async for chunk in iterator:
        if not isinstance(chunk, (bytes, memoryview)):
            chunk = chunk.encode(charset)
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def send_file_range(send: Send, read: ReadPieces, start: int, end: int, more_body: bool) -> bool:
    """Send bytes ``[start, end)`` piece by piece as ``read`` hands them back; whether the file held all of them.

    The last piece carries ``more_body``; an empty piece (the end of a file shorter than ``end``) ends the range early.
    """
    position = start
    while True:
        for piece in await read(position, end):
            position += len(piece)
            last = position >= end or not piece
            await send({"type": "http.response.body", "body": piece, "more_body": more_body or not last})
            if last:
                return position >= end


async def send_file_ranges(
    send: Send, read: ReadPieces, ranges: Sequence[tuple[int, int]], part_headers: Sequence[bytes], closing: bytes
) -> bool:
    """Send a ``multipart/byteranges`` body: each range preceded by its part header, then ``closing``.

    ``False``, with the body left unfinished, as soon as the file turns out too short for a range.
    """
    for (start, end), part_header in zip(ranges, part_headers, strict=True):
        await send({"type": "http.response.body", "body": part_header, "more_body": True})
        if not await send_file_range(send, read, start, end, True):
            return False
        await send({"type": "http.response.body", "body": b"\r\n", "more_body": True})
    await send({"type": "http.response.body", "body": closing, "more_body": False})
    return True


# NOTE: past the end of any file; a longer digit string is not converted (int() of thousands of digits is slow).
_BEYOND = 10**20


def _position(digits: str) -> int:
    significant = digits.lstrip("0")
    return int(significant or "0") if len(significant) < 20 else _BEYOND


def parse_byte_ranges(spec: str, size: int) -> list[tuple[int, int]]:
    """The parts of a ``Range: bytes=`` set (``spec`` is what follows ``=``) as half-open ``(start, end)`` pairs.

    Positions are ASCII digits; a part that does not parse is skipped. ``end`` is clamped to ``size``;
    ``-n`` is the last ``n`` bytes (the whole file when ``n > size``, ``(size, size)`` when ``n`` is 0).
    An inverted part (``last < first``) comes back with ``start >= end``.
    """
    pairs: list[tuple[int, int]] = []
    for part in spec.split(","):
        first, dash, last = part.partition("-")
        first, last = first.strip(), last.strip()
        if not dash or not (first or last):
            continue
        if not all(text.isascii() and text.isdigit() for text in (first, last) if text):
            continue
        if not first:
            count = _position(last)
            pairs.append((max(size - count, 0) if count else size, size))
        else:
            pairs.append((_position(first), min(_position(last) + 1, size) if last else size))
    return pairs


def merge_ranges(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``pairs`` sorted, with overlapping and adjacent ranges joined; in O(n log n) (GHSA-7f5h-v6xp-fcq8)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pairs):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
