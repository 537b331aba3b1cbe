"""The examples of docs/background.md, with imports changed to starlette_c."""

from __future__ import annotations

import pytest

from starlette_c.applications import Starlette
from starlette_c.background import BackgroundTask, BackgroundTasks
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse
from starlette_c.routing import Route
from tests.conftest import TestClientFactory

sent: list[tuple[str, str]] = []


@pytest.fixture(autouse=True)
def clear_sent() -> None:
    sent.clear()


# --- BackgroundTask -----------------------------------------------------------------------------


async def signup(request: Request) -> JSONResponse:
    data = await request.json()
    username = data["username"]
    email = data["email"]
    task = BackgroundTask(send_welcome_email, to_address=email)
    message = {"status": "Signup successful"}
    sent.append(("signup", username))
    return JSONResponse(message, background=task)


async def send_welcome_email(to_address: str) -> None:
    sent.append(("welcome", to_address))


routes = [Route("/user/signup", endpoint=signup, methods=["POST"])]

app = Starlette(routes=routes)


def test_background_task(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app)
    response = client.post("/user/signup", json={"username": "ann", "email": "ann@example.com"})
    assert response.status_code == 200
    assert response.json() == {"status": "Signup successful"}
    assert sent == [("signup", "ann"), ("welcome", "ann@example.com")]


# --- BackgroundTasks ----------------------------------------------------------------------------


async def signup_many(request: Request) -> JSONResponse:
    data = await request.json()
    username = data["username"]
    email = data["email"]
    tasks = BackgroundTasks()
    tasks.add_task(send_welcome_email, to_address=email)
    tasks.add_task(send_admin_notification, username=username)
    message = {"status": "Signup successful"}
    return JSONResponse(message, background=tasks)


async def send_admin_notification(username: str) -> None:
    sent.append(("admin", username))


def test_background_tasks_run_in_order(test_client_factory: TestClientFactory) -> None:
    many_app = Starlette(routes=[Route("/user/signup", endpoint=signup_many, methods=["POST"])])
    client = test_client_factory(many_app)
    response = client.post("/user/signup", json={"username": "bob", "email": "bob@example.com"})
    assert response.json() == {"status": "Signup successful"}
    assert sent == [("welcome", "bob@example.com"), ("admin", "bob")]


def test_a_failing_task_stops_the_following_ones(test_client_factory: TestClientFactory) -> None:
    def fail() -> None:
        raise RuntimeError("task failed")

    async def endpoint(request: Request) -> JSONResponse:
        tasks = BackgroundTasks()
        tasks.add_task(fail)
        tasks.add_task(send_admin_notification, username="never")
        return JSONResponse({"status": "ok"}, background=tasks)

    client = test_client_factory(Starlette(routes=[Route("/", endpoint=endpoint)]))
    with pytest.raises(RuntimeError, match="task failed"):
        client.get("/")
    assert sent == []
