from __future__ import annotations

import sys

import pytest

from starlette_c.bench._measure import RequestSpec, Timing
from starlette_c.bench._report import (
    PathResult,
    format_table,
    request_line,
    runtime_description,
    starlette_c_compiled,
    to_json,
)

FAST = Timing(median=20e-6, minimum=19e-6, maximum=30e-6, stdev=1e-6, samples=[19e-6, 20e-6, 30e-6])
SLOW = Timing(median=0.0025, minimum=0.002, maximum=0.003, stdev=0.0005, samples=[0.002, 0.0025, 0.003])


def test_request_line() -> None:
    assert request_line(RequestSpec()) == "GET /"
    assert request_line(RequestSpec("POST", "/a b", b"x=\xe9")) == "POST /a b?x=é"


def test_table_without_instructions() -> None:
    results = [PathResult(RequestSpec(), 200, FAST), PathResult(RequestSpec(path="/users/42", query=b"a=1"), 404, SLOW)]
    assert format_table(results) == (
        "request            status  median µs   min µs  spread  requests/s\n"
        "GET /                 200      20.00    19.00   ±5.0%      50,000\n"
        "GET /users/42?a=1     404    2500.00  2000.00  ±20.0%         400"
    )


def test_table_with_instructions() -> None:
    results = [PathResult(RequestSpec(), 200, FAST, instructions=123456), PathResult(RequestSpec(path="/x"), 200, FAST)]
    lines = format_table(results).splitlines()
    assert lines[0].endswith("requests/s  Ir/request")
    assert lines[1].endswith("50,000     123,456")
    assert lines[2].endswith("50,000           -")


def test_json() -> None:
    spec = RequestSpec("POST", "/p", b"q=1")
    report = to_json([PathResult(spec, 201, FAST, instructions=99)], app_ref="m:app", number=10, repeats=3, warmup=2)
    assert report["app"] == "m:app"
    assert report["python"] == sys.version.split()[0]
    assert report["starlette_c_compiled"] == starlette_c_compiled()
    assert (report["number"], report["repeats"], report["warmup"]) == (10, 3, 2)
    (path,) = report["paths"]
    assert path == {
        "method": "POST",
        "path": "/p",
        "query": "q=1",
        "status": 201,
        "median_us": pytest.approx(20.0),
        "min_us": pytest.approx(19.0),
        "max_us": pytest.approx(30.0),
        "stdev_us": pytest.approx(1.0),
        "requests_per_second": pytest.approx(50_000),
        "samples_us": pytest.approx([19.0, 20.0, 30.0]),
        "instructions_per_request": 99,
    }


def test_runtime_description_names_the_live_twins() -> None:
    from starlette_c import _backend

    mode = "compiled" if _backend.all_compiled else "pure"
    assert starlette_c_compiled() is _backend.all_compiled
    assert runtime_description() == f"Python {sys.version.split()[0]}, starlette_c with {mode} twins"


def test_runtime_description_without_starlette_c(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "starlette_c._backend")
    assert starlette_c_compiled() is None
    assert runtime_description() == f"Python {sys.version.split()[0]}"
