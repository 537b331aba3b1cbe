"""``TrustedHostMiddleware``: refuses requests whose ``Host`` header names none of the allowed hosts."""

from __future__ import annotations

from collections.abc import Sequence

from starlette_c._stock import Stepped
from starlette_c._utils import parse_raw_host
from starlette_c.datastructures import URL
from starlette_c.middleware._raw_headers import get_value
from starlette_c.responses import PlainTextResponse, RedirectResponse, Response
from starlette_c.types import ASGIApp, Scope, Send

ENFORCE_DOMAIN_WILDCARD = "Domain wildcard patterns must be like '*.example.com'."


class TrustedHostMiddleware(Stepped):
    """Answers 400 (or redirects to the ``www.`` host) unless the Host header matches an allowed pattern."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str] | None = None, www_redirect: bool = True) -> None:
        patterns = ["*"] if allowed_hosts is None else list(allowed_hosts)
        for pattern in patterns:
            wildcard_elsewhere = "*" in pattern[1:]
            if wildcard_elsewhere or (pattern.startswith("*") and pattern not in ("*",) and pattern[:2] != "*."):
                raise AssertionError(ENFORCE_DOMAIN_WILDCARD)
        self.app = app
        self.allowed_hosts = patterns
        self.allow_any = "*" in patterns
        self.www_redirect = www_redirect
        # NOTE: host names are case-insensitive: patterns and hosts are compared lower-cased.
        self._names = frozenset(pattern.lower() for pattern in patterns if pattern[:1] != "*")
        self._suffixes = tuple(pattern[1:].lower() for pattern in patterns if pattern[:2] == "*.")

    def _step(self, scope: Scope, send: Send) -> tuple[ASGIApp, Send]:
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            return self.app, send

        parsed, host = parse_raw_host(get_value(scope["headers"], b"host"))
        if parsed is not None and (host in self._names or host.endswith(self._suffixes)):
            return self.app, send

        response: Response = PlainTextResponse("Invalid host header", status_code=400)
        if parsed is not None and self.www_redirect and "www." + host in self._names:
            url = URL(scope=scope)
            response = RedirectResponse(url=str(url.replace(netloc="www." + url.netloc)))
        return response, send
