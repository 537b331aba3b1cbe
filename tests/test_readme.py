from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.servers import free_port, serving

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
    for script in ("scripts/demo", "scripts/test", "scripts/fastapi-suite", "scripts/starlette-suite", ".ci/run"):
        subprocess.run(["bash", "-n", str(ROOT / script)], check=True)


def test_demo_app_serves_under_uvicorn() -> None:
    """The README's app, served by a real uvicorn process on a free loopback port, then stopped."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "example:app", "--host", "127.0.0.1", "--port", str(port)]
    pythonpath = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    with (
        serving(argv, port=port, cwd=ROOT / "docs", env={"PYTHONPATH": pythonpath}) as url,
        urllib.request.urlopen(url, timeout=5) as response,
    ):
        assert response.status == 200
        assert response.headers["content-type"] == "application/json"
        assert json.loads(response.read()) == {"hello": "world"}
