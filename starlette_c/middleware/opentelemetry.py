"""``OpenTelemetryMiddleware`` (experimental): one OpenTelemetry server span per HTTP request.

Only the OpenTelemetry API is used; the application picks the SDK and exporter. The span follows the HTTP
semantic conventions and is named after the matched route template found in ``scope["route"]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

try:
    from opentelemetry import metrics, propagate, trace
except ImportError:  # pragma: no cover (the test environment has the API installed)
    raise ImportError("The `opentelemetry-api` package is required to use `OpenTelemetryMiddleware`.") from None

from starlette_c import __version__
from starlette_c.datastructures import URL, Headers
from starlette_c.routing import Mount
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send

# NOTE: set on the scope by the outermost instance, so that stacked instances trace a request only once.
_TRACED_KEY = "starlette.opentelemetry"


def _exclusion_patterns(excluded_urls: str | Sequence[str]) -> tuple[re.Pattern[str], ...]:
    if isinstance(excluded_urls, str):
        excluded_urls = [part.strip() for part in excluded_urls.split(",")] if excluded_urls else []
    return tuple(re.compile(pattern) for pattern in excluded_urls)


def _route_template(scope: Scope) -> str | None:
    """The matched route's template below the mount prefix that led to it, or None when nothing matched."""
    route = scope.get("route")
    prefix: str = scope.get("root_path", "")
    if isinstance(route, Mount):
        # NOTE: a mount that served the request itself is already the whole of ``root_path``.
        return prefix
    template = getattr(route, "path_format", None)
    return prefix + template if isinstance(template, str) else None


def _request_attributes(scope: Scope, headers: Headers) -> dict[str, Any]:
    method: str = scope["method"]
    attributes: dict[str, Any] = {
        "http.request.method": method.upper(),
        "url.path": scope["path"],
        "url.scheme": scope.get("scheme", "http"),
    }
    if method != attributes["http.request.method"]:
        attributes["http.request.method_original"] = method
    query = scope.get("query_string", b"")
    if query:
        # NOTE: replaced rather than refused: a malformed query string must not break tracing of the request.
        attributes["url.query"] = query.decode("utf-8", "replace")
    url = URL(scope=scope)
    if url.hostname:
        attributes["server.address"] = url.hostname
        server = scope.get("server")
        port = url.port if url.port is not None else (server[1] if server else None)
        if port is not None:
            attributes["server.port"] = port
    version = scope.get("http_version")
    if version:
        attributes["network.protocol.version"] = version
    client = scope.get("client")
    if client:
        attributes["client.address"] = client[0]
    user_agent = headers.get("user-agent")
    if user_agent is not None:
        attributes["user_agent.original"] = user_agent
    return attributes


class OpenTelemetryMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        excluded_urls: str | Sequence[str] = (),
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        self._excluded_urls = _exclusion_patterns(excluded_urls)
        self.app = app
        # NOTE: the global provider is a proxy, so an app built before the SDK is configured still traces.
        self._tracer_provider = tracer_provider if tracer_provider is not None else trace.get_tracer_provider()
        self._meter_provider = meter_provider

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get(_TRACED_KEY):
            await self.app(scope, receive, send)
            return
        scope[_TRACED_KEY] = True
        try:
            await self._serve(scope, receive, send)
        finally:
            # NOTE: the caller gets its scope back as it gave it: served again, it is traced again.
            scope.pop(_TRACED_KEY, None)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._excluded_urls:
            full_url = str(URL(scope=scope))
            if any(pattern.search(full_url) for pattern in self._excluded_urls):
                await self.app(scope, receive, send)
                return

        headers = Headers(scope=scope)
        tracer = self._tracer_provider.get_tracer("starlette", __version__)
        attributes = _request_attributes(scope, headers)
        method = attributes["http.request.method"]
        with tracer.start_as_current_span(
            method, context=propagate.extract(headers), kind=trace.SpanKind.SERVER, attributes=attributes
        ) as span:

            def observe_start(message: Message) -> Any:
                if message["type"] == "http.response.start":
                    status: int = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_attribute("error.type", str(status))
                        span.set_status(trace.StatusCode.ERROR)
                return send(message)

            try:
                await self.app(scope, receive, observe_start)
            except Exception as exc:
                # NOTE: the span's context manager records the exception and the error status on the way out.
                span.set_attribute("error.type", type(exc).__qualname__)
                raise
            finally:
                template = _route_template(scope)
                if template is not None:
                    span.set_attribute("http.route", template)
                    span.update_name(f"{method} {template}")
