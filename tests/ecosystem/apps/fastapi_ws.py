"""A FastAPI chat service: websockets with path/query parameters, dependencies and rejections."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, WebSocket, WebSocketDisconnect, WebSocketException, status
from fastapi.responses import PlainTextResponse

# What the server saw after the handshakes (disconnect codes, dependency teardown).
EFFECTS: list[str] = []

app = FastAPI(title="Chat")


def member(websocket: WebSocket, token: Annotated[str | None, Query()] = None) -> str:
    if token is None:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="token required")
    return token.removeprefix("user-")


async def room_log(room: str) -> Any:
    EFFECTS.append(f"join {room}")
    yield []
    EFFECTS.append(f"leave {room}")


@app.websocket("/rooms/{room}")
async def chat(
    websocket: WebSocket,
    room: str,
    user: Annotated[str, Depends(member)],
    log: Annotated[list[str], Depends(room_log)],
) -> None:
    await websocket.accept(subprotocol=websocket.scope["subprotocols"][0] if websocket.scope["subprotocols"] else None)
    await websocket.send_json({"event": "welcome", "room": room, "user": user})
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message["code"])
            if message.get("bytes") is not None:
                await websocket.send_bytes(message["bytes"][::-1])
                continue
            text = message["text"]
            if text == "bye":
                await websocket.close(code=4000, reason="see you")
                return
            log.append(text)
            await websocket.send_json({"event": "said", "user": user, "text": text, "count": len(log)})
    except WebSocketDisconnect as exc:
        EFFECTS.append(f"{user} disconnected with {exc.code}")


@app.websocket("/echo")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text.upper())
    EFFECTS.append("echo done")


@app.websocket("/private")
async def private(websocket: WebSocket) -> None:
    await websocket.send_denial_response(PlainTextResponse("members only", status_code=403))


@app.websocket("/closed")
async def closed(websocket: WebSocket) -> None:
    await websocket.close(code=status.WS_1013_TRY_AGAIN_LATER)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
