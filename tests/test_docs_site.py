"""The documentation site (mkdocs.yml, docs/): its Python examples run, and it builds with --strict."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PYTHON_FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
DEFINES_APP = re.compile(r"^app\s*=", re.MULTILINE)
# What `mkdocs build` needs, by importable module and the distribution that provides it.
SITE_TOOLS = {"mkdocs": "mkdocs", "material": "mkdocs-material", "pymdownx": "pymdown-extensions"}

# Run in a fresh interpreter: an example may turn the import switch on, which must not leak into the suite.
SERVE_ROOT = """
import runpy, sys
from starlette_c.testclient import TestClient

app = runpy.run_path(sys.argv[1], run_name="docs_example")["app"]
with TestClient(app) as client:
    response = client.get("/")
print(response.status_code)
"""


def _examples() -> list[tuple[str, str]]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for number, code in enumerate(PYTHON_FENCE.findall(page.read_text(encoding="utf-8")), start=1):
            found.append((f"{page.stem}-{number}", code))
    return found


EXAMPLES = _examples()


def _nav_pages(entries: list[object]) -> set[str]:
    pages: set[str] = set()
    for entry in entries:
        target = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages |= _nav_pages(target) if isinstance(target, list) else {str(target)}
    return pages


def test_every_page_is_in_the_navigation() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert _nav_pages(config["nav"]) == {page.name for page in DOCS.glob("*.md")}


def test_the_pages_have_python_examples() -> None:
    assert {name.rsplit("-", 1)[0] for name, _ in EXAMPLES} >= {"index", "quickstart", "fastapi", "compiled-vs-pure"}


@pytest.mark.parametrize("code", [pytest.param(code, id=name) for name, code in EXAMPLES])
def test_every_python_example_compiles(code: str) -> None:
    compile(code, "<docs example>", "exec")


@pytest.mark.parametrize("code", [pytest.param(code, id=name) for name, code in EXAMPLES if DEFINES_APP.search(code)])
def test_every_app_example_serves_its_root(code: str, tmp_path: Path) -> None:
    script = tmp_path / "docs_example.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-c", SERVE_ROOT, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "200"


def test_the_quickstart_shows_docs_example_py() -> None:
    quickstart = (DOCS / "quickstart.md").read_text(encoding="utf-8")
    assert (DOCS / "example.py").read_text(encoding="utf-8") in PYTHON_FENCE.findall(quickstart)


def test_the_site_builds_with_strict(tmp_path: Path) -> None:
    for module, distribution in SITE_TOOLS.items():
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{distribution} is not installed (pip install -r docs/requirements.txt)")
    changelog = ROOT / "CHANGELOG.md"
    if not changelog.is_file():
        pytest.skip("CHANGELOG.md, which docs/changelog.md includes, is not in this tree")
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    for page in DOCS.glob("*.md"):
        assert (site / ("" if page.stem == "index" else page.stem) / "index.html").is_file()
    # The included files are in the pages, not just the include lines.
    assert "Latest full run" in (site / "benchmarks" / "index.html").read_text(encoding="utf-8")
    changelog_heading = changelog.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    assert changelog_heading in (site / "changelog" / "index.html").read_text(encoding="utf-8")
    assert "--8&lt;--" not in (site / "changelog" / "index.html").read_text(encoding="utf-8")
