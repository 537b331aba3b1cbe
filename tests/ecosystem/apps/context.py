"""A Starlette service using starlette-context: per-request data from headers, in both of its middlewares."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket
from starlette_context import context, plugins
from starlette_context.middleware import ContextMiddleware, RawContextMiddleware


async def show(request: Request) -> JSONResponse:
    data = {key: str(value) for key, value in context.data.items()}
    return JSONResponse({"context": data, "exists": context.exists()})


async def bump(request: Request) -> PlainTextResponse:
    context["visits"] = context.get("visits", 0) + 1
    return PlainTextResponse(f"visits={context['visits']} request={context[plugins.RequestIdPlugin.key]}")


async def greet(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"request id": context.get(plugins.RequestIdPlugin.key)})
    await websocket.close()


def outside() -> str:
    """The context outside of a request: starlette-context says so with an exception."""
    try:
        return str(context.data)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def plugin_set() -> list[plugins.Plugin]:
    return [
        plugins.RequestIdPlugin(),
        plugins.CorrelationIdPlugin(error_response=PlainTextResponse("bad correlation id", status_code=422)),
        plugins.UserAgentPlugin(),
        plugins.ForwardedForPlugin(),
        plugins.DateHeaderPlugin(),
        plugins.ApiKeyPlugin(),
    ]


routes = [Route("/show", show), Route("/bump", bump), WebSocketRoute("/greet", greet)]

raw_app = Starlette(
    routes=routes,
    middleware=[
        Middleware(RawContextMiddleware, plugins=plugin_set(), default_error_response=Response("bad header", 400))
    ],
)
classic_app = Starlette(routes=routes, middleware=[Middleware(ContextMiddleware, plugins=plugin_set())])
app = Starlette(routes=[Mount("/raw", raw_app), Mount("/classic", classic_app)])
