"""FileResponse transfers of large files, compared with the reference message for message (not only the body).

``chunk_size`` is the size of each body message in both; starlette_c reads several chunks per worker-thread hop,
which must not show in what is sent. The one documented difference: the reference ends a body whose length is a
multiple of the chunk size with an extra empty message; both sides are compared with that message folded away.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.differential.harness import Namespace, Req

SIZE = 1024 * 1024 + 123
PATHSEND: dict[str, Any] = {"extensions": {"http.response.pathsend": {}}}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "big.bin"
    path.write_bytes(os.urandom(SIZE))
    return path


@pytest.fixture(autouse=True)
def fixed_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    import starlette.responses

    import starlette_c.responses

    for module in (starlette.responses, starlette_c.responses):
        monkeypatch.setattr(module, "token_hex", lambda n: "b" * (2 * n))


def fold_trailing_empty(messages: list[Any]) -> list[Any]:
    """``messages`` with a final empty body message folded into the one before it (the documented difference)."""
    last = messages[-1] if messages else None
    if len(messages) > 2 and last == ("http.response.body", b"", False) and messages[-2][0] == "http.response.body":
        return [*messages[:-2], (*messages[-2][:2], False)]
    return messages


async def transcript(app: Any, req: Req) -> list[Any]:
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover (sleep_forever never returns)

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = sorted((k, v) for k, v in message["headers"] if k != b"date")
            sent.append((message["type"], message["status"], headers))
        elif message["type"] == "http.response.body":
            sent.append((message["type"], bytes(message.get("body", b"")), message.get("more_body", False)))
        else:
            sent.append((message["type"], message["path"]))

    await app(req.scope(), receive, send)
    return fold_trailing_empty(sent)


def compare(build: Callable[[Namespace], Any], requests: list[Req]) -> None:
    for backend in ("asyncio", "trio"):
        for req in requests:
            reference, ours = (
                anyio.run(transcript, build(Namespace(package)), req, backend=backend)
                for package in ("starlette", "starlette_c")
            )
            assert len(ours) == len(reference), (backend, req)
            assert ours == reference, (backend, req)


def ranged(header: str, **scope: Any) -> Req:
    return Req(headers=[(b"range", header.encode())], extra_scope=scope)


RANGES = [
    "bytes=0-",
    "bytes=0-131071",
    "bytes=5-300000",
    "bytes=-700000",
    "bytes=262000-263000",
    "bytes=0-9,262140-262150,-5",
]


@pytest.mark.parametrize("chunk_size", [None, 7, 1000, 65536 * 5, SIZE * 2])
def test_large_file_messages(big: Path, chunk_size: int | None) -> None:
    def build(ns: Namespace) -> Any:
        response = ns.responses.FileResponse(str(big))
        if chunk_size is not None:
            response.chunk_size = chunk_size
        return response

    requests = [Req(), Req("HEAD"), *(ranged(header) for header in RANGES)]
    if chunk_size == 7:  # NOTE: a reference read per 7 bytes: only the short ranges.
        requests = [ranged(RANGES[-1]), ranged("bytes=262141-262150")]
    compare(build, requests)


def test_large_file_with_known_stat(big: Path) -> None:
    found = big.stat()
    compare(lambda ns: ns.responses.FileResponse(big, stat_result=found, status_code=404), [Req(), ranged("bytes=0-1")])


def test_pathsend_only_for_a_whole_file(big: Path) -> None:
    stat = big.stat()
    requests = [
        Req(extra_scope=PATHSEND),
        Req("HEAD", extra_scope=PATHSEND),
        ranged("bytes=0-9", **PATHSEND),
        ranged("bytes=0-9,20-29", **PATHSEND),
        ranged("bytes=x", **PATHSEND),
        ranged(f"bytes={SIZE}-", **PATHSEND),
        Req(headers=[(b"range", b"bytes=0-9"), (b"if-range", b'"other"')], extra_scope=PATHSEND),
        Req("POST", headers=[(b"range", b"bytes=0-9")], extra_scope=PATHSEND),
    ]
    compare(lambda ns: ns.responses.FileResponse(str(big)), requests)
    compare(lambda ns: ns.responses.FileResponse(str(big), status_code=404), requests[:3])
    compare(lambda ns: ns.responses.FileResponse(big, stat_result=stat), requests[:3])


def test_before_asgi_24(big: Path) -> None:
    old = {"asgi": {"version": "3.0", "spec_version": "2.0"}}
    compare(lambda ns: ns.responses.FileResponse(str(big)), [Req(extra_scope=old), ranged("bytes=0-9,-9", **old)])


def test_static_files(big: Path) -> None:
    def build(ns: Namespace) -> Any:
        return ns.staticfiles.StaticFiles(directory=big.parent)

    requests = [Req(path="/big.bin"), Req("HEAD", path="/big.bin"), Req(path="/big.bin", extra_scope=PATHSEND)]
    requests.append(Req(path="/big.bin", headers=[(b"range", b"bytes=1-2,300000-300001")]))
    compare(build, requests)
