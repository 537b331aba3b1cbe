# cython: annotation_typing=False, binding=True
"""Compiled twin of ``starlette_c._pure.datastructures``: the same functions over plain data.

Only the per-request hot paths are typed here (header lookup and editing, query-string parsing, URL
building from a scope); the rest is the pure twin's own functions, re-exported.
"""

from urllib.parse import SplitResult, unquote

from starlette_c._pure import datastructures as _pure
from starlette_c._pure.datastructures import (
    HeadersFields,
    RawHeaders,
    encode_mapping,
    header_append,
    header_items,
    header_keys,
    header_setdefault,
    header_values,
    url_path_text,
    usable_host,
)

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from libc.string cimport memcmp


cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)
    void* PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    int PyUnicode_KIND(object o)
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index)
    str PyUnicode_DecodeLatin1(const char* s, Py_ssize_t size, const char* errors)
    str PyUnicode_DecodeUTF8(const char* s, Py_ssize_t size, const char* errors)
    str PyUnicode_Substring(object o, Py_ssize_t start, Py_ssize_t end)
    bytes PyUnicode_AsLatin1String(object o)


__all__ = [
    "HeadersFields",
    "RawHeaders",
    "encode_mapping",
    "header_append",
    "header_contains",
    "header_delete",
    "header_get",
    "header_getlist",
    "header_items",
    "header_keys",
    "header_name",
    "header_set",
    "header_setdefault",
    "header_values",
    "headers_get",
    "headers_getitem",
    "headers_init",
    "multidict_store",
    "parse_query",
    "query_params_init",
    "raw_add_vary",
    "raw_delete",
    "raw_get",
    "raw_set",
    "url_from_scope",
    "url_path_text",
    "usable_host",
]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

# NOTE: anything but an exact 2-tuple is unpacked by real Python code, so that a malformed pair raises
# exactly what the pure twin's `for key, value in raw` raises (Cython words these errors differently).
_python = {}
exec("def unpack2(item):\n    first, second = item\n    return first, second\n", _python)
cdef object _unpack2 = _python["unpack2"]


cdef inline tuple _pair(object item):
    if type(item) is tuple and PyTuple_GET_SIZE(item) == 2:
        return <tuple>item
    return _unpack2(item)


# -- header names and values --------------------------------------------------------------------


cpdef bytes header_name(key):
    # PERF: an ASCII `str` key is lower-cased straight into a new bytes object (no codec, no temporary str).
    cdef Py_ssize_t i, n
    cdef const unsigned char* source
    cdef unsigned char* target
    cdef unsigned char c
    cdef bytes name
    if type(key) is not str or not PyUnicode_IS_ASCII(key):
        return key.lower().encode("latin-1")
    n = PyUnicode_GET_LENGTH(key)
    source = <const unsigned char*>PyUnicode_DATA(key)
    name = PyBytes_FromStringAndSize(NULL, n)
    target = <unsigned char*>PyBytes_AS_STRING(name)
    for i in range(n):
        c = source[i]
        target[i] = c + 32 if 65 <= c <= 90 else c
    return name


cdef inline bint _is(object item_key, bytes name) except -1:
    # PERF: exact bytes keys are compared by length and memcmp; anything else by Python equality.
    cdef Py_ssize_t n
    if type(item_key) is bytes:
        n = PyBytes_GET_SIZE(item_key)
        return n == PyBytes_GET_SIZE(name) and memcmp(PyBytes_AS_STRING(item_key), PyBytes_AS_STRING(name), n) == 0
    return bool(item_key == name)


cdef inline str _latin1(object value):
    if type(value) is bytes:
        return PyUnicode_DecodeLatin1(PyBytes_AS_STRING(value), PyBytes_GET_SIZE(value), NULL)
    return value.decode("latin-1")


cdef inline bytes _encode(object value):
    if type(value) is str:
        return PyUnicode_AsLatin1String(value)
    return value.encode("latin-1")


cpdef object raw_get(raw, name):
    """The value of the first ``name`` header, or None."""
    cdef tuple pair
    if type(name) is not bytes:
        return _pure.raw_get(raw, name)
    for item in raw:
        pair = _pair(item)
        if _is(<object>PyTuple_GET_ITEM(pair, 0), <bytes>name):
            return <object>PyTuple_GET_ITEM(pair, 1)
    return None


def header_get(raw, key, default):
    return _header_get(raw, key, default)


cdef inline object _header_get(object raw, object key, object default):
    found = raw_get(raw, header_name(key))
    return default if found is None else _latin1(found)


def headers_init(self, headers=None, raw=None, scope=None):
    """``Headers.__init__``: ``self._list`` from a mapping, a raw list (kept, not copied), or a scope."""
    if headers is not None:
        assert raw is None, 'Cannot set both "headers" and "raw".'
        assert scope is None, 'Cannot set both "headers" and "scope".'
        self._list = encode_mapping(headers)
    elif raw is not None:
        assert scope is None, 'Cannot set both "raw" and "scope".'
        self._list = raw
    elif scope is not None:
        # NOTE: copied into a fresh list stored back in the scope, so edits never reach a list the app shares.
        owned = list(scope["headers"])
        scope["headers"] = owned
        self._list = owned
    else:
        self._list = []


def headers_getitem(self, key):
    """``Headers.__getitem__``: the value of the first ``key`` header of ``self._list``; KeyError if none."""
    found = raw_get(self._list, header_name(key))
    if found is None:
        raise KeyError(key)
    return _latin1(found)


cdef object _stock_getitem = headers_getitem


def headers_get(self, key, default=None):
    """``Headers.get``: the value of the first ``key`` header of ``self._list``, or ``default``; where the class's
    ``__getitem__`` is not ``headers_getitem`` (a subclass's own), that answers, a KeyError meaning ``default``."""
    if type(self).__getitem__ is not _stock_getitem:
        try:
            return self[key]
        except KeyError:
            return default
    return _header_get(self._list, key, default)


def header_getlist(raw, key):
    cdef bytes name = header_name(key)
    cdef list found = []
    cdef tuple pair
    for item in raw:
        pair = _pair(item)
        if _is(<object>PyTuple_GET_ITEM(pair, 0), name):
            found.append(_latin1(<object>PyTuple_GET_ITEM(pair, 1)))
    return found


def header_contains(raw, key):
    # NOTE: scans the live list and stops at the first match (an `__eq__` that edits the list sees that).
    cdef bytes name = header_name(key)
    cdef tuple pair
    for item in raw:
        pair = _pair(item)
        if _is(<object>PyTuple_GET_ITEM(pair, 0), name):
            return True
    return False


cdef list _hits(list raw, bytes name):
    # NOTE: the size is re-read at each step: a hostile `__eq__` may shrink the list meanwhile.
    cdef list hits = []
    cdef Py_ssize_t i = 0
    cdef tuple pair
    while i < PyList_GET_SIZE(raw):
        pair = _pair(<object>PyList_GET_ITEM(raw, i))
        if _is(<object>PyTuple_GET_ITEM(pair, 0), name):
            hits.append(i)
        i += 1
    return hits


# NOTE: bounds checked: a hostile `__eq__` may have shrunk the list since its positions were found.
@cython.boundscheck(True)
def raw_set(raw, name, value):
    """The first ``name`` header takes ``value`` in place and later ones go; with none, it is appended."""
    if type(raw) is not list or type(name) is not bytes:
        return _pure.raw_set(raw, name, value)
    cdef list hits = _hits(raw, name)
    cdef Py_ssize_t k
    if not hits:
        raw.append((name, value))
        return
    raw[<Py_ssize_t>hits[0]] = (name, value)
    for k in range(len(hits) - 1, 0, -1):
        del raw[<Py_ssize_t>hits[k]]


def raw_add_vary(raw, vary):
    """One ``vary`` header (where the first was) joining every existing ``Vary`` value and then ``vary``."""
    if type(raw) is not list or type(vary) is not bytes:
        return _pure.raw_add_vary(raw, vary)
    cdef list joined = []
    cdef tuple pair
    for item in raw:
        pair = _pair(item)
        if _is(<object>PyTuple_GET_ITEM(pair, 0), b"vary"):
            joined.append(<object>PyTuple_GET_ITEM(pair, 1))
    joined.append(vary)
    raw_set(raw, b"vary", b", ".join(joined))


# NOTE: bounds checked: a hostile `__eq__` may have shrunk the list since its positions were found.
@cython.boundscheck(True)
def raw_delete(raw, name):
    """Every ``name`` header goes; the list object is kept."""
    if type(raw) is not list or type(name) is not bytes:
        return _pure.raw_delete(raw, name)
    cdef list hits = _hits(raw, name)
    cdef Py_ssize_t k
    for k in range(len(hits) - 1, -1, -1):
        del raw[<Py_ssize_t>hits[k]]


def header_set(raw, key, value):
    raw_set(raw, header_name(key), _encode(value))


def header_delete(raw, key):
    raw_delete(raw, header_name(key))


# -- query strings ------------------------------------------------------------------------------


cdef inline int _hex(unsigned char c):
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 87
    if 65 <= c <= 70:
        return c - 55
    return -1


cdef str _unquote_ascii(str text):
    # PERF: `urllib.parse.unquote` for all-ASCII text as one C pass: valid `%XX` escapes become bytes, the
    # rest is copied, and the result is decoded as UTF-8 with `replace`, as unquote does.
    cdef Py_ssize_t i = 0, j = 0, n = PyUnicode_GET_LENGTH(text)
    cdef const unsigned char* source = <const unsigned char*>PyUnicode_DATA(text)
    cdef bytes buffer = PyBytes_FromStringAndSize(NULL, n)
    cdef unsigned char* target = <unsigned char*>PyBytes_AS_STRING(buffer)
    cdef int high, low
    while i < n:
        if source[i] == 37 and i + 2 < n:  # %
            high = _hex(source[i + 1])
            low = _hex(source[i + 2])
            if high >= 0 and low >= 0:
                target[j] = <unsigned char>(high * 16 + low)
                j += 1
                i += 3
                continue
        target[j] = source[i]
        j += 1
        i += 1
    return PyUnicode_DecodeUTF8(<const char*>target, j, "replace")


cdef str _field(str query, Py_ssize_t start, Py_ssize_t end, bint escaped):
    cdef str text = PyUnicode_Substring(query, start, end)
    if not escaped:
        return text
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    # NOTE: non-ASCII text is decoded run by run by unquote itself.
    return _unquote_ascii(text) if PyUnicode_IS_ASCII(text) else unquote(text)


cpdef list parse_query(query):
    """``urllib.parse.parse_qsl(query, keep_blank_values=True)``, only ``&`` separating fields."""
    # PERF: one pass over the code points; a field without `+` or `%` is two slices, nothing more.
    if type(query) is not str:
        if not isinstance(query, str):
            return _pure.parse_query(query)
        query = PyUnicode_Substring(query, 0, PyUnicode_GET_LENGTH(query))
    cdef list pairs = []
    cdef Py_ssize_t i = 0, start, equals, n = PyUnicode_GET_LENGTH(query)
    cdef int kind = PyUnicode_KIND(query)
    cdef void* data = PyUnicode_DATA(query)
    cdef bint escaped
    cdef Py_UCS4 c
    while i < n:
        start = i
        equals = -1
        escaped = False
        while i < n:
            c = PyUnicode_READ(kind, data, i)
            if c == 38:  # &
                break
            if c == 61:  # =
                if equals < 0:
                    equals = i
            elif c == 43 or c == 37:  # + %
                escaped = True
            i += 1
        if i > start:
            if equals < 0:
                pairs.append((_field(query, start, i, escaped), ""))
            else:
                pairs.append((_field(query, start, equals, escaped), _field(query, equals + 1, i, escaped)))
        i += 1
    return pairs


def multidict_store(self, pairs, checked=False):
    """``ImmutableMultiDict._store``: keep the list ``pairs`` and the dict of their last values; ``checked``: they
    are known to be 2-tuples (parsed, not given)."""
    _store(self, pairs, checked)


cdef _store(object self, object pairs, bint checked):
    cdef dict last
    if checked:
        last = dict(pairs)
    else:
        last = {}
        # NOTE: given pairs are unpacked pair by pair, so a malformed one raises Python's own unpacking error.
        for item in pairs:
            key, value = _pair(item)
            last[key] = value
    self._dict = last
    self._list = pairs


def query_params_init(self, *args, **kwargs):
    """``QueryParams.__init__``: a query string (``bytes`` read as latin-1) parsed and kept; any other source
    handed to ``self._stringified``."""
    assert len(args) < 2, "Too many arguments."
    source = args[0] if args else []
    if isinstance(source, bytes):
        source = source.decode("latin-1")
    if isinstance(source, str):
        source = parse_query(source)
        if not kwargs:
            # PERF: parsed pairs are already strings; nothing to convert.
            _store(self, source, True)
            return
    self._stringified(source, kwargs)


# -- URLs ---------------------------------------------------------------------------------------


cdef object _authority(scope, scheme):
    value = raw_get(scope["headers"], b"host")
    if value is not None:
        host = _latin1(value)
        # NOTE: a malformed Host is ignored as if absent: it must never move the path.
        if usable_host(host):
            return host
    server = scope.get("server")
    if server is None:
        return None
    host, port = _pair(server)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return host
    return f"{host}:{port}"


cdef object _escape_path(path, bint rooted):
    # NOTE: re-parsed as part of a URL, the path must neither end early (`?`, `#`) nor become an authority.
    if "?" in path:
        path = path.replace("?", "%3F")
    if "#" in path:
        path = path.replace("#", "%23")
    if "\\" in path:
        path = path.replace("\\", "%5C")
    if rooted:
        return path if not path or path.startswith("/") else "/" + path
    return "/%2F" + path[2:] if path.startswith("//") else path


cdef str _query_text(query_string):
    cdef Py_ssize_t i
    cdef unsigned char byte
    cdef bytes data
    try:
        return query_string.decode()
    except UnicodeDecodeError:
        pass
    data = query_string if type(query_string) is bytes else bytes(query_string)
    cdef list parts = []
    for i in range(PyBytes_GET_SIZE(data)):
        byte = <unsigned char>PyBytes_AS_STRING(data)[i]
        parts.append(chr(byte) if byte < 0x80 else f"%{byte:02X}")
    return "".join(parts)


cdef bint _plain(str text, int level):
    # Whether urlsplit would take `text` as it is. level 0 (query): no tab, CR, LF or `#`;
    # 1 (path): nor `?`; 2 (netloc): nor `[`, `]`, `/` or non-ASCII.
    cdef Py_ssize_t i
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_UCS4 c
    for i in range(PyUnicode_GET_LENGTH(text)):
        c = PyUnicode_READ(kind, data, i)
        if c == 9 or c == 10 or c == 13 or c == 35:
            return False
        if level >= 1 and c == 63:
            return False
        if level == 2 and (c == 91 or c == 93 or c == 47 or c >= 128):
            return False
    return True


cdef object _known_parts(scheme, netloc, path, query):
    # PERF: for the everyday URL (web scheme, plain host, nothing urlsplit would strip or split otherwise)
    # the parts are already known, so request.url.path needs no parse. Anything else: None (parsed lazily).
    if type(scheme) is not str or scheme not in _DEFAULT_PORTS or type(netloc) is not str or not netloc:
        return None
    if type(path) is not str or type(query) is not str:
        return None
    if _plain(netloc, 2) and _plain(path, 1) and _plain(query, 0):
        return tuple.__new__(SplitResult, (scheme, netloc, path, query, ""))
    return None


def url_from_scope(scope):
    """The URL of a request and, where known without parsing it back, its split parts (else None)."""
    path = scope["path"]
    scheme = scope.get("scheme", "http")
    netloc = _authority(scope, scheme)
    path = _escape_path(path, netloc is not None)
    url = path if netloc is None else f"{scheme}://{netloc}{path}"
    query_string = scope.get("query_string", b"")
    query = ""
    if query_string:
        query = _query_text(query_string)
        url = f"{url}?{query}"
    return url, _known_parts(scheme, netloc, path, query)
