"""starlette_c.convertors against the reference starlette.convertors: same patterns, results and errors."""

from __future__ import annotations

import decimal
import fractions
import inspect
import math
import re
import uuid
from types import ModuleType
from typing import Any

import pytest
import starlette.convertors as reference
from hypothesis import given, settings
from hypothesis import strategies as st

import starlette_c.convertors as ours

KEYS = ["str", "path", "int", "float", "uuid"]
CLASSES = ["Convertor", "StringConvertor", "PathConvertor", "IntegerConvertor", "FloatConvertor", "UUIDConvertor"]
VALUES: list[Any] = [
    "abc",
    "",
    "a/b",
    "1",
    "01",
    "-1",
    "1.5",
    "1e5",
    " 1 ",
    "1_000",
    "nan",
    "inf",
    "-inf",
    "12345678-1234-5678-1234-567812345678",
    "12345678123456781234567812345678",
    "0000000000000000000000000000000x",
    1,
    0,
    -1,
    2**70,
    True,
    0.0,
    -0.0,
    0.1,
    1.5,
    1e-30,
    5e-324,
    1e300,
    123456789.123456789,
    math.nan,
    -math.nan,
    math.inf,
    -math.inf,
    decimal.Decimal("1.5"),
    decimal.Decimal("NaN"),
    decimal.Decimal("-Infinity"),
    fractions.Fraction(1, 3),
    uuid.UUID(int=5),
    None,
    [1],
    b"1",
]


def observe(module: ModuleType, key: str, method: str, value: Any) -> tuple[str, str]:
    try:
        return ("returned", repr(getattr(module.CONVERTOR_TYPES[key], method)(value)))
    except Exception as exc:
        return ("raised", f"{type(exc).__name__}: {exc}")


def test_registry_keys_and_kinds() -> None:
    assert list(ours.CONVERTOR_TYPES) == list(reference.CONVERTOR_TYPES) == KEYS
    for key in KEYS:
        assert type(ours.CONVERTOR_TYPES[key]).__name__ == type(reference.CONVERTOR_TYPES[key]).__name__


@pytest.mark.parametrize("name", CLASSES)
def test_class_shape(name: str) -> None:
    mine, theirs = getattr(ours, name), getattr(reference, name)
    assert mine.regex == theirs.regex
    assert [c.__name__ for c in mine.__mro__] == [c.__name__ for c in theirs.__mro__]
    for method in ("convert", "to_string"):
        assert inspect.signature(getattr(mine, method)) == inspect.signature(getattr(theirs, method))
    assert inspect.signature(ours.register_url_convertor) == inspect.signature(reference.register_url_convertor)


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("method", ["convert", "to_string"])
def test_conversions(key: str, method: str) -> None:
    for value in VALUES:
        assert observe(ours, key, method, value) == observe(reference, key, method, value), repr(value)


@pytest.mark.parametrize("key", KEYS)
def test_patterns(key: str) -> None:
    for text in [value for value in VALUES if isinstance(value, str)] + [
        "1.",
        ".5",
        "a b",
        "ABCDEF00-1234-5678-1234-5678",
    ]:
        mine = re.fullmatch(ours.CONVERTOR_TYPES[key].regex, text) is not None
        assert mine == (re.fullmatch(reference.CONVERTOR_TYPES[key].regex, text) is not None), text


def test_float_url_path_for_with_nan_and_infinity() -> None:
    import starlette.routing

    import starlette_c.routing

    def outcome(routing: ModuleType, value: float) -> str:
        router = routing.Router([routing.Route("/v/{x:float}", lambda request: None, name="v")])
        try:
            return str(router.url_path_for("v", x=value))
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"

    for value in (math.nan, math.inf, -math.inf, -1.0, 2.5):
        assert outcome(starlette_c.routing, value) == outcome(starlette.routing, value)


@settings(max_examples=500, deadline=None)
@given(
    key=st.sampled_from(KEYS),
    method=st.sampled_from(["convert", "to_string"]),
    value=st.integers()
    | st.floats()
    | st.text(st.sampled_from("0123456789.-+eE_ abcdefABCDEF/\u0660\u00b2"), max_size=40)
    | st.uuids()
    | st.uuids().map(str),
)
def test_any_value_converts_as_in_the_reference(key: str, method: str, value: Any) -> None:
    assert observe(ours, key, method, value) == observe(reference, key, method, value)
