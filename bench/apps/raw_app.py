"""The floor: hand-written ASGI apps doing each scenario's work with no framework at all.

Routing is a dict lookup on the first path segment (the least any router can do), JSON is the stdlib's,
and the middleware scenario does only what the three middlewares do for this request: the CORS origin
check and headers, the Accept-Encoding look-up (the body is below GZip's 500-byte minimum) and the
session cookie look-up (none is sent).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from scenarios import CORS_ORIGIN, FILLER_ROUTES, PLAINTEXT, SMALL_JSON, STREAM_CHUNK, STREAM_CHUNKS, bench_file

from apps._variants import variant_getattr

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Handler = Callable[[Scope, Receive, Send, list[str]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TEXT = b"text/plain; charset=utf-8"
JSON = b"application/json"


async def respond(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", content_type)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def dumps(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


async def plaintext(scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
    await respond(send, 200, TEXT, PLAINTEXT)


async def small_json(scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
    await respond(send, 200, JSON, dumps(SMALL_JSON))


async def user_item(scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
    if len(segments) != 4 or not segments[1].isdigit() or segments[2] != "items" or not segments[3]:
        return await not_found(send)
    await respond(send, 200, JSON, dumps({"user_id": int(segments[1]), "item_id": segments[3]}))


async def query(scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
    params = dict(pair.split("=", 1) for pair in scope["query_string"].decode("latin-1").split("&") if "=" in pair)
    headers = {name: value for name, value in scope["headers"]}
    values = (
        params["a"].encode(),
        params["b"].encode(),
        params["c"].encode(),
        headers[b"user-agent"],
        headers[b"accept"],
        headers[b"x-request-id"],
    )
    await respond(send, 200, TEXT, b",".join(values))


async def read_body(receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def echo(scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
    if scope["method"] != "POST":
        return await respond(send, 405, TEXT, b"Method Not Allowed")
    await respond(send, 200, JSON, dumps(json.loads(await read_body(receive))))


async def table_item(scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
    if len(segments) != 3 or segments[1] != "items" or not segments[2]:
        return await not_found(send)
    await respond(send, 200, TEXT, segments[2].encode())


async def not_found(send: Send) -> None:
    await respond(send, 404, TEXT, b"Not Found")


def router(routes: dict[str, Handler]) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await lifespan(receive, send)
        # PERF: one split and one dict look-up on the first segment is the whole router.
        segments = scope["path"][1:].split("/")
        handler = routes.get(segments[0])
        if handler is None:
            return await not_found(send)
        await handler(scope, receive, send, segments)

    return app


async def lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        else:
            await send({"type": "lifespan.shutdown.complete"})
            return


def main() -> ASGIApp:
    routes: dict[str, Handler] = {"": plaintext, "json": small_json, "query": query, "echo": echo}
    routes.update({f"filler{i}": table_item for i in range(FILLER_ROUTES)})
    routes["users"] = user_item
    return router(routes)


def with_middleware() -> ASGIApp:
    inner = router({"": plaintext})
    allowed = CORS_ORIGIN.encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await inner(scope, receive, send)
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        headers.get(b"accept-encoding")
        headers.get(b"cookie")

        async def send_with_cors(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and origin == allowed:
                message["headers"] = [
                    *message["headers"],
                    (b"access-control-allow-origin", allowed),
                    (b"vary", b"Origin"),
                ]
            await send(message)

        await inner(scope, receive, send_with_cors)

    return app


FILE_CHUNK = 64 * 1024


def file_response(path: str) -> Handler:
    async def file(scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
        # PERF: one worker-thread hop reads the whole file (the least a server-side file costs off the loop).
        data = await asyncio.get_running_loop().run_in_executor(None, read_file, path)
        size = len(data)
        headers = [(b"content-length", str(size).encode()), (b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for start in range(0, size, FILE_CHUNK):
            more = start + FILE_CHUNK < size
            await send({"type": "http.response.body", "body": data[start : start + FILE_CHUNK], "more_body": more})

    return file


def read_file(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


async def stream(scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    for _ in range(STREAM_CHUNKS):
        await send({"type": "http.response.body", "body": STREAM_CHUNK, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def echo_websocket(scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "websocket.receive":
            await send({"type": "websocket.send", "text": message["text"]})
        elif kind == "websocket.connect":
            await send({"type": "websocket.accept"})
        else:
            return


PART_NAME = re.compile(rb'name="([^"]*)"')
PART_FILENAME = re.compile(rb'filename="([^"]*)"')


async def upload(scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
    """The least multipart parsing: split on the boundary, each part's name from its headers."""
    content_type = dict(scope["headers"])[b"content-type"]
    boundary = content_type.partition(b"boundary=")[2]
    fields: dict[str, str] = {}
    answer: dict[str, object] = {"fields": fields}
    for part in (await read_body(receive)).split(b"--" + boundary)[1:-1]:
        head, _, data = part.partition(b"\r\n\r\n")
        name = PART_NAME.search(head)
        filename = PART_FILENAME.search(head)
        if filename is not None:
            answer.update(file=filename.group(1).decode(), size=len(data) - 2)
        elif name is not None:
            fields[name.group(1).decode()] = data[:-2].decode()
    await respond(send, 200, JSON, dumps(answer))


async def body(scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
    await respond(send, 200, TEXT, str(len(await read_body(receive))).encode())


def features() -> ASGIApp:
    routes = {"file": file_response(bench_file()), "stream": stream, "ws": echo_websocket}
    routes.update(upload=upload, body=body)
    return router(routes)


def table(size: int) -> ASGIApp:
    return router({f"r{i}": table_item for i in range(size)})


UNSUPPORTED = {"fastapi_app": "FastAPI runs on Starlette only"}
__getattr__ = variant_getattr({"app": main, "middleware_app": with_middleware, "features_app": features}, table)
