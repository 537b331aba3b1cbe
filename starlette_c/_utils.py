"""Small helpers shared across the package (and imported by FastAPI)."""

from __future__ import annotations

import functools
import re
import sys
import warnings
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from inspect import CO_COROUTINE
from ipaddress import AddressValueError, IPv6Address
from types import FunctionType, MethodType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

import anyio
import anyio.abc

from starlette_c._alias import public_name
from starlette_c.types import Scope

if TYPE_CHECKING:
    from typing_extensions import TypeIs

if sys.version_info >= (3, 12):  # pragma: no cover (taken on Python >= 3.12 only)
    from inspect import iscoroutinefunction
else:  # pragma: no cover (taken on Python 3.11 only)
    # NOTE: asyncio's check also honours the legacy ``_is_coroutine`` marker set by older shims.
    from asyncio import iscoroutinefunction

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class AwaitableOrContextManager(Awaitable[T_co], AbstractAsyncContextManager[T_co], Protocol[T_co]): ...


class SupportsAsyncClose(Protocol):
    async def close(self) -> None: ...


SupportsAsyncCloseType = TypeVar("SupportsAsyncCloseType", bound=SupportsAsyncClose, covariant=False)


class AwaitableOrContextManagerWrapper(Generic[SupportsAsyncCloseType]):
    """Lets ``await obj()`` and ``async with obj() as x`` share one call; the latter closes ``x`` on exit."""

    __slots__ = ("aw", "entered")

    def __init__(self, aw: Awaitable[SupportsAsyncCloseType]) -> None:
        self.aw = aw

    async def __aenter__(self) -> SupportsAsyncCloseType:
        resource = await self.aw
        self.entered = resource
        return resource

    async def __aexit__(self, *args: Any) -> None | bool:
        # NOTE: the error (if any) propagates: closing the resource never swallows it.
        await self.entered.close()
        return None

    def __await__(self) -> Generator[Any, None, SupportsAsyncCloseType]:
        return self.aw.__await__()


AwaitableCallable = Callable[..., Awaitable[T]]


@overload
def is_async_callable(obj: AwaitableCallable[T]) -> TypeIs[AwaitableCallable[T]]: ...


@overload
def is_async_callable(obj: Any) -> TypeIs[AwaitableCallable[Any]]: ...


def is_async_callable(obj: Any) -> Any:
    """Whether calling ``obj`` (seen through any ``functools.partial``) gives a coroutine."""
    # PERF: an ``async def`` function, or a method bound to one, answers from its code's flags (per request for
    # exception handlers and endpoint methods; the general check below costs about ten times as much).
    function = obj.__func__ if type(obj) is MethodType else obj
    if type(function) is FunctionType and function.__code__.co_flags & CO_COROUTINE:
        return True
    target = obj
    while isinstance(target, functools.partial):
        target = target.func
    if not callable(target):
        return False
    return iscoroutinefunction(target) or iscoroutinefunction(target.__call__)


@asynccontextmanager
async def create_collapsing_task_group() -> AsyncGenerator[anyio.abc.TaskGroup, None]:
    """An anyio task group whose own wrapping group is dropped when it holds one error.

    Only the group the task group itself raises is unwrapped (one level); a group raised by user code
    inside it comes out as that group.
    """
    try:
        async with anyio.create_task_group() as group:
            yield group
    except BaseExceptionGroup as wrapper:
        if len(wrapper.exceptions) != 1:
            raise
        lone = wrapper.exceptions[0]
        raise lone from led_to(lone)


def led_to(exc: BaseException) -> BaseException | None:
    """The cause to re-raise ``exc`` from, so that tracebacks keep what led to it: its cause, else its context
    (unless suppressed). Re-raised in an ``except`` block, ``exc`` would get that block's exception as context."""
    return exc.__cause__ if exc.__cause__ is not None or exc.__suppress_context__ else exc.__context__


def warn_from_module(message: str, category: type[Warning]) -> None:
    """``warnings.warn(message, category, stacklevel=1)`` from the calling module, filed under its public name
    (``starlette.X`` through the import switch), so that filters naming Starlette's modules apply."""
    caller = sys._getframe(1)
    namespace = caller.f_globals
    warnings.warn_explicit(
        message,
        category,
        caller.f_code.co_filename,
        caller.f_lineno,
        module=public_name(namespace["__name__"]),
        registry=namespace.setdefault("__warningregistry__", {}),
        module_globals=namespace,
    )


def get_route_path(scope: Scope) -> str:
    """The part of ``scope["path"]`` below ``scope["root_path"]`` (the whole path when it is not below it)."""
    return route_path_below(scope["path"], scope.get("root_path", ""))


def route_path_below(path: str, root_path: str) -> str:
    """The part of ``path`` below ``root_path`` (the whole path when it is not below it)."""
    if not root_path or not path.startswith(root_path):
        return path
    if len(path) == len(root_path):
        return ""
    if path[len(root_path)] == "/":
        return path[len(root_path) :]
    return path


@dataclass(frozen=True, slots=True)
class ParsedHost:
    """A ``Host`` header split at its port; ``host`` keeps the brackets of an IP literal."""

    host: str
    port: str | None


# RFC 3986 `host [ ":" port ]`: a reg-name (unreserved, sub-delims, `%`), or an IP literal in brackets.
_AUTHORITY = re.compile(
    r"(?P<host>\[(?P<literal>[^\[\]]*)\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::(?P<port>[0-9]+))?",
    re.ASCII,
)
_IP_FUTURE = re.compile(r"v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+", re.ASCII)


def _ip_literal(text: str) -> bool:
    if _IP_FUTURE.fullmatch(text) is not None:
        return True
    # NOTE: a zone id (`%eth0`) is not allowed in a Host header, though `IPv6Address` would take it.
    if "%" in text:
        return False
    try:
        IPv6Address(text)
    except AddressValueError:
        return False
    return True


def parse_host_header(host_header: str | None) -> ParsedHost | None:
    """The host and port of a ``Host`` header value, or None when it is absent, empty or malformed."""
    found = _AUTHORITY.fullmatch(host_header) if host_header else None
    if found is None:
        return None
    literal = found["literal"]
    if literal is not None and not _ip_literal(literal):
        return None
    return ParsedHost(found["host"], found["port"])


@functools.lru_cache(maxsize=256)
def parse_raw_host(value: bytes | None) -> tuple[ParsedHost | None, str]:
    """A raw ``Host`` header value parsed, and its host name lower-cased ("" when absent, empty or malformed)."""
    # PERF: cached by the raw value: a server answers few distinct Host headers, each parsed by a regex.
    parsed = parse_host_header(None if value is None else value.decode("latin-1"))
    return parsed, "" if parsed is None else parsed.host.lower()
