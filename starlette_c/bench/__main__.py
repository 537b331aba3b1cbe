"""``python -m starlette_c.bench``: time (and optionally profile) your own ASGI app, path by path, in-process.

No server and no sockets: requests go straight into the app, so the numbers are the framework's and
your code's cost per request. The app's lifespan runs around the measurements.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from urllib.parse import quote, unquote

from starlette_c.bench._lifespan import LifespanError, lifespan
from starlette_c.bench._measure import (
    AppLoadError,
    ASGIApp,
    CallgrindError,
    RequestSpec,
    call_app,
    instructions_per_request,
    load_app,
    run_in_loop,
    time_requests,
)
from starlette_c.bench._profile import PROFILERS, ProfilerUnavailableError, ensure_available, profile_requests
from starlette_c.bench._report import PathResult, format_table, request_line, runtime_description, to_json

EXAMPLES = """\
examples:
  python -m starlette_c.bench --app main:app --path / --path '/users/42?expand=1'
  python -m starlette_c.bench --app main:app --path /items --method POST \\
      --header 'content-type: application/json' --body '{"name": "x"}' --profile cprofile
  python -m starlette_c.bench --app main:app --path / --ir --json numbers.json
"""


QUERY_SAFE = "!$%&'()*+,/:;=?@[]~"


class UsageError(ValueError):
    """The arguments make no valid request or run."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m starlette_c.bench",
        description="Time your ASGI app's requests in-process, path by path: median, minimum and spread of the "
        "time per request, requests per second, optionally instructions per request (valgrind) and a profile.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--app", required=True, metavar="MODULE:ATTR", help="the ASGI app, e.g. main:app")
    parser.add_argument(
        "--app-dir", default=".", help="directory put first on sys.path to import the app (default: %(default)s)"
    )
    parser.add_argument(
        "--path",
        action="append",
        required=True,
        dest="paths",
        metavar="PATH",
        help="a path to request, with an optional ?query; repeat for several paths",
    )
    parser.add_argument("--method", default="GET", help="HTTP method of every request (default: %(default)s)")
    parser.add_argument(
        "--header", action="append", default=[], dest="headers", metavar="'NAME: VALUE'", help="a request header"
    )
    body = parser.add_mutually_exclusive_group()
    body.add_argument("--body", help="request body (UTF-8 text)")
    body.add_argument("--body-file", metavar="FILE", help="request body, read from FILE as bytes")
    parser.add_argument("--number", type=int, default=1000, help="requests per timed repeat (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats per path (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first (default: %(default)s)")
    parser.add_argument(
        "--ir", action="store_true", help="also count instructions per request with valgrind (slow: a minute a path)"
    )
    parser.add_argument("--profile", choices=PROFILERS, help="print a profile of each path's requests")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers to FILE as JSON")
    return parser


def parse_header(text: str) -> tuple[bytes, bytes]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise UsageError(f"--header {text!r} must look like 'name: value'")
    try:
        return name.strip().lower().encode("latin-1"), value.strip().encode("latin-1")
    except UnicodeEncodeError:
        raise UsageError(f"--header {text!r} has characters a header cannot carry (beyond latin-1)") from None


def request_specs(args: argparse.Namespace) -> list[RequestSpec]:
    """One request per ``--path``, all with the same method, headers and body."""
    if args.body_file is not None:
        try:
            with open(args.body_file, "rb") as file:
                body = file.read()
        except OSError as exc:
            raise UsageError(f"--body-file: {exc}") from exc
    else:
        body = (args.body or "").encode("utf-8")
    headers = tuple(parse_header(text) for text in args.headers)
    specs = []
    for target in args.paths:
        if not target.startswith("/"):
            raise UsageError(f"--path {target!r} must start with '/'")
        raw_path, _, query = target.partition("?")
        # NOTE: the query goes on as a browser sends it: escapes kept, anything else non-ASCII %-encoded as UTF-8.
        raw_query = quote(query, safe=QUERY_SAFE).encode("ascii")
        specs.append(RequestSpec(args.method.upper(), unquote(raw_path), raw_query, headers, body))
    return specs


def check_run(args: argparse.Namespace) -> None:
    if args.number < 1 or args.repeats < 1 or args.warmup < 0:
        raise UsageError("--number and --repeats must be at least 1, --warmup at least 0")
    if args.profile is not None:
        ensure_available(args.profile)
    if args.ir and shutil.which("valgrind") is None:
        raise UsageError("--ir needs valgrind on PATH (Debian/Ubuntu: apt-get install valgrind)")


async def measure(app: ASGIApp, specs: list[RequestSpec], args: argparse.Namespace) -> list[PathResult]:
    """Inside the app's lifespan: check every path answers, time each, then profile each if asked."""
    async with lifespan(app) as state:
        statuses = []
        for spec in specs:
            response = await call_app(app, spec, state=state)
            print(f"{request_line(spec)} -> {response.status} ({len(response.body)} bytes)")
            if response.status >= 400:
                print(f"  note: {response.status} is what this path's numbers will measure")
            statuses.append(response.status)
        print(f"timing {args.repeats} x {args.number} requests per path, after {args.warmup} warm-up requests")
        results = []
        for spec, status in zip(specs, statuses, strict=True):
            timing = await time_requests(
                app, spec, number=args.number, repeats=args.repeats, warmup=args.warmup, state=state
            )
            results.append(PathResult(spec, status, timing))
        if args.profile is not None:
            for result in results:
                result.profile = await profile_requests(args.profile, app, result.spec, number=args.number, state=state)
    return results


def count_instructions(results: list[PathResult], args: argparse.Namespace) -> None:
    """Each path's instructions per request, from fresh interpreters under callgrind."""
    print("counting instructions per request with valgrind (callgrind)...")
    for result in results:
        result.instructions = instructions_per_request(
            args.app, result.spec, extra_sys_path=[os.path.abspath(args.app_dir)]
        )


def print_results(results: list[PathResult], args: argparse.Namespace) -> None:
    print()
    print(format_table(results))
    for result in results:
        if result.profile is not None:
            print(f"\n=== {args.profile}: {request_line(result.spec)} ({args.number} requests) ===")
            print(result.profile)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # argparse's --help (0) and usage errors (2)
        return exit.code if isinstance(exit.code, int) else 2
    try:
        specs = request_specs(args)
        check_run(args)
        app = load_app(args.app, args.app_dir)
    except (UsageError, AppLoadError, ProfilerUnavailableError) as exc:
        parser.print_usage(sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(runtime_description())
    try:
        results = run_in_loop(measure(app, specs, args))
        if args.ir:
            count_instructions(results, args)
    except (LifespanError, CallgrindError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print_results(results, args)
    if args.json is not None:
        report = to_json(results, app_ref=args.app, number=args.number, repeats=args.repeats, warmup=args.warmup)
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(report, file, indent=2)
            file.write("\n")
    return 0


if __name__ == "__main__":  # pragma: no cover - tests call main() in-process
    raise SystemExit(main())
