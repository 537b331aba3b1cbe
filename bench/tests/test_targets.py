from __future__ import annotations

import os

import pytest
import targets


def test_select_targets_defaults_to_all_and_rejects_unknown_names() -> None:
    assert targets.select_targets(None) == list(targets.TARGETS)
    assert [t.name for t in targets.select_targets(["raw ASGI"])] == ["raw ASGI"]
    with pytest.raises(SystemExit, match="nope"):
        targets.select_targets(["nope"])


def test_reference_and_floor_are_targets() -> None:
    names = {target.name for target in targets.TARGETS}
    assert {targets.REFERENCE, targets.FLOOR} <= names


def test_environ_forces_pure_only_for_the_pure_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STARLETTE_C_PURE", "1")
    compiled, pure = targets.select_targets(["starlette_c", "starlette_c pure"])
    assert "STARLETTE_C_PURE" not in targets.target_environ(compiled)
    assert targets.target_environ(pure)["STARLETTE_C_PURE"] == "1"
    assert targets.target_environ(pure)["PYTHONPATH"].split(os.pathsep) == [
        str(targets.REPO_ROOT),
        str(targets.BENCH_DIR),
    ]
