"""The requests every framework answers, and how each answer is checked before it is timed.

Importable by the orchestrator and by the workers inside the peers' virtualenvs: stdlib only.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace

from naming import select_by_name

PLAINTEXT = b"Hello, world!"
SMALL_JSON = {"message": "Hello, world!"}
# The app's extra parameterized routes registered before the /users/... route.
FILLER_ROUTES = 100
ROUTE_TABLE_SIZES = (10, 100, 1_000, 10_000)
QUERY_HEADERS = ((b"user-agent", b"bench/1.0"), (b"accept", b"*/*"), (b"x-request-id", b"req-1"))
QUERY_ANSWER = b"1,2,3,bench/1.0,*/*,req-1"
CORS_ORIGIN = "https://example.org"
SESSION_SECRET = "bench-secret"
# Distinct paths a varying scenario cycles through: more than any per-path cache (starlette_c's pure URL
# parsing keeps 512), so that the route lookup itself is what is measured.
PATH_VARIANTS = 4096
FASTAPI_ROUTES = 100
MEBIBYTE = 1 << 20
STREAM_CHUNKS = 1000
STREAM_CHUNK = b"x" * 31 + b"\n"
WEBSOCKET_MESSAGES = tuple(f"message {i:03d}" for i in range(100))
MULTIPART_BOUNDARY = "bench-boundary-7d1f3c"
MULTIPART_FIELDS = tuple((f"field{i}", f"value{i}") for i in range(10))
UPLOAD_NAME = "upload.bin"
# NOTE: websocket sessions have no end-to-end figure: wrk, the load generator, speaks HTTP only.
NO_WEBSOCKET_LOAD = "no end-to-end figure: wrk, the load generator, speaks HTTP only"


def echo_payload() -> bytes:
    """A JSON object of exactly 1 KiB."""
    items = {f"key{i:02d}": "v" * 20 for i in range(30)}
    body = json.dumps(items, separators=(",", ":"))
    padding = 1024 - len(body) - len(',"pad":""')
    items["pad"] = "p" * padding
    encoded = json.dumps(items, separators=(",", ":")).encode()
    assert len(encoded) == 1024
    return encoded


def mebibyte() -> bytes:
    """1 MiB of printable ASCII: the file served, uploaded and posted (wrk's Lua script can carry it)."""
    return b"0123456789abcdef" * (MEBIBYTE // 16)


def bench_file() -> str:
    """The 1 MiB file of the FileResponse scenario, written once per machine (every process serves the same)."""
    path = os.path.join(tempfile.gettempdir(), "starlette_c-bench-1MiB.txt")
    content = mebibyte()
    if not os.path.exists(path) or os.path.getsize(path) != len(content):
        partial = f"{path}.{os.getpid()}"
        with open(partial, "wb") as file:
            file.write(content)
        os.replace(partial, path)  # NOTE: atomic, so a concurrent reader never sees half a file.
    return path


def multipart_body() -> bytes:
    """10 text fields and one 1 MiB file, as a browser would send them."""
    dash = f"--{MULTIPART_BOUNDARY}".encode()
    parts = [
        dash + f'\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in MULTIPART_FIELDS
    ]
    head = f'\r\nContent-Disposition: form-data; name="file"; filename="{UPLOAD_NAME}"\r\n'
    head += "Content-Type: application/octet-stream\r\n\r\n"
    parts.append(dash + head.encode() + mebibyte() + b"\r\n")
    return b"".join(parts) + dash + b"--\r\n"


def upload_answer() -> dict[str, object]:
    return {"fields": dict(MULTIPART_FIELDS), "file": UPLOAD_NAME, "size": MEBIBYTE}


def _fill(value: object, number: int) -> object:
    """``value`` with every "{n}" string replaced by ``number`` (the JSON a varying path answers)."""
    if value == "{n}":
        return number
    if isinstance(value, dict):
        return {key: _fill(item, number) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class Scenario:
    name: str
    app_attr: str  # attribute of every bench/apps module that builds the app for this scenario
    path: str
    method: str = "GET"
    query: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""
    status: int = 200
    content: bytes | None = None  # the exact body, unless JSON
    json_content: object = None  # the parsed JSON body, compared as data
    required_headers: tuple[bytes, ...] = ()
    # > 0: the path holds "{n}" and the requests cycle through n = 0 .. variants - 1 (so do content and JSON).
    variants: int = 0
    # Non-empty: a websocket session sending these text messages, each answered by its echo.
    messages: tuple[str, ...] = ()

    @property
    def websocket(self) -> bool:
        return bool(self.messages)

    def variant(self, number: int) -> Scenario:
        """The scenario's request number ``number`` (itself when its path does not vary)."""
        if not self.variants:
            return self
        text = str(number)
        return replace(
            self,
            path=self.path.replace("{n}", text),
            content=None if self.content is None else self.content.replace(b"{n}", text.encode()),
            json_content=_fill(self.json_content, number),
            variants=0,
        )

    @property
    def url_path(self) -> str:
        return self.path + ("?" + self.query.decode() if self.query else "")

    def check(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> str | None:
        """None when the answer is right, else what is wrong with it."""
        if status != self.status:
            return f"status {status}, expected {self.status}"
        if self.content is not None and body != self.content:
            return f"body {body[:80]!r}, expected {self.content[:80]!r}"
        if self.json_content is not None:
            try:
                parsed = json.loads(body)
            except ValueError:
                return f"body {body[:80]!r} is not JSON"
            if parsed != self.json_content:
                return f"JSON {parsed!r:.80}, expected {self.json_content!r:.80}"
        names = {name.lower() for name, _ in headers}
        missing = [name.decode() for name in self.required_headers if name not in names]
        if missing:
            return f"missing response header(s) {missing}"
        return None


def _scenarios() -> tuple[Scenario, ...]:
    echo = echo_payload()
    fixed = (
        Scenario("plaintext", "app", "/", content=PLAINTEXT),
        Scenario("json", "app", "/json", json_content=SMALL_JSON),
        Scenario("path params", "app", "/users/42/items/abc", json_content={"user_id": 42, "item_id": "abc"}),
        Scenario("query + headers", "app", "/query", query=b"a=1&b=2&c=3", headers=QUERY_HEADERS, content=QUERY_ANSWER),
        Scenario(
            "POST json echo",
            "app",
            "/echo",
            method="POST",
            headers=((b"content-type", b"application/json"), (b"content-length", str(len(echo)).encode())),
            body=echo,
            json_content=json.loads(echo),
        ),
        Scenario("404", "app", "/missing/path", status=404),
        Scenario(
            "CORS+GZip+Session",
            "middleware_app",
            "/",
            headers=((b"origin", CORS_ORIGIN.encode()), (b"accept-encoding", b"gzip")),
            content=PLAINTEXT,
            required_headers=(b"access-control-allow-origin",),
        ),
    )
    tables = tuple(table_scenario(f"{size} routes", f"routes_{size}", size - 1) for size in ROUTE_TABLE_SIZES) + tuple(
        table_scenario(f"{size} routes, {where}", f"routes_{size}", position)
        for size in (100, 1_000)
        for where, position in (("first", 0), ("middle", size // 2))
    )
    upload = multipart_body()
    features = (
        Scenario("FileResponse 1 MiB", "features_app", "/file", content=mebibyte()),
        Scenario("stream 1,000 chunks", "features_app", "/stream", content=STREAM_CHUNK * STREAM_CHUNKS),
        Scenario(
            "websocket echo 100",
            "features_app",
            "/ws",
            status=101,
            content="\n".join(WEBSOCKET_MESSAGES).encode(),
            messages=WEBSOCKET_MESSAGES,
        ),
        Scenario(
            "multipart 1 MiB + 10 fields",
            "features_app",
            "/upload",
            method="POST",
            headers=((b"content-type", f"multipart/form-data; boundary={MULTIPART_BOUNDARY}".encode()),),
            body=upload,
            json_content=upload_answer(),
        ),
        Scenario(
            "body read 1 MiB",
            "features_app",
            "/body",
            method="POST",
            headers=((b"content-type", b"application/octet-stream"),),
            body=mebibyte(),
            content=str(MEBIBYTE).encode(),
        ),
    )
    middle = FASTAPI_ROUTES // 2
    fastapi = (
        Scenario("FastAPI plaintext", "fastapi_app", "/", content=PLAINTEXT),
        *(
            Scenario(
                f"FastAPI route {position + 1}/{FASTAPI_ROUTES}",
                "fastapi_app",
                f"/r{position}/items/{{n}}",
                json_content={"item_id": "{n}"},
                variants=PATH_VARIANTS,
            )
            for position in (0, middle, FASTAPI_ROUTES - 1)
        ),
        Scenario("FastAPI 404", "fastapi_app", "/missing/{n}", status=404, variants=PATH_VARIANTS),
    )
    return fixed + tables + features + fastapi


def table_scenario(name: str, app_attr: str, position: int) -> Scenario:
    """A request for route ``position`` of a ``/r{i}/items/{item_id}`` table, the item varying."""
    return Scenario(name, app_attr, f"/r{position}/items/{{n}}", content=b"{n}", variants=PATH_VARIANTS)


SCENARIOS: tuple[Scenario, ...] = _scenarios()


def select_scenarios(names: list[str] | None) -> list[Scenario]:
    return select_by_name(SCENARIOS, names, "scenario")
