"""StaticFiles against the reference: files, HTML mode, revalidation, and hostile paths."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.differential.harness import Namespace, Req, assert_same, run_both


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "docs").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "hello.txt").write_text("hello, world")
    (root / "data.json").write_text('{"a": 1}')
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "404.html").write_text("<h1>not found</h1>")
    (root / "docs" / "index.html").write_text("<h1>docs</h1>")
    (tmp_path / "static_private").mkdir()
    (tmp_path / "static_private" / "secret.txt").write_text("secret")
    (root / "outside.txt").symlink_to(tmp_path / "static_private" / "secret.txt")
    mtime = 1_700_000_000
    for path in [*root.rglob("*"), root]:
        os.utime(path, (mtime, mtime), follow_symlinks=False)
    return root


def builder(directory: Path, **options: Any) -> Callable[[Namespace], Any]:
    def build(ns: Namespace) -> Any:
        static = ns.staticfiles.StaticFiles(directory=directory, **options)
        return ns.applications.Starlette(routes=[ns.routing.Mount("/static", app=static, name="static")])

    return build


def etag_of(site: Path) -> bytes:
    reference, _ = run_both(builder(site), Req("GET", "/static/hello.txt"))
    return dict(reference.headers)[b"etag"]


ORDINARY = [
    Req("GET", "/static/hello.txt"),
    Req("HEAD", "/static/hello.txt"),
    Req("GET", "/static/data.json"),
    Req("GET", "/static/docs/index.html"),
    Req("GET", "/static/missing.txt"),
    Req("GET", "/static/"),
    Req("GET", "/static/docs"),
    Req("GET", "/static/docs/"),
    Req("GET", "/static/empty/"),
    Req("POST", "/static/hello.txt"),
    Req("PUT", "/static/missing.txt"),
    Req("GET", "/static/hello.txt", headers=[(b"range", b"bytes=0-4")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-modified-since", b"Tue, 14 Nov 2023 22:13:20 GMT")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-modified-since", b"Mon, 13 Nov 2023 00:00:00 GMT")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-modified-since", b"Fri, 01 Jan 2100 00:00:00 GMT")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-modified-since", b"yesterday")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-none-match", b'"nope"')]),
    Req("GET", "/static/hello.txt", headers=[(b"if-none-match", b"*")]),
    Req("GET", "/static/hello.txt", query_string=b"v=1"),
    Req("GET", "/prefix/static/hello.txt", root_path="/prefix"),
    Req("GET", "/prefix/static/docs", root_path="/prefix", query_string=b"a=1&b=%20"),
]

HOSTILE = [
    Req("GET", "/static/../static_private/secret.txt"),
    Req("GET", "/static/docs/../../static_private/secret.txt"),
    Req("GET", "/static/%2e%2e/static_private/secret.txt"),
    Req("GET", "/static/..%2fstatic_private%2fsecret.txt"),
    Req("GET", "/static/..\\static_private\\secret.txt"),
    Req("GET", "/static//etc/passwd"),
    Req("GET", "/static/outside.txt"),
    Req("GET", "/static/hello.txt\x00"),
    Req("GET", "/static/\x00"),
    Req("GET", "/static/" + "x" * 4096),
    Req("GET", "/static/hello.txt/"),
    Req("GET", "/static/hello.txt/child"),
    Req("GET", "/static/docs/./index.html"),
    Req("GET", "/static/C:/Windows/win.ini"),
    Req("GET", "/static/\\\\host\\share\\file"),
    Req("GET", "/static/hello.txt", headers=[(b"if-none-match", b"W/")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-none-match", b" , ,")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-modified-since", b"Mon, 99 Foo 99999 99:99:99 GMT")]),
    Req("GET", "/static/hello.txt", headers=[(b"range", b"bytes=abc")]),
    Req("GET", "/static/docs", headers=[(b"host", b"evil.example:8080")]),
]


def test_ordinary_requests(site: Path) -> None:
    assert_same(builder(site), ORDINARY)


def test_hostile_requests(site: Path) -> None:
    assert_same(builder(site), HOSTILE)


@pytest.mark.parametrize("options", [{"html": True}, {"follow_symlink": True}, {"html": True, "follow_symlink": True}])
def test_modes(site: Path, options: dict[str, bool]) -> None:
    assert_same(builder(site, **options), ORDINARY + HOSTILE)


def test_revalidation_with_etags(site: Path) -> None:
    etag = etag_of(site)
    requests = [
        Req("GET", "/static/hello.txt", headers=[(b"if-none-match", value)])
        for value in (etag, b"W/" + etag, b'"a", ' + etag, b'"a",W/' + etag, etag.strip(b'"'))
    ]
    requests.append(Req("HEAD", "/static/hello.txt", headers=[(b"if-none-match", etag)]))
    requests.append(
        Req(
            "GET",
            "/static/hello.txt",
            headers=[(b"if-none-match", b'"other"'), (b"if-modified-since", b"Fri, 01 Jan 2100 00:00:00 GMT")],
        )
    )
    assert_same(builder(site), requests)


def test_trio_backend(site: Path) -> None:
    assert_same(builder(site, html=True), ORDINARY[:8], backend="trio")


def test_directly_mounted_app_raises_the_same_exceptions(site: Path) -> None:
    def build(ns: Namespace) -> Any:
        return ns.staticfiles.StaticFiles(directory=site)

    assert_same(build, [Req("GET", "/missing"), Req("DELETE", "/hello.txt"), Req("GET", "/hello.txt")])
