"""Twin parity under fuzzing: starlette_c._speedups.routing vs starlette_c._pure.routing."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import strategies as s
from tests.fuzz.twins import FUZZ, same, twins

pure, compiled = twins("routing")


def compiled_shape(result: tuple[Any, str, dict[str, Any]]) -> tuple[str, str, dict[str, str]]:
    pattern, fmt, convertors = result
    return pattern.pattern, fmt, {name: type(conv).__name__ for name, conv in convertors.items()}


@FUZZ
@given(s.route_path)
def test_compile_path(path: str) -> None:
    same(pure, compiled, "compile_path", path, key=compiled_shape, compare_args=False)


@FUZZ
@given(s.route_path, st.one_of(s.path_text, st.text(alphabet=st.sampled_from("/abc0123456789.-e"), max_size=30)))
def test_match_path(route: str, text: str) -> None:
    try:
        pattern, _, convertors = pure.compile_path(route)
    except Exception:
        return
    scope = {"type": "http", "path": text, "path_params": {"outer": "1"}}
    same(pure, compiled, "match_path", pattern, convertors, text, scope, compare_args=False)


@FUZZ
@given(s.route_path, st.one_of(s.path_text, st.text(alphabet=st.sampled_from("/abc0123456789.-"), max_size=30)))
def test_match_mount(route: str, text: str) -> None:
    try:
        pattern, _, convertors = pure.compile_path(route.rstrip("/") + "/{path:path}")
    except Exception:
        return
    scope = {"type": "http", "path": text}
    same(pure, compiled, "match_mount", pattern, convertors, text, scope, compare_args=False)
