"""Micro-benchmark of the response twins: pure vs compiled on the per-request operations.

Run: ``python bench/micro_responses.py [--number N] [--repeat R]``. Prints the median time per call of each
operation for both twins and the speed-up (pure time / compiled time).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import timeit
from collections.abc import Callable
from types import ModuleType
from typing import Any

sys.path.insert(0, __file__.rsplit("/bench/", 1)[0])

from starlette_c._pure import responses as pure


class MemoryFile:
    """A ``ReadPieces`` over bytes in memory: ``size``-byte pieces, up to four a call."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data = data
        self.size = size

    async def __call__(self, start: int, end: int) -> list[bytes]:
        stops = range(start, min(end, start + 4 * self.size), self.size)
        return [self.data[stop : min(stop + self.size, end)] for stop in stops] or [b""]


class Chunks:
    def __init__(self, chunks: list[Any]) -> None:
        self.chunks = iter(chunks)

    def __aiter__(self) -> Chunks:
        return self

    async def __anext__(self) -> Any:
        for chunk in self.chunks:
            return chunk
        raise StopAsyncIteration


async def send(message: Any) -> None:
    pass


def run(coro: Any) -> None:
    try:
        while True:
            coro.send(None)
    except StopIteration:
        pass


def response_classes(module: ModuleType) -> tuple[type[Any], type[Any]]:
    """PlainTextResponse and JSONResponse made of ``module``'s functions, as ``starlette_c.responses`` makes them."""

    class PlainText:
        media_type = "text/plain"
        charset = "utf-8"
        __init__ = module.response_init
        render = module.response_render
        init_headers = module.response_init_headers

    class JSON(PlainText):
        media_type = "application/json"
        __init__ = module.json_response_init
        render = module.json_response_render

    return PlainText, JSON


def operations(module: ModuleType) -> dict[str, Callable[[], Any]]:
    init = module.init_raw_headers
    plain_text, json_response = response_classes(module)
    small_json = {"message": "Hello, world!"}
    headers = {"Cache-Control": "no-cache", "X-Request-Id": "abc123"}
    raw = init(None, 13, "application/json", "utf-8", 200)
    data = b"x" * (64 * 1024 * 4 + 100)
    chunks = ["hello ", b"world", memoryview(b"!")] * 4
    ranges = [(0, 100), (1000, 2000), (5000, 9000)]
    part_headers = [b"--b\r\nContent-Range: bytes x\r\n\r\n"] * 3
    return {
        "PlainTextResponse(str)": lambda: plain_text("Hello, world!"),
        "JSONResponse(small dict)": lambda: json_response(small_json),
        "init_raw_headers(None, json)": lambda: init(None, 13, "application/json", "utf-8", 200),
        "init_raw_headers(None, text/plain)": lambda: init(None, 13, "text/plain", "utf-8", 200),
        "init_raw_headers(dict x2, text/html)": lambda: init(headers, 13, "text/html", "utf-8", 200),
        "send_stream (12 chunks)": lambda: run(module.send_stream(send, 200, raw, Chunks(chunks), "utf-8")),
        "send_file_range (4 chunks)": lambda: run(
            module.send_file_range(send, MemoryFile(data, 64 * 1024), 0, len(data), False)
        ),
        "send_file_ranges (3 parts)": lambda: run(
            module.send_file_ranges(send, MemoryFile(data, 1024), ranges, part_headers, b"--b--")
        ),
    }


def median_time(func: Callable[[], Any], number: int, repeat: int) -> float:
    return statistics.median(timeit.repeat(func, number=number, repeat=repeat)) / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20000, help="calls per timing")
    parser.add_argument("--repeat", type=int, default=15, help="timings per operation (the median is kept)")
    args = parser.parse_args()
    try:
        compiled = importlib.import_module("starlette_c._speedups.responses")
    except ImportError:
        sys.exit("starlette_c._speedups.responses is not built (python setup.py build_ext --inplace)")
    pure_ops, compiled_ops = operations(pure), operations(compiled)
    print(f"{'operation':40} {'pure (ns)':>10} {'compiled (ns)':>14} {'speed-up':>9}")
    ratios = []
    for name in pure_ops:
        pure_time = median_time(pure_ops[name], args.number, args.repeat)
        compiled_time = median_time(compiled_ops[name], args.number, args.repeat)
        ratios.append(pure_time / compiled_time)
        print(f"{name:40} {pure_time * 1e9:10.0f} {compiled_time * 1e9:14.0f} {ratios[-1]:8.2f}x")
    print(f"{'geometric mean':40} {'':10} {'':14} {statistics.geometric_mean(ratios):8.2f}x")


if __name__ == "__main__":
    main()
