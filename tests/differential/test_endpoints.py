"""HTTPEndpoint dispatch and WebSocketEndpoint decoding, side by side with the reference ``starlette==1.10.0``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.differential.harness import Namespace, Req, assert_same
from tests.differential.test_websockets import CONNECT, assert_same_ws, disconnect

VERBS = ["get", "head", "post", "put", "patch", "delete", "options", "query", "trace", "connect", "propfind"]


def endpoint_with(*handlers: str, routed: bool) -> Any:
    def build(ns: Namespace) -> Any:
        def handler(self: Any, request: Any) -> Any:
            return ns.responses.PlainTextResponse(f"{request.method} handled")

        endpoint = type("Endpoint", (ns.endpoints.HTTPEndpoint,), {name: handler for name in handlers})
        if routed:
            return ns.applications.Starlette(routes=[ns.routing.Route("/", endpoint, methods=None)])
        return endpoint

    return build


REQUESTS = [
    Req(method)
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY", "TRACE", "CONNECT", "PROPFIND")
] + [Req("DISPATCH"), Req("METHOD_NOT_ALLOWED"), Req("__INIT__"), Req("get")]


@pytest.mark.parametrize("routed", [False, True])
@pytest.mark.parametrize(
    "handlers",
    [(), ("get",), ("head",), ("get", "post"), ("post", "query"), tuple(VERBS), ("trace", "connect", "propfind")],
)
def test_http_endpoint_dispatch_and_allow(handlers: tuple[str, ...], routed: bool) -> None:
    assert_same(endpoint_with(*handlers, routed=routed), REQUESTS)


def websocket_endpoint(encoding: str | None) -> Any:
    def build(ns: Namespace) -> Any:
        class Echo(ns.endpoints.WebSocketEndpoint):  # type: ignore[name-defined, misc]
            async def on_receive(self, websocket: Any, data: Any) -> None:
                await websocket.send_text(repr(data))

            async def on_disconnect(self, websocket: Any, close_code: int) -> None:
                websocket.scope["state"]["closed"] = close_code

        Echo.encoding = encoding
        return Echo

    return build


PAYLOADS = [
    {"text": ""},
    {"bytes": b""},
    {"text": "", "bytes": b"y"},
    {"bytes": b"", "text": "t"},
    {"text": None, "bytes": b"[1]"},
    {"bytes": None, "text": "[2]"},
    {"text": "{bad"},
]


@pytest.mark.parametrize("encoding", [None, "text", "bytes", "json"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_websocket_endpoint_decode(encoding: str | None, payload: dict[str, Any]) -> None:
    assert_same_ws(websocket_endpoint(encoding), [CONNECT, {"type": "websocket.receive", **payload}, disconnect()])


@pytest.mark.parametrize("message", [disconnect(4001), {"type": "websocket.disconnect"}])
def test_websocket_endpoint_close_codes(message: dict[str, Any]) -> None:
    assert_same_ws(websocket_endpoint("text"), [CONNECT, {"type": "websocket.receive", "text": "a"}, message])
