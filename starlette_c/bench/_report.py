"""What the CLI prints and writes: one table row per path, and the same numbers as JSON."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from starlette_c.bench._measure import RequestSpec, Timing


@dataclass
class PathResult:
    spec: RequestSpec
    status: int
    timing: Timing
    instructions: int | None = None
    profile: str | None = None


def request_line(spec: RequestSpec) -> str:
    """``GET /path?query`` as the user asked for it."""
    query = f"?{spec.query.decode('latin-1')}" if spec.query else ""
    return f"{spec.method} {spec.path}{query}"


def starlette_c_compiled() -> bool | None:
    """Whether the app runs starlette_c's compiled twins; None when it has not loaded starlette_c."""
    # NOTE: read from sys.modules, never imported here: the app under test may not use starlette_c at all.
    backend: Any = sys.modules.get("starlette_c._backend")
    return None if backend is None else bool(backend.all_compiled)


def runtime_description() -> str:
    """The interpreter, and which starlette_c twins are live when the app uses starlette_c."""
    description = f"Python {sys.version.split()[0]}"
    compiled = starlette_c_compiled()
    if compiled is not None:
        description += f", starlette_c with {'compiled' if compiled else 'pure'} twins"
    return description


def format_table(results: list[PathResult]) -> str:
    with_ir = any(result.instructions is not None for result in results)
    header = ["request", "status", "median µs", "min µs", "spread", "requests/s"] + (["Ir/request"] if with_ir else [])
    rows = [header]
    for result in results:
        timing = result.timing
        row = [
            request_line(result.spec),
            str(result.status),
            f"{timing.median * 1e6:.2f}",
            f"{timing.minimum * 1e6:.2f}",
            f"±{timing.stdev / timing.median:.1%}",
            f"{1 / timing.median:,.0f}",
        ]
        if with_ir:
            row.append("-" if result.instructions is None else f"{result.instructions:,}")
        rows.append(row)
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def to_json(results: list[PathResult], *, app_ref: str, number: int, repeats: int, warmup: int) -> dict[str, Any]:
    return {
        "app": app_ref,
        "python": sys.version.split()[0],
        "starlette_c_compiled": starlette_c_compiled(),
        "number": number,
        "repeats": repeats,
        "warmup": warmup,
        "paths": [
            {
                "method": result.spec.method,
                "path": result.spec.path,
                "query": result.spec.query.decode("latin-1"),
                "status": result.status,
                "median_us": result.timing.median * 1e6,
                "min_us": result.timing.minimum * 1e6,
                "max_us": result.timing.maximum * 1e6,
                "stdev_us": result.timing.stdev * 1e6,
                "requests_per_second": 1 / result.timing.median,
                "samples_us": [sample * 1e6 for sample in result.timing.samples],
                "instructions_per_request": result.instructions,
            }
            for result in results
        ],
    }
