"""The apps for Starlette's API, shared by starlette_c and the reference Starlette (same code, two packages)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from scenarios import CORS_ORIGIN, FILLER_ROUTES, PLAINTEXT, SESSION_SECRET, SMALL_JSON

from apps._variants import variant_getattr


def module_getattr(package: str) -> Callable[[str], Any]:
    """The ``__getattr__`` of an app module whose framework is ``package`` ("starlette" or "starlette_c")."""
    applications = importlib.import_module(f"{package}.applications")
    responses = importlib.import_module(f"{package}.responses")
    routing = importlib.import_module(f"{package}.routing")
    middleware = importlib.import_module(f"{package}.middleware")
    cors = importlib.import_module(f"{package}.middleware.cors")
    gzip = importlib.import_module(f"{package}.middleware.gzip")
    sessions = importlib.import_module(f"{package}.middleware.sessions")
    PlainTextResponse, JSONResponse, Route = responses.PlainTextResponse, responses.JSONResponse, routing.Route
    text = PLAINTEXT.decode()

    async def plaintext(request: Any) -> Any:
        return PlainTextResponse(text)

    async def small_json(request: Any) -> Any:
        return JSONResponse(SMALL_JSON)

    async def user_item(request: Any) -> Any:
        params = request.path_params
        return JSONResponse({"user_id": params["user_id"], "item_id": params["item_id"]})

    async def query(request: Any) -> Any:
        params, headers = request.query_params, request.headers
        values = (
            params["a"],
            params["b"],
            params["c"],
            headers["user-agent"],
            headers["accept"],
            headers["x-request-id"],
        )
        return PlainTextResponse(",".join(values))

    async def echo(request: Any) -> Any:
        return JSONResponse(await request.json())

    async def table_item(request: Any) -> Any:
        return PlainTextResponse(request.path_params["item_id"])

    def main() -> Any:
        routes = [
            Route("/", plaintext),
            Route("/json", small_json),
            Route("/query", query),
            Route("/echo", echo, methods=["POST"]),
            *(Route(f"/filler{i}/{{item_id}}", table_item) for i in range(FILLER_ROUTES)),
            Route("/users/{user_id:int}/items/{item_id}", user_item),
        ]
        return applications.Starlette(routes=routes)

    def with_middleware() -> Any:
        stack = [
            middleware.Middleware(cors.CORSMiddleware, allow_origins=[CORS_ORIGIN]),
            middleware.Middleware(gzip.GZipMiddleware),
            middleware.Middleware(sessions.SessionMiddleware, secret_key=SESSION_SECRET),
        ]
        return applications.Starlette(routes=[Route("/", plaintext)], middleware=stack)

    def table(size: int) -> Any:
        return applications.Starlette(routes=[Route(f"/r{i}/items/{{item_id}}", table_item) for i in range(size)])

    return variant_getattr(main, with_middleware, table)
