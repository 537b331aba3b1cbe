"""Drive the same app through starlette_c and the reference ``starlette==1.0.0`` and compare.

An app is written once as ``build(ns)``, where ``ns.routing``, ``ns.responses``, ... are the modules of
whichever package is under test. Requests are sent as raw ASGI messages (no HTTP client in between),
so malformed requests reach the app exactly as written.

    def build(ns):
        async def home(request):
            return ns.responses.PlainTextResponse(request.url.path)
        return ns.applications.Starlette(routes=[ns.routing.Route("/", home)])

    assert_same(build, [Req("GET", "/"), Req("GET", "/missing", headers=[(b"host", b"bad host")])])
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import anyio

REFERENCE = "starlette"
OURS = "starlette_c"

# Response headers whose values legitimately differ between two runs.
VOLATILE_HEADERS = frozenset({b"date", b"set-cookie-expires"})


class Namespace:
    """``ns.<module>`` imports ``<package>.<module>`` on first use."""

    def __init__(self, package: str) -> None:
        self.package = package

    def __getattr__(self, name: str) -> ModuleType:
        module = importlib.import_module(f"{self.package}.{name.replace('__', '.')}")
        setattr(self, name, module)
        return module

    def module(self, dotted: str) -> ModuleType:
        """``ns.module("middleware.cors")`` for submodules."""
        return importlib.import_module(f"{self.package}.{dotted}")


@dataclasses.dataclass
class Req:
    method: str = "GET"
    path: str = "/"
    query_string: bytes = b""
    headers: Sequence[tuple[bytes, bytes]] = ()
    body: bytes | Sequence[bytes] = b""
    scheme: str = "http"
    server: tuple[str, int | None] | None = ("testserver", 80)
    client: tuple[str, int] | None = ("testclient", 50000)
    root_path: str = ""
    raw_path: bytes | None = None
    http_version: str = "1.1"
    extra_scope: dict[str, Any] = dataclasses.field(default_factory=dict)

    def scope(self) -> dict[str, Any]:
        headers = list(self.headers)
        if not any(name.lower() == b"host" for name, _ in headers):
            headers.insert(0, (b"host", b"testserver"))
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": self.http_version,
            "method": self.method,
            "scheme": self.scheme,
            "path": self.path,
            "raw_path": self.raw_path if self.raw_path is not None else self.path.encode("utf-8"),
            "query_string": self.query_string,
            "root_path": self.root_path,
            "headers": headers,
            "server": self.server,
            "client": self.client,
            "extensions": {},
        }
        scope.update(self.extra_scope)
        return scope


@dataclasses.dataclass
class Outcome:
    """What the server would have seen: the response, or the exception that escaped the app."""

    status: int | None = None
    headers: list[tuple[bytes, bytes]] = dataclasses.field(default_factory=list)
    body: bytes = b""
    exception: str | None = None

    def normalized(self) -> Outcome:
        headers = [(k.lower(), v) for k, v in self.headers if k.lower() not in VOLATILE_HEADERS]
        return dataclasses.replace(self, headers=headers)


async def run_app(app: Any, req: Req) -> Outcome:
    chunks = [req.body] if isinstance(req.body, bytes) else list(req.body)
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1} for i, chunk in enumerate(chunks)
    ]
    outcome = Outcome()
    body = bytearray()
    response_complete = anyio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await response_complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            outcome.status = message["status"]
            outcome.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                response_complete.set()

    try:
        await app(req.scope(), receive, send)
    except Exception as exc:  # the server would see it: compare type and message
        outcome.exception = f"{type(exc).__name__}: {exc}"
    outcome.body = bytes(body)
    return outcome


async def run_websocket(app: Any, req: Req) -> list[Any]:
    """Connect to ``app`` at ``req``'s path as a websocket client that disconnects at once; the messages sent."""
    sent: list[Any] = []
    incoming = [{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1000}]

    async def receive() -> Any:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    scope = req.scope()
    scope.update(type="websocket", scheme="ws", subprotocols=[])
    await app(scope, receive, send)
    return sent


def run_both(build: Callable[[Namespace], Any], req: Req, backend: str = "asyncio") -> tuple[Outcome, Outcome]:
    """Build the app against each package (a fresh app per request) and run ``req`` through both."""
    results = []
    for package in (REFERENCE, OURS):
        app = build(Namespace(package))
        results.append(anyio.run(run_app, app, req, backend=backend).normalized())
    return results[0], results[1]


def assert_same(build: Callable[[Namespace], Any], requests: Sequence[Req], backend: str = "asyncio") -> None:
    for req in requests:
        reference, ours = run_both(build, req, backend)
        assert ours == reference, f"{req.method} {req.path!r} differs:\nreference: {reference}\nours:      {ours}"
