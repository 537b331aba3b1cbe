"""Request body size limits (1.6): ``413 Content Too Large`` once a request body outgrows the limit in force.

The outermost ``RequestBodyLimitMiddleware`` of a request counts the body bytes the server delivers (one
``RequestBodyLimitResponder`` per request, kept in the scope). A limit met further in (a route's, a mount's, a
mounted application's) replaces the limit in force from then on, against the same count.
"""

from __future__ import annotations

from typing import Any

from starlette_c.exceptions import HTTPException
from starlette_c.middleware._raw_headers import get_value
from starlette_c.responses import PlainTextResponse
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_SIZE_SCOPE_KEY = "starlette.max_body_size"
_NO_LIMIT: Any = object()
_BODY_LIMIT_RESPONDER_SCOPE_KEY = "starlette._body_limit_responder"


class _RequestBodyTooLarge(HTTPException):
    """Raised by ``receive`` when the body is (or is declared) larger than the limit in force."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Content Too Large")


class _RequestBodyLimitResponseSent(Exception):
    """Raised by ``send`` when the 413 went out in place of the response the app started."""


def _declared_length(scope: Scope) -> int | None:
    """The first ``Content-Length`` as a non-negative int; None when it is absent or not a number."""
    value = get_value(scope.get("headers") or (), b"content-length")
    if value is None:
        return None
    try:
        length = int(value.decode("latin-1"))
    except ValueError:
        return None
    return length if length >= 0 else None


class RequestBodyLimitResponder:
    """Serve one request under a body limit: count what ``receive`` returns, answer 413 when it is exceeded."""

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size
        self.received = 0
        self.declared: int | None = None
        self.started = False
        self.replaced = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope, self.receive, self.send = scope, receive, send
        self.declared = _declared_length(scope)
        outer_limit = scope.get(MAX_BODY_SIZE_SCOPE_KEY, _NO_LIMIT)
        scope[MAX_BODY_SIZE_SCOPE_KEY] = self.max_body_size
        scope[_BODY_LIMIT_RESPONDER_SCOPE_KEY] = self
        try:
            await self.app(scope, self.receive_with_limit, self.send_with_limit)
        except _RequestBodyLimitResponseSent:
            pass
        except _RequestBodyTooLarge:
            if self.started:
                raise
            await self._send_too_large()
        finally:
            # NOTE: the limit is this request's business: the caller gets its scope back as it gave it.
            if outer_limit is _NO_LIMIT:
                scope.pop(MAX_BODY_SIZE_SCOPE_KEY, None)
            else:
                scope[MAX_BODY_SIZE_SCOPE_KEY] = outer_limit
            scope.pop(_BODY_LIMIT_RESPONDER_SCOPE_KEY, None)

    def _declared_too_large(self) -> bool:
        return self.declared is not None and self.declared > self.max_body_size

    def _refuse_if_over(self) -> None:
        # NOTE: a limit lowered further in applies to bytes already counted (a body read, then replayed, by middleware).
        if self.received > self.max_body_size or self._declared_too_large():
            raise _RequestBodyTooLarge()

    def guarding(self, receive: Receive) -> Receive:
        """``receive`` for an app inside a nested limit: refused once the count so far is over the limit in force."""

        async def receive_under_limit() -> Message:
            self._refuse_if_over()
            return await receive()

        return receive_under_limit

    async def _send_too_large(self) -> None:
        self.started = self.replaced = True
        await PlainTextResponse("Content Too Large", status_code=413)(self.scope, self.receive, self.send)

    async def receive_with_limit(self) -> Message:
        # NOTE: a declared length over the limit is refused before a byte is read.
        self._refuse_if_over()
        message = await self.receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_body_size:
                raise _RequestBodyTooLarge()
        return message

    async def send_with_limit(self, message: Message) -> None:
        if self.replaced:
            # NOTE: the 413 is complete; what the app still sends would break the protocol (the reference passes it).
            return
        if message["type"] == "http.response.start" and not self.started:
            if self._declared_too_large():
                # NOTE: the app answered without reading the body it was refused (a 404, a GET handler): still 413.
                await self._send_too_large()
                raise _RequestBodyLimitResponseSent()
            self.started = True
        await self.send(message)


class RequestBodyLimitMiddleware:
    """Answer ``413 Content Too Large`` to HTTP requests whose body exceeds ``max_body_size`` bytes."""

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responder = scope.get(_BODY_LIMIT_RESPONDER_SCOPE_KEY)
        if responder is None:
            await RequestBodyLimitResponder(self.app, self.max_body_size)(scope, receive, send)
            return
        # NOTE: nested: this limit replaces the outer one, and errors are left to the outer responder.
        responder.max_body_size = scope[MAX_BODY_SIZE_SCOPE_KEY] = self.max_body_size
        await self.app(scope, responder.guarding(receive), send)
