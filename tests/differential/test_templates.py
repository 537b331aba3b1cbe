"""Jinja2Templates against the reference: argument rules, errors, rendering and the debug extension message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.harness import Namespace, Req, assert_same

SCOPE = {"type": "http", "method": "GET", "headers": [], "path": "/", "query_string": b""}


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    (tmp_path / "page.html").write_text("<p>{{ x }} {{ y }}</p>")
    (tmp_path / "raw.txt").write_text("{{ x }}")
    return tmp_path


def outcome(func: Callable[[Namespace], Any]) -> list[Any]:
    results: list[Any] = []
    for package in ("starlette", "starlette_c"):
        try:
            value = func(Namespace(package))
        except Exception as exc:
            results.append((type(exc).__name__, str(exc).replace("starlette_c", "starlette")))
            continue
        body = getattr(value, "body", None)
        context = getattr(value, "context", None)
        results.append(("ok", type(value).__name__, body, sorted(context) if context is not None else None))
    return results


def test_argument_rules_and_errors(directory: Path) -> None:
    def templates(ns: Namespace, **options: Any) -> Any:
        return ns.templating.Jinja2Templates(**options)

    def request(ns: Namespace) -> Any:
        return ns.requests.Request(dict(SCOPE))

    cases: list[Callable[[Namespace], Any]] = [
        lambda ns: templates(ns),
        lambda ns: templates(ns, directory=directory, env=jinja2.Environment()),
        lambda ns: templates(ns, directory=""),
        lambda ns: templates(ns, directory=[]),
        lambda ns: templates(ns, directory=[directory]).TemplateResponse(request(ns), "page.html", {"x": 5}),
        lambda ns: templates(ns, directory=directory).TemplateResponse("page.html", {"request": request(ns)}),
        lambda ns: templates(ns, directory=directory).TemplateResponse(name="page.html", context={}),
        lambda ns: templates(ns, directory=directory).TemplateResponse(request(ns), "page.html"),
        lambda ns: templates(ns, directory=directory).TemplateResponse(request(ns), "page.html", {"request": 1}),
        lambda ns: templates(ns, directory=directory).TemplateResponse(request(ns), "missing.html"),
        lambda ns: templates(ns, directory=directory).TemplateResponse(request(ns), "page.html", foo=1),
        lambda ns: templates(ns, directory=directory).TemplateResponse(
            request=request(ns), name="page.html", context={"x": "<b>"}, status_code=201, media_type="text/xml"
        ),
        lambda ns: templates(ns, directory=directory).TemplateResponse(request(ns), "raw.txt", {"x": "<b>"}),
        lambda ns: templates(ns, directory=directory, context_processors=[lambda r: {"y": 2}]).TemplateResponse(
            request(ns), "page.html", {"x": 1, "y": 1}
        ),
        lambda ns: templates(ns, env=jinja2.Environment()).env.globals["url_for"].__name__,
    ]
    for case in cases:
        reference, ours = outcome(case)
        assert ours == reference


def test_an_empty_context_is_not_the_one_kept(directory: Path) -> None:
    for package in ("starlette", "starlette_c"):
        ns = Namespace(package)
        templates = ns.templating.Jinja2Templates(directory=directory)
        request = ns.requests.Request(dict(SCOPE))
        empty: dict[str, Any] = {}
        given = {"x": 1}
        assert templates.TemplateResponse(request, "page.html", empty).context is not empty
        assert templates.TemplateResponse(request, "page.html", given).context is given
        assert empty == {} and given == {"x": 1, "request": request}


@pytest.mark.parametrize("in_scope", [False, True])
@pytest.mark.parametrize("in_request", [False, True])
def test_debug_message_follows_the_request_extensions(directory: Path, in_scope: bool, in_request: bool) -> None:
    sent: dict[str, list[Any]] = {}
    for package in ("starlette", "starlette_c"):
        ns = Namespace(package)
        templates = ns.templating.Jinja2Templates(directory=directory)
        extensions: dict[str, Any] = {"http.response.debug": {}}
        request = ns.requests.Request({**SCOPE, "extensions": extensions if in_request else {}})
        response = templates.TemplateResponse(request, "page.html", {"x": 1})
        messages: list[Any] = []

        async def send(message: Any, messages: list[Any] = messages) -> None:
            messages.append(message)

        async def receive() -> Any:
            return {"type": "http.disconnect"}  # pragma: no cover (never called)

        scope = {**SCOPE, "extensions": extensions if in_scope else {}}
        anyio.run(response, scope, receive, send)
        debug = [message for message in messages if message["type"] == "http.response.debug"]
        for message in debug:
            assert message["info"] == {"template": response.template, "context": response.context}
        sent[package] = [message["type"] for message in messages]
    assert sent["starlette_c"] == sent["starlette"]
    assert ("http.response.debug" in sent["starlette_c"]) is in_request


def test_through_the_app(directory: Path) -> None:
    def build(ns: Namespace) -> Any:
        templates = ns.templating.Jinja2Templates(directory=directory)

        async def page(request: Any) -> Any:
            return templates.TemplateResponse(request, "page.html", {"x": request.query_params.get("x", "")})

        return ns.applications.Starlette(routes=[ns.routing.Route("/", page)])

    assert_same(build, [Req(), Req(query_string=b"x=%3Cscript%3E"), Req("HEAD")])


def test_public_signatures() -> None:
    import inspect

    import starlette.templating

    import starlette_c.templating

    for name in ("Jinja2Templates", "_TemplateResponse"):
        reference, ours = getattr(starlette.templating, name), getattr(starlette_c.templating, name)
        for attribute, value in vars(reference).items():
            if callable(value) and (not attribute.startswith("_") or attribute in ("__init__", "__call__")):
                expected = str(inspect.signature(value))
                assert str(inspect.signature(getattr(ours, attribute))) == expected, (name, attribute)


_PARAMETERS = ["request", "name", "context", "status_code", "headers", "media_type", "background"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    positional=st.integers(0, 7),
    keywords=st.sets(st.sampled_from([*_PARAMETERS, "unknown"])),
    request_in_context=st.booleans(),
    name=st.sampled_from(["page.html", "raw.txt", "missing.html"]),
)
def test_any_template_response_call_matches_the_reference(
    directory: Path, positional: int, keywords: set[str], request_in_context: bool, name: str
) -> None:
    # NOTE: the first ``positional`` parameters by position, any others (or an unknown one) by keyword.
    def call(ns: Namespace) -> Any:
        request = ns.requests.Request(dict(SCOPE))
        values = {
            "request": request,
            "name": name,
            "context": {"x": "<b>", **({"request": request} if request_in_context else {})},
            "status_code": 203,
            "headers": {"x-a": "1"},
            "media_type": "text/xml",
            "background": None,
            "unknown": 1,
        }
        args = [values[parameter] for parameter in _PARAMETERS[:positional]]
        kwargs = {parameter: values[parameter] for parameter in keywords}
        return ns.templating.Jinja2Templates(directory=directory).TemplateResponse(*args, **kwargs)

    reference, ours = outcome(call)
    assert ours == reference
