"""FileResponse end to end under granian, a server that announces the ASGI ``http.response.pathsend`` extension."""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port, serving

pytest.importorskip("granian", reason="granian (an ASGI server with the pathsend extension) is not installed")

ROOT = Path(__file__).resolve().parent.parent

APP = """
import os

from starlette_c.responses import FileResponse, JSONResponse

SENT = []


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] == "/sent":
        sent = SENT.copy()
        SENT.clear()
        await JSONResponse(sent)(scope, receive, send)
        return

    async def recording_send(message):
        SENT.append(message["type"])
        await send(message)

    await FileResponse(os.environ["SERVED_FILE"])(scope, receive, recording_send)
"""


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as answer:
        return answer.status, dict(answer.headers), answer.read()


def test_whole_file_goes_by_pathsend_ranges_by_body(tmp_path: Path) -> None:
    content = os.urandom(3 * 1024 * 1024 + 17)
    served = tmp_path / "big.bin"
    served.write_bytes(content)
    (tmp_path / "pathsend_app.py").write_text(APP)
    port = free_port()
    argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", "1", "pathsend_app:app"]
    env = {"SERVED_FILE": str(served), "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    with serving(argv, port=port, cwd=tmp_path, env=env) as base:
        status, headers, body = fetch(base)
        assert (status, headers["content-length"], body == content) == (200, str(len(content)), True)
        assert fetch(base + "sent")[2].endswith(b'"http.response.start","http.response.pathsend"]')
        status, headers, body = fetch(base, {"Range": "bytes=10-19"})
        assert (status, headers["content-range"], body) == (206, f"bytes 10-19/{len(content)}", content[10:20])
        assert fetch(base + "sent")[2] == b'["http.response.start","http.response.body"]'
