"""``python -m starlette_c info`` shows which twins are live; ``run`` serves an app with starlette aliased."""

from __future__ import annotations

import os
import sys

USAGE = """usage:
  python -m starlette_c info
  python -m starlette_c run MODULE:APP [uvicorn options]   (serve with `import starlette` -> starlette_c)"""


def _info() -> int:
    import starlette_c
    from starlette_c import _backend

    print(f"starlette_c {starlette_c.__version__} on Python {sys.version.split()[0]}")
    print(f"forced pure (STARLETTE_C_PURE): {'yes' if _backend.FORCE_PURE else 'no'}")
    for name in _backend.TWINS:
        print(f"  {name}: {'compiled' if _backend.compiled[name] else 'pure'}")
    print(f"lane (STARLETTE_C_NO_LANE to turn off): {'on' if _backend.lane else 'off'}")
    print(f"__compiled__ = {starlette_c.__compiled__}")
    return 0


def _run(uvicorn_args: list[str]) -> int:
    from starlette_c import _alias

    _alias.enable()
    # NOTE: set for worker/reload subprocesses, which re-import the app through the installed .pth hook.
    os.environ[_alias.ENV_VAR] = "1"
    try:
        import uvicorn
    except ImportError:
        print("python -m starlette_c run needs uvicorn: pip install uvicorn", file=sys.stderr)
        return 2
    uvicorn.main.main(args=uvicorn_args, prog_name="python -m starlette_c run")
    return 0  # pragma: no cover - click's main() always leaves through SystemExit


def main(argv: list[str]) -> int:
    if argv == ["info"]:
        return _info()
    if len(argv) >= 2 and argv[0] == "run":
        return _run(argv[1:])
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover - exercised in a subprocess by tests/test_main.py
    raise SystemExit(main(sys.argv[1:]))
