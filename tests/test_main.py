from __future__ import annotations

import os
import subprocess
import sys

import pytest

from starlette_c import _backend
from starlette_c.__main__ import main


def test_info_lists_every_twin(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for name in _backend.TWINS:
        mode = "compiled" if _backend.compiled[name] else "pure"
        assert f"  {name}: {mode}\n" in out
    assert "__compiled__ = " in out


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: python -m starlette_c info" in capsys.readouterr().err


def test_forced_pure_from_the_command_line() -> None:
    env = {**os.environ, "STARLETTE_C_PURE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "starlette_c", "info"], env=env, capture_output=True, text=True, check=True
    )
    assert "forced pure (STARLETTE_C_PURE): yes" in result.stdout
    assert "__compiled__ = False" in result.stdout
    assert "compiled\n" not in result.stdout
