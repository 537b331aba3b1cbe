"""``HTTPSRedirectMiddleware``: sends every ``http``/``ws`` request to its ``https``/``wss`` twin."""

from __future__ import annotations

from starlette_c.datastructures import URL
from starlette_c.responses import RedirectResponse
from starlette_c.types import ASGIApp, Receive, Scope, Send

_SECURE_SCHEMES = {"http": "https", "ws": "wss"}


class HTTPSRedirectMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope.get("scheme", "http") in _SECURE_SCHEMES:
            url = URL(scope=scope)
            netloc = url.hostname if url.port in (80, 443) else url.netloc
            secure_url = url.replace(scheme=_SECURE_SCHEMES[url.scheme], netloc=netloc)
            await RedirectResponse(secure_url, status_code=307)(scope, receive, send)
            return
        await self.app(scope, receive, send)
