from __future__ import annotations

from typing import Any

import report

TIME = {"median": 2e-6, "minimum": 1.9e-6, "maximum": 2.5e-6, "stdev": 2e-7}
RESULTS: dict[str, Any] = {
    "mine": {"a": {"time": TIME, "rps": 3000.0, "errors": []}, "b": {"errors": ["e2e: boom"]}},
    "ref": {"a": {"time": {**TIME, "median": 4e-6}, "rps": 2000.0, "errors": []}, "b": {"errors": []}},
    "floor": {"a": {"time": {**TIME, "median": 1e-6}, "errors": []}, "b": {"errors": []}},
}


def tables() -> str:
    return report.markdown(RESULTS, ["mine", "ref", "floor"], ["a", "b"], "ref", "floor")


def test_time_cells_show_median_spread_and_both_ratios() -> None:
    lines = tables().splitlines()
    assert "| a | 2.00 ±10% (0.50 · 2.00) | 4.00 ±5% (1.00 · 4.00) | 1.00 ±20% (0.25 · 1.00) |" in lines


def test_a_missing_base_leaves_its_ratio_out() -> None:
    assert "| a | 3,000 (1.50 · –) | 2,000 (1.00 · –) | – |" in tables().splitlines()


def test_rows_and_tables_nobody_measured_are_left_out() -> None:
    text = tables()
    assert "| b |" not in text
    assert "### Instructions" not in text and "### Peak RSS" not in text


def test_problems_are_listed() -> None:
    assert tables().endswith("### Problems\n\n- mine / b: e2e: boom\n")


def test_ratio_of_zero_base_is_a_dash() -> None:
    assert report.ratio(1.0, 0.0) == "–"
    assert report.ratio(1.0, None) == "–"
