from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import run
from scenarios import SCENARIOS


def test_ir_requests_span_about_fifty_milliseconds_within_bounds() -> None:
    assert run.ir_requests(1e-3) == (20, 70, 120)
    assert run.ir_requests(1e-6) == (20, 220, 420)
    assert run.ir_requests(1.0) == (20, 40, 60)


def test_a_one_off_cost_in_one_step_is_not_counted_per_request() -> None:
    # NOTE: "10000 routes" measured at 2eace18 (--ir-paths 220): one malloc costs 1.74M once, at exchange 207.
    counts, totals = (20, 120, 219), [4_724_877_856, 4_729_692_382, 4_736_154_410]
    assert run.smallest_step(counts, totals) == 48_145
    assert run.smallest_step((20, 219), [totals[0], totals[2]]) == 56_666


def test_quick_settings_count_no_instructions_and_load_plaintext_only() -> None:
    settings = run.settings_from(run.parse_args(["--quick"]))
    assert settings.ir_scenarios == ()
    assert settings.e2e_scenarios == ("plaintext",)
    assert settings.load is not None and settings.load.duration <= 2


def test_ir_scenarios_all_and_no_switches() -> None:
    assert len(run.settings_from(run.parse_args(["--ir-scenarios", "all"])).ir_scenarios) == len(SCENARIOS)
    settings = run.settings_from(run.parse_args(["--ir-scenarios", "all", "--no-ir", "--no-e2e"]))
    assert (settings.ir_scenarios, settings.load) == ((), None)
    with pytest.raises(SystemExit):
        run.settings_from(run.parse_args(["--ir-scenarios", "nope"]))


def test_machine_markdown_names_versions_and_compiled_modules() -> None:
    info = {"date": "d", "cpu": "CPU", "cores": 2, "platform": "Linux", "server": ["u"], "wrk": None}
    frameworks = {
        "c": {"name": "starlette_c", "version": "1", "python": "3.11", "extensions": ["x"], "compiled": True},
        "raw": {"name": "raw ASGI", "version": "(no framework)", "python": "3.11"},
    }
    text = run.machine_markdown(info, frameworks)
    assert "on CPU (2 cores)" in text and "load: none." in text
    assert "- c: starlette_c 1 on Python 3.11, compiled modules: x, `__compiled__` = True" in text
    assert "- raw: raw ASGI (no framework) on Python 3.11" in text.splitlines()


def test_servers_default_to_both_and_can_be_narrowed() -> None:
    assert run.settings_from(run.parse_args([])).servers == ("uvicorn", "granian")
    assert run.settings_from(run.parse_args(["--servers", "granian"])).servers == ("granian",)
    with pytest.raises(SystemExit):
        run.parse_args(["--servers", "hypercorn"])


def test_counting_instructions_without_valgrind_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run.shutil, "which", lambda name: None)
    target = run.select_targets(["raw ASGI"])[0]
    scenario = run.select_scenarios(["plaintext"])[0]
    with pytest.raises(run._measure.ValgrindNotFoundError, match="apt-get install valgrind"):
        run.count_instructions(target, Path("python"), scenario, (1, 2, 3))


def test_the_default_ir_scenarios_exist() -> None:
    assert run.select_scenarios(list(run.IR_SCENARIOS))


def test_an_app_too_slow_to_build_is_not_counted_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    target = run.select_targets(["raw ASGI"])[0]
    scenarios = run.select_scenarios(["plaintext", "json"])
    timing = {"median": 1e-5}
    outcomes = {"plaintext": {"build_seconds": 60.0, **timing}, "json": {"build_seconds": 0.1, **timing}}
    monkeypatch.setattr(run, "run_worker", lambda *args: {"framework": {}, "scenarios": outcomes})
    counted: list[str] = []
    monkeypatch.setattr(
        run, "count_instructions", lambda target, python, scenario, *counts: counted.append(scenario.name) or 7
    )
    settings = dataclasses.replace(run.FULL, ir_scenarios=("plaintext", "json"), load=None)
    results = run.measure_target(target, Path("python"), scenarios, settings, None)["scenarios"]
    assert counted == ["json"] and results["json"]["ir"] == 7
    assert "ir" not in results["plaintext"] and "10 s to build" in results["plaintext"]["na_ir"]
