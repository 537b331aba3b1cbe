"""The HTTP connection and request objects handed to endpoints, built lazily over the ASGI scope."""

from __future__ import annotations

import http.cookies as http_cookies
import json
import sys
from collections.abc import AsyncGenerator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, NoReturn, cast

import anyio

from starlette_c._utils import AwaitableOrContextManager, AwaitableOrContextManagerWrapper
from starlette_c.datastructures import (
    URL,
    Address,
    FormData,
    Headers,
    QueryParams,
    State,
    _headers_from_scope,
    _query_params_from_string,
)
from starlette_c.exceptions import HTTPException
from starlette_c.formparsers import FormParser, MultiPartException, MultiPartParser, parse_options_header
from starlette_c.types import Message, Receive, Scope, Send

if sys.version_info >= (3, 13):  # pragma: no cover (taken on Python >= 3.13 only)
    from typing import TypeVar
else:  # pragma: no cover (taken on Python < 3.13 only)
    from typing_extensions import TypeVar

if TYPE_CHECKING:
    from starlette_c.routing import Router

SERVER_PUSH_HEADERS_TO_COPY = {"accept", "accept-encoding", "accept-language", "cache-control", "user-agent"}

StateT = TypeVar("StateT", bound=Mapping[str, Any] | State, default=State)


def cookie_parser(cookie_string: str) -> dict[str, str]:
    """Parse a ``Cookie`` header leniently, the way browsers send it (not the strict RFC 6265 grammar).

    Pairs are split on ``;`` and then on the first ``=``; a chunk without ``=`` is a value with an empty
    name. Names and values are stripped, quoted values are unquoted, and a later duplicate name wins.
    """
    cookies: dict[str, str] = {}
    for chunk in cookie_string.split(";"):
        name, sep, value = chunk.partition("=")
        if not sep:
            name, value = "", name
        name = name.strip()
        value = value.strip()
        if name or value:
            cookies[name] = http_cookies._unquote(value)
    return cookies


class ClientDisconnect(Exception):
    pass


class HTTPConnection(Mapping[str, Any], Generic[StateT]):
    """What HTTP requests and WebSocket sessions share: a read-only mapping over the ASGI scope."""

    def __init__(self, scope: Scope, receive: Receive | None = None) -> None:
        assert scope["type"] in ("http", "websocket")
        self.scope = scope

    def __getitem__(self, key: str) -> Any:
        return self.scope[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.scope)

    def __len__(self) -> int:
        return len(self.scope)

    # NOTE: connections compare and hash by identity, not as mappings of their scope.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def app(self) -> Any:
        return self.scope["app"]

    # PERF: the lazily built parts are read with getattr's default: a first read raises no AttributeError.
    @property
    def url(self) -> URL:
        url: URL | None = getattr(self, "_url", None)
        if url is None:
            url = self._url = URL(scope=self.scope)
        return url

    @property
    def base_url(self) -> URL:
        base_url: URL | None = getattr(self, "_base_url", None)
        if base_url is None:
            scope = dict(self.scope)
            root_path: str = scope.get("app_root_path", scope.get("root_path", ""))
            scope["path"] = root_path if root_path.endswith("/") else root_path + "/"
            scope["query_string"] = b""
            scope["root_path"] = root_path
            base_url = self._base_url = URL(scope=scope)
        return base_url

    @property
    def headers(self) -> Headers:
        headers: Headers | None = getattr(self, "_headers", None)
        if headers is None:
            headers = self._headers = _headers_from_scope(self.scope)
        return headers

    @property
    def query_params(self) -> QueryParams:
        query_params: QueryParams | None = getattr(self, "_query_params", None)
        if query_params is None:
            query_params = self._query_params = _query_params_from_string(self.scope["query_string"])
        return query_params

    @property
    def path_params(self) -> dict[str, Any]:
        path_params: dict[str, Any] = self.scope.get("path_params", {})
        return path_params

    @property
    def cookies(self) -> dict[str, str]:
        cookies: dict[str, str] | None = getattr(self, "_cookies", None)
        if cookies is None:
            cookies = {}
            for header in self.headers.getlist("cookie"):
                cookies.update(cookie_parser(header))
            self._cookies = cookies
        return cookies

    @property
    def client(self) -> Address | None:
        host_port = self.scope.get("client")
        if host_port is None:
            return None
        return Address(*host_port)

    @property
    def session(self) -> dict[str, Any]:
        assert "session" in self.scope, "SessionMiddleware must be installed to access request.session"
        session: dict[str, Any] = self.scope["session"]
        # NOTE: SessionMiddleware's session records reads, so the response can carry `Vary: Cookie`.
        mark_accessed = getattr(session, "mark_accessed", None)
        if mark_accessed is not None:
            mark_accessed()
        return session

    @property
    def auth(self) -> Any:
        assert "auth" in self.scope, "AuthenticationMiddleware must be installed to access request.auth"
        return self.scope["auth"]

    @property
    def user(self) -> Any:
        assert "user" in self.scope, "AuthenticationMiddleware must be installed to access request.user"
        return self.scope["user"]

    @property
    def state(self) -> StateT:
        state: State | None = getattr(self, "_state", None)
        if state is None:
            # NOTE: the State shares the scope's "state" dict, so middleware and endpoints see the same values.
            state = self._state = State(self.scope.setdefault("state", {}))
        return cast(StateT, state)

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        provider: Router | None = self.scope.get("router") or self.scope.get("app")
        if provider is None:
            raise RuntimeError("The `url_for` method can only be used inside a Starlette application or with a router.")
        url_path = provider.url_path_for(name, **path_params)
        return url_path.make_absolute_url(base_url=self.base_url)


async def empty_receive() -> NoReturn:
    raise RuntimeError("Receive channel has not been made available")


async def empty_send(message: Message) -> NoReturn:
    raise RuntimeError("Send channel has not been made available")


class Request(HTTPConnection[StateT]):
    """An HTTP request: the scope plus the receive channel its body arrives on (read once, then cached)."""

    # PERF: the per-request flags start as class attributes, so construction stores only what it is given.
    _form: FormData | None = None
    _stream_consumed = False
    _is_disconnected = False

    def __init__(self, scope: Scope, receive: Receive = empty_receive, send: Send = empty_send):
        # PERF: HTTPConnection.__init__ is not called: it only stores the scope after a looser check than this.
        assert scope["type"] == "http"
        self.scope = scope
        self._receive = receive
        self._send = send

    @property
    def method(self) -> str:
        method: str = self.scope["method"]
        return method

    @property
    def receive(self) -> Receive:
        return self._receive

    async def stream(self) -> AsyncGenerator[bytes, None]:
        if hasattr(self, "_body"):
            yield self._body
            yield b""
            return
        if self._stream_consumed:
            raise RuntimeError("Stream consumed")
        while not self._stream_consumed:
            body = self._take_body_chunk(await self._receive())
            if body:
                yield body
        yield b""

    def _take_body_chunk(self, message: Message) -> bytes:
        """The body bytes of one received ``message``: marks the end of the stream, raises on a disconnect."""
        message_type = message["type"]
        if message_type == "http.request":
            if not message.get("more_body", False):
                self._stream_consumed = True
            body: bytes = message.get("body", b"")
            return body
        if message_type == "http.disconnect":
            self._is_disconnected = True
            raise ClientDisconnect()
        return b""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            if type(self).stream is not Request.stream:
                # NOTE: a subclass's own stream() is what its body is read from.
                chunks = [chunk async for chunk in self.stream()]
            else:
                # PERF: the stock stream is read here without its async generator (asyncio registers each one).
                if self._stream_consumed:
                    raise RuntimeError("Stream consumed")
                chunks = []
                while not self._stream_consumed:
                    chunks.append(self._take_body_chunk(await self._receive()))
            self._body: bytes = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json: Any = json.loads(await self.body())
        return self._json

    async def _get_form(
        self,
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> FormData:
        if self._form is not None:
            return self._form
        assert parse_options_header is not None, "The `python-multipart` library must be installed to use form parsing."
        content_type, _ = parse_options_header(self.headers.get("Content-Type"))
        parser: FormParser | MultiPartParser
        if content_type == b"multipart/form-data":
            parser = MultiPartParser(
                self.headers, self.stream(), max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
            )
        elif content_type == b"application/x-www-form-urlencoded":
            parser = FormParser(self.headers, self.stream(), max_fields=max_fields, max_part_size=max_part_size)
        else:
            self._form = FormData()
            return self._form
        try:
            self._form = await parser.parse()
        except MultiPartException as exc:
            # NOTE: inside an application a malformed or oversized form is the client's fault: answer 400.
            if "app" in self.scope:
                raise HTTPException(status_code=400, detail=exc.message)
            raise
        return self._form

    def form(
        self,
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> AwaitableOrContextManager[FormData]:
        return AwaitableOrContextManagerWrapper(
            self._get_form(max_files=max_files, max_fields=max_fields, max_part_size=max_part_size)
        )

    async def close(self) -> None:
        if self._form is not None:
            await self._form.close()

    async def is_disconnected(self) -> bool:
        if not self._is_disconnected:
            message: Message = {}
            # NOTE: poll without waiting: a receive that would block is cancelled at once.
            with anyio.CancelScope() as scope:
                scope.cancel()
                message = await self._receive()
            if message.get("type") == "http.disconnect":
                self._is_disconnected = True
        return self._is_disconnected

    async def send_push_promise(self, path: str) -> None:
        if "http.response.push" in self.scope.get("extensions", {}):
            headers = [
                (name, value)
                for name, value in self.headers.raw
                if name.decode("latin-1") in SERVER_PUSH_HEADERS_TO_COPY
            ]
            await self._send({"type": "http.response.push", "path": path, "headers": headers})
