"""Responses sent by starlette_c and by the reference, compared message for message."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.differential.harness import Namespace, Req, assert_same, run_both

CONTENT = b"abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def file(tmp_path: Path) -> Path:
    path = tmp_path / "f.txt"
    path.write_bytes(CONTENT)
    return path


@pytest.fixture(autouse=True)
def fixed_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Multipart boundaries are random: make them the same on both sides."""
    import starlette.responses

    import starlette_c.responses

    for module in (starlette.responses, starlette_c.responses):
        monkeypatch.setattr(module, "token_hex", lambda n: "b" * (2 * n))


def each(build: Callable[[Namespace], Any], requests: list[Req]) -> None:
    assert_same(build, requests)
    assert_same(build, requests, backend="trio")


def test_plain_responses() -> None:
    cases: list[Callable[[Namespace], Any]] = [
        lambda ns: ns.responses.Response(),
        lambda ns: ns.responses.Response("é", media_type="text/plain"),
        lambda ns: ns.responses.Response(b"x", status_code=204, media_type="text/plain"),
        lambda ns: ns.responses.Response(b"x", status_code=304, headers={"ETag": "1"}),
        lambda ns: ns.responses.Response(
            "x", media_type="text/plain; charset=latin-1", headers={"Content-Length": "1"}
        ),
        lambda ns: ns.responses.HTMLResponse("<h1>hi</h1>", status_code=404),
        lambda ns: ns.responses.PlainTextResponse(b"bytes", headers={"X-Custom": "v"}),
        lambda ns: ns.responses.JSONResponse({"a": ["é", 1.5, None, True]}),
        lambda ns: ns.responses.JSONResponse([], media_type="application/vnd.api+json"),
    ]
    for build in cases:
        each(build, [Req(), Req("HEAD"), Req("POST", body=b"ignored")])


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/a b?x=ü&y=%20#f",
        'http://ex.com/ä"<>{}|\\^`~',
        "/x\r\nSet-Cookie: a=b",
        "//evil.com/%2e%2e",
        "?q=[]!$&'()*+,;=",
    ],
)
def test_redirects(url: str) -> None:
    each(lambda ns: ns.responses.RedirectResponse(url), [Req()])
    each(lambda ns: ns.responses.RedirectResponse(ns.datastructures.URL(url), 301, headers={"a": "b"}), [Req()])


def test_cookies() -> None:
    def build(ns: Namespace) -> Any:
        response = ns.responses.Response("ok")
        response.set_cookie("a", "b")
        response.set_cookie("c", 'quoted "value";', max_age=5, path="/p", domain="ex.com", secure=True, httponly=True)
        response.set_cookie("d", "e", path=None, samesite=None)
        response.set_cookie("f", "g", samesite="strict", expires="Wed, 01 Jan 2030 00:00:00 GMT")
        return response

    each(build, [Req()])


def test_streaming() -> None:
    def numbers() -> Iterator[str | bytes]:
        yield "1"
        yield b"2"

    async def async_numbers() -> Any:
        yield "é"
        yield memoryview(b"3")

    each(lambda ns: ns.responses.StreamingResponse(numbers(), media_type="text/plain"), [Req()])
    each(lambda ns: ns.responses.StreamingResponse(async_numbers(), headers={"x": "y"}), [Req()])
    each(
        lambda ns: ns.responses.StreamingResponse(numbers(), status_code=201),
        [Req(extra_scope={"asgi": {"version": "3.0", "spec_version": "2.0"}})],
    )


RANGES = [
    "bytes=0-1",
    "bytes=-3",
    "bytes=20-",
    "bytes=20-100",
    "bytes=0-0",
    "bytes=30-",
    "bytes=26-",
    "bytes=-0",
    "items=0-1",
    "bytes",
    "bytes=",
    "bytes=-",
    "bytes=x-1",
    "bytes=1",
    "bytes=0-1-2",
    "bytes=0-1;2-3",
    "bytes=0-1,x",
    "bytes=3-4,0-1",
    "bytes=0-1, 5-6,3-4",
    "bytes=0-1,1-3",
    "bytes=0-,5-6",
    "bytes=0-1,30-40",
    " Bytes = 0 - 1 , ",
    "bytes=0-1,,,2-3",
]


def test_file_response(file: Path) -> None:
    path = str(file)
    requests = [Req(), Req("HEAD")]
    for header in RANGES:
        requests += [Req(headers=[(b"range", header.encode())]), Req("HEAD", headers=[(b"range", header.encode())])]
    each(lambda ns: ns.responses.FileResponse(path), requests)
    each(lambda ns: ns.responses.FileResponse(path, filename="ä b.txt", content_disposition_type="inline"), [Req()])
    each(lambda ns: ns.responses.FileResponse(path, filename="x.json", headers={"etag": "x"}), [Req()])
    each(lambda ns: ns.responses.FileResponse(path, media_type="x/y", status_code=203), [Req()])
    each(lambda ns: ns.responses.FileResponse(path), [Req(extra_scope={"extensions": {"http.response.pathsend": {}}})])
    each(lambda ns: ns.responses.FileResponse(path + ".missing"), [Req()])
    each(lambda ns: ns.responses.FileResponse(str(file.parent)), [Req()])


def test_if_range(file: Path) -> None:
    path = str(file)
    stat = file.stat()
    from email.utils import formatdate

    last_modified = formatdate(stat.st_mtime, usegmt=True).encode()
    for if_range in [last_modified, b'"other"', b"W/" + last_modified]:
        each(
            lambda ns: ns.responses.FileResponse(path),
            [Req(headers=[(b"range", b"bytes=0-1"), (b"if-range", if_range)])],
        )


@pytest.mark.parametrize(
    "req, reference_status, our_status",
    [
        # NOTE: deliberate deviations, the hardened behaviour of security-advisories.md.
        (Req(headers=[(b"range", b"bytes=5-1")]), 400, 416),
        (Req(headers=[(b"range", b"bytes=5-4")]), 206, 416),
        (Req(headers=[(b"range", b"bytes=-100")]), 416, 206),
        (Req("POST", headers=[(b"range", b"bytes=0-1")]), 206, 200),
        (Req(headers=[(b"range", ("bytes=" + ",".join(f"{i % 26}-{i % 26}" for i in range(101))).encode())]), 206, 200),
    ],
)
def test_hardened_ranges_differ_on_purpose(file: Path, req: Req, reference_status: int, our_status: int) -> None:
    reference, ours = run_both(lambda ns: ns.responses.FileResponse(str(file)), req)
    assert (reference.status, ours.status) == (reference_status, our_status)
