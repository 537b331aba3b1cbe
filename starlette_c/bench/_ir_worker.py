"""The process callgrind watches: ``python -m starlette_c.bench._ir_worker module:app --requests N --spec JSON``.

It loads the app, runs its lifespan startup, warms up, issues N requests in one event loop run and
shuts the app down. Two runs that differ only in N differ only by the cost of those requests.
Stdlib only (plus the app), so that it runs under a peer framework's interpreter.
"""

from __future__ import annotations

import argparse
import sys

from starlette_c.bench._lifespan import lifespan
from starlette_c.bench._measure import ASGIApp, RequestSpec, load_app, run_in_loop, send_request, spec_from_json


async def issue_requests(app: ASGIApp, spec: RequestSpec, count: int) -> None:
    async with lifespan(app) as state:
        for _ in range(count):
            await send_request(app, spec, state)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m starlette_c.bench._ir_worker")
    parser.add_argument("app", help="module:attribute of the ASGI app")
    parser.add_argument("--requests", type=int, required=True, help="requests issued after the warm-up")
    parser.add_argument("--warmup", type=int, default=50, help="requests issued first, in every run alike")
    parser.add_argument("--spec", required=True, help="the request, as JSON (see spec_to_json)")
    args = parser.parse_args(argv)
    app = load_app(args.app)
    run_in_loop(issue_requests(app, spec_from_json(args.spec), args.warmup + args.requests))
    return 0


if __name__ == "__main__":  # pragma: no cover - run in a subprocess (under callgrind) by tests/bench/test_measure.py
    raise SystemExit(main(sys.argv[1:]))
