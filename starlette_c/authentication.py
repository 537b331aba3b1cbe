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

_CONNECTION_PARAMETERS = {"request": Request, "websocket": WebSocket}


def has_required_scope(conn: HTTPConnection, scopes: Sequence[str]) -> bool:
    # NOTE: the credentials are read only when a scope is required: with none, any connection passes.
    return all(scope in conn.auth.scopes for scope in scopes)


class _Gate:
    """Where one decorated endpoint receives its connection, and what a connection lacking the scopes gets."""

    def __init__(self, func: Callable[..., Any], scopes: list[str], status_code: int, redirect: str | None) -> None:
        names = list(inspect.signature(func).parameters)
        found = [name for name in names if name in _CONNECTION_PARAMETERS]
        if not found:
            raise Exception(f'No "request" or "websocket" argument on function "{func}"')
        self.parameter = found[0]
        self.position = names.index(self.parameter)
        self.kind = _CONNECTION_PARAMETERS[self.parameter]
        self.scopes = scopes
        self.status_code = status_code
        self.redirect = redirect

    def connection(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if self.parameter in kwargs:
            conn = kwargs[self.parameter]
        else:
            conn = args[self.position] if self.position < len(args) else None
        assert isinstance(conn, self.kind), (
            f"Parameter with name '{self.parameter}' is required to be of type "
            f"'{self.kind.__name__}' not '{type(conn).__name__}'"
        )
        return conn

    def refusal(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> RedirectResponse | None:
        """None lets the call through; otherwise the redirect to answer with (or HTTPException is raised)."""
        request: Request = self.connection(args, kwargs)
        if has_required_scope(request, self.scopes):
            return None
        if self.redirect is None:
            raise HTTPException(status_code=self.status_code)
        query = urlencode({"next": str(request.url)})
        return RedirectResponse(url=f"{request.url_for(self.redirect)}?{query}", status_code=303)


def requires(
    scopes: str | Sequence[str],
    status_code: int = 403,
    redirect: str | None = None,
) -> Callable[[Callable[_P, Any]], Callable[_P, Any]]:
    wanted = [scopes] if isinstance(scopes, str) else list(scopes)

    def decorator(func: Callable[_P, Any]) -> Callable[_P, Any]:
        gate = _Gate(func, wanted, status_code, redirect)

        if gate.kind is WebSocket:

            @functools.wraps(func)
            async def guarded_websocket(*args: _P.args, **kwargs: _P.kwargs) -> None:
                websocket: WebSocket = gate.connection(args, kwargs)
                if not has_required_scope(websocket, wanted):
                    await websocket.close()
                    return
                await func(*args, **kwargs)

            return guarded_websocket

        if is_async_callable(func):

            @functools.wraps(func)
            async def guarded_coroutine(*args: _P.args, **kwargs: _P.kwargs) -> Any:
                answer = gate.refusal(args, kwargs)
                if answer is None:
                    answer = await func(*args, **kwargs)
                return answer

            return guarded_coroutine

        @functools.wraps(func)
        def guarded_call(*args: _P.args, **kwargs: _P.kwargs) -> Any:
            answer = gate.refusal(args, kwargs)
            return func(*args, **kwargs) if answer is None else answer

        return guarded_call

    return decorator


class AuthenticationError(Exception):
    pass


class AuthenticationBackend:
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        raise NotImplementedError()


class AuthCredentials:
    def __init__(self, scopes: Sequence[str] | None = None):
        self.scopes = list(scopes or ())


class BaseUser:
    """What ``request.user`` offers; AuthenticationMiddleware puts an instance of a subclass there."""

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
    """A signed-in user known only by name: the name is also its display name and identity."""

    def __init__(self, username: str) -> None:
        self.username = username

    @property
    def identity(self) -> str:
        return self.username

    @property
    def display_name(self) -> str:
        return self.username

    @property
    def is_authenticated(self) -> bool:
        return True


class UnauthenticatedUser(BaseUser):
    """The anonymous visitor: empty name and identity."""

    @property
    def identity(self) -> str:
        return ""

    @property
    def display_name(self) -> str:
        return ""

    @property
    def is_authenticated(self) -> bool:
        return False
