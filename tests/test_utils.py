from __future__ import annotations

import dataclasses
import functools
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest

from starlette_c._utils import (
    AwaitableOrContextManager,
    AwaitableOrContextManagerWrapper,
    ParsedHost,
    create_collapsing_task_group,
    get_route_path,
    is_async_callable,
    parse_host_header,
)


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


# -- parse_host_header ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("example.com", ("example.com", None)),
        ("Example.COM:8000", ("Example.COM", "8000")),
        ("127.0.0.1:1", ("127.0.0.1", "1")),
        ("[::1]", ("[::1]", None)),
        ("[::1]:8080", ("[::1]", "8080")),
        ("[::ffff:1.2.3.4]", ("[::ffff:1.2.3.4]", None)),
        ("[v1.a:b]:80", ("[v1.a:b]", "80")),
        ("my_host-1.internal", ("my_host-1.internal", None)),
        ("a%20b", ("a%20b", None)),
        ("h:99999", ("h", "99999")),
        ("h:00080", ("h", "00080")),
    ],
)
def test_parse_host_header_splits_valid_hosts(header: str, expected: tuple[str, str | None]) -> None:
    assert parse_host_header(header) == ParsedHost(*expected)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        " ",
        " a",
        "a b",
        "::1",
        "[::1",
        "[::1]x",
        "[::1]:",
        "[fe80::1%eth0]",
        "[1.2.3.4]",
        "[V1.x]",
        "[v1.]",
        "[]",
        "h:",
        ":80",
        "h:+1",
        "h:1:2",
        "a@b",
        "a/b",
        "a?b",
        "a\\b",
        "\u00e9.com",
        "h:\uff11",
        "h\x00",
        "h\r\n",
    ],
)
def test_parse_host_header_rejects_malformed_hosts(header: str | None) -> None:
    assert parse_host_header(header) is None


def test_parsed_host_is_a_frozen_slotted_value() -> None:
    parsed = ParsedHost("h", "1")
    assert parsed == ParsedHost("h", "1") and hash(parsed) == hash(ParsedHost("h", "1"))
    assert repr(parsed) == "ParsedHost(host='h', port='1')"
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.host = "x"  # type: ignore[misc]
    assert not hasattr(parsed, "__dict__")


def test_parse_host_header_is_linear_on_huge_input() -> None:
    assert parse_host_header("a" * 1_000_000) == ParsedHost("a" * 1_000_000, None)
    assert parse_host_header("[" + ":" * 100_000 + "]") is None


# -- create_collapsing_task_group ------------------------------------------------------------------------------


async def fail(exc: BaseException) -> None:
    raise exc


@pytest.mark.anyio
async def test_collapsing_task_group_unwraps_a_lone_child_error() -> None:
    error = ValueError("child")
    with pytest.raises(ValueError) as info:
        async with create_collapsing_task_group() as group:
            group.start_soon(fail, error)
    assert info.value is error
    assert isinstance(info.value.__context__, ExceptionGroup)
    assert info.value.__suppress_context__


@pytest.mark.anyio
async def test_collapsing_task_group_keeps_the_cause_of_the_lone_error() -> None:
    cause = KeyError("cause")
    error = ValueError("child")
    error.__cause__ = cause
    with pytest.raises(ValueError) as info:
        async with create_collapsing_task_group() as group:
            group.start_soon(fail, error)
    assert info.value.__cause__ is cause


@pytest.mark.anyio
async def test_collapsing_task_group_keeps_what_led_to_the_lone_error() -> None:
    async def fail_while_handling() -> None:
        try:
            raise KeyError("inner")
        except KeyError:
            raise ValueError("outer")

    async def fail_suppressed() -> None:
        try:
            raise KeyError("inner")
        except KeyError:
            raise ValueError("outer") from None

    with pytest.raises(ValueError) as info:
        async with create_collapsing_task_group() as group:
            group.start_soon(fail_while_handling)
    assert repr(info.value.__cause__) == "KeyError('inner')"
    with pytest.raises(ValueError) as info:
        async with create_collapsing_task_group() as group:
            group.start_soon(fail_suppressed)
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.anyio
async def test_collapsing_task_group_leaves_a_user_group_as_raised() -> None:
    with pytest.raises(ExceptionGroup) as info:
        async with create_collapsing_task_group():
            raise ExceptionGroup("user", [ValueError("u")])
    assert info.value.message == "user"
    assert [type(exc) for exc in info.value.exceptions] == [ValueError]


@pytest.mark.anyio
async def test_collapsing_task_group_keeps_groups_of_many() -> None:
    with pytest.raises(ExceptionGroup) as info:
        async with create_collapsing_task_group() as group:
            group.start_soon(fail, ValueError("a"))
            group.start_soon(fail, KeyError("b"))
    assert sorted(type(exc).__name__ for exc in info.value.exceptions) == ["KeyError", "ValueError"]


@pytest.mark.anyio
async def test_collapsing_task_group_without_errors() -> None:
    done: list[int] = []

    async def work() -> None:
        done.append(1)

    async with create_collapsing_task_group() as group:
        group.start_soon(work)
    assert done == [1]
