"""Drive the chat app: messages both ways, closes from either side, rejected handshakes."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from tests.ecosystem.apps import fastapi_ws
from tests.ecosystem.transcript import Backend, Transcript, http_entry


def handshake_failure(client: Any, path: str) -> dict[str, Any]:
    try:
        with client.websocket_connect(path):
            raise AssertionError(f"{path} accepted the handshake")
    except WebSocketDenialResponse as denial:  # NOTE: a WebSocketDisconnect too, so it comes first.
        return {"denial": http_entry(denial)}
    except WebSocketDisconnect as exc:
        return {"disconnect": exc.code, "reason": exc.reason}


def run(backend: Backend, transcript: Transcript) -> None:
    fastapi_ws.EFFECTS.clear()
    client = TestClient(fastapi_ws.app, backend=backend)
    with client.websocket_connect("/rooms/lobby?token=user-ann", subprotocols=["chat.v2", "chat.v1"]) as ws:
        transcript.add("subprotocol", ws.accepted_subprotocol)
        transcript.add("welcome", ws.receive_json())
        ws.send_text("hi")
        ws.send_text("anyone?")
        transcript.add("said", [ws.receive_json(), ws.receive_json()])
        ws.send_bytes(b"\x00\x01abc")
        transcript.add("bytes", ws.receive_bytes().hex())
        ws.send_text("bye")
        message = ws.receive()
        transcript.add("server close", message)
    with client.websocket_connect("/rooms/kitchen?token=bob") as ws:
        transcript.add("second welcome", ws.receive_json())
        ws.send_json({"not": "text"}, mode="text")
        transcript.add("json as text", ws.receive_json())
        ws.close(code=1001)
    with client.websocket_connect("/echo") as ws:
        ws.send_text("quiet")
        transcript.add("echo", ws.receive_text())
    transcript.add("no token", handshake_failure(client, "/rooms/lobby"))
    transcript.add("denied", handshake_failure(client, "/private"))
    transcript.add("closed before accept", handshake_failure(client, "/closed"))
    transcript.add("unknown path", handshake_failure(client, "/nowhere"))
    transcript.http("http next to websockets", client.get("/health"))
    transcript.http("websocket route over http", client.get("/echo"))
    transcript.add("openapi paths", sorted(client.get("/openapi.json").json()["paths"]))
    transcript.add("effects", list(fastapi_ws.EFFECTS))
