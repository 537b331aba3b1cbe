from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from starlette_c.applications import Starlette
from starlette_c.endpoints import HTTPEndpoint
from starlette_c.requests import Request
from starlette_c.responses import Response
from starlette_c.routing import BaseRoute, Host, Mount, Route, Router, WebSocketRoute
from starlette_c.schemas import BaseSchemaGenerator, EndpointInfo, OpenAPIResponse, SchemaGenerator
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory

schemas = SchemaGenerator({"openapi": "3.0.0", "info": {"title": "Test", "version": "1.0"}})


def list_users(request: Request) -> Response:
    """
    responses:
      200:
        description: A list of users.
    """
    raise NotImplementedError  # pragma: no cover - only documented


def get_user(request: Request) -> Response:
    """
    This text is for humans, not for the schema.
    ---
    responses:
      200:
        description: A user.
    """
    raise NotImplementedError  # pragma: no cover - only documented


def undocumented(request: Request) -> Response:
    raise NotImplementedError  # pragma: no cover - only documented


def prose_only(request: Request) -> Response:
    """Just a sentence."""
    raise NotImplementedError  # pragma: no cover - only documented


class Organisations(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        """
        responses:
          200:
            description: A list of organisations.
        """
        raise NotImplementedError  # pragma: no cover - only documented

    def post(self, request: Request) -> Response:
        """
        responses:
          200:
            description: An organisation.
        """
        raise NotImplementedError  # pragma: no cover - only documented

    def head(self, request: Request) -> Response:
        """responses: {}"""
        raise NotImplementedError  # pragma: no cover - only documented


async def chat(websocket: WebSocket) -> None:
    """
    responses:
      200:
        description: Never part of a schema.
    """


def schema_endpoint(request: Request) -> Response:
    return schemas.OpenAPIResponse(request=request)


def sub_app_routes() -> list[BaseRoute]:
    return [Route("/items/{item_id:int}", get_user)]


ROUTES: list[BaseRoute] = [
    Route("/users", list_users, methods=["GET", "HEAD"]),
    Route("/users/{user_id:int}", get_user, methods=["GET", "PUT"]),
    Route("/undocumented", undocumented),
    Route("/prose", prose_only),
    Route("/organisations", Organisations),
    WebSocketRoute("/ws", chat),
    Route("/hidden", list_users, include_in_schema=False),
    Mount("/shop/{shop:str}", routes=sub_app_routes()),
    Host("api.example.org", app=Router(routes=[Route("/on-host", list_users)])),
    Route("/schema", schema_endpoint, include_in_schema=False),
]


def test_get_schema() -> None:
    assert schemas.get_schema(ROUTES) == {
        "openapi": "3.0.0",
        "info": {"title": "Test", "version": "1.0"},
        "paths": {
            "/users": {"get": {"responses": {200: {"description": "A list of users."}}}},
            "/users/{user_id}": {
                "get": {"responses": {200: {"description": "A user."}}},
                "put": {"responses": {200: {"description": "A user."}}},
            },
            "/organisations": {
                "get": {"responses": {200: {"description": "A list of organisations."}}},
                "post": {"responses": {200: {"description": "An organisation."}}},
            },
            "/shop/{shop}/items/{item_id}": {"get": {"responses": {200: {"description": "A user."}}}},
            "/on-host": {"get": {"responses": {200: {"description": "A list of users."}}}},
        },
    }


def test_get_endpoints() -> None:
    endpoints = schemas.get_endpoints(ROUTES)
    found = {(endpoint.path, endpoint.http_method) for endpoint in endpoints}
    assert found == {
        ("/users", "get"),
        ("/users/{user_id}", "get"),
        ("/users/{user_id}", "put"),
        ("/undocumented", "get"),
        ("/prose", "get"),
        ("/organisations", "get"),
        ("/organisations", "post"),
        ("/shop/{shop}/items/{item_id}", "get"),
        ("/on-host", "get"),
    }
    assert len(endpoints) == len(found)
    assert EndpointInfo("/organisations", "post", Organisations.post) in endpoints
    assert endpoints[0] == EndpointInfo(path="/users", http_method="get", func=list_users)


def test_class_endpoints_list_their_methods_in_a_fixed_order() -> None:
    class Everything(HTTPEndpoint):
        def options(self, request: Request) -> None: ...  # pragma: no cover - never called
        def delete(self, request: Request) -> None: ...  # pragma: no cover - never called
        def patch(self, request: Request) -> None: ...  # pragma: no cover - never called
        def put(self, request: Request) -> None: ...  # pragma: no cover - never called
        def post(self, request: Request) -> None: ...  # pragma: no cover - never called
        def get(self, request: Request) -> None: ...  # pragma: no cover - never called
        def trace(self, request: Request) -> None: ...  # pragma: no cover - never called
        def query(self, request: Request) -> None: ...  # pragma: no cover - never called

    methods = [endpoint.http_method for endpoint in schemas.get_endpoints([Route("/", Everything, methods=["GET"])])]
    assert methods == ["get", "post", "put", "patch", "delete", "options", "query"]


def search(request: Request) -> Response:
    """
    summary: Search with a body.
    """
    raise NotImplementedError  # pragma: no cover - only documented


@pytest.mark.parametrize(
    ("version", "documented"),
    [
        ("3.2.0", True),
        ("3.2", True),
        ("3.10.0", True),
        ("4.0.0", True),
        (3.2, True),
        ("3.1.1", False),
        ("3.0.0", False),
        ("3", False),
        ("v3.2.0", False),
        (None, False),
    ],
)
def test_query_operations_need_openapi_3_2(version: object, documented: bool) -> None:
    base = {} if version is None else {"openapi": version}
    routes: list[BaseRoute] = [Route("/search", search, methods=["GET", "QUERY"])]
    generator = SchemaGenerator(base)
    assert {endpoint.http_method for endpoint in generator.get_endpoints(routes)} == {"get", "query"}
    operations = generator.get_schema(routes)["paths"]["/search"]
    expected = {"get", "query"} if documented else {"get"}
    assert set(operations) == expected
    assert operations["get"] == {"summary": "Search with a body."}


def test_callables_that_are_not_functions() -> None:
    class Handler:
        def __call__(self, request: Request) -> None: ...  # pragma: no cover - never called

        def get(self, request: Request) -> None:
            """summary: object"""

    class Holder:
        def bound(self, request: Request) -> None:
            """summary: bound"""

    routes: list[BaseRoute] = [
        Route("/object", Handler()),
        Route("/bound", Holder().bound),
        Route("/partial", functools.partial(list_users)),
    ]
    assert schemas.get_schema(routes)["paths"] == {
        "/object": {"get": {"summary": "object"}},
        "/bound": {"get": {"summary": "bound"}},
    }


def test_unknown_routes_and_empty_mounts_are_skipped(tmp_path: Path) -> None:
    class Custom(BaseRoute):
        pass

    from starlette_c.staticfiles import StaticFiles

    routes: list[BaseRoute] = [Custom(), Mount("/static", app=StaticFiles(directory=tmp_path))]
    assert schemas.get_endpoints(routes) == []


def test_remove_converter() -> None:
    assert schemas._remove_converter("/a/{b:int}/{c}/{d:path}/{e:uuid}") == "/a/{b}/{c}/{d}/{e}"


@pytest.mark.parametrize(
    ("docstring", "parsed"),
    [
        (None, {}),
        ("", {}),
        ("summary: A", {"summary": "A"}),
        ("Text\n---\nsummary: B\n---\nsummary: C", {"summary": "C"}),
        ("Just prose.", {}),
        ("- a list\n- of items", {}),
    ],
)
def test_parse_docstring(docstring: str | None, parsed: dict[str, Any]) -> None:
    def endpoint(request: Request) -> None: ...  # pragma: no cover - never called

    endpoint.__doc__ = docstring
    assert schemas.parse_docstring(endpoint) == parsed


def test_parse_docstring_finds_separators_left_to_right() -> None:
    # NOTE: ``----`` is ``---`` then ``-``: what follows starts with ``-`` and is not YAML, as in Starlette.
    def endpoint(request: Request) -> None: ...  # pragma: no cover - never called

    endpoint.__doc__ = "----\nsummary: x"
    with pytest.raises(yaml.parser.ParserError):
        schemas.parse_docstring(endpoint)


def test_parse_docstring_refuses_unsafe_yaml() -> None:
    def endpoint(request: Request) -> None:
        """x: !!python/object/apply:os.system ['true']"""

    with pytest.raises(yaml.constructor.ConstructorError):
        schemas.parse_docstring(endpoint)


def test_base_schema_is_not_modified_for_top_level_keys() -> None:
    base: dict[str, Any] = {"openapi": "3.0.0"}
    generator = SchemaGenerator(base)
    assert generator.base_schema is base
    schema = generator.get_schema([Route("/users", list_users)])
    assert "paths" in schema and "paths" not in base


def test_base_schema_paths_are_extended() -> None:
    generator = SchemaGenerator({"paths": {"/existing": {"get": {}}}})
    paths = generator.get_schema([Route("/users", list_users)])["paths"]
    assert list(paths) == ["/existing", "/users"]


def test_base_generator_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        BaseSchemaGenerator().get_schema([])


def test_openapi_response(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Starlette(routes=ROUTES))
    response = client.get("/schema")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.oai.openapi"
    assert yaml.safe_load(response.text) == schemas.get_schema(ROUTES)
    assert response.text.startswith("info:\n  title: Test\n")


def test_openapi_response_renders_block_yaml() -> None:
    response = OpenAPIResponse({"paths": {"/a": {"get": {"tags": ["x", "y"]}}}})
    assert response.body == b"paths:\n  /a:\n    get:\n      tags:\n      - x\n      - y\n"
    assert response.media_type == "application/vnd.oai.openapi"


@pytest.mark.parametrize("content", [[1], "text", None])
def test_openapi_response_needs_a_dict(content: Any) -> None:
    with pytest.raises(AssertionError) as info:
        OpenAPIResponse(content)
    assert str(info.value) == "The schema passed to OpenAPIResponse should be a dictionary."


def test_without_pyyaml() -> None:
    code = (
        "import sys\n"
        "sys.modules['yaml'] = None\n"
        "from starlette_c.schemas import OpenAPIResponse, SchemaGenerator\n"
        "def f(request):\n"
        "    'summary: x'\n"
        "def g(request): pass\n"
        "generator = SchemaGenerator({})\n"
        "print(generator.parse_docstring(g))\n"
        "for call in (lambda: generator.parse_docstring(f), lambda: OpenAPIResponse({})):\n"
        "    try:\n"
        "        call()\n"
        "    except AssertionError as exc:\n"
        "        print(exc)\n"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert result.stdout.splitlines() == [
        "{}",
        "`pyyaml` must be installed to use parse_docstring.",
        "`pyyaml` must be installed to use OpenAPIResponse.",
    ]
