from __future__ import annotations

import importlib.machinery
import os
import stat
import sys
import types
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(
    sys.platform == "win32", reason="valgrind, getrusage and shebang scripts are POSIX only"
)


@pytest.fixture
def fake_valgrind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tests/bench/fake_valgrind.py as ``valgrind`` first on PATH, run from the repository root;
    returns the JSON-lines file it logs its runs to. ``PYTHONPATH`` starts as ``/inherited``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "valgrind"
    script.write_text(f"#!{sys.executable}\n" + (Path(__file__).parent / "fake_valgrind.py").read_text())
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "valgrind.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_VALGRIND_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", "/inherited")
    monkeypatch.chdir(REPO)
    return log


class FakePyinstrumentProfiler:
    """Records how the bench drives pyinstrument's ``Profiler``."""

    instances: list[FakePyinstrumentProfiler] = []

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.calls: list[str] = []
        self.instances.append(self)

    def start(self) -> None:
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")

    def output_text(self, **options: Any) -> str:
        self.calls.append(f"output_text {sorted(options.items())}")
        return "fake report"


@pytest.fixture
def fake_pyinstrument(monkeypatch: pytest.MonkeyPatch) -> type[FakePyinstrumentProfiler]:
    module = types.ModuleType("pyinstrument")
    module.__spec__ = importlib.machinery.ModuleSpec("pyinstrument", None)
    module.Profiler = FakePyinstrumentProfiler  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pyinstrument", module)
    monkeypatch.setattr(FakePyinstrumentProfiler, "instances", [])
    return FakePyinstrumentProfiler
