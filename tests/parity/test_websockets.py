"""Parity of the websocket twins: ``starlette_c._pure.websockets`` against ``starlette_c._speedups.websockets``.

Both twins get the same (valid and hostile) states, messages and call sequences and must give equal results,
equal state changes, equal sent messages or equal exceptions. The coroutines are driven by hand with a
``receive``/``send`` that never suspend, so no event loop is involved.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starlette_c.websockets import WebSocketDisconnect, WebSocketDisconnected, WebSocketState
from tests.parity.twins import load

pure, compiled, needs_compiled, TWINS = load("websockets")
PUBLIC = (
    "Moves",
    "WebSocketFields",
    "receive_moves",
    "send_moves",
    "next_state",
    "sent_state",
    "require_connected",
    "payload",
    "receive",
    "send",
    "receive_text",
    "receive_bytes",
    "send_text",
    "send_bytes",
    "until_disconnect",
)
STATES = list(WebSocketState)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(func: Callable[[], Any]) -> tuple[Any, ...]:
    """``("ok", result)`` or ``("error", type, message)``."""
    try:
        result = func()
    except Exception as exc:
        return ("error", type(exc), str(exc))
    return ("ok", result)


def run(coro: Any) -> Any:
    """Drive a coroutine whose awaits never suspend; its result."""
    while True:
        try:
            coro.send(None)
        except StopIteration as stop:
            return stop.value


def both(call: Callable[[ModuleType], Any]) -> Any:
    assert compiled is not None
    left = outcome(lambda: call(pure))
    assert left == outcome(lambda: call(compiled))
    return left


class Weird:
    """A value whose comparison, truth and repr all misbehave."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("no comparing")

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise ValueError("no truth")

    def __repr__(self) -> str:
        return "<weird>"


class MessageMapping(Mapping[str, Any]):
    """A read-only Mapping message (not a dict)."""

    def __init__(self, **items: Any) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


TYPES = [
    "websocket.connect",
    "websocket.receive",
    "websocket.disconnect",
    "websocket.accept",
    "websocket.send",
    "websocket.close",
    "websocket.http.response.start",
    "websocket.http.response.body",
    "http.request",
    "",
]
junk = st.one_of(
    st.none(),
    st.integers(),
    st.binary(max_size=4),
    st.text(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.builds(Weird),
)
kinds = st.one_of(st.sampled_from(TYPES), st.sampled_from(TYPES), junk)
payload_values = st.one_of(
    st.text(max_size=8),
    st.binary(max_size=8),
    st.sampled_from(["\ud800", b"\xff\xfe", b"\xc3(", "é"]),
    junk,
)
message_dicts = st.fixed_dictionaries(
    {"type": kinds},
    optional={
        "text": payload_values,
        "bytes": payload_values,
        "code": st.one_of(st.integers(1000, 4999), junk),
        "reason": st.one_of(st.text(max_size=6), junk),
        "more_body": st.one_of(st.booleans(), junk),
    },
)
messages = st.one_of(
    message_dicts,
    message_dicts,
    message_dicts.map(lambda items: MessageMapping(**items)),
    junk,
    st.just({}),
)
states = st.one_of(st.sampled_from(STATES), st.sampled_from(STATES), junk, st.integers(0, 3))


# --- the surface ---------------------------------------------------------------------------------------------


@needs_compiled
def test_both_twins_have_the_same_public_names() -> None:
    assert compiled is not None
    for name in PUBLIC:
        assert hasattr(pure, name), name
        assert hasattr(compiled, name), name


@pytest.mark.parametrize("twin", TWINS)
def test_moves_of_each_state(twin: ModuleType) -> None:
    assert twin.receive_moves(WebSocketState.CONNECTING) == {"websocket.connect": WebSocketState.CONNECTED}
    assert twin.receive_moves(WebSocketState.CONNECTED) == {
        "websocket.receive": WebSocketState.CONNECTED,
        "websocket.disconnect": WebSocketState.DISCONNECTED,
    }
    assert list(twin.send_moves(WebSocketState.CONNECTING)) == [
        "websocket.accept",
        "websocket.close",
        "websocket.http.response.start",
    ]
    assert twin.send_moves(WebSocketState.RESPONSE) == {"websocket.http.response.body": WebSocketState.DISCONNECTED}


# --- the plain-data functions --------------------------------------------------------------------------------


@needs_compiled
@SETTINGS
@given(states)
def test_moves_and_require_connected(state: Any) -> None:
    both(lambda twin: twin.receive_moves(state))
    both(lambda twin: twin.send_moves(state))
    both(lambda twin: twin.require_connected(state))


@needs_compiled
@SETTINGS
@given(st.sampled_from(STATES[:2]), st.booleans(), messages)
def test_next_state(state: WebSocketState, client: bool, message: Any) -> None:
    assert compiled is not None
    moves = (pure.receive_moves if client else pure.send_moves)(state)
    both(lambda twin: twin.next_state(moves, message))


@needs_compiled
@SETTINGS
@given(
    st.one_of(st.just({}), st.dictionaries(st.text(max_size=3), st.sampled_from(STATES), max_size=3), junk), messages
)
def test_next_state_with_hostile_moves(moves: Any, message: Any) -> None:
    both(lambda twin: twin.next_state(moves, message))


@needs_compiled
@SETTINGS
@given(states, messages)
def test_sent_state(state: Any, message: Any) -> None:
    both(lambda twin: twin.sent_state(state, message))


@needs_compiled
@SETTINGS
@given(messages, st.one_of(st.sampled_from(["text", "bytes", "code"]), junk))
def test_payload(message: Any, key: Any) -> None:
    both(lambda twin: twin.payload(message, key))


@pytest.mark.parametrize("twin", TWINS)
def test_payload_of_a_disconnect(twin: ModuleType) -> None:
    from starlette_c.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as caught:
        twin.payload({"type": "websocket.disconnect"}, "text")
    assert (caught.value.code, caught.value.reason) == (1005, "")
    with pytest.raises(WebSocketDisconnect) as caught:
        twin.payload({"type": "websocket.disconnect", "code": 4001, "reason": "bye"}, "text")
    assert (caught.value.code, caught.value.reason) == (4001, "bye")


# --- the coroutines ------------------------------------------------------------------------------------------


def socket_class(twin: ModuleType, override: str | None = None) -> type:
    """A minimal ``WebSocketFields`` whose methods are ``twin``'s; with ``override="class"`` a subclass wraps
    ``receive`` and ``send``."""

    class Socket:
        receive = twin.receive
        send = twin.send
        receive_text = twin.receive_text
        receive_bytes = twin.receive_bytes
        send_text = twin.send_text
        send_bytes = twin.send_bytes

        def __init__(self, incoming: list[Any], state: Any = WebSocketState.CONNECTED) -> None:
            self.client_state = self.application_state = state
            self.incoming = incoming
            self.sent: list[Any] = []
            self.log: list[str] = []

        async def _receive(self) -> Any:
            if not self.incoming:
                raise OSError("no more messages")
            return self.incoming.pop(0)

        async def _send(self, message: Any) -> None:
            if isinstance(message.get("text"), Weird):
                raise OSError("cannot send that")
            self.sent.append(message)

    if override != "class":
        return Socket

    class Overriding(Socket):
        async def receive(self) -> Any:
            self.log.append("receive")
            return await twin.receive(self)

        async def send(self, message: Any) -> None:
            self.log.append("send")
            await twin.send(self, message)

    return Overriding


OPERATIONS = ["receive", "send", "receive_text", "receive_bytes", "send_text", "send_bytes"]
operations = st.lists(
    st.tuples(st.sampled_from(OPERATIONS), st.one_of(messages, payload_values)),
    min_size=1,
    max_size=8,
)


def trace(twin: ModuleType, override: str | None, start: Any, incoming: list[Any], steps: list[Any]) -> list[Any]:
    socket = trace_socket(twin, override, start, incoming)
    record = []
    for name, argument in steps:
        method = getattr(socket, name)
        coro = method() if name.startswith("receive") else method(argument)
        result = outcome(lambda coro=coro: run(coro))
        record.append((name, result, socket.client_state, socket.application_state, len(socket.sent)))
    return [record, socket.sent, socket.log, socket.incoming]


# A socket to drive: how it overrides receive and send, its starting state, the messages it will receive.
SOCKET_SETUPS = (
    st.sampled_from([None, "class", "instance"]),
    st.one_of(st.sampled_from(STATES), junk),
    st.lists(messages, max_size=6),
)


@needs_compiled
@SETTINGS
@given(*SOCKET_SETUPS, operations)
def test_coroutines_trace_alike(override: str | None, start: Any, incoming: list[Any], steps: list[Any]) -> None:
    assert compiled is not None
    assert trace(pure, override, start, incoming, steps) == trace(compiled, override, start, incoming, steps)


@pytest.mark.parametrize("twin", TWINS)
@pytest.mark.parametrize("override", [None, "class", "instance"])
def test_an_echo_session(twin: ModuleType, override: str | None) -> None:
    incoming = [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": "hi"},
        {"type": "websocket.receive", "bytes": b"\xff"},
        {"type": "websocket.disconnect", "code": 1001},
    ]
    steps = [
        ("receive", None),
        ("send", {"type": "websocket.accept"}),
        ("receive_text", None),
        ("send_text", "hi"),
        ("receive_bytes", None),
        ("send_bytes", b"\xff"),
        ("receive_text", None),
        ("send", {"type": "websocket.close", "code": 1000}),
        ("send_text", "late"),
    ]
    record, sent, log, left = trace(twin, override, WebSocketState.CONNECTING, incoming, steps)
    assert [result for _, result, *_ in record][2:5] == [("ok", "hi"), ("ok", None), ("ok", b"\xff")]
    assert record[6][1][0] == "error" and record[6][1][1].__name__ == "WebSocketDisconnect"
    assert record[-1][1] == (
        "error",
        record[-1][1][1],
        'Cannot call "send" once a close message has been sent.',
    )
    assert (record[-1][2], record[-1][3]) == (WebSocketState.DISCONNECTED, WebSocketState.DISCONNECTED)
    assert sent == [
        {"type": "websocket.accept"},
        {"type": "websocket.send", "text": "hi"},
        {"type": "websocket.send", "bytes": b"\xff"},
        {"type": "websocket.close", "code": 1000},
    ]
    assert left == []
    expected_log = {
        None: [],
        "class": ["receive", "send", "receive", "send", "receive", "send", "receive", "send", "send"],
        "instance": ["instance receive"] * 4,
    }
    assert log == expected_log[override]


@pytest.mark.parametrize("twin", TWINS)
@pytest.mark.parametrize("override", [None, "class"])
def test_a_send_the_server_fails_with_oserror(twin: ModuleType, override: str | None) -> None:
    # NOTE: per ASGI, a server's send raises an OSError once the client is gone: on an accepted socket, a 1006.
    socket = socket_class(twin, override)([], WebSocketState.CONNECTING)
    weird = {"type": "websocket.accept", "text": Weird()}
    with pytest.raises(OSError, match="cannot send that"):
        run(socket.send(weird))
    assert socket.application_state is WebSocketState.CONNECTED
    for attempt in (
        lambda: socket.send_text(Weird()),
        lambda: socket.send({"type": "websocket.close", "text": Weird()}),
    ):
        socket.application_state = WebSocketState.CONNECTED
        with pytest.raises(WebSocketDisconnect) as info:
            run(attempt())
        assert info.value.code == 1006 and isinstance(info.value.__context__, OSError)
        assert socket.application_state is WebSocketState.DISCONNECTED
    with pytest.raises(WebSocketDisconnected):
        run(socket.send_text("late"))


@pytest.mark.parametrize("twin", TWINS)
def test_a_denial_response_stays_open_until_its_last_chunk(twin: ModuleType) -> None:
    socket = socket_class(twin)([], WebSocketState.CONNECTING)
    run(socket.send({"type": "websocket.http.response.start", "status": 403}))
    assert socket.application_state is WebSocketState.RESPONSE
    run(socket.send({"type": "websocket.http.response.body", "body": b"a", "more_body": True}))
    assert socket.application_state is WebSocketState.RESPONSE
    run(socket.send({"type": "websocket.http.response.body", "body": b"b"}))
    assert socket.application_state is WebSocketState.DISCONNECTED


@pytest.mark.parametrize("twin", TWINS)
def test_the_message_coroutines_carry_their_names(twin: ModuleType) -> None:
    for name in ("receive_text", "receive_bytes", "send_text", "send_bytes"):
        function = getattr(twin, name)
        assert (function.__name__, function.__qualname__) == (name, name)
        assert inspect.iscoroutinefunction(function)


def iterate(twin: ModuleType, outcomes: list[Any], after: int) -> list[Any]:
    """Drive ``until_disconnect`` over items that are values or exceptions; what each ``__anext__`` gave."""
    pending = iter(outcomes)
    calls: list[int] = []

    async def next_item() -> Any:
        calls.append(1)
        item = next(pending)
        if isinstance(item, BaseException):
            raise item
        return item

    iterator = twin.until_disconnect(next_item)
    record = [outcome(lambda: run(iterator.__anext__())) for _ in range(len(outcomes) + after)]
    return [*record, len(calls)]


@pytest.mark.parametrize("twin", TWINS)
def test_until_disconnect_stops_at_the_disconnect_and_stays_stopped(twin: ModuleType) -> None:
    record = iterate(twin, ["a", "b", WebSocketDisconnect(1001)], after=2)
    assert record[:2] == [("ok", "a"), ("ok", "b")]
    assert [entry[:2] for entry in record[2:5]] == [("error", StopAsyncIteration)] * 3
    assert record[5] == 3, "no item is asked for once the client has gone"


@needs_compiled
@SETTINGS
@given(
    st.lists(
        st.one_of(
            st.text(max_size=3),
            st.builds(WebSocketDisconnect, st.integers()),
            st.builds(RuntimeError, st.text(max_size=3)),
            st.builds(KeyError, st.text(max_size=3)),
            st.builds(StopAsyncIteration),
        ),
        max_size=5,
    ),
    st.integers(0, 2),
)
def test_until_disconnect_parity(outcomes: list[Any], after: int) -> None:
    assert compiled is not None
    assert iterate(pure, outcomes, after) == iterate(compiled, outcomes, after)


@pytest.mark.parametrize("twin", TWINS)
def test_until_disconnect_once_closed_asks_for_nothing(twin: ModuleType) -> None:
    calls: list[int] = []

    async def next_item() -> str:
        calls.append(1)
        return "item"

    iterator = twin.until_disconnect(next_item)
    assert iterator.__aiter__() is iterator
    assert run(iterator.__anext__()) == "item"
    run(iterator.aclose())
    with pytest.raises(StopAsyncIteration):
        run(iterator.__anext__())
    assert calls == [1]


def iterate_socket(twin: ModuleType, override: str | None, start: Any, incoming: list[Any], reader: str) -> list[Any]:
    """Drive ``until_disconnect(socket.<reader>)`` (the compiled twin runs a stock reader's steps inline)."""
    socket = trace_socket(twin, override, start, incoming)
    iterator = twin.until_disconnect(getattr(socket, reader))
    record = []
    for _ in range(len(incoming) + 2):
        result = outcome(lambda: run(iterator.__anext__()))
        record.append((result, socket.client_state, socket.application_state))
    return [record, socket.log, socket.incoming]


def trace_socket(twin: ModuleType, override: str | None, start: Any, incoming: list[Any]) -> Any:
    socket = socket_class(twin, override)(list(incoming), start)
    if override == "instance":
        plain_receive = socket.receive

        async def receive() -> Any:
            socket.log.append("instance receive")
            return await plain_receive()

        socket.receive = receive
    return socket


@needs_compiled
@SETTINGS
@given(*SOCKET_SETUPS, st.sampled_from(["receive_text", "receive_bytes"]))
def test_iterating_a_stock_reader_traces_alike(
    override: str | None, start: Any, incoming: list[Any], reader: str
) -> None:
    assert compiled is not None
    assert iterate_socket(pure, override, start, incoming, reader) == iterate_socket(
        compiled, override, start, incoming, reader
    )


@pytest.mark.parametrize("twin", TWINS)
@pytest.mark.parametrize("override", [None, "class", "instance"])
def test_iterating_text_until_the_client_disconnects(twin: ModuleType, override: str | None) -> None:
    incoming = [
        {"type": "websocket.receive", "text": "a"},
        {"type": "websocket.receive", "text": "b"},
        {"type": "websocket.disconnect", "code": 1001},
        {"type": "websocket.receive", "text": "never read"},
    ]
    record, log, left = iterate_socket(twin, override, WebSocketState.CONNECTED, incoming, "receive_text")
    assert [result for result, *_ in record][:2] == [("ok", "a"), ("ok", "b")]
    assert [result[:2] for result, *_ in record[2:]] == [("error", StopAsyncIteration)] * 4
    assert record[-1][1:] == (WebSocketState.DISCONNECTED, WebSocketState.CONNECTED)
    assert left == [{"type": "websocket.receive", "text": "never read"}]
    assert log == {None: [], "class": ["receive"] * 3, "instance": ["instance receive"] * 3}[override]


@pytest.mark.parametrize("twin", TWINS)
def test_iterating_a_reader_of_a_socket_not_accepted_raises_and_stops(twin: ModuleType) -> None:
    record, _, left = iterate_socket(
        twin, None, WebSocketState.CONNECTING, [{"type": "websocket.connect"}], "receive_text"
    )
    assert record[0][0] == ("error", record[0][0][1], 'WebSocket is not connected. Need to call "accept" first.')
    assert [result[:2] for result, *_ in record[1:]] == [("error", StopAsyncIteration)] * 2
    assert left == [{"type": "websocket.connect"}]
