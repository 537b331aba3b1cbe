"""Every app module available in this interpreter answers every scenario right (the peers' modules are
checked by run.py in their own virtualenvs, before anything is measured)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest
from drive import Exchange
from scenarios import SCENARIOS, Scenario, select_scenarios

from starlette_c.bench import _lifespan, _measure

MODULES = ("apps.raw_app", "apps.starlette_c_app", "apps.starlette_app")
# NOTE: the FastAPI apps are checked in a process of their own each: the starlette_c one turns the switch on,
# which would make every later `import starlette` in this process give starlette_c.
IN_PROCESS = [scenario for scenario in SCENARIOS if scenario.app_attr != "fastapi_app"]
FASTAPI = [scenario.name for scenario in SCENARIOS if scenario.app_attr == "fastapi_app"]
BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


async def check(app: object, scenario: Scenario) -> str | None:
    async with _lifespan.lifespan(app) as state:  # type: ignore[arg-type]
        return await Exchange(scenario).check(app, state)  # type: ignore[arg-type]


@pytest.mark.parametrize("module_name", MODULES)
@pytest.mark.parametrize("scenario", IN_PROCESS, ids=lambda scenario: scenario.name)
def test_app_answers_scenario(module_name: str, scenario: Scenario) -> None:
    app = getattr(importlib.import_module(module_name), scenario.app_attr)
    assert _measure.run_in_loop(check(app, scenario)) is None


@pytest.mark.parametrize(
    ("module_name", "framework"), [("apps.starlette_c_app", "starlette_c"), ("apps.starlette_app", "starlette")]
)
def test_fastapi_app_answers_every_fastapi_scenario(module_name: str, framework: str) -> None:
    command = [sys.executable, os.path.join(BENCH_DIR, "worker.py"), "--app-module", module_name]
    command += ["--framework", framework, "--repeats", "1", "--repeat-seconds", "0.001", "--warmup-seconds", "0"]
    for name in FASTAPI:
        command += ["--scenario", name]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((os.path.dirname(BENCH_DIR), BENCH_DIR))}
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=300)
    outcomes = json.loads(completed.stdout)["scenarios"]
    assert sorted(outcomes) == sorted(FASTAPI)
    assert all("median" in outcome for outcome in outcomes.values()), outcomes


def test_fastapi_is_not_applicable_outside_starlette() -> None:
    from apps import raw_app

    assert raw_app.UNSUPPORTED == {"fastapi_app": "FastAPI runs on Starlette only"}


@pytest.mark.parametrize("module_name", MODULES)
def test_app_modules_build_each_app_once_and_reject_other_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.routes_3 is module.routes_3
    assert module.app is not module.middleware_app
    with pytest.raises(AttributeError):
        module.routes_many  # noqa: B018


def test_raw_app_answers_404_to_a_wrong_shape_under_a_known_prefix() -> None:
    from apps import raw_app

    wrong = Scenario("wrong", "app", "/users/x/items/abc", status=404)
    assert _measure.run_in_loop(check(raw_app.app, wrong)) is None


def test_a_wrong_answer_at_a_later_path_is_reported_with_its_path() -> None:
    from apps import raw_app

    table = select_scenarios(["100 routes, middle"])[0]
    # The 100-route table answers the item id; claim it answers the id for the first variant only.
    wrong = Scenario("wrong", table.app_attr, table.path, content=b"0", variants=table.variants)
    assert _measure.run_in_loop(check(raw_app.routes_100, wrong)) == "/r50/items/1: body b'1', expected b'0'"
