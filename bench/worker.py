"""Runs inside one target's interpreter: builds its apps, checks each answer, times it in-process.

``python bench/worker.py --app-module apps.raw_app --scenario plaintext [...] --repeats R``
prints one JSON object on stdout: the framework's description and, per scenario, the check result and
the per-request timing of ``starlette_c.bench._measure`` (seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.machinery
import importlib.metadata
import json
import sys
import time
from pathlib import Path
from typing import Any

from drive import Exchange
from scenarios import Scenario, select_scenarios

from starlette_c.bench import _lifespan, _measure


def describe_framework(name: str | None) -> dict[str, Any]:
    """The framework's version and which of its modules are compiled extensions (None: the raw floor)."""
    python = sys.version.split()[0]
    if name is None:
        return {"name": "raw ASGI", "version": "(no framework)", "python": python}
    package = importlib.import_module(name)
    root = Path(package.__file__ or "").parent
    extensions = sorted(
        {
            str(path.relative_to(root)).split(".")[0]
            for suffix in importlib.machinery.EXTENSION_SUFFIXES
            for path in root.rglob(f"*{suffix}")
        }
    )
    version = package.__version__ if name == "starlette_c" else importlib.metadata.version(name)
    info: dict[str, Any] = {"name": name, "version": version, "python": python, "file": package.__file__}
    info["extensions"] = extensions
    if name == "starlette_c":
        info["compiled"] = package.__compiled__
    return info


# Exchanges run before the counted ones, in both runs of a callgrind pair alike.
IR_WARMUP = 50


def loop_factory() -> asyncio.AbstractEventLoop:
    import uvloop  # NOTE: every target's virtualenv has it (the servers run on it too).

    return uvloop.new_event_loop()


async def warm_up(app: Any, exchange: Exchange, state: dict[str, Any], seconds: float) -> float:
    """Run exchanges for about ``seconds`` (at least 5); returns the seconds one took on average."""
    count = 0
    started = time.perf_counter()
    while count < 5 or time.perf_counter() - started < seconds:
        await exchange.run(app, count, state)
        count += 1
    return (time.perf_counter() - started) / count


async def time_exchanges(
    app: Any, exchange: Exchange, state: dict[str, Any], number: int, repeats: int
) -> _measure.Timing:
    """Seconds per exchange: ``repeats`` runs of ``number``, each one the next of the scenario's paths."""
    samples = []
    index = 0
    for _ in range(repeats):
        started = time.perf_counter_ns()
        for _ in range(number):
            await exchange.run(app, index, state)
            index += 1
        samples.append((time.perf_counter_ns() - started) / number / 1e9)
    return _measure.Timing.from_samples(samples)


async def measure_app(app: Any, scenarios: list[Scenario], settings: argparse.Namespace) -> dict[str, Any]:
    """Check then time each scenario, inside the app's lifespan (BlackSheep answers nothing before startup).

    Each repeat issues as many requests as fit in ``repeat_seconds`` by the warm-up's estimate, so that a
    10,000-route table takes as long to measure as a plaintext route.
    """
    results: dict[str, Any] = {}
    async with _lifespan.lifespan(app) as state:
        for scenario in scenarios:
            print(f"  {scenario.name}", file=sys.stderr, flush=True)
            exchange = Exchange(scenario)
            problem = await exchange.check(app, state)
            if problem is not None:
                results[scenario.name] = {"error": problem}
                continue
            estimate = await warm_up(app, exchange, state, settings.warmup_seconds)
            number = max(5, min(100_000, round(settings.repeat_seconds / estimate)))
            timing = await time_exchanges(app, exchange, state, number, settings.repeats)
            results[scenario.name] = {
                "median": timing.median,
                "minimum": timing.minimum,
                "maximum": timing.maximum,
                "stdev": timing.stdev,
                "number": number,
            }
    return results


def not_applicable(module: Any, scenario: Scenario) -> str | None:
    """Why the framework cannot express the scenario (its app module's ``UNSUPPORTED``), or None."""
    unsupported: dict[str, str] = getattr(module, "UNSUPPORTED", {})
    return unsupported.get(scenario.name) or unsupported.get(scenario.app_attr)


def measure(module: Any, scenarios: list[Scenario], settings: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for scenario in scenarios:
        reason = not_applicable(module, scenario)
        if reason is not None:
            results[scenario.name] = {"na": reason}
    scenarios = [scenario for scenario in scenarios if scenario.name not in results]
    for app_attr in dict.fromkeys(scenario.app_attr for scenario in scenarios):
        group = [scenario for scenario in scenarios if scenario.app_attr == app_attr]
        started = time.perf_counter()
        app = getattr(module, app_attr)
        build_seconds = time.perf_counter() - started
        measured = _measure.run_in_loop(measure_app(app, group, settings), loop_factory)
        for outcome in measured.values():
            outcome["build_seconds"] = build_seconds
        results.update(measured)
    return results


async def issue_exchanges(app: Any, exchange: Exchange, count: int) -> None:
    async with _lifespan.lifespan(app) as state:
        problem = await exchange.check(app, state)
        if problem is not None:
            raise SystemExit(f"{exchange.scenario.name}: wrong answer: {problem}")
        for index in range(count):
            await exchange.run(app, index, state)


def count_run(module: Any, scenario: Scenario, count: int, paths: int | None = None) -> None:
    """The process callgrind watches: build, check, warm up and run ``count`` exchanges (see run.py).

    ``paths`` (default ``count``): how many distinct requests to build first, cycled through by the exchanges.
    """
    app = getattr(module, scenario.app_attr)
    # PERF: no more distinct paths than requests: building thousands of scopes under callgrind takes long.
    # NOTE: both runs of a pair build the same number (run.py passes the larger count): building a request costs
    # more than sending some, and would otherwise be counted per request.
    exchange = Exchange(scenario, limit=IR_WARMUP + (count if paths is None else paths))
    _measure.run_in_loop(issue_exchanges(app, exchange, IR_WARMUP + count), loop_factory)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app-module", required=True)
    parser.add_argument("--framework", help="the package to describe (none for the raw ASGI floor)")
    parser.add_argument("--scenario", action="append", required=True)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--repeat-seconds", type=float, default=0.05, help="the length of one timed repeat")
    parser.add_argument("--warmup-seconds", type=float, default=0.2)
    parser.add_argument("--ir-count", type=int, metavar="N", help="run N exchanges of the one scenario, untimed")
    parser.add_argument(
        "--ir-paths", type=int, metavar="N", help="with --ir-count: build N distinct requests (default: its N)"
    )
    args = parser.parse_args(argv)
    module = importlib.import_module(args.app_module)
    scenarios = select_scenarios(args.scenario)
    if args.ir_count is not None:
        count_run(module, scenarios[0], args.ir_count, args.ir_paths)
        return
    report = {
        "framework": describe_framework(args.framework),
        "scenarios": measure(module, scenarios, args),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
