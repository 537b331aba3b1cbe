from __future__ import annotations

import inspect
import re
import threading
from typing import Any

import pytest

from starlette_c.middleware.errors import ServerErrorMiddleware
from starlette_c.requests import Request
from starlette_c.responses import JSONResponse, PlainTextResponse, Response
from starlette_c.types import Message, Receive, Scope, Send
from tests.differential.harness import Req, run_app

pytestmark = pytest.mark.anyio

HTML = [(b"accept", b"text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")]


def failing_helper(value: int) -> None:
    raise RuntimeError(f"Something <went> wrong with {value}")


async def crashing_app(scope: Scope, receive: Receive, send: Send) -> None:
    failing_helper(42)


async def started_then_crashing_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    raise RuntimeError("too late")


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    return dict(headers)[name]


async def test_default_response_and_reraise() -> None:
    outcome = await run_app(ServerErrorMiddleware(crashing_app), Req())
    assert outcome.status == 500
    assert outcome.body == b"Internal Server Error"
    assert header(outcome.headers, b"content-type") == b"text/plain; charset=utf-8"
    assert outcome.exception == "RuntimeError: Something <went> wrong with 42"


async def test_async_handler() -> None:
    async def handler(request: Request, exc: Exception) -> Response:
        return JSONResponse({"detail": str(exc), "path": request.url.path}, status_code=503)

    outcome = await run_app(ServerErrorMiddleware(crashing_app, handler=handler), Req(path="/boom"))
    assert outcome.status == 503
    assert outcome.body == b'{"detail":"Something <went> wrong with 42","path":"/boom"}'
    assert outcome.exception is not None


async def test_sync_handler_runs_in_a_worker_thread() -> None:
    threads: list[threading.Thread] = []

    def handler(request: Request, exc: Exception) -> Response:
        threads.append(threading.current_thread())
        return PlainTextResponse("sorry", status_code=500)

    outcome = await run_app(ServerErrorMiddleware(crashing_app, handler=handler), Req())
    assert (outcome.status, outcome.body) == (500, b"sorry")
    assert threads[0] is not threading.current_thread()


async def test_debug_plain_text_traceback() -> None:
    outcome = await run_app(ServerErrorMiddleware(crashing_app, debug=True), Req())
    assert outcome.status == 500
    assert header(outcome.headers, b"content-type") == b"text/plain; charset=utf-8"
    text = outcome.body.decode()
    assert text.startswith("Traceback (most recent call last):\n")
    assert "in failing_helper" in text
    assert text.endswith("RuntimeError: Something <went> wrong with 42\n")
    assert outcome.exception == "RuntimeError: Something <went> wrong with 42"


@pytest.mark.parametrize("accept", [b"application/json", b"TEXT/HTML", b""])
async def test_debug_without_html_in_accept_is_plain_text(accept: bytes) -> None:
    outcome = await run_app(ServerErrorMiddleware(crashing_app, debug=True), Req(headers=[(b"accept", accept)]))
    assert header(outcome.headers, b"content-type") == b"text/plain; charset=utf-8"


async def test_debug_html_traceback() -> None:
    outcome = await run_app(ServerErrorMiddleware(crashing_app, debug=True), Req(headers=HTML))
    assert outcome.status == 500
    assert header(outcome.headers, b"content-type") == b"text/html; charset=utf-8"
    page = outcome.body.decode()
    assert "<title>Starlette Debugger</title>" in page
    assert "<h1>500 Server Error</h1>" in page
    assert "<h2>RuntimeError: Something &lt;went&gt; wrong with 42</h2>" in page
    # Innermost frame first and expanded, the others collapsed.
    inner = page.index("in <b>failing_helper</b>")
    outer = page.index("in <b>crashing_app</b>")
    assert inner < outer
    assert page.count('class="frame-source"') == 1
    assert page.count('class="frame-source collapsed"') >= 1
    assert "raise RuntimeError(f&quot;Something &lt;went&gt; wrong with {value}&quot;)" in page
    assert outcome.exception is not None


async def test_debug_wins_over_handler() -> None:
    def handler(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("handled")

    outcome = await run_app(ServerErrorMiddleware(crashing_app, handler=handler, debug=True), Req())
    assert outcome.body.startswith(b"Traceback")


@pytest.mark.parametrize("debug", [False, True])
async def test_no_response_once_started(debug: bool) -> None:
    outcome = await run_app(ServerErrorMiddleware(started_then_crashing_app, debug=debug), Req())
    assert outcome.status == 200
    assert outcome.body == b""
    assert outcome.exception == "RuntimeError: too late"


async def test_handler_still_called_once_started() -> None:
    calls: list[Exception] = []

    async def handler(request: Request, exc: Exception) -> Response:
        calls.append(exc)
        return PlainTextResponse("unused")

    outcome = await run_app(ServerErrorMiddleware(started_then_crashing_app, handler=handler), Req())
    assert outcome.status == 200
    assert len(calls) == 1


@pytest.mark.parametrize("scope_type", ["websocket", "lifespan"])
async def test_other_scopes_pass_through(scope_type: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError(scope["type"])

    async def receive() -> Message:
        raise AssertionError  # pragma: no cover

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)  # pragma: no cover

    with pytest.raises(RuntimeError, match=scope_type):
        await ServerErrorMiddleware(app, debug=True)({"type": scope_type}, receive, send)
    assert sent == []


async def test_successful_responses_pass_through() -> None:
    outcome = await run_app(ServerErrorMiddleware(PlainTextResponse("ok")), Req())
    assert (outcome.status, outcome.body, outcome.exception) == (200, b"ok", None)


class TestHtmlPieces:
    def make(self) -> ServerErrorMiddleware:
        return ServerErrorMiddleware(crashing_app, debug=True)

    def test_format_line_numbers_and_highlight(self) -> None:
        middleware = self.make()
        plain = middleware.format_line(0, "    x = a < b\n", 20, 3)
        assert "17." in plain
        assert "x = a &lt; b" in plain
        assert "current" not in plain
        center = middleware.format_line(3, "    boom()\n", 20, 3)
        assert "20." in center
        assert "current" in center

    def test_frame_without_source(self) -> None:
        namespace: dict[str, Any] = {}
        exec(compile("def no_source():\n    raise KeyError('k')\n", "<generated>", "exec"), namespace)
        try:
            namespace["no_source"]()
        except KeyError as exc:
            assert exc.__traceback__ is not None
            frame = inspect.getinnerframes(exc.__traceback__)[-1]
        frame_html = self.make().generate_frame_html(frame, is_collapsed=True)
        assert "&lt;generated&gt;" in frame_html
        assert "in <b>no_source</b>" in frame_html
        assert "source-line" not in frame_html
        assert "collapsed" in frame_html

    def test_exception_without_traceback(self) -> None:
        page = self.make().generate_html(ValueError("never raised"))
        assert "<h2>ValueError: never raised</h2>" in page
        assert 'class="frame"' not in page

    def test_generate_plain_text_includes_the_chain(self) -> None:
        try:
            try:
                {}["missing"]
            except KeyError as exc:
                raise ValueError("converted") from exc
        except ValueError as exc:
            text = self.make().generate_plain_text(exc)
        assert "KeyError: 'missing'" in text
        assert "direct cause" in text
        assert text.endswith("ValueError: converted\n")

    def test_limit_controls_context_lines(self) -> None:
        try:
            failing_helper(1)
        except RuntimeError as exc:
            short = self.make().generate_html(exc, limit=1)
            long = self.make().generate_html(exc, limit=9)
        assert short.count("source-line") < long.count("source-line")


def recurse(depth: int) -> None:
    if depth == 0:
        raise RecursionError("bottom")
    recurse(depth - 1)


def test_recursive_frames_get_distinct_ids() -> None:
    try:
        recurse(3)
    except RecursionError as exc:
        page = ServerErrorMiddleware(crashing_app, debug=True).generate_html(exc)
    ids = re.findall(r'<div id="([^"]+)"', page)
    assert len(ids) == 5
    assert len(set(ids)) == len(ids)


def reraise_where_caught() -> None:
    error = LookupError("again")
    for attempt in range(3):
        try:
            raise error
        except LookupError:
            if attempt == 2:
                raise


def test_a_frame_listed_twice_gets_distinct_ids() -> None:
    try:
        reraise_where_caught()
    except LookupError as exc:
        assert exc.__traceback__ is not None
        frames = inspect.getinnerframes(exc.__traceback__)
        page = ServerErrorMiddleware(crashing_app, debug=True).generate_html(exc)
    assert len({id(frame.frame) for frame in frames}) < len(frames) == 4
    ids = re.findall(r'<div id="([^"]+)"', page)
    assert len(ids) == len(set(ids)) == 4
    targets = re.findall(r'data-target="([^"]+)"', page)
    assert targets == ids


@pytest.mark.anyio
@pytest.mark.parametrize("accept", [b"text/html", b"*/*"])
async def test_the_debug_page_is_rendered_off_the_event_loop(accept: bytes) -> None:
    loop_thread = threading.current_thread()
    rendered_in: list[threading.Thread] = []

    class Recording(ServerErrorMiddleware):
        def debug_response(self, request: Request, exc: Exception) -> Response:
            rendered_in.append(threading.current_thread())
            return super().debug_response(request, exc)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("rendered elsewhere")

    outcome = await run_app(Recording(app, debug=True), Req("GET", "/", headers=[(b"accept", accept)]))
    assert outcome.status == 500 and b"rendered elsewhere" in outcome.body
    assert rendered_in and rendered_in[0] is not loop_thread
