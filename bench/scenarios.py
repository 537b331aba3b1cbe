"""The requests every framework answers, and how each answer is checked before it is timed.

Importable by the orchestrator and by the workers inside the peers' virtualenvs: stdlib only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

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


def echo_payload() -> bytes:
    """A JSON object of exactly 1 KiB."""
    items = {f"key{i:02d}": "v" * 20 for i in range(30)}
    body = json.dumps(items, separators=(",", ":"))
    padding = 1024 - len(body) - len(',"pad":""')
    items["pad"] = "p" * padding
    encoded = json.dumps(items, separators=(",", ":")).encode()
    assert len(encoded) == 1024
    return encoded


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
    tables = tuple(
        Scenario(f"{size} routes", f"routes_{size}", f"/r{size - 1}/items/7", content=b"7")
        for size in ROUTE_TABLE_SIZES
    )
    return fixed + tables


SCENARIOS: tuple[Scenario, ...] = _scenarios()


def select_scenarios(names: list[str] | None) -> list[Scenario]:
    return select_by_name(SCENARIOS, names, "scenario")
