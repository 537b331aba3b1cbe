"""The ``send`` wrappers of the stock middleware: hooks on the response start, and a start held for its first body.

The steps of stock CORS, GZip and Session (``cors_step``, ``gzip_step``, ``session_step``) are here too: each
is its middleware's ``_step`` method, so that in the compiled twin a request's step runs no Python frame.

Every wrapper hands back the wrapped ``send``'s awaitable (or one that is already done): no coroutine per
message. The compiled twin makes each message a C-level call, with no Python frame for the messages a
wrapper only passes on.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Awaitable, Callable, Collection, Iterable
from types import ModuleType
from typing import Any, Protocol

from starlette_c._pure.datastructures import raw_add_vary, raw_get, raw_set
from starlette_c._stock import STOCK
from starlette_c.types import ASGIApp, Message, Scope, Send

RawPairs = tuple[tuple[bytes, bytes], ...]
StartHook = Callable[[Message], None]

UNDECIDED = 0
RELAY = 1
ENCODE = 2


class _Done(tuple[()]):
    """An awaitable that is already done, for a message that is held back or dropped rather than sent."""

    # PERF: awaiting it runs a C iterator that ends at once, with no coroutine or Python frame.
    __await__ = tuple.__iter__


DONE: Awaitable[None] = _Done()  # type: ignore[assignment]


class HeaderEdit:
    """A start hook as data: each of ``pairs`` is set (as ``raw_set``), then ``vary`` joins ``Vary`` when given."""

    __slots__ = ("pairs", "vary")

    def __init__(self, pairs: RawPairs, vary: bytes | None) -> None:
        self.pairs = tuple(pairs)
        self.vary = vary

    def __call__(self, message: Message) -> None:
        # NOTE: edits go to a copy, as with MutableHeaders(scope=message): the sender may reuse its list.
        message["headers"] = raw = list(message.get("headers", ()))
        for name, value in self.pairs:
            raw_set(raw, name, value)
        if self.vary is not None:
            raw_add_vary(raw, self.vary)


class Accessed(Protocol):
    accessed: bool


SessionHook = Callable[[Message, Any, Any], None]


class WhenAccessed:
    """A start hook: the start gets a header list; ``hook(message, session, extra)`` runs if ``session.accessed``."""

    __slots__ = ("session", "hook", "extra")

    def __init__(self, session: Accessed, hook: SessionHook, extra: Any) -> None:
        self.session = session
        self.hook = hook
        self.extra = extra

    def __call__(self, message: Message) -> None:
        message.setdefault("headers", [])
        if self.session.accessed:
            self.hook(message, self.session, self.extra)


class StartHooksSend:
    """A ``send`` that runs ``hooks`` in order on the ``http.response.start`` message; others pass straight on."""

    __slots__ = ("send", "hooks")

    def __init__(self, send: Send, hooks: tuple[StartHook, ...]) -> None:
        self.send = send
        self.hooks = hooks

    def __call__(self, message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            for hook in self.hooks:
                hook(message)
        return self.send(message)


def origin_allowed(origin: str, allow_all: bool, pattern: re.Pattern[str] | None, allowed: Collection[str]) -> bool:
    """Whether CORS allows ``origin``: any origin, one the ``pattern`` matches whole, or one of ``allowed``."""
    if allow_all:
        return True
    return (pattern is not None and pattern.fullmatch(origin) is not None) or origin in allowed


def cors_edit(
    origin: bytes,
    pairs: RawPairs,
    explicit: bool,
    allow_all: bool,
    pattern: re.Pattern[str] | None,
    allowed: Collection[str],
) -> HeaderEdit:
    """The edit of a simple CORS response's start: ``pairs``, the origin when it is echoed and allowed, Vary."""
    if explicit and origin_allowed(origin.decode("latin-1"), allow_all, pattern, allowed):
        pairs = (*pairs, (b"access-control-allow-origin", origin))
    return HeaderEdit(pairs, b"Origin")


# NOTE: what a response to a request without an Origin gets.
VARY_ORIGIN = HeaderEdit((), b"Origin")


def _set_on(middleware: Any, *names: str) -> bool:
    """Whether ``middleware`` itself holds one of the methods ``names`` (set on the instance: its class's is not
    what runs)."""
    own = getattr(middleware, "__dict__", {})
    return any(name in own for name in names)


def cors_step(middleware: Any, scope: Scope, send: Send) -> tuple[ASGIApp, Send]:
    """``CORSMiddleware._step``: the app and ``send`` a request goes on with."""
    if scope["type"] != "http":
        return middleware.app, send
    # NOTE: a patched simple_response or send is called for every request, with an Origin or without.
    cls = type(middleware)
    if (
        cls.simple_response is not STOCK["CORSMiddleware.simple_response"]
        or cls.send is not STOCK["CORSMiddleware.send"]
        or _set_on(middleware, "simple_response", "send")
    ):
        return middleware._step_with_headers(scope, send)  # type: ignore[no-any-return]
    # PERF: a scan of the raw headers decides the common case, a request without an Origin, with no Headers.
    origin = raw_get(scope["headers"], b"origin")
    if origin is None:
        return middleware.app, on_start(send, VARY_ORIGIN)
    # PERF: a simple request through the stock simple_response and send is marked with no Headers at all.
    if scope["method"] != "OPTIONS":
        return middleware.app, on_start(send, cors_start_hook(middleware, origin))
    return middleware._step_with_headers(scope, send)  # type: ignore[no-any-return]


def cors_start_hook(middleware: Any, origin: bytes) -> StartHook:
    """``CORSMiddleware._start_hook``: what marking the start of a simple response to ``origin`` does."""
    cls = type(middleware)
    if (
        cls.is_allowed_origin is not STOCK["CORSMiddleware.is_allowed_origin"]
        or cls.allow_explicit_origin is not STOCK["CORSMiddleware.allow_explicit_origin"]
        or _set_on(middleware, "is_allowed_origin", "allow_explicit_origin")
    ):
        return functools.partial(middleware._mark_start, origin=origin.decode("latin-1"))
    # NOTE: the stock is_allowed_origin depends on nothing but the origin: asked now, it answers as at the start.
    return cors_edit(
        origin,
        # PERF: no call for the common empty simple_headers.
        middleware._simple_pairs() if middleware.simple_headers else (),
        middleware.preflight_explicit_allow_origin,
        middleware.allow_all_origins,
        middleware.allow_origin_regex,
        middleware.allow_origins,
    )


# NOTE: the middleware modules, imported when first needed (they import this one); their classes are read per request.
_modules: dict[str, ModuleType] = {}


def _middleware_module(name: str) -> Any:
    module = _modules.get(name)
    if module is None:
        module = _modules[name] = importlib.import_module(f"starlette_c.middleware.{name}")
    return module


def gzip_step(middleware: Any, scope: Scope, send: Send) -> tuple[ASGIApp, Send]:
    """``GZipMiddleware._step``: the app and ``send`` a request goes on with."""
    if scope["type"] != "http":
        return middleware.app, send
    # NOTE: as `Headers(scope=scope).get("accept-encoding", "")`: the first such header, matched case-sensitively.
    accepted = raw_get(scope["headers"], b"accept-encoding") or b""
    gzip = b"gzip" in accepted
    module = _middleware_module("gzip")
    responder_class = module.GZipResponder if gzip else module.IdentityResponder
    # NOTE: a responder class with a patched step still gets its responder, as in the reference.
    if (
        responder_class.__call__ is not STOCK["Stepped.__call__"]
        or responder_class._step is not STOCK["IdentityResponder._step"]
        or responder_class.send_with_compression is not STOCK["IdentityResponder.send_with_compression"]
    ):
        return middleware._responder(gzip), send
    # PERF: the responder is made only for a body that may be encoded; most responses never need one.
    owner = middleware._gzip_settler if gzip else middleware._identity_settler
    return middleware.app, HeldStart(send, middleware.minimum_size, middleware.exclude_content_types, owner)


def session_step(middleware: Any, scope: Scope, send: Send) -> tuple[ASGIApp, Send]:
    """``SessionMiddleware._step``: ``scope["session"]`` loaded, and the app and ``send`` to go on with."""
    if scope["type"] not in ("http", "websocket"):
        return middleware.app, send
    # PERF: most requests carry no Cookie header: the scan tells so without a call to parse them.
    cookie = None if raw_get(scope["headers"], b"cookie") is None else middleware._incoming_cookie(scope)
    loaded = None if cookie is None else middleware._load(cookie)
    had_session = loaded is not None
    session_class = _middleware_module("sessions").Session
    # PERF: a request without a session cookie gets an empty session with no dictionary to copy.
    session = scope["session"] = session_class() if loaded is None else session_class(loaded)
    # PERF: an untouched session's start costs no Python call.
    return middleware.app, on_start(send, WhenAccessed(session, middleware._send_cookie, had_session))


def on_start(send: Send, hook: StartHook) -> StartHooksSend:
    """``send`` with ``hook`` run on the response start; around another such send, one send runs both hooks."""
    # PERF: fused, the start is edited by every hook in one call and body messages skip a layer.
    if type(send) is StartHooksSend:
        # NOTE: the outer hook first, as nested wrappers would run them.
        return StartHooksSend(send.send, (hook, *send.hooks))
    return StartHooksSend(send, (hook,))


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


@functools.lru_cache(maxsize=256)
def excluded(excluded_types: tuple[str, ...], content_type: bytes) -> bool:
    """Whether a response of ``content_type`` is left unencoded by the (normalized) ``excluded_types``."""
    # PERF: cached, since an app answers with a handful of content types.
    kind = media_type(content_type.decode("latin-1"))
    if kind in excluded_types or kind.split("/", 1)[0] + "/*" in excluded_types:
        return True
    # NOTE: every native gRPC subtype (application/grpc+proto, +json, ...) falls under application/grpc.
    return kind.startswith("application/grpc+") and "application/grpc" in excluded_types


def never_encoded(status: int, headers: Iterable[tuple[bytes, bytes]], excluded_types: tuple[str, ...]) -> bool:
    """Whether a response starting so goes out as it is: partial, already encoded, or of an excluded type."""
    if status == 206:
        return True
    content_type = None
    for name, value in headers:
        if name == b"content-encoding":
            return True
        if name == b"content-type" and content_type is None:
            content_type = value
    return content_type is not None and excluded(excluded_types, content_type)


class Settler(Protocol):
    def _settle(self, held: Any, first: Message) -> Awaitable[None]: ...


async def send_both(send: Send, start: Message, message: Message) -> None:
    await send(start)
    await send(message)


class HeldStart:
    """The ``send`` of a response whose start waits for the first body to tell how the bodies go out (gzip).

    A response never encoded goes out as it comes; one whose only body is smaller than ``minimum_size``
    too, once that body arrives. Otherwise ``owner._settle(held, first)`` sends the start and the first
    body, and sets ``encode`` (the send of the bodies after it) and ``mode`` to ``ENCODE`` if it encodes.
    """

    __slots__ = ("send", "minimum_size", "excluded", "owner", "start", "mode", "encode")

    def __init__(self, send: Send, minimum_size: int, excluded: tuple[str, ...], owner: Settler) -> None:
        self.send = send
        self.minimum_size = minimum_size
        self.excluded = excluded
        self.owner = owner
        self.start: Message = {}
        self.mode = UNDECIDED
        self.encode: Send = send

    def __call__(self, message: Message) -> Awaitable[None]:
        kind = message["type"]
        if kind == "http.response.start":
            headers = message.setdefault("headers", [])
            self.start = message
            # NOTE: a response that will go out as it is needs no body to decide on: its start leaves at once.
            if never_encoded(message["status"], headers, self.excluded):
                self.mode = RELAY
                return self.send(message)
            return DONE
        if kind == "http.response.body":
            mode = self.mode
            if mode == RELAY:
                return self.send(message)
            if mode == ENCODE:
                return self.encode(message)
            self.mode = RELAY
            if message.get("more_body", False) or len(message.get("body", b"")) >= self.minimum_size:
                return self.owner._settle(self, message)
            return send_both(self.send, self.start, message)
        if kind == "http.response.pathsend":
            if self.mode == UNDECIDED:
                self.mode = RELAY
                return send_both(self.send, self.start, message)
            return self.send(message)
        if kind in ("http.response.trailers", "http.response.early_hint"):
            return self.send(message)
        # NOTE: as in the reference, messages of other types (debug, zerocopysend, ...) are not forwarded.
        return DONE
