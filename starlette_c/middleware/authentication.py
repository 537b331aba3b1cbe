"""``AuthenticationMiddleware``: runs an authentication backend and fills ``scope["auth"]`` / ``scope["user"]``."""

from __future__ import annotations

from collections.abc import Callable

from starlette_c.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    UnauthenticatedUser,
)
from starlette_c.requests import HTTPConnection
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.types import ASGIApp, Receive, Scope, Send
from starlette_c.websockets import WebSocketClose


class AuthenticationMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        backend: AuthenticationBackend,
        on_error: Callable[[HTTPConnection, AuthenticationError], Response] | None = None,
    ) -> None:
        self.app = app
        self.backend = backend
        self.on_error: Callable[[HTTPConnection, AuthenticationError], Response] = (
            on_error if on_error is not None else self.default_on_error
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        conn = HTTPConnection(scope)
        try:
            result = await self.backend.authenticate(conn)
        except AuthenticationError as exc:
            if scope["type"] == "websocket":
                await WebSocketClose()(scope, receive, send)
            else:
                await self.on_error(conn, exc)(scope, receive, send)
            return

        scope["auth"], scope["user"] = result if result is not None else (AuthCredentials(), UnauthenticatedUser())
        await self.app(scope, receive, send)

    @staticmethod
    def default_on_error(conn: HTTPConnection, exc: Exception) -> Response:
        return PlainTextResponse(str(exc), status_code=400)
