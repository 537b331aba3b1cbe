from __future__ import annotations

import functools
import sys
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest

from starlette_c._utils import (
    AwaitableOrContextManager,
    AwaitableOrContextManagerWrapper,
    collapse_excgroups,
    get_route_path,
    is_async_callable,
)

if sys.version_info < (3, 11):  # pragma: no cover (Python 3.10 only)
    from exceptiongroup import ExceptionGroup


async def async_function() -> None:
    pass  # pragma: no cover (never awaited)


def sync_function() -> None:
    pass  # pragma: no cover (never called)


class AsyncCallable:
    async def __call__(self) -> None:
        pass  # pragma: no cover (never awaited)

    async def method(self) -> None:
        pass  # pragma: no cover (never awaited)


class SyncCallable:
    def __call__(self) -> None:
        pass  # pragma: no cover (never called)


@pytest.mark.parametrize(
    "obj, expected",
    [
        (async_function, True),
        (sync_function, False),
        (AsyncCallable(), True),
        (AsyncCallable, True),
        (AsyncCallable().method, True),
        (SyncCallable(), False),
        (functools.partial(async_function), True),
        (functools.partial(functools.partial(AsyncCallable())), True),
        (functools.partial(sync_function), False),
        (AsyncMock(), True),
        (MagicMock(), False),
        (lambda: None, False),
        (1, False),
        (None, False),
    ],
)
def test_is_async_callable(obj: Any, expected: bool) -> None:
    assert is_async_callable(obj) is expected


@pytest.mark.parametrize(
    "path, root_path, expected",
    [
        ("/a/b", "", "/a/b"),
        ("/api/a", "/api", "/a"),
        ("/api", "/api", ""),
        ("/api/", "/api", "/"),
        ("/apiary", "/api", "/apiary"),
        ("/other", "/api", "/other"),
        ("/api/a", "/api/", "/api/a"),
        ("/api/", "/api/", ""),
    ],
)
def test_get_route_path(path: str, root_path: str, expected: str) -> None:
    assert get_route_path({"path": path, "root_path": root_path}) == expected


def test_get_route_path_without_root_path() -> None:
    assert get_route_path({"path": "/x"}) == "/x"


def test_collapse_excgroups_unwraps_single_exceptions() -> None:
    error = ValueError("inner")
    with pytest.raises(ValueError) as info, collapse_excgroups():
        raise ExceptionGroup("outer", [ExceptionGroup("middle", [error])])
    assert info.value is error


def test_collapse_excgroups_keeps_groups_of_many() -> None:
    with pytest.raises(ExceptionGroup) as info, collapse_excgroups():
        raise ExceptionGroup("outer", [ValueError("a"), KeyError("b")])
    assert len(info.value.exceptions) == 2


def test_collapse_excgroups_passes_plain_exceptions() -> None:
    with pytest.raises(KeyError, match="plain"), collapse_excgroups():
        raise KeyError("plain")
    with collapse_excgroups():
        pass


class Closable:
    def __init__(self) -> None:
        self.closed = False

    async def close(self) -> None:
        self.closed = True


async def open_closable() -> Closable:
    return Closable()


@pytest.mark.anyio
async def test_wrapper_can_be_awaited() -> None:
    wrapper = AwaitableOrContextManagerWrapper(open_closable())
    value = await wrapper
    assert isinstance(value, Closable) and not value.closed


@pytest.mark.anyio
async def test_wrapper_as_context_manager_closes() -> None:
    wrapper: AwaitableOrContextManager[Closable] = AwaitableOrContextManagerWrapper(open_closable())
    async with wrapper as value:
        assert not value.closed
    assert value.closed


def test_wrapper_slots() -> None:
    assert AwaitableOrContextManagerWrapper.__slots__ == ("aw", "entered")
