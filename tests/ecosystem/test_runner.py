from __future__ import annotations

from typing import Any

import pytest

import starlette_c
from tests.ecosystem.runner import main


def test_each_run_used_its_target(runs: dict[str, dict[str, Any]]) -> None:
    assert runs["starlette"]["framework"] == "starlette"
    assert runs["starlette_c"]["framework"] == "starlette_c"
    assert runs["starlette_c"]["compiled"] is starlette_c.__compiled__
    assert runs["starlette"]["transcripts"].keys() == runs["starlette_c"]["transcripts"].keys()
    assert len(runs["starlette"]["transcripts"]) == 8


def test_an_unknown_target_is_refused() -> None:
    with pytest.raises(SystemExit, match="target must be one of"):
        main(["flask"])
