"""The raw header edits the middleware use agree with MutableHeaders on any header list."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from starlette_c.datastructures import MutableHeaders
from starlette_c.middleware._raw_headers import add_vary, delete, get_value, set_value

NAMES = st.sampled_from([b"vary", b"content-length", b"content-encoding", b"x-other"])
VALUES = st.binary(max_size=8)
HEADER_LISTS = st.lists(st.tuples(NAMES, VALUES), max_size=6)


@given(HEADER_LISTS, NAMES, VALUES)
def test_set_value(raw: list[tuple[bytes, bytes]], name: bytes, value: bytes) -> None:
    expected = MutableHeaders(raw=list(raw))
    expected[name.decode()] = value.decode("latin-1")
    set_value(raw, name, value)
    assert raw == expected.raw


@given(HEADER_LISTS, NAMES)
def test_delete(raw: list[tuple[bytes, bytes]], name: bytes) -> None:
    expected = MutableHeaders(raw=list(raw))
    del expected[name.decode()]
    same_list = raw
    delete(raw, name)
    assert raw == expected.raw
    assert raw is same_list


@given(HEADER_LISTS, st.sampled_from([b"Origin", b"Cookie", b"Accept-Encoding"]))
def test_add_vary(raw: list[tuple[bytes, bytes]], vary: bytes) -> None:
    expected = MutableHeaders(raw=list(raw))
    expected.add_vary_header(vary.decode())
    add_vary(raw, vary)
    assert raw == expected.raw


@given(HEADER_LISTS, NAMES)
def test_get_value(raw: list[tuple[bytes, bytes]], name: bytes) -> None:
    expected = MutableHeaders(raw=list(raw)).get(name.decode())
    found = get_value(raw, name)
    assert (None if found is None else found.decode("latin-1")) == expected


def test_add_vary_keeps_every_existing_vary_header() -> None:
    raw = [(b"x", b"1"), (b"vary", b"a, b"), (b"y", b"2"), (b"vary", b"c")]
    add_vary(raw, b"Origin")
    assert raw == [(b"x", b"1"), (b"vary", b"a, b, c, Origin"), (b"y", b"2")]
