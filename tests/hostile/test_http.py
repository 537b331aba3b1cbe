"""Hostile HTTP/1.1 input over a raw socket against a real uvicorn process serving tests/hostile/app.py.

Each case checks the answer, that no internal text reaches the client, and that the server still serves.
"""

from __future__ import annotations

import base64
import json
import socket
import time

import pytest

from tests.hostile.conftest import Server, assert_no_leak
from tests.hostile.rawclient import RawResponse, connect, exchange, is_closed, read_response, request

NO_ANSWER = 0  # the server closed without a response head


def check(server: Server, payload: bytes, allowed: set[int], timeout: float = 5.0) -> RawResponse:
    response = exchange(server.port, payload, timeout)
    assert response.status in allowed, (response.status, response.raw[:500])
    assert_no_leak(response.raw)
    server.healthy()
    return response


# -- request lines and headers ------------------------------------------------------------------------------------

BAD_REQUEST_LINES = [
    b"GET\r\n\r\n",
    b"GET /\r\n\r\n",
    b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET / HTTX/1.1\r\nHost: x\r\n\r\n",
    b" GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET  /  HTTP/1.1\r\nHost: x\r\n\r\n",
    b"G\x00T / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /a\nb HTTP/1.1\r\nHost: x\r\n\r\n",
    b"\r\n\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS ClientHello
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    b"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    b"CONNECT evil.com:443 HTTP/1.1\r\nHost: evil.com:443\r\n\r\n",
    b"GET http://evil.com/health HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET //evil.com/health HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET health HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /health?" + b"a=b&" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"FOO /health HTTP/1.1\r\nHost: x\r\n\r\n",
    b"get /health HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /health HTTP/1.0\r\n\r\n",
    b"GET /health HTTP/0.9\r\n\r\n",
    b"GET /health\tHTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /health HTTP/1.1\nHost: x\n\n",
]


@pytest.mark.parametrize("payload", BAD_REQUEST_LINES, ids=range(len(BAD_REQUEST_LINES)))
def test_request_line(server: Server, payload: bytes) -> None:
    check(server, payload, {NO_ANSWER, 200, 400, 404, 405, 414, 431, 505}, timeout=2)


BAD_HEADERS = [
    b"X-A: " + b"a" * 100_000,
    b"X-A: " + b"a" * 1_000_000,
    b"\r\n".join(b"X-%d: v" % i for i in range(5000)),
    b"X-A:\x00b",
    b"X-A: a\rb",
    b"X\x00A: b",
    b"X A: b",
    b" X-A: folded",
    b"X-A: a\r\n continued",
    b"X-A: a\r\n\tcontinued",
    b": novalue",
    b"NoColon",
    b"X-A: \xff\xfe\xfd",
    b"X-A: \xc0\xaf",
    b"X-A" + b"a" * 50000 + b": v",
    b"Cookie: " + b"a=b; " * 20000,
    b"Cookie: =====; ;;; a",
    b"Cookie: \x00=\x00",
    b"Content-Type: multipart/form-data; boundary=" + b"x" * 10000,
    b"Accept-Encoding: " + b"gzip;q=0.5, " * 5000,
    b"Accept-Encoding: gzip;q=abc, br;q=-1",
    b"Origin: " + b"x" * 50000,
    b"Origin: null",
    b"Range: bytes=" + b"0-1," * 10000,
    b"Connection: " + b"upgrade, " * 1000,
    b"Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA",
    b"Upgrade: websocket\r\nConnection: Upgrade",
    b"Expect: 100-continue",
    b"Expect: bogus",
    b"Transfer-Encoding: gzip",
]


@pytest.mark.parametrize("target", ["/health", "/plain", "/static/index.txt", "/file"])
@pytest.mark.parametrize("header", BAD_HEADERS, ids=range(len(BAD_HEADERS)))
def test_headers(server: Server, header: bytes, target: str) -> None:
    payload = b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + header + b"\r\n\r\n"
    allowed = {NO_ANSWER, 200, 206, 400, 413, 416, 417, 426, 431, 501}
    if server.kind == "hypercorn-trio" and b"h2c" in header:
        allowed.add(101)  # NOTE: hypercorn takes the h2c upgrade and answers over HTTP/2.
    check(server, payload, allowed)


# -- Host ---------------------------------------------------------------------------------------------------------

HOSTS = [
    b"",
    b" ",
    b"\t",
    b":",
    b":80",
    b"evil.com",
    b"evil.com:99999999999999999999",
    b"evil.com:" + b"9" * 5000,
    b"evil.com:-1",
    b"evil.com:abc",
    b"[::1]",
    b"[::1]:8000",
    b"[::1",
    b"::1",
    b"[zz::1]:80",
    b"a b",
    b"evil.com/path",
    b"evil.com?q",
    b"evil.com#frag",
    b"user@evil.com",
    b"evil.com\\good.com",
    b"evil.com, good.com",
    b"\xff\xfe",
    b"x" * 10000,
    b"127.0.0.1",
    b"EXAMPLE.com",
    b"example.com.",
    b"%65vil.com",
]


def location_is_safe(location: str | None) -> None:
    if location is None:
        return
    assert not location.startswith(("http:///", "https:///", "//")), location
    assert "\r" not in location and "\n" not in location


@pytest.mark.parametrize("host", HOSTS, ids=range(len(HOSTS)))
@pytest.mark.parametrize("target", ["/redirect", "/redirect-relative", "/static/sub", "/trusted/", "/health"])
def test_host(server: Server, host: bytes, target: str) -> None:
    payload = b"GET " + target.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"
    response = check(server, payload, {NO_ANSWER, 200, 307, 400, 404})
    location_is_safe(response.header("location"))
    if host.strip() in (b"", b":") and target == "/redirect":
        # An empty or blank Host is ignored: the redirect names the server's own address, never `http:///`.
        assert response.header("location") == f"http://127.0.0.1:{server.port}/health"
    if host.startswith(b"evil.com:") and host[9:].lstrip(b"-").isdigit() and target == "/redirect":
        # An impossible port makes the Host unusable: it must not leak into the Location either.
        assert response.header("location") == f"http://127.0.0.1:{server.port}/health"


def test_duplicate_host(server: Server) -> None:
    payload = b"GET /redirect HTTP/1.1\r\nHost: good.com\r\nHost: evil.com\r\nConnection: close\r\n\r\n"
    response = check(server, payload, {NO_ANSWER, 307, 400})
    location_is_safe(response.header("location"))


def test_missing_host_http10(server: Server) -> None:
    response = check(server, b"GET /redirect HTTP/1.0\r\n\r\n", {NO_ANSWER, 307, 400})
    location_is_safe(response.header("location"))


def test_trusted_host_refuses(server: Server) -> None:
    response = check(server, request("GET", "/trusted/", host="evil.com"), {400})
    assert response.body == b"Invalid host header"
    assert check(server, request("GET", "/trusted/", host="example.com"), {200}).body == b"trusted"


# -- framing ------------------------------------------------------------------------------------------------------

MALFORMED_CHUNK_FOOTER = b"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"
FRAMING = [
    b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    b"Content-Length: 5, 5\r\n\r\nhello",
    b"Content-Length: -1\r\n\r\n",
    b"Content-Length: +5\r\n\r\nhello",
    b"Content-Length: 0x5\r\n\r\nhello",
    b"Content-Length: 99999999999999999999999999\r\n\r\nhello",
    b"Content-Length: 5 \r\n\r\nhello",
    b"Content-Length: abc\r\n\r\n",
    b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    b"Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
    b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"Transfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n",
    b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    MALFORMED_CHUNK_FOOTER,
    b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
    b"Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
    b"Transfer-Encoding: chunked\r\n\r\n5;ext=" + b"x" * 50000 + b"\r\nhello\r\n0\r\n\r\n",
    b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: " + b"t" * 10000 + b"\r\n\r\n",
    b"Transfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n",
    b"Content-Length: 3\r\n\r\nhello",
]


@pytest.mark.parametrize("target", ["/body", "/json", "/form"])
@pytest.mark.parametrize("framing", FRAMING, ids=range(len(FRAMING)))
def test_framing(server: Server, framing: bytes, target: str) -> None:
    if server.kind == "hypercorn-trio" and framing == MALFORMED_CHUNK_FOOTER:
        pytest.skip(
            "hypercorn 0.18.0's trio worker can die here under load (Starlette 1.10's app too): its own 400 and the "
            "app's answer to the disconnect race on one trio stream (BusyResourceError); see docs/hostile.md"
        )
    payload = b"POST " + target.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + framing
    allowed = {NO_ANSWER, 200, 400, 413, 501}
    if server.kind == "granian":
        # NOTE: granian hands a malformed chunked body to the app as http.disconnect mid-body: ClientDisconnect, and
        # a plain 500 to a client still there (Starlette 1.10 answers the same under granian).
        allowed.add(500)
    response = check(server, payload, allowed, timeout=3)
    if response.status == 500:
        assert response.body == b"Internal Server Error"


def test_smuggled_request_is_not_answered_as_second(server: Server) -> None:
    # Content-Length and Transfer-Encoding together: the tail must never be run as a second request.
    smuggled = b"GET /session/set?user=admin HTTP/1.1\r\nHost: x\r\n\r\n"
    body = b"0\r\n\r\n" + smuggled
    payload = (
        b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n" % len(body)
    ) + body
    with connect(server.port, 3) as sock:
        sock.sendall(payload)
        first = read_response(sock, 3)
        second = read_response(sock, 1)
    assert first.status in {NO_ANSWER, 200, 400}
    assert second.status in {NO_ANSWER, 200, 400}
    if server.kind == "hypercorn-trio":
        # NOTE: hypercorn (h11) frames by Transfer-Encoding and keeps the connection: the tail is a second request.
        # That is the server's framing, listed in docs/hostile.md; the app answers each request it is given.
        assert (first.body, second.status, b"set-cookie" in second.raw.lower()) == (b"0", 200, True)
    else:
        assert b"set-cookie" not in second.raw.lower() or first.status == NO_ANSWER
    server.healthy()


@pytest.mark.parametrize("count", [2, 10, 100])
def test_pipelining(server: Server, count: int) -> None:
    one = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    with connect(server.port, 5) as sock:
        sock.sendall(one * count)
        for _ in range(count):
            response = read_response(sock, 5)
            assert response.status == 200
            assert response.body == b"ok"
    server.healthy()


def test_pipelining_mixed_bodies(server: Server) -> None:
    post = b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    get = b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n"
    with connect(server.port, 5) as sock:
        sock.sendall(post + get + post)
        assert read_response(sock).body == b"3"
        assert read_response(sock).body == b"plain"
        assert read_response(sock).body == b"3"


# -- URL encodings and convertors ---------------------------------------------------------------------------------

URLS = [
    ("/conv/str/a%2Fb", {200, 404}),
    ("/conv/str/%00", {200, 400, 404}),
    ("/conv/str/%C0%AF", {200, 400, 404}),
    ("/conv/str/%E0%80%AF", {200, 400, 404}),
    ("/conv/str/%FF", {200, 400, 404}),
    ("/conv/str/%252F", {200}),
    ("/conv/str/%", {200, 400, 404}),
    ("/conv/str/%zz", {200, 400, 404}),
    ("/conv/str/%%32%65", {200, 400, 404}),
    ("/conv/int/1", {200}),
    ("/conv/int/-1", {404}),
    ("/conv/int/" + "9" * 5000, {200, 404}),
    ("/conv/int/1e5", {404}),
    ("/conv/int/%31", {200}),
    ("/conv/int/%EF%BC%91", {404}),
    ("/conv/int/١٢", {400, 404}),
    ("/conv/float/1.5", {200}),
    ("/conv/float/nan", {404}),
    ("/conv/float/inf", {404}),
    ("/conv/float/1e400", {404}),
    ("/conv/float/" + "9" * 5000 + ".5", {200, 404}),
    ("/conv/float/.5", {404}),
    ("/conv/uuid/12345678-1234-5678-1234-567812345678", {200}),
    ("/conv/uuid/12345678-1234-5678-1234-56781234567", {404}),
    ("/conv/uuid/12345678123456781234567812345678", {200}),
    ("/conv/uuid/ZZZZZZZZ-1234-5678-1234-567812345678", {404}),
    ("/conv/uuid/%31" + "2345678-1234-5678-1234-567812345678", {200, 404}),
    ("/conv/path/a/../../etc/passwd", {200, 404}),
    ("/conv/path/" + "a/" * 5000, {200, 404}),
    ("/conv/path/%2e%2e/%2e%2e", {200, 404}),
    ("/conv/path/", {200, 404}),
    ("/conv/" + "x" * 60000, {404, 414, 431}),
    ("/health;param", {404}),
    ("/health%3Fq=1", {404}),
    ("/health%23frag", {404}),
    ("/HEALTH", {404}),
    ("/health/", {200, 307, 404}),
    ("//health", {200, 307, 404}),
    ("/./health", {200, 400, 404}),
    ("/x/../health", {200, 400, 404}),
    ("/%2e/health", {200, 400, 404}),
    ("/health?" + "%" * 1000, {200}),
    ("/health?a=%ZZ&b=%", {200}),
    ("/health?\x7f", {200, 400}),
    ("/health?a=" + "%C0%AF" * 1000, {200}),
    ("/health?" + "&" * 50000, {200, 400, 414, 431}),
    ("/health?" + "a=1&" * 10000, {200, 400, 414, 431}),
    ("/session/get?%00=%00", {200}),
]


@pytest.mark.parametrize(("target", "allowed"), URLS, ids=range(len(URLS)))
def test_urls(server: Server, target: str, allowed: set[int]) -> None:
    response = check(server, request("GET", target), allowed | {NO_ANSWER, 400})
    if response.status == 200 and target.startswith("/conv/"):
        json.loads(response.body)


def test_convertor_values(server: Server) -> None:
    assert json.loads(check(server, request("GET", "/conv/int/%31"), {200}).body) == {"v": "1"}
    assert json.loads(check(server, request("GET", "/conv/str/%252F"), {200}).body) == {"v": "%2F"}


# -- StaticFiles traversal ----------------------------------------------------------------------------------------

TRAVERSALS = [
    "/static/../secret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E/secret.txt",
    "/static/%252e%252e/secret.txt",
    "/static/..%2fsecret.txt",
    "/static/..%2Fsecret.txt",
    "/static/..%5csecret.txt",
    "/static/..\\secret.txt",
    "/static/%2e%2e%5csecret.txt",
    "/static/sub/../../secret.txt",
    "/static/sub/..%2f..%2fsecret.txt",
    "/static/./../secret.txt",
    "/static/.%2e/secret.txt",
    "/static/%2e./secret.txt",
    "/static/%c0%ae%c0%ae/secret.txt",
    "/static/%c0%ae%c0%ae%c0%afsecret.txt",
    "/static/%e0%80%ae%e0%80%ae/secret.txt",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/%2Fetc/passwd",
    "/static/\\etc\\passwd",
    "/static/..;/secret.txt",
    "/static/secret.txt%00.txt",
    "/static/index.txt%00",
    "/static/link.txt",
    "/static/linkdir/secret.txt",
    "/static/linkdir/static/index.txt",
    "/static/linkdir/../outside.txt",
    "/static/....//secret.txt",
    "/static/..../secret.txt",
    "/static/" + "../" * 50 + "etc/passwd",
    "/static/" + "%2e%2e%2f" * 50 + "etc/passwd",
    "/static/~/secret.txt",
    "/static/c:/windows/win.ini",
    "/static/C:%5cwindows%5cwin.ini",
    "/static/%5c%5cserver%5cshare",
    "/static/sub/%2e%2e",
    "/static/sub/%2e%2e/%2e%2e",
    "/static/sub%2f..%2f..%2fsecret.txt",
    "/static/sub/a.txt/../../../secret.txt",
    "/static/" + "a" * 300,
    "/static/" + "a/" * 2000,
]
SECRETS = (b"TOPSECRET", b"OUTSIDESECRET", b"root:", b"[fonts]")


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("target", TRAVERSALS, ids=range(len(TRAVERSALS)))
def test_static_traversal(server: Server, target: str, method: str) -> None:
    response = check(server, request(method, target), {NO_ANSWER, 200, 307, 400, 404, 405})
    for secret in SECRETS:
        assert secret not in response.raw
    if response.status == 200:
        # The only files that may come back are inside the root.
        assert response.body in {b"index", b"a" * 300, b""}
    location_is_safe(response.header("location"))


def test_static_ok(server: Server) -> None:
    assert check(server, request("GET", "/static/index.txt"), {200}).body == b"index"
    assert check(server, request("GET", "/static/link.txt"), {404}).status == 404


# -- Range abuse --------------------------------------------------------------------------------------------------

RANGES = [
    ("bytes=0-0", {206}),
    ("bytes=0-", {206}),
    ("bytes=-1", {206}),
    ("bytes=-0", {200, 416}),
    ("bytes=-99999999999999999999", {206}),
    ("bytes=5-1", {200, 400, 416}),
    ("bytes=99999999999999999999-", {416}),
    ("bytes=0-99999999999999999999", {206}),
    ("bytes=1048576-", {416}),
    ("bytes=1048575-", {206}),
    ("bytes=0-1,0-1", {206}),
    ("bytes=0-10,5-15", {206}),
    ("bytes=0-1,2-3,4-5", {206}),
    ("bytes=" + ",".join(f"{i}-{i}" for i in range(0, 4000, 2)), {200, 206, 400, 416}),
    ("bytes=" + ",".join("0-1048575" for _ in range(500)), {200, 206, 416}),
    ("bytes=" + ",".join(f"-{i}" for i in range(1, 300)), {200, 206, 416}),
    ("bytes=" + "0" * 5000 + "-1", {200, 206, 400, 416}),
    ("bytes=1-" + "9" * 5000, {200, 206, 400, 416}),
    ("bytes=", {200, 400, 416}),
    ("bytes=-", {200, 400, 416}),
    ("bytes=,", {200, 400, 416}),
    ("bytes=--1", {200, 400, 416}),
    ("bytes=1--2", {200, 400, 416}),
    ("bytes=a-b", {200, 400, 416}),
    ("bytes=0x10-0x20", {200, 400, 416}),
    ("bytes=1.5-2", {200, 400, 416}),
    ("bytes = 0-1", {200, 206, 400, 416}),
    ("bytes=0-1 , 3-4", {200, 206, 400, 416}),
    ("bytes=\u0661-\u0662", {200, 400, 416}),
    ("items=0-1", {200, 400, 416}),
    ("BYTES=0-1", {200, 206, 400, 416}),
    ("bytes=0-1;q=1", {200, 206, 400, 416}),
    ("bytes=+1-2", {200, 206, 400, 416}),
    ("bytes=0-1,", {200, 206, 400, 416}),
    (",,,,bytes=0-1", {200, 400, 416}),
]


@pytest.mark.parametrize("target", ["/file", "/static/sub/a.txt"])
@pytest.mark.parametrize(("spec", "allowed"), RANGES, ids=range(len(RANGES)))
def test_ranges(server: Server, spec: str, allowed: set[int], target: str) -> None:
    extra = {200, 206, 416} if target != "/file" else set()  # a.txt is 300 bytes: offsets differ
    response = check(server, request("GET", target, {"Range": spec}), allowed | extra)
    if response.status == 206 and "multipart" not in (response.header("content-type") or ""):
        content_range = response.header("content-range") or ""
        start, end = content_range.removeprefix("bytes ").split("/")[0].split("-")
        assert len(response.body) == int(end) - int(start) + 1
    if response.status == 416:
        assert (response.header("content-range") or "").startswith("bytes */")


@pytest.mark.parametrize("target", ["/file", "/file-path"])
def test_file_whole(server: Server, target: str) -> None:
    # NOTE: under granian (which offers http.response.pathsend, and refuses a path that is not a str) both go out
    # by pathsend: FileResponse(Path) must send str(path), as Starlette 1.10 does.
    response = check(server, b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {200})
    assert response.body == bytes(range(256)) * 4096


# -- forms --------------------------------------------------------------------------------------------------------


def multipart(parts: list[bytes], boundary: bytes = b"B") -> bytes:
    out = b""
    for part in parts:
        out += b"--" + boundary + b"\r\n" + part + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


def field(name: bytes, value: bytes) -> bytes:
    return b'Content-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value


def upload(name: bytes, filename: bytes, value: bytes) -> bytes:
    head = b'Content-Disposition: form-data; name="' + name + b'"; filename="' + filename + b'"\r\n'
    return head + b"Content-Type: application/octet-stream\r\n\r\n" + value


MP = "multipart/form-data; boundary=B"
FORMS: list[tuple[str, bytes, set[int]]] = [
    (MP, multipart([field(b"a", b"1")]), {200}),
    (MP, multipart([field(b"f%d" % i, b"v") for i in range(51)]), {400}),
    (MP, multipart([field(b"f%d" % i, b"v") for i in range(5000)]), {400}),
    (MP, multipart([upload(b"u%d" % i, b"x.txt", b"v") for i in range(5)]), {400}),
    (MP, multipart([upload(b"u", b"x.txt", b"v" * 300_000)]), {200}),
    (MP, multipart([field(b"a", b"v" * 70_000)]), {400}),
    (MP, multipart([upload(b"u", b"x.txt", b"v" * 2_000_000)]), {413}),
    ("multipart/form-data", multipart([field(b"a", b"1")]), {400}),
    ("multipart/form-data; boundary=", multipart([field(b"a", b"1")]), {400}),
    ("multipart/form-data; boundary=C", multipart([field(b"a", b"1")]), {200, 400}),
    (MP, b"--B\r\n" + field(b"a", b"1"), {200, 400}),
    (MP, b"--B--\r\n", {200}),
    (MP, b"", {200, 400}),
    (MP, b"garbage" * 1000, {200, 400}),
    (MP, multipart([b"Content-Disposition: form-data\r\n\r\nnoname"]), {200, 400}),
    (MP, multipart([b"\r\nno headers"]), {200, 400}),
    (MP, multipart([b"X-A: " + b"h" * 100_000 + b"\r\n\r\nv"]), {200, 400}),
    (MP, multipart([b"".join(b"X-%d: v\r\n" % i for i in range(10000)) + b"\r\nv"]), {200, 400}),
    (MP, multipart([b'Content-Disposition: form-data; name="a"; name="b"\r\n\r\nv']), {200, 400}),
    (MP, multipart([upload(b"u", b"../../etc/passwd", b"v")]), {200}),
    (MP, multipart([upload(b"u", b"\x00evil", b"v")]), {200, 400}),
    (MP, multipart([b"Content-Disposition: form-data; name*=UTF-8''%C0%AF\r\n\r\nv"]), {200, 400}),
    (MP, multipart([b"Content-Type: multipart/mixed; boundary=C\r\n" + field(b"n", b"--C\r\n\r\n--C--")]), {200, 400}),
    (MP, multipart([field(b"a", b"--B")]), {200, 400}),
    ("multipart/form-data; boundary=" + "x" * 5000, multipart([field(b"a", b"1")], b"x" * 5000), {200, 400}),
    ("application/x-www-form-urlencoded", b"a=1", {200}),
    ("application/x-www-form-urlencoded", b"&".join(b"f%d=v" % i for i in range(51)), {400}),
    ("application/x-www-form-urlencoded", b"&".join(b"f%d=v" % i for i in range(50000)), {400}),
    ("application/x-www-form-urlencoded", b"a=" + b"v" * 70_000, {400}),
    ("application/x-www-form-urlencoded", b"&" * 500_000, {200, 400}),
    ("application/x-www-form-urlencoded", b"=" * 500_000, {200, 400}),
    ("application/x-www-form-urlencoded", b"%" * 50_000, {200, 400}),
    ("application/x-www-form-urlencoded", b"a=%C0%AF&b=%FF%00", {200}),
    ("application/x-www-form-urlencoded", b"\xff\xfe=\x00", {200, 400}),
    ("application/x-www-form-urlencoded", b"a" * 2_000_000, {413}),
    ("text/plain", b"a=1", {200}),
    ("application/x-www-form-urlencoded; charset=evil", b"a=1", {200, 400}),
]


@pytest.mark.parametrize(("content_type", "body", "allowed"), FORMS, ids=range(len(FORMS)))
def test_forms(server: Server, content_type: str, body: bytes, allowed: set[int]) -> None:
    check(server, request("POST", "/form", {"Content-Type": content_type}, body), allowed | {NO_ANSWER}, timeout=10)
    assert server.temp_files() == 0


# -- JSON ---------------------------------------------------------------------------------------------------------

JSONS: list[tuple[bytes, set[int]]] = [
    (b'{"a": 1}', {200}),
    (b"[" * 100_000 + b"]" * 100_000, {400, 500}),
    (b"[" * 100_000, {400, 500}),
    (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, {400, 500}),
    (b"[" + b"1," * 200_000 + b"1]", {200}),
    (b'"' + b"a" * 900_000 + b'"', {200}),
    (b"1" * 5000, {200, 400, 500}),
    (b"1e999999", {400, 500}),  # parses to inf, which JSONResponse refuses to render: a plain 500
    (b"NaN", {400, 500}),
    (b"", {400}),
    (b"{", {400}),
    (b"\xff\xfe", {400}),
    (b'"\\ud800"', {400, 500}),  # a lone surrogate cannot be encoded back: a plain 500
    (b'{"a": "\x00"}', {200, 400}),
    (b"\x00" * 100, {400}),
    (b"x" * 1_500_000, {413}),
]


@pytest.mark.parametrize(("body", "allowed"), JSONS, ids=range(len(JSONS)))
def test_json(server: Server, body: bytes, allowed: set[int]) -> None:
    check(server, request("POST", "/json", {"Content-Type": "application/json"}, body), allowed | {NO_ANSWER}, 10)


# -- cookies and sessions -----------------------------------------------------------------------------------------


def session_cookie(server: Server) -> str:
    response = check(server, request("GET", "/session/set?user=bob"), {200})
    cookie = response.header("set-cookie") or ""
    assert cookie.startswith("session=")
    return cookie.split(";")[0].removeprefix("session=")


def tamper(cookie: str, how: str) -> str:
    payload, _, rest = cookie.partition(".")
    forged = base64.b64encode(json.dumps({"user": "admin"}).encode()).decode()
    return {
        "payload": forged + "." + rest,
        "signature": cookie[:-4] + "AAAA",
        "truncated": cookie[: len(cookie) // 2],
        "nosig": payload,
        "empty": "",
        "dots": "....",
        "huge": "a" * 8000,
        "binary": "\x7f\x01",
        "unsigned-json": forged,
        "expired": payload + ".AAAAAA." + rest.rpartition(".")[2],
    }[how]


@pytest.mark.parametrize(
    "how", ["payload", "signature", "truncated", "nosig", "empty", "dots", "huge", "binary", "unsigned-json", "expired"]
)
def test_session_forgery(server: Server, how: str) -> None:
    forged = tamper(session_cookie(server), how)
    response = check(server, request("GET", "/session/get", {"Cookie": f"session={forged}"}), {200, 400})
    if response.status == 200:
        assert json.loads(response.body) == {"user": None}


def test_session_roundtrip(server: Server) -> None:
    cookie = session_cookie(server)
    response = check(server, request("GET", "/session/get", {"Cookie": f"session={cookie}"}), {200})
    assert json.loads(response.body) == {"user": "bob"}


@pytest.mark.parametrize("cookie", ["session=" + "a" * 60_000, "; ".join(f"c{i}=v" for i in range(3000)), "=" * 10000])
def test_huge_cookies(server: Server, cookie: str) -> None:
    response = check(server, request("GET", "/session/get", {"Cookie": cookie}), {NO_ANSWER, 200, 400, 431})
    if response.status == 200:
        assert json.loads(response.body) == {"user": None}


def test_session_huge_value(server: Server) -> None:
    # A value that makes the cookie bigger than browsers accept: still answered, never a 500.
    check(server, request("GET", "/session/set?user=" + "x" * 10_000), {200})


# -- CRLF / NUL injection -----------------------------------------------------------------------------------------

INJECTIONS = [
    "a%0d%0aSet-Cookie:%20evil=1",
    "a%0aX-Evil:%201",
    "a%0dX-Evil:%201",
    "a%00b",
    "%0d%0a%0d%0a<html>",
    "a%7f",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_header_injection(server: Server, value: str) -> None:
    # The server refuses to write a header value with CR, LF, NUL or DEL: uvicorn closes the connection with no
    # response, granian and hypercorn answer a 500 of their own (or a 400: granian's parser refuses `<` in the
    # request target). hypercorn (h11) writes a value once the CR LF around it are stripped, and lets DEL through.
    allowed = {"uvicorn": {NO_ANSWER}, "granian": {400, 500}, "hypercorn-trio": {200, 500}}[server.kind]
    response = check(server, request("GET", "/header-echo?v=" + value), allowed)
    if response.status == 500:
        own_answer = {"granian": ("granian", b"Internal server error"), "hypercorn-trio": ("hypercorn-h11", b"")}
        assert (response.header("server"), response.body) == own_answer[server.kind]
    names = [key.lower() for key, _ in response.headers]
    assert "set-cookie" not in names and "x-evil" not in names
    assert b"<html>" not in response.body
    echoed = response.header("x-echo")
    if echoed is not None:
        assert "\r" not in echoed and "\n" not in echoed and "\x00" not in echoed


# -- CORS, gzip, streaming, background ----------------------------------------------------------------------------

CORS = [
    {"Origin": "https://good.example", "Access-Control-Request-Method": "GET"},
    {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    {"Origin": "https://good.example", "Access-Control-Request-Method": "DELETE"},
    {"Origin": "https://good.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x"},
    {"Origin": "https://good.example.evil.com", "Access-Control-Request-Method": "GET"},
    {"Origin": "null", "Access-Control-Request-Method": "GET"},
    {"Origin": "", "Access-Control-Request-Method": ""},
]


@pytest.mark.parametrize("headers", CORS, ids=range(len(CORS)))
def test_cors_preflight(server: Server, headers: dict[str, str]) -> None:
    response = check(server, request("OPTIONS", "/plain", headers), {200, 400, 405})
    allowed = response.header("access-control-allow-origin")
    assert allowed in (None, "https://good.example")
    if headers["Origin"] != "https://good.example":
        assert allowed is None


@pytest.mark.parametrize("n", [0, 1, 1000, 10_000])
def test_stream_gzip(server: Server, n: int) -> None:
    response = check(server, request("GET", f"/stream?n={n}", {"Accept-Encoding": "gzip"}), {200})
    assert response.status == 200


def test_background(server: Server) -> None:
    def runs() -> int:
        return int(check(server, request("GET", "/background/runs"), {200}).body)

    before = runs()
    assert int(check(server, request("GET", "/background"), {200}).body) == before
    # NOTE: the task runs after the response has gone out, so a loaded server may answer the next request first:
    # wait for it (a deadline for liveness, not a bound on speed), then it has run exactly once.
    deadline = time.monotonic() + 10
    while runs() == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runs() == before + 1


# -- slow and abandoned clients -----------------------------------------------------------------------------------

PARTIALS = [
    b"GET /hea",
    b"GET /health HTTP/1.1\r\nHost: x\r\n",
    b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaa",
    b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
    b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n"
    + b'--B\r\nContent-Disposition: form-data; name="u"; filename="x"\r\n\r\n'
    + b"v" * 50_000,
    b"POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n[1,2,",
]


@pytest.mark.parametrize("payload", PARTIALS, ids=range(len(PARTIALS)))
def test_abandoned(server: Server, payload: bytes) -> None:
    with connect(server.port) as sock:
        sock.sendall(payload)
        time.sleep(0.2)
    server.healthy()
    time.sleep(0.2)
    assert server.temp_files() == 0


def test_slowloris_does_not_block_others(server: Server) -> None:
    socks = [connect(server.port) for _ in range(50)]
    try:
        for sock in socks:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        for _ in range(3):
            for sock in socks:
                sock.sendall(b"X-A: b\r\n")
            server.healthy()
    finally:
        for sock in socks:
            sock.close()


def test_idle_connection_closed_by_server(server: Server) -> None:
    with connect(server.port) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).status == 200
        assert is_closed(sock, timeout=6)  # --timeout-keep-alive 2


@pytest.mark.parametrize("n", [10_000, 200_000])
def test_disconnect_mid_stream(server: Server, n: int) -> None:
    with connect(server.port) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(request("GET", f"/stream?n={n}"))
        sock.recv(100)
    with connect(server.port) as sock:
        sock.sendall(request("GET", "/file"))
        sock.recv(100)
    server.healthy()


def test_disconnect_mid_upload(server: Server) -> None:
    head = b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\n"
    part = b'--B\r\nContent-Disposition: form-data; name="u"; filename="x"\r\n\r\n'
    with connect(server.port) as sock:
        sock.sendall(head + b"Content-Length: 900000\r\n\r\n" + part + b"v" * 400_000)
        time.sleep(0.3)
    server.healthy()
    time.sleep(0.3)
    assert server.temp_files() == 0
