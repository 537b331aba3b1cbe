"""Hostile ``Range`` headers against FileResponse (see security-advisories.md)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import anyio
import pytest

from starlette_c._backend import responses as _impl
from starlette_c.responses import FileResponse
from starlette_c.types import Message

pytestmark = pytest.mark.anyio

CONTENT = bytes(range(256)) * 4  # 1024 bytes


class Position(int):
    """A range position that counts the comparisons made with it: the work a merge does, whatever the machine's load."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        Position.comparisons += 1
        return int.__eq__(self, other)

    __hash__ = int.__hash__

    def __lt__(self, other: int) -> bool:
        Position.comparisons += 1
        return int.__lt__(self, other)

    def __le__(self, other: int) -> bool:
        Position.comparisons += 1
        return int.__le__(self, other)

    def __gt__(self, other: int) -> bool:
        Position.comparisons += 1
        return int.__gt__(self, other)

    def __ge__(self, other: int) -> bool:
        Position.comparisons += 1
        return int.__ge__(self, other)


@pytest.fixture
def file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(CONTENT)
    return path


async def request(
    response: FileResponse, range_header: str, method: str = "GET", if_range: str | None = None
) -> tuple[int, dict[bytes, bytes], bytes]:
    messages: list[Message] = []

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover (sleep_forever never returns)

    async def send(message: Message) -> None:
        messages.append(message)

    headers = [(b"range", range_header.encode("latin-1"))]
    if if_range is not None:
        headers.append((b"if-range", if_range.encode("latin-1")))
    scope = {"type": "http", "method": method, "headers": headers, "asgi": {"spec_version": "2.4"}}
    with anyio.fail_after(5):
        await response(scope, receive, send)
    body = b"".join(bytes(m["body"]) for m in messages[1:])
    return messages[0]["status"], dict(messages[0]["headers"]), body


async def test_ghsa_7f5h_v6xp_fcq8_merging_many_ranges_is_not_quadratic(
    file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 100 overlapping ranges given in the worst order for a naive merge, then a header with thousands of parts.
    header = "bytes=" + ",".join(f"{i}-{i + 1}" for i in range(99, -1, -1))
    status, headers, body = await request(FileResponse(file), header)
    assert status == 206
    assert headers[b"content-range"] == b"bytes 0-100/1024"
    assert body == CONTENT[:101]

    many = "bytes=" + ",".join(f"{2 * i}-{2 * i}" for i in range(20_000))
    assert len(_impl.parse_byte_ranges(many.partition("=")[2], 10**9)) == 20_000
    # The whole file, without parsing or merging a part: a header past max_ranges costs no work that grows with it.
    calls: list[str] = []
    for name in ("parse_byte_ranges", "merge_ranges"):
        monkeypatch.setattr(_impl, name, lambda *args, name=name: calls.append(name))
    status, _, body = await request(FileResponse(file), many)
    assert (status, body, calls) == (200, CONTENT, [])


@pytest.mark.parametrize("order", ["descending", "shuffled"])
def test_merge_is_sort_then_merge(order: str) -> None:
    ranges = ",".join(f"{i * 3}-{i * 3 + 1}" for i in range(50, 0, -1)) + ",0-200"
    assert _impl.merge_ranges(_impl.parse_byte_ranges(ranges, 1024)) == [(0, 201)]
    disjoint = ",".join(f"{i * 3}-{i * 3}" for i in range(99, -1, -1))
    expected = [(i * 3, i * 3 + 1) for i in range(100)]
    assert _impl.merge_ranges(_impl.parse_byte_ranges(disjoint, 1024)) == expected

    # Overlapping ranges, in the worst order for a naive merge or shuffled: the comparisons are those of a sort
    # (n log2 n pair comparisons, two positions each) and of one pass (measured: 40k and 260k here); a quadratic
    # merge needs about n**2 / 2 (50M).
    n = 10_000
    pairs: list[tuple[int, int]] = [(Position(i), Position(i + 2)) for i in range(n, 0, -1)]
    if order == "shuffled":
        random.Random(0).shuffle(pairs)
    Position.comparisons = 0
    assert _impl.merge_ranges(pairs) == [(1, n + 2)]
    assert 0 < Position.comparisons <= 3 * n * math.ceil(math.log2(n))


async def test_at_most_100_ranges(file: Path) -> None:
    hundred = "bytes=" + ",".join(f"{3 * i}-{3 * i}" for i in range(100))
    status, headers, body = await request(FileResponse(file), hundred)
    assert status == 206
    assert headers[b"content-type"].startswith(b"multipart/byteranges; boundary=")
    assert body.count(b"Content-Range: bytes ") == 100

    # NOTE: as in Starlette 1.10, the parts are counted before parsing: empty and unparsable ones count too.
    for too_many in (
        "bytes=" + ",".join(f"{3 * i}-{3 * i}" for i in range(101)),
        "bytes=0-1" + "," * 100,
        "bytes=5-1" + ",x" * 100,
    ):
        status, headers, body = await request(FileResponse(file), too_many)
        assert status == 200
        assert b"content-range" not in headers
        assert body == CONTENT


@pytest.mark.parametrize("header", ["bytes=5-1", "bytes=5-4", "bytes=0-1,9-3", "bytes=9-3,0-1"])
async def test_inverted_range_is_rejected(file: Path, header: str) -> None:
    status, headers, body = await request(FileResponse(file), header)
    assert (status, body) == (400, b"Range header: start must be less than end")


async def test_unsatisfiable_beats_inverted(file: Path) -> None:
    status, headers, body = await request(FileResponse(file), "bytes=5-1,2000-3000")
    assert (status, headers[b"content-range"], body) == (416, b"bytes */1024", b"")


@pytest.mark.parametrize("header", ["bytes=-2000", "bytes=-" + "9" * 30, "bytes=-" + "1" * 5000])
async def test_oversized_suffix_range_clamps_to_the_file(file: Path, header: str) -> None:
    status, headers, body = await request(FileResponse(file), header)
    assert (status, headers[b"content-range"], body) == (206, b"bytes 0-1023/1024", CONTENT)


async def test_huge_positions_do_not_crash(file: Path) -> None:
    status, headers, body = await request(FileResponse(file), "bytes=1000-" + "9" * 5000)
    assert (status, headers[b"content-range"], body) == (206, b"bytes 1000-1023/1024", CONTENT[1000:])
    status, headers, _ = await request(FileResponse(file), "bytes=" + "9" * 5000 + "-")
    assert (status, headers[b"content-range"]) == (416, b"bytes */1024")
    status, headers, _ = await request(FileResponse(file), "bytes=" + "0" * 5000 + "1-2")
    assert (status, headers[b"content-range"]) == (206, b"bytes 1-2/1024")


async def test_multi_range_on_a_file_that_shrank_terminates(file: Path) -> None:
    stat_result = file.stat()
    file.write_bytes(CONTENT[:10])
    response = FileResponse(file, stat_result=stat_result)
    response.chunk_size = 7
    # NOTE: as in Starlette 1.10: the multipart body is left unfinished and the server told why.
    with pytest.raises(RuntimeError, match="is shorter than expected"):
        await request(response, "bytes=0-3,500-600,900-")
    status, _, body = await request(response, "bytes=5-600")
    assert (status, body) == (206, CONTENT[5:10])


async def test_weak_etags_never_satisfy_if_range(file: Path) -> None:
    response = FileResponse(file, headers={"etag": 'W/"v1"'})
    status, _, body = await request(response, "bytes=0-1", if_range='W/"v1"')
    assert (status, body) == (200, CONTENT)
    response = FileResponse(file, headers={"etag": '"v1"'})
    status, _, body = await request(response, "bytes=0-1", if_range='"v1"')
    assert (status, body) == (206, CONTENT[:2])


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
async def test_range_only_for_get_and_head(file: Path, method: str) -> None:
    status, headers, body = await request(FileResponse(file), "bytes=0-1", method=method)
    assert (status, body) == (200, CONTENT)
    assert b"content-range" not in headers
    status, _, body = await request(FileResponse(file), "bytes=0-1", method="head")
    assert (status, body) == (206, b"")
