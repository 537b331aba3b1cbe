# cython: annotation_typing=False, binding=True
"""Compiled twin of ``starlette_c._pure.senders``: each wrapper is a C-level call per message.

A hook of the twin's own types (``HeaderEdit``, ``WhenAccessed``) runs in C; any other is called. The steps
of the stock middleware hand a scope that is not exactly a dict to the pure twin's.
"""

import functools
import importlib

from starlette_c._pure import senders as _pure
from starlette_c._pure.senders import DONE, Accessed, RawPairs, SessionHook, Settler, StartHook, excluded, media_type
from starlette_c._speedups.datastructures import raw_add_vary, raw_get, raw_set
from starlette_c._stock import STOCK

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.object cimport PyObject
from libc.string cimport memcmp


cdef extern from "Python.h":
    str PyUnicode_DecodeLatin1(const char* s, Py_ssize_t size, const char* errors)

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
    "VARY_ORIGIN",
    "WhenAccessed",
    "cors_edit",
    "cors_start_hook",
    "cors_step",
    "excluded",
    "gzip_step",
    "media_type",
    "never_encoded",
    "on_start",
    "origin_allowed",
    "send_both",
    "session_step",
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


# NOTE: no generated pickling: its state would be read back unchecked (a crafted pickle could crash).
@cython.auto_pickle(False)
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


# NOTE: no generated pickling: its state would be read back unchecked (a crafted pickle could crash).
@cython.auto_pickle(False)
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


cdef WhenAccessed _when_accessed(session, hook, extra):
    # PERF: made without the argument parsing of a call to the class.
    cdef WhenAccessed made = WhenAccessed.__new__(WhenAccessed)
    made.session = session
    made.hook = hook
    made.extra = extra
    return made


# NOTE: no generated pickling: its state would be read back unchecked (a crafted pickle could crash).
@cython.auto_pickle(False)
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
    return _origin_allowed(origin, allow_all, pattern, allowed)


cdef bint _origin_allowed(origin, allow_all, pattern, allowed) except -1:
    if allow_all:
        return True
    return (pattern is not None and pattern.fullmatch(origin) is not None) or origin in allowed


cdef inline object _latin1(origin):
    # PERF: bytes are decoded by the codec's C function, with no method call.
    if type(origin) is bytes:
        return PyUnicode_DecodeLatin1(PyBytes_AS_STRING(origin), PyBytes_GET_SIZE(origin), NULL)
    return origin.decode("latin-1")


def cors_edit(origin, pairs, explicit, allow_all, pattern, allowed):
    """The edit of a simple CORS response's start: ``pairs``, the origin when it is echoed and allowed, Vary."""
    return _cors_edit(origin, pairs, explicit, allow_all, pattern, allowed)


cdef HeaderEdit _cors_edit(origin, pairs, explicit, allow_all, pattern, allowed):
    if explicit and _origin_allowed(_latin1(origin), allow_all, pattern, allowed):
        pairs = (*pairs, (b"access-control-allow-origin", origin))
    cdef HeaderEdit made = HeaderEdit.__new__(HeaderEdit)
    made.pairs = tuple(pairs)
    made.vary = b"Origin"
    return made


# NOTE: what a response to a request without an Origin gets.
VARY_ORIGIN = HeaderEdit((), b"Origin")


# NOTE: a stock function never changes once marked (``_stock.stock``): each is read from STOCK once, when
# first needed (its module is imported by then, since a middleware of its class exists).
cdef tuple _cors_stock = None
cdef tuple _gzip_stock = None


cdef tuple _marked(tuple names):
    return tuple([STOCK[name] for name in names])


cdef extern from "_lookup.h":
    object _instance_dict "starlette_c_instance_dict"(object obj)


cdef extern from "Python.h":
    ctypedef struct PyTypeObject
    PyTypeObject *Py_TYPE(object obj)
    PyObject *_PyType_Lookup(PyTypeObject *type, object name)


cdef bint _set_on(object middleware, str first, str second) except -1:
    """Whether ``middleware`` itself holds either method (set on the instance: its class's is not what runs)."""
    # PERF: the instance dict itself, without looking up and calling the type's __dict__ descriptor (None for an
    # instance without one, which holds no method of its own).
    own = _instance_dict(middleware)
    return type(own) is dict and (first in <dict>own or second in <dict>own)


cdef bint _stock_entry(PyTypeObject *cls, str name, object stock) except -1:
    # PERF: the class's entry found by the type's attribute cache: a plain function is what attribute access gives.
    if _PyType_Lookup(cls, name) == <PyObject*>stock:
        return True
    # NOTE: any other entry (a staticmethod around the stock function, say) is asked as attribute access would be.
    return getattr(<object>cls, name) is stock


cdef bint _runs_stock(object middleware, str first, object stock_first, str second, object stock_second) except -1:
    """Whether ``middleware`` runs these two stock methods: found so on its class, and neither set on it."""
    cdef PyTypeObject *cls = Py_TYPE(middleware)
    if not (_stock_entry(cls, first, stock_first) and _stock_entry(cls, second, stock_second)):
        return False
    return not _set_on(middleware, first, second)


cdef tuple _cors_marked():
    global _cors_stock
    if _cors_stock is None:
        _cors_stock = _marked((
            "CORSMiddleware.simple_response",
            "CORSMiddleware.send",
            "CORSMiddleware.is_allowed_origin",
            "CORSMiddleware.allow_explicit_origin",
        ))
    return _cors_stock


def cors_step(middleware, scope, send):
    """``CORSMiddleware._step``: the app and ``send`` a request goes on with."""
    if type(scope) is not dict:
        return _pure.cors_step(middleware, scope, send)
    cdef dict plain = <dict>scope
    if plain["type"] != "http":
        return middleware.app, send
    # NOTE: a patched simple_response or send is called for every request, with an Origin or without.
    cdef tuple marked = _cors_marked()
    if not _runs_stock(middleware, "simple_response", marked[0], "send", marked[1]):
        return middleware._step_with_headers(scope, send)
    # PERF: a scan of the raw headers decides the common case, a request without an Origin, with no Headers.
    origin = raw_get(plain["headers"], b"origin")
    if origin is None:
        return middleware.app, _on_start(send, VARY_ORIGIN)
    # PERF: a simple request through the stock simple_response and send is marked with no Headers at all.
    if plain["method"] != "OPTIONS":
        return middleware.app, _on_start(send, _cors_start_hook(middleware, origin))
    return middleware._step_with_headers(scope, send)


def cors_start_hook(middleware, origin):
    """``CORSMiddleware._start_hook``: what marking the start of a simple response to ``origin`` does."""
    return _cors_start_hook(middleware, origin)


cdef object _cors_start_hook(middleware, origin):
    cdef tuple marked = _cors_marked()
    if not _runs_stock(middleware, "is_allowed_origin", marked[2], "allow_explicit_origin", marked[3]):
        return functools.partial(middleware._mark_start, origin=origin.decode("latin-1"))
    # NOTE: the stock is_allowed_origin depends on nothing but the origin: asked now, it answers as at the start.
    return _cors_edit(
        origin,
        # PERF: no call for the common empty simple_headers.
        middleware._simple_pairs() if middleware.simple_headers else (),
        middleware.preflight_explicit_allow_origin,
        middleware.allow_all_origins,
        middleware.allow_origin_regex,
        middleware.allow_origins,
    )


# NOTE: the middleware modules, imported when first needed (they import this one); their classes are read per request.
cdef object _gzip = None
cdef object _sessions = None


cdef bint _names_gzip(bytes accepted):
    """``b"gzip" in accepted``, for bytes."""
    # PERF: bytes' `in` first tries its argument as an int, and pays for a TypeError it then clears.
    cdef const char* text = PyBytes_AS_STRING(accepted)
    cdef Py_ssize_t i
    for i in range(PyBytes_GET_SIZE(accepted) - 3):
        if text[i] == c'g' and memcmp(text + i, b"gzip", 4) == 0:
            return True
    return False


def gzip_step(middleware, scope, send):
    """``GZipMiddleware._step``: the app and ``send`` a request goes on with."""
    global _gzip, _gzip_stock
    if type(scope) is not dict:
        return _pure.gzip_step(middleware, scope, send)
    if _gzip is None:
        _gzip = importlib.import_module("starlette_c.middleware.gzip")
        _gzip_stock = _marked(
            ("Stepped.__call__", "IdentityResponder._step", "IdentityResponder.send_with_compression")
        )
    cdef dict plain = <dict>scope
    if plain["type"] != "http":
        return middleware.app, send
    # NOTE: as `Headers(scope=scope).get("accept-encoding", "")`: the first such header, matched case-sensitively.
    accepted = raw_get(plain["headers"], b"accept-encoding") or b""
    gzip = _names_gzip(accepted) if type(accepted) is bytes else b"gzip" in accepted
    responder_class = _gzip.GZipResponder if gzip else _gzip.IdentityResponder
    # NOTE: a responder class with a patched step still gets its responder, as in the reference.
    if (
        responder_class.__call__ is not _gzip_stock[0]
        or responder_class._step is not _gzip_stock[1]
        or responder_class.send_with_compression is not _gzip_stock[2]
    ):
        return middleware._responder(gzip), send
    # PERF: the responder is made only for a body that may be encoded; most responses never need one.
    owner = middleware._gzip_settler if gzip else middleware._identity_settler
    return middleware.app, _held_start(send, middleware.minimum_size, middleware.exclude_content_types, owner)


def session_step(middleware, scope, send):
    """``SessionMiddleware._step``: ``scope["session"]`` loaded, and the app and ``send`` to go on with."""
    global _sessions
    if type(scope) is not dict:
        return _pure.session_step(middleware, scope, send)
    if _sessions is None:
        _sessions = importlib.import_module("starlette_c.middleware.sessions")
    cdef dict plain = <dict>scope
    if plain["type"] not in ("http", "websocket"):
        return middleware.app, send
    # PERF: most requests carry no Cookie header: the scan tells so without a call to parse them.
    cookie = None if raw_get(plain["headers"], b"cookie") is None else middleware._incoming_cookie(scope)
    loaded = None if cookie is None else middleware._load(cookie)
    had_session = loaded is not None
    session_class = _sessions.Session
    # PERF: a request without a session cookie gets an empty session with no dictionary to copy.
    session = session_class() if loaded is None else session_class(loaded)
    plain["session"] = session
    # PERF: an untouched session's start costs no Python call.
    return middleware.app, _on_start(send, _when_accessed(session, middleware._send_cookie, had_session))


def on_start(send, hook):
    """``send`` with ``hook`` run on the response start; around another such send, one send runs both hooks."""
    return _on_start(send, hook)


cdef StartHooksSend _on_start(send, hook):
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
    return content_type is not None and _excluded(excluded_types, content_type)


# PERF: the last bytes content type `excluded` answered for, with the very tuple it was asked with and the answer
# (one object, replaced whole): most apps answer with a content type or two, and the cached call hashes the tuple.
cdef tuple _last_excluded = (None, None, False)


cdef object _excluded(excluded_types, content_type):
    global _last_excluded
    cdef tuple last = _last_excluded
    if type(content_type) is bytes and last[0] is excluded_types and last[1] == content_type:
        return last[2]
    answer = excluded(excluded_types, content_type)
    if type(content_type) is bytes:
        _last_excluded = (excluded_types, content_type, answer)
    return answer


async def send_both(send, start, message):
    await send(start)
    await send(message)


# NOTE: no generated pickling: its state would be read back unchecked (a crafted pickle could crash).
@cython.auto_pickle(False)
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
        self.init(send, minimum_size, excluded, owner)

    cdef init(self, send, minimum_size, excluded, owner):
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


cdef HeldStart _held_start(send, minimum_size, excluded, owner):
    # PERF: made without the argument parsing of a call to the class.
    cdef HeldStart made = HeldStart.__new__(HeldStart)
    made.init(send, minimum_size, excluded, owner)
    return made
