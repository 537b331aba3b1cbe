"""The body-limit examples of docs/routing.md ("Request body size limits") and docs/middleware.md
(``RequestBodyLimitMiddleware``), with imports changed to starlette_c."""

from __future__ import annotations

from starlette_c.applications import Starlette
from starlette_c.middleware import Middleware
from starlette_c.middleware.body_limit import RequestBodyLimitMiddleware
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.routing import Route
from tests.conftest import TestClientFactory


async def homepage(request: Request) -> Response:
    return PlainTextResponse(f"home {len(await request.body())}")


async def upload(request: Request) -> Response:
    return PlainTextResponse(f"upload {len(await request.body())}")


def test_routing_example(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[
            Route("/", homepage),
            Route("/upload", upload, methods=["POST"], max_body_size=100 * 1024 * 1024),
        ],
        max_body_size=10 * 1024 * 1024,
    )
    client = test_client_factory(app)
    eleven_mib = b"x" * (11 * 1024 * 1024)
    assert client.post("/upload", content=eleven_mib).text == f"upload {len(eleven_mib)}"
    # NOTE: the app-wide limit answers before a route is reached, whatever the route would have done.
    refused = client.get("/", headers={"content-length": str(len(eleven_mib))})
    assert (refused.status_code, refused.text) == (413, "Content Too Large")


def test_middleware_example(test_client_factory: TestClientFactory) -> None:
    routes = [Route("/", homepage, methods=["POST"])]
    middleware = [Middleware(RequestBodyLimitMiddleware, max_body_size=10 * 1024 * 1024)]
    app = Starlette(routes=routes, middleware=middleware)
    client = test_client_factory(app)
    assert client.post("/", content=b"x" * 1024).text == "home 1024"
    assert client.post("/", content=b"x" * (10 * 1024 * 1024 + 1)).status_code == 413
