from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_example_is_the_demo_app() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert (ROOT / "docs" / "example.py").read_text() in blocks


def test_readme_starts_with_the_two_commands() -> None:
    first_block = (ROOT / "README.md").read_text().split("```")[1]
    commands = [line.split()[0] for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["scripts/demo", "scripts/test"]
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_scripts_are_valid_bash() -> None:
    for script in ("scripts/demo", "scripts/test", ".ci/run"):
        subprocess.run(["bash", "-n", str(ROOT / script)], check=True)
