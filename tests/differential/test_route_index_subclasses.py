"""Routers of route subclasses against the reference's full scan: subclasses that opt in to the index
(narrowing or decorating ``matches``), subclasses doing something else in ``matches`` (tried in order), and
stock routes, with routes added after the first requests, must give every request the reference's response."""

from __future__ import annotations

from typing import Any

import anyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.harness import Namespace, Outcome, Req, run_app
from tests.differential.test_route_index import normalized

TEMPLATES = ["/a/{x}", "/a/{n:int}", "/a/b", "/w{x}", "/b/{p:path}", "/a", "/a/", "/{x}/b"]
PATHS = ["/a/1", "/a/b", "/a/x", "/a", "/a/", "/wa", "/w/1", "/b/c/d", "/c/b", "/nope", "/a/1/"]
KINDS = ["route", "narrowing", "decorating", "widening", "widening-below", "post-only"]


def route_classes(ns: Namespace) -> dict[str, Any]:
    routing = ns.routing
    match = routing.Match

    class Narrowing(routing.Route):  # type: ignore[misc,name-defined]
        indexed_by_path = True

        def matches(self, scope: Any) -> tuple[Any, Any]:
            verdict, child_scope = super().matches(scope)
            if verdict is not match.NONE and (b"x-allow", b"1") not in scope["headers"]:
                return match.NONE, {}
            return verdict, child_scope

    class Decorating(routing.Route):  # type: ignore[misc,name-defined]
        indexed_by_path = True

        def matches(self, scope: Any) -> tuple[Any, Any]:
            verdict, child_scope = super().matches(scope)
            if verdict is not match.NONE:
                child_scope["decorated"] = self.name
            return verdict, child_scope

    class Widening(routing.Route):  # type: ignore[misc,name-defined]
        def matches(self, scope: Any) -> tuple[Any, Any]:
            if scope["type"] == "http" and scope["path"].startswith("/w"):
                return match.FULL, {"endpoint": self.endpoint, "path_params": {}}
            verdict, child_scope = super().matches(scope)
            return verdict, child_scope

    class WideningBelow(Narrowing):
        def matches(self, scope: Any) -> tuple[Any, Any]:
            if scope["type"] == "http" and scope["path"].startswith("/a/"):
                return match.PARTIAL, {"endpoint": self.endpoint, "path_params": {}}
            verdict, child_scope = super().matches(scope)
            return verdict, child_scope

    return {
        "route": routing.Route,
        "narrowing": Narrowing,
        "decorating": Decorating,
        "widening": Widening,
        "widening-below": WideningBelow,
        "post-only": routing.Route,
    }


def build_router(ns: Namespace, table: list[tuple[str, str]], label: str) -> Any:
    responses = ns.responses
    classes = route_classes(ns)
    routes = []
    for position, (kind, template) in enumerate(table):
        name = f"{label}{position}"

        async def endpoint(request: Any, name: str = name) -> Any:
            params = sorted((key, repr(value)) for key, value in request.path_params.items())
            return responses.PlainTextResponse(f"{name} {params} {request.scope.get('decorated')}")

        methods = ["POST"] if kind == "post-only" else None
        routes.append(classes[kind](template, endpoint, name=name, methods=methods))
    return ns.routing.Router(routes)


REQUEST = st.tuples(st.sampled_from(PATHS), st.sampled_from(["GET", "POST"]), st.booleans())
TABLE = st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(TEMPLATES)), max_size=8)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=TABLE, later=TABLE, requests=st.lists(REQUEST, min_size=1, max_size=4))
def test_same_route_as_the_reference(
    table: list[tuple[str, str]], later: list[tuple[str, str]], requests: list[tuple[str, str, bool]]
) -> None:
    routers = {package: build_router(Namespace(package), table, "") for package in ("starlette", "starlette_c")}
    for step in range(2):
        for path, method, allowed in requests:
            req = Req(method, path, headers=[(b"x-allow", b"1")] if allowed else [])
            reference, ours = (outcome_of(routers[package], req) for package in ("starlette", "starlette_c"))
            assert ours == reference, f"{method} {path!r} (step {step}):\nreference: {reference}\nours:      {ours}"
        # Routes added after the first requests.
        for package, router in routers.items():
            router.routes.extend(build_router(Namespace(package), later, "late").routes)


def outcome_of(app: Any, req: Req) -> Outcome:
    return normalized(anyio.run(run_app, app, req).normalized())
