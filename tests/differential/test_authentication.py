"""starlette_c.authentication against the reference starlette.authentication: same users, decisions and errors."""

from __future__ import annotations

import base64
import inspect
from types import ModuleType
from typing import Any

import anyio
import pytest
import starlette.authentication as reference
from hypothesis import given, settings
from hypothesis import strategies as st

import starlette_c.authentication as ours
from tests.differential.harness import Namespace, Req, assert_same, run_websocket


def observe(call: Any) -> tuple[str, str]:
    try:
        result = call()
        if inspect.iscoroutine(result):
            result = anyio.run(lambda: result)
        return ("returned", repr(result))
    except Exception as exc:
        return ("raised", f"{type(exc).__name__}: {exc}")


@pytest.mark.parametrize("name", ["requires", "has_required_scope"])
def test_function_signatures(name: str) -> None:
    assert str(inspect.signature(getattr(ours, name))) == str(inspect.signature(getattr(reference, name)))


def test_users() -> None:
    def run(module: ModuleType) -> list[tuple[str, str]]:
        bob, anonymous, base = module.SimpleUser("bob"), module.UnauthenticatedUser(), module.BaseUser()
        return [
            observe(lambda: (bob.identity, bob.display_name, bob.is_authenticated, bob.username)),
            observe(lambda: (anonymous.identity, anonymous.display_name, anonymous.is_authenticated)),
            observe(lambda: base.identity),
            observe(lambda: base.display_name),
            observe(lambda: base.is_authenticated),
            observe(lambda: module.AuthCredentials().scopes),
            observe(lambda: module.AuthCredentials(("a", "b")).scopes),
            observe(lambda: module.AuthCredentials([]).scopes),
        ]

    assert run(ours) == run(reference)


def wrong_arguments(package: str) -> list[tuple[str, str]]:
    ns = Namespace(package)
    auth = ns.authentication

    async def endpoint(request: Any) -> str:
        return "ran"

    def sync_endpoint(request: Any) -> str:
        return "ran"

    async def socket(websocket: Any) -> str:
        return "ran"

    async def later(x: Any, websocket: Any, request: Any = None) -> str:
        return "ran"

    http_scope = Req().scope() | {"auth": auth.AuthCredentials(["x"])}
    ws_scope = http_scope | {"type": "websocket"}

    async def receive() -> Any:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        return None

    guarded = auth.requires("x")
    results = []
    for arg in (
        "str",
        None,
        1,
        ns.requests.HTTPConnection(http_scope),
        ns.websockets.WebSocket(ws_scope, receive, send),
    ):
        results.append(observe(lambda arg=arg: guarded(endpoint)(arg)))
        results.append(observe(lambda arg=arg: guarded(sync_endpoint)(request=arg)))
        results.append(observe(lambda arg=arg: guarded(socket)(arg)))
    results.append(observe(lambda: guarded(endpoint)()))
    results.append(observe(lambda: guarded(later)(1, None)))
    results.append(observe(lambda: guarded(endpoint)(ns.requests.Request(http_scope))))
    results.append(
        observe(lambda: auth.requires(["x", "y"], status_code=404)(endpoint)(ns.requests.Request(http_scope)))
    )
    no_connection = observe(lambda: guarded(lambda x: x))
    results.append((no_connection[0], no_connection[1].split(" on function")[0]))
    return results


def test_requires_checks_its_arguments() -> None:
    assert wrong_arguments("starlette_c") == wrong_arguments("starlette")


def build(ns: Namespace) -> Any:
    auth = ns.authentication
    responses = ns.responses

    class Backend(auth.AuthenticationBackend):
        async def authenticate(self, conn: Any) -> Any:
            header = conn.headers.get("authorization")
            if header is None:
                return None
            name = base64.b64decode(header).decode()
            scopes = ["authenticated", "admin"] if name == "root" else ["authenticated"]
            return auth.AuthCredentials(scopes), auth.SimpleUser(name)

    @auth.requires("authenticated")
    async def home(request: Any) -> Any:
        user = request.user
        return responses.JSONResponse([user.identity, user.display_name, user.is_authenticated, request.auth.scopes])

    @auth.requires(["authenticated", "admin"], status_code=404)
    def admin(request: Any) -> Any:
        return responses.PlainTextResponse("admin")

    @auth.requires("admin", redirect="login")
    async def dashboard(request: Any) -> Any:
        return responses.PlainTextResponse("dashboard")

    async def login(request: Any) -> Any:
        return responses.JSONResponse([request.user.identity, request.user.is_authenticated])

    @auth.requires("authenticated")
    async def socket(websocket: Any) -> None:
        await websocket.accept()
        await websocket.send_text(websocket.user.identity)
        await websocket.close()

    return ns.applications.Starlette(
        routes=[
            ns.routing.Route("/", home),
            ns.routing.Route("/admin", admin),
            ns.routing.Route("/dashboard", dashboard),
            ns.routing.Route("/login", login, name="login"),
            ns.routing.WebSocketRoute("/ws", socket),
        ],
        middleware=[
            ns.middleware.Middleware(ns.module("middleware.authentication").AuthenticationMiddleware, backend=Backend())
        ],
    )


def as_user(name: str) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", base64.b64encode(name.encode()))]


def test_requires_in_an_app() -> None:
    requests = []
    for headers in ([], as_user("bob"), as_user("root")):
        for path in ("/", "/admin", "/dashboard", "/login"):
            requests.append(Req("GET", path, query_string=b"a=1&b=%20", headers=headers))
    assert_same(build, requests)


@pytest.mark.parametrize("headers", [[], as_user("bob")])
def test_requires_on_a_websocket(headers: list[tuple[bytes, bytes]]) -> None:
    sent = [
        anyio.run(run_websocket, build(Namespace(package)), Req(path="/ws", headers=headers))
        for package in ("starlette", "starlette_c")
    ]
    assert sent[0] == sent[1]


def guarded_app(ns: Namespace, scopes: list[str], status_code: int, redirect: bool, sync: bool, on_error: bool) -> Any:
    auth, responses = ns.authentication, ns.responses

    class Backend(auth.AuthenticationBackend):  # type: ignore[name-defined, misc]
        async def authenticate(self, conn: Any) -> Any:
            header = conn.headers.get("x-scopes")
            if header is None:
                return None
            if header == "fail":
                raise auth.AuthenticationError("bad credentials")
            return auth.AuthCredentials(header.split()), auth.SimpleUser("u")

    def page(request: Any) -> Any:
        return responses.PlainTextResponse(f"{request.user.is_authenticated} {sorted(request.auth.scopes)}")

    async def async_page(request: Any) -> Any:
        return page(request)

    guarded = auth.requires(scopes, status_code, "login" if redirect else None)(page if sync else async_page)

    async def login(request: Any) -> Any:
        return responses.PlainTextResponse("login")

    def error(conn: Any, exc: Exception) -> Any:
        return responses.PlainTextResponse(f"refused: {exc}", status_code=401)

    middleware = ns.module("middleware.authentication").AuthenticationMiddleware
    options = {"on_error": error} if on_error else {}
    return ns.applications.Starlette(
        routes=[ns.routing.Route("/", guarded), ns.routing.Route("/login", login, name="login")],
        middleware=[ns.middleware.Middleware(middleware, backend=Backend(), **options)],
    )


@settings(max_examples=300, deadline=None)
@given(
    scopes=st.lists(st.sampled_from(["authenticated", "admin", "read"]), max_size=2),
    granted=st.none() | st.just("fail") | st.lists(st.sampled_from(["authenticated", "admin", "read"])).map(" ".join),
    status_code=st.sampled_from([403, 401, 404]),
    redirect=st.booleans(),
    sync=st.booleans(),
    on_error=st.booleans(),
    query=st.sampled_from([b"", b"a=1&b=%20"]),
)
def test_any_guard_answers_as_the_reference(
    scopes: list[str],
    granted: str | None,
    status_code: int,
    redirect: bool,
    sync: bool,
    on_error: bool,
    query: bytes,
) -> None:
    headers = [] if granted is None else [(b"x-scopes", granted.encode())]
    assert_same(
        lambda ns: guarded_app(ns, scopes, status_code, redirect, sync, on_error),
        [Req("GET", "/", query_string=query, headers=headers)],
    )
