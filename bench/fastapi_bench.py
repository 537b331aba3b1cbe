"""The same FastAPI app on the real Starlette and on starlette_c (compiled and pure), in one run.

Run from the repository root, after building the extensions:
``python bench/fastapi_bench.py [--number N] [--rounds R] [--write bench/fastapi.md]``.
Each target runs in its own worker process (the ``starlette`` -> ``starlette_c`` switch is process-wide)
and times every route in-process with ``starlette_c.bench._measure.time_app``, ``number`` requests a round
in one asyncio loop, no server and no network; the targets take turns for ``rounds`` rounds and each
figure is the median of its rounds.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = Path(__file__).resolve().parent / "fastapi.md"
TABLE_START = "<!-- fastapi_bench table: start -->"
TABLE_END = "<!-- fastapi_bench table: end -->"


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    env: dict[str, str]


TARGETS = (
    Target("starlette", "Starlette 1.0", {}),
    Target("compiled", "starlette_c compiled", {"STARLETTE_C_AS_STARLETTE": "1"}),
    Target("pure", "starlette_c pure", {"STARLETTE_C_AS_STARLETTE": "1", "STARLETTE_C_PURE": "1"}),
)

# (label, method, path, query, headers, body)
ROUTES: tuple[tuple[str, str, str, bytes, tuple[tuple[bytes, bytes], ...], bytes], ...] = (
    ("GET /plaintext", "GET", "/plaintext", b"", (), b""),
    ("GET /json (response model)", "GET", "/json", b"", (), b""),
    ("GET /users/{id}/items?limit&q", "GET", "/users/42/items", b"limit=5&q=lamp", (), b""),
    (
        "POST /items (pydantic body)",
        "POST",
        "/items",
        b"",
        ((b"content-type", b"application/json"),),
        b'{"name": "lamp", "price": 12.5, "tags": ["home", "office"]}',
    ),
    ("GET /me (dependency)", "GET", "/me", b"", ((b"authorization", b"Bearer ann"),), b""),
)


def worker(target: str, number: int) -> None:
    """Serve timing rounds for ``target``: one JSON line per line read from stdin."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    # NOTE: the app module switches to starlette_c (per the environment) before anything imports starlette.
    app = importlib.import_module("fastapi_app").app
    from starlette_c.bench._measure import RequestSpec, call_app, run_in_loop, time_app

    starlette_name = sys.modules["starlette"].__name__
    assert starlette_name == ("starlette" if target == "starlette" else "starlette_c"), starlette_name
    specs = {}
    for label, method, path, query, headers, body in ROUTES:
        spec = RequestSpec(method=method, path=path, query=query, headers=headers, body=body)
        response = run_in_loop(call_app(app, spec))
        if response.status not in (200, 201):
            raise SystemExit(f"{target}: {label} answered {response.status}: {response.body!r}")
        specs[label] = spec
    print("ready", flush=True)
    warmup = number // 10
    for _ in sys.stdin:
        seconds = {}
        for label, spec in specs.items():
            cpu_started = time.process_time()
            wall = time_app(app, spec, number=number, repeats=1, warmup=warmup).median
            # NOTE: CPU time (all threads of the process, warm-up included) is not inflated by the time this
            # process waits for a core on a loaded machine, as the wall-clock time is.
            cpu = (time.process_time() - cpu_started) / (number + warmup)
            seconds[label] = {"wall": wall, "cpu": cpu}
        print(json.dumps(seconds), flush=True)


def start_worker(target: Target, number: int) -> subprocess.Popen[str]:
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("STARLETTE_C_")}
    env = inherited | target.env
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, __file__, "--worker", target.name, "--number", str(number)]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"the {target.name} worker failed to start (exit code {process.wait()})")
    return process


def run_round(process: subprocess.Popen[str]) -> dict[str, dict[str, float]]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("go\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())  # type: ignore[no-any-return]


Samples = dict[str, dict[str, list[float]]]


def measure(number: int, rounds: int) -> dict[str, Samples]:
    """Seconds per request of each round ("wall" and "cpu"), per target and route. The targets take turns,
    one round each, so that a change in the machine's load over the run hits them alike."""
    workers = {target.name: start_worker(target, number) for target in TARGETS}
    samples: dict[str, Samples] = {
        clock: {name: {label: [] for label, *_ in ROUTES} for name in workers} for clock in ("wall", "cpu")
    }
    try:
        for _ in range(rounds):
            for name, process in workers.items():
                for label, seconds in run_round(process).items():
                    for clock, value in seconds.items():
                        samples[clock][name][label].append(value)
    finally:
        for process in workers.values():
            assert process.stdin is not None
            process.stdin.close()
            process.wait()
    return samples


def microseconds(seconds: float) -> str:
    return f"{seconds * 1e6:.1f}"


def column(target: Target) -> str:
    return f"{target.label} µs" if target.name == "starlette" else f"{target.label} µs | speed-up"


def table(samples: Samples) -> str:
    """Per route: each target's median over its rounds, and Starlette's over starlette_c's."""
    results = {
        name: {label: statistics.median(values) for label, values in routes.items()} for name, routes in samples.items()
    }
    reference = results["starlette"]
    lines = [
        "| route | "
        + " | ".join(f"{target.label} µs" + (" | speed-up" if target.name != "starlette" else "") for target in TARGETS)
        + " |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    ratios: dict[str, list[float]] = {"compiled": [], "pure": []}
    for label in reference:
        cells = [label, microseconds(reference[label])]
        for name in ("compiled", "pure"):
            median = results[name][label]
            ratio = reference[label] / median
            ratios[name].append(ratio)
            cells += [microseconds(median), f"{ratio:.2f}x"]
        lines.append("| " + " | ".join(cells) + " |")
    means = [statistics.geometric_mean(ratios["compiled"]), statistics.geometric_mean(ratios["pure"])]
    lines.append(f"| geometric mean | | | {means[0]:.2f}x | | {means[1]:.2f}x |")
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(number: int, rounds: int) -> str:
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("fastapi", "pydantic", "starlette", "anyio"))
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; {versions}; {rounds} rounds of {number} requests per route "
        "and target, the targets taking turns; in-process (asyncio loop, no server)."
    )


def write_report(path: Path, markdown: str) -> None:
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    path.write_text(f"{head}{TABLE_START}\n{markdown}\n{TABLE_END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000, help="requests per timed run (default 2000)")
    parser.add_argument("--rounds", type=int, default=9, help="timed rounds per route and target (default 9)")
    parser.add_argument("--write", type=Path, metavar="MD", help=f"update the table in this file (e.g. {REPORT})")
    parser.add_argument("--worker", choices=[target.name for target in TARGETS], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.number)
        return
    samples = measure(args.number, args.rounds)
    markdown = (
        f"Wall-clock time per request (`time_app`), median of the rounds:\n\n{table(samples['wall'])}\n\n"
        f"CPU time per request (less disturbed by other load on the machine), median of the rounds:\n\n"
        f"{table(samples['cpu'])}\n\n"
        f"{machine(args.number, args.rounds)}"
    )
    print(markdown)
    if args.write:
        write_report(args.write, markdown)


if __name__ == "__main__":
    main()
