"""The examples of docs/middleware.md, with imports changed to starlette_c."""

from __future__ import annotations

import functools
import time
import uuid
from typing import Any

import pytest
import uvicorn

from starlette_c.applications import Starlette
from starlette_c.datastructures import URL, Headers, MutableHeaders
from starlette_c.middleware import Middleware
from starlette_c.middleware.base import BaseHTTPMiddleware
from starlette_c.middleware.cors import CORSMiddleware
from starlette_c.middleware.gzip import GZipMiddleware
from starlette_c.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette_c.middleware.sessions import SessionMiddleware
from starlette_c.middleware.trustedhost import TrustedHostMiddleware
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, RedirectResponse, Response
from starlette_c.routing import Mount, Route, Router
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send
from tests.conftest import TestClientFactory


async def endpoint(request: Request) -> Response:
    return PlainTextResponse(request.url.path + " " * 1200 if "big" in request.query_params else request.url.path)


async def session_endpoint(request: Request) -> Response:
    request.session["visits"] = request.session.get("visits", 0) + 1
    return PlainTextResponse(str(request.session["visits"]))


routes = [Route("/", endpoint), Route("/session", session_endpoint)]


def test_using_middleware(test_client_factory: TestClientFactory) -> None:
    # Ensure that all requests include an 'example.com' or
    # '*.example.com' host header, and strictly enforce https-only access.
    middleware = [
        Middleware(
            TrustedHostMiddleware,
            allowed_hosts=["example.com", "*.example.com"],
        ),
        Middleware(HTTPSRedirectMiddleware),
    ]

    app = Starlette(routes=routes, middleware=middleware)

    client = test_client_factory(app, base_url="http://example.com")
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "https://example.com/")
    assert client.get("/").text == "/"
    assert test_client_factory(app, base_url="https://api.example.com").get("/").text == "/"
    assert test_client_factory(app, base_url="https://evil.com").get("/").status_code == 400


def test_cors_middleware(test_client_factory: TestClientFactory) -> None:
    middleware = [Middleware(CORSMiddleware, allow_origins=["*"])]

    app = Starlette(routes=routes, middleware=middleware)

    client = test_client_factory(app)
    assert client.get("/", headers={"origin": "https://example.org"}).headers["access-control-allow-origin"] == "*"
    preflight = client.options("/", headers={"origin": "https://a.org", "access-control-request-method": "GET"})
    assert preflight.status_code == 200
    preflight = client.options("/", headers={"origin": "https://a.org", "access-control-request-method": "POST"})
    assert (preflight.status_code, preflight.text) == (400, "Disallowed CORS method")


def test_cors_global_enforcement(test_client_factory: TestClientFactory) -> None:
    async def broken(request: Request) -> Response:
        raise RuntimeError("boom")

    app = Starlette()
    app = CORSMiddleware(app=app, allow_origins=["*"])  # type: ignore[assignment]

    # ... your routes and middleware configuration ...
    app.app.router.routes.append(Route("/broken", broken))  # type: ignore[attr-defined]

    if __name__ == "__main__":  # pragma: no cover (the docs' way of serving it)
        uvicorn.run(app, host="0.0.0.0", port=8000)

    client = test_client_factory(app, raise_server_exceptions=False)
    response = client.get("/broken", headers={"origin": "https://example.org"})
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == "*"


def test_session_middleware(test_client_factory: TestClientFactory) -> None:
    middleware = [Middleware(SessionMiddleware, secret_key="a random string", https_only=True)]

    app = Starlette(routes=routes, middleware=middleware)

    client = test_client_factory(app, base_url="https://testserver")
    response = client.get("/session")
    assert response.text == "1"
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    assert client.get("/session").text == "2"


def test_https_redirect_middleware(test_client_factory: TestClientFactory) -> None:
    middleware = [Middleware(HTTPSRedirectMiddleware)]

    app = Starlette(routes=routes, middleware=middleware)

    client = test_client_factory(app)
    response = client.get("/?a=1", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "https://testserver/?a=1")


def test_trusted_host_middleware(test_client_factory: TestClientFactory) -> None:
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=["example.com", "*.example.com"])]

    app = Starlette(routes=routes, middleware=middleware)

    assert test_client_factory(app, base_url="http://www.example.com").get("/").status_code == 200
    response = test_client_factory(app).get("/")
    assert (response.status_code, response.text) == (400, "Invalid host header")


def test_gzip_middleware(test_client_factory: TestClientFactory) -> None:
    middleware = [Middleware(GZipMiddleware, minimum_size=1000, compresslevel=9)]

    app = Starlette(routes=routes, middleware=middleware)

    client = test_client_factory(app)
    response = client.get("/?big=1", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.text.strip() == "/"
    assert "content-encoding" not in client.get("/", headers={"accept-encoding": "gzip"}).headers


def test_base_http_middleware(test_client_factory: TestClientFactory) -> None:
    class CustomHeaderMiddleware(BaseHTTPMiddleware):
        async def dispatch(self, request: Any, call_next: Any) -> Any:
            response = await call_next(request)
            response.headers["Custom"] = "Example"
            return response

    middleware = [Middleware(CustomHeaderMiddleware)]

    app = Starlette(routes=routes, middleware=middleware)

    assert test_client_factory(app).get("/").headers["custom"] == "Example"


def test_base_http_middleware_with_options(test_client_factory: TestClientFactory) -> None:
    class CustomHeaderMiddleware(BaseHTTPMiddleware):
        def __init__(self, app: Any, header_value: str = "Example") -> None:
            super().__init__(app)
            self.header_value = header_value

        async def dispatch(self, request: Any, call_next: Any) -> Any:
            response = await call_next(request)
            response.headers["Custom"] = self.header_value
            return response

    middleware = [Middleware(CustomHeaderMiddleware, header_value="Customized")]

    app = Starlette(routes=routes, middleware=middleware)

    assert test_client_factory(app).get("/").headers["custom"] == "Customized"


def test_pure_asgi_middleware_class_and_function(test_client_factory: TestClientFactory) -> None:
    class ASGIMiddleware:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await self.app(scope, receive, send)

    def asgi_middleware() -> Any:
        def asgi_decorator(app: Any) -> Any:
            @functools.wraps(app)
            async def wrapped_app(scope: Any, receive: Any, send: Any) -> None:
                await app(scope, receive, send)

            return wrapped_app

        return asgi_decorator

    middleware = [Middleware(ASGIMiddleware), Middleware(asgi_middleware())]
    app = Starlette(routes=routes, middleware=middleware)
    assert test_client_factory(app).get("/").text == "/"


def test_typed_asgi_middleware(test_client_factory: TestClientFactory) -> None:
    seen: list[str] = []

    class ASGIMiddleware:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                return await self.app(scope, receive, send)

            async def send_wrapper(message: Message) -> None:
                # ... Do something
                seen.append(message["type"])
                await send(message)

            await self.app(scope, receive, send_wrapper)

    with test_client_factory(Starlette(routes=routes, middleware=[Middleware(ASGIMiddleware)])) as client:
        client.get("/")
    assert seen == ["http.response.start", "http.response.body"]


def test_processing_certain_requests_and_reusing_components(test_client_factory: TestClientFactory) -> None:
    methods: list[str] = []

    class ASGIMiddleware:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                request = Request(scope)
                methods.append(request.method)  # Use `request.method`, `request.url`, `request.headers`, etc.

            await self.app(scope, receive, send)

    with test_client_factory(Starlette(routes=routes, middleware=[Middleware(ASGIMiddleware)])) as client:
        client.get("/")
    assert methods == ["GET"]


def test_sending_eager_responses(test_client_factory: TestClientFactory) -> None:
    class RedirectsMiddleware:
        def __init__(self, app: Any, path_mapping: dict[str, str]) -> None:
            self.app = app
            self.path_mapping = path_mapping

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return

            url = URL(scope=scope)

            if url.path in self.path_mapping:
                url = url.replace(path=self.path_mapping[url.path])
                response = RedirectResponse(url, status_code=301)
                await response(scope, receive, send)
                return

            await self.app(scope, receive, send)

    redirections = {
        "/v1/resource/": "/v2/resource/",
    }

    middleware = [
        Middleware(RedirectsMiddleware, path_mapping=redirections),
    ]

    app = Starlette(routes=routes, middleware=middleware)

    response = test_client_factory(app).get("/v1/resource/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (301, "http://testserver/v2/resource/")


def test_logged_request_body_size(test_client_factory: TestClientFactory, capsys: pytest.CaptureFixture[str]) -> None:
    class LoggedRequestBodySizeMiddleware:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return

            body_size = 0

            async def receive_logging_request_body_size() -> Any:
                nonlocal body_size

                message = await receive()
                assert message["type"] == "http.request"

                body_size += len(message.get("body", b""))

                if not message.get("more_body", False):
                    print(f"Size of request body was: {body_size} bytes")

                return message

            await self.app(scope, receive_logging_request_body_size, send)

    async def echo(request: Request) -> Response:
        return PlainTextResponse(await request.body())

    app = Starlette(
        routes=[Route("/", echo, methods=["POST"])], middleware=[Middleware(LoggedRequestBodySizeMiddleware)]
    )
    assert test_client_factory(app).post("/", content=b"12345").text == "12345"
    assert "Size of request body was: 5 bytes" in capsys.readouterr().out


def test_extra_response_headers(test_client_factory: TestClientFactory) -> None:
    class ExtraResponseHeadersMiddleware:
        def __init__(self, app: Any, headers: Any) -> None:
            self.app = app
            self.headers = headers

        async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
            if scope["type"] != "http":
                return await self.app(scope, receive, send)

            async def send_with_extra_headers(message: Any) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(scope=message)
                    for key, value in self.headers:
                        headers.append(key, value)

                await send(message)

            await self.app(scope, receive, send_with_extra_headers)

    middleware = [Middleware(ExtraResponseHeadersMiddleware, headers=[("X-A", "1"), ("X-A", "2")])]
    response = test_client_factory(Starlette(routes=routes, middleware=middleware)).get("/")
    assert response.headers.get_list("x-a") == ["1", "2"]


def test_passing_information_and_monitoring(test_client_factory: TestClientFactory) -> None:
    elapsed_seen: list[float] = []

    class TransactionIDMiddleware:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            scope["asgi_transaction_id"] = uuid.uuid4()
            await self.app(scope, receive, send)

    class MonitoringMiddleware:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            start = time.time()
            try:
                await self.app(scope, receive, send)
            except Exception:
                ...  # Process the exception
                raise
            finally:
                end = time.time()
                elapsed = end - start
                elapsed_seen.append(elapsed)  # Submit `elapsed` as a metric to a monitoring backend

    async def transaction(request: Request) -> Response:
        if request.url.path == "/fail":
            raise RuntimeError("failed")
        return PlainTextResponse(str(request.scope["asgi_transaction_id"]))

    app = Starlette(
        routes=[Route("/", transaction), Route("/fail", transaction)],
        middleware=[Middleware(MonitoringMiddleware), Middleware(TransactionIDMiddleware)],
    )
    client = test_client_factory(app)
    assert uuid.UUID(client.get("/").text)
    with pytest.raises(RuntimeError, match="failed"):
        client.get("/fail")
    assert len(elapsed_seen) == 2


def test_mock_response_body_middleware(test_client_factory: TestClientFactory) -> None:
    class MockResponseBodyMiddleware:
        def __init__(self, app: Any, content: bytes) -> None:
            self.app = app
            self.content = content

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return

            # A flag that we will turn `True` if the HTTP response
            # has the 'X-Mock' header.
            # ✅: Scoped to this function.
            should_mock = False

            async def maybe_send_with_mock_content(message: Any) -> None:
                nonlocal should_mock

                if message["type"] == "http.response.start":
                    headers = Headers(raw=message["headers"])
                    should_mock = headers.get("X-Mock") == "1"
                    await send(message)

                elif message["type"] == "http.response.body":
                    if should_mock:
                        message = {"type": "http.response.body", "body": self.content}
                    await send(message)

            await self.app(scope, receive, maybe_send_with_mock_content)

    async def mocked(request: Request) -> Response:
        return PlainTextResponse("real", headers={"X-Mock": request.query_params.get("mock", "0")})

    app = Starlette(routes=[Route("/", mocked)], middleware=[Middleware(MockResponseBodyMiddleware, content=b"mock")])
    client = test_client_factory(app)
    assert client.get("/?mock=1").content == b"mock"
    assert client.get("/").content == b"real"


def test_wrapping_other_apps(test_client_factory: TestClientFactory) -> None:
    app: Any = Starlette(routes=routes)
    app = TrustedHostMiddleware(app, allowed_hosts=["example.com"])
    assert test_client_factory(app, base_url="http://example.com").get("/").status_code == 200
    assert test_client_factory(app).get("/").status_code == 400


@pytest.mark.parametrize("style", ["mount", "route", "router"])
def test_middleware_on_groups_of_routes(test_client_factory: TestClientFactory, style: str) -> None:
    if style == "mount":
        routes = [
            Mount(
                "/",
                routes=[
                    Route(
                        "/example",
                        endpoint=endpoint,
                    )
                ],
                middleware=[Middleware(GZipMiddleware)],
            )
        ]
        app: Any = Starlette(routes=routes)
    elif style == "route":
        routes = [
            Route(
                "/example",
                endpoint=endpoint,
                middleware=[Middleware(GZipMiddleware)],
            )
        ]
        app = Starlette(routes=routes)
    else:
        routes = [
            Route("/example", endpoint=endpoint),
            Route("/another", endpoint=endpoint),
        ]
        app = Router(routes=routes, middleware=[Middleware(GZipMiddleware)])

    response = test_client_factory(app).get("/example?big=1", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.text.strip() == "/example"


@functools.cache
def global_span_exporter() -> Any:
    """The docs configure the process-wide provider, which OpenTelemetry lets a process set only once."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(tracer_provider)
    return exporter


def test_opentelemetry_global_provider(test_client_factory: TestClientFactory) -> None:
    from starlette_c.middleware.opentelemetry import OpenTelemetryMiddleware

    # "You can create the app before you configure the global provider."
    app = Starlette(routes=routes, middleware=[Middleware(OpenTelemetryMiddleware)])
    exporter = global_span_exporter()
    exporter.clear()

    assert test_client_factory(app).get("/").text == "/"
    (span,) = exporter.get_finished_spans()
    assert span.attributes["http.request.method"] == "GET"
    assert span.attributes["http.response.status_code"] == 200

    # Wrapping any ASGI application directly; stacked instances make one span.
    wrapped = OpenTelemetryMiddleware(app)
    exporter.clear()
    assert test_client_factory(wrapped).get("/").status_code == 200
    assert len(exporter.get_finished_spans()) == 1


def test_opentelemetry_exclude_urls(test_client_factory: TestClientFactory) -> None:
    from starlette_c.middleware.opentelemetry import OpenTelemetryMiddleware

    async def homepage(request: Request) -> PlainTextResponse:
        return PlainTextResponse("Hello, world!")

    app = Starlette(
        routes=[Route("/", homepage), Route("/health", homepage)],
        middleware=[
            Middleware(
                OpenTelemetryMiddleware,
                excluded_urls=r"/health$,/readiness$",
            )
        ],
    )
    exporter = global_span_exporter()
    exporter.clear()
    client = test_client_factory(app)
    assert client.get("/health").text == "Hello, world!"
    assert exporter.get_finished_spans() == ()
    assert client.get("/").text == "Hello, world!"
    assert len(exporter.get_finished_spans()) == 1


def test_session_middleware_partitioned(test_client_factory: TestClientFactory) -> None:
    middleware = [
        Middleware(SessionMiddleware, secret_key="a random string", https_only=True, same_site="none", partitioned=True)
    ]
    app = Starlette(routes=routes, middleware=middleware)
    cookie = test_client_factory(app, base_url="https://testserver").get("/session").headers["set-cookie"]
    assert cookie.endswith("; httponly; samesite=none; secure; partitioned")


def test_gzip_middleware_options(test_client_factory: TestClientFactory) -> None:
    from starlette_c.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES

    async def csv(request: Request) -> Response:
        return PlainTextResponse("a,b\n" * 400, media_type="text/csv")

    async def svg(request: Request) -> Response:
        return Response("<svg/>" * 200, media_type="image/svg+xml")

    async def partial(request: Request) -> Response:
        return PlainTextResponse("x" * 2000, status_code=206)

    exclude = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "text/csv")
    middleware = [Middleware(GZipMiddleware, thread_minimum_size=1024, exclude_content_types=exclude)]
    app = Starlette(routes=[Route("/csv", csv), Route("/svg", svg), Route("/partial", partial)], middleware=middleware)

    client = test_client_factory(app)
    gzip_only = {"accept-encoding": "gzip"}
    assert "content-encoding" not in client.get("/csv", headers=gzip_only).headers
    assert client.get("/svg", headers=gzip_only).headers["content-encoding"] == "gzip"
    assert "content-encoding" not in client.get("/partial", headers=gzip_only).headers
