from __future__ import annotations

import sys

import pytest

from starlette_c.bench._measure import RequestSpec, run_in_loop
from starlette_c.bench._profile import (
    CPROFILE_TOP,
    ProfilerUnavailableError,
    PyinstrumentProfiler,
    ensure_available,
    make_profiler,
    profile_requests,
)
from tests.bench import apps, raw_apps
from tests.bench.conftest import FakePyinstrumentProfiler


def test_cprofile_report_names_the_endpoint() -> None:
    report = run_in_loop(profile_requests("cprofile", apps.app, RequestSpec(), number=20))
    assert "Ordered by: cumulative time" in report
    assert "(hello)" in report
    assert "20    " in report  # the endpoint's call count


def test_cprofile_report_keeps_the_top_entries() -> None:
    spec = RequestSpec(path="/echo", method="POST", body=b"x")
    report = run_in_loop(profile_requests("cprofile", apps.app, spec, number=5))
    assert f"due to restriction <{CPROFILE_TOP}>" in report
    rows = [line for line in report.splitlines() if line.strip()[:1].isdigit() and "{" in line or ".py:" in line]
    assert 0 < len(rows) <= CPROFILE_TOP


def test_pyinstrument_is_started_and_reported(fake_pyinstrument: type[FakePyinstrumentProfiler]) -> None:
    ensure_available("pyinstrument")
    report = run_in_loop(profile_requests("pyinstrument", apps.app, RequestSpec(), number=3))
    assert report == "fake report"
    (profiler,) = fake_pyinstrument.instances
    assert profiler.options == {"interval": PyinstrumentProfiler.INTERVAL}
    assert profiler.calls == ["start", "stop", "output_text [('color', False), ('unicode', True)]"]


def test_the_profiler_stops_when_a_request_fails(fake_pyinstrument: type[FakePyinstrumentProfiler]) -> None:
    with pytest.raises(RuntimeError, match="without starting a response"):
        run_in_loop(profile_requests("pyinstrument", raw_apps.silent_app, RequestSpec(), number=1))
    assert fake_pyinstrument.instances[0].calls[:2] == ["start", "stop"]


def test_missing_pyinstrument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyinstrument", None)
    with pytest.raises(ProfilerUnavailableError, match="pip install pyinstrument"):
        ensure_available("pyinstrument")
    ensure_available("cprofile")


def test_unknown_profiler() -> None:
    with pytest.raises(ValueError, match="unknown profiler 'yappi': choose one of cprofile, pyinstrument"):
        make_profiler("yappi")
