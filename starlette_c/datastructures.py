"""Datastructures shared by requests, responses and routing: URLs, headers, query parameters, forms, uploads.

Each class is defined here once; the per-request algorithms it runs on plain data (raw header lists, query
strings, scopes) come from whichever twin ``starlette_c._backend`` chose.
"""

from __future__ import annotations

import ipaddress
import typing
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, Sequence, ValuesView
from shlex import shlex
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar, Union, overload
from urllib.parse import SplitResult, urlencode, urlsplit

from starlette_c._backend import datastructures as _algo
from starlette_c.concurrency import run_in_threadpool
from starlette_c.types import Scope

_KeyType = TypeVar("_KeyType")
_CovariantValueType = TypeVar("_CovariantValueType", covariant=True)
_T = TypeVar("_T")

_SECURE_SCHEMES = frozenset({"https", "wss"})

# PERF: the chosen twin's functions as module globals: one lookup per call instead of two.
_url_from_scope = _algo.url_from_scope
_parse_query = _algo.parse_query
_header_keys = _algo.header_keys
_header_values = _algo.header_values
_header_items = _algo.header_items
_header_getlist = _algo.header_getlist
_header_contains = _algo.header_contains
_header_set = _algo.header_set
_header_delete = _algo.header_delete
_header_setdefault = _algo.header_setdefault
_header_append = _algo.header_append


class Address(NamedTuple):
    host: str
    port: int


# -- URLs ---------------------------------------------------------------------------------------


def _bracketed(hostname: str) -> str:
    # NOTE: only a real IPv6 address gets brackets; `a:b` stays as given (it is not an address).
    if ":" not in hostname or hostname.startswith("["):
        return hostname
    try:
        ipaddress.IPv6Address(hostname)
    except ValueError:
        return hostname
    return f"[{hostname}]"


def _bare_host(netloc: str) -> str:
    host = netloc.rpartition("@")[2]
    if host.endswith("]"):
        return host
    return host.rpartition(":")[0] if ":" in host else host


class URL:
    """An absolute or relative URL, split lazily; the string it was made from is kept as is."""

    def __init__(self, url: str = "", scope: Scope | None = None, **components: Any) -> None:
        parts: SplitResult | None = None
        if scope is not None:
            assert not url, 'Cannot set both "url" and "scope".'
            assert not components, 'Cannot set both "scope" and "**components".'
            url, parts = _url_from_scope(scope)
        elif components:
            assert not url, 'Cannot set both "url" and "**components".'
            url = URL("").replace(**components).components.geturl()
        self._url = url
        self._components = parts

    @property
    def components(self) -> SplitResult:
        split = self._components
        if split is None:
            split = self._components = urlsplit(self._url)
        return split

    # PERF: each part reads a split the scope already gave without entering the `components` property.
    @property
    def scheme(self) -> str:
        return (self._components or self.components).scheme

    @property
    def netloc(self) -> str:
        return (self._components or self.components).netloc

    @property
    def path(self) -> str:
        return (self._components or self.components).path

    @property
    def query(self) -> str:
        return (self._components or self.components).query

    @property
    def fragment(self) -> str:
        return (self._components or self.components).fragment

    @property
    def username(self) -> None | str:
        return (self._components or self.components).username

    @property
    def password(self) -> None | str:
        return (self._components or self.components).password

    @property
    def hostname(self) -> None | str:
        return (self._components or self.components).hostname

    @property
    def port(self) -> int | None:
        return (self._components or self.components).port

    @property
    def is_secure(self) -> bool:
        return self.scheme in _SECURE_SCHEMES

    def _netloc_with(self, changes: dict[str, Any]) -> str:
        hostname = changes.pop("hostname", None)
        host = _bare_host(self.netloc) if hostname is None else _bracketed(hostname)
        port = changes.pop("port", self.port)
        user = changes.pop("username", self.username)
        secret = changes.pop("password", self.password)
        authority = host if port is None else f"{host}:{port}"
        if user is None:
            return authority
        return f"{user}@{authority}" if secret is None else f"{user}:{secret}@{authority}"

    def replace(self, **kwargs: Any) -> URL:
        if kwargs.keys() & {"username", "password", "hostname", "port"}:
            kwargs["netloc"] = self._netloc_with(kwargs)
        return self.__class__(self.components._replace(**kwargs).geturl())

    def _with_query(self, pairs: Iterable[tuple[str, str]]) -> URL:
        return self.replace(query=urlencode(list(pairs)))

    def include_query_params(self, **kwargs: Any) -> URL:
        added = {str(name): str(value) for name, value in kwargs.items()}
        kept = [pair for pair in _parse_query(self.query) if pair[0] not in added]
        return self._with_query(kept + list(added.items()))

    def replace_query_params(self, **kwargs: Any) -> URL:
        return self._with_query((str(name), str(value)) for name, value in kwargs.items())

    def remove_query_params(self, keys: str | Sequence[str]) -> URL:
        dropped = {keys} if isinstance(keys, str) else set(keys)
        return self._with_query(pair for pair in _parse_query(self.query) if pair[0] not in dropped)

    def __eq__(self, other: Any) -> bool:
        return str(self) == str(other)

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        shown = str(self)
        if self.password:
            shown = str(self.replace(password="********"))
        return f"{type(self).__name__}({shown!r})"


class URLPath(str):
    """A path from `url_path_for`, remembering the protocol and host needed to make it absolute."""

    def __new__(cls, path: str, protocol: Literal["http", "websocket", ""] = "", host: str = "") -> URLPath:
        assert protocol in ("http", "websocket", "")
        return str.__new__(cls, _algo.url_path_text(path))

    def __init__(self, path: str, protocol: Literal["http", "websocket", ""] = "", host: str = "") -> None:
        self.protocol = protocol
        self.host = host

    def make_absolute_url(self, base_url: str | URL) -> URL:
        base = URL(base_url) if isinstance(base_url, str) else base_url
        scheme = {
            "http": ("http", "https"),
            "websocket": ("ws", "wss"),
        }.get(self.protocol, (base.scheme, base.scheme))[base.is_secure]
        return URL(scheme=scheme, netloc=self.host or base.netloc, path=base.path.rstrip("/") + str(self))


# -- multi-dicts --------------------------------------------------------------------------------


def _pairs_of(source: Any) -> list[tuple[Any, Any]]:
    if not source:
        return []
    multi_items = getattr(source, "multi_items", None)
    if multi_items is not None:
        return list(multi_items())
    return list(source.items() if hasattr(source, "keys") else source)


_PairSource = Union[
    "ImmutableMultiDict[_KeyType, _CovariantValueType]",
    Mapping[_KeyType, _CovariantValueType],
    Iterable[tuple[_KeyType, _CovariantValueType]],
]


def _grouped(pairs: list[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return groups


class ImmutableMultiDict(Mapping[_KeyType, _CovariantValueType]):
    """A mapping that keeps every (key, value) pair in order; plain lookups see the last value of a key."""

    _dict: dict[_KeyType, _CovariantValueType]
    _list: list[tuple[_KeyType, _CovariantValueType]]

    def __init__(self, *args: _PairSource[_KeyType, _CovariantValueType], **kwargs: Any) -> None:
        assert len(args) < 2, "Too many arguments."
        pairs = _pairs_of(args[0]) if args else []
        if kwargs:
            pairs += kwargs.items()
        self._store(pairs)

    _store = _algo.multidict_store

    def getlist(self, key: Any) -> list[_CovariantValueType]:
        return [value for name, value in self._list if name == key]

    def keys(self) -> KeysView[_KeyType]:
        return self._dict.keys()

    def values(self) -> ValuesView[_CovariantValueType]:
        return self._dict.values()

    def items(self) -> ItemsView[_KeyType, _CovariantValueType]:
        return self._dict.items()

    def multi_items(self) -> list[tuple[_KeyType, _CovariantValueType]]:
        return self._list[:]

    def __getitem__(self, key: _KeyType) -> _CovariantValueType:
        return self._dict[key]

    def __contains__(self, key: Any) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[_KeyType]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: Any) -> bool:
        # NOTE: keys may come in any order, but the values under one key must come in the same order.
        return isinstance(other, type(self)) and _grouped(self._list) == _grouped(other._list)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.multi_items()!r})"


class MultiDict(ImmutableMultiDict[Any, Any]):
    def _drop(self, key: Any) -> None:
        self._list = [pair for pair in self._list if pair[0] != key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.setlist(key, [value])

    def __delitem__(self, key: Any) -> None:
        self._drop(key)
        del self._dict[key]

    def pop(self, key: Any, default: Any = None) -> Any:
        self._drop(key)
        return self._dict.pop(key, default)

    def popitem(self) -> tuple[Any, Any]:
        key, value = self._dict.popitem()
        self._drop(key)
        return key, value

    def poplist(self, key: Any) -> list[Any]:
        # NOTE: the stored values, whatever a subclass's getlist returns; the removal goes through pop.
        found = ImmutableMultiDict.getlist(self, key)
        self.pop(key)
        return found

    def clear(self) -> None:
        self._store([])

    def setdefault(self, key: Any, default: Any = None) -> Any:
        # NOTE: a subclass's `in` and `[]` decide and answer; a missing key is stored without its append.
        if key not in self:
            MultiDict.append(self, key, default)
        return self[key]

    def setlist(self, key: Any, values: list[Any]) -> None:
        if not values:
            self.pop(key, None)
            return
        # NOTE: the pairs move to the end, while a key already present keeps its place among the keys.
        self._drop(key)
        self._list.extend((key, value) for value in values)
        self._dict[key] = values[-1]

    def append(self, key: Any, value: Any) -> None:
        self._list.append((key, value))
        self._dict[key] = value

    def update(self, *args: MultiDict | Mapping[Any, Any] | list[tuple[Any, Any]], **kwargs: Any) -> None:
        incoming = MultiDict(*args, **kwargs)
        self._list = [pair for pair in self._list if pair[0] not in incoming._dict]
        self._list.extend(incoming._list)
        self._dict.update(incoming._dict)


class QueryParams(ImmutableMultiDict[str, str]):
    """An immutable multi-dict of query parameters: parsed from a query string, or stringified pairs."""

    if TYPE_CHECKING:

        def __init__(self, *args: _PairSource[Any, Any] | str | bytes, **kwargs: Any) -> None: ...

    else:
        # PERF: the twin's function is the method: compiled, a query string is parsed and kept without a frame.
        __init__ = _algo.query_params_init

    def _stringified(self, source: Any, kwargs: dict[str, Any]) -> None:
        """Keep the pairs of ``source`` and ``kwargs`` (taken as ``ImmutableMultiDict`` takes them) as strings."""
        super().__init__(source, **kwargs)
        self._store([(str(key), str(value)) for key, value in self._list])

    def __str__(self) -> str:
        return urlencode(self._list)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


# -- headers ------------------------------------------------------------------------------------


class Headers(Mapping[str, str]):
    """Case-insensitive view over raw ASGI header pairs (names are expected lower-cased, as ASGI sends them)."""

    _list: list[tuple[bytes, bytes]]

    if TYPE_CHECKING:

        def __init__(
            self,
            headers: Mapping[str, str] | None = None,
            raw: list[tuple[bytes, bytes]] | None = None,
            scope: Scope | None = None,
        ) -> None: ...

        def __getitem__(self, key: str) -> str: ...

        @overload
        def get(self, key: str) -> str | None: ...

        @overload
        def get(self, key: str, default: str | _T) -> str | _T: ...

        def get(self, key: str, default: Any = None) -> Any: ...

    else:
        # PERF: the twin's functions are the methods: compiled, building a Headers and looking a header up run
        # without a Python frame.
        __init__ = _algo.headers_init
        __getitem__ = _algo.headers_getitem
        get = _algo.headers_get

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return list(self._list)

    def keys(self) -> list[str]:  # type: ignore[override]
        return _header_keys(self._list)

    def values(self) -> list[str]:  # type: ignore[override]
        return _header_values(self._list)

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return _header_items(self._list)

    def getlist(self, key: str) -> list[str]:
        return _header_getlist(self._list, key)

    def mutablecopy(self) -> MutableHeaders:
        return MutableHeaders(raw=self._list[:])

    def __contains__(self, key: Any) -> bool:
        return _header_contains(self._list, key)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Headers) and sorted(self._list) == sorted(other._list)

    def __repr__(self) -> str:
        name = type(self).__name__
        as_dict = dict(self.items())
        return f"{name}({as_dict!r})" if len(as_dict) == len(self) else f"{name}(raw={self.raw!r})"


def _require_mapping(other: object) -> None:
    if not isinstance(other, Mapping):
        raise TypeError(f"Expected a mapping but got {other.__class__.__name__}")


class MutableHeaders(Headers):
    def __setitem__(self, key: str, value: str) -> None:
        _header_set(self._list, key, value)

    def __delitem__(self, key: str) -> None:
        _header_delete(self._list, key)

    def __ior__(self, other: Mapping[str, str]) -> MutableHeaders:
        _require_mapping(other)
        self.update(other)
        return self

    def __or__(self, other: Mapping[str, str]) -> MutableHeaders:
        _require_mapping(other)
        merged = self.mutablecopy()
        merged.update(other)
        return merged

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return self._list

    def setdefault(self, key: str, value: str) -> str:
        return _header_setdefault(self._list, key, value)

    def update(self, other: Mapping[str, str]) -> None:
        # NOTE: through item assignment, so a subclass's own __setitem__ sees every header (|= too).
        for key, value in other.items():
            self[key] = value

    def append(self, key: str, value: str) -> None:
        _header_append(self._list, key, value)

    def add_vary_header(self, vary: str) -> None:
        # NOTE: read and written through getlist and item assignment, so a subclass's own versions take part.
        self["vary"] = ", ".join([*self.getlist("vary"), vary])


# -- forms and uploads --------------------------------------------------------------------------


class UploadFile:
    """An uploaded file: async methods over a (usually spooled) file object."""

    def __init__(
        self,
        file: typing.BinaryIO,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.file = file
        self.filename = filename
        self.size = size
        self.headers = headers or Headers()
        self._max_mem_size: int = getattr(file, "_max_size", 0)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type", None)

    @property
    def _in_memory(self) -> bool:
        # NOTE: a file that is not a SpooledTemporaryFile counts as on disk: its calls go to a thread.
        return not getattr(self.file, "_rolled", True)

    def _will_roll(self, size_to_add: int) -> bool:
        if not self._in_memory:
            return True
        limit = self._max_mem_size
        return bool(limit) and self.file.tell() + size_to_add > limit

    async def _call(self, on_disk: bool, method: Callable[..., _T], *args: Any) -> _T:
        # NOTE: CVE-2025-54121: file I/O that can block (on disk, or rolling over to disk) runs in a worker thread.
        return await run_in_threadpool(method, *args) if on_disk else method(*args)

    async def write(self, data: bytes) -> None:
        if self.size is not None:
            self.size += len(data)
        await self._call(self._will_roll(len(data)), self.file.write, data)

    async def read(self, size: int = -1) -> bytes:
        return await self._call(not self._in_memory, self.file.read, size)

    async def seek(self, offset: int) -> None:
        await self._call(not self._in_memory, self.file.seek, offset)

    async def close(self) -> None:
        await self._call(not self._in_memory, self.file.close)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"


class FormData(ImmutableMultiDict[str, str | UploadFile]):
    """An immutable multi-dict of form fields and uploaded files."""

    async def close(self) -> None:
        for upload in [value for _, value in self.multi_items() if isinstance(value, UploadFile)]:
            await upload.close()


# -- small values -------------------------------------------------------------------------------


class Secret:
    """A string that keeps itself out of tracebacks and logs: its repr is masked."""

    def __init__(self, value: str) -> None:
        self._value = value

    def __str__(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}('**********')"


class CommaSeparatedStrings(Sequence[str]):
    """Comma-separated items, honouring shell-style quotes (`a, "b, c"` is two items)."""

    def __init__(self, value: str | Sequence[str]) -> None:
        if not isinstance(value, str):
            self._items = list(value)
            return
        lexer = shlex(value, posix=True)
        lexer.whitespace, lexer.whitespace_split = ",", True
        self._items = [token.strip() for token in lexer]

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int | slice) -> Any:
        return self._items[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"

    def __str__(self) -> str:
        return ", ".join(map(repr, self))


class State:
    """An object that can be used to store arbitrary state: attributes and items read the same dict."""

    _state: dict[str, Any]

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_state", {} if state is None else state)

    def __iter__(self) -> Iterator[str]:
        return iter(self._state)

    def __len__(self) -> int:
        return len(self._state)

    def __getitem__(self, key: str) -> Any:
        return self._state[key]

    def __getattr__(self, key: Any) -> Any:
        # NOTE: read through `__dict__` so that an instance without `_state` (mid copy or unpickle) cannot recurse.
        store = self.__dict__.get("_state", {})
        if key in store:
            return store[key]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'")

    def __setitem__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __setattr__(self, key: Any, value: Any) -> None:
        self._state[key] = value

    def __delitem__(self, key: str) -> None:
        del self._state[key]

    def __delattr__(self, key: Any) -> None:
        del self._state[key]
