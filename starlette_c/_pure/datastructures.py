"""Pure-Python twin of the datastructure algorithms: raw header lists, query strings, URLs from scopes.

The public classes live once in ``starlette_c.datastructures`` and call these functions on plain data.
A raw header list is ASGI's ``list[tuple[bytes, bytes]]``; ``raw_*`` functions take lower-cased bytes
names, ``header_*`` functions take ``str`` keys of any case and ``str`` values (latin-1).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import SplitResult, unquote

from starlette_c._utils import parse_host_header
from starlette_c.types import Scope

RawHeaders = list[tuple[bytes, bytes]]


class HeadersFields(Protocol):
    """What the ``headers_*`` methods read on a ``Headers``: its raw header list, and its item lookup."""

    _list: RawHeaders

    def __getitem__(self, key: str) -> str: ...


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def header_name(key: str) -> bytes:
    return key.lower().encode("latin-1")


def encode_mapping(headers: Mapping[str, str]) -> RawHeaders:
    return [(header_name(key), value.encode("latin-1")) for key, value in headers.items()]


# -- raw names and values -----------------------------------------------------------------------


def raw_get(raw: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The value of the first ``name`` header, or None."""
    for key, value in raw:
        if key == name:
            return value
    return None


def raw_set(raw: RawHeaders, name: bytes, value: bytes) -> None:
    """The first ``name`` header takes ``value`` in place and later ones go; with none, it is appended."""
    hits = [position for position, (key, _) in enumerate(raw) if key == name]
    if not hits:
        raw.append((name, value))
        return
    raw[hits[0]] = (name, value)
    for position in reversed(hits[1:]):
        del raw[position]


def raw_delete(raw: RawHeaders, name: bytes) -> None:
    """Every ``name`` header goes; the list object is kept."""
    hits = [position for position, (key, _) in enumerate(raw) if key == name]
    for position in reversed(hits):
        del raw[position]


def raw_add_vary(raw: RawHeaders, vary: bytes) -> None:
    """One ``vary`` header (where the first was) joining every existing ``Vary`` value and then ``vary``."""
    joined = [value for key, value in raw if key == b"vary"]
    joined.append(vary)
    raw_set(raw, b"vary", b", ".join(joined))


# -- str keys and values ------------------------------------------------------------------------


def header_get(raw: Iterable[tuple[bytes, bytes]], key: str, default: Any) -> Any:
    found = raw_get(raw, header_name(key))
    return default if found is None else found.decode("latin-1")


def headers_init(
    self: HeadersFields,
    headers: Mapping[str, str] | None = None,
    raw: RawHeaders | None = None,
    scope: Scope | None = None,
) -> None:
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
        scope["headers"] = owned = list(scope["headers"])
        self._list = owned
    else:
        self._list = []


def headers_getitem(self: HeadersFields, key: str) -> str:
    """``Headers.__getitem__``: the value of the first ``key`` header of ``self._list``; KeyError if none."""
    found = raw_get(self._list, header_name(key))
    if found is None:
        raise KeyError(key)
    return found.decode("latin-1")


def headers_get(self: HeadersFields, key: str, default: Any = None) -> Any:
    """``Headers.get``: the value of the first ``key`` header of ``self._list``, or ``default``; where the class's
    ``__getitem__`` is not ``headers_getitem`` (a subclass's own), that answers, a KeyError meaning ``default``."""
    if type(self).__getitem__ is not headers_getitem:
        try:
            return self[key]
        except KeyError:
            return default
    return header_get(self._list, key, default)


def header_getlist(raw: Iterable[tuple[bytes, bytes]], key: str) -> list[str]:
    name = header_name(key)
    return [value.decode("latin-1") for item_key, value in raw if item_key == name]


def header_contains(raw: Iterable[tuple[bytes, bytes]], key: str) -> bool:
    # NOTE: scans the live list and stops at the first match (an `__eq__` that edits the list sees that).
    name = header_name(key)
    # PERF: a plain loop; `any()` over a generator costs a frame resume per header.
    for item_key, _ in raw:  # noqa: SIM110
        if item_key == name:
            return True
    return False


def header_setdefault(raw: RawHeaders, key: str, value: str) -> str:
    name = header_name(key)
    encoded = value.encode("latin-1")
    for item_key, item_value in raw:
        if item_key == name:
            return item_value.decode("latin-1")
    raw.append((name, encoded))
    return value


def header_set(raw: RawHeaders, key: str, value: str) -> None:
    raw_set(raw, header_name(key), value.encode("latin-1"))


def header_delete(raw: RawHeaders, key: str) -> None:
    raw_delete(raw, header_name(key))


def header_append(raw: RawHeaders, key: str, value: str) -> None:
    raw.append((header_name(key), value.encode("latin-1")))


def header_keys(raw: Iterable[tuple[bytes, bytes]]) -> list[str]:
    return [key.decode("latin-1") for key, _ in raw]


def header_values(raw: Iterable[tuple[bytes, bytes]]) -> list[str]:
    return [value.decode("latin-1") for _, value in raw]


def header_items(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(key.decode("latin-1"), value.decode("latin-1")) for key, value in raw]


# -- query strings ------------------------------------------------------------------------------


def _unescape(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    return unquote(text) if "%" in text else text


def parse_query(query: str) -> list[tuple[str, str]]:
    """``urllib.parse.parse_qsl(query, keep_blank_values=True)``, only ``&`` separating fields."""
    pairs = []
    for field in query.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append((_unescape(name), _unescape(value)))
    return pairs


class MultiDictFields(Protocol):
    """What ``multidict_store`` writes on an ``ImmutableMultiDict``: its last values by key, and its pairs."""

    _dict: dict[Any, Any]
    _list: list[tuple[Any, Any]]


class QueryParamsFields(MultiDictFields, Protocol):
    """What ``query_params_init`` uses on a ``QueryParams``."""

    def _stringified(self, source: Any, kwargs: dict[str, Any]) -> None: ...


def multidict_store(self: MultiDictFields, pairs: list[tuple[Any, Any]], checked: bool = False) -> None:
    """``ImmutableMultiDict._store``: keep the list ``pairs`` and the dict of their last values; ``checked``: they
    are known to be 2-tuples (parsed, not given)."""
    # NOTE: given pairs are unpacked pair by pair, so a malformed one raises Python's own unpacking error.
    self._dict = dict(pairs) if checked else {key: value for key, value in pairs}
    self._list = pairs


def query_params_init(self: QueryParamsFields, *args: Any, **kwargs: Any) -> None:
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
            multidict_store(self, source, True)
            return
    self._stringified(source, kwargs)


# -- URLs ---------------------------------------------------------------------------------------


# PERF: a server sees few distinct Host values; the verdict on each is remembered.
@functools.lru_cache(maxsize=512)
def usable_host(host: str) -> bool:
    """Whether a Host header value may become a URL's authority (a port past 65535 may not)."""
    parsed = parse_host_header(host)
    if parsed is None or parsed.port is None:
        return parsed is not None
    # NOTE: a port of thousands of digits is refused by its length, never handed to int().
    digits = parsed.port.lstrip("0")
    return len(digits) <= 5 and int(digits or "0") < 65536


def _authority(scope: Scope, scheme: str) -> str | None:
    value = raw_get(scope["headers"], b"host")
    if value is not None:
        host = value.decode("latin-1")
        # NOTE: a malformed Host is ignored as if absent: it must never move the path.
        if usable_host(host):
            return host
    server = scope.get("server")
    if server is None:
        return None
    host, port = server
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return host
    return f"{host}:{port}"


_PATH_ESCAPES = (("\\", "%5C"), ("?", "%3F"), ("#", "%23"))


def _escaped(path: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for mark, escape in escapes:
        if mark in path:
            path = path.replace(mark, escape)
    return path


def _unauthority(path: str) -> str:
    return "/%2F" + path[2:] if path.startswith("//") else path


def url_path_text(path: str) -> str:
    """The text of ``URLPath(path)``: a backslash or a leading ``//`` would let a filled-in path name a host."""
    return _unauthority(_escaped(path, _PATH_ESCAPES[:1]))


def _escape_path(path: str, rooted: bool) -> str:
    # NOTE: re-parsed as part of a URL, the path must neither end early (`?`, `#`) nor become an authority.
    path = _escaped(path, _PATH_ESCAPES)
    if rooted:
        return path if not path or path.startswith("/") else "/" + path
    return _unauthority(path)


def _query_text(query_string: bytes) -> str:
    try:
        return query_string.decode()
    except UnicodeDecodeError:
        return "".join(chr(byte) if byte < 0x80 else f"%{byte:02X}" for byte in query_string)


def url_from_scope(scope: Scope) -> tuple[str, SplitResult | None]:
    """The URL of a request and, where known without parsing it back, its split parts (here: never)."""
    path: str = scope["path"]
    scheme: str = scope.get("scheme", "http")
    netloc = _authority(scope, scheme)
    path = _escape_path(path, netloc is not None)
    url = path if netloc is None else f"{scheme}://{netloc}{path}"
    query_string: bytes = scope.get("query_string", b"")
    if query_string:
        url = f"{url}?{_query_text(query_string)}"
    return url, None
