"""The examples of docs/schemas.md, with ``starlette`` imports changed to ``starlette_c``."""

from __future__ import annotations

import sys
from typing import Any

import pytest
import yaml

from starlette_c.applications import Starlette
from starlette_c.routing import Route
from starlette_c.schemas import SchemaGenerator
from tests.conftest import TestClientFactory

schemas = SchemaGenerator({"openapi": "3.0.0", "info": {"title": "Example API", "version": "1.0"}})


def list_users(request: Any) -> Any:
    """
    responses:
      200:
        description: A list of users.
        examples:
          [{"username": "tom"}, {"username": "lucy"}]
    """
    raise NotImplementedError()  # pragma: no cover - only documented


def create_user(request: Any) -> Any:
    """
    responses:
      200:
        description: A user.
        examples:
          {"username": "tom"}
    """
    raise NotImplementedError()  # pragma: no cover - only documented


def openapi_schema(request: Any) -> Any:
    return schemas.OpenAPIResponse(request=request)


routes = [
    Route("/users", endpoint=list_users, methods=["GET"]),
    Route("/users", endpoint=create_user, methods=["POST"]),
    Route("/schema", endpoint=openapi_schema, include_in_schema=False),
]

app = Starlette(routes=routes)

EXPECTED = {
    "openapi": "3.0.0",
    "info": {"title": "Example API", "version": "1.0"},
    "paths": {
        "/users": {
            "get": {
                "responses": {
                    200: {
                        "description": "A list of users.",
                        "examples": [{"username": "tom"}, {"username": "lucy"}],
                    }
                }
            },
            "post": {"responses": {200: {"description": "A user.", "examples": {"username": "tom"}}}},
        },
    },
}


def test_get_schema() -> None:
    schema = schemas.get_schema(routes=app.routes)
    assert schema == EXPECTED


def test_schema_endpoint(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(app).get("/schema")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.oai.openapi"
    assert yaml.safe_load(response.text) == EXPECTED


def main(argv: list[str], run: Any) -> None:
    assert argv[-1] in ("run", "schema"), "Usage: example.py [run|schema]"

    if argv[-1] == "run":
        run("example:app", host="0.0.0.0", port=8000)
    elif argv[-1] == "schema":
        schema = schemas.get_schema(routes=app.routes)
        print(yaml.dump(schema, default_flow_style=False))


def test_command_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: list[tuple[Any, ...]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append((args, kwargs)))
    monkeypatch.setattr(sys, "argv", ["example.py", "schema"])
    main(sys.argv, uvicorn.run)
    assert yaml.safe_load(capsys.readouterr().out) == EXPECTED
    main(["example.py", "run"], uvicorn.run)
    assert started == [(("example:app",), {"host": "0.0.0.0", "port": 8000})]
    with pytest.raises(AssertionError, match="Usage"):
        main(["example.py"], uvicorn.run)
