"""Runs last in this directory (file order): the server's memory, descriptors and temp files after all the abuse."""

from __future__ import annotations

import time

from tests.hostile.conftest import Server
from tests.hostile.rawclient import exchange, request

RSS_BOUND_KIB = 64 * 1024  # the abuse includes 1 MiB bodies and 70k-field forms; allocator high-water stays
FD_BOUND = 10


def test_resources_returned(server: Server, baseline: tuple[int, int]) -> None:
    rss0, fds0 = baseline
    deadline = time.monotonic() + 10
    while server.fds() > fds0 + FD_BOUND and time.monotonic() < deadline:
        time.sleep(0.2)  # keep-alive sockets of the last cases time out after 2 s
    for _ in range(50):
        assert exchange(server.port, request("GET", "/health")).status == 200
    assert server.fds() <= fds0 + FD_BOUND, (fds0, server.fds())
    assert server.rss_kib() - rss0 <= RSS_BOUND_KIB, (rss0, server.rss_kib())
    assert server.temp_files() == 0
