"""One server process serving tests/hostile/app.py per server kind: uvicorn (httptools + uvloop), granian, and
hypercorn with its trio worker (the app on trio under a real server).

Every case runs against each kind (a kind's cases are skipped when its server is not installed). The mode
(compiled or pure twins) follows the environment's ``STARLETTE_C_PURE``: the suite runs once per mode, so this
directory does too.
"""

from __future__ import annotations

import importlib.util
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


APP = "tests.hostile.app:app"
# The command line of each server kind, without the port; one worker keeps the app in one process whose memory
# and descriptors the cases measure (granian and hypercorn run it in a child of the process started here).
COMMANDS = {
    "uvicorn": ["uvicorn", APP, "--http", "httptools", "--loop", "uvloop", "--workers", "1"],
    "granian": ["granian", "--interface", "asgi", "--loop", "uvloop", "--workers", "1", APP],
    "hypercorn-trio": ["hypercorn", "--config", str(Path(__file__).with_name("hypercorn.toml")), APP],
}
# What the cases add: quiet logs, idle keep-alive connections closed after 2 s, websocket messages up to 64 KiB
# (granian has no such limit to set; hypercorn's are in its config file, which its command line cannot set).
TEST_OPTIONS = {
    "uvicorn": ["--log-level", "critical", "--timeout-keep-alive", "2", "--ws-max-size", "65536"],
    "granian": ["--log-level", "critical", "--no-access-log", "--http1-header-read-timeout", "2000"],
    "hypercorn-trio": [],
}


@dataclass
class Server:
    kind: str
    port: int
    pid: int  # the process running the app
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
        assert Path(f"/proc/{self.pid}").exists(), f"{self.kind} worker {self.pid} is gone"
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


def app_process(pid: int, kind: str) -> int:
    """The PID of the process running the app: uvicorn's own, or the one worker child of granian and hypercorn
    (beside hypercorn's worker, multiprocessing starts its resource tracker)."""
    if kind == "uvicorn":
        return pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = [child for child in children if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()]
    assert len(workers) == 1, children
    return int(workers[0])


@contextmanager
def hostile_server(kind: str, options: list[str], output: IO[bytes] | None = None) -> Iterator[Server]:
    """``kind`` (a key of COMMANDS) serving tests/hostile/app.py over a fresh tree, until /health answers; stopped
    by its PID on exit. The server's output goes to ``output`` (inherited when None)."""
    with tempfile.TemporaryDirectory() as base_name:
        base = Path(base_name)
        root = make_tree(base)
        tmpdir = base / "tmp"
        tmpdir.mkdir()
        port = free_port()
        env = {**os.environ, "HOSTILE_ROOT": str(root), "TMPDIR": str(tmpdir), "PYTHONPATH": str(REPO)}
        listen = ["--bind", f"127.0.0.1:{port}"] if kind.startswith("hypercorn") else ["--port", str(port)]
        argv = [sys.executable, "-m", *COMMANDS[kind], *listen, *options]
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=output, stderr=output)
        try:
            srv = Server(kind=kind, port=port, pid=process.pid, root=root, tmpdir=tmpdir)
            deadline = time.monotonic() + 20
            while True:
                try:
                    srv.healthy()
                    srv.pid = app_process(process.pid, kind)
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


@pytest.fixture(scope="session", params=sorted(COMMANDS))
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    kind: str = request.param
    if importlib.util.find_spec(kind.partition("-")[0]) is None:
        pytest.skip(f"{kind} is not installed: its hostile cases need `pip install {kind}`")
    with tempfile.TemporaryFile() as log, hostile_server(kind, TEST_OPTIONS[kind], log) as srv:
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
