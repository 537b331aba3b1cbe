from __future__ import annotations

import tempfile
from collections.abc import AsyncGenerator, Iterable, Iterator
from typing import Any

import pytest

import starlette_c.formparsers as formparsers
from starlette_c.datastructures import Headers, UploadFile
from starlette_c.formparsers import (
    FormMessage,
    FormParser,
    MultiPartException,
    MultiPartParser,
    MultipartPart,
    _user_safe_decode,
    parse_options_header,
)

URLENCODED = Headers({"content-type": "application/x-www-form-urlencoded"})


def multipart_headers(options: str = "; boundary=B") -> Headers:
    return Headers({"content-type": "multipart/form-data" + options})


async def stream(chunks: Iterable[bytes]) -> AsyncGenerator[bytes, None]:
    for chunk in chunks:
        yield chunk


def part(disposition: bytes, data: bytes, *headers: bytes) -> bytes:
    lines = b"".join(header + b"\r\n" for header in (b"Content-Disposition: form-data; " + disposition, *headers))
    return b"--B\r\n" + lines + b"\r\n" + data + b"\r\n"


def multipart_body(*parts: bytes) -> bytes:
    return b"".join(parts) + b"--B--\r\n"


class RecordingSpool(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
    created: list[RecordingSpool] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.created.append(self)


@pytest.fixture(autouse=True)
def spools(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[RecordingSpool]]:
    """Every spooled file the parsers create (through the patchable module-level name); closed after the test."""
    created: list[RecordingSpool] = []
    monkeypatch.setattr(RecordingSpool, "created", created)
    monkeypatch.setattr(formparsers, "SpooledTemporaryFile", RecordingSpool)
    yield created
    for spool in created:
        spool.close()


# --- helpers and public names -------------------------------------------------------------------


def test_form_message_members() -> None:
    assert [(member.name, member.value) for member in FormMessage] == [
        ("FIELD_START", 1),
        ("FIELD_NAME", 2),
        ("FIELD_DATA", 3),
        ("FIELD_END", 4),
        ("END", 5),
    ]


def test_multipart_part_defaults_are_not_shared() -> None:
    first, second = MultipartPart(), MultipartPart()
    assert (first.content_disposition, first.field_name, first.file) == (None, "", None)
    first.data += b"x"
    first.item_headers.append((b"a", b"b"))
    assert (second.data, second.item_headers) == (bytearray(), [])


@pytest.mark.parametrize(
    ("data", "codec", "expected"),
    [(b"caf\xc3\xa9", "utf-8", "café"), (b"caf\xe9", "utf-8", "café"), (b"caf\xe9", "no-such-codec", "café")],
)
def test_user_safe_decode(data: bytes, codec: str, expected: str) -> None:
    assert _user_safe_decode(data, codec) == expected
    assert _user_safe_decode(bytearray(data), codec) == expected


def test_multipart_exception_carries_its_message() -> None:
    assert MultiPartException("boom").message == "boom"


def test_parse_options_header() -> None:
    assert parse_options_header("multipart/form-data; boundary=B; charset=latin-1") == (
        b"multipart/form-data",
        {b"boundary": b"B", b"charset": b"latin-1"},
    )
    assert parse_options_header(None) == (b"", {})


@pytest.mark.parametrize("parser_class", [FormParser, MultiPartParser])
def test_parsers_need_python_multipart(monkeypatch: pytest.MonkeyPatch, parser_class: Any) -> None:
    monkeypatch.setattr(formparsers, "multipart", None)
    with pytest.raises(AssertionError) as info:
        parser_class(URLENCODED, stream([]))
    assert str(info.value) == "The `python-multipart` library must be installed to use form parsing."


# --- FormParser ---------------------------------------------------------------------------------


async def parse_urlencoded(*chunks: bytes, **limits: Any) -> list[tuple[str, Any]]:
    form = await FormParser(URLENCODED, stream(chunks), **limits).parse()
    return form.multi_items()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ((b"a=1&b=2", b""), [("a", "1"), ("b", "2")]),
        ((b"a=1;b=2",), [("a", "1;b=2")]),
        ((b"a", b""), [("a", "")]),
        ((b"=x",), [("", "x")]),
        ((b"a=1&&b",), [("a", "1"), ("b", "")]),
        ((b"&",), []),
        ((), []),
        ((b"a=%C3%A9+x",), [("a", "é x")]),
        (("a=é".encode(),), [("a", "Ã©")]),
        ((b"a%3Db=c",), [("a=b", "c")]),
        ((b"a=1&", b"x", b"", b"y=2"), [("a", "1"), ("xy", "2")]),
    ],
)
async def test_form_parser(chunks: tuple[bytes, ...], expected: list[tuple[str, str]]) -> None:
    assert await parse_urlencoded(*chunks) == expected


@pytest.mark.anyio
async def test_form_parser_counts_fields() -> None:
    assert await parse_urlencoded(b"a=1&b=2", max_fields=2) == [("a", "1"), ("b", "2")]
    with pytest.raises(MultiPartException) as info:
        await parse_urlencoded(b"a=1&b=2&c=3", max_fields=2)
    assert info.value.message == "Too many fields. Maximum number of fields is 2."


@pytest.mark.anyio
async def test_form_parser_limits_field_size() -> None:
    assert await parse_urlencoded(b"ab=", b"cd", max_part_size=4) == [("ab", "cd")]
    with pytest.raises(MultiPartException) as info:
        await parse_urlencoded(b"ab=", b"cde", max_part_size=4)
    assert info.value.message == "Part exceeded maximum size of 0KB."


@pytest.mark.anyio
async def test_form_parser_default_limits() -> None:
    parser = FormParser(URLENCODED, stream([]))
    assert (parser.max_fields, parser.max_part_size) == (1000, 1024 * 1024)
    with pytest.raises(MultiPartException) as info:
        await parse_urlencoded(b"&".join([b"a=1"] * 1001))
    assert info.value.message == "Too many fields. Maximum number of fields is 1000."
    with pytest.raises(MultiPartException) as info:
        await parse_urlencoded(b"a=" + b"x" * (1024 * 1024))
    assert info.value.message == "Part exceeded maximum size of 1024KB."


def test_form_parser_callbacks_record_messages() -> None:
    parser = FormParser(URLENCODED, stream([]))
    parser.on_field_start()
    parser.on_field_name(b"xnamex", 1, 5)
    parser.on_field_data(b"value", 0, 5)
    parser.on_field_end()
    parser.on_end()
    assert parser.messages == [
        (FormMessage.FIELD_START, b""),
        (FormMessage.FIELD_NAME, b"name"),
        (FormMessage.FIELD_DATA, b"value"),
        (FormMessage.FIELD_END, b""),
        (FormMessage.END, b""),
    ]


# --- MultiPartParser ----------------------------------------------------------------------------


async def parse_multipart(*chunks: bytes, options: str = "; boundary=B", **limits: Any) -> list[tuple[str, Any]]:
    form = await MultiPartParser(multipart_headers(options), stream(chunks), **limits).parse()
    return form.multi_items()


def test_multipart_parser_defaults() -> None:
    parser = MultiPartParser(multipart_headers(), stream([]))
    assert (parser.max_files, parser.max_fields, parser.max_part_size) == (1000, 1000, 1024 * 1024)
    assert MultiPartParser.spool_max_size == MultiPartParser.max_part_size == 1024 * 1024


@pytest.mark.anyio
async def test_multipart_fields_and_files(spools: list[RecordingSpool]) -> None:
    body = multipart_body(
        part(b'name="a"', b"1"),
        part(b'name="f"; filename="a.txt"', b"file content", b"Content-Type: text/plain", b"X-Extra: yes"),
        part(b'name="a"', b""),
    )
    items = await parse_multipart(body)
    assert [key for key, _ in items] == ["a", "f", "a"]
    assert (items[0][1], items[2][1]) == ("1", "")
    upload = items[1][1]
    assert isinstance(upload, UploadFile)
    assert (upload.filename, upload.content_type, upload.size) == ("a.txt", "text/plain", 12)
    assert upload.headers.items() == [
        ("content-disposition", 'form-data; name="f"; filename="a.txt"'),
        ("content-type", "text/plain"),
        ("x-extra", "yes"),
    ]
    assert await upload.read() == b"file content"
    assert spools == [upload.file]
    assert spools[0]._max_size == MultiPartParser.spool_max_size


@pytest.mark.anyio
async def test_multipart_in_small_chunks() -> None:
    body = multipart_body(part(b'name="a"', b"value"), part(b'name="f"; filename="b.bin"', bytes(range(256)) * 8))
    items = await parse_multipart(*(body[i : i + 5] for i in range(0, len(body), 5)))
    assert items[0] == ("a", "value")
    assert await items[1][1].read() == bytes(range(256)) * 8


@pytest.mark.anyio
async def test_multipart_uploads_spool_to_disk_past_the_spool_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MultiPartParser, "spool_max_size", 10)
    items = await parse_multipart(multipart_body(part(b'name="f"; filename="big"', b"x" * 100)))
    upload = items[0][1]
    assert upload.file._rolled
    assert (upload.size, await upload.read()) == (100, b"x" * 100)
    await upload.close()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("options", "raw", "expected"),
    [
        ("; boundary=B", b"caf\xc3\xa9", "café"),
        ("; boundary=B", b"caf\xe9", "café"),
        ("; boundary=B; charset=latin-1", b"caf\xe9", "café"),
        ("; boundary=B; charset=bogus", b"caf\xc3\xa9", "cafÃ©"),
        ('; boundary="B"', b"x", "x"),
    ],
)
async def test_multipart_charset(options: str, raw: bytes, expected: str) -> None:
    assert await parse_multipart(multipart_body(part(b'name="a"', raw)), options=options) == [("a", expected)]


@pytest.mark.anyio
async def test_multipart_names_and_filenames_are_decoded_safely() -> None:
    items = await parse_multipart(multipart_body(part(b'name="\xe9"; filename="\xc3\xa9.txt"', b"x")))
    assert items[0][0] == "é"
    assert items[0][1].filename == "é.txt"


@pytest.mark.anyio
async def test_multipart_without_boundary() -> None:
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(multipart_body(part(b'name="a"', b"1")), options="")
    assert info.value.message == "Missing boundary in multipart."


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [
        multipart_body(b"--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n"),
        multipart_body(b"--B\r\nX-Other: 1\r\n\r\nx\r\n"),
    ],
)
async def test_multipart_part_without_a_name(body: bytes) -> None:
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(body)
    assert info.value.message == 'The Content-Disposition header field "name" must be provided.'


@pytest.mark.anyio
async def test_multipart_limits_fields_and_files() -> None:
    fields = multipart_body(*[part(b'name="a"', b"1")] * 3)
    files = multipart_body(*[part(b'name="f"; filename="x"', b"1")] * 3)
    assert len(await parse_multipart(fields, max_fields=3, max_files=0)) == 3
    assert len(await parse_multipart(files, max_files=3, max_fields=0)) == 3
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(fields, max_fields=2)
    assert info.value.message == "Too many fields. Maximum number of fields is 2."
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(files, max_files=2)
    assert info.value.message == "Too many files. Maximum number of files is 2."


@pytest.mark.anyio
async def test_multipart_limits_text_fields_but_not_files() -> None:
    field = multipart_body(part(b'name="a"', b"x" * 3000))
    upload = multipart_body(part(b'name="a"; filename="f"', b"x" * 3000))
    assert await parse_multipart(field, max_part_size=3000) == [("a", "x" * 3000)]
    assert (await parse_multipart(upload, max_part_size=1000))[0][1].size == 3000
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(field, max_part_size=2999)
    assert info.value.message == "Part exceeded maximum size of 2KB."


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [b"garbage", b"--X\r\n\r\n", multipart_body(part(b'name="a"', b"1", *[b"X-A: b"] * 20))],
)
async def test_malformed_multipart_is_a_multipart_exception(body: bytes) -> None:
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(body)
    assert info.value.message.startswith("Malformed multipart body: ")
    assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.anyio
async def test_files_are_closed_when_the_body_is_malformed(spools: list[RecordingSpool]) -> None:
    body = part(b'name="f"; filename="x"', b"data") + b"--B\r\n" + b"X-A: b\r\n" * 20
    with pytest.raises(MultiPartException):
        await parse_multipart(body)
    assert [spool.closed for spool in spools] == [True]


@pytest.mark.anyio
async def test_files_are_closed_when_a_limit_is_hit(spools: list[RecordingSpool]) -> None:
    body = multipart_body(part(b'name="f"; filename="x"', b"data"), part(b'name="a"', b"1"), part(b'name="b"', b"2"))
    with pytest.raises(MultiPartException):
        await parse_multipart(body, max_fields=1)
    assert [spool.closed for spool in spools] == [True]


@pytest.mark.anyio
async def test_files_are_closed_when_the_stream_fails(spools: list[RecordingSpool]) -> None:
    class Gone(Exception):
        pass

    async def failing() -> AsyncGenerator[bytes, None]:
        yield part(b'name="f"; filename="x"', b"partial")
        raise Gone()

    with pytest.raises(Gone):
        await MultiPartParser(multipart_headers(), failing()).parse()
    assert [spool.closed for spool in spools] == [True]


def test_part_header_guards() -> None:
    parser = MultiPartParser(multipart_headers(), stream([]))
    parser.on_part_begin()
    parser.on_header_field(b"X-Name", 0, 6)
    with pytest.raises(MultiPartException) as info:
        parser.on_header_value(b"v" * 5000, 0, 5000)
    assert info.value.message == "Part header exceeded maximum size."

    parser = MultiPartParser(multipart_headers(), stream([]))
    parser.on_part_begin()
    with pytest.raises(MultiPartException) as info:
        parser.on_header_field(b"n" * 5000, 0, 5000)
    assert info.value.message == "Part header exceeded maximum size."

    parser = MultiPartParser(multipart_headers(), stream([]))
    parser.on_part_begin()
    for _ in range(8):
        parser.on_header_field(b"X-A", 0, 3)
        parser.on_header_value(b"b", 0, 1)
        parser.on_header_end()
    parser.on_header_field(b"X-A", 0, 3)
    with pytest.raises(MultiPartException) as info:
        parser.on_header_end()
    assert info.value.message == "Too many part headers."
