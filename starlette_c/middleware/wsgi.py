"""``WSGIMiddleware``: serve a WSGI application from ASGI (deprecated, as in Starlette)."""

from __future__ import annotations

import io
import math
import sys
import warnings
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
from anyio.abc import ObjectReceiveStream, ObjectSendStream

from starlette_c._utils import create_collapsing_task_group
from starlette_c.exceptions import StarletteDeprecationWarning
from starlette_c.types import Message, Receive, Scope, Send

# NOTE: the text (and its "starlette." prefix) is the reference's, so that existing warning filters keep matching.
_DEPRECATION = (
    "starlette.middleware.wsgi is deprecated and will be removed in a future release. "
    "Please refer to https://github.com/abersheeran/a2wsgi as a replacement."
)
warnings.warn(_DEPRECATION, StarletteDeprecationWarning, stacklevel=2)

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _as_environ_str(value: str) -> str:
    # NOTE: PEP 3333 environ strings carry the raw bytes as latin-1 code points.
    return value.encode("utf-8").decode("latin-1")


def _split_script_name(scope: Scope) -> tuple[str, str]:
    """``(SCRIPT_NAME, PATH_INFO)``: ``root_path`` comes off the path only where a path segment ends."""
    root: str = scope.get("root_path", "")
    path: str = scope["path"]
    below = path[len(root) :]
    if root and path.startswith(root) and (not below or below[0] == "/" or root[-1] == "/"):
        return root, below
    return root, path


def build_environ(scope: Scope, body: bytes) -> dict[str, Any]:
    script_name, path_info = _split_script_name(scope)
    server_name, server_port = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": _as_environ_str(script_name),
        "PATH_INFO": _as_environ_str(path_info),
        # NOTE: latin-1, as PEP 3333 has every environ string: a byte above 0x7f reaches the app, not a 500.
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_PROTOCOL": "HTTP/" + scope["http_version"],
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "wsgi.run_once": False,
        "wsgi.multiprocess": True,
        "wsgi.multithread": True,
        "wsgi.errors": sys.stdout,
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.version": (1, 0),
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"] = scope["client"][0]
    for raw_name, raw_value in scope.get("headers", []):
        key = raw_name.decode("latin-1").upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        value = raw_value.decode("latin-1")
        # NOTE: repeated headers are folded into one comma-separated value.
        environ[key] = value if key not in environ else environ[key] + "," + value
    return environ


async def _read_body(receive: Receive) -> bytes:
    chunks = bytearray()
    while True:
        message = await receive()
        chunks += message.get("body", b"")
        if not message.get("more_body", False):
            return bytes(chunks)


class WSGIMiddleware:
    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise AssertionError("WSGIMiddleware only serves HTTP requests")
        await WSGIResponder(self.app, scope)(receive, send)


class WSGIResponder:
    """One request: the WSGI app runs in a worker thread and hands its messages to the event loop's ``sender``."""

    stream_send: ObjectSendStream[Message]
    stream_receive: ObjectReceiveStream[Message]

    def __init__(self, app: Callable[..., Any], scope: Scope) -> None:
        self.app = app
        self.scope = scope
        self.status: str | None = None
        self.response_headers: list[tuple[str, str]] | None = None
        self.response_started = False
        self.exc_info: _ExcInfo | None = None

    async def __call__(self, receive: Receive, send: Send) -> None:
        environ = build_environ(self.scope, await _read_body(receive))
        # NOTE: made once the request is read, so that a failed read leaves no stream unclosed.
        self.stream_send, self.stream_receive = anyio.create_memory_object_stream[Message](math.inf)
        async with create_collapsing_task_group() as task_group:
            task_group.start_soon(self.sender, send)
            async with self.stream_send:
                await anyio.to_thread.run_sync(self.wsgi, environ, self.start_response)
        if self.exc_info is not None:
            _, error, traceback = self.exc_info
            raise error.with_traceback(traceback)

    async def sender(self, send: Send) -> None:
        async with self.stream_receive:
            async for message in self.stream_receive:
                await send(message)

    def _emit(self, message: Message) -> None:
        """Hand ``message`` from the worker thread to the sender on the event loop."""
        anyio.from_thread.run(self.stream_send.send, message)

    def start_response(self, status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        # NOTE: only the first call starts the response; a later one (from an error handler) only records exc_info.
        started, self.response_started, self.exc_info = self.response_started, True, exc_info
        if started:
            return
        headers = [
            (name.strip().encode("latin-1").lower(), value.strip().encode("latin-1"))
            for name, value in response_headers
        ]
        self._emit({"type": "http.response.start", "status": int(status.split(" ", 1)[0]), "headers": headers})

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> None:
        result: Iterable[bytes] = self.app(environ, start_response)
        try:
            for chunk in result:
                self._emit({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self._emit({"type": "http.response.body", "body": b""})
