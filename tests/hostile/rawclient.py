"""A deliberately small raw-socket HTTP/1.1 client: send any bytes, read back what the server says."""

from __future__ import annotations

import socket
import time
import weakref
from dataclasses import dataclass, field


@dataclass
class RawResponse:
    status: int  # 0: no response head at all (the server closed or timed out)
    head: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    closed: bool = False  # the server closed the connection

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def raw(self) -> bytes:
        return self.head + self.body


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


# Bytes read past one response (a pipelined next response) wait here for the next read on that socket.
_pending: weakref.WeakKeyDictionary[socket.socket, bytes] = weakref.WeakKeyDictionary()


def _receive(sock: socket.socket, buf: bytearray, deadline: float) -> bool | None:
    """Append what the socket has to ``buf``: True when bytes came, False when the server closed, None on timeout."""
    if time.monotonic() > deadline:
        return None
    try:
        chunk = sock.recv(65536)
    except (TimeoutError, ConnectionError):
        return None
    buf += chunk
    return bool(chunk)


def _read_until(sock: socket.socket, buf: bytearray, marker: bytes, deadline: float) -> bool:
    while marker not in buf:
        if not _receive(sock, buf, deadline):
            return False
    return True


def _read_to(sock: socket.socket, buf: bytearray, deadline: float, need: int | None) -> bool:
    """Read until ``buf`` holds ``need`` bytes (None: until the server closes); whether the server closed."""
    while need is None or len(buf) < need:
        received = _receive(sock, buf, deadline)
        if not received:
            return received is False
    return False


def read_response(sock: socket.socket, timeout: float = 5.0, *, head_only: bool = False) -> RawResponse:
    """Read one response; the body by Content-Length, chunked framing, or to close."""
    deadline = time.monotonic() + timeout
    buf = bytearray(_pending.pop(sock, b""))
    if not _read_until(sock, buf, b"\r\n\r\n", deadline):
        return RawResponse(status=0, body=bytes(buf), closed=True)
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    while head.startswith(b"HTTP/1.1 1") and not head.startswith(b"HTTP/1.1 101"):  # interim: 100 Continue
        buf = bytearray(rest)
        if not _read_until(sock, buf, b"\r\n\r\n", deadline):
            return RawResponse(status=0, body=bytes(buf), closed=True)
        head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    headers = []
    for line in lines[1:]:
        key, _, value = line.partition(b":")
        headers.append((key.decode("latin-1").strip(), value.decode("latin-1").strip()))
    response = RawResponse(status=status, head=head + b"\r\n\r\n", headers=headers)
    if head_only:
        response.body = rest
        return response
    length = response.header("content-length")
    data = bytearray(rest)
    if length is not None:
        need = int(length)
        response.closed = _read_to(sock, data, deadline, need)
        response.body = bytes(data[:need])
        _pending[sock] = bytes(data[need:])
    elif (response.header("transfer-encoding") or "").lower() == "chunked":
        _read_until(sock, data, b"0\r\n\r\n", deadline)
        response.body = _dechunk(bytes(data))
    elif status in (204, 304) or 100 <= status < 200:
        response.body = bytes(data)
    else:
        response.closed = _read_to(sock, data, deadline, None)
        response.body = bytes(data)
    return response


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return bytes(out)


def exchange(port: int, payload: bytes, timeout: float = 5.0) -> RawResponse:
    """Send ``payload`` on a fresh connection, read one response, close."""
    with connect(port, timeout) as sock:
        try:
            sock.sendall(payload)
        except ConnectionError:
            return RawResponse(status=0, closed=True)
        return read_response(sock, timeout)


def is_closed(sock: socket.socket, timeout: float = 2.0) -> bool:
    """True when the server has closed (EOF or reset) within ``timeout``."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionError:
        return True


def request(
    method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b"", host: str = "testserver"
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "Connection: close"]
    for key, value in (headers or {}).items():
        lines.append(f"{key}: {value}")
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
