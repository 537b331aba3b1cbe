from __future__ import annotations

import inspect
import sys
from collections.abc import AsyncGenerator, Iterable
from contextlib import aclosing
from typing import Any

import anyio
import pytest

import starlette_c.requests as requests_module
from starlette_c.datastructures import URL, Address, FormData, Headers, QueryParams, State, UploadFile, URLPath
from starlette_c.exceptions import HTTPException
from starlette_c.formparsers import MultiPartException
from starlette_c.requests import (
    SERVER_PUSH_HEADERS_TO_COPY,
    ClientDisconnect,
    HTTPConnection,
    Request,
    cookie_parser,
    empty_receive,
    empty_send,
)
from starlette_c.responses import JSONResponse, PlainTextResponse, Response
from starlette_c.types import Message, Receive, Scope, Send
from tests.conftest import TestClientFactory

URLENCODED = b"application/x-www-form-urlencoded"


def make_scope(**overrides: Any) -> Scope:
    scope: Scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("testserver", 80),
        "path": "/a/b",
        "root_path": "",
        "query_string": b"x=1&x=2",
        "headers": [(b"host", b"example.com")],
    }
    scope.update(overrides)
    return scope


def receiver(messages: Iterable[Message]) -> Receive:
    """A receive channel replaying ``messages``, then blocking forever like an idle client."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")  # pragma: no cover (sleep_forever never returns)

    return receive


def body(*chunks: bytes) -> list[Message]:
    return [{"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1} for i, chunk in enumerate(chunks)]


def post(content_type: bytes | None, *chunks: bytes, **scope: Any) -> Request:
    headers = [] if content_type is None else [(b"content-type", content_type)]
    return Request(make_scope(method="POST", headers=headers, **scope), receiver(body(*chunks)))


# --- cookie_parser ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        ("", {}),
        ("a=b", {"a": "b"}),
        ("a=b; c=d", {"a": "b", "c": "d"}),
        (" a = b ;; c", {"a": "b", "": "c"}),
        ("=x", {"": "x"}),
        ("a=b=c", {"a": "b=c"}),
        ("a=1; a=2", {"a": "2"}),
        ('a="b"', {"a": "b"}),
        ('a=""', {"a": ""}),
        ('a="x', {"a": '"x'}),
        ('a="', {"a": '"'}),
        ('a="\\101\\"x"', {"a": 'A"x'}),
        ('a="\\\\"', {"a": "\\"}),
        ('a="\\400"', {"a": "400"}),
        ("a= ; b", {"a": "", "": "b"}),
        (" =  ; ;", {}),
        ("a=1,b=2", {"a": "1,b=2"}),
    ],
)
def test_cookie_parser(cookie: str, expected: dict[str, str]) -> None:
    assert cookie_parser(cookie) == expected


# --- HTTPConnection -----------------------------------------------------------------------------


def test_connection_is_a_mapping_over_the_scope() -> None:
    scope = make_scope()
    conn = HTTPConnection(scope)
    assert conn.scope is scope
    assert conn["path"] == "/a/b"
    assert list(conn) == list(scope)
    assert len(conn) == len(scope)
    assert dict(conn) == scope


def test_connections_compare_by_identity() -> None:
    scope = make_scope()
    first, second = HTTPConnection(scope), HTTPConnection(scope)
    assert first == first
    assert first != second
    assert len({first, second, first}) == 2


@pytest.mark.parametrize("kind", ["lifespan", "other"])
def test_connection_refuses_other_scope_types(kind: str) -> None:
    with pytest.raises(AssertionError):
        HTTPConnection({"type": kind})


def test_connection_accepts_websocket_scopes() -> None:
    conn = HTTPConnection({"type": "websocket", "scheme": "ws", "server": ("h", 80), "path": "/w", "headers": []})
    assert str(conn.url) == "ws://h/w"
    assert str(conn.base_url) == "ws://h/"


def test_url_headers_and_query_params_are_built_once() -> None:
    conn = HTTPConnection(make_scope())
    assert isinstance(conn.url, URL)
    assert str(conn.url) == "http://example.com/a/b?x=1&x=2"
    assert conn.url is conn.url
    assert isinstance(conn.headers, Headers)
    assert conn.headers["host"] == "example.com"
    assert conn.headers is conn.headers
    assert isinstance(conn.query_params, QueryParams)
    assert conn.query_params.getlist("x") == ["1", "2"]
    assert conn.query_params is conn.query_params


def test_headers_own_a_copy_of_the_scope_header_list() -> None:
    shared = [(b"host", b"example.com"), (b"x-up", b"1")]
    scope = make_scope(headers=shared)
    headers = Request(scope).headers
    assert type(headers) is Headers
    assert scope["headers"] is headers._list
    assert scope["headers"] is not shared
    assert scope["headers"] == shared
    assert headers["x-up"] == "1"


@pytest.mark.parametrize(
    ("query_string", "expected"),
    [
        (b"a=1&b=%20&a=+", [("a", "1"), ("b", " "), ("a", " ")]),
        (b"k=\xe9", [("k", "\xe9")]),
        ("a=1&b", [("a", "1"), ("b", "")]),
        ([("a", 1)], [("a", "1")]),
        (b"", []),
    ],
)
def test_query_params_are_parsed_as_the_constructor_does(query_string: Any, expected: list[tuple[str, str]]) -> None:
    query_params = Request(make_scope(query_string=query_string)).query_params
    assert type(query_params) is QueryParams
    assert query_params.multi_items() == expected
    assert query_params == QueryParams(query_string)
    assert list(vars(query_params)) == list(vars(QueryParams(query_string)))


def test_values_assigned_to_the_cached_attributes_are_returned() -> None:
    # NOTE: middleware and subclasses set these; the properties must return them and not rebuild.
    request = Request(make_scope())
    url, headers, query_params, state = URL("http://x/"), Headers({"a": "1"}), QueryParams("q=1"), State({"s": 1})
    request._url, request._base_url, request._headers = url, url, headers
    request._query_params, request._cookies, request._state = query_params, {"c": "1"}, state
    assert request.url is url
    assert request.base_url is url
    assert request.headers is headers
    assert request.query_params is query_params
    assert request.cookies == {"c": "1"}
    assert request.state is state


def test_cached_parts_may_come_from_a_subclass_getattr() -> None:
    class LazyRequest(Request):
        def __getattr__(self, name: str) -> Any:
            if name == "_headers":
                return Headers({"from": "getattr"})
            raise AttributeError(name)

    request = LazyRequest(make_scope())
    assert request.headers["from"] == "getattr"
    assert request.query_params.getlist("x") == ["1", "2"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "http://example.com/"),
        ({"root_path": "/sub"}, "http://example.com/sub/"),
        ({"root_path": "/sub/", "path": "/sub/a"}, "http://example.com/sub/"),
        ({"root_path": "/sub", "app_root_path": "/app"}, "http://example.com/app/"),
        ({"headers": []}, "http://testserver/"),
    ],
)
def test_base_url(overrides: dict[str, Any], expected: str) -> None:
    conn = HTTPConnection(make_scope(**overrides))
    assert str(conn.base_url) == expected
    assert conn.base_url is conn.base_url
    assert conn.url.query == "x=1&x=2"


def test_path_params() -> None:
    assert HTTPConnection(make_scope()).path_params == {}
    assert HTTPConnection(make_scope(path_params={"id": 1})).path_params == {"id": 1}


def test_cookies_merge_every_cookie_header() -> None:
    conn = HTTPConnection(make_scope(headers=[(b"cookie", b"a=1; c=3"), (b"cookie", b"b=2"), (b"cookie", b"a=9")]))
    assert conn.cookies == {"a": "9", "c": "3", "b": "2"}
    assert conn.cookies is conn.cookies
    assert HTTPConnection(make_scope()).cookies == {}


def test_cookie_values_are_latin1_decoded() -> None:
    assert HTTPConnection(make_scope(headers=[(b"cookie", b"a=\xe9")])).cookies == {"a": "é"}


def test_client() -> None:
    assert HTTPConnection(make_scope()).client is None
    client = HTTPConnection(make_scope(client=["1.2.3.4", 5])).client
    assert isinstance(client, Address)
    assert (client.host, client.port) == ("1.2.3.4", 5)


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        ("session", "SessionMiddleware must be installed to access request.session"),
        ("auth", "AuthenticationMiddleware must be installed to access request.auth"),
        ("user", "AuthenticationMiddleware must be installed to access request.user"),
    ],
)
def test_middleware_attributes_need_their_middleware(attribute: str, message: str) -> None:
    with pytest.raises(AssertionError) as info:
        getattr(HTTPConnection(make_scope()), attribute)
    assert str(info.value) == message


def test_middleware_attributes_and_app_read_the_scope() -> None:
    conn = HTTPConnection(make_scope(session={"s": 1}, auth="credentials", user="someone", app="the app"))
    assert conn.session == {"s": 1}
    assert conn.auth == "credentials"
    assert conn.user == "someone"
    assert conn.app == "the app"
    with pytest.raises(KeyError):
        getattr(HTTPConnection(make_scope()), "app")  # noqa: B009


def test_session_read_is_recorded_by_sessions_that_track_it() -> None:
    class TrackedSession(dict[str, Any]):
        reads = 0

        def mark_accessed(self) -> None:
            self.reads += 1

    session = TrackedSession(a=1)
    conn = HTTPConnection(make_scope(session=session))
    assert conn.session is session
    assert conn.session == {"a": 1}
    assert session.reads == 2


def test_state_is_shared_with_the_scope() -> None:
    scope = make_scope()
    conn = HTTPConnection(scope)
    state = conn.state
    assert isinstance(state, State)
    assert state is conn.state
    state.started = 1
    assert scope["state"] == {"started": 1}
    assert HTTPConnection(scope).state.started == 1


def test_state_wraps_an_existing_scope_state() -> None:
    assert HTTPConnection(make_scope(state={"k": "v"})).state.k == "v"


class FakeRouter:
    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        return URLPath(f"/{name}/{path_params['id']}")


@pytest.mark.parametrize("key", ["router", "app"])
def test_url_for_uses_the_router_or_the_app(key: str) -> None:
    conn = HTTPConnection(make_scope(root_path="/root", **{key: FakeRouter()}))
    assert conn.url_for("item", id=3) == "http://example.com/root/item/3"


def test_url_for_falls_back_to_the_app_when_router_is_none() -> None:
    conn = HTTPConnection(make_scope(router=None, app=FakeRouter()))
    assert conn.url_for("item", id=1) == "http://example.com/item/1"


def test_url_for_outside_an_application() -> None:
    with pytest.raises(RuntimeError) as info:
        HTTPConnection(make_scope()).url_for("item")
    assert str(info.value) == "The `url_for` method can only be used inside a Starlette application or with a router."


def test_connections_are_generic_over_their_state() -> None:
    assert HTTPConnection[State] is not None
    assert Request[dict[str, Any]] is not None


# --- Request ------------------------------------------------------------------------------------


def test_request_is_http_only() -> None:
    with pytest.raises(AssertionError):
        Request({"type": "websocket"})


def test_request_method_and_receive() -> None:
    receive = receiver([])
    request = Request(make_scope(method="PATCH"), receive)
    assert request.method == "PATCH"
    assert request.receive is receive


@pytest.mark.anyio
async def test_request_without_channels() -> None:
    request = Request(make_scope())
    with pytest.raises(RuntimeError, match="^Receive channel has not been made available$"):
        await request.body()
    with pytest.raises(RuntimeError, match="^Receive channel has not been made available$"):
        await empty_receive()
    with pytest.raises(RuntimeError, match="^Send channel has not been made available$"):
        await empty_send({})


def test_stream_is_a_python_async_generator() -> None:
    assert inspect.isasyncgenfunction(Request.stream)


@pytest.mark.anyio
async def test_stream_yields_chunks_then_an_empty_one() -> None:
    request = post(None, b"a", b"", b"b")
    assert [chunk async for chunk in request.stream()] == [b"a", b"b", b""]


@pytest.mark.anyio
async def test_stream_can_only_be_consumed_once() -> None:
    request = post(URLENCODED, b"a")
    assert [chunk async for chunk in request.stream()] == [b"a", b""]
    for consume in (request.body, request.json, request.form):
        with pytest.raises(RuntimeError, match="^Stream consumed$"):
            await consume()
    with pytest.raises(RuntimeError, match="^Stream consumed$"):
        await request.stream().__anext__()


@pytest.mark.anyio
async def test_body_is_cached_and_replayed_by_stream() -> None:
    request = post(None, b"a=", b"1")
    assert await request.body() == b"a=1"
    assert await request.body() == b"a=1"
    assert [chunk async for chunk in request.stream()] == [b"a=1", b""]
    assert [chunk async for chunk in request.stream()] == [b"a=1", b""]


@pytest.mark.anyio
async def test_body_attribute_exists_only_once_read_and_may_be_assigned() -> None:
    # NOTE: middleware checks `hasattr(request, "_body")` and assigns `_body` to replay a body it read.
    request = post(None, b"a")
    assert not hasattr(request, "_body")
    assert await request.body() == b"a"
    assert request._body == b"a"
    replayed = Request(make_scope(), receiver([]))
    replayed._body = b"given"
    assert await replayed.body() == b"given"
    assert [chunk async for chunk in replayed.stream()] == [b"given", b""]


@pytest.mark.anyio
async def test_body_ignores_unknown_messages_and_missing_keys() -> None:
    request = Request(make_scope(), receiver([{"type": "other"}, {"type": "http.request"}]))
    assert await request.body() == b""


@pytest.mark.anyio
@pytest.mark.parametrize("read", ["body", "stream"])
async def test_a_body_of_none_is_no_bytes(read: str) -> None:
    messages = [{"type": "http.request", "body": None, "more_body": True}, {"type": "http.request", "body": b"a"}]
    request = Request(make_scope(), receiver(messages))
    if read == "body":
        assert await request.body() == b"a"
    else:
        assert [chunk async for chunk in request.stream()] == [b"a", b""]


@pytest.mark.anyio
async def test_body_reads_receive_without_an_async_generator() -> None:
    started: list[object] = []
    hooks = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(firstiter=started.append, finalizer=hooks.finalizer)
    try:
        request = post(None, b"a", b"", b"b")
        assert await request.body() == b"ab"
        assert started == []
        assert [chunk async for chunk in request.stream()] == [b"ab", b""]
        assert len(started) == 1
    finally:
        sys.set_asyncgen_hooks(*hooks)


@pytest.mark.anyio
async def test_body_of_a_subclass_reads_its_own_stream() -> None:
    class UpperRequest(Request):
        async def stream(self) -> AsyncGenerator[bytes, None]:
            async for chunk in super().stream():
                yield chunk.upper()

    request = UpperRequest(make_scope(method="POST"), receiver(body(b"a", b"b")))
    assert await request.body() == b"AB"


@pytest.mark.anyio
async def test_json_is_cached() -> None:
    request = post(None, b'{"a": ', b"[1]}")
    first = await request.json()
    assert first == {"a": [1]}
    assert await request.json() is first
    assert await request.body() == b'{"a": [1]}'


@pytest.mark.anyio
async def test_invalid_json_raises_every_time() -> None:
    request = post(None, b"{bad")
    for _ in range(2):
        with pytest.raises(ValueError):
            await request.json()


@pytest.mark.anyio
async def test_disconnect_while_reading_the_body() -> None:
    request = Request(make_scope(), receiver([*body(b"a", b"b")[:1], {"type": "http.disconnect"}]))
    with pytest.raises(ClientDisconnect):
        await request.body()
    assert await request.is_disconnected() is True


@pytest.mark.anyio
async def test_is_disconnected_does_not_wait() -> None:
    assert await Request(make_scope(), receiver([])).is_disconnected() is False
    request = Request(make_scope(), receiver([{"type": "http.disconnect"}]))
    assert await request.is_disconnected() is True
    assert await request.is_disconnected() is True


@pytest.mark.anyio
async def test_is_disconnected_consumes_a_pending_body_message() -> None:
    request = Request(make_scope(), receiver(body(b"x")))
    assert await request.is_disconnected() is False
    with anyio.move_on_after(0.05) as scope:
        await request.body()
    assert scope.cancelled_caught


@pytest.mark.anyio
async def test_send_push_promise_copies_selected_headers() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [(b"accept", b"a"), (b"cookie", b"c"), (b"user-agent", b"u"), (b"accept", b"b")]
    request = Request(make_scope(headers=headers, extensions={"http.response.push": {}}), receiver([]), send)
    await request.send_push_promise("/style.css")
    assert sent == [
        {
            "type": "http.response.push",
            "path": "/style.css",
            "headers": [(b"accept", b"a"), (b"user-agent", b"u"), (b"accept", b"b")],
        }
    ]
    assert {
        "accept",
        "accept-encoding",
        "accept-language",
        "cache-control",
        "user-agent",
    } == SERVER_PUSH_HEADERS_TO_COPY


@pytest.mark.anyio
async def test_send_push_promise_without_the_extension_does_nothing() -> None:
    await Request(make_scope(extensions={}), receiver([])).send_push_promise("/x")
    await Request(make_scope(), receiver([])).send_push_promise("/x")


@pytest.mark.anyio
async def test_send_early_hints_sends_every_link_latin1_encoded() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    request = Request(make_scope(extensions={"http.response.early_hint": {}}), receiver([]), send)
    assert await request.send_early_hints("</style.css>; rel=preload; as=style", "</caf\xe9.js>") is None
    await request.send_early_hints("</one>")
    assert sent == [
        {"type": "http.response.early_hint", "links": [b"</style.css>; rel=preload; as=style", b"</caf\xe9.js>"]},
        {"type": "http.response.early_hint", "links": [b"</one>"]},
    ]
    with pytest.raises(UnicodeEncodeError):
        await request.send_early_hints("</\u20ac>")
    assert len(sent) == 2


@pytest.mark.anyio
async def test_send_early_hints_without_the_extension_does_nothing() -> None:
    # NOTE: no send channel either: a server without the extension is never written to.
    await Request(make_scope(extensions={"http.response.push": {}}), receiver([])).send_early_hints("</x>")
    await Request(make_scope(), receiver([])).send_early_hints("</x>", "</y>")


@pytest.mark.anyio
async def test_send_early_hints_needs_the_send_channel_when_supported() -> None:
    request = Request(make_scope(extensions={"http.response.early_hint": {}}), receiver([]))
    with pytest.raises(RuntimeError, match="^Send channel has not been made available$"):
        await request.send_early_hints("</x>")


def test_send_early_hints_signature() -> None:
    signature = inspect.signature(Request.send_early_hints)
    assert str(signature) == "(self, link: 'str', /, *additional_links: 'str') -> 'None'"


# --- Request.form -------------------------------------------------------------------------------

MULTIPART = b"multipart/form-data; boundary=B"
FILE_BODY = (
    b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
    b'--B\r\nContent-Disposition: form-data; name="f"; filename="f.txt"\r\nContent-Type: text/plain\r\n\r\n'
    b"content\r\n--B--\r\n"
)


@pytest.mark.anyio
async def test_form_urlencoded() -> None:
    form = await post(URLENCODED, b"a=1&b=%C3%A9+x&a=2").form()
    assert isinstance(form, FormData)
    assert form.multi_items() == [("a", "1"), ("b", "é x"), ("a", "2")]


@pytest.mark.anyio
async def test_form_multipart_as_context_manager_closes_files() -> None:
    async with post(MULTIPART, FILE_BODY).form() as form:
        upload = form["f"]
        assert isinstance(upload, UploadFile)
        assert form["a"] == "1"
        assert await upload.read() == b"content"
    assert upload.file.closed


@pytest.mark.anyio
async def test_form_is_cached_and_closed_by_close() -> None:
    request = post(MULTIPART, FILE_BODY)
    form = await request.form()
    assert await request.form(max_files=0) is form
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    await request.close()
    assert upload.file.closed


@pytest.mark.anyio
async def test_form_after_body_parses_the_cached_body() -> None:
    request = post(URLENCODED, b"a=1&", b"b=2")
    assert await request.body() == b"a=1&b=2"
    assert (await request.form()).multi_items() == [("a", "1"), ("b", "2")]


@pytest.mark.anyio
async def test_close_without_a_form() -> None:
    await post(None, b"").close()


@pytest.mark.anyio
@pytest.mark.parametrize("content_type", [None, b"text/plain", b"application/json"])
async def test_form_of_another_content_type_is_empty(content_type: bytes | None) -> None:
    request = post(content_type, b"a=1")
    assert await request.form() == FormData()
    assert await request.body() == b"a=1"


@pytest.mark.anyio
async def test_form_errors_outside_an_application_are_raised_as_is() -> None:
    with pytest.raises(MultiPartException) as info:
        await post(b"multipart/form-data", FILE_BODY).form()
    assert info.value.message == "Missing boundary in multipart."


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("content_type", "data", "limits", "detail"),
    [
        (b"multipart/form-data", FILE_BODY, {}, "Missing boundary in multipart."),
        (MULTIPART, FILE_BODY, {"max_files": 0}, "Too many files. Maximum number of files is 0."),
        (MULTIPART, FILE_BODY, {"max_fields": 0}, "Too many fields. Maximum number of fields is 0."),
        (URLENCODED, b"a=1&b=2", {"max_fields": 1}, "Too many fields. Maximum number of fields is 1."),
        (URLENCODED, b"a=" + b"x" * 2048, {"max_part_size": 2048}, "Field exceeded maximum size of 2KB."),
    ],
)
async def test_form_errors_inside_an_application_are_400(
    content_type: bytes, data: bytes, limits: dict[str, int], detail: str
) -> None:
    request = post(content_type, data, app=object())
    with pytest.raises(HTTPException) as info:
        await request.form(**limits)
    assert (info.value.status_code, info.value.detail) == (400, detail)


class _TooLarge(HTTPException):
    """Stands in for body_limit's `_RequestBodyTooLarge`: an HTTPException raised by receive()."""


def too_large_receive(*chunks: bytes) -> tuple[Receive, _TooLarge]:
    error = _TooLarge(413)
    pending = [{"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks]

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        raise error

    return receive, error


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("content_type", "chunk"),
    [
        (None, b"x"),
        (URLENCODED, b"a=1&b"),
        (MULTIPART, b'--B\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\npartial'),
    ],
)
async def test_receive_errors_propagate_unchanged(content_type: bytes | None, chunk: bytes) -> None:
    # NOTE: the body-limit middleware's 413 must reach its handler as raised, never turned into a 400.
    headers = [] if content_type is None else [(b"content-type", content_type)]
    for read in ("body", "json", "stream", "form")[: 3 if content_type is None else 4]:
        receive, error = too_large_receive(chunk)
        request = Request(make_scope(method="POST", headers=headers, app=object()), receive)
        with pytest.raises(_TooLarge) as info:
            if read == "stream":
                [part async for part in request.stream()]
            else:
                await getattr(request, read)()
        assert info.value is error


@pytest.mark.anyio
async def test_form_refusal_closes_the_request_stream_at_once() -> None:
    # NOTE: 1.8: the stream generator is closed when parsing stops, not left to the garbage collector.
    events: list[str] = []

    class TracingRequest(Request):
        async def stream(self) -> AsyncGenerator[bytes, None]:
            try:
                async with aclosing(super().stream()) as chunks:
                    async for chunk in chunks:
                        yield chunk
            finally:
                events.append("closed")

    for content_type, data in ((URLENCODED, b"a=1&b=2&c=3"), (MULTIPART, FILE_BODY)):
        request = TracingRequest(
            make_scope(method="POST", headers=[(b"content-type", content_type)]), receiver(body(data, b"more"))
        )
        with pytest.raises(MultiPartException):
            await request.form(max_fields=0)
        assert events == ["closed"]
        events.clear()


@pytest.mark.anyio
async def test_body_of_a_subclass_closes_its_stream_on_error() -> None:
    closed: list[bool] = []

    class FailingRequest(Request):
        async def stream(self) -> AsyncGenerator[bytes, None]:
            try:
                yield b"a"
                raise ClientDisconnect()
            finally:
                closed.append(True)

    with pytest.raises(ClientDisconnect):
        await FailingRequest(make_scope()).body()
    assert closed == [True]


@pytest.mark.anyio
async def test_form_without_python_multipart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(requests_module, "parse_options_header", None)
    with pytest.raises(AssertionError) as info:
        await post(URLENCODED, b"a=1").form()
    assert str(info.value) == "The `python-multipart` library must be installed to use form parsing."


# --- Through an application ---------------------------------------------------------------------


def test_request_through_the_test_client(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        data = {
            "method": request.method,
            "url": str(request.url),
            "query": request.query_params.multi_items(),
            "cookies": request.cookies,
            "client": list(request.client or ()),
            "body": (await request.body()).decode(),
        }
        await JSONResponse(data)(scope, receive, send)

    client = test_client_factory(app)
    response = client.post("/p?a=1&a=2", content=b"payload", headers={"cookie": 'k=v; q="x"'})
    assert response.json() == {
        "method": "POST",
        "url": "http://testserver/p?a=1&a=2",
        "query": [["a", "1"], ["a", "2"]],
        "cookies": {"k": "v", "q": "x"},
        "client": ["testclient", 50000],
        "body": "payload",
    }


def test_form_through_the_test_client(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        async with request.form() as form:
            upload = form["file"]
            assert isinstance(upload, UploadFile)
            data = {
                "name": form["name"],
                "filename": upload.filename,
                "content_type": upload.content_type,
                "size": upload.size,
                "content": (await upload.read()).decode(),
            }
        await JSONResponse(data)(scope, receive, send)

    client = test_client_factory(app)
    response = client.post("/", data={"name": "n"}, files={"file": ("a.txt", b"hello", "text/plain")})
    assert response.json() == {
        "name": "n",
        "filename": "a.txt",
        "content_type": "text/plain",
        "size": 5,
        "content": "hello",
    }


def test_is_disconnected_through_the_test_client(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        await request.body()
        disconnected = await request.is_disconnected()
        await PlainTextResponse(str(disconnected))(scope, receive, send)

    assert test_client_factory(app).post("/", content=b"x").text == "False"


def test_form_errors_become_400_in_an_application(test_client_factory: TestClientFactory) -> None:
    from starlette_c.applications import Starlette
    from starlette_c.routing import Route

    async def endpoint(request: Request) -> Response:
        await request.form(max_fields=1)
        return Response("unreachable")  # pragma: no cover (the form above is refused)

    client = test_client_factory(Starlette(routes=[Route("/", endpoint, methods=["POST"])]))
    response = client.post("/", data={"a": "1", "b": "2"})
    assert (response.status_code, response.text) == (400, "Too many fields. Maximum number of fields is 1.")
