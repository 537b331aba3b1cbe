"""setup.py and MANIFEST.in: what a build produces, and what it does when it cannot compile the twins.

Compilers are replaced by a stand-in that records its command line and writes empty outputs (or fails), so
these tests check the build's decisions without compiling anything.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(
        not (ROOT / "starlette_c").is_dir(), reason="needs the source tree; this run tests an installed wheel"
    ),
    pytest.mark.skipif(sys.platform == "win32", reason="the compiler stand-in is a POSIX script"),
    pytest.mark.skipif(sys.implementation.name != "cpython", reason="only CPython builds the compiled twins"),
]

BUILD_VARIABLES = ("STARLETTE_C_NO_EXTENSIONS", "STARLETTE_C_ALLOW_PURE_FALLBACK", "CC", "LDSHARED", "CFLAGS")

STAND_IN_COMPILER = """\
#!{python}
import os, pathlib, sys
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(" ".join(args) + "\\n")
if os.environ.get("STAND_IN_FAILS"):
    sys.exit("stand-in compiler: failing as asked")
if "-o" in args:
    output = pathlib.Path(args[args.index("-o") + 1])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(b"")
"""


def _setup(tmp_path: Path, *args: str, fails: bool = False, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run setup.py with the stand-in compiler, building into tmp_path."""
    compiler = tmp_path / "cc"
    compiler.write_text(STAND_IN_COMPILER.format(python=sys.executable, log=str(tmp_path / "cc.log")))
    compiler.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key not in BUILD_VARIABLES}
    env.update(CC=str(compiler), LDSHARED=f"{compiler} -shared", **variables)
    if fails:
        env["STAND_IN_FAILS"] = "1"
    return subprocess.run(
        [sys.executable, "setup.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _build_ext(
    tmp_path: Path, *options: str, fails: bool = False, **variables: str
) -> subprocess.CompletedProcess[str]:
    return _setup(
        tmp_path,
        "build_ext",
        "--force",
        "--build-lib",
        str(tmp_path / "lib"),
        "--build-temp",
        str(tmp_path / "temp"),
        *options,
        fails=fails,
        **variables,
    )


def _link_lines(tmp_path: Path) -> list[list[str]]:
    lines = (tmp_path / "cc.log").read_text().splitlines()
    return [line.split() for line in lines if line.startswith("-shared")]


def _wheel(tmp_path: Path, *, fails: bool = False, **variables: str) -> Path:
    # NOTE: `build` first, so that nothing lands in the checkout's build/ for a later real build to reuse.
    result = _setup(
        tmp_path,
        "build",
        "--build-base",
        str(tmp_path / "build"),
        "bdist_wheel",
        "--dist-dir",
        str(tmp_path / "dist"),
        "--bdist-dir",
        str(tmp_path / "bdist"),
        fails=fails,
        **variables,
    )
    assert result.returncode == 0, result.stderr
    [wheel] = (tmp_path / "dist").glob("*.whl")
    return wheel


def _wheel_metadata(wheel: Path) -> tuple[list[str], str]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [wheel_file] = [name for name in names if name.endswith(".dist-info/WHEEL")]
        return names, archive.read(wheel_file).decode()


def test_extensions_are_linked_stripped(tmp_path: Path) -> None:
    result = _build_ext(tmp_path)
    assert result.returncode == 0, result.stderr
    links = _link_lines(tmp_path)
    assert len(links) == len(list((ROOT / "starlette_c" / "_speedups").glob("*.pyx")))
    strip = ["-Wl,-S", "-Wl,-x"] if sys.platform == "darwin" else ["-s"]
    assert all(line[-len(strip) :] == strip for line in links)


def test_a_debug_build_keeps_the_symbols(tmp_path: Path) -> None:
    result = _build_ext(tmp_path, "--debug")
    assert result.returncode == 0, result.stderr
    assert not any({"-s", "-Wl,-S"} & set(line) for line in _link_lines(tmp_path))


def test_a_build_that_cannot_compile_stops_and_says_why(tmp_path: Path) -> None:
    result = _build_ext(tmp_path, fails=True)
    assert result.returncode != 0
    assert "starlette_c: the compiled twins cannot be built." in result.stderr
    assert "STARLETTE_C_NO_EXTENSIONS=1" in result.stderr
    assert "STARLETTE_C_ALLOW_PURE_FALLBACK=1" in result.stderr
    assert not list((tmp_path / "lib").rglob("*.so"))


def test_the_allowed_fallback_warns_and_builds_the_pure_wheel(tmp_path: Path) -> None:
    result = _build_ext(tmp_path, fails=True, STARLETTE_C_ALLOW_PURE_FALLBACK="1")
    assert result.returncode == 0, result.stderr
    assert "the PURE package is built instead" in result.stderr
    wheel = _wheel(tmp_path, fails=True, STARLETTE_C_ALLOW_PURE_FALLBACK="1")
    assert wheel.name.endswith("-py3-none-any.whl")
    names, metadata = _wheel_metadata(wheel)
    assert "Root-Is-Purelib: true" in metadata
    assert not [name for name in names if name.endswith((".so", ".pyd"))]


def test_the_compiled_wheel_is_tagged_for_its_platform(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path)
    assert not wheel.name.endswith("-none-any.whl")
    names, metadata = _wheel_metadata(wheel)
    assert "Root-Is-Purelib: false" in metadata
    compiled = [name for name in names if name.startswith("starlette_c/_speedups/") and name.endswith(".so")]
    assert len(compiled) == len(list((ROOT / "starlette_c" / "_speedups").glob("*.pyx")))


def test_no_extensions_builds_the_pure_wheel_with_the_hook(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, STARLETTE_C_NO_EXTENSIONS="1")
    assert wheel.name.endswith("-py3-none-any.whl")
    names, _ = _wheel_metadata(wheel)
    assert "starlette_c_as_starlette.pth" in names
    assert "starlette_c/py.typed" in names
    assert not (tmp_path / "cc.log").exists()


def test_the_editable_wheel_installs_the_hook(tmp_path: Path) -> None:
    build_editable = "import sys; from setuptools import build_meta; print(build_meta.build_editable(sys.argv[1]))"
    result = subprocess.run(
        [sys.executable, "-c", build_editable, str(tmp_path)],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k not in BUILD_VARIABLES}, "STARLETTE_C_NO_EXTENSIONS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    wheel = tmp_path / result.stdout.split()[-1]
    with zipfile.ZipFile(wheel) as archive:
        hook = archive.read("starlette_c_as_starlette.pth").decode()
    assert hook == (ROOT / "starlette_c_as_starlette.pth").read_text()


def test_the_sdist_carries_sources_and_what_the_suite_reads_but_no_build_products(tmp_path: Path) -> None:
    result = _setup(tmp_path, "sdist", "--dist-dir", str(tmp_path / "dist"), STARLETTE_C_NO_EXTENSIONS="1")
    assert result.returncode == 0, result.stderr
    [sdist] = (tmp_path / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {
        "setup.py",
        "pyproject.toml",
        "starlette_c_as_starlette.pth",
        "requirements-dev.txt",
        "mkdocs.yml",
        "docs/index.md",
        "docs/example.py",
        "tests/test_packaging.py",
        "tests/fuzz/regressions/parse_query.json",
        "tests/ecosystem/static/style.css",
        "scripts/demo",
        "scripts/fastapi_suite/compare.py",
        "scripts/starlette_suite/allow-list.txt",
        ".ci/run",
        "bench/README.md",
        "bench/tests/test_run.py",
        "starlette_c/_speedups/routing.pyx",
        "starlette_c/_speedups/routing.pyi",
        "starlette_c/_speedups/_lookup.h",
    } <= names
    assert not [name for name in names if name.endswith((".so", ".pyd", ".c")) and name.startswith("starlette_c/")]
    assert not [name for name in names if "__pycache__" in name or name.startswith(("bench/.venvs", "bench/results"))]
