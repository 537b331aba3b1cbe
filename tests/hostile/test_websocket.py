"""WebSocket protocol abuse against the echo route, over a raw socket."""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import os
import random
import socket
import struct

import pytest

from tests.hostile.conftest import Server, assert_no_leak
from tests.hostile.rawclient import connect, exchange, is_closed, read_response

HAS_WS = any(importlib.util.find_spec(name) is not None for name in ("websockets", "wsproto"))
needs_ws = pytest.mark.skipif(
    not HAS_WS, reason="uvicorn's websocket support needs the `websockets` or `wsproto` package, not installed"
)
KEY = base64.b64encode(b"0123456789abcdef").decode()


def handshake(extra: str = "", key: str = KEY, version: str = "13", path: str = "/ws") -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: {version}\r\n{extra}\r\n"
    ).encode()


def frame(opcode: int, payload: bytes, *, fin: bool = True, mask: bool = True, length: int | None = None) -> bytes:
    first = (0x80 if fin else 0) | opcode
    n = len(payload) if length is None else length
    head = bytes([first])
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    def exact(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    first, second = exact(2)
    n = second & 0x7F
    if n == 126:
        n = struct.unpack("!H", exact(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", exact(8))[0]
    return first & 0x0F, exact(n)


def opened(server: Server) -> socket.socket:
    sock = connect(server.port, 5)
    sock.sendall(handshake())
    response = read_response(sock, head_only=True)
    assert response.status == 101, response.raw
    return sock


@needs_ws
def test_echo(server: Server) -> None:
    with opened(server) as sock:
        sock.sendall(frame(0x1, "héllo".encode()))
        assert read_frame(sock) == (0x1, "héllo".encode())
        sock.sendall(frame(0x2, b"\x00\xff"))
        assert read_frame(sock) == (0x2, b"\x00\xff")
        sock.sendall(frame(0x8, struct.pack("!H", 1000)))
        assert read_frame(sock)[0] == 0x8


BAD_HANDSHAKES = [
    handshake(key=""),
    handshake(key="short"),
    handshake(key="!" * 5000),
    handshake(version="8"),
    handshake(version="99999999999999999999"),
    handshake(version=""),
    handshake(path="/nope"),
    handshake(path="/plain"),
    handshake(extra="Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=99\r\n"),
    handshake(extra="Sec-WebSocket-Protocol: " + "p," * 5000 + "\r\n"),
    b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n",
    b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: notwebsocket\r\n\r\n",
    b"POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
    + KEY.encode()
    + b"\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n",
    b"GET /ws HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
]


@pytest.mark.parametrize("payload", BAD_HANDSHAKES, ids=range(len(BAD_HANDSHAKES)))
def test_bad_handshake(server: Server, payload: bytes) -> None:
    response = exchange(server.port, payload, timeout=3)
    # Without websocket support in uvicorn the upgrade is a plain GET: 404 (no HTTP route) or 200 (/plain).
    allowed = {0, 101, 400, 403, 404, 405, 426, 431} if HAS_WS else {0, 200, 400, 404, 405}
    assert response.status in allowed, response.raw[:300]
    assert_no_leak(response.raw)
    server.healthy()


BAD_FRAMES = [
    ("oversized", frame(0x1, b"a" * 70_000)),
    ("oversized-declared", frame(0x2, b"", length=2**62)),
    ("invalid-utf8", frame(0x1, b"\xff\xfe\xc0\xaf")),
    ("truncated-utf8", frame(0x1, b"\xe2\x82")),
    ("surrogate-utf8", frame(0x1, b"\xed\xa0\x80")),
    ("unmasked", frame(0x1, b"hi", mask=False)),
    ("close-bad-code-0", frame(0x8, struct.pack("!H", 0))),
    ("close-bad-code-1005", frame(0x8, struct.pack("!H", 1005))),
    ("close-bad-code-999", frame(0x8, struct.pack("!H", 999))),
    ("close-bad-code-5000", frame(0x8, struct.pack("!H", 5000))),
    ("close-one-byte", frame(0x8, b"\x03")),
    ("close-bad-reason", frame(0x8, struct.pack("!H", 1000) + b"\xff")),
    ("reserved-opcode", frame(0x3, b"x")),
    ("reserved-control", frame(0xB, b"x")),
    ("rsv-bits", bytes([0xF1]) + frame(0x1, b"x")[1:]),
    ("fragmented-control", frame(0x9, b"x", fin=False)),
    ("huge-ping", frame(0x9, b"p" * 200)),
    ("continuation-first", frame(0x0, b"x")),
    ("text-inside-fragment", frame(0x1, b"a", fin=False) + frame(0x1, b"b")),
    ("many-fragments", b"".join(frame(0x1 if i == 0 else 0x0, b"ab", fin=False) for i in range(40_000))),
    # NOTE: random bytes behind a header whose declared payload fits, so the server can judge the first frame
    # without waiting for bytes that never come (a random header can declare up to 2**63 bytes).
    ("garbage", bytes([0xF3, 0xFD]) + random.Random(4096).randbytes(4094)),
    ("http-after-upgrade", b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
]


# Frames after which a server leaves the connection open (its framing, not the app's), with the frame it sends
# first, if any. granian sets no websocket message size: a 70 000-byte frame is valid there, and unfinished
# fragments wait. hypercorn (wsproto) waits for all the bytes a frame header declares, and after refusing too many
# fragments with a close frame, does not hang up.
LEFT_OPEN: dict[str, dict[str, tuple[int, bytes] | None]] = {
    "granian": {"oversized": (0x1, b"a" * 70_000), "many-fragments": None},
    "hypercorn-trio": {"oversized-declared": None, "many-fragments": (0x8, struct.pack("!H", 1009))},
}


@pytest.mark.parametrize(("name", "data"), BAD_FRAMES, ids=[name for name, _ in BAD_FRAMES])
@needs_ws
def test_bad_frames(server: Server, name: str, data: bytes) -> None:
    with opened(server) as sock:
        try:
            sock.sendall(data)
        except ConnectionError:
            pass
        left_open = LEFT_OPEN.get(server.kind, {})
        if name in left_open:
            first = left_open[name]
            if first is not None:
                assert read_frame(sock) == first
            assert not is_closed(sock, timeout=1)
            sock.close()
            server.healthy()
            return
        # The server must end the connection (a close frame, then EOF); it must never echo the bad frame back.
        sock.settimeout(5)
        try:
            while True:
                opcode, payload = read_frame(sock)
                assert opcode in (0x8, 0xA), (name, opcode, payload[:50])
                if opcode == 0x8:
                    if len(payload) >= 2:
                        assert struct.unpack("!H", payload[:2])[0] in {1002, 1007, 1009, 1011}, payload
                    # NOTE: the closing handshake answered, as RFC 6455 asks: hypercorn waits for it to hang up.
                    with contextlib.suppress(OSError):
                        sock.sendall(frame(0x8, payload[:2]))
                    break
        except (ConnectionError, TimeoutError):
            pass
        assert is_closed(sock, timeout=5)
    server.healthy()


@needs_ws
def test_abandoned_websocket(server: Server) -> None:
    for _ in range(20):
        sock = opened(server)
        sock.sendall(frame(0x1, b"x", fin=False))
        sock.close()
    server.healthy()
