from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ecosystem.runner import TARGETS

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 120


@pytest.fixture(scope="session")
def runs() -> dict[str, dict[str, Any]]:
    """The runner's output per target; both run at once, each in its own process (the switch is process-wide)."""
    # NOTE: the real-starlette run must not inherit a switch turned on in this environment.
    env = {key: value for key, value in os.environ.items() if key != "STARLETTE_C_AS_STARLETTE"}
    processes = {
        target: subprocess.Popen(
            [sys.executable, "-m", "tests.ecosystem.runner", target],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for target in TARGETS
    }
    outputs = {}
    for target, process in processes.items():
        stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
        assert process.returncode == 0, f"the {target} run failed:\n{stderr}"
        outputs[target] = json.loads(stdout)
    return outputs


@pytest.fixture(params=["asyncio", "trio"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def transcript_pair(
    request: pytest.FixtureRequest, runs: dict[str, dict[str, Any]], backend: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(real starlette, starlette_c) transcripts of the scenario named like the test module."""
    scenario = request.module.__name__.rpartition(".test_")[2]
    key = f"{scenario}[{backend}]"
    return runs["starlette"]["transcripts"][key], runs["starlette_c"]["transcripts"][key]


@pytest.fixture
def transcript(transcript_pair: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    """The starlette_c transcript, for the expected values (asserted on their own, in case both sides agree wrongly)."""
    return transcript_pair[1]
