"""Pure-Python twin of the per-request datastructures: multi-dicts, query parameters, headers and URLs."""

from __future__ import annotations

import functools
import re
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, Sequence, ValuesView
from typing import Any, TypeVar, overload
from urllib.parse import SplitResult, unquote, urlencode, urlsplit

from starlette_c.types import Scope

_KeyType = TypeVar("_KeyType")
_CovariantValueType = TypeVar("_CovariantValueType", covariant=True)
_T = TypeVar("_T")

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_SECURE_SCHEMES = ("https", "wss")

_HOST = re.compile(r"(?:\[[0-9A-Za-z:.%]+\]|[0-9A-Za-z.\-_~!$&'()*+,;=%\x80-\xff]*)(?::[0-9]*)?")


# PERF: a server sees few distinct Host values; remembering the verdict skips the parsing.
@functools.lru_cache(maxsize=256)
def _valid_host(host: str) -> bool:
    if _HOST.fullmatch(host) is None:
        return False
    try:
        _ = urlsplit("//" + host).port
    except ValueError:
        return False
    return True


def _parse_query(query: str) -> list[tuple[str, str]]:
    # PERF: `parse_qsl(query, keep_blank_values=True)` without its general machinery; unquotes only when needed.
    items = []
    for field in query.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "+" in name:
            name = name.replace("+", " ")
        if "%" in name:
            name = unquote(name)
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in value:
            value = unquote(value)
        items.append((name, value))
    return items


def _safe_path(path: str) -> str:
    # NOTE: re-parsed inside a URL, the path must neither end early (`?`, `#`) nor start an authority (`//`, `@`, `\`).
    if path[0] != "/":
        path = "/" + path
    return path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C").replace("//", "/%2F")


def _url_from_scope(scope: Scope) -> str:
    path: str = scope["path"]
    headers: Iterable[tuple[bytes, bytes]] = scope["headers"]
    scheme: str = scope.get("scheme", "http")
    query_string: bytes = scope.get("query_string", b"")

    netloc: str | None = None
    for name, value in headers:
        if name == b"host":
            host = value.decode("latin-1")
            # NOTE: a malformed Host header is ignored (as if absent) so that it can never alter the path.
            if _valid_host(host):
                netloc = host
            break
    if netloc is None:
        server = scope.get("server")
        if server is not None:
            server_host, port = server
            if ":" in server_host and server_host[0] != "[":
                server_host = f"[{server_host}]"
            netloc = server_host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{server_host}:{port}"

    if path and (path[0] != "/" or "//" in path or "?" in path or "#" in path or "\\" in path):
        path = _safe_path(path)
    url = path if netloc is None else f"{scheme}://{netloc}{path}"
    if query_string:
        try:
            query = query_string.decode()
        except UnicodeDecodeError:
            query = "".join(chr(byte) if byte < 0x80 else f"%{byte:02X}" for byte in query_string)
        url = f"{url}?{query}"
    return url


class URL:
    __module__ = "starlette_c.datastructures"

    def __init__(self, url: str = "", scope: Scope | None = None, **components: Any) -> None:
        if scope is not None:
            assert not url, 'Cannot set both "url" and "scope".'
            assert not components, 'Cannot set both "scope" and "**components".'
            url = _url_from_scope(scope)
        elif components:
            assert not url, 'Cannot set both "url" and "**components".'
            url = URL("").replace(**components).components.geturl()
        self._url = url
        self._components: SplitResult | None = None

    @property
    def components(self) -> SplitResult:
        components = self._components
        if components is None:
            components = self._components = urlsplit(self._url)
        return components

    @property
    def scheme(self) -> str:
        return self.components.scheme

    @property
    def netloc(self) -> str:
        return self.components.netloc

    @property
    def path(self) -> str:
        return self.components.path

    @property
    def query(self) -> str:
        return self.components.query

    @property
    def fragment(self) -> str:
        return self.components.fragment

    @property
    def username(self) -> None | str:
        return self.components.username

    @property
    def password(self) -> None | str:
        return self.components.password

    @property
    def hostname(self) -> None | str:
        return self.components.hostname

    @property
    def port(self) -> int | None:
        return self.components.port

    @property
    def is_secure(self) -> bool:
        return self.components.scheme in _SECURE_SCHEMES

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

    def __str__(self) -> str:
        return self._url

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
        value: Any = args[0] if args else []
        if kwargs:
            value = ImmutableMultiDict(value).multi_items() + ImmutableMultiDict(kwargs).multi_items()
        items: list[tuple[Any, Any]]
        if not value:
            items = []
        elif hasattr(value, "multi_items"):
            items = list(value.multi_items())
        elif hasattr(value, "keys"):
            items = list(value.items())
        else:
            items = list(value)
        self._dict = {key: item for key, item in items}
        self._list = items

    def getlist(self, key: Any) -> list[_CovariantValueType]:
        return [value for item_key, value in self._list if item_key == key]

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
        value: Any = args[0] if args else []
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
            self._list = [(str(key), str(item)) for key, item in self._list]
            self._dict = {str(key): str(item) for key, item in self._dict.items()}

    def __str__(self) -> str:
        return urlencode(self._list)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({str(self)!r})"


def _fill_query_params(params: QueryParams, query: str | bytes) -> None:
    # `query` is an exact `str`, or exact `bytes` taken as latin-1.
    items = _parse_query(query if isinstance(query, str) else query.decode("latin-1"))
    params._dict = dict(items)
    params._list = items


class Headers(Mapping[str, str]):
    """Case-insensitive view over raw ASGI header pairs (names are expected lower-cased, as ASGI sends them)."""

    __module__ = "starlette_c.datastructures"

    def __init__(
        self,
        headers: Mapping[str, str] | None = None,
        raw: list[tuple[bytes, bytes]] | None = None,
        scope: Scope | None = None,
    ) -> None:
        self._list: list[tuple[bytes, bytes]]
        if headers is not None:
            assert raw is None, 'Cannot set both "headers" and "raw".'
            assert scope is None, 'Cannot set both "headers" and "scope".'
            self._list = [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in headers.items()]
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

    def keys(self) -> list[str]:  # type: ignore[override]
        return [key.decode("latin-1") for key, _ in self._list]

    def values(self) -> list[str]:  # type: ignore[override]
        return [value.decode("latin-1") for _, value in self._list]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [(key.decode("latin-1"), value.decode("latin-1")) for key, value in self._list]

    @overload
    def get(self, key: str) -> str | None: ...

    @overload
    def get(self, key: str, default: str | _T) -> str | _T: ...

    def get(self, key: str, default: Any = None) -> Any:
        name = key.lower().encode("latin-1")
        for item_key, value in self._list:
            if item_key == name:
                return value.decode("latin-1")
        return default

    def getlist(self, key: str) -> list[str]:
        name = key.lower().encode("latin-1")
        return [value.decode("latin-1") for item_key, value in self._list if item_key == name]

    def mutablecopy(self) -> MutableHeaders:
        return MutableHeaders(raw=self._list[:])

    def __getitem__(self, key: str) -> str:
        name = key.lower().encode("latin-1")
        for item_key, value in self._list:
            if item_key == name:
                return value.decode("latin-1")
        raise KeyError(key)

    def __contains__(self, key: Any) -> bool:
        name = key.lower().encode("latin-1")
        return name in [item_key for item_key, _ in self._list]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

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


def _own_scope_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    # NOTE: copied into a fresh list stored back in the scope, so edits never reach a list the app shares.
    headers = list(scope["headers"])
    scope["headers"] = headers
    return headers


def headers_from_scope(scope: Scope) -> Headers:
    # PERF: `Headers(scope=scope)` without the constructor's argument handling.
    headers = object.__new__(Headers)
    headers._list = _own_scope_headers(scope)
    return headers


def query_params_from_string(query_string: Any) -> QueryParams:
    # PERF: `QueryParams(query_string)` for a request's query string, without the constructor's argument handling.
    if type(query_string) is not bytes and type(query_string) is not str:
        return QueryParams(query_string)
    params = object.__new__(QueryParams)
    _fill_query_params(params, query_string)
    return params


class MutableHeaders(Headers):
    __module__ = "starlette_c.datastructures"

    def __setitem__(self, key: str, value: str) -> None:
        name = key.lower().encode("latin-1")
        encoded = value.encode("latin-1")
        items = self._list
        found = [index for index, (item_key, _) in enumerate(items) if item_key == name]
        if not found:
            items.append((name, encoded))
            return
        items[found[0]] = (name, encoded)
        for index in reversed(found[1:]):
            del items[index]

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        items = self._list
        for index in reversed([index for index, (item_key, _) in enumerate(items) if item_key == name]):
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
        name = key.lower().encode("latin-1")
        encoded = value.encode("latin-1")
        for item_key, item_value in self._list:
            if item_key == name:
                return item_value.decode("latin-1")
        self._list.append((name, encoded))
        return value

    def update(self, other: Mapping[str, str]) -> None:
        for key, value in other.items():
            self[key] = value

    def append(self, key: str, value: str) -> None:
        self._list.append((key.lower().encode("latin-1"), value.encode("latin-1")))

    def add_vary_header(self, vary: str) -> None:
        existing = self.get("vary")
        if existing is not None:
            vary = f"{existing}, {vary}"
        self["vary"] = vary
