"""Build script: compiles ``starlette_c/_speedups/*.pyx`` when it can, else ships the pure package.

``STARLETTE_C_NO_EXTENSIONS=1`` skips compiling and yields a ``py3-none-any`` wheel.
A compile that fails (no compiler, no Cython, unsupported interpreter) also falls back to pure.
"""

from __future__ import annotations

import os
import platform
import sys
from glob import glob

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

# `STARLETTE_C_AS_STARLETTE=1` is honoured at interpreter start by this one-line hook in site-packages.
ALIAS_PTH = "starlette_c_as_starlette.pth"

COMPILER_DIRECTIVES = {
    "language_level": "3",
    "embedsignature": True,
    # PERF: indexes in the speedups are checked by hand before use.
    "boundscheck": False,
    "wraparound": False,
    "initializedcheck": False,
    "cdivision": True,
}


def _want_extensions() -> bool:
    if os.environ.get("STARLETTE_C_NO_EXTENSIONS", "") not in ("", "0"):
        return False
    return platform.python_implementation() == "CPython"


def _extensions() -> list:  # type: ignore[type-arg]
    sources = sorted(glob(os.path.join("starlette_c", "_speedups", "*.pyx")))
    if not sources or not _want_extensions():
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("starlette_c: Cython is not available, building the pure package", file=sys.stderr)
        return []
    return cythonize(sources, compiler_directives=COMPILER_DIRECTIVES, quiet=True)


class OptionalBuildExt(build_ext):
    """Build the extensions, but never let a failed compile stop the install."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            print(f"starlette_c: extensions not built ({exc}); the pure package will be used", file=sys.stderr)

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:
            print(f"starlette_c: {ext.name} not built ({exc}); its pure twin will be used", file=sys.stderr)


class BuildPyWithAliasHook(build_py):
    """Ship the ``.pth`` hook at the root of the wheel, so it lands in site-packages."""

    def run(self) -> None:
        super().run()
        self.copy_file(ALIAS_PTH, os.path.join(self.build_lib, ALIAS_PTH))


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt, "build_py": BuildPyWithAliasHook})
