"""The app the hostile-input suite and the soak run serve: every built-in part behind one uvicorn process.

Set ``HOSTILE_ROOT`` to a directory holding ``static/`` (the StaticFiles root) and ``big.bin`` (FileResponse).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

from starlette_c.applications import Starlette
from starlette_c.background import BackgroundTasks
from starlette_c.middleware import Middleware
from starlette_c.middleware.cors import CORSMiddleware
from starlette_c.middleware.gzip import GZipMiddleware
from starlette_c.middleware.sessions import SessionMiddleware
from starlette_c.middleware.trustedhost import TrustedHostMiddleware
from starlette_c.requests import Request
from starlette_c.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette_c.routing import Mount, Route, WebSocketRoute
from starlette_c.staticfiles import StaticFiles
from starlette_c.websockets import WebSocket

ROOT = Path(os.environ.get("HOSTILE_ROOT", "."))
SECRET = "hostile-test-secret"
background_runs: list[str] = []


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def plain(request: Request) -> Response:
    return PlainTextResponse("plain")


async def convert(request: Request) -> Response:
    return JSONResponse({key: str(value) for key, value in request.path_params.items()})


async def echo_json(request: Request) -> Response:
    try:
        data = await request.json()
    except (ValueError, RecursionError):
        return PlainTextResponse("bad json", status_code=400)
    return JSONResponse({"got": data})


async def form(request: Request) -> Response:
    async with request.form(max_files=4, max_fields=50, max_part_size=64 * 1024) as data:
        out: dict[str, object] = {}
        for key, value in data.multi_items():
            out[key] = value if isinstance(value, str) else {"filename": value.filename, "size": value.size}
        return JSONResponse(out)


async def body(request: Request) -> Response:
    return PlainTextResponse(str(len(await request.body())))


async def big_file(request: Request) -> Response:
    return FileResponse(str(ROOT / "big.bin"))


async def big_file_path(request: Request) -> Response:
    return FileResponse(ROOT / "big.bin")  # a Path, not a str: what http.response.pathsend is given differs


async def stream(request: Request) -> Response:
    count = min(int(request.query_params.get("n", "20")), 10_000)

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(count):
            yield b"chunk %d\n" % i

    return StreamingResponse(chunks(), media_type="text/plain")


async def background(request: Request) -> Response:
    tasks = BackgroundTasks()
    tasks.add_task(background_runs.append, "ran")
    return PlainTextResponse(str(len(background_runs)), background=tasks)


async def background_count(request: Request) -> Response:
    return PlainTextResponse(str(len(background_runs)))


async def header_echo(request: Request) -> Response:
    # Deliberately naive: echoes a client-chosen value into a response header.
    return PlainTextResponse("echo", headers={"X-Echo": request.query_params.get("v", "")})


async def redirect(request: Request) -> Response:
    return RedirectResponse(url=request.url_for("health"))


async def redirect_relative(request: Request) -> Response:
    return RedirectResponse(url="/health")


async def session_set(request: Request) -> Response:
    request.session["user"] = request.query_params.get("user", "alice")
    return PlainTextResponse("set")


async def session_get(request: Request) -> Response:
    return JSONResponse({"user": request.session.get("user")})


async def ws_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await websocket.send_text(message["text"])
        elif message.get("bytes") is not None:
            await websocket.send_bytes(message["bytes"])


async def trusted_ok(request: Request) -> Response:
    return PlainTextResponse("trusted")


trusted = Starlette(
    routes=[Route("/", trusted_ok)], middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=["example.com"])]
)

app = Starlette(
    routes=[
        Route("/health", health, name="health"),
        Route("/plain", plain),
        Route("/conv/str/{v:str}", convert),
        Route("/conv/int/{v:int}", convert),
        Route("/conv/float/{v:float}", convert),
        Route("/conv/uuid/{v:uuid}", convert),
        Route("/conv/path/{v:path}", convert),
        Route("/json", echo_json, methods=["POST"]),
        Route("/form", form, methods=["POST"]),
        Route("/body", body, methods=["POST"]),
        Route("/file", big_file),
        Route("/file-path", big_file_path),
        Route("/stream", stream),
        Route("/background", background),
        Route("/background/runs", background_count),
        Route("/header-echo", header_echo),
        Route("/redirect", redirect),
        Route("/redirect-relative", redirect_relative),
        Route("/session/set", session_set),
        Route("/session/get", session_get),
        WebSocketRoute("/ws", ws_echo),
        Mount("/static", StaticFiles(directory=ROOT / "static", follow_symlink=False), name="static"),
        Mount("/trusted", trusted),
    ],
    middleware=[
        Middleware(TrustedHostMiddleware, allowed_hosts=["*"]),
        Middleware(CORSMiddleware, allow_origins=["https://good.example"], allow_methods=["GET", "POST"]),
        Middleware(SessionMiddleware, secret_key=SECRET, max_age=60),
        Middleware(GZipMiddleware, minimum_size=100),
    ],
    max_body_size=1024 * 1024,
)
