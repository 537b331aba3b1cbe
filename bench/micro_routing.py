"""Micro-benchmark of routing: the twins (pure vs compiled) on the per-request operations, then the
route index (lookup time against the size of the route table).

Run: ``python bench/micro_routing.py`` (from the repository root, after building the extensions);
``--index`` runs only the route-index part. Each row is the median over many timeit repeats, in
nanoseconds per call.
"""

from __future__ import annotations

import statistics
import sys
import timeit
import types
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette_c._pure import routing as pure
from starlette_c._route_index import RouteIndex
from starlette_c.routing import Match, Route, Router, _route_filing

try:
    from starlette_c._speedups import routing as compiled
except ImportError:
    sys.exit("starlette_c._speedups.routing is not built: run `python setup.py build_ext --inplace` first")

REPEATS = 31
NUMBER = 20_000


def cases(module: ModuleType) -> dict[str, Callable[[], Any]]:
    literal = module.compile_path("/users")
    param = module.compile_path("/users/{id:int}/posts/{slug}")
    mount = module.compile_path("/static/{path:path}")
    param_mount = module.compile_path("/org/{org}/{path:path}")
    table = [module.compile_path(f"/section{i}/{{id:int}}") for i in range(9)] + [module.compile_path("/about")]
    scope: dict[str, Any] = {"type": "http", "path": "/about"}
    nested: dict[str, Any] = {"type": "http", "path_params": {"org": "acme"}}
    match_path, match_mount = module.match_path, module.match_mount
    # What routes are to the compiled twin: the holders of the plans of their patterns.
    owners = {id(pattern): types.SimpleNamespace() for pattern, _, _ in (literal, param, mount, param_mount, *table)}

    def route_table() -> Any:
        # What a Router does per request: try each route in order until one matches (the last one here).
        for regex, _, convertors in table:
            params = match_path(regex, convertors, "/about", scope, owners[id(regex)])
            if params is not None:
                return params
        return None

    def on(compiled: Any, function: Callable[..., Any], text: str, in_scope: dict[str, Any]) -> Callable[[], Any]:
        return lambda: function(compiled[0], compiled[2], text, in_scope, owners[id(compiled[0])])

    return {
        "match_path literal hit": on(literal, match_path, "/users", scope),
        "match_path literal miss": on(literal, match_path, "/users/1", scope),
        "match_path params hit": on(param, match_path, "/users/42/posts/hello", nested),
        "match_path params miss": on(param, match_path, "/static/app.css", scope),
        "match_mount literal": on(mount, match_mount, "/static/css/app.css", scope),
        "match_mount params": on(param_mount, match_mount, "/org/acme/repos/1", scope),
        "10-route table scan": route_table,
    }


def median_ns(func: Callable[[], Any]) -> float:
    runs = timeit.repeat(func, number=NUMBER, repeat=REPEATS)
    return statistics.median(runs) / NUMBER * 1e9


def twins() -> None:
    pure_cases, compiled_cases = cases(pure), cases(compiled)
    print(f"{'operation':<26}{'pure ns':>10}{'compiled ns':>13}{'speedup':>9}")
    ratios = []
    for name, pure_func in pure_cases.items():
        compiled_func = compiled_cases[name]
        assert pure_func() == compiled_func(), name
        p, c = median_ns(pure_func), median_ns(compiled_func)
        ratios.append(p / c)
        print(f"{name:<26}{p:>10.0f}{c:>13.0f}{p / c:>8.2f}x")
    print(f"{'geometric mean':<26}{'':>23}{statistics.geometric_mean(ratios):>8.2f}x")


async def endpoint(request: Any) -> Any:
    raise NotImplementedError  # never called: only matching is timed


TABLE_SIZES = (10, 100, 1_000, 10_000)
# Route tables by kind: (template of route i, the path that matches the last route).
TABLES: dict[str, tuple[Callable[[int], str], Callable[[int], str]]] = {
    "/r{i}/items/{item_id}": (lambda i: f"/r{i}/items/{{item_id}}", lambda n: f"/r{n - 1}/items/42"),
    "/api/v1/r{i}/{id:int}": (lambda i: f"/api/v1/r{i}/{{id:int}}", lambda n: f"/api/v1/r{n - 1}/42"),
    "/r{i}/items (static)": (lambda i: f"/r{i}/items", lambda n: f"/r{n - 1}/items"),
}


def lookup_ns(func: Callable[[], Any]) -> float:
    """Median ns per call, with the repeat count scaled so that slow calls keep the run short."""
    number = max(10, int(2e5 / max(1.0, timeit.timeit(func, number=10) / 10 * 1e9 / 10)))
    runs = timeit.repeat(func, number=number, repeat=7)
    return statistics.median(runs) / number * 1e9


def table_row(template: Callable[[int], str], target: str, size: int) -> tuple[float, float, float]:
    """(ns per indexed lookup, ns per Starlette-1.0-style scan, ms to build the index) for one table."""
    routes = [Route(template(i), endpoint) for i in range(size)]
    router = Router(routes)
    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": target, "root_path": ""}
    route, _ = router._match(scope)
    assert route is routes[-1], (target, size)

    def scan() -> Any:
        for candidate in routes:
            if candidate.matches(scope)[0] is Match.FULL:
                return candidate
        return None

    build = min(timeit.repeat(lambda: RouteIndex(routes, _route_filing), number=1, repeat=3))
    return lookup_ns(lambda: router._match(scope)), lookup_ns(scan), build * 1e3


def route_index() -> None:
    """Time per lookup of the last route of tables of growing size, indexed and (as Starlette 1.0) scanned."""
    print(f"{'table':<26}{'routes':>8}{'index ns':>10}{'vs 10':>8}{'scan ns':>12}{'build ms':>10}")
    for kind, (template, target) in TABLES.items():
        base = 0.0
        for size in TABLE_SIZES:
            indexed, scanned, build = table_row(template, target(size), size)
            base = base or indexed
            print(f"{kind:<26}{size:>8}{indexed:>10.0f}{indexed / base:>7.2f}x{scanned:>12.0f}{build:>10.1f}")


if __name__ == "__main__":
    if "--index" not in sys.argv:
        twins()
    route_index()
