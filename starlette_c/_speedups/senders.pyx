# cython: annotation_typing=False, binding=True
"""Compiled twin of ``starlette_c._pure.senders``: each wrapper is a C-level call per message.

A hook of the twin's own types (``HeaderEdit``, ``WhenAccessed``) runs in C; any other is called.
"""

from starlette_c._pure.senders import DONE, Accessed, RawPairs, SessionHook, Settler, StartHook, excluded, media_type
from starlette_c._speedups.datastructures import raw_add_vary, raw_set

__all__ = [
    "DONE",
    "Accessed",
    "ENCODE",
    "RELAY",
    "UNDECIDED",
    "HeaderEdit",
    "HeldStart",
    "RawPairs",
    "SessionHook",
    "Settler",
    "StartHook",
    "StartHooksSend",
    "WhenAccessed",
    "cors_edit",
    "excluded",
    "media_type",
    "never_encoded",
    "on_start",
    "origin_allowed",
    "send_both",
]

cdef enum:
    _UNDECIDED = 0
    _RELAY = 1
    _ENCODE = 2

UNDECIDED = _UNDECIDED
RELAY = _RELAY
ENCODE = _ENCODE

cdef str _START = "http.response.start"
cdef str _BODY = "http.response.body"


cdef class HeaderEdit:
    """A start hook as data: each of ``pairs`` is set (as ``raw_set``), then ``vary`` joins ``Vary`` when given."""

    cdef public tuple pairs
    cdef public object vary

    def __init__(self, pairs, vary):
        self.pairs = tuple(pairs)
        self.vary = vary

    def __call__(self, message):
        self.apply(message)

    cdef apply(self, message):
        # NOTE: edits go to a copy, as with MutableHeaders(scope=message): the sender may reuse its list.
        cdef list raw = list(message.get("headers", ()))
        message["headers"] = raw
        # PERF: none of the names edited is there yet (the common case): setting each is appending it.
        if _absent(raw, self.pairs, self.vary):
            raw.extend(self.pairs)
            if self.vary is not None:
                raw.append((b"vary", self.vary))
            return
        for name, value in self.pairs:
            raw_set(raw, name, value)
        if self.vary is not None:
            raw_add_vary(raw, self.vary)


cdef bint _absent(list raw, tuple pairs, object vary) except -1:
    """Whether ``raw`` and ``pairs`` are all exact bytes pairs, each of ``pairs`` and ``vary`` named only once."""
    cdef object item, name, pair
    cdef Py_ssize_t i, j, n = len(pairs)
    if vary is not None and type(vary) is not bytes:
        return False
    for i in range(n):
        pair = pairs[i]
        if type(pair) is not tuple or len(<tuple>pair) != 2 or type((<tuple>pair)[0]) is not bytes:
            return False
        if vary is not None and (<tuple>pair)[0] == b"vary":
            return False
        for j in range(i):
            if (<tuple>pair)[0] == (<tuple>pairs[j])[0]:
                return False
    for item in raw:
        if type(item) is not tuple or len(<tuple>item) != 2 or type((<tuple>item)[0]) is not bytes:
            return False
        name = (<tuple>item)[0]
        if vary is not None and name == b"vary":
            return False
        for pair in pairs:
            if name == pair[0]:
                return False
    return True


cdef class WhenAccessed:
    """A start hook: the start gets a header list; ``hook(message, session, extra)`` runs if ``session.accessed``."""

    cdef public object session
    cdef public object hook
    cdef public object extra

    def __init__(self, session, hook, extra):
        self.session = session
        self.hook = hook
        self.extra = extra

    def __call__(self, message):
        self.apply(message)

    cdef apply(self, message):
        message.setdefault("headers", [])
        if self.session.accessed:
            self.hook(message, self.session, self.extra)


cdef class StartHooksSend:
    """A ``send`` that runs ``hooks`` in order on the ``http.response.start`` message; others pass straight on."""

    cdef public object send
    cdef public tuple hooks

    def __init__(self, send, tuple hooks):
        self.send = send
        self.hooks = hooks

    def __call__(self, message):
        if message["type"] == _START:
            for hook in self.hooks:
                # PERF: the twin's own hooks are applied in C, with no Python frame.
                if type(hook) is HeaderEdit:
                    (<HeaderEdit>hook).apply(message)
                elif type(hook) is WhenAccessed:
                    (<WhenAccessed>hook).apply(message)
                else:
                    hook(message)
        return self.send(message)


def origin_allowed(origin, allow_all, pattern, allowed):
    """Whether CORS allows ``origin``: any origin, one the ``pattern`` matches whole, or one of ``allowed``."""
    if allow_all:
        return True
    return (pattern is not None and pattern.fullmatch(origin) is not None) or origin in allowed


def cors_edit(origin, pairs, explicit, allow_all, pattern, allowed):
    """The edit of a simple CORS response's start: ``pairs``, the origin when it is echoed and allowed, Vary."""
    if explicit and origin_allowed(origin.decode("latin-1"), allow_all, pattern, allowed):
        pairs = (*pairs, (b"access-control-allow-origin", origin))
    cdef HeaderEdit made = HeaderEdit.__new__(HeaderEdit)
    made.pairs = tuple(pairs)
    made.vary = b"Origin"
    return made


def on_start(send, hook):
    """``send`` with ``hook`` run on the response start; around another such send, one send runs both hooks."""
    # PERF: fused, the start is edited by every hook in one call and body messages skip a layer.
    if type(send) is StartHooksSend:
        # NOTE: the outer hook first, as nested wrappers would run them.
        return _hooks_send((<StartHooksSend>send).send, (hook,) + (<StartHooksSend>send).hooks)
    return _hooks_send(send, (hook,))


cdef StartHooksSend _hooks_send(send, tuple hooks):
    # PERF: made without the argument parsing of a call to the class.
    cdef StartHooksSend made = StartHooksSend.__new__(StartHooksSend)
    made.send = send
    made.hooks = hooks
    return made


def never_encoded(status, headers, excluded_types):
    """Whether a response starting so goes out as it is: partial, already encoded, or of an excluded type."""
    if status == 206:
        return True
    content_type = None
    cdef bytes key
    for name, value in headers:
        # PERF: bytes names are told apart by their length before any comparison.
        if type(name) is bytes:
            key = <bytes>name
            if len(key) == 16 and key == b"content-encoding":
                return True
            if len(key) == 12 and content_type is None and key == b"content-type":
                content_type = value
        elif name == b"content-encoding":
            return True
        elif content_type is None and name == b"content-type":
            content_type = value
    return content_type is not None and excluded(excluded_types, content_type)


async def send_both(send, start, message):
    await send(start)
    await send(message)


cdef class HeldStart:
    """The ``send`` of a response whose start waits for the first body to tell how the bodies go out (gzip).

    A response never encoded goes out as it comes; one whose only body is smaller than ``minimum_size``
    too, once that body arrives. Otherwise ``owner._settle(held, first)`` sends the start and the first
    body, and sets ``encode`` (the send of the bodies after it) and ``mode`` to ``ENCODE`` if it encodes.
    """

    cdef public object send
    cdef public object minimum_size
    cdef public object excluded
    cdef public object owner
    cdef public object start
    cdef public int mode
    cdef public object encode

    def __init__(self, send, minimum_size, excluded, owner):
        self.send = send
        self.minimum_size = minimum_size
        self.excluded = excluded
        self.owner = owner
        self.start = {}
        self.mode = _UNDECIDED
        self.encode = send

    def __call__(self, message):
        kind = message["type"]
        if kind == _START:
            headers = message.setdefault("headers", [])
            self.start = message
            # NOTE: a response that will go out as it is needs no body to decide on: its start leaves at once.
            if never_encoded(message["status"], headers, self.excluded):
                self.mode = _RELAY
                return self.send(message)
            return DONE
        if kind == _BODY:
            if self.mode == _RELAY:
                return self.send(message)
            if self.mode == _ENCODE:
                return self.encode(message)
            self.mode = _RELAY
            if message.get("more_body", False) or len(message.get("body", b"")) >= self.minimum_size:
                return self.owner._settle(self, message)
            return send_both(self.send, self.start, message)
        if kind == "http.response.pathsend":
            if self.mode == _UNDECIDED:
                self.mode = _RELAY
                return send_both(self.send, self.start, message)
            return self.send(message)
        if kind == "http.response.trailers" or kind == "http.response.early_hint":
            return self.send(message)
        # NOTE: as in the reference, messages of other types (debug, zerocopysend, ...) are not forwarded.
        return DONE
