"""starlette_c.schemas against the reference starlette.schemas: same endpoints, schemas and responses."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.differential.harness import Namespace, Req, assert_same

PACKAGES = ("starlette", "starlette_c")


def described(summary: str) -> Any:
    def endpoint(request: Any) -> Any:
        raise NotImplementedError  # pragma: no cover - only documented

    endpoint.__doc__ = f"summary: {summary}"
    return endpoint


def routes(ns: Namespace) -> list[Any]:
    routing, endpoints = ns.routing, ns.endpoints

    class Everything(endpoints.HTTPEndpoint):
        pass

    for verb in ("get", "head", "post", "put", "patch", "delete", "options", "trace", "query"):
        setattr(Everything, verb, described(f"class {verb}"))

    class Instance:
        get = staticmethod(described("instance get"))
        query = staticmethod(described("instance query"))

    def multi(request: Any) -> Any:
        """
        Prose first.
        ---
        summary: not this
        ---
        summary: last part
        """

    async def socket(websocket: Any) -> None:
        pass  # pragma: no cover - never connected

    search = described("search")
    return [
        routing.Route("/q", search, methods=["QUERY"]),
        routing.Route("/many/{id:int}", search, methods=["GET", "QUERY", "HEAD", "POST"]),
        routing.Route("/lower/{p:path}", search, methods=["query", "get"]),
        routing.Route("/empty", search, methods=[]),
        routing.Route("/multi", multi),
        routing.Route("/class/{x:float}", Everything),
        routing.Route("/instance", Instance()),
        routing.Route("/partial", functools.partial(search)),
        routing.Route("/hidden", search, include_in_schema=False),
        routing.WebSocketRoute("/ws", socket),
        routing.Mount(
            "/m/{a:int}",
            routes=[
                routing.Route("/inner/{b:uuid}", search, methods=["QUERY"]),
                routing.Mount("/deep", routes=[routing.Route("/x", described("deep"))]),
            ],
        ),
        routing.Mount("/app", app=lambda scope, receive, send: None),
        routing.Host("{sub}.example.com", app=routing.Router(routes=[routing.Route("/host", described("host"))])),
    ]


def endpoints_of(package: str) -> list[tuple[str, str, str]]:
    ns = Namespace(package)
    found = ns.schemas.SchemaGenerator({}).get_endpoints(routes(ns))
    return sorted((info.path, info.http_method, info.func.__doc__ or "") for info in found)


def test_get_endpoints() -> None:
    assert endpoints_of("starlette_c") == endpoints_of("starlette")


VERSIONS: list[Any] = [
    "3.2.0",
    "3.2",
    "3.2.1",
    "3.3",
    "3.10.0",
    "4.0.0",
    "10.0",
    "3.2.0-rc1",
    "3.2a",
    "3.02.0",
    "03.2",
    "3.2_0",
    "3.1_0",
    "3.2\n",
    " 3.2.0",
    "+3.2",
    "v3.2.0",
    "x3.2",
    "3 .2",
    "3._2",
    "3.1.1",
    "3.1",
    "3",
    "2.10",
    "",
    "abc",
    "\u0663.\u0662",
    "3.\u00b2",
    3.2,
    3.19,
    3.1,
    32,
    4,
    True,
    None,
    b"3.2",
    [3, 2],
]


def schema_of(package: str, base: dict[str, Any]) -> Any:
    ns = Namespace(package)
    try:
        return ns.schemas.SchemaGenerator(dict(base)).get_schema(routes(ns))
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:60]}"


@pytest.mark.parametrize("version", VERSIONS)
def test_get_schema_by_openapi_version(version: Any) -> None:
    base = {"openapi": version, "info": {"title": "API", "version": "1"}}
    assert schema_of("starlette_c", base) == schema_of("starlette", base)


@pytest.mark.parametrize(
    "base", [{}, {"paths": {"/pre": {"get": {}}}}, {"swagger": "3.2"}, {"openapi": "9" * 5000 + ".0"}]
)
def test_get_schema_other_bases(base: dict[str, Any]) -> None:
    assert schema_of("starlette_c", base) == schema_of("starlette", base)


@pytest.mark.parametrize(
    "docstring", [None, "", "   ", "summary: x", "- 1", "42", "---", "x\n---\n", "a: 1\n---\nb: 2", "a: ["]
)
def test_parse_docstring(docstring: str | None) -> None:
    def outcome(package: str) -> Any:
        def endpoint() -> None:
            pass  # pragma: no cover - never called

        endpoint.__doc__ = docstring
        try:
            return Namespace(package).schemas.BaseSchemaGenerator().parse_docstring(endpoint)
        except Exception as exc:
            return type(exc).__name__

    assert outcome("starlette_c") == outcome("starlette")


@pytest.mark.parametrize("path", ["/a/{x:int}", "/a/{x}", "/{x:custom_1}/{y:}", "/a:b}", ""])
def test_remove_converter(path: str) -> None:
    results = [Namespace(package).schemas.BaseSchemaGenerator()._remove_converter(path) for package in PACKAGES]
    assert results[0] == results[1]


def build(ns: Namespace) -> Any:
    generator = ns.schemas.SchemaGenerator({"openapi": "3.2.0", "info": {"title": "API", "version": "1"}})

    def schema(request: Any) -> Any:
        return generator.OpenAPIResponse(request)

    def broken(request: Any) -> Any:
        return ns.schemas.OpenAPIResponse(["not", "a", "dict"])

    return ns.applications.Starlette(
        routes=[
            *routes(ns),
            ns.routing.Route("/schema", schema, include_in_schema=False),
            ns.routing.Route("/broken", broken),
        ]
    )


def test_openapi_response() -> None:
    assert_same(build, [Req("GET", "/schema"), Req("HEAD", "/schema"), Req("GET", "/broken")])


@settings(max_examples=500, deadline=None)
@given(
    docstring=st.none()
    | st.lists(
        st.sampled_from(
            ["---", "--- ", "----", "summary: x", "a: [", "- 1", "  b: 2", "text", "", "\t", "x: 'y'", "#"]
        ),
        max_size=6,
    ).map("\n".join)
)
def test_any_docstring_parses_as_in_the_reference(docstring: str | None) -> None:
    test_parse_docstring(docstring)
