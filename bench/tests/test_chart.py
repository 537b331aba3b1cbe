from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import chart
import pytest

SVG = "{http://www.w3.org/2000/svg}"
TIME = {"median": 2e-6, "minimum": 1.9e-6, "maximum": 2.5e-6, "stdev": 2e-7}
PAYLOAD: dict[str, Any] = {
    "machine": {"date": "2026-12-03 14:00 UTC"},
    "results": {
        "fast": {"a": {"ir": 10_000.0, "time": TIME}, "b": {"ir": 1_000.0}, "only": {"ir": 5.0}},
        "slow": {"a": {"ir": 20_000.0, "time": {**TIME, "median": 4e-6}}, "b": {"ir": 100_000.0}, "only": {}},
        "none": {"a": {"na": "cannot"}, "b": {"errors": ["boom"]}, "only": {}},
    },
}


def bars(svg: str) -> list[ElementTree.Element]:
    return list(ElementTree.fromstring(svg).iter(f"{SVG}rect"))[1:]  # the first is the background


def texts(svg: str) -> list[str]:
    return [element.text or "" for element in ElementTree.fromstring(svg).iter(f"{SVG}text")]


def test_the_svg_is_well_formed_with_a_title_legend_and_one_group_per_comparable_scenario() -> None:
    svg = chart.render(PAYLOAD, "ir")
    labels = texts(svg)
    assert labels[0] == "Instructions per request (callgrind Ir), relative to the fastest in each row (lower is better)"
    assert "2026-12-03 14:00 UTC" in labels[1]
    assert {"fast", "slow", "none"} <= set(labels)
    assert "a" in labels and "b" in labels
    assert "only" not in labels  # one target has it: nothing to compare


def test_bars_are_relative_to_the_fastest_of_their_row_and_cut_at_the_cap() -> None:
    svg = chart.render(PAYLOAD, "ir")
    span = chart.WIDTH - chart.LABEL_WIDTH - chart.VALUE_WIDTH
    widths = [float(rect.get("width", "0")) for rect in bars(svg) if rect.get("x") == str(chart.LABEL_WIDTH)]
    # Row a: 1x and 2x; row b: 1x and 100x (cut at the cap).
    assert widths == pytest.approx([span / chart.CAP, 2 * span / chart.CAP, span / chart.CAP, span])
    labels = texts(svg)
    assert "10.0k Ir (1.00x)" in labels and "20.0k Ir (2.00x)" in labels
    assert "100.0k Ir (100.00x) »" in labels


def test_a_framework_that_cannot_express_a_scenario_shows_n_a_and_a_failed_one_a_dash() -> None:
    labels = texts(chart.render(PAYLOAD, "ir"))
    assert labels.count("n/a") == 1
    assert labels.count("–") == 1


def test_the_time_chart_uses_the_median() -> None:
    labels = texts(chart.render(PAYLOAD, "time"))
    assert "2.00 µs (1.00x)" in labels and "4.00 µs (2.00x)" in labels
    assert "b" not in labels


def test_names_are_escaped() -> None:
    payload = {"results": {"<a&b>": {"s": {"ir": 1.0}}, "c": {"s": {"ir": 2.0}}}}
    svg = chart.render(payload, "ir")
    assert "&lt;a&amp;b&gt;" in svg
    ElementTree.fromstring(svg)


def test_write_charts_writes_one_svg_per_figure_present(tmp_path: Path) -> None:
    written = chart.write_charts(PAYLOAD, tmp_path)
    assert [path.name for path in written] == ["chart-ir.svg", "chart-time.svg"]
    only_ir = {"results": {"x": {"s": {"ir": 1.0}}, "y": {"s": {"ir": 3.0}}}}
    (tmp_path / "only").mkdir()
    assert [path.name for path in chart.write_charts(only_ir, tmp_path / "only")] == ["chart-ir.svg"]


def test_main_writes_the_chart_from_a_results_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(PAYLOAD))
    out = tmp_path / "chart.svg"
    assert chart.main([str(results), "--figure", "ir", "--out", str(out)]) == 0
    assert out.read_text() == chart.render(PAYLOAD, "ir")
    assert re.search(r"written: .*chart\.svg", capsys.readouterr().out)


def test_no_comparable_scenario_still_renders_a_note() -> None:
    svg = chart.render({"results": {"x": {"s": {"ir": 1.0}}}}, "ir")
    assert "No scenario has this figure for two targets." in texts(svg)


def test_merge_puts_runs_side_by_side_and_a_later_figure_wins() -> None:
    first = {"machine": {"date": "d1"}, "results": {"x": {"s": {"ir": 1.0}, "t": {"ir": 5.0}}}}
    second = {"machine": {"date": "d2"}, "results": {"x": {"s": {"ir": 2.0}}, "y": {"s": {"ir": 3.0}}}}
    merged = chart.merge([first, second])
    assert merged == {
        "machine": {"date": "d1"},
        "results": {"x": {"s": {"ir": 2.0}, "t": {"ir": 5.0}}, "y": {"s": {"ir": 3.0}}},
    }


def test_main_merges_several_results_files(tmp_path: Path) -> None:
    paths = []
    for name, value in (("a", 1000.0), ("b", 2000.0)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"results": {name: {"s": {"ir": value}}}}))
        paths.append(str(path))
    out, merged = tmp_path / "c.svg", tmp_path / "c.json"
    assert chart.main([*paths, "--out", str(out), "--merged", str(merged)]) == 0
    assert json.loads(merged.read_text()) == {
        "machine": {},
        "results": {"a": {"s": {"ir": 1000.0}}, "b": {"s": {"ir": 2000.0}}},
    }
    assert "1.0k Ir (1.00x)" in out.read_text() and "2.0k Ir (2.00x)" in out.read_text()


def test_targets_keep_run_order_and_colour_whatever_the_results_hold() -> None:
    assert chart.ordered(["raw ASGI", "mine", "starlette_c"]) == ["starlette_c", "raw ASGI", "mine"]
    alone = chart.colour("raw ASGI", ["raw ASGI"])
    assert alone == chart.colour("raw ASGI", ["starlette_c", "falcon 4.4.0", "raw ASGI"])
    assert alone != chart.colour("starlette_c", ["starlette_c", "raw ASGI"])


def test_millions_of_instructions_read_as_m() -> None:
    assert chart.label_value("ir", 1_829_300.0) == "1.83M Ir"
    assert chart.label_value("ir", 36_400.0) == "36.4k Ir"
    assert chart.label_value("time", 2.64e-6) == "2.64 µs"
