from __future__ import annotations

import http

import pytest

from starlette_c import status
from starlette_c.exceptions import StarletteDeprecationWarning


def test_http_constants_match_the_registry() -> None:
    http_names = [name for name in status.__all__ if name.startswith("HTTP_")]
    for name in http_names:
        assert getattr(status, name) == int(name.split("_")[1])
    for code in http.HTTPStatus:
        assert any(getattr(status, name) == code.value for name in http_names), code


def test_websocket_constants() -> None:
    assert status.WS_1000_NORMAL_CLOSURE == 1000
    assert status.WS_1008_POLICY_VIOLATION == 1008
    assert status.WS_1015_TLS_HANDSHAKE == 1015


@pytest.mark.parametrize(
    "old, new",
    [
        ("HTTP_413_REQUEST_ENTITY_TOO_LARGE", "HTTP_413_CONTENT_TOO_LARGE"),
        ("HTTP_414_REQUEST_URI_TOO_LONG", "HTTP_414_URI_TOO_LONG"),
        ("HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE", "HTTP_416_RANGE_NOT_SATISFIABLE"),
        ("HTTP_422_UNPROCESSABLE_ENTITY", "HTTP_422_UNPROCESSABLE_CONTENT"),
    ],
)
def test_renamed_constants_warn(old: str, new: str) -> None:
    with pytest.warns(StarletteDeprecationWarning, match=f"'{old}' is deprecated. Use '{new}' instead."):
        value = getattr(status, old)
    assert value == getattr(status, new)


def test_unknown_name() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'HTTP_999_NOPE'"):
        status.HTTP_999_NOPE  # noqa: B018


def test_dir_lists_deprecated_names() -> None:
    names = dir(status)
    assert "HTTP_422_UNPROCESSABLE_ENTITY" in names
    assert "HTTP_200_OK" in names
