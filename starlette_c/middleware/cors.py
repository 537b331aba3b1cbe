"""``CORSMiddleware``: answers CORS preflight requests and adds CORS headers to every other response."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection

from starlette_c._backend import senders
from starlette_c._stock import Stepped, stock
from starlette_c.datastructures import Headers, MutableHeaders
from starlette_c.middleware._raw_headers import RawHeaders, add_vary, set_value
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send

HeaderEdit = senders.HeaderEdit

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
SAFELISTED_HEADERS = {"Accept", "Accept-Language", "Content-Language", "Content-Type"}
_SAFE_METHODS = ("GET",)

# NOTE: every request header a preflight answer depends on, so caches keep answers apart.
_PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
)


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

    # PERF: the twin's functions are the methods (compiled: no Python frame per request).
    _step = senders.cors_step
    _start_hook: Callable[[bytes], senders.StartHook] = senders.cors_start_hook  # type: ignore[assignment]

    def _step_with_headers(self, scope: Scope, send: Send) -> tuple[ASGIApp, Send]:
        """The step of a preflight, or of any request through a patched simple_response or send."""
        request_headers = Headers(scope=scope)
        if (
            scope["method"] == "OPTIONS"
            and "origin" in request_headers
            and "access-control-request-method" in request_headers
        ):
            return self.preflight_response(request_headers=request_headers), send
        return functools.partial(self.simple_response, request_headers=request_headers), send

    @stock
    def is_allowed_origin(self, origin: str) -> bool:
        return senders.origin_allowed(origin, self.allow_all_origins, self.allow_origin_regex, self.allow_origins)

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
        await self.app(scope, receive, functools.partial(self.send, send=send, request_headers=request_headers))

    @stock
    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        if message["type"] == "http.response.start":
            origin = request_headers.get("origin")
            hook = senders.VARY_ORIGIN if origin is None else self._start_hook(origin.encode("latin-1"))
            hook(message)
        await send(message)

    def _mark_start(self, message: Message, origin: str) -> None:
        if not self.preflight_explicit_allow_origin or not self.is_allowed_origin(origin):
            HeaderEdit(self._simple_pairs(), b"Origin")(message)
            return
        HeaderEdit(self._simple_pairs(), None)(message)
        self.allow_explicit_origin(MutableHeaders(raw=message["headers"]), origin)

    def _simple_pairs(self) -> senders.RawPairs:
        if not self.simple_headers:
            return ()
        return tuple(
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in self.simple_headers.items()
        )

    @staticmethod
    @stock
    def allow_explicit_origin(headers: MutableHeaders, origin: str) -> None:
        _allow_origin(headers.raw, origin)


def _allow_origin(raw: RawHeaders, origin: str) -> None:
    set_value(raw, b"access-control-allow-origin", origin.encode("latin-1"))
    add_vary(raw, b"Origin")
