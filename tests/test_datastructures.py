from __future__ import annotations

import copy
import io
import pickle
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import starlette_c.datastructures as datastructures
from starlette_c.datastructures import (
    URL,
    Address,
    CommaSeparatedStrings,
    FormData,
    Headers,
    ImmutableMultiDict,
    MultiDict,
    MutableHeaders,
    QueryParams,
    Secret,
    State,
    UploadFile,
    URLPath,
)
from tests.scopes import http_scope

# NOTE: URL defers to namedtuple._replace, as Starlette does, which raises TypeError since Python 3.13.
UNEXPECTED_FIELD_ERROR = TypeError if sys.version_info >= (3, 13) else ValueError

# URL


def test_url_parts() -> None:
    url = URL("https://user:pass@Example.COM:8443/a/b?c=d&e=f#frag")
    assert url.scheme == "https"
    assert url.netloc == "user:pass@Example.COM:8443"
    assert url.path == "/a/b"
    assert url.query == "c=d&e=f"
    assert url.fragment == "frag"
    assert url.username == "user"
    assert url.password == "pass"
    assert url.hostname == "example.com"
    assert url.port == 8443
    assert url.is_secure
    assert url.components == ("https", "user:pass@Example.COM:8443", "/a/b", "c=d&e=f", "frag")
    assert url.components is url.components


def test_url_parts_of_partial_urls() -> None:
    assert URL().components == ("", "", "", "", "")
    empty = URL("")
    assert (empty.hostname, empty.port, empty.username, empty.password) == (None, None, None, None)
    assert not empty.is_secure
    assert URL("/path?q#f").path == "/path"
    assert URL("http://[::1]:8000/x").hostname == "::1"
    assert URL("wss://h/").is_secure
    assert not URL("ws://h/").is_secure
    assert URL("http://%41:%42@h/").username == "%41"


def test_url_bad_ports_raise() -> None:
    with pytest.raises(ValueError, match="Port out of range"):
        _ = URL("http://h:99999/").port
    with pytest.raises(ValueError, match="could not be cast"):
        _ = URL("http://h:abc/").port


def test_url_str_eq_repr() -> None:
    url = URL("http://h/x")
    assert str(url) == "http://h/x"
    assert url == "http://h/x"
    assert url == URL("http://h/x")
    assert url != URL("http://h/y")
    assert repr(url) == "URL('http://h/x')"
    assert repr(URL("http://u:secret@h/x")) == "URL('http://u:********@h/x')"
    assert repr(URL("http://u:@h/x")) == "URL('http://u:@h/x')"
    assert str(URL("http://u:secret@h/x")) == "http://u:secret@h/x"
    with pytest.raises(TypeError):
        hash(url)


def test_url_from_components() -> None:
    url = URL(scheme="https", netloc="example.com:1", path="/p", query="q=1", fragment="f")
    assert url == "https://example.com:1/p?q=1#f"
    assert URL(scheme="http", hostname="x", port=8, path="/p") == "http://x:8/p"
    assert URL(path="relative") == "relative"
    with pytest.raises(UNEXPECTED_FIELD_ERROR, match="unexpected field names"):
        URL(bogus=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "x", "scope": {"path": "/", "headers": []}}, 'Cannot set both "url" and "scope".'),
        ({"scope": {"path": "/", "headers": []}, "path": "/"}, 'Cannot set both "scope" and "**components".'),
        ({"url": "x", "path": "/"}, 'Cannot set both "url" and "**components".'),
    ],
)
def test_url_conflicting_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(AssertionError) as info:
        URL(**kwargs)
    assert str(info.value) == message


def test_url_replace() -> None:
    url = URL("http://user:pass@Host:80/x?q=1#f")
    assert url.replace(scheme="https", path="/y", query="", fragment="") == "https://user:pass@Host:80/y"
    assert url.replace(hostname="new") == "http://user:pass@new:80/x?q=1#f"
    assert url.replace(port=None) == "http://user:pass@Host/x?q=1#f"
    assert url.replace(port=8000) == "http://user:pass@Host:8000/x?q=1#f"
    assert url.replace(username=None) == "http://Host:80/x?q=1#f"
    assert url.replace(password="other") == "http://user:other@Host:80/x?q=1#f"
    assert url.replace(netloc="a:1") == "http://a:1/x?q=1#f"
    assert URL("http://h/x").replace(password="ignored") == "http://h/x"
    assert URL("http://h/x").replace(username="u", password="p", port=1) == "http://u:p@h:1/x"
    assert URL("http://u:p@[::1]:1/x").replace(port=None) == "http://u:p@[::1]/x"
    assert URL("http://[::1]/x").replace(port=2) == "http://[::1]:2/x"
    assert URL("http://h/").replace(hostname="[::1]") == "http://[::1]/"
    assert URL("/x").replace(port=1) == "//:1/x"
    assert type(url.replace(path="/")) is URL
    with pytest.raises(UNEXPECTED_FIELD_ERROR, match="unexpected field names"):
        url.replace(bogus=1)


def test_url_replace_keeps_subclass() -> None:
    class MyURL(URL):
        pass

    assert type(MyURL("http://h/").replace(path="/x")) is MyURL


def test_url_query_param_helpers() -> None:
    url = URL("http://h/x?a=1&a=2&b=&c=3#f")
    assert url.include_query_params(a=9, d=None) == "http://h/x?b=&c=3&a=9&d=None#f"
    assert url.include_query_params() == "http://h/x?a=1&a=2&b=&c=3#f"
    assert url.replace_query_params(z=[1], y="é") == "http://h/x?z=%5B1%5D&y=%C3%A9#f"
    assert url.replace_query_params() == "http://h/x#f"
    assert url.remove_query_params("a") == "http://h/x?b=&c=3#f"
    assert url.remove_query_params(["a", "b", "missing"]) == "http://h/x?c=3#f"
    assert URL("http://h/?%20k=1").remove_query_params(" k") == "http://h/"


# URL built from a scope


def test_url_from_scope_uses_host_header() -> None:
    assert URL(scope=http_scope("/p", host=b"example.com:8000", query_string=b"a=1")) == (
        "http://example.com:8000/p?a=1"
    )
    assert URL(scope=http_scope("/p", host=b"Example.COM")).netloc == "Example.COM"
    assert URL(scope=http_scope("/p", host=b"[::1]:8000")).hostname == "::1"
    # A Host that is not an RFC 3986 host (non-ASCII, empty, a bare port colon) is ignored (Starlette 1.10).
    assert URL(scope=http_scope("/p", host=b"\xe9x.com")) == "http://testserver/p"
    assert URL(scope=http_scope("/p", host=b"h:")) == "http://testserver/p"
    assert URL(scope=http_scope("/p", host=b"")) == "http://testserver/p"


def test_url_from_scope_takes_first_lowercase_host_header() -> None:
    scope = http_scope("/p")
    scope["headers"] = [(b"Host", b"upper"), (b"host", b"first"), (b"host", b"second")]
    assert URL(scope=scope) == "http://first/p"
    scope["headers"] = [(b"Host", b"upper")]
    assert URL(scope=scope) == "http://testserver/p"


@pytest.mark.parametrize(
    ("scheme", "server", "expected"),
    [
        ("http", ("example.com", 80), "http://example.com/p"),
        ("http", ("example.com", 8080), "http://example.com:8080/p"),
        ("https", ("example.com", 443), "https://example.com/p"),
        ("https", ("example.com", 80), "https://example.com:80/p"),
        ("ws", ("example.com", 80), "ws://example.com/p"),
        ("wss", ("example.com", 443), "wss://example.com/p"),
        ("ftp", ("example.com", 21), "ftp://example.com:21/p"),
        ("http", ("unix.sock", None), "http://unix.sock/p"),
        ("http", ("::1", 8080), "http://[::1]:8080/p"),
        ("http", ("[::1]", 80), "http://[::1]/p"),
        ("http", None, "/p"),
    ],
)
def test_url_from_scope_server(scheme: str, server: tuple[str, int | None] | None, expected: str) -> None:
    assert URL(scope=http_scope("/p", scheme=scheme, server=server)) == expected


def test_url_from_minimal_scope() -> None:
    assert URL(scope={"path": "/x", "headers": []}) == "/x"
    assert URL(scope={"path": "", "headers": []}) == ""
    assert URL(scope=http_scope("")) == "http://testserver"
    with pytest.raises(KeyError, match="path"):
        URL(scope={"headers": []})
    with pytest.raises(KeyError, match="headers"):
        URL(scope={"path": "/"})


def test_url_from_scope_does_not_prepend_root_path() -> None:
    assert URL(scope=http_scope("/root/p", root_path="/root")) == "http://testserver/root/p"


def test_url_from_scope_query_string() -> None:
    assert URL(scope=http_scope("/p", query_string=b"q=\xc3\xa9")).query == "q=\u00e9"
    assert URL(scope=http_scope("/p", query_string=b"q=\xff&r=1")).query == "q=%FF&r=1"


def test_url_from_scope_keeps_unusual_path_characters() -> None:
    url = URL(scope=http_scope("/a b/\u00e9/%2F"))
    assert url.path == "/a b/\u00e9/%2F"


# ImmutableMultiDict


def test_immutable_multidict() -> None:
    d = ImmutableMultiDict([("a", "1"), ("b", "2"), ("a", "3")])
    assert d["a"] == "3"
    assert d.get("a") == "3"
    assert d.get("z") is None
    assert d.get("z", "x") == "x"
    assert d.getlist("a") == ["1", "3"]
    assert d.getlist("z") == []
    assert list(d) == ["a", "b"]
    assert list(d.keys()) == ["a", "b"]
    assert list(d.values()) == ["3", "2"]
    assert list(d.items()) == [("a", "3"), ("b", "2")]
    assert d.multi_items() == [("a", "1"), ("b", "2"), ("a", "3")]
    assert d.multi_items() is not d.multi_items()
    assert len(d) == 2
    assert "a" in d
    assert "z" not in d
    assert repr(d) == "ImmutableMultiDict([('a', '1'), ('b', '2'), ('a', '3')])"
    assert isinstance(d, Mapping)
    with pytest.raises(KeyError):
        d["z"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([("a", 1)], [("a", 1)]),
        ({"a": 1, "b": 2}, [("a", 1), ("b", 2)]),
        (ImmutableMultiDict([("a", 1), ("a", 2)]), [("a", 1), ("a", 2)]),
        (iter([("a", 1)]), [("a", 1)]),
        (None, []),
        ([], []),
        ("", []),
    ],
)
def test_immutable_multidict_inputs(value: Any, expected: list[tuple[Any, Any]]) -> None:
    assert ImmutableMultiDict(value).multi_items() == expected


def test_immutable_multidict_kwargs_and_errors() -> None:
    assert ImmutableMultiDict([("a", 1)], b=2).multi_items() == [("a", 1), ("b", 2)]
    assert ImmutableMultiDict(b=2).multi_items() == [("b", 2)]
    assert ImmutableMultiDict({"a": 1}, a=2)["a"] == 2
    with pytest.raises(AssertionError, match="Too many arguments."):
        ImmutableMultiDict([], [])
    with pytest.raises(ValueError):
        ImmutableMultiDict("ab")  # type: ignore[arg-type]


def test_immutable_multidict_equality() -> None:
    d = ImmutableMultiDict([("a", 1), ("b", 2)])
    assert d == ImmutableMultiDict([("b", 2), ("a", 1)])
    assert d != ImmutableMultiDict([("a", 1)])
    assert d != {"a": 1, "b": 2}
    assert ImmutableMultiDict([("a", "1")]) != QueryParams("a=1")
    assert QueryParams("a=1") != ImmutableMultiDict([("a", "1")])
    with pytest.raises(TypeError):
        hash(d)


def test_immutable_multidict_is_generic() -> None:
    alias = ImmutableMultiDict[str, int]
    assert alias.__origin__ is ImmutableMultiDict  # type: ignore[attr-defined]


# MultiDict


def test_multidict_mutation() -> None:
    d = MultiDict([("a", 1), ("b", 2), ("a", 3)])
    d["c"] = 4
    d["a"] = 5
    assert d.multi_items() == [("b", 2), ("c", 4), ("a", 5)]
    d.append("b", 6)
    assert d["b"] == 6
    assert d.getlist("b") == [2, 6]
    assert d.setdefault("b", 9) == 6
    assert d.setdefault("z") is None
    assert d.multi_items()[-1] == ("z", None)
    assert d.pop("z") is None
    assert d.pop("missing", "default") == "default"
    assert d.poplist("b") == [2, 6]
    assert "b" not in d
    d.setlist("x", [1, 2])
    assert d.getlist("x") == [1, 2]
    assert d["x"] == 2
    d.setlist("x", [])
    assert "x" not in d
    del d["c"]
    assert d.multi_items() == [("a", 5)]
    with pytest.raises(KeyError):
        del d["c"]
    assert d.popitem() == ("a", 5)
    assert len(d) == 0
    with pytest.raises(KeyError):
        d.popitem()


def test_multidict_update_and_clear() -> None:
    d = MultiDict([("a", 1), ("b", 2), ("a", 3)])
    d.update([("a", 7), ("a", 8), ("n", 1)], k=0)
    assert d.multi_items() == [("b", 2), ("a", 7), ("a", 8), ("n", 1), ("k", 0)]
    assert d["a"] == 8
    d.update({"b": 0})
    assert d.multi_items() == [("a", 7), ("a", 8), ("n", 1), ("k", 0), ("b", 0)]
    d.update()
    assert len(d) == 4
    d.clear()
    assert d.multi_items() == []
    assert repr(d) == "MultiDict([])"


def test_multidict_setting_a_key_keeps_its_place_among_the_keys() -> None:
    d = MultiDict([("a", 1), ("b", 2), ("a", 3)])
    d["a"] = 0
    assert (list(d.keys()), d.multi_items()) == (["a", "b"], [("b", 2), ("a", 0)])
    d.setlist("b", [4, 5])
    assert (list(d.items()), d.multi_items()) == ([("a", 0), ("b", 5)], [("a", 0), ("b", 4), ("b", 5)])
    d.setlist("a", [])
    assert (list(d), d.multi_items()) == (["b"], [("b", 4), ("b", 5)])


def test_multidict_does_not_share_input() -> None:
    items = [("a", 1)]
    d = MultiDict(items)
    d.append("b", 2)
    d.clear()
    assert items == [("a", 1)]


# QueryParams


def test_query_params() -> None:
    q = QueryParams("a=123&a=456&b=789")
    assert q["a"] == "456"
    assert q.getlist("a") == ["123", "456"]
    assert list(q.items()) == [("a", "456"), ("b", "789")]
    assert str(q) == "a=123&a=456&b=789"
    assert repr(q) == "QueryParams('a=123&a=456&b=789')"
    assert q == QueryParams("b=789&a=123&a=456")
    assert q != "a=123&a=456&b=789"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", []),
        ("a&b=&=c", [("a", ""), ("b", ""), ("", "c")]),
        ("%20d=%zz+1", [(" d", "%zz 1")]),
        ("e=1;f=2", [("e", "1;f=2")]),
        ("&&a=1&&", [("a", "1")]),
        ("a=%C3%A9&b=%FF", [("a", "\u00e9"), ("b", "\ufffd")]),
        (b"a=1&b=%20", [("a", "1"), ("b", " ")]),
        (b"a=\xc3\xa9", [("a", "\u00c3\u00a9")]),
        ([("a", 1), ("a", None)], [("a", "1"), ("a", "None")]),
        ({"a": [1, 2]}, [("a", "[1, 2]")]),
        (ImmutableMultiDict([(1, 2)]), [("1", "2")]),
        (None, []),
    ],
)
def test_query_params_inputs(value: Any, expected: list[tuple[str, str]]) -> None:
    q = QueryParams(value)
    assert q.multi_items() == expected
    assert all(isinstance(key, str) for key in q)


query_text = st.text(st.sampled_from("ab=&+%20%C3%A9%zz;#? \u00e9\u20ac"), max_size=30)


@settings(max_examples=300, deadline=None)
@given(query=query_text)
def test_query_params_parse_like_parse_qsl(query: str) -> None:
    expected = parse_qsl(query, keep_blank_values=True)
    assert QueryParams(query).multi_items() == expected
    in_url = query.replace("#", "")
    expected_in_url = urlencode(parse_qsl(in_url, keep_blank_values=True))
    assert URL("http://h/?" + in_url).remove_query_params([]).query == expected_in_url


def test_query_params_kwargs() -> None:
    assert QueryParams("a=1", b=2).multi_items() == [("a", "1"), ("b", "2")]
    assert QueryParams(b"a=1", b=2)["b"] == "2"
    assert QueryParams(a=1)["a"] == "1"
    assert str(QueryParams(a="x y", b="&")) == "a=x+y&b=%26"
    with pytest.raises(AssertionError, match="Too many arguments."):
        QueryParams("a", "b")


# Headers


def test_headers() -> None:
    h = Headers(raw=[(b"a", b"123"), (b"b", b"456"), (b"a", b"789")])
    assert "a" in h
    assert "A" in h
    assert "c" not in h
    assert h["a"] == "123"
    assert h["A"] == "123"
    assert h.get("a") == "123"
    assert h.get("nope", default=None) is None
    assert h.get("nope", "x") == "x"
    assert h.getlist("a") == ["123", "789"]
    assert h.getlist("z") == []
    assert h.keys() == ["a", "b", "a"]
    assert h.values() == ["123", "456", "789"]
    assert h.items() == [("a", "123"), ("b", "456"), ("a", "789")]
    assert list(h) == ["a", "b", "a"]
    assert dict(h) == {"a": "123", "b": "456"}
    assert len(h) == 3
    assert repr(h) == "Headers(raw=[(b'a', b'123'), (b'b', b'456'), (b'a', b'789')])"
    assert h == Headers(raw=[(b"b", b"456"), (b"a", b"789"), (b"a", b"123")])
    assert h != Headers(raw=[(b"a", b"123")])
    assert h != {"a": "123"}
    with pytest.raises(KeyError, match="'missing'"):
        h["missing"]
    with pytest.raises(TypeError):
        hash(h)


def test_headers_from_mapping() -> None:
    h = Headers({"Content-Type": "text/plain", "X-Accent": "\u00e9"})
    assert h.raw == [(b"content-type", b"text/plain"), (b"x-accent", b"\xe9")]
    assert h["x-accent"] == "\u00e9"
    assert repr(h) == "Headers({'content-type': 'text/plain', 'x-accent': '\u00e9'})"
    assert Headers() == Headers({})
    assert repr(Headers()) == "Headers({})"
    with pytest.raises(UnicodeEncodeError):
        Headers({"a": "\u20ac"})


def test_headers_latin1_bytes() -> None:
    h = Headers(raw=[(b"x-odd", b"\xff\xfe\x80"), (b"\xe9", b"accent"), (b"empty", b"")])
    assert h["x-odd"] == "\xff\xfe\x80"
    assert h["\u00c9"] == "accent"
    assert h["empty"] == ""
    assert "empty" in h
    with pytest.raises(UnicodeEncodeError):
        h.get("\u20ac")


def test_headers_raw_names_are_not_lowercased() -> None:
    h = Headers(raw=[(b"Upper", b"1")])
    assert "upper" not in h
    assert h.keys() == ["Upper"]
    assert repr(Headers(raw=[(b"A", b"1"), (b"a", b"2")])) == "Headers({'A': '1', 'a': '2'})"


def test_headers_raw_is_a_copy() -> None:
    raw = [(b"a", b"1")]
    h = Headers(raw=raw)
    assert h.raw == raw
    assert h.raw is not raw
    h.raw.append((b"b", b"2"))
    assert len(h) == 1
    raw.append((b"c", b"3"))
    assert h["c"] == "3"


def test_headers_from_scope_shares_the_scope_list() -> None:
    original = [(b"host", b"example.com")]
    scope = {"headers": original}
    h = Headers(scope=scope)
    assert scope["headers"] == original
    assert scope["headers"] is not original
    scope["headers"].append((b"x", b"1"))
    assert h["x"] == "1"
    tuple_scope: dict[str, Any] = {"headers": ((b"a", b"1"),)}
    assert Headers(scope=tuple_scope)["a"] == "1"
    assert isinstance(tuple_scope["headers"], list)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"headers": {}, "raw": []}, 'Cannot set both "headers" and "raw".'),
        ({"headers": {}, "scope": {}}, 'Cannot set both "headers" and "scope".'),
        ({"raw": [], "scope": {}}, 'Cannot set both "raw" and "scope".'),
    ],
)
def test_headers_conflicting_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(AssertionError) as info:
        Headers(**kwargs)
    assert str(info.value) == message


def test_headers_mutablecopy() -> None:
    h = Headers(raw=[(b"a", b"1")])
    duplicate = h.mutablecopy()
    assert isinstance(duplicate, MutableHeaders)
    duplicate["b"] = "2"
    assert "b" not in h
    assert duplicate == MutableHeaders(raw=[(b"a", b"1"), (b"b", b"2")])


# MutableHeaders


def test_mutable_headers_setitem_replaces_all() -> None:
    h = MutableHeaders(raw=[(b"a", b"1"), (b"b", b"2"), (b"a", b"3")])
    h["A"] = "x"
    assert h.raw == [(b"a", b"x"), (b"b", b"2")]
    h["c"] = "\u00e9"
    assert h.raw[-1] == (b"c", b"\xe9")
    with pytest.raises(UnicodeEncodeError):
        h["d"] = "\u20ac"


def test_mutable_headers_delitem_append_setdefault() -> None:
    h = MutableHeaders(raw=[(b"a", b"1"), (b"b", b"2"), (b"a", b"3")])
    assert h.setdefault("B", "q") == "2"
    assert h.setdefault("c", "q") == "q"
    h.append("A", "y")
    assert h.getlist("a") == ["1", "3", "y"]
    del h["a"]
    del h["missing"]
    assert h.raw == [(b"b", b"2"), (b"c", b"q")]
    assert repr(h) == "MutableHeaders({'b': '2', 'c': 'q'})"


def test_mutable_headers_update_and_or() -> None:
    h = MutableHeaders({"a": "1"})
    h.update({"B": "2", "a": "3"})
    assert h.raw == [(b"a", b"3"), (b"b", b"2")]
    merged = h | {"c": "4"}
    assert isinstance(merged, MutableHeaders)
    assert merged.raw == [(b"a", b"3"), (b"b", b"2"), (b"c", b"4")]
    assert "c" not in h
    same = h
    h |= Headers({"d": "5"})
    assert h is same
    assert h["d"] == "5"
    with pytest.raises(TypeError, match="Expected a mapping but got list"):
        h | [("a", "b")]  # type: ignore[operator]
    with pytest.raises(TypeError, match="Expected a mapping but got int"):
        h |= 1  # type: ignore[arg-type]


def test_mutable_headers_update_and_ior_assign_through_setitem() -> None:
    class Shouting(MutableHeaders):
        def __setitem__(self, key: str, value: str) -> None:
            super().__setitem__(key, value.upper())

    h = Shouting({"a": "x"})
    h.update({"b": "y"})
    h |= {"c": "z"}
    assert h.raw == [(b"a", b"x"), (b"b", b"Y"), (b"c", b"Z")]


def test_mutable_headers_vary() -> None:
    h = MutableHeaders()
    h.add_vary_header("Origin")
    h.add_vary_header("Accept-Encoding")
    assert h.raw == [(b"vary", b"Origin, Accept-Encoding")]
    # Every existing Vary header is kept, joined into the first (Starlette 1.9).
    h = MutableHeaders(raw=[(b"vary", b"a"), (b"x", b"1"), (b"vary", b"b")])
    h.add_vary_header("c")
    assert h.raw == [(b"vary", b"a, b, c"), (b"x", b"1")]


def test_mutable_headers_writes_are_visible_in_scope() -> None:
    original = [(b"content-type", b"text/plain")]
    message: dict[str, Any] = {"type": "http.response.start", "headers": original}
    h = MutableHeaders(scope=message)
    h["x-added"] = "1"
    del h["content-type"]
    assert message["headers"] == [(b"x-added", b"1")]
    assert h.raw is message["headers"]
    assert original == [(b"content-type", b"text/plain")]


def test_mutable_headers_raw_list_is_live() -> None:
    raw = [(b"a", b"1")]
    h = MutableHeaders(raw=raw)
    h["b"] = "2"
    assert raw == [(b"a", b"1"), (b"b", b"2")]
    assert h.raw is raw


def test_headers_pickle_roundtrip() -> None:
    h = MutableHeaders({"a": "1"})
    assert pickle.loads(pickle.dumps(h)) == h
    url = URL("http://h/x")
    assert pickle.loads(pickle.dumps(url)) == url
    q = QueryParams("a=1")
    assert pickle.loads(pickle.dumps(q)) == q


def test_public_classes_read_like_the_public_module() -> None:
    for cls in (URL, Headers, MutableHeaders, QueryParams, ImmutableMultiDict):
        assert cls.__module__ == "starlette_c.datastructures"
        assert getattr(datastructures, cls.__name__) is cls


# Small public types


def test_address() -> None:
    address = Address("127.0.0.1", 8000)
    assert address.host == "127.0.0.1"
    assert address.port == 8000
    assert address == ("127.0.0.1", 8000)
    assert repr(address) == "Address(host='127.0.0.1', port=8000)"


def test_url_path() -> None:
    path = URLPath("/x", "http", "other:1")
    assert path == "/x"
    assert isinstance(path, str)
    assert (path.protocol, path.host) == ("http", "other:1")
    assert path.make_absolute_url("https://h/root/") == "https://other:1/root/x"
    assert URLPath("/x", "http").make_absolute_url("http://h") == "http://h/x"
    assert URLPath("/ws", "websocket").make_absolute_url("https://h/root") == "wss://h/root/ws"
    assert URLPath("/ws", "websocket").make_absolute_url(URL("http://h")) == "ws://h/ws"
    assert URLPath("/x").make_absolute_url("ws://h/") == "ws://h/x"
    assert URLPath("/x").protocol == ""
    assert URLPath("/x").host == ""
    with pytest.raises(AssertionError):
        URLPath("/x", "ftp")


def test_secret() -> None:
    secret = Secret("hunter2")
    assert str(secret) == "hunter2"
    assert repr(secret) == "Secret('**********')"
    assert secret
    assert not Secret("")


def test_comma_separated_strings() -> None:
    value = CommaSeparatedStrings("a, 'b c', d")
    assert list(value) == ["a", "b c", "d"]
    assert len(value) == 3
    assert value[1] == "b c"
    assert value[1:] == ["b c", "d"]
    assert repr(value) == "CommaSeparatedStrings(['a', 'b c', 'd'])"
    assert str(value) == "'a', 'b c', 'd'"
    assert list(CommaSeparatedStrings(["x", "y"])) == ["x", "y"]
    assert list(CommaSeparatedStrings("")) == []
    with pytest.raises(ValueError, match="No closing quotation"):
        CommaSeparatedStrings("a, 'b")


def test_state() -> None:
    state = State()
    state.a = 1
    state["b"] = 2
    assert state.b == 2
    assert state["a"] == 1
    assert len(state) == 2
    assert list(state) == ["a", "b"]
    assert "a" in state
    del state.a
    del state["b"]
    assert not state
    with pytest.raises(AttributeError) as info:
        _ = state.missing
    assert str(info.value) == "'State' object has no attribute 'missing'"
    with pytest.raises(KeyError):
        state["missing"]
    with pytest.raises(KeyError):
        del state.missing


def test_state_copy_and_pickle() -> None:
    state = State({"a": [1]})
    shallow = copy.copy(state)
    assert shallow.a is state.a
    deep = copy.deepcopy(state)
    assert deep.a == [1]
    assert deep.a is not state.a
    assert pickle.loads(pickle.dumps(state)).a == [1]


def test_state_wraps_the_given_dict() -> None:
    backing = {"x": 1}
    state = State(backing)
    state.y = 2
    assert backing == {"x": 1, "y": 2}
    assert state.x == 1


# UploadFile and FormData


def test_upload_file_attributes() -> None:
    headers = Headers({"content-type": "text/plain"})
    upload = UploadFile(io.BytesIO(b"x"), filename="a.txt", size=1, headers=headers)
    assert upload.filename == "a.txt"
    assert upload.size == 1
    assert upload.headers is headers
    assert upload.content_type == "text/plain"
    assert repr(upload) == "UploadFile(filename='a.txt', size=1, headers=Headers({'content-type': 'text/plain'}))"
    bare = UploadFile(io.BytesIO())
    assert bare.content_type is None
    assert bare.headers == Headers()
    assert bare.size is None


@pytest.mark.anyio
async def test_upload_file_in_memory_operations() -> None:
    with tempfile.SpooledTemporaryFile(max_size=1024) as file:
        upload = UploadFile(file, size=0)  # type: ignore[arg-type]
        await upload.write(b"hello ")
        await upload.write(b"world")
        assert upload.size == 11
        assert upload._in_memory
        await upload.seek(6)
        assert await upload.read(3) == b"wor"
        assert await upload.read() == b"ld"
        await upload.close()
        assert file.closed


@pytest.mark.anyio
async def test_upload_file_on_disk_operations() -> None:
    with tempfile.TemporaryFile() as file:
        upload = UploadFile(file)
        await upload.write(b"data")
        assert upload.size is None
        await upload.seek(0)
        assert await upload.read() == b"data"
        await upload.close()
        assert file.closed


class RecordingSpooledFile(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
    def __init__(self, max_size: int) -> None:
        super().__init__(max_size=max_size)
        self.write_threads: list[int] = []

    def write(self, s: Any) -> int:
        self.write_threads.append(threading.get_ident())
        return super().write(s)


@pytest.mark.anyio
async def test_upload_file_rollover_runs_in_a_thread() -> None:
    file = RecordingSpooledFile(max_size=8)
    upload = UploadFile(file, size=0)  # type: ignore[arg-type]
    loop_thread = threading.get_ident()
    await upload.write(b"12345678")
    assert file.write_threads == [loop_thread]
    assert upload._in_memory
    await upload.write(b"9")
    assert file.write_threads[1] != loop_thread
    assert not upload._in_memory
    await upload.write(b"0")
    assert file.write_threads[2] != loop_thread
    await upload.seek(0)
    assert await upload.read() == b"1234567890"
    await upload.close()


@pytest.mark.anyio
async def test_upload_file_uses_patchable_run_in_threadpool(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Callable[..., Any]] = []

    async def direct(func: Callable[..., Any], *args: Any) -> Any:
        calls.append(func)
        return func(*args)

    monkeypatch.setattr("starlette_c.datastructures.run_in_threadpool", direct)
    upload = UploadFile(io.BytesIO())
    await upload.write(b"abc")
    await upload.seek(0)
    assert await upload.read() == b"abc"
    await upload.close()
    assert [func.__name__ for func in calls] == ["write", "seek", "read", "close"]


def test_upload_file_will_roll() -> None:
    with tempfile.SpooledTemporaryFile(max_size=4) as bounded, tempfile.SpooledTemporaryFile() as unbounded:
        spooled = UploadFile(bounded)  # type: ignore[arg-type]
        assert spooled._in_memory
        assert not spooled._will_roll(4)
        assert spooled._will_roll(5)
        assert not UploadFile(unbounded)._will_roll(10**6)  # type: ignore[arg-type]
    assert UploadFile(io.BytesIO())._will_roll(1)


@pytest.mark.anyio
async def test_form_data_close() -> None:
    upload = UploadFile(io.BytesIO(b"x"), filename="f")
    form = FormData([("a", "1"), ("f", upload)], b="2")
    assert form.getlist("a") == ["1"]
    assert form["f"] is upload
    assert repr(form) == (
        "FormData([('a', '1'), ('f', UploadFile(filename='f', size=None, headers=Headers({}))), ('b', '2')])"
    )
    await form.close()
    assert upload.file.closed
    assert FormData({"a": "1"}) == FormData([("a", "1")])


# Starlette 1.10 behaviour


def test_multidicts_compare_by_key_keeping_the_order_under_a_key() -> None:
    assert QueryParams("a=1&a=2") != QueryParams("a=2&a=1")
    assert QueryParams("a=1&b=2&a=3") == QueryParams("b=2&a=1&a=3")
    first, second = UploadFile(io.BytesIO(b"1")), UploadFile(io.BytesIO(b"2"))
    assert FormData([("f", first), ("f", second)]) == FormData([("f", first), ("f", second)])
    assert FormData([("f", first), ("f", second)]) != FormData([("f", second), ("f", first)])
    assert ImmutableMultiDict([(1, "a"), ("1", "b")]) == ImmutableMultiDict([("1", "b"), (1, "a")])


@pytest.mark.parametrize(
    ("url", "changes", "expected"),
    [
        ("http://a.com/p", {"hostname": "::1"}, "http://[::1]/p"),
        ("http://u:p@a.com:8/p", {"hostname": "2001:db8::1"}, "http://u:p@[2001:db8::1]:8/p"),
        ("http://a.com/p", {"hostname": "[::1]", "port": 9}, "http://[::1]:9/p"),
        ("http://a.com/p", {"hostname": "a:b"}, "http://a:b/p"),
        ("http://[::1]:8/p", {"port": 9}, "http://[::1]:9/p"),
        ("/path", {"port": 8}, "//:8/path"),
        ("", {"username": "u"}, "//u@"),
    ],
)
def test_url_replace_brackets_ipv6_and_survives_no_authority(url: str, changes: dict[str, Any], expected: str) -> None:
    assert str(URL(url).replace(**changes)) == expected


def test_url_path_protocol_is_a_literal() -> None:
    assert URLPath.__init__.__annotations__["protocol"] == "Literal['http', 'websocket', '']"
    with pytest.raises(AssertionError):
        URLPath("/", protocol="ftp")  # type: ignore[arg-type]


# Subclass hooks: the methods a subclass overrides are called where Starlette 1.10 calls them


def test_multidict_setdefault_asks_contains_and_getitem() -> None:
    class Hiding(MultiDict):
        def __contains__(self, key: Any) -> bool:
            return key != "hidden" and super().__contains__(key)

        def __getitem__(self, key: Any) -> Any:
            return f"<{super().__getitem__(key)}>"

        def append(self, key: Any, value: Any) -> None:
            raise AssertionError("setdefault stores without append")

    d = Hiding([("a", "1"), ("hidden", "h")])
    assert d.setdefault("a", "x") == "<1>"
    assert d.setdefault("new", "x") == "<x>"
    assert d.setdefault("hidden", "y") == "<y>"
    assert d.multi_items() == [("a", "1"), ("hidden", "h"), ("new", "x"), ("hidden", "y")]


def test_multidict_poplist_returns_the_stored_values_and_removes_through_pop() -> None:
    popped: list[tuple[Any, ...]] = []

    class Recording(MultiDict):
        def getlist(self, key: Any) -> list[Any]:
            return ["not stored"]

        def pop(self, *args: Any) -> Any:
            popped.append(args)
            return super().pop(*args)

    d = Recording([("a", "1"), ("b", "2"), ("a", "3")])
    assert d.poplist("a") == ["1", "3"]
    assert d.poplist("missing") == []
    d.setlist("b", [])
    assert popped == [("a",), ("missing",), ("b", None)]
    assert d.multi_items() == []


def test_multidicts_iterate_over_keys() -> None:
    class Renamed(ImmutableMultiDict[str, str]):
        def keys(self) -> Any:
            return ["renamed"]

    assert list(Renamed([("a", "1")])) == ["renamed"]


def test_headers_get_answers_through_an_overridden_getitem() -> None:
    class Defaulting(Headers):
        def __getitem__(self, key: str) -> str:
            if key == "missing":
                raise KeyError(key)
            return "always"

    h = Defaulting(raw=[(b"a", b"1")])
    assert h.get("a") == "always"
    assert h.get("b") == "always"
    assert h.get("missing", "fallback") == "fallback"
    assert Headers(raw=[(b"a", b"1")]).get("b", "fallback") == "fallback"


def test_headers_get_lets_other_errors_of_an_overridden_getitem_through() -> None:
    class Failing(MutableHeaders):
        def __getitem__(self, key: str) -> str:
            raise LookupError(key)

    with pytest.raises(LookupError):
        Failing().get("a")


def test_headers_repr_compares_against_len() -> None:
    class Padded(Headers):
        def __len__(self) -> int:
            return 99

    assert repr(Padded(raw=[(b"a", b"1")])) == "Padded(raw=[(b'a', b'1')])"


def test_mutable_headers_add_vary_header_goes_through_getlist_and_setitem() -> None:
    class Hooked(MutableHeaders):
        def getlist(self, key: str) -> list[str]:
            return [value.upper() for value in super().getlist(key)]

        def __setitem__(self, key: str, value: str) -> None:
            super().__setitem__(key, f"[{value}]")

    h = Hooked(raw=[(b"vary", b"a"), (b"x", b"1"), (b"vary", b"b")])
    h.add_vary_header("c")
    assert h.raw == [(b"vary", b"[A, B, c]"), (b"x", b"1")]
    with pytest.raises(TypeError, match="expected str instance, int found"):
        MutableHeaders().add_vary_header(1)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_form_data_close_reads_multi_items() -> None:
    upload = UploadFile(io.BytesIO(b"x"))

    class Extra(FormData):
        def multi_items(self) -> list[tuple[str, str | UploadFile]]:
            return [("extra", upload)]

    await Extra().close()
    assert upload.file.closed


def test_url_is_secure_and_repr_read_scheme_and_str() -> None:
    class Proxied(URL):
        @property
        def scheme(self) -> str:
            return "https"

        def __str__(self) -> str:
            return "shown"

    assert Proxied("http://h/").is_secure
    assert repr(Proxied("http://h/")) == "Proxied('shown')"
    assert repr(Proxied("http://u:p@h/")) == "Proxied('shown')"


def test_comma_separated_strings_repr_and_str_iterate() -> None:
    class Extended(CommaSeparatedStrings):
        def __iter__(self) -> Iterator[str]:
            yield from [*super().__iter__(), "z"]

    assert repr(Extended("a")) == "Extended(['a', 'z'])"
    assert str(Extended("a")) == "'a', 'z'"
