from __future__ import annotations

import tempfile
import threading
from collections.abc import AsyncGenerator, Iterable, Iterator
from typing import Any

import pytest
from python_multipart.exceptions import FormParserError

import starlette_c.formparsers as formparsers
from starlette_c.datastructures import Headers, UploadFile
from starlette_c.exceptions import StarletteDeprecationWarning
from starlette_c.formparsers import (
    FormMessage,
    FormParser,
    MultiPartException,
    MultiPartParser,
    MultipartPart,
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
    # NOTE: private attributes typeshed leaves out, declared for the checks that read them.
    _rolled: bool
    _max_size: int

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
    assert FormMessage.__module__ == "starlette_c.formparsers"


def test_form_message_is_deprecated_when_called() -> None:
    # NOTE: as in 1.10: importing and reading members is silent, calling the class warns.
    assert FormMessage.END.value == 5
    with pytest.warns(StarletteDeprecationWarning) as record:
        assert FormMessage(2) is FormMessage.FIELD_NAME
    assert [str(warning.message) for warning in record] == [
        "`FormMessage` is deprecated and will be removed in a future version."
    ]


def test_multipart_part_defaults_are_not_shared() -> None:
    first, second = MultipartPart(), MultipartPart()
    assert (first.content_disposition, first.field_name, first.file) == (None, "", None)
    first.data += b"x"
    first.item_headers.append((b"a", b"b"))
    assert (second.data, second.item_headers) == (bytearray(), [])


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
    assert info.value.message == "Field exceeded maximum size of 0KB."
    with pytest.raises(MultiPartException) as info:
        await parse_urlencoded(b"abcde=", max_part_size=4)
    assert info.value.message == "Field exceeded maximum size of 0KB."
    # NOTE: the budget counts raw bytes, before percent-decoding.
    with pytest.raises(MultiPartException):
        await parse_urlencoded(b"a=%41%41", max_part_size=6)
    assert await parse_urlencoded(b"=", max_part_size=0) == [("", "")]


@pytest.mark.anyio
async def test_form_parser_limits_hold_inside_one_huge_chunk() -> None:
    # NOTE: 1.3.1: the callbacks refuse the body while python-multipart is still inside the chunk.
    with pytest.raises(MultiPartException) as info:
        await parse_urlencoded(b"a=1&" * 100_000, max_fields=10)
    assert info.value.message == "Too many fields. Maximum number of fields is 10."
    with pytest.raises(MultiPartException) as info:
        await parse_urlencoded(b"a=" + b"x" * 5_000_000 + b"&b=1", max_part_size=2048)
    assert info.value.message == "Field exceeded maximum size of 2KB."


@pytest.mark.anyio
async def test_form_parser_stops_at_the_limit_inside_a_single_chunk() -> None:
    # NOTE: 1.10: Starlette's own test reads `_current_fields` and `_field_value` after the limit is hit.
    parser = FormParser(URLENCODED, stream([b"&".join(b"f%d=" % i for i in range(100_000))]), max_fields=10)
    with pytest.raises(MultiPartException, match="Too many fields"):
        await parser.parse()
    assert (parser._current_fields, len(parser._pairs)) == (11, 10)
    parser = FormParser(URLENCODED, stream([b"field=" + b"x" * (50 * 1024 * 1024)]), max_part_size=1024)
    with pytest.raises(MultiPartException, match="Field exceeded maximum size"):
        await parser.parse()
    assert (bytes(parser._field_name), len(parser._field_value)) == (b"field", 0)


@pytest.mark.anyio
async def test_form_parser_counts_fields_against_a_float_limit() -> None:
    assert len(await parse_urlencoded(b"a=1&b=2", max_fields=2.5)) == 2
    with pytest.raises(MultiPartException) as info:
        await parse_urlencoded(b"a=1&b=2&c=3", max_fields=2.5)
    assert info.value.message == "Too many fields. Maximum number of fields is 2.5."


@pytest.mark.anyio
async def test_form_parser_size_limit_is_checked_before_the_field_count() -> None:
    with pytest.raises(MultiPartException) as info:
        await parse_urlencoded(b"a=1&bbbbbbbbbb", max_fields=1, max_part_size=5)
    assert info.value.message == "Field exceeded maximum size of 0KB."


@pytest.mark.anyio
async def test_form_parser_reads_the_last_field_without_an_empty_chunk() -> None:
    # NOTE: 1.10: a stream that ends without yielding b"" still delivers its last field.
    assert await parse_urlencoded(b"a=1&b", b"=2") == [("a", "1"), ("b", "2")]
    assert await parse_urlencoded(b"a", b"=", b"1") == [("a", "1")]


@pytest.mark.anyio
async def test_form_parser_closes_the_stream_it_stops_reading() -> None:
    closed = []

    async def chunks() -> AsyncGenerator[bytes, None]:
        try:
            while True:
                yield b"a=1&"
        finally:
            closed.append(True)

    with pytest.raises(MultiPartException):
        await FormParser(URLENCODED, chunks(), max_fields=3).parse()
    assert closed == [True]


@pytest.mark.anyio
async def test_form_parser_default_limits() -> None:
    parser = FormParser(URLENCODED, stream([]))
    assert (parser.max_fields, parser.max_part_size) == (1000, 1024 * 1024)
    with pytest.raises(MultiPartException) as info:
        await parse_urlencoded(b"&".join([b"a=1"] * 1001))
    assert info.value.message == "Too many fields. Maximum number of fields is 1000."
    with pytest.raises(MultiPartException) as info:
        await parse_urlencoded(b"a=" + b"x" * (1024 * 1024))
    assert info.value.message == "Field exceeded maximum size of 1024KB."


@pytest.mark.anyio
async def test_form_parser_callbacks_build_the_fields() -> None:
    # NOTE: 1.10: each field is complete when on_field_end returns; nothing waits for the end of the chunk.
    parser = FormParser(URLENCODED, stream([]))
    parser.on_field_start()
    parser.on_field_name(b"xna%20mex", 1, 8)
    parser.on_field_data(b"va", 0, 2)
    parser.on_field_data(b"+lue", 0, 4)
    parser.on_field_end()
    parser.on_field_start()
    parser.on_field_end()
    assert (await parser.parse()).multi_items() == [("na me", "va lue"), ("", "")]


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
async def test_multipart_upload_in_memory_is_read_whole_without_a_copy() -> None:
    content = bytes(range(256)) * 64
    body = multipart_body(part(b'name="f"; filename="b.bin"', content))
    upload = (await parse_multipart(*(body[i : i + 1000] for i in range(0, len(body), 1000))))[0][1]
    first = await upload.read()
    await upload.seek(0)
    assert first == content
    assert await upload.read() is first
    await upload.write(b"!")
    await upload.seek(0)
    assert (await upload.read(), first) == (content + b"!", content)


@pytest.mark.anyio
async def test_multipart_uploads_spool_to_disk_past_the_spool_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MultiPartParser, "spool_max_size", 10)
    items = await parse_multipart(multipart_body(part(b'name="f"; filename="big"', b"x" * 100)))
    upload = items[0][1]
    assert upload.file._rolled
    assert (upload.size, await upload.read()) == (100, b"x" * 100)
    await upload.close()


@pytest.mark.anyio
async def test_multipart_file_io_leaves_the_event_loop_only_once_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    # NOTE: CVE-2025-54121: a write that rolls the spool over, and any call on a rolled spool, blocks: not in the loop.
    calls: list[tuple[str, bool, bool]] = []  # (method, spool on disk once it returned, ran in the loop's thread)
    loop_thread = threading.get_ident()

    class ThreadRecordingSpool(RecordingSpool):
        def _record(self, name: str) -> None:
            calls.append((name, self._rolled, threading.get_ident() == loop_thread))

        def write(self, data: Any) -> int:
            written: int = super().write(data)
            self._record("write")
            return written

        def seek(self, *args: Any) -> int:
            offset: int = super().seek(*args)
            self._record("seek")
            return offset

        def rollover(self) -> None:
            super().rollover()
            self._record("rollover")

    monkeypatch.setattr(formparsers, "SpooledTemporaryFile", ThreadRecordingSpool)
    monkeypatch.setattr(MultiPartParser, "spool_max_size", 10)
    body = multipart_body(part(b'name="small"; filename="s"', b"tiny"), part(b'name="big"; filename="b"', b"x" * 30))
    items = await parse_multipart(*(body[i : i + 60] for i in range(0, len(body), 60)))
    assert await items[1][1].read() == b"x" * 30
    # PERF: in memory, nothing hops to a thread; on disk (the rolling write included), everything does.
    assert {(name, in_loop) for name, rolled, in_loop in calls if not rolled} == {("write", True), ("seek", True)}
    assert {(name, in_loop) for name, rolled, in_loop in calls if rolled} == {
        ("write", False),
        ("rollover", False),
        ("seek", False),
    }


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("options", "raw", "expected"),
    [
        ("; boundary=B", b"caf\xc3\xa9", "café"),
        ("; boundary=B", b"caf\xe9", "café"),
        ("; boundary=B; charset=latin-1", b"caf\xe9", "café"),
        ("; boundary=B; charset=bogus", b"caf\xc3\xa9", "cafÃ©"),
        ('; boundary="B"', b"x", "x"),
        ('; boundary=B; charset=""', b"caf\xc3\xa9", "cafÃ©"),
        ("; boundary=B; charset=UTF8", b"caf\xc3\xa9", "café"),
        ("; boundary=B; charset=rot13", b"caf\xc3\xa9", "cafÃ©"),
        ("; boundary=B; charset=utf-16", b"abcd", "\u6261\u6463"),
        ("; boundary=B; charset=utf-16", b"abc", "abc"),
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
    # NOTE: python-multipart's own refusals (here too its per-part header limits) become one message.
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(body)
    assert info.value.message == "Invalid multipart data."
    assert isinstance(info.value.__cause__, FormParserError)


@pytest.mark.anyio
async def test_an_oversized_part_header_is_invalid_multipart_data() -> None:
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(multipart_body(part(b'name="a"', b"1", b"X-A: " + b"b" * 9000)))
    assert info.value.message == "Invalid multipart data."


@pytest.mark.anyio
@pytest.mark.parametrize("options", ["; boundary=", '; boundary=""', "; boundary=" + "b" * 100])
async def test_unusable_boundaries_are_invalid_multipart_data(options: str) -> None:
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(b"garbage", options=options)
    assert info.value.message == "Invalid multipart data."


@pytest.mark.anyio
async def test_multipart_limits_hold_inside_one_huge_chunk() -> None:
    huge_field = multipart_body(part(b'name="a"', b"x" * 5_000_000))
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(huge_field, max_part_size=4096)
    assert info.value.message == "Part exceeded maximum size of 4KB."
    many = multipart_body(*[part(b'name="a"', b"1")] * 5000)
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(many, max_fields=3)
    assert info.value.message == "Too many fields. Maximum number of fields is 3."


@pytest.mark.anyio
async def test_files_are_closed_when_the_body_is_malformed(spools: list[RecordingSpool]) -> None:
    body = part(b'name="f"; filename="x"', b"data") + b"--B\r\n" + b"X-A: b\r\n" * 20
    with pytest.raises(MultiPartException):
        await parse_multipart(body)
    assert [spool.closed for spool in spools] == [True]


@pytest.mark.anyio
async def test_a_file_part_cut_short_is_dropped_and_closed(spools: list[RecordingSpool]) -> None:
    body = part(b'name="a"', b"1") + part(b'name="f"; filename="kept"', b"whole")
    items = await parse_multipart(body + part(b'name="g"; filename="cut"', b"data")[:-2])
    assert [key for key, _ in items] == ["a", "f"]
    assert [spool.closed for spool in spools] == [False, True]


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


@pytest.mark.anyio
async def test_a_spool_that_fails_to_close_does_not_hide_the_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class BrokenSpool(RecordingSpool):
        def close(self) -> None:
            already = self.closed
            super().close()
            if not already:
                raise OSError("disk gone")

    monkeypatch.setattr(formparsers, "SpooledTemporaryFile", BrokenSpool)
    body = multipart_body(part(b'name="f"; filename="x"', b"1"), part(b'name="g"; filename="y"', b"2"))
    with pytest.raises(MultiPartException) as info:
        await parse_multipart(body, max_files=1)
    assert info.value.message == "Too many files. Maximum number of files is 1."
    assert [spool.closed for spool in BrokenSpool.created] == [True]


@pytest.mark.anyio
async def test_multipart_closes_the_stream_it_stops_reading() -> None:
    closed = []

    async def chunks() -> AsyncGenerator[bytes, None]:
        try:
            yield multipart_body(part(b'name="a"', b"1"), part(b'name="b"', b"2"))
            yield b"never read"
        finally:
            closed.append(True)

    with pytest.raises(MultiPartException):
        await MultiPartParser(multipart_headers(), chunks(), max_fields=1).parse()
    assert closed == [True]


@pytest.mark.anyio
async def test_later_content_disposition_header_wins() -> None:
    body = multipart_body(part(b'name="a"', b"x", b'Content-Disposition: form-data; name="b"'))
    assert await parse_multipart(body) == [("b", "x")]


@pytest.mark.anyio
async def test_truncated_multipart_body_keeps_only_finished_parts() -> None:
    assert await parse_multipart(
        part(b'name="a"', b"1") + b"--B\r\n" + b'Content-Disposition: form-data; name="b"\r\n\r\nx'
    ) == [("a", "1")]
