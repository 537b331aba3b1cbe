"""The examples of docs/requests.md, with imports changed to starlette_c."""

from __future__ import annotations

import time
from typing import Any

from starlette_c.applications import Starlette
from starlette_c.datastructures import FormData, UploadFile
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, Response
from starlette_c.routing import Route
from starlette_c.types import Receive, Scope, Send
from tests.conftest import TestClientFactory

# --- Request ------------------------------------------------------------------------------------


async def method_and_path_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    request = Request(scope, receive)
    content = "%s %s" % (request.method, request.url.path)  # noqa: UP031
    response = Response(content, media_type="text/plain")
    await response(scope, receive, send)


def test_request_example(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(method_and_path_app)
    response = client.get("/some/path")
    assert response.text == "GET /some/path"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert client.delete("/other").text == "DELETE /other"


def test_request_is_a_mapping_and_needs_no_receive_without_a_body() -> None:
    scope = {"type": "http", "method": "GET", "path": "/users/1", "headers": []}
    request = Request(scope)
    assert request["path"] == "/users/1"
    assert request.method == "GET"


# --- Method, URL, headers, query and path parameters, client, cookies ---------------------------


async def describe(request: Request) -> JSONResponse:
    client = request.client
    assert client is not None
    request.state.time_started = time.time()
    return JSONResponse(
        {
            "method": request.method,
            "url": str(request.url),
            "path": request.url.path,
            "port": request.url.port,
            "scheme": request.url.scheme,
            "content_type": request.headers["content-type"],
            "search": request.query_params["search"],
            "username": request.path_params["username"],
            "client": [client.host, client.port],
            "cookie": request.cookies.get("mycookie"),
            "same_app": request.app is app,
            "state": isinstance(request.state.time_started, float),
        }
    )


app = Starlette(routes=[Route("/users/{username}", describe)])


def test_request_attributes(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app)
    response = client.get(
        "http://testserver:8000/users/tom?search=hats",
        headers={"content-type": "text/plain", "cookie": "mycookie=chocolate; other=1"},
    )
    assert response.json() == {
        "method": "GET",
        "url": "http://testserver:8000/users/tom?search=hats",
        "path": "/users/tom",
        "port": 8000,
        "scheme": "http",
        "content_type": "text/plain",
        "search": "hats",
        "username": "tom",
        "client": ["testclient", 50000],
        "cookie": "chocolate",
        "same_app": True,
        "state": True,
    }


# --- Body ---------------------------------------------------------------------------------------


async def stream_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    request = Request(scope, receive)
    body = b""
    async for chunk in request.stream():
        body += chunk
    response = Response(body, media_type="text/plain")
    await response(scope, receive, send)


def test_stream_example(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(stream_app)

    def chunks() -> Any:
        yield b"first "
        yield b"second"

    assert client.post("/", content=chunks()).text == "first second"
    assert client.post("/", content=b"whole").text == "whole"


async def body_interfaces(request: Request) -> JSONResponse:
    kind = request.query_params["kind"]
    if kind == "body":
        return JSONResponse({"body": (await request.body()).decode()})
    if kind == "json":
        return JSONResponse({"json": await request.json()})
    if kind == "form":
        async with request.form() as form:
            return JSONResponse({"form": dict(form)})
    async for _ in request.stream():
        pass
    try:
        await request.body()
    except RuntimeError as exc:
        return JSONResponse({"error": str(exc)})
    raise AssertionError("unreachable")  # pragma: no cover (body() after stream() always raises)


def test_body_json_form_and_stream_once(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Starlette(routes=[Route("/", body_interfaces, methods=["POST"])]))
    assert client.post("/?kind=body", content=b"raw").json() == {"body": "raw"}
    assert client.post("/?kind=json", json={"a": 1}).json() == {"json": {"a": 1}}
    assert client.post("/?kind=form", data={"a": "1"}).json() == {"form": {"a": "1"}}
    assert client.post("/?kind=stream", content=b"x").json() == {"error": "Stream consumed"}


async def disconnected(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"disconnected": await request.is_disconnected()})


def test_is_disconnected(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Starlette(routes=[Route("/", disconnected, methods=["POST"])]))
    assert client.post("/", content=b"x").json() == {"disconnected": False}


# --- Request files ------------------------------------------------------------------------------


async def limited_upload(request: Request) -> JSONResponse:
    async with request.form(max_files=1000, max_fields=1000, max_part_size=1024 * 1024) as form:
        assert isinstance(form, FormData)
        return JSONResponse({"fields": len(form)})


async def read_upload(request: Request) -> JSONResponse:
    async with request.form() as form:
        upload_file = form["upload_file"]
        assert isinstance(upload_file, UploadFile)
        filename = form["upload_file"].filename  # type: ignore[union-attr]
        contents = await form["upload_file"].read()  # type: ignore[union-attr]
        await upload_file.seek(0)
        again = await upload_file.read(4)
        return JSONResponse(
            {
                "filename": filename,
                "contents": contents.decode(),
                "content_type": upload_file.content_type,
                "size": upload_file.size,
                "headers": dict(upload_file.headers),
                "again": again.decode(),
                "text": form["text"],
            }
        )


def test_form_limits_example(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Starlette(routes=[Route("/", limited_upload, methods=["POST"])]))
    assert client.post("/", data={"a": "1", "b": "2"}).json() == {"fields": 2}


def test_upload_file_example(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Starlette(routes=[Route("/", read_upload, methods=["POST"])]))
    response = client.post(
        "/", data={"text": "plain field"}, files={"upload_file": ("myimage.jpg", b"jpeg bytes", "image/jpeg")}
    )
    assert response.json() == {
        "filename": "myimage.jpg",
        "contents": "jpeg bytes",
        "content_type": "image/jpeg",
        "size": 10,
        "headers": {
            "content-disposition": 'form-data; name="upload_file"; filename="myimage.jpg"',
            "content-type": "image/jpeg",
        },
        "again": "jpeg",
        "text": "plain field",
    }


def test_too_many_fields_are_refused(test_client_factory: TestClientFactory) -> None:
    async def strict(request: Request) -> JSONResponse:
        async with request.form(max_fields=1) as form:
            return JSONResponse({"fields": len(form)})  # pragma: no cover (the form is refused)

    client = test_client_factory(Starlette(routes=[Route("/", strict, methods=["POST"])]))
    response = client.post("/", data={"a": "1", "b": "2"})
    assert (response.status_code, response.text) == (400, "Too many fields. Maximum number of fields is 1.")
