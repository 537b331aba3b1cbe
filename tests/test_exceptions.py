from __future__ import annotations

import threading
from typing import Any

import pytest

from starlette_c._exception_handler import wrap_app_handling_exceptions
from starlette_c.exceptions import HTTPException, WebSocketException
from starlette_c.middleware.exceptions import ExceptionMiddleware
from starlette_c.requests import Request
from starlette_c.responses import PlainTextResponse, Response
from starlette_c.types import Message, Receive, Scope, Send
from starlette_c.websockets import WebSocket
from tests.differential.harness import Req, run_app

pytestmark = pytest.mark.anyio


def http_scope() -> dict[str, Any]:
    return Req().scope()


def ws_scope() -> dict[str, Any]:
    return Req().scope() | {"type": "websocket", "scheme": "ws", "subprotocols": []}


async def run_ws(app: Any) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(ws_scope(), receive, send)
    return sent


def raising(exc: Exception) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise exc

    return app


class TestHTTPException:
    def test_detail_defaults_to_status_phrase(self) -> None:
        exc = HTTPException(404)
        assert exc.status_code == 404
        assert exc.detail == "Not Found"
        assert exc.headers is None
        assert exc.args == (404,)

    def test_explicit_detail_and_headers(self) -> None:
        exc = HTTPException(status_code=418, detail="short and stout", headers={"x-tea": "earl grey"})
        assert exc.detail == "short and stout"
        assert exc.headers == {"x-tea": "earl grey"}

    def test_empty_detail_is_kept(self) -> None:
        assert HTTPException(400, "").detail == ""

    def test_str_and_repr(self) -> None:
        assert str(HTTPException(404)) == "404: Not Found"
        assert repr(HTTPException(404, "gone")) == "HTTPException(status_code=404, detail='gone')"

    def test_repr_uses_subclass_name(self) -> None:
        class CustomHTTPException(HTTPException):
            pass

        assert repr(CustomHTTPException(401)) == "CustomHTTPException(status_code=401, detail='Unauthorized')"

    @pytest.mark.parametrize("status_code", [599, 999, 1000, 42, 0, -1])
    def test_non_standard_status_code_gets_empty_detail(self, status_code: int) -> None:
        exc = HTTPException(status_code)
        assert exc.detail == ""
        assert str(exc) == f"{status_code}: "
        assert repr(exc) == f"HTTPException(status_code={status_code}, detail='')"

    def test_unknown_status_code_with_detail_is_accepted(self) -> None:
        assert str(HTTPException(599, "custom")) == "599: custom"


class TestWebSocketException:
    def test_reason_defaults_to_empty(self) -> None:
        exc = WebSocketException(1008)
        assert (exc.code, exc.reason) == (1008, "")
        assert str(exc) == "1008: "
        assert repr(exc) == "WebSocketException(code=1008, reason='')"

    def test_reason(self) -> None:
        exc = WebSocketException(code=1003, reason="unsupported")
        assert str(exc) == "1003: unsupported"
        assert repr(exc) == "WebSocketException(code=1003, reason='unsupported')"

    def test_repr_uses_subclass_name(self) -> None:
        class Custom(WebSocketException):
            pass

        assert repr(Custom(1000)) == "Custom(code=1000, reason='')"


class TestDefaultHandlers:
    async def test_http_exception_becomes_plain_text_response(self) -> None:
        app = ExceptionMiddleware(raising(HTTPException(404, headers={"x-reason": "missing"})))
        outcome = await run_app(app, Req())
        assert outcome.status == 404
        assert outcome.body == b"Not Found"
        assert (b"x-reason", b"missing") in outcome.headers
        assert (b"content-type", b"text/plain; charset=utf-8") in outcome.headers
        assert outcome.exception is None

    @pytest.mark.parametrize("status_code", [204, 304])
    async def test_bodyless_status_codes(self, status_code: int) -> None:
        app = ExceptionMiddleware(raising(HTTPException(status_code, headers={"x-kept": "yes"})))
        outcome = await run_app(app, Req())
        assert outcome.status == status_code
        assert outcome.body == b""
        assert outcome.headers == [(b"x-kept", b"yes")]

    async def test_websocket_exception_closes_the_connection(self) -> None:
        sent = await run_ws(ExceptionMiddleware(raising(WebSocketException(1003, "bad frame"))))
        assert sent == [{"type": "websocket.close", "code": 1003, "reason": "bad frame"}]

    async def test_websocket_exception_after_accept(self) -> None:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "websocket.accept"})
            raise WebSocketException(1011)

        sent = await run_ws(ExceptionMiddleware(app))
        assert sent[-1] == {"type": "websocket.close", "code": 1011, "reason": ""}

    async def test_http_exception_on_websocket_sends_denial_response(self) -> None:
        sent = await run_ws(ExceptionMiddleware(raising(HTTPException(403, "no entry"))))
        assert sent[0]["type"] == "websocket.http.response.start"
        assert sent[0]["status"] == 403
        assert sent[-1]["body"] == b"no entry"


class TestHandlerLookup:
    async def test_unhandled_exception_propagates(self) -> None:
        app = ExceptionMiddleware(raising(KeyError("k")))
        outcome = await run_app(app, Req())
        assert outcome.status is None
        assert outcome.exception == "KeyError: 'k'"

    async def test_lookup_follows_the_mro(self) -> None:
        async def lookup_error(request: Request, exc: Exception) -> Response:
            return PlainTextResponse(f"lookup: {type(exc).__name__}", status_code=400)

        async def base(request: Request, exc: Exception) -> Response:
            return PlainTextResponse("base", status_code=500)

        app = ExceptionMiddleware(raising(KeyError("k")), handlers={Exception: base, LookupError: lookup_error})
        outcome = await run_app(app, Req())
        assert (outcome.status, outcome.body) == (400, b"lookup: KeyError")

    async def test_status_handler_wins_over_class_handler(self) -> None:
        class Forbidden(HTTPException):
            pass

        def by_class(request: Request, exc: Exception) -> Response:
            return PlainTextResponse("class")

        def by_status(request: Request, exc: Exception) -> Response:
            return PlainTextResponse("status")

        app = ExceptionMiddleware(raising(Forbidden(403)), handlers={Forbidden: by_class, 403: by_status})
        assert (await run_app(app, Req())).body == b"status"
        other = ExceptionMiddleware(raising(Forbidden(401)), handlers={Forbidden: by_class, 403: by_status})
        assert (await run_app(other, Req())).body == b"class"

    async def test_status_handlers_only_apply_to_http_exceptions(self) -> None:
        def by_status(request: Request, exc: Exception) -> Response:
            return PlainTextResponse("status")  # pragma: no cover - must not be called

        app = ExceptionMiddleware(raising(RuntimeError("x")), handlers={500: by_status})
        assert (await run_app(app, Req())).exception == "RuntimeError: x"

    async def test_sync_handler_runs_in_a_worker_thread(self) -> None:
        threads: list[threading.Thread] = []

        def handler(request: Request, exc: Exception) -> Response:
            threads.append(threading.current_thread())
            return PlainTextResponse(f"{request.method} {exc}", status_code=409)

        app = ExceptionMiddleware(raising(ValueError("conflict")), handlers={ValueError: handler})
        outcome = await run_app(app, Req(method="PUT"))
        assert (outcome.status, outcome.body) == (409, b"PUT conflict")
        assert threads and threads[0] is not threading.current_thread()

    async def test_handler_returning_none_sends_nothing(self) -> None:
        calls: list[Exception] = []

        async def handler(request: Request, exc: Exception) -> None:
            calls.append(exc)

        app = ExceptionMiddleware(raising(HTTPException(404)), handlers={404: handler})
        outcome = await run_app(app, Req())
        assert outcome.status is None
        assert outcome.exception is None
        assert len(calls) == 1

    async def test_response_already_started(self) -> None:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise HTTPException(404)

        with pytest.raises(RuntimeError, match="^Caught handled exception, but response already started.$") as info:
            await ExceptionMiddleware(app)(http_scope(), _never_receive, _discard)
        assert isinstance(info.value.__cause__, HTTPException)

    async def test_websocket_sync_handler(self) -> None:
        seen: list[tuple[str, Exception]] = []

        def handler(websocket: WebSocket, exc: Exception) -> None:
            seen.append((type(websocket).__name__, exc))

        exc = HTTPException(403)
        assert await run_ws(ExceptionMiddleware(raising(exc), handlers={403: handler})) == []
        assert seen == [("WebSocket", exc)]

    async def test_add_exception_handler(self) -> None:
        middleware = ExceptionMiddleware(raising(HTTPException(429)))

        async def too_many(request: Request, exc: Exception) -> Response:
            return PlainTextResponse("slow down", status_code=429)

        middleware.add_exception_handler(429, too_many)
        assert (await run_app(middleware, Req())).body == b"slow down"

    def test_handler_key_must_be_an_exception_class(self) -> None:
        with pytest.raises(AssertionError):
            ExceptionMiddleware(raising(ValueError()), handlers={BaseException: PlainTextResponse})
        with pytest.raises(TypeError):
            ExceptionMiddleware(raising(ValueError()), handlers={"nope": PlainTextResponse})


class TestScope:
    async def test_other_scopes_pass_through_untouched(self) -> None:
        seen: list[Scope] = []

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(scope)

        await ExceptionMiddleware(app)({"type": "lifespan"}, _never_receive, _discard)
        assert seen == [{"type": "lifespan"}]

    async def test_handlers_are_published_in_the_scope(self) -> None:
        seen: list[Any] = []

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(scope["starlette.exception_handlers"])

        def handler(request: Request, exc: Exception) -> Response:
            return PlainTextResponse("")  # pragma: no cover - never raised

        middleware = ExceptionMiddleware(app, handlers={KeyError: handler, 418: handler})
        await middleware(http_scope(), _never_receive, _discard)
        exception_handlers, status_handlers = seen[0]
        assert exception_handlers[KeyError] is handler
        assert exception_handlers[HTTPException] == middleware.http_exception
        assert exception_handlers[WebSocketException] == middleware.websocket_exception
        assert status_handlers == {418: handler}


class TestWrapAppHandlingExceptions:
    async def test_handler_receives_the_given_connection(self) -> None:
        received: list[Request] = []

        async def handler(request: Request, exc: Exception) -> Response:
            received.append(request)
            return PlainTextResponse("handled", status_code=422)

        scope = http_scope()
        scope["starlette.exception_handlers"] = ({ValueError: handler}, {})
        request = Request(scope, _never_receive, _discard)
        outcome = await run_app(wrap_app_handling_exceptions(raising(ValueError()), request), Req())
        assert (outcome.status, outcome.body) == (422, b"handled")
        assert received == [request]

    async def test_without_handlers_in_scope_everything_propagates(self) -> None:
        request = Request(http_scope(), _never_receive, _discard)
        outcome = await run_app(wrap_app_handling_exceptions(raising(HTTPException(400)), request), Req())
        assert outcome.exception == "HTTPException: 400: Bad Request"

    async def test_passes_messages_through(self) -> None:
        request = Request(http_scope(), _never_receive, _discard)
        outcome = await run_app(wrap_app_handling_exceptions(PlainTextResponse("fine"), request), Req())
        assert (outcome.status, outcome.body) == (200, b"fine")


async def _never_receive() -> Message:
    raise AssertionError("receive() must not be called")  # pragma: no cover


async def _discard(message: Message) -> None:
    pass
