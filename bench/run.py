"""The comparative benchmark: starlette_c (compiled and pure) against Starlette, BlackSheep, Falcon and a
raw ASGI floor, on the same scenarios, side by side.

    python bench/run.py                 # everything (tens of minutes)
    python bench/run.py --quick         # a few minutes: fewer repeats, no Ir, a short e2e of plaintext
    python bench/run.py --targets "starlette_c" "starlette 1.0.0" --scenarios plaintext --no-e2e

Every target runs in its own interpreter (a pinned virtualenv under --venv-dir, created on first use);
starlette_c is imported from this repository, so build it first: python setup.py build_ext --inplace.
Writes results.md and results.json to --out. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parent), str(BENCH_DIR)]

import chart  # noqa: E402
import e2e  # noqa: E402
import report  # noqa: E402
from scenarios import NO_WEBSOCKET_LOAD, SCENARIOS, Scenario, select_scenarios  # noqa: E402
from targets import FLOOR, REFERENCE, SERVER_PINS, Target, ensure_venv, select_targets, target_environ  # noqa: E402

from starlette_c.bench import _measure  # noqa: E402

# Instructions are counted on these by default: each callgrind pair costs tens of seconds.
IR_SCENARIOS = (
    "plaintext",
    "path params",
    "CORS+GZip+Session",
    "1000 routes",
    "FastAPI route 100/100",
    "websocket echo 100",
)


@dataclasses.dataclass(frozen=True)
class Settings:
    repeats: int
    repeat_seconds: float  # the in-process worker sizes each repeat to about this long
    warmup_seconds: float
    ir_scenarios: tuple[str, ...]
    load: e2e.LoadSettings | None
    e2e_scenarios: tuple[str, ...] | None  # None: all
    servers: tuple[str, ...] = e2e.SERVERS


QUICK = Settings(7, 0.02, 0.05, (), e2e.LoadSettings(duration=2, warmup=1), ("plaintext",))
# NOTE: Falcon takes about two minutes to build a 10,000-route app (its router's inserts are quadratic),
# more than --quick's whole budget: --quick leaves that scenario out unless it is asked for by name.
QUICK_SKIPS = ("10000 routes",)
# NOTE: callgrind runs Python some 50x slower, and each run of a pair builds the app: an app that takes longer
# than this to build natively (Falcon's 10,000 routes: ~40 s) is left uncounted rather than stall the run for hours.
IR_MAX_BUILD_SECONDS = 10.0
FULL = Settings(15, 0.05, 0.2, IR_SCENARIOS, e2e.LoadSettings(duration=5, warmup=1), None)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no Ir, 2 s of e2e on plaintext only")
    parser.add_argument("--targets", nargs="+", metavar="TARGET", help="default: all")
    parser.add_argument("--scenarios", nargs="+", metavar="SCENARIO", help="default: all")
    parser.add_argument("--no-e2e", action="store_true", help="skip the uvicorn + wrk figures")
    parser.add_argument("--no-ir", action="store_true", help="skip the callgrind instruction counts")
    parser.add_argument(
        "--ir-scenarios",
        nargs="+",
        metavar="SCENARIO",
        help=f"Ir on these ('all' for every one); default {IR_SCENARIOS}",
    )
    parser.add_argument("--e2e-seconds", type=int, metavar="N", help="seconds of measured load per scenario")
    parser.add_argument(
        "--servers", nargs="+", choices=e2e.SERVERS, default=list(e2e.SERVERS), help="the e2e servers (default: both)"
    )
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results", help="default: bench/results/")
    parser.add_argument("--venv-dir", type=Path, default=BENCH_DIR / ".venvs", help="default: bench/.venvs/")
    parser.add_argument("--python", default=sys.executable, help="the interpreter the virtualenvs are made from")
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    settings = QUICK if args.quick else FULL
    ir = settings.ir_scenarios
    if args.ir_scenarios:
        ir = tuple(s.name for s in SCENARIOS) if args.ir_scenarios == ["all"] else tuple(args.ir_scenarios)
        select_scenarios(list(ir))  # rejects unknown names
    if args.no_ir:
        ir = ()
    load = None if args.no_e2e else settings.load
    if load is not None and args.e2e_seconds:
        load = e2e.LoadSettings(args.e2e_seconds, load.warmup, load.connections)
    return dataclasses.replace(settings, ir_scenarios=ir, load=load, servers=tuple(args.servers))


def run_worker(target: Target, python: Path, scenarios: list[Scenario], settings: Settings) -> dict[str, Any]:
    command = [str(python), str(BENCH_DIR / "worker.py"), "--app-module", f"apps.{target.app_module}"]
    if target.framework:
        command += ["--framework", target.framework]
    command += ["--repeats", str(settings.repeats), "--repeat-seconds", str(settings.repeat_seconds)]
    command += ["--warmup-seconds", str(settings.warmup_seconds)]
    for scenario in scenarios:
        command += ["--scenario", scenario.name]
    completed = subprocess.run(command, env=target_environ(target), stdout=subprocess.PIPE, text=True, check=True)
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def count_instructions(target: Target, python: Path, scenario: Scenario, counts: tuple[int, ...]) -> int:
    """Instructions (callgrind ``Ir``) one of the scenario's exchanges costs in the target.

    Like ``_measure.instructions_per_request`` (runs differing only in the number of exchanges, the
    difference divided), but through bench/worker.py, whose exchanges vary their path and speak websocket.
    With three or more ``counts``, the smallest per-exchange step between consecutive runs.
    """
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise _measure.ValgrindNotFoundError("valgrind is not on PATH (Debian/Ubuntu: apt-get install valgrind)")
    env = target_environ(target)
    # NOTE: the same hash seed in every run keeps dict and set layouts, hence their costs, equal.
    env.setdefault("PYTHONHASHSEED", "0")
    with tempfile.TemporaryDirectory(prefix="bench-ir-") as workdir:
        runs = []
        for count in counts:
            out_file, log_file = f"{workdir}/callgrind.{count}.out", f"{workdir}/stderr.{count}.log"
            command = [valgrind, "--tool=callgrind", f"--callgrind-out-file={out_file}", str(python)]
            command += [str(BENCH_DIR / "worker.py"), "--app-module", f"apps.{target.app_module}"]
            command += ["--scenario", scenario.name, "--ir-count", str(count), "--ir-paths", str(counts[-1])]
            with open(log_file, "wb") as log:
                # PERF: the runs are independent: they run side by side.
                runs.append((subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log), out_file))
        totals = []
        for (process, out_file), count in zip(runs, counts, strict=True):
            if process.wait() != 0:
                tail = Path(f"{workdir}/stderr.{count}.log").read_text(errors="replace")[-2000:]
                raise _measure.CallgrindError(f"the callgrind run exited with {process.returncode}:\n{tail}")
            totals.append(_measure.read_callgrind_total(out_file))
    return smallest_step(counts, totals)


def smallest_step(counts: tuple[int, ...], totals: list[int]) -> int:
    """The least Ir per exchange between consecutive runs.

    NOTE: a shorter run is an exact prefix of a longer one, so a one-off cost (glibc's malloc walking a heap
    fragmented by building 10,000 routes, once, after the 257th request) lands in one step only: the other
    step is the steady per-exchange cost.
    """
    steps = zip(counts, counts[1:], totals, totals[1:], strict=False)
    return min(round((high - low) / (more - fewer)) for fewer, more, low, high in steps)


def ir_requests(seconds_per_request: float) -> tuple[int, int, int]:
    """Request counts for the callgrind runs: steps of about 50 ms of native work."""
    spread = max(20, min(200, round(0.05 / seconds_per_request)))
    return 20, 20 + spread, 20 + 2 * spread


STARTED = time.monotonic()
BUILD_HINT = "python setup.py build_ext --inplace"


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", flush=True)


def measure_target(
    target: Target, python: Path, scenarios: list[Scenario], settings: Settings, wrk: str | None
) -> dict[str, Any]:
    log(f"[{target.name}] in-process")
    worker = run_worker(target, python, scenarios, settings)
    if worker["framework"].get("compiled") is False and not target.env.get("STARLETTE_C_PURE"):
        log(f"[{target.name}] WARNING: the compiled twins are not built, this is the pure package: {BUILD_HINT}")
    results: dict[str, dict[str, Any]] = {scenario.name: {"errors": []} for scenario in scenarios}
    for name, outcome in worker["scenarios"].items():
        if "na" in outcome:
            results[name]["na"] = outcome["na"]
            continue
        results[name]["build_seconds"] = outcome.pop("build_seconds")
        if "error" in outcome:
            results[name]["errors"].append(f"in-process check: {outcome['error']}")
        else:
            results[name]["time"] = outcome
    for scenario in scenarios:
        entry = results[scenario.name]
        if "na" in entry:
            continue
        if scenario.name in settings.ir_scenarios and entry.get("build_seconds", 0.0) > IR_MAX_BUILD_SECONDS:
            entry["na_ir"] = f"Ir not counted: the app takes over {IR_MAX_BUILD_SECONDS:.0f} s to build natively"
        elif scenario.name in settings.ir_scenarios and "time" in entry:
            log(f"[{target.name}] Ir: {scenario.name}")
            try:
                entry["ir"] = count_instructions(target, python, scenario, ir_requests(entry["time"]["median"]))
            except (_measure.CallgrindError, _measure.ValgrindNotFoundError) as exc:
                entry["errors"].append(f"Ir: {exc}")
        wanted = settings.e2e_scenarios is None or scenario.name in settings.e2e_scenarios
        if settings.load is None or wrk is None or not wanted or "time" not in entry:
            continue
        if scenario.websocket:
            entry["na_e2e"] = NO_WEBSOCKET_LOAD
            continue
        for server in settings.servers:
            log(f"[{target.name}] e2e ({server}): {scenario.name}")
            try:
                figures = e2e.measure_scenario(wrk, target, python, scenario, settings.load, server)
            except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
                entry["errors"].append(f"e2e ({server}): {exc}")
            else:
                entry[e2e.RPS_KEYS[server]] = figures.requests_per_second
                if server == "uvicorn":
                    entry["rss_kib"] = figures.peak_rss_kib
                if figures.errors:
                    entry["errors"].append(
                        f"e2e ({server}): wrk reported {figures.errors} socket errors or bad statuses"
                    )
    return {"framework": worker["framework"], "scenarios": results}


def machine() -> dict[str, Any]:
    cpu = "unknown"
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as cpuinfo:
            models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
        cpu = models[0] if models else cpu
    wrk = e2e.wrk_path()
    wrk_version = (
        subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout.split(" [")[0] if wrk else None
    )
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "server": list(SERVER_PINS),
        "wrk": wrk_version,
    }


def machine_markdown(info: dict[str, Any], frameworks: dict[str, Any]) -> str:
    lines = [
        f"Taken {info['date']} on {info['cpu']} ({info['cores']} cores), {info['platform']}; "
        f"servers: {', '.join(info['server'])}; load: {info['wrk'] or 'none'}.",
        "",
    ]
    for target, framework in frameworks.items():
        compiled = framework.get("extensions")
        detail = f", compiled modules: {', '.join(compiled) or 'none'}" if compiled is not None else ""
        if "compiled" in framework:
            detail += f", `__compiled__` = {framework['compiled']}"
        lines.append(f"- {target}: {framework['name']} {framework['version']} on Python {framework['python']}{detail}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = settings_from(args)
    targets = select_targets(args.targets)
    scenarios = select_scenarios(args.scenarios)
    if args.quick and not args.scenarios:
        scenarios = [scenario for scenario in scenarios if scenario.name not in QUICK_SKIPS]
    wrk = e2e.wrk_path()
    if settings.load is not None and wrk is None:
        print(e2e.WRK_MISSING, flush=True)
    results: dict[str, Any] = {}
    frameworks: dict[str, Any] = {}
    for target in targets:
        python = ensure_venv(target, args.venv_dir, args.python)
        measured = measure_target(target, python, scenarios, settings, wrk)
        frameworks[target.name] = measured["framework"]
        results[target.name] = measured["scenarios"]
    info = machine()
    names = [target.name for target in targets]
    table = report.markdown(results, names, [scenario.name for scenario in scenarios], REFERENCE, FLOOR)
    text = f"{machine_markdown(info, frameworks)}\n\n{table}"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(text)
    payload = {"machine": info, "settings": dataclasses.asdict(settings), "frameworks": frameworks, "results": results}
    (args.out / "results.json").write_text(json.dumps(payload, indent=2) + "\n")
    charts = chart.write_charts(payload, args.out)
    print(f"written: {', '.join(str(path) for path in [args.out / 'results.md', args.out / 'results.json', *charts])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
