"""Micro-benchmark: the pure vs the compiled datastructures twin on the operations every request does.

Run: ``python bench/micro_datastructures.py [--repeat N]``. Each case is timed with ``timeit`` (many
repeats, the median per-call time kept) against both twins; the table shows the ratio pure/compiled.

For instruction counts, run one case of one twin N times, untimed, under callgrind twice (N and 0) and
divide the difference by N::

    valgrind --tool=callgrind python bench/micro_datastructures.py --run "request reads" --twin compiled --number 10000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette_c._pure import datastructures as pure

try:
    from starlette_c._speedups import datastructures as compiled
except ImportError:  # pragma: no cover - depends on the build
    print("the compiled twin is not built: python setup.py build_ext --inplace", file=sys.stderr)
    raise SystemExit(1) from None

RAW_HEADERS = [
    (b"host", b"example.org"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0"),
    (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    (b"accept-language", b"en-US,en;q=0.5"),
    (b"accept-encoding", b"gzip, deflate, br"),
    (b"connection", b"keep-alive"),
    (b"cookie", b"session=abcdef0123456789; theme=dark"),
    (b"content-type", b"application/json"),
    (b"content-length", b"42"),
]
QUERY = "page=2&size=50&sort=-created&q=hello+world&tag=a%20b&tag=c"
# The "query + headers" scenario of bench/scenarios.py.
SCENARIO_HEADERS = [
    (b"host", b"example.org"),
    (b"user-agent", b"bench/1.0"),
    (b"accept", b"*/*"),
    (b"x-request-id", b"req-1"),
]
SCENARIO_QUERY = b"a=1&b=2&c=3"


def scope() -> dict[str, Any]:
    return {
        "type": "http",
        "scheme": "https",
        "server": ("example.org", 443),
        "root_path": "",
        "path": "/api/items/42",
        "query_string": QUERY.encode(),
        "headers": RAW_HEADERS,
    }


def cases(m: ModuleType) -> dict[str, Callable[[], Any]]:
    s = scope()
    headers = m.Headers(raw=list(RAW_HEADERS))
    query = QUERY.encode()

    def headers_from_scope() -> Any:
        h = m.Headers(scope=dict(s))
        return h.get("content-type"), h.get("content-length"), "authorization" in h, h["host"]

    def headers_lookup() -> Any:
        return headers.get("Content-Type"), headers.get("x-missing"), headers["cookie"], "accept" in headers

    def headers_items() -> Any:
        return headers.items(), headers.getlist("accept")

    def response_headers() -> Any:
        h = m.MutableHeaders(raw=[(b"content-length", b"12")])
        h["content-type"] = "text/plain; charset=utf-8"
        h.setdefault("cache-control", "no-store")
        h.append("set-cookie", "a=1")
        h.add_vary_header("Accept-Encoding")
        return h.raw

    def query_params() -> Any:
        q = m.QueryParams(query)
        return q.get("page"), q.getlist("tag")

    def url_from_scope() -> Any:
        url = m.URL(scope=s)
        return url.path, url.query, url.is_secure

    # NOTE: `urlsplit` keeps an LRU cache: a server seeing distinct URLs mostly misses it; one URL in a loop never does.
    distinct = [{**s, "path": f"/api/items/{index}", "query_string": f"page={index}".encode()} for index in range(4096)]
    position = [0]

    def url_from_distinct_scopes() -> Any:
        position[0] = index = (position[0] + 1) & 4095
        url = m.URL(scope=distinct[index])
        return url.path, url.query, url.is_secure

    def request_reads() -> Any:
        # What `request.query_params` and `request.headers` build, then the scenario's six reads.
        q = m.query_params_from_string(SCENARIO_QUERY)
        h = m.headers_from_scope({"headers": SCENARIO_HEADERS})
        return q["a"], q["b"], q["c"], h["user-agent"], h["accept"], h["x-request-id"]

    def multidict() -> Any:
        d = m.ImmutableMultiDict([("a", "1"), ("b", "2"), ("a", "3"), ("c", "4")])
        return d["a"], d.getlist("a")

    return {
        "Headers(scope) + 4 lookups": headers_from_scope,
        "Headers get/[]/in": headers_lookup,
        "Headers items+getlist": headers_items,
        "MutableHeaders response edits": response_headers,
        "QueryParams(bytes) + get": query_params,
        "URL(scope) + parts, same URL": url_from_scope,
        "URL(scope) + parts, distinct URLs": url_from_distinct_scopes,
        "ImmutableMultiDict build": multidict,
        "request reads": request_reads,
    }


def per_call(func: Callable[[], Any], repeat: int) -> float:
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--run", metavar="CASE", help="only call this case, untimed (for callgrind)")
    parser.add_argument("--twin", choices=("pure", "compiled"), default="compiled", help="the twin --run calls")
    parser.add_argument("--number", type=int, default=10_000, help="how many calls --run makes")
    args = parser.parse_args()
    if args.run:
        func = cases(pure if args.twin == "pure" else compiled)[args.run]
        for _ in range(args.number):
            func()
        return 0
    pure_cases, compiled_cases = cases(pure), cases(compiled)
    width = max(len(name) for name in pure_cases)
    print(f"{'operation':<{width}}  {'pure':>9}  {'compiled':>9}  {'ratio':>6}")
    ratios = []
    for name in pure_cases:
        assert repr(pure_cases[name]()) == repr(compiled_cases[name]()), name
        p = per_call(pure_cases[name], args.repeat)
        c = per_call(compiled_cases[name], args.repeat)
        ratios.append(p / c)
        print(f"{name:<{width}}  {p * 1e9:7.0f}ns  {c * 1e9:7.0f}ns  {p / c:5.2f}x")
    print(f"{'geometric mean':<{width}}  {'':>9}  {'':>9}  {statistics.geometric_mean(ratios):5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
