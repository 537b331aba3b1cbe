"""``TrustedHostMiddleware``: refuses requests whose ``Host`` header is not one of the allowed hosts."""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette_c.datastructures import URL, Headers
from starlette_c.responses import PlainTextResponse, RedirectResponse, Response
from starlette_c.types import ASGIApp, Receive, Scope, Send

ENFORCE_DOMAIN_WILDCARD = "Domain wildcard patterns must be like '*.example.com'."


def _check_pattern(pattern: str) -> None:
    if "*" in pattern[1:] or (pattern.startswith("*") and pattern != "*" and not pattern.startswith("*.")):
        raise AssertionError(ENFORCE_DOMAIN_WILDCARD)


# NOTE: a Host header that is not a plain name (or IPv6 literal) with an optional numeric port matches nothing.
_HOST_HEADER = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]*)(?::[0-9]{0,5})?")


def _hostname(host_header: str) -> str:
    match = _HOST_HEADER.fullmatch(host_header)
    return match.group(1).lower() if match is not None else ""


class TrustedHostMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        allowed_hosts: Sequence[str] | None = None,
        www_redirect: bool = True,
    ) -> None:
        if allowed_hosts is None:
            allowed_hosts = ["*"]
        for pattern in allowed_hosts:
            _check_pattern(pattern)
        self.app = app
        self.allowed_hosts = list(allowed_hosts)
        self.allow_any = "*" in allowed_hosts
        self.www_redirect = www_redirect
        # NOTE: host names are case-insensitive, so matching is done on lower-cased names (the reference is exact).
        self._exact = frozenset(pattern.lower() for pattern in allowed_hosts if not pattern.startswith("*"))
        self._suffixes = tuple(pattern[1:].lower() for pattern in allowed_hosts if pattern.startswith("*."))

    def _is_allowed(self, host: str) -> bool:
        return host in self._exact or host.endswith(self._suffixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        host = _hostname(Headers(scope=scope).get("host", ""))
        if self._is_allowed(host):
            await self.app(scope, receive, send)
            return

        response: Response
        if self.www_redirect and f"www.{host}" in self._exact:
            url = URL(scope=scope)
            response = RedirectResponse(url=str(url.replace(netloc=f"www.{url.netloc}")))
        else:
            response = PlainTextResponse("Invalid host header", status_code=400)
        await response(scope, receive, send)
