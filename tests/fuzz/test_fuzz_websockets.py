"""Twin parity under fuzzing: starlette_c._speedups.websockets vs starlette_c._pure.websockets.

The state machine and the decoding get arbitrary states and message dicts (wrong types, missing keys, text that is
not valid UTF-8, bytes that are not text); whole sessions run through each twin's coroutines and must leave the
same trace.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from starlette_c.websockets import WebSocketState
from tests.fuzz.twins import FUZZ, same, twins

pure, compiled = twins("websockets")

KINDS = [
    "websocket.connect",
    "websocket.receive",
    "websocket.disconnect",
    "websocket.accept",
    "websocket.send",
    "websocket.close",
    "websocket.http.response.start",
    "websocket.http.response.body",
]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6), st.binary(max_size=6))
kinds = st.one_of(st.sampled_from(KINDS), st.text(max_size=24), scalars, st.lists(st.integers(), max_size=2))
data = st.one_of(
    st.text(max_size=16),
    st.binary(max_size=16),
    st.sampled_from(["\udcff", "\ud800x", b"\xff\xfe\xfd", b"\xc3\x28", b"\xed\xa0\x80"]),
    scalars,
)
messages = st.one_of(
    st.fixed_dictionaries(
        {"type": kinds},
        optional={"text": data, "bytes": data, "code": scalars, "reason": scalars, "more_body": scalars},
    ),
    st.dictionaries(st.one_of(st.text(max_size=8), scalars), scalars, max_size=3),
    scalars,
)
states = st.one_of(st.sampled_from(list(WebSocketState)), scalars)


@FUZZ
@given(states, messages)
@example(WebSocketState.CONNECTED, {"type": "websocket.send", "text": "\udcff"})
@example(WebSocketState.RESPONSE, {"type": "websocket.http.response.body", "more_body": 1})
@example(WebSocketState.CONNECTING, {"type": ["unhashable"]})
def test_state_machine(state: Any, message: Any) -> None:
    moves = same(pure, compiled, "receive_moves", state)
    if moves is not None:
        same(pure, compiled, "next_state", moves, message)
    same(pure, compiled, "send_moves", state)
    same(pure, compiled, "sent_state", state, message)
    same(pure, compiled, "require_connected", state)


@FUZZ
@given(messages, st.one_of(st.sampled_from(["text", "bytes"]), scalars))
@example({"type": "websocket.disconnect", "code": "x", "reason": b"\xff"}, "text")
@example({"type": "websocket.receive", "bytes": b"\xff"}, "text")
def test_payload(message: Any, key: Any) -> None:
    same(pure, compiled, "payload", message, key)


def session(twin: ModuleType, incoming: list[Any], calls: list[tuple[str, Any]]) -> list[Any]:
    """Run ``calls`` (method name, argument) on a socket fed ``incoming``; what each call did, and what was sent."""

    class Socket:
        receive = twin.receive
        send = twin.send
        receive_text = twin.receive_text
        receive_bytes = twin.receive_bytes
        send_text = twin.send_text
        send_bytes = twin.send_bytes

        def __init__(self) -> None:
            self.client_state = self.application_state = WebSocketState.CONNECTING
            self.sent: list[Any] = []
            self.iter_text = twin.until_disconnect(self.receive_text).__anext__
            self.iter_bytes = twin.until_disconnect(self.receive_bytes).__anext__

        async def _receive(self) -> Any:
            return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1006}

        async def _send(self, message: Any) -> None:
            self.sent.append(message)

    socket = Socket()
    done: list[Any] = []
    for name, argument in calls:
        coro = getattr(socket, name)() if name.startswith(("receive", "iter")) else getattr(socket, name)(argument)
        try:
            coro.send(None)
        except StopIteration as stop:
            done.append(("ok", stop.value, socket.client_state, socket.application_state))
        except Exception as exc:
            done.append(("raise", type(exc).__name__, str(exc), socket.client_state, socket.application_state))
    return [done, socket.sent]


@FUZZ
@given(
    st.lists(messages, max_size=6),
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "receive",
                    "receive_text",
                    "receive_bytes",
                    "send_text",
                    "send_bytes",
                    "send",
                    "iter_text",
                    "iter_bytes",
                ]
            ),
            data,
        )
        | st.tuples(st.just("send"), messages),
        max_size=8,
    ),
)
@example(
    [{"type": "websocket.connect"}, {"type": "websocket.receive", "text": "\ud800"}],
    [("receive", None), ("send", {"type": "websocket.accept"}), ("receive_bytes", None), ("send_text", b"\xff")],
)
@example(
    [{"type": "websocket.connect"}, {"type": "websocket.receive", "text": "a"}, {"type": "websocket.disconnect"}],
    [("receive", None), ("send", {"type": "websocket.accept"}), ("iter_text", None), ("iter_text", None)]
    + [("iter_text", None), ("iter_bytes", None)],
)
def test_sessions(incoming: list[Any], calls: list[tuple[str, Any]]) -> None:
    assert session(pure, list(incoming), calls) == session(compiled, list(incoming), calls)
