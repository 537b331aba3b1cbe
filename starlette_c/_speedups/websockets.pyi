"""Type stub of the compiled twin ``starlette_c._speedups.websockets``, same surface as ``_pure.websockets``."""

from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

from starlette_c.types import Message, Receive, Send
from starlette_c.websockets import WebSocketState

Moves = dict[str, WebSocketState]
_T = TypeVar("_T")

class WebSocketFields(Protocol):
    """What the websocket coroutines read and write on a ``WebSocket``."""

    client_state: WebSocketState
    application_state: WebSocketState
    _receive: Receive
    _send: Send

    def receive(self) -> Awaitable[Message]: ...
    def send(self, message: Message, /) -> Awaitable[None]: ...

def receive_moves(state: WebSocketState) -> Moves: ...
def send_moves(state: WebSocketState) -> Moves: ...
def next_state(moves: Moves, message: Message) -> WebSocketState: ...
def sent_state(state: WebSocketState, message: Message) -> WebSocketState: ...
def require_connected(state: WebSocketState) -> None: ...
def payload(message: Message, key: str) -> Any: ...
async def receive(self: WebSocketFields) -> Message: ...
async def send(self: WebSocketFields, message: Message) -> None: ...

receive_text: Callable[[WebSocketFields], Coroutine[Any, Any, str]]
receive_bytes: Callable[[WebSocketFields], Coroutine[Any, Any, bytes]]
send_text: Callable[[WebSocketFields, str], Coroutine[Any, Any, None]]
send_bytes: Callable[[WebSocketFields, bytes], Coroutine[Any, Any, None]]

def until_disconnect(next_item: Callable[[], Awaitable[_T]]) -> AsyncIterator[_T]: ...
