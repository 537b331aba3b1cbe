"""Path parameter convertors: what a ``{name:type}`` placeholder matches, and the conversions both ways.

The route matcher uses each convertor's ``regex`` to build the path pattern, ``convert`` on a matched segment
and ``to_string`` when ``url_path_for`` fills the placeholder back in. ``register_url_convertor`` adds a type.
"""

from __future__ import annotations

import math
import uuid
from typing import Any, ClassVar, Generic, TypeVar

T = TypeVar("T")


class Convertor(Generic[T]):
    """Base of every convertor; a subclass sets ``regex`` and implements both directions."""

    regex: ClassVar[str] = ""

    def convert(self, value: str) -> T:
        raise NotImplementedError()

    def to_string(self, value: T) -> str:
        raise NotImplementedError()


def _decimal_text(number: float) -> str:
    # NOTE: fixed-point with 20 decimals, trailing zeros dropped: no exponent ever reaches the URL.
    return format(number, ".20f").rstrip("0").removesuffix(".")


class StringConvertor(Convertor[str]):
    """One non-empty path segment, taken as is."""

    regex = "[^/]+"

    def to_string(self, value: str) -> str:
        segment = str(value)
        assert segment, "Must not be empty"
        assert "/" not in segment, "May not contain path separators"
        return segment

    def convert(self, value: str) -> str:
        return value


class PathConvertor(Convertor[str]):
    """The rest of the path, separators included (possibly empty)."""

    regex = ".*"

    def to_string(self, value: str) -> str:
        return str(value)

    def convert(self, value: str) -> str:
        return str(value)


class IntegerConvertor(Convertor[int]):
    """Decimal digits only: no sign, so negative numbers cannot be built into a URL either."""

    regex = "[0-9]+"

    def to_string(self, value: int) -> str:
        number = int(value)
        assert number >= 0, "Negative integers are not supported"
        return str(number)

    def convert(self, value: str) -> int:
        return int(value)


class FloatConvertor(Convertor[float]):
    """Digits with an optional fraction; NaN, infinities and negative numbers have no URL form."""

    regex = r"[0-9]+(\.[0-9]+)?"

    def to_string(self, value: float) -> str:
        number = float(value)
        assert not math.isnan(number), "NaN values are not supported"
        assert not math.isinf(number), "Infinite values are not supported"
        assert number >= 0.0, "Negative floats are not supported"
        return _decimal_text(number)

    def convert(self, value: str) -> float:
        return float(value)


_HEX = "[0-9a-fA-F]"


class UUIDConvertor(Convertor[uuid.UUID]):
    """A UUID in hex, its four dashes optional."""

    regex = "-?".join(f"{_HEX}{{{width}}}" for width in (8, 4, 4, 4, 12))

    def to_string(self, value: uuid.UUID) -> str:
        return str(value)

    def convert(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)


CONVERTOR_TYPES: dict[str, Convertor[Any]] = {
    key: kind()
    for key, kind in (
        ("str", StringConvertor),
        ("path", PathConvertor),
        ("int", IntegerConvertor),
        ("float", FloatConvertor),
        ("uuid", UUIDConvertor),
    )
}


def register_url_convertor(key: str, convertor: Convertor[Any]) -> None:
    """Make ``{name:key}`` placeholders use ``convertor`` from now on (an existing key is replaced)."""
    CONVERTOR_TYPES[key] = convertor
