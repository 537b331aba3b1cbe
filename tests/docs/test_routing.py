"""The examples of docs/routing.md, with imports changed to starlette_c."""

from __future__ import annotations

import types
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from starlette_c.applications import Starlette
from starlette_c.convertors import CONVERTOR_TYPES, Convertor, register_url_convertor
from starlette_c.endpoints import HTTPEndpoint
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, Response
from starlette_c.routing import Host, Mount, Route, Router, WebSocketRoute
from starlette_c.staticfiles import StaticFiles
from starlette_c.websockets import WebSocket
from tests.conftest import TestClientFactory


async def homepage(request: Request) -> Response:
    return PlainTextResponse("Homepage")


async def about(request: Request) -> Response:
    return PlainTextResponse("About")


async def user(request: Request) -> Response:
    return JSONResponse({key: str(value) for key, value in request.path_params.items()})


async def users(request: Request) -> Response:
    return PlainTextResponse(f"users {request.method}")


async def floating_point(request: Request) -> Response:
    return PlainTextResponse(repr(request.path_params["number"]))


async def uploaded(request: Request) -> Response:
    return PlainTextResponse(request.path_params["rest_of_path"])


def test_routing_table(test_client_factory: TestClientFactory) -> None:
    routes = [
        Route("/", endpoint=homepage),
        Route("/about", endpoint=about),
    ]

    app = Starlette(routes=routes)
    client = test_client_factory(app)
    assert client.get("/").text == "Homepage"
    assert client.get("/about").text == "About"


def test_path_parameters_and_convertors(test_client_factory: TestClientFactory) -> None:
    async def user_by_id(request: Request) -> Response:
        user_id = request.path_params["user_id"]
        return PlainTextResponse(f"{type(user_id).__name__} {user_id}")

    app = Starlette(
        routes=[
            Route("/users/{username}", user),
            Route("/users/{user_id:int}", user_by_id),
            Route("/ids/{user_id:int}", user_by_id),
            Route("/floating-point/{number:float}", floating_point),
            Route("/uploaded/{rest_of_path:path}", uploaded),
        ]
    )
    client = test_client_factory(app)
    assert client.get("/users/tom").json() == {"username": "tom"}
    assert client.get("/users/tom/more").status_code == 404
    assert client.get("/ids/42").text == "int 42"
    assert client.get("/floating-point/1.5").text == "1.5"
    assert client.get("/uploaded/a/b/c.txt").text == "a/b/c.txt"


@pytest.fixture
def restore_convertors() -> Iterator[None]:
    saved = dict(CONVERTOR_TYPES)
    yield
    CONVERTOR_TYPES.clear()
    CONVERTOR_TYPES.update(saved)


def test_custom_convertor(test_client_factory: TestClientFactory, restore_convertors: None) -> None:
    class DateTimeConvertor(Convertor[datetime]):
        regex = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(.[0-9]+)?"

        def convert(self, value: str) -> datetime:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")

        def to_string(self, value: datetime) -> str:
            return value.strftime("%Y-%m-%dT%H:%M:%S")

    register_url_convertor("datetime", DateTimeConvertor())

    async def history(request: Request) -> Response:
        date = request.path_params["date"]
        return PlainTextResponse(f"{type(date).__name__} {date.year}")

    app = Starlette(routes=[Route("/history/{date:datetime}", history)])
    assert test_client_factory(app).get("/history/2020-01-02T03:04:05").text == "datetime 2020"
    assert app.url_path_for("history", date=datetime(2021, 5, 6, 7, 8, 9)) == "/history/2021-05-06T07:08:09"


def test_path_params_and_methods(test_client_factory: TestClientFactory) -> None:
    async def user(request: Request) -> Response:
        user_id = request.path_params["user_id"]
        return PlainTextResponse(f"{request.method} {user_id}")

    app = Starlette(routes=[Route("/users/{user_id:int}", user, methods=["GET", "POST"])])
    client = test_client_factory(app)
    assert client.get("/users/1").text == "GET 1"
    assert client.post("/users/2").text == "POST 2"
    assert client.delete("/users/3").status_code == 405

    default_get_only = Starlette(routes=[Route("/", homepage)])
    assert test_client_factory(default_get_only).post("/").status_code == 405


def test_submounting_routes(test_client_factory: TestClientFactory) -> None:
    routes = [
        Route("/", homepage),
        Mount(
            "/users",
            routes=[
                Route("/", users, methods=["GET", "POST"]),
                Route("/{username}", user),
            ],
        ),
    ]
    client = test_client_factory(Starlette(routes=routes))
    assert client.get("/").text == "Homepage"
    assert client.post("/users/").text == "users POST"
    assert client.get("/users/jo").json() == {"username": "jo"}


def test_submounting_route_modules(test_client_factory: TestClientFactory) -> None:
    users = types.SimpleNamespace(routes=[Route("/", homepage)])
    auth = types.SimpleNamespace(routes=[Route("/login", about)])

    routes = [
        Route("/", homepage),
        Mount("/users", routes=users.routes),
        Mount("/auth", routes=auth.routes),
    ]
    client = test_client_factory(Starlette(routes=routes))
    assert client.get("/users/").text == "Homepage"
    assert client.get("/auth/login").text == "About"


def test_mounted_static_files(
    test_client_factory: TestClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "base.css").write_text("body {}")
    monkeypatch.chdir(tmp_path)

    standalone = StaticFiles(directory="static")
    assert test_client_factory(standalone).get("/css/base.css").text == "body {}"

    async def stylesheet_link(request: Request) -> Response:
        url = request.url_for("static", path="/css/base.css")
        return PlainTextResponse(str(url))

    routes = [
        Route("/", stylesheet_link),
        Mount("/static", app=StaticFiles(directory="static"), name="static"),
    ]
    app = Starlette(routes=routes)
    client = test_client_factory(app)
    assert client.get("/static/css/base.css").text == "body {}"
    assert client.get("/").text == "http://testserver/static/css/base.css"
    assert app.url_path_for("static", path="/css/base.css") == "/static/css/base.css"


def test_reverse_url_lookups(test_client_factory: TestClientFactory) -> None:
    urls: dict[str, str] = {}

    async def lookup(request: Request) -> Response:
        urls["homepage"] = str(request.url_for("homepage"))
        urls["user_detail"] = str(request.url_for("user_detail", username="tom"))
        urls["users:user_list"] = str(request.url_for("users:user_list"))
        urls["users:user_detail"] = str(request.url_for("users:user_detail", username="ann"))
        return PlainTextResponse("ok")

    routes = [
        Route("/", homepage, name="homepage"),
        Route("/lookup", lookup),
        Route("/users/{username}", user, name="user_detail"),
        Mount(
            "/users",
            name="users",
            routes=[
                Route("/", user, name="user_list"),
                Route("/{username}", user, name="user_detail"),
            ],
        ),
    ]
    app = Starlette(routes=routes)
    test_client_factory(app).get("/lookup")
    assert urls == {
        "homepage": "http://testserver/",
        "user_detail": "http://testserver/users/tom",
        "users:user_list": "http://testserver/users/",
        "users:user_detail": "http://testserver/users/ann",
    }
    url = app.url_path_for("user_detail", username="bob")
    assert url == "/users/bob"


def test_host_based_routing(test_client_factory: TestClientFactory) -> None:
    site = Router(routes=[Route("/", homepage)])
    api = Router(routes=[Route("/", about)])
    news = Router(routes=[Route("/", users)])

    routes = [Host("api.example.org", api, name="site_api")]

    app = Starlette(routes=routes)

    app.host("www.example.org", site, name="main_site")

    news_host = Host("news.example.org", news)
    app.router.routes.append(news_host)

    assert test_client_factory(app, base_url="http://api.example.org").get("/").text == "About"
    assert test_client_factory(app, base_url="http://www.example.org:5600").get("/").text == "Homepage"
    assert test_client_factory(app, base_url="http://news.example.org").get("/").text == "users GET"
    assert test_client_factory(app, base_url="http://other.example.org").get("/").status_code == 404


def test_host_with_port_matches_any_port(test_client_factory: TestClientFactory) -> None:
    app = Starlette(routes=[Host("example.org:3600", Router([Route("/", homepage, name="home")]), name="site")])
    for base_url in ("http://example.org:5600", "http://example.org", "http://example.org:3600"):
        assert test_client_factory(app, base_url=base_url).get("/").text == "Homepage"
    assert app.url_path_for("site:home").host == "example.org:3600"


def test_host_parameters_in_url_lookups(test_client_factory: TestClientFactory) -> None:
    urls: list[str] = []

    async def lookup(request: Request) -> Response:
        urls.append(str(request.url_for("sub:users:user_detail", username="tom", subdomain="acme")))
        urls.append(str(request.url_for("sub:users:user_list", subdomain="acme")))
        return PlainTextResponse("ok")

    routes = [
        Host(
            "{subdomain}.example.org",
            name="sub",
            app=Router(
                routes=[
                    Mount(
                        "/users",
                        name="users",
                        routes=[
                            Route("/", user, name="user_list"),
                            Route("/{username}", user, name="user_detail"),
                        ],
                    ),
                    Route("/lookup", lookup),
                ]
            ),
        )
    ]
    app = Starlette(routes=routes)
    test_client_factory(app, base_url="http://www.example.org").get("/lookup")
    assert urls == ["http://acme.example.org/users/tom", "http://acme.example.org/users/"]


def test_route_priority(test_client_factory: TestClientFactory) -> None:
    async def current_user(request: Request) -> Response:
        return PlainTextResponse("current user")

    # Don't do this: `/users/me` will never match incoming requests.
    wrong = [
        Route("/users/{username}", user),
        Route("/users/me", current_user),
    ]
    # Do this: `/users/me` is tested first.
    right = [
        Route("/users/me", current_user),
        Route("/users/{username}", user),
    ]
    assert test_client_factory(Starlette(routes=wrong)).get("/users/me").json() == {"username": "me"}
    assert test_client_factory(Starlette(routes=right)).get("/users/me").text == "current user"


def test_router_instances(test_client_factory: TestClientFactory) -> None:
    app = Router(
        routes=[
            Route("/", homepage),
            Mount(
                "/users",
                routes=[
                    Route("/", users, methods=["GET", "POST"]),
                    Route("/{username}", user),
                ],
            ),
        ]
    )
    client = test_client_factory(app)
    assert client.get("/").text == "Homepage"
    assert client.post("/users/").text == "users POST"
    assert client.get("/users/x").json() == {"username": "x"}
    response = client.get("/missing")
    assert response.status_code == 404 and response.text == "Not Found"


def test_websocket_routing(test_client_factory: TestClientFactory) -> None:
    async def websocket_index(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("Hello, websocket!")
        await websocket.close()

    async def websocket_user(websocket: WebSocket) -> None:
        name = websocket.path_params["name"]
        await websocket.accept()
        await websocket.send_text(f"Hello, {name}")
        await websocket.close()

    routes = [
        WebSocketRoute("/", endpoint=websocket_index),
        WebSocketRoute("/{name}", endpoint=websocket_user),
    ]

    app = Starlette(routes=routes)
    client = test_client_factory(app)
    with client.websocket_connect("/") as session:
        assert session.receive_text() == "Hello, websocket!"
    with client.websocket_connect("/ada") as session:
        assert session.receive_text() == "Hello, ada"
    assert app.url_path_for("websocket_user", name="x").protocol == "websocket"


def test_endpoint_classes(test_client_factory: TestClientFactory) -> None:
    class Users(HTTPEndpoint):
        async def get(self, request: Request) -> Response:
            return PlainTextResponse("class endpoint")

    app = Starlette(routes=[Route("/users", Users)])
    assert test_client_factory(app).get("/users").text == "class endpoint"
