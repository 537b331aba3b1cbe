"""Twin parity under fuzzing: starlette_c._speedups.datastructures vs starlette_c._pure.datastructures."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz import strategies as s
from tests.fuzz.twins import FUZZ, regressions, same, twins

pure, compiled = twins("datastructures")


@FUZZ
@given(s.header_key)
def test_header_name(key: str) -> None:
    same(pure, compiled, "header_name", key)


@FUZZ
@given(st.dictionaries(s.header_key, s.header_value, max_size=5))
def test_encode_mapping(headers: dict[str, str]) -> None:
    same(pure, compiled, "encode_mapping", headers)


@FUZZ
@given(s.raw_headers, s.raw_name, st.binary(max_size=8))
def test_raw_functions(raw: list[tuple[bytes, bytes]], name: bytes, value: bytes) -> None:
    same(pure, compiled, "raw_get", raw, name)
    same(pure, compiled, "raw_set", raw, name, value)
    same(pure, compiled, "raw_delete", raw, name)
    same(pure, compiled, "raw_add_vary", raw, value)


@FUZZ
@given(s.raw_headers, s.header_key, s.header_value)
def test_header_functions(raw: list[tuple[bytes, bytes]], key: str, value: str) -> None:
    same(pure, compiled, "header_get", raw, key, None)
    same(pure, compiled, "header_getlist", raw, key)
    same(pure, compiled, "header_contains", raw, key)
    same(pure, compiled, "header_setdefault", raw, key, value)
    same(pure, compiled, "header_set", raw, key, value)
    same(pure, compiled, "header_delete", raw, key)
    same(pure, compiled, "header_append", raw, key, value)
    same(pure, compiled, "header_keys", raw)
    same(pure, compiled, "header_values", raw)
    same(pure, compiled, "header_items", raw)


@pytest.mark.parametrize("query", [case[0] for case in regressions("parse_query")] or ["a=1"])
def test_parse_query_regressions(query: str) -> None:
    same(pure, compiled, "parse_query", query)


@FUZZ
@given(s.query)
@example("a=%zz&%&=%%41&b=%e9%")
def test_parse_query(query: str) -> None:
    same(pure, compiled, "parse_query", query)


@FUZZ
@given(s.host)
@example("a:" + "9" * 6000)
@example("[::1]:65536")
def test_usable_host(host: str) -> None:
    same(pure, compiled, "usable_host", host)


@FUZZ
@given(s.scope())
def test_url_from_scope(scope: dict[str, Any]) -> None:
    result = same(pure, compiled, "url_from_scope", scope, key=lambda pair: pair[0])
    if result is not None:
        url, split = compiled.url_from_scope(scope)
        if split is not None:
            assert tuple(split) == tuple(urlsplit(url)), (scope, url, split)
