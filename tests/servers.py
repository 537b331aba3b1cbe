"""Start a real server process on a free loopback port for a test, and always stop it."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(argv: list[str], *, port: int, cwd: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``argv`` (which must listen on ``port``) until ``/`` answers; yield the base URL."""
    base_url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **(env or {})}, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    urllib.request.urlopen(base_url, timeout=2).close()
                    break
                except OSError:
                    if server.poll() is not None:
                        log.seek(0)
                        raise RuntimeError(f"server exited: {log.read().decode(errors='replace')}") from None
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=10)
