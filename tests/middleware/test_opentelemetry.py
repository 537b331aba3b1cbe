"""``OpenTelemetryMiddleware``: spans recorded with the SDK's in-memory exporter, compared with the reference."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import anyio
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from starlette_c.middleware.opentelemetry import OpenTelemetryMiddleware
from tests.differential.harness import Namespace, Req, run_app

TRACEPARENT = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class ObjectWithTemplate:
    path_format = "/custom/{x}"


def traced_app(ns: Namespace) -> Any:
    """A raw app that plays the router: it sets ``scope["route"]`` the way each package's router would."""
    routing = ns.routing

    async def app(scope: Any, receive: Any, send: Any) -> None:
        path = scope["path"]
        if path.startswith("/items/"):
            scope["route"] = routing.Route("/items/{id:int}", app)
        elif path.startswith("/mounted/"):
            scope["root_path"] = "/mounted/7"
            scope["route"] = routing.Route("/leaf/{name}", app)
        elif path.startswith("/raw"):
            scope["root_path"] = scope.get("root_path", "") + "/raw"
            scope["route"] = routing.Mount("/raw", app=app)
        elif path == "/custom":
            scope["route"] = ObjectWithTemplate()
        elif path == "/host":
            scope["route"] = routing.Host("h.example", app=app)
        elif path == "/boom":
            raise ValueError("boom")
        elif path == "/late":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise RuntimeError("late")
        elif path == "/current":
            assert trace.get_current_span().get_span_context().is_valid
        status = int(scope["query_string"] or b"200") if scope["query_string"].isdigit() else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def spans_of(package: str, req: Req, **options: Any) -> tuple[list[tuple[Any, ...]], str | None]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    ns = Namespace(package)
    cls = ns.module("middleware.opentelemetry").OpenTelemetryMiddleware
    app = cls(cls(traced_app(ns), tracer_provider=provider), tracer_provider=provider, **options)
    outcome = anyio.run(run_app, app, req)
    spans = [
        (
            span.name,
            span.kind,
            span.status.status_code,
            span.status.description,
            dict(span.attributes or {}),
            span.parent.span_id if span.parent is not None else None,
            [(event.name, dict(event.attributes or {}).get("exception.type")) for event in span.events],
        )
        for span in exporter.get_finished_spans()
    ]
    return spans, outcome.exception


REQUESTS = [
    Req("GET", "/"),
    Req("POST", "/items/3", query_string=b"404", headers=[(b"traceparent", TRACEPARENT), (b"user-agent", b"UA")]),
    Req("GET", "/items/3", query_string=b"500"),
    Req("GET", "/items/3", query_string=b"503"),
    Req("GET", "/mounted/7/leaf/x"),
    Req("GET", "/raw/anything"),
    Req("GET", "/raw/anything", root_path="/api"),
    Req("GET", "/custom"),
    Req("GET", "/host"),
    Req("GET", "/boom"),
    Req("GET", "/late"),
    Req("GET", "/current"),
    Req("get", "/"),
    Req("Foo", "/"),
    Req("QUERY", "/"),
    Req("GET", "/", headers=[(b"host", b"A.Example:8443")], scheme="https"),
    Req("GET", "/", headers=[(b"host", b"[::1]:9000")]),
    Req("GET", "/", headers=[(b"host", b"bad host:zz")], server=("srv", 8000)),
    Req("GET", "/", headers=[(b"host", b"a.example"), (b"host", b"b.example")], server=None),
    Req("GET", "/", headers=[(b"user-agent", b"\xff agent"), (b"user-agent", b"second")], client=None),
    Req("GET", "/", http_version="2", query_string=b"a=1&b=%20"),
    Req("GET", "/caf\u00e9", raw_path=b"/caf%C3%A9"),
    Req("GET", "/", extra_scope={"http_version": None}),
]


@pytest.mark.parametrize("req", REQUESTS, ids=lambda req: f"{req.method} {req.path}")
def test_spans_match_reference(req: Req) -> None:
    assert spans_of("starlette_c", req) == spans_of("starlette", req)


@pytest.mark.parametrize(
    "excluded_urls",
    [
        "/health$,/readiness$",
        " /health$ , ",
        "",
        ["^http://testserver/health$"],
        ["y"],
        (),
    ],
)
@pytest.mark.parametrize("path", ["/health", "/readiness", "/healthy", "/ready"])
def test_exclusions_match_reference(excluded_urls: Any, path: str) -> None:
    req = Req("GET", path)
    ours = spans_of("starlette_c", req, excluded_urls=excluded_urls)
    assert ours == spans_of("starlette", req, excluded_urls=excluded_urls)


def test_query_string_is_part_of_the_excluded_url() -> None:
    spans, _ = spans_of("starlette_c", Req("GET", "/health", query_string=b"x=1"), excluded_urls="/health$")
    assert [span[0] for span in spans] == ["GET"]


def test_invalid_pattern_raises_at_construction() -> None:
    with pytest.raises(Exception, match="missing"):
        OpenTelemetryMiddleware(traced_app(Namespace("starlette_c")), excluded_urls="(")


def test_one_span_for_stacked_instances_and_a_preset_marker() -> None:
    spans, _ = spans_of("starlette_c", Req("GET", "/"))
    assert len(spans) == 1
    marked = Req("GET", "/", extra_scope={"starlette.opentelemetry": True})
    assert spans_of("starlette_c", marked) == ([], None)


def test_a_scope_served_again_is_traced_again() -> None:
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": [], "server": None}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["starlette.opentelemetry"] is True

    async def main() -> None:
        middleware = OpenTelemetryMiddleware(app, tracer_provider=provider)
        await middleware(scope, None, None)  # type: ignore[arg-type]
        await middleware(scope, None, None)  # type: ignore[arg-type]

    anyio.run(main)
    assert len(exporter.get_finished_spans()) == 2
    assert "starlette.opentelemetry" not in scope


def test_malformed_query_string_is_traced_without_error() -> None:
    # NOTE: the reference raises UnicodeDecodeError here; a hostile query string must not break the request.
    spans, exception = spans_of("starlette_c", Req("GET", "/", query_string=b"x=\xff"))
    assert exception is None
    assert spans[0][4]["url.query"] == "x=\ufffd"


def test_websocket_and_lifespan_pass_through() -> None:
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    async def main() -> None:
        middleware = OpenTelemetryMiddleware(app, tracer_provider=provider)
        await middleware({"type": "websocket", "path": "/", "headers": []}, None, None)  # type: ignore[arg-type]
        await middleware({"type": "lifespan"}, None, None)  # type: ignore[arg-type]

    anyio.run(main)
    assert seen == ["websocket", "lifespan"]
    assert exporter.get_finished_spans() == ()


def test_global_provider_is_resolved_lazily() -> None:
    middleware = OpenTelemetryMiddleware(traced_app(Namespace("starlette_c")))
    assert middleware._tracer_provider is trace.get_tracer_provider()
    assert middleware._meter_provider is None


def test_constructor_signature_matches_reference() -> None:
    import inspect

    from starlette.middleware.opentelemetry import OpenTelemetryMiddleware as Reference

    ours = inspect.signature(OpenTelemetryMiddleware.__init__)
    reference = inspect.signature(Reference.__init__)
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
        (p.name, p.kind, p.default) for p in reference.parameters.values()
    ]


def test_missing_api_raises_a_clear_import_error() -> None:
    code = (
        "import sys; sys.modules['opentelemetry'] = None\n"
        "import starlette_c\n"
        "try:\n"
        "    import starlette_c.middleware.opentelemetry\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "The `opentelemetry-api` package is required to use `OpenTelemetryMiddleware`."
