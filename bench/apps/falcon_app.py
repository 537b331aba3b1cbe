"""Falcon's apps (ASGI flavour, ``falcon.asgi.App``).

Falcon has CORS built in but no response compression and no sessions: the middleware scenario stacks
its CORSMiddleware with two small middlewares doing the closest equivalent work for this request (gzip
for bodies of 500 bytes or more, and loading a signed session cookie with itsdangerous,
as Starlette's SessionMiddleware does).
"""

from __future__ import annotations

import asyncio
import gzip
import os
from typing import Any

import falcon
import falcon.asgi
import itsdangerous
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

GZIP_MINIMUM_SIZE = 500


class Plaintext:
    async def on_get(self, req: Any, resp: Any) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.data = PLAINTEXT


class SmallJSON:
    async def on_get(self, req: Any, resp: Any) -> None:
        resp.media = SMALL_JSON


class UserItem:
    async def on_get(self, req: Any, resp: Any, user_id: int, item_id: str) -> None:
        resp.media = {"user_id": user_id, "item_id": item_id}


class Query:
    async def on_get(self, req: Any, resp: Any) -> None:
        values = (
            req.get_param("a"),
            req.get_param("b"),
            req.get_param("c"),
            req.get_header("user-agent"),
            req.get_header("accept"),
            req.get_header("x-request-id"),
        )
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = ",".join(values)


class Echo:
    async def on_post(self, req: Any, resp: Any) -> None:
        resp.media = await req.get_media()


class TableItem:
    async def on_get(self, req: Any, resp: Any, item_id: str) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = item_id


class GzipResponses:
    """Gzip a response body of at least 500 bytes when the client accepts it, as GZipMiddleware does."""

    async def process_response(self, req: Any, resp: Any, resource: Any, req_succeeded: bool) -> None:
        resp.vary = "Accept-Encoding"
        if "gzip" not in (req.get_header("accept-encoding") or ""):
            return
        body = resp.data if resp.data is not None else (resp.text or "").encode()
        if len(body) >= GZIP_MINIMUM_SIZE:
            resp.data = gzip.compress(body)
            resp.text = None
            resp.set_header("content-encoding", "gzip")


class SignedCookieSession:
    """Load a session from an itsdangerous-signed cookie, as Starlette's SessionMiddleware does."""

    def __init__(self) -> None:
        self.signer = itsdangerous.TimestampSigner(SESSION_SECRET)

    async def process_request(self, req: Any, resp: Any) -> None:
        cookie = req.cookies.get("session")
        req.context.session = {}
        if cookie is not None:
            try:
                self.signer.unsign(cookie, max_age=14 * 24 * 3600)
            except itsdangerous.BadSignature:
                pass


FILE_CHUNK = 64 * 1024


async def file_chunks(path: str) -> Any:
    """The file read off the event loop, 64 KiB at a time (Falcon has no async file response of its own)."""
    loop = asyncio.get_running_loop()
    file = await loop.run_in_executor(None, open, path, "rb")
    try:
        while chunk := await loop.run_in_executor(None, file.read, FILE_CHUNK):
            yield chunk
    finally:
        await loop.run_in_executor(None, file.close)


class File:
    def __init__(self, path: str) -> None:
        self.path = path

    async def on_get(self, req: Any, resp: Any) -> None:
        stat = await asyncio.get_running_loop().run_in_executor(None, os.stat, self.path)
        resp.content_type = falcon.MEDIA_TEXT
        resp.content_length = stat.st_size
        resp.stream = file_chunks(self.path)


async def chunks() -> Any:
    for _ in range(STREAM_CHUNKS):
        yield STREAM_CHUNK


class Stream:
    async def on_get(self, req: Any, resp: Any) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.stream = chunks()


class EchoWebSocket:
    async def on_websocket(self, req: Any, ws: Any) -> None:
        await ws.accept()
        try:
            while True:
                await ws.send_text(await ws.receive_text())
        except falcon.WebSocketDisconnected:
            return


class Upload:
    async def on_post(self, req: Any, resp: Any) -> None:
        fields: dict[str, str] = {}
        answer: dict[str, object] = {"fields": fields}
        form = await req.get_media()
        async for part in form:
            if part.filename:
                size = 0
                async for chunk in part.stream:
                    size += len(chunk)
                answer.update(file=part.filename, size=size)
            else:
                fields[part.name] = await part.get_text()
        resp.media = answer


class Body:
    async def on_post(self, req: Any, resp: Any) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = str(len(await req.stream.read()))


def features() -> Any:
    app = falcon.asgi.App()
    app.add_route("/file", File(bench_file()))
    app.add_route("/stream", Stream())
    app.add_route("/ws", EchoWebSocket())
    app.add_route("/upload", Upload())
    app.add_route("/body", Body())
    return app


def main() -> Any:
    app = falcon.asgi.App()
    app.add_route("/", Plaintext())
    app.add_route("/json", SmallJSON())
    app.add_route("/query", Query())
    app.add_route("/echo", Echo())
    table_item = TableItem()
    for i in range(FILLER_ROUTES):
        app.add_route(f"/filler{i}/{{item_id}}", table_item)
    app.add_route("/users/{user_id:int}/items/{item_id}", UserItem())
    return app


def with_middleware() -> Any:
    middleware = [falcon.CORSMiddleware(allow_origins=CORS_ORIGIN), GzipResponses(), SignedCookieSession()]
    app = falcon.asgi.App(middleware=middleware)
    app.add_route("/", Plaintext())
    return app


def table(size: int) -> Any:
    app = falcon.asgi.App()
    table_item = TableItem()
    for i in range(size):
        app.add_route(f"/r{i}/items/{{item_id}}", table_item)
    return app


UNSUPPORTED = {"fastapi_app": "FastAPI runs on Starlette only"}
__getattr__ = variant_getattr({"app": main, "middleware_app": with_middleware, "features_app": features}, table)
