"""Small helpers shared across the package (and imported by FastAPI)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Awaitable, Callable, Generator
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

from starlette_c.types import Scope

if TYPE_CHECKING:
    from typing_extensions import TypeIs

if sys.version_info >= (3, 12):  # pragma: no cover (taken on Python >= 3.12 only)
    from inspect import iscoroutinefunction
else:  # pragma: no cover (taken on Python < 3.12 only)
    # NOTE: asyncio's check also honours the legacy ``_is_coroutine`` marker set by older shims.
    from asyncio import iscoroutinefunction

if sys.version_info >= (3, 11):  # pragma: no cover (taken on Python >= 3.11 only)
    has_exceptiongroups = True
else:  # pragma: no cover (taken on Python 3.10 only)
    try:
        from exceptiongroup import BaseExceptionGroup
    except ImportError:
        has_exceptiongroups = False
    else:
        has_exceptiongroups = True

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

AwaitableCallable = Callable[..., Awaitable[T]]


@overload
def is_async_callable(obj: AwaitableCallable[T]) -> TypeIs[AwaitableCallable[T]]: ...


@overload
def is_async_callable(obj: Any) -> TypeIs[AwaitableCallable[Any]]: ...


def is_async_callable(obj: Any) -> Any:
    while isinstance(obj, functools.partial):
        obj = obj.func
    return iscoroutinefunction(obj) or (callable(obj) and iscoroutinefunction(obj.__call__))


class AwaitableOrContextManager(Awaitable[T_co], AbstractAsyncContextManager[T_co], Protocol[T_co]): ...


class SupportsAsyncClose(Protocol):
    async def close(self) -> None: ...


SupportsAsyncCloseType = TypeVar("SupportsAsyncCloseType", bound=SupportsAsyncClose, covariant=False)


class AwaitableOrContextManagerWrapper(Generic[SupportsAsyncCloseType]):
    """Lets ``await obj()`` and ``async with obj() as x`` share one call; the latter closes ``x`` on exit."""

    __slots__ = ("aw", "entered")

    def __init__(self, aw: Awaitable[SupportsAsyncCloseType]) -> None:
        self.aw = aw

    def __await__(self) -> Generator[Any, None, SupportsAsyncCloseType]:
        return self.aw.__await__()

    async def __aenter__(self) -> SupportsAsyncCloseType:
        self.entered = await self.aw
        return self.entered

    async def __aexit__(self, *args: Any) -> None | bool:
        await self.entered.close()
        return None


@contextmanager
def collapse_excgroups() -> Generator[None, None, None]:
    """Re-raise the lone exception of (nested) single-member exception groups as itself."""
    try:
        yield
    except BaseException as exc:
        if has_exceptiongroups:  # pragma: no branch (False only on Python 3.10 without exceptiongroup)
            while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
                exc = exc.exceptions[0]
        raise exc


def get_route_path(scope: Scope) -> str:
    """The part of ``scope["path"]`` below ``scope["root_path"]`` (the whole path when it is not below it)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if len(path) == len(root_path):
        return ""
    if path[len(root_path)] == "/":
        return path[len(root_path) :]
    return path
