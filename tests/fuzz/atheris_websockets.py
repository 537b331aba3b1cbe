"""The atheris target of the websocket twins (``python -m tests.fuzz.atheris_targets websockets``): a message dict
built from the input, through the state machine in every state and through the decoding."""

from __future__ import annotations

from typing import Any

from tests.fuzz.twins import same, twins

KINDS = ["websocket.connect", "websocket.receive", "websocket.disconnect", "websocket.send", "websocket.close"]


def websockets_one(data: bytes) -> None:
    import atheris

    from starlette_c.websockets import WebSocketState

    pure, compiled = twins("websockets")
    fdp = atheris.FuzzedDataProvider(data)
    kind: Any = KINDS[fdp.ConsumeIntInRange(0, len(KINDS) - 1)] if fdp.ConsumeBool() else fdp.ConsumeUnicode(24)
    message: dict[str, Any] = {"type": kind}
    for key in ("text", "bytes", "code", "reason", "more_body"):
        if fdp.ConsumeBool():
            # NOTE: text may hold lone surrogates and bytes need not be UTF-8: the twins pass both through alike.
            message[key] = fdp.ConsumeUnicode(16) if fdp.ConsumeBool() else fdp.ConsumeBytes(16)
    for state in WebSocketState:
        moves = same(pure, compiled, "receive_moves", state)
        if moves is not None:
            same(pure, compiled, "next_state", moves, message)
        same(pure, compiled, "sent_state", state, message)
    same(pure, compiled, "payload", message, "text" if fdp.ConsumeBool() else "bytes")
