"""BlackSheep's apps: CORS, gzip and sessions are all built in."""

from __future__ import annotations

from typing import Any

from blacksheep import Application, Request, Response, StreamedContent, WebSocket, WebSocketDisconnectError, json, text
from blacksheep.server.compression import GzipMiddleware
from blacksheep.server.responses import file as file_response
from blacksheep.server.routing import Router
from scenarios import (
    CORS_ORIGIN,
    FILLER_ROUTES,
    PLAINTEXT,
    SESSION_SECRET,
    SMALL_JSON,
    STREAM_CHUNK,
    STREAM_CHUNKS,
    bench_file,
)

from apps._variants import variant_getattr

TEXT = PLAINTEXT.decode()


async def plaintext() -> Any:
    return text(TEXT)


async def small_json() -> Any:
    return json(SMALL_JSON)


async def user_item(request: Request) -> Any:
    params = request.route_values
    return json({"user_id": int(params["user_id"]), "item_id": params["item_id"]})


async def query(request: Request) -> Any:
    params = request.query
    values = (
        params["a"][0],
        params["b"][0],
        params["c"][0],
        request.get_first_header(b"user-agent").decode(),
        request.get_first_header(b"accept").decode(),
        request.get_first_header(b"x-request-id").decode(),
    )
    return text(",".join(values))


async def echo(request: Request) -> Any:
    return json(await request.json())


async def table_item(request: Request) -> Any:
    return text(request.route_values["item_id"])


def new_app() -> Application:
    # NOTE: each app needs a router of its own: by default they all share a module-level one, which a new
    # Application resets. Handlers read the request themselves (no parameter binding), as elsewhere.
    return Application(router=Router(), show_error_details=False)


def main() -> Application:
    app = new_app()
    app.router.add_get("/", plaintext)
    app.router.add_get("/json", small_json)
    app.router.add_get("/query", query)
    app.router.add_post("/echo", echo)
    for i in range(FILLER_ROUTES):
        app.router.add_get(f"/filler{i}/{{item_id}}", table_item)
    app.router.add_get("/users/{int:user_id}/items/{item_id}", user_item)
    return app


def with_middleware() -> Application:
    app = new_app()
    app.use_cors(allow_origins=[CORS_ORIGIN], allow_methods=["GET"])
    app.middlewares.append(GzipMiddleware())
    app.use_sessions(SESSION_SECRET)
    app.router.add_get("/", plaintext)
    return app


def table(size: int) -> Application:
    app = new_app()
    for i in range(size):
        app.router.add_get(f"/r{i}/items/{{item_id}}", table_item)
    return app


async def chunks() -> Any:
    for _ in range(STREAM_CHUNKS):
        yield STREAM_CHUNK


async def stream() -> Response:
    return Response(200, None, StreamedContent(b"text/plain", chunks))


async def echo_websocket(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnectError:
        return


async def upload(request: Request) -> Any:
    fields: dict[str, str] = {}
    answer: dict[str, object] = {"fields": fields}
    for part in await request.multipart():
        if part.file_name is not None:
            answer.update(file=part.file_name.decode(), size=len(part.data))
        else:
            fields[part.name.decode()] = part.data.decode()
    return json(answer)


async def body(request: Request) -> Any:
    return text(str(len(await request.read() or b"")))


def features() -> Application:
    app = new_app()
    path = bench_file()

    async def file() -> Response:
        return file_response(path, "text/plain")

    app.router.add_get("/file", file)
    app.router.add_get("/stream", stream)
    app.router.add_ws("/ws", echo_websocket)
    app.router.add_post("/upload", upload)
    app.router.add_post("/body", body)
    return app


UNSUPPORTED = {"fastapi_app": "FastAPI runs on Starlette only"}
__getattr__ = variant_getattr({"app": main, "middleware_app": with_middleware, "features_app": features}, table)
