"""scripts/fastapi_suite/compare.py: per test id, a reference pass that is not a pass through the switch fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

COMPARE = Path(__file__).resolve().parent.parent / "scripts" / "fastapi_suite" / "compare.py"


def _report(path: Path, cases: dict[str, str]) -> str:
    """A JUnit report with one testcase per `module::name`, its child element given as raw XML."""
    body = "".join(
        f'<testcase classname="{test_id.split("::")[0]}" name="{test_id.split("::")[1]}">{child}</testcase>'
        for test_id, child in cases.items()
    )
    path.write_text(f'<testsuites><testsuite name="pytest">{body}</testsuite></testsuites>')
    return str(path)


def _compare(
    tmp_path: Path, allow_list: str, switch: dict[str, str], *options: str
) -> subprocess.CompletedProcess[str]:
    reference = {
        "tests.a::test_pass": "",
        "tests.a::test_gone": "",
        "tests.a::test_skip": '<skipped type="pytest.skip" message="no"/>',
        "tests.a::test_xfail": '<skipped type="pytest.xfail" message="known"/>',
    }
    (tmp_path / "allow.txt").write_text(allow_list)
    return subprocess.run(
        [
            sys.executable,
            str(COMPARE),
            *options,
            str(tmp_path / "allow.txt"),
            f"ref={_report(tmp_path / 'ref.xml', reference)}",
            f"switch={_report(tmp_path / 'switch.xml', switch)}",
        ],
        capture_output=True,
        text=True,
    )


def test_identical_outcomes_pass(tmp_path: Path) -> None:
    switch = {"tests.a::test_pass": "", "tests.a::test_gone": "", "tests.a::test_skip": '<skipped message="no"/>'}
    result = _compare(tmp_path, "", switch)
    assert result.returncode == 0, result.stdout
    assert "ref    : 2 passed, 1 xfailed, 1 skipped, 0 failed, 0 error" in result.stdout
    assert "FastAPI suite: 0 regressions, 0 allowed differences" in result.stdout


def test_an_entry_ending_in_a_star_allows_every_parametrization(tmp_path: Path) -> None:
    reference = {"tests.a::test_p[x]": "", "tests.a::test_p[y]": "", "tests.a::test_q[x]": ""}
    (tmp_path / "allow.txt").write_text("tests.a::test_p[*]  # why\n")
    failing = {name: '<failure message="no"/>' for name in reference}
    result = subprocess.run(
        [
            sys.executable,
            str(COMPARE),
            str(tmp_path / "allow.txt"),
            f"ref={_report(tmp_path / 'ref.xml', reference)}",
            f"switch={_report(tmp_path / 'switch.xml', failing)}",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "allowed    [switch] tests.a::test_p[x]: failed" in result.stdout
    assert "allowed    [switch] tests.a::test_p[y]: failed" in result.stdout
    assert "REGRESSION [switch] tests.a::test_q[x]: failed" in result.stdout
    assert "stale" not in result.stdout


def test_the_suite_is_named_in_the_summary(tmp_path: Path) -> None:
    switch = {"tests.a::test_pass": "", "tests.a::test_gone": ""}
    result = _compare(tmp_path, "", switch, "--suite", "Starlette")
    assert result.returncode == 0, result.stdout
    assert "Starlette suite: 0 regressions, 0 allowed differences" in result.stdout


def test_failed_errored_skipped_or_missing_is_a_regression(tmp_path: Path) -> None:
    switch = {
        # NOTE: a passing call with an errored teardown is reported as one testcase: the error wins.
        "tests.a::test_pass": '<error message="teardown"/>',
        "tests.a::test_skip": '<failure message="boom"/>',
    }
    result = _compare(tmp_path, "", switch)
    assert result.returncode == 1
    assert "REGRESSION [switch] tests.a::test_pass: error (passes on ref)" in result.stdout
    assert "REGRESSION [switch] tests.a::test_gone: missing (passes on ref)" in result.stdout
    # Only tests that pass on the reference count: its skips may do anything.
    assert "test_skip" not in result.stdout.split("switch :")[1]


def test_allow_list_entries_excuse_a_regression_and_stale_ones_are_named(tmp_path: Path) -> None:
    allow_list = "# a reason\ntests.a::test_gone  # why it differs\ntests.a::test_pass\n"
    result = _compare(tmp_path, allow_list, {"tests.a::test_pass": ""})
    assert result.returncode == 0, result.stdout
    assert "allowed    [switch] tests.a::test_gone: missing" in result.stdout
    assert "stale allow-list entry (passes through the switch now): tests.a::test_pass" in result.stdout
    assert "0 regressions, 1 allowed differences" in result.stdout
