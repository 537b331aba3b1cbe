"""Falcon's apps (ASGI flavour, ``falcon.asgi.App``).

Falcon has CORS built in but no response compression and no sessions: the middleware scenario stacks
its CORSMiddleware with two small middlewares doing the closest equivalent work for this request (gzip
for bodies of 500 bytes or more, and loading a signed session cookie with itsdangerous,
as Starlette's SessionMiddleware does).
"""

from __future__ import annotations

import gzip
from typing import Any

import falcon
import falcon.asgi
import itsdangerous
from scenarios import CORS_ORIGIN, FILLER_ROUTES, PLAINTEXT, SESSION_SECRET, SMALL_JSON

from apps._variants import variant_getattr

GZIP_MINIMUM_SIZE = 500


class Plaintext:
    async def on_get(self, req: Any, resp: Any) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.data = PLAINTEXT


class SmallJSON:
    async def on_get(self, req: Any, resp: Any) -> None:
        resp.media = SMALL_JSON


class UserItem:
    async def on_get(self, req: Any, resp: Any, user_id: int, item_id: str) -> None:
        resp.media = {"user_id": user_id, "item_id": item_id}


class Query:
    async def on_get(self, req: Any, resp: Any) -> None:
        values = (
            req.get_param("a"),
            req.get_param("b"),
            req.get_param("c"),
            req.get_header("user-agent"),
            req.get_header("accept"),
            req.get_header("x-request-id"),
        )
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = ",".join(values)


class Echo:
    async def on_post(self, req: Any, resp: Any) -> None:
        resp.media = await req.get_media()


class TableItem:
    async def on_get(self, req: Any, resp: Any, item_id: str) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = item_id


class GzipResponses:
    """Gzip a response body of at least 500 bytes when the client accepts it, as GZipMiddleware does."""

    async def process_response(self, req: Any, resp: Any, resource: Any, req_succeeded: bool) -> None:
        resp.vary = "Accept-Encoding"
        if "gzip" not in (req.get_header("accept-encoding") or ""):
            return
        body = resp.data if resp.data is not None else (resp.text or "").encode()
        if len(body) >= GZIP_MINIMUM_SIZE:
            resp.data = gzip.compress(body)
            resp.text = None
            resp.set_header("content-encoding", "gzip")


class SignedCookieSession:
    """Load a session from an itsdangerous-signed cookie, as Starlette's SessionMiddleware does."""

    def __init__(self) -> None:
        self.signer = itsdangerous.TimestampSigner(SESSION_SECRET)

    async def process_request(self, req: Any, resp: Any) -> None:
        cookie = req.cookies.get("session")
        req.context.session = {}
        if cookie is not None:
            try:
                self.signer.unsign(cookie, max_age=14 * 24 * 3600)
            except itsdangerous.BadSignature:
                pass


def main() -> Any:
    app = falcon.asgi.App()
    app.add_route("/", Plaintext())
    app.add_route("/json", SmallJSON())
    app.add_route("/query", Query())
    app.add_route("/echo", Echo())
    table_item = TableItem()
    for i in range(FILLER_ROUTES):
        app.add_route(f"/filler{i}/{{item_id}}", table_item)
    app.add_route("/users/{user_id:int}/items/{item_id}", UserItem())
    return app


def with_middleware() -> Any:
    middleware = [falcon.CORSMiddleware(allow_origins=CORS_ORIGIN), GzipResponses(), SignedCookieSession()]
    app = falcon.asgi.App(middleware=middleware)
    app.add_route("/", Plaintext())
    return app


def table(size: int) -> Any:
    app = falcon.asgi.App()
    table_item = TableItem()
    for i in range(size):
        app.add_route(f"/r{i}/items/{{item_id}}", table_item)
    return app


__getattr__ = variant_getattr(main, with_middleware, table)
