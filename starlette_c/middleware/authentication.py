"""``AuthenticationMiddleware``: asks an authentication backend who is calling, for ``scope["auth"]``/``["user"]``."""

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

ErrorHandler = Callable[[HTTPConnection, AuthenticationError], Response]


class AuthenticationMiddleware:
    """Runs ``backend.authenticate`` on every HTTP and websocket connection before the app."""

    def __init__(
        self,
        app: ASGIApp,
        backend: AuthenticationBackend,
        on_error: Callable[[HTTPConnection, AuthenticationError], Response] | None = None,
    ) -> None:
        self.on_error: ErrorHandler = self.default_on_error if on_error is None else on_error
        self.backend = backend
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        try:
            credentials = await self.backend.authenticate(connection)
        except AuthenticationError as error:
            answer = self.on_error(connection, error)
            # NOTE: on_error runs for a websocket too (it may log or raise); the handshake is closed, not answered,
            # with a close message that carries no reason (Starlette's).
            if kind == "websocket":
                await send({"type": "websocket.close", "code": 1000})
            else:
                await answer(scope, receive, send)
            return
        if credentials is None:
            credentials = AuthCredentials(), UnauthenticatedUser()
        scope["auth"], scope["user"] = credentials
        await self.app(scope, receive, send)

    @staticmethod
    def default_on_error(conn: HTTPConnection, exc: Exception) -> Response:
        return PlainTextResponse(str(exc), status_code=400)
