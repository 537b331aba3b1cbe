from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from starlette_c import convertors
from starlette_c.convertors import (
    CONVERTOR_TYPES,
    Convertor,
    FloatConvertor,
    IntegerConvertor,
    PathConvertor,
    StringConvertor,
    UUIDConvertor,
    register_url_convertor,
)


@pytest.fixture
def registry() -> Iterator[dict[str, Convertor[Any]]]:
    saved = dict(CONVERTOR_TYPES)
    yield CONVERTOR_TYPES
    CONVERTOR_TYPES.clear()
    CONVERTOR_TYPES.update(saved)


def fullmatch(convertor: Convertor[Any], text: str) -> bool:
    return re.fullmatch(convertor.regex, text) is not None


def test_builtin_registry() -> None:
    assert list(CONVERTOR_TYPES) == ["str", "path", "int", "float", "uuid"]
    kinds = {key: type(value) for key, value in CONVERTOR_TYPES.items()}
    assert kinds == {
        "str": StringConvertor,
        "path": PathConvertor,
        "int": IntegerConvertor,
        "float": FloatConvertor,
        "uuid": UUIDConvertor,
    }


def test_base_convertor_is_abstract() -> None:
    assert Convertor.regex == ""
    with pytest.raises(NotImplementedError):
        Convertor[str]().convert("x")
    with pytest.raises(NotImplementedError):
        Convertor[str]().to_string("x")


def test_string_convertor() -> None:
    conv = StringConvertor()
    assert fullmatch(conv, "hello world") and not fullmatch(conv, "a/b") and not fullmatch(conv, "")
    assert conv.convert("abc") == "abc"
    assert conv.to_string("abc") == "abc"
    assert conv.to_string(5) == "5"  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="^May not contain path separators$"):
        conv.to_string("a/b")
    with pytest.raises(AssertionError, match="^Must not be empty$"):
        conv.to_string("")


def test_path_convertor() -> None:
    conv = PathConvertor()
    assert fullmatch(conv, "") and fullmatch(conv, "a/b/c.txt")
    assert conv.convert("a/b") == "a/b"
    assert conv.to_string("a/b c") == "a/b c"


def test_integer_convertor() -> None:
    conv = IntegerConvertor()
    assert fullmatch(conv, "0012") and not fullmatch(conv, "-1") and not fullmatch(conv, "1.0")
    assert conv.convert("0012") == 12
    assert conv.to_string(42) == "42"
    assert conv.to_string("7") == "7"  # type: ignore[arg-type]
    assert conv.to_string(True) == "1"
    with pytest.raises(AssertionError, match="^Negative integers are not supported$"):
        conv.to_string(-1)


def test_float_convertor() -> None:
    conv = FloatConvertor()
    assert fullmatch(conv, "1") and fullmatch(conv, "1.25") and not fullmatch(conv, "1.") and not fullmatch(conv, "-1")
    assert conv.convert("1.50") == 1.5
    assert conv.to_string(1.5) == "1.5"
    assert conv.to_string(1.0) == "1"
    assert conv.to_string(10) == "10"
    assert conv.to_string(1e-7) == "0.0000001"
    assert conv.to_string(1e20) == "100000000000000000000"
    assert conv.to_string(0.1 + 0.2) == "0.30000000000000004441"
    with pytest.raises(AssertionError, match="^Negative floats are not supported$"):
        conv.to_string(-0.5)
    with pytest.raises(AssertionError, match="^NaN values are not supported$"):
        conv.to_string(math.nan)
    with pytest.raises(AssertionError, match="^NaN values are not supported$"):
        conv.to_string(-math.nan)
    with pytest.raises(AssertionError, match="^Infinite values are not supported$"):
        conv.to_string(math.inf)
    with pytest.raises(AssertionError, match="^Infinite values are not supported$"):
        conv.to_string(-math.inf)
    assert conv.to_string(-0.0) == "-0"


def test_uuid_convertor() -> None:
    conv = UUIDConvertor()
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert fullmatch(conv, "12345678-1234-5678-1234-567812345678")
    assert fullmatch(conv, "12345678123456781234567812345678")
    assert fullmatch(conv, "ABCDEF00-1234-5678-1234-567812345678")
    assert not fullmatch(conv, "12345678-1234-5678-1234-56781234567g")
    assert conv.convert("12345678123456781234567812345678") == value
    assert conv.to_string(value) == "12345678-1234-5678-1234-567812345678"


def test_register_url_convertor(registry: dict[str, Convertor[Any]]) -> None:
    class DateTimeConvertor(Convertor[datetime]):
        regex = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(.[0-9]+)?"

        def convert(self, value: str) -> datetime:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")

        def to_string(self, value: datetime) -> str:
            return value.strftime("%Y-%m-%dT%H:%M:%S")

    conv = DateTimeConvertor()
    assert register_url_convertor("datetime", conv) is None
    assert registry["datetime"] is conv
    assert convertors.CONVERTOR_TYPES["datetime"] is conv
    assert conv.convert("2020-01-02T03:04:05") == datetime(2020, 1, 2, 3, 4, 5)
