"""Compiled twin of ``starlette_c._pure.responses``: building a response, its headers and the ASGI messages it sends.

Same names, same results and same exceptions as the pure twin; exact ``str``/``bytes``/``int``/``dict``
inputs take typed fast paths, anything else goes through the same Python operations the pure twin uses.
JSON of plain data (exact dict, list, tuple, str, int, float, bool, None) is written here byte by byte;
anything else, and every error, is left to the ``json`` module as in the pure twin.
"""

from __future__ import annotations

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.conversion cimport PyOS_double_to_string
from cpython.dict cimport PyDict_Copy, PyDict_Next
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_AsSsize_t
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.object cimport PyObject, PyTypeObject, Py_TYPE
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cpython.unicode cimport PyUnicode_AsLatin1String, PyUnicode_AsUTF8String
from libc.math cimport isfinite
from libc.string cimport memcpy, strlen

from collections.abc import AsyncIterable, Awaitable, Callable, Mapping, Sequence
import json
import sys
from typing import Any, Protocol

from starlette_c.types import Message, Send


RawHeaders = list[tuple[bytes, bytes]]


# NOTE: ``read(start, end)`` hands back the next pieces of the file's bytes ``[start, end)``: at least one, short
# or empty at the end of the file.
ReadPieces = Callable[[int, int], Awaitable[list[bytes]]]


# NOTE: a real Python function, so that unpacking anything but an exact 2-tuple fails with CPython's own
# messages ("not enough values to unpack (expected 2, got 1)", "cannot unpack non-iterable ..."), which
# Cython's inlined unpacking words differently.
_namespace = {}
exec("def _unpack_pair(item):\n    key, value = item\n    return key, value\n", _namespace)
cdef object _unpack_pair = _namespace.pop("_unpack_pair")
del _namespace

cdef bytes _CONTENT_LENGTH = b"content-length"
cdef bytes _CONTENT_TYPE = b"content-type"
cdef str _LATIN_1 = "latin-1"
cdef bytes _EMPTY = b""
cdef bytes _CRLF = b"\r\n"
cdef str _START = "http.response.start"
cdef str _BODY = "http.response.body"
cdef dict _MORE_TEMPLATE = {"type": _BODY, "body": b"", "more_body": True}
cdef object _SSIZE_MAX = sys.maxsize
cdef str _UTF_8 = "utf-8"
cdef str _EMPTY_STR = ""
cdef str _RENDER = "render"
cdef str _INIT_HEADERS = "init_headers"
cdef object _STDLIB_DUMPS = json.dumps
cdef object _JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
# NOTE: compiled twins are built for CPython only, whose json module always has its C encoder.
cdef object _make_encoder = json.encoder.c_make_encoder
cdef object _encode_basestring = json.encoder.encode_basestring
del sys  # NOTE: the module exposes the same public names as its pure twin.


cdef extern from "Python.h":
    PyObject *_PyType_Lookup(PyTypeObject *type, PyObject *name)
    bint PyUnicode_IS_ASCII(object text)
    void *PyUnicode_DATA(object text)
    Py_ssize_t PyUnicode_GET_LENGTH(object text)
    int Py_EnterRecursiveCall(const char *where)
    void Py_LeaveRecursiveCall()
    void PyErr_Clear()
    int Py_DTSF_ADD_DOT_0


cdef inline object _encode_name(object key):
    if type(key) is str:
        # PERF: exact str: lower() then a direct latin-1 encode, no attribute lookups.
        return PyUnicode_AsLatin1String((<str>key).lower())
    return key.lower().encode(_LATIN_1)


cdef inline object _encode_value(object value):
    if type(value) is str:
        return PyUnicode_AsLatin1String(value)
    return value.encode(_LATIN_1)


cdef inline bint _has_charset(str media_type) except -1:
    # PERF: a case-insensitive search for "charset=" without building media_type.lower().
    cdef Py_ssize_t n = len(media_type)
    cdef Py_ssize_t i, j
    cdef Py_UCS4 ch
    cdef unsigned long code
    cdef const char *needle = b"charset="
    for i in range(n):
        ch = media_type[i]
        if <unsigned long>ch >= 128:
            # NOTE: str.lower() maps some non-ASCII characters to ASCII (e.g. KELVIN SIGN -> "k");
            # leave those strings to the exact Python operation.
            return "charset=" in media_type.lower()
    for i in range(n - 7):
        for j in range(8):
            ch = media_type[i + j]
            code = <unsigned long>ch
            if 65 <= code <= 90:
                code += 32
            if code != <unsigned long>needle[j]:
                break
        else:
            return True
    return False


# NOTE: no generated pickling: its state would be read back unchecked (a crafted pickle could crash).
@cython.auto_pickle(False)
cdef class StartTrackingSend:
    """A ``send`` that remembers whether the response has started (after which no other can be sent)."""

    cdef public object send
    cdef public bint started

    def __init__(self, send):
        self.send = send
        self.started = False

    def __call__(self, message):
        # PERF: a plain call handing back the wrapped send's awaitable, so no coroutine frame per message.
        if message["type"] == _START:
            self.started = True
        return self.send(message)


def start_tracking(send):
    """A tracking ``send`` for an app about to run: ``send`` itself when it already tracks and has not started.

    NOTE: the outer tracker only sees this app's messages while the app runs, so sharing it answers
    "did this app start a response?" exactly as a fresh wrapper would.
    """
    # PERF: one tracker per request instead of one per layer (server errors, exceptions, the route).
    if type(send) is StartTrackingSend and not (<StartTrackingSend>send).started:
        return send
    # PERF: allocated and filled in C, without the type call and its __init__.
    cdef StartTrackingSend tracker = StartTrackingSend.__new__(StartTrackingSend)
    tracker.send = send
    return tracker


cdef object _untracked(object send):
    """``send`` past the trackers that have seen the response start: they have nothing left to record."""
    while type(send) is StartTrackingSend and (<StartTrackingSend>send).started:
        send = (<StartTrackingSend>send).send
    return send


@cython.cdivision(True)
cdef bytes _decimal(Py_ssize_t value):
    """The decimal digits of ``value >= 0``."""
    # PERF: digits written backwards into a stack buffer (PyBytes_FromFormat parses its format on every call).
    cdef char digits[24]
    cdef Py_ssize_t start = 24
    while True:
        start -= 1
        digits[start] = <char>(48 + value % 10)
        value //= 10
        if value == 0:
            return PyBytes_FromStringAndSize(digits + start, 24 - start)


cdef dict _CONTENT_TYPES = {}
# NOTE: bounds the cache, since media types may come from request data; later ones are encoded each time.
cdef Py_ssize_t _CONTENT_TYPES_MAX = 64


cdef tuple _content_type(str media_type, str charset):
    """The ``content-type`` header pair of ``media_type`` (a ``text/*`` one without a charset gets ``charset``)."""
    # PERF: a response class has one media type and charset: its header pair is built once, keyed by the media type.
    cdef object cached = _CONTENT_TYPES.get(media_type)
    if cached is not None and (<tuple>cached)[0] == charset:
        return <tuple>(<tuple>cached)[1]
    cdef str value = media_type
    if media_type.startswith("text/") and not _has_charset(media_type):
        value = media_type + "; charset=" + charset
    cdef tuple pair = (_CONTENT_TYPE, PyUnicode_AsLatin1String(value))
    if cached is not None or len(_CONTENT_TYPES) < _CONTENT_TYPES_MAX:
        _CONTENT_TYPES[media_type] = (charset, pair)
    return pair


def init_raw_headers(headers, body_length, media_type, charset, status_code):
    """Encode ``headers`` and add ``content-length`` (when ``body_length >= 0``) and ``content-type`` unless given.

    1xx, 204 and 304 responses never get a ``content-length``; a ``text/*`` media type without a charset gets
    ``charset``.
    """
    return _init_raw_headers(headers, body_length, media_type, charset, status_code)


cdef list _init_raw_headers(object headers, object body_length, object media_type, object charset, object status_code):
    cdef list raw = []
    cdef bint has_length = False
    cdef bint has_type = False
    cdef bint generic_scan = False
    cdef object key, value, item, encoded
    cdef Py_ssize_t i, n
    if headers is not None:
        if type(headers) is dict:
            # PERF: exact dict: PyDict_Next, no items() view nor tuple unpacking.
            for key, value in (<dict>headers).items():
                raw.append((_encode_name(key), _encode_value(value)))
        else:
            for item in headers.items():
                if type(item) is tuple and PyTuple_GET_SIZE(item) == 2:
                    key = <object>PyTuple_GET_ITEM(item, 0)
                    value = <object>PyTuple_GET_ITEM(item, 1)
                else:
                    key, value = _unpack_pair(item)
                raw.append((_encode_name(key), _encode_value(value)))
        # NOTE: the scan runs after every header is encoded (as in the pure twin); exact bytes names are
        # compared in C, and any other name makes the whole scan run with Python's == semantics.
        n = PyList_GET_SIZE(raw)
        for i in range(n):
            encoded = <object>PyTuple_GET_ITEM(<object>PyList_GET_ITEM(raw, i), 0)
            if type(encoded) is not bytes:
                generic_scan = True
                break
            if PyBytes_GET_SIZE(encoded) == 14:
                if encoded == _CONTENT_LENGTH:
                    has_length = True
            elif PyBytes_GET_SIZE(encoded) == 12:
                if encoded == _CONTENT_TYPE:
                    has_type = True
        if generic_scan:
            has_length = has_type = False
            for i in range(n):
                encoded = <object>PyTuple_GET_ITEM(<object>PyList_GET_ITEM(raw, i), 0)
                if encoded == _CONTENT_LENGTH:
                    has_length = True
                elif encoded == _CONTENT_TYPE:
                    has_type = True
    if body_length >= 0 and not has_length and not (status_code < 200 or status_code == 204 or status_code == 304):
        if type(body_length) is int and body_length <= _SSIZE_MAX:
            # PERF: format the length straight into bytes (a real body length always fits a Py_ssize_t).
            raw.append((_CONTENT_LENGTH, _decimal(PyLong_AsSsize_t(body_length))))
        else:
            raw.append((_CONTENT_LENGTH, str(body_length).encode(_LATIN_1)))
    if media_type is not None and not has_type:
        if type(media_type) is str and type(charset) is str:
            raw.append(_content_type(<str>media_type, <str>charset))
        else:
            if media_type.startswith("text/") and "charset=" not in media_type.lower():
                media_type += "; charset=" + charset
            raw.append((_CONTENT_TYPE, media_type.encode(_LATIN_1)))
    return raw


# --- building a Response -----------------------------------------------------------------------------------------

class ResponseFields(Protocol):
    """What building a ``Response`` reads and writes on it."""

    status_code: int
    media_type: str | None
    charset: str
    background: Callable[[], Awaitable[None]] | None
    body: bytes | memoryview
    raw_headers: RawHeaders

    def render(self, content):
        ...

    def init_headers(self, headers=None):
        ...


@cython.annotation_typing(False)
def response_init(self, content: Any = None, status_code: int = 200, headers: Mapping[str, str] | None = None,
                  media_type: str | None = None, background: BackgroundTask | None = None) -> None:
    """``Response.__init__``: status, media type and background, then ``self.render`` and ``self.init_headers``."""
    _response_init(self, content, status_code, headers, media_type, background)


@cython.annotation_typing(False)
def json_response_init(self, content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None,
                       media_type: str | None = None, background: BackgroundTask | None = None) -> None:
    """``JSONResponse.__init__``: ``Response.__init__`` with ``content`` required."""
    _response_init(self, content, status_code, headers, media_type, background)


@cython.annotation_typing(False)
def response_render(self, content: Any) -> bytes | memoryview:
    """``Response.render``: ``content`` as the body (``str`` encoded with ``self.charset``, ``None`` as empty)."""
    return _render(self, content)


@cython.annotation_typing(False)
def json_response_render(self, content: Any) -> bytes:
    """``JSONResponse.render``: compact UTF-8 JSON without NaN or infinities."""
    return _render_json(content)


@cython.annotation_typing(False)
def response_init_headers(self, headers: Mapping[str, str] | None = None) -> None:
    """``Response.init_headers``: ``self.raw_headers`` from ``headers``, the body's length, media type and status."""
    _init_headers(self, headers)


cdef object _stock_render = response_render
cdef object _stock_json_render = json_response_render
cdef object _stock_init_headers = response_init_headers


cdef _response_init(object self, object content, object status_code, object headers, object media_type,
                    object background):
    cdef PyTypeObject *cls = Py_TYPE(self)
    cdef PyObject *render
    self.status_code = status_code
    if media_type is not None:
        self.media_type = media_type
    self.background = background
    # PERF: the stock render and init_headers run inline, without a call each; any other goes through self.
    # NOTE: they are looked up on the type (as Python looks up special methods), so a function stored on the
    # instance itself under either name before __init__ is not seen.
    render = _PyType_Lookup(cls, <PyObject *>_RENDER)
    if render == <PyObject *>_stock_render:
        self.body = _render(self, content)
    elif render == <PyObject *>_stock_json_render:
        self.body = _render_json(content)
    else:
        self.body = self.render(content)
    if _PyType_Lookup(cls, <PyObject *>_INIT_HEADERS) == <PyObject *>_stock_init_headers:
        _init_headers(self, headers)
    else:
        self.init_headers(headers)


cdef object _render(object self, object content):
    cdef object charset
    if type(content) is str:
        charset = self.charset
        if type(charset) is str and <str>charset == _UTF_8:
            return PyUnicode_AsUTF8String(content)  # PERF: what str.encode("utf-8") ends in, without the lookups.
        return content.encode(charset)
    if content is None:
        return _EMPTY
    if isinstance(content, bytes):
        return content
    if isinstance(content, memoryview):
        # NOTE: sent as plain bytes: a flat byte view when C-contiguous, else a copy (typed, strided, n-D views).
        return content.cast("B") if content.c_contiguous else content.tobytes()
    return content.encode(self.charset)


cdef bytes _render_json(object content):
    if json.dumps is not _STDLIB_DUMPS:
        # NOTE: a patched ``json.dumps`` (tests do ``responses.json.dumps``) is honoured, looked up at each render.
        return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode(
            "utf-8"
        )
    # PERF: plain data (exact dict, list, tuple, str, int, float, bool, None) is written straight to UTF-8.
    cdef object body = _plain_json(content)
    if body is not None:
        return body
    # PERF: the C encoder JSONEncoder.encode ends up in, built directly: no Python frames nor closure per call.
    encode = _make_encoder({}, _JSON_ENCODER.default, _encode_basestring, None, ":", ",", False, False, False)
    return PyUnicode_AsUTF8String(_EMPTY_STR.join(encode(content, 0)))


# --- JSON of plain data, written straight to UTF-8 -----------------------------------------------------------

cdef struct _Output:
    char *data
    Py_ssize_t size
    Py_ssize_t capacity
    int depth


# NOTE: the C stack bounds this writer's nesting, whatever the recursion limit is raised to: deeper data is left to the
# general path, the json module's own encoder, whose frames are smaller.
cdef int _MAX_DEPTH = 1000


cdef int _reserve(_Output *out, Py_ssize_t extra) except -1:
    cdef Py_ssize_t capacity = out.capacity
    cdef char *grown
    if out.size + extra <= capacity:
        return 0
    while capacity < out.size + extra:
        capacity *= 2
    grown = <char *>PyMem_Realloc(out.data, capacity)
    if grown == NULL:
        raise MemoryError()
    out.data = grown
    out.capacity = capacity
    return 0


cdef inline int _write(_Output *out, const char *data, Py_ssize_t size) except -1:
    _reserve(out, size)
    memcpy(out.data + out.size, data, size)
    out.size += size
    return 0


cdef inline int _write_char(_Output *out, char c) except -1:
    _reserve(out, 1)
    out.data[out.size] = c
    out.size += 1
    return 0


cdef const char *_HEX = b"0123456789abcdef"


cdef int _write_json_string(_Output *out, object text) except -1:
    """Write ``text`` as a JSON string the way ``json.dumps(ensure_ascii=False)`` does; 0 if it cannot."""
    cdef const unsigned char *data
    cdef Py_ssize_t size, i, start = 0
    cdef unsigned char c
    cdef char escape[6]
    cdef object utf8
    if PyUnicode_IS_ASCII(text):
        data = <const unsigned char *>PyUnicode_DATA(text)
        size = PyUnicode_GET_LENGTH(text)
    else:
        try:
            utf8 = PyUnicode_AsUTF8String(text)
        except UnicodeEncodeError:
            return 0  # NOTE: lone surrogates: the general path raises the error of the final UTF-8 encoding.
        data = <const unsigned char *>PyBytes_AS_STRING(utf8)
        size = PyBytes_GET_SIZE(utf8)
    _write_char(out, 34)
    # NOTE: multi-byte UTF-8 sequences are all bytes >= 0x80, so only ASCII bytes are ever escaped.
    for i in range(size):
        c = data[i]
        if c >= 0x20 and c != 34 and c != 92:
            continue
        _write(out, <const char *>data + start, i - start)
        start = i + 1
        escape[0] = 92
        if c == 34 or c == 92:
            escape[1] = c
        elif c == 8:
            escape[1] = 98
        elif c == 12:
            escape[1] = 102
        elif c == 10:
            escape[1] = 110
        elif c == 13:
            escape[1] = 114
        elif c == 9:
            escape[1] = 116
        else:
            escape[1] = 117
            escape[2] = 48
            escape[3] = 48
            escape[4] = _HEX[c >> 4]
            escape[5] = _HEX[c & 15]
            _write(out, escape, 6)
            continue
        _write(out, escape, 2)
    _write(out, <const char *>data + start, size - start)
    _write_char(out, 34)
    return 1


cdef int _write_json(_Output *out, object value) except -1:
    """Write ``value`` as compact JSON when it is plain data (exact types only); 0 if it is not."""
    cdef type kind = type(value)
    cdef long long number
    cdef unsigned long long magnitude
    cdef int overflow = 0
    cdef char digits[24]
    cdef Py_ssize_t start
    cdef double real
    cdef char *text
    cdef Py_ssize_t position = 0
    cdef PyObject *key
    cdef PyObject *item
    cdef int written = 1
    cdef bint first = True
    if kind is str:
        return _write_json_string(out, value)
    if kind is int:
        number = PyLong_AsLongLongAndOverflow(value, &overflow)
        if overflow:
            return 0
        magnitude = <unsigned long long>(-(number + 1)) + 1 if number < 0 else <unsigned long long>number
        start = 24
        while True:
            start -= 1
            digits[start] = <char>(48 + magnitude % 10)
            magnitude //= 10
            if magnitude == 0:
                break
        if number < 0:
            start -= 1
            digits[start] = 45
        return _write(out, digits + start, 24 - start) + 1
    if value is None:
        return _write(out, b"null", 4) + 1
    if value is True:
        return _write(out, b"true", 4) + 1
    if value is False:
        return _write(out, b"false", 5) + 1
    if kind is float:
        real = PyFloat_AS_DOUBLE(value)
        if not isfinite(real):
            return 0
        # PERF: what float.__repr__ (the json module's float text) formats with.
        text = PyOS_double_to_string(real, b"r", 0, Py_DTSF_ADD_DOT_0, NULL)
        try:
            _write(out, text, strlen(text))
        finally:
            PyMem_Free(text)
        return 1
    if kind is not dict and kind is not list and kind is not tuple:
        return 0
    # NOTE: nesting counts against the recursion limit as in the json module; too deep (or circular) data is
    # left to the general path, which raises its own error.
    if out.depth >= _MAX_DEPTH:
        return 0
    if Py_EnterRecursiveCall(" while encoding a JSON object") != 0:
        PyErr_Clear()
        return 0
    out.depth += 1
    try:
        if kind is dict:
            _write_char(out, 123)
            while written and PyDict_Next(value, &position, &key, &item):
                if type(<object>key) is not str:
                    return 0
                if not first:
                    _write_char(out, 44)
                first = False
                written = _write_json_string(out, <object>key)
                if written:
                    _write_char(out, 58)
                    written = _write_json(out, <object>item)
            _write_char(out, 125)
        else:
            _write_char(out, 91)
            for element in value:
                if not first:
                    _write_char(out, 44)
                first = False
                written = _write_json(out, element)
                if not written:
                    break
            _write_char(out, 93)
    finally:
        out.depth -= 1
        Py_LeaveRecursiveCall()
    return written


cdef object _plain_json(object content):
    """``content`` as compact UTF-8 JSON bytes when it is plain data, else None."""
    cdef _Output out
    out.size = 0
    out.depth = 0
    out.capacity = 128
    out.data = <char *>PyMem_Malloc(out.capacity)
    if out.data == NULL:
        raise MemoryError()
    try:
        if _write_json(&out, content):
            return PyBytes_FromStringAndSize(out.data, out.size)
        return None
    finally:
        PyMem_Free(out.data)


cdef _init_headers(object self, object headers):
    cdef object body = getattr(self, "body", None)
    cdef object body_length
    if type(body) is bytes:
        body_length = PyBytes_GET_SIZE(body)
    elif body is None:
        body_length = -1
    elif isinstance(body, memoryview):
        body_length = body.nbytes
    else:
        body_length = len(body)
    # NOTE: the status only bears on a body's length: without a body it is not read (a subclass may set it later).
    status_code = 0 if body is None else self.status_code
    self.raw_headers = _init_raw_headers(headers, body_length, self.media_type, self.charset, status_code)


async def send_stream(send, status_code, raw_headers, iterator, charset):
    """Send each chunk of ``iterator`` (``str`` chunks encoded with ``charset``), then close the body."""
    cdef dict message
    await send({"type": _START, "status": status_code, "headers": raw_headers})
    # PERF: the chunks skip the start trackers, a call per message that would record nothing more.
    send = _untracked(send)
    async for chunk in iterator:
        if type(chunk) is not bytes and not isinstance(chunk, (bytes, memoryview)):
            chunk = chunk.encode(charset)
        # PERF: a copy of a built message with its body replaced costs less than building it key by key.
        message = PyDict_Copy(_MORE_TEMPLATE)
        message["body"] = chunk
        await send(message)
    await send({"type": _BODY, "body": _EMPTY, "more_body": False})


async def send_file_range(send, read, start, end, more_body):
    """Send bytes ``[start, end)`` piece by piece as ``read`` hands them back; whether the file held all of them.

    The last piece carries ``more_body``; an empty piece (the end of a file shorter than ``end``) ends the range early.
    """
    cdef bint last
    position = start
    while True:
        for piece in await read(position, end):
            position += len(piece)
            last = position >= end or not piece
            await send({"type": _BODY, "body": piece, "more_body": more_body or not last})
            if last:
                return position >= end


async def send_file_ranges(send, read, ranges, part_headers, closing):
    """Send a ``multipart/byteranges`` body: each range preceded by its part header, then ``closing``.

    ``False``, with the body left unfinished, as soon as the file turns out too short for a range.
    """
    for bounds, part_header in zip(ranges, part_headers, strict=True):
        if type(bounds) is tuple and PyTuple_GET_SIZE(bounds) == 2:
            start = <object>PyTuple_GET_ITEM(bounds, 0)
            end = <object>PyTuple_GET_ITEM(bounds, 1)
        else:
            start, end = _unpack_pair(bounds)
        await send({"type": _BODY, "body": part_header, "more_body": True})
        if not await send_file_range(send, read, start, end, True):
            return False
        await send({"type": _BODY, "body": _CRLF, "more_body": True})
    await send({"type": _BODY, "body": closing, "more_body": False})
    return True


# --- Range headers ---------------------------------------------------------------------------------------------

# NOTE: past the end of any file; a longer digit string is not converted (int() of thousands of digits is slow).
cdef object _BEYOND = 10**20


cdef object _position(str digits):
    cdef str significant = digits.lstrip("0")
    if len(significant) >= 20:
        return _BEYOND
    return int(significant or "0")


cdef bint _is_digits(str text):
    cdef Py_UCS4 ch
    for ch in text:
        if ch < 48 or ch > 57:
            return False
    return True


def parse_byte_ranges(str spec, size):
    """The parts of a ``Range: bytes=`` set (``spec`` is what follows ``=``) as half-open ``(start, end)`` pairs.

    Positions are ASCII digits; a part that does not parse is skipped. ``end`` is clamped to ``size``;
    ``-n`` is the last ``n`` bytes (the whole file when ``n > size``, ``(size, size)`` when ``n`` is 0).
    An inverted part (``last < first``) comes back with ``start >= end``.
    """
    cdef list pairs = []
    cdef str part, first, last
    for part in spec.split(","):
        first, dash, last = part.partition("-")
        first = first.strip()
        last = last.strip()
        if not dash or not (first or last) or not _is_digits(first) or not _is_digits(last):
            continue
        if not first:
            count = _position(last)
            pairs.append((max(size - count, 0) if count else size, size))
        else:
            pairs.append((_position(first), min(_position(last) + 1, size) if last else size))
    return pairs


def merge_ranges(list pairs):
    """``pairs`` sorted, with overlapping and adjacent ranges joined; in O(n log n) (GHSA-7f5h-v6xp-fcq8)."""
    cdef list merged = []
    cdef tuple previous
    cdef Py_ssize_t top = -1
    for start, end in sorted(pairs):
        if top >= 0:
            previous = <tuple>merged[top]
            if start <= previous[1]:
                if end > previous[1]:
                    merged[top] = (previous[0], end)
                continue
        merged.append((start, end))
        top += 1
    return merged
