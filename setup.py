"""Build script: compiles ``starlette_c/_speedups/*.pyx`` into the compiled twins.

A wheel is either fully compiled (tagged for its interpreter and platform) or pure (``py3-none-any``),
never a platform-tagged wheel that silently lacks its compiled twins. At build time:

- ``STARLETTE_C_NO_EXTENSIONS=1`` compiles nothing: the pure ``py3-none-any`` wheel, on purpose.
- Otherwise, on CPython, every twin is compiled; when that is impossible (no Cython, no C compiler or
  Python headers, a compile error) the build stops with a message saying why and what to do,
- unless ``STARLETTE_C_ALLOW_PURE_FALLBACK=1``: then it warns as loudly and builds the pure wheel.

Other interpreters (PyPy, GraalPy) get the pure wheel. Extensions are linked stripped of symbols and
debug information; ``build_ext --debug`` keeps them.
"""

from __future__ import annotations

import os
import platform
import sys
from glob import glob

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
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

# ld64 (macOS) has no `-s`: `-S` drops debug information, `-x` local symbols.
STRIP_LINK_ARGS = ["-Wl,-S", "-Wl,-x"] if sys.platform == "darwin" else ["-s"]


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


ALLOW_PURE_FALLBACK = _env_flag("STARLETTE_C_ALLOW_PURE_FALLBACK")


def _cannot_compile(reason: str) -> None:
    """Say loudly that the compiled twins are not being built; stop unless the pure fallback is allowed."""
    rule = "=" * 78
    lines = ["starlette_c: the compiled twins cannot be built.", f"  Reason: {reason}"]
    if ALLOW_PURE_FALLBACK:
        lines += [
            "  STARLETTE_C_ALLOW_PURE_FALLBACK is set, so the PURE package is built instead:",
            "  a py3-none-any wheel, same behaviour, slower. `python -m starlette_c info` shows",
            "  which twins an installation runs.",
        ]
    else:
        lines += [
            "  Install a C compiler and the Python development headers (Cython >= 3.0.10 comes",
            "  from the build requirements), or build the pure package explicitly:",
            "    STARLETTE_C_NO_EXTENSIONS=1        always build the pure py3-none-any wheel",
            "    STARLETTE_C_ALLOW_PURE_FALLBACK=1  build it only when compiling fails",
        ]
    print("\n".join([rule, *lines, rule]), file=sys.stderr)
    if not ALLOW_PURE_FALLBACK:
        raise SystemExit(1)


def _extensions() -> list:  # type: ignore[type-arg]
    sources = sorted(glob(os.path.join("starlette_c", "_speedups", "*.pyx")))
    if _env_flag("STARLETTE_C_NO_EXTENSIONS") or platform.python_implementation() != "CPython":
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        _cannot_compile("Cython is not installed")
        return []
    return cythonize(sources, compiler_directives=COMPILER_DIRECTIVES, quiet=True)


class CompiledTwinsBuildExt(build_ext):
    """Compile every twin, stripped unless ``--debug``; on failure stop, or fall back to pure when allowed."""

    def build_extensions(self) -> None:
        if not self.debug and self.compiler.compiler_type == "unix":
            for ext in self.extensions:
                ext.extra_link_args = [*ext.extra_link_args, *STRIP_LINK_ARGS]
        super().build_extensions()

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            _cannot_compile(f"{type(exc).__name__}: {exc}")
            # NOTE: no twin survives a partial failure, and without ext_modules the wheel is tagged pure.
            for path in self.get_outputs():
                if os.path.exists(path):
                    os.remove(path)
            self.distribution.ext_modules = []


class WheelTaggedByItsContents(bdist_wheel):
    """Tag the wheel by what the build produced, decided after building rather than before."""

    def run(self) -> None:
        if not self.skip_build:
            self.run_command("build")
            self.root_is_pure = not self.distribution.has_ext_modules()
        super().run()


class BuildPyWithAliasHook(build_py):
    """Ship the ``.pth`` hook at the root of the wheel, so it lands in site-packages."""

    def run(self) -> None:
        super().run()
        # NOTE: an editable wheel is assembled from `install`'s directory; its build_lib is thrown away.
        root = self.get_finalized_command("install").install_lib if self.editable_mode else self.build_lib
        self.copy_file(ALIAS_PTH, os.path.join(root, ALIAS_PTH))


setup(
    ext_modules=_extensions(),
    cmdclass={
        "build_ext": CompiledTwinsBuildExt,
        "bdist_wheel": WheelTaggedByItsContents,
        "build_py": BuildPyWithAliasHook,
    },
)
