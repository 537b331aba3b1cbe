"""Hand-made ASGI scopes shared by the tests."""

from __future__ import annotations

from typing import Any


def http_scope(
    path: str = "/",
    *,
    host: bytes | None = None,
    server: tuple[str, int | None] | None = ("testserver", 80),
    scheme: str = "http",
    query_string: bytes = b"",
    **extra: Any,
) -> dict[str, Any]:
    headers = [] if host is None else [(b"host", host)]
    return {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "path": path,
        "query_string": query_string,
        "headers": headers,
        **extra,
    }
