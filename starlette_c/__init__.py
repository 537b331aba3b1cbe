"""starlette_c: the Starlette 1.10 API, with its hot paths compiled by Cython."""

from __future__ import annotations

__version__ = "1.10.0"

__all__ = ["__compiled__", "__version__"]


def __getattr__(name: str) -> bool:
    # NOTE: resolved lazily so that importing a leaf module (types, status) loads no twin.
    if name == "__compiled__":
        from starlette_c._backend import all_compiled

        return all_compiled
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
