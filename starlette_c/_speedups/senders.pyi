"""Type stub of the compiled twin ``starlette_c._speedups.senders``, same surface as ``_pure.senders``."""

import re
from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import Any, Protocol

from starlette_c.types import ASGIApp, Message, Scope, Send

RawPairs = tuple[tuple[bytes, bytes], ...]
StartHook = Callable[[Message], None]

UNDECIDED: int
RELAY: int
ENCODE: int
DONE: Awaitable[None]

class HeaderEdit:
    """A start hook as data: each of ``pairs`` is set (as ``raw_set``), then ``vary`` joins ``Vary`` when given."""

    pairs: RawPairs
    vary: bytes | None
    def __init__(self, pairs: RawPairs, vary: bytes | None) -> None: ...
    def __call__(self, message: Message) -> None: ...

class Accessed(Protocol):
    accessed: bool

SessionHook = Callable[[Message, Any, Any], None]

class WhenAccessed:
    """A start hook: the start gets a header list; ``hook(message, session, extra)`` runs if ``session.accessed``."""

    session: Accessed
    hook: SessionHook
    extra: Any
    def __init__(self, session: Accessed, hook: SessionHook, extra: Any) -> None: ...
    def __call__(self, message: Message) -> None: ...

class StartHooksSend:
    """A ``send`` that runs ``hooks`` in order on the ``http.response.start`` message; others pass straight on."""

    send: Send
    hooks: tuple[StartHook, ...]
    def __init__(self, send: Send, hooks: tuple[StartHook, ...]) -> None: ...
    def __call__(self, message: Message) -> Awaitable[None]: ...

def origin_allowed(origin: str, allow_all: bool, pattern: re.Pattern[str] | None, allowed: Collection[str]) -> bool: ...
def cors_edit(
    origin: bytes,
    pairs: RawPairs,
    explicit: bool,
    allow_all: bool,
    pattern: re.Pattern[str] | None,
    allowed: Collection[str],
) -> HeaderEdit: ...

VARY_ORIGIN: HeaderEdit

def cors_step(middleware: Any, scope: Scope, send: Send) -> tuple[ASGIApp, Send]: ...
def cors_start_hook(middleware: Any, origin: bytes) -> StartHook: ...
def gzip_step(middleware: Any, scope: Scope, send: Send) -> tuple[ASGIApp, Send]: ...
def session_step(middleware: Any, scope: Scope, send: Send) -> tuple[ASGIApp, Send]: ...
def on_start(send: Send, hook: StartHook) -> StartHooksSend: ...
def media_type(content_type: str) -> str: ...
def excluded(excluded_types: tuple[str, ...], content_type: bytes) -> bool: ...
def never_encoded(status: int, headers: Iterable[tuple[bytes, bytes]], excluded_types: tuple[str, ...]) -> bool: ...

class Settler(Protocol):
    def _settle(self, held: Any, first: Message) -> Awaitable[None]: ...

async def send_both(send: Send, start: Message, message: Message) -> None: ...

class HeldStart:
    """The ``send`` of a response whose start waits for the first body to tell how the bodies go out (gzip)."""

    send: Send
    minimum_size: int
    excluded: tuple[str, ...]
    owner: Settler
    start: Message
    mode: int
    encode: Send
    def __init__(self, send: Send, minimum_size: int, excluded: tuple[str, ...], owner: Settler) -> None: ...
    def __call__(self, message: Message) -> Awaitable[None]: ...
