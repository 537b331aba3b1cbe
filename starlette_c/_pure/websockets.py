"""Pure twin of the websocket message path: the ASGI websocket state machine over message dicts, the decoding of
received messages, and the ``WebSocket`` coroutines that run them.

``starlette_c._speedups.websockets`` implements the same functions with the same behaviour. States are
``WebSocketState`` members and errors are the exceptions of ``starlette_c.websockets``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from types import MethodType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from starlette_c.types import Message, Receive, Send

if TYPE_CHECKING:
    from starlette_c.websockets import WebSocketState

Moves = dict[str, "WebSocketState"]
_T = TypeVar("_T")


class WebSocketFields(Protocol):
    """What the websocket coroutines read and write on a ``WebSocket``."""

    client_state: WebSocketState
    application_state: WebSocketState
    _receive: Receive
    _send: Send

    def receive(self) -> Awaitable[Message]: ...

    def send(self, message: Message, /) -> Awaitable[None]: ...


class _Names:
    """The states, exceptions and move tables of the state machine, built on first use."""

    def __init__(self) -> None:
        # NOTE: imported on first use: starlette_c.websockets binds this module's functions, so it loads first.
        from starlette_c import websockets

        self.connecting, self.connected, self.disconnected, self.response = websockets.WebSocketState
        self.disconnect = websockets.WebSocketDisconnect
        self.not_connected = websockets.WebSocketDisconnected
        # Per state, the message types that may flow (from the client, from the application) and where they lead.
        self.client_connecting: Moves = {"websocket.connect": self.connected}
        self.client_connected: Moves = {"websocket.receive": self.connected, "websocket.disconnect": self.disconnected}
        self.app_connecting: Moves = {
            "websocket.accept": self.connected,
            "websocket.close": self.disconnected,
            "websocket.http.response.start": self.response,
        }
        self.app_connected: Moves = {"websocket.send": self.connected, "websocket.close": self.disconnected}
        self.app_response: Moves = {"websocket.http.response.body": self.disconnected}


_loaded: _Names | None = None


def _load() -> _Names:
    global _loaded
    _loaded = _Names()
    return _loaded


def _unexpected(allowed: Iterable[str], got: object) -> RuntimeError:
    quoted = [f'"{name}"' for name in allowed]
    expected = quoted[-1] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return RuntimeError(f"Expected ASGI message {expected}, but got {got!r}")


def receive_moves(state: WebSocketState) -> Moves:
    """The messages the client may send in ``state``; ``WebSocketDisconnected`` once it has disconnected."""
    # NOTE: states are told apart by identity: an Enum member's hash is a Python-level call.
    names = _loaded or _load()
    if state is names.connected:
        return names.client_connected
    if state is names.connecting:
        return names.client_connecting
    raise names.not_connected('Cannot call "receive" once a disconnect message has been received.')


def send_moves(state: WebSocketState) -> Moves:
    """The messages the application may send in ``state``; ``WebSocketDisconnected`` once it has closed."""
    names = _loaded or _load()
    if state is names.connected:
        return names.app_connected
    if state is names.connecting:
        return names.app_connecting
    if state is names.response:
        return names.app_response
    raise names.not_connected('Cannot call "send" once a close message has been sent.')


def next_state(moves: Moves, message: Message) -> WebSocketState:
    """The state ``message`` leads to among ``moves``; ``RuntimeError`` for a message out of turn."""
    kind = message["type"]
    after = moves.get(kind)
    if after is None:
        raise _unexpected(moves, kind)
    return after


def sent_state(state: WebSocketState, message: Message) -> WebSocketState:
    """The application's state after it sends ``message`` in ``state``."""
    after = next_state(send_moves(state), message)
    # NOTE: a denial response stays open until its last body chunk (only a body chunk can be sent in RESPONSE).
    if state is (_loaded or _load()).response and message.get("more_body", False):
        return state
    return after


def require_connected(state: WebSocketState) -> None:
    """``WebSocketDisconnected`` unless the application has accepted and not closed (``state`` is CONNECTED)."""
    names = _loaded or _load()
    if state is not names.connected:
        raise names.not_connected('WebSocket is not connected. Need to call "accept" first.')


def payload(message: Message, key: str) -> Any:
    """The ``key`` field of a received data message; a disconnect message raises ``WebSocketDisconnect``."""
    if message["type"] == "websocket.disconnect":
        # NOTE: ASGI says a close frame without a code is reported as 1005; tolerate servers that omit it.
        raise (_loaded or _load()).disconnect(message.get("code", 1005), message.get("reason"))
    return message[key]


async def receive(self: WebSocketFields) -> Message:
    """``WebSocket.receive``: the next client message, checked against the client's state."""
    moves = receive_moves(self.client_state)
    message = await self._receive()
    self.client_state = next_state(moves, message)
    return message


async def send(self: WebSocketFields, message: Message) -> None:
    """``WebSocket.send``: ``message`` checked against (and moving) the application's state, then sent."""
    state = self.application_state
    self.application_state = sent_state(state, message)
    try:
        await self._send(message)
    except OSError as error:
        raise send_error(self, state, error)


def send_error(self: WebSocketFields, state: WebSocketState, error: OSError) -> Exception:
    """What ``send`` raises when the server's ``send`` raised ``error`` for a message sent in ``state``.

    Sent on an accepted socket, an ``OSError`` says the client is gone (ASGI): ``WebSocketDisconnect(1006)``, and
    the socket is disconnected. Before that (the accept itself), the error is raised as it is.
    """
    names = _loaded or _load()
    if state is not names.connected:
        return error
    self.application_state = names.disconnected
    return names.disconnect(code=1006)


def _bound(method: object, self: object, function: object) -> bool:
    """Whether ``method`` is ``function`` bound to ``self`` (neither the class nor the instance overrides it)."""
    # NOTE: not ``self.__dict__``: reading it turns CPython's inline instance attributes into a dict, slower after.
    return isinstance(method, MethodType) and method.__func__ is function and method.__self__ is self


def _reader(name: str, key: str) -> Callable[[WebSocketFields], Coroutine[Any, Any, Any]]:
    """``WebSocket.<name>``: a coroutine reading the ``key`` field of the next message (through ``self.receive``)."""

    async def read(self: WebSocketFields) -> Any:
        require_connected(self.application_state)
        method = self.receive
        if _bound(method, self, receive):
            # PERF: ``receive``'s steps run here instead of in a coroutine of their own.
            moves = receive_moves(self.client_state)
            message = await self._receive()
            self.client_state = next_state(moves, message)
        else:
            message = await method()
        return payload(message, key)

    read.__name__ = read.__qualname__ = name
    return read


def _writer(name: str, key: str) -> Callable[[WebSocketFields, Any], Coroutine[Any, Any, None]]:
    """``WebSocket.<name>``: a coroutine sending its argument as the ``key`` field of a message (through
    ``self.send``)."""

    async def write(self: WebSocketFields, data: Any) -> None:
        message = {"type": "websocket.send", key: data}
        method = self.send
        if _bound(method, self, send):
            # PERF: ``send``'s steps run here instead of in a coroutine of their own.
            state = self.application_state
            self.application_state = sent_state(state, message)
            try:
                await self._send(message)
            except OSError as error:
                raise send_error(self, state, error)
        else:
            await method(message)

    write.__name__ = write.__qualname__ = name
    return write


receive_text: Callable[[WebSocketFields], Coroutine[Any, Any, str]] = _reader("receive_text", "text")
receive_bytes: Callable[[WebSocketFields], Coroutine[Any, Any, bytes]] = _reader("receive_bytes", "bytes")
send_text: Callable[[WebSocketFields, str], Coroutine[Any, Any, None]] = _writer("send_text", "text")
send_bytes: Callable[[WebSocketFields, bytes], Coroutine[Any, Any, None]] = _writer("send_bytes", "bytes")


async def until_disconnect(next_item: Callable[[], Awaitable[_T]]) -> AsyncIterator[_T]:
    """What ``WebSocket.iter_text`` and its kin iterate: ``await next_item()`` until the client disconnects."""
    while True:
        try:
            item = await next_item()
        except (_loaded or _load()).disconnect:
            return
        yield item
