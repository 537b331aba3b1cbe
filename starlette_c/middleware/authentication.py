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
from starlette_c.websockets import WebSocketClose

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
        if scope["type"] in ("http", "websocket"):
            connection = HTTPConnection(scope)
            try:
                outcome = await self.backend.authenticate(connection)
            except AuthenticationError as error:
                refusal: ASGIApp = self.on_error(connection, error)
                if scope["type"] == "websocket":
                    # NOTE: on_error still runs (it may log or raise); a handshake is closed rather than answered.
                    refusal = WebSocketClose()
                await refusal(scope, receive, send)
                return
            if outcome is None:
                outcome = AuthCredentials(), UnauthenticatedUser()
            scope["auth"], scope["user"] = outcome
        await self.app(scope, receive, send)

    @staticmethod
    def default_on_error(conn: HTTPConnection, exc: Exception) -> Response:
        return PlainTextResponse(str(exc), status_code=400)
