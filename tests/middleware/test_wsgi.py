from __future__ import annotations

import gc
import importlib
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import anyio
import pytest

from starlette_c.exceptions import StarletteDeprecationWarning
from tests.conftest import TestClientFactory

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette_c.middleware.wsgi import WSGIMiddleware, build_environ

StartResponse = Callable[..., Any]


def hello_world(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("X-Multi", "a"), ("X-Multi", "b")])
    return [b"Hello ", b"", b"World!\n"]


def echo_body(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def raise_exception(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    raise RuntimeError("Something went wrong")


def return_exc_info(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    try:
        raise RuntimeError("Something went wrong")
    except RuntimeError:
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"Internal Server Error"]


def test_import_warns_with_the_reference_text() -> None:
    sys.modules.pop("starlette_c.middleware.wsgi")
    with pytest.warns(StarletteDeprecationWarning, match=r"^starlette\.middleware\.wsgi is deprecated") as record:
        importlib.import_module("starlette_c.middleware.wsgi")
    assert "https://github.com/abersheeran/a2wsgi" in str(record[0].message)
    assert len(record) == 1
    assert record[0].category is StarletteDeprecationWarning
    assert issubclass(StarletteDeprecationWarning, UserWarning)


def test_wsgi_get(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WSGIMiddleware(hello_world))
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "Hello World!\n"
    assert response.headers.get_list("x-multi") == ["a", "b"]


def test_wsgi_post_reads_the_whole_body(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WSGIMiddleware(echo_body))

    def chunks() -> Iterator[bytes]:
        yield b"Hello, "
        yield b"World"

    response = client.post("/", content=chunks())
    assert response.status_code == 200
    assert response.text == "Hello, World"


def test_wsgi_exception_propagates(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WSGIMiddleware(raise_exception))
    with pytest.raises(RuntimeError, match="Something went wrong"):
        client.get("/")


def test_wsgi_exc_info(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WSGIMiddleware(return_exc_info))
    with pytest.raises(RuntimeError, match="Something went wrong"):
        client.get("/")

    client = test_client_factory(WSGIMiddleware(return_exc_info), raise_server_exceptions=False)
    response = client.get("/")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_start_response_twice_keeps_the_first_status(test_client_factory: TestClientFactory) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("201 Created", [])
        start_response("500 Oops", [])
        return [b"ok"]

    assert test_client_factory(WSGIMiddleware(app)).get("/").status_code == 201


def test_iterable_is_closed(test_client_factory: TestClientFactory) -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"body"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        return Body()

    assert test_client_factory(WSGIMiddleware(app)).get("/").text == "body"
    assert closed == [True]


def test_non_http_scope_is_refused() -> None:
    async def receive() -> dict[str, Any]:  # pragma: no cover (never read)
        return {}

    async def send(message: Any) -> None: ...  # pragma: no cover (never sent)

    with pytest.raises(AssertionError):
        anyio.run(WSGIMiddleware(hello_world), {"type": "websocket"}, receive, send)


def test_build_environ() -> None:
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": "/sub/caf\u00e9",
        "root_path": "/sub",
        "query_string": b"a=123&b=456",
        "headers": [
            (b"host", b"www.example.org"),
            (b"content-type", b"application/json"),
            (b"content-length", b"18"),
            (b"accept", b"application/json"),
            (b"accept", b"text/plain"),
            (b"x-latin", "\u00e9".encode("latin-1")),
        ],
        "client": ("134.56.78.4", 1453),
        "server": ("www.example.org", 443),
    }
    environ = build_environ(scope, b'{"example":"body"}')
    stream = environ.pop("wsgi.input")
    assert stream.read() == b'{"example":"body"}'
    assert environ == {
        "CONTENT_LENGTH": "18",
        "CONTENT_TYPE": "application/json",
        "HTTP_ACCEPT": "application/json,text/plain",
        "HTTP_HOST": "www.example.org",
        "HTTP_X_LATIN": "\u00e9",
        "PATH_INFO": "/caf\u00c3\u00a9",
        "QUERY_STRING": "a=123&b=456",
        "REMOTE_ADDR": "134.56.78.4",
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "/sub",
        "SERVER_NAME": "www.example.org",
        "SERVER_PORT": 443,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.errors": sys.stdout,
        "wsgi.multiprocess": True,
        "wsgi.multithread": True,
        "wsgi.run_once": False,
        "wsgi.url_scheme": "https",
        "wsgi.version": (1, 0),
    }


def test_build_environ_defaults() -> None:
    scope = {"type": "http", "http_version": "2", "method": "GET", "path": "/", "query_string": b""}
    environ = build_environ(scope, b"")
    assert environ["SERVER_NAME"] == "localhost"
    assert environ["SERVER_PORT"] == 80
    assert environ["SCRIPT_NAME"] == ""
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["SERVER_PROTOCOL"] == "HTTP/2"
    assert "REMOTE_ADDR" not in environ


def test_query_string_bytes_reach_the_app_as_latin_1(test_client_factory: TestClientFactory) -> None:
    # NOTE: Starlette decodes it as ASCII and fails the request (a 500); PEP 3333 strings are latin-1.
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [])
        return [environ["QUERY_STRING"].encode("latin-1")]

    scope = {"method": "GET", "path": "/", "query_string": b"q=\xff&r=%C3", "http_version": "1.1"}
    assert build_environ(scope, b"")["QUERY_STRING"] == "q=\xff&r=%C3"
    client = test_client_factory(WSGIMiddleware(app))
    assert client.get("/", params={"q": "é"}).content == b"q=%C3%A9"


def test_a_failed_request_read_leaves_no_stream_open() -> None:
    # NOTE: the responder's memory streams are made once the body is read (a ResourceWarning would fail the test).
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        raise AssertionError("never called")  # pragma: no cover

    async def receive() -> dict[str, Any]:
        raise OSError("gone")

    async def send(message: dict[str, Any]) -> None:
        raise AssertionError("never called")  # pragma: no cover

    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "http_version": "1.1"}
    with pytest.raises(OSError, match="gone"):
        anyio.run(WSGIMiddleware(app), scope, receive, send)
    gc.collect()


@pytest.mark.parametrize(
    ("root_path", "path", "script_name", "path_info"),
    [
        ("/sub", "/sub/x", "/sub", "/x"),
        ("/sub", "/subway/x", "/sub", "/subway/x"),
        ("/sub", "/sub", "/sub", ""),
        ("/sub/", "/sub/x", "/sub/", "x"),
        ("/sub", "/other", "/sub", "/other"),
    ],
)
def test_root_path_is_stripped_only_at_a_segment_boundary(
    root_path: str, path: str, script_name: str, path_info: str
) -> None:
    scope = {"method": "GET", "path": path, "root_path": root_path, "query_string": b"", "http_version": "1.1"}
    environ = build_environ(scope, b"")
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == (script_name, path_info)
