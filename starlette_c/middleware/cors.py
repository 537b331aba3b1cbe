"""``CORSMiddleware``: answers CORS preflight requests and adds CORS headers to every other response."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Collection

from starlette_c._stock import STOCK, Stepped, stock
from starlette_c.datastructures import Headers, MutableHeaders
from starlette_c.middleware._raw_headers import add_vary, get_value
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
SAFELISTED_HEADERS = {"Accept", "Accept-Language", "Content-Language", "Content-Type"}
_SAFE_METHODS = ("GET",)

# NOTE: every request header a preflight answer depends on, so caches keep answers apart.
_PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
)


def _with_vary_origin(send: Send) -> Send:
    """``send`` that marks the response start with ``Vary: Origin``."""

    # PERF: a plain function handing back send's awaitable: no coroutine per message.
    def send_varying(message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            # NOTE: edits go to a copy, as with MutableHeaders(scope=message): the sender may reuse its list.
            message["headers"] = raw = list(message.get("headers", ()))
            add_vary(raw, b"Origin")
        return send(message)

    return send_varying


class CORSMiddleware(Stepped):
    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = _SAFE_METHODS,
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 10 * 60,
    ) -> None:
        methods = ALL_METHODS if "*" in allow_methods else allow_methods
        any_origin = "*" in allow_origins
        # NOTE: a credentialed answer may not say "*": the request's own origin is echoed back instead.
        echo_origin = allow_credentials or not any_origin
        listed_headers = sorted({*SAFELISTED_HEADERS, *allow_headers})

        self.app = app
        self.allow_origins = allow_origins
        self.allow_methods = methods
        self.allow_headers = [name.lower() for name in listed_headers]
        self.allow_all_origins = any_origin
        self.allow_all_headers = "*" in allow_headers
        self.allow_credentials = allow_credentials
        self.preflight_explicit_allow_origin = echo_origin
        self.allow_origin_regex = None if allow_origin_regex is None else re.compile(allow_origin_regex)
        self.allow_private_network = allow_private_network

        self.simple_headers: dict[str, str] = {}
        if any_origin:
            self.simple_headers["Access-Control-Allow-Origin"] = "*"
        if allow_credentials:
            self.simple_headers["Access-Control-Allow-Credentials"] = "true"
        if expose_headers:
            self.simple_headers["Access-Control-Expose-Headers"] = ", ".join(expose_headers)

        preflight = {"Vary": _PREFLIGHT_VARY}
        if not echo_origin:
            preflight["Access-Control-Allow-Origin"] = "*"
        preflight["Access-Control-Allow-Methods"] = ", ".join(methods)
        preflight["Access-Control-Max-Age"] = str(max_age)
        if not self.allow_all_headers:
            preflight["Access-Control-Allow-Headers"] = ", ".join(listed_headers)
        if allow_credentials:
            preflight["Access-Control-Allow-Credentials"] = "true"
        self.preflight_headers = preflight

    def _step(self, scope: Scope, send: Send) -> tuple[ASGIApp, Send]:
        if scope["type"] != "http":
            return self.app, send
        # PERF: a scan of the raw headers decides the common case, a request without an Origin, with no Headers.
        if get_value(scope["headers"], b"origin") is None:
            return self.app, _with_vary_origin(send)
        request_headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in request_headers:
            return self.preflight_response(request_headers=request_headers), send
        if type(self).simple_response is not _SIMPLE_RESPONSE:
            return functools.partial(self.simple_response, request_headers=request_headers), send
        return self.app, self._simple_send(send, request_headers)

    def is_allowed_origin(self, origin: str) -> bool:
        if self.allow_all_origins:
            return True
        pattern = self.allow_origin_regex
        return (pattern is not None and pattern.fullmatch(origin) is not None) or origin in self.allow_origins

    def preflight_response(self, request_headers: Headers) -> Response:
        headers = dict(self.preflight_headers)
        refused: list[str] = []

        origin = request_headers["origin"]
        if not self.is_allowed_origin(origin):
            refused.append("origin")
        elif self.preflight_explicit_allow_origin:
            headers["Access-Control-Allow-Origin"] = origin

        if request_headers["access-control-request-method"] not in self.allow_methods:
            refused.append("method")

        asked_headers = request_headers.get("access-control-request-headers")
        if asked_headers is not None and self.allow_all_headers:
            headers["Access-Control-Allow-Headers"] = asked_headers
        elif asked_headers is not None:
            allowed = self.allow_headers
            if not all(name.strip().lower() in allowed for name in asked_headers.split(",")):
                refused.append("headers")

        if "access-control-request-private-network" in request_headers:
            if not self.allow_private_network:
                refused.append("private-network")
            else:
                headers["Access-Control-Allow-Private-Network"] = "true"

        if refused:
            return PlainTextResponse(f"Disallowed CORS {', '.join(refused)}", status_code=400, headers=headers)
        return PlainTextResponse("OK", status_code=200, headers=headers)

    @stock
    async def simple_response(self, scope: Scope, receive: Receive, send: Send, request_headers: Headers) -> None:
        await self.app(scope, receive, self._simple_send(send, request_headers))

    def _simple_send(self, send: Send, request_headers: Headers) -> Send:
        return functools.partial(self.send, send=send, request_headers=request_headers)

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", [])
            self._mark_start(MutableHeaders(scope=message), request_headers)
        await send(message)

    def _mark_start(self, headers: MutableHeaders, request_headers: Headers) -> None:
        headers.update(self.simple_headers)
        origin = request_headers["origin"]
        if not self.preflight_explicit_allow_origin or not self.is_allowed_origin(origin):
            headers.add_vary_header("Origin")
        else:
            self.allow_explicit_origin(headers, origin)

    @staticmethod
    def allow_explicit_origin(headers: MutableHeaders, origin: str) -> None:
        headers["Access-Control-Allow-Origin"] = origin
        headers.add_vary_header("Origin")


_SIMPLE_RESPONSE = STOCK["CORSMiddleware.simple_response"]
