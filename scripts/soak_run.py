"""Soak: serve tests/hostile/app.py with uvicorn (or granian, or hypercorn on trio), drive load at rotating
endpoints, watch its RSS.

``python scripts/soak_run.py [minutes]`` (scripts/soak wraps it). Load comes from wrk when installed (one Lua
script rotating the endpoints), else from an asyncio generator here. Exits non-zero on any error response,
transport error, or RSS growth past ``SOAK_RSS_BOUND_MIB`` (default 5) after the warm-up (the first fifth).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.hostile.conftest import Server, ServerDidNotStart, hostile_server  # noqa: E402

ENDPOINTS = [
    ("GET", "/health", b""),
    ("GET", "/plain", b""),
    ("GET", "/conv/int/42", b""),
    ("GET", "/conv/uuid/12345678-1234-5678-1234-567812345678", b""),
    ("GET", "/conv/path/a/b/c", b""),
    ("POST", "/json", b'{"a": [1, 2, 3]}'),
    ("POST", "/form", b"a=1&b=2"),
    ("GET", "/static/index.txt", b""),
    ("GET", "/static/sub/a.txt", b""),
    ("GET", "/stream?n=50", b""),
    ("GET", "/session/set?user=soak", b""),
    ("GET", "/background", b""),
    ("GET", "/redirect-relative", b""),
]
CONTENT_TYPES = {"/json": "application/json", "/form": "application/x-www-form-urlencoded"}


def wrk_script(path: Path) -> None:
    rows = []
    for method, target, body in ENDPOINTS:
        ctype = CONTENT_TYPES.get(target.split("?")[0], "text/plain")
        rows.append(f'{{"{method}", "{target}", [[{body.decode()}]], "{ctype}"}}')
    path.write_text(
        "local reqs = {" + ",\n".join(rows) + "}\nlocal i = 0\n"
        "request = function()\n  i = i % #reqs + 1\n  local r = reqs[i]\n"
        '  local body = nil\n  if r[1] == "POST" then body = r[3] end\n'
        '  return wrk.format(r[1], r[2], {["Content-Type"] = r[4]}, body)\nend\n'
        "errors = 0\nresponse = function(status, headers, body)\n"
        "  if status >= 400 then errors = errors + 1 end\nend\n"
        'done = function(summary, latency, requests)\n  io.write(string.format("BAD_STATUS %d\\n", errors))\nend\n'
    )


async def python_load(port: int, seconds: float, concurrency: int, stats: dict[str, int]) -> None:
    stop = time.monotonic() + seconds

    async def worker(offset: int) -> None:
        i = offset
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < stop:
                method, target, body = ENDPOINTS[i % len(ENDPOINTS)]
                i += 1
                ctype = CONTENT_TYPES.get(target.split("?")[0], "text/plain")
                head = f"{method} {target} HTTP/1.1\r\nHost: soak\r\nContent-Type: {ctype}\r\n"
                head += f"Content-Length: {len(body)}\r\n\r\n"
                writer.write(head.encode() + body)
                status_line = await reader.readline()
                if not status_line:
                    raise ConnectionError("the server hung up instead of answering")
                status = int(status_line.split()[1])
                length, chunked, closing = -1, False, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "transfer-encoding" and "chunked" in value:
                        chunked = True
                    elif name.lower() == "connection" and "close" in value.lower():
                        closing = True
                if chunked:
                    while True:
                        size = int((await reader.readline()).split(b";")[0], 16)
                        await reader.readexactly(size + 2)
                        if size == 0:
                            break
                elif length >= 0:
                    await reader.readexactly(length)
                stats["requests"] += 1
                if status >= 400:
                    stats["bad_status"] += 1
                if closing:
                    # NOTE: a server may end a kept connection with a response (hypercorn does after 1,000 requests).
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except (OSError, ValueError, asyncio.IncompleteReadError):
            stats["transport_errors"] += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker(n) for n in range(concurrency)))


def run_load(server: Server, minutes: float, interval: float) -> tuple[list[tuple[float, int, int]], dict[str, int]]:
    """Drive ``minutes`` of load at the server, sampling its RSS and descriptors every ``interval`` seconds."""
    base, port, seconds = server.root.parent, server.port, minutes * 60
    mode = "pure" if os.environ.get("STARLETTE_C_PURE") == "1" else "compiled"
    samples: list[tuple[float, int, int]] = []
    start = time.monotonic()
    stats = {"requests": 0, "bad_status": 0, "transport_errors": 0, "load_errors": 0}
    wrk = None if os.environ.get("SOAK_LOAD") == "python" else shutil.which("wrk")

    def drive() -> None:
        if wrk:
            script = base / "rotate.lua"
            wrk_script(script)
            out = subprocess.run(
                [wrk, "-t1", "-c16", f"-d{int(seconds)}s", "-s", str(script), f"http://127.0.0.1:{port}/"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            for line in out.splitlines():
                words = line.split()
                if "requests in" in line:
                    stats["requests"] = int(words[0])
                elif line.startswith("BAD_STATUS"):
                    stats["bad_status"] = int(words[1])
                elif "Socket errors" in line:
                    stats["transport_errors"] = sum(int(w.rstrip(",")) for w in words if w.rstrip(",").isdigit())
                elif "Non-2xx or 3xx" in line:
                    stats["bad_status"] = max(stats["bad_status"], int(words[-1]))
            print(out)
        else:
            try:
                asyncio.run(python_load(port, seconds, 16, stats))
            except Exception:
                # NOTE: a load generator that breaks must fail the soak, not end it early as a pass.
                stats["load_errors"] += 1
                traceback.print_exc()

    loader = threading.Thread(target=drive)
    loader.start()
    load = "wrk" if wrk else "asyncio generator"
    print(f"soak: {minutes} min, {server.kind}, {mode} twins, load by {load}, pid {server.pid}")
    print(f"{'t (s)':>7} {'RSS (MiB)':>10} {'fds':>5}")
    while loader.is_alive():
        elapsed = time.monotonic() - start
        samples.append((elapsed, server.rss_kib(), server.fds()))
        print(f"{elapsed:7.1f} {samples[-1][1] / 1024:10.1f} {samples[-1][2]:5d}", flush=True)
        loader.join(timeout=interval)
    samples.append((time.monotonic() - start, server.rss_kib(), server.fds()))
    print(f"{samples[-1][0]:7.1f} {samples[-1][1] / 1024:10.1f} {samples[-1][2]:5d}")
    server.healthy()
    return samples, stats


# Warnings and errors, no access log; hypercorn logs no access by default and takes its log level from
# tests/hostile/hypercorn.toml.
SERVER_OPTIONS = {
    "uvicorn": ["--log-level", "warning", "--no-access-log"],
    "granian": ["--log-level", "warning", "--no-access-log"],
    "hypercorn-trio": [],
}


def main() -> int:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    bound_kib = int(float(os.environ.get("SOAK_RSS_BOUND_MIB", "5")) * 1024)
    interval = float(os.environ.get("SOAK_SAMPLE_SECONDS", "5"))
    seconds = minutes * 60
    kind = os.environ.get("SOAK_SERVER", "uvicorn")
    try:
        with hostile_server(kind, SERVER_OPTIONS[kind]) as server:
            samples, stats = run_load(server, minutes, interval)
    except ServerDidNotStart as exc:
        print(exc, file=sys.stderr)
        return 2
    warm = [rss for t, rss, _ in samples if t >= seconds / 5] or [samples[-1][1]]
    growth = max(warm) - warm[0]
    rate = stats["requests"] / seconds
    print(f"requests {stats['requests']} ({rate:.0f}/s), bad status {stats['bad_status']}, ", end="")
    print(f"transport errors {stats['transport_errors']}, load generator errors {stats['load_errors']}, ", end="")
    print(f"RSS growth after warm-up {growth / 1024:.2f} MiB")
    first, last, top = samples[0][1] / 1024, samples[-1][1] / 1024, max(rss for _, rss, _ in samples) / 1024
    print(f"RSS (MiB): start {first:.1f}, after warm-up {warm[0] / 1024:.1f}, end {last:.1f}, max {top:.1f}")
    errors = stats["bad_status"] + stats["transport_errors"] + stats["load_errors"]
    failed = errors or growth > bound_kib or not stats["requests"]
    print("FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
