"""A tiny starlette_c app with a lifespan for the bench tests, and apps whose lifespan fails."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette_c.applications import Starlette
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, Response
from starlette_c.routing import Route

events: list[str] = []


async def hello(request: Request) -> Response:
    return PlainTextResponse("hello")


async def echo(request: Request) -> Response:
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
            "query": str(request.query_params),
            "headers": request.headers.items(),
            "body": (await request.body()).decode(),
            "client": list(request.scope["client"]),
            "server": list(request.scope["server"]),
            "url": str(request.url),
        }
    )


async def state(request: Request) -> Response:
    request.state.seen = True  # each request's state is a copy: this never reaches the next request
    return JSONResponse({"greeting": request.state.greeting, "keys": sorted(request.scope["state"])})


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
    events.append("startup")
    yield {"greeting": "from lifespan"}
    events.append("shutdown")


app = Starlette(
    routes=[
        Route("/", hello),
        Route("/echo", echo, methods=["GET", "POST"]),
        Route("/state", state),
    ],
    lifespan=lifespan,
)


@contextlib.asynccontextmanager
async def failing_startup(app: Starlette) -> AsyncIterator[None]:
    raise RuntimeError("no database")
    yield  # pragma: no cover - never reached: the startup above fails


failing_startup_app = Starlette(routes=[Route("/", hello)], lifespan=failing_startup)


@contextlib.asynccontextmanager
async def failing_shutdown(app: Starlette) -> AsyncIterator[None]:
    yield
    raise RuntimeError("could not flush")


failing_shutdown_app = Starlette(routes=[Route("/", hello)], lifespan=failing_shutdown)
