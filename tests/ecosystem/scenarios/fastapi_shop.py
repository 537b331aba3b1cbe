"""Drive the shop app through every FastAPI feature it uses."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.ecosystem.apps import fastapi_shop
from tests.ecosystem.transcript import Backend, Transcript

AUTH = {"X-Token": "secret"}


def run(backend: Backend, transcript: Transcript) -> None:
    fastapi_shop.EFFECTS.clear()
    with TestClient(fastapi_shop.app, backend=backend) as client:
        transcript.add("after startup", list(fastapi_shop.EFFECTS))
        transcript.http("list", client.get("/items/"))
        transcript.http("list by tag", client.get("/items/", params=[("tag", "office"), ("tag", "home")]))
        transcript.http("list limit too big", client.get("/items/", params={"limit": 99}))
        transcript.http("read", client.get("/items/1"))
        transcript.http("read missing", client.get("/items/7"))
        transcript.http("read bad path", client.get("/items/zero"))
        transcript.http("read below minimum", client.get("/items/0"))
        transcript.http("create", client.post("/items/", json={"name": "desk", "price": 99, "tags": ["office"]}))
        transcript.add("effects after create", list(fastapi_shop.EFFECTS))
        transcript.http("create invalid", client.post("/items/", json={"name": "", "price": -1}))
        transcript.http(
            "create not json", client.post("/items/", content=b"{", headers={"content-type": "application/json"})
        )
        transcript.http("list after create", client.get("/items/", params={"limit": 5}))
        transcript.http("order no token", client.post("/orders/", json={"item_ids": [1]}))
        transcript.http("order bad token", client.post("/orders/", json={"item_ids": [1]}, headers={"X-Token": "x"}))
        transcript.http("order", client.post("/orders/", json={"item_ids": [1, 2], "note": "gift"}, headers=AUTH))
        transcript.http("order out of stock", client.post("/orders/", json={"item_ids": [5]}, headers=AUTH))
        transcript.http("preferences default", client.get("/orders/preferences", headers=AUTH))
        client.cookies.set("theme", "solarized")
        transcript.http(
            "preferences cookie", client.get("/orders/preferences", headers={**AUTH, "Accept-Language": "fr"})
        )
        client.cookies.clear()
        transcript.http("login short password", client.post("/login", data={"username": "bob", "password": "x"}))
        login = client.post("/login", data={"username": "bob", "password": "hunter2"})
        transcript.http("login", login)
        transcript.add("cookie jar after login", dict(client.cookies))
        transcript.http(
            "upload",
            client.post(
                "/upload",
                data={"label": "docs", "public": "true"},
                files=[
                    ("files", ("a.txt", b"hello", "text/plain")),
                    ("files", ("b.bin", bytes(range(256)), "application/octet-stream")),
                ],
            ),
        )
        big = b"hello" + b"x" * (2 * 1024 * 1024)
        transcript.http(
            "upload past the in-memory size", client.post("/archive", files={"file": ("a.bin", big, "x/y")})
        )
        transcript.http("template", client.get("/receipt/1"))
        transcript.http("upload missing file", client.post("/upload", data={"label": "docs"}))
        transcript.http("stream csv", client.get("/export.csv"))
        transcript.http("file", client.get("/report"))
        transcript.http("file head", client.head("/report"))
        transcript.http("big gzip", client.get("/big", headers={"Accept-Encoding": "gzip"}))
        transcript.http("big identity", client.get("/big", headers={"Accept-Encoding": "identity"}))
        transcript.http(
            "cors preflight",
            client.options(
                "/items/",
                headers={
                    "Origin": "https://shop.example",
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "X-Token",
                },
            ),
        )
        transcript.http(
            "cors preflight refused",
            client.options(
                "/items/", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"}
            ),
        )
        transcript.http("cors simple", client.get("/items/1", headers={"Origin": "https://shop.example"}))
        transcript.http("mounted app", client.get("/admin/stats"))
        transcript.http("mounted app docs", client.get("/admin/openapi.json"))
        transcript.http("mounted app not found", client.get("/admin/nope"))
        transcript.http("mounted app method not allowed", client.post("/admin/stats"))
        transcript.http("static", client.get("/static/style.css"))
        transcript.http("static head", client.head("/static/style.css"))
        transcript.http("static range", client.get("/static/style.css", headers={"Range": "bytes=5-9"}))
        transcript.http("static bad range", client.get("/static/style.css", headers={"Range": "bytes=90-99"}))
        etag = client.get("/static/style.css").headers["etag"]
        transcript.http("static not modified", client.get("/static/style.css", headers={"If-None-Match": etag}))
        transcript.http("redirect slashes", client.get("/items", follow_redirects=False))
        transcript.http("url_for", client.get("/links/3"))
        transcript.http(
            "path convertor and query", client.get("/files/docs/caf%C3%A9%20menu.txt?a=1&a=2&b=%E2%9C%93&c=")
        )
        transcript.http("response parameter", client.put("/cart/4", params={"quantity": 2}))
        audited = client.post("/items/", json={"name": "rug", "price": 5}, headers={"X-Audit": "1"})
        transcript.http("body read in middleware", audited)
        transcript.add("effects after audit", fastapi_shop.EFFECTS[-4:])

        @fastapi_shop.app.get("/late")
        def late() -> dict[str, str]:
            return {"added": "after startup"}

        transcript.http("route added after requests", client.get("/late"))
        fastapi_shop.app.router.routes.pop()
        transcript.http("route removed after requests", client.get("/late"))
        transcript.http("static missing", client.get("/static/nope.css"))
        transcript.http("not found", client.get("/nowhere"))
        transcript.http("method not allowed", client.delete("/items/1"))
        transcript.http("openapi", client.get("/openapi.json"))
        transcript.http("docs", client.get("/docs"))
        transcript.http("redoc", client.get("/redoc"))
        transcript.http("oauth2 redirect", client.get("/docs/oauth2-redirect"))
        fastapi_shop.app.dependency_overrides[fastapi_shop.current_user] = lambda: "tester"
        try:
            transcript.http("order with override", client.post("/orders/", json={"item_ids": [1]}))
        finally:
            fastapi_shop.app.dependency_overrides.clear()
    transcript.add("effects", list(fastapi_shop.EFFECTS))
    with TestClient(fastapi_shop.app, backend=backend, raise_server_exceptions=False) as client:
        transcript.http("server error", client.get("/crash"))
