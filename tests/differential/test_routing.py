"""Routing compared with the reference: route tables over every convertor, mounts, hosts, slash redirects,
405s and odd paths, driven as raw ASGI through both packages."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import uuid
import warnings
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.differential.harness import Namespace, Outcome, Req, run_both, run_websocket

UUID = "12345678-1234-5678-1234-567812345678"


def normalized(outcome: Outcome) -> Outcome:
    """The reference joins the methods of ``Allow`` in set order, which varies between runs: compare as sets."""
    headers = [(k, b", ".join(sorted(v.split(b", "))) if k == b"allow" else v) for k, v in outcome.headers]
    return dataclasses.replace(outcome, headers=headers)


def assert_same(build: Any, requests: list[Req]) -> None:
    for req in requests:
        reference, ours = (normalized(outcome) for outcome in run_both(build, req))
        assert ours == reference, f"{req.method} {req.path!r} differs:\nreference: {reference}\nours:      {ours}"


def echo(ns: Namespace) -> Any:
    async def endpoint(request: Any) -> Any:
        params = {key: [type(value).__name__, str(value)] for key, value in request.path_params.items()}
        scope = request.scope
        return ns.responses.JSONResponse(
            {"params": params, "path": scope["path"], "root_path": scope.get("root_path"), "name": request.method}
        )

    return endpoint


def table(ns: Namespace) -> list[Any]:
    routing = ns.routing
    endpoint = echo(ns)
    return [
        routing.Route("/", endpoint),
        routing.Route("/str/{value}", endpoint),
        routing.Route("/int/{value:int}", endpoint),
        routing.Route("/float/{value:float}", endpoint),
        routing.Route("/uuid/{value:uuid}", endpoint),
        routing.Route("/path/{value:path}", endpoint),
        routing.Route("/multi/{a}/{b:int}/{c:path}", endpoint),
        routing.Route("/slash/", endpoint),
        routing.Route("/post", endpoint, methods=["POST"]),
        routing.Route("/rw", endpoint, methods=["GET", "PUT", "delete"]),
        routing.Mount(
            "/mount/{org}",
            routes=[
                routing.Route("/", endpoint),
                routing.Route("/item/{id:int}", endpoint),
                routing.Mount("/deeper", routes=[routing.Route("/x", endpoint)]),
            ],
        ),
        routing.Mount("/app", app=endpoint_app(ns)),
    ]


def endpoint_app(ns: Namespace) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        text = f"{scope['path']} {scope['root_path']} {sorted(scope['path_params'].items())}"
        await ns.responses.PlainTextResponse(text)(scope, receive, send)

    return app


PATHS = [
    "/",
    "/str/hello",
    "/str/h%C3%A9llo",
    "/str/ünïcode",
    "/str/a%2Fb",
    "/str/",
    "/str",
    "/str/a/",
    "/int/42",
    "/int/0042",
    "/int/-1",
    "/int/4.2",
    "/int/" + "9" * 60,
    "/float/1.5",
    "/float/3",
    "/float/1.",
    "/float/.5",
    f"/uuid/{UUID}",
    f"/uuid/{UUID.replace('-', '')}",
    f"/uuid/{UUID.upper()}",
    "/uuid/1234",
    "/path/",
    "/path/a/b/c.txt",
    "/path//double//slashes",
    "/path/..%2F..%2Fetc",
    "/multi/x/3/rest/of/it",
    "/multi/x/y/rest",
    "/slash",
    "/slash/",
    "/slash//",
    "//",
    "///",
    "//evil.example.com",
    "//evil.example.com/",
    "/rw/",
    "/mount/acme",
    "/mount/acme/",
    "/mount/acme/item/7",
    "/mount/acme/item/7/",
    "/mount/acme/item/x",
    "/mount/acme/deeper/x",
    "/mount/acme/deeper/x/",
    "/mount//item/7",
    "/app",
    "/app/",
    "/app/some/where",
    "/missing",
    "/missing/",
    "",
]


def router_app(ns: Namespace) -> Any:
    return ns.routing.Router(table(ns))


def starlette_app(ns: Namespace) -> Any:
    return ns.applications.Starlette(routes=table(ns))


@pytest.mark.parametrize("build", [router_app, starlette_app], ids=["router", "application"])
@pytest.mark.parametrize("path", PATHS)
def test_paths(build: Any, path: str) -> None:
    assert_same(build, [Req("GET", path), Req("GET", path, query_string=b"a=1&b=2")])


@settings(max_examples=200, deadline=None)
@given(path=st.text(alphabet=st.sampled_from(list("/abmintfloatuuidslashpost-.%19 é")), max_size=24))
def test_random_paths(path: str) -> None:
    assert_same(starlette_app, [Req("GET", "/" + path)])


@pytest.mark.parametrize("build", [router_app, starlette_app], ids=["router", "application"])
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get"])
@pytest.mark.parametrize("path", ["/", "/post", "/rw", "/int/3", "/mount/a/item/1", "/app/x", "/nowhere", "/slash"])
def test_methods(build: Any, method: str, path: str) -> None:
    assert_same(build, [Req(method, path)])


@pytest.mark.parametrize("redirect_slashes", [True, False])
@pytest.mark.parametrize("path", ["/slash", "/str/x/", "/mount/acme", "/mount/acme/deeper/x/", "/post/", "/", "//"])
def test_redirect_slashes(redirect_slashes: bool, path: str) -> None:
    def build(ns: Namespace) -> Any:
        return ns.routing.Router(table(ns), redirect_slashes=redirect_slashes)

    assert_same(build, [Req("GET", path), Req("POST", path), Req("GET", path, query_string=b"q=1")])


@pytest.mark.parametrize(
    "root_path, path",
    [("/api", "/api/str/x"), ("/api", "/api"), ("/api", "/api/"), ("/api", "/apistr/x"), ("/api", "/api/slash")],
)
def test_root_path(root_path: str, path: str) -> None:
    assert_same(router_app, [Req("GET", path, root_path=root_path)])


def host_app(ns: Namespace) -> Any:
    routing = ns.routing
    endpoint = echo(ns)
    return ns.routing.Router(
        [
            routing.Host("api.example.org", routing.Router([routing.Route("/", endpoint)]), name="api"),
            routing.Host("{tenant}.example.org:8000", routing.Router([routing.Route("/t/{id:int}", endpoint)])),
            routing.Host("{a}.{b}.example.org", endpoint_app(ns)),
        ]
    )


@pytest.mark.parametrize(
    "host, path",
    [
        (b"api.example.org", "/"),
        (b"api.example.org:1234", "/"),
        (b"api.example.org", "/t/1"),
        (b"acme.example.org", "/t/1"),
        (b"acme.example.org:8000", "/t/1/"),
        (b"x.y.example.org", "/anything"),
        (b"example.org", "/"),
        (b"", "/"),
        (b"[::1]:8000", "/"),
        (b"api.example.org.evil.com", "/"),
    ],
)
def test_hosts(host: bytes, path: str) -> None:
    assert_same(host_app, [Req("GET", path, headers=[(b"host", host)])])


@pytest.mark.parametrize("host", [b"API.Example.ORG", b"api.example.org:8080", b"[::1]:80", b"", b" ", b"a b", b"x:"])
def test_host_matching_is_case_insensitive_as_in_the_reference(host: bytes) -> None:
    reference, ours = run_both(host_app, Req("GET", "/", headers=[(b"host", host)]))
    assert ours == reference


def any_host_app(ns: Namespace) -> Any:
    return ns.routing.Router([ns.routing.Host("{name}", echo(ns))])


@pytest.mark.parametrize(
    "host", [b"[::1]", b"[::1]:80", b"[v1.x]", b"[v]", b"[V1.a]", b"[v1.]", b"[zz]", b"[ab:]", b"["]
)
def test_ip_literal_hosts_as_in_the_reference(host: bytes) -> None:
    assert_same(any_host_app, [Req("GET", "/", headers=[(b"host", host)])])


@settings(max_examples=500, deadline=None)
@given(
    host=st.just(b"")
    | st.text(st.sampled_from("aAx.-:[]8019 v_\u00e9"), max_size=14).map(lambda text: text.encode("utf-8"))
    | st.sampled_from([b"api.example.org", b"acme.example.org:8000", b"x.y.example.org", b"[::1]:8000", b"\xff"]),
    path=st.sampled_from(["/", "/t/1", "/t/1/", "/anything"]),
    any_host=st.booleans(),
)
def test_any_host_header_routes_as_in_the_reference(host: bytes, path: str, any_host: bool) -> None:
    assert_same(any_host_app if any_host else host_app, [Req("GET", path, headers=[(b"host", host)])])


def test_oversized_int_segment_is_a_404_unlike_the_reference() -> None:
    reference, ours = run_both(router_app, Req("GET", "/int/" + "9" * 5000))
    assert reference.exception is not None and reference.exception.startswith("ValueError: Exceeds the limit")
    assert ours.status == 404 and ours.exception is None


def test_redirect_target_encodes_question_mark_in_path_as_in_the_reference() -> None:
    reference, ours = run_both(router_app, Req("GET", "/str/a?b/"))
    assert (b"location", b"http://testserver/str/a%3Fb") in ours.headers
    assert ours == reference


def websocket_routes(ns: Namespace) -> list[Any]:
    async def hello(websocket: Any) -> None:
        await websocket.accept()
        await websocket.send_text(repr(sorted(websocket.path_params.items())))
        await websocket.close()

    return [ns.routing.WebSocketRoute("/ws/{room:int}", hello), ns.routing.Mount("/m", routes=[])]


def websocket_router(ns: Namespace) -> Any:
    return ns.routing.Router(websocket_routes(ns))


def websocket_application(ns: Namespace) -> Any:
    return ns.applications.Starlette(routes=websocket_routes(ns))


@pytest.mark.parametrize("build", [websocket_router, websocket_application], ids=["router", "application"])
@pytest.mark.parametrize("path", ["/ws/1", "/ws/x", "/ws/1/", "/nowhere", "/m/x"])
def test_websocket_routes(build: Any, path: str) -> None:
    req = Req("GET", path)
    ours = anyio.run(run_websocket, build(Namespace("starlette_c")), req)
    assert ours == anyio.run(run_websocket, build(Namespace("starlette")), req)


def middleware_app(ns: Namespace) -> Any:
    class Tag:
        def __init__(self, app: Any, label: str) -> None:
            self.app = app
            self.label = label

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            async def tagged(message: Any) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message["headers"], (b"x-tag", self.label.encode())]
                await send(message)

            await self.app(scope, receive, tagged)

    Middleware = ns.middleware.Middleware
    routing = ns.routing
    endpoint = echo(ns)
    return routing.Router(
        [
            routing.Route("/route", endpoint, middleware=[Middleware(Tag, "outer"), Middleware(Tag, label="inner")]),
            routing.Mount("/mount", routes=[routing.Route("/x", endpoint)], middleware=[Middleware(Tag, "mount")]),
        ],
        middleware=[Middleware(Tag, "router")],
    )


@pytest.mark.parametrize("path", ["/route", "/mount/x", "/mount/y", "/mount", "/nowhere"])
def test_middleware(path: str) -> None:
    assert_same(middleware_app, [Req("GET", path), Req("POST", path)])


def lifespan_messages(package: str, kind: str) -> tuple[list[tuple[str, ...]], Any, str | None]:
    ns = Namespace(package)

    @contextlib.asynccontextmanager
    async def with_state(app: Any) -> Any:
        yield {"answer": 42}

    @contextlib.asynccontextmanager
    async def fail_startup(app: Any) -> Any:
        raise ValueError("no start")
        yield  # pragma: no cover (unreachable)

    @contextlib.asynccontextmanager
    async def fail_shutdown(app: Any) -> Any:
        yield
        raise ValueError("no stop")

    lifespans = {"default": None, "state": with_state, "startup": fail_startup, "shutdown": fail_shutdown}
    router = ns.routing.Router(lifespan=lifespans[kind])
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[tuple[str, ...]] = []
    scope: dict[str, Any] = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}

    async def receive() -> Any:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        last_line = message.get("message", "").strip().splitlines()[-1:]
        sent.append((message["type"], *last_line))

    async def main() -> str | None:
        try:
            await router(scope, receive, send)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    error = anyio.run(main)
    return sent, scope["state"], error


@pytest.mark.parametrize("kind", ["default", "state", "startup", "shutdown"])
def test_lifespan(kind: str) -> None:
    assert lifespan_messages("starlette_c", kind) == lifespan_messages("starlette", kind)


def fuzzed_lifespan_run(package: str, kind: str, wrapper: str, with_state: bool, incoming: list[str]) -> Any:
    ns = Namespace(package)

    @contextlib.asynccontextmanager
    async def managed(app: Any) -> Any:
        if kind == "fails before":
            raise ValueError("no start")
        yield {"state": {"answer": 42}, "not a mapping": [1], "none": None}.get(kind)
        if kind == "fails after":
            raise ValueError("no stop")

    async def async_generator(app: Any) -> Any:
        yield

    def sync_generator(app: Any) -> Any:
        yield

    lifespan = {"default": None, "async generator": async_generator, "sync generator": sync_generator}.get(
        kind, managed
    )

    def build() -> Any:
        if wrapper == "Starlette":
            return ns.applications.Starlette(lifespan=lifespan)
        if wrapper == "Mount":
            return ns.routing.Router([ns.routing.Mount("/m", app=ns.applications.Starlette(lifespan=lifespan))])
        return ns.routing.Router(lifespan=lifespan)

    messages = [{"type": f"lifespan.{name}"} for name in incoming]
    sent: list[tuple[str, ...]] = []
    scope: dict[str, Any] = {"type": "lifespan", "asgi": {"version": "3.0"}}
    if with_state:
        scope["state"] = {}

    async def receive() -> Any:
        return messages.pop(0) if messages else {"type": "lifespan.shutdown"}

    async def send(message: Any) -> None:
        sent.append((message["type"], *message.get("message", "").strip().splitlines()[-1:]))

    async def main() -> str | None:
        try:
            with anyio.fail_after(5):
                await build()(scope, receive, send)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        error = anyio.run(main)
    return sent, scope.get("state"), error, sorted({(w.category.__name__, str(w.message)) for w in caught})


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(
        [
            "default",
            "none",
            "state",
            "not a mapping",
            "fails before",
            "fails after",
            "async generator",
            "sync generator",
        ]
    ),
    wrapper=st.sampled_from(["Router", "Starlette", "Mount"]),
    with_state=st.booleans(),
    incoming=st.lists(st.sampled_from(["startup", "shutdown", "other"]), max_size=3),
)
def test_any_lifespan_goes_as_in_the_reference(kind: str, wrapper: str, with_state: bool, incoming: list[str]) -> None:
    # NOTE: the messages sent (a failure's last line), the state, what escaped and the warnings, for any lifespan
    # over any message sequence (a server that runs out of messages asks the app to shut down).
    ours = fuzzed_lifespan_run("starlette_c", kind, wrapper, with_state, incoming)
    assert ours == fuzzed_lifespan_run("starlette", kind, wrapper, with_state, incoming)


# --- the building blocks, called directly --------------------------------------------------------


def both(module: str) -> tuple[Any, Any]:
    return importlib.import_module(f"starlette.{module}"), importlib.import_module(f"starlette_c.{module}")


def outcome_of(func: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    try:
        result = func(*args, **kwargs)
    except Exception as exc:
        return ("raised", f"{type(exc).__name__}: {exc}")
    return ("returned", repr(result))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/users/{id:int}/{name}",
        "/f/{x:float}/{u:uuid}/{p:path}",
        "/{a}{b}",
        "/{1a}/{a:}/{ a }",
        "/a.b+c*d?/{x}",
        "/{x:unknown}",
        "/{id}/{id}",
        "/{b}/{a}/{b}/{a}",
        "",
    ],
)
def test_compile_path(path: str) -> None:
    reference, ours = both("routing")
    ref, mine = outcome_of(reference.compile_path, path), outcome_of(ours.compile_path, path)
    assert mine[0] == ref[0]
    if ref[0] == "raised":
        assert mine == ref
    else:
        ref_regex, ref_format, ref_convs = reference.compile_path(path)
        my_regex, my_format, my_convs = ours.compile_path(path)
        assert (my_regex.pattern, my_regex.flags, my_format) == (ref_regex.pattern, ref_regex.flags, ref_format)
        assert {k: type(v).__name__ for k, v in my_convs.items()} == {k: type(v).__name__ for k, v in ref_convs.items()}


segments = st.one_of(
    st.text(alphabet="ab.-_:{}*+ é", max_size=4),
    st.builds(
        lambda name, kind: "{" + name + kind + "}",
        st.sampled_from(["a", "b", "_x1", "1x"]),
        st.sampled_from(["", ":int", ":float", ":path", ":uuid", ":str", ":bad", ":"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(segments, max_size=5))
def test_random_path_templates(parts: list[str]) -> None:
    template = "/" + "/".join(parts)
    reference, ours = both("routing")
    ref, mine = outcome_of(reference.compile_path, template), outcome_of(ours.compile_path, template)
    if ref[0] == "raised":
        assert mine == ref
    else:
        ref_regex, ref_format, _ = reference.compile_path(template)
        my_regex, my_format, _ = ours.compile_path(template)
        assert (my_regex.pattern, my_format) == (ref_regex.pattern, ref_format)


def url_tables(ns: Namespace) -> Any:
    routing = ns.routing

    async def endpoint(request: Any) -> None:
        pass  # pragma: no cover (never called)

    async def ws(websocket: Any) -> None:
        pass  # pragma: no cover (never called)

    return routing.Router(
        [
            routing.Route("/", endpoint, name="home"),
            routing.Route("/u/{id:int}", endpoint, name="user"),
            routing.WebSocketRoute("/ws/{room}", ws, name="ws"),
            routing.Mount(
                "/m/{x}",
                routes=[routing.Route("/r/{y}", endpoint, name="r"), routing.Mount("/s", app=endpoint, name="s")],
                name="m",
            ),
            routing.Mount("/static", app=endpoint, name="static"),
            routing.Mount("", routes=[routing.Route("/anon/{z:float}", endpoint, name="anon")]),
            routing.Host(
                "{sub}.example.org:8000",
                app=routing.Router(
                    [routing.Route("/h", endpoint, name="h"), routing.WebSocketRoute("/w", ws, name="w")]
                ),
                name="host",
            ),
        ]
    )


@pytest.mark.parametrize(
    "name, params",
    [
        ("home", {}),
        ("home", {"x": 1}),
        ("user", {"id": 3}),
        ("user", {"id": -3}),
        ("user", {}),
        ("ws", {"room": "a"}),
        ("ws", {"room": "a/b"}),
        ("ws", {"room": ""}),
        ("m:r", {"x": "1", "y": "2"}),
        ("m:r", {"x": "1", "y": "2", "z": 3}),
        ("m:s", {"x": "1", "path": "/deep/file"}),
        ("m:s", {"path": "/q"}),
        ("m", {"x": "1", "path": "/a"}),
        ("m", {"x": "1", "path": "/a", "y": 2}),
        ("m:nope", {"x": "1"}),
        ("static", {"path": "/css/base.css"}),
        ("static", {"path": "css/base.css"}),
        ("static", {}),
        ("anon", {"z": 1.5}),
        ("anon", {"z": float("inf")}),
        ("host:h", {"sub": "api"}),
        ("host:w", {"sub": "api"}),
        ("host", {"sub": "api", "path": "/x"}),
        ("host", {"sub": "api", "path": "/x", "extra": 1}),
        ("host:zz", {"sub": "api"}),
        ("h", {"sub": "api"}),
        ("missing", {"a": 1, "b": 2}),
    ],
)
def test_url_path_for(name: str, params: dict[str, Any]) -> None:
    def describe(package: str) -> tuple[str, ...]:
        router = url_tables(Namespace(package))
        try:
            url = router.url_path_for(name, **params)
        except Exception as exc:
            return ("raised", type(exc).__name__, str(exc))
        return ("returned", str(url), url.protocol, url.host, url.make_absolute_url("http://base.org"))

    assert describe("starlette_c") == describe("starlette")


_URL_NAMES = ["home", "user", "ws", "m", "m:r", "m:s", "m:nope", "static", "anon", "host", "host:h", "host:w", "h"]
_PARAM_TEXT = st.text(st.sampled_from("/a%?# \u00e9.:{}"), max_size=5)
_PARAM_VALUES = (
    st.integers(-5, 5)
    | st.sampled_from([1.5, -0.0, 1e300, float("inf"), float("nan"), None, uuid.UUID(UUID), True, b"b"])
    | _PARAM_TEXT
)


@settings(max_examples=500, deadline=None)
@given(
    name=st.sampled_from(_URL_NAMES),
    params=st.dictionaries(st.sampled_from(["x", "y", "z", "id", "room", "sub", "extra"]), _PARAM_VALUES),
    path=st.none() | _PARAM_TEXT,
)
def test_any_url_path_for_matches_the_reference(name: str, params: dict[str, Any], path: str | None) -> None:
    # NOTE: a mount's or host's ``path`` is a string (a non-string fails with whichever error its first use raises).
    test_url_path_for(name, params if path is None else {**params, "path": path})


def url_for_app(ns: Namespace, name: str, params: dict[str, Any]) -> Any:
    routing = ns.routing

    async def probe(request: Any) -> Any:
        try:
            answer = str(request.url_for(name, **params))
        except Exception as exc:
            answer = f"{type(exc).__name__}: {exc}"
        return ns.responses.PlainTextResponse(answer)

    async def ws(websocket: Any) -> None:
        pass  # pragma: no cover (never called)

    inner = routing.Router([routing.Route("/h/{n:int}", probe, name="h")])
    return ns.applications.Starlette(
        routes=[
            routing.Route("/", probe, name="home"),
            routing.WebSocketRoute("/ws/{room}", ws, name="ws"),
            routing.Mount("/m/{x}", routes=[routing.Route("/r/{y:path}", probe, name="r")], name="m"),
            routing.Host("{sub}.example.org", app=inner, name="host"),
        ]
    )


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["home", "ws", "m:r", "m", "host:h", "host", "r", "missing"]),
    params=st.dictionaries(st.sampled_from(["room", "x", "y", "n", "sub"]), _PARAM_VALUES, max_size=3),
    path=st.none() | _PARAM_TEXT,
    host=st.sampled_from([b"testserver", b"a.example.org:8443", b"[::1]", b"", b"h:0"]),
    scheme=st.sampled_from(["http", "https", "ws"]),
    root_path=st.sampled_from(["", "/root", "/r%20t"]),
)
def test_any_url_for_in_a_request_matches_the_reference(
    name: str, params: dict[str, Any], path: str | None, host: bytes, scheme: str, root_path: str
) -> None:
    # NOTE: a mount's or host's ``path`` is a string, as in test_any_url_path_for_matches_the_reference.
    params = params if path is None else {**params, "path": path}
    req = Req("GET", root_path + "/", headers=[(b"host", host)], scheme=scheme, root_path=root_path)
    assert_same(lambda ns: url_for_app(ns, name, params), [req])


@given(
    path=st.text(alphabet="/abc%", max_size=12),
    root_path=st.text(alphabet="/abc", max_size=6),
)
def test_get_route_path(path: str, root_path: str) -> None:
    reference, ours = both("_utils")
    scope = {"path": path, "root_path": root_path}
    assert ours.get_route_path(scope) == reference.get_route_path(scope)


@pytest.mark.parametrize(
    "kind, value",
    [
        ("int", 0),
        ("int", 7),
        ("int", -1),
        ("int", "12"),
        ("float", 0.1),
        ("float", 2.0),
        ("float", -0.0),
        ("float", 1e-30),
        ("float", float("nan")),
        ("float", float("-inf")),
        ("float", float("inf")),
        ("str", "a"),
        ("str", ""),
        ("str", "a/b"),
        ("path", "a/b"),
        ("uuid", uuid.UUID(UUID)),
    ],
)
def test_convertor_to_string(kind: str, value: Any) -> None:
    reference, ours = both("convertors")
    assert outcome_of(ours.CONVERTOR_TYPES[kind].to_string, value) == outcome_of(
        reference.CONVERTOR_TYPES[kind].to_string, value
    )


def test_reprs() -> None:
    def reprs(package: str) -> list[str]:
        routing = Namespace(package).routing

        async def endpoint(request: Any) -> None:
            pass  # pragma: no cover (never called)

        return [
            repr(routing.Route("/a/{x:int}", endpoint, methods=["post", "get"])),
            repr(routing.Route("/a", endpoint, name="n", methods=[])),
            repr(routing.WebSocketRoute("/w", endpoint)),
            repr(routing.Mount("/m/", app=endpoint, name="m")).split(" at ")[0],
            repr(routing.Host("h.org", app=endpoint)).split(" at ")[0],
            str(routing.NoMatchFound("n", {"a": 1, "b": 2})),
        ]

    assert reprs("starlette_c") == reprs("starlette")


# --- 1.7 to 1.10 ----------------------------------------------------------------------------------------------


def route_reporting(ns: Namespace) -> Any:
    routing, responses = ns.routing, ns.responses

    def describe(route: Any) -> str:
        return f"{type(route).__name__}:{getattr(route, 'path', getattr(route, 'host', None))}"

    async def endpoint(request: Any) -> Any:
        return responses.PlainTextResponse(describe(request.scope.get("route")))

    async def raw(scope: Any, receive: Any, send: Any) -> None:
        await responses.PlainTextResponse("raw " + describe(scope.get("route")))(scope, receive, send)

    inner = ns.applications.Starlette(routes=[routing.Route("/x", endpoint)])
    hosted = routing.Router([routing.Route("/h", endpoint), routing.Mount("/hm", app=raw)])
    return ns.applications.Starlette(
        routes=[
            routing.Route("/a", endpoint),
            routing.Mount(
                "/m",
                routes=[routing.Route("/b", endpoint), routing.Mount("/n", routes=[routing.Route("/c", endpoint)])],
            ),
            routing.Mount("/raw", app=raw),
            routing.Mount("/app", app=inner),
            routing.Host("{sub}.example.com", app=hosted),
            routing.Route("/post", endpoint, methods=["POST"]),
        ]
    )


@pytest.mark.parametrize(
    "path, host",
    [("/a", None), ("/m/b", None), ("/m/n/c", None), ("/raw/z", None), ("/app/x", None), ("/h", b"Foo.Example.COM"),
     ("/hm/q", b"a.example.com"), ("/post", None), ("/nope", None), ("/app/nope", None), ("/a/", None)],
)  # fmt: skip
def test_scope_route_is_the_matched_route(path: str, host: bytes | None) -> None:
    assert_same(route_reporting, [Req("GET", path, headers=[(b"host", host)] if host else [])])


@pytest.mark.parametrize(
    "template, params",
    [
        ("/u/{a}/{b}", {"a": "{b}", "b": "x"}),
        ("/u/{a}/{b}", {"a": "x", "b": "{a}"}),
        ("/u/{a}", {"a": "{a}"}),
        ("/u/{a}/{b}", {"a": "%2F", "b": "?#"}),
        ("/u/{a}/{b}", {"a": "..", "b": "."}),
        ("/u/{a}", {"a": "x", "z": "1"}),
        ("/u/{a:int}", {"a": 3}),
    ],
)
def test_url_path_for_keeps_values_that_look_like_placeholders(template: str, params: dict[str, Any]) -> None:
    results = []
    for package in ("starlette", "starlette_c"):
        routing = importlib.import_module(f"{package}.routing")

        async def endpoint(request: Any) -> None:
            raise AssertionError("never called")  # pragma: no cover

        try:
            results.append(str(routing.Route(template, endpoint, name="r").url_path_for("r", **params)))
        except Exception as exc:
            results.append(f"{type(exc).__name__}: {exc}")
    assert results[0] == results[1]


def _container(routing: Any, build: str, endpoint: Any) -> Any:
    inner = [routing.Route("/{x}", endpoint, name="i")]
    if build == "mount":
        nested = routing.Mount("/s", routes=[routing.Route("/", endpoint, name="j")], name="s")
        return routing.Mount("/m/{v}", routes=[*inner, nested], name="m")
    if build == "unnamed mount":
        return routing.Mount("/n", routes=inner)
    if build == "host":
        return routing.Host("{sub}.x.com:8080", app=routing.Router(inner), name="h")
    return routing.Host("x.com", app=routing.Router(inner))


@pytest.mark.parametrize(
    "build, name, params",
    [
        ("mount", "m", {"v": 1, "path": "/a"}),
        ("mount", "m", {"v": 1, "path": "/a", "extra": 2}),
        ("mount", "m", {"path": "/a"}),
        ("mount", "m:i", {"v": 1, "x": 2}),
        ("mount", "m:i", {"v": 1}),
        ("mount", "m:s:j", {"v": 1}),
        ("mount", "m:zz", {"v": 1, "path": "q"}),
        ("mount", "other", {"a": 1}),
        ("mount", "m", {"v": "{path}", "path": "zz"}),
        ("unnamed mount", "i", {"x": 1}),
        ("unnamed mount", "i", {"x": 1, "path": "p"}),
        ("unnamed mount", "q", {}),
        ("host", "h", {"sub": "a", "path": "/p"}),
        ("host", "h", {"path": "/p"}),
        ("host", "h:i", {"sub": "a", "x": "b"}),
        ("host", "h:i", {"x": "b"}),
        ("host", "h:i", {"sub": "{x}", "x": "b"}),
        ("unnamed host", "i", {"x": 1}),
        ("unnamed host", "j", {"x": 1}),
    ],
)
def test_url_path_for_through_mounts_and_hosts(build: str, name: str, params: dict[str, Any]) -> None:
    results = []
    for package in ("starlette", "starlette_c"):
        routing = importlib.import_module(f"{package}.routing")

        async def endpoint(request: Any) -> None:
            raise AssertionError("never called")  # pragma: no cover

        route = _container(routing, build, endpoint)
        try:
            url = route.url_path_for(name, **dict(params))
            results.append((str(url), url.protocol, url.host))
        except Exception as exc:
            results.append((type(exc).__name__, str(exc)))
    assert results[0] == results[1]


def test_match_members_and_signatures() -> None:
    import inspect

    import starlette.routing as theirs

    import starlette_c.routing as ours

    assert [(m.name, m.value) for m in ours.Match] == [(m.name, m.value) for m in theirs.Match]
    assert ours.PARAM_FORMAT_REGEX.pattern == theirs.PARAM_FORMAT_REGEX.pattern
    for name in ("Route", "Mount", "Router", "WebSocketRoute", "Host", "replace_params", "compile_path"):
        mine, reference = inspect.signature(getattr(ours, name)), inspect.signature(getattr(theirs, name))
        assert [(p.name, p.kind, p.default) for p in mine.parameters.values()] == [
            (p.name, p.kind, p.default) for p in reference.parameters.values()
        ], name


def handled_exceptions(ns: Namespace) -> Any:
    routing, responses = ns.routing, ns.responses

    async def raise_handled(request: Any) -> Any:
        raise KEPT[ns.package]

    async def raise_group(request: Any) -> Any:
        raise ExceptionGroup("user group", [ValueError("inside")])

    async def handler(request: Any, exc: Exception) -> Any:
        return responses.PlainTextResponse(f"handled {exc}", status_code=400)

    return ns.applications.Starlette(
        routes=[routing.Route("/handled", raise_handled), routing.Route("/group", raise_group)],
        exception_handlers={LookupError: handler},
    )


KEPT = {"starlette": LookupError("shared"), "starlette_c": LookupError("shared")}


def test_a_handled_exception_lets_go_of_its_traceback() -> None:
    reference, ours = run_both(handled_exceptions, Req("GET", "/handled"))
    assert ours == reference and ours.status == 400
    assert KEPT["starlette"].__traceback__ is None and KEPT["starlette_c"].__traceback__ is None


def test_a_user_exception_group_is_not_collapsed() -> None:
    reference, ours = run_both(handled_exceptions, Req("GET", "/group"))
    assert ours == reference and ours.exception is not None and ours.exception.startswith("ExceptionGroup: user group")


def websocket_route_reporting(ns: Namespace) -> Any:
    routing = ns.routing

    async def session(websocket: Any) -> None:
        route = websocket.scope.get("route")
        await websocket.accept()
        await websocket.send_text(f"{type(route).__name__}:{route.path}")
        await websocket.close()

    nested = routing.Mount("/m", routes=[routing.WebSocketRoute("/inner", session)])
    return ns.applications.Starlette(routes=[routing.WebSocketRoute("/ws", session), nested])


@pytest.mark.parametrize("path", ["/ws", "/m/inner"])
def test_scope_route_for_websockets(path: str) -> None:
    sent = [
        anyio.run(run_websocket, websocket_route_reporting(Namespace(package)), Req("GET", path))
        for package in ("starlette", "starlette_c")
    ]
    assert sent[0] == sent[1] and sent[1][1]["text"].startswith("WebSocketRoute:")


class _EndpointClass:
    def __init__(self, *args: Any) -> None:
        pass  # pragma: no cover (never called)

    async def method(self, request: Any) -> None:
        pass  # pragma: no cover (never called)

    def __call__(self, request: Any) -> None:
        pass  # pragma: no cover (never called)


async def _named_endpoint(request: Any) -> None:
    pass  # pragma: no cover (never called)


_ENDPOINTS: dict[str, Any] = {
    "function": _named_endpoint,
    "lambda": lambda request: None,
    "partial": functools.partial(_named_endpoint),
    "class": _EndpointClass,
    "instance": _EndpointClass(),
    "bound method": _EndpointClass().method,
    "nested partial": functools.partial(functools.partial(_EndpointClass().method)),
}


@settings(max_examples=500, deadline=None)
@given(
    kind=st.sampled_from(["Route", "WebSocketRoute", "Mount", "Host"]),
    path=st.sampled_from(["/", "/a/{b:int}", "a", "", "/x/", "{sub}.h.org", "/{p:path}", "/m/{x}/"]),
    endpoint=st.sampled_from(sorted(_ENDPOINTS)),
    name=st.sampled_from([None, "n"]),
    methods=st.sampled_from([None, [], ["get"], ["POST", "get"], ("PUT",)]),
)
def test_any_route_construction_matches_the_reference(
    kind: str, path: str, endpoint: str, name: str | None, methods: Any
) -> None:
    # NOTE: the route's public shape (or the construction error) for any path, endpoint kind, name and methods.
    def shape(package: str) -> Any:
        routing = importlib.import_module(f"{package}.routing")
        target = _ENDPOINTS[endpoint]
        try:
            if kind == "Route":
                route = routing.Route(path, target, methods=methods, name=name)
            elif kind == "WebSocketRoute":
                route = routing.WebSocketRoute(path, target, name=name)
            elif kind == "Mount":
                route = routing.Mount(path, app=target, name=name)
            else:
                route = routing.Host(path, app=target, name=name)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        fields = ("name", "methods", "path", "host", "path_format", "host_format", "include_in_schema")
        return {field: getattr(route, field, "-") for field in fields} | {"params": sorted(route.param_convertors)}

    assert shape("starlette_c") == shape("starlette")
