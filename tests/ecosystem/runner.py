"""Run the ecosystem scenarios in this process and print their JSON transcripts.

``python -m tests.ecosystem.runner starlette_c`` runs them through ``import starlette_c.as_starlette``;
``python -m tests.ecosystem.runner starlette`` on the real starlette. The switch is process-wide, hence
one process per target.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

from tests.ecosystem.transcript import Backend, Transcript

TARGETS = ("starlette", "starlette_c")
BACKENDS: tuple[Backend, ...] = ("asyncio", "trio")
SCENARIOS = ("fastapi_shop", "fastapi_ws", "sse", "context")


def run(target: str) -> dict[str, Any]:
    # NOTE: the switch goes first: nothing imported so far has imported starlette.
    if target == "starlette_c":
        import starlette_c.as_starlette

    import starlette

    import starlette_c

    transcripts: dict[str, Any] = {}
    for name in SCENARIOS:
        scenario = importlib.import_module(f"tests.ecosystem.scenarios.{name}")
        for backend in BACKENDS:
            transcript = Transcript()
            scenario.run(backend, transcript)
            transcripts[f"{name}[{backend}]"] = transcript.entries
    return {"framework": starlette.__name__, "compiled": starlette_c.__compiled__, "transcripts": transcripts}


def main(argv: list[str]) -> None:
    (target,) = argv
    if target not in TARGETS:
        raise SystemExit(f"target must be one of {TARGETS}, not {target!r}")
    json.dump(run(target), sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
