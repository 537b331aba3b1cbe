"""Datastructures shared by requests, responses and routing: URLs, headers, query parameters, forms, uploads."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from shlex import shlex
from typing import Any, BinaryIO, NamedTuple

from starlette_c._backend import datastructures as _impl
from starlette_c.concurrency import run_in_threadpool

ImmutableMultiDict = _impl.ImmutableMultiDict
QueryParams = _impl.QueryParams
Headers = _impl.Headers
MutableHeaders = _impl.MutableHeaders
URL = _impl.URL
# PERF: what a request builds from its scope, without the public constructors' argument handling.
_headers_from_scope = _impl.headers_from_scope
_query_params_from_string = _impl.query_params_from_string


class Address(NamedTuple):
    host: str
    port: int


class URLPath(str):
    """A path from `url_path_for`, remembering the protocol and host needed to make it absolute."""

    def __new__(cls, path: str, protocol: str = "", host: str = "") -> URLPath:
        assert protocol in ("http", "websocket", "")
        return str.__new__(cls, path)

    def __init__(self, path: str, protocol: str = "", host: str = "") -> None:
        self.protocol = protocol
        self.host = host

    def make_absolute_url(self, base_url: str | URL) -> URL:
        if isinstance(base_url, str):
            base_url = URL(base_url)
        if self.protocol == "http":
            scheme = "https" if base_url.is_secure else "http"
        elif self.protocol == "websocket":
            scheme = "wss" if base_url.is_secure else "ws"
        else:
            scheme = base_url.scheme
        netloc = self.host or base_url.netloc
        path = base_url.path.rstrip("/") + str(self)
        return URL(scheme=scheme, netloc=netloc, path=path)


class Secret:
    """A string that keeps itself out of tracebacks and logs: its repr is masked."""

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}('**********')"

    def __str__(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)


class CommaSeparatedStrings(Sequence[str]):
    def __init__(self, value: str | Sequence[str]) -> None:
        if isinstance(value, str):
            splitter = shlex(value, posix=True)
            splitter.whitespace = ","
            splitter.whitespace_split = True
            self._items = [item.strip() for item in splitter]
        else:
            self._items = list(value)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int | slice) -> Any:
        return self._items[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({list(self)!r})"

    def __str__(self) -> str:
        return ", ".join(repr(item) for item in self)


class MultiDict(ImmutableMultiDict[Any, Any]):
    def __setitem__(self, key: Any, value: Any) -> None:
        self.setlist(key, [value])

    def __delitem__(self, key: Any) -> None:
        self._list = [item for item in self._list if item[0] != key]
        del self._dict[key]

    def pop(self, key: Any, default: Any = None) -> Any:
        self._list = [item for item in self._list if item[0] != key]
        return self._dict.pop(key, default)

    def popitem(self) -> tuple[Any, Any]:
        key, value = self._dict.popitem()
        self._list = [item for item in self._list if item[0] != key]
        return key, value

    def poplist(self, key: Any) -> list[Any]:
        values = [value for item_key, value in self._list if item_key == key]
        self.pop(key)
        return values

    def clear(self) -> None:
        self._dict.clear()
        self._list.clear()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self._dict[key] = default
            self._list.append((key, default))
        return self[key]

    def setlist(self, key: Any, values: list[Any]) -> None:
        if not values:
            self.pop(key, None)
            return
        self._list = [item for item in self._list if item[0] != key]
        self._list.extend((key, value) for value in values)
        self._dict[key] = values[-1]

    def append(self, key: Any, value: Any) -> None:
        self._list.append((key, value))
        self._dict[key] = value

    def update(self, *args: MultiDict | Mapping[Any, Any] | list[tuple[Any, Any]], **kwargs: Any) -> None:
        value = MultiDict(*args, **kwargs)
        replaced = value.keys()
        self._list = [item for item in self._list if item[0] not in replaced]
        self._list.extend(value.multi_items())
        self._dict.update(value)


class UploadFile:
    """An uploaded file: async methods over a (usually spooled) file object."""

    def __init__(
        self,
        file: BinaryIO,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.filename = filename
        self.file = file
        self.size = size
        self.headers = headers or Headers()
        self._max_mem_size: int = getattr(file, "_max_size", 0)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type", None)

    @property
    def _in_memory(self) -> bool:
        return not getattr(self.file, "_rolled", True)

    def _will_roll(self, size_to_add: int) -> bool:
        if not self._in_memory:
            return True
        return bool(self._max_mem_size) and self.file.tell() + size_to_add > self._max_mem_size

    async def write(self, data: bytes) -> None:
        if self.size is not None:
            self.size += len(data)
        # NOTE: CVE-2025-54121: a write that rolls a spooled file over to disk runs in a worker thread.
        if self._will_roll(len(data)):
            await run_in_threadpool(self.file.write, data)
        else:
            self.file.write(data)

    async def read(self, size: int = -1) -> bytes:
        if self._in_memory:
            return self.file.read(size)
        return await run_in_threadpool(self.file.read, size)

    async def seek(self, offset: int) -> None:
        if self._in_memory:
            self.file.seek(offset)
        else:
            await run_in_threadpool(self.file.seek, offset)

    async def close(self) -> None:
        if self._in_memory:
            self.file.close()
        else:
            await run_in_threadpool(self.file.close)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"


class FormData(ImmutableMultiDict[str, str | UploadFile]):
    """An immutable multi-dict of form fields and uploaded files."""

    def __init__(
        self,
        *args: FormData | Mapping[str, str | UploadFile] | list[tuple[str, str | UploadFile]],
        **kwargs: str | UploadFile,
    ) -> None:
        super().__init__(*args, **kwargs)

    async def close(self) -> None:
        for _, value in self.multi_items():
            if isinstance(value, UploadFile):
                await value.close()


class State:
    """An object that can be used to store arbitrary state: attributes and items read the same dict."""

    _state: dict[str, Any]

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        super().__setattr__("_state", {} if state is None else state)

    def __setattr__(self, key: Any, value: Any) -> None:
        self._state[key] = value

    def __getattr__(self, key: Any) -> Any:
        # NOTE: read through `__dict__` so that an instance without `_state` (mid copy or unpickle) cannot recurse.
        try:
            return self.__dict__["_state"][key]
        except KeyError:
            raise AttributeError(f"'{self.__class__.__name__}' object has no attribute '{key}'")

    def __delattr__(self, key: Any) -> None:
        del self._state[key]

    def __getitem__(self, key: str) -> Any:
        return self._state[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __delitem__(self, key: str) -> None:
        del self._state[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._state)

    def __len__(self) -> int:
        return len(self._state)
