from __future__ import annotations

import base64
import binascii
import inspect
from typing import Any
from urllib.parse import urlencode

import anyio
import pytest

from starlette_c.applications import Starlette
from starlette_c.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
    SimpleUser,
    UnauthenticatedUser,
    has_required_scope,
    requires,
)
from starlette_c.endpoints import HTTPEndpoint
from starlette_c.middleware import Middleware
from starlette_c.middleware.authentication import AuthenticationMiddleware
from starlette_c.requests import HTTPConnection, Request
from starlette_c.responses import JSONResponse, PlainTextResponse, Response
from starlette_c.routing import Route, WebSocketRoute
from starlette_c.types import Message, Receive, Scope, Send
from starlette_c.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory


class BasicAuth(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        if "Authorization" not in conn.headers:
            return None
        auth = conn.headers["Authorization"]
        try:
            scheme, credentials = auth.split()
            decoded = base64.b64decode(credentials).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise AuthenticationError("Invalid basic auth credentials")
        username, _, _password = decoded.partition(":")
        scopes = ["authenticated"] + (["admin"] if username == "admin" else [])
        return AuthCredentials(scopes), SimpleUser(username)


def whoami(conn: HTTPConnection) -> dict[str, Any]:
    return {"authenticated": conn.user.is_authenticated, "user": conn.user.display_name, "scopes": conn.auth.scopes}


async def homepage(request: Request) -> Response:
    return JSONResponse(whoami(request))


@requires("authenticated")
async def dashboard(request: Request) -> Response:
    return JSONResponse(whoami(request))


@requires(["authenticated", "admin"])
async def admin(request: Request) -> Response:
    return JSONResponse(whoami(request))


@requires("authenticated")
def sync_dashboard(request: Request) -> Response:
    return JSONResponse(whoami(request))


@requires(["authenticated", "admin"], status_code=404)
async def hidden(request: Request) -> Response:
    return JSONResponse(whoami(request))


@requires("authenticated", redirect="homepage")
async def redirecting(request: Request) -> Response:
    return JSONResponse(whoami(request))


@requires("authenticated", redirect="homepage")
def sync_redirecting(request: Request) -> Response:
    return JSONResponse(whoami(request))


class Dashboard(HTTPEndpoint):
    @requires("authenticated")
    async def get(self, request: Request) -> Response:
        return JSONResponse(whoami(request))

    @requires("authenticated")
    def post(self, request: Request) -> Response:
        return JSONResponse(whoami(request))


@requires("authenticated")
async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json(whoami(websocket))
    await websocket.close()


@requires("authenticated")
async def keyword_only(*, request: Request) -> Response:
    return PlainTextResponse("kw")  # pragma: no cover (only called through the decorator's checks)


def on_auth_error(conn: HTTPConnection, exc: AuthenticationError) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=401)


def make_app(**middleware_options: Any) -> Starlette:
    return Starlette(
        routes=[
            Route("/", homepage, name="homepage"),
            Route("/dashboard", dashboard),
            Route("/admin", admin),
            Route("/dashboard/sync", sync_dashboard),
            Route("/hidden", hidden),
            Route("/redirecting", redirecting),
            Route("/redirecting/sync", sync_redirecting),
            Route("/endpoint", Dashboard),
            WebSocketRoute("/ws", websocket_endpoint),
        ],
        middleware=[Middleware(AuthenticationMiddleware, backend=BasicAuth(), **middleware_options)],
    )


def basic(username: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:secret".encode()).decode()}


def test_invalid_decorator_usage() -> None:
    def no_connection(x: int) -> None: ...  # pragma: no cover (never called)

    with pytest.raises(Exception, match='No "request" or "websocket" argument on function "<function'):
        requires("authenticated")(no_connection)


def test_decorated_functions_keep_their_identity() -> None:
    assert dashboard.__name__ == "dashboard"
    assert inspect.iscoroutinefunction(dashboard)
    assert not inspect.iscoroutinefunction(sync_dashboard)
    assert inspect.iscoroutinefunction(websocket_endpoint)
    assert str(inspect.signature(dashboard)) == "(request: 'Request') -> 'Response'"


def test_user_interface(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    assert client.get("/").json() == {"authenticated": False, "user": "", "scopes": []}
    assert client.get("/", headers=basic("tomchristie")).json() == {
        "authenticated": True,
        "user": "tomchristie",
        "scopes": ["authenticated"],
    }


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/sync", "/endpoint"])
def test_authentication_required(test_client_factory: TestClientFactory, path: str) -> None:
    client = test_client_factory(make_app())
    response = client.get(path)
    assert response.status_code == 403
    assert response.text == "Forbidden"
    response = client.get(path, headers=basic("tomchristie"))
    assert response.status_code == 200
    assert response.json()["user"] == "tomchristie"


def test_endpoint_sync_method(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    assert client.post("/endpoint").status_code == 403
    assert client.post("/endpoint", headers=basic("bob")).json()["user"] == "bob"


def test_multiple_scopes_and_custom_status(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    assert client.get("/admin", headers=basic("bob")).status_code == 403
    assert client.get("/admin", headers=basic("admin")).json()["scopes"] == ["authenticated", "admin"]
    assert client.get("/hidden", headers=basic("bob")).status_code == 404
    assert client.get("/hidden", headers=basic("admin")).status_code == 200


@pytest.mark.parametrize("path", ["/redirecting", "/redirecting/sync"])
def test_redirect_keeps_the_original_url(test_client_factory: TestClientFactory, path: str) -> None:
    client = test_client_factory(make_app())
    response = client.get(path + "?a=1&b=2", follow_redirects=False)
    assert response.status_code == 303
    next_param = urlencode({"next": f"http://testserver{path}?a=1&b=2"})
    assert response.headers["location"] == f"http://testserver/?{next_param}"
    assert client.get(path, headers=basic("bob")).json()["user"] == "bob"


def test_authentication_error(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    response = client.get("/", headers={"Authorization": "basic"})
    assert response.status_code == 400
    assert response.text == "Invalid basic auth credentials"


def test_custom_on_error(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(on_error=on_auth_error))
    response = client.get("/", headers={"Authorization": "basic"})
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid basic auth credentials"}


def test_websocket_authentication(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws"):
        pass  # pragma: no cover (refused before accept)
    assert info.value.code == 1000

    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws", headers={"Authorization": "basic"}):
        pass  # pragma: no cover (the backend fails)

    with client.websocket_connect("/ws", headers=basic("tomchristie")) as websocket:
        assert websocket.receive_json()["user"] == "tomchristie"


def test_on_error_runs_for_websockets_too(test_client_factory: TestClientFactory) -> None:
    seen: list[str] = []

    def recording(conn: HTTPConnection, exc: AuthenticationError) -> Response:
        seen.append(f"{conn.scope['type']}: {exc}")
        return on_auth_error(conn, exc)

    client = test_client_factory(make_app(on_error=recording))
    failing = {"Authorization": "basic"}
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws", headers=failing):
        pass  # pragma: no cover (the backend fails)
    assert info.value.code == 1000
    assert seen == ["websocket: Invalid basic auth credentials"]


def test_websocket_authentication_error_closes_without_a_reason() -> None:
    class Refusing(AuthenticationBackend):
        async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
            raise AuthenticationError("no")

    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}  # pragma: no cover (the handshake is refused before any receive)

    async def send(message: Message) -> None:
        sent.append(message)

    async def unreached(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("the app is not called")  # pragma: no cover

    scope: Scope = {"type": "websocket", "headers": [], "path": "/", "query_string": b""}
    anyio.run(AuthenticationMiddleware(unreached, Refusing()), scope, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1000}]


def test_wrong_argument_types() -> None:
    request_message = "^Parameter with name 'request' is required to be of type 'Request' not '{}'$"
    with pytest.raises(AssertionError, match=request_message.format("str")):
        anyio.run(dashboard, "not a request")
    with pytest.raises(AssertionError, match=request_message.format("NoneType")):
        sync_dashboard(request=None)  # type: ignore[arg-type]
    with pytest.raises(
        AssertionError, match="^Parameter with name 'websocket' is required to be of type 'WebSocket' not 'NoneType'$"
    ):
        anyio.run(websocket_endpoint, None)
    with pytest.raises(AssertionError, match=request_message.format("NoneType")):
        anyio.run(lambda: keyword_only())


def test_lifespan_passes_through(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(make_app()) as client:
        assert client.get("/").status_code == 200


def test_backend_exceptions_propagate() -> None:
    class Broken(AuthenticationBackend):
        async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
            raise ValueError("backend bug")

    async def app(scope: Scope, receive: Receive, send: Send) -> None: ...  # pragma: no cover (never reached)

    async def receive() -> Message:  # pragma: no cover (never read)
        return {}

    async def send(message: Message) -> None: ...  # pragma: no cover (nothing sent)

    with pytest.raises(ValueError, match="backend bug"):
        anyio.run(AuthenticationMiddleware(app, Broken()), {"type": "http", "headers": []}, receive, send)


def test_default_backend_and_users() -> None:
    with pytest.raises(NotImplementedError):
        anyio.run(AuthenticationBackend().authenticate, HTTPConnection({"type": "http", "headers": []}))
    user = BaseUser()
    for attribute in ("is_authenticated", "display_name", "identity"):
        with pytest.raises(NotImplementedError):
            getattr(user, attribute)
    bob = SimpleUser("bob")
    assert (bob.username, bob.display_name, bob.identity, bob.is_authenticated) == ("bob", "bob", "bob", True)
    anonymous = UnauthenticatedUser()
    assert (anonymous.is_authenticated, anonymous.display_name, anonymous.identity) == (False, "", "")
    assert AuthCredentials().scopes == []
    assert AuthCredentials(("a", "b")).scopes == ["a", "b"]
    assert issubclass(AuthenticationError, Exception)
    assert AuthenticationMiddleware.default_on_error(None, Exception("nope")).body == b"nope"  # type: ignore[arg-type]


def test_has_required_scope() -> None:
    conn = HTTPConnection({"type": "http", "headers": [], "auth": AuthCredentials(["a", "b"])})
    assert has_required_scope(conn, [])
    assert has_required_scope(conn, ["a", "b"])
    assert not has_required_scope(conn, ["a", "c"])
    # NOTE: requiring nothing reads no credentials: a connection without (or with empty) auth passes.
    assert has_required_scope(HTTPConnection({"type": "http", "headers": []}), [])
    assert has_required_scope(HTTPConnection({"type": "http", "headers": [], "auth": None}), [])
