"""The examples of docs/authentication.md, with imports changed to starlette_c."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette_c.applications import Starlette
from starlette_c.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    SimpleUser,
    requires,
)
from starlette_c.endpoints import HTTPEndpoint
from starlette_c.middleware import Middleware
from starlette_c.middleware.authentication import AuthenticationMiddleware
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette_c.routing import Route
from tests.conftest import TestClientFactory


class BasicAuthBackend(AuthenticationBackend):
    async def authenticate(self, conn: Any) -> Any:
        if "Authorization" not in conn.headers:
            return

        auth = conn.headers["Authorization"]
        try:
            scheme, credentials = auth.split()
            if scheme.lower() != "basic":
                return
            decoded = base64.b64decode(credentials).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise AuthenticationError("Invalid basic auth credentials")

        username, _, password = decoded.partition(":")
        # TODO: You'd want to verify the username and password here.
        scopes = ["authenticated", "admin"] if username == "admin" else ["authenticated"]
        return AuthCredentials(scopes), SimpleUser(username)


async def homepage(request: Any) -> Any:
    if request.user.is_authenticated:
        return PlainTextResponse("Hello, " + request.user.display_name)
    return PlainTextResponse("Hello, you")


def basic(username: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:password".encode()).decode()}


def test_basic_auth_backend(test_client_factory: TestClientFactory) -> None:
    routes = [Route("/", endpoint=homepage)]

    middleware = [Middleware(AuthenticationMiddleware, backend=BasicAuthBackend())]

    app = Starlette(routes=routes, middleware=middleware)

    client = test_client_factory(app)
    assert client.get("/").text == "Hello, you"
    assert client.get("/", headers=basic("tom")).text == "Hello, tom"
    assert client.get("/", headers={"Authorization": "Bearer token"}).text == "Hello, you"
    response = client.get("/", headers={"Authorization": "Basic a"})
    assert (response.status_code, response.text) == (400, "Invalid basic auth credentials")


def make_app(*routes: Route, **options: Any) -> Starlette:
    return Starlette(
        routes=[Route("/", homepage, name="homepage"), *routes],
        middleware=[Middleware(AuthenticationMiddleware, backend=BasicAuthBackend(), **options)],
    )


def test_permissions(test_client_factory: TestClientFactory) -> None:
    @requires("authenticated")
    async def dashboard(request: Request) -> Response:
        return PlainTextResponse("dashboard")

    @requires(["authenticated", "admin"])
    async def admin_dashboard(request: Request) -> Response:
        return PlainTextResponse("admin dashboard")

    @requires(["authenticated", "admin"], status_code=404)
    async def hidden_dashboard(request: Request) -> Response:
        return PlainTextResponse("hidden dashboard")

    client = test_client_factory(
        make_app(Route("/dashboard", dashboard), Route("/admin", admin_dashboard), Route("/hidden", hidden_dashboard))
    )
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard", headers=basic("tom")).text == "dashboard"
    assert client.get("/admin", headers=basic("tom")).status_code == 403
    assert client.get("/admin", headers=basic("admin")).text == "admin dashboard"
    assert client.get("/hidden", headers=basic("tom")).status_code == 404


def test_redirect_and_next_param(test_client_factory: TestClientFactory) -> None:
    @requires("authenticated", redirect="homepage")
    async def dashboard(request: Request) -> Response:
        return PlainTextResponse("dashboard")

    @requires("authenticated", redirect="login")
    async def admin(request: Request) -> Response:
        return PlainTextResponse("admin")

    async def login(request: Request) -> Response:
        if request.method == "POST":  # noqa: SIM102 (kept as the docs write it)
            # Now that the user is authenticated,
            # we can send them to their original request destination
            if request.user.is_authenticated:
                next_url = request.query_params.get("next")
                if next_url:
                    return RedirectResponse(next_url)
                return RedirectResponse("/")
        return PlainTextResponse("login form")

    client = test_client_factory(
        make_app(
            Route("/dashboard", dashboard),
            Route("/admin", admin),
            Route("/login", login, name="login", methods=["GET", "POST"]),
        )
    )
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "http://testserver/?next=http%3A%2F%2Ftestserver%2Fdashboard"

    response = client.get("/admin")
    assert response.text == "login form"
    login_url = str(response.url)
    response = client.post(login_url, headers=basic("tom"), follow_redirects=False)
    assert response.headers["location"] == "http://testserver/admin"
    assert client.post("/login", headers=basic("tom"), follow_redirects=False).headers["location"] == "/"


def test_class_based_endpoint(test_client_factory: TestClientFactory) -> None:
    class Dashboard(HTTPEndpoint):
        @requires("authenticated")
        async def get(self, request: Request) -> Response:
            return PlainTextResponse("dashboard")

    client = test_client_factory(make_app(Route("/dashboard", Dashboard)))
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard", headers=basic("tom")).text == "dashboard"


def test_custom_authentication_error_responses(test_client_factory: TestClientFactory) -> None:
    def on_auth_error(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=401)

    app = Starlette(
        middleware=[
            Middleware(AuthenticationMiddleware, backend=BasicAuthBackend(), on_error=on_auth_error),
        ],
    )

    response = test_client_factory(app).get("/", headers={"Authorization": "Basic a"})
    assert (response.status_code, response.json()) == (401, {"error": "Invalid basic auth credentials"})
