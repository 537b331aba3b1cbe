"""The TestClient, side by side with the reference ``starlette==1.10.0``: the same raw ASGI app through both."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.differential.harness import REFERENCE

PACKAGES = (REFERENCE, "starlette_c")
Message = dict[str, Any]


def sends(messages: Sequence[Message], error: str | None = None) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        for message in messages:
            await send(message)
        if error is not None:
            raise ValueError(error)

    return app


def outcome(package: str, app: Any, method: str = "GET", raise_server_exceptions: bool = True) -> Any:
    testclient = importlib.import_module(f"{package}.testclient")
    client = testclient.TestClient(app, raise_server_exceptions=raise_server_exceptions)
    try:
        response = client.request(method, "/")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return (
        response.status_code,
        response.headers.multi_items(),
        response.content,
        dict(response.extensions),
        getattr(response, "template", "-"),
        getattr(response, "context", "-"),
    )


def assert_same(app: Any, method: str = "GET") -> None:
    for raise_server_exceptions in (True, False):
        reference, ours = (outcome(package, app, method, raise_server_exceptions) for package in PACKAGES)
        assert ours == reference, f"raise_server_exceptions={raise_server_exceptions}"


START = {"type": "http.response.start", "status": 200, "headers": [(b"x", b"1")]}
START_TRAILERS = {"type": "http.response.start", "status": 200, "headers": [(b"trailer", b"x-r")], "trailers": True}
BODY = {"type": "http.response.body", "body": b"a"}
MORE = {"type": "http.response.body", "body": b"a", "more_body": True}
TRAILERS = {"type": "http.response.trailers", "headers": [(b"x-r", b"1")]}
MORE_TRAILERS = {"type": "http.response.trailers", "headers": [(b"x-r", b"0")], "more_trailers": True}
DEBUG = {"type": "http.response.debug", "info": {"template": "t.html", "context": {"a": 1}}}

CASES: dict[str, tuple[list[Message], str | None]] = {
    "trailers": ([START_TRAILERS, BODY, MORE_TRAILERS, TRAILERS], None),
    "trailers without headers": ([START_TRAILERS, BODY, {"type": "http.response.trailers"}], None),
    "trailers not declared": ([START, BODY, TRAILERS], None),
    "trailers before the body ends": ([START_TRAILERS, MORE, TRAILERS], None),
    "trailers before start": ([TRAILERS], None),
    "no final trailers": ([START_TRAILERS, BODY, MORE_TRAILERS], None),
    "trailers after the final ones": ([START_TRAILERS, BODY, TRAILERS, TRAILERS], None),
    "body after trailers": ([START_TRAILERS, BODY, MORE_TRAILERS, BODY], None),
    "error after trailers": ([START_TRAILERS, BODY, MORE_TRAILERS], "late"),
    "no response": ([], None),
    "error before start": ([], "early"),
    "error mid-body": ([START, MORE], "mid"),
    "error after the body": ([START, BODY], "after"),
    "start only": ([START], None),
    "body without start": ([BODY], None),
    "two starts": ([START, START], None),
    "body after completion": ([START, BODY, BODY], None),
    "unknown message": ([START, {"type": "http.response.zzz"}, BODY], None),
    "debug": ([DEBUG, START, BODY], None),
    "debug after start": ([START, DEBUG, BODY], None),
    "debug without template": ([{"type": "http.response.debug", "info": {"rows": [1, 2]}}, START, BODY], None),
    "start without headers": ([{"type": "http.response.start", "status": 204}, {"type": "http.response.body"}], None),
}


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("case", CASES)
def test_response_messages(case: str, method: str) -> None:
    assert_same(sends(*CASES[case]), method)


_MESSAGES = [START, START_TRAILERS, BODY, MORE, TRAILERS, MORE_TRAILERS, DEBUG, {"type": "http.response.zzz"}]


@settings(max_examples=300, deadline=None)
@given(
    messages=st.lists(st.sampled_from(_MESSAGES), max_size=5),
    error=st.sampled_from([None, "failed"]),
    method=st.sampled_from(["GET", "HEAD"]),
)
def test_any_response_messages_reach_the_client_as_the_reference(
    messages: list[Message], error: str | None, method: str
) -> None:
    assert_same(sends(messages, error), method)


async def echo_scope(scope: Any, receive: Any, send: Any) -> None:
    message = await receive()
    described = repr(scope) + repr(message)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": described.encode()})


@pytest.mark.parametrize(
    "base_url, url",
    [
        ("http://testserver", "/a%20b?x=1"),
        ("http://[::1]:8000", "/v6"),
        ("https://[2001:db8::1]", "/secure"),
        ("http://testserver", "http://[::1]/absolute"),
    ],
)
def test_scope(base_url: str, url: str) -> None:
    bodies = []
    for package in PACKAGES:
        testclient = importlib.import_module(f"{package}.testclient")
        bodies.append(testclient.TestClient(echo_scope, base_url=base_url).get(url).content)
    assert bodies[1] == bodies[0]


_TEXT = st.text(st.sampled_from("a/ %?#&=+\u00e9"), max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    base_url=st.sampled_from(["http://testserver", "https://h.org:8443/base/", "http://[::1]:8000", "http://h"]),
    root_path=st.sampled_from(["", "/root"]),
    method=st.sampled_from(["GET", "HEAD", "POST", "DELETE", "QUERY"]),
    path=_TEXT,
    params=st.none() | st.dictionaries(_TEXT, _TEXT, max_size=2),
    headers=st.none() | st.dictionaries(st.sampled_from(["x-a", "Host", "user-agent", "Cookie", "X-B"]), _TEXT),
    body=st.sampled_from([{}, {"content": b"raw"}, {"json": {"k": [1]}}, {"data": {"f": "v", "g": "\u00e9"}}]),
)
def test_any_request_reaches_the_app_as_through_the_reference(
    base_url: str,
    root_path: str,
    method: str,
    path: str,
    params: dict[str, str] | None,
    headers: dict[str, str] | None,
    body: dict[str, Any],
) -> None:
    # NOTE: the scope and first request message the app sees, or the error the client raises.
    def seen(package: str) -> Any:
        testclient = importlib.import_module(f"{package}.testclient")
        client = testclient.TestClient(echo_scope, base_url=base_url, root_path=root_path)
        try:
            response = client.request(method, path, params=params, headers=headers, **body)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return response.status_code, response.content

    assert seen("starlette_c") == seen(REFERENCE)


def run_streamed(package: str, close_after_first: bool) -> tuple[list[Any], list[Any]]:
    """What the app did and what the client saw; each in its own order (the two interleave by timing)."""
    app_log: list[str] = []
    client_log: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"first", "more_body": True})
            app_log.append("first sent")
            await anyio.sleep(0.3)
            await send({"type": "http.response.body", "body": b"second"})
            app_log.append("finished")
        except anyio.get_cancelled_exc_class():
            app_log.append("cancelled")
            raise

    testclient = importlib.import_module(f"{package}.testclient")
    started = time.monotonic()
    with testclient.TestClient(app).stream("GET", "/") as response:
        client_log.append(("headers", response.status_code, time.monotonic() - started < 0.25))
        chunks = response.iter_raw()
        client_log.append(next(chunks))
        if not close_after_first:
            client_log.append(b"".join(chunks))
    return app_log, client_log


@pytest.mark.parametrize("close_after_first", [True, False])
def test_streamed_responses(close_after_first: bool) -> None:
    # NOTE: 1.9: `stream()` returns with the head while the app still runs; closing early cancels the app.
    reference, ours = (run_streamed(package, close_after_first) for package in PACKAGES)
    assert ours == reference
    assert ours[0][-1] == ("cancelled" if close_after_first else "finished")


def test_default_headers_and_user_agent() -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["headers"])
        await sends([START, BODY])(scope, receive, send)

    for package in PACKAGES:
        testclient = importlib.import_module(f"{package}.testclient")
        testclient.TestClient(app, headers={"X-A": "1"}).get("/")
        testclient.TestClient(app, headers={"User-Agent": "mine"}).get("/")
    assert seen[2:] == seen[:2]


def session_outcome(package: str, app: Any, steps: Callable[[Any], Any]) -> Any:
    testclient = importlib.import_module(f"{package}.testclient")
    try:
        with testclient.TestClient(app).websocket_connect("/ws", subprotocols=["a", "b"]) as session:
            return (session.accepted_subprotocol, session.extra_headers, steps(session))
    except Exception as exc:
        details = (exc.status_code, exc.content) if hasattr(exc, "status_code") else ()
        return (type(exc).__name__, getattr(exc, "code", None), getattr(exc, "reason", None), details)


async def denial_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.http.response.start", "status": 403, "headers": [(b"x", b"y")]})
    await send({"type": "websocket.http.response.body", "body": b"no", "more_body": True})
    await send({"type": "websocket.http.response.body", "body": b"pe"})


async def close_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.close", "code": 1008, "reason": "policy"})


async def echo_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept", "subprotocol": scope["subprotocols"][-1], "headers": [(b"k", b"v")]})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({**message, "type": "websocket.send"})


def exchange(session: Any) -> Any:
    session.send_text("t")
    session.send_bytes(b"b")
    session.send_json({"é": [1]})
    session.send_json([2], mode="binary")
    return (session.receive_text(), session.receive_bytes(), session.receive_json(), session.receive_json("binary"))


@pytest.mark.parametrize("app", [denial_app, close_app, echo_app])
def test_websocket_sessions(app: Any) -> None:
    reference, ours = (session_outcome(package, app, exchange) for package in PACKAGES)
    assert ours == reference
