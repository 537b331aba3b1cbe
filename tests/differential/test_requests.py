from __future__ import annotations

from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.differential.harness import Namespace, Req, assert_same, run_both


def _info_app(ns: Namespace) -> Any:
    async def info(request: Any) -> Any:
        client = request.client
        return ns.responses.JSONResponse(
            {
                "method": request.method,
                "url": str(request.url),
                "base_url": str(request.base_url),
                "headers": request.headers.items(),
                "query": request.query_params.multi_items(),
                "path_params": request.path_params,
                "cookies": request.cookies,
                "client": None if client is None else [client.host, client.port],
                "url_for": str(request.url_for("info", rest="x/y")),
                "keys": sorted(request),
            }
        )

    return ns.applications.Starlette(routes=[ns.routing.Route("/{rest:path}", info, name="info")])


def _body_app(ns: Namespace) -> Any:
    async def echo(request: Any) -> Any:
        kind = request.query_params.get("kind", "body")
        if kind == "json":
            return ns.responses.JSONResponse({"json": await request.json()})
        if kind == "stream":
            chunks = [chunk.decode("latin-1") async for chunk in request.stream()]
            return ns.responses.JSONResponse({"chunks": chunks})
        if kind == "twice":
            first = await request.body()
            return ns.responses.JSONResponse({"same": first == await request.body(), "len": len(first)})
        if kind == "stream-then-body":
            async for _ in request.stream():
                pass
            return ns.responses.Response(await request.body())
        return ns.responses.Response(await request.body())

    return ns.applications.Starlette(routes=[ns.routing.Route("/", echo, methods=["POST"])])


def _form_app(ns: Namespace) -> Any:
    async def form(request: Any) -> Any:
        limits = {key: int(value) for key, value in request.query_params.items()}
        async with request.form(**limits) as data:
            items = []
            for key, value in data.multi_items():
                if isinstance(value, str):
                    items.append([key, value])
                else:
                    content = await value.read()
                    items.append(
                        [
                            key,
                            value.filename,
                            value.content_type,
                            value.size,
                            content.decode("latin-1"),
                            value.headers.items(),
                        ]
                    )
            return ns.responses.JSONResponse(items)

    return ns.applications.Starlette(routes=[ns.routing.Route("/", form, methods=["POST"])])


def _multipart(*parts: tuple[list[bytes], bytes], boundary: bytes = b"xyz") -> bytes:
    body = b""
    for headers, data in parts:
        body += b"--" + boundary + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + data + b"\r\n"
    return body + b"--" + boundary + b"--\r\n"


MULTIPART = [(b"content-type", b"multipart/form-data; boundary=xyz")]
URLENCODED = [(b"content-type", b"application/x-www-form-urlencoded")]


def test_connection_attributes() -> None:
    assert_same(
        _info_app,
        [
            Req("GET", "/a/b", query_string=b"x=1&x=2&y=%20"),
            Req("GET", "/", headers=[(b"host", b"example.com:8080")]),
            Req("GET", "/sub/p", root_path="/sub"),
            Req("GET", "/p", root_path="/sub/", extra_scope={"app_root_path": "/app"}),
            Req("GET", "/p", client=None, server=None, headers=[(b"host", b"h")]),
            Req("GET", "/p", scheme="https", server=("example.org", 443)),
            Req("GET", "/p", headers=[(b"x-a", b"1"), (b"x-a", b"2"), (b"X-Upper", b"v")]),
            Req("GET", "/caf%C3%A9", raw_path=b"/caf%C3%A9"),
        ],
    )


COOKIES = [
    b"a=b",
    b'a="b"',
    b"a=b; c=d",
    b" a = b ;; c",
    b"=x",
    b"x",
    b"a=b=c",
    b'a="\\101\\"x"',
    b'a="\\400"',
    b'a="x',
    b'a=""',
    b'a="',
    b"a= ; b",
    b";;;",
    b"a=1; a=2",
    b"\xc3\xa9=\xc3\xbc",
    b"a=b\t;c=d",
    b"a=1,b=2",
    b'sessionid="abc\\\\def"; theme=light',
    b"  =  ;  ",
    b"$Version=1; a=b; $Path=/",
    b"a=b;c",
    b"key:colon=v; [brackets]=w; spa ce=x",
    b'a="\\012"; b="\\\\"',
]


@pytest.mark.parametrize("cookie", COOKIES)
def test_cookie_header(cookie: bytes) -> None:
    assert_same(_info_app, [Req("GET", "/", headers=[(b"cookie", cookie)])])


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(' =;"\\\t\n,0137ab\x00é')), max_size=40))
def test_cookie_parser_matches_the_reference(cookie: str) -> None:
    reference, ours = Namespace("starlette").requests, Namespace("starlette_c").requests
    assert ours.cookie_parser(cookie) == reference.cookie_parser(cookie)


def test_several_cookie_headers() -> None:
    assert_same(_info_app, [Req("GET", "/", headers=[(b"cookie", b"a=1; c=3"), (b"cookie", b"b=2;a=9")])])


def test_body_json_and_stream() -> None:
    assert_same(
        _body_app,
        [
            Req("POST", "/", body=b"hello"),
            Req("POST", "/", body=[b"he", b"", b"llo"]),
            Req("POST", "/", query_string=b"kind=stream", body=[b"a", b"", b"b"]),
            Req("POST", "/", query_string=b"kind=json", body=b'{"a": [1, 2]}'),
            Req("POST", "/", query_string=b"kind=json", body=b"\xef\xbb\xbf[1]"),
            Req("POST", "/", query_string=b"kind=json", body=b"{bad"),
            Req("POST", "/", query_string=b"kind=json", body=b""),
            Req("POST", "/", query_string=b"kind=twice", body=[b"x", b"y"]),
            Req("POST", "/", query_string=b"kind=stream-then-body", body=b"x"),
        ],
    )


URLENCODED_BODIES = [
    b"a=1&b=2",
    b"a=1;b=2",
    b"a",
    b"=x",
    b"a=1&&b",
    b"&",
    b"",
    b"a=%C3%A9+x",
    "a=é".encode(),
    b"a=%ZZ&b=%",
    b"a%3Db=c&d=e=f",
    b"%FF=%FF",
    b"a=1&a=2&a=3",
]


@pytest.mark.parametrize("body", URLENCODED_BODIES)
def test_urlencoded_form(body: bytes) -> None:
    assert_same(_form_app, [Req("POST", "/", headers=URLENCODED, body=body)])


def test_urlencoded_form_in_chunks_and_content_types() -> None:
    assert_same(
        _form_app,
        [
            Req("POST", "/", headers=URLENCODED, body=[b"a=1&", b"x", b"", b"b=2"]),
            Req(
                "POST",
                "/",
                headers=[(b"content-type", b"APPLICATION/X-WWW-FORM-URLENCODED; charset=latin-1")],
                body=b"a=1",
            ),
            Req("POST", "/", headers=[(b"content-type", b"text/plain")], body=b"a=1"),
            Req("POST", "/", body=b"a=1"),
            Req("POST", "/", headers=[(b"content-type", b"application/json")], body=b"{}"),
        ],
    )


DISPOSITION = b'Content-Disposition: form-data; name="field"'

MULTIPART_BODIES = [
    _multipart(([DISPOSITION], b"value")),
    _multipart(([DISPOSITION], b"")),
    _multipart(([DISPOSITION], b"1"), ([DISPOSITION], b"2")),
    _multipart(([b'Content-Disposition: form-data; name="f"; filename="a.txt"', b"Content-Type: text/plain"], b"hi")),
    _multipart(([b'Content-Disposition: form-data; name="f"; filename="../../etc/passwd"'], b"x")),
    _multipart(([b'Content-Disposition: form-data; name="f"; filename="C:\\\\dir\\\\a.txt"'], b"x")),
    _multipart(([b'Content-Disposition: form-data; name="f"; filename=""'], b"")),
    _multipart(([b"Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''%C3%A9.txt"], b"x")),
    _multipart(([b'Content-Disposition: form-data; name="\xe9"; filename="\xc3\xa9"'], b"x")),
    _multipart(([b'content-disposition: form-data; name="f"', b"X-Extra: 1"], b"v")),
    _multipart(([b"Content-Disposition: form-data"], b"no name")),
    _multipart(([b"X-Other: 1"], b"no disposition")),
    _multipart(([b"Content-Disposition: form-data; name*=UTF-8''%C3%A9"], b"x")),
    _multipart(([DISPOSITION], "é".encode("latin-1"))),
    _multipart(([DISPOSITION], b"x" * 70000)),
    b"--xyz\r\n" + DISPOSITION + b"\r\n\r\nunterminated",
    _multipart(([DISPOSITION], b"v")) + b"epilogue" * 100,
]


@pytest.mark.parametrize("body", MULTIPART_BODIES)
def test_multipart_form(body: bytes) -> None:
    assert_same(_form_app, [Req("POST", "/", headers=MULTIPART, body=body)])


def test_multipart_content_type_options() -> None:
    body = _multipart(([DISPOSITION], "é".encode("latin-1")))
    assert_same(
        _form_app,
        [
            Req(
                "POST",
                "/",
                headers=[(b"content-type", b"multipart/form-data; boundary=xyz; charset=latin-1")],
                body=body,
            ),
            Req(
                "POST", "/", headers=[(b"content-type", b"multipart/form-data; boundary=xyz; charset=bogus")], body=body
            ),
            Req("POST", "/", headers=[(b"content-type", b'multipart/form-data; boundary="xyz"')], body=body),
            Req("POST", "/", headers=[(b"content-type", b"multipart/form-data")], body=body),
            Req("POST", "/", headers=[(b"content-type", b"multipart/form-data; charset=utf-8")], body=body),
        ],
    )


def test_multipart_in_chunks() -> None:
    body = _multipart(
        ([DISPOSITION], b"value"),
        ([b'Content-Disposition: form-data; name="f"; filename="a.bin"'], bytes(range(256)) * 40),
    )
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)]
    assert_same(_form_app, [Req("POST", "/", headers=MULTIPART, body=chunks)])


def test_multipart_limits() -> None:
    fields = _multipart(*[([DISPOSITION], b"v")] * 3)
    files = _multipart(*[([b'Content-Disposition: form-data; name="f"; filename="a"'], b"v")] * 3)
    big = _multipart(([DISPOSITION], b"x" * 3000))
    assert_same(
        _form_app,
        [
            Req("POST", "/", query_string=b"max_fields=2", headers=MULTIPART, body=fields),
            Req("POST", "/", query_string=b"max_fields=3", headers=MULTIPART, body=fields),
            Req("POST", "/", query_string=b"max_files=2", headers=MULTIPART, body=files),
            Req("POST", "/", query_string=b"max_files=0", headers=MULTIPART, body=fields),
            Req("POST", "/", query_string=b"max_part_size=2048", headers=MULTIPART, body=big),
            Req("POST", "/", query_string=b"max_part_size=1000", headers=MULTIPART, body=big),
            Req("POST", "/", query_string=b"max_part_size=1000", headers=MULTIPART, body=files),
        ],
    )


def test_multipart_defaults_refuse_a_large_field() -> None:
    assert_same(
        _form_app, [Req("POST", "/", headers=MULTIPART, body=_multipart(([DISPOSITION], b"x" * (1024 * 1024 + 1))))]
    )


# Intentional deviations: where the reference accepts or crashes, the fixed behaviour is a 400.


def test_urlencoded_limits_deviate_from_the_reference() -> None:
    many = Req("POST", "/", query_string=b"max_fields=2", headers=URLENCODED, body=b"a=1&b=2&c=3")
    reference, ours = run_both(_form_app, many)
    assert reference.status == 200
    assert (ours.status, ours.body) == (400, b"Too many fields. Maximum number of fields is 2.")

    large = Req("POST", "/", query_string=b"max_part_size=1024", headers=URLENCODED, body=b"a=" + b"x" * 1100)
    reference, ours = run_both(_form_app, large)
    assert reference.status == 200
    assert (ours.status, ours.body) == (400, b"Part exceeded maximum size of 1KB.")


@pytest.mark.parametrize(
    "body",
    [b"garbage", b"--other\r\n\r\n", _multipart(([DISPOSITION, *[b"X-A: b"] * 20], b"v"))],
    ids=["no-boundary", "wrong-boundary", "too-many-headers"],
)
def test_malformed_multipart_is_a_400_where_the_reference_crashes(body: bytes) -> None:
    reference, ours = run_both(_form_app, Req("POST", "/", headers=MULTIPART, body=body))
    assert reference.exception is not None and reference.exception.startswith("MultipartParseError")
    assert ours.status == 400
    assert ours.body.startswith(b"Malformed multipart body: ")


async def _parse_both(kind: str, headers: dict[str, str], chunks: list[bytes]) -> list[Any]:
    results = []
    for package in ("starlette", "starlette_c"):
        ns = Namespace(package)

        async def stream() -> Any:
            for chunk in chunks:
                yield chunk
            yield b""

        parser_class = getattr(ns.formparsers, kind)
        form = await parser_class(ns.datastructures.Headers(headers), stream()).parse()
        items = []
        for key, value in form.multi_items():
            if isinstance(value, str):
                items.append((key, value))
            else:
                items.append((key, value.filename, await value.read(), value.headers.items()))
        await form.close()
        results.append(items)
    return results


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    # Request.stream() never yields an empty chunk before its final one.
    return [data[start:end] for start, end in zip([0, *points], [*points, len(data)], strict=True) if end > start]


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=60).map(lambda raw: bytes(b"a=&;%+2F0\xc3\xa9"[byte % 11] for byte in raw)),
    st.lists(st.integers(0, 60)),
)
def test_urlencoded_parsing_matches_the_reference(body: bytes, cuts: list[int]) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    reference, ours = anyio.run(_parse_both, "FormParser", headers, _split(body, cuts))
    assert ours == reference


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 400), max_size=12))
def test_multipart_chunking_matches_the_reference(cuts: list[int]) -> None:
    body = _multipart(
        ([DISPOSITION], b"value with \r\n--xy inside"),
        (
            [b'Content-Disposition: form-data; name="f"; filename="a.txt"', b"Content-Type: text/plain"],
            b"--xyz-ish\r\n",
        ),
        ([b'Content-Disposition: form-data; name="g"'], "é".encode()),
    )
    headers = {"content-type": "multipart/form-data; boundary=xyz"}
    reference, ours = anyio.run(_parse_both, "MultiPartParser", headers, _split(body, cuts))
    assert ours == reference
