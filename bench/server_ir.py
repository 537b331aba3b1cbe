"""Instructions (callgrind ``Ir``) per request of a whole server process: uvicorn serving a target's app.

    python bench/server_ir.py                                   # raw ASGI and starlette_c, plaintext and json
    python bench/server_ir.py --targets starlette_c "blacksheep 2.6.4" --scenarios 404 --small 500 --large 2500

Each target's server (uvicorn with httptools and uvloop, one worker, as in the end-to-end figures of ``run.py``)
is started twice under ``valgrind --tool=callgrind``. One keep-alive connection sends 50 warm-up requests, then
``--small`` requests of the scenario to the first server and ``--large`` to the second, one at a time, each
answer checked; SIGINT stops the server and callgrind writes its total. The difference divided by the extra
requests is what one request costs the server process: HTTP parsing, the event loop, the app and the writes.
What the requests/s of ``run.py`` also hold, callgrind does not count: the kernel's socket work, and cycles.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parent), str(BENCH_DIR)]

import e2e  # noqa: E402
from scenarios import Scenario, select_scenarios  # noqa: E402
from targets import Target, ensure_venv, select_targets, target_environ  # noqa: E402

from starlette_c.bench import _measure  # noqa: E402

WARMUP_REQUESTS = 50
DEFAULT_TARGETS = ["raw ASGI", "starlette_c"]
DEFAULT_SCENARIOS = ["plaintext", "json"]


def request_bytes(scenario: Scenario) -> bytes:
    """The scenario's request as HTTP/1.1 bytes on a keep-alive connection."""
    lines = [f"{scenario.method} {scenario.url_path} HTTP/1.1".encode(), b"host: 127.0.0.1"]
    lines += [name + b": " + value for name, value in scenario.headers if name.lower() != b"content-length"]
    if scenario.body:
        lines.append(b"content-length: " + str(len(scenario.body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + scenario.body


class Connection:
    """One keep-alive client connection that reads whole responses (``Content-Length`` or chunked bodies)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        self.buffer += data

    def _take_until(self, marker: bytes) -> bytes:
        while (end := self.buffer.find(marker)) < 0:
            self._fill()
        taken, self.buffer = self.buffer[:end], self.buffer[end + len(marker) :]
        return taken

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def exchange(self, request: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
        """Send ``request``; the status, headers (lower-cased names) and body of its response."""
        self.sock.sendall(request)
        status_line, *header_lines = self._take_until(b"\r\n\r\n").split(b"\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            chunks = []
            while size := int(self._take_until(b"\r\n").split(b";")[0], 16):
                chunks.append(self._take(size))
                self._take(2)
            self._take_until(b"\r\n")  # NOTE: the empty trailer section ends the body.
            body = b"".join(chunks)
        else:
            body = self._take(int(headers.get(b"content-length", b"0")))
        return int(status_line.split(b" ")[1]), headers, body


def send_requests(port: int, scenario: Scenario, count: int) -> None:
    """Warm-up requests, then ``count`` of the scenario over one connection; a wrong status raises."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        connection = Connection(sock)
        for number in range(WARMUP_REQUESTS + count):
            status, _, _ = connection.exchange(request_bytes(scenario.variant(number)))
            if status != scenario.status:
                raise RuntimeError(f"{scenario.name}: status {status}, expected {scenario.status}")


def server_total(valgrind: str, target: Target, python: Path, scenario: Scenario, count: int, workdir: str) -> int:
    """The Ir total of the target's server, under callgrind, having served ``count`` requests after the warm-up."""
    port = e2e.free_port()
    out_file = f"{workdir}/callgrind.{count}.out"
    command = [valgrind, "--tool=callgrind", f"--callgrind-out-file={out_file}"]
    command += e2e.server_command("uvicorn", python, f"apps.{target.app_module}:{scenario.app_attr}", port)
    env = target_environ(target)
    # NOTE: the same hash seed in both runs keeps dict and set layouts, hence their costs, equal.
    env.setdefault("PYTHONHASHSEED", "0")
    with open(f"{workdir}/stderr.{count}.log", "wb") as log:
        process = subprocess.Popen(command, cwd=BENCH_DIR, env=env, stderr=log, start_new_session=True)
    try:
        e2e.wait_listening(process, port)
        send_requests(port, scenario, count)
    finally:
        # NOTE: callgrind writes its totals on the way out, which takes a while under valgrind.
        e2e.stop_group(process, timeout=120)
    return _measure.read_callgrind_total(out_file)


def server_ir(target: Target, python: Path, scenario: Scenario, small: int, large: int) -> int:
    """Instructions one request of ``scenario`` costs the target's server process."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise _measure.ValgrindNotFoundError("valgrind is not on PATH (Debian/Ubuntu: apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="bench-server-ir-") as workdir:
        totals = [server_total(valgrind, target, python, scenario, count, workdir) for count in (small, large)]
    return round((totals[1] - totals[0]) / (large - small))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", nargs="+", metavar="TARGET", default=DEFAULT_TARGETS)
    parser.add_argument("--scenarios", nargs="+", metavar="SCENARIO", default=DEFAULT_SCENARIOS)
    parser.add_argument("--small", type=int, default=500, help="requests measured by the first run (default 500)")
    parser.add_argument("--large", type=int, default=2500, help="requests measured by the second run (default 2500)")
    parser.add_argument("--venv-dir", type=Path, default=BENCH_DIR / ".venvs", help="default: bench/.venvs/")
    parser.add_argument("--python", default=sys.executable, help="the interpreter the virtualenvs are made from")
    args = parser.parse_args(argv)
    if not 0 <= args.small < args.large:
        parser.error("--small must be at least 0 and below --large")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    targets = select_targets(args.targets)
    scenarios = [scenario for scenario in select_scenarios(args.scenarios) if not scenario.websocket]
    print("| scenario | target | server Ir per request |\n|---|---|---:|", flush=True)
    for scenario in scenarios:
        for target in targets:
            python = ensure_venv(target, args.venv_dir, args.python)
            figure = server_ir(target, python, scenario, args.small, args.large)
            print(f"| {scenario.name} | {target.name} | {figure / 1000:.1f}k |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
