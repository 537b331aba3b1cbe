"""``CORSMiddleware``: answers CORS preflight requests and adds CORS headers to simple responses."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Sequence

from starlette_c.datastructures import Headers, MutableHeaders
from starlette_c.middleware._raw_headers import add_vary, set_value
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
SAFELISTED_HEADERS = {"Accept", "Accept-Language", "Content-Language", "Content-Type"}


class CORSMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Sequence[str] = (),
        allow_methods: Sequence[str] = ("GET",),
        allow_headers: Sequence[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Sequence[str] = (),
        max_age: int = 600,
    ) -> None:
        if "*" in allow_methods:
            allow_methods = ALL_METHODS

        allow_all_origins = "*" in allow_origins
        allow_all_headers = "*" in allow_headers
        # NOTE: with credentials the browser refuses "*", so the request's own origin is echoed instead.
        preflight_explicit_allow_origin = not allow_all_origins or allow_credentials
        listed_headers = sorted(SAFELISTED_HEADERS | set(allow_headers))

        simple_headers: dict[str, str] = {}
        if allow_all_origins:
            simple_headers["Access-Control-Allow-Origin"] = "*"
        if allow_credentials:
            simple_headers["Access-Control-Allow-Credentials"] = "true"
        if expose_headers:
            simple_headers["Access-Control-Expose-Headers"] = ", ".join(expose_headers)

        preflight_headers: dict[str, str] = {}
        if preflight_explicit_allow_origin:
            preflight_headers["Vary"] = "Origin"
        else:
            preflight_headers["Access-Control-Allow-Origin"] = "*"
        preflight_headers["Access-Control-Allow-Methods"] = ", ".join(allow_methods)
        preflight_headers["Access-Control-Max-Age"] = str(max_age)
        if not allow_all_headers:
            preflight_headers["Access-Control-Allow-Headers"] = ", ".join(listed_headers)
        if allow_credentials:
            preflight_headers["Access-Control-Allow-Credentials"] = "true"

        self.app = app
        self.allow_origins = allow_origins
        self.allow_methods = allow_methods
        self.allow_headers = [header.lower() for header in listed_headers]
        self.allow_all_origins = allow_all_origins
        self.allow_all_headers = allow_all_headers
        self.allow_credentials = allow_credentials
        self.preflight_explicit_allow_origin = preflight_explicit_allow_origin
        self.allow_origin_regex = re.compile(allow_origin_regex) if allow_origin_regex is not None else None
        self.allow_private_network = allow_private_network
        self.simple_headers = simple_headers
        self.preflight_headers = preflight_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # PERF: a scan of the raw headers for what `"origin" in Headers(scope=scope)` would find.
        origin: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
                break
        if origin is None:
            await self.app(scope, receive, send)
            return

        if scope["method"] == "OPTIONS":
            request_headers = Headers(scope=scope)
            if "access-control-request-method" in request_headers:
                await self.preflight_response(request_headers=request_headers)(scope, receive, send)
                return
        cls = type(self)
        if (
            cls.simple_response is not _STOCK_SIMPLE_RESPONSE
            or cls.send is not _STOCK_SEND
            or cls.allow_explicit_origin is not _STOCK_ALLOW_EXPLICIT_ORIGIN
        ):
            await self.simple_response(scope, receive, send, request_headers=Headers(scope=scope))
            return

        # PERF: what the stock simple_response and send do, as a plain function handing back send's awaitable
        # (no coroutine per message) that edits the raw headers.
        def send_with_cors_headers(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                # NOTE: edits go to a copy, as with MutableHeaders(scope=message): the sender may reuse its list.
                raw = message["headers"] = list(message.get("headers", ()))
                for name, value in self.simple_headers.items():
                    set_value(raw, name.lower().encode("latin-1"), value.encode("latin-1"))
                if self.preflight_explicit_allow_origin and self.is_allowed_origin(origin.decode("latin-1")):
                    set_value(raw, b"access-control-allow-origin", origin)
                    add_vary(raw, b"Origin")
            return send(message)

        await self.app(scope, receive, send_with_cors_headers)

    def is_allowed_origin(self, origin: str) -> bool:
        if self.allow_all_origins:
            return True
        if self.allow_origin_regex is not None and self.allow_origin_regex.fullmatch(origin):
            return True
        return origin in self.allow_origins

    def preflight_response(self, request_headers: Headers) -> Response:
        origin = request_headers["origin"]
        requested_method = request_headers["access-control-request-method"]
        requested_headers = request_headers.get("access-control-request-headers")

        headers = dict(self.preflight_headers)
        failures: list[str] = []

        if not self.is_allowed_origin(origin):
            failures.append("origin")
        elif self.preflight_explicit_allow_origin:
            headers["Access-Control-Allow-Origin"] = origin

        if requested_method not in self.allow_methods:
            failures.append("method")

        if requested_headers is not None:
            if self.allow_all_headers:
                headers["Access-Control-Allow-Headers"] = requested_headers
            elif any(header.strip().lower() not in self.allow_headers for header in requested_headers.split(",")):
                failures.append("headers")

        if "access-control-request-private-network" in request_headers:
            if self.allow_private_network:
                headers["Access-Control-Allow-Private-Network"] = "true"
            else:
                failures.append("private-network")

        if failures:
            return PlainTextResponse("Disallowed CORS " + ", ".join(failures), status_code=400, headers=headers)
        return PlainTextResponse("OK", status_code=200, headers=headers)

    async def simple_response(self, scope: Scope, receive: Receive, send: Send, request_headers: Headers) -> None:
        await self.app(scope, receive, functools.partial(self.send, send=send, request_headers=request_headers))

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", [])
            headers = MutableHeaders(scope=message)
            headers.update(self.simple_headers)
            origin = request_headers["origin"]
            if self.preflight_explicit_allow_origin and self.is_allowed_origin(origin):
                self.allow_explicit_origin(headers, origin)
        await send(message)

    @staticmethod
    def allow_explicit_origin(headers: MutableHeaders, origin: str) -> None:
        headers["Access-Control-Allow-Origin"] = origin
        headers.add_vary_header("Origin")


_STOCK_SIMPLE_RESPONSE = CORSMiddleware.simple_response
_STOCK_SEND = CORSMiddleware.send
_STOCK_ALLOW_EXPLICIT_ORIGIN = CORSMiddleware.allow_explicit_origin
