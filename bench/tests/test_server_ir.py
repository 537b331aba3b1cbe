from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import e2e
import pytest
import server_ir
from scenarios import Scenario, select_scenarios
from targets import BENCH_DIR, select_targets, target_environ

from starlette_c.bench import _measure


def test_request_bytes_of_a_get_keep_the_connection_open() -> None:
    request = server_ir.request_bytes(select_scenarios(["plaintext"])[0])
    assert request == b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"


def test_request_bytes_of_a_post_carry_headers_body_and_its_length() -> None:
    scenario = select_scenarios(["POST json echo"])[0]
    head, _, body = server_ir.request_bytes(scenario).partition(b"\r\n\r\n")
    assert head.startswith(b"POST /echo HTTP/1.1\r\nhost: 127.0.0.1\r\n")
    assert b"content-type: application/json" in head.split(b"\r\n")
    assert head.endswith(b"content-length: " + str(len(scenario.body)).encode())
    assert body == scenario.body


def answered(*responses: bytes) -> tuple[server_ir.Connection, socket.socket]:
    """A client connection whose peer has already written ``responses`` (in pieces of 7 bytes)."""
    client, server = socket.socketpair()
    for response in responses:
        for start in range(0, len(response), 7):
            server.sendall(response[start : start + 7])
    return server_ir.Connection(client), server


def test_exchange_reads_a_sized_body_and_leaves_the_next_response_buffered() -> None:
    first = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello"
    second = b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\nNot Found"
    connection, server = answered(first, second)
    with connection.sock, server:
        assert connection.exchange(b"GET / HTTP/1.1\r\n\r\n") == (
            200,
            {b"content-length": b"5", b"x-a": b"b"},
            b"hello",
        )
        assert server.recv(100) == b"GET / HTTP/1.1\r\n\r\n"
        assert connection.exchange(b"")[::2] == (404, b"Not Found")


def test_exchange_reads_a_chunked_body_to_its_last_chunk() -> None:
    response = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n1;x=y\r\n!\r\n0\r\n\r\n"
    connection, server = answered(response, b"HTTP/1.1 204 No Content\r\n\r\n")
    with connection.sock, server:
        assert connection.exchange(b"")[::2] == (200, b"hello!")
        assert connection.exchange(b"")[::2] == (204, b"")


def test_exchange_on_a_closed_connection_is_an_error() -> None:
    connection, server = answered(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort")
    server.shutdown(socket.SHUT_WR)
    with connection.sock, server, pytest.raises(ConnectionError, match="closed the connection"):
        connection.exchange(b"GET / HTTP/1.1\r\n\r\n")


def test_small_must_be_below_large() -> None:
    with pytest.raises(SystemExit):
        server_ir.parse_args(["--small", "10", "--large", "10"])
    args = server_ir.parse_args([])
    assert (args.small, args.large, args.targets, args.scenarios) == (
        500,
        2500,
        ["raw ASGI", "starlette_c"],
        ["plaintext", "json"],
    )


def test_send_requests_against_uvicorn_checks_every_status() -> None:
    """The client against a real server (uvicorn, started here and stopped by its PID) serving the raw ASGI app."""
    target = select_targets(["raw ASGI"])[0]
    port = e2e.free_port()
    command = e2e.server_command("uvicorn", Path(sys.executable), "apps.raw_app:app", port)
    process = subprocess.Popen(command, cwd=BENCH_DIR, env=target_environ(target), start_new_session=True)
    try:
        e2e.wait_listening(process, port, timeout=60)
        server_ir.send_requests(port, select_scenarios(["plaintext"])[0], 3)
        server_ir.send_requests(port, select_scenarios(["404"])[0], 3)
        wrong = Scenario(name="wrong", app_attr="app", path="/missing")
        with pytest.raises(RuntimeError, match="wrong: status 404, expected 200"):
            server_ir.send_requests(port, wrong, 1)
    finally:
        e2e.stop_group(process)
        assert process.returncode is not None


def test_wait_listening_reports_a_server_that_exits() -> None:
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    with pytest.raises(RuntimeError, match="exited with 3"):
        e2e.wait_listening(process, e2e.free_port())


def test_without_valgrind_server_ir_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(_measure.ValgrindNotFoundError, match="apt-get install valgrind"):
        server_ir.server_ir(
            select_targets(["raw ASGI"])[0], Path(sys.executable), select_scenarios(["plaintext"])[0], 1, 2
        )
