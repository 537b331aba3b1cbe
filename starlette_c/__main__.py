"""``python -m starlette_c info``: which twin (compiled or pure) is live for each module."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if argv != ["info"]:
        print("usage: python -m starlette_c info", file=sys.stderr)
        return 2
    import starlette_c
    from starlette_c import _backend

    print(f"starlette_c {starlette_c.__version__} on Python {sys.version.split()[0]}")
    print(f"forced pure (STARLETTE_C_PURE): {'yes' if _backend.FORCE_PURE else 'no'}")
    for name in _backend.TWINS:
        print(f"  {name}: {'compiled' if _backend.compiled[name] else 'pure'}")
    print(f"__compiled__ = {starlette_c.__compiled__}")
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised in a subprocess by tests/test_main.py
    raise SystemExit(main(sys.argv[1:]))
