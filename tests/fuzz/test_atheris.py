"""The atheris targets in-process: every saved crash input replays (a regression input), then seeded random inputs.

The long, coverage-guided run is ``scripts/fuzz``; this keeps the targets themselves from rotting between runs.
"""

from __future__ import annotations

import random

import pytest

from tests.fuzz.twins import MAX_EXAMPLES, REGRESSIONS

pytest.importorskip("atheris", reason="atheris is not installed (pip install atheris)")
atheris_targets = pytest.importorskip("tests.fuzz.atheris_targets")


def test_saved_inputs() -> None:
    for path in sorted((REGRESSIONS / "atheris").glob("*/crash-*")):
        atheris_targets.TARGETS[path.parent.name](path.read_bytes())


@pytest.mark.parametrize("module", sorted(atheris_targets.TARGETS))
def test_random_inputs(module: str) -> None:
    target = atheris_targets.TARGETS[module]
    rng = random.Random(module)
    for _ in range(MAX_EXAMPLES * 4):
        target(rng.randbytes(rng.randrange(200)))
