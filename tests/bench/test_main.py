from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from starlette_c.bench.__main__ import build_parser, main, request_specs
from starlette_c.bench._measure import RequestSpec
from tests.bench import apps
from tests.bench.conftest import REPO, FakePyinstrumentProfiler, posix_only

QUICK = ["--number", "5", "--repeats", "2", "--warmup", "1"]


@pytest.fixture(autouse=True)
def from_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(apps, "events", [])


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def table_rows(out: str) -> dict[str, list[str]]:
    """The printed table, by request line: {"GET /": [status, median, min, spread, req/s(, Ir)]}."""
    rows = {}
    for line in out.split("\n\n")[1].splitlines()[1:]:
        request, cells = re.split(r"\s{2,}", line, maxsplit=1)
        rows[request] = cells.split()
    return rows


def test_measures_every_path_inside_the_lifespan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "numbers.json"
    argv = ["--app", "tests.bench.apps:app", "--path", "/", "--path", "/state", "--path", "/nowhere?x=1"]
    code, out, err = run([*argv, *QUICK, "--json", str(out_file)], capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"Python {sys.version.split()[0]}, starlette_c with ")
    assert "GET / -> 200 (5 bytes)\n" in out
    assert "GET /state -> 200 (55 bytes)\n" in out
    assert "GET /nowhere?x=1 -> 404 (9 bytes)\n  note: 404 is what this path's numbers will measure\n" in out
    assert "timing 2 x 5 requests per path, after 1 warm-up requests\n" in out
    rows = table_rows(out)
    assert list(rows) == ["GET /", "GET /state", "GET /nowhere?x=1"]
    assert [row[0] for row in rows.values()] == ["200", "200", "404"]
    assert all(len(row) == 5 and float(row[1]) > 0 for row in rows.values())
    assert apps.events == ["startup", "shutdown"]
    report = json.loads(out_file.read_text())
    assert [(path["path"], path["query"], path["status"]) for path in report["paths"]] == [
        ("/", "", 200),
        ("/state", "", 200),
        ("/nowhere", "x=1", 404),
    ]
    assert all(len(path["samples_us"]) == 2 for path in report["paths"])
    assert (report["app"], report["number"], report["repeats"], report["warmup"]) == ("tests.bench.apps:app", 5, 2, 1)


def test_cprofile_per_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["--app", "tests.bench.apps:app", "--path", "/", "--path", "/state", *QUICK, "--profile", "cprofile"], capsys
    )
    assert code == 0
    first = out.index("=== cprofile: GET / (5 requests) ===")
    second = out.index("=== cprofile: GET /state (5 requests) ===")
    assert first < out.index("(hello)") < second < out.index("(state)")


def test_pyinstrument_per_path(
    capsys: pytest.CaptureFixture[str], fake_pyinstrument: type[FakePyinstrumentProfiler]
) -> None:
    code, out, _ = run(["--app", "tests.bench.apps:app", "--path", "/", *QUICK, "--profile", "pyinstrument"], capsys)
    assert code == 0
    assert out.endswith("=== pyinstrument: GET / (5 requests) ===\nfake report\n")


@posix_only
def test_instructions_per_request(capsys: pytest.CaptureFixture[str], fake_valgrind: Path, tmp_path: Path) -> None:
    app_dir = tmp_path / "project"
    app_dir.mkdir()
    (app_dir / "bench_cli_app.py").write_text("from tests.bench.raw_apps import http_only_app as app\n")
    argv = ["--app", "bench_cli_app:app", "--app-dir", str(app_dir), "--path", "/", *QUICK, "--ir"]
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "counting instructions per request with valgrind (callgrind)...\n" in out
    assert table_rows(out)["GET /"][0] == "204"
    assert table_rows(out)["GET /"][-1] == "37"
    runs = [json.loads(line) for line in fake_valgrind.read_text().splitlines()]
    assert all(run["PYTHONPATH"].split(os.pathsep)[1] == str(app_dir) for run in runs)


@posix_only
def test_a_failing_callgrind_run(
    capsys: pytest.CaptureFixture[str], fake_valgrind: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_VALGRIND_NO_TOTALS", "1")
    code, out, err = run(["--app", "tests.bench.raw_apps:http_only_app", "--path", "/", *QUICK, "--ir"], capsys)
    assert code == 1
    assert "requests/s" not in out  # no table
    assert err.startswith("error: callgrind wrote no ")


def test_request_specs() -> None:
    args = build_parser().parse_args(
        ["--app", "m:a", "--path", "/a%20b?x=%20&y=é ü", "--path", "/", "--method", "post"]
        + ["--header", "X-Token:  abc ", "--header", "accept: */*", "--body", "é"]
    )
    headers = ((b"x-token", b"abc"), (b"accept", b"*/*"))
    assert request_specs(args) == [
        RequestSpec("POST", "/a b", b"x=%20&y=%C3%A9%20%C3%BC", headers, "é".encode()),
        RequestSpec("POST", "/", b"", headers, "é".encode()),
    ]


def test_body_file(tmp_path: Path) -> None:
    (tmp_path / "body.bin").write_bytes(b"\x00\xff")
    args = build_parser().parse_args(["--app", "m:a", "--path", "/", "--body-file", str(tmp_path / "body.bin")])
    assert request_specs(args) == [RequestSpec(body=b"\x00\xff")]


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    assert out.startswith("usage: python -m starlette_c.bench [-h] --app MODULE:ATTR")
    for option in ["--path PATH", "--method", "--header", "--body-file", "--number", "--repeats", "--ir", "--json"]:
        assert option in out
    assert "{cprofile,pyinstrument}" in out
    assert "examples:\n  python -m starlette_c.bench --app main:app" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: --app, --path"),
        (["--path", "/", "--body", "a", "--body-file", "f"], "argument --body-file: not allowed with argument --body"),
        (["--path", "/", "--profile", "yappi"], "argument --profile: invalid choice: 'yappi'"),
        (["--path", "/", "--number", "x"], "argument --number: invalid int value: 'x'"),
        (["--path", "nowhere"], "error: --path 'nowhere' must start with '/'"),
        (["--path", "/", "--header", "no colon"], "error: --header 'no colon' must look like 'name: value'"),
        (["--path", "/", "--header", ": v"], "error: --header ': v' must look like 'name: value'"),
        (["--path", "/", "--header", "x: €"], "error: --header 'x: €' has characters a header cannot carry"),
        (["--path", "/", "--body-file", "/no/such/file"], "error: --body-file: [Errno 2] No such file or directory"),
        (["--path", "/", "--number", "0"], "error: --number and --repeats must be at least 1, --warmup at least 0"),
        (["--path", "/", "--warmup", "-1"], "error: --number and --repeats must be at least 1, --warmup at least 0"),
    ],
)
def test_bad_arguments(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    app = [] if not argv else ["--app", "tests.bench.apps:app"]
    code, out, err = run([*app, *argv], capsys)
    assert (code, out) == (2, "")
    assert err.startswith("usage: python -m starlette_c.bench")
    assert message in err


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("tests.bench.apps", "app reference 'tests.bench.apps' must look like 'module:attribute'"),
        ("no_such_bench_module:app", "could not import module 'no_such_bench_module'"),
        ("tests.bench.apps:nothing", "module 'tests.bench.apps' has no attribute 'nothing'"),
    ],
)
def test_unimportable_app(ref: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--app", ref, "--path", "/"], capsys)
    assert (code, out) == (2, "")
    assert f"error: {message}" in err


def test_missing_pyinstrument(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyinstrument", None)
    code, _, err = run(["--app", "tests.bench.apps:app", "--path", "/", "--profile", "pyinstrument"], capsys)
    assert code == 2
    assert "error: --profile pyinstrument needs pyinstrument: pip install pyinstrument" in err


def test_missing_valgrind(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    code, _, err = run(["--app", "tests.bench.apps:app", "--path", "/", "--ir"], capsys)
    assert code == 2
    assert "error: --ir needs valgrind on PATH" in err


def test_failing_lifespan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--app", "tests.bench.apps:failing_startup_app", "--path", "/"], capsys)
    assert code == 1
    assert "GET /" not in out
    assert err.startswith("error: lifespan startup failed: Traceback")


def test_runs_as_a_module() -> None:
    env: dict[str, Any] = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "starlette_c.bench", "--app", "tests.bench.apps:app", "--path", "/", *QUICK],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "GET / -> 200 (5 bytes)" in result.stdout


def test_every_option_in_the_docs_exists(capsys: pytest.CaptureFixture[str]) -> None:
    documented = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", (REPO / "docs" / "bench.md").read_text()))
    main(["--help"])
    assert documented - {"--tool"} <= set(re.findall(r"--[a-z][a-z-]+", capsys.readouterr().out))
    assert {"--app", "--path", "--ir", "--profile", "--json", "--body-file"} <= documented


def test_the_docs_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--app", "example:app", "--app-dir", str(REPO / "docs"), "--path", "/", *QUICK], capsys)
    assert code == 0
    assert "GET / -> 200 (17 bytes)" in out
