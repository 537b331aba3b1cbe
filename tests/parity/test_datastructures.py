"""Compiled vs pure datastructures twins: the same functions over plain data give the same results, the same
exceptions (type and message) and leave the same raw lists behind, without leaks.

Both twins are imported explicitly, so this runs in compiled and in pure mode alike; the compiled side
is skipped only when it was not built.
"""

from __future__ import annotations

import gc
import inspect
import tracemalloc
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.parity.twins import load

pure, compiled, needs_compiled, TWINS = load("datastructures")
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


# -- Surface ---------------------------------------------------------------------------------------------------


def public_functions(module: ModuleType) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("_") and inspect.isroutine(value) and value.__module__.startswith("starlette_c.")
    }


@needs_compiled
def test_compiled_twin_exports_the_pure_functions_with_their_signatures() -> None:
    assert compiled is not None
    theirs, mine = public_functions(pure), public_functions(compiled)
    theirs.pop("parse_host_header")  # the pure twin's import from _utils, not part of its interface
    assert set(theirs) == set(compiled.__all__) - {"RawHeaders", "HeadersFields"}
    assert set(theirs) <= set(mine)
    for name, func in theirs.items():
        assert list(inspect.signature(mine[name]).parameters) == list(inspect.signature(func).parameters), name


# -- Raw header lists ------------------------------------------------------------------------------------------


def run_on_copy(func_name: str, raw: Any, *args: Any) -> Case:
    def case(module: ModuleType) -> Any:
        target = list(raw) if isinstance(raw, list) else raw
        result = getattr(module, func_name)(target, *args)
        return result, target

    return case


class Holder:
    """What ``Headers`` is to the ``headers_*`` methods: an object holding ``_list``."""

    _list: Any


def on_holder(func_name: str, *args: Any, **kwargs: Any) -> Case:
    """``func_name(holder, *args, **kwargs)`` on a fresh holder: the result, the holder's list and the args."""

    def case(module: ModuleType) -> Any:
        holder = Holder()
        result = getattr(module, func_name)(holder, *args, **kwargs)
        return result, getattr(holder, "_list", "unset"), args, kwargs

    return case


@SETTINGS
@given(raw=st.one_of(raw_headers, hostile_raw), key=hostile_keys)
def test_headers_getitem_parity(raw: list[Any], key: Any) -> None:
    def case(module: ModuleType) -> Any:
        holder = Holder()
        holder._list = list(raw)
        return module.headers_getitem(holder, key), holder._list

    assert_same(case)


@SETTINGS
@given(
    mapping=st.one_of(st.none(), st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=3)),
    raw=st.one_of(st.none(), raw_headers),
    scope_headers=st.one_of(st.none(), raw_headers, hostile_raw),
)
def test_headers_init_parity(mapping: Any, raw: Any, scope_headers: Any) -> None:
    scope = None if scope_headers is None else {"headers": tuple(scope_headers)}
    assert_same(on_holder("headers_init", mapping, raw, scope))
    assert_same(on_holder("headers_init", headers=mapping, raw=raw, scope=None if scope is None else dict(scope)))


@pytest.mark.parametrize("twin", [pure, compiled], ids=["pure", "compiled"])
def test_headers_init_from_a_scope_stores_its_own_copy_back(twin: ModuleType | None) -> None:
    if twin is None:
        pytest.skip("the compiled twin is not built")
    shared = [(b"a", b"1")]
    scope: dict[str, Any] = {"headers": shared}
    holder = Holder()
    twin.headers_init(holder, scope=scope)
    assert holder._list == shared and holder._list is not shared and scope["headers"] is holder._list
    raw = [(b"b", b"2")]
    twin.headers_init(holder, raw=raw)
    assert holder._list is raw
    twin.headers_init(holder)
    assert holder._list == []
    with pytest.raises(KeyError) as caught:
        twin.headers_getitem(holder, "Missing")
    assert caught.value.args == ("Missing",)


@SETTINGS
@given(raw=st.one_of(raw_headers, hostile_raw), key=hostile_keys)
def test_headers_get_parity(raw: list[Any], key: Any) -> None:
    def case(module: ModuleType) -> Any:
        holder = type("Stock", (Holder,), {"__getitem__": module.headers_getitem})()
        holder._list = list(raw)
        return module.headers_get(holder, key, "default"), module.headers_get(holder, key), holder._list

    assert_same(case)


class Answering(Holder):
    """A holder whose own ``__getitem__`` answers ``headers_get``: KeyError for "missing", LookupError for "lost"."""

    def __getitem__(self, key: str) -> str:
        if key == "missing":
            raise KeyError(key)
        if key == "lost":
            raise LookupError(key)
        return f"own {key}"


@pytest.mark.parametrize("twin", [pure, compiled], ids=["pure", "compiled"])
def test_headers_get_asks_an_own_getitem(twin: ModuleType | None) -> None:
    if twin is None:
        pytest.skip("the compiled twin is not built")
    holder = Answering()
    holder._list = [(b"a", b"1")]
    assert twin.headers_get(holder, "a") == "own a"
    assert twin.headers_get(holder, "missing") is None
    assert twin.headers_get(holder, "missing", "default") == "default"
    with pytest.raises(LookupError):
        twin.headers_get(holder, "lost")
    with pytest.raises(AttributeError):
        twin.headers_get(Holder(), "a")


READERS = ("header_get", "header_getlist", "header_contains")
WRITERS = ("header_set", "header_delete", "header_setdefault", "header_append")


@SETTINGS
@given(raw=st.one_of(raw_headers, hostile_raw), key=hostile_keys)
def test_header_readers_parity(raw: list[Any], key: Any) -> None:
    assert_same(run_on_copy("header_get", raw, key, "default"))
    assert_same(run_on_copy("header_get", tuple(raw), key, None))
    assert_same(run_on_copy("header_getlist", raw, key))
    assert_same(run_on_copy("header_contains", raw, key))
    for name in ("header_keys", "header_values", "header_items"):
        assert_same(run_on_copy(name, raw))
    assert_same(lambda m: m.header_name(key))


@SETTINGS
@given(raw=st.one_of(raw_headers, hostile_raw), key=hostile_keys, value=hostile_values)
def test_header_writers_parity(raw: list[Any], key: Any, value: Any) -> None:
    for name in ("header_set", "header_setdefault", "header_append"):
        assert_same(run_on_copy(name, raw, key, value))
    assert_same(run_on_copy("header_delete", raw, key))
    assert_same(run_on_copy("header_set", tuple(raw), key, value))


@SETTINGS
@given(raw=st.one_of(raw_headers, hostile_raw), name=st.one_of(header_names, hostile_keys), value=header_values)
def test_raw_edits_parity(raw: list[Any], name: Any, value: bytes) -> None:
    assert_same(run_on_copy("raw_get", raw, name))
    assert_same(run_on_copy("raw_set", raw, name, value))
    assert_same(run_on_copy("raw_delete", raw, name))
    assert_same(run_on_copy("raw_add_vary", raw, value))
    assert_same(run_on_copy("raw_set", tuple(raw), name, value))
    assert_same(run_on_copy("raw_delete", tuple(raw), name))


@SETTINGS
@given(mapping=st.dictionaries(hostile_keys, hostile_values, max_size=4))
def test_encode_mapping_parity(mapping: dict[Any, Any]) -> None:
    assert_same(lambda m: m.encode_mapping(mapping))


class Sneaky(bytes):
    """A header name whose comparison edits the list being scanned."""

    target: list[Any] = []

    def __eq__(self, other: object) -> bool:
        Sneaky.target.clear()
        return False

    __hash__ = bytes.__hash__


@pytest.mark.parametrize("func_name", ["header_contains", "header_get", "header_getlist", "header_set"])
def test_a_name_that_edits_the_list_mid_scan_is_seen_alike(func_name: str) -> None:
    def case(module: ModuleType) -> Any:
        raw: list[Any] = [(Sneaky(b"x"), b"1"), (b"host", b"h"), (b"host", b"i")]
        Sneaky.target = raw
        args = {"header_get": ("host", None), "header_set": ("host", "v")}.get(func_name, ("host",))
        return getattr(module, func_name)(raw, *args), raw

    outcome = assert_same(case)
    if func_name == "header_contains":
        # NOTE: the scan is of the live list, so the edit hides the later `host` in both twins.
        assert outcome == ("returned", repr((False, [])))


@pytest.mark.parametrize("func_name", ["raw_set", "raw_delete", "header_set", "header_delete"])
def test_a_list_emptied_after_its_hits_were_found_is_refused_alike(func_name: str) -> None:
    def case(module: ModuleType) -> Any:
        raw: list[Any] = [(b"host", b"h"), (b"host", b"i"), (Sneaky(b"x"), b"1")]
        Sneaky.target = raw
        name: Any = "host" if func_name.startswith("header") else b"host"
        args = (name, "v" if func_name == "header_set" else b"v") if func_name.endswith("set") else (name,)
        return getattr(module, func_name)(raw, *args), raw

    # NOTE: the positions found before the list was emptied are out of range: an IndexError, never a wild write.
    assert assert_same(case)[:2] == ("raised", "IndexError")


# -- Query strings ---------------------------------------------------------------------------------------------


@SETTINGS
@given(query=query_text)
def test_parse_query_parity(query: str) -> None:
    assert_same(lambda m: m.parse_query(query))


def test_parse_query_reads_a_str_subclass_as_its_text() -> None:
    class Text(str):
        pass

    for module in (m for m in (pure, compiled) if m is not None):
        assert module.parse_query(Text("a=1&b=%20")) == [("a", "1"), ("b", " ")]


@pytest.mark.parametrize("query", [b"a=1", None, 3, ["a=1"]])
def test_parse_query_of_non_text_parity(query: Any) -> None:
    assert_same(lambda m: m.parse_query(query))


def test_parse_query_huge_input_parity() -> None:
    query = "&".join(f"k{i}=v%20{i}+x%C3%A9" for i in range(50_000))
    assert_same(lambda m: len(m.parse_query(query)))


class MultiDictHolder:
    """What ``QueryParams`` is to ``query_params_init``: ``_dict``, ``_list`` and the general path it hands to."""

    _dict: Any
    _list: Any

    def _stringified(self, source: Any, kwargs: dict[str, Any]) -> None:
        self._list = ("stringified", source, kwargs)


def on_multidict(func_name: str, *args: Any, **kwargs: Any) -> Case:
    def case(module: ModuleType) -> Any:
        holder = MultiDictHolder()
        result = getattr(module, func_name)(holder, *args, **kwargs)
        return result, getattr(holder, "_dict", "unset"), getattr(holder, "_list", "unset")

    return case


class _Bytes(bytes):
    def decode(self, *args: Any, **kwargs: Any) -> str:
        return "own=decode"


class _Text(str):
    pass


QUERY_SOURCES: list[Any] = [
    b"a=1&b=%20&a=2",
    "a=1&b=+",
    "",
    b"",
    b"\xe9=\xff",
    _Bytes(b"a=1"),
    _Text("x=%41"),
    [("a", 1)],
    {"a": 1},
    None,
    3,
]


@pytest.mark.parametrize("source", QUERY_SOURCES)
@pytest.mark.parametrize("kwargs", [{}, {"k": "v"}])
def test_query_params_init_parity(source: Any, kwargs: dict[str, Any]) -> None:
    assert_same(on_multidict("query_params_init", source, **kwargs))


def test_query_params_init_arguments_parity() -> None:
    assert_same(on_multidict("query_params_init"))
    assert_same(on_multidict("query_params_init", k="v"))
    assert_same(on_multidict("query_params_init", "a=1", "b=2"))


@SETTINGS
@given(pairs=st.lists(st.one_of(st.tuples(keys, values), st.tuples(keys), st.text(max_size=3), st.integers())))
def test_multidict_store_parity(pairs: list[Any]) -> None:
    assert_same(on_multidict("multidict_store", pairs))
    if all(isinstance(pair, tuple) and len(pair) == 2 for pair in pairs):
        assert_same(on_multidict("multidict_store", pairs, True))


def test_multidict_store_keeps_the_list_itself() -> None:
    for module in (m for m in (pure, compiled) if m is not None):
        holder = MultiDictHolder()
        pairs = [("a", "1"), ("a", "2")]
        module.multidict_store(holder, pairs)
        assert holder._list is pairs and holder._dict == {"a": "2"}


# -- URLs from scopes ------------------------------------------------------------------------------------------

host_values = st.one_of(
    st.sampled_from([b"example.com", b"example.com:8000", b"[::1]:80", b"", b" ", b"a b", b"h:99999", b"\xe9.com"]),
    st.binary(max_size=10),
)
scope_headers = st.one_of(
    st.lists(st.tuples(st.sampled_from([b"host", b"Host", b"x"]), host_values), max_size=3), hostile_raw
)
servers: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(["s", "::1", "[::1]", "", "1.2.3.4"]), st.one_of(st.none(), st.integers(0, 70000))),
    st.just(("s",)),
    st.just(7),
)
paths: st.SearchStrategy[Any] = st.one_of(
    st.text(alphabet="/a?#\\%@:.\t\u00e9", max_size=10), st.none(), st.just(b"/x")
)
query_strings: st.SearchStrategy[Any] = st.one_of(st.binary(max_size=10), st.just("a=1"), st.just(bytearray(b"\xff")))


@SETTINGS
@given(
    headers=scope_headers,
    server=servers,
    path=paths,
    query_string=query_strings,
    scheme=st.sampled_from(["http", "https", "ws", "wss", "ftp", "HTTP"]),
)
def test_url_from_scope_parity(headers: Any, server: Any, path: Any, query_string: Any, scheme: str) -> None:
    scope = {"headers": headers, "server": server, "path": path, "query_string": query_string, "scheme": scheme}
    outcome = assert_same(lambda m: m.url_from_scope(dict(scope))[0])
    if compiled is not None and outcome[0] == "returned":
        url, parts = compiled.url_from_scope(dict(scope))
        assert parts is None or parts == urlsplit(url)


@pytest.mark.parametrize("scope", [{}, {"path": "/"}, {"headers": []}, {"path": "/", "headers": None}])
def test_url_from_incomplete_scope_parity(scope: dict[str, Any]) -> None:
    assert_same(lambda m: m.url_from_scope(dict(scope)))


# -- Resources -------------------------------------------------------------------------------------------------


@needs_compiled
def test_compiled_twin_does_not_leak() -> None:
    assert compiled is not None
    raw = [(b"host", b"example.com"), (b"x", b"\xff"), (b"x", b"2")]
    scope = {"path": "/p?x", "headers": raw, "server": ("::1", 8000), "query_string": b"a=%C3%A9&b=\xff"}

    def work() -> None:
        edited = list(raw)
        compiled.header_get(edited, "X", None)
        compiled.header_contains(edited, "missing")
        compiled.header_getlist(edited, "x")
        compiled.header_set(edited, "X", "1")
        compiled.header_delete(edited, "host")
        compiled.raw_add_vary(edited, b"Origin")
        compiled.parse_query("a=1&b=%20+c&d=%zz&\u00e9=%E2%82%AC")
        compiled.url_from_scope(scope)
        for bad in (lambda: compiled.header_get([1], "x", None), lambda: compiled.header_name(None)):
            try:
                bad()
            except (TypeError, AttributeError):
                pass

    for _ in range(200):
        work()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(3000):
            work()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 20_000
