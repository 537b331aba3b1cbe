"""``WSGIMiddleware``: serve a WSGI application from ASGI (deprecated, as in Starlette 1.0)."""

from __future__ import annotations

import io
import math
import sys
import warnings
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import anyio
from anyio.abc import ObjectReceiveStream, ObjectSendStream

from starlette_c._utils import collapse_excgroups
from starlette_c.types import Message, Receive, Scope, Send

# NOTE: the text (and its "starlette." prefix) is the reference's, so that existing warning filters keep matching.
warnings.warn(
    "starlette.middleware.wsgi is deprecated and will be removed in a future release. "
    "Please refer to https://github.com/abersheeran/a2wsgi as a replacement.",
    DeprecationWarning,
    stacklevel=2,
)

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _latin1(value: str) -> str:
    # NOTE: PEP 3333 environ strings carry raw bytes as latin-1 code points.
    return value.encode("utf-8").decode("latin-1")


def build_environ(scope: Scope, body: bytes) -> dict[str, Any]:
    script_name = scope.get("root_path", "")
    path = scope["path"]
    if script_name and path.startswith(script_name):
        path = path[len(script_name) :]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": _latin1(script_name),
        "PATH_INFO": _latin1(path),
        "QUERY_STRING": scope["query_string"].decode("ascii"),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stdout,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }

    server = scope.get("server") or ("localhost", 80)
    environ["SERVER_NAME"] = server[0]
    environ["SERVER_PORT"] = server[1]

    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]

    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ


class WSGIMiddleware:
    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise AssertionError("WSGIMiddleware only serves HTTP requests")
        await WSGIResponder(self.app, scope)(receive, send)


class WSGIResponder:
    stream_send: ObjectSendStream[Message]
    stream_receive: ObjectReceiveStream[Message]

    def __init__(self, app: Callable[..., Any], scope: Scope) -> None:
        self.app = app
        self.scope = scope
        self.status: str | None = None
        self.response_headers: list[tuple[str, str]] | None = None
        self.response_started = False
        self.exc_info: _ExcInfo | None = None
        self.stream_send, self.stream_receive = anyio.create_memory_object_stream[Message](math.inf)

    async def __call__(self, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        more_body = True
        while more_body:
            message = await receive()
            chunks.append(message.get("body", b""))
            more_body = message.get("more_body", False)
        environ = build_environ(self.scope, b"".join(chunks))

        with collapse_excgroups():
            async with anyio.create_task_group() as task_group:
                task_group.start_soon(self.sender, send)
                async with self.stream_send:
                    await anyio.to_thread.run_sync(self.wsgi, environ, self.start_response)
        if self.exc_info is not None:
            raise self.exc_info[1].with_traceback(self.exc_info[2])

    async def sender(self, send: Send) -> None:
        async with self.stream_receive:
            async for message in self.stream_receive:
                await send(message)

    def start_response(
        self,
        status: str,
        response_headers: list[tuple[str, str]],
        exc_info: Any = None,
    ) -> None:
        self.exc_info = exc_info
        if self.response_started:
            return
        self.response_started = True
        status_code = int(status.split(" ", 1)[0])
        headers = [
            (name.strip().encode("latin-1").lower(), value.strip().encode("latin-1"))
            for name, value in response_headers
        ]
        anyio.from_thread.run(
            self.stream_send.send, {"type": "http.response.start", "status": status_code, "headers": headers}
        )

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> None:
        iterable: Iterable[bytes] = self.app(environ, start_response)
        try:
            for chunk in iterable:
                anyio.from_thread.run(
                    self.stream_send.send, {"type": "http.response.body", "body": chunk, "more_body": True}
                )
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        anyio.from_thread.run(self.stream_send.send, {"type": "http.response.body", "body": b""})
