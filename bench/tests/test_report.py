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


NA_RESULTS: dict[str, Any] = {
    "c": {"fast": {"time": TIME, "ir": 1000.0, "rps": 10.0, "errors": []}, "ws": {"ir": 5000.0, "na_e2e": "no load"}},
    "ref": {"fast": {"na": "needs newer"}, "ws": {"ir": 10000.0, "na_e2e": "no load"}},
    "starlette 1.10.0": {"fast": {"time": TIME, "ir": 4000.0, "errors": []}, "ws": {"ir": 2500.0}},
    "floor": {"fast": {"na": "not this framework"}, "ws": {"ir": 1000.0, "na_e2e": "no load"}},
}


def na_tables() -> str:
    return report.markdown(NA_RESULTS, list(NA_RESULTS), ["fast", "ws"], "ref", "floor")


def test_not_applicable_cells_say_so_and_the_reference_falls_back_to_starlette_1_10() -> None:
    lines = na_tables().splitlines()
    assert "| fast | 1.0k (0.25 · –) | n/a | 4.0k (1.00 · –) | n/a |" in lines
    assert "| ws | 5.0k (0.50 · 5.00) | 10.0k (1.00 · 10.00) | 2.5k (0.25 · 2.50) | 1.0k (0.10 · 1.00) |" in lines


def test_the_not_applicable_section_gives_each_reason_once_with_its_targets_and_scenarios() -> None:
    text = na_tables()
    section = text.split("### Not applicable (n/a)\n\n")[1].splitlines()
    assert section == [
        "- ws on c, ref, floor: no load",
        "- fast on ref: needs newer",
        "- fast on floor: not this framework",
    ]


def test_an_e2e_table_shows_n_a_where_a_scenario_has_no_load() -> None:
    figure = next(figure for figure in report.FIGURES if figure.key == "rps")
    assert report.cell(figure, NA_RESULTS, "c", "ws", "ref", "floor") == "n/a"
    assert report.cell(figure, NA_RESULTS, "starlette 1.10.0", "ws", "ref", "floor") == "–"


def test_an_uncounted_ir_shows_n_a_and_its_reason() -> None:
    results = {
        "c": {"fast": {"time": TIME, "ir": 1000.0, "errors": []}},
        "slow": {"fast": {"time": TIME, "na_ir": "too slow"}},
    }
    text = report.markdown(results, ["c", "slow"], ["fast"], "c", "c")
    assert "| fast | 1.0k (1.00 · 1.00) | n/a |" in text.splitlines()
    assert "- fast on slow: too slow" in text
