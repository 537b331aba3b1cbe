"""End-to-end figures: one target's app served by uvicorn (httptools, uvloop, one worker) or by granian (its
ASGI interface, uvloop, one worker), loaded by wrk.

The server and wrk share the machine: wrk gets one thread, the server its single worker process. With two CPUs
or more, each is held to a CPU of its own (the server the first, wrk the second), so they do not trade places.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scenarios import Scenario
from targets import BENCH_DIR, Target, target_environ

SERVERS = ("uvicorn", "granian")
# The entry of a scenario's results that holds each server's requests/s.
RPS_KEYS = {"uvicorn": "rps", "granian": "rps_granian"}
WRK_MISSING = "wrk is not installed: end-to-end figures skipped (Debian/Ubuntu: apt-get install -y wrk)"


@dataclass(frozen=True)
class LoadSettings:
    duration: int  # seconds of measured load per scenario
    warmup: int  # seconds of unmeasured load first
    connections: int = 32


@dataclass(frozen=True)
class EndToEnd:
    requests_per_second: float
    peak_rss_kib: int  # the server process's high-water mark (VmHWM), after the load
    errors: int  # socket errors plus unexpected statuses reported by wrk


def cpu_split(available: set[int]) -> tuple[set[int], set[int]] | None:
    """The CPUs for the server and for wrk out of ``available``: one each, or None when there is only one."""
    if len(available) < 2:
        return None
    first, second = sorted(available)[:2]
    return {first}, {second}


def _held_to(which: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` holding the child to its CPU of the split (0: the server, 1: wrk), when there is a split."""
    # NOTE: pinned, the server and wrk cannot migrate onto one core; the req/s of two runs vary far less.
    split = cpu_split(os.sched_getaffinity(0)) if hasattr(os, "sched_setaffinity") else None
    if split is None:
        return None
    cpus = split[which]
    return lambda: os.sched_setaffinity(0, cpus)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wrk_script(scenario: Scenario) -> str:
    """The Lua that makes wrk send the scenario's method, headers and body."""
    lines = [f"wrk.method = {lua_string(scenario.method)}"]
    for name, value in scenario.headers:
        if name.lower() != b"content-length":  # wrk computes it
            lines.append(f"wrk.headers[{lua_string(name.decode())}] = {lua_string(value.decode())}")
    if scenario.body:
        lines.append(f"wrk.body = {lua_string(scenario.body.decode())}")
    if scenario.variants:
        # NOTE: each request the next of the scenario's paths, as in-process (no per-path cache measured).
        head, _, tail = scenario.url_path.partition("{n}")
        lines += [
            "counter = 0",
            "request = function()",
            "  counter = counter + 1",
            f"  return wrk.format(nil, {lua_string(head)} .. (counter % {scenario.variants}) .. {lua_string(tail)})",
            "end",
        ]
    return "\n".join(lines) + "\n"


def lua_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
    return '"' + escaped + '"'


def parse_wrk(output: str) -> tuple[float, int, int]:
    """Requests/s, socket errors and non-2xx/3xx responses from wrk's report."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if rate is None:
        raise RuntimeError(f"no Requests/sec in wrk output:\n{output}")
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return (
        float(rate.group(1)),
        sum(int(count) for count in socket_errors.groups()) if socket_errors else 0,
        int(non_2xx.group(1)) if non_2xx else 0,
    )


def peak_rss_kib(pid: int) -> int:
    """The process's high-water resident set size, from /proc (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def fetch(port: int, scenario: Scenario) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {name.decode(): value.decode() for name, value in scenario.headers}
        connection.request(scenario.method, scenario.url_path, body=scenario.body or None, headers=headers)
        response = connection.getresponse()
        body = response.read()
        raw_headers = [(name.lower().encode(), value.encode()) for name, value in response.getheaders()]
        # NOTE: http.client does not decompress; the scenarios' bodies are below GZip's minimum size.
        return response.status, raw_headers, body
    finally:
        connection.close()


def server_command(server: str, python: Path, app: str, port: int) -> list[str]:
    """The command serving ``app`` (``module:attr``) on 127.0.0.1:``port`` with one worker, access log off."""
    if server == "uvicorn":
        command = [str(python), "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
        return command + ["--http", "httptools", "--loop", "uvloop", "--log-level", "warning", "--no-access-log"]
    if server == "granian":
        command = [str(python), "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
        return command + ["--workers", "1", "--loop", "uvloop", "--log-level", "warning", "--no-access-log", app]
    raise ValueError(f"unknown server {server!r}; choose from {SERVERS}")


class Server:
    """``apps.<module>:<attr>`` served in the target's interpreter, on a free port."""

    def __init__(self, target: Target, python: Path, app_attr: str, server: str = "uvicorn") -> None:
        self.port = free_port()
        command = server_command(server, python, f"apps.{target.app_module}:{app_attr}", self.port)
        # NOTE: a session of its own, so that granian's worker process is stopped with it (by this group's id).
        self.process = subprocess.Popen(
            command, cwd=BENCH_DIR, env=target_environ(target), start_new_session=True, preexec_fn=_held_to(0)
        )

    def wait_ready(self, timeout: float = 600.0) -> None:
        wait_listening(self.process, self.port, timeout)

    def stop(self) -> None:
        stop_group(self.process)


def wait_listening(process: subprocess.Popen[bytes], port: int, timeout: float = 600.0) -> None:
    """Return once ``process`` accepts connections on 127.0.0.1:``port``; an error if it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not listen within {timeout}s")


def stop_group(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGINT to the process group that ``process`` leads (started with a session of its own), SIGKILL after
    ``timeout`` seconds."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_wrk(wrk: str, port: int, scenario: Scenario, duration: int, connections: int) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(scenario))
    try:
        command = [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "-s", script.name]
        command.append(f"http://127.0.0.1:{port}{scenario.url_path}")
        return subprocess.run(command, capture_output=True, text=True, check=True, preexec_fn=_held_to(1)).stdout
    finally:
        os.unlink(script.name)


def measure_scenario(
    wrk: str, target: Target, python: Path, scenario: Scenario, settings: LoadSettings, server_name: str = "uvicorn"
) -> EndToEnd:
    """A fresh server for the scenario (so its peak RSS is this scenario's), checked, warmed up, then loaded."""
    server = Server(target, python, scenario.app_attr, server_name)
    try:
        server.wait_ready()
        problem = scenario.variant(7).check(*fetch(server.port, scenario.variant(7)))
        if problem is not None:
            raise RuntimeError(f"wrong answer over HTTP: {problem}")
        if settings.warmup:
            run_wrk(wrk, server.port, scenario, settings.warmup, settings.connections)
        rate, socket_errors, unexpected = parse_wrk(
            run_wrk(wrk, server.port, scenario, settings.duration, settings.connections)
        )
        # NOTE: wrk counts every status >= 400 as an error, the 404 scenario's expected answers too.
        errors = socket_errors + (unexpected if scenario.status < 400 else 0)
        return EndToEnd(rate, peak_rss_kib(server.process.pid), errors)
    finally:
        server.stop()
