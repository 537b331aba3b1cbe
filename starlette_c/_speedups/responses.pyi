"""Type stub of the compiled twin ``starlette_c._speedups.responses``, same surface as ``_pure.responses``."""

from collections.abc import AsyncIterable, Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from starlette_c.types import Message, Send

RawHeaders = list[tuple[bytes, bytes]]

ReadPieces = Callable[[int, int], Awaitable[list[bytes]]]

class StartTrackingSend:
    """A ``send`` that remembers whether the response has started (after which no other can be sent)."""

    send: Send
    started: bool
    def __init__(self, send: Send) -> None: ...
    def __call__(self, message: Message) -> Awaitable[None]: ...

def start_tracking(send: Send) -> StartTrackingSend: ...

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
) -> None: ...
def json_response_init(
    self: ResponseFields,
    content: Any,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
    background: Callable[[], Awaitable[None]] | None = None,
) -> None: ...
def response_render(self: ResponseFields, content: Any) -> bytes | memoryview: ...
def json_response_render(self: ResponseFields, content: Any) -> bytes: ...
def response_init_headers(self: ResponseFields, headers: Mapping[str, str] | None = None) -> None: ...
def init_raw_headers(
    headers: Mapping[str, str] | None,
    body_length: int,
    media_type: str | None,
    charset: str,
    status_code: int,
) -> RawHeaders: ...
async def send_stream(
    send: Send,
    status_code: int,
    raw_headers: RawHeaders,
    iterator: AsyncIterable[str | bytes | memoryview],
    charset: str,
) -> None: ...
async def send_file_range(send: Send, read: ReadPieces, start: int, end: int, more_body: bool) -> bool: ...
async def send_file_ranges(
    send: Send, read: ReadPieces, ranges: Sequence[tuple[int, int]], part_headers: Sequence[bytes], closing: bytes
) -> bool: ...
def parse_byte_ranges(spec: str, size: int) -> list[tuple[int, int]]: ...
def merge_ranges(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]: ...
