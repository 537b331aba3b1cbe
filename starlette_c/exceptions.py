"""Exceptions that the exception middleware turns into responses (HTTP) or closing frames (WebSocket)."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

# NOTE: a code outside the standard registry (599, 999, ...) gets an empty default detail, as in the reference.
_PHRASES: dict[object, str] = {status.value: status.phrase for status in HTTPStatus}


class StarletteDeprecationWarning(UserWarning):
    """Marks an API that a future Starlette release removes.

    It derives from UserWarning rather than DeprecationWarning on purpose: Python hides the latter by default
    outside ``__main__``, and a library's deprecations should reach the people running it.
    """


class WebSocketException(Exception):
    def __init__(self, code: int, reason: str | None = None) -> None:
        self.reason = reason or ""
        self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r})"

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


class HTTPException(Exception):
    def __init__(self, status_code: int, detail: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        self.headers = headers
        self.detail = _PHRASES.get(status_code, "") if detail is None else detail
        self.status_code = status_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"
