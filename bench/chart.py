"""The comparison as an SVG bar chart, written from the results JSON of run.py (no plotting library).

    python bench/chart.py bench/results/results.json --figure ir --out docs/bench-ir.svg
    python bench/chart.py one/results.json other/results.json --merged both.json --out both.svg

One group of bars per scenario, one bar per target; each bar is the target's figure relative to the
fastest target of its row (1.00x = the fastest), so that rows of very different magnitudes read alike.
Bars longer than ``CAP`` times the fastest are cut at the edge and marked; every bar is labelled with its
value and ratio. A framework that cannot express the scenario shows "n/a".
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import FIGURES, Figure
from targets import TARGETS

# The median time (the first "time" figure) and the instruction count.
CHARTED = {key: next(figure for figure in FIGURES if figure.key == key) for key in ("ir", "time")}
TITLES = {"ir": "Instructions per request (callgrind Ir)", "time": "In-process time per request (median)"}
COLOURS = ("#c0392b", "#e6967a", "#2c7fb8", "#7fcdbb", "#6a51a3", "#ec9d1c", "#7f7f7f", "#31a354", "#a1d99b")
CAP = 5.0
WIDTH = 960
LABEL_WIDTH = 230  # the scenario names, left
VALUE_WIDTH = 200  # the value labels, right of the longest bar
BAR = 11
BAR_GAP = 2
GROUP_GAP = 12
TOP = 78
FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


def figure_value(figure: Figure, entry: dict[str, Any]) -> float | None:
    return figure.value(entry[figure.key]) if figure.key in entry else None


def label_value(key: str, value: float) -> str:
    """The bar's value, short: 36.4k Ir, 1.83M Ir, 2.64 µs."""
    if key == "time":
        return f"{value * 1e6:,.2f} µs"
    return f"{value / 1e6:,.2f}M Ir" if value >= 1e6 else f"{value / 1000:,.1f}k Ir"


def ordered(names: list[str]) -> list[str]:
    """The targets in run.py's order (so each keeps its colour from chart to chart), others after them."""
    known = [target.name for target in TARGETS]
    return sorted(names, key=lambda name: known.index(name) if name in known else len(known) + names.index(name))


def colour(name: str, names: list[str]) -> str:
    known = [target.name for target in TARGETS]
    position = known.index(name) if name in known else len(known) + names.index(name)
    return COLOURS[position % len(COLOURS)]


def rows(results: dict[str, Any], targets: list[str], scenarios: list[str], figure: Figure) -> list[str]:
    """The scenarios at least two targets have the figure for (a single bar compares nothing)."""
    return [
        scenario
        for scenario in scenarios
        if sum(figure.key in results.get(target, {}).get(scenario, {}) for target in targets) >= 2
    ]


def render(payload: dict[str, Any], key: str = "ir") -> str:
    """The SVG of figure ``key`` ("ir" or "time") for every scenario in ``payload`` (run.py's results.json)."""
    figure = CHARTED[key]
    results: dict[str, Any] = payload["results"]
    targets = ordered(list(results))
    scenarios = list(dict.fromkeys(name for target in targets for name in results[target]))
    charted = rows(results, targets, scenarios, figure)
    group_height = len(targets) * (BAR + BAR_GAP) + GROUP_GAP
    height = TOP + max(1, len(charted)) * group_height + 30
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    taken = payload.get("machine", {}).get("date", "")
    title = f"{TITLES[key]}, relative to the fastest in each row (lower is better)"
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}' "
        f"viewBox='0 0 {WIDTH} {height}' {FONT} font-size='11'>",
        f"<rect width='{WIDTH}' height='{height}' fill='white'/>",
        f"<text x='10' y='20' font-size='14' font-weight='bold'>{escape(title)}</text>",
        f"<text x='10' y='36' fill='#555'>{escape(f'bench/run.py, {taken}. Bars past {CAP:g}x are cut (»).')}</text>",
    ]
    for index, target in enumerate(targets):
        x = 10 + (index % 5) * 185
        y = 52 + (index // 5) * 14
        parts.append(f"<rect x='{x}' y='{y - 9}' width='10' height='10' fill='{colour(target, targets)}'/>")
        parts.append(f"<text x='{x + 14}' y='{y}'>{escape(target)}</text>")
    if not charted:
        parts.append(f"<text x='10' y='{TOP + 12}'>No scenario has this figure for two targets.</text>")
    for row, scenario in enumerate(charted):
        top = TOP + row * group_height
        parts.append(
            f"<text x='{LABEL_WIDTH - 8}' y='{top + group_height / 2}' text-anchor='end' "
            f"font-weight='bold'>{escape(scenario)}</text>"
        )
        values = {target: figure_value(figure, results[target].get(scenario, {})) for target in targets}
        fastest = min(value for value in values.values() if value is not None)
        for index, target in enumerate(targets):
            y = top + index * (BAR + BAR_GAP)
            entry = results[target].get(scenario, {})
            value = values[target]
            if value is None:
                mark = "n/a" if "na" in entry else "–"
                parts.append(f"<text x='{LABEL_WIDTH + 2}' y='{y + BAR - 2}' fill='#888'>{mark}</text>")
                continue
            relative = value / fastest if fastest else 1.0
            length = span * min(relative, CAP) / CAP
            parts.append(
                f"<rect x='{LABEL_WIDTH}' y='{y}' width='{length:.1f}' height='{BAR}' fill='{colour(target, targets)}'>"
                f"<title>{escape(f'{target}: {label_value(key, value)}')}</title></rect>"
            )
            cut = " »" if relative > CAP else ""
            label = f"{label_value(key, value)} ({relative:.2f}x){cut}"
            parts.append(f"<text x='{LABEL_WIDTH + length + 4:.1f}' y='{y + BAR - 2}'>{escape(label)}</text>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_charts(payload: dict[str, Any], out: Path) -> list[Path]:
    """chart-ir.svg and chart-time.svg in ``out``, for each figure the results have; the paths written."""
    written = []
    for key, figure in CHARTED.items():
        if any(figure.key in entry for scenarios in payload["results"].values() for entry in scenarios.values()):
            path = out / f"chart-{key}.svg"
            path.write_text(render(payload, key))
            written.append(path)
    return written


def merge(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """One payload from several runs (say one per target): their results side by side, the first's machine;
    a later run's figures replace an earlier one's for the same target and scenario."""
    results: dict[str, dict[str, Any]] = {}
    for payload in payloads:
        for target, scenarios in payload["results"].items():
            results.setdefault(target, {}).update(scenarios)
    return {"machine": payloads[0].get("machine", {}), "results": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, nargs="+", help="results.json files written by bench/run.py")
    parser.add_argument("--figure", choices=list(CHARTED), default="ir")
    parser.add_argument("--out", type=Path, required=True, help="the SVG file to write")
    parser.add_argument("--merged", type=Path, metavar="JSON", help="also write the merged results here")
    args = parser.parse_args(argv)
    payload = merge([json.loads(path.read_text()) for path in args.results])
    args.out.write_text(render(payload, args.figure))
    if args.merged:
        args.merged.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
