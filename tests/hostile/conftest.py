"""One uvicorn process (httptools + uvloop, one worker) serving tests/hostile/app.py for the whole directory.

The mode (compiled or pure twins) follows the environment's ``STARLETTE_C_PURE``: the suite runs once per mode,
so this directory does too, and starting a second server per pass would only double the cost.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from tests.hostile.rawclient import exchange, request
from tests.servers import free_port

REPO = Path(__file__).resolve().parents[2]
LEAKS = (b"Traceback", b'File "', b'.py"', b"Exception", b"Error:", b"starlette_c", str(REPO).encode())


@dataclass
class Server:
    port: int
    pid: int
    root: Path
    tmpdir: Path

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def temp_files(self) -> int:
        return sum(len(files) for _, _, files in os.walk(self.tmpdir))

    def healthy(self) -> None:
        response = exchange(self.port, request("GET", "/health"), timeout=10)
        assert response.status == 200, response.raw[:500]
        assert response.body == b"ok"


def make_tree(base: Path) -> Path:
    root = base / "root"
    static = root / "static"
    (static / "sub").mkdir(parents=True)
    (static / "index.txt").write_text("index")
    (static / "sub" / "a.txt").write_text("a" * 300)
    (root / "secret.txt").write_text("TOPSECRET")
    (base / "outside.txt").write_text("OUTSIDESECRET")
    (static / "link.txt").symlink_to(base / "outside.txt")
    (static / "linkdir").symlink_to(root)
    (root / "big.bin").write_bytes(bytes(range(256)) * 4096)  # 1 MiB
    return root


class ServerDidNotStart(RuntimeError):
    """The hostile app's server exited or never answered /health."""


@contextmanager
def hostile_server(options: list[str], output: IO[bytes] | None = None) -> Iterator[Server]:
    """uvicorn (httptools, uvloop) serving tests/hostile/app.py over a fresh tree, until /health answers; stopped
    by its PID on exit. The server's output goes to ``output`` (inherited when None)."""
    with tempfile.TemporaryDirectory() as base_name:
        base = Path(base_name)
        root = make_tree(base)
        tmpdir = base / "tmp"
        tmpdir.mkdir()
        port = free_port()
        env = {**os.environ, "HOSTILE_ROOT": str(root), "TMPDIR": str(tmpdir), "PYTHONPATH": str(REPO)}
        argv = [sys.executable, "-m", "uvicorn", "tests.hostile.app:app", "--port", str(port)]
        argv += ["--http", "httptools", "--loop", "uvloop", *options]
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=output, stderr=output)
        try:
            srv = Server(port=port, pid=process.pid, root=root, tmpdir=tmpdir)
            deadline = time.monotonic() + 20
            while True:
                try:
                    srv.healthy()
                    break
                except (OSError, AssertionError):
                    if process.poll() is not None or time.monotonic() > deadline:
                        detail = b""
                        if output is not None:
                            output.seek(0)
                            detail = output.read()
                        raise ServerDidNotStart(f"server did not start: {detail.decode(errors='replace')}") from None
                    time.sleep(0.1)
            yield srv
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    options = ["--workers", "1", "--log-level", "critical", "--timeout-keep-alive", "2", "--ws-max-size", "65536"]
    with tempfile.TemporaryFile() as log, hostile_server(options, log) as srv:
        yield srv


@pytest.fixture(scope="session")
def baseline(server: Server) -> tuple[int, int]:
    """RSS (KiB) and open descriptors of the server right after start, before any hostile case."""
    return server.rss_kib(), server.fds()


@pytest.fixture(autouse=True)
def _take_baseline(baseline: tuple[int, int]) -> None:
    """Every test takes the baseline first, so it is measured before the first case runs."""


def assert_no_leak(raw: bytes) -> None:
    for needle in LEAKS:
        assert needle not in raw, (needle, raw[:2000])
