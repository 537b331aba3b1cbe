"""Connections and requests: read-only views over an ASGI scope, whose parts are built on first use.

A `Request` also owns the receive channel its body arrives on. The body can be streamed once, or read whole
(then cached, so `body()`, `json()` and `form()` can follow one another).
"""

from __future__ import annotations

import http.cookies as http_cookies
import json
import sys
from collections.abc import AsyncGenerator, Iterator, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Generic, NoReturn, cast

import anyio

from starlette_c._utils import AwaitableOrContextManager, AwaitableOrContextManagerWrapper
from starlette_c.datastructures import URL, Address, FormData, Headers, QueryParams, State
from starlette_c.exceptions import HTTPException
from starlette_c.formparsers import FormParser, MultiPartException, MultiPartParser, parse_options_header
from starlette_c.types import Message, Receive, Scope, Send

if sys.version_info >= (3, 13):  # pragma: no cover (taken on Python >= 3.13 only)
    from typing import TypeVar
else:  # pragma: no cover (taken on Python < 3.13 only)
    from typing_extensions import TypeVar

if TYPE_CHECKING:
    from starlette_c.routing import Router

StateT = TypeVar("StateT", bound=Mapping[str, Any] | State, default=State)


def cookie_parser(cookie_string: str) -> dict[str, str]:
    """Parse a ``Cookie`` header the lenient way browsers write it, not by RFC 6265's strict grammar.

    Pairs are separated by ``;``; a pair without ``=`` is a value with an empty name; names and values are
    stripped and values unquoted; the last of several equal names wins; empty pairs are skipped.
    """
    jar: dict[str, str] = {}
    for pair in cookie_string.split(";"):
        name, equals, value = pair.partition("=")
        key, text = (name.strip(), value.strip()) if equals else ("", name.strip())
        if key or text:
            jar[key] = http_cookies._unquote(text)
    return jar


class ClientDisconnect(Exception):
    pass


class HTTPConnection(Mapping[str, Any], Generic[StateT]):
    """What HTTP requests and WebSocket sessions share: a read-only mapping over the ASGI scope."""

    # NOTE: connections compare and hash by identity, not as the mappings of their scopes.
    __hash__ = object.__hash__
    __eq__ = object.__eq__

    def __init__(self, scope: Scope, receive: Receive | None = None) -> None:
        assert scope["type"] in ("http", "websocket")
        self.scope = scope

    # NOTE: the lazily built parts live in `_url`, `_headers`, ...: middleware and subclasses assign them
    # (or serve them from `__getattr__`), so they are read with getattr, never assumed absent.
    @property
    def app(self) -> Any:
        return self.scope["app"]

    @property
    def url(self) -> URL:
        built: URL | None = getattr(self, "_url", None)
        if built is None:
            # PERF: positional arguments here and below: no keyword dict for the constructor per request.
            built = self._url = URL("", self.scope)
        return built

    @property
    def base_url(self) -> URL:
        built: URL | None = getattr(self, "_base_url", None)
        if built is None:
            mount = self.scope.get("app_root_path", self.scope.get("root_path", ""))
            path = mount if mount.endswith("/") else f"{mount}/"
            root = {**self.scope, "root_path": mount, "path": path, "query_string": b""}
            built = self._base_url = URL("", root)
        return built

    @property
    def headers(self) -> Headers:
        built: Headers | None = getattr(self, "_headers", None)
        if built is None:
            built = self._headers = Headers(None, None, self.scope)
        return built

    @property
    def query_params(self) -> QueryParams:
        built: QueryParams | None = getattr(self, "_query_params", None)
        if built is None:
            built = self._query_params = QueryParams(self.scope["query_string"])
        return built

    @property
    def path_params(self) -> dict[str, Any]:
        return cast("dict[str, Any]", self.scope.get("path_params", {}))

    @property
    def cookies(self) -> dict[str, str]:
        built: dict[str, str] | None = getattr(self, "_cookies", None)
        if built is None:
            built = {}
            for header in self.headers.getlist("cookie"):
                built.update(cookie_parser(header))
            self._cookies = built
        return built

    @property
    def client(self) -> Address | None:
        peer = self.scope.get("client")
        return None if peer is None else Address(*peer)

    def _from_middleware(self, key: str, middleware: str) -> Any:
        assert key in self.scope, f"{middleware} must be installed to access request.{key}"
        return self.scope[key]

    @property
    def session(self) -> dict[str, Any]:
        session: dict[str, Any] = self._from_middleware("session", "SessionMiddleware")
        # NOTE: SessionMiddleware's session records being read, so its response can carry `Vary: Cookie`.
        mark_accessed = getattr(session, "mark_accessed", None)
        if mark_accessed is not None:
            mark_accessed()
        return session

    @property
    def auth(self) -> Any:
        return self._from_middleware("auth", "AuthenticationMiddleware")

    @property
    def user(self) -> Any:
        return self._from_middleware("user", "AuthenticationMiddleware")

    @property
    def state(self) -> StateT:
        built: State | None = getattr(self, "_state", None)
        if built is None:
            # NOTE: the State wraps the scope's own "state" dict: middleware and endpoints share its values.
            built = self._state = State(self.scope.setdefault("state", {}))
        return cast(StateT, built)

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        router: Router | None = self.scope.get("router") or self.scope.get("app")
        if router is None:
            raise RuntimeError("The `url_for` method can only be used inside a Starlette application or with a router.")
        return router.url_path_for(name, **path_params).make_absolute_url(base_url=self.base_url)

    def __len__(self) -> int:
        return len(self.scope)

    def __iter__(self) -> Iterator[str]:
        return iter(self.scope)

    def __getitem__(self, key: str) -> Any:
        return self.scope[key]


async def empty_receive() -> NoReturn:
    raise RuntimeError("Receive channel has not been made available")


async def empty_send(message: Message) -> NoReturn:
    raise RuntimeError("Send channel has not been made available")


# What a server push promise carries over from the request that triggered it.
SERVER_PUSH_HEADERS_TO_COPY = {"accept", "accept-encoding", "accept-language", "cache-control", "user-agent"}


class Request(HTTPConnection[StateT]):
    """An HTTP request: the scope, the channel its body is received on, and the one responses are sent on."""

    # PERF: the body's bookkeeping starts as class attributes: a request stores only what it is given.
    _form: FormData | None = None
    _stream_consumed = False
    _is_disconnected = False
    # NOTE: set once read, never before: middleware tests `hasattr(request, "_body")` or assigns it.
    _body: bytes
    _json: Any

    def __init__(self, scope: Scope, receive: Receive = empty_receive, send: Send = empty_send):
        assert scope["type"] == "http"
        self.scope = scope
        self._receive = receive
        self._send = send

    @property
    def method(self) -> str:
        return cast(str, self.scope["method"])

    @property
    def receive(self) -> Receive:
        return self._receive

    async def _next_chunk(self) -> bytes:
        """Receive one message: the body bytes it carries (the last one ends the stream); a disconnect raises."""
        message = await self._receive()
        kind = message["type"]
        if kind == "http.disconnect":
            self._is_disconnected = True
            raise ClientDisconnect()
        if kind != "http.request":
            return b""
        self._stream_consumed = not message.get("more_body", False)
        # NOTE: a body of None (or any empty value) is no bytes, as a missing one is.
        return cast(bytes, message.get("body") or b"")

    def _unread_part(self) -> None:
        if self._stream_consumed:
            raise RuntimeError("Stream consumed")

    async def stream(self) -> AsyncGenerator[bytes, None]:
        if hasattr(self, "_body"):
            yield self._body
        else:
            self._unread_part()
            while not self._stream_consumed:
                chunk = await self._next_chunk()
                if chunk:
                    yield chunk
        yield b""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            chunks: list[bytes] = []
            if type(self).stream is Request.stream:
                # PERF: the stock stream is drained in place: no async generator to create and close.
                self._unread_part()
                while not self._stream_consumed:
                    chunks.append(await self._next_chunk())
            else:
                # NOTE: a subclass's own stream() is the body; closed here, not whenever it is collected.
                async with aclosing(self.stream()) as own_stream:
                    chunks = [chunk async for chunk in own_stream]
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body())
        return self._json

    async def _get_form(
        self, *, max_files: int | float = 1000, max_fields: int | float = 1000, max_part_size: int = 1024 * 1024
    ) -> FormData:
        if self._form is not None:
            return self._form
        assert parse_options_header is not None, "The `python-multipart` library must be installed to use form parsing."
        media_type = parse_options_header(self.headers.get("content-type"))[0]
        parser: FormParser | MultiPartParser
        if media_type == b"multipart/form-data":
            parser = MultiPartParser(
                self.headers, self.stream(), max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
            )
        elif media_type == b"application/x-www-form-urlencoded":
            parser = FormParser(self.headers, self.stream(), max_fields=max_fields, max_part_size=max_part_size)
        else:
            self._form = FormData()
            return self._form
        try:
            self._form = await parser.parse()
        except MultiPartException as exc:
            # NOTE: in an application a refused form is the client's error: a 400 with the parser's reason.
            if "app" not in self.scope:
                raise
            raise HTTPException(status_code=400, detail=exc.message)
        return self._form

    def form(
        self, *, max_files: int | float = 1000, max_fields: int | float = 1000, max_part_size: int = 1024 * 1024
    ) -> AwaitableOrContextManager[FormData]:
        parsing = self._get_form(max_files=max_files, max_fields=max_fields, max_part_size=max_part_size)
        return AwaitableOrContextManagerWrapper(parsing)

    async def is_disconnected(self) -> bool:
        if self._is_disconnected:
            return True
        # NOTE: a poll, not a wait: the scope is cancelled up front, so only a message already there is read.
        with anyio.CancelScope() as poll:
            poll.cancel()
            message = await self._receive()
            self._is_disconnected = message.get("type") == "http.disconnect"
        return self._is_disconnected

    async def close(self) -> None:
        if self._form is not None:
            await self._form.close()

    def _server_supports(self, extension: str) -> bool:
        return extension in self.scope.get("extensions", {})

    async def send_push_promise(self, path: str) -> None:
        if self._server_supports("http.response.push"):
            copied = [
                (name, value)
                for name, value in self.headers.raw
                if name.decode("latin-1") in SERVER_PUSH_HEADERS_TO_COPY
            ]
            await self._send({"type": "http.response.push", "path": path, "headers": copied})

    async def send_early_hints(self, link: str, /, *additional_links: str) -> None:
        if self._server_supports("http.response.early_hint"):
            links = [value.encode("latin-1") for value in (link, *additional_links)]
            await self._send({"type": "http.response.early_hint", "links": links})
