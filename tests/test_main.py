from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from starlette_c import _alias, _backend
from starlette_c.__main__ import main
from tests.servers import free_port, serving

ROOT = Path(__file__).resolve().parent.parent


def test_info_lists_every_twin(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for name in _backend.TWINS:
        mode = "compiled" if _backend.compiled[name] else "pure"
        assert f"  {name}: {mode}\n" in out
    assert "__compiled__ = " in out
    assert f"lane (STARLETTE_C_NO_LANE to turn off): {'on' if _backend.lane else 'off'}\n" in out
    assert out.startswith("starlette_c 1.10.0 on Python ")


@pytest.mark.parametrize("value, shown", [("1", "off"), ("0", "on"), ("", "on")])
def test_the_lane_switch_from_the_environment(value: str, shown: str) -> None:
    env = {**os.environ, "STARLETTE_C_NO_LANE": value}
    result = subprocess.run(
        [sys.executable, "-m", "starlette_c", "info"], env=env, capture_output=True, text=True, check=True
    )
    assert f"lane (STARLETTE_C_NO_LANE to turn off): {shown}\n" in result.stdout


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage:\n  python -m starlette_c info\n  python -m starlette_c run MODULE:APP" in capsys.readouterr().err


def test_forced_pure_from_the_command_line() -> None:
    env = {**os.environ, "STARLETTE_C_PURE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "starlette_c", "info"], env=env, capture_output=True, text=True, check=True
    )
    assert "forced pure (STARLETTE_C_PURE): yes" in result.stdout
    assert "__compiled__ = False" in result.stdout
    assert "compiled\n" not in result.stdout


@pytest.fixture
def no_alias_left(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "starlette"}
    for name in saved:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delenv(_alias.ENV_VAR, raising=False)
    yield
    _alias.disable()


@pytest.mark.usefixtures("no_alias_left")
def test_run_hands_the_arguments_to_uvicorn_with_the_alias_on(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_main(*, args: list[str], prog_name: str) -> None:
        import starlette

        calls.append((args, prog_name, starlette.__name__, os.environ[_alias.ENV_VAR]))
        raise SystemExit(0)

    fake_uvicorn = ModuleType("uvicorn")
    fake_uvicorn.main = SimpleNamespace(main=fake_main)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "uvicorn", fake_uvicorn)
    with pytest.raises(SystemExit):
        main(["run", "app:app", "--port", "9"])
    assert calls == [(["app:app", "--port", "9"], "python -m starlette_c run", "starlette_c", "1")]


@pytest.mark.usefixtures("no_alias_left")
def test_run_without_uvicorn(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert main(["run", "app:app"]) == 2
    assert "needs uvicorn: pip install uvicorn" in capsys.readouterr().err


FASTAPI_APP = """
import starlette
from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/")
def root(request: Request) -> dict[str, str]:
    return {"starlette": starlette.__name__, "request": type(request).__module__}
"""


def test_run_serves_a_fastapi_app_on_starlette_c(tmp_path: Path) -> None:
    (tmp_path / "fastapi_app.py").write_text(FASTAPI_APP)
    port = free_port()
    argv = [sys.executable, "-m", "starlette_c", "run", "fastapi_app:app", "--port", str(port)]
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)])}
    with serving(argv, port=port, cwd=tmp_path, env=env) as url, urllib.request.urlopen(url, timeout=5) as response:
        assert json.loads(response.read()) == {"starlette": "starlette_c", "request": "starlette_c.requests"}
