"""Compare a test suite's outcomes per test id: the reference run against each run through the switch.

Usage: compare.py [--suite NAME] ALLOW_LIST LABEL=REFERENCE.xml LABEL=SWITCH.xml [LABEL=SWITCH.xml ...]
(NAME, "FastAPI" by default, titles the summary; scripts/starlette-suite uses it for Starlette's own suite.)

Reads pytest JUnit XML reports. A test that passes in the reference run and does anything else in a
switch run (fails, errors, skips, or is missing) is a regression, unless ALLOW_LIST names its id (an entry
ending in ``[*]`` names every parametrization of a test).
Prints a summary and exits 1 when there is a regression the allow-list does not cover.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

# NOTE: a test can have several children (a failed call and an errored teardown): the worst one wins.
SEVERITY = ("passed", "xfailed", "skipped", "failed", "error")


def _outcome_of(testcase: ElementTree.Element) -> str:
    outcome = "passed"
    for child in testcase:
        if child.tag == "skipped":
            found = "xfailed" if child.get("type") == "pytest.xfail" else "skipped"
        elif child.tag in ("failure", "error"):
            found = "failed" if child.tag == "failure" else "error"
        else:
            continue
        outcome = max(outcome, found, key=SEVERITY.index)
    return outcome


def read_outcomes(report: Path) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    for testcase in ElementTree.parse(report).iter("testcase"):
        test_id = f"{testcase.get('classname', '')}::{testcase.get('name', '')}"
        outcome = _outcome_of(testcase)
        outcomes[test_id] = max(outcomes.get(test_id, "passed"), outcome, key=SEVERITY.index)
    return outcomes


def read_allow_list(path: Path) -> set[str]:
    entries = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {entry for entry in entries if entry}


def _allowed_by(allow_list: set[str], test_id: str) -> str | None:
    if test_id in allow_list:
        return test_id
    every = test_id.split("[", 1)[0] + "[*]"
    return every if every in allow_list else None


def _counts(outcomes: dict[str, str]) -> str:
    counted = Counter(outcomes.values())
    return ", ".join(f"{counted[outcome]} {outcome}" for outcome in SEVERITY)


def main(argv: list[str]) -> int:
    suite = "FastAPI"
    if argv[0] == "--suite":
        suite, argv = argv[1], argv[2:]
    allow_list = read_allow_list(Path(argv[0]))
    runs = [(label, read_outcomes(Path(report))) for label, report in (arg.split("=", 1) for arg in argv[1:])]
    (reference_label, reference), switch_runs = runs[0], runs[1:]
    width = max(len(label) for label, _ in runs)
    for label, outcomes in runs:
        print(f"  {label:<{width}} : {_counts(outcomes)}")

    passing = {test_id for test_id, outcome in reference.items() if outcome == "passed"}
    regressions = allowed = 0
    still_allowed: set[str] = set()
    for label, outcomes in switch_runs:
        for test_id in sorted(passing):
            outcome = outcomes.get(test_id, "missing")
            if outcome == "passed":
                continue
            entry = _allowed_by(allow_list, test_id)
            if entry is not None:
                allowed += 1
                still_allowed.add(entry)
                print(f"  allowed    [{label}] {test_id}: {outcome}")
            else:
                regressions += 1
                print(f"  REGRESSION [{label}] {test_id}: {outcome} (passes on {reference_label})")
    for test_id in sorted(allow_list - still_allowed):
        print(f"  stale allow-list entry (passes through the switch now): {test_id}")
    print(f"{suite} suite: {regressions} regressions, {allowed} allowed differences")
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
