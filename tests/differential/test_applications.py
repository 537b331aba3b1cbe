"""Error paths of the application stack, compared with the reference over raw ASGI."""

from __future__ import annotations

import http
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.differential.harness import Namespace, Req, assert_same, run_both
from tests.differential.test_routing import normalized

HTML = [(b"accept", b"text/html")]


class DatabaseError(Exception):
    pass


class ConnectionLost(DatabaseError):
    pass


def build(ns: Namespace, **app_kwargs: Any) -> Any:
    responses = ns.responses
    HTTPException = ns.exceptions.HTTPException

    async def ok(request: Any) -> Any:
        return responses.PlainTextResponse("ok")

    async def teapot(request: Any) -> Any:
        raise HTTPException(418, headers={"x-pot": "tea"})

    async def detail(request: Any) -> Any:
        raise HTTPException(status_code=int(request.path_params["code"]), detail="custom detail")

    async def bare(request: Any) -> Any:
        raise HTTPException(status_code=int(request.path_params["code"]))

    async def crash(request: Any) -> Any:
        raise RuntimeError("kaboom")

    async def lost(request: Any) -> Any:
        raise ConnectionLost("connection lost")

    async def late(request: Any) -> Any:
        async def body() -> Any:
            yield b"partial"
            raise HTTPException(409)

        return responses.StreamingResponse(body())

    routes = [
        ns.routing.Route("/", ok),
        ns.routing.Route("/teapot", teapot),
        ns.routing.Route("/detail/{code:int}", detail),
        ns.routing.Route("/bare/{code:int}", bare),
        ns.routing.Route("/crash", crash),
        ns.routing.Route("/lost", lost),
        ns.routing.Route("/late", late),
    ]
    return ns.applications.Starlette(routes=routes, **app_kwargs)


ERROR_REQUESTS = [
    Req("GET", "/"),
    Req("GET", "/teapot"),
    Req("GET", "/missing"),
    Req("GET", "/teapot", headers=[(b"accept", b"application/json")]),
    Req("GET", "/detail/400"),
    Req("GET", "/detail/204"),
    Req("GET", "/detail/304"),
    Req("GET", "/bare/204"),
    Req("GET", "/bare/304"),
    Req("GET", "/bare/503"),
    Req("GET", "/crash"),
    Req("GET", "/crash", headers=HTML),
    Req("GET", "/lost"),
    Req("GET", "/late"),
    Req("HEAD", "/teapot"),
    Req("HEAD", "/crash"),
]


def test_default_stack() -> None:
    assert_same(build, ERROR_REQUESTS)


def test_status_handlers() -> None:
    def with_handlers(ns: Namespace) -> Any:
        def by_status(request: Any, exc: Any) -> Any:
            return ns.responses.JSONResponse({"status": exc.status_code, "detail": exc.detail}, status_code=299)

        return build(ns, exception_handlers={418: by_status, 404: by_status})

    assert_same(with_handlers, ERROR_REQUESTS)


def test_class_handlers_follow_the_mro() -> None:
    def with_handlers(ns: Namespace) -> Any:
        async def database(request: Any, exc: Exception) -> Any:
            return ns.responses.PlainTextResponse(f"database: {type(exc).__name__}", status_code=503)

        async def http(request: Any, exc: Any) -> Any:
            return ns.responses.PlainTextResponse(f"http {exc.status_code}", status_code=exc.status_code)

        handlers = {DatabaseError: database, ns.exceptions.HTTPException: http}
        return build(ns, exception_handlers=handlers)

    assert_same(with_handlers, ERROR_REQUESTS)


@pytest.mark.parametrize("key", [500, Exception])
def test_server_error_handler(key: Any) -> None:
    def with_handler(ns: Namespace) -> Any:
        def server_error(request: Any, exc: Exception) -> Any:
            return ns.responses.PlainTextResponse(f"server error: {exc}", status_code=500)

        return build(ns, exception_handlers={key: server_error})

    assert_same(with_handler, ERROR_REQUESTS)


def test_server_error_handler_returning_nothing() -> None:
    def with_handler(ns: Namespace) -> Any:
        def server_error(request: Any, exc: Exception) -> None:
            return None

        return build(ns, exception_handlers={500: server_error})

    assert_same(with_handler, [Req("GET", "/crash")])


def test_failing_handler_falls_through_to_server_error_middleware() -> None:
    def with_handler(ns: Namespace) -> Any:
        async def broken_handler(request: Any, exc: Exception) -> Any:
            raise LookupError("handler failed")

        return build(ns, exception_handlers={418: broken_handler, DatabaseError: broken_handler})

    assert_same(with_handler, [Req("GET", "/teapot"), Req("GET", "/lost"), Req("HEAD", "/teapot")])


def test_user_middleware_errors_reach_server_error_middleware() -> None:
    def with_middleware(ns: Namespace) -> Any:
        class Broken:
            def __init__(self, app: Any) -> None:
                self.app = app

            async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
                if scope["path"] == "/broken":
                    raise ns.exceptions.HTTPException(401)
                await self.app(scope, receive, send)

        return build(ns, middleware=[ns.middleware.Middleware(Broken)])

    assert_same(with_middleware, [Req("GET", "/"), Req("GET", "/broken")])


def test_debug_pages_have_the_same_status_and_content_type() -> None:
    def debug(ns: Namespace) -> Any:
        return build(ns, debug=True)

    odd_accepts = [b"\xfftext/html", b"text/htm", b"application/xhtml+xml, TEXT/HTML", b"*/*;q=0.1,text/html"]
    requests = [Req("GET", "/crash"), Req("GET", "/crash", headers=HTML), Req("GET", "/lost", headers=HTML)]
    requests += [Req("GET", "/crash", headers=[(b"accept", accept)]) for accept in odd_accepts]
    requests += [Req("GET", "/crash", headers=[(b"accept", b"text/plain"), (b"accept", b"text/html")])]
    for req in requests:
        reference, ours = run_both(debug, req)
        assert ours.status == reference.status == 500
        assert ours.exception == reference.exception
        assert dict(ours.headers)[b"content-type"] == dict(reference.headers)[b"content-type"]
    # The non-error paths are byte for byte identical in debug mode too.
    assert_same(debug, [Req("GET", "/"), Req("GET", "/teapot"), Req("GET", "/missing"), Req("GET", "/late")])


def test_trio_backend() -> None:
    assert_same(build, ERROR_REQUESTS, backend="trio")


def test_every_status_code_through_the_default_handler() -> None:
    def app(ns: Namespace) -> Any:
        async def raise_status(request: Any) -> Any:
            code = int(request.path_params["code"])
            headers = {"x-code": str(code)} if request.query_params.get("headers") else None
            raise ns.exceptions.HTTPException(code, headers=headers)

        return ns.applications.Starlette(routes=[ns.routing.Route("/{code:int}", raise_status)])

    codes = [status.value for status in http.HTTPStatus]
    requests = [Req("GET", f"/{code}") for code in codes]
    requests += [Req("GET", f"/{code}", query_string=b"headers=1") for code in (200, 204, 304, 401, 503)]
    requests += [Req("GET", "/599"), Req("GET", "/99999")]
    assert_same(app, requests)


# --- the stack of layers answers every kind of request as the reference's does ------------------------------


def layered_application(ns: Namespace, with_handlers: bool) -> Any:
    routing, responses = ns.routing, ns.responses
    events: list[str] = []

    class Teapot(responses.PlainTextResponse):  # type: ignore[misc,name-defined]
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await responses.PlainTextResponse("own call", status_code=418)(scope, receive, send)

    async def hello(request: Any) -> Any:
        return responses.PlainTextResponse("hello")

    def sync_hello(request: Any) -> Any:
        return responses.PlainTextResponse(f"sync {request.method}")

    async def with_background(request: Any) -> Any:
        async def done() -> None:
            events.append("background")

        return responses.JSONResponse({"path": request.url.path}, background=ns.background.BackgroundTask(done))

    async def own_call(request: Any) -> Any:
        return Teapot("never sent")

    async def params(request: Any) -> Any:
        return responses.JSONResponse(request.path_params)

    async def reads_body(request: Any) -> Any:
        return responses.Response(await request.body(), media_type="application/octet-stream")

    async def boom(request: Any) -> Any:
        raise ValueError("boom")

    async def conflict(request: Any) -> Any:
        raise TypeError("conflict")

    async def teapot(request: Any) -> Any:
        raise ns.exceptions.HTTPException(418, "short and stout")

    class Marking:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await self.app(scope, receive, send)

    async def value_error(request: Any, exc: Exception) -> Any:
        return responses.PlainTextResponse(f"{type(request).__name__} {request.url.path} {exc}", status_code=400)

    async def type_error(request: Any, exc: Exception) -> Any:
        raise ns.exceptions.HTTPException(409, "from the handler")

    routes = [
        routing.Route("/", hello),
        routing.Route("/sync", sync_hello, methods=["GET", "POST"]),
        routing.Route("/background", with_background),
        routing.Route("/own-call", own_call),
        routing.Route("/params/{n:int}/{name}", params),
        routing.Route("/body", reads_body, methods=["PUT"]),
        routing.Route("/boom", boom),
        routing.Route("/conflict", conflict),
        routing.Route("/teapot", teapot),
        routing.Route("/wrapped", hello, middleware=[ns.middleware.Middleware(Marking)]),
        routing.Route("/slash/", hello),
    ]
    handlers = {ValueError: value_error, TypeError: type_error} if with_handlers else {}
    return ns.applications.Starlette(routes=routes, exception_handlers=handlers)


LAYERED = [
    Req(path="/"),
    Req(method="HEAD", path="/"),
    Req(method="POST", path="/"),
    Req(path="/sync"),
    Req(method="POST", path="/sync"),
    Req(path="/background"),
    Req(path="/own-call"),
    Req(path="/params/12/x"),
    Req(path="/params/x/x"),
    Req(method="PUT", path="/body", body=[b"a", b"b"]),
    Req(path="/body"),
    Req(path="/boom"),
    Req(path="/conflict"),
    Req(path="/teapot"),
    Req(path="/wrapped"),
    Req(path="/slash"),
    Req(path="/missing"),
]


@pytest.mark.parametrize("with_handlers", [False, True], ids=["no handlers", "handlers"])
@pytest.mark.parametrize("req", LAYERED, ids=lambda req: f"{req.method} {req.path}")
def test_every_request_kind_as_the_reference(req: Req, with_handlers: bool) -> None:
    from tests.differential.test_routing import assert_same as assert_same_allowing_any_method_order

    assert_same_allowing_any_method_order(lambda ns: layered_application(ns, with_handlers), [req])


def failing_background(ns: Namespace, with_handler: bool) -> Any:
    async def fail() -> None:
        raise ValueError("after the response")

    async def endpoint(request: Any) -> Any:
        return ns.responses.PlainTextResponse("sent", background=ns.background.BackgroundTask(fail))

    async def value_error(request: Any, exc: Exception) -> Any:
        raise AssertionError("never called")  # pragma: no cover (the response had started)

    handlers = {ValueError: value_error} if with_handler else {}
    return ns.applications.Starlette(routes=[ns.routing.Route("/", endpoint)], exception_handlers=handlers)


@pytest.mark.parametrize("with_handler", [False, True])
def test_a_background_task_failing_after_the_response_started(with_handler: bool) -> None:
    reference, ours = run_both(lambda ns: failing_background(ns, with_handler), Req())
    assert ours == reference and (ours.status, ours.body) == (200, b"sent") and ours.exception is not None


_HANDLER_KEYS = ["404", "405", "418", "500", "Exception", "HTTPException", "DatabaseError", "ConnectionLost"]
_HANDLER_KEYS += ["KeyError"]
_HANDLER_KINDS = ["async", "sync", "none", "raises", "reraises"]


def handled_application(ns: Namespace, handlers: dict[str, str], debug: bool) -> Any:
    keys: dict[str, Any] = {"Exception": Exception, "HTTPException": ns.exceptions.HTTPException}
    keys |= {"DatabaseError": DatabaseError, "ConnectionLost": ConnectionLost, "KeyError": KeyError}

    def answer(exc: Exception) -> Any:
        code = getattr(exc, "status_code", 0)
        return ns.responses.PlainTextResponse(f"{type(exc).__name__} {code}", 299 if code in (204, 304) else 200)

    def handler_of(kind: str) -> Any:
        async def async_handler(request: Any, exc: Exception) -> Any:
            return None if kind == "none" else answer(exc)

        def sync_handler(request: Any, exc: Exception) -> Any:
            return answer(exc)

        async def raising_handler(request: Any, exc: Exception) -> Any:
            if kind == "reraises":
                raise exc
            raise LookupError("handler failed")

        return {"sync": sync_handler, "raises": raising_handler, "reraises": raising_handler}.get(kind, async_handler)

    exception_handlers = {int(key) if key.isdigit() else keys[key]: handler_of(kind) for key, kind in handlers.items()}
    return build(ns, debug=debug, exception_handlers=exception_handlers)


@settings(max_examples=300, deadline=None)
@given(
    handlers=st.dictionaries(st.sampled_from(_HANDLER_KEYS), st.sampled_from(_HANDLER_KINDS), max_size=4),
    req=st.sampled_from(ERROR_REQUESTS + [Req("POST", "/"), Req("GET", "/detail/405")]),
    debug=st.booleans(),
)
def test_any_exception_handlers_answer_as_the_reference(handlers: dict[str, str], req: Req, debug: bool) -> None:
    # NOTE: a debug answer embeds a traceback (our frames, not the reference's): only its status and type compare.
    reference, ours = (
        normalized(outcome) for outcome in run_both(lambda ns: handled_application(ns, handlers, debug), req)
    )
    if debug and reference.status == 500 and reference.exception is not None:
        assert (ours.status, ours.exception) == (reference.status, reference.exception)
        assert dict(ours.headers)[b"content-type"] == dict(reference.headers)[b"content-type"]
    else:
        assert ours == reference
