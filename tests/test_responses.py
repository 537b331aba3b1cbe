from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import pickle
import sys
import time
from array import array
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping, Sequence
from email.utils import formatdate
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from starlette_c import _backend, responses
from starlette_c._pure import responses as pure
from starlette_c.background import BackgroundTask
from starlette_c.datastructures import URL, Headers, MutableHeaders
from starlette_c.requests import ClientDisconnect
from starlette_c.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    MalformedRangeHeader,
    PlainTextResponse,
    RangeNotSatisfiable,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send
from tests.conftest import TestClientFactory

pytestmark = pytest.mark.anyio

CONTENT = b"abcdefghijklmnopqrstuvwxyz"


async def call(
    app: ASGIApp,
    *,
    method: str = "GET",
    headers: Sequence[tuple[str, str]] = (),
    scope_type: str = "http",
    asgi: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
    receive: Receive | None = None,
    sent: list[Message] | None = None,
) -> list[Message]:
    """Run ``app`` on one request and return every message it sent (into ``sent`` when given)."""
    sent = [] if sent is None else sent

    async def never_disconnects() -> Message:
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover (sleep_forever never returns)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": scope_type,
        "method": method,
        "path": "/",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "asgi": asgi if asgi is not None else {"version": "3.0", "spec_version": "2.4"},
        "extensions": extensions or {},
    }
    await app(scope, receive or never_disconnects, send)
    return sent


async def aclose(response: StreamingResponse) -> None:
    """Close a body iterator the response left unfinished (trio warns about unclosed async generators)."""
    iterator = response.body_iterator
    assert isinstance(iterator, AsyncGenerator)
    await iterator.aclose()


def body_of(messages: list[Message]) -> bytes:
    return b"".join(bytes(m["body"]) for m in messages if m["type"].endswith("http.response.body"))


@pytest.fixture
def file(tmp_path: Path) -> Path:
    path = tmp_path / "example.txt"
    path.write_bytes(CONTENT)
    return path


# --- Response -----------------------------------------------------------------------------------


async def test_response_sends_start_and_body() -> None:
    messages = await call(Response("hello", media_type="text/plain"))
    assert messages == [
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"5"), (b"content-type", b"text/plain; charset=utf-8")],
        },
        {"type": "http.response.body", "body": b"hello"},
    ]


def test_response_defaults() -> None:
    response = Response()
    assert response.status_code == 200
    assert response.body == b""
    assert response.media_type is None
    assert response.charset == "utf-8"
    assert response.background is None
    assert response.raw_headers == [(b"content-length", b"0")]


@pytest.mark.parametrize(
    "content, body",
    [(None, b""), ("é", b"\xc3\xa9"), (b"raw", b"raw")],
)
def test_render(content: Any, body: bytes) -> None:
    assert Response(content).body == body


def test_render_memoryview_is_sent_as_bytes_and_counted_in_bytes() -> None:
    view = memoryview(array("i", [1, 2]))
    response = Response(view)
    assert isinstance(response.body, memoryview)
    assert (response.body.format, response.body.shape, response.body.obj) == ("B", (8,), view.obj)
    assert response.headers["content-length"] == "8"
    grid = Response(memoryview(bytes(range(12))).cast("B", (3, 4)))
    assert (grid.body.tobytes(), grid.headers["content-length"]) == (bytes(range(12)), "12")  # type: ignore[union-attr]
    strided = Response(memoryview(b"abcdef")[::2])
    assert (strided.body, strided.headers["content-length"]) == (b"ace", "3")


def test_render_keeps_str_and_bytes_subclasses_as_the_base_types_would() -> None:
    class Text(str):
        pass

    class Blob(bytes):
        pass

    text_response = Response(Text("é"))
    assert text_response.body == b"\xc3\xa9" and type(text_response.body) is bytes
    blob = Blob(b"abc")
    blob_response = Response(blob)
    assert blob_response.body is blob
    assert blob_response.headers["content-length"] == "3"


def test_render_rejects_other_types() -> None:
    with pytest.raises(AttributeError):
        Response(123)


@pytest.mark.parametrize("status_code", [100, 101, 199, 204, 304])
def test_no_content_length_for_bodiless_statuses(status_code: int) -> None:
    response = Response("x", status_code=status_code, media_type="text/plain")
    assert response.raw_headers == [(b"content-type", b"text/plain; charset=utf-8")]


@pytest.mark.parametrize(
    "media_type, content_type",
    [
        ("text/plain", b"text/plain; charset=utf-8"),
        ("text/plain; charset=latin-1", b"text/plain; charset=latin-1"),
        ("text/plain; CHARSET=x", b"text/plain; CHARSET=x"),
        ("TEXT/plain", b"TEXT/plain"),
        ("application/json", b"application/json"),
        ("image/png", b"image/png"),
    ],
)
def test_content_type_and_charset(media_type: str, content_type: bytes) -> None:
    assert Response("x", media_type=media_type).raw_headers == [
        (b"content-length", b"1"),
        (b"content-type", content_type),
    ]


def test_custom_charset() -> None:
    class Latin1Response(Response):
        charset = "latin-1"
        media_type = "text/plain"

    response = Latin1Response("é")
    assert response.body == b"\xe9"
    assert response.headers["content-type"] == "text/plain; charset=latin-1"


def test_given_headers_win_and_are_lowercased() -> None:
    response = Response("é", headers={"Content-Length": "5", "X-A": "b"}, media_type="text/html")
    assert response.raw_headers == [
        (b"content-length", b"5"),
        (b"x-a", b"b"),
        (b"content-type", b"text/html; charset=utf-8"),
    ]
    response = Response("é", headers={"Content-Type": "foo/bar"}, media_type="text/html")
    assert response.raw_headers == [(b"content-type", b"foo/bar"), (b"content-length", b"2")]


def test_header_values_are_latin1() -> None:
    assert Response(headers={"a": "é"}).raw_headers[0] == (b"a", b"\xe9")


def test_headers_view_is_cached_and_live() -> None:
    response = Response("x")
    headers = response.headers
    assert isinstance(headers, MutableHeaders)
    assert response.headers is headers
    headers["x-new"] = "1"
    assert response.raw_headers[-1] == (b"x-new", b"1")


async def test_head_request_still_sends_the_body() -> None:
    messages = await call(Response("hi"), method="HEAD")
    assert messages[1] == {"type": "http.response.body", "body": b"hi"}


async def test_websocket_denial_response() -> None:
    messages = await call(PlainTextResponse("no", status_code=403), scope_type="websocket")
    assert [m["type"] for m in messages] == ["websocket.http.response.start", "websocket.http.response.body"]
    assert messages[0]["status"] == 403
    assert messages[1]["body"] == b"no"


async def test_background_runs_after_the_body() -> None:
    events: list[str] = []

    async def send(message: Message) -> None:
        events.append(message["type"])

    async def task(name: str) -> None:
        events.append(name)

    async def receive() -> Message:
        raise AssertionError  # pragma: no cover (a plain response never receives)

    response = Response("x", background=BackgroundTask(task, "task"))
    await response({"type": "http"}, receive, send)
    assert events == ["http.response.start", "http.response.body", "task"]


# --- cookies ------------------------------------------------------------------------------------


def cookie_headers(response: Response) -> list[str]:
    return [v.decode("latin-1") for k, v in response.raw_headers if k == b"set-cookie"]


def test_set_cookie_defaults() -> None:
    response = Response()
    response.set_cookie("a", "b")
    response.set_cookie("empty")
    assert cookie_headers(response) == ["a=b; Path=/; SameSite=lax", 'empty=""; Path=/; SameSite=lax']


def test_set_cookie_all_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    response = Response()
    response.set_cookie(
        "a",
        "b",
        max_age=10,
        expires=10,
        path="/p",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    assert cookie_headers(response) == [
        "a=b; Domain=example.com; expires=Tue, 14 Nov 2023 22:13:30 GMT; HttpOnly; Max-Age=10; Path=/p; "
        "SameSite=strict; Secure"
    ]


def test_set_cookie_quotes_special_values() -> None:
    response = Response()
    response.set_cookie("a", 'b c;d"é')
    assert cookie_headers(response) == ['a="b c\\073d\\"\\351"; Path=/; SameSite=lax']


@pytest.mark.parametrize(
    "expires, rendered",
    [
        (dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "Tue, 01 Jan 2030 00:00:00 GMT"),
        ("Wed, 01 Jan 2030 00:00:00 GMT", "Wed, 01 Jan 2030 00:00:00 GMT"),
    ],
)
def test_set_cookie_expires(expires: Any, rendered: str) -> None:
    response = Response()
    response.set_cookie("a", "b", expires=expires)
    assert cookie_headers(response) == [f"a=b; expires={rendered}; Path=/; SameSite=lax"]


def test_set_cookie_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="usegmt option requires a UTC datetime"):
        Response().set_cookie("a", "b", expires=dt.datetime(2030, 1, 1))


def test_set_cookie_without_path_or_samesite() -> None:
    response = Response()
    response.set_cookie("a", "b", path=None, samesite=None)
    response.set_cookie("c", "d", samesite="none", secure=True)
    assert cookie_headers(response) == ["a=b", "c=d; Path=/; SameSite=none; Secure"]


def test_set_cookie_bad_samesite() -> None:
    with pytest.raises(AssertionError, match="samesite must be either 'strict', 'lax' or 'none'"):
        Response().set_cookie("a", "b", samesite="bogus")  # type: ignore[arg-type]


def test_set_cookie_bad_key() -> None:
    from http.cookies import CookieError

    with pytest.raises(CookieError, match="Illegal key"):
        Response().set_cookie("a b", "c")


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="partitioned cookies work on Python >= 3.14")
def test_set_cookie_partitioned_needs_python_314() -> None:
    with pytest.raises(ValueError, match="Partitioned cookies are only supported in Python 3.14 and above."):
        Response().set_cookie("a", "b", partitioned=True)


@pytest.mark.skipif(sys.version_info < (3, 14), reason="partitioned cookies need Python >= 3.14")
def test_set_cookie_partitioned() -> None:  # pragma: no cover (Python >= 3.14 only)
    response = Response()
    response.set_cookie("a", "b", partitioned=True, secure=True, samesite="none")
    assert "Partitioned" in cookie_headers(response)[0]


def test_delete_cookie(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    response = Response()
    response.delete_cookie("a")
    response.delete_cookie("b", path="/x", domain="d", secure=True, httponly=True, samesite="none")
    assert cookie_headers(response) == [
        'a=""; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Path=/; SameSite=lax',
        'b=""; Domain=d; expires=Tue, 14 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=0; Path=/x; SameSite=none; Secure',
    ]


# --- building a Response: the stock methods and everything that replaces them ---------------------------


def test_subclass_render_and_init_headers_overrides_are_used_and_can_call_the_stock_ones() -> None:
    calls: list[str] = []

    class Upper(Response):
        media_type = "text/plain"

        def render(self, content: Any) -> bytes | memoryview:
            calls.append("render")
            return super().render(content.upper())

        def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
            calls.append("init_headers")
            super().init_headers({"x-upper": "1", **(headers or {})})

    response = Upper("abc", headers={"a": "b"})
    assert calls == ["render", "init_headers"]
    assert response.body == b"ABC"
    assert response.raw_headers == [
        (b"x-upper", b"1"),
        (b"a", b"b"),
        (b"content-length", b"3"),
        (b"content-type", b"text/plain; charset=utf-8"),
    ]


def test_init_headers_override_alone_sees_the_stock_body() -> None:
    class NoHeaders(PlainTextResponse):
        def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
            self.raw_headers = [(b"x-body", bytes(self.body))]

    assert NoHeaders("hi").raw_headers == [(b"x-body", b"hi")]


def test_methods_patched_on_the_class_after_import_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PlainTextResponse, "render", lambda self, content: b"patched")
    assert PlainTextResponse("x").body == b"patched"
    assert HTMLResponse("x").body == b"x"
    monkeypatch.setattr(JSONResponse, "init_headers", lambda self, headers=None: setattr(self, "raw_headers", []))
    assert JSONResponse([1]).raw_headers == []


def test_subclass_init_can_set_attributes_before_and_after_the_stock_one() -> None:
    class Prepared(Response):
        def __init__(self, content: str) -> None:
            self.charset = "latin-1"
            self.media_type = "text/csv"
            Response.__init__(self, content, status_code=201)
            self.extra = True

    response = Prepared("é")
    assert (response.status_code, response.body, response.extra) == (201, b"\xe9", True)
    assert response.raw_headers == [(b"content-length", b"1"), (b"content-type", b"text/csv; charset=latin-1")]


def test_properties_on_a_subclass_are_honoured_by_the_stock_methods() -> None:
    class Padded(Response):
        @property
        def body(self) -> bytes:
            return self._body + b"!"

        @body.setter
        def body(self, value: bytes) -> None:
            self._body = value

        @property
        def status_code(self) -> int:
            return 204

        @status_code.setter
        def status_code(self, value: int) -> None:
            self.given_status = value

    response = Padded(b"ab", status_code=200, media_type="x/y")
    assert response.given_status == 200
    assert response.body == b"ab!"
    assert response.raw_headers == [(b"content-type", b"x/y")]  # a 204 (from the property) has no length


def test_attributes_are_writable_after_construction() -> None:
    response = PlainTextResponse("x", background=None)
    response.status_code = 404
    response.body = b"other"
    response.raw_headers = [(b"a", b"b")]
    response.background = BackgroundTask(print)
    assert response.headers["a"] == "b"
    response.headers["c"] = "d"
    assert (response.status_code, response.body, response.raw_headers) == (404, b"other", [(b"a", b"b"), (b"c", b"d")])
    assert vars(response).keys() >= {"status_code", "background", "body", "raw_headers", "_headers"}


@pytest.mark.parametrize("headers", [MutableHeaders({"A": "1"}), Headers({"A": "1"}), {"A": "1"}])
def test_headers_from_any_mapping(headers: Mapping[str, str]) -> None:
    assert PlainTextResponse("", headers=headers).raw_headers[0] == (b"a", b"1")


@pytest.mark.parametrize(
    "headers, error",
    [
        ([("a", "b")], AttributeError),
        ({"a": 1}, AttributeError),
        ({1: "a"}, AttributeError),
        ({"a": "€"}, ValueError),
        ([], AttributeError),
        (False, AttributeError),
        ("", AttributeError),
    ],
)
def test_headers_of_bad_types(headers: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        Response(headers=headers)
    with pytest.raises(error):
        StreamingResponse(iter([]), headers=headers)


def test_headers_of_a_mapping_that_is_false_are_used() -> None:
    class Unsized(dict[str, str]):
        def __len__(self) -> int:
            return 0

    assert Response(headers=Unsized(a="b")).raw_headers == [(b"a", b"b"), (b"content-length", b"0")]


@pytest.mark.parametrize("status_code", [None, "200"])
def test_a_status_code_that_does_not_compare_with_int(status_code: Any) -> None:
    with pytest.raises(TypeError, match="^'<' not supported between instances of"):
        Response(status_code=status_code)
    assert Response(status_code=status_code, headers={"content-length": "0"}).status_code == status_code


@pytest.mark.parametrize(
    "owner, name",
    [
        (Response, "__init__"),
        (Response, "render"),
        (Response, "init_headers"),
        (JSONResponse, "__init__"),
        (JSONResponse, "render"),
    ],
)
def test_the_twins_methods_are_named_as_methods(owner: type[Response], name: str) -> None:
    method = vars(owner)[name]
    assert (method.__module__, method.__qualname__, method.__name__) == (
        "starlette_c.responses",
        f"{owner.__name__}.{name}",
        name,
    )
    assert pickle.loads(pickle.dumps(method)) is method


@pytest.mark.parametrize(
    "call, message, compiled",
    [
        (lambda: Response(foo=1), "Response.__init__() got an unexpected keyword argument 'foo'", "response_init()"),
        (
            lambda: HTMLResponse(None, 200, None, None, None, 6),
            "Response.__init__() takes from 1 to 6 positional",
            "response_init()",
        ),
        (
            lambda: JSONResponse(),
            "JSONResponse.__init__() missing 1 required positional argument: 'content'",
            "json_response_init()",
        ),
        (
            lambda: Response().init_headers(foo=1),
            "Response.init_headers() got an unexpected keyword argument 'foo'",
            "response_init_headers()",
        ),
        (
            lambda: Response().render(),
            "Response.render() missing 1 required positional argument: 'content'",
            "response_render()",
        ),
        (
            lambda: JSONResponse(1).render(1, 2),
            "JSONResponse.render() takes 2 positional arguments but 3 were given",
            "json_response_render()",
        ),
    ],
)
def test_bad_arguments_name_the_method(call: Callable[[], Any], message: str, compiled: str) -> None:
    # NOTE: the compiled twins check their own arguments, in Cython's words (docs/differences.md).
    expected = compiled if _backend.compiled["responses"] else message
    with pytest.raises(TypeError) as raised:
        call()
    assert str(raised.value).startswith(expected)


def test_constructor_arguments_are_checked() -> None:
    with pytest.raises(TypeError):
        Response(contents="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Response(None, 200, None, None, None, None)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        JSONResponse()  # type: ignore[call-arg]
    response = JSONResponse(background=None, media_type="a/b", headers={"x": "y"}, status_code=202, content=[])
    assert (response.body, response.status_code) == (b"[]", 202)
    assert response.raw_headers == [(b"x", b"y"), (b"content-length", b"2"), (b"content-type", b"a/b")]


# --- simple subclasses --------------------------------------------------------------------------


def test_html_and_plain_text() -> None:
    assert HTMLResponse("<b>").headers["content-type"] == "text/html; charset=utf-8"
    assert PlainTextResponse(b"a").headers["content-type"] == "text/plain; charset=utf-8"
    assert HTMLResponse().body == b""


def test_json_response() -> None:
    response = JSONResponse({"a": "é", "b": [1, 2.5, None]}, status_code=201, headers={"x": "y"})
    assert response.body == '{"a":"é","b":[1,2.5,null]}'.encode()
    assert response.status_code == 201
    assert response.raw_headers == [(b"x", b"y"), (b"content-length", b"27"), (b"content-type", b"application/json")]
    assert JSONResponse(None).body == b"null"


def test_json_response_refuses_nan_and_unknown_types() -> None:
    with pytest.raises(ValueError):
        JSONResponse(float("nan"))
    with pytest.raises(TypeError):
        JSONResponse(object())


def test_json_dumps_is_looked_up_at_render_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("starlette_c.responses.json.dumps", lambda *args, **kwargs: "patched")
    assert JSONResponse({"a": 1}).body == b"patched"
    assert vars(responses)["json"] is json


@pytest.mark.parametrize(
    "content",
    [
        {"a": "é\n\u2028\x00", "b": [1, -2.5e-300, True, False, None, 10**30], 1: {}, None: [], 2.5: ()},
        "top-level str",
        ["x" * 3000, {"deep": [[[[[]]]]]}],
    ],
)
def test_json_response_encodes_as_json_dumps(content: Any) -> None:
    expected = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    assert JSONResponse(content).body == expected


def test_json_response_errors_are_json_dumps_errors() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    for content in (cycle, {(1,): 2}, [float("inf")], {"a": {1, 2}}):
        with pytest.raises(Exception) as expected:
            json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        with pytest.raises(Exception) as raised:
            JSONResponse(content)
        # NOTE: the notes too: json adds "when serializing ..." ones from Python 3.14 on.
        assert (type(raised.value), str(raised.value), getattr(raised.value, "__notes__", None)) == (
            type(expected.value),
            str(expected.value),
            getattr(expected.value, "__notes__", None),
        )
    assert JSONResponse(cycle[:0]).body == b"[]"  # a failed render leaves nothing behind for the next one


def test_json_encoder_default_patched_on_the_class_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json.JSONEncoder, "default", lambda self, value: sorted(value))
    assert JSONResponse({"a": {2, 1}}).body == b'{"a":[1,2]}'


def test_pure_json_render_without_the_c_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pure, "_make_encoder", None)
    content = {"a": ["é", 1.5, None]}
    assert pure.json_response_render(JSONResponse(None), content) == JSONResponse(content).body  # type: ignore[arg-type]


def test_json_render_override() -> None:
    class CustomJSON(JSONResponse):
        def render(self, content: Any) -> bytes:
            return json.dumps(content, indent=1).encode()

    assert CustomJSON([1]).body == b"[\n 1\n]"


@pytest.mark.parametrize(
    "url, location",
    [
        ("/", "/"),
        ("/a b?x=ü&y=%20#f", "/a%20b?x=%C3%BC&y=%20#f"),
        ('http://ex.com/ä"<>{}|\\^`', "http://ex.com/%C3%A4%22%3C%3E%7B%7D%7C%5C%5E%60"),
        ("/x\r\nSet-Cookie: a=b", "/x%0D%0ASet-Cookie:%20a=b"),
        (URL("https://example.org/q?a=1"), "https://example.org/q?a=1"),
    ],
)
def test_redirect_response(url: str | URL, location: str) -> None:
    response = RedirectResponse(url)
    assert response.status_code == 307
    assert response.headers["location"] == location
    assert response.body == b""


def test_redirect_response_status_and_headers() -> None:
    response = RedirectResponse("/", 301, headers={"x": "y"})
    assert response.status_code == 301
    assert response.raw_headers == [(b"x", b"y"), (b"content-length", b"0"), (b"location", b"/")]


# --- StreamingResponse --------------------------------------------------------------------------


async def test_streaming_async_iterable() -> None:
    async def numbers() -> AsyncIterator[str | bytes | memoryview]:
        yield "1"
        yield b"2"
        yield memoryview(b"3")

    messages = await call(StreamingResponse(numbers(), media_type="text/plain", headers={"x": "y"}))
    assert messages[0] == {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"x", b"y"), (b"content-type", b"text/plain; charset=utf-8")],
    }
    assert [m["more_body"] for m in messages[1:]] == [True, True, True, False]
    assert body_of(messages) == b"123"


async def test_streaming_sync_iterable_runs_in_threadpool() -> None:
    import threading

    threads: list[int] = []

    def numbers() -> Iterator[str]:
        for n in "abc":
            threads.append(threading.get_ident())
            yield n

    messages = await call(StreamingResponse(numbers()))
    assert body_of(messages) == b"abc"
    assert threading.get_ident() not in threads


async def test_streaming_file_like(file: Path) -> None:
    with file.open("rb") as f:
        messages = await call(StreamingResponse(f))
    assert body_of(messages) == CONTENT


async def test_streaming_charset_and_attributes() -> None:
    class Latin1Stream(StreamingResponse):
        charset = "latin-1"

    response = Latin1Stream(iter(["é"]), status_code=201)
    assert response.media_type is None
    assert response.raw_headers == []
    messages = await call(response)
    assert messages[0]["status"] == 201
    assert body_of(messages) == b"\xe9"


def test_streaming_media_type_is_set_on_the_instance() -> None:
    class CSVStream(StreamingResponse):
        media_type = "text/csv"

    assert vars(StreamingResponse(iter([])))["media_type"] is None
    assert vars(StreamingResponse(iter([]), media_type="a/b"))["media_type"] == "a/b"
    response = CSVStream(iter([]))
    CSVStream.media_type = "text/html"
    assert (vars(response)["media_type"], response.media_type) == ("text/csv", "text/csv")


def test_streaming_subclass_may_build_its_headers_before_setting_its_status() -> None:
    class Early(StreamingResponse):
        def __init__(self) -> None:
            self.init_headers({"x": "y"})
            self.status_code = 202

    assert Early().raw_headers == [(b"x", b"y")]


async def test_streaming_bad_chunk() -> None:
    response = StreamingResponse(iter([1]))  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        await call(response)
    await aclose(response)


async def test_streaming_websocket_denial() -> None:
    messages = await call(StreamingResponse(iter(["a"])), scope_type="websocket")
    assert [m["type"] for m in messages] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
        "websocket.http.response.body",
    ]


async def test_streaming_background_runs_after_the_body() -> None:
    events: list[str] = []

    def task() -> None:
        events.append("task")

    async def send(message: Message) -> None:
        events.append(message["type"])

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover (sleep_forever never returns)

    response = StreamingResponse(iter(["a"]), background=BackgroundTask(task))
    await response({"type": "http", "asgi": {"spec_version": "2.4"}}, receive, send)
    assert events == ["http.response.start", "http.response.body", "http.response.body", "task"]


async def test_streaming_oserror_on_send_is_client_disconnect() -> None:
    produced: list[int] = []

    async def numbers() -> AsyncIterator[bytes]:
        for n in range(5):
            produced.append(n)
            yield b"x"

    async def send(message: Message) -> None:
        if message.get("more_body"):
            raise OSError("gone")

    async def receive() -> Message:
        raise AssertionError  # pragma: no cover (never listened to with ASGI spec 2.4)

    background = BackgroundTask(produced.append, -1)
    response = StreamingResponse(numbers(), background=background)
    with pytest.raises(ClientDisconnect):
        await response({"type": "http", "asgi": {"spec_version": "2.4"}}, receive, send)
    await aclose(response)
    assert produced == [0]


async def test_streaming_oserror_before_spec_24_propagates() -> None:
    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("gone")

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover (sleep_forever never returns)

    with pytest.raises(OSError, match="gone"):
        await StreamingResponse(iter([b"x"]))({"type": "http", "asgi": {"spec_version": "2.3"}}, receive, send)


@pytest.mark.parametrize("asgi", [{"spec_version": "2.0"}, {"version": "3.0"}, {}])
async def test_streaming_stops_on_disconnect_before_spec_24(asgi: dict[str, str]) -> None:
    sent: list[Message] = []
    disconnected = anyio.Event()
    events: list[str] = []

    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b"x"
            if len(sent) >= 3:
                disconnected.set()
            await anyio.sleep(0)

    async def receive() -> Message:
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": asgi} if asgi else {"type": "http"}
    response = StreamingResponse(endless(), background=BackgroundTask(events.append, "task"))
    with anyio.fail_after(5):
        await response(scope, receive, send)
    assert len(sent) >= 3
    assert events == ["task"]


@pytest.mark.parametrize("asgi", [{"spec_version": "2.3"}, {}])
async def test_streaming_to_a_client_already_gone_stops_at_its_first_await(asgi: dict[str, str]) -> None:
    events: list[str] = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x"

    async def receive() -> Message:
        events.append("receive")
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        events.append(message["type"])
        await anyio.sleep(0)

    response = StreamingResponse(chunks(), background=BackgroundTask(events.append, "task"))
    await response({"type": "http", "asgi": asgi}, receive, send)
    await aclose(response)
    assert events == ["receive", "http.response.start", "task"]


async def test_streaming_ignores_other_messages_before_disconnect() -> None:
    messages: list[Message] = [{"type": "http.request", "body": b"", "more_body": False}]
    sent: list[Message] = []
    finished = anyio.Event()

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if not message.get("more_body", True):
            finished.set()

    await StreamingResponse(iter([b"a", b"b"]))({"type": "http", "asgi": {"spec_version": "2.3"}}, receive, send)
    assert body_of(sent) == b"ab"


async def test_streaming_listener_returns_on_disconnect() -> None:
    messages: list[Message] = [{"type": "http.request"}, {"type": "http.disconnect"}]

    async def receive() -> Message:
        return messages.pop(0)

    await StreamingResponse(iter([])).listen_for_disconnect(receive)
    assert messages == []


# --- FileResponse -------------------------------------------------------------------------------


def expected_etag(path: Path) -> str:
    st = os.stat(path)
    return '"' + hashlib.md5(f"{st.st_mtime}-{st.st_size}".encode()).hexdigest() + '"'


async def test_file_response(file: Path) -> None:
    events: list[str] = []
    response = FileResponse(file, filename="example.txt", background=BackgroundTask(events.append, "task"))
    messages = await call(response)
    st = os.stat(file)
    assert messages[0] == {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"accept-ranges", b"bytes"),
            (b"content-disposition", b'attachment; filename="example.txt"'),
            (b"content-length", b"26"),
            (b"last-modified", formatdate(st.st_mtime, usegmt=True).encode()),
            (b"etag", expected_etag(file).encode()),
        ],
    }
    assert messages[-1]["more_body"] is False
    assert body_of(messages) == CONTENT
    assert events == ["task"]


async def test_file_response_in_chunks(file: Path) -> None:
    response = FileResponse(file)
    response.chunk_size = 10
    messages = await call(response)
    assert [bytes(m["body"]) for m in messages[1:]] == [CONTENT[:10], CONTENT[10:20], CONTENT[20:]]
    assert [m["more_body"] for m in messages[1:]] == [True, True, False]


async def test_file_response_exact_multiple_of_chunk_size(file: Path) -> None:
    response = FileResponse(file)
    response.chunk_size = 13
    messages = await call(response)
    assert [m["more_body"] for m in messages[1:]] == [True, False]
    assert body_of(messages) == CONTENT


async def test_file_response_stops_at_the_announced_length(file: Path) -> None:
    response = FileResponse(file, stat_result=os.stat(file))
    file.write_bytes(CONTENT * 2)
    messages = await call(response)
    assert messages[0]["headers"][2] == (b"content-length", b"26")
    assert body_of(messages) == CONTENT


async def test_file_response_file_shrunk(file: Path) -> None:
    response = FileResponse(file, stat_result=os.stat(file))
    file.write_bytes(b"abc")
    messages = await call(response)
    assert body_of(messages) == b"abc"
    assert messages[-1]["more_body"] is False


async def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    messages = await call(FileResponse(path))
    assert messages[1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert (b"content-length", b"0") in messages[0]["headers"]
    assert (b"content-type", b"application/octet-stream") in messages[0]["headers"]


async def test_file_response_head(file: Path) -> None:
    messages = await call(FileResponse(file), method="HEAD")
    assert (b"content-length", b"26") in messages[0]["headers"]
    assert messages[1:] == [{"type": "http.response.body", "body": b"", "more_body": False}]


async def test_file_response_pathsend(file: Path) -> None:
    extensions: dict[str, Any] = {"http.response.pathsend": {}}
    messages = await call(FileResponse(str(file)), extensions=extensions)
    assert messages[1:] == [{"type": "http.response.pathsend", "path": str(file)}]
    messages = await call(FileResponse(file), extensions=extensions)
    assert messages[1:] == [{"type": "http.response.pathsend", "path": str(file)}]
    messages = await call(FileResponse(str(file)), extensions=extensions, method="HEAD")
    assert messages[1:] == [{"type": "http.response.body", "body": b"", "more_body": False}]


@pytest.mark.parametrize("extensions", [None, {"http.response.pathsend": {}, "websocket.http.response": {}}])
async def test_file_response_websocket_denial(file: Path, extensions: Any) -> None:
    # NOTE: a server announcing pathsend still gets the denial's body as bytes: there is no websocket pathsend.
    messages = await call(FileResponse(file), scope_type="websocket", extensions=extensions)
    assert [m["type"] for m in messages] == ["websocket.http.response.start", "websocket.http.response.body"]
    assert body_of(messages) == CONTENT


async def test_file_response_method_is_an_http_scopes_only(file: Path) -> None:
    messages = await call(FileResponse(file), method="HEAD", scope_type="websocket")
    assert body_of(messages) == CONTENT

    async def unused(*args: Any) -> Any:
        raise AssertionError  # pragma: no cover (an HTTP scope without a method fails first)

    with pytest.raises(KeyError, match="method"):
        await FileResponse(file)({"type": "http", "headers": []}, unused, unused)


async def test_file_response_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.txt"
    with pytest.raises(RuntimeError, match=f"File at path {path} does not exist."):
        await call(FileResponse(path))


async def test_file_response_directory(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=f"File at path {tmp_path} is not a file."):
        await call(FileResponse(tmp_path))


async def test_file_response_stat_result_of_a_missing_file(file: Path, tmp_path: Path) -> None:
    # NOTE: the file is opened before the response starts: the error becomes a 500, not a 200 with no body.
    sent: list[Message] = []
    with pytest.raises(FileNotFoundError):
        await call(FileResponse(tmp_path / "missing.txt", stat_result=os.stat(file)), sent=sent)
    assert sent == []
    with pytest.raises(IsADirectoryError):
        await call(FileResponse(tmp_path, stat_result=os.stat(file)), sent=sent)
    assert sent == []


async def test_file_response_sends_the_size_its_stat_result_gives(file: Path) -> None:
    given = os.stat_result((0o100644, 0, 0, 0, 0, 0, 5, 0, 0, 0))
    messages = await call(FileResponse(file, stat_result=given))
    assert dict(messages[0]["headers"])[b"content-length"] == b"5"
    assert body_of(messages) == CONTENT[:5]


async def test_file_response_max_ranges_set_on_the_instance(file: Path) -> None:
    response = FileResponse(file)
    response.max_ranges = 1
    messages = await call(response, headers=[("range", "bytes=0-1,10-11")])
    assert messages[0]["status"] == 200
    assert body_of(messages) == CONTENT


def test_file_response_headers_at_construction(file: Path) -> None:
    response = FileResponse(file, stat_result=os.stat(file), status_code=201)
    assert response.status_code == 201
    assert response.path == file
    assert response.stat_result == os.stat(file)
    assert response.headers["etag"] == expected_etag(file)
    assert response.headers["content-length"] == "26"
    assert not hasattr(response, "body")
    assert FileResponse.chunk_size == 65536


def test_file_response_sets_its_attributes_in_starlettes_order(file: Path) -> None:
    names: list[str] = []

    class Watched(FileResponse):
        def __setattr__(self, name: str, value: Any) -> None:
            names.append(name)
            super().__setattr__(name, value)

    Watched(file, filename="a.txt", stat_result=os.stat(file))
    assert names == [
        "path",
        "status_code",
        "filename",
        "media_type",
        "background",
        "raw_headers",
        "_headers",
        "stat_result",
    ]


def test_file_response_given_headers_win(file: Path) -> None:
    given = {"etag": "x", "content-length": "3", "last-modified": "y", "content-type": "a/b", "accept-ranges": "none"}
    response = FileResponse(file, headers=given, stat_result=os.stat(file))
    assert response.raw_headers == [(k.encode(), v.encode()) for k, v in given.items()]


@pytest.mark.parametrize(
    "path, filename, media_type",
    [
        ("a.ico", None, "image/vnd.microsoft.icon"),
        ("a.json", None, "application/json"),
        ("a.unknownext", None, "application/octet-stream"),
        ("a", None, "application/octet-stream"),
        ("a.html", None, "text/html; charset=utf-8"),
        ("a.txt", "x.json", "application/json"),
    ],
)
def test_file_response_media_type_guess(path: str, filename: str | None, media_type: str) -> None:
    assert FileResponse(path, filename=filename).headers["content-type"] == media_type


def test_file_response_explicit_media_type() -> None:
    assert FileResponse("a.txt", media_type="x/y").headers["content-type"] == "x/y"


@pytest.mark.parametrize(
    "filename, disposition_type, header",
    [
        ("a.txt", "attachment", 'attachment; filename="a.txt"'),
        ("a b.txt", "attachment", "attachment; filename*=utf-8''a%20b.txt"),
        ("ä.txt", "inline", "inline; filename*=utf-8''%C3%A4.txt"),
        ('a"b;c\r\n.txt', "attachment", "attachment; filename*=utf-8''a%22b%3Bc%0D%0A.txt"),
    ],
)
def test_content_disposition(filename: str, disposition_type: str, header: str) -> None:
    response = FileResponse("a.txt", filename=filename, content_disposition_type=disposition_type)
    assert response.headers["content-disposition"] == header


async def test_single_range(file: Path) -> None:
    response = FileResponse(file)
    messages = await call(response, headers=[("range", "bytes=1-3")])
    headers = dict(messages[0]["headers"])
    assert messages[0]["status"] == 206
    assert headers[b"content-range"] == b"bytes 1-3/26"
    assert headers[b"content-length"] == b"3"
    assert body_of(messages) == b"bcd"
    assert messages[-1]["more_body"] is False
    # the response itself is untouched and can be sent again
    assert "content-range" not in response.headers
    assert body_of(await call(response)) == CONTENT


async def test_single_range_head(file: Path) -> None:
    messages = await call(FileResponse(file), method="HEAD", headers=[("range", "bytes=0-1")])
    assert messages[0]["status"] == 206
    assert messages[1:] == [{"type": "http.response.body", "body": b"", "more_body": False}]


async def test_single_range_in_chunks(file: Path) -> None:
    response = FileResponse(file)
    response.chunk_size = 4
    messages = await call(response, headers=[("range", "bytes=2-11")])
    assert [bytes(m["body"]) for m in messages[1:]] == [b"cdef", b"ghij", b"kl"]


@pytest.mark.parametrize(
    "header, content_range, body",
    [
        ("bytes=-3", "bytes 23-25/26", b"xyz"),
        ("bytes=20-", "bytes 20-25/26", CONTENT[20:]),
        ("bytes=20-100", "bytes 20-25/26", CONTENT[20:]),
        ("bytes=0-0", "bytes 0-0/26", b"a"),
        ("bytes=0-1, 1-3", "bytes 0-3/26", b"abcd"),
        ("bytes=0-1,2-3", "bytes 0-3/26", b"abcd"),
        ("bytes=0-,5-6", "bytes 0-25/26", CONTENT),
        (" Bytes = 0 - 1 , ", "bytes 0-1/26", b"ab"),
        ("bytes=0-1,x", "bytes 0-1/26", b"ab"),
        ("bytes=0-1,,,2-3", "bytes 0-3/26", b"abcd"),
        ("bytes=0001-2", "bytes 1-2/26", b"bc"),
    ],
)
async def test_ranges_served_as_one_part(file: Path, header: str, content_range: str, body: bytes) -> None:
    messages = await call(FileResponse(file), headers=[("range", header)])
    assert messages[0]["status"] == 206
    assert dict(messages[0]["headers"])[b"content-range"] == content_range.encode()
    assert body_of(messages) == body


async def test_multiple_ranges(file: Path) -> None:
    response = FileResponse(file)
    messages = await call(response, headers=[("range", "bytes=0-1, 5-6,3-4")])
    headers = dict(messages[0]["headers"])
    content_type = headers[b"content-type"].decode()
    assert content_type.startswith("multipart/byteranges; boundary=")
    boundary = content_type.split("=", 1)[1]
    assert len(boundary) == 26
    assert b"content-range" not in headers
    expected = (
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/26\r\n\r\nab\r\n"
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 3-6/26\r\n\r\ndefg\r\n"
        f"--{boundary}--"
    ).encode()
    assert body_of(messages) == expected
    assert headers[b"content-length"] == str(len(expected)).encode()
    assert [m["more_body"] for m in messages[1:]] == [True] * 6 + [False]
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


async def test_multiple_ranges_head(file: Path) -> None:
    messages = await call(FileResponse(file), method="HEAD", headers=[("range", "bytes=0-1,5-6")])
    assert messages[0]["status"] == 206
    assert dict(messages[0]["headers"])[b"content-length"] == b"242"
    assert messages[1:] == [{"type": "http.response.body", "body": b"", "more_body": False}]


def test_generate_multipart() -> None:
    response = FileResponse("a.txt")
    length, header = response.generate_multipart([(0, 2), (10, 20)], "b", 100, "x/y")
    first, second = header(0, 2), header(10, 20)
    assert first == b"--b\r\nContent-Type: x/y\r\nContent-Range: bytes 0-1/100\r\n\r\n"
    assert second == b"--b\r\nContent-Type: x/y\r\nContent-Range: bytes 10-19/100\r\n\r\n"
    assert length == len(first) + 2 + 2 + len(second) + 10 + 2 + len(b"--b--")


@pytest.mark.parametrize(
    "header, message",
    [
        ("bytes", "Malformed range header."),
        ("items=0-1", "Only support bytes range"),
        ("=0-1", "Only support bytes range"),
        ("bytes=x-1", "Range header: range must be requested"),
        ("bytes=-", "Range header: range must be requested"),
        ("bytes=", "Range header: range must be requested"),
        ("bytes=1", "Range header: range must be requested"),
        ("bytes=0-1-2", "Range header: range must be requested"),
        ("bytes=0-1;2-3", "Range header: range must be requested"),
        ("bytes=+1-2", "Range header: range must be requested"),
        ("bytes=1_0-20", "Range header: range must be requested"),
        ("bytes=²-3", "Range header: range must be requested"),
        ("bytes=0--1", "Range header: range must be requested"),
    ],
)
async def test_malformed_range(file: Path, header: str, message: str) -> None:
    messages = await call(FileResponse(file), headers=[("range", header)])
    assert messages == [
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-length", str(len(message)).encode()),
                (b"content-type", b"text/plain; charset=utf-8"),
            ],
        },
        {"type": "http.response.body", "body": message.encode()},
    ]


@pytest.mark.parametrize("header", ["bytes=30-", "bytes=26-", "bytes=-0", "bytes=0-1,30-40", "bytes=5-1,30-40"])
async def test_range_not_satisfiable(file: Path, header: str) -> None:
    events: list[str] = []
    response = FileResponse(file, background=BackgroundTask(events.append, "task"))
    messages = await call(response, headers=[("range", header)])
    assert messages == [
        {
            "type": "http.response.start",
            "status": 416,
            "headers": [
                (b"content-range", b"bytes */26"),
                (b"content-length", b"0"),
                (b"content-type", b"text/plain; charset=utf-8"),
            ],
        },
        {"type": "http.response.body", "body": b""},
    ]
    assert events == []


async def test_range_of_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    for header in ("bytes=0-0", "bytes=-5"):
        messages = await call(FileResponse(path), headers=[("range", header)])
        assert messages[0]["status"] == 416
        assert (b"content-range", b"bytes */0") in messages[0]["headers"]


async def test_if_range(file: Path) -> None:
    st = os.stat(file)
    etag = expected_etag(file)
    last_modified = formatdate(st.st_mtime, usegmt=True)
    for if_range, status in [(etag, 206), (last_modified, 206), ("W/" + etag, 200), ('"other"', 200)]:
        messages = await call(FileResponse(file), headers=[("range", "bytes=0-1"), ("if-range", if_range)])
        assert messages[0]["status"] == status, if_range


def test_range_exceptions() -> None:
    assert MalformedRangeHeader().content == "Malformed range header."
    assert MalformedRangeHeader("x").content == "x"
    assert RangeNotSatisfiable(10).max_size == 10
    assert issubclass(MalformedRangeHeader, Exception)
    assert issubclass(RangeNotSatisfiable, Exception)


# --- public names -------------------------------------------------------------------------------


def test_public_names() -> None:
    for name in (
        "AsyncContentStream",
        "BackgroundTask",
        "ClientDisconnect",
        "Content",
        "ContentStream",
        "Headers",
        "MutableHeaders",
        "SyncContentStream",
        "URL",
        "iterate_in_threadpool",
        "json",
    ):
        assert hasattr(responses, name), name


# --- the pure twin ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, body_length, media_type, status_code, expected",
    [
        (None, -1, None, 200, []),
        ({}, 0, None, 200, [(b"content-length", b"0")]),
        (
            {"A": "1"},
            3,
            "text/csv",
            200,
            [(b"a", b"1"), (b"content-length", b"3"), (b"content-type", b"text/csv; charset=x")],
        ),
        ({"content-type": "a/b"}, 3, "text/csv", 304, [(b"content-type", b"a/b")]),
        ({"content-length": "9"}, 3, None, 200, [(b"content-length", b"9")]),
    ],
)
def test_pure_init_raw_headers(
    headers: dict[str, str] | None,
    body_length: int,
    media_type: str | None,
    status_code: int,
    expected: list[tuple[bytes, bytes]],
) -> None:
    assert pure.init_raw_headers(headers, body_length, media_type, "x", status_code) == expected


@given(
    size=st.integers(min_value=1, max_value=64),
    parts=st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80)), min_size=1, max_size=20),
)
def test_merged_ranges_cover_exactly_the_requested_bytes(size: int, parts: list[tuple[int, int]]) -> None:
    header = "bytes=" + ",".join(f"{a}-{b}" for a, b in parts)
    response = FileResponse("unused")
    if any(a >= size for a, _ in parts):
        with pytest.raises(RangeNotSatisfiable):
            response._wanted_ranges(header, None, size)
        return
    if any(a > b for a, b in parts):
        with pytest.raises(MalformedRangeHeader, match="start must be less than end"):
            response._wanted_ranges(header, None, size)
        return
    merged = response._wanted_ranges(header, None, size)
    covered = {i for start, end in merged for i in range(start, end)}
    assert covered == {i for a, b in parts for i in range(a, min(b, size - 1) + 1)}
    assert all(end < next_start for (_, end), (next_start, _) in zip(merged, merged[1:], strict=False))


# --- through the TestClient ---------------------------------------------------------------------


def test_client_response_and_cookies(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse({"ok": True}, headers={"x-extra": "1"})
        response.set_cookie("mycookie", "myvalue", max_age=10, httponly=True)
        await response(scope, receive, send)

    client = test_client_factory(app)
    response = client.get("/")
    assert response.json() == {"ok": True}
    assert response.headers["x-extra"] == "1"
    assert response.headers["set-cookie"] == "mycookie=myvalue; HttpOnly; Max-Age=10; Path=/; SameSite=lax"
    assert client.cookies["mycookie"] == "myvalue"


def test_client_redirect(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/":
            response: Response = PlainTextResponse("landed")
        else:
            response = RedirectResponse("/", status_code=302)
        await response(scope, receive, send)

    response = test_client_factory(app).get("/redirect")
    assert response.text == "landed"
    assert response.url == "http://testserver/"
    assert response.history[0].status_code == 302


def test_client_streaming_and_background(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    def chunks() -> Iterator[str]:
        yield "a"
        yield "b"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = StreamingResponse(chunks(), media_type="text/plain", background=BackgroundTask(events.append, "bg"))
        await response(scope, receive, send)

    response = test_client_factory(app).get("/")
    assert response.text == "ab"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert events == ["bg"]


def test_client_file_ranges(test_client_factory: TestClientFactory, file: Path) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await FileResponse(file, filename="example.txt")(scope, receive, send)

    client = test_client_factory(app)
    response = client.get("/")
    assert response.content == CONTENT
    assert response.headers["content-disposition"] == 'attachment; filename="example.txt"'
    response = client.get("/", headers={"Range": "bytes=2-4"})
    assert (response.status_code, response.content) == (206, b"cde")
    response = client.get("/", headers={"Range": "bytes=0-0,-1"})
    assert response.status_code == 206
    assert response.headers["content-type"].startswith("multipart/byteranges; boundary=")
    assert b"Content-Range: bytes 0-0/26\r\n\r\na\r\n" in response.content
    assert b"Content-Range: bytes 25-25/26\r\n\r\nz\r\n" in response.content
    response = client.head("/", headers={"Range": "bytes=2-4"})
    assert (response.status_code, response.content, response.headers["content-length"]) == (206, b"", "3")


# --- FileResponse and a client that goes away (Starlette 1.8) -------------------------------------------------


class ClosingWatch:
    """Records the files ``FileResponse`` opens, to check that each was closed again."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[Any] = []
        real_open = open

        def watched_open(*args: Any, **kwargs: Any) -> Any:
            file = real_open(*args, **kwargs)
            self.files.append(file)
            return file

        monkeypatch.setattr(responses, "open", watched_open, raising=False)

    @property
    def opened_closed(self) -> tuple[int, int]:
        return len(self.files), sum(file.closed for file in self.files)


@pytest.mark.parametrize("header", [None, "bytes=0-200000", "bytes=0-1,5-200000"])
@pytest.mark.parametrize("asgi", [{"spec_version": "2.0"}, {"spec_version": "2.3"}, {}])
async def test_file_response_stops_when_the_client_disconnects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, header: str | None, asgi: dict[str, str]
) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 300_000)
    watch = ClosingWatch(monkeypatch)
    events: list[str] = []
    gone = anyio.Event()
    sent: list[Message] = []

    async def receive() -> Message:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if len(sent) == 3:
            gone.set()
        await anyio.sleep(0)

    response = FileResponse(path, background=BackgroundTask(events.append, "task"))
    response.chunk_size = 100
    scope: dict[str, Any] = {"type": "http", "method": "GET"}
    scope["headers"] = [(b"range", header.encode())] if header else []
    scope.update({"asgi": asgi} if asgi else {})
    with anyio.fail_after(5):
        await response(scope, receive, send)
    assert 3 <= len(sent) < 100
    assert sent[-1].get("more_body") is True
    assert events == ["task"]
    assert watch.opened_closed == (1, 1)


@pytest.mark.parametrize("header", [None, "bytes=0-200000", "bytes=0-1,5-200000"])
@pytest.mark.parametrize("asgi", [{"spec_version": "2.0"}, {"spec_version": "2.3"}, {}])
async def test_file_response_to_a_client_already_gone_sends_the_start_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, header: str | None, asgi: dict[str, str]
) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 300_000)
    watch = ClosingWatch(monkeypatch)
    events: list[str] = []

    async def receive() -> Message:
        events.append("receive")
        return {"type": "http.disconnect"}

    response = FileResponse(path, background=BackgroundTask(events.append, "task"))
    sent = await call(response, headers=[("range", header)] if header else [], asgi=asgi, receive=receive)
    assert [message["type"] for message in sent] == ["http.response.start"]
    assert events == ["receive", "task"]
    assert watch.opened_closed == (1, 1)


@pytest.mark.parametrize("asgi", [{"spec_version": "2.3"}, {}])
async def test_file_response_sends_nothing_read_after_the_client_went(tmp_path: Path, asgi: dict[str, str]) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 1_000_000)
    gone = anyio.Event()
    sent: list[Message] = []

    async def receive() -> Message:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        # NOTE: the start and the 4 chunks read ahead with the opening: the client goes while the next ones are read.
        if len(sent) == 5:
            gone.set()

    await FileResponse(path)({"type": "http", "method": "GET", "headers": [], "asgi": asgi}, receive, send)
    assert len(sent) == 5


@pytest.mark.parametrize("header", [None, "bytes=0-", "bytes=0-1,5-20"])
@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
async def test_file_response_closes_its_file_when_cancelled(
    file: Path, monkeypatch: pytest.MonkeyPatch, header: str | None, spec_version: str
) -> None:
    watch = ClosingWatch(monkeypatch)
    events: list[str] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            outside.cancel()
            await anyio.sleep_forever()

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover (sleep_forever never returns)

    scope: dict[str, Any] = {"type": "http", "method": "GET", "asgi": {"spec_version": spec_version}}
    scope["headers"] = [(b"range", header.encode())] if header else []
    response = FileResponse(file, background=BackgroundTask(events.append, "task"))
    response.chunk_size = 4
    with anyio.fail_after(5), anyio.CancelScope() as outside:
        await response(scope, receive, send)
    assert outside.cancelled_caught
    assert events == []
    assert watch.opened_closed == (1, 1)


@pytest.mark.parametrize("header", [None, "bytes=0-", "bytes=0-1,5-20"])
@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
async def test_file_response_send_errors_propagate_and_close_the_file(
    file: Path, monkeypatch: pytest.MonkeyPatch, header: str | None, spec_version: str
) -> None:
    watch = ClosingWatch(monkeypatch)
    error = OSError("gone")

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise error

    async def receive() -> Message:
        assert spec_version != "2.4"  # NOTE: not listened to from ASGI 2.4 on.
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover (sleep_forever never returns)

    scope: dict[str, Any] = {"type": "http", "method": "GET", "asgi": {"spec_version": spec_version}}
    scope["headers"] = [(b"range", header.encode())] if header else []
    response = FileResponse(file)
    response.chunk_size = 4
    with anyio.fail_after(5), pytest.raises(OSError) as raised:
        await response(scope, receive, send)
    assert raised.value is error
    assert watch.opened_closed == (1, 1)


@pytest.mark.parametrize(
    "make", [lambda path: FileResponse(path), lambda path: StreamingResponse(iter([b"ab"]))], ids=["file", "streaming"]
)
@pytest.mark.parametrize("asgi", [{}, {"spec_version": "2.3"}, {"spec_version": "2.4"}])
async def test_websocket_denial_never_listens_for_disconnect(
    file: Path, make: Callable[[Path], Response], asgi: dict[str, str]
) -> None:
    events: list[str] = []

    async def receive() -> Message:
        raise AssertionError  # pragma: no cover (a denial's receive carries websocket messages: never listened to)

    async def send(message: Message) -> None:
        events.append(message["type"])

    response = make(file)
    response.background = BackgroundTask(events.append, "task")
    await response({"type": "websocket", "path": "/", "headers": [], "asgi": asgi}, receive, send)
    assert events[0] == "websocket.http.response.start"
    assert events[-2:] == ["websocket.http.response.body", "task"]


# --- FileResponse worker-thread hops ---------------------------------------------------------------------------


class HopCounter:
    """Counts the worker-thread hops (``anyio.to_thread.run_sync`` calls) and the most bytes one hop read."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.hops = 0
        self.most_read = 0
        real_run_sync = anyio.to_thread.run_sync

        async def run_sync(func: Any, *args: Any, **kwargs: Any) -> Any:
            self.hops += 1
            result = await real_run_sync(func, *args, **kwargs)
            if isinstance(result, list):
                self.most_read = max(self.most_read, sum(len(piece) for piece in result))
            return result

        monkeypatch.setattr(anyio.to_thread, "run_sync", run_sync)


@pytest.mark.parametrize(
    ("size", "chunk_size", "hops", "messages"),
    [
        (26, 65536, 1, 1),  # stat, open, read and close in one hop
        (1024 * 1024, 65536, 4, 16),  # 256 KiB a hop, as 64 KiB messages
        (1024 * 1024 + 1, 65536, 5, 17),
        (200, 1, 4, 200),  # at most 64 pieces a hop
        (700_000, 300_000, 3, 3),  # a chunk larger than the read-ahead: one chunk a hop
        (0, 65536, 1, 1),
    ],
)
async def test_file_response_hops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, chunk_size: int, hops: int, messages: int
) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(size))
    response = FileResponse(path)
    response.chunk_size = chunk_size
    counter = HopCounter(monkeypatch)
    watch = ClosingWatch(monkeypatch)
    sent = await call(response)
    assert body_of(sent) == path.read_bytes()
    assert [len(m["body"]) for m in sent[1:]] == [min(chunk_size, size - i) for i in range(0, size, chunk_size)] or [0]
    assert (counter.hops, len(sent) - 1, watch.opened_closed) == (hops, messages, (1, 1))
    assert counter.most_read <= max(256 * 1024, chunk_size)


@pytest.mark.parametrize(
    ("method", "headers", "extensions", "hops"),
    [
        ("HEAD", [], {}, 1),
        ("GET", [], {"http.response.pathsend": {}}, 1),
        ("GET", [("range", "bytes=0-1")], {}, 2),  # the stat, then open and read
        ("GET", [("range", "bytes=x")], {}, 1),
        ("GET", [("range", "bytes=0-1"), ("if-range", '"other"')], {}, 2),
    ],
)
async def test_file_response_hops_without_a_whole_body(
    file: Path,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    headers: list[tuple[str, str]],
    extensions: dict[str, Any],
    hops: int,
) -> None:
    counter = HopCounter(monkeypatch)
    watch = ClosingWatch(monkeypatch)
    await call(FileResponse(file), method=method, headers=headers, extensions=extensions)
    assert counter.hops == hops
    assert watch.opened_closed == ((1, 1) if hops == 2 else (0, 0))


@pytest.mark.parametrize("header", [None, "bytes=1-2"])
async def test_file_response_chunk_size_zero(file: Path, header: str | None) -> None:
    response = FileResponse(file)
    response.chunk_size = 0
    with pytest.raises(ValueError, match="FileResponse.chunk_size must not be 0."):
        await call(response, headers=[("range", header)] if header else [])
    assert (await call(response, method="HEAD"))[1]["body"] == b""


async def test_file_response_negative_chunk_size_reads_whole_ranges(file: Path) -> None:
    response = FileResponse(file)
    response.chunk_size = -1
    assert [m["body"] for m in (await call(response))[1:]] == [CONTENT]
    assert [m["body"] for m in (await call(response, headers=[("range", "bytes=1-2")]))[1:]] == [b"bc"]


async def test_file_response_file_deleted_mid_stream(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    content = os.urandom(600_000)
    path.write_bytes(content)
    received: list[Message] = []

    async def send(message: Message) -> None:
        received.append(message)
        if path.exists():
            path.unlink()

    scope = {"type": "http", "method": "GET", "headers": [], "asgi": {"spec_version": "2.4"}}
    await FileResponse(path)(scope, None, send)  # type: ignore[arg-type]
    assert body_of(received) == content


async def test_file_response_file_deleted_between_stat_and_open(file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    watch = ClosingWatch(monkeypatch)
    response = FileResponse(file, stat_result=os.stat(file))
    file.unlink()
    with pytest.raises(FileNotFoundError):
        await call(response, headers=[("range", "bytes=0-1")])
    assert watch.opened_closed == (0, 0)


async def test_file_response_file_truncated_mid_stream(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 600_000)
    received: list[Message] = []

    async def send(message: Message) -> None:
        received.append(message)
        if len(received) == 2:
            path.write_bytes(b"")

    scope = {"type": "http", "method": "GET", "headers": [], "asgi": {"spec_version": "2.4"}}
    await FileResponse(path)(scope, None, send)  # type: ignore[arg-type]
    assert received[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert len(body_of(received)) == 256 * 1024  # what the first hop read ahead


class FailingFile(io.BytesIO):
    """A file whose reads fail after the first ``good`` ones."""

    def __init__(self, data: bytes, good: int) -> None:
        super().__init__(data)
        self.good = good

    def read(self, size: int | None = -1, /) -> bytes:
        self.good -= 1
        if self.good < 0:
            raise OSError("I/O error")
        return super().read(size)


@pytest.mark.parametrize("header", [None, "bytes=5-", "bytes=0-1,3-"])
async def test_file_response_read_error_closes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, header: str | None
) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 6000)
    failing = FailingFile(path.read_bytes(), good=70)  # the first hop reads 64 pieces, the second fails
    monkeypatch.setattr(responses, "open", lambda *args: failing, raising=False)
    response = FileResponse(path)
    response.chunk_size = 10
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [(b"range", header.encode())] if header else []
    scope = {"type": "http", "method": "GET", "headers": headers, "asgi": {"spec_version": "2.4"}}
    with pytest.raises(OSError, match="I/O error"):
        await response(scope, None, send)  # type: ignore[arg-type]
    assert failing.closed
    assert sent[0]["type"] == "http.response.start" and sent[-1]["more_body"] is True


@pytest.mark.parametrize("status_code", [201, 206, 404])
async def test_file_response_range_applies_to_status_200_only(file: Path, status_code: int) -> None:
    messages = await call(FileResponse(file, status_code=status_code), headers=[("range", "bytes=0-1")])
    assert messages[0]["status"] == status_code
    assert b"content-range" not in dict(messages[0]["headers"])
    assert body_of(messages) == CONTENT
