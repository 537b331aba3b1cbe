"""Regression tests for the form-parsing advisories in security-advisories.md (Starlette and python-multipart)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

import starlette_c.formparsers as formparsers
from starlette_c.datastructures import UploadFile
from starlette_c.exceptions import HTTPException
from starlette_c.formparsers import MultiPartParser, parse_options_header
from starlette_c.requests import Request
from starlette_c.types import Message

URLENCODED = b"application/x-www-form-urlencoded"
MULTIPART = b"multipart/form-data; boundary=B"


class CountingReceive:
    """Feeds ``chunks`` one message at a time and counts how many the app pulled."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = list(chunks)
        self.pulled = 0

    async def __call__(self) -> Message:
        self.pulled += 1
        index = self.pulled - 1
        more = index < len(self.chunks) - 1
        return {"type": "http.request", "body": self.chunks[index], "more_body": more}


def request_for(content_type: bytes, receive: CountingReceive, *extra: tuple[bytes, bytes]) -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", content_type), *extra],
        "app": object(),
    }
    return Request(scope, receive)


def field(name: bytes, value: bytes) -> bytes:
    return b'--B\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value + b"\r\n"


def upload(name: bytes, filename: bytes, value: bytes) -> bytes:
    disposition = b'Content-Disposition: form-data; name="' + name + b'"; filename="' + filename + b'"'
    return b"--B\r\n" + disposition + b"\r\n\r\n" + value + b"\r\n"


async def refused(request: Request, **limits: Any) -> str:
    with pytest.raises(HTTPException) as info:
        await request.form(**limits)
    assert info.value.status_code == 400
    return str(info.value.detail)


@pytest.fixture(autouse=True)
def close_spools(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    created: list[Any] = []
    real = formparsers.SpooledTemporaryFile

    def spool(*args: Any, **kwargs: Any) -> Any:
        created.append(real(*args, **kwargs))
        return created[-1]

    monkeypatch.setattr(formparsers, "SpooledTemporaryFile", spool)
    yield
    for file in created:
        file.close()


@pytest.mark.anyio
async def test_ghsa_74m5_2c7w_9w3x_too_many_fields_or_files_stop_the_parser() -> None:
    receive = CountingReceive([field(b"a", b"1")] * 5000 + [b"--B--\r\n"])
    assert await refused(request_for(MULTIPART, receive)) == "Too many fields. Maximum number of fields is 1000."
    assert receive.pulled <= 1001

    receive = CountingReceive([upload(b"f", b"x", b"1")] * 5000 + [b"--B--\r\n"])
    assert await refused(request_for(MULTIPART, receive)) == "Too many files. Maximum number of files is 1000."
    assert receive.pulled <= 1001


@pytest.mark.anyio
async def test_ghsa_2jv5_9r88_3w3p_content_type_options_parse_in_linear_time() -> None:
    hostile = [
        "multipart/form-data; boundary=" + '"' + "\\" * 200_000,
        "multipart/form-data" + "; a=b" * 40_000,
        "multipart/form-data;" + " " * 200_000 + "x",
        "multipart/form-data; boundary=" + '"\\"' * 60_000,
    ]
    for value in hostile:
        # NOTE: this thread's CPU time, not wall time: a busy machine (parallel workers) does not add to it.
        # python-multipart's parser is in C string scans that no counter can see; quadratic parsing of these
        # inputs takes minutes, linear parsing milliseconds.
        started = time.thread_time()
        parse_options_header(value)
        assert time.thread_time() - started < 5.0


@pytest.mark.anyio
async def test_ghsa_f96h_pmfr_66vw_large_text_field_is_refused_while_arriving() -> None:
    chunks = [b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n'] + [b"x" * 1024] * 4096
    receive = CountingReceive(chunks)
    assert await refused(request_for(MULTIPART, receive)) == "Part exceeded maximum size of 1024KB."
    assert receive.pulled <= 1026


@pytest.mark.anyio
async def test_ghsa_82w8_qh3p_5jfq_urlencoded_limits_are_enforced_while_parsing() -> None:
    receive = CountingReceive([b"a=1&"] * 5000)
    assert await refused(request_for(URLENCODED, receive)) == "Too many fields. Maximum number of fields is 1000."
    assert receive.pulled <= 1002

    receive = CountingReceive([b"a="] + [b"x" * 1024] * 4096)
    assert await refused(request_for(URLENCODED, receive)) == "Field exceeded maximum size of 1024KB."
    assert receive.pulled <= 1026

    receive = CountingReceive([b"a=1&b=2&c=3"])
    assert await refused(request_for(URLENCODED, receive), max_fields=2) == (
        "Too many fields. Maximum number of fields is 2."
    )


# --- python-multipart hardening that the wrapper must not undo ------------------------------------


@pytest.mark.anyio
async def test_overlong_boundary_is_refused() -> None:
    boundary = b"b" * 300
    body = b"--" + boundary + b'\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--' + boundary + b"--\r\n"
    detail = await refused(request_for(b"multipart/form-data; boundary=" + boundary, CountingReceive([body])))
    assert detail == "Invalid multipart data."


@pytest.mark.anyio
async def test_unbounded_preamble_and_part_headers_are_refused() -> None:
    preamble = CountingReceive([b"x" * 1024] * 1000)
    assert (await refused(request_for(MULTIPART, preamble))) == "Invalid multipart data."
    assert preamble.pulled == 1

    many = CountingReceive([b'--B\r\nContent-Disposition: form-data; name="a"\r\n'] + [b"X-A: b\r\n"] * 1000)
    assert (await refused(request_for(MULTIPART, many))) == "Invalid multipart data."
    assert many.pulled < 20

    huge = CountingReceive([b"--B\r\nX-A: "] + [b"b" * 1024] * 1000)
    assert (await refused(request_for(MULTIPART, huge))) == "Invalid multipart data."
    assert huge.pulled < 10


@pytest.mark.anyio
async def test_epilogue_is_not_buffered() -> None:
    receive = CountingReceive([field(b"a", b"1") + b"--B--\r\n"] + [b"e" * 1024] * 2000)
    form = await request_for(MULTIPART, receive).form()
    assert form.multi_items() == [("a", "1")]
    assert receive.pulled == 2001


@pytest.mark.anyio
async def test_semicolon_is_not_an_urlencoded_separator() -> None:
    form = await request_for(URLENCODED, CountingReceive([b"a=1;b=2&c=3"])).form()
    assert form.multi_items() == [("a", "1;b=2"), ("c", "3")]


@pytest.mark.anyio
async def test_rfc2231_parameters_cannot_smuggle_a_second_filename() -> None:
    for disposition in (
        b'form-data; name="f"; filename*=UTF-8\'\'evil.sh; filename="good.txt"',
        b'form-data; name="f"; filename="good.txt"; filename*=UTF-8\'\'evil.sh',
    ):
        body = b"--B\r\nContent-Disposition: " + disposition + b"\r\n\r\nx\r\n--B--\r\n"
        form = await request_for(MULTIPART, CountingReceive([body])).form()
        uploaded = form["f"]
        assert isinstance(uploaded, UploadFile)
        assert uploaded.filename == "good.txt"
        await form.close()


@pytest.mark.anyio
@pytest.mark.parametrize("length", [b"-1", b"0", b"banana", b"99999999999999999999"])
async def test_bogus_content_length_is_ignored(length: bytes) -> None:
    receive = CountingReceive([b"a=1&", b"b=2"])
    form = await request_for(URLENCODED, receive, (b"content-length", length)).form()
    assert form.multi_items() == [("a", "1"), ("b", "2")]


@pytest.mark.anyio
async def test_upload_filename_never_becomes_a_path_on_disk(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MultiPartParser, "spool_max_size", 1)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    body = upload(b"f", b"../../escape.txt", b"payload") + upload(b"g", b"/abs/escape.txt", b"payload") + b"--B--\r\n"
    form = await request_for(MULTIPART, CountingReceive([body])).form()
    names = {file.filename for _, file in form.multi_items() if isinstance(file, UploadFile)}
    assert names == {"../../escape.txt", "/abs/escape.txt"}
    for _, uploaded in form.multi_items():
        assert isinstance(uploaded, UploadFile)
        assert uploaded.file._rolled  # type: ignore[attr-defined]
        assert "escape" not in str(uploaded.file.name)  # type: ignore[attr-defined]
    assert not (tmp_path.parent / "escape.txt").exists()
    assert not any("escape" in name for name in os.listdir(tmp_path))
    await form.close()
