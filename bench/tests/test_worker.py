from __future__ import annotations

import argparse
import json
from typing import Any

import pytest
import worker
from apps import raw_app
from scenarios import Scenario, select_scenarios


def test_describe_framework_of_the_floor_and_of_starlette_c() -> None:
    assert worker.describe_framework(None)["name"] == "raw ASGI"
    info = worker.describe_framework("starlette_c")
    assert info["name"] == "starlette_c"
    assert isinstance(info["compiled"], bool)
    assert all(name.startswith("_speedups/") for name in info["extensions"])


def test_measure_times_right_answers_and_reports_wrong_ones() -> None:
    settings = argparse.Namespace(repeats=2, repeat_seconds=0.001, warmup_seconds=0.001)
    good, bad = select_scenarios(["plaintext", "json"])
    bad = type(bad)("json", "app", "/json", json_content={"other": 1})
    results = worker.measure(raw_app, [good, bad], settings)
    assert results[good.name]["number"] >= 5
    assert 0 < results[good.name]["minimum"] <= results[good.name]["median"] <= results[good.name]["maximum"]
    assert results[good.name]["build_seconds"] >= 0
    assert results[bad.name]["error"].startswith("JSON {'message': 'Hello, world!'}")


def test_main_prints_one_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    worker.main(["--app-module", "apps.raw_app", "--scenario", "404", "--repeats", "1", "--repeat-seconds", "0.001"])
    report = json.loads(capsys.readouterr().out)
    assert report["framework"]["name"] == "raw ASGI"
    assert set(report["scenarios"]["404"]) >= {"median", "stdev", "number"}


def test_a_scenario_the_framework_cannot_express_is_reported_not_built() -> None:
    settings = argparse.Namespace(repeats=1, repeat_seconds=0.001, warmup_seconds=0.0)
    fastapi, plain = select_scenarios(["FastAPI 404", "plaintext"])
    results = worker.measure(raw_app, [fastapi, plain], settings)
    assert results[fastapi.name] == {"na": "FastAPI runs on Starlette only"}
    assert "median" in results[plain.name]
    assert worker.not_applicable(object(), fastapi) is None


def test_ir_count_mode_runs_the_exchanges_and_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    worker.main(["--app-module", "apps.raw_app", "--scenario", "websocket echo 100", "--ir-count", "3"])
    assert capsys.readouterr().out == ""


def test_ir_count_mode_builds_the_paths_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    original = worker.Exchange

    def exchange(scenario: Scenario, limit: int | None = None) -> Any:
        made = original(scenario, limit=limit)
        built.append(made.count)
        return made

    monkeypatch.setattr(worker, "Exchange", exchange)
    argv = ["--app-module", "apps.raw_app", "--scenario", "100 routes, first", "--ir-count", "3"]
    worker.main(argv)
    worker.main([*argv, "--ir-paths", "30"])
    assert built == [worker.IR_WARMUP + 3, worker.IR_WARMUP + 30]


def test_ir_count_mode_refuses_a_wrong_answer() -> None:
    wrong = Scenario("wrong", "app", "/json", json_content={"other": 1})
    with pytest.raises(SystemExit, match="wrong: wrong answer: JSON"):
        worker.count_run(raw_app, wrong, 1)
