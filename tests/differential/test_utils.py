"""``starlette_c._utils`` against the reference ``starlette._utils``: same results for the same inputs."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
import starlette._utils as reference
from anyio.abc import TaskGroup
from hypothesis import given, settings
from hypothesis import strategies as st

import starlette_c._utils as ours

HOST_ALPHABET = "ab1.:[]v%-_~!$&'()*+,;=/@? \t\x00\u00e9F0"


def parsed(module: Any, header: str | None) -> tuple[str, str | None] | None:
    result = module.parse_host_header(header)
    return None if result is None else (result.host, result.port)


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.none(),
        st.text(alphabet=HOST_ALPHABET, max_size=14),
        st.text(alphabet="0123456789abcdefABCDEFv:.%g", max_size=20).map(lambda text: f"[{text}]"),
        st.tuples(
            st.text(alphabet="0123456789abcdef:.", max_size=16), st.text(alphabet=":0123456789x", max_size=6)
        ).map(lambda parts: f"[{parts[0]}]{parts[1]}"),
        st.text(max_size=8),
    )
)
def test_parse_host_header_same_as_reference(header: str | None) -> None:
    assert parsed(ours, header) == parsed(reference, header)


def test_parse_host_header_surface_same_as_reference() -> None:
    assert str(inspect.signature(ours.parse_host_header)) == str(inspect.signature(reference.parse_host_header))
    assert [field for field in ours.ParsedHost.__dataclass_fields__] == list(reference.ParsedHost.__dataclass_fields__)
    assert ours.ParsedHost.__dataclass_params__.frozen == reference.ParsedHost.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert ours.ParsedHost.__slots__ == reference.ParsedHost.__slots__
    assert repr(ours.ParsedHost("h", None)) == repr(reference.ParsedHost("h", None))


@pytest.mark.parametrize(
    ("path", "root_path"),
    [
        ("/a/b", "/a"),
        ("/a", "/a"),
        ("/ab", "/a"),
        ("/a/b", ""),
        ("/a/b", "/a/"),
        ("/a/", "/a/"),
        ("/x", "/a"),
        ("", ""),
    ],
)
def test_get_route_path_same_as_reference(path: str, root_path: str) -> None:
    scope = {"path": path, "root_path": root_path}
    assert ours.get_route_path(scope) == reference.get_route_path(scope)


def shape(exc: BaseException) -> str:
    text = type(exc).__name__
    if isinstance(exc, BaseExceptionGroup):
        text += "[" + ", ".join(sorted(shape(inner) for inner in exc.exceptions)) + "]"
    return text


async def fail(exc: BaseException) -> None:
    raise exc


Body = Callable[[TaskGroup], Awaitable[None]]


async def lone_child(group: TaskGroup) -> None:
    group.start_soon(fail, ValueError("x"))


async def body_raises(group: TaskGroup) -> None:
    raise ValueError("body")


async def two_children(group: TaskGroup) -> None:
    group.start_soon(fail, ValueError("x"))
    group.start_soon(fail, KeyError("y"))


async def body_raises_group(group: TaskGroup) -> None:
    raise ExceptionGroup("user", [ValueError("u")])


async def child_raises_group(group: TaskGroup) -> None:
    group.start_soon(fail, ExceptionGroup("user", [ValueError("u"), KeyError("k")]))


async def child_and_body(group: TaskGroup) -> None:
    group.start_soon(fail, ValueError("x"))
    raise KeyError("body")


async def child_while_body_sleeps(group: TaskGroup) -> None:
    group.start_soon(fail, ValueError("x"))
    await anyio.sleep(1)


async def cancelled(group: TaskGroup) -> None:
    group.cancel_scope.cancel()
    await anyio.sleep(1)


async def outcome(module: Any, body: Body) -> tuple[str, ...]:
    try:
        async with module.create_collapsing_task_group() as group:
            await body(group)
    except Exception as exc:
        context = exc.__context__
        return (shape(exc), type(context).__name__, type(exc.__cause__).__name__, str(exc.__suppress_context__))
    return ("no error",)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [
        lone_child,
        body_raises,
        two_children,
        body_raises_group,
        child_raises_group,
        child_and_body,
        child_while_body_sleeps,
        cancelled,
    ],
)
async def test_create_collapsing_task_group_same_as_reference(body: Body) -> None:
    assert await outcome(ours, body) == await outcome(reference, body)
    assert str(inspect.signature(ours.create_collapsing_task_group)) == str(
        inspect.signature(reference.create_collapsing_task_group)
    )
