from __future__ import annotations

from typing import Any

from tests.ecosystem.transcript import differing_steps


def test_same_transcript_on_starlette_and_starlette_c(transcript_pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    real, ours = transcript_pair
    assert differing_steps(real, ours) == []


def header(entry: dict[str, Any], name: str) -> str | None:
    return next((value for key, value in entry["headers"] if key == name), None)


def test_parameters_bodies_and_validation(transcript: dict[str, Any]) -> None:
    assert transcript["read"]["body"] == {"name": "lamp", "price": 12.5, "tags": ["home"], "id": 1}
    assert transcript["list by tag"]["body"][0]["id"] == 1
    assert transcript["create"]["status"] == 201
    assert transcript["create"]["body"]["id"] == 2
    assert transcript["list after create"]["body"][1]["name"] == "desk"
    assert transcript["read bad path"]["status"] == 422
    assert transcript["read bad path"]["body"]["detail"][0]["loc"] == ["path", "item_id"]
    assert transcript["list limit too big"]["body"]["detail"][0]["type"] == "less_than_equal"
    assert [error["loc"] for error in transcript["create invalid"]["body"]["detail"]] == [
        ["body", "name"],
        ["body", "price"],
    ]
    assert transcript["create not json"]["body"]["detail"][0]["type"] == "json_invalid"
    assert transcript["preferences cookie"]["body"] == {"theme": "solarized", "language": "fr"}
    assert transcript["preferences default"]["body"] == {"theme": "light", "language": None}


def test_dependencies_errors_and_handlers(transcript: dict[str, Any]) -> None:
    assert transcript["order"]["body"] == {"user": "alice", "total": 111.5, "note": "gift"}
    assert transcript["order no token"]["status"] == 422
    assert transcript["order bad token"]["status"] == 401
    assert header(transcript["order bad token"], "www-authenticate") == "Token"
    assert transcript["read missing"]["status"] == 404
    assert header(transcript["read missing"], "x-missing") == "7"
    assert transcript["order out of stock"] == {
        "status": 409,
        "headers": transcript["order out of stock"]["headers"],
        "body": {"error": "out of stock", "item": 5},
    }
    assert transcript["order with override"]["body"]["user"] == "tester"
    assert transcript["server error"]["status"] == 500
    assert transcript["method not allowed"]["status"] == 405
    assert header(transcript["method not allowed"], "allow") == "GET"


def test_lifespan_yield_dependencies_and_background_tasks(transcript: dict[str, Any]) -> None:
    assert transcript["after startup"] == ["startup"]
    assert transcript["effects after create"] == [
        "startup",
        "session open",
        "indexed desk in session-1",
        "session closed",
    ]
    assert transcript["effects"][-1] == "shutdown"


def test_middleware(transcript: dict[str, Any]) -> None:
    assert header(transcript["read"], "x-process") == "GET /items/1"
    assert header(transcript["big gzip"], "content-encoding") == "gzip"
    assert header(transcript["big identity"], "content-encoding") is None
    assert transcript["big gzip"]["body"] == transcript["big identity"]["body"]
    preflight = transcript["cors preflight"]
    assert preflight["status"] == 200
    assert header(preflight, "access-control-allow-origin") == "https://shop.example"
    assert transcript["cors preflight refused"]["status"] == 400
    assert header(transcript["cors simple"], "access-control-expose-headers") == "X-Process"


def test_forms_uploads_streams_and_files(transcript: dict[str, Any]) -> None:
    assert transcript["upload"]["body"]["files"] == [
        {"filename": "a.txt", "type": "text/plain", "size": 5},
        {"filename": "b.bin", "type": "application/octet-stream", "size": 256},
    ]
    assert transcript["upload"]["body"]["public"] is True
    assert transcript["upload missing file"]["status"] == 422
    assert transcript["upload past the in-memory size"]["body"] == {
        "size": 2 * 1024 * 1024 + 5,
        "head": "hello",
        "part headers": {"content-disposition": 'form-data; name="file"; filename="a.bin"', "content-type": "x/y"},
    }
    assert transcript["template"]["body"] == (
        '<h1>Receipt for lamp</h1>\n<link href="http://testserver/static/style.css" rel="stylesheet">\n<p>12.50 EUR</p>'
    )
    assert header(transcript["template"], "x-receipt") == "1"
    assert transcript["login short password"]["status"] == 422
    assert header(transcript["login"], "set-cookie") == "theme=dark; HttpOnly; Path=/; SameSite=lax"
    assert transcript["cookie jar after login"] == {"theme": "dark"}
    assert transcript["stream csv"]["body"] == "id,name\n1,item1\n2,item2\n3,item3\n"
    assert header(transcript["file"], "content-disposition") == 'attachment; filename="report.css"'
    assert transcript["file"]["body"] == "body { color: teal; }\n"


def test_mounts_static_files_and_urls(transcript: dict[str, Any]) -> None:
    assert transcript["mounted app"]["body"] == {"root_path": "/admin", "url": "http://testserver/admin/stats"}
    assert transcript["mounted app docs"]["body"]["info"]["title"] == "Admin"
    assert header(transcript["mounted app"], "x-route") == "/stats"
    assert transcript["mounted app not found"]["body"] == "admin: Not Found"
    assert transcript["mounted app method not allowed"]["status"] == 405
    assert header(transcript["mounted app method not allowed"], "allow") == "GET"
    assert transcript["static"]["body"] == "body { color: teal; }\n"
    assert transcript["static head"]["body"] == ""
    assert header(transcript["static head"], "content-length") == "22"
    assert (transcript["static range"]["status"], transcript["static range"]["body"]) == (206, "{ col")
    assert transcript["static bad range"]["status"] == 416
    assert transcript["static not modified"]["status"] == 304
    assert transcript["static missing"]["status"] == 404
    assert header(transcript["redirect slashes"], "location") == "http://testserver/items/"
    assert transcript["url_for"]["body"] == {
        "self": "http://testserver/items/3",
        "css": "http://testserver/static/style.css",
    }


def test_later_requests_see_later_edits_and_bodies_read_in_middleware(transcript: dict[str, Any]) -> None:
    assert transcript["path convertor and query"]["body"] == {
        "file_path": "docs/café menu.txt",
        "raw_path": "/files/docs/caf%C3%A9%20menu.txt",
        "query": [["a", "1"], ["a", "2"], ["b", "✓"], ["c", ""]],
    }
    cart = transcript["response parameter"]
    assert cart["status"] == 202
    assert [value for name, value in cart["headers"] if name == "set-cookie"] == [
        "cart=4; Path=/; SameSite=lax",
        "cart_size=2; Max-Age=60; Path=/; SameSite=lax",
    ]
    assert transcript["body read in middleware"]["body"]["name"] == "rug"
    assert transcript["effects after audit"][0] == "audit 24 bytes"
    assert transcript["route added after requests"]["body"] == {"added": "after startup"}
    assert transcript["route removed after requests"]["status"] == 404


def test_openapi_schema_and_docs_pages(transcript: dict[str, Any]) -> None:
    schema = transcript["openapi"]["body"]
    assert schema["info"] == {"title": "Shop", "version": "2.1.0"}
    assert schema["paths"]["/items/{item_id}"]["get"]["tags"] == ["items"]
    assert schema["paths"]["/orders/"]["post"]["tags"] == ["orders"]
    assert "/admin/stats" not in schema["paths"]
    assert {"Item", "StoredItem", "Order", "HTTPValidationError"} <= schema["components"]["schemas"].keys()
    assert "SwaggerUIBundle" in transcript["docs"]["body"]
    assert '<redoc spec-url="/openapi.json">' in transcript["redoc"]["body"]
    assert transcript["oauth2 redirect"]["status"] == 200
