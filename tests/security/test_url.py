"""Regression tests for the advisories about `request.url` (see security-advisories.md)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starlette_c.datastructures import URL


def url_for(path: str, host: bytes | None = None, query_string: bytes = b"") -> URL:
    scope: dict[str, Any] = {
        "type": "http",
        "scheme": "http",
        "server": ("testserver", 80),
        "path": path,
        "query_string": query_string,
        "headers": [] if host is None else [(b"host", host)],
    }
    return URL(scope=scope)


@pytest.mark.parametrize(
    "host",
    [
        b"evil.com/admin?",
        b"evil.com/admin#",
        b"evil.com?x=",
        b"evil.com#",
        b"evil.com\\admin",
        b"user@evil.com",
        b"evil.com admin",
        b"evil.com\t",
        b"[::1",
        b"::1]",
        b"[not-an-ip]",
        b"evil.com:99999",
        b"evil.com:abc",
        b"evil.com:80:80",
    ],
)
def test_ghsa_86qp_5c8j_p5mr_malformed_host_cannot_change_path(host: bytes) -> None:
    url = url_for("/public", host=host, query_string=b"a=1")
    assert url.path == "/public"
    assert url.query == "a=1"
    assert url.fragment == ""
    assert url.netloc == "testserver"
    assert url.port is None


@pytest.mark.parametrize(
    ("host", "hostname", "port"),
    [
        (b"example.com", "example.com", None),
        (b"example.com:8000", "example.com", 8000),
        (b"EXAMPLE.com:65535", "example.com", 65535),
        (b"127.0.0.1:1", "127.0.0.1", 1),
        (b"[::1]:8000", "::1", 8000),
        (b"[v1.x]:80", "v1.x", 80),
        (b"my_host-1.internal", "my_host-1.internal", None),
    ],
)
def test_valid_hosts_are_kept(host: bytes, hostname: str, port: int | None) -> None:
    url = url_for("/p", host=host)
    assert (url.hostname, url.port, url.path) == (hostname, port, "/p")


@pytest.mark.parametrize("path", ["@evil.com", "@evil.com/x", ":80@evil.com", "evil.com", "\\\\evil.com"])
def test_ghsa_jp82_jpqv_5vv3_path_cannot_control_hostname(path: str) -> None:
    assert url_for(path, host=b"testserver").hostname == "testserver"
    assert url_for(path).hostname == "testserver"
    assert url_for(path).path.startswith("/")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/a?b", "/a%3Fb"),
        ("/a#b", "/a%23b"),
        ("/a\\b", "/a%5Cb"),
        ("/plain/path", "/plain/path"),
        # NOTE: with an authority in front, `//` in the path cannot be taken for one (as in Starlette 1.10).
        ("//evil.com/x", "//evil.com/x"),
        ("/a//b", "/a//b"),
    ],
)
def test_path_delimiters_are_percent_encoded(path: str, expected: str) -> None:
    url = url_for(path, query_string=b"q=1")
    assert url.path == expected
    assert url.query == "q=1"
    assert url.fragment == ""
    assert url.hostname == "testserver"


def test_double_slash_path_without_authority_is_not_a_host() -> None:
    scope: dict[str, Any] = {"path": "//evil.com/x", "headers": []}
    url = URL(scope=scope)
    assert url.hostname is None
    assert url.netloc == ""
    assert url.path == "/%2Fevil.com/x"


def decode_delimiters(path: str) -> str:
    return path.replace("%3F", "?").replace("%23", "#").replace("%5C", "\\").replace("%2F", "/")


# Tabs and newlines are dropped by URL parsing itself, and `%` would be ambiguous after decoding.
path_text = st.text(st.characters(exclude_characters="%\t\r\n", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(path=path_text, host=st.binary(max_size=30))
def test_no_host_header_can_change_the_path_or_query(path: str, host: bytes) -> None:
    url = url_for(path, host=host, query_string=b"a=1")
    expected = path if path.startswith("/") else "/" + path
    assert decode_delimiters(url.path) == (expected if path else "")
    assert url.query == "a=1"
    assert url.fragment == ""
    assert url.port is None or 0 <= url.port <= 65535


@settings(max_examples=300, deadline=None)
@given(path=path_text)
def test_no_path_can_change_the_host(path: str) -> None:
    url = url_for(path, host=b"example.com:8000")
    assert (url.hostname, url.port) == ("example.com", 8000)
    assert url.username is None
    assert url.password is None


@pytest.mark.parametrize("host", [b"", b" ", b"\t", b"  \t ", b"[fe80::1%25eth0]", b"h:", b":80"])
def test_empty_or_blank_host_is_absent_not_an_empty_authority(host: bytes) -> None:
    # An empty authority (`http:///path`) would turn the path into a host for redirects built from it.
    url = url_for("//evil.com/x", host=host)
    assert str(url) == "http://testserver//evil.com/x"
    assert url.hostname == "testserver"
    hostless: dict[str, Any] = {"path": "//evil.com/x", "headers": [(b"host", host)]}
    assert URL(scope=hostless).netloc == ""
    assert URL(scope=hostless).path == "/%2Fevil.com/x"
