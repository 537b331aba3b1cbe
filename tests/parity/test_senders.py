"""Parity of the sender twins: ``starlette_c._pure.senders`` against ``starlette_c._speedups.senders``.

Both twins get the same (random and hostile) messages and must send the same messages, edit them alike
and raise the same exceptions. Sends never suspend, so awaitables are driven by hand.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from base64 import b64encode
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starlette_c.middleware.cors import CORSMiddleware
from starlette_c.middleware.gzip import GZipMiddleware, GZipResponder
from starlette_c.middleware.sessions import SessionMiddleware
from tests.parity.twins import leaked_bytes, load

pure, compiled, needs_compiled, TWINS = load("senders")
PUBLIC = (
    "DONE",
    "ENCODE",
    "RELAY",
    "UNDECIDED",
    "HeaderEdit",
    "HeldStart",
    "StartHooksSend",
    "VARY_ORIGIN",
    "WhenAccessed",
    "cors_edit",
    "cors_start_hook",
    "cors_step",
    "excluded",
    "gzip_step",
    "media_type",
    "never_encoded",
    "on_start",
    "origin_allowed",
    "send_both",
    "session_step",
)
EXCLUDED = ("application/grpc", "image/png", "video/*", "text/event-stream")


def drive(awaitable: Any) -> None:
    """Await ``awaitable`` to its end; none of the sends below ever suspends."""
    iterator = awaitable.__await__()
    while True:
        try:
            next(iterator)
        except StopIteration:
            return


def outcome(func: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        result = func()
    except Exception as exc:
        return ("error", type(exc))
    return ("ok", result)


class Recorder:
    """A server ``send`` keeping a deep copy of every message."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def __call__(self, message: Any) -> None:
        self.sent.append(copy.deepcopy(message))


class Session:
    def __init__(self, accessed: bool) -> None:
        self.accessed = accessed


def test_both_twins_have_the_same_public_names() -> None:
    for name in PUBLIC:
        assert hasattr(pure, name), name
        if compiled is not None:
            assert hasattr(compiled, name), name
    if compiled is not None:
        assert (compiled.UNDECIDED, compiled.RELAY, compiled.ENCODE) == (pure.UNDECIDED, pure.RELAY, pure.ENCODE)


# -- start hooks ---------------------------------------------------------------------------------

names = st.sampled_from([b"vary", b"access-control-allow-origin", b"x-a", b"content-type", b"Vary", "vary", 3])
values = st.sampled_from([b"Origin", b"Cookie", b"*", b"text/plain", "str"])
header_item = st.one_of(
    st.tuples(names, values),
    st.lists(st.sampled_from([b"vary", b"x"]), min_size=0, max_size=3),
)
edit_pairs = st.lists(
    st.one_of(st.tuples(st.sampled_from([b"x-a", b"access-control-allow-origin", b"vary", b"x-b"]), values)),
    max_size=3,
)
vary_value = st.one_of(st.none(), st.sampled_from([b"Origin", b"Cookie", "str"]))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.one_of(st.lists(header_item, max_size=5), st.none(), st.just("absent"), st.integers()),
    pairs=edit_pairs,
    vary=vary_value,
)
def test_header_edit_edits_alike(headers: Any, pairs: Any, vary: Any) -> None:
    results = []
    for twin in (pure, compiled):
        if twin is None:
            continue
        message: dict[str, Any] = {"type": "http.response.start", "status": 200}
        if headers != "absent":
            message["headers"] = copy.deepcopy(headers)
        original = message.get("headers")
        edit = twin.HeaderEdit(tuple(pairs), vary)
        result = outcome(lambda: edit(message))  # noqa: B023
        results.append((result, message.get("headers")))
        if result[0] == "ok":
            # NOTE: the sender's own list is never edited.
            assert original == headers or headers == "absent"
    assert all(item == results[0] for item in results)


@pytest.mark.parametrize("twin", TWINS)
def test_header_edit_sets_then_varies(twin: ModuleType) -> None:
    kept = [(b"vary", b"Accept-Encoding"), (b"x-a", b"1"), (b"x-a", b"2")]
    message = {"type": "http.response.start", "status": 200, "headers": kept}
    twin.HeaderEdit(((b"x-a", b"3"), (b"x-b", b"4")), b"Origin")(message)
    assert message["headers"] == [(b"vary", b"Accept-Encoding, Origin"), (b"x-a", b"3"), (b"x-b", b"4")]
    assert kept == [(b"vary", b"Accept-Encoding"), (b"x-a", b"1"), (b"x-a", b"2")]
    # NOTE: a name given twice is set twice, the later value winning, as with two raw_set calls.
    fresh = {"type": "http.response.start", "status": 200, "headers": []}
    twin.HeaderEdit(((b"x-a", b"1"), (b"x-a", b"2")), None)(fresh)
    assert fresh["headers"] == [(b"x-a", b"2")]
    with pytest.raises(TypeError):
        twin.HeaderEdit(3, None)


@pytest.mark.parametrize("twin", TWINS)
def test_when_accessed_runs_its_hook_only_for_an_accessed_session(twin: ModuleType) -> None:
    calls: list[tuple[Any, ...]] = []

    def hook(message: Any, session: Any, extra: Any) -> None:
        calls.append((message["status"], session, extra))

    untouched, accessed = Session(False), Session(True)
    bare = {"type": "http.response.start", "status": 200}
    twin.WhenAccessed(untouched, hook, "x")(bare)
    assert bare["headers"] == [] and calls == []
    twin.WhenAccessed(accessed, hook, "y")(bare)
    assert calls == [(200, accessed, "y")]
    with pytest.raises(AttributeError):
        twin.WhenAccessed(object(), hook, None)({"headers": []})


@pytest.mark.parametrize("twin", TWINS)
def test_on_start_fuses_and_runs_the_outer_hook_first(twin: ModuleType) -> None:
    server = Recorder()
    seen: list[str] = []

    def hook(name: str) -> Callable[[Any], None]:
        def mark(message: Any) -> None:
            seen.append(name)
            message["headers"] = [*message.get("headers", []), (b"x", name.encode())]

        return mark

    inner = twin.on_start(server, hook("inner"))
    outer = twin.on_start(inner, hook("outer"))
    assert type(outer) is twin.StartHooksSend and outer.send is server
    assert len(outer.hooks) == 2 and inner.hooks == (inner.hooks[0],)
    drive(outer({"type": "http.response.start", "status": 200}))
    drive(outer({"type": "http.response.body", "body": b"x"}))
    assert seen == ["outer", "inner"]
    assert server.sent == [
        {"type": "http.response.start", "status": 200, "headers": [(b"x", b"outer"), (b"x", b"inner")]},
        {"type": "http.response.body", "body": b"x"},
    ]
    with pytest.raises(KeyError):
        outer({})
    with pytest.raises(TypeError):
        outer(None)


@pytest.mark.parametrize("twin", TWINS)
def test_start_hooks_apply_the_twin_hooks_and_any_other(twin: ModuleType) -> None:
    server = Recorder()
    session = Session(True)
    marks: list[Any] = []
    sender = twin.on_start(server, twin.HeaderEdit(((b"x-a", b"1"),), b"Origin"))
    sender = twin.on_start(sender, twin.WhenAccessed(session, lambda message, s, extra: marks.append(extra), 7))
    sender = twin.on_start(sender, lambda message: marks.append("plain"))
    drive(sender({"type": "http.response.start", "status": 204}))
    assert marks == ["plain", 7]
    assert server.sent == [
        {"type": "http.response.start", "status": 204, "headers": [(b"x-a", b"1"), (b"vary", b"Origin")]}
    ]


# -- CORS ------------------------------------------------------------------------------------------

PATTERN = re.compile(r"https://.*\.example\.org")
origins = st.sampled_from(["https://a.example.org", "https://example.org", "null", "", "https://b.test", None, 3])


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    origin=origins,
    allow_all=st.booleans(),
    pattern=st.sampled_from([None, PATTERN]),
    allowed=st.sampled_from([(), ["https://b.test"], {"null"}]),
    explicit=st.booleans(),
)
def test_cors_decides_and_edits_alike(origin: Any, allow_all: bool, pattern: Any, allowed: Any, explicit: bool) -> None:
    decisions = set()
    edits = set()
    raw = origin.encode("latin-1") if isinstance(origin, str) else origin
    for twin in (pure, compiled):
        if twin is None:
            continue
        decisions.add(outcome(lambda: twin.origin_allowed(origin, allow_all, pattern, allowed)))  # noqa: B023

        def edit() -> Any:
            made = twin.cors_edit(raw, ((b"x-a", b"1"),), explicit, allow_all, pattern, allowed)  # noqa: B023
            return (made.pairs, made.vary)

        edits.add(outcome(edit))
    assert len(decisions) == 1 and len(edits) == 1


# -- the steps of the stock middleware -----------------------------------------------------------


async def inner_app(scope: Any, receive: Any, send: Any) -> None:
    pass  # pragma: no cover (never called)


async def server_send(message: Any) -> None:
    pass  # pragma: no cover (never called)


class PlainScope(dict[str, Any]):
    """A scope that is not exactly a dict: the compiled steps hand it to the pure ones."""


def described(value: Any) -> Any:
    """What a step's app or send is, comparable across the twins."""
    if value is inner_app or value is server_send:
        return value.__name__
    kind = type(value).__name__
    if kind == "StartHooksSend":
        return (kind, described(value.send), tuple(described(hook) for hook in value.hooks))
    if kind == "HeaderEdit":
        return (kind, value.pairs, value.vary)
    if kind == "WhenAccessed":
        session = value.session
        return (kind, type(session).__name__, dict(session), value.hook.__name__, value.extra)
    if kind == "HeldStart":
        return (kind, described(value.send), value.minimum_size, value.excluded, value.owner.gzip, value.mode)
    if isinstance(value, functools.partial):
        return ("partial", value.func.__name__, sorted(value.keywords))
    return kind


def step_outcome(step: Callable[[], Any], scope: Any) -> tuple[Any, ...]:
    try:
        app, send = step()
    except Exception as exc:
        return ("error", type(exc))
    return ("ok", described(app), described(send), described(scope.get("session")))


def assert_steps_alike(step: str, middleware: Any, kind: Any, method: Any, headers: Any, plain: bool) -> None:
    """Both twins' ``step`` over the same middleware and (fresh, equal) scope: the same outcome."""
    outcomes = []
    for twin in (pure, compiled):
        if twin is None:
            continue
        scope = step_scope(kind, method, copy.deepcopy(headers), plain)
        function = getattr(twin, step)
        outcomes.append(step_outcome(lambda: function(middleware, scope, server_send), scope))  # noqa: B023
    assert all(item == outcomes[0] for item in outcomes)


kinds = st.sampled_from(["http", "websocket", "lifespan", None])
methods = st.sampled_from(["GET", "OPTIONS", None])
step_header = st.tuples(
    st.sampled_from([b"origin", b"accept-encoding", b"cookie", b"access-control-request-method", b"x-a", "origin"]),
    st.sampled_from([b"https://example.org", b"https://b.test", b"gzip, br", b"br", b"session=x", b"", "gzip"]),
)


def step_scope(kind: Any, method: Any, headers: Any, plain: bool) -> Any:
    scope: dict[str, Any] = {} if kind is None else {"type": kind}
    if method is not None:
        scope["method"] = method
    if headers != "absent":
        scope["headers"] = headers
    return scope if plain else PlainScope(scope)


class SwappedResponse(CORSMiddleware):
    async def simple_response(self, scope: Any, receive: Any, send: Any, request_headers: Any) -> None:
        pass  # pragma: no cover (never called)


class OwnOrigins(CORSMiddleware):
    def is_allowed_origin(self, origin: str) -> bool:
        return origin.endswith(".test")  # pragma: no cover (never called)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=kinds,
    method=methods,
    headers=st.one_of(st.lists(step_header, max_size=4), st.just("absent"), st.none()),
    plain=st.booleans(),
    cls=st.sampled_from([CORSMiddleware, SwappedResponse, OwnOrigins]),
    options=st.sampled_from(
        [
            {"allow_origins": ["https://example.org"]},
            {"allow_origins": ["*"], "allow_credentials": True, "expose_headers": ["x-a"]},
            {"allow_origin_regex": r"https://.*\.test"},
        ]
    ),
)
def test_cors_steps_alike(kind: Any, method: Any, headers: Any, plain: bool, cls: Any, options: Any) -> None:
    assert_steps_alike("cors_step", cls(inner_app, **options), kind, method, headers, plain)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    origin=st.sampled_from([b"https://example.org", b"https://b.test", b"\xff", b"", "str", None]),
    cls=st.sampled_from([CORSMiddleware, OwnOrigins]),
    options=st.sampled_from(
        [
            {"allow_origins": ["https://example.org"]},
            {"allow_origins": ["*"], "allow_credentials": True, "expose_headers": ["x-a"]},
            {"allow_origins": ["*"]},
        ]
    ),
)
def test_cors_start_hooks_alike(origin: Any, cls: Any, options: Any) -> None:
    middleware = cls(inner_app, **options)
    outcomes = []
    for twin in (pure, compiled):
        if twin is not None:
            outcomes.append(outcome(lambda: described(twin.cors_start_hook(middleware, origin))))  # noqa: B023
    assert all(item == outcomes[0] for item in outcomes)


@pytest.mark.parametrize("twin", TWINS)
def test_cors_step_marks_a_simple_response(twin: ModuleType) -> None:
    middleware = CORSMiddleware(inner_app, allow_origins=["https://example.org"])
    scope = {"type": "http", "method": "GET", "headers": [(b"origin", b"https://example.org")]}
    app, send = twin.cors_step(middleware, scope, server_send)
    assert app is inner_app and type(send) is twin.StartHooksSend and send.send is server_send
    (edit,) = send.hooks
    assert (edit.pairs, edit.vary) == (((b"access-control-allow-origin", b"https://example.org"),), b"Origin")
    app, send = twin.cors_step(middleware, {"type": "http", "headers": []}, server_send)
    assert send.hooks == (twin.VARY_ORIGIN,) and (twin.VARY_ORIGIN.pairs, twin.VARY_ORIGIN.vary) == ((), b"Origin")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=kinds,
    headers=st.one_of(st.lists(step_header, max_size=4), st.just("absent"), st.none()),
    plain=st.booleans(),
)
def test_gzip_steps_alike(kind: Any, headers: Any, plain: bool) -> None:
    assert_steps_alike("gzip_step", GZipMiddleware(inner_app, minimum_size=10), kind, "GET", headers, plain)


@pytest.mark.parametrize("twin", TWINS)
def test_gzip_step_holds_the_start_or_makes_a_patched_responder(
    twin: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    middleware = GZipMiddleware(inner_app)
    for accepted, gzip in ((b"gzip", True), (b"x-gzip;q=1", True), (b"gzi", False), (bytearray(b"gzip"), True)):
        scope = {"type": "http", "headers": [(b"accept-encoding", accepted)]}
        app, held = twin.gzip_step(middleware, scope, server_send)
        assert app is inner_app and type(held) is twin.HeldStart and held.owner.gzip is gzip
    with pytest.raises(TypeError):
        twin.gzip_step(middleware, {"type": "http", "headers": [(b"accept-encoding", "gzip")]}, server_send)

    async def patched(self: Any, message: Any) -> None:
        pass  # pragma: no cover (never called)

    monkeypatch.setattr(GZipResponder, "send_with_compression", patched)
    app, send = twin.gzip_step(middleware, {"type": "http", "headers": [(b"accept-encoding", b"gzip")]}, server_send)
    assert type(app) is GZipResponder and send is server_send


def signed_cookie(middleware: SessionMiddleware, data: Any) -> bytes:
    payload = b64encode(json.dumps(data).encode("utf-8"))
    return b"session=" + middleware.signer.sign(payload)


SESSIONS = SessionMiddleware(inner_app, secret_key="s3cret")
session_header = st.tuples(
    st.sampled_from([b"cookie", b"x-a", "cookie"]),
    st.sampled_from(
        [b"session=garbage", b"other=1", signed_cookie(SESSIONS, {"a": 1}), signed_cookie(SESSIONS, []), b""]
    ),
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=kinds,
    headers=st.one_of(st.lists(session_header, max_size=3), st.just("absent"), st.none()),
    plain=st.booleans(),
)
def test_session_steps_alike(kind: Any, headers: Any, plain: bool) -> None:
    assert_steps_alike("session_step", SESSIONS, kind, "GET", headers, plain)


@pytest.mark.parametrize("twin", TWINS)
def test_session_step_loads_the_session(twin: ModuleType) -> None:
    scope: dict[str, Any] = {"type": "http", "headers": [(b"cookie", signed_cookie(SESSIONS, {"a": 1}))]}
    app, send = twin.session_step(SESSIONS, scope, server_send)
    (hook,) = send.hooks
    assert app is inner_app and type(hook) is twin.WhenAccessed
    assert hook.session is scope["session"] and scope["session"] == {"a": 1} and hook.extra is True
    lifespan: dict[str, Any] = {"type": "lifespan"}
    assert twin.session_step(SESSIONS, lifespan, server_send) == (inner_app, server_send) and lifespan == {
        "type": "lifespan"
    }


# -- the held start --------------------------------------------------------------------------------

content_types = st.sampled_from(
    [b"text/plain", b"image/PNG; q=1", b"application/grpc+proto", b"video/mp4", b"text/html;charset=utf-8", b"\xff"]
)
start_headers = st.lists(
    st.tuples(st.sampled_from([b"content-type", b"content-encoding", b"x-a", b"Content-Type"]), content_types),
    max_size=4,
)


class ContentType(bytes):
    pass


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=st.sampled_from([200, 206, 404]),
    headers=start_headers,
    excluded=st.sampled_from([EXCLUDED, ("text/plain",), (), ("image/*", "text/html")]),
)
def test_never_encoded_decides_alike(status: int, headers: Any, excluded: Any) -> None:
    answers = {
        outcome(lambda: twin.never_encoded(status, headers, excluded))  # noqa: B023
        for twin in (pure, compiled)
        if twin is not None
    }
    assert len(answers) == 1


@pytest.mark.parametrize("twin", TWINS)
def test_never_encoded_asks_again_for_another_type_or_exclusion(twin: ModuleType) -> None:
    png, text = [(b"content-type", b"image/png")], [(b"content-type", b"text/plain")]
    assert twin.never_encoded(200, png, EXCLUDED) is True
    assert twin.never_encoded(200, png, EXCLUDED) is True
    assert twin.never_encoded(200, png, ("text/plain",)) is False
    assert twin.never_encoded(200, text, ("text/plain",)) is True
    assert twin.never_encoded(200, text, EXCLUDED) is False
    assert twin.never_encoded(200, [(b"content-type", ContentType(b"image/png"))], EXCLUDED) is True
    assert twin.never_encoded(200, [(b"content-type", ContentType(b"image/png"))], ()) is False
    with pytest.raises(AttributeError):
        twin.never_encoded(200, [(b"content-type", "image/png")], EXCLUDED)


@pytest.mark.parametrize("twin", TWINS)
def test_never_encoded_bad_headers_raise_alike(twin: ModuleType) -> None:
    with pytest.raises(TypeError):
        twin.never_encoded(200, 3, EXCLUDED)
    with pytest.raises(ValueError):
        twin.never_encoded(200, [(b"a",)], EXCLUDED)
    assert twin.never_encoded(200, [("content-encoding", b"gzip")], EXCLUDED) is False
    assert twin.never_encoded(200, [[b"content-encoding", b"gzip"]], EXCLUDED) is True


class Owner:
    """Settles as a responder would: sends the start and the first body, and encodes what follows."""

    def __init__(self, encode: bool) -> None:
        self.encode = encode
        self.settled: list[Any] = []

    async def _settle(self, held: Any, first: Any) -> None:
        self.settled.append(first.get("body"))
        if self.encode:
            held.mode = pure.ENCODE
            held.encode = self._encoded(held.send)
        await held.send(held.start)
        await held.send(first)

    def _encoded(self, send: Any) -> Any:
        async def encoded(message: Any) -> None:
            await send({**message, "body": b"<" + message.get("body", b"") + b">"})

        return encoded


start_message = st.fixed_dictionaries(
    {"type": st.just("http.response.start"), "status": st.sampled_from([200, 206])},
    optional={"headers": start_headers, "trailers": st.booleans()},
)
body_message = st.fixed_dictionaries(
    {"type": st.just("http.response.body")},
    optional={"body": st.binary(max_size=8), "more_body": st.booleans()},
)
other_message = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["http.response.pathsend", "http.response.trailers", "http.response.early_hint", "http.response.debug", 3]
        )
    }
)
messages = st.lists(st.one_of(start_message, body_message, other_message), max_size=6)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=messages, encode=st.booleans(), minimum_size=st.sampled_from([0, 4, 500]))
def test_held_start_sends_alike(sequence: list[Any], encode: bool, minimum_size: int) -> None:
    results = []
    for twin in (pure, compiled):
        if twin is None:
            continue
        server, owner = Recorder(), Owner(encode)
        held = twin.HeldStart(server, minimum_size, EXCLUDED, owner)
        steps = []
        for message in copy.deepcopy(sequence):
            steps.append(outcome(lambda: drive(held(message))))  # noqa: B023
        results.append((steps, server.sent, owner.settled, held.mode))
    assert all(item == results[0] for item in results)


@pytest.mark.parametrize("twin", TWINS)
def test_held_start_holds_the_start_for_the_first_body(twin: ModuleType) -> None:
    server, owner = Recorder(), Owner(encode=True)
    held = twin.HeldStart(server, 4, EXCLUDED, owner)
    start = {"type": "http.response.start", "status": 200}
    assert held(start) is twin.DONE and server.sent == [] and start["headers"] == []
    drive(held({"type": "http.response.body", "body": b"abc"}))
    assert [message["type"] for message in server.sent] == ["http.response.start", "http.response.body"]
    assert owner.settled == [] and held.mode == twin.RELAY

    server, owner = Recorder(), Owner(encode=True)
    held = twin.HeldStart(server, 4, EXCLUDED, owner)
    drive(held({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}))
    drive(held({"type": "http.response.body", "body": b"abcd", "more_body": True}))
    drive(held({"type": "http.response.body", "body": b"e"}))
    assert owner.settled == [b"abcd"] and held.mode == twin.ENCODE
    assert server.sent[-1] == {"type": "http.response.body", "body": b"<e>"}

    server = Recorder()
    held = twin.HeldStart(server, 4, EXCLUDED, Owner(encode=True))
    drive(held({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"image/png")]}))
    assert len(server.sent) == 1 and held.mode == twin.RELAY
    with pytest.raises(KeyError):
        held({"type": "http.response.start"})
    undecided = twin.HeldStart(server, 4, EXCLUDED, Owner(encode=True))
    with pytest.raises(TypeError):
        undecided({"type": "http.response.body", "body": 3})


# -- leaks -----------------------------------------------------------------------------------------


@needs_compiled
def test_compiled_senders_do_not_leak() -> None:
    assert compiled is not None
    twin: Any = compiled

    async def send(message: Any) -> None:
        pass

    owner = Owner(encode=True)
    session = Session(True)

    def request() -> None:
        sender = twin.on_start(send, twin.HeaderEdit(((b"x-a", b"1"),), b"Origin"))
        sender = twin.on_start(sender, twin.WhenAccessed(session, lambda message, s, extra: None, None))
        held = twin.HeldStart(sender, 2, EXCLUDED, owner)
        drive(held({"type": "http.response.start", "status": 200, "headers": [(b"vary", b"Cookie")]}))
        drive(held({"type": "http.response.body", "body": b"abc", "more_body": True}))
        drive(held({"type": "http.response.body", "body": b""}))
        try:
            twin.HeldStart(sender, 2, EXCLUDED, owner)({"type": "http.response.body", "body": 3})
        except TypeError:
            pass
        owner.settled.clear()
        headers = [(b"origin", b"https://example.org"), (b"accept-encoding", b"gzip"), (b"cookie", b"session=x")]
        scope = {"type": "http", "method": "GET", "headers": headers}
        twin.cors_step(cors, scope, send)
        twin.gzip_step(gzip, scope, send)
        twin.session_step(SESSIONS, scope, send)

    cors = CORSMiddleware(inner_app, allow_origins=["https://example.org"])
    gzip = GZipMiddleware(inner_app)
    assert leaked_bytes(request) < 64 * 1024
