from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

import starlette_c
from starlette_c import _backend


def test_every_twin_is_recorded() -> None:
    assert set(_backend.compiled) == set(_backend.TWINS)
    assert starlette_c.__compiled__ is all(_backend.compiled.values())


def test_compiled_twin_is_preferred(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("starlette_c._speedups.fake")
    monkeypatch.setitem(sys.modules, "starlette_c._speedups.fake", fake)
    monkeypatch.setattr(_backend, "FORCE_PURE", False)
    monkeypatch.setattr(_backend, "compiled", {})
    assert _backend._load("fake") is fake
    assert _backend.compiled == {"fake": True}


def test_pure_twin_when_compiled_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "starlette_c._speedups.routing", None)  # import raises ImportError
    monkeypatch.setattr(_backend, "FORCE_PURE", False)
    monkeypatch.setattr(_backend, "compiled", {})
    module = _backend._load("routing")
    assert module.__name__ == "starlette_c._pure.routing"
    assert _backend.compiled == {"routing": False}


def test_force_pure_skips_the_compiled_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("starlette_c._speedups.routing")
    monkeypatch.setitem(sys.modules, "starlette_c._speedups.routing", fake)
    monkeypatch.setattr(_backend, "FORCE_PURE", True)
    monkeypatch.setattr(_backend, "compiled", {})
    assert _backend._load("routing").__name__ == "starlette_c._pure.routing"
    assert _backend.compiled == {"routing": False}


@pytest.mark.parametrize("value, forced", [("1", True), ("0", False), ("", False)])
def test_environment_switch_is_read_at_import(value: str, forced: bool) -> None:
    code = "import starlette_c, starlette_c._backend as b; print(b.FORCE_PURE, starlette_c.__compiled__)"
    env = {**os.environ, "STARLETTE_C_PURE": value}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    is_forced, is_compiled = out.split()
    assert is_forced == str(forced)
    if forced:
        assert is_compiled == "False"


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        starlette_c.nope  # noqa: B018
