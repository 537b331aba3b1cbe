from __future__ import annotations

import gc
import logging
from typing import Any

import pytest

from starlette_c.bench._lifespan import LifespanError, lifespan
from starlette_c.bench._measure import ASGIApp, RequestSpec, call_app, run_in_loop
from tests.bench import apps, raw_apps


def run_lifespan(app: ASGIApp, during: list[Any] | None = None) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        async with lifespan(app) as state:
            if during is not None:
                during.append(await call_app(app, RequestSpec(path="/state"), state=state))
            return state

    return run_in_loop(main())


def test_startup_state_and_shutdown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apps, "events", [])
    responses: list[Any] = []
    state = run_lifespan(apps.app, responses)
    assert state == {"greeting": "from lifespan"}
    assert apps.events == ["startup", "shutdown"]
    assert responses[0].body == b'{"greeting":"from lifespan","keys":["greeting","seen"]}'


@pytest.mark.parametrize("app", [raw_apps.http_only_app, raw_apps.silent_app])
def test_an_app_without_lifespan_support_runs_without_one(app: ASGIApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="asyncio")
    assert run_lifespan(app) == {}
    gc.collect()
    assert caplog.records == []  # the app's AssertionError was retrieved, not logged as lost


def test_startup_failure() -> None:
    with pytest.raises(LifespanError, match=r"(?s)lifespan startup failed: .*RuntimeError: no database"):
        run_lifespan(apps.failing_startup_app)


def test_shutdown_failure(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="asyncio")
    with pytest.raises(LifespanError, match=r"(?s)lifespan shutdown failed: .*RuntimeError: could not flush"):
        run_lifespan(apps.failing_shutdown_app)
    gc.collect()
    assert caplog.records == []


def test_failure_without_a_message() -> None:
    async def terse_app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed"})

    with pytest.raises(LifespanError, match=r"^lifespan startup failed: \(no message\)$"):
        run_lifespan(terse_app)


def test_an_app_returning_before_shutdown_is_left_alone() -> None:
    assert run_lifespan(raw_apps.returns_after_startup) == {}


def test_an_error_after_shutdown_is_raised() -> None:
    with pytest.raises(LookupError, match="after shutdown"):
        run_lifespan(raw_apps.raises_after_shutdown)
