"""Compiled vs pure datastructures twins: same results, same exceptions (type and message), no leaks.

Both twins are imported explicitly, so this runs in compiled and in pure mode alike; the compiled side
is skipped only when it was not built.
"""

from __future__ import annotations

import copy
import functools
import gc
import importlib
import inspect
import pickle
import sys
import tracemalloc
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.parity.twins import load

pure, compiled, needs_compiled, TWINS = load("datastructures")
PUBLIC = ("URL", "ImmutableMultiDict", "QueryParams", "Headers", "MutableHeaders")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Case = Callable[[ModuleType], Any]


def observe(case: Case, module: ModuleType) -> tuple[str, ...]:
    try:
        return ("returned", repr(case(module)))
    except Exception as exc:
        return ("raised", type(exc).__name__, str(exc))


def attempt(func: Callable[[], Any]) -> tuple[str, ...]:
    try:
        return ("returned", repr(func()))
    except Exception as exc:
        return ("raised", type(exc).__name__, str(exc))


def assert_same(case: Case) -> tuple[str, ...]:
    if compiled is None:
        pytest.skip("the compiled twin is not built")
    expected = observe(case, pure)
    assert observe(case, compiled) == expected
    return expected


# -- Strategies: ordinary values and hostile ones -------------------------------------------------

header_names = st.one_of(
    st.sampled_from([b"host", b"content-type", b"accept", b"set-cookie", b"vary", b"x-a"]),
    st.binary(max_size=8),
    st.sampled_from([b"Host", b"CONTENT-TYPE", b"X-A"]),
)
header_values = st.one_of(st.binary(max_size=12), st.sampled_from([b"", b"a", b"\xff\xfe", b"text/html"]))
good_pair = st.tuples(header_names, header_values)
hostile_pair: st.SearchStrategy[Any] = st.one_of(
    st.tuples(st.text(max_size=4), header_values),
    st.tuples(header_names, st.text(max_size=4)),
    st.tuples(header_names),
    st.tuples(header_names, header_values, header_values),
    st.lists(header_names, min_size=2, max_size=2),
    st.none(),
    st.integers(),
    st.binary(min_size=2, max_size=2),
)
raw_headers = st.lists(good_pair, max_size=8)
hostile_raw = st.lists(st.one_of(good_pair, good_pair, hostile_pair), max_size=6)
keys: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(["host", "Host", "CONTENT-TYPE", "x-a", "X-A", "vary", "missing", "", "ß", "İ", "\u0130x", "é"]),
    st.text(max_size=6),
    st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=6),
)
hostile_keys: st.SearchStrategy[Any] = st.one_of(keys, st.none(), st.integers(), st.binary(max_size=3))
values: st.SearchStrategy[Any] = st.one_of(st.text(max_size=8), st.text(alphabet=st.characters(max_codepoint=0xFF)))
hostile_values: st.SearchStrategy[Any] = st.one_of(values, st.none(), st.integers(), st.binary(max_size=3))
query_text = st.one_of(
    st.text(alphabet="ab=&+%20Ff9 é", max_size=24),
    st.text(alphabet="%%%0289aAcCeEfFgz=&+€\x00\x7f", max_size=30),
    st.text(max_size=16),
    st.sampled_from(["a=1&b=2&a=3", "a", "=x", "&&", "a=%zz", "a+b=c+d", "%E2%82%AC=%ff", "a=1;b=2"]),
)
multi_items: st.SearchStrategy[Any] = st.lists(
    st.tuples(st.one_of(st.text(max_size=3), st.integers(0, 3)), st.one_of(st.text(max_size=3), st.integers())),
    max_size=6,
)


# -- Surface ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", TWINS)
@pytest.mark.parametrize("name", PUBLIC)
def test_public_surface_is_the_same(module: ModuleType, name: str) -> None:
    theirs, mine = getattr(pure, name), getattr(module, name)
    assert [cls.__name__ for cls in mine.__mro__] == [cls.__name__ for cls in theirs.__mro__]
    assert mine.__module__ == "starlette_c.datastructures"
    assert inspect.signature(mine) == inspect.signature(theirs)
    public = {attr for attr in dir(theirs) if not attr.startswith("_") or attr in ("__init__", "__eq__", "__hash__")}
    assert public <= set(dir(mine))
    for attr in public:
        their_attr, my_attr = inspect.getattr_static(theirs, attr), inspect.getattr_static(mine, attr)
        if inspect.isfunction(their_attr):
            # NOTE: compiled methods are Cython functions: the signature must match, not the type.
            assert callable(my_attr), attr
            mine_params = [(p.name, p.kind, p.default) for p in inspect.signature(my_attr).parameters.values()]
            their_params = [(p.name, p.kind, p.default) for p in inspect.signature(their_attr).parameters.values()]
            assert mine_params == their_params, attr
        else:
            assert type(my_attr) is type(their_attr), attr


@pytest.mark.parametrize("module", TWINS)
def test_subclassing_generics_pickle_and_copy(module: ModuleType) -> None:
    class MyHeaders(module.MutableHeaders):  # type: ignore[name-defined,misc]
        pass

    h = MyHeaders({"A": "1"})
    h["b"] = "2"
    assert isinstance(h, module.Headers)
    assert repr(h) == "MyHeaders({'a': '1', 'b': '2'})"
    assert module.ImmutableMultiDict[str, int].__origin__ is module.ImmutableMultiDict
    for value in (
        module.MutableHeaders({"a": "1"}),
        module.Headers(raw=[(b"a", b"1")]),
        module.QueryParams("a=1&a=2"),
        module.ImmutableMultiDict([("a", 1)]),
        module.URL("http://u:p@h/x?y#z"),
    ):
        assert copy.copy(value) == value
        assert copy.deepcopy(value) == value
        if module is pure:
            continue
        # NOTE: instances pickle by reference to the public module, whose classes are the live twin's.
        public = importlib.import_module("starlette_c.datastructures")
        if getattr(public, type(value).__name__) is type(value):
            assert pickle.loads(pickle.dumps(value)) == value
    with pytest.raises(TypeError):
        hash(module.Headers())


# -- Headers ---------------------------------------------------------------------------------------


def header_ops(h: Any, key: Any) -> list[tuple[str, ...]]:
    ops: list[Callable[[], Any]] = [
        lambda: h.get(key),
        lambda: h.get(key, "d"),
        lambda: h[key],
        lambda: key in h,
        lambda: h.getlist(key),
        lambda: h.keys(),
        lambda: h.values(),
        lambda: h.items(),
        lambda: list(h),
        lambda: len(h),
        lambda: h.raw,
        lambda: repr(h),
        lambda: h == h.mutablecopy(),
        lambda: h.mutablecopy().raw,
        lambda: dict(h),
    ]
    return [attempt(op) for op in ops]


@SETTINGS
@given(raw=st.one_of(raw_headers, hostile_raw), key=hostile_keys)
def test_headers_read_parity(raw: list[Any], key: Any) -> None:
    if compiled is None:
        pytest.skip("the compiled twin is not built")
    assert header_ops(compiled.Headers(raw=list(raw)), key) == header_ops(pure.Headers(raw=list(raw)), key)
    as_tuple = tuple(raw)
    assert header_ops(compiled.Headers(raw=as_tuple), key) == header_ops(pure.Headers(raw=as_tuple), key)  # type: ignore[arg-type]


@SETTINGS
@given(mapping=st.dictionaries(hostile_keys, hostile_values, max_size=4))
def test_headers_from_mapping_parity(mapping: dict[Any, Any]) -> None:
    assert_same(lambda m: m.Headers(mapping).raw)
    assert_same(lambda m: m.MutableHeaders(headers=mapping).items())


@SETTINGS
@given(raw=raw_headers)
def test_headers_from_scope_parity(raw: list[tuple[bytes, bytes]]) -> None:
    def case(m: ModuleType) -> Any:
        shared = list(raw)
        scope = {"headers": shared}
        h = m.Headers(scope=scope)
        return h.raw, scope["headers"] is h.raw, scope["headers"] is shared

    assert_same(case)
    assert_same(lambda m: m.Headers(headers={"a": "b"}, raw=[]))
    assert_same(lambda m: m.Headers(raw=[], scope={}))
    assert_same(lambda m: m.Headers(headers={}, scope={}))


@SETTINGS
@given(raw=st.one_of(raw_headers, hostile_raw), key=hostile_keys)
def test_headers_from_scope_factory_is_the_constructor(raw: list[Any], key: Any) -> None:
    def case(m: ModuleType, factory: bool) -> Any:
        shared = list(raw)
        scope = {"headers": shared}
        h = m.headers_from_scope(scope) if factory else m.Headers(scope=scope)
        return (
            type(h) is m.Headers,
            vars(h),
            scope["headers"] is h._list,
            scope["headers"] is shared,
            header_ops(h, key),
        )

    for m in [module for module in (pure, compiled) if module is not None]:
        assert case(m, factory=True) == case(m, factory=False)
    assert_same(lambda m: case(m, factory=True))
    assert_same(lambda m: m.headers_from_scope({}))
    assert_same(lambda m: m.headers_from_scope({"headers": None}))


mutations = st.lists(
    st.one_of(
        st.tuples(st.just("set"), hostile_keys, hostile_values),
        st.tuples(st.just("del"), hostile_keys, st.none()),
        st.tuples(st.just("setdefault"), hostile_keys, hostile_values),
        st.tuples(st.just("append"), hostile_keys, hostile_values),
        st.tuples(st.just("vary"), st.none(), hostile_values),
        st.tuples(st.just("update"), st.dictionaries(keys, values, max_size=3), st.none()),
        st.tuples(st.just("or"), st.one_of(st.dictionaries(keys, values, max_size=2), st.integers()), st.none()),
        st.tuples(st.just("ior"), st.one_of(st.dictionaries(keys, values, max_size=2), st.none()), st.none()),
    ),
    max_size=8,
)


def apply(h: Any, op: str, key: Any, value: Any) -> Any:
    if op == "set":
        h[key] = value
    elif op == "del":
        del h[key]
    elif op == "setdefault":
        return h.setdefault(key, value)
    elif op == "append":
        h.append(key, value)
    elif op == "vary":
        h.add_vary_header(value)
    elif op == "update":
        h.update(key)
    elif op == "or":
        return (h | key).raw
    elif op == "ior":
        h |= key
    return None


@SETTINGS
@given(raw=st.one_of(raw_headers, hostile_raw), ops=mutations, as_tuple=st.booleans())
def test_mutable_headers_parity(raw: list[Any], ops: list[tuple[str, Any, Any]], as_tuple: bool) -> None:
    def case(m: ModuleType) -> Any:
        h = m.MutableHeaders(raw=tuple(raw) if as_tuple else list(raw))
        trail: list[Any] = []
        for op, key, value in ops:
            trail.append(attempt(functools.partial(apply, h, op, key, value)))
            trail.append(repr(h.raw))
        return trail

    assert_same(case)


# -- Query strings and multi-dicts -----------------------------------------------------------------


@SETTINGS
@given(query=query_text, as_bytes=st.booleans(), extra=st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))
def test_query_params_parity(query: str, as_bytes: bool, extra: dict[str, int]) -> None:
    source: Any = query.encode("utf-8") if as_bytes else query

    def case(m: ModuleType) -> Any:
        q = m.QueryParams(source, **extra)
        return q.multi_items(), str(q), repr(q), dict(q), q.getlist("a"), q.get("a"), len(q), list(q)

    assert_same(case)


@SETTINGS
@given(query=query_text, as_bytes=st.booleans())
def test_query_params_from_string_factory_is_the_constructor(query: str, as_bytes: bool) -> None:
    source: Any = query.encode("utf-8") if as_bytes else query

    def case(m: ModuleType, build: Callable[[Any], Any]) -> Any:
        q = build(source)
        return type(q) is m.QueryParams, list(vars(q).items()), repr(q)

    for m in [module for module in (pure, compiled) if module is not None]:
        assert case(m, m.query_params_from_string) == case(m, m.QueryParams)
    assert_same(lambda m: case(m, m.query_params_from_string))
    assert_same(lambda m: m._parse_query(query))


class StrSubclass(str):
    pass


class BytesSubclass(bytes):
    pass


@pytest.mark.parametrize(
    "source",
    [[("a", 1)], {"a": 2}, StrSubclass("a=1&a=2"), BytesSubclass(b"b=%20"), None, 3, [("a",)]],
    ids=["pairs", "mapping", "str-subclass", "bytes-subclass", "none", "int", "bad-pairs"],
)
def test_query_params_from_string_other_inputs_go_through_the_constructor(source: Any) -> None:
    def summary(q: Any) -> Any:
        return type(q).__name__, list(vars(q).items())

    for m in [module for module in (pure, compiled) if module is not None]:
        from_factory = observe(lambda m: summary(m.query_params_from_string(source)), m)
        assert from_factory == observe(lambda m: summary(m.QueryParams(source)), m)
    assert_same(lambda m: summary(m.query_params_from_string(source)))


def test_parse_query_reads_a_str_subclass_as_its_text() -> None:
    assert assert_same(lambda m: m._parse_query(StrSubclass("a=1&%41=+"))) == ("returned", "[('a', '1'), ('A', ' ')]")


@needs_compiled
@pytest.mark.parametrize("query", [b"a=1", None])
def test_compiled_parse_query_refuses_non_text(query: Any) -> None:
    assert compiled is not None
    with pytest.raises(TypeError, match="expected a str"):
        compiled._parse_query(query)


@SETTINGS
@given(items=st.one_of(multi_items, st.dictionaries(st.text(max_size=3), st.integers(), max_size=4)))
def test_multidicts_parity(items: Any) -> None:
    def case(m: ModuleType) -> Any:
        d = m.ImmutableMultiDict(items)
        q = m.QueryParams(items)
        return (
            d.multi_items(),
            list(d.items()),
            d.getlist(0),
            d.getlist("a"),
            repr(d),
            d == m.ImmutableMultiDict(list(reversed(d.multi_items()))),
            repr(q),
            q.multi_items(),
            m.ImmutableMultiDict(d, x=1).multi_items(),
        )

    assert_same(case)


@pytest.mark.parametrize(
    "value",
    [None, "", "ab", 1, [("a",)], [("a", 1, 2)], [1], {"a": 1}, b"a=1", [[1, 2]], iter([("a", 1)]), ((1, 2),)],
)
def test_multidict_hostile_inputs(value: Any) -> None:
    assert_same(lambda m: m.ImmutableMultiDict(copy.copy(value)).multi_items())
    assert_same(lambda m: m.QueryParams(copy.copy(value)).multi_items())
    assert_same(lambda m: m.ImmutableMultiDict(value, value))
    assert_same(lambda m: m.QueryParams(value, value))


# -- URLs ------------------------------------------------------------------------------------------

paths = st.one_of(
    st.sampled_from(["/", "/a/b", "", "x", "//evil.com/x", "/a?b", "/a#b", "\\\\x", "/a b/é", "/%2F"]),
    st.text(max_size=10),
)
hosts = st.one_of(
    st.none(),
    st.sampled_from([b"example.org", b"example.org:8000", b"[::1]:80", b"bad host", b"a@b", b"h:99999", b"\xe9.org"]),
    st.binary(max_size=10),
)
servers = st.one_of(
    st.none(),
    st.tuples(
        st.sampled_from(["testserver", "::1", "[::1]", "10.0.0.1", ""]), st.one_of(st.none(), st.integers(0, 70000))
    ),
)


@SETTINGS
@given(
    path=paths,
    host=hosts,
    server=servers,
    scheme=st.sampled_from(["http", "https", "ws", "wss", "HTTP", "ftp", "a b"]),
    query=st.one_of(st.binary(max_size=10), st.sampled_from([b"", b"a=1&b=2", b"x=\xff", b"a#b", b"q=%20"])),
    missing=st.sampled_from(["", "scheme", "query_string", "server"]),
)
def test_url_from_scope_parity(
    path: str, host: bytes | None, server: Any, scheme: str, query: bytes, missing: str
) -> None:
    scope: dict[str, Any] = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "path": path,
        "query_string": query,
        "headers": [] if host is None else [(b"accept", b"*/*"), (b"host", host)],
    }
    scope.pop(missing, None)

    def case(m: ModuleType) -> Any:
        url = m.URL(scope=dict(scope))
        return (
            str(url),
            repr(url),
            url.components,
            url.scheme,
            url.netloc,
            url.path,
            url.query,
            url.fragment,
            url.is_secure,
            attempt(lambda: (url.hostname, url.username, url.password)),
            attempt(lambda: url.port),
        )

    assert_same(case)


@SETTINGS
@given(
    url=st.one_of(
        st.sampled_from(["http://u:p@h:1/x?a=1&b=2#f", "https://[::1]:8000/p", "/rel?x=1", "", "ws://h"]),
        st.text(max_size=14),
    ),
    params=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.one_of(st.integers(), st.text(max_size=3)), max_size=2),
    component=st.sampled_from(
        ["scheme", "path", "query", "hostname", "port", "username", "password", "netloc", "bogus"]
    ),
    value=st.one_of(st.none(), st.text(max_size=5), st.integers(0, 99999)),
)
def test_url_methods_parity(url: str, params: dict[str, Any], component: str, value: Any) -> None:
    assert_same(lambda m: repr(m.URL(url)))
    assert_same(lambda m: m.URL(url).replace(**{component: value}))
    assert_same(lambda m: m.URL(url).include_query_params(**params))
    assert_same(lambda m: m.URL(url).replace_query_params(**params))
    assert_same(lambda m: m.URL(url).remove_query_params(list(params)))
    assert_same(lambda m: m.URL(url).remove_query_params("a"))
    assert_same(lambda m: m.URL(url) == url)
    assert_same(lambda m: m.URL(**{component: value}))
    assert_same(lambda m: m.URL(url, scope={}))
    assert_same(lambda m: m.URL(scope={"path": "/"}, path="/"))
    assert_same(lambda m: m.URL(url, path="/"))


# -- Leaks -----------------------------------------------------------------------------------------


def drive(m: ModuleType, shared_raw: list[tuple[bytes, bytes]], shared_key: str, shared_query: bytes) -> None:
    scope: dict[str, Any] = {"type": "http", "scheme": "https", "server": ("h", 443), "path": "/a//b?"}
    scope["query_string"] = shared_query
    scope["headers"] = shared_raw
    h = m.Headers(scope=scope)
    h.get(shared_key)
    h.get("missing")
    _ = shared_key in h
    h.getlist(shared_key)
    h.items()
    try:
        h["missing"]
    except KeyError:
        pass
    try:
        h.get(None)
    except AttributeError:
        pass
    mh = h.mutablecopy()
    mh[shared_key] = "v"
    mh.setdefault("x-new", "1")
    mh.append("x-new", "2")
    del mh["x-new"]
    mh.add_vary_header("Accept")
    try:
        mh["k"] = "\u20ac"
    except UnicodeEncodeError:
        pass
    try:
        m.Headers(raw=[(b"a",)]).get("a")
    except ValueError:
        pass
    q = m.QueryParams(shared_query)
    q.getlist("a")
    m.query_params_from_string(shared_query).get("a")
    m.headers_from_scope(scope).get(shared_key)
    m.ImmutableMultiDict([("a", 1), ("a", 2)]).getlist("a")
    url = m.URL(scope=scope)
    _ = (url.path, url.query, url.netloc)
    url.include_query_params(z=1)


@needs_compiled
def test_compiled_twin_does_not_leak() -> None:
    assert compiled is not None
    shared_raw = [(b"host", b"example.org"), (b"accept", b"text/html"), (b"x-a", b"1"), (b"x-a", b"2")]
    shared_key = "".join(["X-", "A"])  # a fresh, non-interned string
    shared_query = b"a=1&a=%20x&b=+&c"
    for _ in range(2000):  # warm the caches (lru caches, interned strings, specialisation)
        drive(compiled, shared_raw, shared_key, shared_query)
    counts = [sys.getrefcount(obj) for obj in (shared_raw, shared_key, shared_query, *shared_raw)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for index in range(100_000 // 10):
            drive(compiled, shared_raw, shared_key, shared_query)
            if index == 1000:
                gc.collect()
                before = tracemalloc.get_traced_memory()[0]
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 64 * 1024, f"memory grew by {after - before} bytes"
    assert [sys.getrefcount(obj) for obj in (shared_raw, shared_key, shared_query, *shared_raw)] == counts


def test_helpers_not_leaking_refcounts_on_errors() -> None:
    if compiled is None:
        pytest.skip("the compiled twin is not built")
    key = "".join(["ho", "st"])
    bad: list[Any] = [(b"host", b"1"), ("x", "y", "z")]
    before = sys.getrefcount(key), sys.getrefcount(bad), sys.getrefcount(bad[0])
    for _ in range(10_000):
        for op in (lambda: compiled.Headers(raw=bad)[key], lambda: key in compiled.Headers(raw=bad)):
            try:
                op()
            except ValueError:
                pass
    assert (sys.getrefcount(key), sys.getrefcount(bad), sys.getrefcount(bad[0])) == before
