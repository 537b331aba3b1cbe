"""``HTTPSRedirectMiddleware``: sends every ``http``/``ws`` request to its ``https``/``wss`` twin."""

from __future__ import annotations

from starlette_c._stock import Stepped
from starlette_c._utils import parse_raw_host
from starlette_c.datastructures import URL
from starlette_c.middleware._raw_headers import get_value
from starlette_c.responses import PlainTextResponse, RedirectResponse, Response
from starlette_c.types import ASGIApp, Scope, Send

_SECURE_SCHEMES = {"http": "https", "ws": "wss"}


def _authority(scope: Scope) -> str | None:
    """The redirect's netloc: the Host header when well-formed, else the server address; None when neither is."""
    parsed, _ = parse_raw_host(get_value(scope["headers"], b"host"))
    port: int | None
    if parsed is not None and (parsed.port is None or int(parsed.port) <= 65535):
        host, port = parsed.host, None if parsed.port is None else int(parsed.port)
    elif scope.get("server"):
        host, port = scope["server"]
        host = f"[{host}]" if ":" in host else host
        # NOTE: the server's port 80 is the request URL's default port: not written, as if the Host had none.
        port = None if port == 80 else port
    else:
        return None
    if port is None:
        return host
    # NOTE: a written default port of either scheme is dropped and the host lower-cased, as in Starlette.
    return host.lower() if port in (80, 443) else f"{host}:{port}"


class HTTPSRedirectMiddleware(Stepped):
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def _step(self, scope: Scope, send: Send) -> tuple[ASGIApp, Send]:
        if scope["type"] not in ("http", "websocket") or scope.get("scheme", "http") not in _SECURE_SCHEMES:
            return self.app, send
        netloc = _authority(scope)
        response: Response
        if netloc is None:
            response = PlainTextResponse("Invalid host header", status_code=400)
        else:
            url = URL(scope=scope)
            response = RedirectResponse(url.replace(scheme=_SECURE_SCHEMES[url.scheme], netloc=netloc), 307)
        return response, send
