"""Twin parity under fuzzing: starlette_c._speedups.responses vs starlette_c._pure.responses."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz import strategies as s
from tests.fuzz.twins import FUZZ, same, twins

pure, compiled = twins("responses")


@FUZZ
@given(s.range_spec, st.integers(0, 2**64))
@example("0-1,-5,3-", 10)
@example("1-" + "9" * 5000, 10)
@example(" 0 - 1 ", 0)
def test_parse_byte_ranges(spec: str, size: int) -> None:
    pairs = same(pure, compiled, "parse_byte_ranges", spec, size)
    if pairs is not None:
        same(pure, compiled, "merge_ranges", [pair for pair in pairs if pair[0] < pair[1]])


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)).map(lambda p: (min(p), max(p) + 1)), max_size=30))
def test_merge_ranges(pairs: list[tuple[int, int]]) -> None:
    same(pure, compiled, "merge_ranges", pairs)


@FUZZ
@given(
    st.one_of(st.none(), st.dictionaries(s.header_key, s.header_value, max_size=4)),
    st.integers(-2, 10**6),
    st.one_of(
        st.none(), st.sampled_from(["text/plain", "text/html; charset=x", "TEXT/x", "application/json"]), s.header_value
    ),
    st.sampled_from(["utf-8", "latin-1", ""]),
    st.sampled_from([100, 101, 199, 200, 204, 206, 304, 404, 500]),
)
def test_init_raw_headers(
    headers: dict[str, str] | None, body_length: int, media_type: str | None, charset: str, status_code: int
) -> None:
    same(pure, compiled, "init_raw_headers", headers, body_length, media_type, charset, status_code)
