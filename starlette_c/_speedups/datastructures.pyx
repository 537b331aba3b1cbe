# cython: annotation_typing=False, binding=True
"""Compiled twin of ``starlette_c._pure.datastructures``: same names, same behaviour, typed hot paths.

The public classes stay Python classes (``Mapping`` subclasses, same MRO, ``__dict__`` and pickling as the
pure twin), compiled by Cython; ``annotation_typing=False`` keeps annotations from turning into type checks.
Their per-request work (header lookup and editing, query-string parsing, URL building from a scope,
multi-dict construction) is done by the typed helpers below.
"""

cimport cython

import functools
import re
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, Sequence, ValuesView
from typing import Any, TypeVar
from urllib.parse import SplitResult, unquote, urlencode, urlsplit

from starlette_c.types import Scope

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_SetItem
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


_KeyType = TypeVar("_KeyType")
_CovariantValueType = TypeVar("_CovariantValueType", covariant=True)

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_SECURE_SCHEMES = ("https", "wss")

_HOST = re.compile(r"(?:\[[0-9A-Za-z:.%]+\]|[0-9A-Za-z.\-_~!$&'()*+,;=%\x80-\xff]*)(?::[0-9]*)?")

cdef extern from *:
    """
    /* `cls.__new__(cls)` for a class whose `__new__` is object's: the instance, without an `__init__` call. */
    static PyObject* starlette_c_new_instance(PyObject* cls) {
        PyObject* no_args = PyTuple_New(0);
        if (no_args == NULL) return NULL;
        PyObject* instance = ((PyTypeObject*)cls)->tp_new((PyTypeObject*)cls, no_args, NULL);
        Py_DECREF(no_args);
        return instance;
    }
    """
    object starlette_c_new_instance(object cls)

cdef object _MISSING = object()
# PERF: `SplitResult._make` without its Python-level indirection.
cdef object _new_tuple = tuple.__new__

# NOTE: items that are not exact 2-tuples are unpacked by real Python code, so that malformed raw
# headers raise exactly the errors (type and message) the pure twin's `for key, value in ...` raises.
_python_helpers = {}
exec(
    "def unpack2(item):\n"
    "    first, second = item\n"
    "    return first, second\n",
    _python_helpers,
)
cdef object _unpack2 = _python_helpers["unpack2"]


# ---------------------------------------------------------------------------------------------
# Hosts and URLs


# PERF: a server sees few distinct Host values; remembering the verdict skips the parsing.
@functools.lru_cache(maxsize=256)
def _valid_host(host):
    if _HOST.fullmatch(host) is None:
        return False
    try:
        _ = urlsplit("//" + host).port
    except ValueError:
        return False
    return True


def _safe_path(path):
    # NOTE: re-parsed inside a URL, the path must neither end early (`?`, `#`) nor start an authority (`//`, `@`, `\`).
    if path[0] != "/":
        path = "/" + path
    return path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C").replace("//", "/%2F")


cdef str _percent_query(bytes query_string):
    cdef Py_ssize_t i, n = PyBytes_GET_SIZE(query_string)
    cdef const unsigned char* data = <const unsigned char*>PyBytes_AS_STRING(query_string)
    cdef list parts = []
    cdef unsigned char byte
    for i in range(n):
        byte = data[i]
        if byte < 0x80:
            parts.append(chr(byte))
        else:
            parts.append(f"%{byte:02X}")
    return "".join(parts)


cdef tuple _url_from_scope(scope):
    path = scope["path"]
    headers = scope["headers"]
    scheme = scope.get("scheme", "http")
    query_string = scope.get("query_string", b"")

    netloc = None
    for item in headers:
        if type(item) is tuple and PyTuple_GET_SIZE(item) == 2:
            name = <object>PyTuple_GET_ITEM(item, 0)
            value = <object>PyTuple_GET_ITEM(item, 1)
        else:
            name, value = _unpack2(item)
        if name == b"host":
            host = value.decode("latin-1")
            # NOTE: a malformed Host header is ignored (as if absent) so that it can never alter the path.
            if _valid_host(host):
                netloc = host
            break
    if netloc is None:
        server = scope.get("server")
        if server is not None:
            if type(server) is tuple and PyTuple_GET_SIZE(server) == 2:
                server_host = <object>PyTuple_GET_ITEM(server, 0)
                port = <object>PyTuple_GET_ITEM(server, 1)
            else:
                server_host, port = _unpack2(server)
            if ":" in server_host and server_host[0] != "[":
                server_host = f"[{server_host}]"
            netloc = server_host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{server_host}:{port}"

    if path and (path[0] != "/" or "//" in path or "?" in path or "#" in path or "\\" in path):
        path = _safe_path(path)
    url = path if netloc is None else f"{scheme}://{netloc}{path}"
    query = ""
    if query_string:
        try:
            query = query_string.decode()
        except UnicodeDecodeError:
            if type(query_string) is bytes:
                query = _percent_query(query_string)
            else:
                query = "".join(chr(byte) if byte < 0x80 else f"%{byte:02X}" for byte in query_string)
        url = f"{url}?{query}"
    return url, _known_components(scheme, netloc, path, query)


cdef bint _unplain(str text, int strictness):
    # PERF: one pass over the code points instead of a dozen substring searches.
    # strictness 0 (query): tab, CR, LF or `#`; 1 (path): also `?`; 2 (netloc): also `[]/?` and non-ASCII.
    cdef Py_ssize_t i, n = PyUnicode_GET_LENGTH(text)
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_UCS4 c
    for i in range(n):
        c = PyUnicode_READ(kind, data, i)
        if c == 9 or c == 10 or c == 13 or c == 35:  # \t \n \r #
            return True
        if strictness >= 1 and c == 63:  # ?
            return True
        if strictness == 2 and (c == 91 or c == 93 or c == 47 or c >= 128):  # [ ] /
            return True
    return False


cdef object _known_components(scheme, netloc, path, query):
    # PERF: for the everyday URL (known scheme, plain ASCII host, nothing urlsplit would strip or split
    # differently) the parts are already known, so the SplitResult is built without re-parsing the URL.
    # NOTE: anything else returns None and is left to `urlsplit`, lazily, exactly as the pure twin does.
    if type(scheme) is not str or (scheme != "http" and scheme != "https" and scheme != "ws" and scheme != "wss"):
        return None
    if type(netloc) is not str or not netloc or type(path) is not str or type(query) is not str:
        return None
    if _unplain(netloc, 2) or _unplain(path, 1) or _unplain(query, 0):
        return None
    return _new_tuple(SplitResult, (scheme, netloc, path, query, ""))


def _url_from_scope_and_parts(scope):
    return _url_from_scope(scope)


def _url_components(self):
    components = self._components
    if components is None:
        components = self._components = urlsplit(self._url)
    return components


def _url_scheme(self):
    return _url_components(self).scheme


def _url_netloc(self):
    return _url_components(self).netloc


def _url_path(self):
    return _url_components(self).path


def _url_query(self):
    return _url_components(self).query


def _url_fragment(self):
    return _url_components(self).fragment


def _url_username(self):
    return _url_components(self).username


def _url_password(self):
    return _url_components(self).password


def _url_hostname(self):
    return _url_components(self).hostname


def _url_port(self):
    return _url_components(self).port


def _url_is_secure(self):
    return _url_components(self).scheme in _SECURE_SCHEMES


def _url_str(self):
    return self._url


# ---------------------------------------------------------------------------------------------
# Query strings


cdef inline int _hex_digit(unsigned char c):
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 87
    if 65 <= c <= 70:
        return c - 55
    return -1


cdef str _unquote(str text):
    # PERF: `urllib.parse.unquote` for all-ASCII text as one C pass: valid `%XX` escapes become bytes, anything
    # else is copied, and the result is decoded as UTF-8 with `replace`, as unquote does per ASCII run.
    # NOTE: text with non-ASCII characters (decoded run by run by unquote) is left to unquote itself.
    if not PyUnicode_IS_ASCII(text):
        return unquote(text)
    cdef Py_ssize_t i = 0, j = 0, n = PyUnicode_GET_LENGTH(text)
    cdef const unsigned char* source = <const unsigned char*>PyUnicode_DATA(text)
    cdef bytes buffer = PyBytes_FromStringAndSize(NULL, n)
    cdef unsigned char* target = <unsigned char*>PyBytes_AS_STRING(buffer)
    cdef int high, low
    cdef unsigned char c
    while i < n:
        c = source[i]
        if c == 37 and i + 2 < n:  # %
            high = _hex_digit(source[i + 1])
            low = _hex_digit(source[i + 2])
            if high >= 0 and low >= 0:
                target[j] = <unsigned char>(high * 16 + low)
                j += 1
                i += 3
                continue
        target[j] = c
        j += 1
        i += 1
    return PyUnicode_DecodeUTF8(<const char*>target, j, "replace")


cdef inline str _query_part(str query, Py_ssize_t start, Py_ssize_t end, bint escaped):
    cdef str text = PyUnicode_Substring(query, start, end)
    if escaped:
        if "+" in text:
            text = text.replace("+", " ")
        if "%" in text:
            text = _unquote(text)
    return text


cdef list _parse_query_into(str query, dict mapping):
    # PERF: one pass over the code points; a field without `+` or `%` is two slices, nothing more.
    # `mapping`, unless None, receives the pairs as they are found (the last of a name wins).
    cdef list items = []
    cdef Py_ssize_t i = 0, start, equals, n = PyUnicode_GET_LENGTH(query)
    cdef int kind = PyUnicode_KIND(query)
    cdef void* data = PyUnicode_DATA(query)
    cdef bint escaped
    cdef Py_UCS4 c
    cdef str name, value
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
                name = _query_part(query, start, i, escaped)
                value = ""
            else:
                name = _query_part(query, start, equals, escaped)
                value = _query_part(query, equals + 1, i, escaped)
            items.append((name, value))
            if mapping is not None:
                PyDict_SetItem(mapping, name, value)
        i += 1
    return items


cdef _fill_query_params(params, query):
    # `query` is an exact `str`, or exact `bytes` taken as latin-1.
    mapping = {}
    items = _parse_query_into(query if type(query) is str else _decode(query), mapping)
    params._dict = mapping
    params._list = items


def query_params_from_string(query_string):
    # PERF: `QueryParams(query_string)` for a request's query string, without the constructor's argument handling.
    if type(query_string) is not bytes and type(query_string) is not str:
        return QueryParams(query_string)
    params = starlette_c_new_instance(QueryParams)
    _fill_query_params(params, query_string)
    return params


def _parse_query(query):
    # PERF: `parse_qsl(query, keep_blank_values=True)` without its general machinery; unquotes only when needed.
    if type(query) is not str:
        if not isinstance(query, str):
            raise TypeError(f"expected a str, got {type(query).__name__}")
        # NOTE: a `str` subclass is parsed as the text it holds, copied into an exact `str`.
        query = PyUnicode_Substring(query, 0, PyUnicode_GET_LENGTH(query))
    return _parse_query_into(query, None)


def _dict_from_items(list items):
    # PERF: the `{key: value for key, value in items}` of the pure twin as one C loop over exact 2-tuples.
    cdef dict result = {}
    cdef object item
    for item in items:
        if type(item) is tuple and PyTuple_GET_SIZE(item) == 2:
            PyDict_SetItem(result, <object>PyTuple_GET_ITEM(item, 0), <object>PyTuple_GET_ITEM(item, 1))
        else:
            key, value = _unpack2(item)
            result[key] = value
    return result


def _getlist(list items, key):
    cdef list result = []
    cdef object item, item_key, value
    for item in items:
        if type(item) is tuple and PyTuple_GET_SIZE(item) == 2:
            item_key = <object>PyTuple_GET_ITEM(item, 0)
            value = <object>PyTuple_GET_ITEM(item, 1)
        else:
            item_key, value = _unpack2(item)
        if item_key == key:
            result.append(value)
    return result


def _str_items(list items):
    cdef list result = []
    cdef object item, key, value
    for item in items:
        if type(item) is tuple and PyTuple_GET_SIZE(item) == 2:
            key = <object>PyTuple_GET_ITEM(item, 0)
            value = <object>PyTuple_GET_ITEM(item, 1)
        else:
            key, value = _unpack2(item)
        result.append((str(key), str(value)))
    return result


# ---------------------------------------------------------------------------------------------
# Headers


cdef bytes _header_name(key):
    # PERF: an ASCII `str` key is lower-cased straight into a new bytes object (one allocation, no codec).
    cdef Py_ssize_t i, n
    cdef const unsigned char* source
    cdef char* target
    cdef unsigned char c
    cdef bytes name
    if type(key) is str and PyUnicode_IS_ASCII(key):
        n = PyUnicode_GET_LENGTH(key)
        source = <const unsigned char*>PyUnicode_DATA(key)
        name = PyBytes_FromStringAndSize(NULL, n)
        target = PyBytes_AS_STRING(name)
        for i in range(n):
            c = source[i]
            if c >= 65 and c <= 90:
                c += 32
            target[i] = <char>c
        return name
    return key.lower().encode("latin-1")


cdef inline str _decode(value):
    if type(value) is bytes:
        return PyUnicode_DecodeLatin1(PyBytes_AS_STRING(value), PyBytes_GET_SIZE(value), NULL)
    return value.decode("latin-1")


cdef inline bytes _encode(value):
    if type(value) is str:
        return PyUnicode_AsLatin1String(value)
    return value.encode("latin-1")


cdef inline bint _same_name(item_key, bytes name) except -1:
    # PERF: exact bytes keys are compared by length and memcmp; anything else by Python equality.
    cdef Py_ssize_t n
    if type(item_key) is bytes:
        n = PyBytes_GET_SIZE(item_key)
        return n == PyBytes_GET_SIZE(name) and memcmp(PyBytes_AS_STRING(item_key), PyBytes_AS_STRING(name), n) == 0
    return bool(item_key == name)


cdef inline tuple _pair(object item):
    if type(item) is tuple and PyTuple_GET_SIZE(item) == 2:
        return <tuple>item
    return _unpack2(item)


cdef inline bytes _lookup_name(key):
    # PERF: None for an ASCII `str` key, which `_named` compares in place against exact bytes names.
    if type(key) is str and PyUnicode_IS_ASCII(key):
        return None
    return _header_name(key)


cdef bint _named(item_key, key, bytes name) except -1:
    # Whether `item_key == key.lower().encode("latin-1")`; `name` is `_lookup_name(key)`.
    cdef Py_ssize_t i, n
    cdef const unsigned char* source
    cdef const unsigned char* target
    cdef unsigned char c
    if name is not None:
        return _same_name(item_key, name)
    if type(item_key) is not bytes:
        return _same_name(item_key, _header_name(key))
    n = PyUnicode_GET_LENGTH(key)
    if PyBytes_GET_SIZE(item_key) != n:
        return False
    source = <const unsigned char*>PyUnicode_DATA(key)
    target = <const unsigned char*>PyBytes_AS_STRING(item_key)
    for i in range(n):
        c = source[i]
        if c >= 65 and c <= 90:
            c += 32
        if target[i] != c:
            return False
    return True


cdef object _header_value(items, key, default):
    cdef bytes name
    cdef tuple pair
    if type(items) is not list:
        name = _header_name(key)
        for item_key, value in map(_unpack2, items):
            if item_key == name:
                return value.decode("latin-1")
        return default
    name = _lookup_name(key)
    for item in <list>items:
        pair = _pair(item)
        if _named(<object>PyTuple_GET_ITEM(pair, 0), key, name):
            return _decode(<object>PyTuple_GET_ITEM(pair, 1))
    return default


def _headers_getitem(self, key):
    value = _header_value(self._list, key, _MISSING)
    if value is _MISSING:
        raise KeyError(key)
    return value


cdef list _own_scope_headers(scope):
    # NOTE: copied into a fresh list stored back in the scope, so edits never reach a list the app shares.
    headers = list(scope["headers"])
    scope["headers"] = headers
    return headers


def headers_from_scope(scope):
    # PERF: `Headers(scope=scope)` without the constructor's argument handling.
    headers = starlette_c_new_instance(Headers)
    headers._list = _own_scope_headers(scope)
    return headers


def _headers_contains(self, key):
    cdef bytes name
    cdef object items = self._list
    cdef bint found = False
    cdef tuple pair
    if type(items) is not list:
        name = _header_name(key)
        return name in [item_key for item_key, _ in map(_unpack2, items)]
    name = _lookup_name(key)
    # NOTE: like the pure twin, every pair is unpacked (and may raise) even after a match.
    for item in <list>items:
        pair = _pair(item)
        if not found:
            found = _named(<object>PyTuple_GET_ITEM(pair, 0), key, name)
    return found


def _headers_getlist(items, key):
    cdef bytes name
    cdef tuple pair
    cdef list result = []
    if type(items) is not list:
        name = _header_name(key)
        return [value.decode("latin-1") for item_key, value in map(_unpack2, items) if item_key == name]
    name = _lookup_name(key)
    for item in <list>items:
        pair = _pair(item)
        if _named(<object>PyTuple_GET_ITEM(pair, 0), key, name):
            result.append(_decode(<object>PyTuple_GET_ITEM(pair, 1)))
    return result


def _headers_decoded(items, int which):
    # which: 0 keys, 1 values, 2 items.
    cdef list result = []
    cdef Py_ssize_t i
    cdef tuple pair
    if type(items) is not list:
        items = list(items)
    for item in <list>items:
        pair = _pair(item)
        if which == 0:
            result.append(_decode(<object>PyTuple_GET_ITEM(pair, 0)))
        elif which == 1:
            result.append(_decode(<object>PyTuple_GET_ITEM(pair, 1)))
        else:
            result.append((_decode(<object>PyTuple_GET_ITEM(pair, 0)), _decode(<object>PyTuple_GET_ITEM(pair, 1))))
    return result


def _headers_iter(self):
    return iter(self.keys())


def _headers_len(self):
    return len(self._list)


def _encode_headers(headers):
    cdef list result = []
    cdef tuple pair
    for item in headers.items():
        pair = _pair(item)
        result.append((_header_name(<object>PyTuple_GET_ITEM(pair, 0)), _encode(<object>PyTuple_GET_ITEM(pair, 1))))
    return result


@cython.boundscheck(True)
@cython.wraparound(True)
def _headers_set(list items, key, value):
    cdef bytes name = _header_name(key)
    cdef bytes encoded = _encode(value)
    cdef Py_ssize_t i = 0
    cdef list found = []
    cdef tuple pair
    # NOTE: the index loop re-reads the size each step: a hostile `__eq__` may shrink the list meanwhile.
    while i < PyList_GET_SIZE(items):
        pair = _pair(<object>PyList_GET_ITEM(items, i))
        if _same_name(<object>PyTuple_GET_ITEM(pair, 0), name):
            found.append(i)
        i += 1
    if not found:
        items.append((name, encoded))
        return
    items[<Py_ssize_t>found[0]] = (name, encoded)
    for i in range(len(found) - 1, 0, -1):
        del items[<Py_ssize_t>found[i]]


@cython.boundscheck(True)
@cython.wraparound(True)
def _headers_delete(list items, key):
    cdef bytes name = _header_name(key)
    cdef Py_ssize_t i = 0
    cdef list found = []
    cdef tuple pair
    while i < PyList_GET_SIZE(items):
        pair = _pair(<object>PyList_GET_ITEM(items, i))
        if _same_name(<object>PyTuple_GET_ITEM(pair, 0), name):
            found.append(i)
        i += 1
    for i in range(len(found) - 1, -1, -1):
        del items[<Py_ssize_t>found[i]]


def _headers_setdefault(items, key, value):
    cdef bytes name = _header_name(key)
    cdef object encoded = _encode(value)
    cdef Py_ssize_t i
    cdef tuple pair
    if type(items) is not list:
        for item_key, item_value in map(_unpack2, items):
            if item_key == name:
                return item_value.decode("latin-1")
        items.append((name, encoded))
        return value
    for item in <list>items:
        pair = _pair(item)
        if _same_name(<object>PyTuple_GET_ITEM(pair, 0), name):
            return _decode(<object>PyTuple_GET_ITEM(pair, 1))
    items.append((name, encoded))
    return value


def _headers_append(items, key, value):
    if type(items) is list:
        (<list>items).append((_header_name(key), _encode(value)))
        return
    # NOTE: `items.append` is looked up before the arguments are evaluated, as in the pure twin.
    append = items.append
    append((_header_name(key), _encode(value)))


# ---------------------------------------------------------------------------------------------
# The public classes: Python classes (exact MRO, `__dict__`, pickling by reference to the public module)
# whose hot methods delegate to the helpers above.

class URL:
    __module__ = "starlette_c.datastructures"

    def __init__(self, url: str = "", scope: Scope | None = None, **components: Any) -> None:
        if scope is not None:
            assert not url, 'Cannot set both "url" and "scope".'
            assert not components, 'Cannot set both "scope" and "**components".'
            self._url, self._components = _url_from_scope_and_parts(scope)
            return
        elif components:
            assert not url, 'Cannot set both "url" and "**components".'
            url = URL("").replace(**components).components.geturl()
        self._url = url
        self._components = None

    components = property(_url_components)
    scheme = property(_url_scheme)
    netloc = property(_url_netloc)
    path = property(_url_path)
    query = property(_url_query)
    fragment = property(_url_fragment)
    username = property(_url_username)
    password = property(_url_password)
    hostname = property(_url_hostname)
    port = property(_url_port)
    is_secure = property(_url_is_secure)

    def replace(self, **kwargs: Any) -> URL:
        if "username" in kwargs or "password" in kwargs or "hostname" in kwargs or "port" in kwargs:
            hostname = kwargs.pop("hostname", None)
            port = kwargs.pop("port", self.port)
            username = kwargs.pop("username", self.username)
            password = kwargs.pop("password", self.password)
            if hostname is None:
                hostname = self.netloc.rpartition("@")[2]
                if not hostname.endswith("]"):
                    hostname = hostname.rsplit(":", 1)[0]
            netloc = hostname if port is None else f"{hostname}:{port}"
            if username is not None:
                userinfo = username if password is None else f"{username}:{password}"
                netloc = f"{userinfo}@{netloc}"
            kwargs["netloc"] = netloc
        return self.__class__(self.components._replace(**kwargs).geturl())

    def include_query_params(self, **kwargs: Any) -> URL:
        added = {str(key): str(value) for key, value in kwargs.items()}
        params = [item for item in _parse_query(self.query) if item[0] not in added]
        params.extend(added.items())
        return self.replace(query=urlencode(params))

    def replace_query_params(self, **kwargs: Any) -> URL:
        return self.replace(query=urlencode([(str(key), str(value)) for key, value in kwargs.items()]))

    def remove_query_params(self, keys: str | Sequence[str]) -> URL:
        removed = {keys} if isinstance(keys, str) else set(keys)
        params = [item for item in _parse_query(self.query) if item[0] not in removed]
        return self.replace(query=urlencode(params))

    def __eq__(self, other: Any) -> bool:
        return str(self) == str(other)

    __str__ = _url_str

    def __repr__(self) -> str:
        url = str(self)
        if self.password:
            url = str(self.replace(password="********"))
        return f"{self.__class__.__name__}({url!r})"


class ImmutableMultiDict(Mapping[_KeyType, _CovariantValueType]):
    __module__ = "starlette_c.datastructures"

    _dict: dict[_KeyType, _CovariantValueType]
    _list: list[tuple[_KeyType, _CovariantValueType]]

    def __init__(
        self,
        *args: ImmutableMultiDict[_KeyType, _CovariantValueType]
        | Mapping[_KeyType, _CovariantValueType]
        | Iterable[tuple[_KeyType, _CovariantValueType]],
        **kwargs: Any,
    ) -> None:
        assert len(args) < 2, "Too many arguments."
        value = args[0] if args else []
        if kwargs:
            value = ImmutableMultiDict(value).multi_items() + ImmutableMultiDict(kwargs).multi_items()
        if not value:
            items = []
        elif type(value) is list:
            # PERF: an exact list has neither `multi_items` nor `keys`; skip the two failing lookups.
            items = list(value)
        elif hasattr(value, "multi_items"):
            items = list(value.multi_items())
        elif hasattr(value, "keys"):
            items = list(value.items())
        else:
            items = list(value)
        self._dict = _dict_from_items(items)
        self._list = items

    def getlist(self, key: Any) -> list[_CovariantValueType]:
        items = self._list
        if type(items) is list:
            return _getlist(items, key)
        return [value for item_key, value in items if item_key == key]

    def keys(self) -> KeysView[_KeyType]:
        return self._dict.keys()

    def values(self) -> ValuesView[_CovariantValueType]:
        return self._dict.values()

    def items(self) -> ItemsView[_KeyType, _CovariantValueType]:
        return self._dict.items()

    def multi_items(self) -> list[tuple[_KeyType, _CovariantValueType]]:
        return list(self._list)

    def __getitem__(self, key: _KeyType) -> _CovariantValueType:
        return self._dict[key]

    def __contains__(self, key: Any) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[_KeyType]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, self.__class__):
            return False
        return sorted(self._list) == sorted(other._list)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.multi_items()!r})"


class QueryParams(ImmutableMultiDict[str, str]):
    __module__ = "starlette_c.datastructures"

    def __init__(
        self,
        *args: ImmutableMultiDict[Any, Any] | Mapping[Any, Any] | list[tuple[Any, Any]] | str | bytes,
        **kwargs: Any,
    ) -> None:
        assert len(args) < 2, "Too many arguments."
        value = args[0] if args else []
        if not kwargs and type(self) is QueryParams and (type(value) is str or type(value) is bytes):
            # PERF: the everyday case (a query string, no subclass in the way): parse and store directly.
            _fill_query_params(self, value)
            return
        if isinstance(value, str):
            super().__init__(_parse_query(value), **kwargs)
        elif isinstance(value, bytes):
            super().__init__(_parse_query(value.decode("latin-1")), **kwargs)
        else:
            super().__init__(value, **kwargs)
        # PERF: parsed strings already hold `str` keys and values; only other inputs need converting.
        if kwargs or not isinstance(value, (str, bytes)):
            items = self._list
            self._list = _str_items(items) if type(items) is list else [(str(key), str(item)) for key, item in map(_unpack2, items)]
            self._dict = {str(key): str(item) for key, item in self._dict.items()}

    def __str__(self) -> str:
        return urlencode(self._list)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({str(self)!r})"


class Headers(Mapping[str, str]):
    """Case-insensitive view over raw ASGI header pairs (names are expected lower-cased, as ASGI sends them)."""

    __module__ = "starlette_c.datastructures"

    def __init__(
        self,
        headers: Mapping[str, str] | None = None,
        raw: list[tuple[bytes, bytes]] | None = None,
        scope: Scope | None = None,
    ) -> None:
        if headers is not None:
            assert raw is None, 'Cannot set both "headers" and "raw".'
            assert scope is None, 'Cannot set both "headers" and "scope".'
            self._list = _encode_headers(headers)
        elif raw is not None:
            assert scope is None, 'Cannot set both "raw" and "scope".'
            self._list = raw
        elif scope is not None:
            self._list = _own_scope_headers(scope)
        else:
            self._list = []

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return list(self._list)

    def keys(self) -> list[str]:
        return _headers_decoded(self._list, 0)

    def values(self) -> list[str]:
        return _headers_decoded(self._list, 1)

    def items(self) -> list[tuple[str, str]]:
        return _headers_decoded(self._list, 2)

    def get(self, key: str, default: Any = None) -> Any:
        return _header_value(self._list, key, default)

    def getlist(self, key: str) -> list[str]:
        return _headers_getlist(self._list, key)

    def mutablecopy(self) -> MutableHeaders:
        return MutableHeaders(raw=self._list[:])

    __getitem__ = _headers_getitem
    __contains__ = _headers_contains
    __iter__ = _headers_iter
    __len__ = _headers_len

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Headers):
            return False
        return sorted(self._list) == sorted(other._list)

    def __repr__(self) -> str:
        class_name = self.__class__.__name__
        as_dict = dict(self.items())
        if len(as_dict) == len(self):
            return f"{class_name}({as_dict!r})"
        return f"{class_name}(raw={self.raw!r})"


class MutableHeaders(Headers):
    __module__ = "starlette_c.datastructures"

    def __setitem__(self, key: str, value: str) -> None:
        items = self._list
        if type(items) is list:
            _headers_set(items, key, value)
            return
        name = key.lower().encode("latin-1")
        encoded = value.encode("latin-1")
        found = [index for index, item in enumerate(items) if _unpack2(item)[0] == name]
        if not found:
            items.append((name, encoded))
            return
        items[found[0]] = (name, encoded)
        for index in reversed(found[1:]):
            del items[index]

    def __delitem__(self, key: str) -> None:
        items = self._list
        if type(items) is list:
            _headers_delete(items, key)
            return
        name = key.lower().encode("latin-1")
        for index in reversed([index for index, item in enumerate(items) if _unpack2(item)[0] == name]):
            del items[index]

    def __ior__(self, other: Mapping[str, str]) -> MutableHeaders:
        if not isinstance(other, Mapping):
            raise TypeError(f"Expected a mapping but got {other.__class__.__name__}")
        self.update(other)
        return self

    def __or__(self, other: Mapping[str, str]) -> MutableHeaders:
        if not isinstance(other, Mapping):
            raise TypeError(f"Expected a mapping but got {other.__class__.__name__}")
        new = self.mutablecopy()
        new.update(other)
        return new

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return self._list

    def setdefault(self, key: str, value: str) -> str:
        return _headers_setdefault(self._list, key, value)

    def update(self, other: Mapping[str, str]) -> None:
        for key, value in other.items():
            self[key] = value

    def append(self, key: str, value: str) -> None:
        _headers_append(self._list, key, value)

    def add_vary_header(self, vary: str) -> None:
        existing = self.get("vary")
        if existing is not None:
            vary = f"{existing}, {vary}"
        self["vary"] = vary
