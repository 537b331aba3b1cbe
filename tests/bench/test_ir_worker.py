from __future__ import annotations

from typing import Any

import pytest

from starlette_c.bench._ir_worker import issue_requests, main
from starlette_c.bench._measure import RequestSpec, run_in_loop, spec_to_json
from tests.bench import apps, raw_apps


def test_main_issues_warmup_plus_requests_inside_the_lifespan(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    async def counting_app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append((scope["path"], scope["method"], (await receive())["body"], dict(scope["state"])))
            await send({"type": "http.response.start", "status": 200})
        else:
            await apps.app(scope, receive, send)  # its lifespan fills the state

    monkeypatch.setattr(apps, "counting_app", counting_app, raising=False)
    monkeypatch.setattr(apps, "events", [])
    spec = RequestSpec("POST", "/count", body=b"x")
    assert (
        main(["tests.bench.apps:counting_app", "--requests", "3", "--warmup", "2", "--spec", spec_to_json(spec)]) == 0
    )
    assert seen == [("/count", "POST", b"x", {"greeting": "from lifespan"})] * 5
    assert apps.events == ["startup", "shutdown"]


def test_default_warmup(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[int] = []

    async def fake_issue(app: Any, spec: RequestSpec, count: int) -> None:
        counted.append(count)

    monkeypatch.setattr("starlette_c.bench._ir_worker.issue_requests", fake_issue)
    assert main(["tests.bench.apps:app", "--requests", "7", "--spec", spec_to_json(RequestSpec())]) == 0
    assert counted == [57]


def test_a_failing_request_fails_the_worker() -> None:
    with pytest.raises(RuntimeError, match="without starting a response"):
        run_in_loop(issue_requests(raw_apps.silent_app, RequestSpec(), 1))
