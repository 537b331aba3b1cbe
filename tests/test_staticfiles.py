from __future__ import annotations

import errno
import os
import time
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from starlette_c.applications import Starlette
from starlette_c.datastructures import Headers
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse
from starlette_c.routing import Mount, Route
from starlette_c.staticfiles import NotModifiedResponse, StaticFiles
from tests.conftest import TestClientFactory
from tests.differential.harness import Req, run_app


@pytest.fixture
def static(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "empty").mkdir()
    (root / "hello.txt").write_text("hello, world")
    (root / "css" / "site.css").write_text("body {}")
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "docs" / "index.html").write_text("<h1>docs</h1>")
    return root


def client_for(factory: TestClientFactory, static_app: StaticFiles, **kwargs: Any) -> Any:
    return factory(Starlette(routes=[Mount("/static", app=static_app, name="static")]), **kwargs)


def test_serves_files(test_client_factory: TestClientFactory, static: Path) -> None:
    client = client_for(test_client_factory, StaticFiles(directory=static))
    response = client.get("/static/hello.txt")
    assert response.status_code == 200
    assert response.text == "hello, world"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == "12"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"].startswith('"')
    assert "last-modified" in response.headers
    css = client.get("/static/css/site.css")
    assert (css.status_code, css.text) == (200, "body {}")
    assert css.headers["content-type"] == "text/css; charset=utf-8"


def test_head_has_headers_and_no_body(test_client_factory: TestClientFactory, static: Path) -> None:
    response = client_for(test_client_factory, StaticFiles(directory=static)).head("/static/hello.txt")
    assert response.status_code == 200
    assert response.headers["content-length"] == "12"
    assert response.content == b""


def test_accepts_a_path_object_or_a_string(test_client_factory: TestClientFactory, static: Path) -> None:
    for directory in (static, str(static)):
        client = client_for(test_client_factory, StaticFiles(directory=directory))
        assert client.get("/static/hello.txt").text == "hello, world"


def test_ranges_are_served(test_client_factory: TestClientFactory, static: Path) -> None:
    client = client_for(test_client_factory, StaticFiles(directory=static))
    response = client.get("/static/hello.txt", headers={"Range": "bytes=0-4"})
    assert response.status_code == 206
    assert response.content == b"hello"
    assert response.headers["content-range"] == "bytes 0-4/12"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_not_allowed(test_client_factory: TestClientFactory, static: Path, method: str) -> None:
    response = client_for(test_client_factory, StaticFiles(directory=static)).request(method, "/static/hello.txt")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"


@pytest.mark.parametrize("path", ["/static/missing.txt", "/static/", "/static/css", "/static/hello.txt/x"])
def test_missing_files_and_directories_are_not_found(
    test_client_factory: TestClientFactory, static: Path, path: str
) -> None:
    response = client_for(test_client_factory, StaticFiles(directory=static)).get(path)
    assert response.status_code == 404
    assert response.text == "Not Found"


@pytest.mark.anyio
async def test_used_directly_it_raises_http_exceptions(static: Path) -> None:
    app = StaticFiles(directory=static)
    assert (await run_app(app, Req("GET", "/missing"))).exception == "HTTPException: 404: Not Found"
    assert (await run_app(app, Req("POST", "/hello.txt"))).exception == "HTTPException: 405: Method Not Allowed"
    ok = await run_app(app, Req("GET", "/hello.txt"))
    assert (ok.status, ok.body) == (200, b"hello, world")


def test_html_mode(test_client_factory: TestClientFactory, static: Path) -> None:
    client = client_for(test_client_factory, StaticFiles(directory=static, html=True), follow_redirects=False)
    assert client.get("/static/").text == "<h1>home</h1>"
    assert client.get("/static/docs/").text == "<h1>docs</h1>"
    assert client.get("/static/docs/index.html").text == "<h1>docs</h1>"
    redirect = client.get("/static/docs?page=2")
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "http://testserver/static/docs/?page=2"
    assert client.get("/static/empty/").status_code == 404
    assert client.get("/static/missing").text == "Not Found"


def test_html_mode_serves_404_html(test_client_factory: TestClientFactory, static: Path) -> None:
    (static / "404.html").write_text("<h1>custom not found</h1>")
    client = client_for(test_client_factory, StaticFiles(directory=static, html=True))
    for path in ("/static/missing", "/static/empty/", "/static/docs/missing/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.text == "<h1>custom not found</h1>"
        assert response.headers["content-type"] == "text/html; charset=utf-8"
    head = client.head("/static/missing")
    assert (head.status_code, head.content) == (404, b"")


def test_html_mode_redirect_follows_to_the_index(test_client_factory: TestClientFactory, static: Path) -> None:
    client = client_for(test_client_factory, StaticFiles(directory=static, html=True))
    response = client.get("/static/docs")
    assert response.status_code == 200
    assert response.url == "http://testserver/static/docs/"
    assert response.text == "<h1>docs</h1>"


def test_etag_revalidation(test_client_factory: TestClientFactory, static: Path) -> None:
    client = client_for(test_client_factory, StaticFiles(directory=static))
    first = client.get("/static/hello.txt")
    etag = first.headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', f'"other",W/{etag}', "*", " * "):
        response = client.get("/static/hello.txt", headers={"if-none-match": header})
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert "content-length" not in response.headers
        assert "content-type" not in response.headers
    for header in ('"other"', etag.strip('"'), '"other", *', "", f"w/{etag}"):
        assert client.get("/static/hello.txt", headers={"if-none-match": header}).status_code == 200


def test_if_modified_since(test_client_factory: TestClientFactory, static: Path) -> None:
    client = client_for(test_client_factory, StaticFiles(directory=static))
    last_modified = client.get("/static/hello.txt").headers["last-modified"]
    later = formatdate(time.time() + 3600, usegmt=True)
    earlier = formatdate(os.stat(static / "hello.txt").st_mtime - 3600, usegmt=True)
    assert client.get("/static/hello.txt", headers={"if-modified-since": last_modified}).status_code == 304
    assert client.get("/static/hello.txt", headers={"if-modified-since": later}).status_code == 304
    assert client.get("/static/hello.txt", headers={"if-modified-since": earlier}).status_code == 200
    assert client.get("/static/hello.txt", headers={"if-modified-since": "not a date"}).status_code == 200
    both = {"if-modified-since": later, "if-none-match": '"other"'}
    assert client.get("/static/hello.txt", headers=both).status_code == 200


def test_not_modified_response_keeps_only_cache_headers() -> None:
    headers = Headers(
        {
            "etag": '"x"',
            "cache-control": "no-cache",
            "vary": "accept",
            "content-type": "text/plain",
            "content-length": "3",
            "last-modified": "Tue, 01 Jan 2030 00:00:00 GMT",
        }
    )
    response = NotModifiedResponse(headers)
    assert response.status_code == 304
    assert response.body == b""
    assert dict(response.headers) == {"etag": '"x"', "cache-control": "no-cache", "vary": "accept"}
    assert NotModifiedResponse.NOT_MODIFIED_HEADERS == (
        "cache-control",
        "content-location",
        "date",
        "etag",
        "expires",
        "vary",
    )


def test_is_not_modified_without_validators() -> None:
    app = StaticFiles(directory=None, check_dir=False)
    assert not app.is_not_modified(Headers({"etag": '"x"'}), Headers({}))
    assert not app.is_not_modified(Headers({}), Headers({"if-modified-since": "Tue, 01 Jan 2030 00:00:00 GMT"}))


@pytest.mark.parametrize(("wanted", "not_modified"), [("", True), (" ", False), (",", False), ('"other"', False)])
def test_an_empty_if_none_match_leaves_the_date_to_decide(wanted: str, not_modified: bool) -> None:
    # NOTE: as in Starlette, only an empty value counts as absent; any other value is compared as ETags.
    app = StaticFiles(directory=None, check_dir=False)
    response = Headers({"etag": '"x"', "last-modified": "Thu, 01 Jan 2026 00:00:00 GMT"})
    request = Headers({"if-none-match": wanted, "if-modified-since": "Tue, 01 Jan 2030 00:00:00 GMT"})
    assert app.is_not_modified(response, request) is not_modified


def test_missing_directory_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError) as info:
        StaticFiles(directory=tmp_path / "nope")
    assert str(info.value) == f"Directory '{tmp_path / 'nope'}' does not exist"
    (tmp_path / "file").write_text("")
    with pytest.raises(RuntimeError, match="does not exist"):
        StaticFiles(directory=tmp_path / "file")


def test_unchecked_missing_directory_fails_on_first_request(
    test_client_factory: TestClientFactory, tmp_path: Path
) -> None:
    missing = tmp_path / "nope"
    client = client_for(test_client_factory, StaticFiles(directory=missing, check_dir=False))
    with pytest.raises(RuntimeError) as info:
        client.get("/static/x")
    assert str(info.value) == f"StaticFiles directory '{missing}' does not exist."
    missing.mkdir()
    (missing / "x").write_text("now here")
    assert client.get("/static/x").text == "now here"


def test_unchecked_file_instead_of_directory_fails_on_first_request(
    test_client_factory: TestClientFactory, tmp_path: Path
) -> None:
    path = tmp_path / "file"
    path.write_text("")
    client = client_for(test_client_factory, StaticFiles(directory=path, check_dir=False))
    with pytest.raises(RuntimeError) as info:
        client.get("/static/x")
    assert str(info.value) == f"StaticFiles path '{path}' is not a directory."


def test_config_is_checked_once(test_client_factory: TestClientFactory, static: Path) -> None:
    app = StaticFiles(directory=static)
    assert app.config_checked is False
    client = client_for(test_client_factory, app)
    client.get("/static/hello.txt")
    assert app.config_checked is True


def test_no_directory_serves_nothing(test_client_factory: TestClientFactory) -> None:
    app = StaticFiles()
    assert app.all_directories == []
    assert client_for(test_client_factory, app).get("/static/x").status_code == 404


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = "starlette_c_test_static_package"
    root = tmp_path / "site" / name
    (root / "statics").mkdir(parents=True)
    (root / "assets").mkdir()
    (root / "__init__.py").write_text("")
    (root / "statics" / "default.txt").write_text("from statics")
    (root / "assets" / "custom.txt").write_text("from assets")
    (tmp_path / "site" / "namespace_only_pkg").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return name


def test_packages(test_client_factory: TestClientFactory, package: str, static: Path) -> None:
    app = StaticFiles(directory=static, packages=[package, (package, "assets")])
    package_dir = static.parent / "site" / package
    assert app.all_directories == [static, str(package_dir / "statics"), str(package_dir / "assets")]
    client = client_for(test_client_factory, app)
    assert client.get("/static/hello.txt").text == "hello, world"
    assert client.get("/static/default.txt").text == "from statics"
    assert client.get("/static/custom.txt").text == "from assets"


def test_first_directory_wins(test_client_factory: TestClientFactory, package: str, static: Path) -> None:
    (static / "default.txt").write_text("from directory")
    client = client_for(test_client_factory, StaticFiles(directory=static, packages=[package]))
    assert client.get("/static/default.txt").text == "from directory"


def test_package_errors(package: str) -> None:
    with pytest.raises(AssertionError) as info:
        StaticFiles(packages=["starlette_c_no_such_package"])
    assert str(info.value) == "Package 'starlette_c_no_such_package' could not be found."
    with pytest.raises(AssertionError) as info:
        StaticFiles(packages=["namespace_only_pkg"])
    assert str(info.value) == "Package 'namespace_only_pkg' could not be found."
    with pytest.raises(AssertionError) as info:
        StaticFiles(packages=[(package, "nope")])
    assert str(info.value) == f"Directory ''nope'' in package '{package}' could not be found."


def test_get_path_is_relative_to_the_mount(static: Path) -> None:
    app = StaticFiles(directory=static)
    scope = {"type": "http", "path": "/static/css//site.css", "root_path": "/static"}
    assert app.get_path(scope) == os.path.join("css", "site.css")
    assert app.get_path({"type": "http", "path": "/", "root_path": ""}) == "."
    assert app.get_path({"type": "http", "path": "/a/../../b", "root_path": ""}) == os.path.join("..", "b")


def test_lookup_path_returns_full_path_and_stat(static: Path) -> None:
    app = StaticFiles(directory=static)
    full_path, stat_result = app.lookup_path("hello.txt")
    assert full_path == os.path.realpath(static / "hello.txt")
    assert stat_result is not None and stat_result.st_size == 12
    assert app.lookup_path("missing") == ("", None)
    assert app.lookup_path("hello.txt/child") == ("", None)


@pytest.mark.parametrize(
    ("error", "status_code"),
    [
        (PermissionError(), 401),
        (OSError(errno.ENAMETOOLONG, "File name too long"), 404),
        (ValueError("embedded null byte"), 404),
    ],
)
def test_lookup_errors_become_http_errors(
    test_client_factory: TestClientFactory,
    static: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    status_code: int,
) -> None:
    def lookup_path(self: StaticFiles, path: str) -> tuple[str, os.stat_result | None]:
        raise error

    monkeypatch.setattr(StaticFiles, "lookup_path", lookup_path)
    assert client_for(test_client_factory, StaticFiles(directory=static)).get("/static/x").status_code == status_code


def test_other_os_errors_propagate(
    test_client_factory: TestClientFactory, static: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lookup_path(self: StaticFiles, path: str) -> tuple[str, os.stat_result | None]:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr("starlette_c.staticfiles.StaticFiles.lookup_path", lookup_path)
    with pytest.raises(OSError, match="I/O error"):
        client_for(test_client_factory, StaticFiles(directory=static)).get("/static/x")


def test_url_for_static(test_client_factory: TestClientFactory, static: Path) -> None:
    async def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(request.url_for("static", path="/css/site.css")))

    app = Starlette(routes=[Route("/", page), Mount("/static", app=StaticFiles(directory=static), name="static")])
    assert test_client_factory(app).get("/").text == "http://testserver/static/css/site.css"


def test_subclass_can_override_the_response(test_client_factory: TestClientFactory, static: Path) -> None:
    class Cached(StaticFiles):
        def file_response(self, *args: Any, **kwargs: Any) -> Any:
            response = super().file_response(*args, **kwargs)
            response.headers["cache-control"] = "max-age=60"
            return response

    response = client_for(test_client_factory, Cached(directory=static)).get("/static/hello.txt")
    assert response.headers["cache-control"] == "max-age=60"
