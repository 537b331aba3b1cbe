"""Every app module available in this interpreter answers every scenario right (the peers' modules are
checked by run.py in their own virtualenvs, before anything is measured)."""

from __future__ import annotations

import importlib

import pytest
from scenarios import SCENARIOS, Scenario
from worker import request_spec

from starlette_c.bench import _lifespan, _measure

MODULES = ("apps.raw_app", "apps.starlette_c_app", "apps.starlette_app")


async def answer(app: object, scenario: Scenario) -> _measure.Response:
    spec = request_spec(scenario)
    async with _lifespan.lifespan(app) as state:  # type: ignore[arg-type]
        return await _measure.call_app(app, spec, state=state)  # type: ignore[arg-type]


@pytest.mark.parametrize("module_name", MODULES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_app_answers_scenario(module_name: str, scenario: Scenario) -> None:
    app = getattr(importlib.import_module(module_name), scenario.app_attr)
    response = _measure.run_in_loop(answer(app, scenario))
    assert scenario.check(response.status, response.headers, response.body) is None


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
    response = _measure.run_in_loop(answer(raw_app.app, wrong))
    assert wrong.check(response.status, response.headers, response.body) is None
