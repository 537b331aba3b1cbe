"""Instructions (callgrind ``Ir``) of one in-process websocket echo session: connect, N text messages, disconnect.

    python bench/ws_ir.py                          # floor, starlette_c, starlette_c pure, starlette
    python bench/ws_ir.py --targets starlette_c --messages 100 --small 2 --large 12

Each target runs under ``valgrind --tool=callgrind`` twice, echoing ``--small`` then ``--large`` sessions after
the same start-up and warm-up; the difference divided by the extra sessions is the cost of one session. Targets:

- ``floor``: a bare ASGI endpoint echoing each message;
- ``starlette_c`` / ``starlette_c-pure`` (``STARLETTE_C_PURE=1``): this repository, a ``WebSocketRoute`` whose
  endpoint accepts and echoes ``iter_text`` with ``send_text``;
- ``starlette``: the same app on the installed Starlette;
- ``blacksheep``: a ``receive_text`` loop on BlackSheep, run by ``--blacksheep-python`` (skipped without it).

``--loop receive`` uses a ``receive_text`` loop ended by ``WebSocketDisconnect`` instead of ``iter_text``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("floor", "starlette_c", "starlette_c-pure", "starlette", "blacksheep")
SCOPE: dict[str, Any] = {
    "type": "websocket",
    "asgi": {"version": "3.0", "spec_version": "2.4"},
    "http_version": "1.1",
    "scheme": "ws",
    "path": "/ws",
    "raw_path": b"/ws",
    "query_string": b"",
    "root_path": "",
    "headers": [(b"host", b"127.0.0.1:8000"), (b"sec-websocket-version", b"13")],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8000),
    "subprotocols": [],
}


async def floor_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": message["text"]})


async def blacksheep_app() -> Any:
    from blacksheep import Application
    from blacksheep.server.websocket import WebSocketDisconnectError

    app = Application()

    @app.router.ws("/ws")
    async def echo(websocket: Any) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except WebSocketDisconnectError:
            pass

    await app.start()
    return app


def framework_app(target: str, loop: str) -> Any:
    if target == "starlette":
        from starlette.applications import Starlette
        from starlette.routing import WebSocketRoute
        from starlette.websockets import WebSocketDisconnect
    else:
        from starlette_c.applications import Starlette  # type: ignore[assignment]
        from starlette_c.routing import WebSocketRoute  # type: ignore[assignment]
        from starlette_c.websockets import WebSocketDisconnect  # type: ignore[assignment]

    async def iter_echo(websocket: Any) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)

    async def receive_echo(websocket: Any) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except WebSocketDisconnect:
            pass

    return Starlette(routes=[WebSocketRoute("/ws", iter_echo if loop == "iter" else receive_echo)])


async def session(app: Any, texts: list[str]) -> list[dict[str, Any]]:
    incoming: list[dict[str, Any]] = [{"type": "websocket.connect"}]
    incoming += [{"type": "websocket.receive", "text": text} for text in texts]
    incoming.append({"type": "websocket.disconnect", "code": 1000, "reason": ""})
    next_message = iter(incoming).__next__
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next_message()

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(dict(SCOPE), receive, send)
    return sent


async def sessions(target: str, count: int, messages: int, loop: str) -> None:
    if target == "floor":
        app = floor_app
    elif target == "blacksheep":
        app = await blacksheep_app()
    else:
        app = framework_app(target, loop)
    texts = [f"message {index}" for index in range(messages)]
    for _ in range(count):
        sent = await session(app, texts)
        assert [message.get("text") for message in sent[1:]] == texts, sent[:3]


def worker(target: str, count: int, messages: int, loop: str) -> None:
    asyncio.run(sessions(target, 3 + count, messages, loop))


def callgrind_total(path: str) -> int:
    sys.path.insert(0, str(ROOT))
    from starlette_c.bench._measure import read_callgrind_total

    return read_callgrind_total(path)


def measure(target: str, args: argparse.Namespace) -> int:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not on PATH")
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)}
    env.pop("STARLETTE_C_PURE", None)
    if target == "starlette_c-pure":
        env["STARLETTE_C_PURE"] = "1"
    totals = []
    with tempfile.TemporaryDirectory(prefix="ws-ir-") as workdir:
        runs = []
        for count in (args.small, args.large):
            out = os.path.join(workdir, f"callgrind.{count}.out")
            python = args.blacksheep_python if target == "blacksheep" else sys.executable
            command = [valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", python, __file__]
            command += ["--worker", target, "--count", str(count), "--messages", str(args.messages)]
            command += ["--loop", args.loop]
            runs.append((subprocess.Popen(command, env=env, stderr=subprocess.PIPE), out))
        for process, out in runs:
            _, stderr = process.communicate()
            if process.returncode:
                raise SystemExit(f"{target}: worker failed\n{stderr.decode()[-3000:]}")
            totals.append(callgrind_total(out))
    return round((totals[1] - totals[0]) / (args.large - args.small))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", nargs="+", choices=TARGETS, default=list(TARGETS))
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--small", type=int, default=1)
    parser.add_argument("--large", type=int, default=5)
    parser.add_argument("--loop", choices=("iter", "receive"), default="iter")
    parser.add_argument("--blacksheep-python", help="an interpreter with blacksheep installed")
    parser.add_argument("--worker", choices=TARGETS, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.count, args.messages, args.loop)
        return
    for target in args.targets:
        if target == "blacksheep" and not args.blacksheep_python:
            continue
        print(f"{target:18} {measure(target, args):>12,} Ir per session of {args.messages} messages", flush=True)


if __name__ == "__main__":
    main()
