"""Drive an ASGI app directly, for what the TestClient cannot do: hang up in the middle of a stream."""

from __future__ import annotations

from typing import Any

import anyio

from tests.ecosystem.transcript import Entry


async def get_then_disconnect(app: Any, path: str, *, after_chunks: int) -> Entry:
    """GET ``path``, then report ``http.disconnect`` once ``after_chunks`` non-empty body chunks arrived."""
    enough = anyio.Event()
    sent: list[dict[str, Any]] = []
    chunks: list[str] = []
    request_sent = False

    async def receive() -> dict[str, Any]:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await enough.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            if message.get("body"):
                chunks.append(message["body"].decode())
            if len(chunks) >= after_chunks:
                enough.set()
        else:
            sent.append({key: value for key, value in message.items() if key != "headers"})
            sent[-1]["headers"] = [[name.decode(), value.decode()] for name, value in message.get("headers", [])]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"accept", b"text/event-stream")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    with anyio.fail_after(5):
        await app(scope, receive, send)
    return {"start": sent, "chunks": chunks[:after_chunks]}
