"""The results as Markdown: one table per figure, rows scenarios, columns targets, with ratios.

Each cell is ``value (r_ref · r_floor)``: the target's figure divided by the reference Starlette's and
by the raw ASGI floor's. For a cost (time, instructions, memory) below 1 is better; for requests/s
above 1 is better.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    title: str
    key: str  # the entry of a scenario's results that holds it
    unit: str
    render: Callable[[Any], str]
    value: Callable[[Any], float]


def render_time(entry: dict[str, float]) -> str:
    spread = entry["stdev"] / entry["median"] * 100 if entry["median"] else 0.0
    return f"{entry['median'] * 1e6:.2f} ±{spread:.0f}%"


FIGURES = (
    Figure(
        "In-process time per request (median ± relative stdev over repeats)",
        "time",
        "µs",
        render_time,
        lambda entry: float(entry["median"]),
    ),
    Figure(
        "In-process time per request, fastest repeat (least disturbed by other load on the machine)",
        "time",
        "µs",
        lambda entry: f"{entry['minimum'] * 1e6:.2f}",
        lambda entry: float(entry["minimum"]),
    ),
    Figure("Instructions per request (callgrind Ir)", "ir", "Ir", lambda ir: f"{ir / 1000:.1f}k", float),
    Figure("End-to-end requests/s (uvicorn + wrk)", "rps", "req/s", lambda rps: f"{rps:,.0f}", float),
    Figure("End-to-end requests/s (granian + wrk)", "rps_granian", "req/s", lambda rps: f"{rps:,.0f}", float),
    Figure("Peak RSS of the server", "rss_kib", "MiB", lambda kib: f"{kib / 1024:.1f}", float),
    Figure(
        "Time to build the app (its routes and middleware)", "build_seconds", "ms", lambda s: f"{s * 1e3:.1f}", float
    ),
)


def ratio(value: float, base: float | None) -> str:
    return f"{value / base:.2f}" if base else "–"


# Figures a server measures: a scenario with no end-to-end figure (websockets) shows n/a in their tables.
E2E_KEYS = ("rps", "rps_granian", "rss_kib")
# NOTE: where the reference cannot run a scenario (FastAPI 0.165 needs Starlette >= 1.6), the first
# ratio is against this one instead.
FALLBACK_REFERENCE = "starlette 1.10.0"


def not_applicable(figure: Figure, entry: dict[str, Any]) -> bool:
    return "na" in entry or ("na_e2e" in entry and figure.key in E2E_KEYS) or ("na_ir" in entry and figure.key == "ir")


def base(figure: Figure, results: dict[str, Any], name: str, scenario: str) -> float | None:
    other = results.get(name, {}).get(scenario, {})
    return figure.value(other[figure.key]) if figure.key in other else None


def cell(figure: Figure, results: dict[str, Any], target: str, scenario: str, reference: str, floor: str) -> str:
    entry = results.get(target, {}).get(scenario, {})
    if figure.key not in entry:
        # n/a: the framework cannot express it (see that section); –: not measured, or failed (see problems).
        return "n/a" if not_applicable(figure, entry) else "–"
    value = figure.value(entry[figure.key])
    reference_value = base(figure, results, reference, scenario)
    if "na" in results.get(reference, {}).get(scenario, {}):
        reference_value = base(figure, results, FALLBACK_REFERENCE, scenario)
    ratios = f"{ratio(value, reference_value)} · {ratio(value, base(figure, results, floor, scenario))}"
    return f"{figure.render(entry[figure.key])} ({ratios})"


def figure_table(
    figure: Figure, results: dict[str, Any], targets: list[str], scenarios: list[str], reference: str, floor: str
) -> str | None:
    """The figure's table, or None when no target has it (skipped or not asked for)."""
    if not any(figure.key in results.get(t, {}).get(s, {}) for t in targets for s in scenarios):
        return None
    lines = [
        f"### {figure.title}, {figure.unit}",
        "",
        "| scenario | " + " | ".join(targets) + " |",
        "|---|" + "---:|" * len(targets),
    ]
    for scenario in scenarios:
        if not any(figure.key in results.get(target, {}).get(scenario, {}) for target in targets):
            continue
        cells = (cell(figure, results, target, scenario, reference, floor) for target in targets)
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def not_applicable_section(results: dict[str, Any], targets: list[str], scenarios: list[str]) -> str | None:
    """One line per reason: the targets and the scenarios it rules out."""
    by_reason: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for target in targets:
        for scenario in scenarios:
            entry = results.get(target, {}).get(scenario, {})
            for reason in (entry.get("na"), entry.get("na_e2e"), entry.get("na_ir")):
                if reason:
                    names, rows = by_reason.setdefault(reason, ({}, {}))
                    names[target] = None
                    rows[scenario] = None
    lines = [f"- {', '.join(rows)} on {', '.join(names)}: {reason}" for reason, (names, rows) in by_reason.items()]
    return "### Not applicable (n/a)\n\n" + "\n".join(lines) if lines else None


def errors_section(results: dict[str, Any], targets: list[str], scenarios: list[str]) -> str | None:
    lines = [
        f"- {target} / {scenario}: {message}"
        for target in targets
        for scenario in scenarios
        for message in results.get(target, {}).get(scenario, {}).get("errors", [])
    ]
    return "### Problems\n\n" + "\n".join(lines) if lines else None


def markdown(results: dict[str, Any], targets: list[str], scenarios: list[str], reference: str, floor: str) -> str:
    legend = (
        f"Cells: value (ratio to {reference} · ratio to {floor}); where {reference} is n/a, the first ratio is "
        f"to {FALLBACK_REFERENCE}. For time, Ir and RSS lower is better; for requests/s higher is better."
    )
    sections = [legend]
    sections += [
        table
        for figure in FIGURES
        if (table := figure_table(figure, results, targets, scenarios, reference, floor)) is not None
    ]
    for section in (not_applicable_section(results, targets, scenarios), errors_section(results, targets, scenarios)):
        if section:
            sections.append(section)
    return "\n\n".join(sections) + "\n"
