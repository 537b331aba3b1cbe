"""Body limits (1.6) against the reference: ``max_body_size`` on apps, routers, routes, mounts; the middleware."""

from __future__ import annotations

from typing import Any

import pytest

from tests.differential.harness import Namespace, Req, assert_same, run_both


def _length(value: str) -> list[tuple[bytes, bytes]]:
    return [(b"content-length", value.encode())]


def application(ns: Namespace) -> Any:
    routing, responses = ns.routing, ns.responses

    async def echo(request: Any) -> Any:
        body = await request.body()
        limit = request.scope.get("starlette.max_body_size")
        return responses.PlainTextResponse(f"{len(body)} limit={limit} route={type(request.scope['route']).__name__}")

    async def streamed(request: Any) -> Any:
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
        return responses.PlainTextResponse(f"streamed {total}")

    async def ignores_body(request: Any) -> Any:
        return responses.PlainTextResponse("ignored")

    async def swallows(request: Any) -> Any:
        try:
            await request.body()
        except Exception as exc:
            return responses.PlainTextResponse(f"swallowed {type(exc).__name__} {exc.status_code}")
        return responses.PlainTextResponse("read")  # pragma: no cover (the body is always too large here)

    inner = ns.applications.Starlette(routes=[routing.Route("/e", echo, methods=["POST"])], max_body_size=100)
    return ns.applications.Starlette(
        routes=[
            routing.Route("/e", echo, methods=["POST"]),
            routing.Route("/s", streamed, methods=["POST"]),
            routing.Route("/ignore", ignores_body, methods=["POST", "GET"]),
            routing.Route("/swallow", swallows, methods=["POST"]),
            routing.Route("/big", echo, methods=["POST"], max_body_size=20),
            routing.Route("/zero", echo, methods=["POST"], max_body_size=0),
            routing.Route("/negative", echo, methods=["POST"], max_body_size=-1),
            routing.Mount("/small", routes=[routing.Route("/e", echo, methods=["POST"])], max_body_size=3),
            routing.Mount("/inner", app=inner),
            routing.Mount(
                "/router", app=routing.Router([routing.Route("/e", echo, methods=["POST"])], max_body_size=8)
            ),
        ],
        max_body_size=5,
    )


REQUESTS = [
    Req("POST", "/e", headers=_length("3"), body=b"abc"),
    Req("POST", "/e", headers=_length("10"), body=b"0123456789"),
    Req("POST", "/e", headers=_length("2"), body=[b"012", b"345"]),
    Req("POST", "/e", body=[b"012", b"345"]),
    Req("POST", "/s", body=[b"01", b"23", b"45"]),
    Req("POST", "/s", body=[b"01", b"23"]),
    Req("POST", "/ignore", headers=_length("9"), body=b"x"),
    Req("GET", "/ignore", headers=_length("9")),
    Req("GET", "/e", headers=_length("99")),
    Req("POST", "/missing", headers=_length("99")),
    Req("POST", "/missing", headers=_length("1"), body=b"x"),
    Req("POST", "/swallow", body=[b"xxx", b"xxx"]),
    Req("POST", "/swallow", headers=_length("9"), body=b"x"),
    Req("POST", "/big", headers=_length("10"), body=b"0123456789"),
    Req("POST", "/big", headers=_length("21"), body=b"x"),
    Req("POST", "/zero"),
    Req("POST", "/zero", body=b"a"),
    Req("POST", "/negative", headers=_length("0")),
    Req("POST", "/small/e", headers=_length("4"), body=b"0123"),
    Req("POST", "/small/e", body=b"012"),
    Req("POST", "/inner/e", headers=_length("10"), body=b"0123456789"),
    Req("POST", "/inner/e", headers=_length("101"), body=b"x"),
    Req("POST", "/router/e", body=[b"0123", b"4567"]),
    Req("POST", "/router/e", body=[b"0123", b"45678"]),
]


@pytest.mark.parametrize("req", REQUESTS, ids=lambda req: f"{req.method} {req.path} {req.headers} {req.body!r}"[:80])
def test_application_limits(req: Req) -> None:
    assert_same(application, [req])


@pytest.mark.parametrize(
    "value",
    ["abc", "-5", " 9 ", "+5", "1_0", "0x1", "", "00004", "-0", "3", "9" * 30, "9" * 5000, "4\t", "1,1", "\xb2"],
)
def test_content_length_spellings(value: str) -> None:
    assert_same(application, [Req("POST", "/e", headers=[(b"content-length", value.encode("latin-1"))], body=b"x")])


def test_first_content_length_counts() -> None:
    assert_same(application, [Req("POST", "/e", headers=_length("2") + _length("9"), body=b"01")])


def handlers_application(ns: Namespace) -> Any:
    routing, responses = ns.routing, ns.responses

    async def reader(request: Any) -> Any:
        await request.body()
        return responses.PlainTextResponse("read")  # pragma: no cover (the body is always too large here)

    async def custom(request: Any, exc: Exception) -> Any:
        return responses.PlainTextResponse(f"custom {type(exc).__name__}", status_code=413)

    return ns.applications.Starlette(
        routes=[routing.Route("/r", reader, methods=["POST"])], max_body_size=5, exception_handlers={413: custom}
    )


@pytest.mark.parametrize(
    "req", [Req("POST", "/r", body=[b"xxx", b"xxx"]), Req("POST", "/r", headers=_length("9"), body=b"x")]
)
def test_a_413_handler_renders_a_streamed_overflow_but_not_a_declared_one(req: Req) -> None:
    assert_same(handlers_application, [req])


def bare(ns: Namespace) -> Any:
    responses = ns.responses

    async def app(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        await responses.PlainTextResponse(f"got {message.get('body')!r}")(scope, receive, send)

    return ns.module("middleware.body_limit").RequestBodyLimitMiddleware(app, max_body_size=3)


@pytest.mark.parametrize(
    "req",
    [
        Req("POST", "/", headers=_length("9"), body=b"x"),
        Req("POST", "/", body=b"xxxx"),
        Req("POST", "/", body=b"xx"),
        Req("POST", "/", headers=_length("3"), body=b"xxx"),
    ],
)
def test_bare_middleware(req: Req) -> None:
    assert_same(bare, [req])


def started_then_overflowing(ns: Namespace) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await receive()

    return ns.module("middleware.body_limit").RequestBodyLimitMiddleware(app, max_body_size=3)


def test_an_overflow_after_the_response_started_propagates() -> None:
    reference, ours = run_both(started_then_overflowing, Req("POST", "/", body=b"xxxx"))
    assert ours == reference and ours.exception == "_RequestBodyTooLarge: 413: Content Too Large"


def grouped(ns: Namespace) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        try:
            await receive()
        except Exception as exc:
            raise ExceptionGroup("group", [exc]) from None

    return ns.module("middleware.body_limit").RequestBodyLimitMiddleware(app, max_body_size=3)


def test_an_exception_group_is_not_unwrapped() -> None:
    reference, ours = run_both(grouped, Req("POST", "/", body=b"xxxx"))
    assert ours == reference and ours.status is None


def test_public_surface() -> None:
    import starlette.middleware.body_limit as theirs

    import starlette_c.middleware.body_limit as ours

    assert ours.MAX_BODY_SIZE_SCOPE_KEY == theirs.MAX_BODY_SIZE_SCOPE_KEY == "starlette.max_body_size"
    for name in ("RequestBodyLimitMiddleware", "RequestBodyLimitResponder"):
        assert hasattr(ours, name)
    error = ours._RequestBodyTooLarge()
    reference = theirs._RequestBodyTooLarge()
    assert (error.status_code, error.detail, error.headers) == (reference.status_code, reference.detail, None)
    assert repr(error) == repr(reference)
    assert [cls.__name__ for cls in ours._RequestBodyLimitResponseSent.__mro__] == [
        cls.__name__ for cls in theirs._RequestBodyLimitResponseSent.__mro__
    ]


def reading_middleware_application(ns: Namespace) -> Any:
    """A middleware reads the whole body under the app's limit; the route's lower limit still applies to it."""
    routing, responses = ns.routing, ns.responses

    async def echo(request: Any) -> Any:
        return responses.PlainTextResponse(await request.body())

    class ReadFirst(ns.module("middleware.base").BaseHTTPMiddleware):  # type: ignore[misc]
        async def dispatch(self, request: Any, call_next: Any) -> Any:
            await request.body()
            return await call_next(request)

    return ns.applications.Starlette(
        routes=[
            routing.Route("/low", echo, methods=["POST"], max_body_size=5),
            routing.Route("/high", echo, methods=["POST"], max_body_size=10),
            routing.Mount(
                "/router", app=routing.Router([routing.Route("/e", echo, methods=["POST"])], max_body_size=5)
            ),
        ],
        middleware=[ns.middleware.Middleware(ReadFirst)],
        max_body_size=10,
    )


@pytest.mark.parametrize("path", ["/low", "/high", "/router/e"])
@pytest.mark.parametrize("body", [[b"123", b"456"], [b"12345"]], ids=["six", "five"])
def test_a_lower_inner_limit_refuses_a_body_middleware_already_read(path: str, body: list[bytes]) -> None:
    assert_same(reading_middleware_application, [Req("POST", path, body=body)])
