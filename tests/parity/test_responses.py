"""Parity of the response twins: ``starlette_c._pure.responses`` against ``starlette_c._speedups.responses``.

Both twins get the same (random and hostile) inputs and must give equal results or equal exceptions.
The coroutines are driven by hand with a ``send`` that never suspends, so no event loop is involved.
"""

from __future__ import annotations

import contextlib
import gc
import json
import pickle
import sys
from collections.abc import Callable, Iterator, Mapping
from http import HTTPStatus
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.parity.twins import leaked_bytes, load

pure, compiled, needs_compiled, TWINS = load("responses")
PUBLIC = (
    "ReadPieces",
    "RawHeaders",
    "init_raw_headers",
    "send_stream",
    "send_file_range",
    "send_file_ranges",
    "StartTrackingSend",
    "start_tracking",
    "ResponseFields",
    "response_init",
    "json_response_init",
    "response_render",
    "json_response_render",
    "response_init_headers",
    "parse_byte_ranges",
    "merge_ranges",
)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- helpers -------------------------------------------------------------------------------------------------


def outcome(func: Callable[[], Any]) -> tuple[Any, ...]:
    """``("ok", repr(result))`` or ``("error", type, message)``."""
    try:
        result = func()
    except Exception as exc:
        return ("error", type(exc), str(exc))
    return ("ok", repr(result))


def run(coro: Any) -> None:
    """Drive a coroutine whose awaits never suspend."""
    while True:
        try:
            coro.send(None)
        except StopIteration:
            return


def normalise(value: Any) -> Any:
    if isinstance(value, memoryview):
        return ("memoryview", value.tobytes())
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items()}
    return value


class Recorder:
    """An ASGI ``send`` that records messages (and can fail on the n-th one)."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.messages: list[Any] = []
        self.fail_at = fail_at

    async def __call__(self, message: Any) -> None:
        if self.fail_at is not None and len(self.messages) == self.fail_at:
            raise OSError("client gone")
        self.messages.append(normalise(message))


class FakeReader:
    """An in-memory ``ReadPieces``: up to ``count`` pieces of ``size`` bytes a call, b"" past the end; records calls."""

    def __init__(self, data: bytes, size: Any, count: int = 3) -> None:
        self.data = data
        self.size = size
        self.count = count
        self.calls: list[tuple[Any, Any]] = []

    async def __call__(self, start: Any, end: Any) -> list[bytes]:
        self.calls.append((start, end))
        pieces: list[bytes] = []
        position = start
        while len(pieces) < self.count:
            piece = self.data[position : min(position + self.size, end)]
            pieces.append(piece)
            position += len(piece)
            if not piece or position >= end:
                break
        return pieces


class Chunks:
    """A plain async iterable (not a generator) over a list of chunks."""

    def __init__(self, chunks: list[Any]) -> None:
        self.chunks = chunks

    def __aiter__(self) -> Chunks:
        return self

    async def __anext__(self) -> Any:
        if not self.chunks:
            raise StopAsyncIteration
        return self.chunks.pop(0)


class ItemsMapping(Mapping[Any, Any]):
    """A Mapping whose ``items()`` yields whatever it was given (tuples, lists, junk)."""

    def __init__(self, items: list[Any]) -> None:
        self._items = items

    def __getitem__(self, key: Any) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> Any:
        return iter(self._items)


class EmptyLookingItems(ItemsMapping):
    """False (``len`` 0), yet its ``items()`` yields what it was given."""

    def __len__(self) -> int:
        return 0


class LoudStr(str):
    def lower(self) -> Any:
        return LoudStr(str.lower(self) + "-x")

    def encode(self, *args: Any) -> Any:
        return "not-bytes:" + str(self)


def both(call: Callable[[ModuleType], Any]) -> None:
    assert compiled is not None
    assert outcome(lambda: call(pure)) == outcome(lambda: call(compiled))


def run_both(make: Callable[[ModuleType, Recorder], Any], fail_at: int | None = None) -> None:
    assert compiled is not None
    results = []
    for module in (pure, compiled):
        send = Recorder(fail_at)

        def call(module: ModuleType = module, send: Recorder = send) -> None:
            run(make(module, send))

        results.append((outcome(call), send.messages))
    assert results[0] == results[1]


# --- strategies ----------------------------------------------------------------------------------------------

texts = st.text(max_size=12)
header_text = st.one_of(texts, st.sampled_from(["Content-Length", "CONTENT-TYPE", "content-type", "X-Ü", "€"]))
junk = st.one_of(st.none(), st.integers(), st.binary(max_size=4), st.floats(allow_nan=False), st.builds(LoudStr, texts))
header_dicts = st.dictionaries(st.one_of(header_text, header_text, junk), st.one_of(texts, texts, junk), max_size=5)
header_items = st.lists(
    st.one_of(
        st.tuples(header_text, texts),
        st.lists(header_text, max_size=3),
        st.tuples(texts, texts, texts),
        junk,
    ),
    max_size=4,
).map(ItemsMapping)
headers_strategy = st.one_of(st.none(), header_dicts, header_items)
lengths = st.one_of(
    st.integers(min_value=-3, max_value=10**4), st.integers(), st.sampled_from([True, False, 1.5, None])
)
media_types = st.one_of(
    st.none(),
    st.sampled_from(
        ["text/plain", "text/html; Charset=latin-1", "TEXT/plain", "application/json", "text/\u212aharset="]
    ),
    st.text(alphabet="texCHARSE/;=/ \u212a\u0130", max_size=24),
    st.builds(LoudStr, st.sampled_from(["text/plain", "x/y"])),
    junk,
)
charsets = st.one_of(st.sampled_from(["utf-8", "latin-1"]), texts, junk)
status_codes = st.one_of(
    st.sampled_from([100, 101, 199, 200, 204, 304, 404, HTTPStatus.NO_CONTENT, HTTPStatus.OK]),
    st.integers(),
    st.sampled_from([None, "200", 200.0, True]),
)
bodies = st.one_of(st.binary(max_size=8), st.binary(max_size=8).map(lambda data: memoryview(data)), texts, junk)
chunk_items = st.one_of(
    st.binary(max_size=6), st.binary(max_size=6).map(lambda data: memoryview(data)), texts, junk, bodies
)
more_bodies = st.sampled_from([True, False, 0, 1, "", "yes", None])


# --- surface -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", TWINS)
def test_public_surface(module: ModuleType) -> None:
    for name in PUBLIC:
        assert hasattr(module, name)
    assert module.RawHeaders == list[tuple[bytes, bytes]]
    assert pickle.loads(pickle.dumps(module.init_raw_headers)) is module.init_raw_headers


@needs_compiled
def test_same_public_names() -> None:
    def names(module: ModuleType) -> set[str]:
        return {name for name in vars(module) if not name.startswith("_") and name != "annotations"}

    assert compiled is not None
    assert names(pure) == names(compiled)
    import inspect

    for name in PUBLIC[2:]:
        assert inspect.iscoroutinefunction(getattr(compiled, name)) == inspect.iscoroutinefunction(getattr(pure, name))


@pytest.mark.parametrize("module", TWINS)
def test_init_raw_headers_examples(module: ModuleType) -> None:
    f = module.init_raw_headers
    assert f(None, 3, "text/plain", "utf-8", 200) == [
        (b"content-length", b"3"),
        (b"content-type", b"text/plain; charset=utf-8"),
    ]
    assert f({"Content-Type": "x/y", "X": "1"}, 0, "text/html", "utf-8", 204) == [
        (b"content-type", b"x/y"),
        (b"x", b"1"),
    ]
    assert f({}, -1, None, "utf-8", 200) == []
    assert f(None, 10**30, None, "utf-8", 200) == [(b"content-length", str(10**30).encode())]
    with pytest.raises(UnicodeEncodeError):
        f({"x": "€"}, 0, None, "utf-8", 200)


@pytest.mark.parametrize("module", TWINS)
def test_init_raw_headers_one_media_type_in_turn_with_other_charsets(module: ModuleType) -> None:
    for charset in ("utf-8", "latin-1", "utf-8", "utf-8"):
        raw = module.init_raw_headers(None, -1, "text/turns", charset, 200)
        assert raw == [(b"content-type", f"text/turns; charset={charset}".encode())]


# --- parity: init_raw_headers --------------------------------------------------------------------------------


@needs_compiled
@SETTINGS
@given(headers_strategy, lengths, media_types, charsets, status_codes)
def test_init_raw_headers_parity(headers: Any, body_length: Any, media_type: Any, charset: Any, status: Any) -> None:
    both(lambda module: module.init_raw_headers(headers, body_length, media_type, charset, status))


@needs_compiled
@pytest.mark.parametrize(
    "headers",
    [
        ItemsMapping([("a", "b"), ("c",)]),
        ItemsMapping([("a", "b", "c")]),
        ItemsMapping([1]),
        ItemsMapping([None]),
        ItemsMapping([["content-type", "x"]]),
        ItemsMapping([range(2)]),
        ItemsMapping([range(3)]),
        {LoudStr("Content-Type"): "x"},
        {"x": LoudStr("v")},
        {1: "x"},
        {"x": 1},
        {"\u212a": "x"},
        {"x": "\ud800"},
        EmptyLookingItems([("a", "b")]),
        [],
        False,
        0,
    ],
)
def test_init_raw_headers_hostile(headers: Any) -> None:
    both(lambda module: module.init_raw_headers(headers, 0, "text/plain", "utf-8", 200))


# --- building a response ----------------------------------------------------------------------------------


def response_classes(module: ModuleType, charset: Any = "utf-8") -> tuple[type[Any], type[Any]]:
    """A Response and a JSONResponse made of ``module``'s functions, the way ``starlette_c.responses`` makes them."""

    class TwinResponse:
        media_type: Any = None
        __init__ = module.response_init
        render = module.response_render
        init_headers = module.response_init_headers

    class TwinJSONResponse(TwinResponse):
        media_type = "application/json"
        __init__ = module.json_response_init
        render = module.json_response_render

    TwinResponse.charset = charset
    return TwinResponse, TwinJSONResponse


def built(cls: type[Any], *args: Any, **kwargs: Any) -> list[tuple[str, Any]]:
    """The attributes of a new ``cls(*args, **kwargs)``, in the order they were set."""
    return [(name, normalise(value)) for name, value in vars(cls(*args, **kwargs)).items()]


contents = st.one_of(
    texts,
    st.text(alphabet="a\ud800é", max_size=3),
    st.binary(max_size=8),
    st.binary(max_size=8).map(lambda data: memoryview(data)),
    st.builds(LoudStr, texts),
    junk,
)
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=6),
    st.text(alphabet='\x00\x1f"\\\u2028\ud800é', max_size=4),
    st.sampled_from([object(), b"x", {1, 2}, 1j]),
)
json_keys = st.one_of(st.text(max_size=4), st.integers(), st.floats(), st.booleans(), st.none(), st.tuples())
json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(json_keys, children, max_size=4),
    ),
    max_leaves=12,
)


@needs_compiled
@SETTINGS
@given(contents, status_codes, headers_strategy, media_types, charsets)
def test_response_init_parity(content: Any, status: Any, headers: Any, media_type: Any, charset: Any) -> None:
    both(lambda module: built(response_classes(module, charset)[0], content, status, headers, media_type))


@needs_compiled
@SETTINGS
@given(json_values, status_codes)
def test_json_response_init_parity(content: Any, status: Any) -> None:
    both(lambda module: built(response_classes(module)[1], content, status))
    try:
        expected: Any = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    except Exception as exc:
        expected = type(exc)
    assert compiled is not None
    with pytest.raises(Exception) if isinstance(expected, type) else contextlib.nullcontext():
        assert compiled.json_response_render(None, content) == expected


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def circular() -> dict[str, Any]:
    value: dict[str, Any] = {"a": 1}
    value["self"] = [value]
    return value


@needs_compiled
@pytest.mark.parametrize(
    "content",
    [
        [-(2**63), 2**63 - 1, -(2**63) - 1, 2**63, 2**64, 10**5000, 0, -1],
        [0.0, -0.0, 1e16, 1.5e-7, 2.5, float("inf")],
        ['\x00\x07\x08\x09\x0a\x0b\x0c\x0d\x1f\x20\x7f"\\/', "é€😀", "x" * 1000 + "\n"],
        {"é\n": {"k": ["\ud800"]}},
        {"\udfff": 1},
        {"a": 1, 2: "non-str key after a str one"},
        [{"a": [1, (2, {"b": None})]}, True, False, None, (), {}],
        [[1], [object()]],
        nested(40),
        nested(5000),
        circular(),
        {"x" * 200: ["y" * 300] * 3},
    ],
)
def test_json_render_edge_cases(content: Any) -> None:
    both(lambda module: module.json_response_render(None, content))


@pytest.mark.parametrize("module", TWINS)
def test_response_init_calls_overridden_methods(module: ModuleType) -> None:
    base, json_base = response_classes(module)
    calls: list[Any] = []

    def recording_init_headers(self: Any, headers: Any = None) -> None:
        calls.append(("init_headers", headers, self.body))
        module.response_init_headers(self, headers)

    class Overridden(base):  # type: ignore[valid-type, misc]
        def render(self, content: Any) -> bytes:
            calls.append(("render", content))
            return super().render(b"r")  # type: ignore[no-any-return]

        init_headers = recording_init_headers

    class JSONOverridden(json_base):  # type: ignore[valid-type, misc]
        init_headers = recording_init_headers

    assert built(Overridden, "c", 201, {"h": "v"}) == [
        ("status_code", 201),
        ("background", None),
        ("body", b"r"),
        ("raw_headers", [(b"h", b"v"), (b"content-length", b"1")]),
    ]
    assert built(JSONOverridden, [1], media_type="a/b") == [
        ("status_code", 200),
        ("media_type", "a/b"),
        ("background", None),
        ("body", b"[1]"),
        ("raw_headers", [(b"content-length", b"3"), (b"content-type", b"a/b")]),
    ]
    assert calls == [("render", "c"), ("init_headers", {"h": "v"}, b"r"), ("init_headers", None, b"[1]")]


@pytest.mark.parametrize("module", TWINS)
def test_response_init_with_a_body_that_is_not_bytes(module: ModuleType) -> None:
    class Odd(response_classes(module)[0]):  # type: ignore[misc]
        def render(self, content: Any) -> Any:
            return content

    assert built(Odd, None, 200)[-1] == ("raw_headers", [])
    assert built(Odd, bytearray(b"abc"), 200)[-1] == ("raw_headers", [(b"content-length", b"3")])
    with pytest.raises(TypeError):
        Odd(5)


@pytest.mark.parametrize("module", TWINS)
def test_render_memoryviews_as_bytes(module: ModuleType) -> None:
    from array import array

    cls = response_classes(module)[0]
    plain = memoryview(b"abc")
    typed = memoryview(array("i", [1, 2, 3]))
    grid = memoryview(bytes(range(12))).cast("B", (3, 4))
    strided = memoryview(b"abcdef")[::2]
    for view, data in ((plain, b"abc"), (typed, typed.tobytes()), (grid, bytes(range(12))), (strided, b"ace")):
        response = cls(view)
        body = response.body
        assert bytes(body) == data
        if isinstance(body, memoryview):
            assert (body.format, body.ndim, body.obj) == ("B", 1, view.obj)
        assert response.raw_headers == [(b"content-length", str(len(data)).encode())]
    released = memoryview(b"x")
    released.release()
    with pytest.raises(ValueError):
        cls(released)


@pytest.mark.parametrize("module", TWINS)
def test_json_render_honours_a_patched_dumps(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def dumps(content: Any, **options: Any) -> str:
        seen.append((content, options))
        return "patched"

    monkeypatch.setattr(json, "dumps", dumps)
    assert module.json_response_render(None, [1]) == b"patched"
    assert seen == [([1], {"ensure_ascii": False, "allow_nan": False, "indent": None, "separators": (",", ":")})]


# --- the tracking send ------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", TWINS)
def test_start_tracking_send(module: ModuleType) -> None:
    send = Recorder()
    tracker = module.start_tracking(send)
    assert type(tracker) is module.StartTrackingSend
    assert tracker.send is send and tracker.started is False
    assert module.start_tracking(tracker) is tracker, "a tracker that has not started is shared"
    run(tracker({"type": "http.response.body", "body": b""}))
    assert tracker.started is False
    run(tracker({"type": "http.response.start", "status": 200}))
    assert tracker.started is True
    assert [message["type"] for message in send.messages] == ["http.response.body", "http.response.start"]
    fresh = module.start_tracking(tracker)
    assert type(fresh) is module.StartTrackingSend
    assert fresh.send is tracker and fresh.started is False, "a started tracker is wrapped, not shared"


@pytest.mark.parametrize("module", TWINS)
def test_start_tracking_send_returns_the_wrapped_awaitable(module: ModuleType) -> None:
    marker = object()
    tracker = module.StartTrackingSend(lambda message: marker)
    assert tracker({"type": "http.response.start"}) is marker
    assert tracker.started is True


@needs_compiled
@SETTINGS
@given(st.one_of(junk, st.dictionaries(st.sampled_from(["type", "status"]), st.one_of(texts, junk), max_size=2)))
def test_start_tracking_send_parity(message: Any) -> None:
    def call(module: ModuleType) -> Any:
        tracker = module.StartTrackingSend(Recorder(fail_at=0))
        return outcome(lambda: run(tracker(message))), tracker.started

    both(call)


# --- parity: the coroutines ----------------------------------------------------------------------------------


@needs_compiled
@SETTINGS
@given(st.lists(chunk_items, max_size=6), charsets, st.none() | st.integers(0, 4), st.booleans())
def test_send_stream_parity(chunks: list[Any], charset: Any, fail_at: int | None, generator: bool) -> None:
    def make(module: ModuleType, send: Recorder) -> Any:
        if generator:

            async def gen() -> Any:
                for chunk in chunks:
                    yield chunk

            iterator: Any = gen()
        else:
            iterator = Chunks(list(chunks))
        return module.send_stream(send, 200, [], iterator, charset)

    run_both(make, fail_at)


@pytest.mark.parametrize("module", TWINS)
def test_send_stream_chunks_skip_the_started_trackers(module: ModuleType) -> None:
    send = Recorder()
    inner = module.StartTrackingSend(send)
    outer = module.StartTrackingSend(inner)
    calls: list[Any] = []

    def record(message: Any) -> Any:
        calls.append(message["type"])
        return inner(message)

    wrapped = module.StartTrackingSend(record)
    run(module.send_stream(outer, 200, [], Chunks([b"a", "b"]), "utf-8"))
    assert (outer.started, inner.started) == (True, True)
    assert [message["body"] for message in send.messages[1:]] == [b"a", b"b", b""]
    # A tracker wrapping anything but another tracker is where the skipping stops.
    run(module.send_stream(wrapped, 200, [], Chunks([b"c"]), "utf-8"))
    assert calls == ["http.response.start", "http.response.body", "http.response.body"]


@needs_compiled
@pytest.mark.parametrize("iterator", [None, 5, [b"a"], iter([b"a"])])
def test_send_stream_not_async_iterable(iterator: Any) -> None:
    run_both(lambda module, send: module.send_stream(send, 200, [], iterator, "utf-8"))


positions = st.one_of(st.integers(-3, 40), st.sampled_from([None, 1.0, "1", True]))


@needs_compiled
@SETTINGS
@given(st.binary(max_size=40), positions, positions, st.one_of(st.integers(-2, 9), st.sampled_from([None, 2.5])))
def test_send_file_range_parity(data: bytes, start: Any, end: Any, chunk_size: Any) -> None:
    for more_body in (True, False, "x", 0):
        readers: list[FakeReader] = []

        def make(module: ModuleType, send: Recorder, seen: list[FakeReader] = readers, more: Any = more_body) -> Any:
            seen.append(FakeReader(data, chunk_size))
            return module.send_file_range(send, seen[-1], start, end, more)

        run_both(make)
        assert readers[0].calls == readers[1].calls


@needs_compiled
@SETTINGS
@given(
    st.binary(max_size=40),
    st.lists(
        st.one_of(st.tuples(st.integers(0, 45), st.integers(0, 45)), st.sampled_from([(1, 2, 3), 7, None, [1, 3]]))
    ),
    st.lists(st.binary(max_size=5), max_size=4),
    st.integers(1, 9),
    st.none() | st.integers(0, 8),
)
def test_send_file_ranges_parity(
    data: bytes, ranges: list[Any], part_headers: list[bytes], chunk_size: int, fail_at: int | None
) -> None:
    files = []

    def make(module: ModuleType, send: Recorder) -> Any:
        files.append(FakeReader(data, chunk_size))
        return module.send_file_ranges(send, files[-1], ranges, part_headers, b"--end--")

    run_both(make, fail_at)
    assert files[0].calls == files[1].calls


@needs_compiled
def test_send_file_ranges_matching_lengths() -> None:
    ranges = [(0, 3), (5, 9), (10, 40)]
    headers = [b"h1", b"h2", b"h3"]
    for data in (b"0123456789" * 5, b"short"):

        def make(module: ModuleType, send: Recorder, data: bytes = data) -> Any:
            return module.send_file_ranges(send, FakeReader(data, 4), ranges, headers, b"--b--")

        run_both(make)


# --- leaks ---------------------------------------------------------------------------------------------------


@needs_compiled
def test_compiled_does_not_leak() -> None:
    assert compiled is not None
    headers = {"Content-Type": "text/plain", "X-Thing": "v"}
    other = ItemsMapping([("a", "b"), ("content-length", "3")])
    media_type = "text/html"
    charset = "utf-8"
    body = b"hello"
    raw: list[tuple[bytes, bytes]] = [(b"a", b"b")]
    data = b"x" * 100
    ranges = [(0, 10), (20, 50)]
    part_headers = [b"p1", b"p2"]

    async def send(message: Any) -> None:
        pass

    async def failing_send(message: Any) -> None:
        raise OSError("gone")

    def stream() -> Any:
        return Chunks(["a", b"b", memoryview(b"c")])

    def init() -> None:
        compiled.init_raw_headers(headers, 5, media_type, charset, 200)
        compiled.init_raw_headers(other, 5, media_type, charset, 200)

    def init_error() -> None:
        try:
            compiled.init_raw_headers({"x": "€"}, 5, media_type, charset, 200)
        except UnicodeEncodeError:
            pass

    def stream_error() -> None:
        try:
            run(compiled.send_stream(failing_send, 200, raw, stream(), charset))
        except OSError:
            pass

    twin_response, twin_json_response = response_classes(compiled)

    def build() -> None:
        twin_response("é", 201, headers, media_type, None)
        twin_json_response({"a": [1, 2.5, None, "é\n", "x" * 200]}, background=send)

    def build_error() -> None:
        for content in (float("nan"), ["\ud800"]):
            try:
                twin_json_response(content)
            except ValueError:
                pass

    operations: list[Callable[[], None]] = [
        init,
        init_error,
        build,
        build_error,
        stream_error,
        lambda: run(compiled.send_stream(send, 200, raw, stream(), charset)),
        lambda: run(compiled.send_file_range(send, FakeReader(data, 16), 3, 90, False)),
        lambda: run(compiled.send_file_ranges(send, FakeReader(data, 8), ranges, part_headers, body)),
    ]
    shared = [headers, other, media_type, charset, body, raw, data, ranges, part_headers, send]
    # NOTE: one warm-up run first, so that the bounded content-type cache holds its key before counting.
    for operation in operations:
        operation()
    gc.collect()
    counts = [sys.getrefcount(item) for item in shared]
    for operation in operations:
        growth = leaked_bytes(operation)
        assert growth < 64 * 1024, (operation, growth)
    gc.collect()
    assert [sys.getrefcount(item) for item in shared] == counts


# --- Range headers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("twin", TWINS)
def test_parse_byte_ranges(twin: ModuleType) -> None:
    assert twin.parse_byte_ranges("0-1, 3-", 26) == [(0, 2), (3, 26)]
    assert twin.parse_byte_ranges("-100", 26) == [(0, 26)]
    assert twin.parse_byte_ranges("5-4", 26) == [(5, 5)]
    assert twin.parse_byte_ranges("5-1", 26) == [(5, 2)]
    assert twin.parse_byte_ranges("-0", 26) == [(26, 26)]
    assert twin.parse_byte_ranges("000-0001,-", 26) == [(0, 2)]
    assert twin.parse_byte_ranges("+1-2,1_0-12,٣-5,0x1-2,1 2-3,--1,1--2,x,", 26) == []
    assert twin.parse_byte_ranges("1" * 5000 + "-", 26) == [(10**20, 26)]
    assert twin.parse_byte_ranges("0-" + "9" * 25, 26) == [(0, 26)]
    assert twin.merge_ranges([(3, 5), (0, 2)]) == [(0, 2), (3, 5)]
    assert twin.merge_ranges([(0, 2), (0, 2), (2, 4), (1, 3)]) == [(0, 4)]
    assert twin.merge_ranges([]) == []


@SETTINGS
@given(
    spec=st.text(alphabet="0123456789-, +_x٣\t", max_size=40),
    size=st.integers(min_value=0, max_value=10**6),
)
@needs_compiled
def test_parse_byte_ranges_parity(spec: str, size: int) -> None:
    assert outcome(lambda: pure.parse_byte_ranges(spec, size)) == outcome(
        lambda: compiled.parse_byte_ranges(spec, size)  # type: ignore[union-attr]
    )


@SETTINGS
@given(pairs=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), max_size=30))
@needs_compiled
def test_merge_ranges_parity(pairs: list[tuple[int, int]]) -> None:
    expected = pure.merge_ranges(list(pairs))
    assert compiled.merge_ranges(list(pairs)) == expected  # type: ignore[union-attr]
    covered = {i for start, end in pairs for i in range(start, end)}
    assert {i for start, end in expected for i in range(start, end)} == covered
    assert all(end < following for (_, end), (following, _) in zip(expected, expected[1:], strict=False))


@needs_compiled
def test_json_nested_past_the_writers_depth_goes_to_the_json_module() -> None:
    assert compiled is not None
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 6000))
    try:
        content: Any = []
        for _ in range(2500):
            content = [content, {"k": 1}]
        expected = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
        assert compiled.json_response_render(None, content) == expected
    finally:
        sys.setrecursionlimit(limit)


@needs_compiled
def test_compiled_classes_have_no_generated_pickling() -> None:
    import importlib

    for module_name, names in {
        "responses": ["StartTrackingSend"],
        "routing": ["RouteMatcher", "StockLayers"],
        "senders": ["HeaderEdit", "WhenAccessed", "StartHooksSend", "HeldStart"],
        "websockets": ["_Messages"],
    }.items():
        module = importlib.import_module(f"starlette_c._speedups.{module_name}")
        for name in names:
            # NOTE: Cython's generated __setstate_cython__ reads a state tuple back unchecked.
            assert not hasattr(getattr(module, name), "__setstate_cython__"), name
