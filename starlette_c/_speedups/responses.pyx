"""Compiled twin of ``starlette_c._pure.responses``: header encoding and the ASGI messages of a response.

Same names, same results and same exceptions as the pure twin; exact ``str``/``bytes``/``int``/``dict``
inputs take typed fast paths, anything else goes through the same Python operations the pure twin uses.
"""

from __future__ import annotations

cimport cython
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_AsSsize_t
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cpython.unicode cimport PyUnicode_AsLatin1String

from collections.abc import AsyncIterable, Awaitable, Mapping, Sequence
import sys
from typing import Protocol

from starlette_c.types import Message, Send


RawHeaders = list[tuple[bytes, bytes]]


class AsyncReadable(Protocol):
    """The part of an async binary file (``anyio.AsyncFile``) the file loops use."""

    async def read(self, size=-1, /):
        ...

    async def seek(self, offset, whence=0, /):
        ...


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
cdef object _SSIZE_MAX = sys.maxsize
del sys  # NOTE: the module exposes the same public names as its pure twin.


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
    return StartTrackingSend(send)


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
    cdef list raw = []
    cdef bint has_length = False
    cdef bint has_type = False
    cdef bint generic_scan = False
    cdef object key, value, item, encoded
    cdef Py_ssize_t i, n
    if headers:
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
    if body_length >= 0 and not has_length and status_code >= 200 and status_code != 204 and status_code != 304:
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


async def send_stream(send, status_code, raw_headers, iterator, charset):
    """Send each chunk of ``iterator`` (``str`` chunks encoded with ``charset``), then close the body."""
    await send({"type": _START, "status": status_code, "headers": raw_headers})
    async for chunk in iterator:
        if type(chunk) is not bytes and not isinstance(chunk, (bytes, memoryview)):
            chunk = chunk.encode(charset)
        await send({"type": _BODY, "body": chunk, "more_body": True})
    await send({"type": _BODY, "body": _EMPTY, "more_body": False})


async def send_file_range(send, file, start, end, chunk_size, more_body):
    """Send bytes ``[start, end)`` of ``file`` in ``chunk_size`` pieces.

    The last piece carries ``more_body``; a file that turns out shorter than ``end`` ends the range early.
    ``file`` must be at offset 0 when ``start`` is 0.
    """
    cdef bint last
    # PERF: seeking costs a worker-thread round trip; a freshly opened file is already at 0.
    if start:
        await file.seek(start)
    remaining = end - start
    while True:
        if remaining > 0:
            chunk = await file.read(min(chunk_size, remaining))
        else:
            chunk = _EMPTY
        remaining -= len(chunk)
        last = remaining <= 0 or not chunk
        await send({"type": _BODY, "body": chunk, "more_body": more_body or not last})
        if last:
            return


async def send_file_ranges(send, file, ranges, part_headers, closing, chunk_size):
    """Send a ``multipart/byteranges`` body: each range preceded by its part header, then ``closing``."""
    for bounds, part_header in zip(ranges, part_headers, strict=True):
        if type(bounds) is tuple and PyTuple_GET_SIZE(bounds) == 2:
            start = <object>PyTuple_GET_ITEM(bounds, 0)
            end = <object>PyTuple_GET_ITEM(bounds, 1)
        else:
            start, end = _unpack_pair(bounds)
        await send({"type": _BODY, "body": part_header, "more_body": True})
        await send_file_range(send, file, start, end, chunk_size, True)
        await send({"type": _BODY, "body": _CRLF, "more_body": True})
    await send({"type": _BODY, "body": closing, "more_body": False})
