"""Authentication primitives: credentials, users, backends and the ``requires`` permission decorator."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec
from urllib.parse import urlencode

from starlette_c._utils import is_async_callable
from starlette_c.exceptions import HTTPException
from starlette_c.requests import HTTPConnection, Request
from starlette_c.responses import RedirectResponse
from starlette_c.websockets import WebSocket

_P = ParamSpec("_P")


def has_required_scope(conn: HTTPConnection, scopes: Sequence[str]) -> bool:
    granted = conn.auth.scopes
    return all(scope in granted for scope in scopes)


def _connection_parameter(func: Callable[..., Any]) -> tuple[str, int]:
    for index, name in enumerate(inspect.signature(func).parameters):
        if name in ("request", "websocket"):
            return name, index
    raise Exception(f'No "request" or "websocket" argument on function "{func}"')


def _find_argument(name: str, index: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if name in kwargs:
        return kwargs[name]
    return args[index] if index < len(args) else None


def requires(
    scopes: str | Sequence[str],
    status_code: int = 403,
    redirect: str | None = None,
) -> Callable[[Callable[_P, Any]], Callable[_P, Any]]:
    scopes_list = [scopes] if isinstance(scopes, str) else list(scopes)

    def refusal(name: str, index: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> RedirectResponse | None:
        request = _find_argument(name, index, args, kwargs)
        if not isinstance(request, Request):
            raise AssertionError()
        if has_required_scope(request, scopes_list):
            return None
        if redirect is None:
            raise HTTPException(status_code=status_code)
        next_url = f"{request.url_for(redirect)}?{urlencode({'next': str(request.url)})}"
        return RedirectResponse(url=next_url, status_code=303)

    def decorator(func: Callable[_P, Any]) -> Callable[_P, Any]:
        name, index = _connection_parameter(func)

        if name == "websocket":

            @functools.wraps(func)
            async def websocket_wrapper(*args: _P.args, **kwargs: _P.kwargs) -> None:
                websocket = _find_argument(name, index, args, kwargs)
                if not isinstance(websocket, WebSocket):
                    raise AssertionError()
                if has_required_scope(websocket, scopes_list):
                    await func(*args, **kwargs)
                else:
                    await websocket.close()

            return websocket_wrapper

        if is_async_callable(func):

            @functools.wraps(func)
            async def async_wrapper(*args: _P.args, **kwargs: _P.kwargs) -> Any:
                response = refusal(name, index, args, kwargs)
                return response if response is not None else await func(*args, **kwargs)

            return async_wrapper

        @functools.wraps(func)
        def sync_wrapper(*args: _P.args, **kwargs: _P.kwargs) -> Any:
            response = refusal(name, index, args, kwargs)
            return response if response is not None else func(*args, **kwargs)

        return sync_wrapper

    return decorator


class AuthenticationError(Exception):
    pass


class AuthenticationBackend:
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        raise NotImplementedError()


class AuthCredentials:
    def __init__(self, scopes: Sequence[str] | None = None):
        self.scopes = [] if scopes is None else list(scopes)


class BaseUser:
    @property
    def is_authenticated(self) -> bool:
        raise NotImplementedError()

    @property
    def display_name(self) -> str:
        raise NotImplementedError()

    @property
    def identity(self) -> str:
        raise NotImplementedError()


class SimpleUser(BaseUser):
    def __init__(self, username: str) -> None:
        self.username = username

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.username


class UnauthenticatedUser(BaseUser):
    @property
    def is_authenticated(self) -> bool:
        return False

    @property
    def display_name(self) -> str:
        return ""
