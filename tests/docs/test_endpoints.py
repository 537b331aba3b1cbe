"""The examples of docs/endpoints.md, with ``starlette`` imports changed to ``starlette_c``."""

from __future__ import annotations

from typing import Any

from tests.conftest import TestClientFactory


def test_http_endpoint_as_an_asgi_app(test_client_factory: TestClientFactory) -> None:
    from starlette_c.endpoints import HTTPEndpoint
    from starlette_c.responses import PlainTextResponse

    class App(HTTPEndpoint):
        async def get(self, request: Any) -> Any:
            return PlainTextResponse("Hello, world!")

    client = test_client_factory(App)
    assert client.get("/").text == "Hello, world!"
    response = client.post("/")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"


def test_http_endpoints_in_routes(test_client_factory: TestClientFactory) -> None:
    from starlette_c.applications import Starlette
    from starlette_c.endpoints import HTTPEndpoint
    from starlette_c.responses import PlainTextResponse
    from starlette_c.routing import Route

    class Homepage(HTTPEndpoint):
        async def get(self, request: Any) -> Any:
            return PlainTextResponse("Hello, world!")

        async def query(self, request: Any) -> Any:
            return PlainTextResponse("Hello, query!")

    class User(HTTPEndpoint):
        async def get(self, request: Any) -> Any:
            username = request.path_params["username"]
            return PlainTextResponse(f"Hello, {username}")

    routes = [Route("/", Homepage), Route("/{username}", User)]

    app = Starlette(routes=routes)

    client = test_client_factory(app)
    assert client.get("/").text == "Hello, world!"
    assert client.get("/tomchristie").text == "Hello, tomchristie"
    assert client.request("QUERY", "/").text == "Hello, query!"
    # A `get` handler also serves HEAD, so HEAD appears in the Allow header of 405 responses.
    assert client.head("/tomchristie").status_code == 200
    response = client.delete("/tomchristie")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD")
    assert client.delete("/").headers["allow"] == "GET, HEAD, QUERY"


def test_websocket_endpoint_as_an_asgi_app(test_client_factory: TestClientFactory) -> None:
    from starlette_c.endpoints import WebSocketEndpoint

    class App(WebSocketEndpoint):
        encoding = "bytes"

        async def on_connect(self, websocket: Any) -> None:
            await websocket.accept()

        async def on_receive(self, websocket: Any, data: Any) -> None:
            await websocket.send_bytes(b"Message: " + data)

        async def on_disconnect(self, websocket: Any, close_code: int) -> None:
            pass

    with test_client_factory(App).websocket_connect("/") as websocket:
        websocket.send_bytes(b"hello")
        assert websocket.receive_bytes() == b"Message: hello"


HTML = """
<!DOCTYPE html>
<html>
    <head>
        <title>Chat</title>
    </head>
    <body>
        <h1>WebSocket Chat</h1>
        <form action="" onsubmit="sendMessage(event)">
            <input type="text" id="messageText" autocomplete="off"/>
            <button>Send</button>
        </form>
        <ul id='messages'>
        </ul>
        <script>
            var ws = new WebSocket("ws://localhost:8000/ws");
            ws.onmessage = function(event) {
                var messages = document.getElementById('messages')
                var message = document.createElement('li')
                var content = document.createTextNode(event.data)
                message.appendChild(content)
                messages.appendChild(message)
            };
            function sendMessage(event) {
                var input = document.getElementById("messageText")
                ws.send(input.value)
                input.value = ''
                event.preventDefault()
            }
        </script>
    </body>
</html>
"""


def test_chat_application(test_client_factory: TestClientFactory) -> None:
    import uvicorn  # noqa: F401  (imported by the example)

    from starlette_c.applications import Starlette
    from starlette_c.endpoints import HTTPEndpoint, WebSocketEndpoint
    from starlette_c.responses import HTMLResponse
    from starlette_c.routing import Route, WebSocketRoute

    html = HTML

    class Homepage(HTTPEndpoint):
        async def get(self, request: Any) -> Any:
            return HTMLResponse(html)

    class Echo(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: Any, data: Any) -> None:
            await websocket.send_text(f"Message text was: {data}")

    routes = [Route("/", Homepage), WebSocketRoute("/ws", Echo)]

    app = Starlette(routes=routes)

    client = test_client_factory(app)
    page = client.get("/")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>WebSocket Chat</h1>" in page.text
    with client.websocket_connect("/ws") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "Message text was: hi"
