"""Compiled twin of ``starlette_c._pure.websockets``: the ASGI websocket state machine over message dicts, the
decoding of received messages, and the ``WebSocket`` coroutines that run them.

Same names, same results and same exceptions as the pure twin; states are ``WebSocketState`` members told
apart by identity, errors are the exceptions of ``starlette_c.websockets``.
"""

from __future__ import annotations

cimport cython
from cpython.method cimport PyMethod_Check, PyMethod_GET_FUNCTION, PyMethod_GET_SELF
from cpython.object cimport PyObject

from collections.abc import Awaitable
from typing import Any, Protocol

from starlette_c.types import Message, Receive, Send


Moves = dict


class WebSocketFields(Protocol):
    """What the websocket coroutines read and write on a ``WebSocket``."""

    def receive(self):
        ...

    def send(self, message, /):
        ...


cdef str _TYPE = "type"
cdef str _DISCONNECT = "websocket.disconnect"
cdef str _SEND = "websocket.send"
cdef str _TEXT = "text"
cdef str _BYTES = "bytes"
cdef str _MORE_BODY = "more_body"

cdef object _connecting = None
cdef object _connected = None
cdef object _disconnected = None
cdef object _response = None
cdef object _disconnect_error = None
cdef object _not_connected_error = None
cdef dict _client_connecting, _client_connected, _app_connecting, _app_connected, _app_response


cdef int _load() except -1:
    # NOTE: imported on first use: starlette_c.websockets binds this module's functions, so it loads first.
    global _connecting, _connected, _disconnected, _response, _disconnect_error, _not_connected_error
    global _client_connecting, _client_connected, _app_connecting, _app_connected, _app_response
    from starlette_c import websockets

    _connecting, _connected, _disconnected, _response = websockets.WebSocketState
    _disconnect_error = websockets.WebSocketDisconnect
    _not_connected_error = websockets.WebSocketDisconnected
    # Per state, the message types that may flow (from the client, from the application) and where they lead.
    _client_connecting = {"websocket.connect": _connected}
    _client_connected = {"websocket.receive": _connected, "websocket.disconnect": _disconnected}
    _app_connecting = {
        "websocket.accept": _connected,
        "websocket.close": _disconnected,
        "websocket.http.response.start": _response,
    }
    _app_connected = {"websocket.send": _connected, "websocket.close": _disconnected}
    _app_response = {"websocket.http.response.body": _disconnected}
    return 0


# NOTE: negative indexes and an empty ``allowed`` (hostile ``moves``) behave as in Python here.
@cython.boundscheck(True)
@cython.wraparound(True)
cdef object _unexpected(object allowed, object got):
    quoted = [f'"{name}"' for name in allowed]
    expected = quoted[-1] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return RuntimeError(f"Expected ASGI message {expected}, but got {got!r}")


cdef dict _receive_moves(object state):
    if _connected is None:
        _load()
    if state is _connected:
        return _client_connected
    if state is _connecting:
        return _client_connecting
    raise _not_connected_error('Cannot call "receive" once a disconnect message has been received.')


cdef dict _send_moves(object state):
    if _connected is None:
        _load()
    if state is _connected:
        return _app_connected
    if state is _connecting:
        return _app_connecting
    if state is _response:
        return _app_response
    raise _not_connected_error('Cannot call "send" once a close message has been sent.')


cdef object _next_state(object moves, object message):
    kind = message[_TYPE]
    if type(moves) is dict:
        after = (<dict>moves).get(kind)
    else:
        after = moves.get(kind)
    if after is None:
        raise _unexpected(moves, kind)
    return after


cdef object _sent_state(object state, object message):
    after = _next_state(_send_moves(state), message)
    # NOTE: a denial response stays open until its last body chunk (only a body chunk can be sent in RESPONSE).
    if state is _response and message.get(_MORE_BODY, False):
        return state
    return after


cdef int _require_connected(object state) except -1:
    if _connected is None:
        _load()
    if state is not _connected:
        raise _not_connected_error('WebSocket is not connected. Need to call "accept" first.')
    return 0


cdef object _payload(object message, object key):
    if message[_TYPE] == _DISCONNECT:
        if _connected is None:
            _load()
        # NOTE: ASGI says a close frame without a code is reported as 1005; tolerate servers that omit it.
        raise _disconnect_error(message.get("code", 1005), message.get("reason"))
    return message[key]


def receive_moves(state):
    """The messages the client may send in ``state``; ``WebSocketDisconnected`` once it has disconnected."""
    return _receive_moves(state)


def send_moves(state):
    """The messages the application may send in ``state``; ``WebSocketDisconnected`` once it has closed."""
    return _send_moves(state)


def next_state(moves, message):
    """The state ``message`` leads to among ``moves``; ``RuntimeError`` for a message out of turn."""
    return _next_state(moves, message)


def sent_state(state, message):
    """The application's state after it sends ``message`` in ``state``."""
    return _sent_state(state, message)


def require_connected(state):
    """``WebSocketDisconnected`` unless the application has accepted and not closed (``state`` is CONNECTED)."""
    _require_connected(state)


def payload(message, key):
    """The ``key`` field of a received data message; a disconnect message raises ``WebSocketDisconnect``."""
    return _payload(message, key)


cdef inline bint _bound(object method, object self, object function):
    """Whether ``method`` is ``function`` bound to ``self`` (neither the class nor the instance overrides it)."""
    # NOTE: not the instance dict: reading it turns CPython's inline instance attributes into a dict, slower after.
    return PyMethod_Check(method) and PyMethod_GET_FUNCTION(method) is <PyObject *>function and (
        PyMethod_GET_SELF(method) is <PyObject *>self
    )


cdef object _advance_application(object self, object message):
    """``send``'s step before the server's send: check ``message`` and move the application's state; the state
    before it comes back."""
    state = self.application_state
    after = _sent_state(state, message)
    # PERF: an open socket stays open; the attribute is written only when the state changes.
    if after is not state:
        self.application_state = after
    return state


async def receive(self):
    """``WebSocket.receive``: the next client message, checked against the client's state."""
    moves = _receive_moves(self.client_state)
    message = await self._receive()
    self.client_state = _next_state(moves, message)
    return message


async def send(self, message):
    """``WebSocket.send``: ``message`` checked against (and moving) the application's state, then sent."""
    state = _advance_application(self, message)
    try:
        await self._send(message)
    except OSError as error:
        raise _send_error(self, state, error)


def send_error(self, state, error):
    """What ``send`` raises when the server's ``send`` raised ``error`` for a message sent in ``state``.

    Sent on an accepted socket, an ``OSError`` says the client is gone (ASGI): ``WebSocketDisconnect(1006)``, and
    the socket is disconnected. Before that (the accept itself), the error is raised as it is.
    """
    return _send_error(self, state, error)


cdef object _send_error(object self, object state, object error):
    if _connected is None:
        _load()
    if state is not _connected:
        return error
    self.application_state = _disconnected
    return _disconnect_error(code=1006)


cdef object _receive_function = receive
cdef object _send_function = send


cdef bint _read_inline(object self) except -1:
    """A read's first step: whether ``receive``'s steps run inline (``self.receive`` is the stock one).

    Raises as ``receive`` would for a client that has disconnected, before anything is awaited.
    """
    _require_connected(self.application_state)
    if not _bound(self.receive, self, _receive_function):
        return False
    _receive_moves(self.client_state)
    return True


cdef int _read_moved(object self, object state, object message) except -1:
    """A read's step after ``self._receive()`` answered ``message`` in client state ``state``: the state moves."""
    after = _next_state(_receive_moves(state), message)
    # PERF: an open socket stays open; the attribute is written only when the state changes.
    # NOTE: compared with the state before the await: only a concurrent receive could have moved it since.
    if after is not state:
        self.client_state = after
    return 0


def _reader(str name, str key):
    """``WebSocket.<name>``: a coroutine reading the ``key`` field of the next message (through ``self.receive``)."""

    async def read(self):
        if _read_inline(self):
            # PERF: ``receive``'s steps run here instead of in a coroutine of their own.
            state = self.client_state
            message = await self._receive()
            _read_moved(self, state, message)
        else:
            message = await self.receive()
        return _payload(message, key)

    read.__name__ = read.__qualname__ = name
    return read


def _writer(str name, str key):
    """``WebSocket.<name>``: a coroutine sending its argument as the ``key`` field of a message (through
    ``self.send``)."""

    async def write(self, data):
        message = {_TYPE: _SEND, key: data}
        method = self.send
        if _bound(method, self, _send_function):
            # PERF: ``send``'s steps run here instead of in a coroutine of their own.
            state = _advance_application(self, message)
            try:
                await self._send(message)
            except OSError as error:
                raise _send_error(self, state, error)
        else:
            await method(message)

    write.__name__ = write.__qualname__ = name
    return write


receive_text = _reader("receive_text", _TEXT)
receive_bytes = _reader("receive_bytes", _BYTES)
send_text = _writer("send_text", _TEXT)
send_bytes = _writer("send_bytes", _BYTES)


# NOTE: no generated pickling: its state would be read back unchecked (a crafted pickle could crash).
@cython.auto_pickle(False)
cdef class _Messages:
    """What ``until_disconnect`` returns: ``await next_item()`` per item until the client disconnects; like the pure
    twin's async generator, finished for good once it has stopped, raised or been closed."""

    cdef object next_item
    cdef object session  # the WebSocket when next_item is its stock receive_text or receive_bytes, else None
    cdef str key
    cdef bint finished

    def __init__(self, next_item):
        self.next_item = next_item
        self.finished = False
        self.session = None
        if PyMethod_Check(next_item):
            function = <object>PyMethod_GET_FUNCTION(next_item)
            if function is receive_text or function is receive_bytes:
                self.session = <object>PyMethod_GET_SELF(next_item)
                self.key = _TEXT if function is receive_text else _BYTES

    def __aiter__(self):
        return self

    def __anext__(self):
        # PERF: a plain call handing back the step's coroutine, so one coroutine frame per item.
        return _next_item(self)

    async def aclose(self):
        self.finished = True


async def _next_item(_Messages messages):
    if messages.finished:
        raise StopAsyncIteration
    session = messages.session
    try:
        if session is not None and _read_inline(session):
            # PERF: the stock reader's steps run here (the calls its coroutine makes), not in a coroutine of their own.
            state = session.client_state
            message = await session._receive()
            _read_moved(session, state, message)
            return _payload(message, messages.key)
        return await messages.next_item()
    except _disconnect_error:
        messages.finished = True
        raise StopAsyncIteration from None
    except StopAsyncIteration as exc:
        # NOTE: as an async generator does, so that it does not pass for the end of the iteration.
        messages.finished = True
        raise RuntimeError("async generator raised StopAsyncIteration") from exc
    except BaseException:
        messages.finished = True
        raise


def until_disconnect(next_item):
    """What ``WebSocket.iter_text`` and its kin iterate: ``await next_item()`` until the client disconnects."""
    if _connected is None:
        _load()
    return _Messages(next_item)
