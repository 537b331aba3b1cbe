"""Hostile requests against routing and the body limit: a clear answer, bounded work, no leaked traceback."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest

from starlette_c.applications import Starlette
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.routing import Host, Mount, Route, Router
from tests.differential.harness import Req, run_app


async def echo(request: Request) -> Response:
    return PlainTextResponse(f"{request.url.path} {sorted(request.path_params.items())}")


async def upload(request: Request) -> Response:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
    return PlainTextResponse(str(total))


def application() -> Starlette:
    routes = [Route(f"/r{i}/{{id:int}}/{{name}}", echo) for i in range(2000)]
    routes += [
        Route("/upload", upload, methods=["POST"]),
        Mount("/files", routes=[Route("/{rest:path}", echo)]),
        Host("{sub}.example.org", app=Router([Route("/", echo)])),
    ]
    return Starlette(routes=routes, max_body_size=1024)


def serve(req: Req) -> Any:
    return anyio.run(run_app, application(), req)


@pytest.mark.parametrize(
    "path",
    [
        "/" + "a/" * 20_000,
        "/r1/" + "9" * 100_000 + "/x",
        "/files/" + "../" * 10_000,
        "/r1/1/x\n",
        "/r1/1/x\x00",
        "/" + "%2F" * 10_000,
        "/r1999/1/" + "é" * 10_000,
    ],
    ids=["deep", "huge int", "dot segments", "newline", "nul", "encoded slashes", "long unicode"],
)
def test_odd_paths_are_answered_quickly(path: str) -> None:
    # NOTE: CPU time, not wall time: on a shared machine wall time measures the other processes too.
    started = time.process_time()
    outcome = serve(Req("GET", path))
    assert outcome.exception is None and outcome.status in (200, 404, 307)
    assert b"Traceback" not in outcome.body
    assert time.process_time() - started < 5


@pytest.mark.parametrize(
    "host",
    [b"a" * 100_000 + b".example.org", b"\x00.example.org", b"x.example.org:" + b"9" * 10_000, b"[" * 1000, b"a:b:c"],
    ids=["long", "nul", "long port", "brackets", "colons"],
)
def test_odd_host_headers(host: bytes) -> None:
    outcome = serve(Req("GET", "/", headers=[(b"host", host)]))
    assert outcome.exception is None and outcome.status in (200, 404)


def test_a_body_of_many_small_chunks_is_cut_off_at_the_limit() -> None:
    outcome = serve(Req("POST", "/upload", body=[b"x"] * 5000))
    assert (outcome.status, outcome.body) == (413, b"Content Too Large")


def test_a_lying_content_length_does_not_let_a_body_through() -> None:
    outcome = serve(Req("POST", "/upload", headers=[(b"content-length", b"1")], body=[b"x" * 1000, b"x" * 1000]))
    assert outcome.status == 413
