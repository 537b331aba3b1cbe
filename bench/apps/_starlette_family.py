"""The apps for Starlette's API, shared by starlette_c and the reference Starlette (same code, two packages)."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from scenarios import (
    CORS_ORIGIN,
    FASTAPI_ROUTES,
    FILLER_ROUTES,
    MULTIPART_FIELDS,
    PLAINTEXT,
    SESSION_SECRET,
    SMALL_JSON,
    STREAM_CHUNK,
    STREAM_CHUNKS,
    bench_file,
)

from apps._variants import variant_getattr


def unsupported() -> dict[str, str]:
    """The app module's ``UNSUPPORTED``: FastAPI where it is not installed (next to Starlette 1.0.0)."""
    if importlib.util.find_spec("fastapi") is None:
        return {"fastapi_app": "FastAPI 0.165 needs Starlette >= 1.6"}
    return {}


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

    def features() -> Any:
        path = bench_file()

        async def file(request: Any) -> Any:
            return responses.FileResponse(path)

        async def stream(request: Any) -> Any:
            async def chunks() -> Any:
                for _ in range(STREAM_CHUNKS):
                    yield STREAM_CHUNK

            return responses.StreamingResponse(chunks(), media_type="text/plain")

        async def echo_websocket(websocket: Any) -> None:
            await websocket.accept()
            async for text in websocket.iter_text():
                await websocket.send_text(text)

        async def upload(request: Any) -> Any:
            async with request.form() as form:
                upload = form["file"]
                size = len(await upload.read())
                fields = {name: form[name] for name, _ in MULTIPART_FIELDS}
                return JSONResponse({"fields": fields, "file": upload.filename, "size": size})

        async def body(request: Any) -> Any:
            return PlainTextResponse(str(len(await request.body())))

        routes = [
            Route("/file", file),
            Route("/stream", stream),
            routing.WebSocketRoute("/ws", echo_websocket),
            Route("/upload", upload, methods=["POST"]),
            Route("/body", body, methods=["POST"]),
        ]
        return applications.Starlette(routes=routes)

    def fastapi() -> Any:
        if package == "starlette_c":
            # NOTE: the switch (what STARLETTE_C_AS_STARLETTE=1 does once installed): FastAPI imports starlette_c.
            importlib.import_module("starlette_c.as_starlette")
        FastAPI = importlib.import_module("fastapi").FastAPI
        fastapi_responses = importlib.import_module("fastapi.responses")
        app = FastAPI()

        async def root() -> str:
            return text

        app.get("/", response_class=fastapi_responses.PlainTextResponse)(root)
        for position in range(FASTAPI_ROUTES):

            async def item(item_id: int) -> dict[str, int]:
                return {"item_id": item_id}

            item.__name__ = f"item_{position}"
            app.get(f"/r{position}/items/{{item_id}}")(item)
        return app

    builders = {
        "app": main,
        "middleware_app": with_middleware,
        "features_app": features,
        "fastapi_app": fastapi,
    }
    return variant_getattr(builders, table)
